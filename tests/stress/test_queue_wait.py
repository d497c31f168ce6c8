"""Waits wake when the awaited change commits in another process (issue 7).

Each case starts a waiting process with a long timeout (60 s), lets it
settle, checks that it is still waiting (the awaited state does not hold
yet), commits the change from another process, and then requires the
waiter to succeed long before its timeout would have ended it (it must
exit within 30 s; in practice it takes milliseconds). Nothing here measures
how fast: the point is that the wait notices a commit made elsewhere
rather than running to its timeout.

LibraryWait: taskorch_task_wait and taskorch_task_claim_v2 with
TASKORCH_CLAIM_WAIT, through stress_queue. TmWait: `tm wait` and
`tm claim --wait`."""

import subprocess
import time

import queue_util
import stress_util

WAITER_TIMEOUT_MS = 60000
WOKEN_WITHIN_S = 30   # well before the waiter's own timeout
SETTLE_S = 0.3        # time for the waiter to start waiting


class WaitCase(queue_util.QueueCase):

    def start(self, argv, agent="waiter"):
        p = subprocess.Popen(argv, env=self.env(agent), cwd=self.tmp,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.addCleanup(_reap, p)
        return p

    def settle(self, p, first_line=None):
        """Waits until the waiter reports it is waiting (when it says so),
        gives it time to block, and checks it is still running."""
        if first_line is not None:
            self.assertEqual(p.stdout.readline().decode(), first_line)
        time.sleep(SETTLE_S)
        if p.poll() is not None:
            self.fail("returned before the change: %r" % (self.finish(p),))

    def finish(self, p):
        out, err = p.communicate(timeout=WOKEN_WITHIN_S)
        return p.returncode, out.decode(), err.decode()


class LibraryWait(WaitCase):

    def waiter(self, *args):
        p = self.start([queue_util.QUEUE, "wait", self.store, "waiter",
                        str(WAITER_TIMEOUT_MS)] + list(args))
        self.settle(p, "waiting\n")
        return p

    def claimer(self):
        p = self.start([queue_util.QUEUE, "claimwait", self.store, "waiter",
                        str(WAITER_TIMEOUT_MS)])
        self.settle(p, "waiting\n")
        return p

    def test_task_wait_wakes_on_completion(self):
        a = self.add("awaited")
        p = self.waiter(a)
        self.tm_ok("complete", a, agent="other")
        self.assertEqual(self.finish(p), (0, "done\n", ""))

    def test_task_wait_all_of_several(self):
        a, b = self.add("first"), self.add("second")
        p = self.waiter(a, b)
        self.tm_ok("complete", a, agent="other")
        self.settle(p)  # one of two is not enough
        self.tm_ok("complete", b, agent="other")
        self.assertEqual(self.finish(p), (0, "done\n", ""))

    def test_task_wait_everything(self):
        a, root = self.add("first"), self.add("root")
        b = self.add("second", "--depends-on", root)
        p = self.waiter()
        for tid in (a, root):
            self.tm_ok("complete", tid, agent="other")
            self.settle(p)  # something is still pending or blocked
        self.tm_ok("complete", b, agent="other")
        self.assertEqual(self.finish(p), (0, "done\n", ""))

    def test_claim_wait_wakes_on_new_task(self):
        self.add("someone else's", "--assignee", "other")  # not claimable by waiter
        p = self.claimer()
        tid = self.add("new work")
        rc, out, err = self.finish(p)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out.split()[:2], ["claimed", tid])
        self.assertEqual(self.sql("SELECT status, assignee FROM tasks WHERE id = ?", tid),
                         [(1, "waiter")])

    def test_claim_wait_wakes_on_unblocking(self):
        root = self.add("root")
        child = self.add("child", "--depends-on", root)
        self.tm_ok("claim", root, agent="other")
        p = self.claimer()
        self.tm_ok("complete", root, agent="other")
        rc, out, err = self.finish(p)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out.split()[:2], ["claimed", child])


class TmWait(WaitCase):

    def tm_start(self, *args):
        p = self.start([stress_util.TM] + list(args))
        self.settle(p)
        return p

    def test_tm_wait_wakes_on_completion(self):
        a, b = self.add("first"), self.add("second")
        p = self.tm_start("wait", a, b, "--timeout", "60s")
        self.tm_ok("complete", a, agent="other")
        self.settle(p)
        self.tm_ok("complete", b, agent="other")
        self.assertEqual(self.finish(p), (0, "", ""))

    def test_tm_wait_all(self):
        a = self.add("first")
        p = self.tm_start("wait", "--all", "--timeout", "60s")
        self.tm_ok("complete", a, agent="other")
        self.assertEqual(self.finish(p), (0, "", ""))

    def test_tm_claim_wait_wakes_on_new_task(self):
        self.add("someone else's", "--assignee", "other")
        p = self.tm_start("claim", "--wait", "--timeout", "60s")
        tid = self.add("new work")
        self.assertEqual(self.finish(p), (0, tid + "\n", ""))
        self.assertEqual(self.sql("SELECT status, assignee FROM tasks WHERE id = ?", tid),
                         [(1, "waiter")])

    def test_tm_claim_wait_wakes_on_unblocking(self):
        root = self.add("root")
        child = self.add("child", "--depends-on", root)
        self.tm_ok("claim", root, agent="other")
        p = self.tm_start("claim", "--wait", "--timeout", "60s")
        self.tm_ok("complete", root, agent="other")
        self.assertEqual(self.finish(p), (0, child + "\n", ""))


def _reap(p):
    if p.poll() is None:
        p.kill()
    p.communicate()


if __name__ == "__main__":
    queue_util.main()
