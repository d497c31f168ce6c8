"""The orchestrator guide's shell blocks, run as written by bash against a
fresh store (`./tm` is a link to the built tm; the store comes from
TM_DB_PATH). Only placeholders such as task_001 are replaced by real ids."""

import os
import subprocess

import tmtest
from tmtest import TmCase

QUICK_START = r'''
# 1. Set your identity
export TM_AGENT_ID="orchestrator"

# 2. Create project structure
MAIN=$(./tm add "Build authentication system" -p high)
DB=$(./tm add "Design database" --depends-on $MAIN --assignee db_specialist)
API=$(./tm add "Create API" --depends-on $DB --assignee backend_specialist)
UI=$(./tm add "Build UI" --depends-on $API --assignee frontend_specialist)

# 3. Share project context
./tm share $MAIN "Requirements: JWT auth, PostgreSQL, React"
./tm share $MAIN "Timeline: 2 weeks, Priority: Critical"

# 4. Monitor progress
./tm list --status in_progress
./tm watch  # Real-time updates
'''

SUB_AGENTS = r'''
# Sub-agent joins task
export TM_AGENT_ID="db_specialist"
./tm join task_001

# Private reasoning (only this agent sees)
./tm note task_001 "Considering NoSQL vs SQL for this use case"
./tm note task_001 "Research: MongoDB might be better for nested data"

# Share progress (all agents see)
./tm share task_001 "Decided on PostgreSQL with JSONB columns"
./tm share task_001 "Schema draft complete, ready for review"

# Important discovery (alerts all agents)
./tm discover task_001 "CRITICAL: Need Redis for session management"
'''


class TestGuideBlocks(TmCase):
    def bash(self, script):
        link = os.path.join(self.tmp, "tm")
        if not os.path.exists(link):
            os.symlink(tmtest.TM, link)
        p = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True,
                           cwd=self.tmp, env=self.env(extra={"TM_DB_PATH": self.store}),
                           stdin=subprocess.DEVNULL, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        return p.stdout

    def test_quick_start(self):
        out = self.bash(QUICK_START)
        lines = out.splitlines()
        tasks = {t["title"]: t for t in self.json("list")}
        main, db = tasks["Build authentication system"], tasks["Design database"]
        api, ui = tasks["Create API"], tasks["Build UI"]
        self.assertEqual(lines[0:2], ["Shared update for task %s" % main["id"]] * 2)
        self.assertEqual((main["priority"], main["status"]), ("high", "pending"))
        self.assertEqual((db["depends_on"], db["status"], db["assignee"]),
                         ([main["id"]], "blocked", "db_specialist"))
        self.assertEqual(api["depends_on"], [db["id"]])
        self.assertEqual(ui["depends_on"], [api["id"]])
        # No task is in progress; the watch printed the feed (one line per
        # event) and returned since stdout is not a terminal.
        self.assertEqual(len(lines) - 2, len(self.events()))
        self.assertTrue(all(l.startswith("#") for l in lines[2:]))
        ctx = self.json("context", main["id"], agent="db_specialist")
        self.assertEqual([m["text"] for m in ctx["messages"]],
                         ["Requirements: JWT auth, PostgreSQL, React",
                          "Timeline: 2 weeks, Priority: Critical"])

    def test_how_sub_agents_communicate(self):
        tid = self.add("Design database", agent="orchestrator")
        out = self.bash(SUB_AGENTS.replace("task_001", tid))
        self.assertEqual(out, "Joined task: {0}\n"
                              "Added private note for task {0}\n"
                              "Added private note for task {0}\n"
                              "Shared update for task {0}\n"
                              "Shared update for task {0}\n"
                              "Discovery shared for task {0}\n".format(tid))
        mine = self.ok("context", tid, agent="db_specialist")
        order = ["Decided on PostgreSQL with JSONB columns",
                 "Schema draft complete, ready for review",
                 "CRITICAL: Need Redis for session management",
                 "Considering NoSQL vs SQL for this use case",
                 "Research: MongoDB might be better for nested data"]
        pos = [mine.index(s) for s in order]
        self.assertEqual(pos, sorted(pos))
        theirs = self.ok("context", tid, agent="orchestrator")
        for s in order[:3]:
            self.assertIn(s, theirs)
        for s in order[3:]:
            self.assertNotIn(s, theirs)
        self.assertIn("db_specialist", self.json("context", tid)["participants"])
        # The discovery alerts a watching orchestrator.
        feed = self.ok("watch", "--kind", "discover", agent="orchestrator")
        self.assertIn("** discover ** db_specialist: CRITICAL: Need Redis", feed)
        # The guide's information architecture, as files.
        ctx_file = os.path.join(self.store, "contexts", "context_%s.md" % tid)
        notes_file = os.path.join(self.store, "notes", "notes_%s_db_specialist.md" % tid)
        with open(ctx_file) as f:
            self.assertIn("Schema draft complete", f.read())
        with open(notes_file) as f:
            self.assertIn("MongoDB", f.read())


if __name__ == "__main__":
    tmtest.main()
