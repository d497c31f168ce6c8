"""Helpers for the queue race tests (issue 7): the stress_queue program (its
path comes as the second command-line argument, after stress_gate), a
parked start for many of its processes, and readers for the change feed
and the task list that it dumps through the public API."""

import os
import subprocess
import sys
import time

import stress_util

QUEUE = os.path.join(os.environ.get("TASKORCH_BUILD_ROOT", "build"),
                     "tests", "stress", "stress_queue")


class Event:
    __slots__ = ("id", "kind", "task", "agent", "frm", "to", "assignee", "claim", "forced")

    def __init__(self, line):
        f = line.split("\t")
        self.id, self.kind, self.task, self.agent = int(f[0]), f[1], f[2], f[3]
        self.frm, self.to, self.assignee = f[4], f[5], f[6]
        self.claim, self.forced = int(f[7]), int(f[8])

    def __repr__(self):
        return "#%d %s %s by %s %s->%s assignee=%s claim=%d%s" % (
            self.id, self.kind, self.task, self.agent, self.frm, self.to, self.assignee,
            self.claim, " forced" if self.forced else "")


class QueueCase(stress_util.StressCase):
    """A StressCase that also runs stress_queue."""

    def queue(self, *args, agent=None):
        """Runs stress_queue to the end; returns a Result."""
        p = subprocess.run([QUEUE] + list(args), env=self.env(agent), cwd=self.tmp,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=stress_util.PROCESS_TIMEOUT)
        return stress_util.Result(["stress_queue"] + list(args), p.returncode,
                                  p.stdout.decode("utf-8", "replace"),
                                  p.stderr.decode("utf-8", "replace"))

    def queue_ok(self, *args):
        r = self.queue(*args)
        self.assertEqual((r.rc, r.err), (0, ""), r)
        return r.out

    def setup_queue(self, n, seed):
        """Creates the queue; returns the number of tasks blocked at first."""
        out = self.queue_ok("setup", self.store, str(n), str(seed)).split()
        self.assertEqual(out[:2], ["tasks", str(n)])
        return int(out[3])

    def events(self):
        return [Event(line) for line in self.queue_ok("events", self.store).splitlines()]

    def tasks(self):
        """{id: (status, assignee, claim number, lease expiry, [deps])}"""
        rows = {}
        for line in self.queue_ok("tasks", self.store).splitlines():
            tid, status, assignee, claim, lease, deps = line.split("\t")
            rows[tid] = (status, assignee, int(claim), int(lease),
                         [] if deps == "-" else deps.split(","))
        return rows

    def start_parked(self, argvs, stdout_pipes=()):
        """Parks one process per argv at the gate and releases them all at
        once. Processes whose index is in stdout_pipes write to a pipe (the
        Popen's stdout); the others to a file. Returns (procs, out files)."""
        gate_r, gate_w = os.pipe()
        procs, outs = [], []
        try:
            for i, (argv, agent) in enumerate(argvs):
                err = open(os.path.join(self.tmp, "p%d.err" % i), "w+b")
                self.addCleanup(err.close)
                if i in stdout_pipes:
                    out = subprocess.PIPE
                    outs.append(None)
                else:
                    out = open(os.path.join(self.tmp, "p%d.out" % i), "w+b")
                    self.addCleanup(out.close)
                    outs.append(out)
                p = subprocess.Popen([stress_util.GATE, str(gate_r)] + argv,
                                     env=self.env(agent), cwd=self.tmp,
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                     pass_fds=(gate_r,))
                p.err_file = err
                procs.append(p)
            os.close(gate_r)
            gate_r = -1
            os.write(gate_w, b"x" * len(procs))
        except BaseException:
            for p in procs:
                p.kill()
                p.wait()
            raise
        finally:
            if gate_r >= 0:
                os.close(gate_r)
            os.close(gate_w)
        self.addCleanup(_kill_all, procs)
        return procs, outs

    def wait_all(self, procs):
        """Waits for every process, bounded so that a hang fails the test."""
        deadline = time.monotonic() + stress_util.PROCESS_TIMEOUT
        for p in procs:
            p.wait(timeout=max(1, deadline - time.monotonic()))


def read_file(f):
    f.seek(0)
    return f.read().decode("utf-8", "replace")


def _kill_all(procs):
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
        if p.stdout:
            p.stdout.close()


def main():
    global QUEUE
    if len(sys.argv) > 2 and not sys.argv[2].startswith("-"):
        QUEUE = os.path.abspath(sys.argv.pop(2))
    if not os.access(QUEUE, os.X_OK):
        sys.exit("stress_queue not found at %s (pass its path second)" % QUEUE)
    stress_util.main()
