"""tm doctor (checks a store and its mirror, --fix rebuilds the mirror) and
tm backup (a consistent copy while agents write)."""

import json
import os
import sqlite3
import stat

import tmtest
from tmtest import TmCase, read_bytes


class DoctorCase(TmCase):
    def setUp(self):
        super().setUp()
        self.a = self.add("Design schema")
        self.b = self.add("Build API", "--depends-on", self.a)
        self.ok("share", self.a, "use PostgreSQL")
        self.ok("note", self.a, "private doubt", agent="db_specialist")
        self.ok("complete", self.a)

    def path(self, *parts):
        return os.path.join(self.store, *parts)

    def doctor(self, *args, **kw):
        return self.run_tm("doctor", *args, **kw)

    def assert_findings(self, expected):
        """tm doctor exits 1 and prints exactly the expected lines (any order)."""
        code, out, err = self.doctor()
        self.assertEqual((code, err), (1, ""), out)
        self.assertEqual(sorted(out.splitlines()), sorted(expected))
        return out


class TestDoctor(DoctorCase):
    def test_healthy_store(self):
        self.assertEqual(self.doctor(), (0, "", ""))
        report = self.json("doctor")
        self.assertEqual(report, {"format_version": 1, "healthy": True, "findings": []})

    def test_every_task_has_a_context_file_from_creation(self):
        c = self.add("fresh")
        self.assertTrue(os.path.exists(self.path("contexts", "context_%s.md" % c)))
        self.assertEqual(self.doctor(), (0, "", ""))

    def test_tampered_mirror_then_fix(self):
        os.unlink(self.path("contexts", "context_%s.md" % self.b))
        with open(self.path("contexts", "context_%s.md" % self.a), "a") as f:
            f.write("edited by hand\n")
        with open(self.path("notes", "notes_%s_db_specialist.md.tmp.4242" % self.a), "w") as f:
            f.write("half a file")
        with open(self.path("archives", "archive_deadbeef.md"), "w") as f:
            f.write("a task that is gone")
        os.chmod(self.path("notes", "notes_%s_db_specialist.md" % self.a), 0o644)
        self.assert_findings([
            "mirror: contexts/context_%s.md is missing" % self.b,
            "mirror: contexts/context_%s.md is stale" % self.a,
            "mirror: notes/notes_%s_db_specialist.md.tmp.4242 is a leftover temporary file"
            % self.a,
            "mirror: archives/archive_deadbeef.md is left over: no task or notes of its name",
            "mode: notes/notes_%s_db_specialist.md can be read by other users (0644)" % self.a,
        ])
        code, out, err = self.doctor("--format", "json")
        self.assertEqual((code, err), (1, ""))
        report = json.loads(out)
        self.assertFalse(report["healthy"])
        self.assertEqual(len(report["findings"]), 5)
        self.assertEqual({f["area"] for f in report["findings"]}, {"mirror", "mode"})
        # --fix rebuilds the mirror; afterwards the store is healthy.
        self.assertEqual(self.doctor("--fix"), (0, "", ""))
        self.assertEqual(self.doctor(), (0, "", ""))
        self.assertIn("use PostgreSQL",
                      read_bytes(self.path("contexts", "context_%s.md" % self.a)).decode())
        notes = self.path("notes", "notes_%s_db_specialist.md" % self.a)
        self.assertIn("private doubt", read_bytes(notes).decode())
        self.assertEqual(stat.S_IMODE(os.stat(notes).st_mode), 0o600)
        self.assertEqual(sorted(os.listdir(self.path("archives"))), ["archive_%s.md" % self.a])

    def test_fix_rebuilds_a_deleted_mirror(self):
        import shutil
        for sub in ("contexts", "notes", "archives"):
            shutil.rmtree(self.path(sub))
        out = self.assert_findings([
            "mirror: contexts/context_%s.md is missing" % self.a,
            "mirror: contexts/context_%s.md is missing" % self.b,
            "mirror: archives/archive_%s.md is missing" % self.a,
            "mirror: notes/notes_%s_db_specialist.md is missing" % self.a,
        ])
        self.assertEqual(len(out.splitlines()), 4)
        self.assertEqual(self.doctor("--fix"), (0, "", ""))
        self.assertIn("private doubt", read_bytes(
            self.path("notes", "notes_%s_db_specialist.md" % self.a)).decode())

    def test_store_file_readable_by_others(self):
        os.chmod(self.dbfile, 0o644)
        self.assert_findings(["mode: tasks.db can be read by other users (0644); chmod 600 it"])
        # --fix repairs the mirror only: the store's modes are its user's.
        code, out, err = self.doctor("--fix")
        self.assertEqual((code, err), (1, ""))
        self.assertEqual(stat.S_IMODE(os.stat(self.dbfile).st_mode), 0o644)
        os.chmod(self.dbfile, 0o600)
        self.assertEqual(self.doctor(), (0, "", ""))

    def test_foreign_files_are_reported_not_removed(self):
        with open(self.path("stray.txt"), "w") as f:
            f.write("mine")
        self.assert_findings(["foreign: stray.txt is not part of the store"])
        self.assertEqual(self.doctor("--fix")[0], 1)
        self.assertEqual(read_bytes(self.path("stray.txt")), b"mine")

    def test_fix_never_goes_through_a_symlinked_folder(self):
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(outside)
        with open(os.path.join(outside, "context_%s.md" % self.a), "w") as f:
            f.write("precious")
        with open(os.path.join(outside, "unrelated.txt"), "w") as f:
            f.write("precious")
        os.rename(self.path("contexts"), self.path("contexts.old"))
        os.symlink(outside, self.path("contexts"))
        code, out, err = self.doctor("--fix")
        self.assertEqual(code, 1)
        self.assertIn("mirror: contexts is a symbolic link", out.splitlines())
        self.assertEqual(err, "tm: warning: the markdown mirror was not updated: %s is a "
                         "symbolic link\n" % self.path("contexts"))
        self.assertEqual(sorted(os.listdir(outside)), ["context_%s.md" % self.a, "unrelated.txt"])
        for name in os.listdir(outside):
            self.assertEqual(read_bytes(os.path.join(outside, name)), b"precious")

    def test_lock_held_elsewhere_bounds_the_wait(self):
        import fcntl
        fd = os.open(self.path(".mirror.lock"), os.O_RDWR)
        self.addCleanup(os.close, fd)
        fcntl.flock(fd, fcntl.LOCK_EX)
        env = {"TM_BUSY_TIMEOUT_MS": "200"}
        code, out, err = self.doctor(env=env, timeout=20)
        self.assertEqual((code, out, err),
                         (1, "mirror: not checked: .mirror.lock is locked by another process\n",
                          ""))
        code, out, err = self.doctor("--fix", env=env, timeout=20)
        self.assertEqual(code, 1)
        self.assertIn("locked by another process", err)

    def test_deleted_task_leaves_nothing_behind(self):
        self.ok("delete", self.b)
        self.assertEqual(self.doctor(), (0, "", ""))

    def test_integrity_damage_is_reported(self):
        import sqlite3
        con = sqlite3.connect(self.dbfile)
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute("INSERT INTO tags(task_id, tag) VALUES ('ffffffff', 'orphan')")
        con.commit()
        con.close()
        code, out, err = self.doctor()
        self.assertEqual((code, err), (1, ""))
        self.assertEqual(len(out.splitlines()), 1, out)
        self.assertRegex(out, r"^integrity: row \d+ of table tags points to a missing tasks row\n$")

    def test_no_mirror_checks_the_store_only(self):
        os.unlink(self.path("contexts", "context_%s.md" % self.a))
        self.assertEqual(self.doctor("--no-mirror"), (0, "", ""))
        self.assert_refused(5, ["doctor", "--fix", "--no-mirror"], ("mirror",))


class TestBackup(DoctorCase):
    def backup_path(self, name="copy.db"):
        return os.path.join(self.tmp, name)

    def test_copy_is_a_private_healthy_store(self):
        old = os.umask(0o022)
        self.addCleanup(os.umask, old)
        copy = self.backup_path()
        self.assertEqual(self.run_tm("backup", copy), (0, "", ""))
        self.assertEqual(stat.S_IMODE(os.stat(copy).st_mode), 0o600)
        self.assertEqual(self.run_tm("--db", copy, "doctor", db=False), (0, "", ""))
        tasks = json.loads(self.ok("--db", copy, "list", "--format", "json", db=False))
        self.assertEqual(sorted(t["id"] for t in tasks), sorted([self.a, self.b]))
        self.assertEqual([m["text"] for m in self.json("--db", copy, "context", self.a,
                                                       db=False)["messages"]],
                         ["use PostgreSQL"])
        self.assertEqual([n for n in os.listdir(self.tmp) if ".tmp." in n], [])

    def test_copy_while_a_writer_keeps_writing(self):
        import subprocess
        import time
        writer = subprocess.Popen(
            ["sh", "-c", 'i=0; while :; do i=$((i+1)); "$0" --db "$1" add "w $i" >/dev/null '
             '|| exit 1; done', tmtest.TM, self.store],
            env=self.env("writer"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: writer.poll() is None and (writer.kill(), writer.wait()))
        counts = []
        for i in range(5):
            time.sleep(0.15)
            copy = self.backup_path("copy%d.db" % i)
            self.assertEqual(self.run_tm("backup", copy), (0, "", ""))
            self.assertEqual(self.run_tm("--db", copy, "doctor", db=False), (0, "", ""))
            con = sqlite3.connect(copy)
            try:
                n_tasks = con.execute("SELECT count(*) FROM tasks").fetchone()[0]
                # One transaction's worth: every task has its 'created' event.
                n_created = con.execute(
                    "SELECT count(*) FROM events WHERE kind = 'created'").fetchone()[0]
            finally:
                con.close()
            self.assertEqual(n_tasks, n_created)
            counts.append(n_tasks)
        self.assertIsNone(writer.poll(), writer.stderr.read() if writer.poll() else "")
        writer.kill()
        writer.wait()
        # The writer kept adding between the copies, and each copy has rows.
        self.assertGreater(counts[0], 2)
        self.assertGreater(counts[-1], counts[0])
        self.assertEqual(counts, sorted(counts))

    def test_existing_file_is_refused_unless_forced(self):
        copy = self.backup_path()
        with open(copy, "wb") as f:
            f.write(b"keep me")
        code, out, err = self.run_tm("backup", copy)
        self.assert_error_output(code, out, err, 5, ("exists", "--force"))
        self.assertEqual(read_bytes(copy), b"keep me")
        self.assertEqual(self.run_tm("backup", copy, "--force"), (0, "", ""))
        self.assertEqual(self.run_tm("--db", copy, "doctor", db=False), (0, "", ""))

    def test_existing_symlink_is_refused_and_never_followed(self):
        victim = self.backup_path("victim.txt")
        with open(victim, "wb") as f:
            f.write(b"precious")
        copy = self.backup_path()
        os.symlink(victim, copy)
        code, out, err = self.run_tm("backup", copy)
        self.assert_error_output(code, out, err, 5, ("exists",))
        self.assertEqual(self.run_tm("backup", copy, "--force"), (0, "", ""))
        self.assertEqual(read_bytes(victim), b"precious")
        self.assertFalse(os.path.islink(copy))

    def test_missing_file_argument(self):
        self.assert_refused(2, ["backup"], ("missing argument", "FILE"))

    def test_unknown_flag(self):
        self.assert_refused(2, ["backup", self.backup_path(), "--overwrite"], ("--overwrite",))
        self.assertFalse(os.path.exists(self.backup_path()))

    def test_folder_that_does_not_exist(self):
        target = os.path.join(self.tmp, "no", "such", "copy.db")
        code, out, err = self.run_tm("backup", target)
        self.assert_error_output(code, out, err, 4, ("does not exist", target))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "no")))

    def test_target_is_a_folder(self):
        folder = self.backup_path("afolder")
        os.makedirs(folder)
        code, out, err = self.run_tm("backup", folder)
        self.assert_error_output(code, out, err, 5, ("exists",))
        code, out, err = self.run_tm("backup", folder, "--force")
        self.assert_error_output(code, out, err, 4, ("afolder",))
        self.assertEqual(os.listdir(folder), [])
        self.assertEqual([n for n in os.listdir(self.tmp) if ".tmp." in n], [])


class TestDoctorBadInput(DoctorCase):
    def test_unknown_flag(self):
        self.assert_refused(2, ["doctor", "--repair"], ("--repair",))

    def test_unexpected_argument(self):
        self.assert_refused(2, ["doctor", "now"], ("now",))

    def test_bad_format(self):
        self.assert_refused(5, ["doctor", "--format", "xml"], ("xml",))

    def test_missing_store(self):
        code, out, err = self.run_tm("--db", os.path.join(self.tmp, "none"), "doctor", db=False)
        self.assert_error_output(code, out, err, 4, ("no task store",))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "none")))


if __name__ == "__main__":
    tmtest.main()
