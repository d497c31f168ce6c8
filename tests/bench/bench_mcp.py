#!/usr/bin/python3
"""Benchmark: round trips through tm mcp next to the same through the CLI.

Builds a store with gen_store, starts one `tm mcp` on pipes and measures,
per call, the time from writing the request line to reading the reply
line: tm_show of a random task, and tm_claim of a ready task by id (each
claim is followed by an unmeasured tm_release, so the pool stays the same).
The CLI rows run `tm show ID --json` and `tm claim ID` (+ `tm release ID`,
unmeasured) as a fresh process each through runcmd, as bench_commands.py
does. Calls alternate between the front ends, so drift in machine load
affects both alike.

usage: bench_mcp.py --gen PATH --runcmd PATH [--tm PATH] [--size 1000]
                    [--iterations 500]
Target (issue 9): median round trip through tm mcp under 1 ms."""

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from bench_commands import build_store  # noqa: E402

TARGET_MS = 1.0


class Mcp:
    def __init__(self, tm, db, env):
        self.p = subprocess.Popen([tm, "--db", db, "mcp"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=env)
        self.n = 0

    def call(self, name, arguments):
        self.n += 1
        line = json.dumps({"jsonrpc": "2.0", "id": self.n, "method": "tools/call",
                           "params": {"name": name, "arguments": arguments}}).encode() + b"\n"
        start = time.perf_counter_ns()
        self.p.stdin.write(line)
        self.p.stdin.flush()
        reply = self.p.stdout.readline()
        elapsed = (time.perf_counter_ns() - start) / 1e9
        result = json.loads(reply)["result"]
        if result.get("isError"):
            raise benchlib.CommandFailed(f"{name}: {result['structuredContent']}")
        return elapsed

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", required=True)
    ap.add_argument("--runcmd", required=True)
    ap.add_argument("--tm", default=os.environ.get("TM"))
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--iterations", type=int, default=500)
    args = ap.parse_args()
    tm = os.path.abspath(args.tm)
    work = tempfile.mkdtemp(prefix="tm-bench-mcp-")  # an ordinary disk: fsync counts
    try:
        store = os.path.join(work, "store")
        build_store(args.gen, args.size, store)
        db = os.path.join(store, "tasks.db")
        con = sqlite3.connect(db)
        ids = [r[0] for r in con.execute("SELECT id FROM tasks")]
        ready = [r[0] for r in con.execute("SELECT id FROM tasks WHERE status = 0 AND assignee IS NULL")]
        con.close()
        env = benchlib.tm_env("bench")
        env["TM_NO_MIRROR"] = "1"
        rng = random.Random(9)
        mcp = Mcp(tm, store, env)
        times = {"tm_show": [], "tm_claim": [], "tm show ID --json": [], "tm claim ID": []}
        for _ in range(args.iterations):
            t = rng.choice(ids)
            times["tm_show"].append(mcp.call("tm_show", {"id": t}))
            times["tm show ID --json"].append(
                benchlib.run_once(args.runcmd, [tm, "--db", store, "show", t, "--json"], env)[0])
            t = rng.choice(ready)
            times["tm_claim"].append(mcp.call("tm_claim", {"id": t}))
            mcp.call("tm_release", {"id": t})
            t = rng.choice(ready)
            times["tm claim ID"].append(
                benchlib.run_once(args.runcmd, [tm, "--db", store, "claim", t], env)[0])
            benchlib.run_once(args.runcmd, [tm, "--db", store, "release", t], env)
        mcp.close()
        rows = []
        missed = []
        for label, values in times.items():
            med = benchlib.median(values) * 1000
            rows.append([label, len(values), "%.3f" % med,
                         "%.3f" % (benchlib.percentile(values, 90) * 1000),
                         "< 1 ms" if label.startswith("tm_") else ""])
            if label.startswith("tm_") and med >= TARGET_MS:
                missed.append(label)
        benchlib.print_table(f"Round trips on a {args.size}-task store: tm mcp (one process, "
                             "a pipe) and the CLI (a process per call)",
                             ["call", "n", "median ms", "p90 ms", "target"], rows)
        print("targets: all met" if not missed else "targets missed: " + ", ".join(missed))
    finally:
        benchlib.remove_tree(work)


if __name__ == "__main__":
    main()
