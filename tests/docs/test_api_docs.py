#!/usr/bin/env python3
"""The library's documentation agrees with the library: every function of
include/taskorch.h is described in docs/api.md and listed in
docs/symbols-in-versions with a version that has its node in the version
script, and the complete program of taskorch(3) compiles and runs."""
import os
import re
import shlex
import subprocess
import tempfile
import unittest

ROOT = os.environ["TASKORCH_SOURCE_ROOT"]


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def header_functions():
    text = read("include", "taskorch.h")
    return re.findall(r"^TASKORCH_API\b[^;(]*?\b(taskorch_\w+)\s*\(", text, re.M)


def version_script():
    """Maps each exported symbol to its node, e.g. TASKORCH_0.1."""
    text = re.sub(r"/\*.*?\*/", "", read("libtaskorch", "libtaskorch.sym"), flags=re.S)
    out = {}
    for node, body in re.findall(r"(TASKORCH_[\d.]+)\s*\{(.*?)\}", text, re.S):
        glob = body.split("local:")[0]
        for name in re.findall(r"\b(taskorch_\w+)\s*;", glob):
            out[name] = node
    return out


def symbols_in_versions():
    out = {}
    for line in read("docs", "symbols-in-versions").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        out[fields[0]] = fields[1:]
    return out


def version_tuple(v):
    return tuple(int(x) for x in v.split("."))


class ApiDocsTest(unittest.TestCase):
    def setUp(self):
        self.functions = header_functions()

    def test_header_parser_finds_functions(self):
        self.assertIn("taskorch_db_open", self.functions)
        self.assertIn("taskorch_cursor_set", self.functions)
        self.assertGreater(len(self.functions), 80)
        self.assertEqual(len(self.functions), len(set(self.functions)))

    def test_every_function_is_in_api_md(self):
        api = read("docs", "api.md")
        missing = [f for f in self.functions if f"`{f}`" not in api and f"{f}(" not in api]
        self.assertEqual(missing, [])

    def test_api_md_names_no_unknown_function(self):
        api = read("docs", "api.md")
        known = set(self.functions)
        named = set(re.findall(r"\b(taskorch_[a-z0-9_]+)\s*\(", api))
        named |= {m for m in re.findall(r"`(taskorch_[a-z0-9_]+)`", api)
                  if not m.endswith(("_options", "_spec", "_change", "_query", "_db", "_task",
                                     "_msg", "_event", "_iter", "_error", "_priority",
                                     "_status", "_sort"))}
        self.assertEqual(sorted(named - known), [])

    def test_symbols_in_versions_matches_header_and_version_script(self):
        listed = symbols_in_versions()
        script = version_script()
        self.assertEqual(sorted(listed), sorted(self.functions))
        self.assertEqual(sorted(script), sorted(self.functions))
        current = re.search(r'#define TASKORCH_VERSION_STRING "([\d.]+)"',
                            read("include", "taskorch.h")).group(1)
        for name, fields in listed.items():
            self.assertIn(len(fields), (1, 2), name)
            introduced = fields[0]
            self.assertRegex(introduced, r"^\d+\.\d+\.\d+$", name)
            self.assertLessEqual(version_tuple(introduced), version_tuple(current), name)
            major, minor, _ = introduced.split(".")
            self.assertEqual(script[name], f"TASKORCH_{major}.{minor}", name)
            if len(fields) == 2:
                self.assertGreater(version_tuple(fields[1]), version_tuple(introduced), name)

    def test_taskorch3_lists_error_codes(self):
        page = read("docs", "taskorch.3.scd")
        codes = re.findall(r"^\s+(TASKORCH_[A-Z]+)\s*=", read("include", "taskorch.h"), re.M)
        self.assertIn("TASKORCH_ITEROVER", codes)
        for code in codes:
            self.assertIn(f"*{code}*", page)


class ManPageProgramTest(unittest.TestCase):
    """The complete program in taskorch(3) builds with -pedantic -Werror and
    prints what the page says."""

    def program(self):
        page = read("docs", "taskorch.3.scd")
        m = re.search(r"^```\n(/\* plan\.c.*?)^```", page, re.M | re.S)
        self.assertIsNotNone(m, "no plan.c program in taskorch.3.scd")
        return m.group(1).replace("\\\\", "\\")  # scdoc doubles backslashes

    def test_program_builds_and_runs(self):
        lib = os.environ["TASKORCH_LIBRARY"]
        cc = shlex.split(os.environ.get("CC_FOR_DOCS", "cc"))
        sanitize = os.environ.get("TASKORCH_SANITIZE", "none")
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "plan.c")
            exe = os.path.join(d, "plan")
            with open(src, "w", encoding="utf-8") as f:
                f.write(self.program())
            libdir = os.path.dirname(lib)
            cmd = cc + ["-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror",
                        "-I", os.path.join(ROOT, "include"), src, "-o", exe,
                        "-L", libdir, "-l:" + os.path.basename(lib), "-Wl,-rpath," + libdir]
            if sanitize not in ("", "none"):
                cmd.insert(len(cc), "-fsanitize=" + sanitize)
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            env = {k: v for k, v in os.environ.items() if k not in ("TM_DB_PATH", "TM_AGENT_ID")}
            p = subprocess.run([exe, os.path.join(d, "store")], capture_output=True, text=True,
                               env=env, cwd=d, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            lines = p.stdout.splitlines()
            self.assertEqual(lines[0], "Build API is blocked")
            self.assertRegex(lines[1], r"^ready: [0-9a-f]{8} Build API$")
            self.assertEqual(lines[-1], "#8 unblocked: dependencies completed; ready for anyone")
            # The output shown in the page is what the program prints.
            shown = re.search(r"^It prints.*?\n```\n(.*?)^```", read("docs", "taskorch.3.scd"),
                              re.M | re.S).group(1).splitlines()
            ids = lambda ls: [re.sub(r"[0-9a-f]{8}", "ID", l) for l in ls]
            self.assertEqual(ids(lines), ids(shown))
            self.assertTrue(os.path.exists(os.path.join(d, "store", "tasks.db")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
