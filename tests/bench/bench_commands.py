#!/usr/bin/python3
"""Benchmark: wall time and peak memory of single tm commands.

For each store size it builds a store with gen_store (through libtaskorch,
so it holds what tm itself would have written: about two dependency edges
per task, half the tasks completed, the rest pending or blocked), then runs
each command many times as a fresh process and prints, per command, the
median and 90th percentile wall time, the ratio of the median to the
median of `tm --version` (the process floor: exec, dynamic linking, exit),
and the peak resident memory. Commands are interleaved round-robin, so
drift in machine load affects all of them alike; compare ratios within one
run rather than absolute times across runs.

usage: bench_commands.py --gen PATH --runcmd PATH [--tm PATH]
                         [--sizes 1000,100000] [--iterations N]
Targets (issue 2): median within 3x the floor at 1,000 tasks and 5x at
100,000; peak RSS under 16 MiB."""

import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

RSS_TARGET_KIB = 16 * 1024
HEADER = ["command", "n", "median ms", "p90 ms", "x floor", "peak RSS MiB", "target"]
FLOOR = "tm --version"
TARGETED = ["tm add", "tm list --limit 20", "tm show ID", "tm complete ID",
            "tm ready --limit 10"]


def build_store(gen, size, dest):
    """Builds the store on a RAM disk when possible (no fsync cost), then
    copies it to dest, an ordinary directory, where it is measured."""
    scratch = benchlib.scratch_dir("tm-bench-gen-")
    try:
        res = subprocess.run([gen, scratch, str(size)], check=True,
                             capture_output=True, text=True)
        os.makedirs(dest, exist_ok=True)
        shutil.copyfile(os.path.join(scratch, "tasks.db"), os.path.join(dest, "tasks.db"))
    finally:
        benchlib.remove_tree(scratch)
    return res.stdout.strip()


def check_store(db):
    """Asserts the generated store keeps the status invariants (blocked
    exactly when a dependency is unfinished) and returns its counts."""
    con = sqlite3.connect(db, isolation_level=None)
    try:
        bad = con.execute(
            "SELECT count(*) FROM tasks t WHERE t.manual_block = 0 AND t.status IN (0, 2, 3)"
            " AND ((t.status = 3) != EXISTS (SELECT 1 FROM deps d JOIN tasks p"
            "   ON p.id = d.dep_id WHERE d.task_id = t.id AND p.status != 2)"
            "  OR (t.status = 2 AND EXISTS (SELECT 1 FROM deps d JOIN tasks p"
            "   ON p.id = d.dep_id WHERE d.task_id = t.id AND p.status != 2)))").fetchone()[0]
        if bad:
            raise SystemExit("generated store breaks the status invariants in %d tasks" % bad)
        tasks = con.execute("SELECT count(*) FROM tasks").fetchone()[0]
        edges = con.execute("SELECT count(*) FROM deps").fetchone()[0]
        ids = [r[0] for r in con.execute("SELECT id FROM tasks")]
        recent = [r[0] for r in con.execute(
            "SELECT id FROM tasks ORDER BY created_at DESC, rowid DESC LIMIT 200")]
    finally:
        con.close()
    return tasks, edges, ids, recent


class PendingPool:
    """Hands out pending generated tasks, each once, for `tm complete`.
    Queried between timed runs; refilled from the store as completions
    unblock more tasks and adds create new ones."""

    def __init__(self, db, rng):
        self.db, self.rng, self.ids, self.used = db, rng, [], set()

    def take(self):
        if not self.ids:
            con = sqlite3.connect(self.db, isolation_level=None)
            try:
                rows = con.execute("SELECT id, created_by = 'generator' FROM tasks"
                                   " WHERE status = 0").fetchall()
            finally:
                con.close()
            fresh = [(tid, gen) for tid, gen in rows if tid not in self.used]
            mine = [tid for tid, gen in fresh if not gen]
            generated = [tid for tid, gen in fresh if gen]
            self.rng.shuffle(mine)
            self.rng.shuffle(generated)
            # pop() takes from the end: generated tasks first, as they have
            # dependents to re-evaluate, like real work.
            self.ids = mine + generated
            if not self.ids:
                raise SystemExit("no pending task left to complete")
        tid = self.ids.pop()
        self.used.add(tid)
        return tid


def measure(runcmd, commands, iterations, env):
    """Runs each command iterations times, round-robin. Returns
    {label: (times, rss)}."""
    results = {label: ([], []) for label, _ in commands}
    for i in range(iterations):
        for label, argv_of in commands:
            secs, rss = benchlib.run_once(runcmd, argv_of(i), env)
            results[label][0].append(secs)
            results[label][1].append(rss)
    return results


def rows_for(results, limit_ratio, missed):
    floor = benchlib.median(results[FLOOR][0])
    rows = []
    for label, (times, rss) in results.items():
        med = benchlib.median(times)
        ratio = med / floor
        peak = max(rss)
        verdict = []
        if label in TARGETED:
            ok = ratio <= limit_ratio
            verdict.append("%s (<= %dx)" % ("met" if ok else "MISSED", limit_ratio))
            if not ok:
                missed.append("%s: %.1fx floor (target %dx)" % (label, ratio, limit_ratio))
        if peak >= RSS_TARGET_KIB:
            verdict.append("RSS MISSED")
            missed.append("%s: peak RSS %.1f MiB" % (label, peak / 1024))
        rows.append([label, len(times), "%.2f" % (med * 1e3),
                     "%.2f" % (benchlib.percentile(times, 90) * 1e3), "%.2f" % ratio,
                     "%.1f" % (peak / 1024), "; ".join(verdict) or "-"])
    return rows


def bench_size(runcmd, tm, gen, size, iterations, env, workdir, missed):
    store = os.path.join(workdir, "store-%d" % size)
    built = build_store(gen, size, store)
    db = os.path.join(store, "tasks.db")
    tasks, edges, ids, recent = check_store(db)
    rng = random.Random(size)
    shows = [rng.choice(ids) for _ in range(iterations)]
    pool = PendingPool(db, rng)
    base = [tm, "--db", store, "--no-mirror"]
    commands = [
        (FLOOR, lambda i: [tm, "--version"]),
        ("tm add", lambda i: base + ["add", "Benchmark add %d" % i]),
        ("tm list --limit 20", lambda i: base + ["list", "--limit", "20"]),
        ("tm show ID", lambda i: base + ["show", shows[i]]),
        ("tm complete ID", lambda i: base + ["complete", pool.take()]),
        ("tm ready --limit 10", lambda i: base + ["ready", "--limit", "10"]),
        # The markdown mirror rewrites the task's context file and writes
        # an archive snapshot on completion.
        ("tm complete ID (mirror on)", lambda i: [tm, "--db", store, "complete", pool.take()]),
        # A new task depending on a recent one: the cycle check walks the
        # prerequisites of the dependency.
        ("tm add --depends-on ID", lambda i: base + ["add", "Benchmark dependent %d" % i,
                                                     "--depends-on", recent[i % len(recent)]]),
    ]
    results = measure(runcmd, commands, iterations, env)
    limit = 3 if size <= 1000 else 5
    benchlib.print_table(
        "%s tasks, %s dependency edges (store built in %s s)"
        % (format(tasks, ","), format(edges, ","), built.split("seconds ")[1].split()[0]),
        HEADER, rows_for(results, limit, missed))
    benchlib.remove_tree(store)


def bench_reference(runcmd, tm, iterations, env):
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    commands = [(FLOOR, lambda i: [tm, "--version"]),
                ("python3 -c pass", lambda i: [python, "-c", "pass"])]
    results = measure(runcmd, commands, iterations, env)
    benchlib.print_table("Process floor next to Python start-up", HEADER,
                         rows_for(results, 0, []))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tm", default=os.environ.get("TM"), help="tm binary (default: $TM)")
    ap.add_argument("--gen", required=True, help="the gen_store program")
    ap.add_argument("--runcmd", required=True, help="the runcmd launcher")
    ap.add_argument("--sizes", default="1000,100000", help="store sizes, comma separated")
    ap.add_argument("--iterations", type=int, default=200, help="runs per command")
    args = ap.parse_args()
    if not args.tm:
        ap.error("give --tm or set TM")
    tm, gen, runcmd = (os.path.abspath(p) for p in (args.tm, args.gen, args.runcmd))
    sizes = [int(s) for s in args.sizes.split(",")]
    env = benchlib.tm_env("bench")
    workdir = tempfile.mkdtemp(prefix="tm-bench-")
    missed = []
    try:
        print("tm command benchmark: %d runs per command, fork/exec of %s" % (args.iterations, tm))
        for size in sizes:
            bench_size(runcmd, tm, gen, size, args.iterations, env, workdir, missed)
        bench_reference(runcmd, tm, args.iterations, env)
    finally:
        benchlib.remove_tree(workdir)
    if missed:
        print("targets missed: " + "; ".join(missed))
    else:
        print("targets: all met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
