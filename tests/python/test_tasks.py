"""Tasks through the Pythonic layer: create, read, change, list."""
import datetime
import unittest

import helpers
import taskorch
from taskorch import FileRef


class Creating(helpers.StoreTest):
    def test_add_returns_the_full_task(self):
        before = datetime.datetime.now(datetime.timezone.utc)
        t = self.store.add("Build the login API", description="JWT based",
                           priority="high", assignee="backend", tags=["api", "auth"],
                           files=["src/auth.c:10:20", "src/login.c:5", "README.md"])
        after = datetime.datetime.now(datetime.timezone.utc)
        self.assertRegex(t.id, r"^[0-9a-f]{8}$")
        self.assertEqual(t.title, "Build the login API")
        self.assertEqual(t.description, "JWT based")
        self.assertEqual(t.priority, "high")
        self.assertEqual(t.status, "pending")
        self.assertEqual(t.assignee, "backend")
        self.assertEqual(t.created_by, "alice")
        self.assertEqual(t.tags, ("api", "auth"))
        self.assertEqual(t.files, (FileRef("src/auth.c", 10, 20), FileRef("src/login.c", 5),
                                   FileRef("README.md")))
        self.assertEqual([str(f) for f in t.files], ["src/auth.c:10:20", "src/login.c:5",
                                                     "README.md"])
        self.assertEqual(t.depends_on, ())
        self.assertIsNone(t.completed_at)
        self.assertIsNone(t.summary)
        self.assertFalse(t.blocked_by_hand)
        self.assertIsInstance(t.created_at, datetime.datetime)
        self.assertEqual(t.created_at.tzinfo, datetime.timezone.utc)
        slack = datetime.timedelta(seconds=1)
        self.assertTrue(before - slack <= t.created_at <= after + slack)
        self.assertEqual(self.store.get(t.id), t)

    def test_defaults(self):
        t = self.store.add("plain")
        self.assertEqual((t.priority, t.description, t.assignee, t.tags, t.files),
                         ("medium", None, None, (), ()))

    def test_single_tag_string_is_one_tag(self):
        self.assertEqual(self.store.add("t", tags="backend").tags, ("backend",))

    def test_unicode_and_injection_round_trip(self):
        titles = ["Ünïcödé — 日本語 ✓", "שלום עולם", "'); DROP TABLE tasks; --"]
        ids = [self.store.add(x).id for x in titles]
        self.assertEqual([self.store.get(i).title for i in ids], titles)

    def test_prefix_lookup_and_resolve(self):
        t = self.store.add("find me")
        self.assertEqual(self.store.get(t.id[:4]).id, t.id)
        self.assertEqual(self.store.get(t.id.upper()).id, t.id)
        self.assertEqual(self.store.resolve(t.id[:5]), t.id)
        self.assertEqual(self.store[t.id[:6]].title, "find me")
        self.assertIn(t.id, self.store)
        self.assertIn(t, self.store)
        self.assertNotIn("0000" if not t.id.startswith("0000") else "ffff", self.store)


class Changing(helpers.StoreTest):
    def test_update_fields(self):
        t = self.store.add("old", description="d", tags=["a", "b"])
        u = self.store.update(t.id, title="new", description="", priority="critical",
                              assignee="bob", add_tags=["c"], remove_tags="a",
                              add_files=["x.py:3"])
        self.assertEqual((u.title, u.description, u.priority, u.assignee),
                         ("new", None, "critical", "bob"))
        self.assertEqual(u.tags, ("b", "c"))
        self.assertEqual(u.files, (FileRef("x.py", 3),))
        self.assertGreaterEqual(u.updated_at, t.updated_at)
        self.assertEqual(self.store.get(t.id), u)
        self.assertIsNone(self.store.update(t.id, assignee="").assignee)

    def test_update_with_nothing_to_change_is_refused(self):
        t = self.store.add("t")
        before = self.event_count()
        with self.assertRaises(taskorch.ValidationError) as cm:
            self.store.update(t.id)
        self.assertEqual(cm.exception.code, taskorch._lib.TASKORCH_EINVAL)
        self.assertNotEqual(str(cm.exception), "invalid value")
        self.assertEqual(self.event_count(), before)

    def test_status_changes(self):
        t = self.store.add("t")
        self.store.start(t)
        self.assertEqual(self.store.get(t.id).status, "in_progress")
        self.store.set_status(t.id, "blocked")
        b = self.store.get(t.id)
        self.assertEqual((b.status, b.blocked_by_hand), ("blocked", True))
        self.store.set_status(t.id, "in-progress")
        self.assertEqual(self.store.get(t.id).status, "in_progress")
        self.store.complete(t.id, summary="done well")
        c = self.store.get(t.id)
        self.assertEqual((c.status, c.summary, c.done), ("completed", "done well", True))
        self.assertIsNotNone(c.completed_at)
        self.store.update(t.id, status="pending")
        self.assertIsNone(self.store.get(t.id).completed_at)
        self.store.set_status(t.id, "cancelled")
        self.assertEqual(self.store.get(t.id).status, "cancelled")

    def test_assign_and_unassign(self):
        t = self.store.add("t")
        self.store.assign(t.id, "carol")
        self.assertEqual(self.store.get(t.id).assignee, "carol")
        self.store.assign(t.id, None)
        self.assertIsNone(self.store.get(t.id).assignee)
        with self.assertRaises(taskorch.ValidationError):
            self.store.assign(t.id, "not valid")

    def test_delete(self):
        t = self.store.add("t")
        self.store.note(t.id, "private")
        self.store.delete(t.id)
        with self.assertRaises(taskorch.NotFoundError):
            self.store.get(t.id)
        self.assertEqual(list(self.store.tasks()), [])
        self.assertEqual([e.kind for e in self.store.events(task=None)][-1], "deleted")


class Listing(helpers.StoreTest):
    def setUp(self):
        super().setUp()
        s = self.store
        self.low = s.add("low one", priority="low", assignee="bob", tags=["x"])
        self.crit = s.add("critical one", priority="critical", tags=["x", "y"])
        self.med = s.add("medium one", assignee="bob")
        self.dep = s.add("needs low", depends_on=[self.low.id])
        s.start(self.med)
        s.complete(self.crit)

    def titles(self, it):
        return [t.title for t in it]

    def test_default_order_is_priority_then_oldest(self):
        self.assertEqual(self.titles(self.store.tasks()),
                         ["critical one", "medium one", "needs low", "low one"])
        self.assertEqual(self.titles(self.store),
                         ["critical one", "medium one", "needs low", "low one"])

    def test_sorts(self):
        self.assertEqual(self.titles(self.store.tasks(sort="created")),
                         ["low one", "critical one", "medium one", "needs low"])
        # Times have millisecond resolution, so only the order is checked.
        updated = [t.updated_at for t in self.store.tasks(sort="updated")]
        self.assertEqual(updated, sorted(updated, reverse=True))
        self.assertEqual(len(updated), 4)
        with self.assertRaises(taskorch.ValidationError) as cm:
            self.store.tasks(sort="random")
        self.assertIn("unknown sort 'random'", str(cm.exception))

    def test_filters(self):
        s = self.store
        self.assertEqual(self.titles(s.tasks(status="completed")), ["critical one"])
        self.assertEqual(self.titles(s.tasks(status=["pending", "in_progress"])),
                         ["medium one", "low one"])
        self.assertEqual(self.titles(s.tasks(assignee="bob")), ["medium one", "low one"])
        self.assertEqual(self.titles(s.tasks(unassigned=True)), ["critical one", "needs low"])
        self.assertEqual(self.titles(s.tasks(tag="y")), ["critical one"])
        self.assertEqual(self.titles(s.tasks(priority="low")), ["low one"])
        self.assertEqual(self.titles(s.tasks(has_deps=True)), ["needs low"])
        self.assertEqual(self.titles(s.tasks(ready=True)), ["low one"])
        self.assertEqual(self.titles(s.ready()), ["low one"])
        self.assertEqual(self.titles(s.ready(assignee="nobody")), [])
        self.assertEqual(self.titles(s.tasks(tag="x", status="pending")), ["low one"])

    def test_limit_and_len(self):
        it = self.store.tasks(limit=2)
        self.assertEqual(len(it), 2)
        self.assertEqual(len(list(it)), 2)
        self.assertEqual(len(self.store.tasks()), 4)
        with self.assertRaises(taskorch.ValidationError):
            self.store.tasks(limit=0)

    def test_listed_tasks_carry_details(self):
        by_title = {t.title: t for t in self.store.tasks()}
        self.assertEqual(by_title["critical one"].tags, ("x", "y"))
        self.assertEqual(by_title["needs low"].depends_on, (self.low.id,))

    def test_iterator_protocol(self):
        it = self.store.tasks()
        self.assertIs(iter(it), it)
        self.assertEqual(len(list(it)), 4)
        self.assertEqual(list(it), [])
        with self.assertRaises(StopIteration):
            next(it)
        with self.store.tasks() as it2:
            next(it2)
        self.assertEqual(list(it2), [])

    def test_store_can_change_while_iterating(self):
        seen = []
        for t in self.store.tasks(sort="created"):
            seen.append(t.title)
            self.store.add("added during " + t.title)
        self.assertEqual(seen, ["low one", "critical one", "medium one", "needs low"])
        self.assertEqual(len(self.store.tasks()), 8)


if __name__ == "__main__":
    unittest.main()
