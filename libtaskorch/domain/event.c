/* event.c - the change feed: appending events, reading them, waiting for
 * new ones across processes, and consumers' cursors. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "store.h"

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

int event_add_data(taskorch_db *db, const char *kind, const char *task_id, const char *text,
                   const char *visible_to, const struct event_data *d)
{
    return event_add_id(db, kind, task_id, text, visible_to, d, NULL);
}

int event_add_id(taskorch_db *db, const char *kind, const char *task_id, const char *text,
                 const char *visible_to, const struct event_data *d, int64_t *id)
{
    struct store_event e = {kind, task_id, text, visible_to, d};
    return db->ops->event_append(db, &e, id);
}

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
    taskorch_event_iter *it = calloc(1, sizeof *it);
    int rc = it ? db->ops->event_list(db, &q, q.task ? task_id : NULL, it)
                : db_fail(db, TASKORCH_ENOMEM, "out of memory");
    if (rc) {
        taskorch_event_iter_free(it);
        return rc;
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
    return db->ops->event_last_id(db, out);
}

int taskorch_event_wait(taskorch_db *db, int64_t after, int timeout_ms)
{
    if (!db)
        return TASKORCH_EINVAL;
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
    int64_t last = 0, version = 0, seen_version = -1;
    int rc;
    for (;;) {
        if ((rc = db->ops->change_token(db, &version)))
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
        if (db->ops->change_wait) {
            if ((rc = db->ops->change_wait(db, left > INT32_MAX ? INT32_MAX : (int)left)))
                return rc;
            continue;
        }
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
    return db->ops->cursor_get(db, consumer, out);
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
    if ((rc = db->ops->cursor_set(db, consumer, event_id, now_ms())))
        return db_rollback(db, rc);
    return db_commit(db);
}
