/* queue.c - the SQLite backend's queue: the next ready task, claims,
 * leases, request ids and settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite.h"

int sq_next_ready(taskorch_db *db, const char *who, int priority, const char *tag,
                  char id[TASKORCH_ID_SIZE], int *prio, int64_t *created, bool *found)
{
    /* Pending means ready: the domain keeps every prerequisite of a
     * pending task completed, so no edge is read here. */
    static const char mine_sql[] =
        "SELECT id, priority, created_at FROM tasks WHERE status = 0 AND assignee = ?1"
        " AND (?2 < 0 OR priority = ?2)"
        " AND (?3 IS NULL OR id IN (SELECT task_id FROM tags WHERE tag = ?3))"
        " ORDER BY priority DESC, created_at, rowid LIMIT 1";
    static const char nobody_sql[] =
        "SELECT id, priority, created_at FROM tasks WHERE status = 0 AND assignee IS NULL"
        " AND (?2 < 0 OR priority = ?2)"
        " AND (?3 IS NULL OR id IN (SELECT task_id FROM tags WHERE tag = ?3))"
        " ORDER BY priority DESC, created_at, rowid LIMIT 1";
    sqlite3_stmt *st = db_stmt(db, who ? mine_sql : nobody_sql);
    if (!st)
        return db_last_code(db);
    if (who)
        bind_text(st, 1, who);
    sqlite3_bind_int(st, 2, priority);
    bind_text(st, 3, tag);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found) {
        snprintf(id, TASKORCH_ID_SIZE, "%s", sqlite3_column_text(st, 0));
        *prio = sqlite3_column_int(st, 1);
        *created = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? TASKORCH_OK
                                                 : db_sqlfail(db, rc, "looking for ready tasks");
}

int sq_oldest_in_progress(taskorch_db *db, const char *agent, char id[TASKORCH_ID_SIZE],
                          bool *found)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM tasks WHERE status = 1 AND assignee = ?1"
                                   " ORDER BY created_at, rowid LIMIT 1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, agent);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        snprintf(id, TASKORCH_ID_SIZE, "%s", sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? TASKORCH_OK
                                                 : db_sqlfail(db, rc, "looking for my tasks");
}

int sq_task_take(taskorch_db *db, const char *id, const char *agent, int64_t claim,
                 int64_t lease_ms, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE tasks SET status = 1, manual_block = 0, assignee = ?2,"
                                   " claim_no = ?3, lease_expires = ?4, lease_ms = ?5,"
                                   " updated_at = ?6 WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    bind_text(st, 2, agent);
    sqlite3_bind_int64(st, 3, claim);
    if (lease_ms > 0) {
        sqlite3_bind_int64(st, 4, now + lease_ms);
        sqlite3_bind_int64(st, 5, lease_ms);
    }
    sqlite3_bind_int64(st, 6, now);
    return db_step_done(db, st);
}

int sq_task_renew(taskorch_db *db, const char *id, int64_t lease_ms, int64_t now)
{
    sqlite3_stmt *st =
        db_stmt(db, "UPDATE tasks SET"
                    " lease_ms = CASE WHEN ?3 > 0 THEN ?3 ELSE lease_ms END,"
                    " lease_expires = ?2 + CASE WHEN ?3 > 0 THEN ?3 ELSE lease_ms END"
                    " WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, lease_ms);
    return db_step_done(db, st);
}

int sq_task_release(taskorch_db *db, const char *id, int to, bool unassign, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE tasks SET status = ?2, manual_block = 0,"
                                   " claim_no = NULL, lease_expires = NULL, lease_ms = NULL,"
                                   " assignee = CASE WHEN ?3 THEN NULL ELSE assignee END,"
                                   " updated_at = ?4 WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, to);
    sqlite3_bind_int(st, 3, unassign);
    sqlite3_bind_int64(st, 4, now);
    return db_step_done(db, st);
}

/* Collects the rows first: the statement must be done before the rows
 * it reads are changed. */
struct ended {
    char id[TASKORCH_ID_SIZE];
    char *holder;
    int64_t claim;
};

int sq_leases_ended(taskorch_db *db, int64_t now, store_lease_fn fn, void *ctx)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, assignee, coalesce(claim_no, 0) FROM tasks"
                                   " WHERE lease_expires <= ?1 AND +status = 1"
                                   " ORDER BY lease_expires, id");
    if (!st)
        return db_last_code(db);
    sqlite3_bind_int64(st, 1, now);
    struct ended *v = NULL;
    size_t n = 0, cap = 0;
    int rc, code = TASKORCH_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(&v, &cap, n, sizeof *v)) {
            code = db_fail(db, TASKORCH_ENOMEM, "out of memory");
            break;
        }
        snprintf(v[n].id, TASKORCH_ID_SIZE, "%s", sqlite3_column_text(st, 0));
        v[n].holder = col_strdup(st, 1);
        v[n].claim = sqlite3_column_int64(st, 2);
        n++;
    }
    sqlite3_reset(st);
    if (!code && rc != SQLITE_DONE)
        code = db_sqlfail(db, rc, "reading leases");
    for (size_t i = 0; i < n && !code; i++)
        code = fn(ctx, v[i].id, v[i].holder, v[i].claim);
    for (size_t i = 0; i < n; i++)
        free(v[i].holder);
    free(v);
    return code;
}

int sq_lease_first(taskorch_db *db, int64_t *first)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT min(lease_expires) FROM tasks"
                                   " WHERE lease_expires IS NOT NULL");
    if (!st)
        return db_last_code(db);
    int rc = sqlite3_step(st);
    *first = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? TASKORCH_OK : db_sqlfail(db, rc, "reading leases");
}

int sq_request_get(taskorch_db *db, const char *agent, const char *request_id, char *op,
                   size_t op_size, char *fp, size_t fp_size, char *result, size_t result_size)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT op, fingerprint, result FROM requests"
                                   " WHERE agent = ?1 AND request_id = ?2");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, agent);
    bind_text(st, 2, request_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(op, op_size, "%s", sqlite3_column_text(st, 0));
        snprintf(fp, fp_size, "%s", sqlite3_column_text(st, 1));
        snprintf(result, result_size, "%s", sqlite3_column_text(st, 2));
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return TASKORCH_ENOTFOUND;
    return rc == SQLITE_ROW ? TASKORCH_OK : db_sqlfail(db, rc, "reading request ids");
}

int sq_request_put(taskorch_db *db, const char *agent, const char *request_id, const char *op,
                   const char *fp, const char *result, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO requests(agent, request_id, op, fingerprint,"
                                   " result, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, agent);
    bind_text(st, 2, request_id);
    bind_text(st, 3, op);
    bind_text(st, 4, fp);
    bind_text(st, 5, result);
    sqlite3_bind_int64(st, 6, now);
    return db_step_done(db, st);
}

int sq_config_get(taskorch_db *db, const char *key, char **value)
{
    *value = NULL;
    sqlite3_stmt *st = db_stmt(db, "SELECT value FROM config WHERE key = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && !(*value = col_strdup(st, 0)))
        rc = SQLITE_NOMEM;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? TASKORCH_OK
                                                 : db_sqlfail(db, rc, "reading settings");
}

int sq_config_set(taskorch_db *db, const char *key, const char *value)
{
    sqlite3_stmt *st = db_stmt(db, value ? "INSERT INTO config(key, value) VALUES (?1, ?2)"
                                           " ON CONFLICT(key) DO UPDATE SET value = ?2"
                                         : "DELETE FROM config WHERE key = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, key);
    if (value)
        bind_text(st, 2, value);
    return db_step_done(db, st);
}
