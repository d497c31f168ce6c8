#!/usr/bin/env python3
"""The guides tell the truth about tm: every `tm COMMAND --flag` they show
is a real command and a flag it accepts, and the behaviours they promise
(bare ids from add, per-agent watch cursors, the --group-by idiom, watch
returning on a terminal with --timeout 0) hold."""
import os
import pty
import re
import shlex
import subprocess
import tempfile
import unittest

TM = os.environ["TM"]
ROOT = os.environ["TASKORCH_SOURCE_ROOT"]
DOCS = ["orchestrator-guide.md", "specialist-guide.md", "tm.1.scd"]


def run(*args, agent="tester", check=True, **kw):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TM_DB_PATH", "TM_REQUEST_ID", "TM_NO_MIRROR")}
    env["TM_AGENT_ID"] = agent
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    p = subprocess.run([TM, *args], text=True, env=env, timeout=30, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"tm {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def code_of(name):
    """The code blocks and inline code spans of a document."""
    with open(os.path.join(ROOT, "docs", name), encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)
    prose = re.sub(r"^```[a-z]*\n.*?^```", "", text, flags=re.M | re.S)
    spans = re.findall(r"`([^`\n]+)`", prose)
    return blocks + spans


def invocations(code):
    """(command, words) for each `tm COMMAND ...` in a piece of shell."""
    out = []
    for line in code.splitlines():
        line = line.split(" #", 1)[0]
        for m in re.finditer(r"(?:^|[\s(|;$`])tm\s+([a-z][a-z-]*)\b([^|;)#]*)", line):
            if re.search(r"\bman\s+$", line[:m.start() + 1]):
                continue
            rest = m.group(2)
            try:
                words = shlex.split(rest)
            except ValueError:
                words = rest.split()
            out.append((m.group(1), words))
    return out


def allowed_flags(cmd):
    out = run("help", cmd).stdout
    flags = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", out.split("\n", 3)[-1]))
    return flags | {"-h", "--help"}


class GuideCommandsTest(unittest.TestCase):
    def test_every_shown_command_and_flag_exists(self):
        help_out = run("help").stdout
        commands = re.findall(r"^  (\S+)\s", help_out.split("commands:\n", 1)[1], re.M)
        cache, bad, seen = {}, [], 0
        for doc in DOCS:
            for code in code_of(doc):
                for cmd, words in invocations(code):
                    seen += 1
                    if cmd not in commands:
                        bad.append(f"{doc}: unknown command 'tm {cmd}'")
                        continue
                    if cmd not in cache:
                        cache[cmd] = allowed_flags(cmd)
                    for w in words:
                        if re.match(r"^--?[A-Za-z]", w) and not re.search(r"\s", w):
                            flag = w.split("=", 1)[0]
                            if flag not in cache[cmd]:
                                bad.append(f"{doc}: 'tm {cmd}' has no option {flag}")
        self.assertGreater(seen, 100)
        self.assertEqual(bad, [])


class GuideBehaviourTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = ("--db", os.path.join(self.tmp.name, "store"))

    def tearDown(self):
        self.tmp.cleanup()

    def test_add_prints_the_bare_id(self):
        out = run(*self.db, "add", "Build authentication system", "-p", "high").stdout
        self.assertRegex(out, r"^[0-9a-f]{8}\n$")

    def test_group_by_assignee_grep_yields_the_names(self):
        # The orchestrator guide's load-balancing loop:
        #   for specialist in $(tm list --group-by assignee | grep specialist)
        run(*self.db, "add", "Create API", "--assignee", "backend_specialist")
        run(*self.db, "add", "Design schema", "--assignee", "db_specialist")
        run(*self.db, "add", "Plan", "--assignee", "lead")
        run(*self.db, "add", "Unowned")
        env = dict(os.environ, TM_AGENT_ID="tester")
        env.pop("TM_DB_PATH", None)
        p = subprocess.run(
            ["bash", "-c", 'for s in $("$TM" --db "$1" list --group-by assignee | grep specialist);'
                           ' do echo "$s"; done', "guide", self.db[1]],
            capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.split(), ["backend_specialist", "db_specialist"])

    def test_each_agent_sees_each_event_once(self):
        task = run(*self.db, "add", "Design database").stdout.strip()
        run(*self.db, "discover", task, "CRITICAL: Need Redis", agent="db_specialist")
        for agent in ("orchestrator", "backend_specialist"):
            first = run(*self.db, "watch", agent=agent).stdout
            self.assertIn("** discover ** db_specialist: CRITICAL: Need Redis", first)
            self.assertEqual(run(*self.db, "watch", agent=agent).stdout, "")
        # A filtered watch is a peek: it leaves the cursor where it was.
        run(*self.db, "share", task, "one more", agent="db_specialist")
        peek = run(*self.db, "watch", "--kind", "share", agent="orchestrator").stdout
        self.assertIn("one more", peek)
        self.assertIn("one more", run(*self.db, "watch", agent="orchestrator").stdout)

    def test_watch_with_timeout_zero_returns_on_a_terminal(self):
        run(*self.db, "add", "Design database")
        master, slave = pty.openpty()
        try:
            # A hang shows up as TimeoutExpired: the guide's monitoring loop
            # relies on `tm watch --timeout 0` returning at once.
            p = run(*self.db, "watch", "--timeout", "0", stdout=slave, stderr=subprocess.PIPE)
        finally:
            os.close(slave)
        data = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        os.close(master)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"created tester: Design database", data)


if __name__ == "__main__":
    unittest.main(verbosity=2)
