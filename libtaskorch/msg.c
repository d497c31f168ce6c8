/* msg.c - the per-task channels: private notes, shared updates,
 * discoveries, sync points and progress, plus joining a task.
 *
 * A note is private: every read path filters it to its author. Posting
 * joins the author to the task. A request id makes a post idempotent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
    sqlite3_stmt *st = db_stmt(db, "INSERT OR IGNORE INTO participants(task_id, agent, joined_at)"
                                   " VALUES (?1, ?2, ?3)");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    bind_text(st, 2, db->agent);
    sqlite3_bind_int64(st, 3, now_ms());
    int rc = db_step_done(db, st);
    *joined = !rc && sqlite3_changes(db->sql) > 0;
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
    if ((rc = write_replay(db, &w, id, sizeof id, &replayed)) || replayed)
        return db_rollback(db, rc);
    if ((rc = resolve_id(db, task, id)) || (rc = participant_join(db, id, &joined)) ||
        (rc = write_record(db, &w, id)))
        return db_rollback(db, rc);
    if ((rc = db_commit(db)))
        return rc;
    if (joined)
        mirror_task(db, id);
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
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO messages(task_id, kind, author, text, created_at)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, kind);
    bind_text(st, 3, db->agent);
    bind_text(st, 4, text);
    sqlite3_bind_int64(st, 5, now_ms());
    if ((rc = db_step_done(db, st)))
        return rc;
    *msg_id = sqlite3_last_insert_rowid(db->sql);
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
        return db_rollback(db, TASKORCH_OK);
    }
    if ((rc = resolve_id(db, task, id)) || (rc = post_in_txn(db, &w, id, kind, text, &msg_id)))
        return db_rollback(db, rc);
    snprintf(result, sizeof result, "%lld", (long long)msg_id);
    if ((rc = write_record(db, &w, result)))
        return db_rollback(db, rc);
    if ((rc = db_commit(db)))
        return rc;
    if (kind == TASKORCH_MSG_NOTE)
        mirror_notes(db, id, db->agent);
    else
        mirror_task(db, id);
    if (out)
        *out = msg_id;
    return TASKORCH_OK;
}

struct taskorch_msg {
    int64_t id, created_at;
    int kind;
    char task_id[TASKORCH_ID_SIZE];
    char *author, *text;
};

struct taskorch_msg_iter {
    struct taskorch_msg *items;
    size_t n, pos;
};

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
    /* The newest `limit` rows, returned oldest first. */
    sqlite3_stmt *st = db_stmt(db, "SELECT * FROM (SELECT id, kind, author, text, created_at"
                                   " FROM messages WHERE task_id = ?1 AND id > ?2"
                                   " AND (kind != 0 OR author = ?3)"
                                   " AND (?4 = 0 OR ((1 << kind) & ?4) != 0)"
                                   " ORDER BY id DESC LIMIT ?5) ORDER BY id");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, q.since);
    bind_text(st, 3, db->agent);
    sqlite3_bind_int(st, 4, (int)q.kinds);
    sqlite3_bind_int64(st, 5, q.limit ? (sqlite3_int64)q.limit : -1);
    taskorch_msg_iter *it = calloc(1, sizeof *it);
    size_t cap = 0;
    int src = SQLITE_DONE;
    rc = it ? TASKORCH_OK : TASKORCH_ENOMEM;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(&it->items, &cap, it->n, sizeof *it->items)) {
            rc = TASKORCH_ENOMEM;
            break;
        }
        struct taskorch_msg *m = &it->items[it->n++];
        m->id = sqlite3_column_int64(st, 0);
        m->kind = sqlite3_column_int(st, 1);
        m->author = col_strdup(st, 2);
        m->text = col_strdup(st, 3);
        m->created_at = sqlite3_column_int64(st, 4);
        memcpy(m->task_id, id, TASKORCH_ID_SIZE);
        if (!m->author || !m->text)
            rc = TASKORCH_ENOMEM;
    }
    sqlite3_reset(st);
    if (!rc && src != SQLITE_DONE)
        rc = db_sqlfail(db, src, "reading messages");
    if (rc) {
        taskorch_msg_iter_free(it);
        return rc == TASKORCH_ENOMEM ? db_fail(db, rc, "out of memory") : rc;
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
    sqlite3_stmt *st = db_stmt(db, "SELECT agent FROM participants WHERE task_id = ?1"
                                   " ORDER BY rowid");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    /* One block: the pointer array followed by the strings. */
    struct strbuf names;
    sb_init(&names);
    size_t n = 0;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *a = (const char *)sqlite3_column_text(st, 0);
        sb_addn(&names, a, strlen(a) + 1);
        n++;
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE) {
        sb_free(&names);
        return db_sqlfail(db, src, "reading participants");
    }
    char **v = sb_string_array(&names, n);
    if (!v)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    *out = v;
    return TASKORCH_OK;
}
