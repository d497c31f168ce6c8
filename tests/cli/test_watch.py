"""tm watch: per-agent cursors, filters, formats, and following.

Following is tested without sleeps: a watcher started with --limit stops
after that many events, so a test reads its first (already stored) event to
know it is running, then writes and waits for the next line."""

import json
import re
import subprocess

import tmtest
from tmtest import TmCase

LINE_RE = re.compile(r"^#(\d+) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (\S+) (\*\* )?(\w+)( \*\*)? "
                     r"(\S+): (.*)$")


def parse_lines(out):
    return [json.loads(line) for line in out.splitlines()]


class WatchCase(TmCase):
    def watch(self, *args, agent=None):
        return parse_lines(self.ok("watch", "--format", "json", *args, agent=agent))


class TestCursors(WatchCase):
    def test_each_agent_sees_everything_once(self):
        a = self.add("a")
        self.ok("share", a, "hello")
        first = self.watch(agent="alice")
        self.assertEqual([e["kind"] for e in first], ["created", "joined", "share"])
        self.assertEqual(self.watch(agent="bob"), first)
        self.assertEqual(self.ok("watch", agent="alice"), "")
        self.assertEqual(self.ok("watch", agent="bob"), "")
        self.ok("discover", a, "news", agent="carol")  # joins carol, then discovers
        for agent in ("alice", "bob"):
            new = self.watch(agent=agent)
            self.assertEqual([(e["kind"], e["text"]) for e in new],
                             [("joined", "carol"), ("discover", "news")])
            self.assertEqual(self.watch(agent=agent), [])
        # An agent that never watched sees the feed from its beginning.
        self.assertEqual(len(self.watch(agent="dave")), 5)

    def test_event_ids_increase(self):
        a = self.add("a")
        b = self.add("b", "--depends-on", a)
        self.ok("complete", a)
        ids = [e["id"] for e in self.watch()]
        self.assertEqual(ids, sorted(set(ids)))
        kinds = [e["kind"] for e in self.watch("--since", "0")]
        self.assertEqual(kinds, ["created", "created", "dep_added", "blocked", "status",
                                 "unblocked"])

    def test_since(self):
        a = self.add("a")
        for i in range(4):
            self.ok("share", a, "m%d" % i)
        everything = self.watch("--since", "0")
        cut = everything[2]["id"]
        later = self.watch("--since", str(cut))
        self.assertEqual(later, [e for e in everything if e["id"] > cut])
        # --since is a peek: the cursor has not moved.
        self.assertEqual(self.watch(), everything)
        self.assertEqual(self.watch("--since", "999999"), [])

    def test_filtered_watch_does_not_move_cursor(self):
        a = self.add("a")
        self.ok("share", a, "x")
        self.watch("--kind", "share")
        self.watch("--task", a)
        self.watch("--mine")
        self.assertEqual(len(self.watch()), 3)

    def test_limit(self):
        a = self.add("a")
        for i in range(3):
            self.ok("share", a, "m%d" % i)
        # created, joined, m0, m1, m2: two now, the rest next time.
        self.assertEqual([e["kind"] for e in self.watch("--limit", "2")], ["created", "joined"])
        self.assertEqual([e["text"] for e in self.watch("--limit", "2")], ["m0", "m1"])
        self.assertEqual([e["text"] for e in self.watch()], ["m2"])


class TestFilters(WatchCase):
    def setUp(self):
        super().setUp()
        self.mine = self.add("created by me", agent="me")
        self.assigned = self.add("assigned to me", "--assignee", "me", agent="boss")
        self.joined = self.add("joined by me", agent="boss")
        self.ok("join", self.joined, agent="me")
        self.other = self.add("not mine", agent="boss")
        self.ok("share", self.other, "unrelated share", agent="boss")
        self.ok("progress", self.other, "unrelated progress", agent="boss")
        self.ok("discover", self.other, "everyone hears this", agent="boss")
        self.ok("sync", self.other, "checkpoint for all", agent="boss")
        self.ok("share", self.assigned, "about my task", agent="boss")

    def test_task(self):
        evs = self.watch("--task", self.other[:4])
        self.assertEqual({e["task"] for e in evs}, {self.other})
        self.assertEqual([e["kind"] for e in evs],
                         ["created", "joined", "share", "progress", "discover", "sync"])

    def test_kind(self):
        evs = self.watch("--kind", "discover,sync")
        self.assertEqual([(e["kind"], e["text"]) for e in evs],
                         [("discover", "everyone hears this"), ("sync", "checkpoint for all")])
        evs = self.watch("--kind", "share", "--kind", "created")
        self.assertEqual(sorted({e["kind"] for e in evs}), ["created", "share"])

    def test_mine(self):
        evs = self.watch("--mine", agent="me")
        tasks = {e["task"] for e in evs}
        self.assertEqual(tasks, {self.mine, self.assigned, self.joined, self.other})
        other = [(e["kind"], e["text"]) for e in evs if e["task"] == self.other]
        self.assertEqual(other, [("discover", "everyone hears this"),
                                 ("sync", "checkpoint for all")])
        self.assertIn("about my task", [e["text"] for e in evs])

    def test_json_lines(self):
        for e in self.watch("--since", "0"):
            # The base members always; typed members (issue 7) only when they apply.
            self.assertLessEqual({"id", "time", "kind", "task", "agent", "text"}, set(e))
            self.assertLessEqual(set(e) - {"id", "time", "kind", "task", "agent", "text"},
                                 {"from", "to", "assignee", "claim", "lease_expires", "cause",
                                  "message_id", "forced"})
            self.assertRegex(e["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertIsInstance(e["id"], int)

    def test_text_lines(self):
        self.ok("share", self.other, "two\nlines", agent="boss")
        out = self.ok("watch")
        lines = out.splitlines()
        self.assertEqual(len(lines), len(self.watch("--since", "0")))
        for line in lines:
            m = LINE_RE.match(line)
            self.assertIsNotNone(m, line)
            loud = m.group(5) in ("discover", "sync")
            self.assertEqual(bool(m.group(4)) and bool(m.group(6)), loud, line)
        self.assertIn("** discover **", out)
        self.assertIn("** sync **", out)
        self.assertIn(" share boss: two / lines", out)


class TestFollow(WatchCase):
    def popen(self, *args, agent=None):
        return subprocess.Popen([tmtest.TM, "--db", self.store, "watch"] + list(args),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=self.tmp, env=self.env(agent),
                                text=True)

    def test_non_tty_without_follow_exits(self):
        self.add("a")
        # stdout is a pipe: prints what is new and exits, even with no --timeout.
        code, out, err = self.run_tm("watch", timeout=30)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(len(out.splitlines()), 1)
        code, out, err = self.run_tm("watch", timeout=30)
        self.assertEqual((code, out, err), (0, "", ""))

    def test_follow_timeout_exits(self):
        self.add("a")
        code, out, err = self.run_tm("watch", "--follow", "--timeout", "1", timeout=30)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(len(out.splitlines()), 1)
        code, out, err = self.run_tm("watch", "-F", "--timeout", "0.2", "--format", "json",
                                     timeout=30)
        self.assertEqual((code, out, err), (0, "", ""))

    def test_follow_prints_new_events_live(self):
        a = self.add("a")
        with self.popen("--follow", "--format", "json", "--limit", "3", "--timeout", "20",
                        agent="watcher") as p:
            try:
                first = json.loads(p.stdout.readline())
                self.assertEqual(first["kind"], "created")
                # The watcher is running and has drained the feed: these are new.
                self.ok("share", a, "live one", agent="writer")
                second = json.loads(p.stdout.readline())
                self.ok("discover", a, "live two", agent="writer")
                rest = p.stdout.read()
                self.assertEqual(p.wait(timeout=30), 0)
                self.assertEqual(p.stderr.read(), "")
            finally:
                if p.poll() is None:
                    p.kill()
        kinds = [second["kind"]] + [json.loads(l)["kind"] for l in rest.splitlines()]
        texts = [second["text"]] + [json.loads(l)["text"] for l in rest.splitlines()]
        # The share also joins the writer; --limit 3 stops after two of them.
        self.assertEqual(kinds[:2], ["joined", "share"])
        self.assertEqual(texts[1], "live one")
        # It advanced the watcher's cursor past what it printed.
        self.assertEqual([e["text"] for e in self.watch(agent="watcher")], ["live two"])

    def test_followers_each_see_a_discovery_once(self):
        a = self.add("a")
        watchers = [self.popen("--follow", "--format", "json", "--limit", "2",
                               "--kind", "created,discover", "--timeout", "20",
                               agent="w%d" % i) for i in range(3)]
        try:
            for p in watchers:
                self.assertEqual(json.loads(p.stdout.readline())["kind"], "created")
            self.ok("discover", a, "CRITICAL: found it", agent="finder")
            for p in watchers:
                out = p.stdout.read()
                self.assertEqual(p.wait(timeout=30), 0)
                self.assertEqual([json.loads(l)["text"] for l in out.splitlines()],
                                 ["CRITICAL: found it"])
        finally:
            for p in watchers:
                if p.poll() is None:
                    p.kill()
                p.wait()
                p.stdout.close()
                p.stderr.close()


if __name__ == "__main__":
    tmtest.main()
