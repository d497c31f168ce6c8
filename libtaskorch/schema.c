/* schema.c - the store's tables and their forward migrations.
 *
 * The schema version lives in PRAGMA user_version. A store with a larger
 * version than SCHEMA_VERSION was written by a newer library and is refused
 * untouched; a smaller one is migrated forward inside one transaction. */
#include <string.h>

#include "internal.h"

/* Version 1. Ids are TEXT (8 hex characters); times are ms since epoch;
 * status and priority hold the public enum values. */
static const char schema_v1[] =
    "CREATE TABLE tasks ("
    "  id TEXT NOT NULL UNIQUE,"
    "  title TEXT NOT NULL,"
    "  description TEXT,"
    "  status INTEGER NOT NULL,"
    "  priority INTEGER NOT NULL,"
    "  assignee TEXT,"
    "  created_by TEXT NOT NULL,"
    "  summary TEXT,"
    "  manual_block INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  completed_at INTEGER"
    ") STRICT;"
    "CREATE INDEX tasks_by_order ON tasks(priority DESC, created_at);"
    "CREATE INDEX tasks_by_status ON tasks(status, priority DESC, created_at);"
    "CREATE INDEX tasks_by_assignee ON tasks(assignee, status);"
    "CREATE INDEX tasks_by_updated ON tasks(updated_at);"
    "CREATE TABLE deps ("
    "  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
    "  dep_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (task_id, dep_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX deps_by_dep ON deps(dep_id, task_id);"
    "CREATE TABLE tags ("
    "  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
    "  tag TEXT NOT NULL,"
    "  PRIMARY KEY (task_id, tag)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX tags_by_tag ON tags(tag, task_id);"
    "CREATE TABLE files ("
    "  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  path TEXT NOT NULL,"
    "  line INTEGER NOT NULL DEFAULT 0,"
    "  end_line INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (task_id, pos)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE messages ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
    "  kind INTEGER NOT NULL,"
    "  author TEXT NOT NULL,"
    "  text TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  request_id TEXT"
    ") STRICT;"
    "CREATE INDEX messages_by_task ON messages(task_id, id);"
    "CREATE UNIQUE INDEX messages_by_request ON messages(task_id, author, request_id)"
    "  WHERE request_id IS NOT NULL;"
    /* A rowid table: the rowid keeps the joining order within a ms. */
    "CREATE TABLE participants ("
    "  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
    "  agent TEXT NOT NULL,"
    "  joined_at INTEGER NOT NULL,"
    "  UNIQUE (task_id, agent)"
    ") STRICT;"
    "CREATE INDEX participants_by_agent ON participants(agent, task_id);"
    /* The change feed and audit history. task_id is not a foreign key:
     * events outlive the tasks they describe. visible_to is NULL for
     * public events and the author's id for private notes. */
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  ts INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  task_id TEXT,"
    "  agent TEXT NOT NULL,"
    "  text TEXT NOT NULL DEFAULT '',"
    "  visible_to TEXT,"
    "  subject TEXT" /* the agent a created/assigned event hands the task to */
    ") STRICT;"
    "CREATE INDEX events_by_task ON events(task_id, id);"
    "CREATE INDEX events_by_agent ON events(agent, kind, task_id);"
    "CREATE INDEX events_by_subject ON events(subject, task_id) WHERE subject IS NOT NULL;"
    "CREATE TABLE cursors ("
    "  consumer TEXT PRIMARY KEY,"
    "  event_id INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;";

static int read_user_version(taskorch_db *db, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        int code = db_sqlfail(db, rc, "reading the store");
        if (code == TASKORCH_ECORRUPT || code == TASKORCH_ERROR)
            return db_fail(db, TASKORCH_ECORRUPT,
                           "%s is not a taskorch store (not an SQLite database); it was left "
                           "untouched",
                           db->path);
        return code;
    }
    return TASKORCH_OK;
}

static int count_tables(taskorch_db *db, int *n)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *n = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? TASKORCH_OK : db_sqlfail(db, rc, "reading the store");
}

static int create_schema(taskorch_db *db)
{
    int rc = db_begin(db);
    if (rc)
        return rc;
    int version = 0, tables = 0;
    /* Another process may have created it while we waited for the lock. */
    if ((rc = read_user_version(db, &version)) || (rc = count_tables(db, &tables)))
        return db_rollback(db, rc);
    if (version == 0 && tables == 0) {
        char *err = NULL;
        int src = sqlite3_exec(db->sql, schema_v1, NULL, NULL, &err);
        sqlite3_free(err);
        if (src == SQLITE_OK)
            src = sqlite3_exec(db->sql, "PRAGMA user_version = 1", NULL, NULL, NULL);
        if (src != SQLITE_OK)
            return db_rollback(db, db_sqlfail(db, src, "creating the store"));
    }
    return db_commit(db);
}

/* Reads the version and the table count from one snapshot: another
 * process may be creating the schema between two separate reads. */
static int read_state(taskorch_db *db, int *version, int *tables)
{
    int rc = sqlite3_exec(db->sql, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return db_sqlfail(db, rc, "reading the store");
    if (!(rc = read_user_version(db, version)) && *version < SCHEMA_VERSION)
        rc = count_tables(db, tables);
    sqlite3_exec(db->sql, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    return rc;
}

int schema_prepare(taskorch_db *db, bool may_create)
{
    int version = 0, tables = 0;
    int rc = read_state(db, &version, &tables);
    if (rc)
        return rc;
    if (version > SCHEMA_VERSION)
        return db_fail(db, TASKORCH_ESCHEMA,
                       "%s uses schema version %d but this library (taskorch %s) knows only up "
                       "to %d; upgrade taskorch. The store was left untouched",
                       db->path, version, TASKORCH_VERSION_STRING, SCHEMA_VERSION);
    if (version == SCHEMA_VERSION)
        return TASKORCH_OK;
    if (version == 0 && tables > 0)
        return db_fail(db, TASKORCH_ECORRUPT,
                       "%s is an SQLite database but not a taskorch store; it was left untouched",
                       db->path);
    if (!may_create || (db->flags & TASKORCH_OPEN_READONLY))
        return db_fail(db, TASKORCH_ENOTFOUND, "%s holds no task store yet", db->path);
    return create_schema(db);
}
