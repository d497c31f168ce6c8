#!/usr/bin/env python3
"""tm(1) agrees with tm: every command, option, exit status, event kind,
JSON member and mirror file that the built tm shows or makes is documented
in docs/tm.1.scd, and `tm completion bash` is valid bash that knows every
command and option.

Commands and options are read from the running tm (`tm help`, `tm help
CMD`), never from a list kept here, so a new command or flag without its
documentation fails this test."""
import json
import os
import re
import subprocess
import tempfile
import unittest

TM = os.environ["TM"]
SOURCE_ROOT = os.environ["TASKORCH_SOURCE_ROOT"]
PAGE_PATH = os.path.join(SOURCE_ROOT, "docs", "tm.1.scd")


def run(*args, env=None, stdin=None, check=True):
    e = dict(os.environ)
    e.pop("TM_DB_PATH", None)
    e.pop("TM_REQUEST_ID", None)
    e.pop("TM_NO_MIRROR", None)
    e.setdefault("TM_AGENT_ID", "tester")
    e.update(env or {})
    p = subprocess.run([TM, *args], capture_output=True, text=True, env=e, input=stdin,
                       timeout=30)
    if check and p.returncode != 0:
        raise AssertionError(f"tm {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def read_page():
    with open(PAGE_PATH, encoding="utf-8") as f:
        return f.read()


def sections(text, level):
    """Maps each heading of the given level ('#' or '##') to its body."""
    out = {}
    marker = level + " "
    name, body = None, []
    for line in text.splitlines():
        if line.startswith(marker) or (level == "##" and line.startswith("# ")):
            if name is not None:
                out[name] = "\n".join(body)
            name = line[len(marker):].strip() if line.startswith(marker) else None
            body = []
        elif name is not None:
            body.append(line)
    if name is not None:
        out[name] = "\n".join(body)
    return out


def mentions(text, word):
    """word appears in text, not as part of a longer option or word. scdoc
    markup (*bold*, _underline_) around it does not count as part of it."""
    edge = r"[A-Za-z0-9-]" if word.startswith("-") else r"[A-Za-z0-9]"
    return re.search(f"(?<!{edge})" + re.escape(word) + f"(?!{edge})", text) is not None


def tm_commands():
    out = run("help").stdout
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def option_tokens(left_column):
    return re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", left_column)


def command_help(cmd):
    """(usage, options, global options) from `tm help CMD`. Options are lists
    of (flags, metavars)."""
    out = run("help", cmd).stdout
    first = out.splitlines()[0]
    prefix = f"usage: tm {cmd}"
    if not first.startswith(prefix):
        raise AssertionError(f"unexpected help for {cmd}: {first!r}")
    usage = first[len(prefix):].strip()
    opts, glob, current = [], [], None
    for line in out.splitlines()[1:]:
        if line == "options:":
            current = opts
        elif line == "global options:":
            current = glob
        elif not line.strip():
            current = None if current is glob else current
        elif current is not None and line.startswith(" "):
            left = re.split(r"\s{2,}", line.strip())[0]
            flags = option_tokens(left)
            metavars = [w for w in re.findall(r"[A-Za-z]+", left)
                        if w.isupper() and w not in {f.lstrip("-") for f in flags}]
            current.append((flags, metavars))
    return usage, opts, glob


class ManPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.page = read_page()
        cls.top = sections(cls.page, "#")
        cls.cmds = sections(cls.top["COMMANDS"], "##")
        cls.commands = tm_commands()

    def test_tm_has_commands(self):
        # Guards the parser: an empty list would make every check pass.
        self.assertIn("add", self.commands)
        self.assertIn("watch", self.commands)
        self.assertGreaterEqual(len(self.commands), 20)

    def test_every_command_has_a_section(self):
        missing = [c for c in self.commands if c not in self.cmds]
        self.assertEqual(missing, [], "commands without a '## NAME' section in tm.1.scd")

    def test_no_section_for_a_command_tm_lacks(self):
        stale = [c for c in self.cmds if c not in self.commands]
        self.assertEqual(stale, [], "sections in tm.1.scd for commands tm does not have")

    def test_every_command_option_is_documented_in_its_section(self):
        missing = []
        checked = 0
        for cmd in self.commands:
            body = self.cmds.get(cmd, "")
            usage, opts, _ = command_help(cmd)
            for flags, metavars in opts:
                for word in flags + metavars:
                    checked += 1
                    if not mentions(body, word):
                        missing.append(f"{cmd}: {word}")
            for word in re.findall(r"[A-Za-z][\w-]*", usage):
                if word == "options":
                    continue
                checked += 1
                if not mentions(body, word):
                    missing.append(f"{cmd} usage: {word}")
        self.assertGreater(checked, 60)
        self.assertEqual(missing, [])

    def test_global_options_are_documented(self):
        body = self.top["GLOBAL OPTIONS"]
        seen = set()
        for cmd in self.commands:
            for flags, metavars in command_help(cmd)[2]:
                seen.update(flags + metavars)
        self.assertTrue({"--db", "--agent", "--agent-id", "--no-mirror"} <= seen, seen)
        for word in sorted(seen) + ["--help", "-h", "--version", "-V"]:
            self.assertTrue(mentions(body, word), f"{word} missing from GLOBAL OPTIONS")
        synopsis = run("help").stdout.splitlines()[0]
        for word in option_tokens(synopsis):
            self.assertTrue(mentions(self.top["SYNOPSIS"], word), word)

    def test_command_help_flag_matches_help_command(self):
        # tm(1) promises that `tm CMD --help` and `tm CMD -h` show `tm help CMD`.
        with tempfile.TemporaryDirectory() as d:
            for cmd in self.commands:
                expected = run("help", cmd).stdout
                for flag in ("--help", "-h"):
                    p = run("--db", d, cmd, flag, check=False)
                    self.assertEqual((p.returncode, p.stdout, p.stderr), (0, expected, ""),
                                     f"tm {cmd} {flag}")
            self.assertFalse(os.path.exists(os.path.join(d, "tasks.db")),
                             "asking for help created a store")

    def test_exit_statuses_are_documented(self):
        out = run("help").stdout
        line = next(l for l in out.splitlines() if l.startswith("Exit codes:"))
        codes = re.findall(r"(\d+) ", line)
        self.assertEqual(codes, ["0", "1", "2", "3", "4", "5"])
        body = self.top["EXIT STATUS"]
        for code in codes:
            self.assertIn(f"*{code}*\n", body)

    def test_event_kinds_are_documented(self):
        with tempfile.TemporaryDirectory() as d:
            run("--db", d, "init")
            p = run("--db", d, "watch", "--kind", "no-such-kind", check=False)
        self.assertEqual(p.returncode, 5)
        kinds = re.findall(r"[a-z_]+", p.stderr.split("use ", 1)[1])
        kinds = [k for k in kinds if k not in ("or",)]
        self.assertGreaterEqual(len(kinds), 15)
        body = self.top["EVENTS"]
        for kind in kinds:
            self.assertIn(f"*{kind}*", body)

    def test_environment_variables_are_documented(self):
        body = self.top["ENVIRONMENT"]
        for name in ("TM_AGENT_ID", "TM_DB_PATH", "TM_REQUEST_ID", "TM_NO_MIRROR", "USER"):
            self.assertIn(f"*{name}*", body)
        # The request id named in `tm share --help` is the one documented.
        self.assertIn("$TM_REQUEST_ID", run("help", "share").stdout)


def json_keys(value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(k)
            json_keys(v, out)
    elif isinstance(value, list):
        for v in value:
            json_keys(v, out)
    return out


class OutputsTest(unittest.TestCase):
    """Runs tm on a small store and checks what it prints and writes."""

    @classmethod
    def setUpClass(cls):
        cls.page = read_page()
        cls.top = sections(cls.page, "#")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.store = os.path.join(cls.tmp.name, ".task-orchestrator")
        db = ("--db", cls.store)
        a = run(*db, "add", "Design schema", "-a", "db_specialist", "-t", "phase1",
                "-f", "schema.sql:3:9").stdout.strip()
        b = run(*db, "add", "Build API", "--depends-on", a, "-d", "REST").stdout.strip()
        run(*db, "note", a, "private", "thought", env={"TM_AGENT_ID": "db_specialist"})
        run(*db, "share", a, "shared", "update")
        run(*db, "discover", a, "found something")
        run(*db, "complete", a, "--summary", "done")
        cls.ids = (a, b)
        cls.outputs = {
            "list": run(*db, "list", "--format", "json").stdout,
            "group": run(*db, "list", "--group-by", "tag", "--format", "json").stdout,
            "ready": run(*db, "ready", "--format", "json").stdout,
            "show": run(*db, "show", b, "--format", "json").stdout,
            "dep": run(*db, "dep", "list", b, "--format", "json").stdout,
            "context": run(*db, "context", a, "--format", "json",
                           env={"TM_AGENT_ID": "db_specialist"}).stdout,
            "export": run(*db, "export").stdout,
        }
        watch = run(*db, "watch", "--format", "json").stdout
        cls.outputs["watch"] = "[" + ",".join(watch.splitlines()) + "]"

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_json_member_is_documented(self):
        body = self.top["JSON OUTPUT"]
        keys = set()
        for name, text in self.outputs.items():
            value = json.loads(text)
            if name == "group":  # its keys are data: the tags
                value = list(value.values())
            keys |= json_keys(value, set())
        self.assertIn("depends_on", keys)
        self.assertIn("format_version", keys)
        for k in sorted(keys):
            self.assertIn(f"*{k}*", body, f"JSON member {k!r} not documented")

    def test_export_carries_shape_version_1(self):
        self.assertEqual(json.loads(self.outputs["export"])["format_version"], 1)
        self.assertIn("shape version 1", self.top["JSON OUTPUT"].replace("*", ""))

    def test_mirror_files_are_documented(self):
        a, b = self.ids
        body = self.top["FILES"].replace("\\_", "_")  # scdoc escapes some '_'
        found = []
        for root, dirs, files in os.walk(self.store):
            for f in files:
                rel = os.path.relpath(os.path.join(root, f), self.store)
                found.append(rel.replace(a, "<ID>").replace(b, "<ID>")
                             .replace("db_specialist", "<AGENT>"))
        for expected in ("tasks.db", "contexts/context_<ID>.md", "archives/archive_<ID>.md",
                         "notes/notes_<ID>_<AGENT>.md", ".mirror.lock"):
            self.assertIn(expected, found)
        for rel in found:
            if not rel.endswith(("-wal", "-shm")):
                self.assertIn(f"*{rel}*", body, f"{rel} is not in FILES")


class CompletionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.script = run("completion", "bash").stdout
        cls.commands = tm_commands()

    def complete(self, *words):
        """Runs the completion function for the words (the last one being
        completed) and returns the candidates."""
        code = (self.script + "\nCOMP_WORDS=(" + " ".join(f"'{w}'" for w in words) + ")\n"
                f"COMP_CWORD={len(words) - 1}\nCOMPREPLY=()\n_tm\n"
                'printf "%s\\n" "${COMPREPLY[@]}"\n')
        p = subprocess.run(["bash", "--norc", "--noprofile", "-c", code], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [w for w in p.stdout.splitlines() if w]

    def test_is_valid_bash(self):
        p = subprocess.run(["bash", "-n"], input=self.script, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("complete -F _tm tm", self.script)

    def test_mentions_every_command_and_option(self):
        for cmd in self.commands:
            self.assertTrue(mentions(self.script, cmd), cmd)
            m = re.search(r"^\s+" + re.escape(cmd) + r"\) opts=\"([^\"]*)\"", self.script,
                          re.M)
            self.assertIsNotNone(m, f"no case branch for {cmd}")
            offered = m.group(1).split()
            for flags, _ in command_help(cmd)[1]:
                for f in flags:
                    if f.startswith("--"):
                        self.assertIn(f, offered, f"{cmd} {f}")

    def test_completes_command_names(self):
        self.assertEqual(self.complete("tm", "li"), ["list"])
        self.assertEqual(sorted(self.complete("tm", "")), sorted(self.commands + ["--version", "--help"]))

    def test_completes_options_of_the_command(self):
        self.assertEqual(self.complete("tm", "list", "--st"), ["--status"])
        self.assertEqual(self.complete("tm", "add", "Title", "--depe"), ["--depends-on"])

    def test_completes_after_global_options_with_values(self):
        # `tm --db PATH list --st<TAB>`: PATH is the value of --db, not the command.
        self.assertEqual(self.complete("tm", "--db", "x.db", "list", "--st"), ["--status"])
        self.assertEqual(sorted(self.complete("tm", "--agent", "bob", "sh")), ["share", "show"])


class OtherShellsTest(unittest.TestCase):
    """zsh and fish scripts come from the same table: valid syntax, every
    command and option, and enum values from the library's name tables."""

    def check(self, shell, script):
        p = subprocess.run([shell, "-n"], input=script, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        for cmd in tm_commands():
            self.assertTrue(mentions(script, cmd), f"{shell}: {cmd}")
            for flags, _ in command_help(cmd)[1]:
                for f in flags:
                    if f.startswith("--"):
                        word = f if shell == "zsh" else "-l " + f[2:]
                        self.assertIn(word, script, f"{shell}: {cmd} {f}")
        for value in ("in_progress", "critical", "discover", "any-terminal"):
            self.assertIn(value, script)

    def test_zsh(self):
        self.check("zsh", run("completion", "zsh").stdout)

    def test_fish(self):
        self.check("fish", run("completion", "fish").stdout)

    def test_bash_completes_enum_values(self):
        c = CompletionTest()
        c.script = run("completion", "bash").stdout
        self.assertEqual(c.complete("tm", "add", "T", "--priority", "cr"), ["critical"])
        self.assertEqual(c.complete("tm", "update", "x", "-s", "in"), ["in_progress"])
        self.assertEqual(c.complete("tm", "completion", "f"), ["fish"])

    def test_unknown_shell(self):
        p = run("completion", "tcsh", check=False)
        self.assertEqual(p.returncode, 5)
        self.assertIn("bash, zsh or fish", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
