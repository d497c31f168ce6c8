"""The same post retried concurrently (issue 3): ten processes of one agent
posting with the same request id at once make exactly one message, and all
ten succeed with the same confirmation, as if each had been the first.

Exact idempotency (issue 7): 20 parallel `tm add --request-id X` with the
same arguments make exactly one task and all print its id; 20 parallel
posts with one request id and 20 different texts make one post and 19
refusals (exit 5, "request id ... already used"), never a silent success.
The same through the C API is in test_queue_request_race.py."""

import json

import stress_util

N = 10


class RequestIdRace(stress_util.StressCase):

    def check_one_message(self, task, racers, text):
        results = self.race(racers)
        self.assert_all_ok(results)
        self.assertEqual({r.out for r in results}, {"Shared update for task %s\n" % task})
        self.assertEqual(self.sql("SELECT author, text FROM messages WHERE task_id = ?", task),
                         [("retrier", text)])
        feed = self.json_lines(self.tm_ok("watch", "--task", task, "--kind", "share",
                                          "--format", "json"))
        self.assertEqual([(e["agent"], e["text"]) for e in feed], [("retrier", text)])
        ctx = json.loads(self.tm_ok("context", task, "--format", "json"))
        self.assertEqual([m["text"] for m in ctx["messages"]], [text])

    def test_same_request_id_option_at_once(self):
        task = self.add("idempotent post")
        self.check_one_message(
            task, [(["share", task, "--request-id", "req-1", "deploy started"], "retrier")] * N,
            "deploy started")
        self.assert_integrity()

    def test_same_request_id_environment_at_once(self):
        task = self.add("idempotent post")
        self.check_one_message(
            task, [(["share", task, "deploy started"], "retrier", {"TM_REQUEST_ID": "req-2"})] * N,
            "deploy started")
        self.assert_integrity()

    def test_request_ids_are_per_agent(self):
        # The same request id from other agents is a different post: the
        # race must not merge those. Reused by the same agent on another
        # task it is another request, refused.
        tasks = [self.add("first"), self.add("second")]
        racers = [(["share", tasks[0], "--request-id", "req-3", "hello from %s" % a], a)
                  for a in ("one", "two", "three") for _ in range(3)]
        self.assert_all_ok(self.race(racers))
        for a in ("one", "two", "three"):
            r = self.tm("share", tasks[1], "--request-id", "req-3", "hello from %s" % a, agent=a)
            self.assertEqual(r.rc, 5, r)
            self.assertIn("request id req-3 already used", r.err)
        self.assertEqual(
            sorted(self.sql("SELECT task_id, author, text FROM messages")),
            sorted((tasks[0], a, "hello from %s" % a) for a in ("one", "two", "three")))
        self.assert_integrity()


    def test_twenty_identical_adds_at_once(self):
        results = self.race([(["add", "deploy the site", "-p", "high", "--request-id",
                               "req-add"], "retrier")] * 20)
        self.assert_all_ok(results)
        self.assertEqual(len({r.out for r in results}), 1, results)
        tid = results[0].out.strip()
        self.assertRegex(tid, stress_util.ID_RE)
        self.assertEqual(self.sql("SELECT id, title, priority FROM tasks"),
                         [(tid, "deploy the site", 2)])
        self.assertEqual(self.sql("SELECT count(*) FROM events WHERE kind = 'created'"), [(1,)])
        self.assert_integrity()

    def test_twenty_different_posts_one_request_id(self):
        task = self.add("shared task")
        results = self.race([(["share", task, "--request-id", "req-post", "update %d" % i],
                              "retrier") for i in range(20)])
        won = [r for r in results if r.rc == 0]
        lost = [r for r in results if r.rc != 0]
        self.assertEqual(len(won), 1, results)
        self.assertEqual(len(lost), 19, results)
        for r in lost:
            self.assertEqual((r.rc, r.out), (5, ""), r)
            self.assertRegex(r.err, r"^tm: error: request id req-post already used for .*\n$")
        self.assertEqual(self.sql("SELECT author, text FROM messages WHERE task_id = ?", task),
                         [("retrier", won[0].args[-1])])
        self.assert_integrity()


if __name__ == "__main__":
    stress_util.main()
