"""Small helpers shared by the benchmark scripts: running a program the way a
shell does (fork/exec), timing it, reading its peak memory, percentiles, and
printing a table.

Timings are wall-clock from just before the spawn to just after the child is
reaped, so they include what a caller of tm pays: exec, dynamic linking,
opening the store, the work, and exit."""

import math
import os
import shutil
import subprocess
import tempfile

class CommandFailed(RuntimeError):
    pass


def run_once(runcmd, argv, env):
    """Runs argv (argv[0] an absolute path) through the runcmd launcher,
    which spawns it with stdout discarded and reports its wall time and
    peak RSS (see runcmd.c for why the launcher is in C). Returns
    (seconds, peak RSS in KiB). Raises CommandFailed on a non-zero exit, so
    a broken command can never be reported as fast."""
    res = subprocess.run([runcmd] + argv, env=env, stdout=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise CommandFailed("launcher failed: " + " ".join(argv))
    ns, rss, code = (int(f) for f in res.stdout.split())
    if code != 0:
        raise CommandFailed("exit %d: %s" % (code, " ".join(argv)))
    return ns / 1e9, rss


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    return s[max(1, math.ceil(p / 100.0 * len(s))) - 1]


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def print_table(title, header, rows):
    """Prints a Markdown table (so it can be pasted into the docs)."""
    print()
    print("### " + title)
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    print(flush=True)


def scratch_dir(prefix):
    """A temporary directory on a RAM file system when there is one (for
    building stores without paying for fsync), else an ordinary one."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK):
        return tempfile.mkdtemp(prefix=prefix, dir=shm)
    return tempfile.mkdtemp(prefix=prefix)


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


def tm_env(agent):
    """The environment tm runs in: our agent id, no store from outside."""
    env = dict(os.environ)
    env["TM_AGENT_ID"] = agent
    for name in ("TM_DB_PATH", "TM_NO_MIRROR", "TM_REQUEST_ID"):
        env.pop(name, None)
    return env
