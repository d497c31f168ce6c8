/* schema.c - the store's tables and their forward migrations.
 *
 * The schema version lives in PRAGMA user_version. A store with a larger
 * version than SCHEMA_VERSION was written by a newer library and is refused
 * untouched; a smaller one is migrated forward inside one transaction. */
#include <stdio.h>
#include <string.h>

#include "sqlite.h"

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

/* Version 2: claims, leases, estimates, typed event members, exact
 * request ids and store settings.
 *  - A task in progress under a claim has claim_no (the id of its
 *    "claimed" event, so numbers grow) and, with a lease, lease_expires and
 *    lease_ms (the length a heartbeat renews by).
 *  - tasks_claim_order serves the claim query (pending, one assignee or
 *    none, best first) as one index lookup at any store size; a pending
 *    task always has every dependency completed (status.c keeps that), so
 *    "ready" needs no look at the edges.
 *  - requests remembers each agent's request ids: which operation, a hash
 *    of its arguments, and the result to hand back on a repeat. */
static const char schema_v2[] =
    "ALTER TABLE tasks ADD COLUMN claim_no INTEGER;"
    "ALTER TABLE tasks ADD COLUMN lease_expires INTEGER;"
    "ALTER TABLE tasks ADD COLUMN lease_ms INTEGER;"
    "ALTER TABLE tasks ADD COLUMN estimate REAL;"
    "CREATE INDEX tasks_claim_order ON tasks(status, assignee, priority DESC, created_at);"
    "CREATE INDEX tasks_by_lease ON tasks(lease_expires) WHERE lease_expires IS NOT NULL;"
    /* Fewer pages per write: tasks_claim_order serves "assignee = ?" (with
     * every status listed), and only created/joined events need the index
     * by agent (for --mine). */
    "DROP INDEX tasks_by_assignee;"
    "DROP INDEX events_by_agent;"
    "CREATE INDEX events_by_joiner ON events(agent, task_id) WHERE kind IN ('created', 'joined');"
    "ALTER TABLE events ADD COLUMN from_status INTEGER;"
    "ALTER TABLE events ADD COLUMN to_status INTEGER;"
    "ALTER TABLE events ADD COLUMN claim INTEGER;"
    "ALTER TABLE events ADD COLUMN lease_until INTEGER;"
    "ALTER TABLE events ADD COLUMN cause TEXT;"
    "ALTER TABLE events ADD COLUMN msg_id INTEGER;"
    "ALTER TABLE events ADD COLUMN forced INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE requests ("
    "  agent TEXT NOT NULL,"
    "  request_id TEXT NOT NULL,"
    "  op TEXT NOT NULL,"
    "  fingerprint TEXT NOT NULL,"
    "  result TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (agent, request_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE config ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") STRICT, WITHOUT ROWID;";

/* Marks the file as a taskorch store ("TOR1" as a big-endian integer), so
 * that a foreign SQLite file cannot pass for one by chance. */
#define APPLICATION_ID 0x544f5231

static const char *const migrations[SCHEMA_VERSION] = {schema_v1, schema_v2};

static int read_pragma(taskorch_db *db, const char *sql, int *value)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(SQL(db), sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *value = sqlite3_column_int(st, 0);
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

static int read_user_version(taskorch_db *db, int *version)
{
    return read_pragma(db, "PRAGMA user_version", version);
}

static int count_tables(taskorch_db *db, int *n)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(SQL(db), "SELECT count(*) FROM sqlite_schema", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *n = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? TASKORCH_OK : db_sqlfail(db, rc, "reading the store");
}

/* Does the file hold the tables of a taskorch store? Used for stores made
 * before the application id was set. */
static int has_store_tables(taskorch_db *db, bool *yes)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(SQL(db),
                                "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                                " AND name IN ('tasks', 'deps', 'events', 'cursors', 'messages')",
                                -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *yes = sqlite3_column_int(st, 0) == 5;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? TASKORCH_OK : db_sqlfail(db, rc, "reading the store");
}

/* What an open finds in the file, read in one snapshot: another process
 * may be creating or migrating the schema between two separate reads. */
struct store_state {
    int version, app_id, tables;
    bool ours; /* a taskorch store (possibly of an older version) */
};

static int read_state(taskorch_db *db, struct store_state *s)
{
    memset(s, 0, sizeof *s);
    int rc = sqlite3_exec(SQL(db), "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return db_sqlfail(db, rc, "reading the store");
    bool tables_ok = false;
    if (!(rc = read_user_version(db, &s->version)) &&
        !(rc = read_pragma(db, "PRAGMA application_id", &s->app_id)) &&
        !(rc = count_tables(db, &s->tables)) && s->app_id == 0 && s->version == 1)
        rc = has_store_tables(db, &tables_ok);
    sqlite3_exec(SQL(db), rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    s->ours = s->app_id == APPLICATION_ID || tables_ok;
    return rc;
}

static int run_sql(taskorch_db *db, const char *sql, const char *what)
{
    char *err = NULL;
    int src = sqlite3_exec(SQL(db), sql, NULL, NULL, &err);
    sqlite3_free(err);
    return src == SQLITE_OK ? TASKORCH_OK : db_sqlfail(db, src, what);
}

/* Creates the schema or migrates it forward, in one write transaction. */
static int upgrade(taskorch_db *db)
{
    int rc = db_begin(db);
    if (rc)
        return rc;
    struct store_state s;
    /* Read again under the write lock: another process may have done it. */
    if ((rc = read_user_version(db, &s.version)) || (rc = count_tables(db, &s.tables)))
        return db_rollback(db, rc);
    if (s.version == 0 && s.tables > 0)
        return db_rollback(db, db_fail(db, TASKORCH_ECORRUPT,
                                       "%s is an SQLite database but not a taskorch store; it "
                                       "was left untouched",
                                       db->path));
    for (int v = s.version; v < SCHEMA_VERSION && !rc; v++)
        rc = run_sql(db, migrations[v], s.version ? "upgrading the store" : "creating the store");
    char pragmas[96];
    snprintf(pragmas, sizeof pragmas, "PRAGMA user_version = %d; PRAGMA application_id = %d",
             SCHEMA_VERSION, APPLICATION_ID);
    if (!rc)
        rc = run_sql(db, pragmas, "creating the store");
    return rc ? db_rollback(db, rc) : db_commit(db);
}

/* Refuses what is not ours or too new; *needs tells what is due. */
static int validate(taskorch_db *db, struct store_state *s, enum schema_need *needs)
{
    int rc = read_state(db, s);
    if (rc)
        return rc;
    bool empty = s->version == 0 && s->tables == 0 && s->app_id == 0;
    if (!empty && !s->ours)
        return db_fail(db, TASKORCH_ECORRUPT,
                       "%s is an SQLite database but not a taskorch store; it was left untouched",
                       db->path);
    if (s->version > SCHEMA_VERSION)
        return db_fail(db, TASKORCH_ESCHEMA,
                       "%s uses schema version %d but this library (taskorch %s) knows only up "
                       "to %d; upgrade taskorch. The store was left untouched",
                       db->path, s->version, TASKORCH_VERSION_STRING, SCHEMA_VERSION);
    *needs = empty ? SCHEMA_CREATE : s->version < SCHEMA_VERSION ? SCHEMA_UPGRADE : SCHEMA_READY;
    return TASKORCH_OK;
}

int schema_validate(taskorch_db *db, enum schema_need *needs)
{
    struct store_state s;
    return validate(db, &s, needs);
}

int schema_prepare(taskorch_db *db, bool may_create)
{
    struct store_state s;
    enum schema_need needs = SCHEMA_READY;
    int rc = validate(db, &s, &needs);
    if (rc || needs == SCHEMA_READY)
        return rc;
    bool empty = needs == SCHEMA_CREATE;
    if (empty && (!may_create || (db->flags & TASKORCH_OPEN_READONLY)))
        return db_fail(db, TASKORCH_ENOTFOUND, "%s holds no task store yet", db->path);
    if (db->flags & TASKORCH_OPEN_READONLY)
        return db_fail(db, TASKORCH_ESCHEMA,
                       "%s needs an upgrade to schema version %d; open it once without "
                       "TASKORCH_OPEN_READONLY",
                       db->path, SCHEMA_VERSION);
    return upgrade(db);
}
