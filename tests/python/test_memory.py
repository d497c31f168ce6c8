"""Whatever the library hands over is released with the library's own
free function, once: tasks, iterators (when exhausted, closed or
collected), participant arrays, located paths."""
import ctypes
import gc
import unittest

import helpers
import taskorch
from taskorch import _lib as L


class Recorder:
    """Wraps a free function and records each non-NULL pointer freed."""

    def __init__(self, name):
        self.name = name
        self.fn = getattr(L, name)
        self.freed = []

    def __call__(self, ptr):
        addr = ctypes.cast(ptr, ctypes.c_void_p).value
        if addr:
            self.freed.append(addr)
        return self.fn(ptr)


class Freeing(helpers.StoreTest):
    def setUp(self):
        super().setUp()
        self.rec = {}
        for name in ("taskorch_task_free", "taskorch_task_iter_free", "taskorch_msg_iter_free",
                     "taskorch_event_iter_free", "taskorch_free"):
            r = Recorder(name)
            self.rec[name] = r
            setattr(L, name, r)
            self.addCleanup(setattr, L, name, r.fn)

    def count(self, name):
        # malloc reuses addresses, so only counts are compared; a double
        # free would abort under the AddressSanitizer build.
        return len(self.rec[name].freed)

    def test_tasks_are_freed_once(self):
        t = self.store.add("a")
        self.store.get(t.id)
        self.store.update(t.id, title="b")
        self.assertEqual(self.count("taskorch_task_free"), 3)
        with self.assertRaises(taskorch.NotFoundError):
            self.store.get("abcd0123")
        self.assertEqual(self.count("taskorch_task_free"), 3)

    def test_iterators_are_freed_when_exhausted_closed_or_collected(self):
        for i in range(3):
            self.store.add("t%d" % i)
        list(self.store.tasks())
        self.assertEqual(self.count("taskorch_task_iter_free"), 1)
        it = self.store.tasks()
        next(it)
        it.close()
        it.close()
        self.assertEqual(self.count("taskorch_task_iter_free"), 2)
        it = self.store.tasks()
        next(it)
        del it
        gc.collect()
        self.assertEqual(self.count("taskorch_task_iter_free"), 3)
        with self.store.tasks():
            pass
        self.assertEqual(self.count("taskorch_task_iter_free"), 4)
        # The items of an iterator are borrowed: no task_free for them.
        self.assertEqual(self.count("taskorch_task_free"), 3)

    def test_message_and_event_iterators(self):
        t = self.store.add("t")
        self.store.share(t, "hi")
        list(self.store.messages(t))
        it = self.store.messages(t)
        del it
        gc.collect()
        self.assertEqual(self.count("taskorch_msg_iter_free"), 2)
        list(self.store.events())
        list(self.store.watch(timeout=0))
        self.assertGreaterEqual(self.count("taskorch_event_iter_free"), 2)

    def test_dependency_lists(self):
        a = self.store.add("a")
        b = self.store.add("b", depends_on=a)
        self.store.dependencies(b)
        self.store.dependents(a)
        self.assertEqual(self.count("taskorch_task_iter_free"), 2)

    def test_plain_allocations_use_taskorch_free(self):
        t = self.store.add("t")
        self.store.join(t)
        self.assertEqual(self.store.participants(t), ["alice"])
        self.assertEqual(self.count("taskorch_free"), 1)
        taskorch.locate(self.db)
        self.assertEqual(self.count("taskorch_free"), 2)
        self.assertEqual(self.store.participants(self.store.add("nobody")), [])
        self.assertEqual(self.count("taskorch_free"), 3)

    def test_queue_calls(self):
        t = self.store.add("t")
        self.store.claim(t, lease=60)
        self.store.heartbeat(t)
        self.assertEqual(self.count("taskorch_task_free"), 3)  # add, claim, heartbeat
        with self.assertRaises(taskorch.WaitTimeoutError):
            self.store.wait(t, timeout=0)
        self.assertEqual(self.count("taskorch_free"), 1)  # the array of pending ids
        self.store.complete(t)
        self.store.wait(t)  # done: no array
        self.assertEqual(self.count("taskorch_free"), 1)
        self.assertIsNone(self.store.config_get("lease"))  # unset: nothing to free
        self.assertEqual(self.count("taskorch_free"), 1)
        self.store.config_set("lease", "5m")
        self.store.config_get("lease")
        self.assertEqual(self.count("taskorch_free"), 2)


if __name__ == "__main__":
    unittest.main()
