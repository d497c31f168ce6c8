"""Contracts tm keeps whatever the input: errors are one line and never
echo control characters, a failed watch prints nothing, numbers are parsed
one way, a full disk is a store error, a bad $USER does not break reads,
and no agent id can move another agent's cursor."""

import json

import tmtest
from tmtest import TmCase


class TestViewCursors(TmCase):
    def view_cursors(self, agent):
        return self.sql("SELECT consumer, event_id FROM cursors"
                        " WHERE consumer LIKE ? AND consumer != ?", agent + "%", agent)

    def test_view_cursor_is_not_an_agent_id(self):
        a = self.add("a")
        self.ok("share", a, "first")
        seen = self.ok("watch", "--kind", "share", "--format", "json", agent="bob")
        self.assertEqual([json.loads(l)["text"] for l in seen.splitlines()], ["first"])
        [(view, pos)] = self.view_cursors("bob")
        self.ok("share", a, "second")
        # mallory acts as an agent named like bob's view cursor.
        before = self.snapshot()
        code, out, err = self.run_tm("watch", agent=view)
        self.assert_error_output(code, out, err, 5, ["agent id"])
        self.assertEqual(self.snapshot(), before)
        code, out, err = self.run_tm("--agent", view, "watch")
        self.assert_error_output(code, out, err, 5, ["agent id"])
        self.assertEqual(self.view_cursors("bob"), [(view, pos)])
        # bob's view still shows what is new to it.
        seen = self.ok("watch", "--kind", "share", "--format", "json", agent="bob")
        self.assertEqual([json.loads(l)["text"] for l in seen.splitlines()], ["second"])


if __name__ == "__main__":
    tmtest.main()
