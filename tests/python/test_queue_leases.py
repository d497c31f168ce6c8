"""Leases and fencing (issue 7): a claim's lease expires and the task goes
to whoever claims next; heartbeat renews, release gives back; while an
agent holds a task nobody else may complete it, renew it, release it or
post progress on it (ConflictError naming the holder, nothing written)
unless force=True, which the event records; a claim number that is no
longer the task's current one is refused the same way."""
import datetime
import signal
import time
import unittest

import helpers
import taskorch
from taskorch import _lib as L


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def sleep_past(lease_expires):
    """Sleeps until a little after a lease has ended."""
    time.sleep(max(0.0, (lease_expires - now()).total_seconds()) + 0.2)


class Expiry(helpers.StoreTest):
    def test_an_expired_lease_lets_another_agent_claim(self):
        t = self.store.add("t")
        mine = self.store.claim(lease=1)
        bob = self.open("bob")
        self.assertGreater(mine.lease_expires, now())  # (a very slow machine aside)
        with self.assertRaises(taskorch.NotFoundError):
            bob.claim()
        with self.assertRaises(taskorch.ConflictError):
            bob.claim(t)
        sleep_past(mine.lease_expires)
        got = bob.claim()
        self.assertEqual(got.id, t.id)
        self.assertEqual((got.status, got.assignee), ("in_progress", "bob"))
        self.assertGreater(got.claim, mine.claim)
        evs = [e for e in self.store.events(task=t) if e.kind in ("claimed", "expired")]
        self.assertEqual([(e.kind, e.agent if e.kind == "claimed" else e.assignee)
                          for e in evs], [("claimed", "alice"), ("expired", "alice"),
                                          ("claimed", "bob")])

    def test_expiry_is_recorded_once(self):
        t = self.store.add("t")
        self.store.claim(t, lease=1)
        time.sleep(1.2)
        bob = self.open("bob")
        list(bob.tasks())  # listing with a writable handle notices the expiry
        list(self.store.tasks())
        got = self.store.get(t)
        self.assertEqual((got.status, got.assignee, got.claim, got.lease_expires),
                         ("pending", None, None, None))
        bob.claim(t)
        kinds = [e.kind for e in self.store.events(task=t)]
        self.assertEqual(kinds.count("expired"), 1)

    def test_a_killed_holder_loses_the_task_and_cannot_complete_it_later(self):
        t = self.store.add("t")
        holder = helpers.start_python("""if True:
            import os, signal, sys, taskorch
            s = taskorch.Store(sys.argv[1], agent="doomed", mirror=False)
            t = s.claim(lease=2)
            print(t.id, t.claim, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
            """, self.db)
        out, err = holder.communicate(timeout=60)
        self.assertEqual(holder.returncode, -signal.SIGKILL, err)
        tid, old_claim = out.split()
        self.assertEqual(tid, t.id)
        with self.assertRaises(taskorch.NotFoundError):
            self.store.claim()  # still held
        sleep_past(self.store.get(t).lease_expires)
        got = self.store.claim()
        self.assertEqual(got.id, t.id)
        # The dead agent comes back and tries to finish what it had.
        r = helpers.run_python("""if True:
            import sys, taskorch
            with taskorch.Store(sys.argv[1], agent="doomed", mirror=False) as s:
                try:
                    s.complete(sys.argv[2], claim=int(sys.argv[3]))
                except taskorch.ConflictError as e:
                    print("refused:", e)
                try:
                    s.complete(sys.argv[2])
                except taskorch.ConflictError as e:
                    print("refused:", e)
            """, self.db, t.id, old_claim)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        for line in lines:
            self.assertTrue(line.startswith("refused:"), line)
        self.assertIn("alice", lines[1])
        self.assertEqual(self.store.get(t).status, "in_progress")
        self.store.complete(t, claim=got.claim)
        self.assertEqual(self.store.get(t).status, "completed")


class Heartbeat(helpers.StoreTest):
    def test_heartbeat_extends_the_lease_without_an_event(self):
        t = self.store.add("t")
        first = self.store.claim(t, lease=2)
        before = self.event_count()
        beat = self.store.heartbeat(t, lease=30)
        self.assertIsInstance(beat, taskorch.Task)
        self.assertEqual(beat.claim, first.claim)
        self.assertAlmostEqual((beat.lease_expires - now()).total_seconds(), 30, delta=5)
        self.assertEqual(self.event_count(), before)
        sleep_past(first.lease_expires)  # the first lease is over by now
        with self.assertRaises(taskorch.NotFoundError):
            self.open("bob").claim()
        self.assertEqual(self.store.get(t).assignee, "alice")

    def test_heartbeat_without_lease_renews_the_claims_own_length(self):
        t = self.store.add("t")
        first = self.store.claim(t, lease=60)
        time.sleep(0.3)
        beat = self.store.heartbeat(t)
        gained = (beat.lease_expires - first.lease_expires).total_seconds()
        self.assertGreater(gained, 0.2)
        self.assertLess(gained, 5)
        self.assertEqual(self.store.heartbeat(t, lease="2h").claim, first.claim)

    def test_heartbeat_on_a_task_not_held_is_refused(self):
        pending = self.store.add("pending")
        started = self.store.add("started by hand", assignee="alice")
        self.store.start(started)
        nobodys = self.store.add("started by hand, unassigned")
        self.store.start(nobodys)
        before = self.snapshot()
        for t in (pending, started):
            with self.subTest(task=t.title):
                with self.assertRaises(taskorch.ValidationError) as cm:
                    self.store.heartbeat(t)
                self.assertIs(type(cm.exception), taskorch.ValidationError)
                self.assertIn(t.id, str(cm.exception))
        # The library says "held by nobody" (a ConflictError) for this one.
        with self.assertRaises(taskorch.ValidationError) as cm:
            self.store.heartbeat(nobodys)
        self.assertIn(nobodys.id, str(cm.exception))
        with self.assertRaises(taskorch.NotFoundError):
            self.store.heartbeat("abcd0000")
        for bad in (0, -3, "0s", "soon"):
            with self.subTest(lease=bad):
                with self.assertRaises(taskorch.ValidationError):
                    self.store.heartbeat(pending, lease=bad)
        self.assertEqual(self.snapshot(), before)


class Release(helpers.StoreTest):
    def test_release_keeps_the_assignee(self):
        t = self.store.add("t")
        self.store.claim(t, lease=60)
        self.assertIsNone(self.store.release(t))
        got = self.store.get(t)
        self.assertEqual((got.status, got.assignee, got.claim, got.lease_expires),
                         ("pending", "alice", None, None))
        ev = list(self.store.events(task=t))[-1]
        self.assertEqual((ev.kind, ev.from_status, ev.to_status),
                         ("released", "in_progress", "pending"))
        # Still alice's: bob cannot take it, alice can.
        with self.assertRaises(taskorch.NotFoundError):
            self.open("bob").claim()
        self.assertEqual(self.store.claim(mine=True).id, t.id)

    def test_release_unassign_lets_anyone_take_it(self):
        t = self.store.add("t")
        self.store.claim(t)
        self.store.release(t, unassign=True)
        got = self.store.get(t)
        self.assertEqual((got.status, got.assignee), ("pending", None))
        self.assertEqual(self.open("bob").claim().id, t.id)

    def test_release_with_an_unfinished_dependency_blocks(self):
        dep = self.store.add("dep")
        t = self.store.add("t", depends_on=dep)
        self.store.start(t, force=True)
        # Started by hand past its dependency: not under a claim.
        with self.assertRaises(taskorch.ValidationError):
            self.store.release(t)
        self.store.update(t, status="pending")
        self.store.complete(dep)
        self.store.claim(t)
        self.store.update(dep, status="pending")  # reopened: t waits again
        self.store.release(t)
        self.assertEqual(self.store.get(t).status, "blocked")


class Fencing(helpers.StoreTest):
    def setUp(self):
        super().setUp()
        self.t = self.store.add("held by alice")
        self.held = self.store.claim(self.t, lease=60)
        self.bob = self.open("bob")

    def test_another_agent_is_refused_everything_that_needs_the_holder(self):
        bob, t = self.bob, self.t
        before = self.snapshot()
        calls = {
            "complete": lambda: bob.complete(t),
            "heartbeat": lambda: bob.heartbeat(t),
            "release": lambda: bob.release(t),
            "release unassign": lambda: bob.release(t, unassign=True),
            "progress": lambda: bob.progress(t, "I am on it too"),
            "set_status": lambda: bob.set_status(t, "pending"),
            "update status": lambda: bob.update(t, status="completed"),
            "claim": lambda: bob.claim(t),
        }
        for name, call in calls.items():
            with self.subTest(call=name):
                with self.assertRaises(taskorch.ConflictError) as cm:
                    call()
                e = cm.exception
                self.assertEqual(e.code, L.TASKORCH_ECONFLICT)
                self.assertIn("alice", str(e))
                self.assertNotIn("\n", str(e))
        self.assertEqual(self.snapshot(), before)
        # Posts other than progress are anyone's right.
        bob.share(t, "FYI: the schema changed")

    def test_force_takes_over_and_is_recorded(self):
        bob, t = self.bob, self.t
        bob.progress(t, "taking over", force=True)
        bob.complete(t, summary="finished for alice", force=True)
        got = self.store.get(t)
        self.assertEqual(got.status, "completed")
        status = [e for e in self.store.events(task=t) if e.kind == "status"][-1]
        self.assertEqual((status.agent, status.to_status, status.forced),
                         ("bob", "completed", True))
        claimed = [e for e in self.store.events(task=t) if e.kind == "claimed"][-1]
        self.assertFalse(claimed.forced)

    def test_force_release_and_heartbeat(self):
        bob, t = self.bob, self.t
        bob.heartbeat(t, lease=5, force=True)
        bob.release(t, unassign=True, force=True)
        got = self.store.get(t)
        self.assertEqual((got.status, got.assignee, got.claim), ("pending", None, None))
        ev = [e for e in self.store.events(task=t) if e.kind == "released"][-1]
        self.assertEqual((ev.agent, ev.forced), ("bob", True))

    def test_the_holder_with_its_claim_number_succeeds(self):
        self.store.progress(self.t, "half way", claim=self.held.claim)
        self.store.heartbeat(self.t, claim=self.held.claim)
        self.store.complete(self.t, claim=self.held.claim)
        self.assertEqual(self.store.get(self.t).status, "completed")

    def test_a_stale_claim_number_is_refused(self):
        t = self.t
        self.store.release(t)
        again = self.store.claim(t)
        self.assertGreater(again.claim, self.held.claim)
        before = self.snapshot()
        stale = self.held.claim
        calls = {
            "complete": lambda: self.store.complete(t, claim=stale),
            "heartbeat": lambda: self.store.heartbeat(t, claim=stale),
            "release": lambda: self.store.release(t, claim=stale),
            "progress": lambda: self.store.progress(t, "old news", claim=stale),
            "update": lambda: self.store.update(t, status="completed", claim=stale),
            "future number": lambda: self.store.complete(t, claim=again.claim + 1000),
        }
        for name, call in calls.items():
            with self.subTest(call=name):
                with self.assertRaises(taskorch.ConflictError):
                    call()
        self.assertEqual(self.snapshot(), before)
        self.store.complete(t, claim=again.claim)

    def test_claim_numbers_are_checked_before_anything_is_sent(self):
        before = self.snapshot()
        for bad in (0, -1, 2**63):
            with self.subTest(claim=bad):
                with self.assertRaises(taskorch.ValidationError):
                    self.store.complete(self.t, claim=bad)
        for bad in ("1", 1.0, True):
            with self.subTest(claim=bad):
                with self.assertRaises(TypeError):
                    self.store.complete(self.t, claim=bad)
        self.assertEqual(self.snapshot(), before)
        # Nothing was left pending on the handle: the next write is plain.
        self.store.share(self.t, "still fine")


if __name__ == "__main__":
    unittest.main()
