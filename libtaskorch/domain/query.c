/* query.c - listing tasks: checking the query, and the task iterator. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "store.h"

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

/* Fills a new iterator by the backend's list operation. */
static int collect(taskorch_task_iter **out, taskorch_db *db, const taskorch_task_query *q,
                   const char *id, int direction)
{
    taskorch_task_iter *it = calloc(1, sizeof *it);
    if (!it)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    int rc = q ? db->ops->task_list(db, q, it) : db->ops->dep_tasks(db, id, direction, it);
    for (size_t i = 0; !rc && q && (q->flags & TASKORCH_QUERY_DETAILS) && i < it->n; i++)
        rc = db->ops->task_load_details(db, &it->items[i]);
    if (rc) {
        taskorch_task_iter_free(it);
        return rc;
    }
    *out = it;
    return TASKORCH_OK;
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
    return collect(out, db, &q, NULL, 0);
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
    return collect(out, db, NULL, id, direction);
}
