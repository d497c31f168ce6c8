"""Where tm finds its store and how it treats store files it cannot use:
the store rows of issue 2's bad-input list (uncreatable folder, a file that
is not SQLite, a newer schema) plus the location rules."""

import os
import sqlite3

import tmtest
from tmtest import TmCase, read_bytes

# Commands that need an existing store, with placeholder arguments.
READERS = [["list"], ["show", "abcd1234"], ["ready"], ["export"], ["context", "abcd1234"],
           ["watch"], ["update", "abcd1234", "-p", "low"], ["complete", "abcd1234"],
           ["share", "abcd1234", "hi"], ["join", "abcd1234"], ["dep", "list", "abcd1234"]]
CREATORS = [["init"], ["add", "a task"]]


class TestUnusableStores(TmCase):
    def refuse(self, args, keywords=(), **kw):
        code, out, err = self.run_tm(*args, **kw)
        self.assert_error_output(code, out, err, 4, keywords, "tm %r" % (args,))
        return err

    def test_uncreatable_folder(self):
        # Running as root ignores permission bits, so make the folder
        # impossible instead: its parent is a regular file.
        blocker = os.path.join(self.tmp, "somefile")
        with open(blocker, "w") as f:
            f.write("not a folder\n")
        for path in (os.path.join(blocker, "sub", "tasks.db"), os.path.join(blocker, "sub")):
            for args in CREATORS + READERS:
                self.refuse(["--db", path] + args, db=False)
        self.assertEqual(read_bytes(blocker), b"not a folder\n")
        self.assertEqual(sorted(os.listdir(self.tmp)), ["somefile"])

    def test_store_path_is_a_folder(self):
        os.makedirs(os.path.join(self.store, "tasks.db"))
        for args in CREATORS + [["list"]]:
            self.refuse(args)
        self.assertEqual(os.listdir(os.path.join(self.store, "tasks.db")), [])

    def assert_untouched(self, path, content, args):
        self.refuse(args)
        self.assertEqual(read_bytes(path), content, "tm %r changed the file" % (args,))

    def test_not_sqlite(self):
        os.makedirs(self.store)
        for content in (b"hello, this is a text file\n" * 200, bytes(range(256)) * 64,
                        b"SQLite format 3\x00" + b"\xff" * 4080):
            with open(self.dbfile, "wb") as f:
                f.write(content)
            for args in CREATORS + READERS:
                self.assert_untouched(self.dbfile, content, args)

    def test_sqlite_but_not_a_store(self):
        os.makedirs(self.store)
        con = sqlite3.connect(self.dbfile)
        con.execute("CREATE TABLE other(x)")
        con.execute("INSERT INTO other VALUES (42)")
        con.commit()
        con.close()
        content = read_bytes(self.dbfile)
        for args in CREATORS + [["list"], ["export"]]:
            self.assert_untouched(self.dbfile, content, args)

    def test_newer_schema(self):
        tid = self.add("written by an older tm")
        self.ok("share", tid, "hello")
        con = sqlite3.connect(self.dbfile)
        version = con.execute("PRAGMA user_version").fetchone()[0]
        con.execute("PRAGMA user_version = %d" % (version + 1))
        con.commit()
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        content = read_bytes(self.dbfile)
        before = self.snapshot()
        for args in CREATORS + [["list"], ["show", tid], ["complete", tid],
                                ["share", tid, "hi"], ["watch"], ["delete", tid, "--force"]]:
            err = self.refuse(args)
            self.assertIn("version", err)
            self.assertEqual(read_bytes(self.dbfile), content, "tm %r changed it" % (args,))
        self.assertEqual(self.snapshot(), before)

    def test_locked_past_the_timeout(self):
        # Another process holds the write lock; a writer gives up after
        # TM_BUSY_TIMEOUT_MS with exit 4 and changes nothing, readers still
        # read (WAL), and the writer succeeds once the lock is released.
        tid = self.add("locked")
        before = self.snapshot()
        con = sqlite3.connect(self.dbfile, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        try:
            fast = {"TM_BUSY_TIMEOUT_MS": "200"}
            for args in (["add", "x"], ["complete", tid], ["share", tid, "hi"]):
                err = self.refuse(args, env=fast)
                self.assertIn("locked", err)
            self.assertIn("locked", self.ok("show", tid, env=fast))
        finally:
            con.execute("ROLLBACK")
            con.close()
        self.assertEqual(self.snapshot(), before)
        self.ok("complete", tid)
        code, out, err = self.run_tm("list", env={"TM_BUSY_TIMEOUT_MS": "soon"})
        self.assert_error_output(code, out, err, 5, ["TM_BUSY_TIMEOUT_MS"], "bad timeout")

    def test_missing_store_is_not_created_by_readers(self):
        for args in READERS:
            err = self.refuse(args)
            self.assertIn("init", err)
        self.assertFalse(os.path.exists(self.store))
        # Nor by the default location.
        for args in READERS:
            self.refuse(args, db=False)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_refused_add_creates_no_store(self):
        # A refused command changes nothing, and that includes not leaving
        # an empty store behind.
        for args, code in ((["add", ""], 5), (["add", "x", "-p", "urgent"], 5),
                           (["add", "x", "--depends-on", "abcd1234"], 3),
                           (["add", b"\xff"], 5)):
            code_, out, err = self.run_tm(*args)
            self.assert_error_output(code_, out, err, code, (), "tm %r" % (args,))
            self.assertFalse(os.path.exists(self.store), "tm %r created the store" % (args,))


class TestLocation(TmCase):
    def test_add_creates_store_and_folder(self):
        deep = os.path.join(self.tmp, "a", "b", "store")
        self.ok("--db", deep, "add", "x", db=False)
        self.assertTrue(os.path.isfile(os.path.join(deep, "tasks.db")))

    def test_db_file_path(self):
        path = os.path.join(self.tmp, "custom.db")
        tid = self.ok("add", "x", "--db", path, db=False).strip()
        self.assertTrue(os.path.isfile(path))
        self.assertEqual(self.ok("list", "--format", "simple", "--db", path, db=False),
                         "%s x\n" % tid)

    def test_env_var(self):
        envdir = os.path.join(self.tmp, "fromenv")
        env = {"TM_DB_PATH": envdir}
        tid = self.ok("add", "x", db=False, env=env).strip()
        self.assertTrue(os.path.isfile(os.path.join(envdir, "tasks.db")))
        self.assertEqual(self.ok("list", "--format", "simple", db=False, env=env),
                         "%s x\n" % tid)
        # --db wins over TM_DB_PATH.
        self.ok("add", "y", env=env)
        self.assertEqual(self.ok("list", "--format", "simple", env=env).split()[1], "y")
        # An empty TM_DB_PATH means unset.
        self.ok("init", db=False, env={"TM_DB_PATH": ""})
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, ".task-orchestrator",
                                                    "tasks.db")))

    def test_walks_up_to_nearest_store(self):
        tid = self.add("top")  # creates TMP/.task-orchestrator
        deep = os.path.join(self.tmp, "src", "pkg", "mod")
        os.makedirs(deep)
        self.assertEqual(self.ok("list", "--format", "simple", db=False, cwd=deep),
                         "%s top\n" % tid)
        # A nearer store wins.
        inner = os.path.join(self.tmp, "src")
        self.ok("--db", os.path.join(inner, ".task-orchestrator"), "init", db=False)
        self.assertEqual(self.ok("list", db=False, cwd=deep), "")
        self.assertTrue(os.path.isfile(os.path.join(inner, ".task-orchestrator", "tasks.db")))

    def test_default_is_current_folder(self):
        work = os.path.join(self.tmp, "project")
        os.makedirs(work)
        parents = []
        d = work
        while d != os.path.dirname(d):
            d = os.path.dirname(d)
            parents.append(os.path.join(d, ".task-orchestrator"))
        self.assertEqual([p for p in parents if os.path.isdir(p)], [],
                         "a store above the test folder would capture this test")
        self.ok("add", "here", db=False, cwd=work)
        self.assertTrue(os.path.isfile(os.path.join(work, ".task-orchestrator", "tasks.db")))

    def test_global_options_anywhere(self):
        tid = self.ok("--db", self.store, "--agent", "a1", "add", "x", db=False).strip()
        self.assertEqual(self.task(tid)["created_by"], "a1")
        tid = self.ok("add", "y", "--agent-id", "a2", "--db", self.store, db=False).strip()
        self.assertEqual(self.task(tid)["created_by"], "a2")
        tid = self.ok("add", "--db=%s" % self.store, "--agent=a3", "z", db=False).strip()
        self.assertEqual(self.task(tid)["created_by"], "a3")

    def test_store_is_wal_and_intact(self):
        a = self.add("a")
        self.add("b", "--depends-on", a)
        self.assertEqual(self.sql("PRAGMA journal_mode"), [("wal",)])
        self.assertEqual(self.sql("PRAGMA integrity_check"), [("ok",)])


if __name__ == "__main__":
    tmtest.main()
