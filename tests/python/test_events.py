"""The change feed: events, cursors, wait and watch, across processes."""
import os
import subprocess
import sys
import textwrap
import unittest

import helpers
import taskorch


class Events(helpers.StoreTest):
    def test_every_change_is_an_event(self):
        s = self.store
        a = s.add("a")
        b = s.add("b", depends_on=a)
        s.assign(a, "bob")
        s.share(a, "hello")
        s.complete(a)
        evs = list(s.events())
        self.assertEqual([e.kind for e in evs], [
            "created", "created", "dep_added", "blocked", "assigned", "joined", "share",
            "status", "unblocked"])
        self.assertEqual([e.id for e in evs], sorted(e.id for e in evs))
        self.assertEqual(evs[-1].task, b.id)
        self.assertEqual(evs[0].agent, "alice")
        self.assertEqual(evs[0].text, "a")
        self.assertEqual(s.last_event_id(), evs[-1].id)

    def test_filters(self):
        s = self.store
        a, b = s.add("a"), s.add("b")
        bob = self.open("bob")
        bob.share(b, "bob on b")
        bob.discover(a, "bob found something on a")
        first = s.last_event_id()
        s.share(a, "later")
        self.assertEqual([(e.kind, e.text) for e in s.events(after=first)],
                         [("joined", "alice"), ("share", "later")])
        self.assertEqual([e.kind for e in s.events(task=b.id[:4])], ["created", "joined", "share"])
        self.assertEqual([e.text for e in s.events(kinds=["share", "discover"])],
                         ["bob on b", "bob found something on a", "later"])
        self.assertEqual(len(list(s.events(limit=2))), 2)
        self.assertEqual(list(s.events(kinds=[])), [])
        carol = self.open("carol")
        carol.join(b)
        # mine: carol's tasks (joined b) plus every discovery and sync point
        mine = [(e.kind, e.task) for e in carol.events(mine=True)]
        self.assertIn(("discover", a.id), mine)
        self.assertNotIn(("created", a.id), mine)
        self.assertIn(("created", b.id), mine)
        with self.assertRaises(taskorch.NotFoundError):
            s.events(task="abcd0123")

    def test_cursors(self):
        s = self.store
        self.assertEqual(s.cursor(), 0)
        s.set_cursor(7)
        self.assertEqual(s.cursor(), 7)
        self.assertEqual(s.cursor("alice"), 7)
        s.set_cursor(3, consumer="reporter")
        self.assertEqual((s.cursor(), s.cursor("reporter")), (7, 3))
        with self.assertRaises(taskorch.ValidationError):
            s.cursor("bad name")

    def test_wait_event(self):
        s = self.store
        self.assertFalse(s.wait_event(0, timeout=0))
        s.add("x")
        self.assertTrue(s.wait_event(0, timeout=0))
        self.assertTrue(s.wait_event(0))
        self.assertFalse(s.wait_event(s.last_event_id(), timeout=0.05))


class Watch(helpers.StoreTest):
    def test_watch_drains_and_advances_the_cursor(self):
        s = self.store
        a = s.add("a")
        s.share(a, "one")
        got = [e.kind for e in s.watch(timeout=0)]
        self.assertEqual(got, ["created", "joined", "share"])
        self.assertEqual(s.cursor(), s.last_event_id())
        self.assertEqual(list(s.watch(timeout=0)), [])
        s.share(a, "two")
        self.assertEqual([e.text for e in s.watch(timeout=0)], ["two"])

    def test_leaving_early_keeps_the_rest(self):
        s = self.store
        for i in range(5):
            s.add("t%d" % i)
        for ev in s.watch(timeout=0):
            if ev.text == "t1":
                break
        self.assertEqual([e.text for e in s.watch(timeout=0)], ["t2", "t3", "t4"])

    def test_consumers_are_independent(self):
        s = self.store
        s.add("a")
        self.assertEqual(len(list(s.watch(timeout=0, consumer="one"))), 1)
        self.assertEqual(len(list(s.watch(timeout=0, consumer="one"))), 0)
        self.assertEqual(len(list(s.watch(timeout=0, consumer="two"))), 1)
        self.assertEqual(len(list(s.watch(timeout=0))), 1)
        # Another agent has its own cursor and sees every shared event.
        self.assertEqual(len(list(self.open("bob").watch(timeout=0))), 1)

    def test_default_cursor_is_shared_with_tm_watch(self):
        s = self.store
        s.add("seen by python")
        list(s.watch(timeout=0))
        out = self.tm("watch")
        self.assertEqual((out.returncode, out.stdout), (0, ""), out.stderr)
        s.add("new one")
        out = self.tm("watch")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("created", out.stdout)
        self.assertIn("new one", out.stdout)
        self.assertEqual(list(s.watch(timeout=0)), [])

    def test_notes_of_others_never_show(self):
        s = self.store
        a = s.add("a")
        self.open("bob").note(a, "bob's private note")
        self.assertNotIn("note", [e.kind for e in s.watch(timeout=0)])
        self.assertIn("note", [e.kind for e in self.open("bob").watch(timeout=0)])

    def test_watch_yields_what_another_process_writes(self):
        s = self.store
        list(s.watch(timeout=0))
        # The writer waits a moment so the watcher is (usually) already
        # waiting; the assertion holds either way.
        writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
            import sys, time, taskorch
            time.sleep(0.3)
            with taskorch.Store(sys.argv[1], agent="writer", mirror=False) as w:
                t = w.add("from another process")
                w.discover(t, "found it")
            """), self.db])
        self.addCleanup(writer.wait)
        got = []
        for ev in s.watch(timeout=60):
            got.append((ev.kind, ev.agent, ev.text))
            if ev.kind == "discover":
                break
        self.assertEqual(got, [("created", "writer", "from another process"),
                               ("joined", "writer", "writer"),
                               ("discover", "writer", "found it")])
        self.assertEqual(writer.wait(timeout=60), 0)
        self.assertEqual(s.cursor(), s.last_event_id())

    def test_watch_follows_tm_writes(self):
        s = self.store
        list(s.watch(timeout=0))
        w = s.watch(timeout=60)
        env = dict(os.environ, TM_AGENT_ID="cli", TM_NO_MIRROR="1")
        writer = subprocess.Popen([helpers.TM, "--db", self.db, "add", "from tm"], env=env,
                                  stdout=subprocess.PIPE, text=True)
        self.addCleanup(writer.wait)
        ev = next(w)
        w.close()
        self.assertEqual((ev.kind, ev.agent, ev.text), ("created", "cli", "from tm"))
        self.assertEqual(writer.communicate(timeout=60)[0].strip(), ev.task)

    def test_timeout_ends_the_watch(self):
        self.assertEqual(list(self.store.watch(timeout=0.05)), [])


if __name__ == "__main__":
    unittest.main()
