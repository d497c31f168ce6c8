"""The same post retried concurrently (issue 3): ten processes of one agent
posting with the same request id at once make exactly one message, and all
ten succeed with the same confirmation, as if each had been the first."""

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


if __name__ == "__main__":
    stress_util.main()
