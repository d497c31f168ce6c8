"""The markdown mirror beside the store (contexts/, notes/, archives/,
.mirror.lock) is written safely: tm never follows a symbolic link planted
in it, never waits without bound for its lock or on a FIFO, creates private
files, and a mirror it cannot write costs a warning, never the command.

A planted temporary name must carry tm's process id, so those tests start
`sh`, plant files named after its pid, then let it exec tm (same pid)."""

import fcntl
import os
import shutil
import stat
import subprocess
import time

import tmtest
from tmtest import TM, TmCase, decode, read_bytes

WARNING = "tm: warning: "


class MirrorCase(TmCase):
    def setUp(self):
        super().setUp()
        self.outside = os.path.join(self.tmp, "outside")
        os.makedirs(self.outside)
        self.tid = self.add("Guarded task")

    def path(self, *parts):
        return os.path.join(self.store, *parts)

    def victim(self, name="victim.txt", content=b"precious\n"):
        p = os.path.join(self.outside, name)
        with open(p, "wb") as f:
            f.write(content)
        return p

    def run_at_pid(self, plant, *args, env=None, timeout=30):
        """Runs tm with the store after plant(pid) prepared files named after
        the pid tm will have. Returns (code, stdout, stderr)."""
        argv = [TM, "--db", self.store] + list(args)
        p = subprocess.Popen(["sh", "-c", 'read go; exec "$@"', "sh"] + argv,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=self.tmp, env=self.env(None, env))
        try:
            plant(p.pid)
            out, err = p.communicate(b"go\n", timeout=timeout)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        return p.returncode, decode(out), decode(err)

    def assert_warned(self, result, keywords=()):
        """Exit 0, nothing on stdout, one warning line naming keywords."""
        code, out, err = result
        self.assertEqual(code, 0, err)
        self.assertTrue(err.startswith(WARNING), err)
        self.assertEqual(err.count("\n"), 1, err)
        for k in keywords:
            self.assertIn(k, err)
        return err

    def shared_texts(self):
        return [m["text"] for m in self.json("context", self.tid)["messages"]]


class TestSymlinks(MirrorCase):
    def test_symlink_at_temp_name_is_not_followed(self):
        self.ok("share", self.tid, "first")  # the folder exists now
        victim = self.victim()
        name = "context_%s.md" % self.tid

        def plant(pid):
            os.symlink(victim, self.path("contexts", "%s.tmp.%d" % (name, pid)))

        code, out, err = self.run_at_pid(plant, "share", self.tid, "second")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(read_bytes(victim), b"precious\n")
        self.assertIn("second", read_bytes(self.path("contexts", name)).decode())
        self.assertFalse(os.path.islink(self.path("contexts", name)))

    def test_symlink_at_temp_name_of_notes_and_archive(self):
        self.ok("note", self.tid, "first")
        victim = self.victim()
        notes = "notes_%s_%s.md" % (self.tid, self.agent)
        archive = "archive_%s.md" % self.tid

        def plant(pid):
            os.symlink(victim, self.path("notes", "%s.tmp.%d" % (notes, pid)))

        self.assertEqual(self.run_at_pid(plant, "note", self.tid, "second")[0], 0)
        os.makedirs(self.path("archives"))

        def plant_archive(pid):
            os.symlink(victim, self.path("archives", "%s.tmp.%d" % (archive, pid)))

        self.assertEqual(self.run_at_pid(plant_archive, "complete", self.tid)[0], 0)
        self.assertEqual(read_bytes(victim), b"precious\n")
        self.assertIn("second", read_bytes(self.path("notes", notes)).decode())
        self.assertIn("completed", read_bytes(self.path("archives", archive)).decode())

    def test_symlinked_folders_are_refused(self):
        for sub, args in (("contexts", ("share", self.tid, "hello")),
                          ("notes", ("note", self.tid, "secret")),
                          ("archives", ("complete", self.tid))):
            target = os.path.join(self.outside, sub)
            os.makedirs(target)
            shutil.rmtree(self.path(sub), ignore_errors=True)
            os.symlink(target, self.path(sub))
            self.assert_warned(self.run_tm(*args), (sub, "symbolic link"))
            self.assertEqual(os.listdir(target), [], sub)
        # The data were committed all the same.
        self.assertEqual(self.status(self.tid), "completed")
        self.assertEqual(self.shared_texts(), ["hello", "secret"])

    def test_delete_never_removes_through_a_symlinked_folder(self):
        self.ok("share", self.tid, "hello")
        self.ok("note", self.tid, "mine")
        for sub, name in (("contexts", "context_%s.md"), ("notes", "notes_%s_tester.md")):
            os.makedirs(os.path.join(self.outside, sub))
            victim = self.victim(os.path.join(sub, name % self.tid))
            os.rename(self.path(sub), self.path(sub + ".real"))
            os.symlink(os.path.dirname(victim), self.path(sub))
        self.assert_warned(self.run_tm("delete", self.tid), ("symbolic link",))
        for sub, name in (("contexts", "context_%s.md"), ("notes", "notes_%s_tester.md")):
            self.assertEqual(read_bytes(os.path.join(self.outside, sub, name % self.tid)),
                             b"precious\n")
        self.assertEqual(self.sql("SELECT count(*) FROM tasks"), [(0,)])

    def test_symlinked_lock_creates_nothing(self):
        target = os.path.join(self.outside, "created-by-tm")
        os.unlink(self.path(".mirror.lock"))
        os.symlink(target, self.path(".mirror.lock"))
        self.assert_warned(self.run_tm("share", self.tid, "hello"), (".mirror.lock",))
        self.assertFalse(os.path.lexists(target))
        self.assertEqual(self.shared_texts(), ["hello"])

    def test_folder_owned_by_another_user_is_refused(self):
        if os.geteuid() != 0:
            self.skipTest("only root can give a folder to another user")
        os.chown(self.path("contexts"), 4242, 4242)
        before = read_bytes(self.path("contexts", "context_%s.md" % self.tid))
        self.assert_warned(self.run_tm("share", self.tid, "hello"), ("contexts", "owned"))
        self.assertEqual(os.listdir(self.path("contexts")), ["context_%s.md" % self.tid])
        self.assertEqual(read_bytes(self.path("contexts", "context_%s.md" % self.tid)), before)
        self.assertEqual(self.shared_texts(), ["hello"])

    def test_a_symlink_at_the_file_name_is_replaced_not_followed(self):
        self.ok("share", self.tid, "first")
        victim = self.victim()
        name = self.path("contexts", "context_%s.md" % self.tid)
        os.unlink(name)
        os.symlink(victim, name)
        self.ok("share", self.tid, "second")
        self.assertEqual(read_bytes(victim), b"precious\n")
        self.assertFalse(os.path.islink(name))


class TestBoundedWaits(MirrorCase):
    def test_lock_held_by_another_process(self):
        self.ok("share", self.tid, "first")
        before = read_bytes(self.path("contexts", "context_%s.md" % self.tid))
        fd = os.open(self.path(".mirror.lock"), os.O_RDWR)
        self.addCleanup(os.close, fd)
        fcntl.flock(fd, fcntl.LOCK_EX)
        for args in (("share", self.tid, "second"), ("note", self.tid, "private"),
                     ("complete", self.tid)):
            start = time.monotonic()
            result = self.run_tm(*args, env={"TM_BUSY_TIMEOUT_MS": "300"}, timeout=20)
            self.assertLess(time.monotonic() - start, 10)
            self.assert_warned(result, ("locked",))
        self.assertEqual(self.status(self.tid), "completed")
        self.assertEqual(self.shared_texts(), ["first", "second", "private"])
        self.assertEqual(read_bytes(self.path("contexts", "context_%s.md" % self.tid)), before)
        # Once the lock is free the mirror catches up.
        fcntl.flock(fd, fcntl.LOCK_UN)
        self.ok("share", self.tid, "third")
        text = read_bytes(self.path("contexts", "context_%s.md" % self.tid)).decode()
        self.assertIn("second", text)
        self.assertIn("third", text)

    def test_fifo_at_temp_name_does_not_block(self):
        self.ok("share", self.tid, "first")
        name = "context_%s.md" % self.tid

        def plant(pid):
            os.mkfifo(self.path("contexts", "%s.tmp.%d" % (name, pid)))

        code, out, err = self.run_at_pid(plant, "share", self.tid, "second", timeout=20)
        self.assertEqual((code, err), (0, ""))
        self.assertIn("second", read_bytes(self.path("contexts", name)).decode())
        self.assertEqual([n for n in os.listdir(self.path("contexts")) if ".tmp." in n], [])

    def test_lock_that_is_not_a_regular_file(self):
        os.unlink(self.path(".mirror.lock"))
        os.mkfifo(self.path(".mirror.lock"))
        self.assert_warned(self.run_tm("share", self.tid, "hello", timeout=20),
                           (".mirror.lock", "regular file"))
        self.assertEqual(self.shared_texts(), ["hello"])


class TestModes(TmCase):
    def setUp(self):
        super().setUp()
        old = os.umask(0o022)
        self.addCleanup(os.umask, old)

    def mode(self, *parts):
        return stat.S_IMODE(os.lstat(os.path.join(self.store, *parts)).st_mode)

    def test_new_store_is_private(self):
        tid = self.add("private things")
        self.ok("share", tid, "hello")
        self.ok("note", tid, "secret")
        self.ok("complete", tid)
        self.assertEqual(self.mode(), 0o700)
        self.assertEqual(self.mode("tasks.db"), 0o600)
        self.assertEqual(self.mode(".mirror.lock"), 0o600)
        for sub, name in (("contexts", "context_%s.md"), ("notes", "notes_%s_tester.md"),
                          ("archives", "archive_%s.md")):
            self.assertEqual(self.mode(sub), 0o700, sub)
            self.assertEqual(self.mode(sub, name % tid), 0o600, sub)

    def test_wal_and_shm_follow_the_store_file(self):
        import sqlite3
        self.add("x")
        con = sqlite3.connect(self.dbfile)  # keeps -wal and -shm alive
        self.addCleanup(con.close)
        con.execute("SELECT count(*) FROM tasks").fetchall()
        self.add("y")
        self.assertEqual(self.mode("tasks.db-wal"), 0o600)
        self.assertEqual(self.mode("tasks.db-shm"), 0o600)

    def test_existing_store_modes_are_left_alone(self):
        tid = self.add("shared on purpose")
        os.chmod(self.store, 0o755)
        os.chmod(self.dbfile, 0o644)
        self.ok("share", tid, "hello")
        self.add("another")
        self.assertEqual(self.mode(), 0o755)
        self.assertEqual(self.mode("tasks.db"), 0o644)

    def test_init_with_a_db_file_path(self):
        path = os.path.join(self.tmp, "deep", "er", "project.db")
        self.ok("--db", path, "init", db=False)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), 0o700)


if __name__ == "__main__":
    tmtest.main()
