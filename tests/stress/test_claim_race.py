"""Twelve agents work one store the way an agent loop does: `tm claim`, then
`tm complete`, until claim exits 3 (nothing ready). Forty ready tasks plus a
chain and a fan-in that unblock as others complete: every task must be
claimed exactly once, by one agent, and end completed; no store errors."""

import os
import subprocess
import time

import stress_util

AGENTS = 12
READY = 40
PRIORITIES = ("low", "medium", "high", "critical")

# One agent's loop. Stops at the first unexpected exit so that a fault
# cannot spin; at most 200 rounds (there are fewer tasks than that).
WORKER = r"""
tm=$1
i=0
while [ $i -lt 200 ]; do
    i=$((i + 1))
    id=$("$tm" claim); rc=$?
    echo "claim $rc $id"
    [ $rc -eq 3 ] && exit 0
    [ $rc -eq 0 ] || exit 1
    "$tm" complete "$id" >/dev/null; rc=$?
    echo "complete $rc $id"
    [ $rc -eq 0 ] || exit 1
done
exit 2
"""


class ClaimRace(stress_util.StressCase):

    def run_workers(self, agents):
        """Parks one worker loop per agent at the gate, releases them all at
        once, and returns {agent: (exit code, stdout lines, stderr)}."""
        gate_r, gate_w = os.pipe()
        procs = {}
        try:
            for agent in agents:
                out = open(os.path.join(self.tmp, agent + ".out"), "w+b")
                err = open(os.path.join(self.tmp, agent + ".err"), "w+b")
                self.addCleanup(out.close)
                self.addCleanup(err.close)
                p = subprocess.Popen(
                    [stress_util.GATE, str(gate_r), "/bin/sh", "-c", WORKER, "sh",
                     stress_util.TM],
                    env=self.env(agent), cwd=self.tmp, stdin=subprocess.DEVNULL,
                    stdout=out, stderr=err, pass_fds=(gate_r,))
                procs[agent] = (p, out, err)
            os.close(gate_r)
            gate_r = -1
            os.write(gate_w, b"x" * len(procs))
        finally:
            if gate_r >= 0:
                os.close(gate_r)
            os.close(gate_w)
        # A bound so that a deadlock fails the test instead of hanging it.
        deadline = time.monotonic() + stress_util.PROCESS_TIMEOUT
        results = {}
        for agent, (p, out, err) in procs.items():
            try:
                p.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                for q, _, _ in procs.values():
                    q.kill()
                    q.wait()
                raise
            out.seek(0)
            err.seek(0)
            results[agent] = (p.returncode, out.read().decode().splitlines(),
                              err.read().decode("utf-8", "replace"))
        return results

    def test_every_task_claimed_once_and_completed(self):
        ready = [self.add("ready %d" % i, "-p", PRIORITIES[i % 4]) for i in range(READY)]
        # A chain off ready[0], and a fan-in over three ready tasks and the
        # chain's first link: these only become claimable as others complete.
        c1 = self.add("chain 1", "--depends-on", ready[0], "-p", "critical")
        c2 = self.add("chain 2", "--depends-on", c1)
        c3 = self.add("chain 3", "--depends-on", c2, "-p", "low")
        fan = self.add("fan-in", "--depends-on", ",".join(ready[1:4] + [c1]))
        chained = [c1, c2, c3, fan]
        all_ids = set(ready + chained)
        self.assertEqual(len(all_ids), READY + len(chained))
        statuses = {r[0]: r[1] for r in self.sql("SELECT id, status FROM tasks")}
        self.assertEqual({statuses[c] for c in chained}, {3})  # blocked

        agents = ["agent_%02d" % i for i in range(AGENTS)]
        results = self.run_workers(agents)

        claimed_by = {}
        for agent, (rc, lines, err) in sorted(results.items()):
            what = "%s: exit %s, stdout %r, stderr %r" % (agent, rc, lines, err)
            self.assertEqual(rc, 0, what)
            # The only message is the final "nothing ready".
            self.assertEqual(err.count("\n"), 1, what)
            self.assertTrue(err.startswith("tm: error: no ready task"), what)
            self.assertEqual(lines[-1], "claim 3 ", what)
            rounds = lines[:-1]
            self.assertEqual(len(rounds) % 2, 0, what)
            for claim, done in zip(rounds[0::2], rounds[1::2]):
                verb, rc_text, tid = claim.split(" ")
                self.assertEqual((verb, rc_text), ("claim", "0"), what)
                self.assertRegex(tid, stress_util.ID_RE)
                self.assertEqual(done, "complete 0 " + tid, what)
                self.assertNotIn(tid, claimed_by,
                                 "%s claimed by %s and %s" % (tid, claimed_by.get(tid), agent))
                claimed_by[tid] = agent
        self.assertEqual(set(claimed_by), all_ids)

        self.assert_integrity()
        rows = self.sql("SELECT id, status, assignee FROM tasks")
        self.assertEqual(len(rows), len(all_ids))
        for tid, status, assignee in rows:
            self.assertEqual((status, assignee), (2, claimed_by[tid]), tid)  # completed
        starts = self.sql("SELECT task_id, agent FROM events WHERE kind = 'claimed'"
                          " AND from_status = 0 AND to_status = 1 ORDER BY task_id")
        self.assertEqual(sorted(starts), sorted(claimed_by.items()))
        assigned = self.sql("SELECT task_id, subject FROM events WHERE kind = 'claimed'")
        self.assertEqual(sorted(assigned), sorted(claimed_by.items()))
        joined = self.sql("SELECT task_id, agent FROM participants")
        self.assertEqual(sorted(joined), sorted(claimed_by.items()))
        # Each chained task was unblocked exactly once on the way.
        unblocked = self.sql("SELECT task_id FROM events WHERE kind = 'unblocked'")
        self.assertEqual(sorted(r[0] for r in unblocked), sorted(chained))


if __name__ == "__main__":
    stress_util.main()
