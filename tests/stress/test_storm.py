"""A 16-way storm of mixed writes and reads on one store (issue 2).

Sixteen workers, each a thread running tm processes back to back for about
three seconds: add, update, complete, share and list, picked at random.
Each worker only changes the tasks it created (assigned to itself), so it
knows what the store must hold for them; every write that tm acknowledged
(exit 0) is recorded. Checked:
- no command fails (no "database is locked", no exit 4), stderr stays silent;
- read-your-writes: a worker's `list` shows every change it saw acknowledged;
- afterwards PRAGMA integrity_check is ok and every acknowledged add,
  update, completion and share is in the store, with nothing extra.
"""

import json
import random
import threading
import time

import stress_util

WORKERS = 16
STORM_SECONDS = 3.0  # how long the workers keep going; not an assertion
PRIORITIES = ("low", "medium", "high", "critical")


class Worker:
    def __init__(self, case, index, start, stop_at):
        self.case, self.name = case, "w%02d" % index
        self.rand = random.Random(index)
        self.start, self.stop_at = start, stop_at
        self.tasks = {}  # id -> expected fields, after acknowledged writes
        self.shares = {}  # id -> acknowledged share texts, in order
        self.failures = []
        self.counts = {}
        self.serial = 0

    def run(self):
        try:
            self.start.wait()
            self.add()
            while time.monotonic() < self.stop_at and len(self.failures) < 5:
                op = self.rand.choices(
                    (self.add, self.update, self.complete, self.share, self.list),
                    weights=(3, 3, 1, 1, 2))[0]
                op()
        except Exception as e:  # reported by the test, never lost in a thread
            self.failures.append("%s: %r" % (self.name, e))

    def tm(self, *args):
        r = self.case.tm(*args, agent=self.name)
        self.counts[args[0]] = self.counts.get(args[0], 0) + 1
        if r.rc != 0 or r.err:
            self.failures.append(r)
            return None
        return r.out

    def open_tasks(self):
        return [i for i, t in self.tasks.items() if t["status"] != "completed"]

    def add(self):
        self.serial += 1
        title = "%s task %d" % (self.name, self.serial)
        prio = self.rand.choice(PRIORITIES)
        out = self.tm("add", title, "-p", prio, "--assignee", self.name, "--tag", self.name)
        if out is not None:
            self.tasks[out.strip()] = {"title": title, "priority": prio, "status": "pending",
                                       "summary": None}
            self.shares[out.strip()] = []

    def update(self):
        ids = self.open_tasks()
        if not ids:
            return self.add()
        task_id = self.rand.choice(ids)
        self.serial += 1
        title = "%s task renamed %d" % (self.name, self.serial)
        prio = self.rand.choice(PRIORITIES)
        status = self.rand.choice(("pending", "in_progress"))
        if self.tm("update", task_id, "--title", title, "-p", prio,
                   "--status", status) == "Task %s updated\n" % task_id:
            self.tasks[task_id].update(title=title, priority=prio, status=status)
        else:
            self.failures.append("%s: bad update confirmation for %s" % (self.name, task_id))

    def complete(self):
        ids = self.open_tasks()
        if not ids:
            return self.add()
        task_id = self.rand.choice(ids)
        summary = "%s finished %s" % (self.name, task_id)
        if self.tm("complete", task_id, "--summary", summary) == \
                "Task %s completed\n" % task_id:
            self.tasks[task_id].update(status="completed", summary=summary)
        else:
            self.failures.append("%s: bad complete confirmation for %s" % (self.name, task_id))

    def share(self):
        task_id = self.rand.choice(list(self.tasks) or [None])
        if task_id is None:
            return self.add()
        self.serial += 1
        text = "%s says %d" % (self.name, self.serial)
        if self.tm("share", task_id, text) == "Shared update for task %s\n" % task_id:
            self.shares[task_id].append(text)
        else:
            self.failures.append("%s: bad share confirmation for %s" % (self.name, task_id))

    def list(self):
        out = self.tm("list", "--assignee", self.name, "--format", "json")
        if out is None:
            return
        seen = {t["id"]: pick(t) for t in json.loads(out)}
        if seen != self.tasks:
            self.failures.append("%s: list shows %r, acknowledged %r" %
                                 (self.name, seen, self.tasks))


def pick(task):
    return {k: task[k] for k in ("title", "priority", "status", "summary")}


class Storm(stress_util.StressCase):

    def test_sixteen_way_mixed_storm(self):
        self.tm_ok("init")
        start = threading.Barrier(WORKERS)
        stop_at = time.monotonic() + STORM_SECONDS
        workers = [Worker(self, i, start, stop_at) for i in range(WORKERS)]
        threads = [threading.Thread(target=w.run) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        failures = [f for w in workers for f in w.failures]
        locked = [f for f in failures if isinstance(f, stress_util.Result) and
                  (f.rc == 4 or "locked" in f.err or "busy" in f.err)]
        self.assertFalse(locked, "store errors under load:\n%s" % "\n".join(map(repr, locked)))
        self.assertFalse(failures, "\n".join(map(repr, failures)))
        # The storm must have done real work of every kind.
        for op in ("add", "update", "complete", "share", "list"):
            self.assertGreater(sum(w.counts.get(op, 0) for w in workers), 0, op)

        self.assert_integrity()
        expected = {i: t for w in workers for i, t in w.tasks.items()}
        stored = {t["id"]: t for t in json.loads(self.tm_ok("list", "--format", "json"))}
        self.assertEqual({i: pick(t) for i, t in stored.items()}, expected)
        for w in workers:
            for task_id in w.tasks:
                self.assertEqual((stored[task_id]["assignee"], stored[task_id]["tags"]),
                                 (w.name, [w.name]))
        self.assertEqual(self.sql("SELECT count(*) FROM tasks"), [(len(expected),)])
        self.assertEqual(self.sql("SELECT count(*) FROM events WHERE kind = 'created'"),
                         [(len(expected),)])
        shares = {}
        for task_id, text in self.sql(
                "SELECT task_id, text FROM messages ORDER BY id"):
            shares.setdefault(task_id, []).append(text)
        self.assertEqual(shares, {i: s for w in workers for i, s in w.shares.items() if s})
        print("operations: %s" % {op: sum(w.counts.get(op, 0) for w in workers)
                                  for op in ("add", "update", "complete", "share", "list")})


if __name__ == "__main__":
    stress_util.main()
