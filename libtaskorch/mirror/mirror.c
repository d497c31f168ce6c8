/* mirror.c - the readable markdown files beside a store named tasks.db:
 *
 *   contexts/context_<ID>.md         the task's shared timeline
 *   notes/notes_<ID>_<AGENT>.md      one agent's private notes on the task
 *   archives/archive_<ID>.md         snapshot written when the task completes
 *
 * The store is the single source of truth; these files are regenerated
 * from it after each commit that affects them. Each file is written to a
 * private temporary name and renamed (safefs.c: no link is followed, no
 * wait is unbounded), so readers never see half a file, and the
 * regeneration runs under an exclusive flock on .mirror.lock so that
 * concurrent writers converge on the store's latest content. Failures here
 * never fail the operation that triggered them: they become the handle's
 * warning (taskorch_db_warning). TASKORCH_OPEN_NO_MIRROR switches it off. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

bool mirror_enabled(const taskorch_db *db)
{
    if (db->flags & (TASKORCH_OPEN_NO_MIRROR | TASKORCH_OPEN_READONLY))
        return false;
    const char *base = strrchr(db->path, '/');
    return !strcmp(base ? base + 1 : db->path, "tasks.db");
}

void mirror_skipped(struct mirror *m, const char *what, int err)
{
    db_warn(m->db, "the markdown mirror was not updated: %s/%s%s%s", m->db->dir, what,
            err > 0 ? ": " : " ", fs_strerror(err));
}

bool mirror_begin(struct mirror *m, taskorch_db *db)
{
    m->db = db;
    m->dir = m->lock = -1;
    m->err = 0;
    if (!mirror_enabled(db))
        return false;
    /* The store's own folder is the user's choice and may be reached through
     * a link; everything inside it is opened without following one. */
    m->dir = open(db->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m->dir < 0) {
        m->err = errno;
        db_warn(db, "the markdown mirror was not updated: %s: %s", db->dir, strerror(m->err));
        return false;
    }
    m->err = fs_lock(m->dir, ".mirror.lock", db->busy_timeout_ms, &m->lock);
    if (m->err) {
        mirror_skipped(m, ".mirror.lock", m->err);
        mirror_end(m);
        return false;
    }
    return true;
}

void mirror_end(struct mirror *m)
{
    fs_unlock(m->lock);
    if (m->dir >= 0)
        close(m->dir);
    m->dir = m->lock = -1;
}

int mirror_subdir(struct mirror *m, const char *sub, bool create)
{
    int fd;
    int err = fs_open_dir(m->dir, sub, create, &fd);
    if (err && !(err == ENOENT && !create))
        mirror_skipped(m, sub, err);
    return err ? -1 : fd;
}

/* Replaces sub/name with content; a failure becomes the handle's warning. */
void mirror_put(struct mirror *m, const char *sub, const char *name, const char *content)
{
    int fd = mirror_subdir(m, sub, true);
    if (fd < 0)
        return;
    int err = fs_write_file(fd, name, content, strlen(content));
    if (err) {
        char what[512];
        snprintf(what, sizeof what, "%s/%s", sub, name);
        mirror_skipped(m, what, err);
    }
    close(fd);
}

static void format_time(char *buf, size_t size, int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M:%SZ", &tm);
}

/* A context file names the task and its description only: status and
 * assignee also change by automatic unblocking of other tasks, which does
 * not rewrite this file, so they would go stale (tm show has them live).
 * The archive is a snapshot of the moment of completion and has them all. */
static void add_header(struct strbuf *sb, const taskorch_task *t, bool snapshot)
{
    sb_addf(sb, "# %s\n\n- id: %s\n", t->title, t->id);
    if (snapshot)
        sb_addf(sb, "- status: %s\n- priority: %s\n- assignee: %s\n",
                taskorch_status_name(t->status), taskorch_priority_name(t->priority),
                t->assignee ? t->assignee : "(unassigned)");
    if (t->description)
        sb_addf(sb, "\n%s\n", t->description);
}

/* Appends the messages of the given kinds that the handle's agent sees. */
static void add_messages(taskorch_db *db, struct strbuf *sb, const char *id, unsigned kinds)
{
    taskorch_msg_iter *it = NULL;
    taskorch_msg_query q = TASKORCH_MSG_QUERY_INIT;
    q.kinds = kinds;
    if (taskorch_msg_iter_new(&it, db, id, &q))
        return;
    const taskorch_msg *m;
    while (taskorch_msg_iter_next(it, &m) == TASKORCH_OK) {
        char when[32];
        format_time(when, sizeof when, taskorch_msg_created_at(m));
        sb_addf(sb, "\n## %s %s (%s)\n\n%s\n", when, taskorch_msg_author(m),
                taskorch_msg_kind_name(taskorch_msg_kind(m)), taskorch_msg_text(m));
    }
    taskorch_msg_iter_free(it);
}

#define SHARED_KINDS                                                                               \
    ((1u << TASKORCH_MSG_SHARE) | (1u << TASKORCH_MSG_DISCOVER) | (1u << TASKORCH_MSG_SYNC) |      \
     (1u << TASKORCH_MSG_PROGRESS))

char *mirror_context_text(taskorch_db *db, const taskorch_task *t, bool archive)
{
    struct strbuf sb;
    sb_init(&sb);
    add_header(&sb, t, archive);
    sb_add(&sb, "\n# Shared timeline\n");
    add_messages(db, &sb, t->id, SHARED_KINDS);
    return sb_steal(&sb);
}

char *mirror_notes_text(taskorch_db *db, const char *task_id, const char *agent)
{
    struct strbuf sb;
    sb_init(&sb);
    sb_addf(&sb, "# Private notes of %s on task %s\n", agent, task_id);
    /* Notes are visible to their author only: read them as the author. */
    char *self = db->agent;
    db->agent = (char *)agent;
    add_messages(db, &sb, task_id, 1u << TASKORCH_MSG_NOTE);
    db->agent = self;
    return sb_steal(&sb);
}

void mirror_task_files(struct mirror *m, const taskorch_task *t)
{
    char name[64];
    char *text = mirror_context_text(m->db, t, false);
    snprintf(name, sizeof name, "context_%s.md", t->id);
    if (text)
        mirror_put(m, "contexts", name, text);
    free(text);
    if (t->status != TASKORCH_STATUS_COMPLETED)
        return;
    text = mirror_context_text(m->db, t, true);
    snprintf(name, sizeof name, "archive_%s.md", t->id);
    if (text)
        mirror_put(m, "archives", name, text);
    free(text);
}

void mirror_notes_file(struct mirror *m, const char *task_id, const char *agent)
{
    char name[128];
    char *text = mirror_notes_text(m->db, task_id, agent);
    snprintf(name, sizeof name, "notes_%s_%s.md", task_id, agent);
    if (text)
        mirror_put(m, "notes", name, text);
    free(text);
}

static void mirror_task(taskorch_db *db, const char *task_id)
{
    struct mirror m;
    if (!mirror_begin(&m, db))
        return;
    taskorch_task *t = NULL;
    if (task_reload(&t, db, task_id) == TASKORCH_OK)
        mirror_task_files(&m, t);
    taskorch_task_free(t);
    mirror_end(&m);
}

static void mirror_notes(taskorch_db *db, const char *task_id, const char *agent)
{
    struct mirror m;
    if (strcmp(agent, db->agent) || !mirror_begin(&m, db))
        return; /* only the author can read, and so write, the notes */
    mirror_notes_file(&m, task_id, agent);
    mirror_end(&m);
}

/* Removes sub/name, or every entry of sub starting with name when prefix. */
static void forget_in(struct mirror *m, const char *sub, const char *name, bool prefix)
{
    int fd = mirror_subdir(m, sub, false);
    if (fd < 0)
        return;
    if (!prefix) {
        fs_remove(fd, name);
        close(fd);
        return;
    }
    int dup_fd = dup(fd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d && dup_fd >= 0)
        close(dup_fd);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, name, strlen(name)))
            fs_remove(fd, e->d_name);
    if (d)
        closedir(d);
    close(fd);
}

static void mirror_forget(taskorch_db *db, const char *task_id)
{
    struct mirror m;
    if (!mirror_begin(&m, db))
        return;
    char name[64];
    snprintf(name, sizeof name, "context_%s.md", task_id);
    forget_in(&m, "contexts", name, false);
    snprintf(name, sizeof name, "archive_%s.md", task_id);
    forget_in(&m, "archives", name, false);
    snprintf(name, sizeof name, "notes_%s_", task_id);
    forget_in(&m, "notes", name, true);
    mirror_end(&m);
}

void mirror_observe(taskorch_db *db)
{
    for (size_t i = 0; i < db->n_touched; i++) {
        const struct touched *t = &db->touched[i];
        if (t->what == TOUCH_TASK)
            mirror_task(db, t->id);
        else if (t->what == TOUCH_NOTES)
            mirror_notes(db, t->id, t->author);
        else
            mirror_forget(db, t->id);
    }
}
