/* feed.c - the SQLite backend's change feed (events, its wake-up,
 * cursors), the task channels (messages, participants), and maintenance
 * (integrity checks, online backup). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "sqlite.h"

static void bind_nonzero(sqlite3_stmt *st, int idx, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, idx, v);
    else
        sqlite3_bind_null(st, idx);
}

int sq_event_append(taskorch_db *db, const struct store_event *e, int64_t *id)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO events(ts, kind, task_id, agent, text, visible_to,"
                                   " subject, from_status, to_status, claim, lease_until, cause,"
                                   " msg_id, forced)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                                   " ?13, ?14)");
    if (!st)
        return db_last_code(db);
    const struct event_data *d = e->data;
    sqlite3_bind_int64(st, 1, now_ms());
    bind_text(st, 2, e->kind);
    bind_text(st, 3, e->task_id);
    bind_text(st, 4, db->agent);
    bind_text(st, 5, e->text ? e->text : "");
    bind_text(st, 6, e->visible_to);
    bind_text(st, 7, d->assignee);
    if (d->from >= 0)
        sqlite3_bind_int(st, 8, d->from);
    if (d->to >= 0)
        sqlite3_bind_int(st, 9, d->to);
    bind_nonzero(st, 10, d->claim);
    bind_nonzero(st, 11, d->lease_until);
    bind_text(st, 12, d->cause);
    bind_nonzero(st, 13, d->msg_id);
    sqlite3_bind_int(st, 14, d->forced);
    int rc = db_step_done(db, st);
    if (!rc && id)
        *id = sqlite3_last_insert_rowid(SQL(db));
    return rc;
}

int sq_event_set_claim(taskorch_db *db, int64_t id, int64_t claim)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE events SET claim = ?2 WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, claim);
    return db_step_done(db, st);
}

int sq_event_last_id(taskorch_db *db, int64_t *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT coalesce(max(id), 0) FROM events");
    if (!st)
        return db_last_code(db);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? TASKORCH_OK : db_sqlfail(db, rc, "reading events");
}

/* Builds the WHERE clause from the query; kinds are bound as ?5.. */
static char *event_sql(const taskorch_event_query *q)
{
    struct strbuf sb;
    sb_init(&sb);
    sb_add(&sb, "SELECT id, ts, kind, task_id, agent, text, coalesce(from_status, -1),"
                " coalesce(to_status, -1), subject, claim, lease_until, cause, msg_id, forced"
                " FROM events"
                " WHERE id > ?1 AND (visible_to IS NULL OR visible_to = ?2)");
    if (q->task)
        sb_add(&sb, " AND task_id = ?3");
    if (q->flags & TASKORCH_EVENTS_MINE)
        /* Read from the feed itself, so that a deleted task's history is
         * still mine: I created or joined it, or it was handed to me. */
        sb_add(&sb, " AND (kind IN ('discover', 'sync')"
                    " OR task_id IN (SELECT task_id FROM events WHERE agent = ?2"
                    "   AND kind IN ('created', 'joined'))"
                    " OR task_id IN (SELECT task_id FROM events WHERE subject = ?2))");
    if (q->n_kinds) {
        sb_add(&sb, " AND kind IN (");
        for (size_t i = 0; i < q->n_kinds; i++)
            sb_addf(&sb, "%s?%zu", i ? ", " : "", i + 5);
        sb_add(&sb, ")");
    }
    sb_add(&sb, " ORDER BY id LIMIT ?4");
    return sb_steal(&sb);
}

int sq_event_list(taskorch_db *db, const taskorch_event_query *q, const char *task,
                  taskorch_event_iter *it)
{
    char *sql = event_sql(q);
    if (!sql)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(SQL(db), sql, -1, &st, NULL);
    free(sql);
    if (src != SQLITE_OK)
        return db_sqlfail(db, src, "reading events");
    sqlite3_bind_int64(st, 1, q->after);
    bind_text(st, 2, db->agent);
    if (task)
        bind_text(st, 3, task);
    sqlite3_bind_int64(st, 4, q->limit ? (sqlite3_int64)q->limit : -1);
    for (size_t i = 0; i < q->n_kinds; i++)
        bind_text(st, (int)i + 5, q->kinds[i]);
    size_t cap = 0;
    int rc = TASKORCH_OK;
    while (rc == TASKORCH_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(&it->items, &cap, it->n, sizeof *it->items)) {
            rc = TASKORCH_ENOMEM;
            break;
        }
        struct taskorch_event *e = &it->items[it->n++];
        e->id = sqlite3_column_int64(st, 0);
        e->ts = sqlite3_column_int64(st, 1);
        e->kind = col_strdup(st, 2);
        e->task_id = col_strdup(st, 3);
        e->agent = col_strdup(st, 4);
        e->text = col_strdup(st, 5);
        e->from = sqlite3_column_int(st, 6);
        e->to = sqlite3_column_int(st, 7);
        e->assignee = col_strdup(st, 8);
        e->claim = sqlite3_column_int64(st, 9);
        e->lease_until = sqlite3_column_int64(st, 10);
        e->cause = col_strdup(st, 11);
        e->msg_id = sqlite3_column_int64(st, 12);
        e->forced = sqlite3_column_int(st, 13);
        if (!e->kind || !e->agent || !e->text)
            rc = TASKORCH_ENOMEM;
    }
    if (rc == TASKORCH_OK && src != SQLITE_DONE)
        rc = db_sqlfail(db, src, "reading events");
    sqlite3_finalize(st);
    return rc == TASKORCH_ENOMEM ? db_fail(db, rc, "out of memory") : rc;
}

/* PRAGMA data_version changes only when another connection commits, and
 * costs well under a microsecond, so polling it is the cross-process
 * wake-up. Each poll is its own short read: no transaction stays open. */
int sq_change_token(taskorch_db *db, int64_t *out)
{
    sqlite3_stmt *st = db_stmt(db, "PRAGMA data_version");
    if (!st)
        return db_last_code(db);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? TASKORCH_OK : db_sqlfail(db, rc, "polling the store");
}

/* Sleeping until the store changes.
 *
 * Every commit writes the -wal file, so on Linux an inotify watch on the
 * store's folder (IN_MODIFY, IN_CLOSE_WRITE, IN_CREATE, IN_MOVED_TO) wakes
 * a waiter when another process writes. The frames are written before the
 * commit's sync, and the commit becomes visible only after it, with no
 * further file event (the -shm index is written through mmap): after an
 * event the waiter therefore polls data_version every millisecond for
 * HOT_MS. Otherwise it sleeps in poll(2) for up to IDLE_MS, a safety net
 * for file systems that do not report changes (network ones). Without
 * inotify (another system, or no watch left) it polls every POLL_MS. */
#define HOT_MS 100
#define IDLE_MS 1000
#define POLL_MS 10

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

#ifdef __linux__
/* Starts the watch; false when inotify is unavailable here. */
static bool watch_start(taskorch_db *db)
{
    struct store *s = db->store;
    if (s->watch == WATCH_NONE) {
        s->watch = WATCH_OFF;
        if (!strcmp(db->path, TASKORCH_MEMORY))
            return false;
        int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0)
            return false;
        if (inotify_add_watch(fd, db->dir, IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO) <
            0) {
            close(fd);
            return false;
        }
        s->watch_fd = fd;
        s->watch = WATCH_ON;
        s->hot_until_us = now_us() + HOT_MS * 1000; /* recheck at once: nothing missed */
    }
    return s->watch == WATCH_ON;
}

static void watch_drain(struct store *s)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    while (read(s->watch_fd, buf, sizeof buf) > 0)
        ;
}
#endif

int sq_change_wait(taskorch_db *db, int timeout_ms)
{
    if (timeout_ms <= 0)
        return TASKORCH_OK;
#ifdef __linux__
    struct store *s = db->store;
    if (watch_start(db)) {
        int64_t now = now_us();
        if (now < s->hot_until_us) {
            watch_drain(s);
            nap_ms(1);
            return TASKORCH_OK;
        }
        struct pollfd p = {.fd = s->watch_fd, .events = POLLIN};
        int n = poll(&p, 1, timeout_ms < IDLE_MS ? timeout_ms : IDLE_MS);
        if (n > 0) {
            watch_drain(s);
            s->hot_until_us = now_us() + HOT_MS * 1000;
        } else if (n < 0 && errno != EINTR) {
            nap_ms(timeout_ms < POLL_MS ? timeout_ms : POLL_MS);
        }
        return TASKORCH_OK;
    }
#endif
    nap_ms(timeout_ms < POLL_MS ? timeout_ms : POLL_MS);
    return TASKORCH_OK;
}

void sq_watch_close(taskorch_db *db)
{
#ifdef __linux__
    if (db->store->watch == WATCH_ON)
        close(db->store->watch_fd);
#endif
    db->store->watch = WATCH_NONE;
}

int sq_cursor_get(taskorch_db *db, const char *consumer, int64_t *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT event_id FROM cursors WHERE consumer = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, consumer);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return (src == SQLITE_ROW || src == SQLITE_DONE) ? TASKORCH_OK
                                                     : db_sqlfail(db, src, "reading a cursor");
}

int sq_cursor_set(taskorch_db *db, const char *consumer, int64_t event_id, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO cursors(consumer, event_id, updated_at)"
                                   " VALUES (?1, ?2, ?3) ON CONFLICT(consumer) DO UPDATE"
                                   " SET event_id = ?2, updated_at = ?3");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, consumer);
    sqlite3_bind_int64(st, 2, event_id);
    sqlite3_bind_int64(st, 3, now);
    return db_step_done(db, st);
}

int sq_msg_insert(taskorch_db *db, const char *id, int kind, const char *text, int64_t now,
                  int64_t *msg_id)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO messages(task_id, kind, author, text, created_at)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, kind);
    bind_text(st, 3, db->agent);
    bind_text(st, 4, text);
    sqlite3_bind_int64(st, 5, now);
    int rc = db_step_done(db, st);
    if (!rc)
        *msg_id = sqlite3_last_insert_rowid(SQL(db));
    return rc;
}

int sq_msg_list(taskorch_db *db, const char *id, const taskorch_msg_query *q, taskorch_msg_iter *it)
{
    /* The newest `limit` rows, returned oldest first. */
    sqlite3_stmt *st = db_stmt(db, "SELECT * FROM (SELECT id, kind, author, text, created_at"
                                   " FROM messages WHERE task_id = ?1 AND id > ?2"
                                   " AND (kind != 0 OR author = ?3)"
                                   " AND (?4 = 0 OR ((1 << kind) & ?4) != 0)"
                                   " ORDER BY id DESC LIMIT ?5) ORDER BY id");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, q->since);
    bind_text(st, 3, db->agent);
    sqlite3_bind_int(st, 4, (int)q->kinds);
    sqlite3_bind_int64(st, 5, q->limit ? (sqlite3_int64)q->limit : -1);
    size_t cap = 0;
    int src = SQLITE_DONE, rc = TASKORCH_OK;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(&it->items, &cap, it->n, sizeof *it->items)) {
            rc = TASKORCH_ENOMEM;
            break;
        }
        struct taskorch_msg *m = &it->items[it->n++];
        m->id = sqlite3_column_int64(st, 0);
        m->kind = sqlite3_column_int(st, 1);
        m->author = col_strdup(st, 2);
        m->text = col_strdup(st, 3);
        m->created_at = sqlite3_column_int64(st, 4);
        memcpy(m->task_id, id, TASKORCH_ID_SIZE);
        if (!m->author || !m->text)
            rc = TASKORCH_ENOMEM;
    }
    sqlite3_reset(st);
    if (!rc && src != SQLITE_DONE)
        rc = db_sqlfail(db, src, "reading messages");
    return rc == TASKORCH_ENOMEM ? db_fail(db, rc, "out of memory") : rc;
}

int sq_participant_add(taskorch_db *db, const char *id, const char *agent, int64_t now, bool *added)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT OR IGNORE INTO participants(task_id, agent, joined_at)"
                                   " VALUES (?1, ?2, ?3)");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    bind_text(st, 2, agent);
    sqlite3_bind_int64(st, 3, now);
    int rc = db_step_done(db, st);
    *added = !rc && sqlite3_changes(SQL(db)) > 0;
    return rc;
}

int sq_participants(taskorch_db *db, const char *id, store_id_fn fn, void *ctx)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT agent FROM participants WHERE task_id = ?1"
                                   " ORDER BY rowid");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    int src, rc = TASKORCH_OK;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(ctx, (const char *)sqlite3_column_text(st, 0), -1);
    sqlite3_reset(st);
    if (!rc && src != SQLITE_DONE)
        rc = db_sqlfail(db, src, "reading participants");
    return rc;
}

int sq_note_authors(taskorch_db *db, store_pair_fn fn, void *ctx)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT DISTINCT task_id, author FROM messages"
                                   " WHERE kind = 0 ORDER BY task_id, author");
    if (!st)
        return db_last_code(db);
    int src, rc = TASKORCH_OK;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(ctx, (const char *)sqlite3_column_text(st, 0),
                (const char *)sqlite3_column_text(st, 1));
    sqlite3_reset(st);
    if (!rc && src != SQLITE_DONE)
        rc = db_sqlfail(db, src, "reading notes");
    return rc;
}

void sq_check(taskorch_db *db, void (*report)(void *ctx, const char *problem), void *ctx)
{
    static const char *const sql[] = {"PRAGMA integrity_check(20)", "PRAGMA foreign_key_check"};
    char line[1024];
    for (size_t i = 0; i < 2; i++) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(SQL(db), sql[i], -1, &st, NULL);
        while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *a = (const char *)sqlite3_column_text(st, 0);
            if (i == 0 && a && strcmp(a, "ok")) {
                snprintf(line, sizeof line, "integrity: %s", a);
                report(ctx, line);
            } else if (i == 1) {
                snprintf(line, sizeof line,
                         "integrity: row %lld of table %s points to a missing %s row",
                         (long long)sqlite3_column_int64(st, 1), a ? a : "?",
                         (const char *)sqlite3_column_text(st, 2));
                report(ctx, line);
            }
            rc = SQLITE_OK;
        }
        if (rc != SQLITE_DONE && rc != SQLITE_OK) {
            snprintf(line, sizeof line, "integrity: %s", sqlite3_errmsg(SQL(db)));
            report(ctx, line);
        }
        sqlite3_finalize(st);
    }
    sqlite3_stmt *st = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(SQL(db), "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version != SCHEMA_VERSION) {
        snprintf(line, sizeof line,
                 "schema: the store has schema version %d, this library writes %d", version,
                 SCHEMA_VERSION);
        report(ctx, line);
    }
}

/* SQLite's online backup copies every page inside one read transaction
 * (WAL: writers go on meanwhile) into the (empty) file tmp. */
int sq_backup(taskorch_db *db, const char *tmp)
{
    sqlite3 *dst = NULL;
    int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(dst, "main", SQL(db), "main") : NULL;
    if (!b) {
        int code = db_fail(db, TASKORCH_ESTORE, "cannot write %s: %s", tmp,
                           dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
        sqlite3_close(dst);
        return code;
    }
    /* All pages in one step: one read transaction, so the copy is one
     * consistent state of the store. Locks are waited for as usual. */
    int64_t start = now_us();
    do {
        rc = sqlite3_backup_step(b, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            if (now_us() - start >= (int64_t)db->busy_timeout_ms * 1000)
                break;
            sqlite3_sleep(2);
        }
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    int code = TASKORCH_OK;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        code = db_sqlfail(db, rc, "copying the store");
    else if (rc != SQLITE_DONE)
        code =
            db_fail(db, TASKORCH_ESTORE, "copying the store to %s: %s", tmp, sqlite3_errmsg(dst));
    if (sqlite3_close(dst) != SQLITE_OK && !code)
        code = db_fail(db, TASKORCH_ESTORE, "cannot close %s", tmp);
    return code;
}
