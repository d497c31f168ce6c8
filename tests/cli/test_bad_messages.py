"""Issue 3's "Bad input" list, row by row: exit code, one `tm: error: `
line naming the problem, empty stdout, unchanged store. (Messages with
quotes, $vars, backslashes, newlines, emoji and RTL text are stored exactly:
see test_channels.py.)"""

import tmtest
from tmtest import TmCase

KINDS = ("note", "share", "discover", "sync", "progress")
LIMIT = 64 * 1024


class BadMessageCase(TmCase):
    def setUp(self):
        super().setUp()
        self.t = self.add("a task")
        self.ok("share", self.t, "existing message")


class TestPosting(BadMessageCase):
    def test_unknown_task(self):
        missing = "0badc0de" if not self.t.startswith("0bad") else "1badc0de"
        for kind in KINDS:
            self.assert_refused(3, [kind, missing, "hello"], missing)
            self.assert_refused(3, [kind, missing, "-"], missing, stdin="hello\n")
        self.assert_refused(3, ["join", missing], missing)

    def test_empty_or_blank(self):
        for kind in KINDS:
            for text in ("", " ", "  \t ", "\n\n"):
                self.assert_refused(5, [kind, self.t, text], "empty")
            for text in ("", "\n", "   \n\n"):
                self.assert_refused(5, [kind, self.t, "-"], "empty", stdin=text)

    def test_size_limit(self):
        self.ok("share", self.t, "x" * LIMIT)
        self.ok("note", self.t, "-", stdin="y" * LIMIT)
        self.ok("share", self.t, "\u00e9" * (LIMIT // 2))  # 64 KiB of UTF-8
        for kind in KINDS:
            self.assert_refused(5, [kind, self.t, "x" * (LIMIT + 1)], "limit")
            self.assert_refused(5, [kind, self.t, "-"], "limit", stdin="y" * (LIMIT + 1))
        self.assert_refused(5, ["share", self.t, "-"], "limit", stdin="z" * (3 * LIMIT))
        # Too long even when the byte just past the limit is a newline: the
        # rest must not be cut off silently.
        self.assert_refused(5, ["share", self.t, "-"], "limit",
                            stdin="y" * LIMIT + "\nthe tail\n")
        self.assert_refused(5, ["share", self.t, "-"], "limit",
                            stdin="y" * (LIMIT - 1) + "\n\nthe tail")
        self.assert_refused(5, ["share", self.t, "\u00e9" * (LIMIT // 2) + "x"], "limit")
        # Words joined by spaces count too.
        self.assert_refused(5, ["share", self.t, "x" * (LIMIT // 2), "x" * (LIMIT // 2)],
                            "limit")
        lengths = sorted(len(m["text"].encode()) for m in
                         self.json("context", self.t)["messages"])
        self.assertEqual(lengths, [16, LIMIT, LIMIT, LIMIT])

    def test_invalid_utf8(self):
        for kind in KINDS:
            for bad in (b"\xff", b"bad \xc3 byte", b"\xed\xa0\x80 surrogate",
                        b"\xc0\xaf overlong"):
                self.assert_refused(5, [kind, self.t, bad], "UTF-8")
                self.assert_refused(5, [kind, self.t, "-"], "UTF-8", stdin=bad + b"\n")
                self.assert_refused(5, [kind, self.t, "fine", bad], "UTF-8")

    def test_control_characters_and_nul(self):
        self.assert_refused(5, ["share", self.t, "bell\x07"], "control")
        self.assert_refused(5, ["share", self.t, "-"], "control", stdin="esc\x1b[2J")
        self.assert_refused(5, ["share", self.t, "-"], "NUL", stdin=b"nul\x00byte")

    def test_missing_arguments(self):
        for kind in KINDS:
            self.assert_refused(2, [kind], "usage")
            self.assert_refused(2, [kind, self.t], "usage")
        self.assert_refused(2, ["join"], "usage")
        self.assert_refused(2, ["context"], "usage")

    def test_bad_request_id(self):
        self.assert_refused(5, ["share", self.t, "hi", "--request-id", "has space"],
                            "request id")
        self.assert_refused(5, ["share", self.t, "hi", "--request-id", b"\xff"], "request id")

    def test_unknown_flag(self):
        self.assert_refused(2, ["share", self.t, "hi", "--priority", "high"], "unknown option")
        self.assert_refused(2, ["note", self.t, "--private", "hi"], "unknown option")


class TestReading(BadMessageCase):
    def test_context_unknown_task(self):
        missing = "0badc0de" if not self.t.startswith("0bad") else "1badc0de"
        self.assert_refused(3, ["context", missing], missing)
        self.assert_refused(3, ["context", missing, "--format", "json"], missing)
        self.assert_refused(5, ["context", "nothex"], "malformed")

    def test_since_not_a_number(self):
        for v in ("x", "-1", "1.5", "", "3abc", "0x10"):
            self.assert_refused(5, ["context", self.t, "--since", v], "since")
            self.assert_refused(5, ["watch", "--since", v], "since")

    def test_unknown_kind(self):
        for v in ("bogus", "share,bogus", "SHARE", "", ","):
            self.assert_refused(5, ["watch", "--kind", v], "kind")

    def test_bad_watch_values(self):
        self.assert_refused(5, ["watch", "--timeout", "soon"], "timeout")
        self.assert_refused(5, ["watch", "--timeout", "-1"], "timeout")
        self.assert_refused(5, ["watch", "--format", "simple"], "format")
        self.assert_refused(5, ["watch", "--limit", "0"], "limit")
        self.assert_refused(5, ["context", self.t, "--format", "markdown"], "format")

    def test_failed_watch_keeps_cursor(self):
        self.assert_refused(5, ["watch", "--kind", "bogus"], "kind")
        self.assertIn("existing message", self.ok("watch"))


if __name__ == "__main__":
    tmtest.main()
