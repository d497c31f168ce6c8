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
#include "store.h"

int status_write(taskorch_db *db, const char *id, int from, int to, bool manual, const char *forced,
                 const char *summary, int64_t claim)
{
    int rc = db->ops->task_set_status(db, id, to, manual, summary, now_ms());
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
    return id_list(db, IDS_UNFINISHED_DEPS, id, out);
}

/* An automatic move between pending and blocked, with its own event kind.
 * cause: the task whose change caused it, or NULL. */
static int auto_move(taskorch_db *db, const char *id, int to, const char *cause)
{
    char *assignee = NULL;
    int rc = db->ops->task_auto_status(db, id, to, now_ms(), &assignee);
    if (rc)
        return rc;
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
    int status = -1, manual = 0, waiting = 0;
    int rc = db->ops->task_waiting(db, id, &status, &manual, &waiting);
    if (rc)
        return rc == TASKORCH_ENOTFOUND ? TASKORCH_OK : rc;
    if (status == TASKORCH_STATUS_PENDING && waiting)
        return auto_move(db, id, TASKORCH_STATUS_BLOCKED, NULL);
    if (status == TASKORCH_STATUS_BLOCKED && !manual && !waiting)
        return auto_move(db, id, TASKORCH_STATUS_PENDING, NULL);
    return TASKORCH_OK;
}

/* Moves each task of a list (the rows are read before the first move). */
struct move {
    taskorch_db *db;
    const char *cause;
    int to;
};

static int move_one(void *ctx, const char *id, int status)
{
    const struct move *m = ctx;
    (void)status;
    return auto_move(m->db, id, m->to, m->cause);
}

int status_unblock_dependents(taskorch_db *db, const char *id)
{
    struct move m = {db, id, TASKORCH_STATUS_PENDING};
    return db->ops->task_ids(db, IDS_TO_UNBLOCK, id, move_one, &m);
}

int status_reblock_dependents(taskorch_db *db, const char *id)
{
    struct move m = {db, id, TASKORCH_STATUS_BLOCKED};
    return db->ops->task_ids(db, IDS_TO_REBLOCK, id, move_one, &m);
}

/* A task blocked by hand, asked to be pending while its dependencies are
 * unfinished: it stays blocked, but now only until they complete. */
static int release_manual_block(taskorch_db *db, const char *id)
{
    int rc = db->ops->task_clear_manual_block(db, id, now_ms());
    return rc ? rc
              : event_add(db, "status", id,
                          "blocked by hand -> blocked until its dependencies complete", NULL);
}

int status_change(taskorch_db *db, const char *id, int to, unsigned int flags, const char *summary,
                  bool taken_over)
{
    int from = 0, manual = 0;
    int64_t claim = 0;
    int rc = db->ops->task_state(db, id, &from, &manual, &claim);
    if (rc)
        return rc == TASKORCH_ENOTFOUND ? db_fail(db, rc, "no task with id '%s'", id) : rc;
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
