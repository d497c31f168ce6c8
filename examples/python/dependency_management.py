#!/usr/bin/env python3
"""Dependency management with the taskorch Python bindings.

Builds five dependency graphs in one store - a feature workflow, a release
pipeline, a diamond, a fan-out and a fan-in - then completes their tasks
one at a time and prints, after each completion, which tasks it unblocked
and the state of every task in the graph. It also shows what the store
refuses: a cycle, and completing a task whose dependencies are unfinished.

    python3 dependency_management.py [--db PATH]

Without --db the example uses a fresh temporary store and removes it at
the end. Exit status: 0 when every graph ran as expected, 1 otherwise.
"""
import argparse
import shutil
import sys
import tempfile

import taskorch


class Graph:
    """A named group of tasks (tagged with the graph's name)."""

    def __init__(self, store, name, title):
        self.store = store
        self.tag = name
        self.ids = {}  # label -> task id, in creation order
        print()
        print("== %s ==" % title)

    def add(self, label, after=(), priority=None):
        t = self.store.add(label, tags=[self.tag], priority=priority,
                           depends_on=[self.ids[a] for a in after])
        self.ids[label] = t.id
        return t

    def label(self, task_id):
        return next(k for k, v in self.ids.items() if v == task_id)

    def named(self, text):
        """text with this graph's task ids replaced by their labels."""
        for label, task_id in self.ids.items():
            text = text.replace(task_id, label)
        return text

    def show(self, indent="    "):
        states = ["%s=%s" % (t.title, t.status)
                  for t in self.store.list(tag=self.tag, sort="created")]
        print(indent + "  ".join(states))

    def ready(self):
        return sorted(t.title for t in self.store.ready() if self.tag in t.tags)

    def complete(self, label, summary=None):
        before = self.store.last_event_id()
        self.store.complete(self.ids[label], summary=summary)
        freed = sorted(self.label(e.task)
                       for e in self.store.events(since=before, kinds="unblocked"))
        print("  complete %-22s unblocked: %s" % (label, ", ".join(freed) or "-"))
        self.show()
        return freed

    def all_completed(self):
        return all(t.status == "completed" for t in self.store.list(tag=self.tag))


def expect(condition, what):
    if not condition:
        print("UNEXPECTED: " + what)
        expect.failures += 1


expect.failures = 0


def feature_workflow(store):
    g = Graph(store, "feature", "Feature workflow: design -> build -> test -> document")
    g.add("Design API", priority="high")
    g.add("Implement API", after=["Design API"])
    g.add("Write tests", after=["Implement API"])
    g.add("Write docs", after=["Implement API"])
    g.add("Ship feature", after=["Write tests", "Write docs"])
    g.show()
    expect(g.ready() == ["Design API"], "only the design is ready at first")
    expect(g.complete("Design API", "endpoints agreed") == ["Implement API"],
           "design unblocks the implementation")
    expect(g.complete("Implement API") == ["Write docs", "Write tests"],
           "implementation unblocks tests and docs")
    expect(g.complete("Write tests") == [], "the ship step still waits for docs")
    expect(g.complete("Write docs") == ["Ship feature"], "docs were the last prerequisite")
    g.complete("Ship feature")
    return g


def release_pipeline(store):
    g = Graph(store, "release", "Release pipeline: build, test in parallel, stage, release")
    g.add("Build", priority="critical")
    g.add("Unit tests", after=["Build"])
    g.add("Integration tests", after=["Build"])
    g.add("Deploy to staging", after=["Unit tests", "Integration tests"])
    g.add("Release", after=["Deploy to staging"])
    g.show()
    g.complete("Build")
    g.complete("Unit tests")
    # A broken build is found: reopening it sends its pending dependents
    # back to blocked until it is completed again.
    print("  reopen   Build                  (a bad artifact was found)")
    store.update(g.ids["Build"], status="pending")
    g.show()
    expect(store.show(g.ids["Integration tests"]).status == "blocked",
           "reopening the build re-blocks the integration tests")
    # Completing a task with unfinished dependencies is refused...
    try:
        store.complete(g.ids["Release"])
        expect(False, "completing the release early is refused")
    except taskorch.BlockedError as e:
        print("  refused  Release                ->", g.named(e.message))
    g.complete("Build", "rebuilt")
    g.complete("Integration tests")
    g.complete("Deploy to staging")
    g.complete("Release")
    return g


def diamond(store):
    g = Graph(store, "diamond", "Diamond: A -> (B, C) -> D")
    g.add("A")
    g.add("B", after=["A"])
    g.add("C", after=["A"])
    g.add("D", after=["B", "C"])
    g.show()
    # A cycle is refused and spelled out; nothing changes.
    try:
        store.dep_add(g.ids["A"], g.ids["D"])
        expect(False, "a cycle is refused")
    except taskorch.CycleError as e:
        print("  refused  A depends on D         ->", g.named(e.message))
    expect(g.complete("A") == ["B", "C"], "A unblocks both sides")
    expect(g.complete("B") == [], "D waits for C")
    expect(g.complete("C") == ["D"], "C was D's last prerequisite")
    g.complete("D")
    return g


def fan_out(store):
    g = Graph(store, "fanout", "Fan-out: one schema, five services")
    g.add("Schema")
    services = ["Users", "Orders", "Billing", "Search", "Reports"]
    for s in services:
        g.add(s, after=["Schema"])
    g.show()
    expect(g.complete("Schema") == sorted(services), "the schema unblocks every service")
    for s in services:
        g.complete(s)
    return g


def fan_in(store):
    g = Graph(store, "fanin", "Fan-in: four reviews, one sign-off")
    reviews = ["Code review", "Security review", "UX review", "Legal review"]
    for r in reviews:
        g.add(r)
    g.add("Sign-off", after=reviews)
    g.show()
    for r in reviews[:-1]:
        expect(g.complete(r) == [], "the sign-off waits for every review")
    expect(g.complete(reviews[-1]) == ["Sign-off"], "the last review unblocks the sign-off")
    g.complete("Sign-off")
    return g


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", help="store to use (default: a fresh temporary one)")
    args = p.parse_args()
    tmp = None
    if args.db is None:
        tmp = tempfile.mkdtemp(prefix="taskorch-deps-")
        args.db = tmp
    try:
        with taskorch.Store(args.db, agent="planner", create=True) as store:
            print("store:", store.path)
            graphs = [f(store) for f in (feature_workflow, release_pipeline, diamond,
                                          fan_out, fan_in)]
            print()
            for g in graphs:
                done = g.all_completed()
                expect(done, "every task of %s completed" % g.tag)
                print("%-8s %d tasks, %s" % (g.tag, len(g.ids),
                                             "all completed" if done else "NOT all completed"))
    except taskorch.TaskorchError as e:
        print("dependency_management: error:", e, file=sys.stderr)
        return 1
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    if expect.failures:
        print("%d unexpected results" % expect.failures)
        return 1
    print("Every graph ran as expected.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
