"""Private notes stay private while agents write and read concurrently
(issue 3): agent alpha's notes never appear in what bravo or carol reads
through `context`, `watch` or `export` (nor bravo's in alpha's), not even
in reads that run while the notes are being written. The markdown mirror
keeps them apart too. Shared updates, by contrast, reach everyone.
"""

import json
import os

import stress_util

AGENTS = ("alpha", "bravo", "carol")  # carol only reads
NOTES = 12   # per writing agent, spread over the two tasks
SHARES = 4   # per writing agent


def readers(tasks):
    """Every read path of an agent, as tm argument lists."""
    reads = []
    for t in tasks:
        reads += [["context", t], ["context", t, "--format", "json"]]
    reads += [["watch", "--format", "json"],               # moves the cursor
              ["watch", "--since", "0", "--format", "json"],  # a peek at all
              ["watch", "--since", "0"],
              ["export"], ["export", "--format", "markdown"]]
    return reads


class NotePrivacy(stress_util.StressCase):

    def test_notes_never_leak_under_concurrency(self):
        tasks = [self.add("shared work %d" % i) for i in range(2)]
        racers = []
        for agent in AGENTS[:2]:
            for i in range(NOTES):
                racers.append((["note", tasks[i % 2], "%s-secret-%d" % (agent, i)], agent))
            for i in range(SHARES):
                racers.append((["share", tasks[i % 2], "%s-public-%d" % (agent, i)], agent))
        # Every reader of every agent, released among the writers.
        for agent in AGENTS:
            racers += [(args, agent) for args in readers(tasks)]
        results = self.race(racers)
        self.assert_all_ok(results)

        for (args, agent), r in zip(racers, results):
            self.assert_private(agent, r.out, "tm %s as %s" % (" ".join(args), agent))

        # After the race: every read path, for every agent.
        for agent in AGENTS:
            for args in readers(tasks):
                out = self.tm_ok(*args, agent=agent)
                self.assert_private(agent, out, "tm %s as %s" % (" ".join(args), agent))

        # Each author sees all of its own notes and everyone's shares.
        public = {"%s-public-%d" % (a, i) for a in AGENTS[:2] for i in range(SHARES)}
        for agent in AGENTS:
            seen = set()
            for t in tasks:
                ctx = json.loads(self.tm_ok("context", t, "--format", "json", agent=agent))
                seen |= {m["text"] for m in ctx["messages"]}
            own = {"%s-secret-%d" % (agent, i) for i in range(NOTES)} \
                if agent != "carol" else set()
            self.assertEqual(seen, public | own, agent)
            feed = self.json_lines(self.tm_ok("watch", "--since", "0", "--format", "json",
                                              agent=agent))
            self.assertEqual({e["text"] for e in feed if e["kind"] == "note"}, own, agent)

        # The mirror: the shared context files hold no note, and each
        # notes file holds only its own author's notes.
        for t in tasks:
            ctx_file = read(self.store, "contexts", "context_%s.md" % t)
            self.assertNotIn("-secret-", ctx_file)
            for agent in AGENTS[:2]:
                notes = read(self.store, "notes", "notes_%s_%s.md" % (t, agent))
                mine = {"%s-secret-%d" % (agent, i) for i in range(t == tasks[1], NOTES, 2)}
                for text in mine:
                    self.assertIn(text, notes)
                self.assertEqual(notes.count("-secret-"), len(mine), notes)
        self.assert_integrity()

    def assert_private(self, agent, out, what):
        for other in AGENTS[:2]:
            if other != agent:
                self.assertNotIn("%s-secret" % other, out, what)


def read(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as f:
        return f.read()


if __name__ == "__main__":
    stress_util.main()
