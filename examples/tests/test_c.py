"""The C examples built in the tree: orchestrator builds the phased graph,
agent_worker processes carry it to the end; their bad-input paths end with
the documented message and exit status."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exampletest import ExampleCase  # noqa: E402

WORKER = os.environ["AGENT_WORKER"]
ORCHESTRATOR = os.environ["ORCHESTRATOR"]
SPECIALISTS = ["orchestrator", "db_specialist", "backend_specialist", "frontend_specialist",
               "security_specialist", "qa_specialist"]
LINE = re.compile(r"^([0-9a-f]{8})  (\S+) +(\S+) +(.*?)(?:  <- ([0-9a-f,]+))?$")


class Orchestrator(ExampleCase):
    def build(self):
        out = self.run_cmd([ORCHESTRATOR, "--db", self.store]).stdout.splitlines()
        self.assertEqual(out[-1], "10 tasks: 1 pending, 9 blocked")
        return out[:-1]

    def test_graph(self):
        lines = self.build()
        rows = [LINE.match(line) for line in lines]
        self.assertTrue(all(rows), lines)
        ids = [m.group(1) for m in rows]
        t = self.tasks()
        self.assertEqual(len(t), 10)
        # Every printed line agrees with the store.
        for m in rows:
            task = t[m.group(4)]
            self.assertEqual((m.group(1), m.group(2), m.group(3)),
                             (task["id"], task["status"], task["assignee"]))
            self.assertEqual(sorted((m.group(5) or "").split(",")) if m.group(5) else [],
                             sorted(task["depends_on"]))
        self.assertEqual(rows[0].group(4), "Phase 1: Foundation")
        self.assertEqual([m.group(2) for m in rows], ["pending"] + ["blocked"] * 9)
        # Fan-out from Phase 1, fan-in to Phase 2, again to QA.
        p1, p2 = t["Phase 1: Foundation"]["id"], t["Phase 2: Features"]["id"]
        self.assertEqual(sorted(t["Phase 2: Features"]["depends_on"]), sorted(ids[1:4]))
        for i in (1, 2, 3):
            self.assertEqual(t[rows[i].group(4)]["depends_on"], [p1])
        for i in (5, 6, 7):
            self.assertEqual(t[rows[i].group(4)]["depends_on"], [p2])
        self.assertEqual(sorted(t["Test the release"]["depends_on"]), sorted(ids[5:8]))
        self.assertEqual(t["Release 1.0"]["priority"], "critical")
        self.assertTrue(all(x["created_by"] == "orchestrator" for x in t.values()))
        self.assertEqual([k for k, _, _ in self.messages(p1)], ["share", "sync"])

    def test_bad_input(self):
        p = self.run_cmd([ORCHESTRATOR, "--db", self.store, "--agent", "two words"], rc=5)
        self.assertEqual(p.stderr.count("\n"), 1)
        self.assertTrue(p.stderr.startswith("orchestrator: error: agent id 'two words'"))
        self.assertFalse(os.path.exists(self.store))
        self.run_cmd([ORCHESTRATOR, "--frobnicate"], rc=2)
        self.run_cmd([ORCHESTRATOR, "--db"], rc=2)
        # A store below a regular file cannot be created.
        blocker = os.path.join(self.tmp, "file")
        open(blocker, "w").close()
        p = self.run_cmd([ORCHESTRATOR, "--db", os.path.join(blocker, "store")], rc=4)
        self.assertTrue(p.stderr.startswith("orchestrator: error: "), p.stderr)
        self.assertEqual(p.stdout, "")


class AgentWorker(ExampleCase):
    def work(self, agent, rc=0):
        return self.run_cmd([WORKER, "--db", self.store, "--agent", agent], rc=rc)

    def test_carries_project_to_the_end(self):
        self.run_cmd([ORCHESTRATOR, "--db", self.store])
        before = self.tasks()
        # Specialists wait: only the orchestrator's Phase 1 is ready.
        self.assertEqual(self.work("db_specialist").stdout, "db_specialist: no ready work\n")
        self.assertEqual(self.tasks(), before)
        p1 = before["Phase 1: Foundation"]["id"]
        self.assertEqual(self.work("orchestrator").stdout,
                         f"completed {p1} Phase 1: Foundation\norchestrator: completed 1 task\n")
        # Rounds of every worker until a round completes nothing.
        rounds = 0
        while True:
            rounds += 1
            self.assertLess(rounds, 10)
            done = 0
            for agent in SPECIALISTS:
                out = self.work(agent).stdout.splitlines()
                m = re.match(rf"^{agent}: (?:completed (\d+) tasks?|no ready work)$", out[-1])
                self.assertTrue(m, out)
                n = int(m.group(1) or 0)
                self.assertEqual(len(out) - 1, n)
                done += n
            if not done:
                break
        t = self.tasks()
        self.assertEqual({x["status"] for x in t.values()}, {"completed"})
        # Each task was started, reported on and completed by its assignee,
        # and only after every one of its prerequisites.
        completed_at = {e["task"]: e["id"] for e in self.events(kind="status")
                        if e["text"].endswith("-> completed: Done by the example worker")}
        self.assertEqual(set(completed_at), {x["id"] for x in t.values()})
        for x in t.values():
            self.assertEqual(x["summary"], "Done by the example worker")
            for dep in x["depends_on"]:
                self.assertLess(completed_at[dep], completed_at[x["id"]])
            progress = [(k, a, text) for k, a, text in self.messages(x["id"]) if k == "progress"]
            self.assertEqual(progress, [("progress", x["assignee"], "Started: " + x["title"]),
                                        ("progress", x["assignee"], "Finished: " + x["title"])])
            # Started by one claim of its assignee (a "claimed" event).
            starts = self.events(kind="claimed", task=x["id"])
            self.assertEqual([e["agent"] for e in starts], [x["assignee"]])

    def test_one_run_follows_its_own_chain_by_priority(self):
        a = self.tm("add", "first", "--assignee", "solo", "-p", "low").strip()
        b = self.tm("add", "second", "--assignee", "solo", "--depends-on", a).strip()
        c = self.tm("add", "urgent", "--assignee", "solo", "-p", "critical").strip()
        other = self.tm("add", "not mine", "--assignee", "someone_else").strip()
        started = self.tm("add", "already started", "--assignee", "solo").strip()
        self.tm("update", started, "--status", "in_progress")
        out = self.work("solo").stdout
        # The worker resumes what it holds first (as after a crash), then
        # claims by priority and follows its own chain.
        self.assertEqual(out, f"completed {started} already started\n"
                              f"completed {c} urgent\ncompleted {a} first\n"
                              f"completed {b} second\nsolo: completed 4 tasks\n")
        t = self.tasks()
        self.assertEqual(t["not mine"]["status"], "pending")
        self.assertEqual(t["already started"]["status"], "completed")
        self.assertEqual(self.events(task=other)[-1]["kind"], "created")
        self.assertEqual(self.work("solo").stdout, "solo: no ready work\n")

    def test_agent_from_environment(self):
        self.tm("add", "env work", "--assignee", "env_agent")
        p = self.run_cmd([WORKER, "--db", self.store], env=dict(self.env, TM_AGENT_ID="env_agent"))
        self.assertTrue(p.stdout.endswith("env_agent: completed 1 task\n"), p.stdout)

    def test_missing_store(self):
        missing = os.path.join(self.tmp, "nowhere")
        p = self.run_cmd([WORKER, "--db", missing, "--agent", "db_specialist"], rc=4)
        self.assertEqual(p.stdout, "")
        self.assertEqual(p.stderr,
                         f"agent_worker: error: no task store at {missing}/tasks.db "
                         "(create it with 'tm init')\n")
        self.assertFalse(os.path.exists(missing))

    def test_invalid_agent(self):
        self.tm("init")
        for agent in ["two words", "a/b", "", "x" * 65, "tab\there"]:
            p = self.work(agent, rc=5)
            self.assertEqual(p.stdout, "")
            self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
            self.assertTrue(p.stderr.startswith("agent_worker: error: agent id "), p.stderr)
        self.assertEqual(self.events(), [])

    def test_usage(self):
        env = dict(self.env)
        env.pop("TM_AGENT_ID")
        for argv, msg in [([], "no agent"), (["--db"], "needs a value"),
                          (["--agent", "a", "--verbose"], "unknown option '--verbose'")]:
            p = self.run_cmd([WORKER, *argv], env=env, rc=2)
            self.assertEqual(p.stdout, "")
            self.assertTrue(p.stderr.startswith("agent_worker: error: "), p.stderr)
            self.assertIn(msg, p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
