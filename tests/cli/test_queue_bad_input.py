"""Bad input to the queue commands (issue 7): each row gets its exit code,
exactly one `tm: error: ` line naming the problem, an empty stdout and an
unchanged store (assert_refused compares a snapshot of every table and
mirror file before and after)."""

import tmtest
from tmtest import TmCase


class QueueBadInput(TmCase):
    def setUp(self):
        super().setUp()
        self.pending = self.add("pending")
        self.done = self.add("done")
        self.ok("complete", self.done)
        self.gone = self.add("gone")
        self.ok("update", self.gone, "--status", "cancelled")
        self.waiting = self.add("waiting", "--depends-on", self.pending)
        self.by_hand = self.add("by hand")
        self.ok("update", self.by_hand, "--status", "blocked")
        self.held = self.add("held")
        self.ok("claim", self.held, "--lease", "1h", agent="alice")
        self.missing = next(m for m in ("0123abcd", "4567abcd", "89abcdef")
                            if m[:4] not in {t[:4] for t in (self.pending, self.done, self.gone,
                                                              self.waiting, self.by_hand,
                                                              self.held)})


class TestClaimRefusals(QueueBadInput):
    def test_unknown_task(self):
        self.assert_refused(3, ["claim", self.missing], [self.missing])
        self.assert_refused(3, ["claim", self.missing, "--json"], [self.missing])

    def test_completed_cancelled_blocked(self):
        self.assert_refused(5, ["claim", self.done], [self.done, "completed"])
        self.assert_refused(5, ["claim", self.gone], [self.gone, "cancelled"])
        self.assert_refused(5, ["claim", self.waiting], [self.waiting, self.pending])
        self.assert_refused(5, ["claim", self.by_hand], [self.by_hand, "blocked"])

    def test_held_by_another_agent(self):
        self.assert_refused(5, ["claim", self.held], [self.held, "alice"], agent="bob")
        self.assert_refused(5, ["claim", self.held, "--lease", "5m"], ["alice"], agent="bob")

    def test_usage(self):
        self.assert_refused(2, ["claim", "--timeout", "5s"], ["--wait"])
        for flag in (["--tag", "x"], ["--priority", "high"], ["--resume"], ["--mine"],
                     ["--wait"]):
            self.assert_refused(2, ["claim", self.pending] + flag, [flag[0]])
        self.assert_refused(2, ["claim", "--force"], "unknown option")
        self.assert_refused(5, ["claim", "--priority", "urgent"], ["urgent"])


class TestFencingRefusals(QueueBadInput):
    def test_non_holder(self):
        for args in (["heartbeat", self.held], ["release", self.held],
                     ["release", self.held, "--unassign"], ["complete", self.held],
                     ["update", self.held, "--status", "completed"],
                     ["update", self.held, "--status", "pending"],
                     ["progress", self.held, "half way"]):
            self.assert_refused(5, args, ["alice"], agent="bob")

    def test_stale_claim(self):
        n = self.task(self.held)["claim"]
        self.ok("release", self.held, agent="alice")
        self.ok("claim", self.held, agent="alice")
        for args in (["heartbeat", self.held], ["release", self.held], ["complete", self.held],
                     ["progress", self.held, "x"]):
            self.assert_refused(5, args + ["--claim", str(n)], ["claim"], agent="alice")

    def test_heartbeat_or_release_of_an_unclaimed_task(self):
        for tid in (self.pending, self.done):
            self.assert_refused(5, ["heartbeat", tid], [tid])
            self.assert_refused(5, ["release", tid], [tid])
        self.assert_refused(3, ["heartbeat", self.missing], [self.missing])
        self.assert_refused(3, ["release", self.missing], [self.missing])

    def test_bad_claim_numbers(self):
        for bad in ("abc", "0", "-1", "1.5", ""):
            self.assert_refused(5, ["complete", self.held, "--claim", bad], ["--claim"],
                                agent="alice")
            self.assert_refused(5, ["heartbeat", self.held, "--claim", bad], ["--claim"],
                                agent="alice")


class TestDurations(QueueBadInput):
    BAD = ("0", "0s", "-5m", "5x", "abc", "", "1.5h", "m", "15 m", "99999999999999999999d")

    def test_lease(self):
        for bad in self.BAD:
            self.assert_refused(5, ["claim", "--lease", bad], ["--lease", "duration"])
            if " " not in bad:  # a word with a space is an argument, not an option
                self.assert_refused(5, ["claim", self.pending, "--lease=" + bad], ["--lease"])
            self.assert_refused(5, ["heartbeat", self.held, "--lease", bad], ["--lease"],
                                agent="alice")
        self.assert_refused(5, ["heartbeat", self.held, "--lease", "none"], ["--lease"],
                            agent="alice")

    def test_tm_lease(self):
        for bad in ("0", "-5m", "5x"):
            self.assert_refused(5, ["claim"], ["TM_LEASE", bad], env={"TM_LEASE": bad})

    def test_timeouts(self):
        for bad in self.BAD:
            self.assert_refused(5, ["claim", "--wait", "--timeout", bad], ["--timeout"])
            self.assert_refused(5, ["wait", self.pending, "--timeout", bad], ["--timeout"])
        for bad in ("abc", "-1", "5x"):
            self.assert_refused(5, ["watch", "--follow", "--timeout", bad], ["--timeout"])

    def test_config_lease(self):
        for bad in ("0", "-5m", "5x", ""):
            self.assert_refused(5, ["config", "lease", "--", bad], ["lease"])
        self.assert_refused(5, ["config", "no-such-key", "1"], ["no-such-key"])
        self.assert_refused(5, ["config", "no-such-key"], ["no-such-key"])
        self.assert_refused(2, ["config", "lease", "1m", "--unset"], ["--unset"])
        self.assert_refused(2, ["config", "lease", "1m", "extra"], ["unexpected"])


class TestRequestIdRefusals(QueueBadInput):
    def test_reused_for_different_content(self):
        self.ok("add", "first", "--request-id", "r1")
        self.assert_refused(5, ["add", "second", "--request-id", "r1"], ["request id", "r1"])
        self.ok("share", self.pending, "one", "--request-id", "p1")
        self.assert_refused(5, ["share", self.pending, "two", "--request-id", "p1"],
                            ["request id"])
        self.assert_refused(5, ["share", self.held, "one", "--request-id", "p1"],
                            ["request id"])

    def test_reused_for_a_different_operation(self):
        self.ok("add", "first", "--request-id", "r1")
        for args in (["claim"], ["complete", self.pending], ["note", self.pending, "first"],
                     ["update", self.pending, "--priority", "high"], ["join", self.pending],
                     ["dep", "add", self.waiting, self.done], ["delete", self.gone],
                     ["assign", self.pending, "bob"]):
            self.assert_refused(5, args + ["--request-id", "r1"], ["request id"])
        self.assert_refused(5, ["discover", self.pending, "x"], ["request id"],
                            env={"TM_REQUEST_ID": "r1"})

    def test_malformed(self):
        for bad in ("has space", "x" * 65, "a/b"):
            self.assert_refused(5, ["add", "t", "--request-id", bad], ["request id"])
            self.assert_refused(5, ["share", self.pending, "t"], ["TM_REQUEST_ID"],
                                env={"TM_REQUEST_ID": bad})


class TestWaitRefusals(QueueBadInput):
    def test_unknown_id(self):
        self.assert_refused(3, ["wait", self.missing], [self.missing])
        self.assert_refused(3, ["wait", self.done, self.missing, "--timeout", "1h"],
                            [self.missing])

    def test_usage_and_values(self):
        self.assert_refused(2, ["wait"], ["--all"])
        self.assert_refused(2, ["wait", "--all", self.done], ["--all"])
        self.assert_refused(5, ["wait", self.done, "--status", "done"], ["done"])


class TestOtherValues(QueueBadInput):
    def test_estimates(self):
        for bad in ("abc", "-1", "0", "1e3", "nan", "inf", "", "1.2.3", ".", "2h"):
            self.assert_refused(5, ["add", "t", "--estimate", bad], ["--estimate"])
        for bad in ("abc", "-1", "nan", ""):
            self.assert_refused(5, ["update", self.pending, "--estimate", bad], ["--estimate"])

    def test_formats(self):
        self.assert_refused(5, ["list", "--json", "--format", "simple"], ["--json"])
        self.assert_refused(5, ["claim", "--format", "simple"], ["simple"])
        self.assert_refused(5, ["add", "t", "--format", "markdown"], ["markdown"])
        self.assert_refused(5, ["critical-path", "--format", "simple"], ["simple"])
        self.assert_refused(5, ["graph", "--format", "text"], ["text"])
        self.assert_refused(5, ["complete", self.pending, "--format", "xml"], ["xml"])

    def test_mine_contradicts_assignee(self):
        self.assert_refused(2, ["list", "--mine", "--assignee", "bob"], ["--mine"])
        self.assert_refused(2, ["ready", "--mine", "--assignee", "bob"], ["--mine"])


if __name__ == "__main__":
    tmtest.main()
