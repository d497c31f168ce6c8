"""Per-task channels: private notes, shared updates, discoveries, sync
points, progress; joining; participants; idempotent posts."""
import unittest

import helpers
import taskorch


class Channels(helpers.StoreTest):
    def setUp(self):
        super().setUp()
        self.task = self.store.add("channel task").id
        self.bob = self.open("bob")

    def test_every_kind_posts_and_reads_back(self):
        s, t = self.store, self.task
        ids = [s.note(t, "my note"), s.share(t, "an update"), s.discover(t, "found a bug"),
               s.sync(t, "checkpoint 1"), s.progress(t, "50% done"),
               s.post(t, "share", "via post")]
        self.assertEqual(ids, sorted(ids))
        msgs = list(s.messages(t))
        self.assertEqual([(m.id, m.kind, m.text, m.author, m.task) for m in msgs], [
            (ids[0], "note", "my note", "alice", t), (ids[1], "share", "an update", "alice", t),
            (ids[2], "discover", "found a bug", "alice", t),
            (ids[3], "sync", "checkpoint 1", "alice", t),
            (ids[4], "progress", "50% done", "alice", t),
            (ids[5], "share", "via post", "alice", t)])
        self.assertIsNotNone(msgs[0].created_at.tzinfo)

    def test_notes_are_private_to_their_author(self):
        s, b, t = self.store, self.bob, self.task
        s.note(t, "alice secret")
        b.note(t, "bob secret")
        b.share(t, "bob public")
        self.assertEqual([m.text for m in s.messages(t)], ["alice secret", "bob public"])
        self.assertEqual([m.text for m in b.messages(t)], ["bob secret", "bob public"])
        self.assertEqual([m.text for m in s.messages(t, kinds="note")], ["alice secret"])
        # The change feed keeps the same privacy.
        self.assertEqual([e.text for e in s.events(kinds="note")], ["alice secret"])
        self.assertEqual([e.text for e in b.events(kinds="note")], ["bob secret"])
        # So does tm for the other agent.
        out = self.tm("context", t, agent="carol")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertNotIn("secret", out.stdout)
        self.assertIn("bob public", out.stdout)

    def test_filters(self):
        s, t = self.store, self.task
        ids = [s.share(t, "one"), s.discover(t, "two"), s.progress(t, "three"),
               s.share(t, "four")]
        self.assertEqual([m.text for m in s.messages(t, kinds=["share", "progress"])],
                         ["one", "three", "four"])
        self.assertEqual([m.text for m in s.messages(t, since=ids[1])], ["three", "four"])
        self.assertEqual([m.text for m in s.messages(t, limit=2)], ["three", "four"])
        self.assertEqual(list(s.messages(t, since=ids[-1])), [])

    def test_request_id_makes_a_post_idempotent(self):
        s, t = self.store, self.task
        first = s.share(t, "deploy started", request_id="req-1")
        again = s.share(t, "deploy started", request_id="req-1")
        self.assertEqual(first, again)
        self.assertEqual(len(list(s.messages(t))), 1)
        # Another agent's request id is its own.
        self.assertNotEqual(self.bob.share(t, "deploy started", request_id="req-1"), first)

    def test_joining_and_participants(self):
        s, b, t = self.store, self.bob, self.task
        self.assertEqual(s.participants(t), [])
        b.join(t)
        b.join(t)  # idempotent
        s.share(t, "posting joins")
        self.assertEqual(s.participants(t), ["bob", "alice"])
        self.assertEqual([e.agent for e in s.events(task=t, kinds="joined")], ["bob", "alice"])

    def test_bad_messages(self):
        s, t = self.store, self.task
        for text in ("", "   \n"):
            with self.assertRaises(taskorch.ValidationError) as cm:
                s.share(t, text)
            self.assertIn("empty", str(cm.exception))
        with self.assertRaises(taskorch.ValidationError) as cm:
            s.share(t, "x" * (taskorch._lib.TASKORCH_MSG_MAX + 1))
        with self.assertRaises(taskorch.NotFoundError):
            s.share("abcd0123", "nobody home")
        with self.assertRaises(taskorch.NotFoundError):
            list(s.messages("abcd0123"))
        self.assertEqual(list(s.messages(t)), [])

    def test_multiline_and_unicode_text_round_trips(self):
        text = "line one\nline two\twith tab — ünïcode ✓"
        self.store.share(self.task, text)
        (m,) = self.bob.messages(self.task)
        self.assertEqual(m.text, text)


if __name__ == "__main__":
    unittest.main()
