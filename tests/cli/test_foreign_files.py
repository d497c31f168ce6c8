"""A file that is not a taskorch store is never changed (hardening issue,
defect 6): a foreign SQLite database is refused before anything is written
to it (no switch to WAL, no tables), and a read never turns an empty file
into a store."""

import hashlib
import os
import sqlite3

import tmtest


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class ForeignFiles(tmtest.TmCase):

    def foreign(self, name="app.db"):
        path = os.path.join(self.tmp, name)
        con = sqlite3.connect(path)
        con.executescript("CREATE TABLE settings(k, v); INSERT INTO settings VALUES (1, 2);"
                          " PRAGMA user_version = 1;")
        con.close()
        return path

    def assert_untouched(self, path, before):
        self.assertEqual(digest(path), before)
        self.assertFalse(os.path.exists(path + "-wal"))
        con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        try:
            self.assertEqual(con.execute("PRAGMA journal_mode").fetchone()[0], "delete")
        finally:
            con.close()

    def test_foreign_database_with_a_user_version_is_refused(self):
        path = self.foreign()
        before = digest(path)
        for args in (["list"], ["init"], ["add", "x"], ["watch"]):
            code, out, err = self.run_tm("--db", path, *args, db=False)
            self.assert_error_output(code, out, err, 4, "not a taskorch store", "tm %r" % args)
            self.assert_untouched(path, before)

    def test_empty_file_stays_empty_on_reads(self):
        os.makedirs(self.store)
        open(self.dbfile, "wb").close()
        for args in (["list"], ["ready"], ["watch"]):
            code, out, err = self.run_tm(*args)
            self.assert_error_output(code, out, err, 4, "no task store", "tm %r" % args)
            self.assertEqual(os.path.getsize(self.dbfile), 0)
            self.assertFalse(os.path.exists(self.dbfile + "-wal"))
        # A write creates the store in it, as for a missing file.
        self.add("first")
        self.assertEqual(self.sql("PRAGMA application_id")[0][0], 0x544F5231)


if __name__ == "__main__":
    tmtest.main()
