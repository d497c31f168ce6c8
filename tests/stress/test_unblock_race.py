"""Thirty processes complete the thirty prerequisites of one task at once
(issue 2): whichever commit is last must unblock the task, exactly once."""

import json

import stress_util

N = 30


class UnblockRace(stress_util.StressCase):

    def test_last_of_thirty_completions_unblocks_once(self):
        prereqs = [self.add("prerequisite %d" % i) for i in range(N)]
        target = self.add("final step", "--assignee", "closer",
                          "--depends-on", ",".join(prereqs))
        self.assertEqual(json.loads(self.tm_ok("show", target, "--format", "json"))["status"],
                         "blocked")
        blocked_events = self.sql("SELECT count(*) FROM events WHERE kind = 'blocked'")

        results = self.race([(["complete", p], "worker_%d" % i)
                             for i, p in enumerate(prereqs)])
        self.assert_all_ok(results)
        for r, p in zip(results, prereqs):
            self.assertEqual(r.out, "Task %s completed\n" % p, r)

        self.assert_integrity()
        task = json.loads(self.tm_ok("show", target, "--format", "json"))
        self.assertEqual(task["status"], "pending")
        statuses = {t["id"]: t["status"]
                    for t in json.loads(self.tm_ok("list", "--format", "json"))}
        self.assertEqual({statuses[p] for p in prereqs}, {"completed"})

        # Through tm (the first look at this filtered view shows it all) ...
        unblocked = self.json_lines(self.tm_ok("watch", "--task", target, "--kind",
                                               "unblocked", "--format", "json"))
        self.assertEqual(len(unblocked), 1, unblocked)
        self.assertEqual((unblocked[0]["kind"], unblocked[0]["task"]), ("unblocked", target))
        # ... and in the table itself, across every task of the store.
        self.assertEqual(self.sql("SELECT task_id FROM events WHERE kind = 'unblocked'"),
                         [(target,)])
        # Nothing sent the task back to blocked on the way.
        self.assertEqual(self.sql("SELECT count(*) FROM events WHERE kind = 'blocked'"),
                         blocked_events)


if __name__ == "__main__":
    stress_util.main()
