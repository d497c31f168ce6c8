/* status.c - the task state machine.
 *
 * Invariants kept here, inside the caller's write transaction:
 *  - a pending task has every dependency completed; otherwise it is blocked
 *    ("automatically blocked", manual_block = 0);
 *  - a task set blocked by hand (manual_block = 1) is left alone by the
 *    automatic rules until someone sets its status again;
 *  - completing a task unblocks each automatically blocked dependent whose
 *    dependencies are now all completed; reopening a completed task sends
 *    its pending dependents back to blocked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int status_write(taskorch_db *db, const char *id, int from, int to, bool manual, const char *forced,
                 const char *summary, int64_t claim)
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
    sqlite3_bind_int64(st, 4, now_ms());
    bind_text(st, 5, summary);
    int rc = db_step_done(db, st);
    if (rc)
        return rc;
    struct strbuf sb;
    sb_init(&sb);
    sb_addf(&sb, "%s -> %s", taskorch_status_name(from), taskorch_status_name(to));
    if (forced)
        sb_addf(&sb, " (forced past %s)", forced);
    if (summary && *summary)
        sb_addf(&sb, ": %s", summary);
    if (sb.failed) {
        sb_free(&sb);
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    }
    struct event_data d = EVENT_DATA_INIT;
    d.from = from;
    d.to = to;
    d.claim = claim;
    d.forced = forced != NULL;
    rc = event_add_data(db, "status", id, sb.buf, NULL, &d);
    sb_free(&sb);
    return rc;
}

int status_unfinished_deps(taskorch_db *db, const char *id, char **out)
{
    return id_list(db,
                   "SELECT d.dep_id, t.status FROM deps d JOIN tasks t ON t.id = d.dep_id"
                   " WHERE d.task_id = ?1 AND t.status != 2 ORDER BY d.dep_id",
                   id, out);
}

/* An automatic move between pending and blocked, with its own event kind.
 * cause: the task whose change caused it, or NULL. */
static int auto_move(taskorch_db *db, const char *id, int to, const char *cause)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE tasks SET status = ?2, manual_block = 0,"
                                   " updated_at = ?3 WHERE id = ?1"
                                   " RETURNING coalesce(assignee, '')");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, to);
    sqlite3_bind_int64(st, 3, now_ms());
    int rc = sqlite3_step(st);
    char *assignee = rc == SQLITE_ROW ? col_strdup(st, 0) : NULL;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return db_sqlfail(db, rc, "updating a task");
    if (!assignee)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    struct strbuf sb;
    sb_init(&sb);
    if (to == TASKORCH_STATUS_PENDING)
        sb_addf(&sb, "dependencies completed; ready for %s", *assignee ? assignee : "anyone");
    else
        sb_add(&sb, "waiting for unfinished dependencies");
    free(assignee);
    struct event_data d = EVENT_DATA_INIT;
    d.from = to == TASKORCH_STATUS_PENDING ? TASKORCH_STATUS_BLOCKED : TASKORCH_STATUS_PENDING;
    d.to = to;
    d.cause = cause;
    rc = sb.failed ? db_fail(db, TASKORCH_ENOMEM, "out of memory")
                   : event_add_data(db, to == TASKORCH_STATUS_PENDING ? "unblocked" : "blocked", id,
                                    sb.buf, NULL, &d);
    sb_free(&sb);
    return rc;
}

int status_reevaluate(taskorch_db *db, const char *id)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT status, manual_block, EXISTS (SELECT 1 FROM deps d"
                                   " JOIN tasks p ON p.id = d.dep_id"
                                   " WHERE d.task_id = ?1 AND p.status != 2)"
                                   " FROM tasks WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    int status = -1, manual = 0, waiting = 0;
    if (rc == SQLITE_ROW) {
        status = sqlite3_column_int(st, 0);
        manual = sqlite3_column_int(st, 1);
        waiting = sqlite3_column_int(st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? TASKORCH_OK : db_sqlfail(db, rc, "reading a task");
    if (status == TASKORCH_STATUS_PENDING && waiting)
        return auto_move(db, id, TASKORCH_STATUS_BLOCKED, NULL);
    if (status == TASKORCH_STATUS_BLOCKED && !manual && !waiting)
        return auto_move(db, id, TASKORCH_STATUS_PENDING, NULL);
    return TASKORCH_OK;
}

/* Collects the ids a query bound to ?1 = id returns, then moves each. */
static int move_each(taskorch_db *db, const char *sql, const char *id, int to)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    char(*ids)[TASKORCH_ID_SIZE] = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(&ids, &cap, n, sizeof *ids))
            break;
        snprintf(ids[n++], TASKORCH_ID_SIZE, "%s", sqlite3_column_text(st, 0));
    }
    sqlite3_reset(st);
    int code = rc == SQLITE_DONE  ? TASKORCH_OK
               : rc == SQLITE_ROW ? db_fail(db, TASKORCH_ENOMEM, "out of memory")
                                  : db_sqlfail(db, rc, "reading dependents");
    for (size_t i = 0; i < n && !code; i++)
        code = auto_move(db, ids[i], to, id);
    free(ids);
    return code;
}

int status_unblock_dependents(taskorch_db *db, const char *id)
{
    return move_each(db,
                     /* CROSS JOIN: start from this task's dependents, never
                      * from every blocked task (the planner's other choice). */
                     "SELECT t.id FROM deps d CROSS JOIN tasks t ON t.id = d.task_id"
                     " WHERE d.dep_id = ?1 AND t.status = 3 AND t.manual_block = 0"
                     " AND NOT EXISTS (SELECT 1 FROM deps d2 JOIN tasks p ON p.id = d2.dep_id"
                     "   WHERE d2.task_id = t.id AND p.status != 2)"
                     " ORDER BY t.created_at, t.id",
                     id, TASKORCH_STATUS_PENDING);
}

int status_reblock_dependents(taskorch_db *db, const char *id)
{
    return move_each(db,
                     "SELECT t.id FROM deps d CROSS JOIN tasks t ON t.id = d.task_id"
                     " WHERE d.dep_id = ?1 AND t.status = 0 ORDER BY t.created_at, t.id",
                     id, TASKORCH_STATUS_BLOCKED);
}

/* A task blocked by hand, asked to be pending while its dependencies are
 * unfinished: it stays blocked, but now only until they complete. */
static int release_manual_block(taskorch_db *db, const char *id)
{
    sqlite3_stmt *st =
        db_stmt(db, "UPDATE tasks SET manual_block = 0, updated_at = ?2 WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now_ms());
    int rc = db_step_done(db, st);
    return rc ? rc
              : event_add(db, "status", id,
                          "blocked by hand -> blocked until its dependencies complete", NULL);
}

int status_change(taskorch_db *db, const char *id, int to, unsigned int flags, const char *summary,
                  bool taken_over)
{
    sqlite3_stmt *st =
        db_stmt(db, "SELECT status, manual_block, coalesce(claim_no, 0) FROM tasks WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    int from = sqlite3_column_int(st, 0), manual = sqlite3_column_int(st, 1);
    int64_t claim = sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? db_fail(db, TASKORCH_ENOTFOUND, "no task with id '%s'", id)
                                 : db_sqlfail(db, rc, "reading a task");
    bool by_hand = to == TASKORCH_STATUS_BLOCKED;
    if (from == to && (!by_hand || manual))
        return db_fail(db, TASKORCH_EINVAL, "task %s is already %s", id, taskorch_status_name(to));

    char *unfinished = NULL;
    if ((rc = status_unfinished_deps(db, id, &unfinished)))
        return rc;
    const char *forced = taken_over ? "another agent's claim" : NULL;
    if (unfinished && (to == TASKORCH_STATUS_IN_PROGRESS || to == TASKORCH_STATUS_COMPLETED)) {
        if (!(flags & TASKORCH_FORCE)) {
            rc = db_fail(db, TASKORCH_EBLOCKED, "task %s cannot be %s: unfinished dependencies %s",
                         id, to == TASKORCH_STATUS_COMPLETED ? "completed" : "started", unfinished);
            free(unfinished);
            return rc;
        }
        forced = taken_over ? "another agent's claim and unfinished dependencies"
                            : "unfinished dependencies";
    }
    int stored = to;
    if (to == TASKORCH_STATUS_PENDING && unfinished)
        stored = TASKORCH_STATUS_BLOCKED; /* pending means "ready": wait for the deps */
    free(unfinished);
    if (stored == from && !by_hand) {
        if (!manual)
            return db_fail(db, TASKORCH_EINVAL, "task %s stays %s: its dependencies are unfinished",
                           id, taskorch_status_name(from));
        return release_manual_block(db, id);
    }

    if ((rc = status_write(db, id, from, stored, by_hand, forced,
                           to == TASKORCH_STATUS_COMPLETED ? summary : NULL, claim)))
        return rc;
    if (stored == TASKORCH_STATUS_COMPLETED)
        return status_unblock_dependents(db, id);
    if (from == TASKORCH_STATUS_COMPLETED)
        return status_reblock_dependents(db, id);
    return TASKORCH_OK;
}
