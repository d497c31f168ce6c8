"""Issue 3's channels: join, note/share/discover/sync/progress, context,
request ids, exact text, standard input and the markdown mirror files."""

import json
import os

import tmtest
from tmtest import TmCase

# Text that shells, printf-style code and naive JSON all get wrong.
TRICKY = [
    'he said "hi" and \'bye\'',
    "cost: $50k, $HOME, ${PATH}, $(rm -rf /), `id`",
    "back\\slash \\n \\t \\\\ C:\\path\\",
    "line one\nline two\n\n  indented line",
    "tab\tseparated\tvalues",
    "emoji \U0001F680\U0001F525 \U0001F468\u200d\U0001F4bb",
    "\u05e9\u05dc\u05d5\u05dd RTL \u0645\u0631\u062d\u0628\u0627 \u202emixed\u202c",
    "%s %d %n {} {0} <b>&amp;</b>",
    "- item one",
    "--not-an-option with spaces",
]


class ChannelCase(TmCase):
    def setUp(self):
        super().setUp()
        self.t = self.add("Design database", "--assignee", "db_specialist")

    def messages(self, agent=None, task=None):
        return self.json("context", task or self.t, agent=agent)["messages"]

    def texts(self, agent=None, kind=None):
        return [m["text"] for m in self.messages(agent) if kind is None or m["kind"] == kind]


class TestJoinAndPost(ChannelCase):
    def test_join_idempotent(self):
        for _ in range(3):
            self.assertEqual(self.ok("join", self.t[:5], agent="db_specialist"),
                             "Joined task: %s\n" % self.t)
        ctx = self.json("context", self.t)
        self.assertEqual(ctx["participants"], ["db_specialist"])
        joins = [e for e in self.events() if e["kind"] == "joined"]
        self.assertEqual(len(joins), 1)
        self.assertEqual(joins[0]["agent"], "db_specialist")

    def test_confirmations(self):
        t = self.t
        self.assertEqual(self.ok("note", t, "n"), "Added private note for task %s\n" % t)
        self.assertEqual(self.ok("share", t, "s"), "Shared update for task %s\n" % t)
        self.assertEqual(self.ok("discover", t, "d"), "Discovery shared for task %s\n" % t)
        self.assertEqual(self.ok("sync", t, "y"), "Created sync point for task %s\n" % t)
        self.assertEqual(self.ok("progress", t, "p"), "Progress update added\n")
        self.assertEqual([(m["kind"], m["text"]) for m in self.messages()],
                         [("note", "n"), ("share", "s"), ("discover", "d"), ("sync", "y"),
                          ("progress", "p")])

    def test_posting_joins_the_author(self):
        self.ok("share", self.t, "hello", agent="backend_specialist")
        self.ok("note", self.t, "mine", agent="qa_specialist")
        self.assertEqual(sorted(self.json("context", self.t)["participants"]),
                         ["backend_specialist", "qa_specialist"])

    def test_words_joined_by_single_spaces(self):
        self.ok("share", self.t, "Requirements:", "JWT", "auth,", "PostgreSQL")
        self.ok("share", self.t, "--", "--literal", "-x")
        self.assertEqual(self.texts(), ["Requirements: JWT auth, PostgreSQL",
                                        "--literal -x"])

    def test_tricky_text_exact(self):
        for text in TRICKY:
            self.ok("share", self.t, text)
        self.assertEqual(self.texts(), TRICKY)
        text_out = self.ok("context", self.t)
        for text in TRICKY:
            self.assertIn(text.split("\n")[0], text_out)

    def test_tricky_text_exact_from_stdin(self):
        for kind in ("note", "share", "discover", "sync", "progress"):
            for text in TRICKY:
                self.ok(kind, self.t, "-", stdin=text + "\n")
        self.assertEqual(self.texts(), TRICKY * 5)

    def test_stdin_keeps_inner_newlines_drops_trailing(self):
        self.ok("share", self.t, "-", stdin="first\n\nthird\n\n\n")
        self.ok("share", self.t, "-", stdin="no newline at end")
        self.assertEqual(self.texts(), ["first\n\nthird", "no newline at end"])

    def test_messages_survive_completion(self):
        self.ok("share", self.t, "before")
        self.ok("note", self.t, "private before")
        self.ok("complete", self.t)
        self.ok("share", self.t, "after")
        self.assertEqual(self.texts(), ["before", "private before", "after"])


class TestPrivacy(ChannelCase):
    def test_notes_are_private_everywhere(self):
        t = self.t
        self.ok("note", t, "A-secret Considering NoSQL", agent="agent_a")
        self.ok("note", t, "B-secret something else", agent="agent_b")
        self.ok("share", t, "public update", agent="agent_a")
        self.ok("complete", t)
        for me, other in (("agent_a", "B-secret"), ("agent_b", "A-secret")):
            mine = "A-secret" if me == "agent_a" else "B-secret"
            ctx_text = self.ok("context", t, agent=me)
            ctx_json = self.ok("context", t, "--format", "json", agent=me)
            watch_text = self.ok("watch", "--since", "0", agent=me)
            watch_json = self.ok("watch", "--since", "0", "--format", "json", agent=me)
            watch_cursor = self.ok("watch", agent=me)
            watch_mine = self.ok("watch", "--mine", "--since", "0", agent=me)
            watch_kind = self.ok("watch", "--kind", "note", "--since", "0", agent=me)
            export = self.ok("export", agent=me) + self.ok("export", "--format", "markdown",
                                                          agent=me)
            for where, out in (("context", ctx_text), ("context json", ctx_json),
                               ("watch", watch_text), ("watch json", watch_json),
                               ("watch cursor", watch_cursor), ("watch mine", watch_mine),
                               ("watch kind", watch_kind), ("export", export)):
                self.assertNotIn(other, out, "%s sees the other's note in %s" % (me, where))
            self.assertIn(mine, ctx_text)
            self.assertIn(mine, watch_kind)
            self.assertIn("public update", ctx_text)
        # A third agent sees no notes at all.
        self.assertEqual(self.texts(agent="observer"), ["public update"])
        self.assertIn("(none)", self.ok("context", t, agent="observer"))

    def test_notes_mirror_is_per_agent(self):
        self.ok("note", self.t, "A-secret", agent="agent_a")
        self.ok("note", self.t, "B-secret", agent="agent_b")
        notes = os.path.join(self.store, "notes")
        with open(os.path.join(notes, "notes_%s_agent_a.md" % self.t)) as f:
            a = f.read()
        with open(os.path.join(notes, "notes_%s_agent_b.md" % self.t)) as f:
            b = f.read()
        self.assertIn("A-secret", a)
        self.assertNotIn("B-secret", a)
        self.assertIn("B-secret", b)
        self.assertNotIn("A-secret", b)
        for sub in ("contexts", "archives"):
            d = os.path.join(self.store, sub)
            for name in os.listdir(d) if os.path.isdir(d) else []:
                with open(os.path.join(d, name)) as f:
                    self.assertNotIn("secret", f.read())


class TestRequestIds(ChannelCase):
    def test_same_request_id_posts_once(self):
        for _ in range(3):
            self.assertEqual(self.ok("share", self.t, "once", "--request-id", "req-1"),
                             "Shared update for task %s\n" % self.t)
        self.assertEqual(self.texts(), ["once"])
        self.assertEqual(len([e for e in self.events() if e["kind"] == "share"]), 1)

    def test_env_request_id(self):
        env = {"TM_REQUEST_ID": "req-env"}
        self.ok("discover", self.t, "found it", env=env)
        self.ok("discover", self.t, "found it", env=env)
        self.ok("discover", self.t, "found it", "--request-id", "req-env")
        self.assertEqual(self.texts(), ["found it"])

    def test_request_id_scope(self):
        # Distinct ids or agents are distinct posts; no id, no idempotency.
        other = self.add("other task")
        self.ok("share", self.t, "a", "--request-id", "r1")
        self.ok("share", self.t, "b", "--request-id", "r2")
        self.ok("share", self.t, "c", "--request-id", "r1", agent="someone_else")
        self.ok("share", other, "d", "--request-id", "r3")
        self.ok("share", self.t, "e")
        self.ok("share", self.t, "e")
        self.assertEqual(self.texts(), ["a", "b", "c", "e", "e"])
        self.assertEqual([m["text"] for m in self.messages(task=other)], ["d"])

    def test_reuse_for_other_text_or_task_is_refused(self):
        # A request id names one request: reusing it for anything else
        # must be heard about, never dropped silently.
        other = self.add("other task")
        self.ok("share", self.t, "first", "--request-id", "r1")
        for args in (["share", self.t, "second"], ["share", other, "first"],
                     ["note", self.t, "first"]):
            self.assert_refused(5, args + ["--request-id", "r1"], "request id r1 already used")
        self.assertEqual(self.texts(), ["first"])
        self.assertEqual(self.messages(task=other), [])


class TestContext(ChannelCase):
    def test_layout(self):
        t = self.t
        self.ok("join", t, agent="db_specialist")
        self.ok("note", t, "my private thought", agent="db_specialist")
        self.ok("share", t, "Decided on PostgreSQL", agent="db_specialist")
        self.ok("discover", t, "CRITICAL: Need Redis", agent="backend_specialist")
        self.ok("sync", t, "Week 1 checkpoint", agent="orchestrator")
        self.ok("progress", t, "50% done", agent="db_specialist")
        self.ok("note", t, "someone else's note", agent="orchestrator")
        out = self.ok("context", t, agent="db_specialist")
        lines = out.splitlines()
        self.assertEqual(lines[0], "Task: %s" % t)
        self.assertIn("Design database", out)
        self.assertIn("pending", out)
        self.assertIn("Assignee: db_specialist", lines)
        participants = [l for l in lines if l.startswith("Participants:")]
        self.assertEqual(len(participants), 1)
        for who in ("db_specialist", "backend_specialist", "orchestrator"):
            self.assertIn(who, participants[0])
        # The shared timeline in order, then my notes.
        order = ["Decided on PostgreSQL", "CRITICAL: Need Redis", "Week 1 checkpoint",
                 "50% done", "my private thought"]
        pos = [out.index(s) for s in order]
        self.assertEqual(pos, sorted(pos))
        self.assertNotIn("someone else's note", out)
        disc = [l for l in lines if "CRITICAL: Need Redis" in l][0]
        sync = [l for l in lines if "Week 1 checkpoint" in l][0]
        self.assertRegex(disc, "DISCOVER")
        self.assertIn("backend_specialist", disc)
        self.assertIn("SYNC", sync)
        self.assertGreater(out.index("my private thought"), out.index("Shared timeline"))

    def test_since_and_limit(self):
        for i in range(5):
            self.ok("share", self.t, "msg %d" % i)
        msgs = self.messages()
        ids = [m["id"] for m in msgs]
        self.assertEqual(ids, sorted(ids))
        later = self.json("context", self.t, "--since", str(ids[1]))["messages"]
        self.assertEqual([m["text"] for m in later], ["msg 2", "msg 3", "msg 4"])
        newest = self.json("context", self.t, "--limit", "2")["messages"]
        self.assertEqual([m["text"] for m in newest], ["msg 3", "msg 4"])
        out = self.ok("context", self.t, "--since", str(ids[3]))
        self.assertIn("msg 4", out)
        self.assertNotIn("msg 3", out)

    def test_json_shape(self):
        self.ok("share", self.t, "hello", agent="ann")
        ctx = self.json("context", self.t, agent="ann")
        self.assertEqual(ctx["task"]["id"], self.t)
        self.assertEqual(ctx["agent"], "ann")
        self.assertEqual(ctx["participants"], ["ann"])
        m = ctx["messages"][0]
        self.assertEqual(set(m), {"id", "time", "kind", "author", "text"})
        self.assertEqual((m["kind"], m["author"], m["text"]), ("share", "ann", "hello"))


class TestMirror(ChannelCase):
    def path(self, *parts):
        return os.path.join(self.store, *parts)

    def read(self, *parts):
        with open(self.path(*parts), encoding="utf-8") as f:
            return f.read()

    def test_context_notes_archive_files(self):
        t = self.t
        self.ok("share", t, "Decided on PostgreSQL with JSONB", agent="db_specialist")
        self.ok("discover", t, "CRITICAL: Need Redis", agent="db_specialist")
        self.ok("note", t, "Considering NoSQL", agent="db_specialist")
        ctx = self.read("contexts", "context_%s.md" % t)
        self.assertIn("Decided on PostgreSQL with JSONB", ctx)
        self.assertIn("CRITICAL: Need Redis", ctx)
        self.assertNotIn("Considering NoSQL", ctx)
        self.assertIn("Considering NoSQL",
                      self.read("notes", "notes_%s_db_specialist.md" % t))
        self.assertFalse(os.path.exists(self.path("archives", "archive_%s.md" % t)))
        self.ok("complete", t)
        archive = self.read("archives", "archive_%s.md" % t)
        self.assertIn("Design database", archive)
        self.assertIn("completed", archive)
        self.assertIn("Decided on PostgreSQL with JSONB", archive)
        self.assertNotIn("Considering NoSQL", archive)
        self.assertIn("- status: completed", archive)
        # The live context file carries no status, which could go stale when
        # other tasks unblock it; the archive is the snapshot that has one.
        self.assertNotIn("- status:", self.read("contexts", "context_%s.md" % t))
        # Completing archives; it does not remove the live files.
        self.assertTrue(os.path.exists(self.path("contexts", "context_%s.md" % t)))
        self.assertTrue(os.path.exists(self.path("notes", "notes_%s_db_specialist.md" % t)))

    def test_mirror_follows_the_store(self):
        t = self.t
        for text in TRICKY:
            self.ok("share", t, text)
        ctx = self.read("contexts", "context_%s.md" % t)
        for text in TRICKY:
            self.assertIn(text, ctx)
        leftovers = [n for n in os.listdir(self.path("contexts")) if ".tmp" in n]
        self.assertEqual(leftovers, [])

    def test_no_mirror(self):
        for i, how in enumerate(({"args": ["--no-mirror"]}, {"env": {"TM_NO_MIRROR": "1"}})):
            store = os.path.join(self.tmp, "quiet%d" % i)
            args = ["--db", store] + how.get("args", [])
            env = how.get("env")
            tid = self.ok(*args, "add", "quiet", db=False, env=env).strip()
            self.ok(*args, "share", tid, "hello", db=False, env=env)
            self.ok(*args, "note", tid, "private", db=False, env=env)
            self.ok(*args, "complete", tid, db=False, env=env)
            self.assertEqual(sorted(n for n in os.listdir(store) if not n.startswith(".")
                                    and not n.startswith("tasks.db")), [])

    def test_no_mirror_for_other_file_names(self):
        path = os.path.join(self.tmp, "elsewhere", "project.db")
        tid = self.ok("--db", path, "add", "x", db=False).strip()
        self.ok("--db", path, "share", tid, "hello", db=False)
        self.assertEqual(sorted(n for n in os.listdir(os.path.dirname(path))
                                if not n.startswith("project.db") and not n.startswith(".")),
                         [])


if __name__ == "__main__":
    tmtest.main()
