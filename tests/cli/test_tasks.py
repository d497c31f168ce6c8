"""tm's single-task commands: init, add, show, update, complete, assign,
delete, export, help and --version, and how ids are accepted."""

import json

import tmtest
from tmtest import TmCase


class TestInitHelpVersion(TmCase):
    def test_init_creates_store(self):
        out = self.ok("init")
        self.assertIn("tasks.db", out)
        self.assertEqual(self.snapshot()["tables"]["tasks"], [])
        # Running it again keeps what is there.
        tid = self.add("kept")
        self.ok("init")
        self.assertEqual(self.task(tid)["title"], "kept")

    def test_version(self):
        for args in (["--version"], ["-V"], ["version"]):
            out = self.ok(*args, db=False)
            self.assertRegex(out, r"^tm \d+\.\d+\.\d+ \(libtaskorch \d+\.\d+\.\d+\)\n$")

    def test_help_lists_every_command(self):
        out = self.ok("help", db=False)
        for cmd in ("init", "add", "list", "show", "update", "complete", "assign", "delete",
                    "dep", "ready", "export", "join", "note", "share", "discover", "sync",
                    "progress", "context", "watch"):
            self.assertRegex(out, r"(?m)^  %s\s" % cmd)
        self.assertIn("Exit codes", out)
        self.assertEqual(self.ok("--help", db=False), out)

    def test_command_help(self):
        out = self.ok("help", "add", db=False)
        self.assertTrue(out.startswith("usage: tm add"))
        for flag in ("--description", "--priority", "--assignee", "--tag", "--depends-on",
                     "--file"):
            self.assertIn(flag, out)
        self.assertEqual(self.ok("add", "--help", db=False), out)

    def test_help_needs_no_store(self):
        self.ok("help", "list", db=False)
        self.assertIsNone(self.snapshot())


class TestAddShow(TmCase):
    def test_add_prints_bare_id_and_defaults(self):
        tid = self.add("Build authentication system")
        t = self.task(tid)
        self.assertEqual(t["id"], tid)
        self.assertEqual(t["title"], "Build authentication system")
        self.assertEqual(t["status"], "pending")
        self.assertEqual(t["priority"], "medium")
        self.assertIsNone(t["assignee"])
        self.assertIsNone(t["description"])
        self.assertEqual(t["created_by"], "tester")
        self.assertFalse(t["blocked_by_hand"])
        self.assertRegex(t["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIsNone(t["completed_at"])
        self.assertEqual((t["tags"], t["files"], t["depends_on"]), ([], [], []))
        self.assertEqual((t["dependencies"], t["dependents"]), ([], []))

    def test_add_every_option(self):
        dep = self.add("dep")
        self.ok("complete", dep)
        tid = self.add("Full", "-d", "line one\nline two", "-p", "high",
                       "--assignee", "db_specialist", "--tag", "phase1", "--tag", "auth",
                       "--depends-on", dep, "--file", "src/a.c", "--file", "src/b.c:12",
                       "--file", "src/c.c:3:40")
        t = self.task(tid)
        self.assertEqual(t["description"], "line one\nline two")
        self.assertEqual(t["priority"], "high")
        self.assertEqual(t["assignee"], "db_specialist")
        self.assertEqual(sorted(t["tags"]), ["auth", "phase1"])
        self.assertEqual(t["files"], [{"path": "src/a.c", "line": 0, "end": 0},
                                      {"path": "src/b.c", "line": 12, "end": 0},
                                      {"path": "src/c.c", "line": 3, "end": 40}])
        self.assertEqual(t["depends_on"], [dep])
        self.assertEqual(t["status"], "pending")  # its dependency is completed
        text = self.ok("show", tid)
        for s in ("Task:        " + tid, "Title:       Full", "Priority:    high",
                  "Assignee:    db_specialist", "phase1", "src/b.c:12", "src/c.c:3:40",
                  "line one\nline two", "Depends on:", dep):
            self.assertIn(s, text)

    def test_created_by_is_the_agent(self):
        tid = self.add("mine", agent="orchestrator")
        self.assertEqual(self.task(tid)["created_by"], "orchestrator")
        tid = self.add("theirs", "--agent", "someone")
        self.assertEqual(self.task(tid)["created_by"], "someone")

    def test_ids_are_distinct_hex(self):
        ids = {self.add("t%d" % i) for i in range(8)}
        self.assertEqual(len(ids), 8)
        for i in ids:
            self.assertRegex(i, tmtest.ID_RE)

    def test_show_text_lists_dependents(self):
        a = self.add("first")
        b = self.add("second", "--depends-on", a)
        out = self.ok("show", a)
        self.assertIn("Dependents:", out)
        self.assertIn(b, out)
        self.assertEqual([d["id"] for d in self.task(a)["dependents"]], [b])
        self.assertEqual(self.task(b)["dependencies"],
                         [{"id": a, "status": "pending", "title": "first"}])


class TestIdPrefixes(TmCase):
    def test_unique_prefix_of_four_or_more(self):
        tid = self.add("prefixed")
        for n in (4, 5, 7, 8):
            self.assertEqual(self.task(tid[:n])["id"], tid)
        self.assertEqual(self.task(tid.upper())["id"], tid)
        self.assertEqual(self.ok("update", tid[:4], "-p", "low"), "Task %s updated\n" % tid)
        self.assertEqual(self.ok("complete", tid[:5]), "Task %s completed\n" % tid)


class TestUpdate(TmCase):
    def test_update_fields(self):
        tid = self.add("old", "--tag", "keep", "--tag", "drop")
        self.assertEqual(self.ok("update", tid, "--title", "new", "-d", "described",
                                 "-p", "critical", "--assignee", "qa_specialist",
                                 "--tag", "added", "--untag", "drop", "--file", "x.py:7"),
                         "Task %s updated\n" % tid)
        t = self.task(tid)
        self.assertEqual((t["title"], t["description"], t["priority"], t["assignee"]),
                         ("new", "described", "critical", "qa_specialist"))
        self.assertEqual(sorted(t["tags"]), ["added", "keep"])
        self.assertEqual(t["files"], [{"path": "x.py", "line": 7, "end": 0}])

    def test_clear_assignee_and_description(self):
        tid = self.add("t", "--assignee", "bob", "-d", "text")
        self.ok("update", tid, "--assignee", "", "-d", "")
        t = self.task(tid)
        self.assertIsNone(t["assignee"])
        self.assertIn(t["description"], (None, ""))

    def test_status_transitions(self):
        tid = self.add("t")
        for s in ("in_progress", "blocked", "pending", "cancelled", "completed", "pending"):
            self.ok("update", tid, "--status", s)
            self.assertEqual(self.status(tid), s)

    def test_update_is_an_event(self):
        tid = self.add("t")
        self.ok("update", tid, "--status", "in_progress")
        evs = [e for e in self.events() if e["task"] == tid and e["kind"] == "status"]
        self.assertEqual(len(evs), 1)
        self.assertIn("in_progress", evs[0]["text"])


class TestCompleteAssignDelete(TmCase):
    def test_complete_with_summary(self):
        tid = self.add("t")
        self.assertEqual(self.ok("complete", tid, "--summary", "all done"),
                         "Task %s completed\n" % tid)
        t = self.task(tid)
        self.assertEqual(t["status"], "completed")
        self.assertEqual(t["summary"], "all done")
        self.assertRegex(t["completed_at"], r"Z$")

    def test_assign(self):
        tid = self.add("t")
        self.assertEqual(self.ok("assign", tid, "frontend_specialist"),
                         "Task %s assigned to frontend_specialist\n" % tid)
        self.assertEqual(self.task(tid)["assignee"], "frontend_specialist")
        self.assertIn("assigned", [e["kind"] for e in self.events() if e["task"] == tid])

    def test_delete(self):
        tid = self.add("t")
        keep = self.add("other")
        self.assertEqual(self.ok("delete", tid), "Task %s deleted\n" % tid)
        code, out, err = self.run_tm("show", tid)
        self.assertEqual(code, 3)
        self.assertEqual(self.ok("list", "--format", "simple"), "%s other\n" % keep)
        self.assertIn("deleted", [e["kind"] for e in self.events() if e["task"] == tid])


class TestExport(TmCase):
    def test_export_json_holds_everything(self):
        a = self.add("A", "--tag", "t1", "--file", "f.c:1:2", "-d", "desc")
        b = self.add("B", "--depends-on", a)
        doc = json.loads(self.ok("export"))
        self.assertEqual(doc, json.loads(self.ok("export", "--format", "json")))
        tasks = {t["id"]: t for t in doc["tasks"]}
        self.assertEqual(set(tasks), {a, b})
        self.assertEqual(tasks[a]["tags"], ["t1"])
        self.assertEqual(tasks[a]["files"], [{"path": "f.c", "line": 1, "end": 2}])
        self.assertEqual(tasks[a]["description"], "desc")
        self.assertEqual(tasks[b]["depends_on"], [a])

    def test_export_markdown(self):
        a = self.add("Alpha task", "--tag", "t1")
        b = self.add("Beta task", "--depends-on", a)
        out = self.ok("export", "--format", "markdown")
        self.assertIn("## %s: Alpha task" % a, out)
        self.assertIn("## %s: Beta task" % b, out)
        self.assertIn("depends on: %s" % a, out)


if __name__ == "__main__":
    tmtest.main()
