#!/usr/bin/env python3
"""A team of five specialist agents building an authentication system.

The orchestrator writes the plan into a store - tasks with priorities,
assignees and dependencies - then starts five specialists (database,
backend, frontend, security, QA) as separate processes on the same store.
Each specialist repeatedly claims its next ready task (assigned, started
and joined in one transaction, so no two processes ever take the same
task) under a lease, resuming its own unfinished task first if it was
restarted; it shares progress, posts discoveries, keeps private notes and
completes the task with its claim number; completing a task
unblocks the tasks that wait for it, possibly another specialist's. The
security specialist's threat model adds work for the backend while the
project runs. The orchestrator follows the change feed until everyone is
done and prints a summary.

    python3 multi_agent_workflow.py [--db PATH] [--timeout SECONDS]

Without --db a fresh temporary store is used and removed afterwards.
Exit status: 0 when every task was completed, 1 otherwise.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time

import taskorch

SPECIALISTS = ["database", "backend", "frontend", "security", "qa"]
UNFINISHED = ["pending", "in_progress", "blocked"]

# label: (title, assignee, priority, labels it depends on)
PLAN = {
    "schema": ("Design the user and session schema", "database", "critical", []),
    "migrations": ("Write the migrations", "database", "high", ["schema"]),
    "indexes": ("Add indexes for login lookups", "database", "medium", ["migrations"]),
    "threats": ("Threat-model the login flow", "security", "critical", []),
    "hashing": ("Choose the password hashing scheme", "security", "high", []),
    "users": ("User model and repository", "backend", "high", ["migrations"]),
    "auth_api": ("Authentication API: login, logout, refresh", "backend", "critical",
                 ["users", "threats", "hashing"]),
    "sessions": ("Session management", "backend", "high", ["auth_api"]),
    "components": ("Design-system form components", "frontend", "medium", []),
    "login_page": ("Login page", "frontend", "high", ["components", "auth_api"]),
    "dashboard": ("Account dashboard", "frontend", "medium", ["login_page", "sessions"]),
    "review": ("Security review of the authentication API", "security", "high",
               ["auth_api"]),
    "test_plan": ("Write the test plan", "qa", "medium", []),
    "api_tests": ("API integration tests", "qa", "high", ["test_plan", "sessions"]),
    "e2e_tests": ("End-to-end login tests", "qa", "high", ["api_tests", "dashboard"]),
    "sign_off": ("Release sign-off", "qa", "critical",
                 ["e2e_tests", "review", "indexes"]),
}

# What a specialist finds out while working on a task (by title).
DISCOVERIES = {
    PLAN["schema"][0]: "emails must be unique case-insensitively: store them lower-cased",
    PLAN["hashing"][0]: "use argon2id with a per-user salt; never log password fields",
    PLAN["threats"][0]: "login is open to brute force: attempts must be rate-limited",
    PLAN["login_page"][0]: "the API returns 401 and 423 (locked); the page must handle both",
}

RATE_LIMIT = "Rate-limit login attempts"


def say(who, text):
    # One write per line: six processes share this output.
    sys.stdout.write("[%s] %s\n" % (who, text))
    sys.stdout.flush()


def project_complete(store):
    return next(iter(store.list(status=UNFINISHED, limit=1)), None) is None


# ---------------------------------------------------------------------------
# A specialist: its own process, its own Store handle.

def do_task(store, me, task):
    """Works on a task this agent has claimed (it is in_progress)."""
    store.share(task, "%s picked this up" % me)
    store.note(task, "my approach: smallest change that passes review")  # private
    store.progress(task, "halfway there", claim=task.claim)
    store.heartbeat(task, claim=task.claim)  # still alive: renew the lease
    if task.title in DISCOVERIES:
        store.discover(task, DISCOVERIES[task.title])
    if task.title == PLAN["threats"][0]:
        # New work for the backend, which the security review and the API
        # tests now wait for. It is added before the threat model completes,
        # so nothing that depends on it can have started.
        auth_api = next(store.list(tag="auth_api"))
        extra = store.add(RATE_LIMIT, priority="high", assignee="backend",
                          tags=["rate_limit"], depends_on=[auth_api])
        for label in ("review", "api_tests"):
            store.dep_add(next(store.list(tag=label)), extra)
        store.share(task, "added task %s for backend: %s" % (extra.id, RATE_LIMIT))
        say(me, "added '%s' for backend" % RATE_LIMIT)
    store.complete(task, summary="%s: done by %s" % (task.title, me), claim=task.claim)
    say(me, "completed '%s'" % task.title)


def specialist(db, me, timeout):
    deadline = time.monotonic() + timeout
    heard = 0  # id of the last event looked at for news
    with taskorch.Store(db, agent=me) as store:
        while True:
            seen = store.last_event_id()
            # Discoveries and sync points from the others.
            for ev in store.events(since=heard, kinds=["discover", "sync"]):
                if ev.agent != me:
                    say(me, "heard %s from %s: %s" % (ev.kind, ev.agent, ev.text))
                heard = ev.id
            # Reading ready() and then starting the task would leave a gap
            # in which another process could change it; claim() checks and
            # takes the task in one write. resume: a restarted specialist
            # first gets back what it held; the lease lets others take it
            # over if this process dies.
            try:
                task = store.claim(resume=True, lease=60)
            except taskorch.NotFoundError:
                task = None  # nothing ready for me now
            if task is not None:
                do_task(store, me, task)
                continue
            if project_complete(store):
                say(me, "project complete, signing off")
                return 0
            if time.monotonic() > deadline:
                say(me, "gave up waiting for work")
                return 1
            store.wait_event(seen, timeout=1)  # until anyone changes anything


# ---------------------------------------------------------------------------
# The orchestrator.

def write_plan(store):
    ids = {}
    for label, (title, who, priority, after) in PLAN.items():
        t = store.add(title, priority=priority, assignee=who, tags=[label],
                      depends_on=[ids[a] for a in after])
        ids[label] = t.id
    store.sync(ids["sign_off"], "plan ready: %d tasks for %d specialists"
               % (len(PLAN), len(SPECIALISTS)))
    say("orchestrator", "plan written: %d tasks, %d ready now"
        % (len(PLAN), len(store.ready())))
    return ids


def follow(store, workers, deadline):
    """Prints completions, unblockings and discoveries until every worker
    has exited (or the deadline passes)."""
    list(store.watch(timeout=0))  # the plan itself is known
    titles = {t.id: t.title for t in store.list()}
    while True:
        running = [w for w in workers.values() if w.poll() is None]
        for ev in store.watch(timeout=0 if not running else 0.5):
            if ev.kind == "created":
                titles[ev.task] = ev.text
                say("orchestrator", "new task '%s' by %s" % (ev.text, ev.agent))
            elif ev.kind == "status" and ev.to_status == "completed":
                say("orchestrator", "'%s' completed by %s" % (titles.get(ev.task), ev.agent))
            elif ev.kind == "unblocked":
                say("orchestrator", "'%s' is ready" % titles.get(ev.task))
            elif ev.kind == "discover":
                say("orchestrator", "discovery from %s: %s" % (ev.agent, ev.text))
        if not running:
            return
        if time.monotonic() > deadline:
            for w in running:
                w.kill()
            say("orchestrator", "deadline passed; stopped %d specialists" % len(running))


def summary(store, workers):
    tasks = list(store.list(sort="created"))
    done = [t for t in tasks if t.status == "completed"]
    print()
    print("Summary")
    print("  %-10s %5s %7s %9s %12s %6s" % ("agent", "tasks", "shares", "progress",
                                            "discoveries", "exit"))
    posts = {}
    for t in tasks:
        for m in store.context(t):
            posts.setdefault((m.author, m.kind), 0)
            posts[(m.author, m.kind)] += 1
    for who in SPECIALISTS:
        print("  %-10s %5d %7d %9d %12d %6s" % (
            who, sum(1 for t in done if t.assignee == who), posts.get((who, "share"), 0),
            posts.get((who, "progress"), 0), posts.get((who, "discover"), 0),
            workers[who].returncode))
    notes = sum(n for (_, kind), n in posts.items() if kind == "note")
    print("  private notes visible to the orchestrator: %d" % notes)
    for t in tasks:
        print("  %s  %-9s  %-9s %s" % (t.id, t.status, t.assignee, t.title))
    ok = len(done) == len(tasks) and all(w.returncode == 0 for w in workers.values())
    if ok:
        print("All %d tasks completed." % len(tasks))
    else:
        print("Only %d of %d tasks completed." % (len(done), len(tasks)))
    return ok


def orchestrate(db, timeout):
    with taskorch.Store(db, agent="orchestrator", create=True) as store:
        if next(iter(store.list(limit=1)), None) is not None:
            print("multi_agent_workflow: the store %s already holds tasks; use a new one"
                  % store.path, file=sys.stderr)
            return 1
        print("store:", store.path)
        write_plan(store)
        workers = {}
        for who in SPECIALISTS:
            workers[who] = subprocess.Popen([sys.executable, __file__, "--db", db,
                                             "--timeout", str(timeout), "--worker", who])
        try:
            follow(store, workers, time.monotonic() + timeout + 10)
        finally:
            for w in workers.values():
                if w.poll() is None:
                    w.kill()
                w.wait()
        return 0 if summary(store, workers) else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", help="store to use (default: a fresh temporary one)")
    p.add_argument("--timeout", type=float, default=120,
                   help="seconds before specialists give up (default 120)")
    p.add_argument("--worker", choices=SPECIALISTS, help=argparse.SUPPRESS)
    args = p.parse_args()
    try:
        if args.worker:
            return specialist(args.db, args.worker, args.timeout)
        tmp = None
        if args.db is None:
            tmp = tempfile.mkdtemp(prefix="taskorch-team-")
            args.db = tmp
        try:
            return orchestrate(args.db, args.timeout)
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)
    except taskorch.TaskorchError as e:
        print("multi_agent_workflow: error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
