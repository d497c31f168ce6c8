#!/usr/bin/python3
"""Benchmark: how fast a following `tm watch` sees new events, what it costs
while idle, and how many `tm share` posts per second 8 concurrent writers
get through.

- Delivery latency: a `tm watch --follow --format json` runs; for each of
  N events a `tm share` process is run, and the latency is the time from
  that process being reaped to the watcher's JSON line for it being read
  (0 when the line arrived before the process was reaped). A random pause
  of up to 20 ms before each post spreads the posts over the watcher's
  polling phase. Median, 99th percentile and maximum are reported.
- Idle CPU: the watcher's utime + stime from /proc/PID/stat (clock ticks)
  over a quiet interval, as a percentage of one core; also the finer
  on-CPU time from /proc/PID/schedstat when the kernel provides it.
- Throughput: W writer threads each run M `tm share` processes one after
  the other (distinct agent ids) on one task; messages per second of wall
  time, with the mirror off, off with the watcher following (which must
  then print every one of those events), and on.

usage: bench_watch.py [--tm PATH] [--events 200] [--idle-seconds 10]
                      [--writers 8] [--per-writer 50]
Targets (issue 3, issue 11): median latency under 50 ms; idle CPU under 0.1% of a
core (measure it with --idle-seconds 60)."""

import argparse
import json
import os
import queue
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

LATENCY_TARGET_MS = 50.0
IDLE_TARGET_PCT = 0.1  # issue 11: watchers sleep (inotify)


def run_tm(tm, env, args):
    """Runs tm to completion (stdout discarded); returns the monotonic time
    at which it was reaped. Raises on a non-zero exit."""
    pid = os.posix_spawn(tm, [tm] + args, env,
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
    _, status = os.waitpid(pid, 0)
    reaped = time.perf_counter()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise benchlib.CommandFailed("exit %d: tm %s" % (code, " ".join(args)))
    return reaped


class Watcher:
    """A running `tm watch --follow --format json`; a thread reads its
    lines and stamps each with the time it was read."""

    def __init__(self, tm, store, env):
        self.proc = subprocess.Popen(
            [tm, "--db", store, "--no-mirror", "watch", "--follow", "--format", "json"],
            env=env, stdout=subprocess.PIPE, bufsize=0)
        self.lines = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put((time.perf_counter(), json.loads(line)))
        self.lines.put((time.perf_counter(), None))

    def wait_for(self, pred, timeout=10.0):
        """Returns (time read, event) of the first event matching pred,
        discarding others. Raises if none comes in time."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                stamp, ev = self.lines.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise SystemExit("watcher printed no matching event within %.0f s" % timeout)
            if ev is None:
                raise SystemExit("watcher exited early (code %s)" % self.proc.poll())
            if pred(ev):
                return stamp, ev

    def cpu(self):
        """(utime + stime in seconds from /proc/PID/stat, on-CPU seconds
        from /proc/PID/schedstat or None)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        stat_s = ticks / os.sysconf("SC_CLK_TCK")
        try:
            with open("/proc/%d/schedstat" % self.proc.pid) as f:
                sched_s = int(f.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            sched_s = None
        return stat_s, sched_s

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.thread.join(timeout=10)


def measure_latency(tm, store, env, watcher, task, n, rng):
    latencies = []
    for k in range(n):
        time.sleep(rng.uniform(0, 0.020))
        text = "latency probe %d" % k
        reaped = run_tm(tm, env, ["--db", store, "--no-mirror", "share", task, text])
        seen, _ = watcher.wait_for(lambda ev: ev["kind"] == "share" and ev["text"] == text)
        latencies.append(max(0.0, seen - reaped))
    return latencies


def measure_idle(watcher, seconds):
    time.sleep(min(1.0, seconds))  # let the last drain finish
    t0 = time.perf_counter()
    stat0, sched0 = watcher.cpu()
    time.sleep(seconds)
    stat1, sched1 = watcher.cpu()
    wall = time.perf_counter() - t0
    sched = None if sched0 is None or sched1 is None else (sched1 - sched0) / wall * 100
    return (stat1 - stat0) / wall * 100, sched, wall


def measure_throughput(tm, store, task, writers, per_writer, label, mirror):
    """Returns (messages, seconds). Every post must succeed."""
    errors = []
    barrier = threading.Barrier(writers + 1)

    def writer(w):
        env = benchlib.tm_env("writer-%d" % w)
        args = ["--db", store] + ([] if mirror else ["--no-mirror"])
        barrier.wait()
        try:
            for i in range(per_writer):
                run_tm(tm, env, args + ["share", task, "%s %d.%d" % (label, w, i)])
        except Exception as e:  # reported after the join
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    secs = time.perf_counter() - t0
    if errors:
        raise SystemExit("a writer failed: %s" % errors[0])
    con = sqlite3.connect(os.path.join(store, "tasks.db"), isolation_level=None)
    try:
        stored = con.execute("SELECT count(*) FROM messages WHERE text LIKE ?",
                             (label + " %",)).fetchone()[0]
    finally:
        con.close()
    if stored != writers * per_writer:
        raise SystemExit("%s: %d messages stored, %d posted" % (label, stored, writers * per_writer))
    return stored, secs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tm", default=os.environ.get("TM"), help="tm binary (default: $TM)")
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--idle-seconds", type=float, default=10.0)
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--per-writer", type=int, default=50)
    args = ap.parse_args()
    if not args.tm:
        ap.error("give --tm or set TM")
    tm = os.path.abspath(args.tm)
    rng = random.Random(3)
    workdir = tempfile.mkdtemp(prefix="tm-bench-watch-")
    store = os.path.join(workdir, "store")
    lead = benchlib.tm_env("lead")
    watcher = None
    missed = []
    try:
        task = subprocess.run([tm, "--db", store, "--no-mirror", "add", "Watch benchmark"],
                              env=lead, check=True, capture_output=True,
                              text=True).stdout.strip()
        rows = []
        n, secs = measure_throughput(tm, store, task, args.writers, args.per_writer,
                                     "plain", False)
        rows.append(["mirror off", n, "%.2f" % secs, "%.0f" % (n / secs)])

        watcher = Watcher(tm, store, benchlib.tm_env("watcher"))
        watcher.wait_for(lambda ev: ev["kind"] == "created")
        lat = measure_latency(tm, store, lead, watcher, task, args.events, rng)
        idle_stat, idle_sched, idle_wall = measure_idle(watcher, args.idle_seconds)

        n, secs = measure_throughput(tm, store, task, args.writers, args.per_writer,
                                     "watched", False)
        # The watcher must deliver every one of those posts.
        seen = 0
        while seen < n:
            watcher.wait_for(lambda ev: ev["kind"] == "share" and ev["text"].startswith("watched "))
            seen += 1
        rows.append(["mirror off, 1 watcher following", n, "%.2f" % secs, "%.0f" % (n / secs)])
        n, secs = measure_throughput(tm, store, task, args.writers, args.per_writer,
                                     "mirrored", True)
        rows.append(["mirror on", n, "%.2f" % secs, "%.0f" % (n / secs)])

        med = benchlib.median(lat) * 1e3
        ok = med < LATENCY_TARGET_MS
        if not ok:
            missed.append("median latency %.1f ms" % med)
        benchlib.print_table(
            "Delivery latency, tm share reaped -> tm watch line read (%d events)" % len(lat),
            ["measure", "ms", "target"],
            [["median", "%.2f" % med, "%s (< %d ms)" % ("met" if ok else "MISSED",
                                                       LATENCY_TARGET_MS)],
             ["p99", "%.2f" % (benchlib.percentile(lat, 99) * 1e3), "-"],
             ["max", "%.2f" % (max(lat) * 1e3), "-"]])

        ok = idle_stat < IDLE_TARGET_PCT
        if not ok:
            missed.append("idle CPU %.2f%%" % idle_stat)
        idle_rows = [["utime+stime (/proc/PID/stat)", "%.2f" % idle_stat,
                      "%s (< %g%%)" % ("met" if ok else "MISSED", IDLE_TARGET_PCT)]]
        if idle_sched is not None:
            idle_rows.append(["on-CPU time (/proc/PID/schedstat)", "%.3f" % idle_sched, "-"])
        benchlib.print_table("Idle CPU of a following watcher over %.1f s" % idle_wall,
                             ["measure", "% of one core", "target"], idle_rows)

        benchlib.print_table(
            "tm share throughput, %d concurrent writers x %d posts each"
            % (args.writers, args.per_writer),
            ["setup", "messages", "seconds", "messages/s"], rows)
    finally:
        if watcher:
            watcher.stop()
        benchlib.remove_tree(workdir)
    print("targets missed: " + "; ".join(missed) if missed else "targets: all met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
