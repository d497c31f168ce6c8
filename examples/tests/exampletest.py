"""Common code for the example tests.

Every test gets its own temporary folder, used as working directory, HOME
and (through TM_DB_PATH) the store, so nothing outside it is touched.
The environment comes from examples/meson.build: TM, EXAMPLES_DIR,
AGENT_WORKER, ORCHESTRATOR, and PATH starting with the built tm.
"""
import json
import os
import re
import subprocess
import tempfile
import unittest

EXAMPLES_DIR = os.environ["EXAMPLES_DIR"]
TM = os.environ["TM"]
# Generous: a hung example fails the test instead of blocking the suite.
TIMEOUT = 60


class ExampleCase(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="taskorch-example-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.store = os.path.join(self.tmp, "store")
        self.env = dict(os.environ, HOME=self.tmp, TM_DB_PATH=self.store,
                        TM_AGENT_ID="tester")
        self.env.pop("TM_FLAGS", None)

    def run_cmd(self, argv, env=None, rc=0, stdin=None, cwd=None):
        """Runs argv (in the test folder unless cwd); asserts the exit
        status."""
        p = subprocess.run(argv, cwd=cwd or self.tmp, env=env or self.env, input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, rc,
                         f"{argv} exited {p.returncode}\nstdout:\n{p.stdout}\n"
                         f"stderr:\n{p.stderr}")
        return p

    def script(self, name, *args, rc=0, **env):
        """Runs examples/NAME.sh with bash; stderr must stay empty on
        success."""
        p = self.run_cmd(["bash", os.path.join(EXAMPLES_DIR, name + ".sh"), *args],
                         env=dict(self.env, **env), rc=rc)
        if rc == 0:
            self.assertEqual(p.stderr, "")
        return p.stdout

    def tm(self, *args, agent="tester", rc=0):
        return self.run_cmd([TM, "--agent", agent, *args], rc=rc).stdout

    def tasks(self):
        """Every task of the store, by title (titles are unique in the
        examples)."""
        tasks = json.loads(self.tm("list", "--format", "json"))
        by_title = {t["title"]: t for t in tasks}
        self.assertEqual(len(by_title), len(tasks), "titles are not unique")
        return by_title

    def messages(self, task, agent="tester"):
        ctx = json.loads(self.tm("context", task, "--format", "json", agent=agent))
        return [(m["kind"], m["author"], m["text"]) for m in ctx["messages"]]

    def events(self, **filters):
        """The whole feed as JSON objects, without moving a cursor."""
        args = ["watch", "--since", "0", "--format", "json"]
        for k, v in filters.items():
            args += ["--" + k, v]
        return [json.loads(line) for line in self.tm(*args).splitlines()]

    def sections(self, text, heading=re.compile(r"^== (.*) ==$")):
        """Splits output at '== NAME ==' lines into {NAME: [lines]}."""
        out, current = {}, None
        for line in text.splitlines():
            m = heading.match(line)
            if m:
                current = out.setdefault(m.group(1), [])
            elif current is not None:
                current.append(line)
        return out

    def assertIds(self, lines, tasks):
        """lines are tm list lines for exactly these tasks, in any order."""
        self.assertEqual(sorted(line.split()[0] for line in lines if line.strip()),
                         sorted(t["id"] for t in tasks))
