"""tm list and tm ready: filters, priorities and sorting, --group-by and the
three output formats, including the shell idioms the guide relies on."""

import os
import re
import subprocess

import tmtest
from tmtest import TmCase


def ids_of(out):
    return [line.split()[0] for line in out.splitlines()]


class TestFormats(TmCase):
    def test_empty_store_prints_nothing(self):
        self.ok("init")
        self.assertEqual(self.ok("list"), "")
        self.assertEqual(self.ok("list", "--format", "simple"), "")
        self.assertEqual(self.ok("list", "--format", "json"), "[]\n")
        self.assertEqual(self.ok("ready"), "")
        self.assertEqual(self.ok("list", "--group-by", "assignee"), "")

    def test_no_match_prints_nothing(self):
        self.add("a")
        self.assertEqual(self.ok("list", "--status", "completed"), "")
        self.assertEqual(self.ok("list", "--assignee", "nobody", "--format", "json"), "[]\n")

    def test_text_line(self):
        a = self.add("Design database", "--assignee", "db_specialist", "-p", "high")
        b = self.add("Unowned work")
        out = self.ok("list")
        lines = out.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertRegex(lines[0], r"^%s +pending +high +db_specialist +Design database$" % a)
        self.assertRegex(lines[1], r"^%s +pending +medium +- +Unowned work$" % b)
        # Columns are padded: status, priority and title line up.
        self.assertEqual(lines[0].index("high"), lines[1].index("medium"))
        self.assertEqual(lines[0].index("Design"), lines[1].index("Unowned"))

    def test_simple(self):
        a = self.add("Title with  two spaces")
        self.assertEqual(self.ok("list", "--format", "simple"),
                         "%s Title with  two spaces\n" % a)

    def test_json_shape(self):
        a = self.add("A", "--tag", "x", "--file", "p.c:2", "-d", "d", "--assignee", "bob")
        b = self.add("B", "--depends-on", a)
        data = self.json("list")
        self.assertEqual([t["id"] for t in data], [a, b])
        keys = {"id", "title", "description", "status", "priority", "assignee", "created_by",
                "blocked_by_hand", "created_at", "updated_at", "completed_at", "summary",
                "tags", "files", "depends_on", "claim", "lease_expires", "estimate"}
        for t in data:
            self.assertEqual(set(t), keys)
        self.assertEqual(data[0]["tags"], ["x"])
        self.assertEqual(data[0]["files"], [{"path": "p.c", "line": 2, "end": 0}])
        self.assertEqual(data[1]["depends_on"], [a])

    def test_wc_counts_tasks(self):
        for i in range(5):
            self.add("task %d" % i)
        out = subprocess.run("%s --db %s list | wc -l" % (tmtest.TM, self.store), shell=True,
                             capture_output=True, text=True, env=self.env(), cwd=self.tmp)
        self.assertEqual(out.stdout.strip(), "5")


class TestSorting(TmCase):
    def test_priority_then_oldest(self):
        low = self.add("low", "-p", "low")
        m1 = self.add("m1")
        crit = self.add("crit", "-p", "critical")
        high = self.add("high", "--priority", "high")
        m2 = self.add("m2", "-p", "medium")
        self.assertEqual(ids_of(self.ok("list")), [crit, high, m1, m2, low])
        self.assertEqual(ids_of(self.ok("list", "--sort", "priority")), [crit, high, m1, m2, low])

    def test_sort_created(self):
        a = self.add("a", "-p", "low")
        b = self.add("b", "-p", "critical")
        c = self.add("c")
        self.assertEqual(ids_of(self.ok("list", "--sort", "created")), [a, b, c])

    def test_sort_updated(self):
        a, b, c = self.add("a"), self.add("b"), self.add("c")
        self.ok("update", a, "--title", "a2")
        self.assertEqual(ids_of(self.ok("list", "--sort", "updated")), [a, c, b])

    def test_reprioritised_task_moves(self):
        a, b = self.add("a"), self.add("b")
        self.ok("update", b, "--priority", "critical")
        self.assertEqual(ids_of(self.ok("list")), [b, a])


class TestFilters(TmCase):
    def setUp(self):
        super().setUp()
        self.a = self.add("a", "--assignee", "backend_specialist", "--tag", "phase1",
                          "-p", "high")
        self.b = self.add("b", "--assignee", "frontend_specialist", "--tag", "phase2",
                          "--depends-on", self.a)
        self.c = self.add("c", "--tag", "phase1")
        self.d = self.add("d", "--assignee", "backend_specialist")
        self.ok("update", self.d, "--status", "in_progress")

    def ids(self, *args):
        return sorted(ids_of(self.ok("list", *args)))

    def test_status(self):
        self.assertEqual(self.ids("--status", "blocked"), [self.b])
        self.assertEqual(self.ids("--status", "in_progress"), [self.d])
        self.assertEqual(self.ids("--status", "pending,in_progress"),
                         sorted([self.a, self.c, self.d]))

    def test_assignee_and_unassigned(self):
        self.assertEqual(self.ids("--assignee", "backend_specialist"), sorted([self.a, self.d]))
        self.assertEqual(self.ids("--assignee", "backend_specialist", "--status", "pending"),
                         [self.a])
        self.assertEqual(self.ids("--unassigned"), [self.c])

    def test_tag_priority_has_deps(self):
        self.assertEqual(self.ids("--tag", "phase1"), sorted([self.a, self.c]))
        self.assertEqual(self.ids("--tag", "phase1", "--status", "completed"), [])
        self.assertEqual(self.ids("--priority", "high"), [self.a])
        self.assertEqual(self.ids("--has-deps"), [self.b])

    def test_ready_and_limit(self):
        self.assertEqual(self.ids("--ready"), sorted([self.a, self.c]))
        self.assertEqual(len(self.ok("list", "--limit", "2").splitlines()), 2)
        self.assertEqual(ids_of(self.ok("list", "-n", "1")), [self.a])  # high first

    def test_ready_command(self):
        self.assertEqual(sorted(ids_of(self.ok("ready"))), sorted([self.a, self.c]))
        self.assertEqual(ids_of(self.ok("ready", "--assignee", "backend_specialist")), [self.a])
        self.assertEqual(len(self.ok("ready", "--limit", "1").splitlines()), 1)
        self.ok("complete", self.a)
        self.assertEqual(sorted(ids_of(self.ok("ready"))), sorted([self.b, self.c]))
        self.assertEqual(self.ok("ready", "--assignee", "nobody"), "")


class TestGroupBy(TmCase):
    def test_group_by_assignee_text(self):
        a = self.add("a", "--assignee", "db_specialist")
        b = self.add("b", "--assignee", "backend_specialist")
        c = self.add("c")
        d = self.add("d", "--assignee", "db_specialist")
        out = self.ok("list", "--group-by", "assignee")
        lines = out.splitlines()
        keys = [l for l in lines if not l.startswith("  ")]
        self.assertEqual(keys, ["backend_specialist", "db_specialist", "(unassigned)"])
        groups = {}
        for l in lines:
            if l.startswith("  "):
                groups.setdefault(key, []).append(l.split()[0])
            else:
                key = l
        self.assertEqual(groups, {"backend_specialist": [b], "db_specialist": [a, d],
                                  "(unassigned)": [c]})

    def test_guide_loop_yields_assignee_names(self):
        # for s in $(tm list --group-by assignee | grep specialist) from the
        # guide's "Resource Balancing" yields the assignee names.
        self.add("a", "--assignee", "db_specialist")
        self.add("b", "--assignee", "backend_specialist")
        self.add("c", "--assignee", "db_specialist")
        self.add("d")
        script = ('for s in $("$TM" --db "$STORE" list --group-by assignee | grep specialist);'
                  ' do echo "$s"; done')
        p = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                           env=self.env(extra={"TM": tmtest.TM, "STORE": self.store}),
                           cwd=self.tmp)
        self.assertEqual(p.stderr, "")
        self.assertEqual(p.stdout.split(), ["backend_specialist", "db_specialist"])

    def test_group_by_status_and_priority_order(self):
        a = self.add("a", "-p", "low")
        b = self.add("b", "-p", "critical", "--depends-on", a)
        out = self.ok("list", "--group-by", "status", "--format", "simple")
        self.assertEqual(out, "pending\n  %s a\nblocked\n  %s b\n" % (a, b))
        out = self.ok("list", "--group-by", "priority", "--format", "simple")
        self.assertEqual(out, "critical\n  %s b\nlow\n  %s a\n" % (b, a))

    def test_group_by_tag_json(self):
        a = self.add("a", "--tag", "x", "--tag", "y")
        b = self.add("b", "--tag", "y")
        c = self.add("c")
        data = self.json("list", "--group-by", "tag")
        self.assertEqual({k: [t["id"] for t in v] for k, v in data.items()},
                         {"x": [a], "y": [a, b], "(untagged)": [c]})

    def grouped_text(self, *args):
        """{heading: [task ids]} of `tm list --group-by ...` text output."""
        groups, key = {}, None
        for line in self.ok("list", *args).splitlines():
            if line.startswith("  "):
                groups[key].append(line.split()[0])
            else:
                key = line
                self.assertNotIn(key, groups, "heading printed twice")
                groups[key] = []
        return groups

    def test_group_by_tag_one_task_ten_tags(self):
        tags = ["t%02d" % i for i in range(10)]
        a = self.add("a", *[x for t in tags for x in ("--tag", t)])
        self.assertEqual(self.grouped_text("--group-by", "tag"), {t: [a] for t in tags})
        data = self.json("list", "--group-by", "tag")
        self.assertEqual({k: [t["id"] for t in v] for k, v in data.items()},
                         {t: [a] for t in tags})

    def test_group_by_tag_eighty_distinct_tags(self):
        # Two tasks with 40 tags each, a third sharing one of them.
        expected = {}
        for n in range(2):
            tags = ["tag%02d" % (n * 40 + i) for i in range(40)]
            tid = self.add("t%d" % n, *[x for t in tags for x in ("--tag", t)])
            for t in tags:
                expected[t] = [tid]
        c = self.add("c", "--tag", "tag41")
        expected["tag41"].append(c)
        ids = [l.split()[0] for l in self.ok("list", "--format", "simple").splitlines()]
        for t in expected:  # within a group, tasks keep the list's order
            expected[t].sort(key=ids.index)
        groups = self.grouped_text("--group-by", "tag")
        self.assertEqual(len(groups), 80)
        self.assertEqual(groups, expected)
        self.assertEqual(list(groups), sorted(expected))
        data = self.json("list", "--group-by", "tag")
        self.assertEqual({k: [t["id"] for t in v] for k, v in data.items()}, expected)


if __name__ == "__main__":
    tmtest.main()
