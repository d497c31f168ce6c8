/* maintenance.c - taskorch_check (what tm doctor reports) and
 * taskorch_mirror_rebuild (tm doctor --fix).
 *
 * The check reads the store (integrity, schema version), looks at the
 * files beside it (WAL size, modes, foreign entries) and compares the
 * markdown mirror with what the store says it should hold, under the
 * mirror lock so that concurrent writers are not mistaken for drift. Each
 * finding is one line "AREA: text". Nothing here follows a symbolic link. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "store.h"

/* A WAL this big means checkpoints are being starved: journal_size_limit
 * trims it to 8 MiB after each one. */
#define WAL_WARN_BYTES (64LL * 1024 * 1024)

static const char *const MIRROR_DIRS[] = {"contexts", "notes", "archives"};

/* ---- findings: lines kept in one buffer, each ending in '\0' ---- */

struct findings {
    struct strbuf text;
    size_t n;
};

static void add_finding(struct findings *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_finding(struct findings *f, const char *fmt, ...)
{
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sb_addn(&f->text, line, strlen(line) + 1);
    f->n++;
}

/* ---- sorted sets of names ---- */

struct names {
    char **v;
    size_t n, cap;
};

static bool names_add(struct names *s, const char *name)
{
    if (!grow_array(&s->v, &s->cap, s->n, sizeof *s->v) || !(s->v[s->n] = xstrdup(name)))
        return false;
    s->n++;
    return true;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_sort(struct names *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, cmp_names);
}

static bool names_has(const struct names *s, const char *name)
{
    return s->n && bsearch(&name, s->v, s->n, sizeof *s->v, cmp_names);
}

static void names_free(struct names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

/* ---- what the mirror should hold ---- */

struct plan {
    taskorch_db *db;
    taskorch_task_iter *tasks;
    struct names note_tasks, note_authors; /* pairs, in step */
    struct names keep[3];                  /* names allowed in MIRROR_DIRS[i] */
};

static int plan_note(void *ctx, const char *task, const char *author)
{
    struct plan *p = ctx;
    char name[160];
    snprintf(name, sizeof name, "notes_%s_%s.md", task, author);
    if (!names_add(&p->note_tasks, task) || !names_add(&p->note_authors, author) ||
        !names_add(&p->keep[1], name))
        return db_fail(p->db, TASKORCH_ENOMEM, "out of memory");
    return TASKORCH_OK;
}

static int plan_notes(taskorch_db *db, struct plan *p)
{
    return db->ops->note_authors(db, plan_note, p);
}

static int plan_load(taskorch_db *db, struct plan *p)
{
    memset(p, 0, sizeof *p);
    p->db = db;
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.sort = TASKORCH_SORT_CREATED;
    int rc = taskorch_task_iter_new(&p->tasks, db, &q);
    if (rc || (rc = plan_notes(db, p)))
        return rc;
    const taskorch_task *t;
    while (taskorch_task_iter_next(p->tasks, &t) == TASKORCH_OK) {
        char name[64];
        snprintf(name, sizeof name, "context_%s.md", t->id);
        bool ok = names_add(&p->keep[0], name);
        /* An archive is kept when its task is reopened. */
        snprintf(name, sizeof name, "archive_%s.md", t->id);
        if (!ok || !names_add(&p->keep[2], name))
            return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    }
    taskorch_task_iter_free(p->tasks); /* again, to walk it a second time */
    p->tasks = NULL;
    for (size_t i = 0; i < 3; i++)
        names_sort(&p->keep[i]);
    return taskorch_task_iter_new(&p->tasks, db, &q);
}

static void plan_free(struct plan *p)
{
    taskorch_task_iter_free(p->tasks);
    names_free(&p->note_tasks);
    names_free(&p->note_authors);
    for (size_t i = 0; i < 3; i++)
        names_free(&p->keep[i]);
}

/* ---- checks ---- */

static void report_finding(void *ctx, const char *problem) { add_finding(ctx, "%s", problem); }

static void check_sql(taskorch_db *db, struct findings *f)
{
    db->ops->check(db, report_finding, f);
}

static bool check_mode(struct findings *f, const char *path, const char *shown)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !(sb.st_mode & 044))
        return false;
    add_finding(f, "mode: %s can be read by other users (%04o); chmod 600 it", shown,
                (unsigned)(sb.st_mode & 07777));
    return true;
}

static void check_files(taskorch_db *db, struct findings *f)
{
    const char *base = strrchr(db->path, '/');
    base = base ? base + 1 : db->path;
    size_t n = strlen(db->path) + 8;
    char *side = malloc(n);
    if (!side)
        return;
    /* -wal and -shm take the store file's mode: one line is enough. */
    bool reported = check_mode(f, db->path, base);
    static const char *const suffixes[] = {"-wal", "-shm"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(side, n, "%s%s", db->path, suffixes[i]);
        char shown[300];
        snprintf(shown, sizeof shown, "%s%s", base, suffixes[i]);
        if (!reported)
            check_mode(f, side, shown);
        struct stat sb;
        if (i == 0 && stat(side, &sb) == 0 && sb.st_size > WAL_WARN_BYTES)
            add_finding(f,
                        "wal: %s is %lld bytes: a reader held open for long keeps "
                        "checkpoints from recycling it",
                        shown, (long long)sb.st_size);
    }
    free(side);
}

/* Entries of the store folder that are neither the store nor its mirror. */
static void check_foreign(int dirfd, const char *base, struct findings *f)
{
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct names found = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        size_t bl = strlen(base);
        bool ours =
            !strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, ".mirror.lock") ||
            !strcmp(n, "contexts") || !strcmp(n, "notes") || !strcmp(n, "archives") ||
            (!strncmp(n, base, bl) && (!n[bl] || !strcmp(n + bl, "-wal") ||
                                       !strcmp(n + bl, "-shm") || !strcmp(n + bl, "-journal")));
        if (!ours)
            names_add(&found, n);
    }
    closedir(d);
    names_sort(&found);
    for (size_t i = 0; i < found.n; i++)
        add_finding(f, "foreign: %s is not part of the store", found.v[i]);
    names_free(&found);
}

/* Compares sub/name with what it should hold. */
static void check_file(int subfd, const char *sub, const char *name, const char *want, bool private,
                       struct findings *f)
{
    int fd = openat(subfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        add_finding(f, "mirror: %s/%s %s", sub, name,
                    errno == ENOENT  ? "is missing"
                    : errno == ELOOP ? "is a symbolic link"
                                     : strerror(errno));
        return;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        add_finding(f, "mirror: %s/%s is not a regular file", sub, name);
        close(fd);
        return;
    }
    if (private && (sb.st_mode & 044))
        add_finding(f, "mode: %s/%s can be read by other users (%04o)", sub, name,
                    (unsigned)(sb.st_mode & 07777));
    if (!want) { /* only its presence matters */
        close(fd);
        return;
    }
    size_t len = strlen(want), got = 0;
    bool same = (size_t)sb.st_size == len;
    char buf[8192];
    while (same) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) {
            same = r == 0 && got == len;
            break;
        }
        same = got + (size_t)r <= len && !memcmp(buf, want + got, (size_t)r);
        got += (size_t)r;
    }
    close(fd);
    if (!same)
        add_finding(f, "mirror: %s/%s is stale", sub, name);
}

static void check_leftovers(int subfd, const char *sub, const struct names *keep,
                            struct findings *f)
{
    int fd = dup(subfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct names extra = {0};
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !names_has(keep, e->d_name))
            names_add(&extra, e->d_name);
    closedir(d);
    names_sort(&extra);
    for (size_t i = 0; i < extra.n; i++)
        add_finding(f, "mirror: %s/%s %s", sub, extra.v[i],
                    strstr(extra.v[i], ".tmp.") ? "is a leftover temporary file"
                                                : "is left over: no task or notes of its name");
    names_free(&extra);
}

static int check_mirror(taskorch_db *db, struct mirror *m, struct findings *f)
{
    struct plan p;
    int rc = plan_load(db, &p);
    int fds[3];
    bool absent[3];
    for (size_t i = 0; i < 3; i++) {
        int err = fs_open_dir(m->dir, MIRROR_DIRS[i], false, &fds[i]);
        absent[i] = err == ENOENT;
        if (err && err != ENOENT)
            add_finding(f, "mirror: %s %s%s", MIRROR_DIRS[i], err > 0 ? ": " : "",
                        fs_strerror(err));
        else if (!rc)
            check_leftovers(fds[i], MIRROR_DIRS[i], &p.keep[i], f);
    }
    const taskorch_task *t;
    while (!rc && taskorch_task_iter_next(p.tasks, &t) == TASKORCH_OK) {
        char name[64];
        char *want = mirror_context_text(db, t, false);
        snprintf(name, sizeof name, "context_%s.md", t->id);
        if (fds[0] >= 0 && want)
            check_file(fds[0], "contexts", name, want, false, f);
        else if (want && absent[0])
            add_finding(f, "mirror: contexts/%s is missing", name);
        free(want);
        snprintf(name, sizeof name, "archive_%s.md", t->id);
        if (t->status != TASKORCH_STATUS_COMPLETED)
            continue;
        if (fds[2] >= 0)
            check_file(fds[2], "archives", name, NULL, false, f);
        else if (absent[2])
            add_finding(f, "mirror: archives/%s is missing", name);
    }
    for (size_t i = 0; !rc && i < p.note_tasks.n; i++) {
        char name[160];
        snprintf(name, sizeof name, "notes_%s_%s.md", p.note_tasks.v[i], p.note_authors.v[i]);
        char *want = mirror_notes_text(db, p.note_tasks.v[i], p.note_authors.v[i]);
        if (fds[1] >= 0 && want)
            check_file(fds[1], "notes", name, want, true, f);
        else if (want && absent[1])
            add_finding(f, "mirror: notes/%s is missing", name);
        free(want);
    }
    for (size_t i = 0; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    plan_free(&p);
    return rc;
}

int taskorch_check(char ***out, taskorch_db *db)
{
    if (!out || !db)
        return TASKORCH_EINVAL;
    *out = NULL;
    struct findings f = {.n = 0};
    sb_init(&f.text);
    int rc = TASKORCH_OK;
    bool memory = !strcmp(db->path, TASKORCH_MEMORY);
    check_sql(db, &f);
    if (!memory)
        check_files(db, &f);
    struct mirror m;
    if (mirror_enabled(db)) {
        if (mirror_begin(&m, db)) {
            check_foreign(m.dir, "tasks.db", &f);
            rc = check_mirror(db, &m, &f);
            mirror_end(&m);
        } else {
            add_finding(&f, "mirror: not checked: .mirror.lock%s%s", m.err > 0 ? ": " : " ",
                        fs_strerror(m.err));
        }
        db->warning[0] = '\0';
    }
    char **v = NULL;
    if (!rc && !f.text.failed && (v = malloc((f.n + 1) * sizeof *v + f.text.len))) {
        char *s = (char *)(v + f.n + 1);
        if (f.text.len)
            memcpy(s, f.text.buf, f.text.len);
        for (size_t i = 0; i < f.n; i++, s += strlen(s) + 1)
            v[i] = s;
        v[f.n] = NULL;
    } else if (!rc) {
        rc = db_fail(db, TASKORCH_ENOMEM, "out of memory");
    }
    sb_free(&f.text);
    *out = v;
    return rc;
}

/* ---- rebuild ---- */

/* Removes the entries of a mirror folder that do not belong to it;
 * unlinkat removes a link itself, never what it points to. */
static void remove_leftovers(struct mirror *m, size_t i, const struct names *keep)
{
    int subfd = mirror_subdir(m, MIRROR_DIRS[i], false);
    if (subfd < 0)
        return;
    int fd = dup(subfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d && fd >= 0)
        close(fd);
    struct dirent *e;
    struct names extra = {0};
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !names_has(keep, e->d_name))
            names_add(&extra, e->d_name);
    if (d)
        closedir(d);
    for (size_t k = 0; k < extra.n; k++) {
        int err = fs_remove(subfd, extra.v[k]);
        if (err) {
            char what[600];
            snprintf(what, sizeof what, "%s/%s", MIRROR_DIRS[i], extra.v[k]);
            mirror_skipped(m, what, err);
        }
    }
    names_free(&extra);
    close(subfd);
}

int taskorch_mirror_rebuild(taskorch_db *db)
{
    if (!db)
        return TASKORCH_EINVAL;
    if (db->flags & TASKORCH_OPEN_READONLY)
        return db_fail(db, TASKORCH_EREADONLY, "the store was opened read-only");
    if (!mirror_enabled(db))
        return db_fail(db, TASKORCH_EINVAL,
                       "this store has no markdown mirror (it is switched off, or the store "
                       "file is not named tasks.db)");
    db->warning[0] = '\0';
    struct mirror m;
    if (!mirror_begin(&m, db))
        return db_fail(db, m.err == FS_ELOCKED ? TASKORCH_EBUSY : TASKORCH_ESTORE, "%s",
                       db->warning);
    struct plan p;
    int rc = plan_load(db, &p);
    const taskorch_task *t;
    while (!rc && taskorch_task_iter_next(p.tasks, &t) == TASKORCH_OK)
        mirror_task_files(&m, t);
    for (size_t i = 0; !rc && i < p.note_tasks.n; i++)
        mirror_notes_file(&m, p.note_tasks.v[i], p.note_authors.v[i]);
    for (size_t i = 0; !rc && i < 3; i++)
        remove_leftovers(&m, i, &p.keep[i]);
    plan_free(&p);
    mirror_end(&m);
    if (!rc && db->warning[0])
        rc = db_fail(db, TASKORCH_ESTORE, "%s", db->warning);
    return rc;
}
