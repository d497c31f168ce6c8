"""Store.claim: taking a task, or the next ready one, in one transaction.

Held here: claim() takes the next ready task (pending, every dependency
completed, assigned to me or to nobody), by priority, then oldest (since
issue 7 my own tasks no longer come first), and raises NotFoundError when there is none; the claimed task is
assigned to me, in_progress, and I am a participant. Claiming another
agent's task raises ConflictError with the library's message; claiming my
own in-progress task again returns it and writes nothing; every refusal
leaves the store as it was. Handles racing in threads never take the same
task."""
import threading
import unittest

import helpers
import taskorch
from taskorch import _lib as L


class ClaimNext(helpers.StoreTest):
    def test_takes_the_only_ready_task(self):
        t = self.store.add("Build the parser")
        got = self.store.claim()
        self.assertIsInstance(got, taskorch.Task)
        self.assertEqual((got.id, got.status, got.assignee), (t.id, "in_progress", "alice"))
        self.assertEqual(self.store.get(t).status, "in_progress")
        self.assertEqual(self.store.participants(t), ["alice"])
        kinds = [e.kind for e in self.store.events(task=t)]
        self.assertEqual(kinds, ["created", "claimed", "joined"])

    def test_order_priority_then_age(self):
        s = self.store
        old_low = s.add("old low", priority="low")
        crit = s.add("critical", priority="critical")
        old_high = s.add("old high", priority="high")
        new_high = s.add("new high", priority="high")
        mine_low = s.add("mine, low", priority="low", assignee="alice")
        s.add("bob's, critical", priority="critical", assignee="bob")
        dep = s.add("unfinished dependency", priority="low", assignee="carol")
        s.add("waits, critical", priority="critical", depends_on=dep)
        order = [s.claim().id for _ in range(5)]
        self.assertEqual(order, [crit.id, old_high.id, new_high.id, old_low.id, mine_low.id])
        with self.assertRaises(taskorch.NotFoundError):
            s.claim()
        # Nothing of bob's or carol's, and nothing blocked, was touched.
        for t in s.tasks(status=["pending", "blocked"]):
            self.assertNotEqual(t.assignee, "alice", t.title)

    def test_a_completed_dependency_makes_the_dependent_claimable(self):
        dep = self.store.add("schema")
        api = self.store.add("api", depends_on=dep)
        self.assertEqual(self.store.claim().id, dep.id)
        with self.assertRaises(taskorch.NotFoundError):
            self.store.claim()
        self.store.complete(dep)
        self.assertEqual(self.store.claim().id, api.id)

    def test_nothing_ready_raises_not_found(self):
        with self.assertRaises(taskorch.NotFoundError) as cm:
            self.store.claim()
        e = cm.exception
        self.assertIs(type(e), taskorch.NotFoundError)
        self.assertIsInstance(e, KeyError)
        self.assertEqual(e.code, L.TASKORCH_ENOTFOUND)
        self.assertIn("alice", e.message)
        # Another agent's task is not ready for alice either.
        self.store.add("bob's", assignee="bob")
        before = self.event_count()
        with self.assertRaises(taskorch.NotFoundError):
            self.store.claim()
        self.assertEqual(self.event_count(), before)

    def test_next_skips_my_task_in_progress(self):
        t = self.store.add("t")
        self.store.claim(t)
        with self.assertRaises(taskorch.NotFoundError):
            self.store.claim()


class ClaimById(helpers.StoreTest):
    def test_by_id_prefix_or_task(self):
        a, b, c = (self.store.add(x) for x in "abc")
        self.assertEqual(self.store.claim(a.id).id, a.id)
        self.assertEqual(self.store.claim(b.id[:5]).id, b.id)
        self.assertEqual(self.store.claim(c).id, c.id)
        self.assertEqual({t.assignee for t in self.store.tasks()}, {"alice"})

    def test_keeps_my_own_assignment_without_an_assigned_event(self):
        t = self.store.add("mine", assignee="alice")
        self.store.claim(t)
        kinds = [e.kind for e in self.store.events(task=t)]
        self.assertNotIn("assigned", kinds)
        self.assertEqual(self.store.get(t).assignee, "alice")

    def test_conflict_raises_with_the_library_message(self):
        t = self.store.add("alice's", assignee="alice")
        bob = self.open("bob")
        before = self.event_count()
        with self.assertRaises(taskorch.ConflictError) as cm:
            bob.claim(t)
        e = cm.exception
        self.assertIs(type(e), taskorch.ConflictError)
        self.assertIsInstance(e, taskorch.ValidationError)
        self.assertIsInstance(e, ValueError)
        self.assertEqual(e.code, L.TASKORCH_ECONFLICT)
        self.assertEqual(str(e), e.message)
        # The same words tm prints for the same refusal.
        p = self.tm("claim", t.id, agent="bob")
        self.assertEqual(p.returncode, 5)
        self.assertEqual(p.stderr, "tm: error: %s\n" % e.message)
        for word in (t.id, "alice", "bob"):
            self.assertIn(word, e.message)
        self.assertEqual(self.event_count(), before)
        got = self.store.get(t)
        self.assertEqual((got.status, got.assignee), ("pending", "alice"))
        self.assertNotIn("bob", self.store.participants(t))

    def test_the_loser_of_a_claim_gets_a_conflict(self):
        t = self.store.add("contested")
        self.store.claim(t)
        with self.assertRaises(taskorch.ConflictError):
            self.open("bob").claim(t)

    def test_claiming_again_is_an_idempotent_retry(self):
        t = self.store.add("t")
        first = self.store.claim(t)
        before = self.event_count()
        again = self.store.claim(t)
        self.assertEqual(again, first)
        self.assertEqual(self.event_count(), before)
        self.assertEqual(self.store.participants(t), ["alice"])

    def test_unfinished_dependency_raises_blocked_without_force(self):
        dep = self.store.add("dep")
        t = self.store.add("t", depends_on=dep)
        before = self.event_count()
        with self.assertRaises(taskorch.BlockedError) as cm:
            self.store.claim(t)
        self.assertEqual(cm.exception.code, L.TASKORCH_EBLOCKED)
        self.assertIn(dep.id, cm.exception.message)
        self.assertEqual(self.event_count(), before)
        got = self.store.get(t)
        self.assertEqual((got.status, got.assignee), ("blocked", None))

    def test_refuses_tasks_that_are_not_pending(self):
        done = self.store.add("done")
        self.store.complete(done)
        dropped = self.store.add("dropped")
        self.store.set_status(dropped, "cancelled")
        held = self.store.add("held")
        self.store.set_status(held, "blocked")
        started = self.store.add("started by hand")
        self.store.start(started)
        before = self.event_count()
        for t in (done, dropped, held, started):
            with self.subTest(task=t.title):
                with self.assertRaises(taskorch.ValidationError) as cm:
                    self.store.claim(t)
                self.assertIs(type(cm.exception), taskorch.ValidationError)
                self.assertEqual(cm.exception.code, L.TASKORCH_EINVAL)
                self.assertIn(t.id, cm.exception.message)
        self.assertEqual(self.event_count(), before)

    def test_unknown_id_and_bad_arguments(self):
        with self.assertRaises(taskorch.NotFoundError):
            self.store.claim("abcd0000")
        with self.assertRaises(TypeError):
            self.store.claim(1234)
        with taskorch.Store(self.db, readonly=True) as ro:
            self.store.add("t")
            with self.assertRaises(taskorch.ReadOnlyError):
                ro.claim()
        self.store.close()
        with self.assertRaises(taskorch.ClosedStoreError):
            self.store.claim()


class ClaimRace(helpers.StoreTest):
    def test_threads_never_take_the_same_task(self):
        ids = {self.store.add("job %d" % i).id for i in range(40)}
        agents = ["w%d" % i for i in range(4)]
        handles = [self.open(a) for a in agents]
        taken = {a: [] for a in agents}
        errors = []
        start = threading.Barrier(len(agents))

        def work(agent, store):
            try:
                start.wait()
                while True:
                    try:
                        taken[agent].append(store.claim().id)
                    except taskorch.NotFoundError:
                        return
            except Exception as e:  # reported below, not lost in the thread
                errors.append(repr(e))

        threads = [threading.Thread(target=work, args=(a, h)) for a, h in zip(agents, handles)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        self.assertEqual(errors, [])
        claims = [i for a in agents for i in taken[a]]
        self.assertEqual(len(claims), len(ids))
        self.assertEqual(set(claims), ids)
        for a in agents:
            for tid in taken[a]:
                t = self.store.get(tid)
                self.assertEqual((t.assignee, t.status), (a, "in_progress"))
                self.assertEqual(self.store.participants(tid), [a])


if __name__ == "__main__":
    unittest.main()
