"""Shared fixtures for the Python binding tests: each test gets its own
temporary store; nothing touches $HOME or the checkout."""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

import taskorch

TM = os.environ.get("TM", "")
SOURCE_ROOT = os.environ.get("TASKORCH_SOURCE_ROOT", "")
LIBRARY = os.environ.get("TASKORCH_LIBRARY", "")


class StoreTest(unittest.TestCase):
    """self.dir: a fresh temporary folder; self.store: a store created in
    self.dir/store as agent 'alice' (mirror off, for speed)."""

    agent = "alice"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="taskorch-py-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.db = os.path.join(self.dir, "store")
        self.store = taskorch.Store(self.db, agent=self.agent, create=True, mirror=False)
        self.addCleanup(self.store.close)

    def open(self, agent, **kw):
        """Another handle on the same store."""
        kw.setdefault("mirror", False)
        s = taskorch.Store(self.db, agent=agent, **kw)
        self.addCleanup(s.close)
        return s

    def event_count(self):
        """Events in the store, read with sqlite3 (visibility aside)."""
        return self.rows("events")

    def rows(self, table):
        """Rows of a table of the store, read with sqlite3."""
        c = sqlite3.connect(os.path.join(self.db, "tasks.db"))
        try:
            return c.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
        finally:
            c.close()

    def snapshot(self):
        """Everything in the store's tables, read with sqlite3, to check
        that a refused call changed nothing at all."""
        c = sqlite3.connect(os.path.join(self.db, "tasks.db"))
        try:
            tables = [r[0] for r in c.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            return {t: sorted(map(repr, c.execute("SELECT * FROM \"%s\"" % t)))
                    for t in tables}
        finally:
            c.close()

    def tm(self, *args, agent=None):
        env = dict(os.environ, TM_AGENT_ID=agent or self.agent, TM_NO_MIRROR="1")
        return subprocess.run([TM, "--db", self.db] + list(args), env=env,
                              capture_output=True, text=True, timeout=60)


def start_python(code, *args, **kw):
    """Starts code in a fresh python3 with the same environment; returns
    the Popen (stdout and stderr piped, text)."""
    return subprocess.Popen([sys.executable, "-c", code] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def run_python(code, *args, timeout=60, **kw):
    """Runs code in a fresh python3 with the same environment."""
    return subprocess.run([sys.executable, "-c", code] + list(args), capture_output=True,
                          text=True, timeout=timeout, **kw)
