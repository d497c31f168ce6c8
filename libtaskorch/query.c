/* query.c - listing tasks: the query's SQL, and the task iterator. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct taskorch_task_iter {
    taskorch_task *items;
    size_t n, pos;
};

int taskorch_task_query_init(taskorch_task_query *q, unsigned int version)
{
    if (!q || version != TASKORCH_TASK_QUERY_VERSION)
        return TASKORCH_EINVAL;
    taskorch_task_query def = TASKORCH_TASK_QUERY_INIT;
    *q = def;
    return TASKORCH_OK;
}

void taskorch_task_iter_free(taskorch_task_iter *it)
{
    if (!it)
        return;
    for (size_t i = 0; i < it->n; i++)
        task_clear(&it->items[i]);
    free(it->items);
    free(it);
}

int taskorch_task_iter_next(taskorch_task_iter *it, const taskorch_task **item)
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

size_t taskorch_task_iter_count(const taskorch_task_iter *it) { return it ? it->n : 0; }

/* Steps a prepared statement selecting TASK_COLUMNS into a new iterator. */
static int collect(taskorch_task_iter **out, taskorch_db *db, sqlite3_stmt *st, bool details)
{
    taskorch_task_iter *it = calloc(1, sizeof *it);
    if (!it)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    size_t cap = 0;
    int rc = TASKORCH_OK, src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(&it->items, &cap, it->n, sizeof *it->items)) {
            rc = db_fail(db, TASKORCH_ENOMEM, "out of memory");
            break;
        }
        taskorch_task *t = &it->items[it->n++];
        if ((rc = task_from_row(t, st))) {
            rc = db_fail(db, rc, "out of memory");
            break;
        }
    }
    if (!rc && src != SQLITE_DONE)
        rc = db_sqlfail(db, src, "listing tasks");
    sqlite3_reset(st);
    for (size_t i = 0; !rc && details && i < it->n; i++)
        rc = task_load_details(db, &it->items[i]);
    if (rc) {
        taskorch_task_iter_free(it);
        return rc;
    }
    *out = it;
    return TASKORCH_OK;
}

static char *query_sql(const taskorch_task_query *q)
{
    struct strbuf sb;
    sb_init(&sb);
    sb_add(&sb, "SELECT " TASK_COLUMNS " FROM tasks t WHERE 1");
    if (q->statuses) {
        sb_add(&sb, " AND t.status IN (");
        const char *sep = "";
        for (int s = 0; s < 5; s++)
            if (q->statuses & (1u << s)) {
                sb_addf(&sb, "%s%d", sep, s);
                sep = ", ";
            }
        sb_add(&sb, ")");
    }
    /* Naming every status lets "status, assignee" lead the index. */
    if ((q->assignee || (q->flags & TASKORCH_QUERY_UNASSIGNED)) && !q->statuses)
        sb_add(&sb, " AND t.status IN (0, 1, 2, 3, 4)");
    if (q->assignee)
        sb_add(&sb, " AND t.assignee = :assignee");
    if (q->flags & TASKORCH_QUERY_UNASSIGNED)
        sb_add(&sb, " AND t.assignee IS NULL");
    if (q->tag)
        sb_add(&sb, " AND t.id IN (SELECT task_id FROM tags WHERE tag = :tag)");
    if (q->priority >= 0)
        sb_add(&sb, " AND t.priority = :priority");
    if (q->flags & TASKORCH_QUERY_HAS_DEPS)
        sb_add(&sb, " AND EXISTS (SELECT 1 FROM deps d WHERE d.task_id = t.id)");
    /* A pending task has every dependency completed (status.c keeps it so). */
    if (q->flags & TASKORCH_QUERY_READY)
        sb_add(&sb, " AND t.status = 0");
    switch (q->sort) {
    case TASKORCH_SORT_CREATED: sb_add(&sb, " ORDER BY t.created_at, t.rowid"); break;
    case TASKORCH_SORT_UPDATED: sb_add(&sb, " ORDER BY t.updated_at DESC, t.rowid DESC"); break;
    default: sb_add(&sb, " ORDER BY t.priority DESC, t.created_at, t.rowid"); break;
    }
    sb_add(&sb, " LIMIT :limit");
    return sb_steal(&sb);
}

static void bind_named_text(sqlite3_stmt *st, const char *name, const char *value)
{
    int idx = sqlite3_bind_parameter_index(st, name);
    if (idx)
        bind_text(st, idx, value);
}

/* Listing notices leases that have ended, as claiming does, so that what
 * it shows is claimable. A read-only handle, or a store locked past the
 * timeout, just lists: the next claim records the expiry. */
static void expire_before_listing(taskorch_db *db)
{
    bool due = false;
    int64_t now = now_ms();
    if ((db->flags & TASKORCH_OPEN_READONLY) || leases_due(db, now, &due, NULL) || !due)
        return;
    if (!db_begin(db) && (leases_expire(db, now) || db_commit(db)))
        db_rollback(db, TASKORCH_OK);
    db_clear_error(db);
}

int taskorch_task_iter_new(taskorch_task_iter **out, taskorch_db *db,
                           const taskorch_task_query *query)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return TASKORCH_EINVAL;
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    if (query) {
        if (query->version < 1 || query->version > TASKORCH_TASK_QUERY_VERSION)
            return db_fail(db, TASKORCH_EINVAL, "unknown task query version");
        q = *query;
    }
    expire_before_listing(db);
    if (q.statuses >> 5)
        return db_fail(db, TASKORCH_EINVAL, "status set holds an unknown status");
    if (q.priority >= 0 && !taskorch_priority_name(q.priority))
        return db_fail(db, TASKORCH_EINVAL, "unknown priority %d", q.priority);
    if (q.sort < 0 || q.sort > TASKORCH_SORT_UPDATED)
        return db_fail(db, TASKORCH_EINVAL, "unknown sort order %d", q.sort);
    char *sql = query_sql(&q);
    if (!sql)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    free(sql);
    if (src != SQLITE_OK)
        return db_sqlfail(db, src, "listing tasks");
    bind_named_text(st, ":assignee", q.assignee);
    bind_named_text(st, ":tag", q.tag);
    int idx = sqlite3_bind_parameter_index(st, ":priority");
    if (idx)
        sqlite3_bind_int(st, idx, q.priority);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"),
                       q.limit ? (sqlite3_int64)q.limit : -1);
    int rc = collect(out, db, st, q.flags & TASKORCH_QUERY_DETAILS);
    sqlite3_finalize(st);
    return rc;
}

int taskorch_dep_iter_new(taskorch_task_iter **out, taskorch_db *db, const char *task,
                          int direction)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return TASKORCH_EINVAL;
    if (direction != TASKORCH_DEP_PREREQUISITES && direction != TASKORCH_DEP_DEPENDENTS)
        return db_fail(db, TASKORCH_EINVAL, "unknown dependency direction %d", direction);
    char id[TASKORCH_ID_SIZE];
    int rc = resolve_id(db, task, id);
    if (rc)
        return rc;
    sqlite3_stmt *st =
        direction == TASKORCH_DEP_PREREQUISITES
            ? db_stmt(db, "SELECT " TASK_COLUMNS " FROM deps d JOIN tasks t ON t.id = d.dep_id"
                          " WHERE d.task_id = ?1 ORDER BY t.created_at, t.rowid")
            : db_stmt(db, "SELECT " TASK_COLUMNS " FROM deps d JOIN tasks t ON t.id = d.task_id"
                          " WHERE d.dep_id = ?1 ORDER BY t.created_at, t.rowid");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    return collect(out, db, st, false);
}
