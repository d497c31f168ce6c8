/* task.c - the task model: names of priorities and statuses, id
 * resolution, loading a task, and its getters. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
    char upper[TASKORCH_ID_SIZE + 1];
    memcpy(upper, prefix, n);
    upper[n] = 'g'; /* just past 'f': every id with this prefix sorts below */
    upper[n + 1] = '\0';
    sqlite3_stmt *st =
        db_stmt(db, "SELECT id FROM tasks WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 10");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, prefix);
    bind_text(st, 2, upper);
    struct strbuf cands;
    sb_init(&cands);
    int count = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        if (count == 0)
            memcpy(out, id, TASKORCH_ID_SIZE);
        sb_addf(&cands, "%s%s", count ? ", " : "", id);
        count++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        sb_free(&cands);
        return db_sqlfail(db, rc, "looking up a task");
    }
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

int task_from_row(taskorch_task *t, sqlite3_stmt *st)
{
    memset(t, 0, sizeof *t);
    const char *id = (const char *)sqlite3_column_text(st, 0);
    snprintf(t->id, sizeof t->id, "%s", id ? id : "");
    t->title = col_strdup(st, 1);
    t->description = col_strdup(st, 2);
    t->status = sqlite3_column_int(st, 3);
    t->priority = sqlite3_column_int(st, 4);
    t->assignee = col_strdup(st, 5);
    t->created_by = col_strdup(st, 6);
    t->summary = col_strdup(st, 7);
    t->manual_block = sqlite3_column_int(st, 8);
    t->created_at = sqlite3_column_int64(st, 9);
    t->updated_at = sqlite3_column_int64(st, 10);
    t->completed_at = sqlite3_column_int64(st, 11);
    t->claim_no = sqlite3_column_int64(st, 12);
    t->lease_expires = sqlite3_column_int64(st, 13);
    t->estimate = sqlite3_column_double(st, 14);
    if (!t->title || !t->created_by)
        return TASKORCH_ENOMEM;
    return TASKORCH_OK;
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

/* Runs a one-column query bound to the task id and collects the strings. */
static int load_strings(taskorch_db *db, const char *sql, const char *id, char ***out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(out, &cap, *n, sizeof **out) || !((*out)[*n] = col_strdup(st, 0)))
            break;
        (*n)++;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    return rc == SQLITE_DONE ? TASKORCH_OK : db_sqlfail(db, rc, "reading a task");
}

int task_load_details(taskorch_db *db, taskorch_task *t)
{
    int rc = load_strings(db, "SELECT tag FROM tags WHERE task_id = ?1 ORDER BY tag", t->id,
                          &t->tags, &t->n_tags);
    if (!rc)
        rc = load_strings(db, "SELECT dep_id FROM deps WHERE task_id = ?1 ORDER BY dep_id", t->id,
                          &t->deps, &t->n_deps);
    if (rc)
        return rc;
    sqlite3_stmt *st = db_stmt(db, "SELECT path, line, end_line FROM files WHERE task_id = ?1"
                                   " ORDER BY pos");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, t->id);
    size_t cap = 0;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(&t->files, &cap, t->n_files, sizeof *t->files))
            break;
        struct file_ref *f = &t->files[t->n_files];
        if (!(f->path = col_strdup(st, 0)))
            break;
        f->line = sqlite3_column_int(st, 1);
        f->end = sqlite3_column_int(st, 2);
        t->n_files++;
    }
    sqlite3_reset(st);
    if (src == SQLITE_ROW)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    return src == SQLITE_DONE ? TASKORCH_OK : db_sqlfail(db, src, "reading a task");
}

int id_list(taskorch_db *db, const char *sql, const char *id, char **out)
{
    *out = NULL;
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    struct strbuf sb;
    sb_init(&sb);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sb_addf(&sb, "%s%s", sb.len ? ", " : "", sqlite3_column_text(st, 0));
        if (sqlite3_column_count(st) > 1)
            sb_addf(&sb, " (%s)", taskorch_status_name(sqlite3_column_int(st, 1)));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        sb_free(&sb);
        return db_sqlfail(db, rc, "reading dependencies");
    }
    if (sb.failed)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    *out = sb.buf; /* NULL when no row matched */
    return TASKORCH_OK;
}

int task_status_of(taskorch_db *db, const char *id, int *status)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT status FROM tasks WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *status = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return db_fail(db, TASKORCH_ENOTFOUND, "no task with id '%s'", id);
    return rc == SQLITE_ROW ? TASKORCH_OK : db_sqlfail(db, rc, "reading a task");
}

/* Loads a task by full id into a new object. */
static int load_task(taskorch_task **out, taskorch_db *db, const char *id)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " TASK_COLUMNS " FROM tasks t WHERE t.id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        sqlite3_reset(st);
        if (src == SQLITE_DONE)
            return db_fail(db, TASKORCH_ENOTFOUND, "no task with id '%s'", id);
        return db_sqlfail(db, src, "reading a task");
    }
    taskorch_task *t = malloc(sizeof *t);
    int rc = t ? task_from_row(t, st) : TASKORCH_ENOMEM;
    sqlite3_reset(st);
    if (!rc)
        rc = task_load_details(db, t);
    if (rc) {
        taskorch_task_free(t);
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
