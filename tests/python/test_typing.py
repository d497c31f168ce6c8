"""The package's type hints: complete on the public API, consistent under
mypy in strict mode, and precise enough that mypy catches a caller's
mistakes (they are not Any in disguise).

mypy is a test dependency (Debian package `mypy`, installed by
scripts/install-deps.sh); without it these tests fail, they are not
skipped."""
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import typing
import unittest

import helpers
import taskorch

PACKAGE_ROOT = os.path.join(helpers.SOURCE_ROOT, "bindings", "python")


def public_callables():
    """(qualified name, function) of every public function and method:
    the functions in taskorch.__all__, and the methods, properties and
    special methods the package's public classes define themselves."""
    out = []
    for name in taskorch.__all__:
        obj = getattr(taskorch, name)
        if inspect.isfunction(obj):
            out.append((name, obj))
        elif inspect.isclass(obj):
            for cls in obj.__mro__:
                if not cls.__module__.startswith("taskorch"):
                    continue
                for attr, value in vars(cls).items():
                    if attr.startswith("_") and not (attr.startswith("__")
                                                     and attr.endswith("__")):
                        continue
                    if isinstance(value, property):
                        for part, fn in (("", value.fget), (".setter", value.fset)):
                            if fn is not None:
                                out.append(("%s.%s%s" % (name, attr, part), fn))
                    elif isinstance(value, (classmethod, staticmethod)):
                        out.append(("%s.%s" % (name, attr), value.__func__))
                    elif inspect.isfunction(value) and written_here(value):
                        out.append(("%s.%s" % (name, attr), value))
    return out


def written_here(fn):
    """Whether fn is in the package's source (not made by @dataclass)."""
    return os.path.abspath(fn.__code__.co_filename).startswith(
        os.path.abspath(os.path.dirname(taskorch.__file__)) + os.sep)


def mypy(*args, cwd):
    """Runs mypy --strict on args with the package's source on MYPYPATH
    and a throwaway cache; returns the process."""
    cache = tempfile.mkdtemp(prefix="taskorch-mypy-")
    try:
        env = dict(os.environ, MYPYPATH=PACKAGE_ROOT)
        return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
                               "--cache-dir", cache] + list(args),
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


class Typing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        r = subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True,
                           text=True)
        if r.returncode != 0:
            raise AssertionError("mypy is missing: install the Debian package mypy "
                                 "(scripts/install-deps.sh)\n" + r.stderr)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="taskorch-typing-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_package_passes_mypy_strict(self):
        r = mypy("-p", "taskorch", cwd=self.dir)
        self.assertEqual(r.stdout + r.stderr, "")
        self.assertEqual(r.returncode, 0)

    def test_package_is_marked_typed(self):
        self.assertTrue(os.path.isfile(os.path.join(PACKAGE_ROOT, "taskorch", "py.typed")))

    def test_every_public_function_and_method_is_annotated(self):
        found = public_callables()
        names = [n for n, _ in found]
        # Sanity: the walk found the API, aliases included.
        for expected in ("locate", "Store.add", "Store.list", "Store.tasks", "Store.watch",
                         "Store.agent.setter", "Task.done", "TaskorchError.__init__"):
            self.assertIn(expected, names)
        self.assertGreater(len(found), 60)
        for name, fn in found:
            with self.subTest(function=name):
                sig = inspect.signature(fn)
                params = list(sig.parameters.values())
                if params and params[0].name in ("self", "cls"):
                    params = params[1:]
                for p in params:
                    self.assertIsNot(p.annotation, inspect.Parameter.empty,
                                     "%s: parameter %s has no annotation" % (name, p.name))
                self.assertIsNot(sig.return_annotation, inspect.Signature.empty,
                                 "%s has no return annotation" % name)
                # The annotations name real things at run time too.
                typing.get_type_hints(fn, vars(sys.modules[fn.__module__]))

    def test_type_errors_of_callers_are_caught(self):
        good = os.path.join(self.dir, "good.py")
        with open(good, "w") as f:
            f.write(textwrap.dedent("""\
                import datetime
                from typing import List, Optional
                import taskorch

                def run(path: str) -> None:
                    with taskorch.Store(path, agent="typed", create=True) as s:
                        t: taskorch.Task = s.add("typed", priority="high", tags=["a"])
                        ready: List[taskorch.Task] = list(s.ready(mine=True))
                        listed: List[taskorch.Task] = list(s.list(status=["pending"]))
                        shown: taskorch.Task = s.show(t.id[:4])
                        mid: int = s.post(t, "share", "hello")
                        for m in s.context(t, since=0):
                            text: str = m.text
                        s.dep_add(shown, [t.id])
                        s.dep_remove(shown, t)
                        deps: List[taskorch.Task] = s.dep_list(t, dependents=True)
                        for ev in s.watch(since=0, kinds="share", limit=1):
                            msg: Optional[int] = ev.message_id
                        held: taskorch.Task = s.claim(lease=datetime.timedelta(minutes=5))
                        s.wait([t], timeout="1s")
                """))
        r = mypy(good, cwd=self.dir)
        self.assertEqual(r.stdout + r.stderr, "")
        bad = os.path.join(self.dir, "bad.py")
        with open(bad, "w") as f:
            f.write(textwrap.dedent("""\
                import taskorch

                s = taskorch.Store("x")
                s.add(5)
                n: str = s.share("abcd", "text")
                s.watch(since="yesterday")
                s.show(None)
                s.claim(lease=[1])
                """))
        r = mypy(bad, cwd=self.dir)
        self.assertNotEqual(r.returncode, 0)
        errors = [line.split(":")[1] for line in r.stdout.splitlines() if ": error:" in line]
        self.assertEqual(errors, ["4", "5", "6", "7", "8"], r.stdout)


if __name__ == "__main__":
    unittest.main()
