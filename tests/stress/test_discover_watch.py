"""Thirty `tm discover` processes at once while three agents follow the feed
(issue 3): every watcher prints every discovery exactly once, live.

Each watcher is a `tm watch --follow --format json` of its own agent. Before
the race, the test waits until every watcher has printed a marker posted
after it started, so all three are following live when the discoveries
land. Afterwards an end marker is posted; once a watcher has printed it, it
has printed everything before it, and it is interrupted (Ctrl-C).
"""

import json
import signal
import subprocess
import threading

import stress_util

N = 30
WATCHERS = 3


class Watcher:
    """A running `tm watch --follow` whose JSON lines are collected."""

    def __init__(self, case, agent):
        self.agent = agent
        self.events = []
        self.lines = []
        self.changed = threading.Condition()
        # --timeout bounds the watcher should the test die before stopping it.
        self.proc = subprocess.Popen(
            [stress_util.TM, "watch", "--follow", "--format", "json", "--timeout", "300"],
            env=case.env(agent), cwd=case.tmp, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace")
            with self.changed:
                self.lines.append(line)
                try:
                    self.events.append(json.loads(line))
                except ValueError:
                    pass  # the test compares lines with events and reports it
                self.changed.notify_all()

    def wait_for(self, kind, text):
        """Blocks until an event of this kind and text was printed (or the
        watcher ended); returns whether it was."""
        def seen():
            return any(e.get("kind") == kind and e.get("text") == text for e in self.events)
        with self.changed:
            return self.changed.wait_for(
                lambda: seen() or self.proc.poll() is not None,
                timeout=stress_util.PROCESS_TIMEOUT) and seen()

    def stop(self):
        """Interrupts the watcher; returns (exit code, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(timeout=stress_util.PROCESS_TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.reader.join()
        err = self.proc.stderr.read().decode("utf-8", "replace")
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc, err


class DiscoverWatch(stress_util.StressCase):

    def test_three_watchers_see_thirty_discoveries_once(self):
        task = self.add("incident")
        watchers = []
        try:
            for i in range(WATCHERS):
                watchers.append(Watcher(self, "watcher_%d" % i))
            self.tm_ok("share", task, "start marker")
            for w in watchers:
                self.assertTrue(w.wait_for("share", "start marker"),
                                "%s never printed the start marker: %r" % (w.agent, w.lines))

            results = self.race([(["discover", task, "discovery %d" % i], "finder_%d" % i)
                                 for i in range(N)])
            self.assert_all_ok(results)
            for r in results:
                self.assertEqual(r.out, "Discovery shared for task %s\n" % task, r)

            self.tm_ok("share", task, "end marker")
            for w in watchers:
                self.assertTrue(w.wait_for("share", "end marker"),
                                "%s never printed the end marker: %r" % (w.agent, w.lines))
        finally:
            stopped = [w.stop() for w in watchers]
        self.assertEqual(stopped, [(0, "")] * WATCHERS)

        expected = sorted(("finder_%d" % i, "discovery %d" % i) for i in range(N))
        for w in watchers:
            with self.subTest(watcher=w.agent):
                self.assertEqual(len(w.events), len(w.lines), w.lines)
                ids = [e["id"] for e in w.events]
                self.assertTrue(all(a < b for a, b in zip(ids, ids[1:])),
                                "event ids not strictly increasing: %s" % ids)
                found = [e for e in w.events if e["kind"] == "discover"]
                self.assertEqual(sorted((e["agent"], e["text"]) for e in found), expected)
                self.assertEqual({e["task"] for e in found}, {task})
                # The live watch advanced this agent's cursor past everything.
                self.assertEqual(self.tm_ok("watch", "--format", "json", agent=w.agent), "")
        self.assertEqual(self.sql("SELECT count(*) FROM events WHERE kind = 'discover'"),
                         [(N,)])
        self.assert_integrity()


if __name__ == "__main__":
    stress_util.main()
