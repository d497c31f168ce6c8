"""Fifty `tm add` processes released at once on one store (issue 2): all
succeed, each prints a distinct valid id, and the store holds exactly those
fifty tasks, each with its own title."""

import json
import os

import stress_util
from stress_util import ID_RE

N = 50


class AddRace(stress_util.StressCase):

    def check_fifty_adds(self):
        results = self.race([(["add", "task %d" % i, "-p", "high"], "adder_%d" % i)
                             for i in range(N)])
        self.assert_all_ok(results)
        ids = [r.out.strip() for r in results]
        for r, task_id in zip(results, ids):
            self.assertRegex(task_id, ID_RE, r)
            self.assertEqual(r.out, task_id + "\n", r)
        self.assertEqual(len(set(ids)), N, "duplicate ids: %s" % sorted(ids))

        self.assert_integrity()
        self.assertEqual(self.sql("SELECT count(*) FROM tasks"), [(N,)])
        self.assertEqual(
            self.sql("SELECT count(*) FROM events WHERE kind = 'created'"), [(N,)])
        tasks = {t["id"]: t for t in json.loads(self.tm_ok("list", "--format", "json"))}
        self.assertEqual(set(tasks), set(ids))
        for i, task_id in enumerate(ids):
            t = tasks[task_id]
            self.assertEqual((t["title"], t["created_by"], t["priority"], t["status"]),
                             ("task %d" % i, "adder_%d" % i, "high", "pending"))

    def test_fifty_adds_at_once(self):
        self.tm_ok("init")
        self.check_fifty_adds()

    def test_fifty_adds_create_the_store_at_once(self):
        # No store yet: `add` creates a missing one, so the racers also race
        # to create it; every one must end up adding to the same store. The
        # window for a mistake is short, so a few fresh stores are tried.
        for attempt in range(3):
            with self.subTest(attempt=attempt):
                self.store = os.path.join(self.tmp, "store%d" % attempt)
                self.dbfile = os.path.join(self.store, "tasks.db")
                self.check_fifty_adds()


if __name__ == "__main__":
    stress_util.main()
