"""The work queue (issue 7) through tm: claim filters and order, --resume,
leases (expiry, heartbeat, release), fencing (holders, claim numbers,
--force), exact request ids, waits, watch that returns, typed events, JSON
from writes, --json, critical path and graph, --mine, config lease.

Lease expiry needs real time to pass: those tests use 1 s leases and sleep
a little longer. Everything else asserts behaviour, not timings."""

import datetime
import json
import os
import pty
import re
import subprocess
import time

import tmtest
from tmtest import TmCase


def iso(ts):
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


class QueueCase(TmCase):
    def claim(self, *args, **kw):
        """tm claim; asserts the output is one bare id and returns it."""
        out = self.ok("claim", *args, **kw)
        self.assertRegex(out, r"^[0-9a-f]{8}\n$")
        return out.strip()

    def task_events(self, tid, kind=None):
        return [e for e in self.events() if e["task"] == tid and (kind is None or e["kind"] == kind)]

    def popen(self, *args, agent=None, env=None):
        return subprocess.Popen([tmtest.TM, "--db", self.store] + list(args),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=self.tmp,
                                env=self.env(agent, env), text=True)

    def finish(self, p, timeout=20):
        try:
            out, err = p.communicate(timeout=timeout)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        return p.returncode, out, err


class TestClaimQueue(QueueCase):
    def test_priority_then_oldest(self):
        mine_low = self.add("mine, low", "-p", "low", "--assignee", "tester")
        med_old = self.add("medium, older")
        crit = self.add("critical", "-p", "critical")
        high = self.add("high", "-p", "high")
        med_new = self.add("medium, newer")
        low = self.add("low", "-p", "low")
        self.add("someone else's", "-p", "critical", "--assignee", "other")
        got = [self.claim() for _ in range(6)]
        self.assertEqual(got, [crit, high, med_old, med_new, mine_low, low])
        self.assert_refused(3, ["claim"], [])

    def test_tag_and_priority_filters(self):
        plain = self.add("plain", "-p", "critical")
        back_low = self.add("backend low", "-t", "backend", "-p", "low")
        back_high = self.add("backend high", "-t", "backend", "-p", "high")
        front_high = self.add("frontend high", "-t", "frontend", "-p", "high")
        self.assertEqual(self.claim("--tag", "backend"), back_high)
        self.assertEqual(self.claim("--priority", "high"), front_high)
        self.assertEqual(self.claim("-t", "backend", "-p", "low"), back_low)
        self.assert_refused(3, ["claim", "--tag", "backend"], [])
        self.assert_refused(3, ["claim", "--priority", "high"], [])
        self.assertEqual(self.status(plain), "pending")
        self.assertEqual(self.claim(), plain)

    def test_mine_only_takes_tasks_assigned_to_me(self):
        self.add("unassigned", "-p", "critical")
        mine = self.add("mine", "-p", "low", "--assignee", "tester")
        self.assertEqual(self.claim("--mine"), mine)
        self.assert_refused(3, ["claim", "--mine"], [])

    def test_resume_hands_back_my_in_progress_task(self):
        a = self.add("a")
        b = self.add("b")
        self.assertEqual(self.claim(), a)
        first = self.task(a)
        # Without --resume a restarted agent takes new work ...
        self.assertEqual(self.claim(), b)
        # ... with it, its oldest in-progress task, same claim number.
        self.assertEqual(self.claim("--resume"), a)
        self.assertEqual(self.task(a)["claim"], first["claim"])
        self.assertEqual(self.claim("--resume"), a)
        # Nothing of mine in progress: --resume takes new work.
        c = self.add("c")
        self.assertEqual(self.claim("--resume", agent="other"), c)

    def test_claim_numbers_grow(self):
        a = self.add("a")
        b = self.add("b")
        self.claim(a)
        self.claim(b, agent="other")
        na, nb = self.task(a)["claim"], self.task(b)["claim"]
        self.assertIsInstance(na, int)
        self.assertGreater(nb, na)
        # Claiming what I hold again keeps the number.
        self.claim(a)
        self.assertEqual(self.task(a)["claim"], na)

    def test_claim_json_is_the_show_object(self):
        a = self.add("a", "-t", "x", "--estimate", "2")
        data = self.json("claim", "--lease", "10m")
        self.assertEqual(data, self.task(a))
        self.assertEqual((data["id"], data["status"], data["assignee"]), (a, "in_progress", "tester"))
        self.assertIsInstance(data["claim"], int)
        left = iso(data["lease_expires"]) - time.time()
        self.assertTrue(500 < left <= 601, left)
        b = self.add("b")
        data = json.loads(self.ok("claim", "--json", "--lease", "none"))
        self.assertEqual(data, self.task(b))
        self.assertIsNone(data["lease_expires"])

    def test_help_lists_the_options(self):
        out = self.ok("claim", "--help", db=False)
        for flag in ("--tag", "--priority", "--lease", "--resume", "--mine", "--wait",
                     "--timeout", "--request-id", "--format", "--json"):
            self.assertIn(flag, out)


class TestLeases(QueueCase):
    def test_expired_lease_is_claimable_and_recorded_once(self):
        t = self.add("t")
        self.assertEqual(self.claim("--lease", "1s", agent="alice"), t)
        self.assert_refused(3, ["claim"], [], agent="bob")  # live lease
        time.sleep(1.3)
        self.assertEqual(self.claim(agent="bob"), t)
        self.assertEqual(self.task(t)["assignee"], "bob")
        expired = self.task_events(t, "expired")
        self.assertEqual(len(expired), 1, expired)
        self.assertEqual(expired[0]["assignee"], "alice")
        self.assertEqual((expired[0]["from"], expired[0]["to"]), ("in_progress", "pending"))
        # bob's claim has no lease: it never expires; alice is fenced off.
        self.assert_refused(3, ["claim"], [], agent="carol")
        self.assert_refused(5, ["complete", t], ["bob"], agent="alice")
        self.assertEqual(len(self.task_events(t, "expired")), 1)

    def test_listing_returns_an_expired_task_once(self):
        t = self.add("t")
        self.claim("--lease", "1s", agent="alice")
        time.sleep(1.3)
        self.ok("list")
        self.ok("list")
        self.claim(agent="bob")
        self.assertEqual(len(self.task_events(t, "expired")), 1)

    def test_heartbeat_extends_the_lease(self):
        t = self.add("t")
        self.claim("--lease", "2s", agent="alice")
        before = self.task(t)
        out = self.ok("heartbeat", t, "--lease", "1h", agent="alice")
        self.assertRegex(out, r"^Task %s lease renewed until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$" % t)
        after = self.task(t)
        self.assertGreater(iso(after["lease_expires"]), iso(before["lease_expires"]) + 3000)
        self.assertEqual(after["claim"], before["claim"])
        time.sleep(2.3)  # past the first lease
        self.assert_refused(3, ["claim"], [], agent="bob")
        self.assertEqual(self.task(t)["assignee"], "alice")
        # No event for a heartbeat.
        self.assertEqual([e["kind"] for e in self.task_events(t)].count("expired"), 0)
        kinds_before = len(self.events())
        self.ok("heartbeat", t, agent="alice")
        self.assertEqual(len(self.events()), kinds_before)

    def test_release_keeps_or_clears_the_assignee(self):
        t = self.add("t")
        self.claim(t, "--lease", "10m", agent="alice")
        self.assertEqual(self.ok("release", t[:5], agent="alice"), "Task %s released\n" % t)
        got = self.task(t)
        self.assertEqual((got["status"], got["assignee"], got["claim"], got["lease_expires"]),
                         ("pending", "alice", None, None))
        rel = self.task_events(t, "released")
        self.assertEqual(len(rel), 1)
        self.assertEqual(rel[0]["agent"], "alice")
        # Still alice's: bob gets nothing; alice can claim it back.
        self.assert_refused(3, ["claim"], [], agent="bob")
        self.claim(agent="alice")
        self.assertEqual(self.ok("release", t, "--unassign", agent="alice"),
                         "Task %s released and unassigned\n" % t)
        self.assertIsNone(self.task(t)["assignee"])
        self.assertEqual(self.claim(agent="bob"), t)

    def test_tm_lease_env_and_lease_option(self):
        a = self.add("a")
        b = self.add("b")
        self.claim(a, env={"TM_LEASE": "15m"})
        left = iso(self.task(a)["lease_expires"]) - time.time()
        self.assertTrue(800 < left <= 901, left)
        self.claim(b, "--lease", "none", env={"TM_LEASE": "15m"})
        self.assertIsNone(self.task(b)["lease_expires"])

    def test_config_lease(self):
        self.ok("init")
        self.assertEqual(self.ok("config"), "")
        self.assertEqual(self.ok("config", "lease"), "")
        self.assertEqual(self.ok("config", "lease", "15m"), "Set lease to 15m\n")
        self.assertEqual(self.ok("config", "lease"), "15m\n")
        self.assertEqual(self.ok("config"), "lease 15m\n")
        a = self.add("a")
        self.claim(a)
        left = iso(self.task(a)["lease_expires"]) - time.time()
        self.assertTrue(800 < left <= 901, left)
        # TM_LEASE wins over the store's setting.
        b = self.add("b")
        self.claim(b, env={"TM_LEASE": "2h"})
        self.assertGreater(iso(self.task(b)["lease_expires"]) - time.time(), 7000)
        self.ok("config", "lease", "none")
        self.assertEqual(self.ok("config", "lease"), "none\n")
        c = self.add("c")
        self.claim(c)
        self.assertIsNone(self.task(c)["lease_expires"])
        self.assertEqual(self.ok("config", "lease", "--unset"), "Removed setting lease\n")
        self.assertEqual(self.ok("config"), "")


class TestFencing(QueueCase):
    def setUp(self):
        super().setUp()
        self.t = self.add("held")
        self.claim(self.t, "--lease", "10m", agent="alice")

    def test_non_holder_is_refused_naming_the_holder(self):
        for args in (["complete", self.t], ["update", self.t, "--status", "completed"],
                     ["heartbeat", self.t], ["release", self.t],
                     ["progress", self.t, "50% done"]):
            self.assert_refused(5, args, ["alice"], agent="bob")
        self.assertEqual(self.task(self.t)["assignee"], "alice")

    def test_stale_claim_number(self):
        n = self.task(self.t)["claim"]
        self.ok("release", self.t, agent="alice")
        self.claim(self.t, agent="alice")
        m = self.task(self.t)["claim"]
        self.assertGreater(m, n)
        for args in (["complete", self.t], ["heartbeat", self.t], ["release", self.t],
                     ["progress", self.t, "x"], ["update", self.t, "--status", "pending"]):
            self.assert_refused(5, args + ["--claim", str(n)], ["claim"], agent="alice")
        self.ok("progress", self.t, "going", "--claim", str(m), agent="alice")
        self.ok("heartbeat", self.t, "--claim", str(m), agent="alice")
        self.assertEqual(self.ok("complete", self.t, "--claim", str(m), agent="alice"),
                         "Task %s completed\n" % self.t)

    def test_force_takes_over_and_is_recorded(self):
        self.ok("progress", self.t, "taking over", "--force", agent="bob")
        self.assertEqual(self.ok("complete", self.t, "--force", agent="bob"),
                         "Task %s completed\n" % self.t)
        status = self.task_events(self.t, "status")[-1]
        self.assertEqual((status["agent"], status["to"], status.get("forced")),
                         ("bob", "completed", True))
        prog = self.task_events(self.t, "progress")[-1]
        self.assertIs(prog.get("forced"), True)

    def test_force_release_and_heartbeat(self):
        self.ok("heartbeat", self.t, "--force", agent="bob")
        self.ok("release", self.t, "--force", agent="bob")
        self.assertEqual(self.status(self.t), "pending")
        self.assertIs(self.task_events(self.t, "released")[-1].get("forced"), True)

    def test_holder_completes_normally(self):
        self.assertEqual(self.ok("complete", self.t, agent="alice"), "Task %s completed\n" % self.t)
        self.assertNotIn("forced", self.task_events(self.t, "status")[-1])


class TestRequestIds(QueueCase):
    def count(self):
        return self.sql("SELECT COUNT(*) FROM tasks")[0][0]

    def test_same_add_twice_gives_the_same_id(self):
        a = self.add("Build it", "-p", "high", "--request-id", "r-1")
        before = self.snapshot()
        self.assertEqual(self.add("Build it", "-p", "high", "--request-id", "r-1"), a)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(self.count(), 1)
        # Through the environment too.
        b = self.add("Other", env={"TM_REQUEST_ID": "r-2"})
        self.assertEqual(self.add("Other", env={"TM_REQUEST_ID": "r-2"}), b)
        self.assertEqual(self.count(), 2)

    def test_same_id_different_arguments_is_refused(self):
        self.add("Build it", "--request-id", "r-1")
        self.assert_refused(5, ["add", "Build something else", "--request-id", "r-1"],
                            ["request id"])
        self.assert_refused(5, ["add", "Build it", "-p", "high", "--request-id", "r-1"],
                            ["request id"])
        self.assertEqual(self.count(), 1)

    def test_dry_run_add_records_in_the_real_store_once(self):
        # No store yet: add tries the write in memory first, then creates it.
        self.assertFalse(os.path.exists(self.dbfile))
        a = self.add("first", "--request-id", "r-1")
        self.assertEqual(self.add("first", "--request-id", "r-1"), a)
        self.assertEqual(self.count(), 1)
        self.assert_refused(5, ["add", "second", "--request-id", "r-1"], ["request id"])

    def test_tm_request_id_on_posts(self):
        t = self.add("t")
        env = {"TM_REQUEST_ID": "post-1"}
        first = self.json("share", t, "first update", env=env)
        self.assertEqual(self.json("share", t, "first update", env=env), first)
        self.assert_refused(5, ["discover", t, "CRITICAL: other"], ["request id"], env=env)
        self.assert_refused(5, ["share", t, "second update"], ["request id"], env=env)
        msgs = self.json("context", t)["messages"]
        self.assertEqual([m["text"] for m in msgs], ["first update"])
        self.assertEqual(msgs[0]["id"], first["id"])

    def test_claim_retry_returns_the_same_claim(self):
        a = self.add("a")
        self.add("b")
        first = self.json("claim", "--request-id", "c-1")
        before = self.snapshot()
        self.assertEqual(self.json("claim", "--request-id", "c-1"), first)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(first["id"], a)

    def test_complete_retry(self):
        a = self.add("a")
        self.claim(a)
        self.ok("complete", a, "--request-id", "done-a")
        before = self.snapshot()
        self.assertEqual(self.ok("complete", a, "--request-id", "done-a"),
                         "Task %s completed\n" % a)
        self.assertEqual(self.snapshot(), before)
        # Without it a second completion is noticed.
        self.assert_refused(5, ["complete", a], ["completed"])

    def test_request_ids_are_per_agent(self):
        a = self.add("same title", "--request-id", "r", agent="alice")
        b = self.add("same title", "--request-id", "r", agent="bob")
        self.assertNotEqual(a, b)


class TestWait(QueueCase):
    def test_already_done_returns_at_once(self):
        a = self.add("a")
        b = self.add("b")
        self.ok("complete", a)
        self.ok("update", b, "--status", "cancelled")
        self.assertEqual(self.ok("wait", a), "")
        self.assertEqual(self.ok("wait", b[:5], "--status", "any-terminal"), "")
        self.assertEqual(self.ok("wait", a, b, "--status", "any-terminal", "--timeout", "5s"), "")
        self.assertEqual(self.ok("wait", "--all"), "")

    def test_timeout_lists_what_is_not_done(self):
        a = self.add("a")
        b = self.add("b")
        c = self.add("c")
        self.ok("complete", a)
        self.ok("update", c, "--status", "cancelled")
        code, out, err = self.run_tm("wait", a, b, c, "--timeout", "300ms")
        self.assertEqual(code, 1, err)
        self.assertEqual(sorted(out.split()), sorted([b, c]))
        self.assertRegex(err, r"^tm: error: .*time.*\n$")
        code, out, err = self.run_tm("wait", "--all", "--timeout", "300ms")
        self.assertEqual((code, out.split()), (1, [b]))

    def test_wakes_when_another_process_completes(self):
        a = self.add("a")
        b = self.add("b")
        p = self.popen("wait", a, b, "--timeout", "60s")
        try:
            time.sleep(0.3)
            self.assertIsNone(p.poll(), "tm wait returned before the tasks were done")
            self.ok("complete", a, agent="worker")
            time.sleep(0.3)
            self.assertIsNone(p.poll(), "tm wait returned with one task left")
            self.ok("complete", b, agent="worker")
        finally:
            code, out, err = self.finish(p)
        self.assertEqual((code, out, err), (0, "", ""))

    def test_wait_all_wakes(self):
        a = self.add("a")
        p = self.popen("wait", "--all", "--timeout", "60s")
        try:
            time.sleep(0.3)
            self.assertIsNone(p.poll())
            self.ok("update", a, "--status", "cancelled", agent="worker")
        finally:
            code, out, err = self.finish(p)
        self.assertEqual((code, out, err), (0, "", ""))

    def test_claim_wait_takes_work_that_appears(self):
        self.ok("init")
        p = self.popen("claim", "--wait", "--timeout", "60s", agent="worker")
        try:
            time.sleep(0.3)
            self.assertIsNone(p.poll(), "claim --wait returned with nothing to claim")
            t = self.add("new work", agent="boss")
        finally:
            code, out, err = self.finish(p)
        self.assertEqual((code, out, err), (0, t + "\n", ""))
        self.assertEqual(self.task(t)["assignee"], "worker")

    def test_claim_wait_timeout_is_exit_3_printing_nothing(self):
        self.ok("init")
        code, out, err = self.run_tm("claim", "--wait", "--timeout", "300ms")
        self.assertEqual((code, out), (3, ""))
        self.assertTrue(err.startswith("tm: error: ") and err.count("\n") == 1, err)


class TestWatch(QueueCase):
    def test_plain_watch_returns_on_a_terminal(self):
        self.add("Design database")
        master, slave = pty.openpty()
        try:
            p = subprocess.run([tmtest.TM, "--db", self.store, "watch"], stdout=slave,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               env=self.env(), cwd=self.tmp, timeout=20)
        finally:
            os.close(slave)
        data = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        os.close(master)
        self.assertEqual((p.returncode, p.stderr), (0, b""))
        self.assertIn(b"created tester: Design database", data)

    def test_follow_limit_counts_events_already_waiting(self):
        for i in range(3):
            self.add("t%d" % i)
        # Three events wait; no --timeout: a follow that ignored the limit
        # would hang and the subprocess timeout would fail the test.
        code, out, err = self.run_tm("watch", "--follow", "--limit", "2", "--format", "json",
                                     timeout=20)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual([json.loads(l)["text"] for l in out.splitlines()], ["t0", "t1"])
        code, out, err = self.run_tm("watch", "-f", "-n", "1", timeout=20)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(len(out.splitlines()), 1)
        self.assertIn("t2", out)

    def test_follow_limit_waits_for_the_rest(self):
        a = self.add("a")
        p = self.popen("watch", "-f", "--limit", "2", "--json", agent="w")
        try:
            self.assertEqual(json.loads(p.stdout.readline())["kind"], "created")
            self.ok("update", a, "--priority", "high", agent="writer")
        finally:
            code, out, err = self.finish(p)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual([json.loads(l)["kind"] for l in out.splitlines()], ["updated"])

    def test_help_says_it_exits(self):
        out = self.ok("watch", "--help", db=False)
        self.assertIn("-f, --follow", out)
        self.assertIn("--limit", out)


class TestTypedEvents(QueueCase):
    def test_status_claim_unblocked_and_message_members(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        claimed = self.json("claim", a, "--lease", "10m")
        post = self.json("share", a, "hello")
        self.ok("complete", a)
        evs = self.events()
        by_kind = {}
        for e in evs:
            by_kind.setdefault((e["kind"], e["task"]), []).append(e)
            self.assertTrue({"id", "time", "kind", "task", "agent", "text"} <= set(e), e)
            for k in set(e) - {"id", "time", "kind", "task", "agent", "text"}:
                self.assertIn(k, ("from", "to", "assignee", "claim", "lease_expires", "cause",
                                  "message_id", "forced"))
                self.assertIsNotNone(e[k], e)
        c = by_kind[("claimed", a)][0]
        self.assertEqual((c["assignee"], c["claim"], c["lease_expires"]),
                         ("tester", claimed["claim"], claimed["lease_expires"]))
        self.assertEqual((c["from"], c["to"]), ("pending", "in_progress"))
        st = by_kind[("status", a)][-1]
        self.assertEqual((st["from"], st["to"]), ("in_progress", "completed"))
        self.assertNotIn("forced", st)
        ub = by_kind[("unblocked", b)][0]
        self.assertEqual(ub["cause"], a)
        self.assertEqual((ub["from"], ub["to"]), ("blocked", "pending"))
        sh = by_kind[("share", a)][0]
        self.assertEqual(sh["message_id"], post["id"])
        self.assertEqual(sh["text"], "hello")
        cr = by_kind[("created", a)][0]
        for k in ("from", "to", "claim", "cause", "message_id", "forced"):
            self.assertNotIn(k, cr)

    def test_assigned_event_names_the_assignee(self):
        a = self.add("a")
        self.ok("assign", a, "bob")
        ev = self.task_events(a, "assigned")[-1]
        self.assertEqual(ev["assignee"], "bob")


class TestJsonFromWrites(QueueCase):
    def test_writes_print_the_show_object(self):
        a = self.json("add", "A", "-t", "x", "--estimate", "1.5")
        self.assertEqual(a, self.task(a["id"]))
        self.assertEqual(a["estimate"], 1.5)
        b = self.json("add", "B", "--depends-on", a["id"])
        self.assertEqual(b["dependencies"], [{"id": a["id"], "status": "pending", "title": "A"}])
        for args in (["update", b["id"], "--priority", "high"], ["assign", b["id"], "tester"],
                     ["dep", "rm", b["id"], a["id"]], ["dep", "add", b["id"], a["id"]],
                     ["join", a["id"]], ["claim", a["id"]], ["heartbeat", a["id"]],
                     ["release", a["id"]], ["claim", a["id"]], ["complete", a["id"]]):
            got = self.json(*args)
            self.assertEqual(got, self.task(got["id"]), args)
        self.assertEqual(self.task(a["id"])["status"], "completed")

    def test_posts_print_the_message(self):
        t = self.add("t")
        for kind in ("note", "share", "discover", "sync", "progress"):
            m = self.json(kind, t, "text of " + kind)
            self.assertEqual(set(m), {"id", "task", "kind", "author", "text", "time"})
            self.assertEqual((m["task"], m["kind"], m["author"], m["text"]),
                             (t, kind, "tester", "text of " + kind))
            ctx = [x for x in self.json("context", t)["messages"] if x["id"] == m["id"]]
            self.assertEqual(len(ctx), 1)
            self.assertEqual({k: m[k] for k in ctx[0]}, ctx[0])

    def test_json_alias(self):
        a = self.add("a")
        for args in (["list"], ["ready"], ["show", a], ["dep", "list", a], ["context", a],
                     ["export"], ["critical-path"], ["graph"]):
            self.assertEqual(json.loads(self.ok(*args, "--json")),
                             json.loads(self.ok(*args, "--format", "json")), args)
        self.assertEqual(self.ok("watch", "--since", "0", "--json"),
                         self.ok("watch", "--since", "0", "--format", "json"))
        self.assert_refused(5, ["list", "--json", "--format", "text"], ["--json"])

    def test_text_output_unchanged(self):
        a = self.add("a", "--estimate", "2")
        self.assertEqual(self.ok("update", a, "--priority", "high"), "Task %s updated\n" % a)
        self.assertEqual(self.ok("share", a, "x"), "Shared update for task %s\n" % a)
        self.assertIn("Estimate:    2h\n", self.ok("show", a))
        self.ok("update", a, "--estimate", "0")
        self.assertIsNone(self.task(a)["estimate"])
        self.assertNotIn("Estimate", self.ok("show", a))


class TestCriticalPath(QueueCase):
    def setUp(self):
        super().setUp()
        # done(10h, completed) -> a(2h) -> b(3h) -> d(1h)
        #                         a      -> c(0.5h) -> d
        # e (no estimate: 1h) -> f (1.5h); g alone (4h)
        self.done = self.add("done", "--estimate", "10")
        self.ok("complete", self.done)
        self.a = self.add("a", "--estimate", "2", "--depends-on", self.done)
        self.b = self.add("b", "--estimate", "3", "--depends-on", self.a)
        self.c = self.add("c", "--estimate", "0.5", "--depends-on", self.a)
        self.d = self.add("d", "--estimate", "1", "--depends-on", "%s,%s" % (self.b, self.c))
        self.e = self.add("e")
        self.f = self.add("f", "--estimate", "1.5", "--depends-on", self.e)
        self.g = self.add("g", "--estimate", "4")

    def test_text(self):
        lines = self.ok("critical-path").splitlines()
        self.assertEqual([l.split()[0] for l in lines[:-1]], [self.a, self.b, self.d])
        self.assertEqual(lines[-1], "total: 6h in 3 tasks")
        self.assertRegex(lines[0], r"^%s  2h\s+pending\s+a$" % self.a)

    def test_json_and_progress(self):
        data = self.json("critical-path")
        self.assertEqual(data["total_hours"], 6)
        self.assertEqual([t["id"] for t in data["tasks"]], [self.a, self.b, self.d])
        self.assertEqual(data["tasks"][0], json.loads(self.ok("list", "--json"))[
            [t["id"] for t in json.loads(self.ok("list", "--json"))].index(self.a)])
        # Finishing a and b leaves d (1h) behind g (4h).
        self.ok("complete", self.a)
        self.ok("complete", self.b)
        data = self.json("critical-path")
        self.assertEqual(([t["id"] for t in data["tasks"]], data["total_hours"]), ([self.g], 4))
        # Tasks without an estimate count 1 hour: e(1) + f(1.5) beats nothing else now.
        self.ok("update", self.g, "--status", "cancelled")
        data = self.json("critical-path")
        self.assertEqual(([t["id"] for t in data["tasks"]], data["total_hours"]),
                         ([self.e, self.f], 2.5))
        self.assertIn("1h*", self.ok("critical-path").splitlines()[0])

    def test_dot(self):
        out = self.ok("critical-path", "--format", "dot")
        self.assertRegex(out, r"^digraph \w+ \{\n(.*\n)*\}\n$")
        edges = re.findall(r'^  "([0-9a-f]{8})" -> "([0-9a-f]{8})";$', out, re.M)
        self.assertEqual(edges, [(self.a, self.b), (self.b, self.d)])

    def test_empty(self):
        for t in (self.a, self.b, self.c, self.d, self.e, self.f, self.g):
            self.ok("update", t, "--status", "cancelled", "--force")
        self.assertEqual(self.ok("critical-path"), "")
        self.assertEqual(self.json("critical-path"), {"total_hours": 0, "tasks": []})

    def test_graph(self):
        out = self.ok("graph")
        self.assertTrue(out.startswith("digraph tasks {\n") and out.endswith("}\n"), out)
        nodes = set(re.findall(r'^  "([0-9a-f]{8})" \[label=', out, re.M))
        edges = set(re.findall(r'^  "([0-9a-f]{8})" -> "([0-9a-f]{8})";$', out, re.M))
        all_ids = {self.done, self.a, self.b, self.c, self.d, self.e, self.f, self.g}
        expected = {(self.done, self.a), (self.a, self.b), (self.a, self.c), (self.b, self.d),
                    (self.c, self.d), (self.e, self.f)}
        self.assertEqual(nodes, all_ids)
        self.assertEqual(edges, expected)
        self.assertIn('status="completed"', out)
        data = self.json("graph")
        self.assertEqual({t["id"] for t in data["tasks"]}, all_ids)
        self.assertEqual({(e["from"], e["to"]) for e in data["edges"]}, expected)
        self.assertEqual(self.ok("graph", "--format", "dot"), out)

    def test_graph_quotes_titles(self):
        t = self.add('say "hi" \\ bye')
        out = self.ok("graph")
        self.assertIn(r'say \"hi\" \\ bye', out)
        self.assertIn('"%s" [label="%s\\nsay' % (t, t), out)


class TestMine(QueueCase):
    def test_list_and_ready(self):
        mine = self.add("mine", "--assignee", "tester")
        theirs = self.add("theirs", "--assignee", "other")
        self.add("nobody's")
        started = self.add("started")
        self.claim(started)
        ids = lambda out: sorted(l.split()[0] for l in out.splitlines())
        self.assertEqual(ids(self.ok("list", "--mine")), sorted([mine, started]))
        self.assertEqual(self.ok("list", "--assignee", "@me"), self.ok("list", "--mine"))
        self.assertEqual(ids(self.ok("list", "--mine", agent="other")), [theirs])
        self.assertEqual(ids(self.ok("ready", "--assignee", "@me")), [mine])
        self.assertEqual(ids(self.ok("ready", "--mine")), [mine])
        self.assertEqual(self.ok("list", "--mine", "--assignee", "@me"), self.ok("list", "--mine"))
        self.assert_refused(2, ["list", "--mine", "--assignee", "other"], ["--mine"])


if __name__ == "__main__":
    tmtest.main()
