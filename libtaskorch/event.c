/* event.c - the change feed: appending events, reading them, waiting for
 * new ones across processes, and consumers' cursors. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static const char *const event_kinds[] = {
    "created",   "updated",     "status",   "assigned", "unblocked", "blocked",
    "dep_added", "dep_removed", "deleted",  "joined",   "note",      "share",
    "discover",  "sync",        "progress", "claimed",  "released",  "expired",
};

int taskorch_event_kind_known(const char *kind)
{
    if (!kind)
        return 0;
    for (size_t i = 0; i < sizeof event_kinds / sizeof *event_kinds; i++)
        if (!strcmp(kind, event_kinds[i]))
            return 1;
    return 0;
}

int event_add(taskorch_db *db, const char *kind, const char *task_id, const char *text,
              const char *visible_to)
{
    return event_add_about(db, kind, task_id, text, visible_to, NULL);
}

int event_add_about(taskorch_db *db, const char *kind, const char *task_id, const char *text,
                    const char *visible_to, const char *subject)
{
    struct event_data d = EVENT_DATA_INIT;
    d.assignee = subject;
    return event_add_data(db, kind, task_id, text, visible_to, &d);
}

static void bind_nonzero(sqlite3_stmt *st, int idx, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, idx, v);
    else
        sqlite3_bind_null(st, idx);
}

int event_add_data(taskorch_db *db, const char *kind, const char *task_id, const char *text,
                   const char *visible_to, const struct event_data *d)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO events(ts, kind, task_id, agent, text, visible_to,"
                                   " subject, from_status, to_status, claim, lease_until, cause,"
                                   " msg_id, forced)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                                   " ?13, ?14)");
    if (!st)
        return db_last_code(db);
    sqlite3_bind_int64(st, 1, now_ms());
    bind_text(st, 2, kind);
    bind_text(st, 3, task_id);
    bind_text(st, 4, db->agent);
    bind_text(st, 5, text ? text : "");
    bind_text(st, 6, visible_to);
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
    return db_step_done(db, st);
}

struct taskorch_event {
    int64_t id, ts;
    char *kind, *task_id, *agent, *text;
    int from, to, forced;
    char *assignee, *cause;
    int64_t claim, lease_until, msg_id;
};

struct taskorch_event_iter {
    struct taskorch_event *items;
    size_t n, pos;
};

int taskorch_event_query_init(taskorch_event_query *q, unsigned int version)
{
    if (!q || version != TASKORCH_EVENT_QUERY_VERSION)
        return TASKORCH_EINVAL;
    taskorch_event_query def = TASKORCH_EVENT_QUERY_INIT;
    *q = def;
    return TASKORCH_OK;
}

static void event_clear(struct taskorch_event *e)
{
    free(e->kind);
    free(e->task_id);
    free(e->agent);
    free(e->text);
    free(e->assignee);
    free(e->cause);
}

void taskorch_event_iter_free(taskorch_event_iter *it)
{
    if (!it)
        return;
    for (size_t i = 0; i < it->n; i++)
        event_clear(&it->items[i]);
    free(it->items);
    free(it);
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

int taskorch_event_iter_new(taskorch_event_iter **out, taskorch_db *db,
                            const taskorch_event_query *query)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return TASKORCH_EINVAL;
    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    if (query) {
        if (query->version < 1 || query->version > TASKORCH_EVENT_QUERY_VERSION)
            return db_fail(db, TASKORCH_EINVAL, "unknown event query version");
        q = *query;
    }
    if (q.n_kinds && !q.kinds)
        return db_fail(db, TASKORCH_EINVAL, "kinds: count is %zu but the array is NULL", q.n_kinds);
    for (size_t i = 0; i < q.n_kinds; i++)
        if (!taskorch_event_kind_known(q.kinds[i]))
            return db_fail(db, TASKORCH_EINVAL,
                           "unknown event kind '%s'; known kinds: created, updated, status, "
                           "assigned, unblocked, blocked, dep_added, dep_removed, deleted, "
                           "joined, note, share, discover, sync, progress, claimed, released, "
                           "expired",
                           q.kinds[i] ? q.kinds[i] : "(null)");
    char task_id[TASKORCH_ID_SIZE];
    if (q.task) {
        int rc = resolve_id(db, q.task, task_id);
        if (rc)
            return rc;
    }
    char *sql = event_sql(&q);
    if (!sql)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    free(sql);
    if (src != SQLITE_OK)
        return db_sqlfail(db, src, "reading events");
    sqlite3_bind_int64(st, 1, q.after);
    bind_text(st, 2, db->agent);
    if (q.task)
        bind_text(st, 3, task_id);
    sqlite3_bind_int64(st, 4, q.limit ? (sqlite3_int64)q.limit : -1);
    for (size_t i = 0; i < q.n_kinds; i++)
        bind_text(st, (int)i + 5, q.kinds[i]);

    taskorch_event_iter *it = calloc(1, sizeof *it);
    size_t cap = 0;
    int rc = it ? TASKORCH_OK : TASKORCH_ENOMEM;
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
    if (rc) {
        taskorch_event_iter_free(it);
        return rc == TASKORCH_ENOMEM ? db_fail(db, rc, "out of memory") : rc;
    }
    *out = it;
    return TASKORCH_OK;
}

int taskorch_event_iter_next(taskorch_event_iter *it, const taskorch_event **item)
{
    if (!it || !item)
        return TASKORCH_EINVAL;
    if (it->pos >= it->n) {
        *item = NULL;
        return TASKORCH_ITEROVER;
    }
    *item = &it->items[it->pos++];
    return TASKORCH_OK;
}

int64_t taskorch_event_id(const taskorch_event *ev) { return ev ? ev->id : 0; }
int64_t taskorch_event_time(const taskorch_event *ev) { return ev ? ev->ts : 0; }
const char *taskorch_event_kind(const taskorch_event *ev) { return ev ? ev->kind : NULL; }
const char *taskorch_event_task_id(const taskorch_event *ev) { return ev ? ev->task_id : NULL; }
const char *taskorch_event_agent(const taskorch_event *ev) { return ev ? ev->agent : NULL; }
const char *taskorch_event_text(const taskorch_event *ev) { return ev ? ev->text : NULL; }
int taskorch_event_from(const taskorch_event *ev) { return ev ? ev->from : -1; }
int taskorch_event_to(const taskorch_event *ev) { return ev ? ev->to : -1; }
const char *taskorch_event_assignee(const taskorch_event *ev) { return ev ? ev->assignee : NULL; }
int64_t taskorch_event_claim(const taskorch_event *ev) { return ev ? ev->claim : 0; }
int64_t taskorch_event_lease_until(const taskorch_event *ev) { return ev ? ev->lease_until : 0; }
const char *taskorch_event_cause(const taskorch_event *ev) { return ev ? ev->cause : NULL; }
int64_t taskorch_event_msg_id(const taskorch_event *ev) { return ev ? ev->msg_id : 0; }
int taskorch_event_forced(const taskorch_event *ev) { return ev ? ev->forced : 0; }

int taskorch_event_last_id(int64_t *out, taskorch_db *db)
{
    if (out)
        *out = 0;
    if (!out || !db)
        return TASKORCH_EINVAL;
    sqlite3_stmt *st = db_stmt(db, "SELECT coalesce(max(id), 0) FROM events");
    if (!st)
        return db_last_code(db);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? TASKORCH_OK : db_sqlfail(db, rc, "reading events");
}

/* PRAGMA data_version changes only when another connection commits, and
 * costs well under a microsecond, so polling it is the cross-process
 * wake-up. Each poll is its own short read: no transaction stays open. */
static int data_version(taskorch_db *db, int64_t *out)
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

int taskorch_event_wait(taskorch_db *db, int64_t after, int timeout_ms)
{
    if (!db)
        return TASKORCH_EINVAL;
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
    int64_t last = 0, version = 0, seen_version = -1;
    int rc;
    for (;;) {
        if ((rc = data_version(db, &version)))
            return rc;
        if (version != seen_version) {
            seen_version = version;
            if ((rc = taskorch_event_last_id(&last, db)))
                return rc;
            if (last > after)
                return TASKORCH_OK;
        }
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return TASKORCH_ETIMEOUT;
        /* 10 ms polls keep delivery fast and an idle watcher near 0% CPU. */
        long nap = left < 10 ? (long)left : 10;
        struct timespec ts = {0, nap * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int taskorch_cursor_get(int64_t *out, taskorch_db *db, const char *consumer)
{
    if (out)
        *out = 0;
    if (!out || !db)
        return TASKORCH_EINVAL;
    int rc = check_consumer(db, consumer);
    if (rc)
        return rc;
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

int taskorch_cursor_set(taskorch_db *db, const char *consumer, int64_t event_id)
{
    if (!db)
        return TASKORCH_EINVAL;
    int rc = check_consumer(db, consumer);
    if (rc)
        return rc;
    if (event_id < 0)
        return db_fail(db, TASKORCH_EINVAL, "cursor position must not be negative");
    if ((rc = db_begin(db)))
        return rc;
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO cursors(consumer, event_id, updated_at)"
                                   " VALUES (?1, ?2, ?3) ON CONFLICT(consumer) DO UPDATE"
                                   " SET event_id = ?2, updated_at = ?3");
    if (!st)
        return db_rollback(db, db_last_code(db));
    bind_text(st, 1, consumer);
    sqlite3_bind_int64(st, 2, event_id);
    sqlite3_bind_int64(st, 3, now_ms());
    if ((rc = db_step_done(db, st)))
        return db_rollback(db, rc);
    return db_commit(db);
}
