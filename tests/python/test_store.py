"""Store: opening, creating and locating a store as tm does, identity,
options, context management, closing."""
import os
import shutil
import tempfile
import unittest

import helpers
import taskorch


class Locating(unittest.TestCase):
    def setUp(self):
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="taskorch-py-"))
        self.addCleanup(shutil.rmtree, self.dir, True)
        cwd = os.getcwd()
        self.addCleanup(os.chdir, cwd)
        env = os.environ.get("TM_DB_PATH")
        self.addCleanup(os.environ.__setitem__, "TM_DB_PATH", env or "")

    def test_path_rules(self):
        d = self.dir
        self.assertEqual(taskorch.locate(os.path.join(d, "s")), os.path.join(d, "s", "tasks.db"))
        self.assertEqual(taskorch.locate(os.path.join(d, "x.db")), os.path.join(d, "x.db"))
        os.environ["TM_DB_PATH"] = os.path.join(d, "env")
        self.assertEqual(taskorch.locate(), os.path.join(d, "env", "tasks.db"))
        self.assertEqual(taskorch.locate(os.path.join(d, "arg")),
                         os.path.join(d, "arg", "tasks.db"))

    def test_walks_up_then_defaults_to_the_current_folder(self):
        os.environ["TM_DB_PATH"] = ""
        deep = os.path.join(self.dir, "a", "b", "c")
        os.makedirs(deep)
        os.chdir(deep)
        self.assertEqual(taskorch.locate(), os.path.join(".task-orchestrator", "tasks.db"))
        os.mkdir(os.path.join(self.dir, "a", ".task-orchestrator"))
        self.assertEqual(taskorch.locate(),
                         os.path.join(self.dir, "a", ".task-orchestrator", "tasks.db"))
        with taskorch.Store(create=True, agent="walker") as s:
            self.assertEqual(s.path, os.path.join(self.dir, "a", ".task-orchestrator",
                                                  "tasks.db"))
            s.add("found by walking up")
        with taskorch.Store(os.path.join(self.dir, "a", ".task-orchestrator")) as s:
            self.assertEqual([t.title for t in s.tasks()], ["found by walking up"])

    def test_env_store_is_used_when_no_path_is_given(self):
        os.environ["TM_DB_PATH"] = os.path.join(self.dir, "envstore")
        with taskorch.Store(create=True) as s:
            self.assertEqual(s.path, os.path.join(self.dir, "envstore", "tasks.db"))
        self.assertTrue(os.path.isfile(os.path.join(self.dir, "envstore", "tasks.db")))

    def test_path_like_and_bytes_paths(self):
        import pathlib
        p = pathlib.Path(self.dir) / "pl.db"
        with taskorch.Store(p, create=True, agent="a") as s:
            self.assertEqual(s.path, str(p))
        with taskorch.Store(os.fsencode(str(p)), agent="a") as s:
            self.assertEqual(s.path, str(p))


class Opening(helpers.StoreTest):
    def test_missing_store_is_not_created_without_create(self):
        missing = os.path.join(self.dir, "missing")
        with self.assertRaises(taskorch.NotFoundError) as cm:
            taskorch.Store(missing)
        self.assertEqual(cm.exception.code, taskorch._lib.TASKORCH_ENOTFOUND)
        self.assertIn("no task store at " + os.path.join(missing, "tasks.db"), str(cm.exception))
        self.assertFalse(os.path.exists(missing))
        with self.assertRaises(taskorch.NotFoundError):
            taskorch.Store(missing, create=True, readonly=True)
        self.assertFalse(os.path.exists(missing))

    def test_create_makes_folders(self):
        nested = os.path.join(self.dir, "x", "y", "z")
        with taskorch.Store(nested, create=True, agent="a") as s:
            self.assertEqual(s.path, os.path.join(nested, "tasks.db"))
        self.assertTrue(os.path.isfile(os.path.join(nested, "tasks.db")))

    def test_agent_from_argument_then_environment(self):
        self.assertEqual(self.store.agent, "alice")
        saved = os.environ.get("TM_AGENT_ID")
        self.addCleanup(os.environ.__setitem__, "TM_AGENT_ID", saved or "")
        os.environ["TM_AGENT_ID"] = "from-env"
        with taskorch.Store(self.db) as s:
            self.assertEqual(s.agent, "from-env")
            self.assertEqual(s.add("t").created_by, "from-env")
        with taskorch.Store(self.db, agent="explicit") as s:
            self.assertEqual(s.agent, "explicit")

    def test_agent_can_be_changed(self):
        self.store.agent = "bob"
        self.assertEqual(self.store.agent, "bob")
        self.assertEqual(self.store.add("t").created_by, "bob")
        with self.assertRaises(taskorch.ValidationError) as cm:
            self.store.agent = "has space"
        self.assertIn("agent id", str(cm.exception))
        self.assertEqual(self.store.agent, "bob")

    def test_bad_agent_at_open(self):
        for bad in ("", "a b", "a/b", "x" * 65, "tab\there"):
            with self.subTest(agent=bad):
                if bad == "":
                    # empty means "not given": falls back to TM_AGENT_ID
                    with taskorch.Store(self.db, agent=bad) as s:
                        self.assertEqual(s.agent, os.environ["TM_AGENT_ID"])
                    continue
                with self.assertRaises(taskorch.ValidationError) as cm:
                    taskorch.Store(self.db, agent=bad)
                self.assertIn("agent id", str(cm.exception))
        self.assertTrue(taskorch.is_valid_agent("backend-1"))
        self.assertFalse(taskorch.is_valid_agent("a b"))

    def test_readonly_refuses_writes(self):
        t = self.store.add("existing")
        with taskorch.Store(self.db, readonly=True, agent="r") as ro:
            self.assertEqual(ro.get(t.id).title, "existing")
            before = self.event_count()
            with self.assertRaises(taskorch.ReadOnlyError) as cm:
                ro.add("nope")
            self.assertIsInstance(cm.exception, OSError)
            self.assertEqual(str(cm.exception), "the store was opened read-only")
            with self.assertRaises(taskorch.ReadOnlyError):
                ro.complete(t.id)
            self.assertEqual(self.event_count(), before)

    def test_mirror_is_written_unless_switched_off(self):
        mdir = os.path.join(self.dir, "mirrored")
        with taskorch.Store(mdir, create=True, agent="a") as s:
            t = s.add("mirrored task")
            s.share(t, "shared words")
        with open(os.path.join(mdir, "contexts", "context_%s.md" % t.id)) as f:
            self.assertIn("shared words", f.read())
        plain = os.path.join(self.dir, "plain")
        with taskorch.Store(plain, create=True, agent="a", mirror=False) as s:
            s.share(s.add("plain task"), "shared words")
        self.assertEqual({f for f in os.listdir(plain) if not f.startswith("tasks.db")}, set())

    def test_busy_timeout_option(self):
        with taskorch.Store(self.db, agent="a", busy_timeout=0.5) as s:
            s.add("fine")
        with self.assertRaises(taskorch.ValidationError):
            taskorch.Store(self.db, busy_timeout=-1)


class Closing(helpers.StoreTest):
    def test_context_manager_closes(self):
        with taskorch.Store(self.db, agent="a") as s:
            self.assertFalse(s.closed)
        self.assertTrue(s.closed)
        self.assertIn("closed", repr(s))

    def test_closed_store_raises_everywhere(self):
        t = self.store.add("before close")
        s = self.open("bob")
        s.close()
        s.close()  # twice is fine
        calls = [
            lambda: s.add("x"), lambda: s.get(t.id), lambda: s.update(t.id, title="y"),
            lambda: s.complete(t.id), lambda: s.assign(t.id, "x"), lambda: s.delete(t.id),
            lambda: s.tasks(), lambda: s.ready(), lambda: s.add_dependencies(t.id, t.id),
            lambda: s.remove_dependencies(t.id, t.id), lambda: s.dependencies(t.id),
            lambda: s.dependents(t.id), lambda: s.join(t.id), lambda: s.note(t.id, "n"),
            lambda: s.share(t.id, "s"), lambda: s.messages(t.id), lambda: s.participants(t.id),
            lambda: s.events(), lambda: s.watch(timeout=0), lambda: s.cursor(),
            lambda: s.set_cursor(1), lambda: s.wait(0, 0), lambda: s.last_event_id(),
            lambda: s.resolve(t.id), lambda: s.path, lambda: s.agent,
            lambda: s.set_status(t.id, "pending"), lambda: s.__enter__(),
            lambda: s.claim(), lambda: s.claim(t.id, lease=5, wait=1),
            lambda: s.heartbeat(t.id), lambda: s.release(t.id), lambda: s.wait(t.id),
            lambda: s.wait(), lambda: s.wait_event(0), lambda: s.config_get("lease"),
            lambda: s.config_set("lease", "5m"), lambda: s.watch(kinds=["share"]),
            lambda: s.complete(t.id, request_id="r", claim=1, force=True),
        ]
        for i, call in enumerate(calls):
            with self.subTest(call=i):
                with self.assertRaises(taskorch.ClosedStoreError) as cm:
                    call()
                self.assertIsInstance(cm.exception, taskorch.StoreError)
                self.assertEqual(str(cm.exception), "the store is closed")
        with self.assertRaises(taskorch.ClosedStoreError):
            s.agent = "carol"
        self.assertEqual(self.store.get(t.id).title, "before close")

    def test_iterators_outlive_their_store(self):
        for i in range(3):
            self.store.add("t%d" % i)
        s = self.open("bob")
        it = s.tasks(sort="created")
        first = next(it)
        s.close()
        self.assertEqual([first.title] + [t.title for t in it], ["t0", "t1", "t2"])

    def test_watch_on_a_closed_store_raises_on_next(self):
        s = self.open("bob")
        w = s.watch(timeout=5)
        s.close()
        with self.assertRaises(taskorch.ClosedStoreError):
            next(w)


class Threads(helpers.StoreTest):
    def test_threads_may_share_a_store(self):
        import threading
        errors = []

        def work(n):
            try:
                for i in range(20):
                    t = self.store.add("thread %d task %d" % (n, i))
                    self.store.share(t, "from thread %d" % n)
                    list(self.store.tasks(limit=5))
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(self.store.tasks()), 80)


if __name__ == "__main__":
    unittest.main()
