"""Store.wait for tasks (issue 7): returns when every named task is done
(completed, or with until="terminal" completed or cancelled), or with no
ids when nothing is pending, blocked or in progress; otherwise raises
WaitTimeoutError (a TimeoutError) whose pending lists the ids not done.
Another process's writes wake it. Unknown ids fail before any waiting.
Store.wait_event keeps the old event wait; Store.wait(int) still reaches
it, with a DeprecationWarning."""
import time
import unittest
import warnings

import helpers
import taskorch
from taskorch import _lib as L


class Wait(helpers.StoreTest):
    def test_already_satisfied_returns_at_once(self):
        a, b = self.store.add("a"), self.store.add("b")
        self.store.complete(a)
        self.store.complete(b)
        t0 = time.monotonic()
        self.assertIsNone(self.store.wait([a, b.id[:5]], timeout=10))
        self.assertIsNone(self.store.wait(a.id))
        self.assertIsNone(self.store.wait())  # nothing unfinished at all
        self.assertIsNone(self.store.wait([]))  # nothing to wait for
        self.assertLess(time.monotonic() - t0, 5)

    def test_timeout_names_what_is_not_done(self):
        a, b, c = self.store.add("a"), self.store.add("b"), self.store.add("c")
        self.store.complete(a)
        before = self.snapshot()
        t0 = time.monotonic()
        with self.assertRaises(taskorch.WaitTimeoutError) as cm:
            self.store.wait([a, b, c], timeout=0.4)
        waited = time.monotonic() - t0
        e = cm.exception
        self.assertIsInstance(e, TimeoutError)
        self.assertNotIsInstance(e, taskorch.NotFoundError)
        self.assertEqual(e.code, L.TASKORCH_ETIMEOUT)
        self.assertEqual(sorted(e.pending), sorted([b.id, c.id]))
        self.assertIn(b.id, str(e))
        self.assertGreaterEqual(waited, 0.35)
        self.assertLess(waited, 5)
        self.assertEqual(self.snapshot(), before)

    def test_timeout_zero_and_durations(self):
        t = self.store.add("t")
        for timeout in (0, "250ms", "1s"):
            with self.subTest(timeout=timeout):
                with self.assertRaises(taskorch.WaitTimeoutError) as cm:
                    self.store.wait(t, timeout=timeout)
                self.assertEqual(cm.exception.pending, (t.id,))

    def test_until_terminal_counts_cancelled(self):
        t = self.store.add("t")
        self.store.set_status(t, "cancelled")
        self.assertIsNone(self.store.wait(t, until="terminal", timeout=0))
        with self.assertRaises(taskorch.WaitTimeoutError) as cm:
            self.store.wait(t, until="completed", timeout=0)
        self.assertEqual(cm.exception.pending, (t.id,))
        with self.assertRaises(taskorch.ValidationError):
            self.store.wait(t, until="finished")
        with self.assertRaises(TypeError):
            self.store.wait(t, until=1)

    def test_all_waits_for_every_unfinished_task(self):
        a = self.store.add("a")
        b = self.store.add("b", depends_on=a)
        c = self.store.add("c")
        self.store.start(c)
        done = self.store.add("done")
        self.store.complete(done)
        with self.assertRaises(taskorch.WaitTimeoutError) as cm:
            self.store.wait(timeout=0.1)
        self.assertEqual(sorted(cm.exception.pending), sorted([a.id, b.id, c.id]))
        for t in (a, b, c):
            self.store.complete(t)
        self.assertIsNone(self.store.wait(timeout=0))

    def test_unknown_or_ambiguous_ids_fail_before_waiting(self):
        t = self.store.add("t")
        t0 = time.monotonic()
        with self.assertRaises(taskorch.NotFoundError) as cm:
            self.store.wait([t, "abcd0000"], timeout=30)
        self.assertNotIsInstance(cm.exception, taskorch.WaitTimeoutError)
        self.assertLess(time.monotonic() - t0, 5)
        with self.assertRaises(TypeError):
            self.store.wait([t, 5])
        with self.assertRaises(taskorch.ValidationError):
            self.store.wait(t, timeout=-1)
        with self.assertRaises(taskorch.ValidationError):
            self.store.wait(t, timeout="soon")

    def test_another_process_completing_wakes_the_wait(self):
        a, b = self.store.add("a"), self.store.add("b")
        writer = helpers.start_python("""if True:
            import sys, time, taskorch
            with taskorch.Store(sys.argv[1], agent="other", mirror=False) as s:
                time.sleep(0.3)
                s.complete(sys.argv[2])
                time.sleep(0.3)
                s.complete(sys.argv[3])
            """, self.db, a.id, b.id)
        self.addCleanup(writer.communicate)
        t0 = time.monotonic()
        self.assertIsNone(self.store.wait([a, b], timeout=30))
        waited = time.monotonic() - t0
        self.assertGreater(waited, 0.4)
        self.assertLess(waited, 20)
        self.assertEqual({self.store.get(a).status, self.store.get(b).status}, {"completed"})
        self.assertEqual(writer.wait(timeout=60), 0)

    def test_the_timeout_error_pickles_with_its_pending_ids(self):
        import pickle
        t = self.store.add("t")
        with self.assertRaises(taskorch.WaitTimeoutError) as cm:
            self.store.wait(t, timeout=0)
        e = pickle.loads(pickle.dumps(cm.exception))
        self.assertEqual((type(e), e.pending, str(e)),
                         (taskorch.WaitTimeoutError, (t.id,), str(cm.exception)))


class EventWait(helpers.StoreTest):
    def test_wait_event(self):
        s = self.store
        self.assertFalse(s.wait_event(0, timeout=0))
        s.add("x")
        self.assertTrue(s.wait_event(0, timeout=0))
        self.assertFalse(s.wait_event(s.last_event_id(), timeout="100ms"))

    def test_the_old_spelling_still_works_with_a_warning(self):
        self.store.add("x")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.assertTrue(self.store.wait(0, timeout=0))
            self.assertFalse(self.store.wait(self.store.last_event_id(), timeout=0.05))
        self.assertEqual([w.category for w in caught], [DeprecationWarning] * 2)
        self.assertIn("wait_event", str(caught[0].message))


if __name__ == "__main__":
    unittest.main()
