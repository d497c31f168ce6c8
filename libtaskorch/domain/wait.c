/* wait.c - waiting for tasks to be done. Each check is one short read;
 * between checks the caller sleeps in taskorch_event_wait, which wakes on
 * any commit to the feed, so waiting costs nothing while nothing changes. */
#include <stdlib.h>

#include "internal.h"
#include "store.h"

static bool is_done(int status, int until)
{
    return status == TASKORCH_STATUS_COMPLETED ||
           (until == TASKORCH_WAIT_TERMINAL && status == TASKORCH_STATUS_CANCELLED);
}

/* Collects ids back to back for sb_string_array. */
struct id_list {
    struct strbuf sb;
    size_t n;
};

static void list_add(struct id_list *l, const char *id)
{
    sb_addn(&l->sb, id, strlen(id) + 1);
    l->n++;
}

struct open_count {
    size_t *open;
    struct id_list *pending;
};

static int count_open(void *ctx, const char *id, int status)
{
    const struct open_count *c = ctx;
    (void)status;
    ++*c->open;
    if (c->pending)
        list_add(c->pending, id);
    return TASKORCH_OK;
}

/* One look: *open counts the tasks not done; with pending (may be NULL)
 * their ids are collected. *last gets the newest event id of the same
 * snapshot, so a change after this look always wakes the waiter. */
static int look(taskorch_db *db, char (*ids)[TASKORCH_ID_SIZE], size_t n, int until, size_t *open,
                int64_t *last, struct id_list *pending)
{
    *open = 0;
    int code = db->ops->read_begin(db);
    if (code)
        return code;
    code = taskorch_event_last_id(last, db);
    if (n) {
        for (size_t i = 0; i < n && !code; i++) {
            int status;
            if ((code = task_status_of(db, ids[i], &status)) == TASKORCH_ENOTFOUND)
                code = db_fail(db, code, "task %s was deleted while waiting for it", ids[i]);
            else if (!code && !is_done(status, until)) {
                ++*open;
                if (pending)
                    list_add(pending, ids[i]);
            }
        }
    } else {
        struct open_count c = {open, pending};
        code = db->ops->open_task_ids(db, pending ? -1 : 1, count_open, &c);
    }
    db->ops->read_end(db);
    return code;
}

int taskorch_task_wait(char ***out, taskorch_db *db, const char *const *ids, size_t n_ids,
                       int until, int timeout_ms)
{
    if (out)
        *out = NULL;
    if (!db)
        return TASKORCH_EINVAL;
    if (until != TASKORCH_WAIT_COMPLETED && until != TASKORCH_WAIT_TERMINAL)
        return db_fail(db, TASKORCH_EINVAL, "unknown wait condition %d", until);
    if (n_ids && !ids)
        return db_fail(db, TASKORCH_EINVAL, "ids: count is %zu but the array is NULL", n_ids);
    char(*full)[TASKORCH_ID_SIZE] = n_ids ? calloc(n_ids, sizeof *full) : NULL;
    if (n_ids && !full)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    int rc = TASKORCH_OK;
    for (size_t i = 0; i < n_ids && !rc; i++)
        rc = resolve_id(db, ids[i], full[i]);
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
    while (!rc) {
        size_t open = 0;
        int64_t last = 0;
        if ((rc = look(db, full, n_ids, until, &open, &last, NULL)) || !open)
            break;
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            rc = TASKORCH_ETIMEOUT;
            break;
        }
        rc = taskorch_event_wait(db, last, left > INT32_MAX ? INT32_MAX : (int)left);
        if (rc == TASKORCH_ETIMEOUT)
            rc = TASKORCH_OK; /* look once more, then time out above */
    }
    if (rc == TASKORCH_ETIMEOUT) {
        struct id_list pending = {{0}, 0};
        sb_init(&pending.sb);
        size_t open = 0;
        int64_t last;
        int lrc = look(db, full, n_ids, until, &open, &last, &pending);
        if (lrc || !open) {
            sb_free(&pending.sb);
            rc = lrc; /* or done at the last moment */
        } else {
            char **v = sb_string_array(&pending.sb, pending.n);
            rc = v ? db_fail(db, rc, "%zu task(s) not done yet", open)
                   : db_fail(db, TASKORCH_ENOMEM, "out of memory");
            if (out)
                *out = v;
            else
                free(v);
        }
    }
    free(full);
    return rc;
}
