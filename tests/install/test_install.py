#!/usr/bin/env python3
"""Checks of a clean install.

Installs the current build into a temporary root with
`meson install --destdir` (never rebuilding, so it cannot race the build
that runs the tests), then checks what a user of that install gets:

- the installed header compiles as strict C99 and as C++11;
- a C and a C++ program built with that root's pkg-config flags link and
  run against the installed library, whose version matches the header;
- the library exports exactly the functions the header declares, and
  libtaskorch/libtaskorch.sym lists the same set;
- the installed `tm` runs.

Environment (set by tests/meson.build): TASKORCH_BUILD_ROOT,
TASKORCH_SOURCE_ROOT.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

BUILD_ROOT = os.environ.get("TASKORCH_BUILD_ROOT", "")
SOURCE_ROOT = os.environ.get("TASKORCH_SOURCE_ROOT", "")

CC = os.environ.get("CC") or "cc"
CXX = "g++"


def run(cmd, env=None, cwd=None, check=True):
    """Runs cmd, returning the CompletedProcess; failures show the output."""
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(
            "command failed (%d): %s\nstdout:\n%s\nstderr:\n%s"
            % (proc.returncode, " ".join(cmd), proc.stdout, proc.stderr))
    return proc


def install_dirs(meson):
    """The build's install directories (absolute, before the destdir)."""
    out = run([meson, "introspect", "--buildoptions", BUILD_ROOT]).stdout
    opts = {o["name"]: o["value"] for o in json.loads(out)}
    prefix = opts["prefix"]
    return {key: os.path.join(prefix, opts[key])
            for key in ("bindir", "libdir", "includedir")}


def strip_c(text):
    """Header text without comments and preprocessor lines."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return "\n".join(line for line in text.splitlines()
                     if not line.lstrip().startswith("#"))


def header_functions(header_text):
    """Names of the functions the header declares with TASKORCH_API."""
    code = strip_c(header_text)
    names = re.findall(r"\bTASKORCH_API\b[^;{()]*?\b(taskorch_\w+)\s*\(", code)
    return names


def header_macro(header_text, name):
    m = re.search(r"^#define\s+%s\s+(.+?)\s*$" % re.escape(name), header_text, re.M)
    if not m:
        raise AssertionError("header defines no %s" % name)
    return m.group(1)


def version_script(text):
    """(exported names, version node names) of a GNU ld version script."""
    code = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    code = re.sub(r"#[^\n]*", " ", code)
    names, nodes = [], []
    for m in re.finditer(r"(\w+(?:\.\w+)*)\s*\{(.*?)\}\s*[\w.]*\s*;", code, re.S):
        nodes.append(m.group(1))
        body = m.group(2)
        for section in re.finditer(r"(global|local)\s*:(.*?)(?=(?:global|local)\s*:|$)",
                                   body, re.S):
            if section.group(1) != "global":
                continue
            for sym in section.group(2).split(";"):
                sym = sym.strip()
                if sym:
                    names.append(sym)
    return names, nodes


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def needed_libs(path):
    out = run(["readelf", "-d", path]).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


class InstallTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not BUILD_ROOT or not SOURCE_ROOT:
            raise RuntimeError("TASKORCH_BUILD_ROOT and TASKORCH_SOURCE_ROOT must be set")
        cls.tmp = tempfile.mkdtemp(prefix="taskorch-install-")
        cls.root = os.path.join(cls.tmp, "root")
        meson = shutil.which("meson")
        if not meson:
            raise RuntimeError("meson is not on PATH")
        run([meson, "install", "-C", BUILD_ROOT, "--destdir", cls.root,
             "--no-rebuild", "--quiet"])
        dirs = {k: cls.root + v for k, v in install_dirs(meson).items()}
        cls.header = os.path.join(dirs["includedir"], "taskorch.h")
        cls.libdir = dirs["libdir"]
        cls.lib = os.path.join(cls.libdir, "libtaskorch.so.0")
        cls.pc = os.path.join(cls.libdir, "pkgconfig", "taskorch.pc")
        cls.tm = os.path.join(dirs["bindir"], "tm")
        for path in (cls.header, cls.lib, cls.pc, cls.tm):
            if not os.path.exists(path):
                raise AssertionError("not installed: " + path[len(cls.root):])
        cls.header_text = read_text(cls.header)
        cls.version_number = int(header_macro(cls.header_text, "TASKORCH_VERSION_NUMBER"))
        cls.version_string = header_macro(cls.header_text, "TASKORCH_VERSION_STRING").strip('"')

        # Programs that are not instrumented need the sanitizer runtime
        # loaded first when the installed library was built with ASan.
        cls.run_env = dict(os.environ)
        cls.run_env["LD_LIBRARY_PATH"] = cls.libdir
        cls.run_env.pop("TM_DB_PATH", None)
        if any(n.startswith("libasan") for n in needed_libs(cls.lib)):
            asan = run([CC, "-print-file-name=libasan.so"]).stdout.strip()
            cls.run_env["LD_PRELOAD"] = asan
            cls.run_env["ASAN_OPTIONS"] = "detect_leaks=0"

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(text))
        return path

    def pkg_config(self, *args):
        env = dict(os.environ)
        env["PKG_CONFIG_PATH"] = os.path.dirname(self.pc)
        env["PKG_CONFIG_SYSROOT_DIR"] = self.root
        return run(["pkg-config"] + list(args) + ["taskorch"], env=env).stdout.split()

    # ---- the installed files --------------------------------------------

    def test_installed_header_is_the_source_header(self):
        source = read_text(os.path.join(SOURCE_ROOT, "include", "taskorch.h"))
        self.assertEqual(source, self.header_text)

    def test_pkg_config_points_into_the_install(self):
        cflags = self.pkg_config("--cflags")
        libs = self.pkg_config("--libs")
        self.assertIn("-I" + os.path.dirname(self.header), cflags)
        self.assertIn("-L" + self.libdir, libs)
        self.assertIn("-ltaskorch", libs)
        version = run(["pkg-config", "--modversion", self.pc]).stdout.strip()
        self.assertEqual(version, self.version_string)

    def test_soname(self):
        out = run(["readelf", "-d", self.lib]).stdout
        self.assertRegex(out, r"\(SONAME\)\s+Library soname: \[libtaskorch\.so\.0\]")

    # ---- the header -----------------------------------------------------

    # Every initialiser macro, so that they are checked too.
    USES_HEADER = """
        #include <taskorch.h>

        int main(void)
        {
            taskorch_open_options o = TASKORCH_OPEN_OPTIONS_INIT;
            taskorch_task_spec s = TASKORCH_TASK_SPEC_INIT;
            taskorch_task_change c = TASKORCH_TASK_CHANGE_INIT;
            taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
            taskorch_msg_query m = TASKORCH_MSG_QUERY_INIT;
            taskorch_event_query e = TASKORCH_EVENT_QUERY_INIT;
            (void)o; (void)s; (void)c; (void)q; (void)m; (void)e;
            return TASKORCH_OK;
        }
        """

    def test_header_compiles_as_c99(self):
        src = self.write("header_c99.c", self.USES_HEADER)
        run([CC, "-std=c99", "-pedantic", "-Werror", "-Wall", "-Wextra",
             "-Wstrict-prototypes", "-fsyntax-only"] + self.pkg_config("--cflags") + [src])

    def test_header_compiles_as_cxx(self):
        src = self.write("header_cxx.cpp", self.USES_HEADER)
        run([CXX, "-std=c++11", "-pedantic", "-Werror", "-Wall", "-Wextra",
             "-fsyntax-only"] + self.pkg_config("--cflags") + [src])

    # ---- programs built against the install ---------------------------

    PROGRAM = r"""
        #include <taskorch.h>

        #include <stdio.h>
        #include <string.h>

        /* Prints the libtaskorch file this process mapped. */
        static void print_library(void)
        {
            char line[4096];
            FILE *maps = fopen("/proc/self/maps", "r");
            if (!maps)
                return;
            while (fgets(line, sizeof line, maps)) {
                char *path = strchr(line, '/');
                if (path && strstr(path, "libtaskorch.so")) {
                    printf("library %s", path);
                    break;
                }
            }
            fclose(maps);
        }

        int main(int argc, char **argv)
        {
            taskorch_db *db = NULL;
            taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
            taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
            taskorch_task *task = NULL;
            int rc;
            if (argc != 2)
                return 2;
            if (taskorch_version_number() != TASKORCH_VERSION_NUMBER) {
                printf("version mismatch: library %d, header %d\n",
                       taskorch_version_number(), TASKORCH_VERSION_NUMBER);
                return 1;
            }
            if (strcmp(taskorch_version(), TASKORCH_VERSION_STRING) != 0) {
                printf("version string mismatch: %s\n", taskorch_version());
                return 1;
            }
            printf("version %d\n", taskorch_version_number());
            print_library();
            opts.flags = TASKORCH_OPEN_CREATE;
            opts.agent = "installer";
            rc = taskorch_db_open(&db, argv[1], &opts);
            if (rc != TASKORCH_OK) {
                printf("open: %s\n", taskorch_db_errmsg(db));
                taskorch_db_close(db);
                return 1;
            }
            spec.title = "installed and working";
            rc = taskorch_task_create(&task, db, &spec);
            if (rc != TASKORCH_OK) {
                printf("create: %s\n", taskorch_db_errmsg(db));
                taskorch_db_close(db);
                return 1;
            }
            printf("task %s %s\n", taskorch_task_id(task), taskorch_task_title(task));
            taskorch_task_free(task);
            taskorch_db_close(db);
            return 0;
        }
        """

    def build_and_run(self, compiler, std, suffix):
        src = self.write("program" + suffix, self.PROGRAM)
        exe = os.path.join(self.tmp, "program-" + suffix.lstrip("."))
        run([compiler, std, "-pedantic", "-Wall", "-Wextra", "-Werror"]
            + self.pkg_config("--cflags") + [src, "-o", exe] + self.pkg_config("--libs"))
        store = tempfile.mkdtemp(dir=self.tmp, prefix="store-")
        proc = run([exe, store], env=self.run_env, check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        lines = proc.stdout.splitlines()
        self.assertEqual(lines[0], "version %d" % self.version_number)
        # The library that ran is the installed one, not the build's.
        self.assertTrue(lines[1].startswith("library "), proc.stdout)
        loaded = os.path.realpath(lines[1][len("library "):])
        self.assertEqual(loaded, os.path.realpath(self.lib))
        self.assertRegex(lines[2], r"^task [0-9a-f]{8} installed and working$")

    def test_c_program_links_and_runs(self):
        self.build_and_run(CC, "-std=c99", ".c")

    def test_cxx_program_links_and_runs(self):
        self.build_and_run(CXX, "-std=c++11", ".cpp")

    # ---- exported symbols ----------------------------------------------

    def test_header_declares_functions(self):
        names = header_functions(self.header_text)
        self.assertEqual(len(names), len(set(names)), "a function is declared twice")
        # Sanity: the parser found the API, not a handful of lines.
        for name in ("taskorch_version_number", "taskorch_db_open", "taskorch_cursor_set",
                     "taskorch_priority_name", "taskorch_status_parse"):
            self.assertIn(name, names)
        self.assertGreater(len(names), 50)

    def test_library_exports_exactly_the_header(self):
        declared = set(header_functions(self.header_text))
        sym_text = read_text(os.path.join(SOURCE_ROOT, "libtaskorch", "libtaskorch.sym"))
        _names, nodes = version_script(sym_text)
        out = run(["nm", "-D", "--defined-only", self.lib]).stdout
        exported, other = set(), []
        for line in out.splitlines():
            fields = line.split()
            if len(fields) < 3:
                continue
            kind, name = fields[1], fields[2]
            base, _, version = name.partition("@")
            if kind == "A" and base in nodes:
                continue  # the version node itself
            if kind != "T":
                other.append(line)
                continue
            exported.add(base)
            self.assertIn(version.lstrip("@"), nodes, "%s has no version node" % base)
        self.assertEqual(other, [], "non-function symbols exported")
        self.assertEqual(sorted(exported - declared), [],
                         "exported but not declared in taskorch.h")
        self.assertEqual(sorted(declared - exported), [],
                         "declared in taskorch.h but not exported")

    def test_version_script_lists_the_header(self):
        declared = header_functions(self.header_text)
        sym_text = read_text(os.path.join(SOURCE_ROOT, "libtaskorch", "libtaskorch.sym"))
        names, nodes = version_script(sym_text)
        self.assertTrue(nodes, "no version node in libtaskorch.sym")
        self.assertEqual(len(names), len(set(names)), "a symbol is listed twice")
        for name in names:
            self.assertNotIn("*", name, "wildcard in a global section")
        self.assertEqual(sorted(set(names) - set(declared)), [],
                         "listed in libtaskorch.sym but not declared in taskorch.h")
        self.assertEqual(sorted(set(declared) - set(names)), [],
                         "declared in taskorch.h but missing from libtaskorch.sym")

    # ---- tm ---------------------------------------------------------------

    def test_installed_tm_runs(self):
        proc = run([self.tm, "--version"], env=self.run_env, check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(self.version_string, proc.stdout)
        self.assertEqual(proc.stderr, "")
        # It resolves the installed library.
        trace = dict(self.run_env, LD_TRACE_LOADED_OBJECTS="1")
        trace.pop("LD_PRELOAD", None)
        out = run([self.tm], env=trace).stdout
        m = re.search(r"libtaskorch\.so\.0 => (\S+)", out)
        self.assertTrue(m, out)
        self.assertEqual(os.path.realpath(m.group(1)), os.path.realpath(self.lib))
        # And works on a fresh store.
        store = tempfile.mkdtemp(dir=self.tmp, prefix="tm-store-")
        add = run([self.tm, "--db", store, "--agent", "installer", "add", "from the install"],
                  env=self.run_env, check=False)
        self.assertEqual(add.returncode, 0, add.stderr)
        self.assertRegex(add.stdout, r"^[0-9a-f]{8}\n$")
        listed = run([self.tm, "--db", store, "list", "--format", "simple"],
                     env=self.run_env)
        self.assertEqual(listed.stdout, "%s from the install\n" % add.stdout.strip())



class UninstalledTest(unittest.TestCase):
    """A program built against the build folder, with no install at all,
    through the pkg-config file Meson writes for that
    (meson-uninstalled/taskorch-uninstalled.pc), as the README shows."""

    @classmethod
    def setUpClass(cls):
        if not BUILD_ROOT or not SOURCE_ROOT:
            raise RuntimeError("TASKORCH_BUILD_ROOT and TASKORCH_SOURCE_ROOT must be set")
        cls.tmp = tempfile.mkdtemp(prefix="taskorch-uninstalled-")
        cls.pcdir = os.path.join(BUILD_ROOT, "meson-uninstalled")
        cls.lib = os.path.join(BUILD_ROOT, "libtaskorch", "libtaskorch.so.0")
        cls.header_text = read_text(os.path.join(SOURCE_ROOT, "include", "taskorch.h"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def pkg_config(self, *args):
        env = dict(os.environ, PKG_CONFIG_PATH=self.pcdir)
        env.pop("PKG_CONFIG_SYSROOT_DIR", None)
        env.pop("PKG_CONFIG_LIBDIR", None)
        return run(["pkg-config"] + list(args) + ["taskorch"], env=env).stdout.split()

    def test_meson_writes_the_uninstalled_pc(self):
        self.assertTrue(os.path.isfile(os.path.join(self.pcdir, "taskorch-uninstalled.pc")))
        version = header_macro(self.header_text, "TASKORCH_VERSION_STRING").strip('"')
        self.assertEqual(self.pkg_config("--modversion"), [version])

    def test_flags_point_into_the_build_and_the_source(self):
        cflags = self.pkg_config("--cflags")
        libs = self.pkg_config("--libs")
        self.assertIn("-I" + os.path.join(os.path.realpath(SOURCE_ROOT), "include"),
                      [("-I" + os.path.realpath(f[2:])) for f in cflags])
        self.assertIn("-L" + os.path.realpath(os.path.dirname(self.lib)),
                      [("-L" + os.path.realpath(f[2:])) if f.startswith("-L") else f
                       for f in libs])
        self.assertIn("-ltaskorch", libs)

    def test_program_builds_and_runs_against_the_build(self):
        src = os.path.join(self.tmp, "program.c")
        with open(src, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(InstallTest.PROGRAM))
        exe = os.path.join(self.tmp, "program")
        run([CC, "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror"]
            + self.pkg_config("--cflags") + [src, "-o", exe] + self.pkg_config("--libs"))
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.dirname(self.lib))
        if any(n.startswith("libasan") for n in needed_libs(self.lib)):
            env["LD_PRELOAD"] = run([CC, "-print-file-name=libasan.so"]).stdout.strip()
            env["ASAN_OPTIONS"] = "detect_leaks=0"
        store = tempfile.mkdtemp(dir=self.tmp, prefix="store-")
        proc = run([exe, store], env=env, check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        lines = proc.stdout.splitlines()
        version = int(header_macro(self.header_text, "TASKORCH_VERSION_NUMBER"))
        self.assertEqual(lines[0], "version %d" % version)
        loaded = os.path.realpath(lines[1][len("library "):])
        self.assertEqual(loaded, os.path.realpath(self.lib))
        self.assertRegex(lines[2], r"^task [0-9a-f]{8} installed and working$")

    def test_readme_shows_both_ways(self):
        readme = read_text(os.path.join(SOURCE_ROOT, "README.md"))
        for line in ("PKG_CONFIG_PATH=build/meson-uninstalled pkg-config --cflags --libs taskorch",
                     "LD_LIBRARY_PATH=build/libtaskorch ./prog",
                     'meson install -C build --destdir "$PWD/stage"',
                     'PKG_CONFIG_SYSROOT_DIR="$PWD/stage"'):
            self.assertIn(line, readme)


if __name__ == "__main__":
    unittest.main(verbosity=2)
