"""Builds the C examples the way a user outside the tree does: against a
`meson install --destdir` root, with that root's pkg-config flags (the
Makefile, and the plain `cc ... $(pkg-config --cflags --libs taskorch)`
line from agent_worker.c), then runs them on a store made by the installed
tm.

EXAMPLE_CC is the compiler, EXAMPLE_CFLAGS extra flags (the sanitizer flags
of the build, since the installed library carries them)."""
import glob
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exampletest import EXAMPLES_DIR, ExampleCase  # noqa: E402

BUILD_ROOT = os.environ["TASKORCH_BUILD_ROOT"]


class InstalledBuild(ExampleCase):
    def setUp(self):
        super().setUp()
        self.root = os.path.join(self.tmp, "root")
        # Only the library, header, .pc file and tm: what this test needs.
        self.run_cmd([os.environ["MESON"], "install", "-C", BUILD_ROOT, "--no-rebuild",
                      "--quiet", "--tags", "runtime,devel", "--destdir", self.root])
        pcs = glob.glob(os.path.join(self.root, "**", "pkgconfig", "taskorch.pc"),
                        recursive=True)
        self.assertEqual(len(pcs), 1, pcs)
        tms = glob.glob(os.path.join(self.root, "**", "bin", "tm"), recursive=True)
        self.assertEqual(len(tms), 1, tms)
        self.installed_tm = tms[0]
        # pkg-config reads the installed .pc; the sysroot maps its
        # /usr/local/... paths into the destdir root.
        self.env.update(PKG_CONFIG_PATH=os.path.dirname(pcs[0]),
                        PKG_CONFIG_SYSROOT_DIR=self.root,
                        PKG_CONFIG_ALLOW_SYSTEM_CFLAGS="1",
                        PKG_CONFIG_ALLOW_SYSTEM_LIBS="1",
                        CC=os.environ["EXAMPLE_CC"],
                        EXAMPLE_CFLAGS=os.environ.get("EXAMPLE_CFLAGS", ""))
        libs = self.run_cmd(["pkg-config", "--libs-only-L", "taskorch"]).stdout.split()
        self.assertEqual(len(libs), 1, libs)
        self.libdir = libs[0][2:]
        self.assertTrue(self.libdir.startswith(self.root + "/"), self.libdir)
        self.assertTrue(os.path.exists(os.path.join(self.libdir, "libtaskorch.so.0")))
        # Programs run against the installed library only.
        self.env["LD_LIBRARY_PATH"] = self.libdir
        self.src = os.path.join(self.tmp, "src")
        os.mkdir(self.src)
        for name in ("agent_worker.c", "orchestrator.c", "Makefile"):
            shutil.copy(os.path.join(EXAMPLES_DIR, "c", name), self.src)

    def installed(self, *args, rc=0):
        return self.run_cmd([self.installed_tm, "--db", self.store, *args], rc=rc).stdout

    def assert_uses_installed_library(self, program):
        ldd = self.run_cmd(["ldd", program]).stdout
        line = [x for x in ldd.splitlines() if "libtaskorch.so.0" in x]
        self.assertEqual(len(line), 1, ldd)
        self.assertIn(f"=> {self.libdir}/libtaskorch.so.0", line[0])

    def test_pkg_config_flags(self):
        flags = self.run_cmd(["pkg-config", "--cflags", "--libs", "taskorch"]).stdout.split()
        self.assertIn("-ltaskorch", flags)
        includes = [f[2:] for f in flags if f.startswith("-I")]
        self.assertTrue(any(os.path.exists(os.path.join(i, "taskorch.h")) for i in includes),
                        flags)

    def test_cc_line_builds_and_runs_worker(self):
        # The build line from agent_worker.c's header comment, as a shell runs it.
        self.run_cmd(["sh", "-c", "$CC $EXAMPLE_CFLAGS -o agent_worker agent_worker.c "
                                  "$(pkg-config --cflags --libs taskorch)"], cwd=self.src)
        worker = os.path.join(self.src, "agent_worker")
        self.assert_uses_installed_library(worker)
        a = self.installed("add", "Install check", "--assignee", "installer").strip()
        b = self.installed("add", "Then this", "--assignee", "installer", "--depends-on", a).strip()
        out = self.run_cmd([worker, "--db", self.store, "--agent", "installer"]).stdout
        self.assertEqual(out, f"completed {a} Install check\ncompleted {b} Then this\n"
                              "installer: completed 2 tasks\n")
        self.assertEqual(self.installed("list", "--status", "completed", "--format", "simple"),
                         f"{a} Install check\n{b} Then this\n")
        self.run_cmd([worker, "--db", os.path.join(self.tmp, "none"), "--agent", "x"], rc=4)

    def test_makefile_builds_both(self):
        self.run_cmd(["make", "CC=" + self.env["CC"],
                      "CFLAGS=-O2 -Wall -Wextra -Werror " + self.env["EXAMPLE_CFLAGS"]],
                     cwd=self.src)
        for program in ("agent_worker", "orchestrator"):
            self.assert_uses_installed_library(os.path.join(self.src, program))
        out = self.run_cmd([os.path.join(self.src, "orchestrator"), "--db", self.store]).stdout
        self.assertTrue(out.endswith("\n10 tasks: 1 pending, 9 blocked\n"), out)
        out = self.run_cmd([os.path.join(self.src, "agent_worker"), "--db", self.store,
                            "--agent", "orchestrator"]).stdout
        self.assertTrue(out.endswith("orchestrator: completed 1 task\n"), out)
        self.assertEqual(len(self.installed("ready").splitlines()), 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
