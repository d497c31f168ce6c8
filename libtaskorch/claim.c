/* claim.c - taking work atomically: assignment, start and joining in one
 * write transaction, so that racing agents never take the same task. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The next ready task for the handle's agent, or ENOTFOUND. */
static int next_ready(taskorch_db *db, char id[TASKORCH_ID_SIZE])
{
    sqlite3_stmt *st = db_stmt(db, "SELECT t.id FROM tasks t"
                                   " WHERE t.status = 0 AND (t.assignee = ?1 OR t.assignee IS NULL)"
                                   " AND NOT EXISTS (SELECT 1 FROM deps d"
                                   "   JOIN tasks p ON p.id = d.dep_id"
                                   "   WHERE d.task_id = t.id AND p.status != 2)"
                                   " ORDER BY t.assignee IS NULL, t.priority DESC, t.created_at,"
                                   " t.rowid LIMIT 1");
    if (!st)
        return TASKORCH_ERROR;
    bind_text(st, 1, db->agent);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(id, TASKORCH_ID_SIZE, "%s", sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return db_fail(db, TASKORCH_ENOTFOUND,
                       "no ready task for %s (pending, dependencies completed, assigned to %s "
                       "or to nobody)",
                       db->agent, db->agent);
    return rc == SQLITE_ROW ? TASKORCH_OK : db_sqlfail(db, rc, "looking for ready tasks");
}

static int claim_in_txn(taskorch_db *db, const char *id)
{
    taskorch_task *cur = NULL;
    int rc = task_reload(&cur, db, id);
    if (rc)
        return rc;
    bool mine = cur->assignee && !strcmp(cur->assignee, db->agent);
    int joined;
    if (cur->assignee && !mine)
        rc = db_fail(db, TASKORCH_ECONFLICT, "task %s is assigned to %s, not to %s", id,
                     cur->assignee, db->agent);
    else if (cur->status == TASKORCH_STATUS_IN_PROGRESS && mine)
        rc = TASKORCH_OK; /* claimed already: a retry after a lost reply */
    else if (cur->status == TASKORCH_STATUS_BLOCKED && cur->manual_block)
        rc = db_fail(db, TASKORCH_EINVAL, "task %s was set blocked by hand", id);
    else if (cur->status != TASKORCH_STATUS_PENDING && cur->status != TASKORCH_STATUS_BLOCKED)
        rc = db_fail(db, TASKORCH_EINVAL, "task %s is %s; only pending tasks can be claimed", id,
                     taskorch_status_name(cur->status));
    else if (!(rc = status_change(db, id, TASKORCH_STATUS_IN_PROGRESS, 0, NULL)) && !mine)
        rc = task_set_assignee(db, cur, db->agent);
    if (!rc)
        rc = participant_join(db, id, &joined);
    taskorch_task_free(cur);
    return rc;
}

int taskorch_task_claim(taskorch_task **out, taskorch_db *db, const char *id_or_prefix)
{
    if (out)
        *out = NULL;
    if (!db)
        return TASKORCH_EINVAL;
    int rc = db_begin(db);
    if (rc)
        return rc;
    char id[TASKORCH_ID_SIZE];
    rc = id_or_prefix ? resolve_id(db, id_or_prefix, id) : next_ready(db, id);
    if (rc || (rc = claim_in_txn(db, id)))
        return db_rollback(db, rc);
    if ((rc = db_commit(db)))
        return rc;
    mirror_task(db, id);
    return task_reload(out, db, id);
}
