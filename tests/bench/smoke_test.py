#!/usr/bin/python3
"""Keeps the benchmark scripts working: runs each at a tiny size (a small
store, a few iterations) and checks that it succeeded and printed every
table and row. It asserts structure only, never a figure: timings on a
shared CI machine are noise.

usage: smoke_test.py --gen PATH --runcmd PATH [unittest arguments]
(TM names the tm binary, as in the rest of the test suite.)"""

import argparse
import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = None  # set from the command line in __main__


def run_script(name, args):
    res = subprocess.run([sys.executable, os.path.join(HERE, name)] + args,
                         capture_output=True, text=True, timeout=100)
    return res


class CommandsSmoke(unittest.TestCase):
    def test_prints_table_for_each_size(self):
        res = run_script("bench_commands.py",
                         ["--gen", TOOLS.gen, "--runcmd", TOOLS.runcmd,
                          "--sizes", "40,60", "--iterations", "3"])
        self.assertEqual(res.returncode, 0, res.stderr)
        out = res.stdout
        for size in ("40", "60"):
            self.assertRegex(out, r"(?m)^### %s tasks, \d+ dependency edges" % size)
        self.assertIn("### Process floor next to Python start-up", out)
        self.assertEqual(out.count("| command | n | median ms | p90 ms | x floor |"
                                   " peak RSS MiB | target |"), 3)
        for label in ("tm --version", "tm add", "tm list --limit 20", "tm show ID",
                      "tm complete ID", "tm ready --limit 10", "tm complete ID (mirror on)",
                      "tm add --depends-on ID"):
            rows = re.findall(r"(?m)^\| %s \| 3 \|( [0-9.]+ \|){4}" % re.escape(label), out)
            # tm --version is also the first row of the Python comparison.
            want = 3 if label == "tm --version" else 2
            self.assertEqual(len(rows), want, "row for %r in each table" % label)
        self.assertRegex(out, r"(?m)^\| python3 -c pass \| 3 \|")
        self.assertRegex(out, r"(?m)^targets(: all met| missed: .+)$")


class WatchSmoke(unittest.TestCase):
    def test_prints_latency_idle_and_throughput(self):
        res = run_script("bench_watch.py",
                         ["--events", "5", "--idle-seconds", "0.3", "--writers", "2",
                          "--per-writer", "3"])
        self.assertEqual(res.returncode, 0, res.stderr)
        out = res.stdout
        self.assertRegex(out, r"(?m)^### Delivery latency, .* \(5 events\)$")
        for row in ("median", "p99", "max"):
            self.assertRegex(out, r"(?m)^\| %s \| [0-9.]+ \|" % row)
        self.assertRegex(out, r"(?m)^### Idle CPU of a following watcher")
        self.assertRegex(out, r"(?m)^\| utime\+stime \(/proc/PID/stat\) \| [0-9.]+ \|")
        self.assertRegex(out, r"(?m)^### tm share throughput, 2 concurrent writers x 3 posts")
        for setup in ("mirror off", "mirror off, 1 watcher following", "mirror on"):
            self.assertRegex(out, r"(?m)^\| %s \| 6 \| [0-9.]+ \| [0-9]+ \|$" % re.escape(setup))
        self.assertRegex(out, r"(?m)^targets(: all met| missed: .+)$")


class McpSmoke(unittest.TestCase):
    def test_prints_round_trips(self):
        res = run_script("bench_mcp.py", ["--gen", TOOLS.gen, "--runcmd", TOOLS.runcmd,
                                          "--size", "50", "--iterations", "3"])
        self.assertEqual(res.returncode, 0, res.stderr)
        out = res.stdout
        self.assertRegex(out, r"(?m)^### Round trips on a 50-task store")
        for label in ("tm_show", "tm_claim", "tm show ID --json", "tm claim ID"):
            self.assertRegex(out, r"(?m)^\| %s \| 3 \| [0-9.]+ \| [0-9.]+ \|" % re.escape(label))
        self.assertRegex(out, r"(?m)^targets(: all met| missed: .+)$")


class QueueSmoke(unittest.TestCase):
    def test_prints_throughput_and_sizes(self):
        res = run_script("bench_queue.py",
                         ["--gen", TOOLS.gen, "--runcmd", TOOLS.runcmd, "--queue", TOOLS.queue,
                          "--gate", TOOLS.gate, "--tasks", "24", "--rounds", "1",
                          "--claimers", "1,4", "--sizes", "200,400", "--iterations", "3"])
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        out = res.stdout
        self.assertRegex(out, r"(?m)^### Claim-and-complete throughput, 24 tasks, median of 1 ")
        for k in ("1", "4"):
            self.assertRegex(out, r"(?m)^\| %s \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+%% \|"
                                  r" [0-9]+%% \|$" % k)
        self.assertRegex(out, r"(?m)^\| library, 4 claimers, no lease \| [0-9]+ \| [0-9]+% \|"
                              r" (met|MISSED) ")
        self.assertRegex(out, r"(?m)^\| library, 4 claimers, 30 s lease \| [0-9]+ \|")
        for size in ("200", "400"):
            self.assertRegex(out, r"(?m)^### %s tasks, [\d,]+ dependency edges" % size)
        for label in ("tm --version", "tm ready --limit 10", "tm claim", "tm wait ID (done)",
                      "library: ready query, limit 10", "library: claim_v2",
                      "library: task_wait (done)"):
            rows = re.findall(r"(?m)^\| %s \| 3 \| [0-9.]+ \|" % re.escape(label), out)
            self.assertEqual(len(rows), 2, "row for %r in each size's table" % label)
            self.assertRegex(out, r"(?m)^\| %s \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|"
                                  % re.escape(label))
        self.assertRegex(out, r"(?m)^### Median ms by store size")
        self.assertRegex(out, r"(?m)^targets(: all met| missed: .+)$")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", required=True)
    ap.add_argument("--runcmd", required=True)
    ap.add_argument("--queue", required=True)
    ap.add_argument("--gate", required=True)
    TOOLS, rest = ap.parse_known_args()
    if not os.environ.get("TM"):
        sys.exit("smoke_test.py: set TM to the tm binary")
    unittest.main(argv=[sys.argv[0]] + rest)
