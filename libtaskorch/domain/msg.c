/* msg.c - the per-task channels: private notes, shared updates,
 * discoveries, sync points and progress, plus joining a task.
 *
 * A note is private: every read path filters it to its author. Posting
 * joins the author to the task. A request id makes a post idempotent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "store.h"

static const char *const kind_names[] = {"note", "share", "discover", "sync", "progress"};
#define N_KINDS 5

const char *taskorch_msg_kind_name(int kind)
{
    return kind >= 0 && kind < N_KINDS ? kind_names[kind] : NULL;
}

int taskorch_msg_kind_parse(int *out, const char *name)
{
    if (!out || !name)
        return TASKORCH_EINVAL;
    for (int i = 0; i < N_KINDS; i++)
        if (!strcmp(name, kind_names[i])) {
            *out = i;
            return TASKORCH_OK;
        }
    return TASKORCH_EINVAL;
}

int taskorch_msg_query_init(taskorch_msg_query *q, unsigned int version)
{
    if (!q || version != TASKORCH_MSG_QUERY_VERSION)
        return TASKORCH_EINVAL;
    taskorch_msg_query def = TASKORCH_MSG_QUERY_INIT;
    *q = def;
    return TASKORCH_OK;
}

int participant_join(taskorch_db *db, const char *id, int *joined)
{
    bool added = false;
    int rc = db->ops->participant_add(db, id, db->agent, now_ms(), &added);
    *joined = added;
    if (!rc && *joined)
        rc = event_add(db, "joined", id, db->agent, NULL);
    return rc;
}

int taskorch_task_join(taskorch_db *db, const char *task)
{
    struct write_call w;
    write_start(db, &w, "join");
    if (!db)
        return TASKORCH_EINVAL;
    fp_text(&w, task);
    int rc = db_begin(db), joined = 0;
    if (rc)
        return rc;
    char id[TASKORCH_ID_SIZE];
    bool replayed = false;
    if ((rc = write_replay(db, &w, id, sizeof id, &replayed)) || replayed) {
        if (replayed)
            write_done(db, id);
        return db_rollback(db, rc);
    }
    if ((rc = resolve_id(db, task, id)) || (rc = participant_join(db, id, &joined)) ||
        (joined && (rc = db_touch(db, TOUCH_TASK, id, NULL))) || (rc = write_record(db, &w, id)))
        return db_rollback(db, rc);
    if ((rc = db_commit(db)))
        return rc;
    write_done(db, id);
    return TASKORCH_OK;
}

static int check_message(taskorch_db *db, int kind, const char *text, const char *request_id)
{
    if (!taskorch_msg_kind_name(kind))
        return db_fail(db, TASKORCH_EINVAL,
                       "unknown message kind %d; use note, share, discover, sync or progress",
                       kind);
    if (!text || text_blank(text))
        return db_fail(db, TASKORCH_EINVAL, "message is empty; say something");
    int rc = check_long_text(db, "message", text);
    if (!rc && request_id)
        rc = check_name(db, "request id", request_id, REQUEST_ID_MAX);
    return rc;
}

static int post_in_txn(taskorch_db *db, const struct write_call *w, const char *id, int kind,
                       const char *text, int64_t *msg_id)
{
    int rc, joined;
    bool forced = false;
    /* Progress belongs to whoever holds the task. */
    if (kind == TASKORCH_MSG_PROGRESS && (rc = fence_check(db, id, w, &forced)))
        return rc;
    if ((rc = db->ops->msg_insert(db, id, kind, text, now_ms(), msg_id)))
        return rc;
    if ((rc = participant_join(db, id, &joined)))
        return rc;
    struct event_data d = EVENT_DATA_INIT;
    d.msg_id = *msg_id;
    d.forced = forced;
    return event_add_data(db, kind_names[kind], id, text,
                          kind == TASKORCH_MSG_NOTE ? db->agent : NULL, &d);
}

int taskorch_msg_post(int64_t *out, taskorch_db *db, const char *task, int kind, const char *text,
                      const char *request_id)
{
    struct write_call w;
    write_start(db, &w, "post");
    if (out)
        *out = 0;
    if (!db)
        return TASKORCH_EINVAL;
    int rc = check_message(db, kind, text, request_id);
    if (rc || (rc = db_begin(db)))
        return rc;
    if (request_id) {
        snprintf(w.request_id, sizeof w.request_id, "%s", request_id);
        w.has_request = true;
    }
    fp_text(&w, task);
    fp_int(&w, kind);
    fp_text(&w, text);
    char id[TASKORCH_ID_SIZE], result[64];
    int64_t msg_id = 0;
    bool replayed = false;
    if ((rc = write_replay(db, &w, result, sizeof result, &replayed)))
        return db_rollback(db, rc);
    if (replayed) {
        if (out)
            *out = strtoll(result, NULL, 10);
        /* The result is the message; its task as the id resolves now. */
        if (resolve_id(db, task, id) == TASKORCH_OK)
            write_done(db, id);
        db_clear_error(db);
        return db_rollback(db, TASKORCH_OK);
    }
    if ((rc = resolve_id(db, task, id)) || (rc = post_in_txn(db, &w, id, kind, text, &msg_id)))
        return db_rollback(db, rc);
    snprintf(result, sizeof result, "%lld", (long long)msg_id);
    rc = kind == TASKORCH_MSG_NOTE ? db_touch(db, TOUCH_NOTES, id, db->agent)
                                   : db_touch(db, TOUCH_TASK, id, NULL);
    if (rc || (rc = write_record(db, &w, result)))
        return db_rollback(db, rc);
    if ((rc = db_commit(db)))
        return rc;
    write_done(db, id);
    if (out)
        *out = msg_id;
    return TASKORCH_OK;
}

void taskorch_msg_iter_free(taskorch_msg_iter *it)
{
    if (!it)
        return;
    for (size_t i = 0; i < it->n; i++) {
        free(it->items[i].author);
        free(it->items[i].text);
    }
    free(it->items);
    free(it);
}

int taskorch_msg_iter_new(taskorch_msg_iter **out, taskorch_db *db, const char *task,
                          const taskorch_msg_query *query)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return TASKORCH_EINVAL;
    taskorch_msg_query q = TASKORCH_MSG_QUERY_INIT;
    if (query) {
        if (query->version < 1 || query->version > TASKORCH_MSG_QUERY_VERSION)
            return db_fail(db, TASKORCH_EINVAL, "unknown message query version");
        q = *query;
    }
    if (q.kinds >> N_KINDS)
        return db_fail(db, TASKORCH_EINVAL, "kind set holds an unknown kind");
    if (q.since < 0)
        return db_fail(db, TASKORCH_EINVAL, "since must not be negative");
    char id[TASKORCH_ID_SIZE];
    int rc = resolve_id(db, task, id);
    if (rc)
        return rc;
    taskorch_msg_iter *it = calloc(1, sizeof *it);
    rc = it ? db->ops->msg_list(db, id, &q, it) : db_fail(db, TASKORCH_ENOMEM, "out of memory");
    if (rc) {
        taskorch_msg_iter_free(it);
        return rc;
    }
    *out = it;
    return TASKORCH_OK;
}

int taskorch_msg_iter_next(taskorch_msg_iter *it, const taskorch_msg **item)
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

int64_t taskorch_msg_id(const taskorch_msg *m) { return m ? m->id : 0; }
const char *taskorch_msg_task_id(const taskorch_msg *m) { return m ? m->task_id : NULL; }
int taskorch_msg_kind(const taskorch_msg *m) { return m ? m->kind : -1; }
const char *taskorch_msg_author(const taskorch_msg *m) { return m ? m->author : NULL; }
const char *taskorch_msg_text(const taskorch_msg *m) { return m ? m->text : NULL; }
int64_t taskorch_msg_created_at(const taskorch_msg *m) { return m ? m->created_at : 0; }

struct names {
    struct strbuf sb;
    size_t n;
};

static int add_name(void *ctx, const char *name, int status)
{
    struct names *l = ctx;
    (void)status;
    sb_addn(&l->sb, name, strlen(name) + 1);
    l->n++;
    return TASKORCH_OK;
}

int taskorch_task_participants(char ***out, taskorch_db *db, const char *task)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return TASKORCH_EINVAL;
    char id[TASKORCH_ID_SIZE];
    int rc = resolve_id(db, task, id);
    if (rc)
        return rc;
    /* One block: the pointer array followed by the strings. */
    struct names names;
    sb_init(&names.sb);
    names.n = 0;
    if ((rc = db->ops->participants(db, id, add_name, &names))) {
        sb_free(&names.sb);
        return rc;
    }
    char **v = sb_string_array(&names.sb, names.n);
    if (!v)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    *out = v;
    return TASKORCH_OK;
}
