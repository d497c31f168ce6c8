"""Exact idempotency under a real race (issue 7), through the C API
(taskorch_db_next_write's request_id, msg_post's request_id).

20 processes of one agent create a task with the same request id and the
same arguments at once: exactly one task exists afterwards and all 20 print
its id. 20 processes post with one request id and 20 different texts: one
message is stored, the 19 others are refused with TASKORCH_EREQUEST (never
a silent success). The tm command line's side of this is in
test_request_id_race.py."""

import queue_util
import stress_util

N = 20


class QueueRequestRace(queue_util.QueueCase):

    def setUp(self):
        super().setUp()
        self.anchor = self.add("anchor")  # creates the store

    def test_same_add_twenty_times_at_once(self):
        results = self.race_queue([["add", self.store, "retrier", "req-add", "deploy"]] * N)
        self.assert_all_ok(results)
        ids = {r.out for r in results}
        self.assertEqual(len(ids), 1, [r.out for r in results])
        tid = ids.pop().strip()
        self.assertRegex(tid, r"^[0-9a-f]{8}$")
        self.assertEqual(self.sql("SELECT id, title, created_by FROM tasks WHERE id != ?",
                                  self.anchor), [(tid, "deploy", "retrier")])
        self.assertEqual(self.sql("SELECT count(*) FROM events WHERE kind = 'created'"
                                  " AND task_id = ?", tid), [(1,)])
        self.assert_integrity()

    def test_one_request_id_for_different_adds(self):
        results = self.race_queue([["add", self.store, "retrier", "req-add2", "title %d" % i]
                                   for i in range(N)])
        won = [r for r in results if r.rc == 0]
        lost = [r for r in results if r.rc != 0]
        self.assertEqual(len(won), 1, results)
        for r in lost:
            self.assertEqual((r.rc, r.out), (5, ""), r)
            self.assertTrue(r.err.startswith("error EREQUEST add: "), r)
            self.assertEqual(r.err.count("\n"), 1, r)
        title = won[0].args[-1]
        self.assertEqual(self.sql("SELECT id, title FROM tasks WHERE id != ?", self.anchor),
                         [(won[0].out.strip(), title)])
        self.assert_integrity()

    def test_one_request_id_twenty_different_posts(self):
        task = self.anchor
        results = self.race_queue([["post", self.store, "retrier", task, "req-post",
                                    "progress %d" % i] for i in range(N)])
        won = [r for r in results if r.rc == 0]
        lost = [r for r in results if r.rc != 0]
        self.assertEqual(len(won), 1, results)
        self.assertEqual(len(lost), N - 1)
        for r in lost:
            self.assertEqual((r.rc, r.out), (5, ""), r)
            self.assertTrue(r.err.startswith("error EREQUEST post: "), r)
        text = won[0].args[-1]
        self.assertEqual(self.sql("SELECT id, author, text FROM messages WHERE task_id = ?",
                                  task), [(int(won[0].out), "retrier", text)])
        self.assert_integrity()

    def test_one_request_id_twenty_same_posts(self):
        task = self.anchor
        results = self.race_queue([["post", self.store, "retrier", task, "req-same",
                                    "deploy started"]] * N)
        self.assert_all_ok(results)
        self.assertEqual(len({r.out for r in results}), 1, results)
        self.assertEqual(self.sql("SELECT id, text FROM messages WHERE task_id = ?", task),
                         [(int(results[0].out), "deploy started")])
        self.assert_integrity()

    def race_queue(self, argvs):
        procs, outs = self.start_parked([([queue_util.QUEUE] + a, "retrier") for a in argvs])
        self.wait_all(procs)
        return [stress_util.Result(a, p.returncode, queue_util.read_file(o),
                                   queue_util.read_file(p.err_file))
                for a, p, o in zip(argvs, procs, outs)]


if __name__ == "__main__":
    queue_util.main()
