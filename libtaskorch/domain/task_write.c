/* task_write.c - creating, changing and deleting tasks. Every function
 * validates all input before it opens its write transaction, and writes
 * its events in that same transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "store.h"

/* The _init functions fill only the fields the caller's version has: a
 * caller built against an older header passes a smaller struct. */
int taskorch_task_spec_init(taskorch_task_spec *spec, unsigned int version)
{
    if (!spec || version < 1 || version > TASKORCH_TASK_SPEC_VERSION)
        return TASKORCH_EINVAL;
    taskorch_task_spec def = TASKORCH_TASK_SPEC_INIT;
    def.version = version;
    COPY_VERSIONED(spec, &def, estimate);
    return TASKORCH_OK;
}

int taskorch_task_change_init(taskorch_task_change *upd, unsigned int version)
{
    if (!upd || version < 1 || version > TASKORCH_TASK_CHANGE_VERSION)
        return TASKORCH_EINVAL;
    taskorch_task_change def = TASKORCH_TASK_CHANGE_INIT;
    def.version = version;
    COPY_VERSIONED(upd, &def, estimate);
    return TASKORCH_OK;
}

/* 0 means "none"; NaN fails every comparison, so it is refused too. */
static int check_estimate(taskorch_db *db, double hours)
{
    if (!(hours >= 0 && hours <= 1e6))
        return db_fail(db, TASKORCH_EINVAL,
                       "estimate must be a number of hours between 0 and 1000000");
    return TASKORCH_OK;
}

static int check_array(taskorch_db *db, const char *what, const void *arr, size_t n)
{
    if (n && !arr)
        return db_fail(db, TASKORCH_EINVAL, "%s: count is %zu but the array is NULL", what, n);
    return TASKORCH_OK;
}

static int check_tags(taskorch_db *db, const char *const *tags, size_t n)
{
    int rc = check_array(db, "tags", tags, n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = check_tag(db, tags[i]);
    return rc;
}

static int check_files(taskorch_db *db, const char *const *files, size_t n)
{
    int rc = check_array(db, "files", files, n);
    for (size_t i = 0; !rc && i < n; i++) {
        char *path;
        int line, end;
        rc = parse_file_ref(db, files[i], &path, &line, &end);
        free(path);
    }
    return rc;
}

static int check_priority(taskorch_db *db, int priority)
{
    if (priority != -1 && !taskorch_priority_name(priority))
        return db_fail(db, TASKORCH_EINVAL,
                       "unknown priority %d; use low, medium, high or critical", priority);
    return TASKORCH_OK;
}

static int insert_tags(taskorch_db *db, const char *id, const char *const *tags, size_t n,
                       int *changed)
{
    for (size_t i = 0; i < n; i++) {
        bool added = false;
        int rc = db->ops->tag_add(db, id, tags[i], &added);
        if (rc)
            return rc;
        *changed += added;
    }
    return TASKORCH_OK;
}

static int insert_files(taskorch_db *db, const char *id, const char *const *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *path;
        int line, end;
        int rc = parse_file_ref(db, files[i], &path, &line, &end);
        if (rc)
            return rc;
        rc = db->ops->file_add(db, id, path, line, end);
        free(path);
        if (rc)
            return rc;
    }
    return TASKORCH_OK;
}

/* Picks a random id not in use. Runs inside the write transaction, so the
 * check and the insert that follows cannot race another process. */
static int fresh_id(taskorch_db *db, char id[TASKORCH_ID_SIZE])
{
    for (int attempt = 0; attempt < 32; attempt++) {
        random_id(id);
        int status;
        int rc = task_status_of(db, id, &status);
        if (rc == TASKORCH_ENOTFOUND)
            return TASKORCH_OK;
        if (rc)
            return rc;
    }
    return db_fail(db, TASKORCH_ERROR, "could not find a free task id");
}

static int validate_spec(taskorch_db *db, const taskorch_task_spec *s)
{
    int rc = check_title(db, s->title);
    if (!rc)
        rc = check_estimate(db, s->estimate);
    if (!rc && s->description)
        rc = check_long_text(db, "description", s->description);
    if (!rc)
        rc = check_priority(db, s->priority);
    if (!rc && s->assignee)
        rc = check_agent(db, "assignee", s->assignee);
    if (!rc)
        rc = check_tags(db, s->tags, s->n_tags);
    if (!rc)
        rc = check_files(db, s->files, s->n_files);
    if (!rc)
        rc = check_array(db, "depends_on", s->depends_on, s->n_depends_on);
    return rc;
}

static int insert_task(taskorch_db *db, const taskorch_task_spec *s, char id[TASKORCH_ID_SIZE])
{
    int rc = fresh_id(db, id);
    if (rc)
        return rc;
    struct store_new_task row = {
        .id = id,
        .title = s->title,
        .description = s->description && *s->description ? s->description : NULL,
        .assignee = s->assignee && *s->assignee ? s->assignee : NULL,
        .created_by = db->agent,
        .priority = s->priority < 0 ? TASKORCH_PRIORITY_MEDIUM : s->priority,
        .estimate = s->estimate > 0 ? s->estimate : 0,
        .now = now_ms(),
    };
    int changed = 0;
    if ((rc = db->ops->task_insert(db, &row)) ||
        (rc = event_add_about(db, "created", id, s->title, NULL,
                              s->assignee && *s->assignee ? s->assignee : NULL)) ||
        (rc = insert_tags(db, id, s->tags, s->n_tags, &changed)) ||
        (rc = insert_files(db, id, s->files, s->n_files)) ||
        (rc = dep_insert_all(db, id, s->depends_on, s->n_depends_on, true)))
        return rc;
    return status_reevaluate(db, id);
}

/* Copies a versioned struct the caller passed into a current one. */
#define TAKE_VERSIONED(db, dst, src, current, first_v2_field, what)                                \
    ((src)->version < 1 || (src)->version > (current)                                              \
         ? db_fail((db), TASKORCH_EINVAL, "unknown %s version %u", (what), (src)->version)         \
         : (COPY_VERSIONED((dst), (src), first_v2_field), (dst)->version = (current),              \
            TASKORCH_OK))

static void fingerprint_spec(struct write_call *w, const taskorch_task_spec *s)
{
    fp_text(w, s->title);
    fp_text(w, s->description);
    fp_int(w, s->priority);
    fp_text(w, s->assignee);
    fp_texts(w, s->tags, s->n_tags);
    fp_texts(w, s->files, s->n_files);
    fp_texts(w, s->depends_on, s->n_depends_on);
    fp_double(w, s->estimate);
}

int taskorch_task_create(taskorch_task **out, taskorch_db *db, const taskorch_task_spec *spec)
{
    struct write_call w;
    write_start(db, &w, "add");
    if (out)
        *out = NULL;
    if (!db || !spec)
        return db_fail(db, TASKORCH_EINVAL, "no task spec given");
    taskorch_task_spec s = TASKORCH_TASK_SPEC_INIT;
    int rc = TAKE_VERSIONED(db, &s, spec, TASKORCH_TASK_SPEC_VERSION, estimate, "task spec");
    if (rc || (rc = validate_spec(db, &s)) || (rc = db_begin(db)))
        return rc;
    fingerprint_spec(&w, &s);
    char id[TASKORCH_ID_SIZE];
    bool replayed = false;
    if ((rc = write_replay(db, &w, id, sizeof id, &replayed)))
        return db_rollback(db, rc);
    if (replayed) {
        db_rollback(db, TASKORCH_OK);
        db->n_write_deps = 0; /* not resolved again */
        write_done(db, id);
        return task_reload(out, db, id);
    }
    if ((rc = insert_task(db, &s, id)) || (rc = db_touch(db, TOUCH_TASK, id, NULL)) ||
        (rc = write_record(db, &w, id)))
        return db_rollback(db, rc);
    if ((rc = db_commit(db)))
        return rc;
    write_done(db, id);
    return task_reload(out, db, id);
}

static bool update_is_empty(const taskorch_task_change *u)
{
    return !u->title && !u->description && u->priority < 0 && u->status < 0 && !u->assignee &&
           !u->n_add_tags && !u->n_remove_tags && !u->n_add_files && !u->summary && u->estimate < 0;
}

static int validate_update(taskorch_db *db, const taskorch_task_change *u)
{
    if (update_is_empty(u))
        return db_fail(db, TASKORCH_EINVAL, "nothing to change");
    int rc = u->estimate < 0 ? TASKORCH_OK : check_estimate(db, u->estimate);
    if (u->title)
        rc = check_title(db, u->title);
    if (!rc && u->description)
        rc = check_long_text(db, "description", u->description);
    if (!rc && u->summary)
        rc = check_long_text(db, "summary", u->summary);
    if (!rc)
        rc = check_priority(db, u->priority);
    if (!rc && u->status != -1 && !taskorch_status_name(u->status))
        rc = db_fail(db, TASKORCH_EINVAL,
                     "unknown status %d; use pending, in_progress, completed, blocked or "
                     "cancelled",
                     u->status);
    if (!rc && u->assignee && *u->assignee)
        rc = check_agent(db, "assignee", u->assignee);
    if (!rc)
        rc = check_tags(db, u->add_tags, u->n_add_tags);
    if (!rc)
        rc = check_tags(db, u->remove_tags, u->n_remove_tags);
    if (!rc)
        rc = check_files(db, u->add_files, u->n_add_files);
    return rc;
}

/* Title, description and priority: one UPDATE, one "updated" event naming
 * what changed. */
static int apply_fields(taskorch_db *db, const taskorch_task *cur, const taskorch_task_change *u)
{
    struct strbuf what;
    sb_init(&what);
    if (u->title && strcmp(u->title, cur->title))
        sb_addf(&what, "%stitle", what.len ? ", " : "");
    const char *old_desc = cur->description ? cur->description : "";
    if (u->description && strcmp(u->description, old_desc))
        sb_addf(&what, "%sdescription", what.len ? ", " : "");
    if (u->priority >= 0 && u->priority != cur->priority)
        sb_addf(&what, "%spriority %s -> %s", what.len ? ", " : "",
                taskorch_priority_name(cur->priority), taskorch_priority_name(u->priority));
    if (u->estimate >= 0 && u->estimate != cur->estimate)
        sb_addf(&what, "%sestimate %gh -> %gh", what.len ? ", " : "", cur->estimate, u->estimate);
    if (!what.len)
        return TASKORCH_OK;
    int rc = db->ops->task_patch(db, cur->id, u->title, u->description, u->priority, u->estimate,
                                 now_ms());
    if (!rc)
        rc = what.failed ? db_fail(db, TASKORCH_ENOMEM, "out of memory")
                         : event_add(db, "updated", cur->id, what.buf, NULL);
    sb_free(&what);
    return rc;
}

static int apply_tags_files(taskorch_db *db, const char *id, const taskorch_task_change *u)
{
    int added = 0, removed = 0, rc;
    if ((rc = insert_tags(db, id, u->add_tags, u->n_add_tags, &added)))
        return rc;
    for (size_t i = 0; i < u->n_remove_tags; i++) {
        bool gone = false;
        if ((rc = db->ops->tag_remove(db, id, u->remove_tags[i], &gone)))
            return rc;
        removed += gone;
    }
    if ((rc = insert_files(db, id, u->add_files, u->n_add_files)))
        return rc;
    if (!added && !removed && !u->n_add_files)
        return TASKORCH_OK;
    struct strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < u->n_add_tags; i++)
        sb_addf(&sb, "%s+%s", sb.len ? " " : "tags ", u->add_tags[i]);
    for (size_t i = 0; i < u->n_remove_tags; i++)
        sb_addf(&sb, "%s-%s", sb.len ? " " : "tags ", u->remove_tags[i]);
    if (u->n_add_files)
        sb_addf(&sb, "%s%zu file reference(s) added", sb.len ? "; " : "", u->n_add_files);
    rc = db->ops->task_touch(db, id, now_ms());
    if (!rc)
        rc = sb.failed ? db_fail(db, TASKORCH_ENOMEM, "out of memory")
                       : event_add(db, "updated", id, sb.buf, NULL);
    sb_free(&sb);
    return rc;
}

int task_set_assignee(taskorch_db *db, const taskorch_task *cur, const char *assignee)
{
    const char *next = *assignee ? assignee : NULL;
    const char *old = cur->assignee;
    if ((!next && !old) || (next && old && !strcmp(next, old)))
        return TASKORCH_OK;
    int rc = db->ops->task_set_assignee(db, cur->id, next, now_ms());
    if (rc)
        return rc;
    char text[AGENT_MAX * 2 + 32];
    snprintf(text, sizeof text, "%s -> %s", old ? old : "(unassigned)",
             next ? next : "(unassigned)");
    return event_add_about(db, "assigned", cur->id, text, NULL, next);
}

/* strict: a status equal to the current one is an error, not a no-op. */
static int update_in_txn(taskorch_db *db, const char *id, const taskorch_task_change *u,
                         bool strict, const struct write_call *w)
{
    taskorch_task *cur = NULL;
    int64_t before = db->ops->changes(db);
    bool taken_over = false;
    /* Status and assignee belong to a task's holder. */
    int rc = (u->status >= 0 || u->assignee || w->claim) ? fence_check(db, id, w, &taken_over)
                                                         : TASKORCH_OK;
    if (!rc)
        rc = task_reload(&cur, db, id);
    if (!rc)
        rc = apply_fields(db, cur, u);
    if (!rc)
        rc = apply_tags_files(db, id, u);
    if (!rc && u->assignee)
        rc = task_set_assignee(db, cur, u->assignee);
    if (!rc && u->status >= 0 &&
        (strict || u->status != cur->status ||
         (u->status == TASKORCH_STATUS_BLOCKED && !cur->manual_block)))
        rc = status_change(db, id, u->status, u->flags, u->summary, taken_over);
    else if (!rc && u->summary && cur->status == TASKORCH_STATUS_COMPLETED) {
        rc = db->ops->task_set_summary(db, id, u->summary);
    }
    /* Every change writes rows; none written means the task already was
     * as asked, which the caller should hear about. */
    if (!rc && db->ops->changes(db) == before)
        rc = db_fail(db, TASKORCH_EINVAL, "nothing changed: task %s already has those values", id);
    taskorch_task_free(cur);
    return rc;
}

static void fingerprint_change(struct write_call *w, const taskorch_task_change *u)
{
    fp_text(w, u->title);
    fp_text(w, u->description);
    fp_int(w, u->priority);
    fp_int(w, u->status);
    fp_text(w, u->assignee);
    fp_texts(w, u->add_tags, u->n_add_tags);
    fp_texts(w, u->remove_tags, u->n_remove_tags);
    fp_texts(w, u->add_files, u->n_add_files);
    fp_text(w, u->summary);
    fp_int(w, u->flags);
    fp_double(w, u->estimate);
}

static int update_task(taskorch_task **out, taskorch_db *db, const char *given,
                       const taskorch_task_change *upd, bool strict, const char *op)
{
    struct write_call w;
    write_start(db, &w, op);
    if (out)
        *out = NULL;
    if (!db || !upd)
        return db_fail(db, TASKORCH_EINVAL, "no update given");
    taskorch_task_change u = TASKORCH_TASK_CHANGE_INIT;
    int rc = TAKE_VERSIONED(db, &u, upd, TASKORCH_TASK_CHANGE_VERSION, estimate, "task update");
    if (rc || (rc = validate_update(db, &u)) || (rc = db_begin(db)))
        return rc;
    fp_text(&w, given);
    fingerprint_change(&w, &u);
    char id[TASKORCH_ID_SIZE];
    bool replayed = false;
    if ((rc = write_replay(db, &w, id, sizeof id, &replayed)))
        return db_rollback(db, rc);
    if (replayed) {
        db_rollback(db, TASKORCH_OK);
        write_done(db, id);
        return task_reload(out, db, id);
    }
    /* Context files hold title and description; completion adds an archive. */
    bool files = u.title || u.description || u.status == TASKORCH_STATUS_COMPLETED;
    if ((rc = resolve_id(db, given, id)) || (rc = update_in_txn(db, id, &u, strict, &w)) ||
        (files && (rc = db_touch(db, TOUCH_TASK, id, NULL))) || (rc = write_record(db, &w, id)))
        return db_rollback(db, rc);
    if ((rc = db_commit(db)))
        return rc;
    write_done(db, id);
    return task_reload(out, db, id);
}

int taskorch_task_update(taskorch_task **out, taskorch_db *db, const char *id_or_prefix,
                         const taskorch_task_change *upd)
{
    return update_task(out, db, id_or_prefix, upd, false, "update");
}

int taskorch_task_complete(taskorch_db *db, const char *id_or_prefix, const char *summary,
                           unsigned int flags)
{
    taskorch_task_change u = TASKORCH_TASK_CHANGE_INIT;
    u.status = TASKORCH_STATUS_COMPLETED;
    u.summary = summary;
    u.flags = flags;
    return update_task(NULL, db, id_or_prefix, &u, true, "complete");
}

int taskorch_task_set_status(taskorch_db *db, const char *id_or_prefix, int status,
                             unsigned int flags)
{
    taskorch_task_change u = TASKORCH_TASK_CHANGE_INIT;
    u.status = status;
    u.flags = flags;
    return update_task(NULL, db, id_or_prefix, &u, true, "set_status");
}

int taskorch_task_assign(taskorch_db *db, const char *id_or_prefix, const char *agent)
{
    taskorch_task_change u = TASKORCH_TASK_CHANGE_INIT;
    u.assignee = agent ? agent : "";
    return update_task(NULL, db, id_or_prefix, &u, false, "assign");
}

/* Ids of the tasks depending on id, as "a, b" (NULL when none). */
static int dependents_of(taskorch_db *db, const char *id, char **out)
{
    return id_list(db, IDS_DEPENDENTS, id, out);
}

static int delete_in_txn(taskorch_db *db, const char *id, unsigned int flags)
{
    char *dependents = NULL;
    int rc = dependents_of(db, id, &dependents);
    if (rc)
        return rc;
    if (dependents && !(flags & TASKORCH_FORCE)) {
        rc = db_fail(db, TASKORCH_EHASDEPENDENTS, "task %s has dependents: %s", id, dependents);
        free(dependents);
        return rc;
    }
    taskorch_task_iter *deps = NULL;
    if (dependents)
        rc = taskorch_dep_iter_new(&deps, db, id, TASKORCH_DEP_DEPENDENTS);
    free(dependents);
    taskorch_task *cur = NULL;
    if (!rc)
        rc = task_reload(&cur, db, id);
    if (!rc)
        rc = db->ops->task_delete(db, id);
    if (!rc)
        rc = event_add(db, "deleted", id, cur->title, NULL);
    const taskorch_task *dep;
    while (!rc && deps && taskorch_task_iter_next(deps, &dep) == TASKORCH_OK)
        rc = status_reevaluate(db, dep->id);
    taskorch_task_iter_free(deps);
    taskorch_task_free(cur);
    return rc;
}

int taskorch_task_delete(taskorch_db *db, const char *id_or_prefix, unsigned int flags)
{
    struct write_call w;
    write_start(db, &w, "delete");
    if (!db)
        return TASKORCH_EINVAL;
    fp_text(&w, id_or_prefix);
    fp_int(&w, flags);
    int rc = db_begin(db);
    if (rc)
        return rc;
    char id[TASKORCH_ID_SIZE];
    bool replayed = false;
    if ((rc = write_replay(db, &w, id, sizeof id, &replayed)) || replayed) {
        if (replayed)
            write_done(db, id);
        return db_rollback(db, rc);
    }
    if ((rc = resolve_id(db, id_or_prefix, id)) || (rc = delete_in_txn(db, id, flags)) ||
        (rc = db_touch(db, TOUCH_FORGET, id, NULL)) || (rc = write_record(db, &w, id)))
        return db_rollback(db, rc);
    if ((rc = db_commit(db)))
        return rc;
    write_done(db, id);
    return TASKORCH_OK;
}
