"""The work queue under real racing processes (issue 7), through the C API.

QueueDrain: 16 worker processes, each looping claim -> complete (the
crash-safe loop of stress_queue: claim with a wait, complete under the claim
number) until a queue of 4,000 tasks is empty; a quarter of the tasks depend
on one to three others and become ready during the run. Every task must be
completed exactly once, claimed exactly once (from the event log: one
`claimed` event per task, then one status change to completed by the same
agent under the same claim number), and no worker may see an error.

QueueCrash: the same with 1 s leases, and half of the workers killed with
SIGKILL at random moments while they hold a task (right after they report a
claim, during their hold). Two more are frozen with SIGSTOP while holding one
and thawed at the end: their completion must be refused (their claim was
superseded after the lease ran out). The survivors finish everything once
the leases expire. From the event log: each task's claims have growing
numbers; between two claims of a task the earlier holder's lease is recorded
as `expired` (naming that holder and claim); the task is completed by the
holder of its latest claim, under that claim's number."""

import collections
import os
import random
import signal
import threading

import queue_util
import stress_util

TASKS = 4000
WORKERS = 16


def parse_lines(text):
    """A worker's report: [(verb, task, claim, rest...)]."""
    rows = []
    for line in text.splitlines():
        f = line.split()
        rows.append((f[0], f[1], int(f[2])) + tuple(f[3:]))
    return rows


class QueueChecks(queue_util.QueueCase):

    def worker_argv(self, agent, lease_ms, hold_ms, seed):
        return [queue_util.QUEUE, "worker", self.store, agent, str(lease_ms), str(hold_ms),
                str(seed)]

    def by_task(self, events):
        per = collections.defaultdict(list)
        for e in events:
            if e.task != "-":
                per[e.task].append(e)
        return per

    def check_every_task_completed(self, tasks):
        self.assertEqual(len(tasks), TASKS)
        not_done = {t: row for t, row in tasks.items() if row[0] != "completed"}
        self.assertEqual(not_done, {})

    def check_claims(self, events, tasks, workers_reports):
        """The common event-log checks. Returns {task: [claimed events]}."""
        per = self.by_task(events)
        claims = {}
        for tid in tasks:
            evs = per[tid]
            claimed = [e for e in evs if e.kind == "claimed"]
            done = [e for e in evs if e.kind == "status" and e.to == "completed"]
            self.assertTrue(claimed, "%s never claimed: %r" % (tid, evs))
            self.assertEqual(len(done), 1, "%s completed %d times: %r" % (tid, len(done), evs))
            for c in claimed:
                self.assertEqual((c.frm, c.to, c.agent), ("pending", "in_progress", c.assignee),
                                 c)
                self.assertGreater(c.claim, 0, c)
            numbers = [c.claim for c in claimed]
            self.assertEqual(numbers, sorted(set(numbers)),
                             "%s: claim numbers do not grow: %r" % (tid, claimed))
            # Completed by the holder of the latest claim before it, under
            # that claim's number; no claim after the completion.
            last = [c for c in claimed if c.id < done[0].id]
            self.assertEqual(len(last), len(claimed), "%s claimed after completion: %r"
                             % (tid, evs))
            self.assertEqual((done[0].agent, done[0].claim), (last[-1].assignee, last[-1].claim),
                             "%s completed by a holder whose claim was superseded: %r"
                             % (tid, evs))
            self.assertEqual(done[0].forced, 0, done[0])
            claims[tid] = claimed
        # Claim numbers are never reused across the store.
        all_numbers = [e.claim for e in events if e.kind == "claimed"]
        self.assertEqual(len(all_numbers), len(set(all_numbers)), "a claim number reused")
        # What the workers reported matches the log: each "completed ID N"
        # line is the task's completion under claim N.
        completed_by = {}
        for agent, rows in workers_reports.items():
            for row in rows:
                if row[0] == "completed":
                    self.assertNotIn(row[1], completed_by, "%s completed by %s and %s" % (
                        row[1], completed_by.get(row[1]), agent))
                    completed_by[row[1]] = (agent, row[2])
        for tid, (agent, number) in completed_by.items():
            self.assertEqual((claims[tid][-1].assignee, claims[tid][-1].claim),
                             (agent, number), tid)
        return claims


class QueueDrain(QueueChecks):

    def test_sixteen_workers_drain_four_thousand_tasks(self):
        blocked = self.setup_queue(TASKS, 7)
        self.assertGreater(blocked, 500)  # a real mix: these unblock during the run
        agents = ["worker-%02d" % i for i in range(WORKERS)]
        procs, outs = self.start_parked(
            [(self.worker_argv(a, 0, 0, 1000 + i), a) for i, a in enumerate(agents)])
        self.wait_all(procs)
        reports = {}
        for agent, p, out in zip(agents, procs, outs):
            err = queue_util.read_file(p.err_file)
            text = queue_util.read_file(out)
            self.assertEqual((p.returncode, err), (0, ""), "%s: %s" % (agent, text[-2000:]))
            reports[agent] = parse_lines(text)
            # Every claim is followed by its completion; nothing refused.
            rows = reports[agent]
            self.assertEqual(len(rows) % 2, 0, agent)
            for c, d in zip(rows[0::2], rows[1::2]):
                self.assertEqual((c[0], d[0], c[1], c[2]), ("claimed", "completed", d[1], d[2]))
        # Every worker got work: the race was real.
        self.assertTrue(all(reports.values()), {a: len(r) for a, r in reports.items()})

        tasks = self.tasks()
        self.check_every_task_completed(tasks)
        events = self.events()
        claims = self.check_claims(events, tasks, reports)
        # Exactly one claim per task, nothing expired or released.
        twice = {t: c for t, c in claims.items() if len(c) != 1}
        self.assertEqual(twice, {})
        self.assertEqual([e for e in events if e.kind in ("expired", "released")], [])
        reported = sum(len(r) for r in reports.values()) // 2
        self.assertEqual(reported, TASKS)
        self.assert_integrity()
        print("drain: %d tasks (%d blocked at first), %d workers, claims per worker %s"
              % (TASKS, blocked, WORKERS, sorted(len(r) // 2 for r in reports.values())))


class QueueCrash(QueueChecks):

    LEASE_MS = 1000
    VICTIMS = 8   # SIGKILL while holding a task
    FROZEN = 2    # SIGSTOP while holding a task, SIGCONT at the end

    def test_killed_holders_lose_their_tasks_to_survivors(self):
        self.setup_queue(TASKS, 11)
        rng = random.Random(11)
        n_surv = WORKERS - self.VICTIMS - self.FROZEN
        roles = ["survivor"] * n_surv + ["victim"] * self.VICTIMS + ["frozen"] * self.FROZEN
        agents = ["%s-%02d" % (r, i) for i, r in enumerate(roles)]
        # Victims and frozen workers hold each task 5-40 ms, so that a
        # signal sent right after they report a claim lands while they hold.
        argvs = [(self.worker_argv(a, self.LEASE_MS, 0 if r == "survivor" else 40, 2000 + i), a)
                 for i, (a, r) in enumerate(zip(agents, roles))]
        watched = {i for i, r in enumerate(roles) if r != "survivor"}
        procs, outs = self.start_parked(argvs, stdout_pipes=watched)

        # One reader per victim: after a random number of claims (1-60,
        # spread over the run), signal it while it
        # holds the task it just reported.
        lines = {i: [] for i in watched}
        held = {}
        afters = {i: rng.randint(1, 60) for i in sorted(watched)}

        def follow(i):
            p = procs[i]
            after = afters[i]
            sig = signal.SIGKILL if roles[i] == "victim" else signal.SIGSTOP
            claims = 0
            for raw in p.stdout:
                line = raw.decode().strip()
                lines[i].append(line)
                if line.startswith("claimed ") and i not in held:
                    claims += 1
                    if claims == after:
                        os.kill(p.pid, sig)
                        held[i] = line.split()[1:]
                        if sig == signal.SIGSTOP:
                            return  # the rest is read after SIGCONT
        readers = [threading.Thread(target=follow, args=(i,), daemon=True) for i in watched]
        for t in readers:
            t.start()

        survivors = [p for p, r in zip(procs, roles) if r == "survivor"]
        self.wait_all(survivors)
        for t in readers:
            t.join(timeout=stress_util.PROCESS_TIMEOUT)
            self.assertFalse(t.is_alive())
        # Every watched worker was signalled while holding (none ran out of
        # work first: 60 claims is well under its share)...
        self.assertEqual(set(held), watched, lines)
        for i in watched:
            if roles[i] == "victim":
                procs[i].wait(timeout=stress_util.PROCESS_TIMEOUT)
                self.assertEqual(procs[i].returncode, -signal.SIGKILL)
        # ...and the survivors finished: every task is completed, including
        # those the frozen workers hold on to.
        tasks = self.tasks()
        self.check_every_task_completed(tasks)

        # Thaw the frozen workers: their completion is refused, nothing more
        # is claimable, they stop cleanly.
        for i in watched:
            if roles[i] == "frozen":
                os.kill(procs[i].pid, signal.SIGCONT)
                out, _ = procs[i].communicate(timeout=stress_util.PROCESS_TIMEOUT)
                lines[i] += out.decode().splitlines()
                err = queue_util.read_file(procs[i].err_file)
                self.assertEqual((procs[i].returncode, err), (0, ""), lines[i][-5:])
                tid, number = held[i]
                self.assertEqual(lines[i][-1], "refused %s %s ECONFLICT" % (tid, number),
                                 lines[i][-5:])

        reports = {}
        for i, (agent, p) in enumerate(zip(agents, procs)):
            if i in watched:
                reports[agent] = parse_lines("\n".join(lines[i]))
            else:
                err = queue_util.read_file(p.err_file)
                self.assertEqual((p.returncode, err), (0, ""), agent)
                reports[agent] = parse_lines(queue_util.read_file(outs[i]))
        tasks = self.tasks()
        self.check_every_task_completed(tasks)
        events = self.events()
        claims = self.check_claims(events, tasks, reports)

        per = self.by_task(events)
        expired_total = 0
        for tid, evs in per.items():
            # Between two claims of a task, exactly one "expired" event ends
            # the earlier holder's claim (nobody here releases); none
            # otherwise.
            seq = [e for e in evs if e.kind in ("claimed", "expired", "released")]
            self.assertNotIn("released", [e.kind for e in seq], tid)
            for a, b in zip(seq, seq[1:]):
                self.assertNotEqual(a.kind, b.kind, "%s: %r" % (tid, seq))
            for e_prev, e in zip(seq, seq[1:]):
                if e.kind == "expired":
                    self.assertEqual((e.assignee, e.claim), (e_prev.assignee, e_prev.claim),
                                     "%s: expired names another holder: %r" % (tid, seq))
                    self.assertEqual((e.frm, e.to), ("in_progress", "pending"), e)
            self.assertEqual(seq[-1].kind, "claimed", "%s: %r" % (tid, seq))
            expired_total += sum(e.kind == "expired" for e in seq)
        # Each signalled worker's task was taken over after its lease ran
        # out (unless it completed just before the signal landed).
        taken_over = 0
        for i, (tid, number) in held.items():
            agent = agents[i]
            mine = [c for c in claims[tid] if c.claim == int(number)]
            self.assertEqual([c.assignee for c in mine], [agent], tid)
            if claims[tid][-1].assignee != agent:
                taken_over += 1
                self.assertIn(("expired", agent, int(number)),
                              [(e.kind, e.assignee, e.claim) for e in per[tid]])
        for i in watched:
            if roles[i] == "frozen":
                tid, number = held[i]
                self.assertNotEqual(claims[tid][-1].assignee, agents[i], tid)
        self.assertGreaterEqual(taken_over, self.FROZEN)
        reclaims = sum(len(c) - 1 for c in claims.values())
        self.assertEqual(reclaims, expired_total)
        # A survivor's own completion may be refused too (if its lease ran
        # out under load before it completed); each refusal must then be of
        # a superseded claim.
        for agent, rows in reports.items():
            for row in rows:
                if row[0] == "refused":
                    self.assertGreater(claims[row[1]][-1].claim, row[2], (agent, row))
        self.assert_integrity()
        print("crash: %d tasks, %d survivors, %d killed, %d frozen; %d leases expired, "
              "%d tasks taken over from signalled holders"
              % (TASKS, n_surv, self.VICTIMS, self.FROZEN, expired_total, taken_over))


if __name__ == "__main__":
    queue_util.main()
