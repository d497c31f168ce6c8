"""Shared helpers for the stress suite: real tm processes racing on a real
SQLite store.

Each test case gets a private temporary store folder (passed to tm through
TM_DB_PATH, never guessed), an environment scrubbed of anything that could
point tm elsewhere, and `race()`: park every racer at the start line
(stress_gate, built beside this suite), then release them together.

The gate's path comes as the first command-line argument (meson passes the
built target); when run by hand it is looked up in TASKORCH_BUILD_ROOT.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

TM = os.environ.get("TM") or os.path.join(
    os.environ.get("TASKORCH_BUILD_ROOT", "build"), "tm", "tm")
GATE = os.path.join(os.environ.get("TASKORCH_BUILD_ROOT", "build"),
                    "tests", "stress", "stress_gate")

ID_RE = re.compile(r"^[0-9a-f]{8}$")

# How long one racing tm process may take at most before the test calls it
# hung. Generous: CI runs under ASan on two cores. Not an assertion on
# speed, only a bound so that a deadlock fails instead of hanging.
PROCESS_TIMEOUT = 120

_SCRUBBED = ("TM_DB_PATH", "TM_NO_MIRROR", "TM_REQUEST_ID", "TM_AGENT_ID")


class Result:
    """The outcome of one tm process: exit code and output as text."""

    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out, self.err = args, rc, out, err

    def __repr__(self):
        return "tm %s -> %s, stdout %r, stderr %r" % (
            " ".join(self.args), self.rc, self.out[:200], self.err[:400])


class StressCase(unittest.TestCase):
    """Base class: a fresh store per test and helpers to run and race tm."""

    agent = "tester"
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tm-stress-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.store = os.path.join(self.tmp, "store")
        self.dbfile = os.path.join(self.store, "tasks.db")
        self._outputs = 0

    def env(self, agent=None, extra=None):
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        env["TM_DB_PATH"] = self.store
        env["TM_AGENT_ID"] = agent or self.agent
        env["HOME"] = self.tmp
        env.update(extra or {})
        return env

    def tm(self, *args, agent=None, extra_env=None):
        """Runs one tm command to the end; returns a Result."""
        p = subprocess.run([TM] + list(args), env=self.env(agent, extra_env),
                           cwd=self.tmp, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=PROCESS_TIMEOUT)
        return Result(list(args), p.returncode, p.stdout.decode("utf-8", "replace"),
                      p.stderr.decode("utf-8", "replace"))

    def tm_ok(self, *args, agent=None, extra_env=None):
        """Runs tm, asserts success and a silent stderr; returns stdout."""
        r = self.tm(*args, agent=agent, extra_env=extra_env)
        self.assertEqual((r.rc, r.err), (0, ""), r)
        return r.out

    def add(self, title, *args, agent=None):
        out = self.tm_ok("add", title, *args, agent=agent).strip()
        self.assertRegex(out, ID_RE)
        return out

    def race(self, racers, window=None):
        """Runs every racer concurrently and returns their Results in order.

        racers: (args, agent) or (args, agent, extra_env) tuples. Every
        process is first parked at the gate; then the gate lets all of them
        go at once, or, with `window`, keeps `window` of them running and
        lets the next one go as soon as one ends.
        """
        gate_r, gate_w = os.pipe()
        procs = []
        try:
            for racer in racers:
                args, agent = racer[0], racer[1]
                extra = racer[2] if len(racer) > 2 else None
                procs.append(self._park(gate_r, list(args), agent, extra))
            os.close(gate_r)
            gate_r = -1
            total = len(procs)
            released = min(total, window or total)
            os.write(gate_w, b"x" * released)
            while released < total:
                running = released - sum(p.poll() is not None for p, _, _, _ in procs)
                if running < window:
                    os.write(gate_w, b"x")
                    released += 1
                else:
                    time.sleep(0.002)  # polling interval, not an assertion
        finally:
            if gate_r >= 0:
                os.close(gate_r)
            os.close(gate_w)  # parked racers still waiting give up (exit 125)
        deadline = time.monotonic() + PROCESS_TIMEOUT
        results = []
        for p, args, out_path, err_path in procs:
            try:
                p.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                for q, _, _, _ in procs:
                    q.kill()
                    q.wait()
                raise
            results.append(Result(args, p.returncode, _read(out_path), _read(err_path)))
        return results

    def _park(self, gate_r, args, agent, extra):
        self._outputs += 1
        out_path = os.path.join(self.tmp, "racer%d.out" % self._outputs)
        err_path = os.path.join(self.tmp, "racer%d.err" % self._outputs)
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            p = subprocess.Popen([GATE, str(gate_r), TM] + args, env=self.env(agent, extra),
                                 cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=err, pass_fds=(gate_r,))
        return p, args, out_path, err_path

    def assert_all_ok(self, results):
        """Every racer exited 0 with nothing on stderr (no lock warnings)."""
        bad = [r for r in results if r.rc != 0 or r.err]
        self.assertFalse(bad, "%d of %d racers failed:\n%s" % (
            len(bad), len(results), "\n".join(map(repr, bad))))

    # ---- reading the store directly ----

    def sql(self, query, *params):
        """Rows of a query on the store, through SQLite itself."""
        con = sqlite3.connect(self.dbfile, timeout=30)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def assert_integrity(self):
        self.assertEqual(self.sql("PRAGMA integrity_check"), [("ok",)])
        self.assertEqual(self.sql("PRAGMA foreign_key_check"), [])

    def json_lines(self, text):
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def _read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def main():
    global GATE
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        GATE = os.path.abspath(sys.argv.pop(1))
    if not os.access(GATE, os.X_OK):
        sys.exit("stress_gate not found at %s (pass its path first)" % GATE)
    unittest.main(verbosity=2)
