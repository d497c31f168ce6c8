/* mirror.c - the readable markdown files beside a store named tasks.db:
 *
 *   contexts/context_<ID>.md         the task's shared timeline
 *   notes/notes_<ID>_<AGENT>.md      one agent's private notes on the task
 *   archives/archive_<ID>.md         snapshot written when the task completes
 *
 * The store is the single source of truth; these files are regenerated
 * from it after each commit that affects them. Each file is written to a
 * temporary name and renamed, so readers never see half a file, and the
 * regeneration runs under an exclusive flock so that concurrent writers
 * converge on the store's latest content. Failures here never fail the
 * operation that triggered them. TASKORCH_OPEN_NO_MIRROR switches it off. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static bool mirror_enabled(const taskorch_db *db)
{
    if (db->flags & (TASKORCH_OPEN_NO_MIRROR | TASKORCH_OPEN_READONLY))
        return false;
    const char *base = strrchr(db->path, '/');
    return !strcmp(base ? base + 1 : db->path, "tasks.db");
}

static void format_time(char *buf, size_t size, int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M:%SZ", &tm);
}

/* Writes content to dir/sub/name atomically. */
static void write_file(taskorch_db *db, const char *sub, const char *name, const char *content)
{
    char dir[4096], path[4096], tmp[4200];
    if (snprintf(dir, sizeof dir, "%s/%s", db->dir, sub) >= (int)sizeof dir ||
        snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return;
    mkdir(dir, 0777);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    bool ok = fputs(content, f) >= 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}

static void remove_file(taskorch_db *db, const char *sub, const char *name)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s/%s", db->dir, sub, name) < (int)sizeof path)
        unlink(path);
}

static int lock_mirror(taskorch_db *db)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/.mirror.lock", db->dir) >= (int)sizeof path)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void unlock_mirror(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
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

static void write_context(taskorch_db *db, const taskorch_task *t, const char *sub,
                          const char *prefix)
{
    struct strbuf sb;
    sb_init(&sb);
    add_header(&sb, t, !strcmp(sub, "archives"));
    sb_add(&sb, "\n# Shared timeline\n");
    add_messages(db, &sb, t->id, SHARED_KINDS);
    char name[64];
    snprintf(name, sizeof name, "%s_%s.md", prefix, t->id);
    if (!sb.failed)
        write_file(db, sub, name, sb.buf);
    sb_free(&sb);
}

void mirror_task(taskorch_db *db, const char *task_id)
{
    if (!mirror_enabled(db))
        return;
    int fd = lock_mirror(db);
    taskorch_task *t = NULL;
    if (task_reload(&t, db, task_id) == TASKORCH_OK) {
        write_context(db, t, "contexts", "context");
        if (t->status == TASKORCH_STATUS_COMPLETED)
            write_context(db, t, "archives", "archive");
    }
    taskorch_task_free(t);
    unlock_mirror(fd);
}

void mirror_notes(taskorch_db *db, const char *task_id, const char *agent)
{
    if (!mirror_enabled(db) || strcmp(agent, db->agent))
        return; /* only the author can read, and so write, the notes */
    int fd = lock_mirror(db);
    struct strbuf sb;
    sb_init(&sb);
    sb_addf(&sb, "# Private notes of %s on task %s\n", agent, task_id);
    add_messages(db, &sb, task_id, 1u << TASKORCH_MSG_NOTE);
    char name[128];
    snprintf(name, sizeof name, "notes_%s_%s.md", task_id, agent);
    if (!sb.failed)
        write_file(db, "notes", name, sb.buf);
    sb_free(&sb);
    unlock_mirror(fd);
}

void mirror_forget(taskorch_db *db, const char *task_id)
{
    if (!mirror_enabled(db))
        return;
    int fd = lock_mirror(db);
    char name[64];
    snprintf(name, sizeof name, "context_%s.md", task_id);
    remove_file(db, "contexts", name);
    snprintf(name, sizeof name, "archive_%s.md", task_id);
    remove_file(db, "archives", name);
    char dir[4096];
    char prefix[32];
    snprintf(prefix, sizeof prefix, "notes_%s_", task_id);
    if (snprintf(dir, sizeof dir, "%s/notes", db->dir) < (int)sizeof dir) {
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (!strncmp(e->d_name, prefix, strlen(prefix)))
                remove_file(db, "notes", e->d_name);
        if (d)
            closedir(d);
    }
    unlock_mirror(fd);
}
