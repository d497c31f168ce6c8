/* task.c - the task model: names of priorities and statuses, id
 * resolution, loading a task, and its getters. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "store.h"

static const char *const priority_names[] = {"low", "medium", "high", "critical"};
static const char *const status_names[] = {"pending", "in_progress", "completed", "blocked",
                                           "cancelled"};
#define N_PRIORITIES 4
#define N_STATUSES 5

const char *taskorch_priority_name(int p)
{
    return p >= 0 && p < N_PRIORITIES ? priority_names[p] : NULL;
}

const char *taskorch_status_name(int s)
{
    return s >= 0 && s < N_STATUSES ? status_names[s] : NULL;
}

static int parse_name(int *out, const char *name, const char *const *names, int n)
{
    if (!out || !name)
        return TASKORCH_EINVAL;
    for (int i = 0; i < n; i++)
        if (!strcmp(name, names[i])) {
            *out = i;
            return TASKORCH_OK;
        }
    return TASKORCH_EINVAL;
}

int taskorch_priority_parse(int *out, const char *name)
{
    return parse_name(out, name, priority_names, N_PRIORITIES);
}

int taskorch_status_parse(int *out, const char *name)
{
    /* "in-progress" is accepted as a courtesy to people typing it. */
    if (name && !strcmp(name, "in-progress"))
        name = "in_progress";
    return parse_name(out, name, status_names, N_STATUSES);
}

int resolve_id(taskorch_db *db, const char *given, char out[TASKORCH_ID_SIZE])
{
    if (!given || !*given)
        return db_fail(db, TASKORCH_EINVAL, "task id is empty");
    char prefix[TASKORCH_ID_SIZE + 1];
    size_t n = strlen(given);
    bool hex = n <= TASKORCH_ID_LEN;
    for (size_t i = 0; hex && i < n; i++) {
        char c = (char)tolower((unsigned char)given[i]);
        hex = isxdigit((unsigned char)c);
        prefix[i] = c;
    }
    if (!hex || n < TASKORCH_ID_MIN_PREFIX)
        return db_fail(db, TASKORCH_EINVAL,
                       "malformed task id '%.80s': ids are %d hex characters; a unique prefix "
                       "of at least %d works too",
                       given, TASKORCH_ID_LEN, TASKORCH_ID_MIN_PREFIX);
    prefix[n] = '\0';
    char found[10][TASKORCH_ID_SIZE];
    size_t count = 0;
    int rc = db->ops->task_ids_with_prefix(db, prefix, found, 10, &count);
    if (rc)
        return rc;
    if (count > 0)
        memcpy(out, found[0], TASKORCH_ID_SIZE);
    struct strbuf cands;
    sb_init(&cands);
    for (size_t i = 0; i < count; i++)
        sb_addf(&cands, "%s%s", i ? ", " : "", found[i]);
    if (count == 0) {
        sb_free(&cands);
        return db_fail(db, TASKORCH_ENOTFOUND, "no task with id '%s'", prefix);
    }
    if (count > 1) {
        rc = db_fail(db, TASKORCH_EAMBIGUOUS,
                     "id prefix '%s' matches several tasks: %s%s; give more characters", prefix,
                     cands.buf ? cands.buf : "", count >= 10 ? ", ..." : "");
        sb_free(&cands);
        return rc;
    }
    sb_free(&cands);
    return TASKORCH_OK;
}

int taskorch_task_resolve(char *out, taskorch_db *db, const char *id_or_prefix)
{
    if (out)
        out[0] = '\0';
    if (!out || !db)
        return TASKORCH_EINVAL;
    return resolve_id(db, id_or_prefix, out);
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void task_clear(taskorch_task *t)
{
    free(t->title);
    free(t->description);
    free(t->assignee);
    free(t->created_by);
    free(t->summary);
    free_strings(t->tags, t->n_tags);
    free_strings(t->deps, t->n_deps);
    for (size_t i = 0; i < t->n_files; i++)
        free(t->files[i].path);
    free(t->files);
    memset(t, 0, sizeof *t);
}

static int join_one(void *ctx, const char *id, int status)
{
    struct strbuf *sb = ctx;
    sb_addf(sb, "%s%s", sb->len ? ", " : "", id);
    if (status >= 0)
        sb_addf(sb, " (%s)", taskorch_status_name(status));
    return TASKORCH_OK;
}

int id_list(taskorch_db *db, int which, const char *id, char **out)
{
    *out = NULL;
    struct strbuf sb;
    sb_init(&sb);
    int rc = db->ops->task_ids(db, (enum store_ids)which, id, join_one, &sb);
    if (rc) {
        sb_free(&sb);
        return rc;
    }
    if (sb.failed)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    *out = sb.buf; /* NULL when the list is empty */
    return TASKORCH_OK;
}

int task_status_of(taskorch_db *db, const char *id, int *status)
{
    int rc = db->ops->task_status(db, id, status);
    return rc == TASKORCH_ENOTFOUND ? db_fail(db, rc, "no task with id '%s'", id) : rc;
}

/* Loads a task by full id into a new object. */
static int load_task(taskorch_task **out, taskorch_db *db, const char *id)
{
    taskorch_task *t = malloc(sizeof *t);
    if (!t)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    int rc = db->ops->task_load(db, id, t);
    if (!rc)
        rc = db->ops->task_load_details(db, t);
    if (rc) {
        taskorch_task_free(t);
        if (rc == TASKORCH_ENOTFOUND)
            return db_fail(db, rc, "no task with id '%s'", id);
        return rc == TASKORCH_ENOMEM ? db_fail(db, rc, "out of memory") : rc;
    }
    *out = t;
    return TASKORCH_OK;
}

int task_reload(taskorch_task **out, taskorch_db *db, const char *id)
{
    if (!out)
        return TASKORCH_OK;
    *out = NULL;
    return load_task(out, db, id);
}

int taskorch_task_get(taskorch_task **out, taskorch_db *db, const char *id_or_prefix)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return TASKORCH_EINVAL;
    char id[TASKORCH_ID_SIZE];
    int rc = resolve_id(db, id_or_prefix, id);
    return rc ? rc : load_task(out, db, id);
}

void taskorch_task_free(taskorch_task *t)
{
    if (!t)
        return;
    task_clear(t);
    free(t);
}

const char *taskorch_task_id(const taskorch_task *t) { return t ? t->id : NULL; }
const char *taskorch_task_title(const taskorch_task *t) { return t ? t->title : NULL; }
const char *taskorch_task_description(const taskorch_task *t) { return t ? t->description : NULL; }
int taskorch_task_status(const taskorch_task *t) { return t ? t->status : -1; }
int taskorch_task_priority(const taskorch_task *t) { return t ? t->priority : -1; }
const char *taskorch_task_assignee(const taskorch_task *t) { return t ? t->assignee : NULL; }
const char *taskorch_task_created_by(const taskorch_task *t) { return t ? t->created_by : NULL; }
const char *taskorch_task_summary(const taskorch_task *t) { return t ? t->summary : NULL; }
int64_t taskorch_task_created_at(const taskorch_task *t) { return t ? t->created_at : 0; }
int64_t taskorch_task_updated_at(const taskorch_task *t) { return t ? t->updated_at : 0; }
int64_t taskorch_task_completed_at(const taskorch_task *t) { return t ? t->completed_at : 0; }
int taskorch_task_blocked_by_hand(const taskorch_task *t) { return t ? t->manual_block : 0; }
int64_t taskorch_task_claim_number(const taskorch_task *t) { return t ? t->claim_no : 0; }
int64_t taskorch_task_lease_expires(const taskorch_task *t) { return t ? t->lease_expires : 0; }
double taskorch_task_estimate(const taskorch_task *t) { return t ? t->estimate : 0.0; }

size_t taskorch_task_tag_count(const taskorch_task *t) { return t ? t->n_tags : 0; }
const char *taskorch_task_tag(const taskorch_task *t, size_t i)
{
    return t && i < t->n_tags ? t->tags[i] : NULL;
}

size_t taskorch_task_file_count(const taskorch_task *t) { return t ? t->n_files : 0; }
const char *taskorch_task_file_path(const taskorch_task *t, size_t i)
{
    return t && i < t->n_files ? t->files[i].path : NULL;
}
int taskorch_task_file_line(const taskorch_task *t, size_t i)
{
    return t && i < t->n_files ? t->files[i].line : 0;
}
int taskorch_task_file_end(const taskorch_task *t, size_t i)
{
    return t && i < t->n_files ? t->files[i].end : 0;
}

size_t taskorch_task_dep_count(const taskorch_task *t) { return t ? t->n_deps : 0; }
const char *taskorch_task_dep_id(const taskorch_task *t, size_t i)
{
    return t && i < t->n_deps ? t->deps[i] : NULL;
}
