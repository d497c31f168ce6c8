"""Runs each shell example on a fresh store and checks what it printed and
what it left in the store.

    test_shell.py [SCRIPT...]   (no argument: every script)
"""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exampletest import ExampleCase  # noqa: E402

WATCH_LINE = re.compile(r"^#(\d+) \S+Z ([0-9a-f]{8}|-) (\*\* )?(\w+)( \*\*)? (\S+): (.*)$")


def deps(task):
    return sorted(task["depends_on"])


class QuickStart(ExampleCase):
    script_name = "quick_start"

    def test_chain_context_and_watch(self):
        out = self.script("quick_start").splitlines()
        t = self.tasks()
        main, db = t["Build authentication system"], t["Design database"]
        api, ui = t["Create API"], t["Build UI"]
        self.assertEqual(len(t), 4)
        self.assertEqual(out[0], f"Created {main['id']} <- {db['id']} <- {api['id']} <- {ui['id']}")
        self.assertEqual(main["priority"], "high")
        self.assertEqual((db["assignee"], api["assignee"], ui["assignee"]),
                         ("db_specialist", "backend_specialist", "frontend_specialist"))
        self.assertEqual((deps(db), deps(api), deps(ui)),
                         ([main["id"]], [db["id"]], [api["id"]]))
        self.assertEqual([x["status"] for x in (main, db, api, ui)],
                         ["pending", "blocked", "blocked", "blocked"])
        self.assertTrue(all(x["created_by"] == "orchestrator" for x in t.values()))
        self.assertEqual(self.messages(main["id"]), [
            ("share", "orchestrator", "Requirements: JWT auth, PostgreSQL, React"),
            ("share", "orchestrator", "Timeline: 2 weeks, Priority: Critical")])
        # Nothing in progress: the in-progress list is empty.
        i = out.index("In progress:")
        self.assertEqual(out[i + 1], "Updates:")
        # The watch printed the whole feed, one well-formed line per event...
        watch = [WATCH_LINE.match(line) for line in out[i + 2:]]
        self.assertTrue(watch and all(watch), out[i + 2:])
        self.assertEqual(len(watch), len(self.events()))
        kinds = [m.group(4) for m in watch]
        self.assertEqual(kinds.count("created"), 4)
        self.assertEqual(kinds.count("share"), 2)
        # ...and moved the orchestrator's cursor: nothing is new any more.
        self.assertEqual(self.tm("watch", agent="orchestrator"), "")


class PatternSequential(ExampleCase):
    script_name = "pattern_sequential"

    def test_pipeline(self):
        out = self.script("pattern_sequential").splitlines()
        t = self.tasks()
        chain = [t["Design schema"], t["Build API"], t["Create UI"], t["Test system"]]
        self.assertEqual(len(t), 4)
        self.assertEqual(out[0], "Pipeline: " + " -> ".join(x["id"] for x in chain))
        self.assertEqual([x["assignee"] for x in chain],
                         ["db_specialist", "backend_specialist", "frontend_specialist",
                          "qa_specialist"])
        self.assertEqual([deps(x) for x in chain],
                         [[], [chain[0]["id"]], [chain[1]["id"]], [chain[2]["id"]]])
        self.assertEqual([x["status"] for x in chain],
                         ["pending", "blocked", "blocked", "blocked"])
        ready = out[out.index("Ready now:") + 1:]
        self.assertIds(ready, chain[:1])
        # Each completion hands the work on to exactly the next step.
        for step, nxt in zip(chain, chain[1:]):
            self.tm("complete", step["id"])
            self.assertIds(self.tm("ready").splitlines(), [nxt])


class PatternParallel(ExampleCase):
    script_name = "pattern_parallel"

    def test_fan_out(self):
        out = self.script("pattern_parallel").splitlines()
        t = self.tasks()
        feature = t["User profile feature"]
        work = [t["API endpoints"], t["UI components"], t["Database views"]]
        self.assertEqual(len(t), 4)
        # The three `tm add` lines print their bare ids.
        self.assertEqual(out[:3], [x["id"] for x in work])
        self.assertEqual(out[3], f"Task {feature['id']} completed")
        self.assertEqual(feature["status"], "completed")
        for x in work:
            self.assertEqual(deps(x), [feature["id"]])
            self.assertEqual(x["status"], "pending")
        self.assertIds(out[out.index("Ready in parallel:") + 1:], work)
        self.assertEqual(len(self.events(kind="unblocked")), 3)


class PatternPhased(ExampleCase):
    script_name = "pattern_phased"

    def test_phases(self):
        out = self.script("pattern_phased").splitlines()
        t = self.tasks()
        p1, p2 = t["Phase 1: Core Infrastructure"], t["Phase 2: Features"]
        phase1 = [t["Database setup"], t["API framework"]]
        phase2 = [t["User management"], t["Admin panel"]]
        self.assertEqual(len(t), 6)
        self.assertEqual(out[:4], [x["id"] for x in phase1 + phase2])
        self.assertEqual(p1["priority"], "high")
        self.assertEqual(deps(p2), [p1["id"]])
        for x in phase1:
            self.assertEqual((deps(x), x["tags"], x["status"]), ([p1["id"]], ["phase1"], "blocked"))
        for x in phase2:
            self.assertEqual((deps(x), x["tags"], x["status"]), ([p2["id"]], ["phase2"], "blocked"))
        self.assertIds(out[out.index("Phase 1 work:") + 1:out.index("Phase 2 work:")], phase1)
        self.assertIds(out[out.index("Phase 2 work:") + 1:], phase2)
        # Completing phase 1 releases its work and the phase 2 checkpoint,
        # but phase 2's work still waits for that checkpoint.
        self.tm("complete", p1["id"])
        self.assertIds(self.tm("ready").splitlines(), phase1 + [p2])
        self.assertIds(self.tm("list", "--status", "blocked").splitlines(), phase2)


class WorkflowInit(ExampleCase):
    script_name = "workflow_init"

    def test_project_setup(self):
        out = self.script("workflow_init").splitlines()
        t = self.tasks()
        project = t["E-commerce Platform"]
        components = {"Database Design": "db_specialist",
                      "Payment Integration": "payment_specialist",
                      "Inventory System": "backend_specialist",
                      "Shopping Cart UI": "frontend_specialist"}
        self.assertEqual(len(t), 5)
        self.assertEqual(project["priority"], "critical")
        self.assertEqual(out[:4], [t[title]["id"] for title in components])
        for title, who in components.items():
            self.assertEqual((t[title]["assignee"], deps(t[title])), (who, [project["id"]]))
        self.assertEqual(self.messages(project["id"]), [
            ("share", "tester", "Stack: Node.js, PostgreSQL, React, Stripe"),
            ("share", "tester", "MVP Features: Products, Cart, Checkout, Orders"),
            ("share", "tester", "Timeline: 6 weeks, Budget: $50k"),
            ("sync", "tester", "Week 1: Database and API structure"),
            ("sync", "tester", "Week 3: Integration testing"),
            ("sync", "tester", "Week 5: User acceptance testing")])
        # The closing `tm context` shows the timeline with the sync points.
        self.assertIn(f"Task: {project['id']}", out)
        self.assertTrue(any(line.endswith("Timeline: 6 weeks, Budget: $50k") for line in out))
        self.assertEqual(sum("[SYNC]" in line for line in out), 3)


class WorkflowAssignment(ExampleCase):
    script_name = "workflow_assignment"

    def test_assign_and_reassign(self):
        out = self.script("workflow_assignment").splitlines()
        t = self.tasks()
        oauth, dbopt, ui = t["OAuth implementation"], t["Database optimization"], t["UI responsiveness"]
        self.assertEqual(len(t), 3)
        # The store starts empty, so the first grouping prints nothing.
        self.assertEqual(out[0], "Workload before:")
        self.assertEqual(out[1:3], [dbopt["id"], ui["id"]])
        self.assertEqual(out[3], f"Task {oauth['id']} updated")
        self.assertEqual(oauth["assignee"], "senior_backend_specialist")
        self.assertEqual([x["tags"] for x in (oauth, dbopt, ui)],
                         [["auth"], ["performance"], ["mobile"]])
        self.assertEqual(len(self.events(kind="assigned", task=oauth["id"])), 1)
        after = out[out.index("Workload after:") + 1:]
        keys = [line for line in after if not line.startswith("  ")]
        self.assertEqual(keys, ["db_specialist", "frontend_specialist",
                                "senior_backend_specialist"])
        self.assertEqual(after[after.index("senior_backend_specialist") + 1].split()[0],
                         oauth["id"])


class WorkflowMonitoring(ExampleCase):
    script_name = "workflow_monitoring"

    def test_views(self):
        s = self.sections(self.script("workflow_monitoring"))
        t = self.tasks()
        self.assertEqual(list(s), ["Updates", "In progress", "Blocked",
                                   "backend_specialist pending", "phase1 completed"])
        self.assertIds(s["In progress"], [t["Auth endpoints"]])
        self.assertIds(s["Blocked"], [t["Profile endpoints"]])
        self.assertIds(s["backend_specialist pending"], [t["Search endpoints"]])
        self.assertIds(s["phase1 completed"], [t["Design schema"], t["Provision database"]])
        updates = [WATCH_LINE.match(line) for line in s["Updates"]]
        self.assertTrue(updates and all(updates), s["Updates"])
        self.assertEqual(len(updates), len(self.events()))
        share = [m for m in updates if m.group(4) == "share"]
        self.assertEqual([(m.group(2), m.group(6), m.group(7)) for m in share],
                         [(t["Auth endpoints"]["id"], "backend_specialist",
                           "Login and logout done, tokens next")])


class WorkflowBlockers(ExampleCase):
    script_name = "workflow_blockers"

    def test_blocker_escalation(self):
        out = self.script("workflow_blockers").splitlines()
        t = self.tasks()
        schema, api = t["Finalize database schema"], t["Build user API"]
        self.assertEqual(out[0], f"Discovery shared for task {api['id']}")
        # The orchestrator's review shows the specialist's discovery.
        self.assertIn(f"Task: {api['id']}", out)
        self.assertTrue(any("backend_specialist [DISCOVERY] BLOCKED: Need database schema "
                            "finalized" in line for line in out), out)
        self.assertIn(f"Shared update for task {api['id']}", out)
        self.assertIn(f"Task {schema['id']} updated", out)
        self.assertEqual(schema["priority"], "critical")
        self.assertEqual((api["status"], deps(api)), ("blocked", [schema["id"]]))
        self.assertEqual(self.messages(api["id"]), [
            ("discover", "backend_specialist", "BLOCKED: Need database schema finalized"),
            ("share", "orchestrator", "Escalating to db_specialist for immediate resolution")])


class SubagentCommunication(ExampleCase):
    script_name = "subagent_communication"

    NOTES = ["Considering NoSQL vs SQL for this use case",
             "Research: MongoDB might be better for nested data"]
    SHARED = [("share", "db_specialist", "Decided on PostgreSQL with JSONB columns"),
              ("share", "db_specialist", "Schema draft complete, ready for review"),
              ("discover", "db_specialist", "CRITICAL: Need Redis for session management")]

    def test_notes_stay_private(self):
        out = self.script("subagent_communication")
        task = self.tasks()["Design data storage"]["id"]
        self.assertEqual(out.splitlines()[:6], [
            f"Joined task: {task}",
            f"Added private note for task {task}", f"Added private note for task {task}",
            f"Shared update for task {task}", f"Shared update for task {task}",
            f"Discovery shared for task {task}"])
        s = self.sections(out)
        mine = "\n".join(s["context as db_specialist"])
        theirs = "\n".join(s["context as orchestrator"])
        for note in self.NOTES:
            self.assertEqual(mine.count(note), 1)
            self.assertNotIn(note, theirs)
        for _, _, text in self.SHARED:
            self.assertIn(text, mine)
            self.assertIn(text, theirs)
        # The same holds in every read path, not only the printed context.
        self.assertEqual(self.messages(task, agent="db_specialist"),
                         [("note", "db_specialist", n) for n in self.NOTES] + self.SHARED)
        self.assertEqual(self.messages(task, agent="orchestrator"), self.SHARED)
        feed = self.tm("watch", "--since", "0", agent="orchestrator")
        self.assertNotIn("NoSQL", feed)
        self.assertNotIn("MongoDB", feed)
        self.assertIn("CRITICAL: Need Redis", feed)


class OrchestrateAuth(ExampleCase):
    script_name = "orchestrate_auth"

    def test_full_example(self):
        out = self.script("orchestrate_auth").splitlines()
        self.assertIn("Total tasks created: 19", out)
        self.assertEqual(out[-1], "  tm watch")
        t = self.tasks()
        self.assertEqual(len(t), 19)
        auth = t["Implement secure authentication system"]
        self.assertEqual(auth["priority"], "critical")
        msgs = self.messages(auth["id"])
        self.assertEqual([k for k, _, _ in msgs], ["share"] * 6 + ["sync"] * 4)
        self.assertEqual(msgs[1][2], "- JWT-based authentication")
        per_tag = {}
        for x in t.values():
            for tag in x["tags"]:
                per_tag[tag] = per_tag.get(tag, 0) + 1
        self.assertEqual(per_tag, {"phase1": 3, "phase2": 4, "phase3": 4, "phase4": 3})
        self.assertEqual(deps(t["Build authentication middleware"]),
                         [t["Implement JWT generation/validation"]["id"]])
        self.assertEqual(deps(t["Phase 4: Testing"]), [t["Phase 3: Frontend Development"]["id"]])
        # Only the project itself can start; everything else waits.
        self.assertIds(self.tm("ready").splitlines(), [auth])


class AdvancedTechniques(ExampleCase):
    script_name = "advanced_techniques"

    ENDPOINTS = ["users", "posts", "comments", "likes", "shares"]

    def test_techniques(self):
        s = self.sections(self.script("advanced_techniques"))
        t = self.tasks()
        project = t["Social platform API"]
        # Dynamic creation: the discovery, then one task per endpoint.
        self.assertEqual(s["Dynamic task creation"][0],
                         f"Discovery shared for task {project['id']}")
        self.assertEqual(s["Dynamic task creation"][1:],
                         [t[f"Create {e} endpoint"]["id"] for e in self.ENDPOINTS])
        self.assertEqual(self.messages(project["id"]),
                         [("discover", "tester", "Found 5 API endpoints needed")])
        # Conditional: the fallback was blocked by hand and stays blocked
        # when the primary completes.
        primary, fallback = t["Try approach A"], t["Fallback to approach B"]
        self.assertEqual(s["Conditional dependencies"],
                         [f"Task {fallback['id']} updated",
                          f"Primary {primary['id']}, fallback {fallback['id']}"])
        self.assertEqual((fallback["status"], fallback["blocked_by_hand"]), ("blocked", True))
        self.tm("complete", primary["id"])
        self.assertEqual(self.tasks()["Fallback to approach B"]["status"], "blocked")
        # Balancing: backend_specialist has 3 active tasks, so the loop over
        # the assignees (the group keys) picks db_specialist next.
        new = t["New task"]
        self.assertEqual(s["Resource balancing"],
                         ["Assigning to db_specialist (0 active)", new["id"]])
        self.assertEqual(new["assignee"], "db_specialist")


class Monitor(ExampleCase):
    script_name = "monitor"

    def seed(self):
        """2 pending, 3 in progress, 2 blocked, 1 completed."""
        ids = {}
        for title, who in [("a", "db_specialist"), ("b", "db_specialist"),
                           ("c", "backend_specialist"), ("d", "qa_specialist"),
                           ("e", "frontend_specialist"), ("f", "backend_specialist")]:
            ids[title] = self.tm("add", title, "--assignee", who).strip()
        for x in "abc":
            self.tm("update", ids[x], "--status", "in_progress")
        self.tm("complete", ids["d"])
        ids["g"] = self.tm("add", "g", "--depends-on", ids["a"]).strip()
        self.tm("update", ids["f"], "--status", "blocked")
        return ids

    def test_once(self):
        ids = self.seed()
        out = self.script("monitor", "--once").splitlines()
        self.assertEqual(out[0], "=== Task Orchestrator Dashboard ===")
        self.assertTrue(out[1].startswith("Time: "))
        for line in ["  Total tasks: 7", "  Pending: 1", "  In Progress: 3",
                     "  Blocked: 2", "  Completed: 1",
                     "  db_specialist: 2 active tasks", "  backend_specialist: 1 active tasks",
                     "  frontend_specialist: 0 active tasks", "  qa_specialist: 0 active tasks"]:
            self.assertIn(line, out)
        blocked = out[out.index("🚨 Blocked Tasks:") + 1:out.index("📝 Recent Updates:") - 1]
        self.assertEqual(sorted(blocked), sorted([f"{ids['f']} f", f"{ids['g']} g"]))
        active = out[out.index("📝 Recent Updates:") + 1:-1]
        self.assertEqual(sorted(active), sorted(f"{ids[x]} {x}" for x in "abc"))
        # Drawn once: no refresh loop, and no screen clearing off a terminal.
        self.assertFalse(any(line.startswith("Refreshing") for line in out))
        self.assertNotIn("\x1b", "\n".join(out))

    def test_empty_store(self):
        self.tm("init")
        out = self.script("monitor", "--once").splitlines()
        self.assertIn("  Total tasks: 0", out)
        self.assertIn("  Completed: 0", out)

    def test_errors(self):
        monitor = ["bash", os.path.join(os.environ["EXAMPLES_DIR"], "monitor.sh")]
        # A missing store is tm's error (exit 4), and none is created.
        p = self.run_cmd(monitor + ["--once"], rc=4)
        self.assertTrue(p.stderr.startswith("tm: error: no task store"), p.stderr)
        self.assertFalse(os.path.exists(self.store))
        p = self.run_cmd(monitor + ["--bogus"], rc=2)
        self.assertEqual(p.stderr, "monitor.sh: unknown option '--bogus'\n")
        p = self.run_cmd(monitor + ["--interval", "soon"], rc=2)
        self.assertIn("--interval must be", p.stderr)
        self.assertEqual(p.stdout, "")


def main(argv):
    cases = {c.script_name: c for c in ExampleCase.__subclasses__()}
    names = argv or sorted(cases)
    unknown = [n for n in names if n not in cases]
    if unknown:
        sys.exit(f"unknown example(s): {', '.join(unknown)}")
    loader = unittest.TestLoader()
    suite = unittest.TestSuite(loader.loadTestsFromTestCase(cases[n]) for n in names)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
