"""Crash safety (hardening issue): 8 writers keep adding tasks with
dependencies, sharing, completing, claiming and adding edges while their
tm processes are killed with SIGKILL at random moments. Afterwards:

- PRAGMA integrity_check is ok;
- every write a writer saw succeed (logged only after tm returned 0) is in
  the store;
- the dependency invariants hold: no task is blocked (automatically) once
  its dependencies are all completed, and no task is pending while one is
  unfinished;
- no task is completed without the event that records it;
- the mirror converges: `tm doctor --fix` repairs what the kills left
  (stale or missing files, temporary files), and `tm doctor` is then clean.

CRASH_SECONDS sets how long the writers run (default 20)."""

import os
import random
import signal
import subprocess
import time

import stress_util

WRITERS = 8
SECONDS = float(os.environ.get("CRASH_SECONDS", "20"))
KILL_RATE = 0.3  # share of tm processes that get killed


class Writer:
    """One writer's loop, run in the test process: starts tm commands,
    kills some of them at a random moment, and logs those that returned 0."""

    def __init__(self, case, n):
        self.case, self.n = case, n
        self.agent = "writer%d" % n
        self.rng = random.Random(n)
        self.done = []  # (op, args, stdout) of writes that returned 0
        self.mine = []  # ids of tasks this writer made
        self.kills = 0
        self.proc = None
        self.args = None

    def pick(self):
        pool = self.mine or self.case.seed
        return self.rng.choice(pool)

    def next_command(self):
        r = self.rng.random()
        k = len(self.done)
        if r < 0.35 or not self.mine:
            deps = self.rng.sample(self.mine, min(len(self.mine), self.rng.randint(0, 2)))
            args = ["add", "%s task %d" % (self.agent, k)]
            for d in deps:
                args += ["--depends-on", d]
            return "add", args
        if r < 0.55:
            return "share", ["share", self.pick(), "%s says %d" % (self.agent, k)]
        if r < 0.7:
            return "complete", ["complete", self.pick()]
        if r < 0.85:
            return "claim", ["claim"]
        a, b = self.rng.sample(self.mine, 2) if len(self.mine) > 1 else (self.pick(), self.pick())
        return "dep", ["dep", "add", a, b]

    def step(self):
        """Advances this writer: reaps or kills its running tm, or starts one."""
        if self.proc is None:
            self.op, self.args = self.next_command()
            self.proc = subprocess.Popen([stress_util.TM] + self.args,
                                         env=self.case.env(self.agent),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, cwd=self.case.tmp)
            self.kill_at = (time.monotonic() + self.rng.uniform(0, 0.004)
                            if self.rng.random() < KILL_RATE else None)
            return
        if self.kill_at is not None and time.monotonic() >= self.kill_at:
            self.proc.send_signal(signal.SIGKILL)
            self.kill_at = None
            self.kills += 1
        if self.proc.poll() is None:
            return
        out, _ = self.proc.communicate()
        if self.proc.returncode == 0:
            out = out.decode()
            self.done.append((self.op, self.args, out))
            if self.op == "add":
                self.mine.append(out.strip())
        self.proc = None

    def finish(self):
        if self.proc is not None:
            self.proc.wait()
            self.step()


class CrashSafety(stress_util.StressCase):

    def test_sigkill_during_writes_loses_nothing_reported(self):
        self.seed = [self.add("seed %d" % i) for i in range(4)]
        writers = [Writer(self, n) for n in range(WRITERS)]
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            for w in writers:
                w.step()
            time.sleep(0.0005)
        for w in writers:
            w.finish()
        kills = sum(w.kills for w in writers)
        self.assertGreater(kills, 0)

        # The WAL stays between commands: a new tm process, the first to
        # open the store after the kills, rebuilds its index from the WAL
        # and sees every task a writer was told was added.
        self.assertTrue(os.path.exists(self.dbfile + "-wal"))
        added = {out.strip() for w in writers for op, _, out in w.done if op == "add"}
        listed = self.tm("list", "--format", "simple")
        self.assertEqual(listed.rc, 0, listed)
        self.assertEqual(added - {line.split()[0] for line in listed.out.splitlines()
                                  if line.strip()}, set())

        self.assertEqual(self.sql("PRAGMA integrity_check"), [("ok",)])
        tasks = dict(self.sql("SELECT id, status FROM tasks"))
        edges = set(self.sql("SELECT task_id, dep_id FROM deps"))
        texts = {t for (t,) in self.sql("SELECT text FROM messages")}
        for w in writers:
            for op, args, out in w.done:
                if op == "add":
                    self.assertIn(out.strip(), tasks, args)
                elif op == "share":
                    self.assertIn(args[2], texts, args)
                elif op == "complete":
                    self.assertEqual(tasks[args[1]], 2, args)  # nothing reopens tasks
                elif op == "dep":
                    self.assertIn((args[2], args[3]), edges, args)
                elif op == "claim":
                    self.assertIn(out.strip(), tasks, args)

        stuck = self.sql("SELECT id FROM tasks t WHERE status = 3 AND manual_block = 0"
                         " AND NOT EXISTS (SELECT 1 FROM deps d JOIN tasks p ON p.id = d.dep_id"
                         "  WHERE d.task_id = t.id AND p.status != 2)")
        self.assertEqual(stuck, [], "blocked although every dependency is completed")
        early = self.sql("SELECT id FROM tasks t WHERE status = 0"
                         " AND EXISTS (SELECT 1 FROM deps d JOIN tasks p ON p.id = d.dep_id"
                         "  WHERE d.task_id = t.id AND p.status != 2)")
        self.assertEqual(early, [], "pending although a dependency is unfinished")
        silent = self.sql("SELECT id FROM tasks t WHERE status = 2 AND NOT EXISTS"
                          " (SELECT 1 FROM events e WHERE e.task_id = t.id"
                          "  AND e.kind = 'status' AND e.to_status = 2)")
        self.assertEqual(silent, [], "completed without its event")

        fix = self.tm("doctor", "--fix")
        self.assertIn(fix.rc, (0, 1), fix)
        check = self.tm("doctor")
        self.assertEqual((check.rc, check.out), (0, ""), check)
        leftovers = [n for root, _, names in os.walk(self.store) for n in names
                     if ".tmp." in n]
        self.assertEqual(leftovers, [])
        print("writes done: %d, processes killed: %d" % (
            sum(len(w.done) for w in writers), kills))


if __name__ == "__main__":
    stress_util.main()
