"""docs/python.md tells the truth: its python code blocks run, in order,
as written, and it mentions every public method and exception."""
import contextlib
import io
import os
import re
import shutil
import tempfile
import unittest

import helpers
import taskorch

DOC = os.path.join(helpers.SOURCE_ROOT, "docs", "python.md")


def read_doc():
    with open(DOC, encoding="utf-8") as f:
        return f.read()


class PythonGuide(unittest.TestCase):
    def test_code_blocks_run(self):
        blocks = re.findall(r"^```python\n(.*?)^```", read_doc(), re.M | re.S)
        self.assertGreater(len(blocks), 8)
        cwd = os.getcwd()
        tmp = tempfile.mkdtemp(prefix="taskorch-doc-")
        self.addCleanup(shutil.rmtree, tmp, True)
        self.addCleanup(os.chdir, cwd)
        os.chdir(tmp)
        # The guide's own temporary folders go under tmp/t too.
        os.mkdir(os.path.join(tmp, "t"))
        saved, tempfile.tempdir = tempfile.tempdir, os.path.join(tmp, "t")
        self.addCleanup(setattr, tempfile, "tempdir", saved)
        namespace = {"__name__": "guide"}
        out = io.StringIO()
        for i, code in enumerate(blocks):
            with self.subTest(block=i):
                with contextlib.redirect_stdout(out):
                    exec(compile(code, "python.md block %d" % i, "exec"), namespace)
        printed = out.getvalue()
        # Spot checks of what the guide says those blocks print.
        self.assertIn("['Implement the login API']", printed)
        self.assertIn("NotFoundError -4 no task with id 'abcd0000'", printed)
        self.assertIn("['orchestrator', 'Test plan drafted']", printed)
        self.assertRegex(printed, r"\n1\ncompleted\n$")
        # Nothing was written into the current folder.
        self.assertEqual(os.listdir(tmp), ["t"])

    def test_every_public_name_is_documented(self):
        doc = read_doc()
        methods = [n for n in dir(taskorch.Store) if not n.startswith("_")]
        self.assertGreater(len(methods), 30)
        for name in methods:
            with self.subTest(method=name):
                self.assertTrue(re.search(r"\b%s\b" % name, doc), name + " undocumented")
        for name in taskorch.__all__:
            with self.subTest(name=name):
                self.assertTrue(re.search(r"\b%s\b" % name, doc), name + " undocumented")


if __name__ == "__main__":
    unittest.main()
