#!/usr/bin/python3
"""Benchmark: the work queue (issue 7).

Part 1, throughput. A queue of N unassigned ready tasks (built with
gen_store through the library, copied afresh for every run) is drained by
1, 4 and 16 concurrent claimer processes, each looping claim -> complete:
 - through the library: bench_queue claim (one open handle per process,
   taskorch_task_claim_v2 then taskorch_task_complete under the claim
   number), with no lease, and with a 30 s lease at 4 claimers;
 - through the CLI: a shell loop `while id=$(tm claim); do tm complete $id`.
The floor is measured in the same run, interleaved with the above: 1, 4
and 16 processes each committing N / processes units of two minimal
durable SQLite transactions (bench_queue floor: WAL, synchronous=FULL,
BEGIN IMMEDIATE, the library's busy handler). Every run is repeated
--rounds times (configurations interleaved) and the median throughput is
reported. Throughput = units (claim-and-complete pairs, or transaction
pairs) / wall time from releasing the start line to the last process
reaped. After every claim run the store must hold N completed tasks.

Part 2, store size. For each size, gen_store --bulk builds a store (about
3 dependency edges per task, the oldest half completed; the rest pending
or blocked, one in four assigned), the script checks it through tm (the
ready list tm prints equals the ready tasks computed in SQL), then times,
round-robin, as fresh processes through runcmd: `tm --version` (the
process floor), `tm ready --limit 10`, `tm claim` (each run takes the next
task) and `tm wait ID` on a completed task (already satisfied); and in
process, through bench_queue ops: the ready query, a claim (released again,
untimed), and taskorch_task_wait on a completed task.

usage: bench_queue.py --gen PATH --runcmd PATH --queue PATH --gate PATH
                      [--tm PATH] [--tasks N] [--rounds R] [--claimers 1,4,16]
                      [--sizes 1000,100000,1000000] [--iterations N]
Targets: library claim-and-complete with 4 claimers >= 80% of the floor
with 4 processes; ready and claim at the largest size within 1.5x of the
smallest."""

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

THROUGHPUT_TARGET = 0.80
SCALE_TARGET = 1.5

CLI_WORKER = r"""
n=0
while id=$("$TM" --no-mirror claim); do
    "$TM" --no-mirror complete "$id" >/dev/null || exit 1
    n=$((n + 1))
done
echo "units $n"
"""


class Tools:
    pass


# ---- part 1: throughput ---------------------------------------------------

def build_queue(tools, n, dest):
    scratch = benchlib.scratch_dir("tm-bench-queue-")
    try:
        subprocess.run([tools.gen, "--unassigned", scratch, str(n), "0", "0"], check=True,
                       capture_output=True, text=True)
        os.makedirs(dest)
        shutil.copyfile(os.path.join(scratch, "tasks.db"), os.path.join(dest, "tasks.db"))
    finally:
        benchlib.remove_tree(scratch)


def race(argvs_envs):
    """Starts every process parked on a pipe (the start line), releases them
    together and returns (seconds from release to the last one reaped,
    [stdout of each]). Raises on a failed process."""
    gate_r, gate_w = os.pipe()
    procs = []
    try:
        for argv, env in argvs_envs:
            argv = [a if a != "GATE_FD" else str(gate_r) for a in argv]
            procs.append(subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          pass_fds=(gate_r,)))
        os.close(gate_r)
        gate_r = -1
        time.sleep(0.05)  # let every process reach the start line
        t0 = time.monotonic()
        os.write(gate_w, b"x" * len(procs))
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=600)
            outs.append((p.returncode, out.decode(), err.decode()))
        elapsed = time.monotonic() - t0
    finally:
        if gate_r >= 0:
            os.close(gate_r)
        os.close(gate_w)
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for rc, out, err in outs:
        if rc != 0:
            raise benchlib.CommandFailed("exit %d: %s %s" % (rc, out[-300:], err[-300:]))
    return elapsed, [o for _, o, _ in outs]


def units_of(outs):
    total = 0
    for out in outs:
        words = out.split()
        if len(words) != 2 or words[0] != "units":
            raise benchlib.CommandFailed("unexpected output %r" % out)
        total += int(words[1])
    return total


def completed_count(store):
    con = sqlite3.connect(os.path.join(store, "tasks.db"))
    try:
        return con.execute("SELECT count(*) FROM tasks WHERE status = 2").fetchone()[0]
    finally:
        con.close()


def run_claimers(tools, template, workdir, kind, k, n, lease_ms=0):
    store = tempfile.mkdtemp(prefix="q-", dir=workdir)
    shutil.copyfile(os.path.join(template, "tasks.db"), os.path.join(store, "tasks.db"))
    try:
        racers = []
        for i in range(k):
            env = benchlib.tm_env("claimer-%02d" % i)
            if kind == "library":
                argv = [tools.queue, "claim", store, "claimer-%02d" % i, str(lease_ms),
                        "GATE_FD"]
            else:
                env["TM_DB_PATH"] = store
                env["TM"] = tools.tm
                argv = [tools.gate, "GATE_FD", "/bin/sh", "-c", CLI_WORKER]
            racers.append((argv, env))
        secs, outs = race(racers)
        units = units_of(outs)
        done = completed_count(store)
        if units != n or done != n:
            raise SystemExit("%s x%d: %d units reported, %d tasks completed, of %d"
                             % (kind, k, units, done, n))
        return units / secs
    finally:
        benchlib.remove_tree(store)


def run_floor(tools, workdir, k, n):
    d = tempfile.mkdtemp(prefix="floor-", dir=workdir)
    try:
        db = os.path.join(d, "floor.db")
        subprocess.run([tools.queue, "floor-init", db], check=True)
        per = n // k
        env = benchlib.tm_env("floor")
        secs, outs = race([([tools.queue, "floor", db, str(i), str(per), "GATE_FD"], env)
                           for i in range(k)])
        units = units_of(outs)
        con = sqlite3.connect(db)
        try:
            written = con.execute("SELECT sum(n) FROM counters").fetchone()[0]
        finally:
            con.close()
        if units != per * k or written != 2 * per * k:
            raise SystemExit("floor x%d: %d units, %d commits" % (k, units, written))
        return units / secs
    finally:
        benchlib.remove_tree(d)


def bench_throughput(tools, n, rounds, claimers, workdir, missed):
    template = os.path.join(workdir, "queue-template")
    build_queue(tools, n, template)
    configs = []
    for k in claimers:
        configs += [("floor", k, 0), ("library", k, 0), ("cli", k, 0)]
        if k == 4:
            configs.append(("library", k, 30000))
    rates = {c: [] for c in configs}
    for _ in range(rounds):
        for kind, k, lease in configs:
            if kind == "floor":
                rate = run_floor(tools, workdir, k, n)
            else:
                rate = run_claimers(tools, template, workdir, kind, k, n, lease)
            rates[(kind, k, lease)].append(rate)
    med = {c: benchlib.median(v) for c, v in rates.items()}
    rows = []
    for k in claimers:
        fl = med[("floor", k, 0)]
        lib, cli = med[("library", k, 0)], med[("cli", k, 0)]
        rows.append([k, "%.0f" % lib, "%.0f" % cli, "%.0f" % fl, "%.0f%%" % (100 * lib / fl),
                     "%.0f%%" % (100 * cli / fl)])
    benchlib.print_table(
        "Claim-and-complete throughput, %d tasks, median of %d rounds (units per second)"
        % (n, rounds),
        ["claimers", "library", "CLI", "floor (2 SQLite txns)", "library % of floor",
         "CLI % of floor"], rows)
    if 4 in claimers:
        fl = med[("floor", 4, 0)]
        lib, leased = med[("library", 4, 0)], med[("library", 4, 30000)]
        ok = lib / fl >= THROUGHPUT_TARGET
        benchlib.print_table(
            "Target: library claim-and-complete with 4 claimers vs the floor with 4",
            ["measure", "units/s", "% of floor", "target"],
            [["floor, 4 processes", "%.0f" % fl, "100%", ""],
             ["library, 4 claimers, no lease", "%.0f" % lib, "%.0f%%" % (100 * lib / fl),
              "%s (>= %.0f%%)" % ("met" if ok else "MISSED", 100 * THROUGHPUT_TARGET)],
             ["library, 4 claimers, 30 s lease", "%.0f" % leased,
              "%.0f%%" % (100 * leased / fl), ""]])
        if not ok:
            missed.append("library claim-and-complete at 4 claimers: %.0f%% of the floor"
                          % (100 * lib / fl))
    benchlib.remove_tree(template)


# ---- part 2: store size ------------------------------------------------------

def build_big(tools, size, dest):
    """gen_store --bulk on a RAM disk when there is one, copied to dest."""
    scratch = benchlib.scratch_dir("tm-bench-big-")
    try:
        res = subprocess.run([tools.gen, "--bulk", scratch, str(size), "3", "50"], check=True,
                             capture_output=True, text=True)
        os.makedirs(dest)
        shutil.copyfile(os.path.join(scratch, "tasks.db"), os.path.join(dest, "tasks.db"))
    finally:
        benchlib.remove_tree(scratch)
    return res.stdout.strip()


READY_SQL = ("SELECT id FROM tasks t WHERE status = 0 AND NOT EXISTS (SELECT 1 FROM deps d"
             " JOIN tasks p ON p.id = d.dep_id WHERE d.task_id = t.id AND p.status != 2)")


def check_big(tools, store, env):
    """The generated store must be what the library would have written: tm's
    ready list equals the ready tasks computed in SQL, and the status
    invariant holds. Returns (edges, a completed task id, claimable
    count)."""
    db = os.path.join(store, "tasks.db")
    con = sqlite3.connect(db)
    try:
        want = {r[0] for r in con.execute(READY_SQL)}
        bad = con.execute(
            "SELECT count(*) FROM tasks t WHERE t.status = 3 AND NOT EXISTS (SELECT 1 FROM"
            " deps d JOIN tasks p ON p.id = d.dep_id WHERE d.task_id = t.id AND"
            " p.status != 2)").fetchone()[0]
        edges = con.execute("SELECT count(*) FROM deps").fetchone()[0]
        done = con.execute("SELECT id FROM tasks WHERE status = 2 LIMIT 1").fetchone()[0]
        claimable = sum(1 for r in con.execute(READY_SQL.replace(
            "status = 0", "status = 0 AND assignee IS NULL")))
    finally:
        con.close()
    res = subprocess.run([tools.tm, "--db", store, "--no-mirror", "ready", "--format", "json"],
                         env=env, capture_output=True, text=True, check=True)
    got = {t["id"] for t in json.loads(res.stdout)}
    if got != want or bad:
        raise SystemExit("generated store: tm lists %d ready tasks, SQL %d (%d differ); "
                         "%d blocked tasks have every dependency completed"
                         % (len(got), len(want), len(got ^ want), bad))
    return edges, done, claimable


def bench_sizes(tools, sizes, iterations, workdir, missed):
    env = benchlib.tm_env("bench")
    per_size = {}
    for size in sizes:
        store = os.path.join(workdir, "big-%d" % size)
        built = build_big(tools, size, store)
        edges, done, claimable = check_big(tools, store, env)
        if claimable < iterations + 10:  # each `tm claim` takes one
            raise SystemExit("only %d claimable tasks at %d; lower --iterations"
                             % (claimable, size))
        base = [tools.tm, "--db", store, "--no-mirror"]
        commands = [("tm --version", [tools.tm, "--version"]),
                    ("tm ready --limit 10", base + ["ready", "--limit", "10"]),
                    ("tm claim", base + ["claim"]),
                    ("tm wait ID (done)", base + ["wait", done])]
        times = {label: [] for label, _ in commands}
        for _ in range(iterations):
            for label, argv in commands:
                times[label].append(benchlib.run_once(tools.runcmd, argv, env)[0])
        res = subprocess.run([tools.queue, "ops", store, "bench-lib", str(iterations), done],
                             env=env, capture_output=True, text=True, check=True)
        lib = [float(x) for x in res.stdout.split()]
        med = {label: benchlib.median(v) * 1e3 for label, v in times.items()}
        rows = [[label, iterations, "%.2f" % med[label],
                 "%.2f" % (benchlib.percentile(times[label], 90) * 1e3)]
                for label, _ in commands]
        rows += [["library: ready query, limit 10", iterations, "%.3f" % (lib[0] / 1e3), "-"],
                 ["library: claim_v2", iterations, "%.3f" % (lib[1] / 1e3), "-"],
                 ["library: task_wait (done)", iterations, "%.3f" % (lib[2] / 1e3), "-"]]
        benchlib.print_table("%s tasks, %s dependency edges (built in %s s)"
                             % (format(size, ","), format(edges, ","),
                                built.split("seconds ")[1].split()[0]),
                             ["operation", "n", "median ms", "p90 ms"], rows)
        per_size[size] = dict(med)
        per_size[size].update({"library: ready query, limit 10": lib[0] / 1e3,
                               "library: claim_v2": lib[1] / 1e3,
                               "library: task_wait (done)": lib[2] / 1e3})
        benchlib.remove_tree(store)
    small, big = min(sizes), max(sizes)
    labels = list(per_size[small])
    rows = []
    for label in labels:
        ratio = per_size[big][label] / per_size[small][label]
        verdict = "-"
        if label in ("tm ready --limit 10", "tm claim", "library: ready query, limit 10",
                     "library: claim_v2"):
            ok = ratio <= SCALE_TARGET
            verdict = "%s (<= %.1fx)" % ("met" if ok else "MISSED", SCALE_TARGET)
            if not ok:
                missed.append("%s: %.2fx from %d to %d tasks" % (label, ratio, small, big))
        rows.append([label] + ["%.3f" % per_size[s][label] for s in sizes]
                    + ["%.2f" % ratio, verdict])
    benchlib.print_table("Median ms by store size",
                         ["operation"] + [format(s, ",") for s in sizes]
                         + ["%s / %s" % (format(big, ","), format(small, ",")), "target"], rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tm", default=os.environ.get("TM"), help="tm binary (default: $TM)")
    ap.add_argument("--gen", required=True, help="the gen_store program")
    ap.add_argument("--runcmd", required=True, help="the runcmd launcher")
    ap.add_argument("--queue", required=True, help="the bench_queue program")
    ap.add_argument("--gate", required=True, help="the stress_gate program")
    ap.add_argument("--tasks", type=int, default=1200, help="queue length for throughput")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the throughput runs")
    ap.add_argument("--claimers", default="1,4,16", help="concurrent claimers")
    ap.add_argument("--sizes", default="1000,100000,1000000", help="store sizes")
    ap.add_argument("--iterations", type=int, default=100, help="runs per command and size")
    args = ap.parse_args()
    if not args.tm:
        ap.error("give --tm or set TM")
    tools = Tools()
    for name in ("tm", "gen", "runcmd", "queue", "gate"):
        setattr(tools, name, os.path.abspath(getattr(args, name)))
    claimers = [int(k) for k in args.claimers.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = tempfile.mkdtemp(prefix="tm-bench-q-")
    missed = []
    try:
        print("queue benchmark: %d tasks per throughput run, %d rounds; sizes %s, %d runs each"
              % (args.tasks, args.rounds, args.sizes, args.iterations), flush=True)
        bench_throughput(tools, args.tasks, args.rounds, claimers, workdir, missed)
        bench_sizes(tools, sizes, args.iterations, workdir, missed)
    finally:
        benchlib.remove_tree(workdir)
    if missed:
        print("targets missed: " + "; ".join(missed))
    else:
        print("targets: all met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
