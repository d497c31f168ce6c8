"""tm claim [ID]: taking a task, or the next ready one, in one write.

The rules held here: without ID the next ready task (pending, every
dependency completed, assigned to me or to nobody) is taken, by priority,
then oldest; the task becomes assigned to me, in_progress,
and I join it; only the bare id is printed. Exit 3 when nothing is ready,
5 when the task is someone else's, cannot start (unfinished dependencies;
claim has no --force) or is completed, cancelled or blocked by hand; every
refusal leaves the store as it was. Claiming my own in-progress task again
succeeds and changes nothing (a retry after a lost reply)."""

import sqlite3
import subprocess

import tmtest
from tmtest import TmCase


class ClaimCase(TmCase):
    def claim(self, *args, **kw):
        """tm claim; asserts the output is one bare id and returns it."""
        out = self.ok("claim", *args, **kw)
        self.assertRegex(out, r"^[0-9a-f]{8}\n$")
        return out.strip()

    def task_events(self, tid, **kw):
        return [(e["kind"], e["agent"], e["text"]) for e in self.events(**kw)
                if e["task"] == tid]

    def participants(self, tid):
        return sorted(r[0] for r in self.sql(
            "SELECT agent FROM participants WHERE task_id = ?", tid))


class TestClaimNext(ClaimCase):
    def test_takes_the_only_ready_task(self):
        tid = self.add("Build the parser")
        self.assertEqual(self.ok("claim"), tid + "\n")
        t = self.task(tid)
        self.assertEqual((t["status"], t["assignee"]), ("in_progress", "tester"))
        self.assertEqual(self.participants(tid), ["tester"])

    def test_events_claimed_joined(self):
        tid = self.add("t")
        before = len(self.events())
        self.claim()
        evs = self.events()[before:]
        self.assertEqual([(e["kind"], e["task"], e["agent"]) for e in evs],
                         [("claimed", tid, "tester"), ("joined", tid, "tester")])
        self.assertIn("tester", evs[0]["text"])
        # One transaction: consecutive event ids.
        self.assertEqual([e["id"] for e in evs], list(range(evs[0]["id"], evs[0]["id"] + 2)))

    def test_my_own_task_is_claimed_the_same_way(self):
        tid = self.add("mine", "--assignee", "tester")
        before = len(self.events())
        self.assertEqual(self.claim(), tid)
        self.assertEqual([(e["kind"], e["task"]) for e in self.events()[before:]],
                         [("claimed", tid), ("joined", tid)])
        self.assertEqual(self.task(tid)["assignee"], "tester")

    def test_order_priority_then_age_mine_or_nobodys(self):
        # Created in an order that differs from the expected claim order.
        med_old = self.add("medium, older")
        theirs = self.add("someone else's", "-p", "critical", "--assignee", "other")
        gate = self.add("gate", "-p", "low", "--assignee", "other")
        waiting = self.add("waits for gate", "-p", "critical", "--depends-on", gate)
        by_hand = self.add("blocked by hand", "-p", "critical")
        self.ok("update", by_hand, "--status", "blocked")
        started = self.add("started already", "-p", "critical")
        self.ok("update", started, "--status", "in_progress")
        high = self.add("high", "-p", "high")
        mine_low = self.add("mine, low", "-p", "low", "--assignee", "tester")
        crit = self.add("critical", "-p", "critical")
        med_new = self.add("medium, newer")
        mine_high = self.add("mine, high", "-p", "high", "--assignee", "tester")
        low = self.add("low", "-p", "low")

        got = [self.claim() for _ in range(7)]
        self.assertEqual(got, [crit, high, mine_high, med_old, med_new, mine_low, low])
        self.assert_refused(3, ["claim"], "no ready task")
        for tid in (theirs, gate):
            self.assertEqual(self.task(tid)["status"], "pending")
        self.assertEqual(self.status(waiting), "blocked")
        self.assertEqual(self.status(by_hand), "blocked")
        self.assertIsNone(self.task(started)["assignee"])

        # Completing the dependency makes the waiting task the next one.
        self.ok("complete", gate, agent="other")
        self.assertEqual(self.status(waiting), "pending")
        self.assertEqual(self.claim(), waiting)
        self.assert_refused(3, ["claim"], "no ready task")

    def test_id_captured_by_the_shell(self):
        tid = self.add("scripted")
        script = 'ID=$("$TM" claim) && "$TM" share "$ID" "started $ID" && printf "<%s>" "$ID"'
        env = self.env(extra={"TM": tmtest.TM, "TM_DB_PATH": self.store})
        p = subprocess.run(["/bin/sh", "-c", script], capture_output=True, cwd=self.tmp,
                           env=env, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (0, b""))
        self.assertEqual(tmtest.decode(p.stdout), "Shared update for task %s\n<%s>" % (tid, tid))
        self.assertIn(("share", "tester", "started " + tid), self.task_events(tid))

    def test_agent_option_and_environment(self):
        a = self.add("a")
        b = self.add("b")
        self.assertEqual(self.claim("--agent", "alice"), a)
        self.assertEqual(self.claim(agent="bob"), b)
        self.assertEqual(self.task(a)["assignee"], "alice")
        self.assertEqual(self.task(b)["assignee"], "bob")


class TestClaimById(ClaimCase):
    def test_by_id_and_prefix(self):
        low = self.add("low", "-p", "low")
        other = self.add("other", "-p", "critical")
        self.assertEqual(self.claim(low[:4]), low)  # not the next one: the one asked for
        self.assertEqual(self.task(low)["assignee"], "tester")
        self.assertEqual(self.status(other), "pending")
        self.assertEqual(self.claim(other.upper()), other)

    def test_retry_of_my_own_claim_changes_nothing(self):
        tid = self.add("t")
        self.claim(tid)
        for args in ([tid], [tid[:5]]):
            before = self.snapshot()
            self.assertEqual(self.claim(*args), tid)
            self.assertEqual(self.snapshot(), before)

    def test_assigned_to_someone_else(self):
        theirs = self.add("theirs", "--assignee", "other")
        self.assert_refused(5, ["claim", theirs], [theirs, "other"])
        self.assertEqual(self.task(theirs)["status"], "pending")
        # Nor once they have started it, nor when I took it first.
        self.ok("claim", theirs, agent="other")
        self.assert_refused(5, ["claim", theirs], [theirs, "other"])
        mine = self.add("mine")
        self.claim(mine)
        self.assert_refused(5, ["claim", mine], [mine, "tester"], agent="other")
        self.assert_refused(3, ["claim"], "no ready task", agent="other")

    def test_unfinished_dependencies(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        err = self.assert_refused(5, ["claim", b], [b, a])
        self.assertNotIn("force", err)  # claim has no --force to offer
        self.assert_refused(2, ["claim", b, "--force"], "unknown option")
        self.ok("update", a, "--status", "cancelled")
        self.assert_refused(5, ["claim", b], [a])
        self.ok("update", a, "--status", "completed")
        self.assertEqual(self.claim(b), b)

    def test_completed_cancelled_blocked_by_hand(self):
        done = self.add("done")
        self.ok("complete", done)
        gone = self.add("gone")
        self.ok("update", gone, "--status", "cancelled")
        held = self.add("held")
        self.ok("update", held, "--status", "blocked")
        mine_done = self.add("mine, done", "--assignee", "tester")
        self.ok("complete", mine_done)
        self.assert_refused(5, ["claim", done], [done, "completed"])
        self.assert_refused(5, ["claim", mine_done], [mine_done, "completed"])
        self.assert_refused(5, ["claim", gone], [gone, "cancelled"])
        self.assert_refused(5, ["claim", held], [held, "blocked"])
        self.assert_refused(3, ["claim"], "no ready task")


class TestClaimRefusals(ClaimCase):
    def test_nothing_ready(self):
        self.ok("init")
        self.assert_refused(3, ["claim"], ["no ready task", "tester"])
        self.add("someone else's", "--assignee", "other")
        a = self.add("started")
        self.ok("update", a, "--status", "in_progress")
        self.add("waiting", "--depends-on", a)
        self.assert_refused(3, ["claim"], "no ready task")

    def test_no_store(self):
        self.assert_refused(4, ["claim"], "store")
        self.assertIsNone(self.snapshot())

    def test_help(self):
        out = self.ok("claim", "--help", db=False)
        self.assertTrue(out.startswith("usage: tm claim [ID]\n"), out)
        self.assertEqual(self.ok("help", "claim", db=False), out)
        self.assertRegex(self.ok("help", db=False), r"(?m)^  claim\s")
        self.assertIsNone(self.snapshot())

    def test_bad_ids(self):
        tid = self.add("existing")
        missing = "0123abcd" if not tid.startswith("0123") else "4567abcd"
        self.assert_refused(3, ["claim", missing], [missing, "task"])
        for bad in ("xyz!", "abc", "123456789", "-", "", "12 34"):
            self.assert_refused(5, ["claim", bad], "malformed" if bad else "id")
        self.assertEqual(self.status(tid), "pending")

    def test_ambiguous_prefix_lists_candidates(self):
        tid = self.add("existing")
        twin = tid[:4] + ("0000" if tid[4:] != "0000" else "1111")
        con = sqlite3.connect(self.dbfile)
        with con:
            con.execute("CREATE TEMP TABLE t AS SELECT * FROM tasks WHERE id = ?", (tid,))
            con.execute("UPDATE t SET id = ?", (twin,))
            con.execute("INSERT INTO tasks SELECT * FROM t")
        con.close()
        self.assert_refused(3, ["claim", tid[:4]], [tid, twin])

    def test_usage_errors(self):
        a = self.add("a")
        b = self.add("b")
        for args in (["claim", "--bogus"], ["claim", a, "--next"], ["claim", "-f"],
                     ["claim", "--status", "pending"]):
            self.assert_refused(2, args, "unknown option")
        self.assert_refused(2, ["claim", a, b], "unexpected")


if __name__ == "__main__":
    tmtest.main()
