"""Typed events, estimates, store settings, durations, and Store.watch with
tm watch's filters, cursors, follow and limit (issue 7)."""
import datetime
import time
import unittest

import helpers
import taskorch


def last(store, task, kind):
    return [e for e in store.events(task=task) if e.kind == kind][-1]


class TypedEvents(helpers.StoreTest):
    def test_status_claim_release_and_expiry(self):
        s = self.store
        t = s.add("t", assignee="bob")
        created = last(s, t, "created")
        self.assertEqual((created.assignee, created.from_status, created.claim),
                         ("bob", None, None))
        s.assign(t, None)
        c = s.claim(t, lease=1)
        ev = last(s, t, "claimed")
        self.assertEqual((ev.agent, ev.assignee, ev.from_status, ev.to_status, ev.claim),
                         ("alice", "alice", "pending", "in_progress", c.claim))
        self.assertEqual(ev.lease_until, c.lease_expires)
        self.assertFalse(ev.forced)
        time.sleep(1.2)
        got = self.open("bob").claim(t)
        ex = last(s, t, "expired")
        self.assertEqual((ex.assignee, ex.claim, ex.from_status, ex.to_status),
                         ("alice", c.claim, "in_progress", "pending"))
        self.open("bob").release(t, unassign=True)
        rel = last(s, t, "released")
        self.assertEqual((rel.agent, rel.claim, rel.from_status, rel.to_status),
                         ("bob", got.claim, "in_progress", "pending"))
        s.set_status(t, "cancelled")
        st = last(s, t, "status")
        self.assertEqual((st.from_status, st.to_status, st.claim, st.cause, st.message_id),
                         ("pending", "cancelled", None, None, None))

    def test_unblocked_names_its_cause_and_blocked_its_statuses(self):
        s = self.store
        dep = s.add("dep")
        t = s.add("t", depends_on=dep)
        blocked = last(s, t, "blocked")
        self.assertEqual((blocked.from_status, blocked.to_status), ("pending", "blocked"))
        s.complete(dep)
        ev = last(s, t, "unblocked")
        self.assertEqual((ev.cause, ev.from_status, ev.to_status),
                         (dep.id, "blocked", "pending"))
        self.assertIsNone(last(s, dep, "status").cause)

    def test_message_events_carry_the_message_id(self):
        s = self.store
        t = s.add("t")
        ids = {kind: s.post(t, kind, "a %s" % kind) for kind in taskorch.MESSAGE_KINDS}
        for kind, msg_id in ids.items():
            with self.subTest(kind=kind):
                ev = last(s, t, kind)
                self.assertEqual(ev.message_id, msg_id)
                self.assertEqual(ev.text, "a %s" % kind)
        self.assertIsNone(last(s, t, "created").message_id)

    def test_forced_past_dependencies(self):
        s = self.store
        dep = s.add("dep")
        t = s.add("t", depends_on=dep)
        s.complete(t, force=True)
        self.assertTrue(last(s, t, "status").forced)
        s.complete(dep)
        self.assertFalse(last(s, dep, "status").forced)

    def test_every_event_has_every_member(self):
        s = self.store
        t = s.add("t")
        s.claim(t)
        s.share(t, "x")
        s.complete(t)
        for ev in s.events():
            self.assertIsInstance(ev, taskorch.Event)
            for name in ("from_status", "to_status"):
                v = getattr(ev, name)
                self.assertTrue(v is None or v in taskorch.STATUSES, (ev.kind, name, v))
            self.assertIsInstance(ev.forced, bool)
            self.assertTrue(ev.claim is None or ev.claim > 0)
            self.assertTrue(ev.lease_until is None or isinstance(ev.lease_until,
                                                                 datetime.datetime))


class Estimates(helpers.StoreTest):
    def test_add_update_clear(self):
        s = self.store
        t = s.add("t", estimate=2.5)
        self.assertEqual(t.estimate, 2.5)
        self.assertIsNone(s.add("none").estimate)
        self.assertEqual(s.update(t, estimate=0.5).estimate, 0.5)
        self.assertEqual(s.update(t, title="renamed").estimate, 0.5)  # None: unchanged
        self.assertEqual(s.update(t, estimate=3).estimate, 3.0)
        self.assertIsNone(s.update(t, estimate=0).estimate)
        self.assertIsNone(s.get(t).estimate)

    def test_bad_estimates(self):
        t = self.store.add("t", estimate=1)
        before = self.snapshot()
        for bad in (0, -1, float("nan"), float("inf")):
            with self.subTest(estimate=bad):
                with self.assertRaises(taskorch.ValidationError):
                    self.store.add("x", estimate=bad)
        for bad in (-1, float("nan")):
            with self.subTest(estimate=bad):
                with self.assertRaises(taskorch.ValidationError):
                    self.store.update(t, estimate=bad)
        for bad in ("2", True, [1]):
            with self.subTest(estimate=bad):
                with self.assertRaises(TypeError):
                    self.store.add("x", estimate=bad)
        self.assertEqual(self.snapshot(), before)


class Config(helpers.StoreTest):
    def test_lease_setting(self):
        s = self.store
        self.assertIsNone(s.config_get("lease"))
        s.config_set("lease", "15m")
        value = s.config_get("lease")
        self.assertEqual(taskorch.parse_duration(value), 900)
        self.assertEqual(self.open("bob").config_get("lease"), value)  # shared
        s.config_set("lease", "none")
        self.assertEqual(s.config_get("lease"), "none")
        s.config_set("lease", None)
        self.assertIsNone(s.config_get("lease"))

    def test_bad_settings_change_nothing(self):
        s = self.store
        s.config_set("lease", "2h")
        before = self.snapshot()
        for key, value in (("lease", "0"), ("lease", "soon"), ("lease", "-5m"),
                           ("colour", "blue")):
            with self.subTest(key=key, value=value):
                with self.assertRaises(taskorch.ValidationError):
                    s.config_set(key, value)
        with self.assertRaises(taskorch.ValidationError):
            s.config_get("colour")
        with self.assertRaises(TypeError):
            s.config_set("lease", 900)
        self.assertEqual(self.snapshot(), before)
        with taskorch.Store(self.db, readonly=True) as ro:
            self.assertEqual(taskorch.parse_duration(ro.config_get("lease")), 7200)
            with self.assertRaises(taskorch.ReadOnlyError):
                ro.config_set("lease", "1h")

    def test_tm_config_sees_the_same_setting(self):
        self.store.config_set("lease", "90s")
        p = self.tm("config", "lease")
        if p.returncode == 2:
            self.fail("tm config is not there yet: " + p.stderr.strip())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(taskorch.parse_duration(p.stdout.strip()), 90)


class Durations(unittest.TestCase):
    def test_parse_duration(self):
        for text, secs in (("90", 90), ("90s", 90), ("15m", 900), ("2h", 7200),
                           ("1d", 86400), ("250ms", 0.25)):
            with self.subTest(text=text):
                self.assertEqual(taskorch.parse_duration(text), secs)
        for bad in ("0", "0s", "-1", "1.5", "15x", "", " 5m", "m", "99999999999999999999d"):
            with self.subTest(text=bad):
                with self.assertRaises(taskorch.ValidationError):
                    taskorch.parse_duration(bad)
        with self.assertRaises(TypeError):
            taskorch.parse_duration(90)


class WatchFilters(helpers.StoreTest):
    def test_task_kinds_and_mine(self):
        s = self.store
        a, b = s.add("a"), s.add("b")
        bob = self.open("bob")
        bob.share(b, "bob on b")
        bob.discover(a, "found on a")
        self.assertEqual([e.kind for e in s.watch(task=b.id[:5])],
                         ["created", "joined", "share"])
        self.assertEqual([e.text for e in s.watch(kinds=["share", "discover"])],
                         ["bob on b", "found on a"])
        self.assertEqual([e.text for e in s.watch(kinds="discover")], ["found on a"])
        carol = self.open("carol")
        carol.join(b)
        mine = [(e.kind, e.task) for e in carol.watch(mine=True)]
        self.assertIn(("discover", a.id), mine)
        self.assertNotIn(("created", a.id), mine)
        with self.assertRaises(taskorch.ValidationError):
            s.watch(kinds=["gossip"])
        with self.assertRaises(taskorch.NotFoundError):
            s.watch(task="abcd0000")

    def test_each_view_has_its_own_cursor(self):
        s = self.store
        t = s.add("t")
        s.share(t, "one")
        self.assertEqual(len(list(s.watch(kinds=["share"]))), 1)
        self.assertEqual(list(s.watch(kinds=["share"])), [])
        # The whole feed and other views are untouched by that.
        self.assertEqual([e.kind for e in s.watch()], ["created", "joined", "share"])
        self.assertEqual(len(list(s.watch(task=t))), 3)
        s.share(t, "two")
        self.assertEqual([e.text for e in s.watch(kinds=["share"])], ["two"])

    def test_views_share_cursors_with_tm_watch(self):
        s = self.store
        t = s.add("t")
        s.share(t, "seen by python")
        self.assertEqual(len(list(s.watch(kinds=["share"]))), 1)
        p = self.tm("watch", "--kind", "share")
        self.assertEqual((p.returncode, p.stdout), (0, ""), p.stderr)
        s.share(t, "seen by tm")
        p = self.tm("watch", "--kind", "share")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("seen by tm", p.stdout)
        self.assertEqual(list(s.watch(kinds=["share"])), [])
        p = self.tm("watch", "--task", t.id)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.splitlines()), 4)
        self.assertEqual(list(s.watch(task=t)), [])

    def test_after_starts_elsewhere_and_moves_no_cursor(self):
        s = self.store
        for i in range(4):
            s.add("t%d" % i)
        second = list(s.events())[1].id
        self.assertEqual([e.text for e in s.watch(after=second)], ["t2", "t3"])
        self.assertEqual(s.cursor(), 0)
        self.assertEqual(len(list(s.watch())), 4)
        with self.assertRaises(taskorch.ValidationError):
            s.watch(after=1, consumer="x")

    def test_consumer_names_the_cursor(self):
        s = self.store
        s.add("a")
        self.assertEqual(len(list(s.watch(consumer="dashboard"))), 1)
        self.assertEqual(s.cursor("dashboard"), s.last_event_id())
        self.assertEqual(s.cursor(), 0)
        self.assertEqual(list(s.watch(consumer="dashboard", kinds=["created"])), [])

    def test_limit(self):
        s = self.store
        for i in range(5):
            s.add("t%d" % i)
        self.assertEqual([e.text for e in s.watch(limit=2)], ["t0", "t1"])
        # A follow ends after the limit, counting what was already waiting.
        t0 = time.monotonic()
        self.assertEqual([e.text for e in s.watch(follow=True, limit=2)], ["t2", "t3"])
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual([e.text for e in s.watch(follow=True, limit=1)], ["t4"])

    def test_without_follow_the_watch_ends_with_what_is_there(self):
        s = self.store
        s.add("a")
        t0 = time.monotonic()
        self.assertEqual(len(list(s.watch())), 1)
        self.assertEqual(list(s.watch()), [])
        self.assertLess(time.monotonic() - t0, 5)

    def test_follow_with_a_limit_gets_what_another_process_writes(self):
        s = self.store
        writer = helpers.start_python("""if True:
            import sys, time, taskorch
            time.sleep(0.3)
            with taskorch.Store(sys.argv[1], agent="writer", mirror=False) as w:
                t = w.add("from another process")
                w.share(t, "hello")
            """, self.db)
        self.addCleanup(writer.communicate)
        got = [(e.kind, e.agent) for e in s.watch(follow=True, kinds=["share"], limit=1)]
        self.assertEqual(got, [("share", "writer")])
        self.assertEqual(writer.wait(timeout=60), 0)

    def test_a_filtered_follow_sleeps_through_other_events(self):
        # Events the filter skips must not spin the loop: count the queries.
        s = self.store
        calls = []
        real = s.events

        def counting(*a, **kw):
            calls.append(1)
            return real(*a, **kw)
        s.events = counting
        s.add("not a share")
        t0 = time.monotonic()
        self.assertEqual(list(s.watch(kinds=["share"], timeout=0.5)), [])
        self.assertGreaterEqual(time.monotonic() - t0, 0.45)
        self.assertLessEqual(len(calls), 3)

    def test_bad_watch_arguments(self):
        s = self.store
        for call in (lambda: s.watch(follow="yes"), lambda: s.watch(limit="2"),
                     lambda: s.watch(after="1"), lambda: s.watch(mine=1),
                     lambda: s.watch(timeout=b"1"), lambda: s.watch(consumer=5),
                     lambda: s.watch(kinds=5)):
            with self.assertRaises(TypeError):
                call()
        for call in (lambda: s.watch(limit=0), lambda: s.watch(after=-1),
                     lambda: s.watch(timeout=-1), lambda: s.watch(consumer="bad name")):
            with self.assertRaises(taskorch.ValidationError):
                call()


if __name__ == "__main__":
    unittest.main()
