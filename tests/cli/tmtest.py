"""Shared helpers for the black-box tests of `tm`.

Every test case gets its own temporary directory holding its store
(DIR/.task-orchestrator/tasks.db) and runs tm with that directory as the
working directory, the store passed explicitly with --db, and an
environment scrubbed of anything that could point tm elsewhere.

`snapshot()` dumps every table of the store (plus PRAGMA user_version and
the markdown mirror files) so that a test can assert that a refused
command left the store exactly as it was.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

TM = os.path.abspath(os.environ.get("TM") or os.path.join(
    os.environ.get("TASKORCH_BUILD_ROOT", "build"), "tm", "tm"))

ID_RE = re.compile(r"^[0-9a-f]{8}$")

# TM_VALGRIND=PATH runs every tm under valgrind: a memory error or a leak
# exits 97 (not 1, which is tm's own "failure") and prints on stderr, so
# any test that checks the exit code or stderr catches it.
VALGRIND_ARGS = ["-q", "--error-exitcode=97", "--leak-check=full",
                 "--errors-for-leak-kinds=definite,indirect",
                 "--show-leak-kinds=definite,indirect"]


def tm_argv(*args):
    """The command line that runs tm with args (under valgrind if asked)."""
    valgrind = os.environ.get("TM_VALGRIND")
    return ([valgrind] + VALGRIND_ARGS if valgrind else []) + [TM] + list(args)

# Environment variables that would change which store or mode tm uses.
_SCRUBBED = ("TM_DB_PATH", "TM_NO_MIRROR", "TM_REQUEST_ID", "TM_AGENT_ID")


def decode(data):
    """Bytes from tm as text; invalid UTF-8 survives as surrogates."""
    return data.decode("utf-8", "surrogateescape")


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def dump_tables(db_file):
    """Every row of every table of an SQLite file, opened read-only."""
    uri = "file:%s?mode=ro" % db_file
    con = sqlite3.connect(uri, uri=True)
    try:
        dump = {"user_version": con.execute("PRAGMA user_version").fetchone()[0]}
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")]
        for name in names:
            rows = con.execute('SELECT * FROM "%s"' % name.replace('"', '""')).fetchall()
            dump[name] = sorted(rows, key=repr)
        return dump
    finally:
        con.close()


class TmCase(unittest.TestCase):
    """Base class: a fresh store folder per test and helpers to run tm."""

    agent = "tester"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tm-cli-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.store = os.path.join(self.tmp, ".task-orchestrator")
        self.dbfile = os.path.join(self.store, "tasks.db")

    # ---- running tm ----

    def env(self, agent=None, extra=None):
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        env["TM_AGENT_ID"] = agent or self.agent
        env["HOME"] = self.tmp
        env.update(extra or {})
        return env

    def run_tm(self, *args, agent=None, stdin=None, env=None, db=True, cwd=None,
               timeout=60):
        """Runs tm; returns (exit code, stdout, stderr) as text.

        args may mix str and bytes (bytes pass invalid UTF-8 through).
        db=True passes --db STORE first; db=False passes no store at all."""
        argv = tm_argv(*(["--db", self.store] if db else []), *args)
        if isinstance(stdin, str):
            stdin = stdin.encode("utf-8")
        p = subprocess.run(argv, input=stdin if stdin is not None else b"",
                           capture_output=True, cwd=cwd or self.tmp,
                           env=self.env(agent, env), timeout=timeout)
        return p.returncode, decode(p.stdout), decode(p.stderr)

    def ok(self, *args, **kw):
        """Runs tm, asserts success and a silent stderr; returns stdout."""
        code, out, err = self.run_tm(*args, **kw)
        self.assertEqual((code, err), (0, ""), "tm %r failed: %s" % (args, err))
        return out

    def add(self, title, *args, **kw):
        """tm add; asserts the output is the bare id and returns it."""
        out = self.ok("add", title, *args, **kw)
        self.assertRegex(out, r"^[0-9a-f]{8}\n$")
        return out.strip()

    def json(self, *args, **kw):
        return json.loads(self.ok(*args, "--format", "json", **kw))

    def task(self, task_id, **kw):
        return self.json("show", task_id, **kw)

    def status(self, task_id):
        return self.task(task_id)["status"]

    def events(self, *args, **kw):
        """The event feed from the start (a peek: --since moves no cursor)."""
        out = self.ok("watch", "--since", "0", "--format", "json", *args, **kw)
        return [json.loads(line) for line in out.splitlines()]

    # ---- the store ----

    def snapshot(self):
        """Tables of the store plus the mirror files; None if no store."""
        if not os.path.exists(self.dbfile):
            return None
        snap = {"tables": dump_tables(self.dbfile), "files": {}}
        for sub in ("contexts", "notes", "archives"):
            d = os.path.join(self.store, sub)
            if os.path.isdir(d):
                for name in sorted(os.listdir(d)):
                    snap["files"][sub + "/" + name] = read_bytes(os.path.join(d, name))
        return snap

    def sql(self, query, *params):
        """Runs a read-only query on the store (for asserting what is stored)."""
        con = sqlite3.connect("file:%s?mode=ro" % self.dbfile, uri=True)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    # ---- assertions ----

    def assert_error_output(self, code, out, err, expected_code, keywords=(), what=""):
        self.assertEqual(code, expected_code, "%s: exit %d, stderr %r" % (what, code, err))
        self.assertEqual(out, "", "%s: stdout must be empty on error" % what)
        self.assertTrue(err.startswith("tm: error: "), "%s: stderr %r" % (what, err))
        self.assertTrue(err.endswith("\n") and err.count("\n") == 1,
                        "%s: stderr must be exactly one line: %r" % (what, err))
        if isinstance(keywords, str):
            keywords = (keywords,)
        for k in keywords:
            self.assertIn(k.lower(), err.lower(), "%s: message lacks %r" % (what, k))

    def assert_refused(self, expected_code, args, keywords=(), **kw):
        """Runs tm with args, asserts a clean refusal and an unchanged store.

        Returns the error line."""
        before = self.snapshot()
        code, out, err = self.run_tm(*args, **kw)
        self.assert_error_output(code, out, err, expected_code, keywords, "tm %r" % (args,))
        self.assertEqual(self.snapshot(), before, "tm %r changed the store" % (args,))
        return err


def main():
    unittest.main(verbosity=2)
