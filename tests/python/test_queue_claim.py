"""Store.claim as a queue: filters, order, claim numbers, leases, resume,
mine and waiting for work (issue 7).

Held here: claim() takes the best claimable task (pending, every
dependency completed, assigned to me or to nobody) of the given tag and
priority, highest priority first, then oldest; each claim gets a larger
claim number; a lease gives the task an expiry (an explicit lease, else the
Store's default_lease, else the store's "lease" setting, else none);
resume=True hands back my own in-progress task, also to a new process of
the same agent; mine=True only takes tasks assigned to me; wait=N waits for
work that another process makes claimable, and raises ClaimTimeoutError
(a NotFoundError and a TimeoutError) when none comes. Every refusal leaves
the store exactly as it was."""
import datetime
import time
import unittest

import helpers
import taskorch
from taskorch import _lib as L


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class Filters(helpers.StoreTest):
    def test_tag_priority_and_mine(self):
        s = self.store
        api_low = s.add("api low", priority="low", tags=["api"])
        api_high = s.add("api high", priority="high", tags=["api", "db"])
        ui_crit = s.add("ui critical", priority="critical", tags=["ui"])
        mine_med = s.add("mine medium", assignee="alice", tags=["ui"])
        s.add("bob's api", priority="critical", tags=["api"], assignee="bob")
        before = self.snapshot()
        with self.assertRaises(taskorch.NotFoundError):
            s.claim(tag="docs")
        with self.assertRaises(taskorch.NotFoundError):
            s.claim(tag="api", priority="critical")  # only bob's
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(s.claim(tag="api").id, api_high.id)
        self.assertEqual(s.claim(mine=True).id, mine_med.id)
        with self.assertRaises(taskorch.NotFoundError):
            s.claim(mine=True)  # unassigned ones do not count as mine
        self.assertEqual(s.claim(priority="low").id, api_low.id)
        self.assertEqual(s.claim().id, ui_crit.id)
        with self.assertRaises(taskorch.NotFoundError):
            s.claim()

    def test_order_priority_then_age_and_only_ready(self):
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

    def test_filter_values_are_checked(self):
        before = self.snapshot()
        with self.assertRaises(taskorch.ValidationError):
            self.store.claim(priority="urgent")
        for bad in (dict(tag=5), dict(priority=2), dict(resume="yes"), dict(mine=1),
                    dict(lease=[1]), dict(wait=b"1"), dict(request_id=5), dict(claim="3"),
                    dict(force=None)):
            with self.subTest(**{k: repr(v) for k, v in bad.items()}):
                with self.assertRaises(TypeError):
                    self.store.claim(**bad)
        self.assertEqual(self.snapshot(), before)


class ClaimNumbersAndLeases(helpers.StoreTest):
    def test_claim_numbers_grow_and_show_on_the_task(self):
        a, b = self.store.add("a"), self.store.add("b")
        self.assertIsNone(a.claim)
        self.assertIsNone(a.lease_expires)
        ca = self.store.claim(a)
        cb = self.open("bob").claim(b)
        self.assertIsInstance(ca.claim, int)
        self.assertGreater(ca.claim, 0)
        self.assertGreater(cb.claim, ca.claim)
        self.assertEqual(self.store.get(a).claim, ca.claim)
        self.assertIsNone(ca.lease_expires)  # no lease anywhere: never expires
        self.assertEqual((ca.status, ca.assignee), ("in_progress", "alice"))
        self.assertEqual(self.store.participants(a), ["alice"])

    def test_lease_as_seconds_timedelta_or_duration(self):
        cases = [(90, 90), (2.5, 2.5), (datetime.timedelta(minutes=2), 120), ("15m", 900),
                 ("2h", 7200), ("1d", 86400), ("90s", 90), ("45", 45)]
        for lease, secs in cases:
            with self.subTest(lease=lease):
                t = self.store.add("t")
                t0 = now()
                got = self.store.claim(t, lease=lease)
                t1 = now()
                self.assertIsInstance(got.lease_expires, datetime.datetime)
                self.assertEqual(got.lease_expires.tzinfo, datetime.timezone.utc)
                low = t0 + datetime.timedelta(seconds=secs) - datetime.timedelta(seconds=0.01)
                high = t1 + datetime.timedelta(seconds=secs) + datetime.timedelta(seconds=0.01)
                self.assertTrue(low <= got.lease_expires <= high,
                                (low, got.lease_expires, high))
                self.assertEqual(self.store.get(t).lease_expires, got.lease_expires)

    def test_bad_leases_change_nothing(self):
        t = self.store.add("t")
        before = self.snapshot()
        for bad in (0, -1, 0.0, float("nan"), float("inf"), "0", "-5m", "15x", "", "m",
                    "1.5h", datetime.timedelta(0)):
            with self.subTest(lease=bad):
                with self.assertRaises(taskorch.ValidationError) as cm:
                    self.store.claim(t, lease=bad)
                self.assertEqual(cm.exception.code, L.TASKORCH_EINVAL)
        self.assertEqual(self.snapshot(), before)

    def test_default_lease_store_setting_then_open_option_then_argument(self):
        s = self.store
        self.assertIsNone(s.claim(s.add("no default")).lease_expires)
        s.config_set("lease", "15m")
        got = s.claim(s.add("store setting"))
        self.assertAlmostEqual((got.lease_expires - now()).total_seconds(), 900, delta=30)
        with taskorch.Store(self.db, agent="alice", mirror=False, default_lease=60) as s2:
            got = s2.claim(s2.add("open option"))
            self.assertAlmostEqual((got.lease_expires - now()).total_seconds(), 60, delta=30)
            got = s2.claim(s2.add("argument"), lease="2h")
            self.assertAlmostEqual((got.lease_expires - now()).total_seconds(), 7200, delta=30)
            self.assertIsNone(s2.claim(s2.add("no lease asked"), lease="none").lease_expires)
        with taskorch.Store(self.db, agent="alice", mirror=False, default_lease="none") as s3:
            self.assertIsNone(s3.claim(s3.add("open option: none")).lease_expires)
        s.config_set("lease", None)
        self.assertIsNone(s.claim(s.add("setting removed")).lease_expires)

    def test_claiming_what_i_hold_renews_and_keeps_the_number(self):
        t = self.store.add("t")
        first = self.store.claim(t, lease=60)
        time.sleep(0.05)
        again = self.store.claim(t, lease=600)
        self.assertEqual(again.claim, first.claim)
        self.assertGreater(again.lease_expires, first.lease_expires)


class Resume(helpers.StoreTest):
    def test_resume_hands_back_my_task_first(self):
        s = self.store
        held = s.claim(s.add("held", priority="low"), lease=60)
        other = s.add("new work", priority="critical")
        # Without resume only new work is taken.
        self.assertEqual(s.claim().id, other.id)
        with self.assertRaises(taskorch.NotFoundError):
            s.claim()
        time.sleep(0.05)
        back = s.claim(resume=True, lease=60)
        self.assertEqual(back.id, held.id)  # the oldest of my two in-progress tasks
        self.assertEqual(back.claim, held.claim)
        self.assertGreater(back.lease_expires, held.lease_expires)
        # Bob has nothing to resume and nothing new.
        with self.assertRaises(taskorch.NotFoundError):
            self.open("bob").claim(resume=True)

    def test_resume_with_nothing_held_takes_new_work(self):
        t = self.store.add("t")
        self.assertEqual(self.store.claim(resume=True).id, t.id)

    def test_a_restarted_process_resumes_its_claim(self):
        t = self.store.add("survives a crash")
        code = """if True:
            import os, sys, taskorch
            s = taskorch.Store(sys.argv[1], agent="worker", mirror=False)
            t = s.claim(lease=30)
            print(t.id, t.claim, flush=True)
            os._exit(9)  # dies holding the task: no close, no cleanup
            """
        r = helpers.run_python(code, self.db)
        self.assertEqual(r.returncode, 9, r.stderr)
        tid, number = r.stdout.split()
        self.assertEqual(tid, t.id)
        code = """if True:
            import sys, taskorch
            with taskorch.Store(sys.argv[1], agent="worker", mirror=False) as s:
                try:
                    s.claim()
                except taskorch.NotFoundError:
                    print("no new work")
                t = s.claim(resume=True)
                print(t.id, t.claim, t.status)
                s.complete(t, claim=t.claim)
            """
        r = helpers.run_python(code, self.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(),
                         ["no new work", "%s %s in_progress" % (t.id, number)])
        self.assertEqual(self.store.get(t).status, "completed")


class WaitForWork(helpers.StoreTest):
    def test_another_process_completing_a_dependency_wakes_the_claim(self):
        dep = self.store.add("schema", assignee="other")
        api = self.store.add("api", depends_on=dep)
        with self.assertRaises(taskorch.NotFoundError):
            self.store.claim()
        writer = helpers.start_python("""if True:
            import sys, time, taskorch
            time.sleep(0.5)
            with taskorch.Store(sys.argv[1], agent="other", mirror=False) as s:
                s.complete(sys.argv[2])
            """, self.db, dep.id)
        self.addCleanup(writer.communicate)
        t0 = time.monotonic()
        got = self.store.claim(wait=5)
        waited = time.monotonic() - t0
        self.assertEqual(got.id, api.id)
        self.assertEqual((got.status, got.assignee), ("in_progress", "alice"))
        self.assertGreater(waited, 0.3)
        self.assertLess(waited, 4.5)
        self.assertEqual(writer.wait(timeout=60), 0, writer.stderr.read())

    def test_timeout_raises_claim_timeout_and_writes_nothing(self):
        self.store.add("bob's", assignee="bob")
        before = self.snapshot()
        t0 = time.monotonic()
        with self.assertRaises(taskorch.ClaimTimeoutError) as cm:
            self.store.claim(wait=0.4)
        waited = time.monotonic() - t0
        e = cm.exception
        self.assertIsInstance(e, taskorch.NotFoundError)
        self.assertIsInstance(e, taskorch.WaitTimeoutError)
        self.assertIsInstance(e, TimeoutError)
        self.assertEqual(e.code, L.TASKORCH_ETIMEOUT)
        self.assertIn("alice", str(e))
        self.assertGreaterEqual(waited, 0.35)
        self.assertLess(waited, 5)
        with self.assertRaises(taskorch.NotFoundError):
            self.store.claim(wait="250ms")
        self.assertEqual(self.snapshot(), before)

    def test_wait_returns_at_once_when_work_is_there(self):
        t = self.store.add("t")
        t0 = time.monotonic()
        self.assertEqual(self.store.claim(wait=30).id, t.id)
        self.assertLess(time.monotonic() - t0, 5)

    def test_wait_honours_the_filters(self):
        self.store.add("untagged")
        writer = helpers.start_python("""if True:
            import sys, time, taskorch
            time.sleep(0.4)
            with taskorch.Store(sys.argv[1], agent="other", mirror=False) as s:
                s.add("tagged", tags=["gpu"])
            """, self.db)
        self.addCleanup(writer.communicate)
        got = self.store.claim(tag="gpu", wait=10)
        self.assertEqual(got.title, "tagged")
        self.assertEqual(writer.wait(timeout=60), 0)


class Refusals(helpers.StoreTest):
    def test_unknown_completed_cancelled_blocked_and_held(self):
        s = self.store
        done = s.add("done")
        s.complete(done)
        dropped = s.add("dropped")
        s.set_status(dropped, "cancelled")
        by_hand = s.add("blocked by hand")
        s.set_status(by_hand, "blocked")
        dep = s.add("dep")
        waits = s.add("waits", depends_on=dep)
        held = self.open("bob").claim(s.add("held by bob"), lease=60)
        before = self.snapshot()
        with self.assertRaises(taskorch.NotFoundError):
            s.claim("abcd0000")
        for t in (done, dropped, by_hand):
            with self.subTest(task=t.title):
                with self.assertRaises(taskorch.ValidationError) as cm:
                    s.claim(t)
                self.assertIs(type(cm.exception), taskorch.ValidationError)
                self.assertIn(t.id, str(cm.exception))
        with self.assertRaises(taskorch.BlockedError) as cm:
            s.claim(waits)
        self.assertIn(dep.id, str(cm.exception))
        with self.assertRaises(taskorch.ConflictError) as cm:
            s.claim(held)
        self.assertIn("bob", str(cm.exception))
        self.assertEqual(self.snapshot(), before)


if __name__ == "__main__":
    unittest.main()
