"""Contracts tm keeps whatever the input: errors are one line and never
echo control characters, a failed watch prints nothing, numbers are parsed
one way, a full disk is a store error, a bad $USER does not break reads,
and no agent id can move another agent's cursor."""

import json
import os
import resource
import sqlite3
import subprocess

import tmtest
from tmtest import TmCase

# Option values that are not plain decimal numbers.
NOT_NUMBERS = (" 5", "5 ", "+5", "0x10", "1e3", "5\n", "\u0663", "", "abc",
               "99999999999999999999")


class TestErrorLines(TmCase):
    """One `tm: error:` line per failure, control characters escaped."""

    def setUp(self):
        super().setUp()
        self.a = self.add("a")

    def assert_one_line(self, args, code, shown=(), **kw):
        err = self.assert_refused(code, args, shown, **kw)
        body = err[:-1]
        self.assertFalse(any(ord(c) < 0x20 or ord(c) == 0x7f for c in body),
                         "raw control character in %r" % err)
        return err

    def test_control_characters_are_escaped(self):
        self.assert_one_line(["list", "--status", "pending\nrm -rf"], 5, "pending\\nrm -rf")
        self.assert_one_line(["list", "--format", "x\ty"], 5, "x\\ty")
        self.assert_one_line(["show", "ab\ncd"], 5, "ab\\ncd")
        self.assert_one_line(["show", self.a, "--format", "\x1b[31mred"], 5, "\\x1b[31mred")
        self.assert_one_line(["no\rsuch"], 2, "no\\rsuch")
        self.assert_one_line(["list", "--bogus\nx"], 2, "--bogus\\nx")
        self.assert_one_line(["--agent", "a\nb", "add", "t"], 5, "a\\nb")
        self.assert_one_line(["add", "t", "--tag", "x\x7fy"], 5, "x\\x7fy")
        self.assert_one_line(["add", "t", "--depends-on", "12\n34"], 5, "12\\n34")
        self.assert_one_line(["update", self.a, "--priority", "hi\x01gh"], 5, "hi\\x01gh")

    def test_one_line_when_several_things_are_wrong(self):
        for args in (["watch", "--format", "xml", "--limit", "abc"],
                     ["watch", "--limit", "0", "--since", "x"],
                     ["watch", "--kind", "bogus", "--limit", "0"],
                     ["watch", "--format", "xml", "--timeout", "x"],
                     ["list", "--format", "xml", "--limit", "0", "--sort", "x"],
                     ["list", "--status", "bogus", "--priority", "x", "--group-by", "y"],
                     ["ready", "--format", "xml", "--limit", "0"],
                     ["context", self.a, "--format", "xml", "--limit", "0", "--since", "x"],
                     ["export", "--format", "csv"]):
            self.assert_one_line(args, 5)


class TestWatchFailure(TmCase):
    def test_failed_watch_prints_nothing(self):
        a = self.add("a")
        self.ok("share", a, "hello")
        for args in (["--kind", "bogus"], ["--task", "ffff"], ["--limit", "x"],
                     ["--since", "-1"], ["--timeout", "soon"]):
            code, out, err = self.run_tm("watch", *args)
            self.assertNotEqual(code, 0)
            self.assertEqual(out, "", "tm watch %r printed on stdout" % (args,))

    def test_cursor_that_cannot_move_prints_nothing(self):
        # The events are read, but another process holds the write lock,
        # so the cursor cannot move past them: nothing printed, nothing lost.
        a = self.add("a")
        self.ok("share", a, "hello")
        con = sqlite3.connect(self.dbfile, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            before = self.snapshot()
            for args in ([], ["--kind", "share"], ["--follow", "--timeout", "5"]):
                code, out, err = self.run_tm("watch", *args,
                                             env={"TM_BUSY_TIMEOUT_MS": "50"})
                self.assert_error_output(code, out, err, 4, "locked", "watch %r" % args)
            self.assertEqual(self.snapshot(), before)
        finally:
            con.execute("ROLLBACK")
            con.close()
        self.assertEqual(len(self.ok("watch").splitlines()), 3)


class TestNumbers(TmCase):
    """One parser for every number tm reads: decimal digits, nothing else."""

    def setUp(self):
        super().setUp()
        self.a = self.add("a")
        self.ok("share", self.a, "m")

    def test_counts_and_ids(self):
        cases = [(["list"], "limit"), (["ready"], "limit"), (["context", self.a], "limit"),
                 (["watch"], "limit"), (["context", self.a], "since"), (["watch"], "since")]
        for base, opt in cases:
            for v in NOT_NUMBERS + ("-1",):
                # (A word holding whitespace is a positional argument.)
                forms = [["--" + opt, v]] + ([] if v != v.strip() else [["--%s=%s" % (opt, v)]])
                for form in forms:
                    err = self.assert_refused(5, base + form, "--" + opt)
                    self.assertIn("integer", err)
            self.assert_refused(5, base + ["--" + opt, "-1"], "--" + opt)
        for base in (["list"], ["ready"], ["context", self.a], ["watch"]):
            self.assert_refused(5, base + ["-n", "0"], "positive integer")
            self.assert_refused(5, base + ["-n", "0x10"], "positive integer")
        # Plain decimal still works, leading zeros included.
        self.assertEqual(len(self.ok("list", "-n", "007").splitlines()), 1)
        self.assertEqual(len(self.ok("watch", "--since", "0", "-n", "2").splitlines()), 2)
        self.assertEqual(len(self.ok("watch", "--since", "00").splitlines()), 3)

    def test_timeout_seconds(self):
        for v in NOT_NUMBERS + ("-1", "inf", "nan", "1.", ".5", "1.2.3", "1,5"):
            err = self.assert_refused(5, ["watch", "--follow", "--timeout", v], "--timeout")
            self.assertIn("seconds", err)
        code, out, err = self.run_tm("watch", "--follow", "--timeout", "0.05")
        self.assertEqual((code, len(out.splitlines()), err), (0, 3, ""))

    def test_busy_timeout_variable(self):
        for v in [n for n in NOT_NUMBERS if n] + ["0", "-5", "3600001"]:
            err = self.assert_refused(5, ["share", self.a, "x"], "TM_BUSY_TIMEOUT_MS",
                                      env={"TM_BUSY_TIMEOUT_MS": v})
        self.ok("share", self.a, "x", env={"TM_BUSY_TIMEOUT_MS": "0250"})


def limit_file_size(nbytes):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return apply


class TestFileSizeLimit(TmCase):
    """`ulimit -f`: a write that does not fit is a store error (exit 4),
    never death by SIGXFSZ; the store keeps what was committed before."""

    def run_limited(self, nbytes, *args):
        argv = tmtest.tm_argv("--db", self.store, *args)
        p = subprocess.run(argv, capture_output=True, cwd=self.tmp, env=self.env(),
                           preexec_fn=limit_file_size(nbytes), timeout=60)
        return p.returncode, tmtest.decode(p.stdout), tmtest.decode(p.stderr)

    def test_write_beyond_the_limit_is_a_store_error(self):
        a = self.add("a")
        before = self.snapshot()
        big = "x" * 60000
        code, out, err = self.run_limited(16384, "add", "big", "-d", big)
        self.assert_error_output(code, out, err, 4, "full", "add under ulimit -f")
        self.assertEqual(self.snapshot(), before)
        code, out, err = self.run_limited(16384, "update", a, "-d", big)
        self.assert_error_output(code, out, err, 4, "full", "update under ulimit -f")
        self.assertEqual(self.snapshot(), before)
        # Without the limit the same write goes through.
        self.add("big", "-d", big)

    def test_committed_write_survives_a_failed_checkpoint(self):
        # A store file of about 4 MiB with an empty WAL...
        for i in range(75):
            self.ok("add", "big %d" % i, "-d", "x" * 60000, "--no-mirror")
        con = sqlite3.connect(self.dbfile)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        limit = 2 * 1024 * 1024
        self.assertGreater(os.path.getsize(self.dbfile), 2 * limit)
        # ...then commits until the WAL is just short of the 256 pages past
        # which a commit checkpoints it. Their new pages lie at the end of
        # the store file, beyond the limit.
        wal = self.dbfile + "-wal"
        while not os.path.exists(wal) or os.path.getsize(wal) < 235 * 4120:
            self.ok("add", "filler", "--no-mirror")
        # This commit fits in the WAL (under the limit); its checkpoint
        # cannot copy the pages into the store file: the task is stored,
        # tm says so, and the WAL keeps it.
        code, out, err = self.run_limited(limit, "add", "small", "-d", "y" * 60000,
                                          "--no-mirror")
        self.assertEqual((code, err), (0, ""))
        self.assertRegex(out, r"^[0-9a-f]{8}\n$")
        self.assertGreater(os.path.getsize(wal), 256 * 4120)
        self.assertEqual(self.task(out.strip())["title"], "small")


class TestBadUser(TmCase):
    """$USER is only a default identity: a bad one must not break reads."""

    BAD = ("has space", "a/b", "x" * 200, "tab\there", "..")

    def env(self, agent=None, extra=None):
        env = super().env(agent, extra)
        if agent is None and "TM_AGENT_ID" not in (extra or {}):
            del env["TM_AGENT_ID"]
        return env

    def test_reads_fall_back_to_anonymous(self):
        a = self.add("a", agent="tester")
        self.ok("note", a, "secret-note", agent="tester")
        self.ok("share", a, "shared", agent="tester")
        for user in self.BAD:
            env = {"USER": user}
            self.assertIn(a, self.ok("list", env=env))
            self.assertIn(a, self.ok("ready", env=env))
            self.assertEqual(self.json("show", a, env=env)["id"], a)
            self.assertIn(a, self.ok("export", env=env))
            ctx = self.ok("context", a, env=env)
            self.assertIn("shared", ctx)
            self.assertNotIn("secret-note", ctx)

    def test_writes_name_the_way_out(self):
        a = self.add("a", agent="tester")
        for user in self.BAD:
            env = {"USER": user}
            for args in (["add", "t"], ["share", a, "x"], ["watch"], ["claim"],
                         ["update", a, "-p", "high"]):
                err = self.assert_refused(5, args, ["USER", "TM_AGENT_ID", "--agent"], env=env)
                self.assertNotIn("\t", err[:-1])
        # A good $USER is the identity.
        b = self.add("b", env={"USER": "carol"})
        self.assertEqual(self.task(b, agent="x")["created_by"], "carol")

    def test_bad_tm_agent_id_is_an_error(self):
        self.add("a", agent="tester")
        for args in (["list"], ["add", "t"]):
            self.assert_refused(5, args, ["TM_AGENT_ID", "--agent"],
                                env={"TM_AGENT_ID": "has space", "USER": "carol"})


class TestViewCursors(TmCase):
    def view_cursors(self, agent):
        return self.sql("SELECT consumer, event_id FROM cursors"
                        " WHERE consumer LIKE ? AND consumer != ?", agent + "%", agent)

    def test_view_cursor_is_not_an_agent_id(self):
        a = self.add("a")
        self.ok("share", a, "first")
        seen = self.ok("watch", "--kind", "share", "--format", "json", agent="bob")
        self.assertEqual([json.loads(l)["text"] for l in seen.splitlines()], ["first"])
        [(view, pos)] = self.view_cursors("bob")
        self.ok("share", a, "second")
        # mallory acts as an agent named like bob's view cursor.
        before = self.snapshot()
        code, out, err = self.run_tm("watch", agent=view)
        self.assert_error_output(code, out, err, 5, ["agent id"])
        self.assertEqual(self.snapshot(), before)
        code, out, err = self.run_tm("--agent", view, "watch")
        self.assert_error_output(code, out, err, 5, ["agent id"])
        self.assertEqual(self.view_cursors("bob"), [(view, pos)])
        # bob's view still shows what is new to it.
        seen = self.ok("watch", "--kind", "share", "--format", "json", agent="bob")
        self.assertEqual([json.loads(l)["text"] for l in seen.splitlines()], ["second"])


if __name__ == "__main__":
    tmtest.main()
