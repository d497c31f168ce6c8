"""Dependencies through the Pythonic layer and the states they cause."""
import unittest

import helpers
import taskorch


class Dependencies(helpers.StoreTest):
    def status(self, t):
        return self.store.get(t).status

    def test_created_blocked_and_unblocked_on_completion(self):
        s = self.store
        a, b = s.add("a"), s.add("b")
        c = s.add("c", depends_on=[a, b.id[:5]])
        self.assertEqual(c.status, "blocked")
        self.assertEqual(c.depends_on, tuple(sorted([a.id, b.id])))
        self.assertEqual([t.id for t in s.dependencies(c)], [a.id, b.id])
        self.assertEqual([t.id for t in s.dependents(a)], [c.id])
        s.complete(a)
        self.assertEqual(self.status(c), "blocked")
        s.complete(b)
        self.assertEqual(self.status(c), "pending")
        unblocked = [e for e in s.events(kinds="unblocked")]
        self.assertEqual([e.task for e in unblocked], [c.id])

    def test_dependency_listings_are_full_tasks(self):
        a = self.store.add("a", tags=["t"], files=["f.c"])
        c = self.store.add("c", depends_on=a)
        (dep,) = self.store.dependencies(c)
        self.assertEqual(dep, self.store.get(a.id))
        (parent,) = self.store.dependents(a)
        self.assertEqual(parent.depends_on, (a.id,))

    def test_add_and_remove_later(self):
        s = self.store
        a, b, c = s.add("a"), s.add("b"), s.add("c")
        s.add_dependencies(c, a, [b.id])
        self.assertEqual(self.status(c), "blocked")
        s.add_dependencies(c, a)  # existing edge: no-op
        self.assertEqual(len(s.dependencies(c)), 2)
        s.remove_dependencies(c.id, a.id, b)
        self.assertEqual(self.status(c), "pending")
        self.assertEqual(s.dependencies(c), [])
        with self.assertRaises(taskorch.NotFoundError) as cm:
            s.remove_dependencies(c, a)
        self.assertEqual(str(cm.exception), "task %s does not depend on %s" % (c.id, a.id))
        with self.assertRaises(taskorch.ValidationError) as cm:
            s.add_dependencies(c)
        self.assertEqual(str(cm.exception), "no dependency given")

    def test_cycles_are_refused_and_spelled_out(self):
        s = self.store
        a = s.add("a")
        b = s.add("b", depends_on=a)
        before = self.event_count()
        with self.assertRaises(taskorch.CycleError) as cm:
            s.add_dependencies(a, b)
        self.assertIsInstance(cm.exception, ValueError)
        self.assertIn("%s -> %s -> %s" % (a.id, b.id, a.id), str(cm.exception))
        with self.assertRaises(taskorch.CycleError):
            s.add_dependencies(a, a)
        self.assertEqual(self.event_count(), before)
        self.assertEqual(s.get(a.id).depends_on, ())

    def test_start_and_complete_need_finished_dependencies(self):
        s = self.store
        a = s.add("a")
        b = s.add("b", depends_on=a)
        with self.assertRaises(taskorch.BlockedError) as cm:
            s.start(b)
        self.assertIn(a.id, str(cm.exception))
        with self.assertRaises(taskorch.BlockedError):
            s.complete(b)
        self.assertEqual(self.status(b), "blocked")
        s.complete(b, force=True)
        self.assertEqual(self.status(b), "completed")

    def test_reopening_reblocks_and_cancel_does_not_satisfy(self):
        s = self.store
        a = s.add("a")
        b = s.add("b", depends_on=a)
        s.complete(a)
        self.assertEqual(self.status(b), "pending")
        s.update(a, status="pending")
        self.assertEqual(self.status(b), "blocked")
        s.set_status(a, "cancelled")
        self.assertEqual(self.status(b), "blocked")

    def test_manual_block_sticks(self):
        s = self.store
        a = s.add("a")
        b = s.add("b", depends_on=a)
        s.set_status(b, "blocked")
        s.complete(a)
        self.assertEqual(self.status(b), "blocked")
        self.assertTrue(s.get(b).blocked_by_hand)
        s.set_status(b, "pending")
        self.assertEqual(self.status(b), "pending")

    def test_delete_with_dependents(self):
        s = self.store
        a = s.add("a")
        b = s.add("b", depends_on=a)
        with self.assertRaises(taskorch.HasDependentsError) as cm:
            s.delete(a)
        self.assertIn(b.id, str(cm.exception))
        self.assertEqual(s.get(a).title, "a")
        s.delete(a, force=True)
        self.assertEqual(s.get(b).depends_on, ())
        self.assertEqual(self.status(b), "pending")

    def test_unknown_dependency_at_creation(self):
        s = self.store
        with self.assertRaises(taskorch.NotFoundError) as cm:
            s.add("x", depends_on=["abcd1234"])
        self.assertIn("abcd1234", str(cm.exception))
        self.assertEqual(len(s.tasks()), 0)


if __name__ == "__main__":
    unittest.main()
