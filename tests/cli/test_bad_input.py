"""Issue 2's "Bad input" list, row by row: each refusal has the right exit
code, one `tm: error: ` line naming the problem, an empty stdout and an
unchanged store. (The store-file rows -- unwritable folder, not SQLite,
newer schema -- are in test_store.py.)"""

import json
import sqlite3

import tmtest
from tmtest import TmCase

VALID_PRIORITIES = "low, medium, high or critical"
VALID_STATUSES = ["pending", "in_progress", "completed", "blocked", "cancelled"]
BAD_UTF8 = [b"\xff", b"caf\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"ok \xf5\x80\x80\x80"]


class BadInputCase(TmCase):
    def setUp(self):
        super().setUp()
        self.a = self.add("existing", "--tag", "keep", "--assignee", "db_specialist")
        self.b = self.add("dependent", "--depends-on", self.a)


class TestTitles(BadInputCase):
    def test_empty_and_blank_title(self):
        for title in ("", " ", "   \t  ", "\n"):
            self.assert_refused(5, ["add", title], "empty")
            self.assert_refused(5, ["update", self.a, "--title", title], "empty")

    def test_title_length_limit(self):
        self.assert_refused(5, ["add", "x" * 501], "500")
        self.assert_refused(5, ["update", self.a, "--title", "y" * 501], "500")
        self.assert_refused(5, ["add", "\u00e9" * 501], "500")
        for title in ("x" * 500, "\u00e9" * 500, "\U0001F680" * 500):
            tid = self.add(title)
            self.assertEqual(self.task(tid)["title"], title)

    def test_invalid_utf8_everywhere(self):
        a = self.a
        for bad in BAD_UTF8:
            self.assert_refused(5, ["add", b"title " + bad], "UTF-8")
            self.assert_refused(5, ["add", "t", "-d", bad], "UTF-8")
            self.assert_refused(5, ["add", "t", "--assignee", bad], "UTF-8")
            self.assert_refused(5, ["add", "t", "--tag", bad], "UTF-8")
            self.assert_refused(5, ["add", "t", "--file", b"src/" + bad], "UTF-8")
            self.assert_refused(5, ["update", a, "--title", bad], "UTF-8")
            self.assert_refused(5, ["update", a, "-d", bad], "UTF-8")
            self.assert_refused(5, ["update", a, "--assignee", bad], "UTF-8")
            self.assert_refused(5, ["update", a, "--tag", bad], "UTF-8")
            self.assert_refused(5, ["assign", a, bad], "UTF-8")
            self.assert_refused(5, ["complete", a, "--summary", bad], "UTF-8")
            self.assert_refused(5, ["--agent", bad, "add", "t"], "agent")

    def test_control_characters_in_title(self):
        for ch in ("\x01", "\x07", "\x08", "\x1b", "\x7f", "\r", "\x1f"):
            title = "bad" + ch + "title"
            self.assert_refused(5, ["add", title], "control")
            self.assert_refused(5, ["update", self.a, "--title", title], "control")
        self.assert_refused(5, ["add", "\x1b[31mred\x1b[0m"], "control")
        self.assert_refused(5, ["add", "t", "-d", "bell\x07"], "control")

    def test_newline_and_tab_in_description_are_fine(self):
        tid = self.add("t", "-d", "line\n\tindented")
        self.assertEqual(self.task(tid)["description"], "line\n\tindented")


class TestValues(BadInputCase):
    def test_unknown_priority_lists_valid(self):
        for p in ("urgent", "HIGHEST", "", "1"):
            self.assert_refused(5, ["add", "t", "-p", p], VALID_PRIORITIES)
            self.assert_refused(5, ["update", self.a, "--priority", p], VALID_PRIORITIES)
            self.assert_refused(5, ["list", "--priority", p], VALID_PRIORITIES)

    def test_unknown_status_lists_valid(self):
        for s in ("done", "open", "", "PENDING"):
            self.assert_refused(5, ["update", self.a, "--status", s], VALID_STATUSES)
            self.assert_refused(5, ["list", "--status", s], VALID_STATUSES if s else "status")
        self.assert_refused(5, ["list", "--status", "pending,bogus"], ["bogus"] + VALID_STATUSES)

    def test_limit_not_a_positive_integer(self):
        for v in ("0", "-1", "abc", "1.5", "", "2x", "99999999999999999999"):
            self.assert_refused(5, ["list", "--limit", v], "positive integer")
            self.assert_refused(5, ["ready", "--limit", v], "positive integer")
            self.assert_refused(5, ["context", self.a, "--limit", v], "positive integer")

    def test_unknown_format_sort_group(self):
        self.assert_refused(5, ["list", "--format", "xml"], ["xml", "json"])
        self.assert_refused(5, ["show", self.a, "--format", "simple"], "simple")
        self.assert_refused(5, ["export", "--format", "csv"], "markdown")
        self.assert_refused(5, ["list", "--sort", "title"], "created")
        self.assert_refused(5, ["list", "--group-by", "title"], "assignee")

    def test_bad_agent_ids(self):
        for agent in ("a b", "a/b", "..", "x" * 65):
            self.assert_refused(5, ["--agent", agent, "add", "t"], "agent")
            self.assert_refused(5, ["add", "t", "--assignee", agent], "assignee")

    def test_bad_tags_and_files(self):
        for tag in ("", "a b", "a,b"):
            self.assert_refused(5, ["add", "t", "--tag", tag], "tag")
        for ref in ("", ":12", "f.c:9:3"):
            self.assert_refused(5, ["add", "t", "--file", ref], "file")


class TestIds(BadInputCase):
    def id_commands(self, tid):
        return [["show", tid], ["update", tid, "-p", "low"], ["complete", tid],
                ["assign", tid, "bob"], ["delete", tid], ["dep", "add", tid, self.a],
                ["dep", "add", self.a, tid], ["dep", "rm", tid, self.a], ["dep", "list", tid],
                ["join", tid], ["share", tid, "hello"], ["context", tid],
                ["watch", "--task", tid]]

    def test_unknown_id(self):
        missing = "0123abcd" if not self.a.startswith("0123") else "4567abcd"
        missing = missing if not self.b.startswith(missing[:4]) else "89abcdef"
        for args in self.id_commands(missing):
            self.assert_refused(3, args, [missing, "task"])
        self.assert_refused(3, ["show", missing[:4]], missing[:4])

    def test_malformed_id(self):
        for bad in ("xyz!", "abc", "123456789", "ghijklmn", "12 34", "-", "a" * 40):
            for args in self.id_commands(bad):
                self.assert_refused(5, args, "malformed")

    def test_ambiguous_prefix_lists_candidates(self):
        # Two random ids sharing 4 characters would take hundreds of tasks;
        # clone a task's row under a chosen id instead.
        tid = self.a
        twin = tid[:4] + ("0000" if tid[4:] != "0000" else "1111")
        con = sqlite3.connect(self.dbfile)
        with con:
            con.execute("CREATE TEMP TABLE t AS SELECT * FROM tasks WHERE id = ?", (tid,))
            con.execute("UPDATE t SET id = ?", (twin,))
            con.execute("INSERT INTO tasks SELECT * FROM t")
        con.close()
        for args in self.id_commands(tid[:4]):
            if args[:2] == ["dep", "add"] and args[2] == self.a:
                continue  # the prefix is the dependency there; covered below
            self.assert_refused(3, args, [tid, twin])
        self.assert_refused(3, ["dep", "add", self.b, tid[:4]], [tid, twin])
        self.assert_refused(3, ["add", "t", "--depends-on", tid[:4]], [tid, twin])
        self.assertEqual(self.task(tid)["id"], tid)
        self.assertEqual(self.task(twin)["id"], twin)

    def test_depends_on_unknown_task(self):
        missing = "fedc0987" if not self.a.startswith("fedc") else "0987fedc"
        self.assert_refused(3, ["add", "t", "--depends-on", missing], missing)
        self.assert_refused(3, ["add", "t", "--depends-on", "%s,%s" % (self.a, missing)],
                            missing)
        self.assert_refused(5, ["add", "t", "--depends-on", "nothex!"], "malformed")
        self.assert_refused(5, ["add", "t", "--depends-on", ","], "empty")


class TestGraph(BadInputCase):
    def test_cycle(self):
        err = self.assert_refused(5, ["dep", "add", self.a, self.b], "cycle")
        self.assertIn("%s -> %s -> %s" % (self.a, self.b, self.a), err)

    def test_self_dependency(self):
        err = self.assert_refused(5, ["dep", "add", self.a, self.a])
        self.assertIn("%s -> %s" % (self.a, self.a), err)

    def test_complete_blocked_without_force(self):
        self.assert_refused(5, ["complete", self.b], [self.a, "force"])
        self.assert_refused(5, ["update", self.b, "--status", "in_progress"], [self.a, "force"])

    def test_delete_with_dependents(self):
        self.assert_refused(5, ["delete", self.a], [self.b, "force"])


class TestUsage(BadInputCase):
    def test_unknown_command(self):
        for cmd in ("frobnicate", "lst", "ADD", "critical_path"):
            self.assert_refused(2, [cmd], ["unknown command", cmd])
        self.assert_refused(2, ["dep", "frob", self.a, self.b], ["frob", "add"])
        self.assert_refused(2, ["help", "frobnicate"], "frobnicate")

    def test_no_command(self):
        before = self.snapshot()
        code, out, err = self.run_tm()
        self.assertEqual((code, out), (2, ""))
        self.assertIn("usage", err)
        self.assertEqual(self.snapshot(), before)

    def test_unknown_flag(self):
        for args in (["add", "t", "--bogus"], ["add", "t", "-z"], ["add", "-pp", "t"],
                     ["list", "--bogus"], ["list", "--status=pending", "--nope=1"],
                     ["show", self.a, "--verbose"], ["update", self.a, "--sumary", "x"],
                     ["complete", self.a, "--forse"], ["delete", self.a, "-f"],
                     ["ready", "--tag", "x"], ["share", self.a, "--urgent", "hi"],
                     ["watch", "--tail"], ["--bogus", "list"], ["list", "--force"]):
            self.assert_refused(2, args, ["unknown option"])

    def test_flag_missing_value(self):
        for args in (["add", "t", "-p"], ["add", "t", "--assignee"], ["add", "t", "--tag"],
                     ["list", "--status"], ["list", "--limit"], ["update", self.a, "--title"],
                     ["complete", self.a, "--summary"], ["--db"], ["list", "--agent"],
                     ["watch", "--since"], ["context", self.a, "--since"]):
            self.assert_refused(2, args, "needs a value")

    def test_flag_takes_no_value(self):
        self.assert_refused(2, ["delete", self.a, "--force=yes"], "force")

    def test_missing_and_extra_arguments(self):
        for args in (["add"], ["show"], ["update"], ["complete"], ["assign", self.a],
                     ["delete"], ["dep"], ["dep", "add", self.a], ["dep", "list"]):
            self.assert_refused(2, args, "usage")
        self.assert_refused(2, ["show", self.a, self.b], "unexpected")
        self.assert_refused(2, ["add", "two", "titles"], "unexpected")

    def test_update_with_nothing_to_change(self):
        self.assert_refused(2, ["update", self.a], "nothing to change")
        self.assert_refused(2, ["update", self.a, "--force"], "nothing to change")

    def test_update_to_the_current_values_changes_nothing(self):
        # Values equal to the task's current ones are refused, so that a
        # script learns its update did nothing; the store is untouched.
        task = self.task(self.a)
        for args in (["--title", task["title"]], ["--priority", task["priority"]],
                     ["--status", task["status"]], ["--title", task["title"], "--status",
                                                    task["status"]]):
            self.assert_refused(5, ["update", self.a] + args, "nothing changed")
        self.ok("update", self.a, "--tag", "t1")
        self.assert_refused(5, ["update", self.a, "--tag", "t1"], "nothing changed")
        # A real change alongside an unchanged status still applies.
        self.ok("update", self.a, "--title", "renamed", "--status", task["status"])
        self.assertEqual(self.task(self.a)["title"], "renamed")


class TestHostileText(BadInputCase):
    INJECTIONS = [
        "x'); DROP TABLE tasks; --",
        "'; DELETE FROM tasks WHERE '1'='1",
        "\"; UPDATE tasks SET title='pwned'; --",
        "Robert'); DROP TABLE deps;--",
        "%s %n %x %%",
    ]

    def test_sql_injection_stored_verbatim(self):
        ids = [self.add(t, "-d", t, "--tag", "t%d" % i) for i, t in enumerate(self.INJECTIONS)]
        for tid, text in zip(ids, self.INJECTIONS):
            t = self.task(tid)
            self.assertEqual((t["title"], t["description"]), (text, text))
            self.ok("share", tid, text)
        self.assertEqual(self.task(self.a)["title"], "existing")
        self.assertEqual(self.task(self.b)["depends_on"], [self.a])
        self.assertEqual(len(self.json("list")), 2 + len(self.INJECTIONS))
        simple = self.ok("list", "--format", "simple")
        for text in self.INJECTIONS:
            self.assertIn(text, simple)
        self.assertEqual(self.sql("PRAGMA integrity_check"), [("ok",)])
        self.assertEqual(self.sql("PRAGMA foreign_key_check"), [])
        tables = {r[0] for r in self.sql("SELECT name FROM sqlite_schema WHERE type='table'")}
        self.assertTrue({"tasks", "deps", "tags", "files", "messages", "events"} <= tables)

    def test_unicode_round_trips(self):
        texts = ["\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",   # Hebrew (RTL)
                 "\u0645\u0631\u062d\u0628\u0627 \u202eevil\u202c mix",  # Arabic + RLO
                 "\U0001F680 launch \U0001F468\u200d\U0001F469\u200d\U0001F467 family",
                 "e\u0301 combining, \u00e9 precomposed, \ufeffbom",
                 "\u4e2d\u6587\u6807\u9898 \ud55c\uad6d\uc5b4 \u65e5\u672c\u8a9e",
                 "\U00010348 \U0010FFFD edge planes"]
        for text in texts:
            tid = self.add(text, "-d", text + "\n" + text, "--tag", text.split()[0],
                           "--assignee", "\u05e9\u05dc\u05d5\u05dd")
            t = self.task(tid)
            self.assertEqual(t["title"], text)
            self.assertEqual(t["description"], text + "\n" + text)
            self.assertEqual(t["tags"], [text.split()[0]])
            self.assertEqual(t["assignee"], "\u05e9\u05dc\u05d5\u05dd")
            self.assertIn("%s %s\n" % (tid, text), self.ok("list", "--format", "simple"))
            exported = {x["id"]: x for x in json.loads(self.ok("export"))["tasks"]}
            self.assertEqual(exported[tid]["title"], text)


if __name__ == "__main__":
    tmtest.main()
