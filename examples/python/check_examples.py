"""Runs the Python examples and checks what they print and what they leave
in the store. Usage: python3 check_examples.py [TestClass ...]"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import taskorch

HERE = os.path.dirname(os.path.abspath(__file__))


class ExampleTest(unittest.TestCase):
    script = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="taskorch-example-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.db = os.path.join(self.dir, "store")

    def run_example(self, *args):
        r = subprocess.run([sys.executable, os.path.join(HERE, self.script)] + list(args),
                           capture_output=True, text=True, timeout=170, cwd=self.dir)
        return r

    def store(self, agent="checker"):
        s = taskorch.Store(self.db, agent=agent, mirror=False, readonly=True)
        self.addCleanup(s.close)
        return s


class MultiAgentWorkflow(ExampleTest):
    script = "multi_agent_workflow.py"
    specialists = ["database", "backend", "frontend", "security", "qa"]

    def test_the_team_completes_the_project(self):
        r = self.run_example("--db", self.db)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr, "")
        lines = r.stdout.splitlines()
        self.assertEqual(lines[-1], "All 17 tasks completed.")
        self.assertIn("[orchestrator] plan written: 16 tasks, 5 ready now", lines)
        self.assertIn("[security] added 'Rate-limit login attempts' for backend", lines)
        self.assertIn("  private notes visible to the orchestrator: 0", lines)
        for who in self.specialists:
            self.assertIn("[%s] project complete, signing off" % who, lines)
            self.assertRegex(r.stdout, r"\n  %-10s +\d+ +\d+ +\d+ +\d+ +0\n" % who)
        self.assertRegex(r.stdout, r"\[backend\] heard discover from security: login is open")

        s = self.store()
        tasks = list(s.list())
        self.assertEqual(len(tasks), 17)
        self.assertEqual({t.status for t in tasks}, {"completed"})
        self.assertEqual({t.assignee for t in tasks}, set(self.specialists))
        for t in tasks:
            self.assertEqual(t.summary, "%s: done by %s" % (t.title, t.assignee))
            kinds = [(m.author, m.kind) for m in s.context(t)]
            self.assertIn((t.assignee, "share"), kinds, t.title)
            self.assertIn((t.assignee, "progress"), kinds, t.title)
            self.assertNotIn("note", [k for _, k in kinds], "notes are private")
            self.assertIn(t.assignee, s.participants(t))
        for who in self.specialists:
            own = [t for t in tasks if t.assignee == who]
            notes = [m for t in own for m in self.store(who).context(t, kinds="note")]
            self.assertEqual(len(notes), len(own), who)
        self.assertEqual(len(list(s.events(kinds="discover"))), 4)
        (extra,) = s.list(tag="rate_limit")
        (review,) = s.list(tag="review")
        (auth,) = s.list(tag="auth_api")
        self.assertEqual(extra.depends_on, (auth.id,))
        self.assertIn(extra.id, review.depends_on)
        completions = [e.task for e in s.events(kinds="status") if "-> completed" in e.text]
        self.assertLess(completions.index(extra.id), completions.index(review.id))

    def test_default_store_is_temporary(self):
        r = self.run_example()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.splitlines()[-1], "All 17 tasks completed.")
        path = re.match(r"store: (.*)\n", r.stdout).group(1)
        self.assertFalse(os.path.exists(path))

    def test_refuses_a_store_that_is_not_fresh(self):
        with taskorch.Store(self.db, agent="someone", create=True) as s:
            s.add("unrelated work")
        r = self.run_example("--db", self.db)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr, "multi_agent_workflow: the store %s already holds tasks; "
                         "use a new one\n" % os.path.join(self.db, "tasks.db"))

    def test_unusable_store_is_a_clear_error(self):
        junk = os.path.join(self.dir, "junk.db")
        with open(junk, "w") as f:
            f.write("not a store")
        r = self.run_example("--db", junk)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertRegex(r.stderr, r"^multi_agent_workflow: error: .*junk\.db is not a "
                         r"taskorch store.*\n$")


class DependencyManagement(ExampleTest):
    script = "dependency_management.py"

    def test_graphs_unblock_as_expected(self):
        r = self.run_example("--db", self.db)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr, "")
        out = r.stdout
        lines = out.splitlines()
        for expected in [
            "== Feature workflow: design -> build -> test -> document ==",
            "    Design API=pending  Implement API=blocked  Write tests=blocked  "
            "Write docs=blocked  Ship feature=blocked",
            "  complete Design API             unblocked: Implement API",
            "  complete Implement API          unblocked: Write docs, Write tests",
            "  complete Write docs             unblocked: Ship feature",
            "  reopen   Build                  (a bad artifact was found)",
            "    Build=pending  Unit tests=completed  Integration tests=blocked  "
            "Deploy to staging=blocked  Release=blocked",
            "  complete Build                  unblocked: Integration tests",
            "  complete C                      unblocked: D",
            "    A=completed  B=completed  C=completed  D=pending",
            "  complete Schema                 unblocked: Billing, Orders, Reports, Search, "
            "Users",
            "  complete Legal review           unblocked: Sign-off",
            "feature  5 tasks, all completed",
            "release  5 tasks, all completed",
            "diamond  4 tasks, all completed",
            "fanout   6 tasks, all completed",
            "fanin    5 tasks, all completed",
        ]:
            self.assertIn(expected, lines)
        self.assertEqual(lines[-1], "Every graph ran as expected.")
        self.assertRegex(out, r"\n  refused  A depends on D         -> dependency cycle: "
                         r"A -> D -> [BC] -> A")
        self.assertRegex(out, r"\n  refused  Release                -> .*unfinished "
                         r"dependencies Deploy to staging \(blocked\)")
        # 25 tasks, and the reopened build completed twice
        self.assertEqual(len(re.findall(r"^  complete ", out, re.M)), 26)
        self.assertNotIn("UNEXPECTED", out)

        s = self.store()
        tasks = list(s.list())
        self.assertEqual(len(tasks), 25)
        self.assertEqual({t.status for t in tasks}, {"completed"})
        self.assertEqual(len(list(s.events(kinds="unblocked"))), 18)

    def test_default_store_is_temporary(self):
        r = self.run_example()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        path = re.match(r"store: (.*)\n", r.stdout).group(1)
        self.assertFalse(os.path.exists(path))

    def test_unusable_store_is_a_clear_error(self):
        blocker = os.path.join(self.dir, "file")
        with open(blocker, "w") as f:
            f.write("x")
        r = self.run_example("--db", os.path.join(blocker, "sub"))
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^dependency_management: error: cannot create folder")


if __name__ == "__main__":
    unittest.main()
