"""Dependencies and the status rules of issue 2's Semantics section:
created blocked, unblocking on completion, chains, EBLOCKED and --force,
reopening, cancelling, manual blocks, cycles, delete with dependents."""

import re

import tmtest
from tmtest import TmCase


class DepCase(TmCase):
    def kinds(self, task_id, kind):
        return [e for e in self.events() if e["task"] == task_id and e["kind"] == kind]


class TestBlocking(DepCase):
    def test_created_blocked(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        self.assertEqual(self.status(b), "blocked")
        self.assertFalse(self.task(b)["blocked_by_hand"])
        self.assertEqual(self.status(a), "pending")

    def test_created_pending_when_deps_done(self):
        a = self.add("a")
        self.ok("complete", a)
        self.assertEqual(self.status(self.add("b", "--depends-on", a)), "pending")

    def test_depends_on_repeatable_and_comma_separated(self):
        a, b, c = self.add("a"), self.add("b"), self.add("c")
        d = self.add("d", "--depends-on", "%s,%s" % (a, b), "--depends-on", c[:4])
        self.assertEqual(sorted(self.task(d)["depends_on"]), sorted([a, b, c]))

    def test_unblock_on_completion_with_one_event(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a, "--assignee", "backend_specialist")
        self.ok("complete", a)
        self.assertEqual(self.status(b), "pending")
        ev = self.kinds(b, "unblocked")
        self.assertEqual(len(ev), 1, ev)
        self.assertIn("backend_specialist", ev[0]["text"])

    def test_unblock_waits_for_all_dependencies(self):
        a, b = self.add("a"), self.add("b")
        c = self.add("c", "--depends-on", a, "--depends-on", b)
        self.ok("complete", a)
        self.assertEqual(self.status(c), "blocked")
        self.assertEqual(self.kinds(c, "unblocked"), [])
        self.ok("complete", b)
        self.assertEqual(self.status(c), "pending")
        self.assertEqual(len(self.kinds(c, "unblocked")), 1)

    def test_chain_advances_one_link_at_a_time(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        c = self.add("c", "--depends-on", b)
        d = self.add("d", "--depends-on", c)
        self.ok("complete", a)
        self.assertEqual([self.status(x) for x in (b, c, d)], ["pending", "blocked", "blocked"])
        self.ok("complete", b)
        self.assertEqual([self.status(x) for x in (c, d)], ["pending", "blocked"])
        self.ok("complete", c)
        self.assertEqual(self.status(d), "pending")
        self.assertEqual([len(self.kinds(x, "unblocked")) for x in (b, c, d)], [1, 1, 1])

    def test_cannot_start_or_complete_with_unfinished_deps(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        self.assert_refused(5, ["complete", b], [a, "--force"])
        self.assert_refused(5, ["update", b, "--status", "in_progress"], [a, "--force"])
        self.assert_refused(5, ["update", b, "--status", "completed"], [a])

    def test_force_overrides_and_is_recorded(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        c = self.add("c", "--depends-on", a)
        self.ok("update", b, "--status", "in_progress", "--force")
        self.assertEqual(self.status(b), "in_progress")
        self.ok("complete", c, "--force")
        self.assertEqual(self.status(c), "completed")
        for t in (b, c):
            ev = self.kinds(t, "status")[-1]
            self.assertIn("force", ev["text"])
        # An unforced change records no force.
        self.ok("complete", a)
        self.assertNotIn("force", self.kinds(a, "status")[-1]["text"])

    def test_reopening_reblocks_pending_dependents(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        c = self.add("c", "--depends-on", a)
        self.ok("complete", a)
        self.ok("update", c, "--status", "in_progress")
        self.ok("update", a, "--status", "pending")
        self.assertEqual(self.status(a), "pending")
        self.assertEqual(self.status(b), "blocked")
        self.assertEqual(len(self.kinds(b, "blocked")), 2)  # at creation and now
        self.assertEqual(self.status(c), "in_progress")  # only pending ones go back

    def test_cancelling_does_not_satisfy_dependents(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        self.ok("update", a, "--status", "cancelled")
        self.assertEqual(self.status(b), "blocked")
        out = self.ok("show", b)
        self.assertRegex(out, r"(?m)^Blocked by:.*%s.*cancelled" % a)

    def test_manual_block_sticks(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        self.ok("update", b, "--status", "blocked")
        self.assertTrue(self.task(b)["blocked_by_hand"])
        self.ok("complete", a)
        self.assertEqual(self.status(b), "blocked")
        self.assertEqual(self.kinds(b, "unblocked"), [])
        self.assertIn("hand", self.ok("show", b))
        self.ok("update", b, "--status", "pending")
        self.assertEqual(self.status(b), "pending")

    def test_manual_block_without_deps(self):
        # The guide's "Conditional Dependencies" pattern.
        fallback = self.add("Fallback to approach B", "--assignee", "specialist_2")
        self.ok("update", fallback, "--status", "blocked")
        self.assertEqual(self.status(fallback), "blocked")
        self.assertEqual(self.ok("list", "--status", "blocked", "--format", "simple"),
                         "%s Fallback to approach B\n" % fallback)

    def test_setting_pending_with_unfinished_deps_stores_blocked(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        self.ok("update", b, "--status", "in_progress", "--force")
        self.ok("update", b, "--status", "pending")
        self.assertEqual(self.status(b), "blocked")
        self.ok("complete", a)
        self.assertEqual(self.status(b), "pending")

    def test_releasing_manual_block_with_unfinished_deps(self):
        # Setting pending by hand ends the manual block; the task then
        # waits for its dependencies like any other.
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        self.ok("update", b, "--status", "blocked")
        self.ok("update", b, "--status", "pending")
        self.assertEqual(self.status(b), "blocked")
        self.assertFalse(self.task(b)["blocked_by_hand"])
        self.ok("complete", a)
        self.assertEqual(self.status(b), "pending")


class TestDepCommands(DepCase):
    def test_add_rm_list(self):
        a, b = self.add("a"), self.add("b")
        self.assertEqual(self.ok("dep", "add", b, a), "Task %s now depends on %s\n" % (b, a))
        self.assertEqual(self.status(b), "blocked")
        self.assertEqual(self.ok("dep", "list", b, "--format", "simple"), "%s a\n" % a)
        self.assertEqual(self.ok("dep", "list", a, "--dependents", "--format", "simple"),
                         "%s b\n" % b)
        self.assertEqual([t["id"] for t in self.json("dep", "list", b)], [a])
        self.assertEqual(self.ok("dep", "rm", b, a),
                         "Task %s no longer depends on %s\n" % (b, a))
        self.assertEqual(self.status(b), "pending")
        self.assertEqual(self.ok("dep", "list", b), "")
        self.assertEqual(len(self.kinds(b, "dep_added")), 1)
        self.assertEqual(len(self.kinds(b, "dep_removed")), 1)

    def test_add_several_and_prefixes(self):
        a, b, c = self.add("a"), self.add("b"), self.add("c")
        self.ok("dep", "add", c[:4], a[:5], b)
        self.assertEqual(sorted(self.task(c)["depends_on"]), sorted([a, b]))

    def test_adding_edge_to_completed_keeps_pending(self):
        a, b = self.add("a"), self.add("b")
        self.ok("complete", a)
        self.ok("dep", "add", b, a)
        self.assertEqual(self.status(b), "pending")

    def test_duplicate_edge_is_a_noop(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        before = self.snapshot()["tables"]["deps"]
        events = len(self.events())
        self.ok("dep", "add", b, a)
        self.assertEqual(self.snapshot()["tables"]["deps"], before)
        self.assertEqual(len(self.events()), events)
        self.assertEqual(self.task(b)["depends_on"], [a])

    def test_cycle_spelled_out(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        err = self.assert_refused(5, ["dep", "add", a, b], ["cycle"])
        self.assertIn("%s -> %s -> %s" % (a, b, a), err)

    def test_long_cycle_spelled_out(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        c = self.add("c", "--depends-on", b)
        err = self.assert_refused(5, ["dep", "add", a, c], ["cycle"])
        self.assertIn("%s -> %s -> %s -> %s" % (a, c, b, a), err)

    def test_self_dependency(self):
        a = self.add("a")
        err = self.assert_refused(5, ["dep", "add", a, a])
        self.assertIn("%s -> %s" % (a, a), err)

    def test_rm_missing_edge(self):
        a, b = self.add("a"), self.add("b")
        self.assert_refused(3, ["dep", "rm", b, a], [a])


class TestDelete(DepCase):
    def test_delete_refused_with_dependents(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        c = self.add("c", "--depends-on", a)
        self.assert_refused(5, ["delete", a], [b, c, "--force"])

    def test_force_delete_reevaluates_dependents(self):
        a, x = self.add("a"), self.add("x")
        b = self.add("b", "--depends-on", a)
        c = self.add("c", "--depends-on", "%s,%s" % (a, x))
        self.assertEqual(self.ok("delete", a, "--force"), "Task %s deleted\n" % a)
        self.assertEqual(self.status(b), "pending")
        self.assertEqual(len(self.kinds(b, "unblocked")), 1)
        self.assertEqual(self.status(c), "blocked")  # still waits for x
        self.assertEqual(self.task(c)["depends_on"], [x])

    def test_deleted_task_leaves_no_rows(self):
        a = self.add("a", "--tag", "t1", "--tag", "t2", "--file", "f.c:1")
        b = self.add("b", "--depends-on", a)
        c = self.add("c")
        self.ok("dep", "add", a, c)
        self.ok("join", a, agent="db_specialist")
        self.ok("note", a, "private", agent="db_specialist")
        self.ok("share", a, "shared")
        self.ok("discover", a, "found")
        self.ok("delete", a, "--force")
        tables = self.snapshot()["tables"]
        for table in ("deps", "tags", "files", "messages", "participants"):
            for row in tables[table]:
                self.assertNotIn(a, row, "%s row left behind: %r" % (table, row))
        self.assertEqual([r[0] for r in tables["tasks"] if a in r], [])
        self.assertEqual(self.task(b)["depends_on"], [])
        self.assertEqual(self.ok("dep", "list", c, "--dependents"), "")
        # Its mirror files go too.
        self.assertNotIn(a, " ".join(self.snapshot()["files"]))


if __name__ == "__main__":
    tmtest.main()
