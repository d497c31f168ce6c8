/* tasks.c - the SQLite backend's task rows, tags, files, dependency edges
 * and task lists. The "ready" rule (pending means every prerequisite is
 * completed) is kept by the domain (status.c); the test it rests on, "a
 * prerequisite is unfinished", is written once: UNFINISHED_DEPS_OF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite.h"

/* The prerequisites of the task whose id is the SQL expression task that
 * are not completed (status 2), as (dep_id, status) rows: the one place
 * the library tests "a prerequisite is unfinished" (task_waiting,
 * IDS_UNFINISHED_DEPS, IDS_TO_UNBLOCK). Aliases ud and up stay clear of
 * the enclosing queries'. */
#define UNFINISHED_DEPS_OF(task)                                                                   \
    "SELECT ud.dep_id, up.status FROM deps ud JOIN tasks up ON up.id = ud.dep_id"                  \
    " WHERE ud.task_id = " task " AND up.status != 2"

/* Reads one task row from a statement selecting TASK_COLUMNS. */
#define TASK_COLUMNS                                                                               \
    "t.id, t.title, t.description, t.status, t.priority, t.assignee, t.created_by, "               \
    "t.summary, t.manual_block, t.created_at, t.updated_at, t.completed_at, t.claim_no, "          \
    "t.lease_expires, t.estimate"

static int task_from_row(taskorch_task *t, sqlite3_stmt *st)
{
    memset(t, 0, sizeof *t);
    const char *id = (const char *)sqlite3_column_text(st, 0);
    snprintf(t->id, sizeof t->id, "%s", id ? id : "");
    t->title = col_strdup(st, 1);
    t->description = col_strdup(st, 2);
    t->status = sqlite3_column_int(st, 3);
    t->priority = sqlite3_column_int(st, 4);
    t->assignee = col_strdup(st, 5);
    t->created_by = col_strdup(st, 6);
    t->summary = col_strdup(st, 7);
    t->manual_block = sqlite3_column_int(st, 8);
    t->created_at = sqlite3_column_int64(st, 9);
    t->updated_at = sqlite3_column_int64(st, 10);
    t->completed_at = sqlite3_column_int64(st, 11);
    t->claim_no = sqlite3_column_int64(st, 12);
    t->lease_expires = sqlite3_column_int64(st, 13);
    t->estimate = sqlite3_column_double(st, 14);
    if (!t->title || !t->created_by)
        return TASKORCH_ENOMEM;
    return TASKORCH_OK;
}

int sq_task_ids_with_prefix(taskorch_db *db, const char *prefix, char (*out)[TASKORCH_ID_SIZE],
                            size_t max, size_t *n)
{
    *n = 0;
    size_t len = strlen(prefix);
    char upper[TASKORCH_ID_SIZE + 1];
    snprintf(upper, sizeof upper, "%.*s", (int)(len < TASKORCH_ID_LEN ? len : TASKORCH_ID_LEN),
             prefix);
    upper[len] = 'g'; /* just past 'f': every id with this prefix sorts below */
    upper[len + 1] = '\0';
    sqlite3_stmt *st =
        db_stmt(db, "SELECT id FROM tasks WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 10");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, prefix);
    bind_text(st, 2, upper);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
        snprintf(out[(*n)++], TASKORCH_ID_SIZE, "%s", sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_sqlfail(db, rc, "looking up a task");
    return TASKORCH_OK;
}

int sq_task_load(taskorch_db *db, const char *id, taskorch_task *t)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " TASK_COLUMNS " FROM tasks t WHERE t.id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        sqlite3_reset(st);
        memset(t, 0, sizeof *t);
        return src == SQLITE_DONE ? TASKORCH_ENOTFOUND : db_sqlfail(db, src, "reading a task");
    }
    int rc = task_from_row(t, st);
    sqlite3_reset(st);
    return rc;
}

/* Runs a one-column query bound to the task id and collects the strings. */
static int load_strings(taskorch_db *db, const char *sql, const char *id, char ***out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(out, &cap, *n, sizeof **out) || !((*out)[*n] = col_strdup(st, 0)))
            break;
        (*n)++;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    return rc == SQLITE_DONE ? TASKORCH_OK : db_sqlfail(db, rc, "reading a task");
}

int sq_task_load_details(taskorch_db *db, taskorch_task *t)
{
    int rc = load_strings(db, "SELECT tag FROM tags WHERE task_id = ?1 ORDER BY tag", t->id,
                          &t->tags, &t->n_tags);
    if (!rc)
        rc = load_strings(db, "SELECT dep_id FROM deps WHERE task_id = ?1 ORDER BY dep_id", t->id,
                          &t->deps, &t->n_deps);
    if (rc)
        return rc;
    sqlite3_stmt *st = db_stmt(db, "SELECT path, line, end_line FROM files WHERE task_id = ?1"
                                   " ORDER BY pos");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, t->id);
    size_t cap = 0;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(&t->files, &cap, t->n_files, sizeof *t->files))
            break;
        struct file_ref *f = &t->files[t->n_files];
        if (!(f->path = col_strdup(st, 0)))
            break;
        f->line = sqlite3_column_int(st, 1);
        f->end = sqlite3_column_int(st, 2);
        t->n_files++;
    }
    sqlite3_reset(st);
    if (src == SQLITE_ROW)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    return src == SQLITE_DONE ? TASKORCH_OK : db_sqlfail(db, src, "reading a task");
}

int sq_task_status(taskorch_db *db, const char *id, int *status)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT status FROM tasks WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *status = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return TASKORCH_ENOTFOUND;
    return rc == SQLITE_ROW ? TASKORCH_OK : db_sqlfail(db, rc, "reading a task");
}

int sq_task_state(taskorch_db *db, const char *id, int *status, int *manual, int64_t *claim)
{
    sqlite3_stmt *st =
        db_stmt(db, "SELECT status, manual_block, coalesce(claim_no, 0) FROM tasks WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    *status = sqlite3_column_int(st, 0);
    *manual = sqlite3_column_int(st, 1);
    *claim = sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? TASKORCH_ENOTFOUND : db_sqlfail(db, rc, "reading a task");
    return TASKORCH_OK;
}

int sq_task_waiting(taskorch_db *db, const char *id, int *status, int *manual, int *waiting)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT status, manual_block,"
                                   " EXISTS (" UNFINISHED_DEPS_OF("?1") ")"
                                   " FROM tasks WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *status = sqlite3_column_int(st, 0);
        *manual = sqlite3_column_int(st, 1);
        *waiting = sqlite3_column_int(st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? TASKORCH_ENOTFOUND : db_sqlfail(db, rc, "reading a task");
    return TASKORCH_OK;
}

int sq_task_holding(taskorch_db *db, const char *id, int *status, char **assignee, int64_t *claim,
                    int64_t *lease_expires)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT status, assignee, coalesce(claim_no, 0),"
                                   " coalesce(lease_expires, 0) FROM tasks WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *status = sqlite3_column_int(st, 0);
        *assignee = col_strdup(st, 1);
        *claim = sqlite3_column_int64(st, 2);
        *lease_expires = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return TASKORCH_ENOTFOUND;
    return rc == SQLITE_ROW ? TASKORCH_OK : db_sqlfail(db, rc, "reading a task");
}

/* Collects the rows first: a callback may run statements of its own
 * (possibly this one), so none stays active while it runs. */
static int walk_ids(taskorch_db *db, sqlite3_stmt *st, bool with_status, store_id_fn fn, void *ctx,
                    const char *what)
{
    struct idst {
        char id[TASKORCH_ID_SIZE];
        int status;
    } *v = NULL;
    size_t n = 0, cap = 0;
    int rc, code = TASKORCH_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(&v, &cap, n, sizeof *v)) {
            code = db_fail(db, TASKORCH_ENOMEM, "out of memory");
            break;
        }
        snprintf(v[n].id, TASKORCH_ID_SIZE, "%s", sqlite3_column_text(st, 0));
        v[n++].status = with_status ? sqlite3_column_int(st, 1) : -1;
    }
    sqlite3_reset(st);
    if (!code && rc != SQLITE_DONE && rc != SQLITE_ROW)
        code = db_sqlfail(db, rc, what);
    for (size_t i = 0; i < n && !code; i++)
        code = fn(ctx, v[i].id, v[i].status);
    free(v);
    return code;
}

int sq_task_ids(taskorch_db *db, enum store_ids which, const char *id, store_id_fn fn, void *ctx)
{
    static const char *const sql[] = {
        [IDS_UNFINISHED_DEPS] = UNFINISHED_DEPS_OF("?1") " ORDER BY ud.dep_id",
        [IDS_DEPENDENTS] = "SELECT task_id FROM deps WHERE dep_id = ?1 ORDER BY task_id",
        [IDS_DEPS] = "SELECT dep_id FROM deps WHERE task_id = ?1",
        /* CROSS JOIN: start from this task's dependents, never from every
         * blocked task (the planner's other choice). */
        [IDS_TO_UNBLOCK] = "SELECT t.id FROM deps d CROSS JOIN tasks t ON t.id = d.task_id"
                           " WHERE d.dep_id = ?1 AND t.status = 3 AND t.manual_block = 0"
                           " AND NOT EXISTS (" UNFINISHED_DEPS_OF("t.id") ")"
                           " ORDER BY t.created_at, t.id",
        [IDS_TO_REBLOCK] = "SELECT t.id FROM deps d CROSS JOIN tasks t ON t.id = d.task_id"
                           " WHERE d.dep_id = ?1 AND t.status = 0 ORDER BY t.created_at, t.id",
    };
    sqlite3_stmt *st = db_stmt(db, sql[which]);
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    return walk_ids(db, st, which == IDS_UNFINISHED_DEPS, fn, ctx, "reading dependencies");
}

int sq_open_task_ids(taskorch_db *db, int64_t limit, store_id_fn fn, void *ctx)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM tasks WHERE status IN (0, 1, 3)"
                                   " ORDER BY created_at, id LIMIT ?1");
    if (!st)
        return db_last_code(db);
    sqlite3_bind_int64(st, 1, limit);
    return walk_ids(db, st, false, fn, ctx, "reading tasks");
}

int sq_task_insert(taskorch_db *db, const struct store_new_task *t)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO tasks(id, title, description, status, priority,"
                                   " assignee, created_by, created_at, updated_at, estimate)"
                                   " VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?7, ?8)");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, t->id);
    bind_text(st, 2, t->title);
    bind_text(st, 3, t->description);
    sqlite3_bind_int(st, 4, t->priority);
    bind_text(st, 5, t->assignee);
    bind_text(st, 6, t->created_by);
    sqlite3_bind_int64(st, 7, t->now);
    if (t->estimate > 0)
        sqlite3_bind_double(st, 8, t->estimate);
    return db_step_done(db, st);
}

int sq_task_patch(taskorch_db *db, const char *id, const char *title, const char *description,
                  int priority, double estimate, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE tasks SET title = coalesce(?2, title),"
                                   " description = CASE WHEN ?3 IS NULL THEN description"
                                   "   WHEN ?3 = '' THEN NULL ELSE ?3 END,"
                                   " priority = CASE WHEN ?4 < 0 THEN priority ELSE ?4 END,"
                                   " estimate = CASE WHEN ?6 < 0 THEN estimate"
                                   "   WHEN ?6 = 0 THEN NULL ELSE ?6 END,"
                                   " updated_at = ?5 WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    bind_text(st, 2, title);
    bind_text(st, 3, description);
    sqlite3_bind_int(st, 4, priority);
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_double(st, 6, estimate);
    return db_step_done(db, st);
}

int sq_task_touch(taskorch_db *db, const char *id, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE tasks SET updated_at = ?2 WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    return db_step_done(db, st);
}

int sq_task_set_assignee(taskorch_db *db, const char *id, const char *assignee, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE tasks SET assignee = ?2, updated_at = ?3 WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    bind_text(st, 2, assignee);
    sqlite3_bind_int64(st, 3, now);
    return db_step_done(db, st);
}

int sq_task_set_summary(taskorch_db *db, const char *id, const char *summary)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE tasks SET summary = ?2 WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    bind_text(st, 2, summary);
    return db_step_done(db, st);
}

int sq_task_set_status(taskorch_db *db, const char *id, int to, bool manual, const char *summary,
                       int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE tasks SET status = ?2, manual_block = ?3,"
                                   " updated_at = ?4,"
                                   " completed_at = CASE WHEN ?2 = 2 THEN ?4 END,"
                                   " summary = coalesce(?5, summary),"
                                   " claim_no = CASE WHEN ?2 = 1 THEN claim_no END,"
                                   " lease_expires = CASE WHEN ?2 = 1 THEN lease_expires END,"
                                   " lease_ms = CASE WHEN ?2 = 1 THEN lease_ms END"
                                   " WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, to);
    sqlite3_bind_int(st, 3, manual);
    sqlite3_bind_int64(st, 4, now);
    bind_text(st, 5, summary);
    return db_step_done(db, st);
}

int sq_task_auto_status(taskorch_db *db, const char *id, int to, int64_t now, char **assignee)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE tasks SET status = ?2, manual_block = 0,"
                                   " updated_at = ?3 WHERE id = ?1"
                                   " RETURNING coalesce(assignee, '')");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, to);
    sqlite3_bind_int64(st, 3, now);
    int rc = sqlite3_step(st);
    *assignee = rc == SQLITE_ROW ? col_strdup(st, 0) : NULL;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return db_sqlfail(db, rc, "updating a task");
    if (!*assignee)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    return TASKORCH_OK;
}

int sq_task_clear_manual_block(taskorch_db *db, const char *id, int64_t now)
{
    sqlite3_stmt *st =
        db_stmt(db, "UPDATE tasks SET manual_block = 0, updated_at = ?2 WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    return db_step_done(db, st);
}

int sq_task_delete(taskorch_db *db, const char *id)
{
    /* Foreign keys cascade to edges, tags, files, messages, participants.
     * Private note events go too; the public history stays. */
    static const char *const cleanup[] = {
        "DELETE FROM tasks WHERE id = ?1",
        "DELETE FROM events WHERE task_id = ?1 AND visible_to IS NOT NULL",
    };
    int rc = TASKORCH_OK;
    for (size_t i = 0; !rc && i < sizeof cleanup / sizeof *cleanup; i++) {
        sqlite3_stmt *st = db_stmt(db, cleanup[i]);
        if (!st)
            return db_last_code(db);
        bind_text(st, 1, id);
        rc = db_step_done(db, st);
    }
    return rc;
}

/* Runs a two-parameter write; *changed: whether it changed a row. */
static int write_pair(taskorch_db *db, const char *sql, const char *a, const char *b, bool *changed)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, a);
    bind_text(st, 2, b);
    int rc = db_step_done(db, st);
    *changed = !rc && sqlite3_changes(SQL(db)) > 0;
    return rc;
}

int sq_tag_add(taskorch_db *db, const char *id, const char *tag, bool *added)
{
    return write_pair(db, "INSERT OR IGNORE INTO tags(task_id, tag) VALUES (?1, ?2)", id, tag,
                      added);
}

int sq_tag_remove(taskorch_db *db, const char *id, const char *tag, bool *removed)
{
    return write_pair(db, "DELETE FROM tags WHERE task_id = ?1 AND tag = ?2", id, tag, removed);
}

int sq_file_add(taskorch_db *db, const char *id, const char *path, int line, int end)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO files(task_id, pos, path, line, end_line)"
                                   " VALUES (?1, (SELECT coalesce(max(pos), 0) + 1 FROM files"
                                   " WHERE task_id = ?1), ?2, ?3, ?4)");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    bind_text(st, 2, path);
    sqlite3_bind_int(st, 3, line);
    sqlite3_bind_int(st, 4, end);
    return db_step_done(db, st);
}

int sq_edge_add(taskorch_db *db, const char *task, const char *dep, int64_t now, bool *added)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT OR IGNORE INTO deps(task_id, dep_id, created_at)"
                                   " VALUES (?1, ?2, ?3)");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, task);
    bind_text(st, 2, dep);
    sqlite3_bind_int64(st, 3, now);
    int rc = db_step_done(db, st);
    *added = rc == TASKORCH_OK && sqlite3_changes(SQL(db)) > 0;
    return rc;
}

int sq_edge_remove(taskorch_db *db, const char *task, const char *dep, bool *removed)
{
    return write_pair(db, "DELETE FROM deps WHERE task_id = ?1 AND dep_id = ?2", task, dep,
                      removed);
}

/* Steps a prepared statement selecting TASK_COLUMNS into the iterator. */
static int collect(taskorch_db *db, sqlite3_stmt *st, taskorch_task_iter *it)
{
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
    return rc;
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

int sq_task_list(taskorch_db *db, const taskorch_task_query *q, taskorch_task_iter *it)
{
    char *sql = query_sql(q);
    if (!sql)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(SQL(db), sql, -1, &st, NULL);
    free(sql);
    if (src != SQLITE_OK)
        return db_sqlfail(db, src, "listing tasks");
    bind_named_text(st, ":assignee", q->assignee);
    bind_named_text(st, ":tag", q->tag);
    int idx = sqlite3_bind_parameter_index(st, ":priority");
    if (idx)
        sqlite3_bind_int(st, idx, q->priority);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"),
                       q->limit ? (sqlite3_int64)q->limit : -1);
    int rc = collect(db, st, it);
    sqlite3_finalize(st);
    return rc;
}

int sq_dep_tasks(taskorch_db *db, const char *id, int direction, taskorch_task_iter *it)
{
    sqlite3_stmt *st =
        direction == TASKORCH_DEP_PREREQUISITES
            ? db_stmt(db, "SELECT " TASK_COLUMNS " FROM deps d JOIN tasks t ON t.id = d.dep_id"
                          " WHERE d.task_id = ?1 ORDER BY t.created_at, t.rowid")
            : db_stmt(db, "SELECT " TASK_COLUMNS " FROM deps d JOIN tasks t ON t.id = d.task_id"
                          " WHERE d.dep_id = ?1 ORDER BY t.created_at, t.rowid");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    return collect(db, st, it);
}
