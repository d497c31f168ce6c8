"""bindings/python installs with pip from Debian's Python, offline and
without build isolation, and the installed copy works on its own."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import helpers

SRC = os.path.join(helpers.SOURCE_ROOT, "bindings", "python")


class Install(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="taskorch-pip-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_pip_install_and_use(self):
        # Build from a copy so nothing is written into the checkout.
        src = os.path.join(self.dir, "src")
        shutil.copytree(SRC, src, ignore=shutil.ignore_patterns(
            "build", "*.egg-info", "__pycache__"))
        site = os.path.join(self.dir, "site")
        env = dict(os.environ, HOME=self.dir, PIP_NO_CACHE_DIR="1",
                   PIP_DISABLE_PIP_VERSION_CHECK="1")
        env.pop("PYTHONPATH", None)
        r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation",
                            "--no-index", "--target", site, src], env=env,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(site, "taskorch", "_lib.py")))
        self.assertTrue(os.path.isfile(os.path.join(site, "taskorch", "py.typed")))
        env["PYTHONPATH"] = site
        code = """if True:
            import importlib.metadata, os, sys, taskorch
            print(os.path.dirname(os.path.dirname(taskorch.__file__)))
            print(importlib.metadata.version("taskorch"), taskorch.__version__)
            with taskorch.Store(sys.argv[1], agent="installed", create=True) as s:
                t = s.add("from the installed package", priority="high")
                print(s.get(t.id).title, s.get(t.id).priority)
            """
        r = subprocess.run([sys.executable, "-c", code, os.path.join(self.dir, "store")],
                           env=env, cwd=self.dir, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.stderr, "")
        self.assertEqual(r.stdout.splitlines(), [
            site, "0.2.0 0.2.0", "from the installed package high"])


    def test_venv_install_is_typed_and_finds_the_library_by_soname(self):
        """pip install ./bindings/python into a virtual environment that
        sees Debian's packages (so pip and setuptools come from Debian, no
        network): the installed package finds libtaskorch.so.0 through the
        dynamic linker, and mypy type-checks a program against the
        installed copy, which it does only for a package marked py.typed."""
        src = os.path.join(self.dir, "src")
        shutil.copytree(SRC, src, ignore=shutil.ignore_patterns(
            "build", "*.egg-info", "__pycache__"))
        venv = os.path.join(self.dir, "venv")
        env = dict(os.environ, HOME=self.dir, PIP_NO_CACHE_DIR="1",
                   PIP_DISABLE_PIP_VERSION_CHECK="1")
        for name in ("PYTHONPATH", "TASKORCH_LIBRARY"):
            env.pop(name, None)
        r = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages",
                            "--without-pip", venv], env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        python = os.path.join(venv, "bin", "python")
        r = subprocess.run([python, "-m", "pip", "install", "--no-build-isolation",
                            "--no-index", src], env=env, cwd=self.dir,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The library by its soname, through LD_LIBRARY_PATH.
        run_env = dict(env, LD_LIBRARY_PATH=os.path.dirname(helpers.LIBRARY))
        code = """if True:
            import sys, taskorch, taskorch._lib as L
            print(taskorch.__file__.startswith(sys.prefix), L.LIBRARY_NAME)
            with taskorch.Store(sys.argv[1], agent="venv", create=True) as s:
                print(s.show(s.add("in a venv").id).title)
            """
        r = subprocess.run([python, "-c", code, os.path.join(self.dir, "store")],
                           env=run_env, cwd=self.dir, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.stderr, "")
        self.assertEqual(r.stdout.splitlines(), ["True libtaskorch.so.0", "in a venv"])
        # mypy reads the installed package's hints (PEP 561).
        prog = os.path.join(self.dir, "prog.py")
        with open(prog, "w") as f:
            f.write("import taskorch\n"
                    "def first(s: taskorch.Store) -> str:\n"
                    "    return s.show('abcd').title\n"
                    "def wrong(s: taskorch.Store) -> int:\n"
                    "    return s.show('abcd').title\n")
        cache = os.path.join(self.dir, "mypy-cache")
        r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
                            "--cache-dir", cache, "--python-executable", python, "prog.py"],
                           env=env, cwd=self.dir, capture_output=True, text=True, timeout=600)
        self.assertEqual(r.stdout.strip(), "prog.py:5: error: Incompatible return value type "
                         "(got \"str\", expected \"int\")  [return-value]", r.stderr)


if __name__ == "__main__":
    unittest.main()
