"""Exact request ids (issue 7): repeating a write with the same request id,
operation and arguments returns the first result and writes nothing (rows
and events counted with sqlite3); the same request id with another
operation or other arguments raises RequestError and writes nothing. The
scope is the agent. A request id is handed to the library for exactly one
write."""
import unittest

import helpers
import taskorch
from taskorch import _lib as L


class Repeats(helpers.StoreTest):
    def assertUnchanged(self, before):
        self.assertEqual(self.snapshot(), before)

    def test_add_twice_is_one_task(self):
        first = self.store.add("Build it", priority="high", tags=["api"], request_id="add-1")
        before = self.snapshot()
        again = self.store.add("Build it", priority="high", tags=["api"], request_id="add-1")
        self.assertEqual(again.id, first.id)
        self.assertUnchanged(before)
        self.assertEqual(self.rows("tasks"), 1)

    def test_add_with_other_arguments_is_refused(self):
        self.store.add("Build it", request_id="add-1")
        before = self.snapshot()
        for kw in (dict(title="Build something else"), dict(title="Build it", priority="low"),
                   dict(title="Build it", tags=["x"])):
            with self.subTest(**kw):
                with self.assertRaises(taskorch.RequestError) as cm:
                    self.store.add(request_id="add-1", **kw)
                e = cm.exception
                self.assertIsInstance(e, taskorch.ValidationError)
                self.assertEqual(e.code, L.TASKORCH_EREQUEST)
                self.assertIn("add-1", str(e))
                self.assertIn("already used", str(e))
        self.assertUnchanged(before)

    def test_another_operation_with_the_same_id_is_refused(self):
        t = self.store.add("t", request_id="r-1")
        before = self.snapshot()
        calls = {
            "update": lambda: self.store.update(t, title="other", request_id="r-1"),
            "complete": lambda: self.store.complete(t, request_id="r-1"),
            "claim": lambda: self.store.claim(t, request_id="r-1"),
            "share": lambda: self.store.share(t, "hello", request_id="r-1"),
            "assign": lambda: self.store.assign(t, "bob", request_id="r-1"),
            "join": lambda: self.store.join(t, request_id="r-1"),
            "delete": lambda: self.store.delete(t, request_id="r-1"),
        }
        for name, call in calls.items():
            with self.subTest(call=name):
                with self.assertRaises(taskorch.RequestError):
                    call()
        self.assertUnchanged(before)

    def test_the_scope_is_the_agent(self):
        a = self.store.add("alice's", request_id="same")
        b = self.open("bob").add("bob's", request_id="same")
        self.assertNotEqual(a.id, b.id)
        self.assertEqual(self.rows("tasks"), 2)

    def test_complete_twice(self):
        t = self.store.add("t")
        self.store.complete(t, summary="done", request_id="c-1")
        before = self.snapshot()
        self.store.complete(t, summary="done", request_id="c-1")  # no "already completed"
        self.assertUnchanged(before)
        with self.assertRaises(taskorch.ValidationError):
            self.store.complete(t, summary="done")  # without the id: a second completion
        with self.assertRaises(taskorch.RequestError):
            self.store.complete(t, summary="other words", request_id="c-1")
        self.assertUnchanged(before)

    def test_claim_twice_returns_the_same_claim(self):
        self.store.add("a")
        self.store.add("b")
        first = self.store.claim(lease=60, request_id="claim-1")
        before = self.snapshot()
        again = self.store.claim(lease=60, request_id="claim-1")
        self.assertEqual((again.id, again.claim), (first.id, first.claim))
        self.assertUnchanged(before)
        with self.assertRaises(taskorch.RequestError):
            self.store.claim(lease=60, tag="x", request_id="claim-1")
        self.assertUnchanged(before)
        # A new id takes new work.
        self.assertNotEqual(self.store.claim(request_id="claim-2").id, first.id)

    def test_posts(self):
        t = self.store.add("t")
        first = self.store.share(t, "Deploy started", request_id="deploy-42")
        before = self.snapshot()
        self.assertEqual(self.store.share(t, "Deploy started", request_id="deploy-42"), first)
        self.assertUnchanged(before)
        for call in (lambda: self.store.share(t, "Deploy finished", request_id="deploy-42"),
                     lambda: self.store.progress(t, "Deploy started", request_id="deploy-42"),
                     lambda: self.store.discover(t, "CRITICAL: x", request_id="deploy-42"),
                     lambda: self.store.note(t, "Deploy started", request_id="deploy-42")):
            with self.assertRaises(taskorch.RequestError):
                call()
        self.assertUnchanged(before)
        self.assertEqual([m.text for m in self.store.messages(t)], ["Deploy started"])

    def test_heartbeat_release_and_dependencies(self):
        a, b = self.store.add("a"), self.store.add("b")
        self.store.claim(a, lease=60)
        beat = self.store.heartbeat(a, lease=60, request_id="hb-1")
        before = self.snapshot()
        self.assertEqual(self.store.heartbeat(a, lease=60, request_id="hb-1").lease_expires,
                         beat.lease_expires)
        self.assertUnchanged(before)
        self.store.release(a, request_id="rel-1")
        before = self.snapshot()
        self.store.release(a, request_id="rel-1")  # not held any more, yet no error
        self.assertUnchanged(before)
        self.store.add_dependencies(b, a, request_id="dep-1")
        before = self.snapshot()
        self.store.add_dependencies(b, a, request_id="dep-1")
        self.assertUnchanged(before)
        self.store.remove_dependencies(b, a, request_id="dep-2")
        before = self.snapshot()
        self.store.remove_dependencies(b, a, request_id="dep-2")  # the edge is gone: no error
        self.assertUnchanged(before)

    def test_bad_request_ids_are_refused_and_not_kept(self):
        t = self.store.add("t")
        before = self.snapshot()
        for bad in ("", "has space", "x" * 65, "a/b"):
            with self.subTest(request_id=bad):
                with self.assertRaises(taskorch.ValidationError):
                    self.store.add("new", request_id=bad)
        with self.assertRaises(TypeError):
            self.store.add("new", request_id=b"bytes")
        self.assertUnchanged(before)
        # Options apply to one call only: the next writes carry none.
        self.store.share(t, "one", request_id="once")
        self.store.share(t, "two")
        self.store.share(t, "two")
        self.assertEqual([m.text for m in self.store.messages(t)], ["one", "two", "two"])

    def test_a_failed_call_uses_up_its_options(self):
        self.store.add("t")
        with self.assertRaises(taskorch.NotFoundError):
            self.store.complete("abcd0000", request_id="r-x")
        # The options went with the failed call: a later add is unaffected.
        self.assertEqual(self.store.add("plain").title, "plain")
        self.assertEqual(self.store.add("plain").title, "plain")
        self.assertEqual(self.rows("tasks"), 3)


class Processes(helpers.StoreTest):
    def test_racing_processes_with_one_request_id_make_one_task(self):
        code = """if True:
            import sys, taskorch
            with taskorch.Store(sys.argv[1], agent="racer", mirror=False) as s:
                print(s.add("exactly once", priority="high", request_id="race-1").id)
            """
        procs = [helpers.start_python(code, self.db) for _ in range(8)]
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err)
            outs.append(out.strip())
        self.assertEqual(len(set(outs)), 1, outs)
        self.assertEqual(self.rows("tasks"), 1)
        self.assertEqual([t.id for t in self.store.tasks()], outs[:1])

    def test_racing_posts_with_one_request_id_and_different_texts(self):
        t = self.store.add("t")
        code = """if True:
            import sys, taskorch
            with taskorch.Store(sys.argv[1], agent="poster", mirror=False) as s:
                try:
                    print("posted", s.share(sys.argv[2], "text %s" % sys.argv[3],
                                            request_id="post-1"))
                except taskorch.RequestError:
                    print("refused")
            """
        procs = [helpers.start_python(code, self.db, t.id, str(i)) for i in range(6)]
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err)
            outs.append(out.split()[0])
        self.assertEqual(sorted(outs), ["posted"] + ["refused"] * 5)
        self.assertEqual(len([m for m in self.store.messages(t)]), 1)

    def test_tm_and_python_share_request_ids(self):
        p = self.tm("add", "from tm", "--request-id", "shared-1")
        if p.returncode == 2 and "request-id" in p.stderr:
            self.fail("tm add --request-id is not there yet: " + p.stderr.strip())
        self.assertEqual(p.returncode, 0, p.stderr)
        t = self.store.add("from tm", request_id="shared-1")
        self.assertEqual(t.id, p.stdout.strip())
        self.assertEqual(self.rows("tasks"), 1)


if __name__ == "__main__":
    unittest.main()
