"""Every libtaskorch status code raises its own exception class, in the
right family (KeyError / ValueError / OSError), carrying the code and the
library's own message; a failed call leaves the store unchanged."""
import os
import pickle
import sqlite3
import unittest

import helpers
import taskorch
from taskorch import _lib as L


class ErrorCodes(helpers.StoreTest):
    def check(self, cm, cls, family, code, *fragments):
        e = cm.exception
        self.assertIs(type(e), cls)
        self.assertIsInstance(e, family)
        self.assertIsInstance(e, taskorch.TaskorchError)
        self.assertEqual(e.code, code)
        self.assertEqual(str(e), e.message)
        # The library's detail, not just the generic text of the code.
        self.assertNotEqual(e.message, L.taskorch_strerror(code).decode())
        for f in fragments:
            self.assertIn(f, e.message)

    def test_einval(self):
        before = self.event_count()
        for title, fragment in (("", "title"), ("   ", "title"), ("x" * 501, "500"),
                                ("bell\x07", "control")):
            with self.subTest(title=title[:10]):
                with self.assertRaises(taskorch.ValidationError) as cm:
                    self.store.add(title)
                self.check(cm, taskorch.ValidationError, ValueError, L.TASKORCH_EINVAL, fragment)
        with self.assertRaises(taskorch.ValidationError) as cm:
            self.store.get("not-an-id")
        self.check(cm, taskorch.ValidationError, ValueError, L.TASKORCH_EINVAL, "malformed")
        self.assertEqual(self.event_count(), before)

    def test_invalid_utf8_is_refused_by_the_library(self):
        # A lone surrogate cannot be UTF-8; it reaches the library as such.
        with self.assertRaises(taskorch.ValidationError) as cm:
            self.store.add("bad \udcff text")
        self.check(cm, taskorch.ValidationError, ValueError, L.TASKORCH_EINVAL, "UTF-8")
        self.assertEqual(len(self.store.tasks()), 0)

    def test_enotfound(self):
        with self.assertRaises(taskorch.NotFoundError) as cm:
            self.store.get("abcdef12")
        self.check(cm, taskorch.NotFoundError, KeyError, L.TASKORCH_ENOTFOUND,
                   "no task with id 'abcdef12'")
        with self.assertRaises(KeyError):
            self.store["abcdef12"]

    def test_eambiguous(self):
        # Random ids share a 4-character prefix after ~300 tasks on average.
        seen = {}
        for _ in range(5000):
            t = self.store.add("t")
            if t.id[:4] in seen:
                break
            seen[t.id[:4]] = t.id
        else:
            self.fail("no two ids shared a prefix")
        prefix = t.id[:4]
        with self.assertRaises(taskorch.AmbiguousIdError) as cm:
            self.store.get(prefix)
        self.check(cm, taskorch.AmbiguousIdError, KeyError, L.TASKORCH_EAMBIGUOUS,
                   "matches several tasks", t.id, seen[prefix])
        self.assertIsInstance(cm.exception, taskorch.NotFoundError)

    def test_ecycle_eblocked_ehasdependents(self):
        a = self.store.add("a")
        b = self.store.add("b", depends_on=a)
        before = self.event_count()
        with self.assertRaises(taskorch.CycleError) as cm:
            self.store.add_dependencies(a, b)
        self.check(cm, taskorch.CycleError, ValueError, L.TASKORCH_ECYCLE, a.id, b.id)
        with self.assertRaises(taskorch.BlockedError) as cm:
            self.store.complete(b)
        self.check(cm, taskorch.BlockedError, ValueError, L.TASKORCH_EBLOCKED, a.id)
        with self.assertRaises(taskorch.HasDependentsError) as cm:
            self.store.delete(a)
        self.check(cm, taskorch.HasDependentsError, ValueError, L.TASKORCH_EHASDEPENDENTS, b.id)
        self.assertEqual(self.event_count(), before)

    def test_econflict(self):
        t = self.store.add("mine", assignee="alice")
        before = self.event_count()
        with self.assertRaises(taskorch.ConflictError) as cm:
            self.open("bob").claim(t)
        self.check(cm, taskorch.ConflictError, ValueError, L.TASKORCH_ECONFLICT, t.id,
                   "alice", "bob")
        self.assertIsInstance(cm.exception, taskorch.ValidationError)
        self.assertEqual(self.event_count(), before)

    def test_estore(self):
        blocker = os.path.join(self.dir, "plainfile")
        with open(blocker, "w") as f:
            f.write("not a folder")
        with self.assertRaises(taskorch.StoreError) as cm:
            taskorch.Store(os.path.join(blocker, "sub"), create=True)
        self.check(cm, taskorch.StoreError, OSError, L.TASKORCH_ESTORE, "cannot create folder")
        dir_as_file = os.path.join(self.dir, "d")
        os.makedirs(os.path.join(dir_as_file, "tasks.db"))
        with self.assertRaises(taskorch.StoreError) as cm:
            taskorch.Store(dir_as_file)
        self.check(cm, taskorch.StoreError, OSError, L.TASKORCH_ESTORE, "not a regular file")

    def test_ecorrupt_leaves_the_file_untouched(self):
        junk = os.path.join(self.dir, "junk.db")
        content = b"this is not a database\n" * 100
        with open(junk, "wb") as f:
            f.write(content)
        with self.assertRaises(taskorch.CorruptStoreError) as cm:
            taskorch.Store(junk, create=True)
        self.check(cm, taskorch.CorruptStoreError, OSError, L.TASKORCH_ECORRUPT,
                   junk, "not a taskorch store")
        with open(junk, "rb") as f:
            self.assertEqual(f.read(), content)
        foreign = os.path.join(self.dir, "foreign.db")
        with sqlite3.connect(foreign) as c:
            c.execute("CREATE TABLE other(x)")
        with self.assertRaises(taskorch.CorruptStoreError) as cm:
            taskorch.Store(foreign, create=True)
        self.check(cm, taskorch.CorruptStoreError, OSError, L.TASKORCH_ECORRUPT,
                   "not a taskorch store")

    def test_eschema_leaves_the_file_untouched(self):
        self.store.add("kept")
        self.store.close()
        path = os.path.join(self.db, "tasks.db")
        c = sqlite3.connect(path)
        c.execute("PRAGMA user_version = 999")
        c.commit()
        c.close()
        with open(path, "rb") as f:
            content = f.read()
        with self.assertRaises(taskorch.SchemaError) as cm:
            taskorch.Store(self.db)
        self.check(cm, taskorch.SchemaError, OSError, L.TASKORCH_ESCHEMA, "schema version 999")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), content)

    def test_ebusy(self):
        holder = sqlite3.connect(os.path.join(self.db, "tasks.db"), isolation_level=None)
        self.addCleanup(holder.close)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with taskorch.Store(self.db, agent="waiter", busy_timeout=0.05,
                                mirror=False) as s:
                with self.assertRaises(taskorch.BusyError) as cm:
                    s.add("waits too long")
        finally:
            holder.execute("ROLLBACK")
        self.check(cm, taskorch.BusyError, OSError, L.TASKORCH_EBUSY, "locked")
        self.assertEqual(len(self.store.tasks()), 0)

    def test_ereadonly(self):
        with taskorch.Store(self.db, readonly=True) as ro:
            with self.assertRaises(taskorch.ReadOnlyError) as cm:
                ro.add("x")
        self.check(cm, taskorch.ReadOnlyError, OSError, L.TASKORCH_EREADONLY, "read-only")

    def test_codes_without_a_reachable_trigger_map_to_their_classes(self):
        # ETIMEOUT is turned into False by Store.wait_event; ENOMEM and ERROR
        # cannot be provoked from here. Their mapping still holds.
        for code, cls, family in ((L.TASKORCH_ETIMEOUT, taskorch.WaitTimeoutError, TimeoutError),
                                  (L.TASKORCH_ENOMEM, taskorch.OutOfMemoryError, MemoryError),
                                  (L.TASKORCH_ERROR, taskorch.TaskorchError, Exception)):
            e = taskorch.error_for(code)
            self.assertIs(type(e), cls)
            self.assertIsInstance(e, family)
            self.assertEqual(str(e), L.taskorch_strerror(code).decode())
        self.assertEqual(str(taskorch.error_for(L.TASKORCH_ENOTFOUND, "detail")), "detail")

    def test_every_code_has_a_class(self):
        # Every error code: ITEROVER (-15) ends an iteration, it is no error.
        codes = list(range(L.TASKORCH_ETIMEOUT, L.TASKORCH_OK)) + [L.TASKORCH_ECONFLICT,
                                                                    L.TASKORCH_EREQUEST]
        classes = {type(taskorch.error_for(c)) for c in codes if c != L.TASKORCH_ERROR}
        self.assertEqual(len(classes), 15)
        e = taskorch.error_for(L.TASKORCH_EREQUEST, "request id r already used for add")
        self.assertIs(type(e), taskorch.RequestError)
        self.assertIsInstance(e, taskorch.ValidationError)
        self.assertIsInstance(e, ValueError)
        self.assertNotIn(taskorch.TaskorchError, classes)

    def test_exceptions_pickle(self):
        e = taskorch.error_for(L.TASKORCH_ENOTFOUND, "no task with id 'abcd'")
        e2 = pickle.loads(pickle.dumps(e))
        self.assertIs(type(e2), taskorch.NotFoundError)
        self.assertEqual((e2.code, str(e2)), (e.code, str(e)))


if __name__ == "__main__":
    unittest.main()
