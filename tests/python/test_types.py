"""Wrong argument types raise TypeError before anything reaches C, and
values C cannot represent raise ValidationError; the store is unchanged."""
import unittest

import helpers
import taskorch


class ArgumentTypes(helpers.StoreTest):
    def setUp(self):
        super().setUp()
        self.t = self.store.add("target").id
        self.events_before = self.event_count()

    def tearDown(self):
        self.assertEqual(self.event_count(), self.events_before, "a bad call wrote")
        self.assertEqual([t.title for t in self.store.tasks()], ["target"])

    def test_type_errors(self):
        s, t = self.store, self.t
        calls = {
            "add title bytes": lambda: s.add(b"title"),
            "add title int": lambda: s.add(5),
            "add title None": lambda: s.add(None),
            "add description": lambda: s.add("x", description=3),
            "add priority int": lambda: s.add("x", priority=2),
            "add assignee": lambda: s.add("x", assignee=b"bob"),
            "add tags int": lambda: s.add("x", tags=5),
            "add tags bytes": lambda: s.add("x", tags=b"tag"),
            "add tag item": lambda: s.add("x", tags=["ok", 7]),
            "add files": lambda: s.add("x", files=[None]),
            "add depends_on int": lambda: s.add("x", depends_on=12345678),
            "get int": lambda: s.get(1234),
            "get bytes": lambda: s.get(t.encode()),
            "get None": lambda: s.get(None),
            "resolve": lambda: s.resolve(3.5),
            "update status int": lambda: s.update(t, status=1),
            "update force int": lambda: s.update(t, title="y", force=1),
            "update add_tags": lambda: s.update(t, add_tags=object()),
            "complete summary": lambda: s.complete(t, summary=5),
            "complete force str": lambda: s.complete(t, force="yes"),
            "set_status None": lambda: s.set_status(t, None),
            "assign": lambda: s.assign(t, 5),
            "delete force": lambda: s.delete(t, force=None),
            "tasks status": lambda: s.tasks(status=1),
            "tasks limit str": lambda: s.tasks(limit="5"),
            "tasks limit bool": lambda: s.tasks(limit=True),
            "tasks limit float": lambda: s.tasks(limit=2.0),
            "tasks ready": lambda: s.tasks(ready="yes"),
            "tasks sort": lambda: s.tasks(sort=None),
            "ready limit": lambda: s.ready(limit="1"),
            "add_dependencies": lambda: s.add_dependencies(t, 5),
            "remove_dependencies": lambda: s.remove_dependencies(t, b"abcd"),
            "dependencies": lambda: s.dependencies(None),
            "join": lambda: s.join(b"x"),
            "note text": lambda: s.note(t, b"bytes"),
            "share text": lambda: s.share(t, None),
            "post request_id": lambda: s.share(t, "hi", request_id=5),
            "post kind": lambda: s.post(t, 1, "hi"),
            "messages kinds": lambda: s.messages(t, kinds=3),
            "messages since": lambda: s.messages(t, since="1"),
            "participants": lambda: s.participants(1),
            "events after": lambda: s.events(after="0"),
            "events since None": lambda: s.events(since=None),
            "events kinds": lambda: s.events(kinds=[1]),
            "events mine": lambda: s.events(mine=1),
            "wait_event after": lambda: s.wait_event("1"),
            "wait_event timeout": lambda: s.wait_event(0, timeout=b"1"),
            "wait tasks": lambda: s.wait(5.0),
            "wait timeout": lambda: s.wait(t, timeout=[1]),
            "watch timeout": lambda: s.watch(timeout=b"1"),
            "claim tag": lambda: s.claim(tag=1),
            "claim lease": lambda: s.claim(lease=b"15m"),
            "heartbeat lease": lambda: s.heartbeat(t, lease=[5]),
            "release unassign": lambda: s.release(t, unassign=1),
            "complete claim str": lambda: s.complete(t, claim="3"),
            "share force": lambda: s.share(t, "hi", force="yes"),
            "add request_id": lambda: s.add("x", request_id=7),
            "add estimate str": lambda: s.add("x", estimate="2"),
            "config_get key": lambda: s.config_get(None),
            "config_set value": lambda: s.config_set("lease", 5),
            "open default_lease": lambda: taskorch.Store(self.db, default_lease=b"1m"),
            "watch consumer": lambda: s.watch(consumer=5),
            "cursor": lambda: s.cursor(5),
            "set_cursor": lambda: s.set_cursor("5"),
            "agent": lambda: setattr(s, "agent", 5),
            "open path": lambda: taskorch.Store(5),
            "open agent": lambda: taskorch.Store(self.db, agent=5),
            "open create": lambda: taskorch.Store(self.db, create="yes"),
            "open busy_timeout": lambda: taskorch.Store(self.db, busy_timeout="1"),
            "locate": lambda: taskorch.locate(3),
            "is_valid_agent": lambda: taskorch.is_valid_agent(None),
        }
        for name, call in calls.items():
            with self.subTest(call=name):
                with self.assertRaises(TypeError):
                    call()

    def test_values_c_cannot_carry(self):
        s, t = self.store, self.t
        calls = {
            "NUL in title": lambda: s.add("a\0b"),
            "NUL in tag": lambda: s.add("x", tags=["a\0"]),
            "NUL in text": lambda: s.share(t, "a\0b"),
            "NUL in path": lambda: taskorch.Store(self.db + "\0x"),
            "negative limit": lambda: s.tasks(limit=-1),
            "negative since": lambda: s.messages(t, since=-1),
            "negative after": lambda: s.events(after=-5),
            "huge after": lambda: s.events(after=2**63),
            "negative cursor": lambda: s.set_cursor(-1),
            "negative timeout": lambda: s.wait_event(0, timeout=-1),
            "nan timeout": lambda: s.wait_event(0, timeout=float("nan")),
            "bad duration": lambda: s.wait(t, timeout="soon"),
            "zero lease": lambda: s.claim(t, lease=0),
            "zero claim number": lambda: s.complete(t, claim=0),
            "negative estimate": lambda: s.add("x", estimate=-2),
            "open zero default_lease": lambda: taskorch.Store(self.db, default_lease="0m"),
            "unknown priority": lambda: s.add("x", priority="urgent"),
            "unknown status": lambda: s.update(t, status="done"),
            "unknown kind": lambda: s.messages(t, kinds="gossip"),
            "unknown event kind": lambda: s.events(kinds=["gossip"]),
        }
        for name, call in calls.items():
            with self.subTest(call=name):
                with self.assertRaises(taskorch.ValidationError) as cm:
                    call()
                self.assertEqual(cm.exception.code, taskorch._lib.TASKORCH_EINVAL)

    def test_unknown_names_list_the_valid_ones(self):
        with self.assertRaises(taskorch.ValidationError) as cm:
            self.store.add("x", priority="urgent")
        self.assertEqual(str(cm.exception),
                         "unknown priority 'urgent'; use low, medium, high or critical")
        with self.assertRaises(taskorch.ValidationError) as cm:
            self.store.set_status(self.t, "done")
        self.assertEqual(str(cm.exception), "unknown status 'done'; use pending, "
                         "in_progress, completed, blocked or cancelled")
        with self.assertRaises(taskorch.ValidationError) as cm:
            self.store.events(kinds="gossip")
        self.assertIn("unknown event kind 'gossip'", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
