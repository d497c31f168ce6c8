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


if __name__ == "__main__":
    unittest.main()
