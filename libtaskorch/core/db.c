/* db.c - the handle: options, the agent, finding the store, and write
 * transactions through the backend (store/store.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "store.h"

#define DEFAULT_BUSY_TIMEOUT_MS 10000

const char *taskorch_version(void) { return TASKORCH_VERSION_STRING; }

int taskorch_version_number(void) { return TASKORCH_VERSION_NUMBER; }

int taskorch_open_options_init(taskorch_open_options *opts, unsigned int version)
{
    if (!opts || version < 1 || version > TASKORCH_OPEN_OPTIONS_VERSION)
        return TASKORCH_EINVAL;
    taskorch_open_options def = TASKORCH_OPEN_OPTIONS_INIT;
    def.version = version;
    COPY_VERSIONED(opts, &def, default_lease_ms);
    return TASKORCH_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static char *join_path(const char *dir, const char *name)
{
    struct strbuf sb;
    sb_init(&sb);
    sb_add(&sb, dir);
    if (sb.len && sb.buf[sb.len - 1] != '/')
        sb_add(&sb, "/");
    sb_add(&sb, name);
    return sb_steal(&sb);
}

/* The store file a user-given path names: "x.db" itself, else "x/tasks.db". */
static char *store_file_of(const char *path)
{
    return ends_with(path, ".db") ? xstrdup(path) : join_path(path, "tasks.db");
}

int taskorch_locate(char **out, const char *path) { return taskorch_locate_ext(out, path, 0); }

int taskorch_locate_ext(char **out, const char *path, unsigned int flags)
{
    if (!out)
        return TASKORCH_EINVAL;
    *out = NULL;
    if ((!path || !*path) && (flags & TASKORCH_OPEN_FROM_ENV)) {
        const char *env = getenv("TM_DB_PATH");
        if (env && *env)
            path = env;
    }
    if (path && *path) {
        *out = strcmp(path, TASKORCH_MEMORY) ? store_file_of(path) : xstrdup(path);
        return *out ? TASKORCH_OK : TASKORCH_ENOMEM;
    }
    char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return TASKORCH_ESTORE;
    /* Walk up as git does for .git. */
    size_t len = strlen(cwd);
    for (;;) {
        char *dir = malloc(len + sizeof "/.task-orchestrator");
        if (!dir) {
            free(cwd);
            return TASKORCH_ENOMEM;
        }
        memcpy(dir, cwd, len);
        strcpy(dir + len,
               len && cwd[len - 1] == '/' ? ".task-orchestrator" : "/.task-orchestrator");
        struct stat sb;
        if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            *out = join_path(dir, "tasks.db");
            free(dir);
            free(cwd);
            return *out ? TASKORCH_OK : TASKORCH_ENOMEM;
        }
        free(dir);
        if (len <= 1)
            break;
        while (len > 1 && cwd[len - 1] != '/')
            len--;
        if (len > 1)
            len--; /* drop the slash, except the root's */
    }
    free(cwd);
    *out = xstrdup(".task-orchestrator/tasks.db");
    return *out ? TASKORCH_OK : TASKORCH_ENOMEM;
}

static char *dir_of(const char *file)
{
    const char *slash = strrchr(file, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == file)
        return xstrdup("/");
    char *d = malloc((size_t)(slash - file) + 1);
    if (d) {
        memcpy(d, file, (size_t)(slash - file));
        d[slash - file] = '\0';
    }
    return d;
}

/* The backend on a private in-memory store, standing in for the store at
 * db->path until the first commit of a write. (Opening commits the new
 * schema: that commit is not the one to create the store.) */
static int open_standin(taskorch_db *db)
{
    char *path = db->path;
    db->path = xstrdup(TASKORCH_MEMORY);
    db->create_on_commit = false;
    int rc = db->path ? db->ops->open(db) : db_fail(db, TASKORCH_ENOMEM, "out of memory");
    free(db->path);
    db->path = path;
    db->create_on_commit = rc == TASKORCH_OK;
    return rc;
}

/* mkdir -p; the last folder, the store's own, is private (0700). */
static int make_store_dirs(taskorch_db *db)
{
    char *p = xstrdup(db->dir);
    if (!p)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    int rc = TASKORCH_OK;
    for (char *s = p + 1; !rc; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, saved ? 0777 : 0700) != 0 && errno != EEXIST)
            rc = db_fail(db, TASKORCH_ESTORE, "cannot create folder %s: %s", p, strerror(errno));
        *s = saved;
        if (!saved)
            break;
    }
    free(p);
    return rc;
}

/* The first commit of a TASKORCH_OPEN_CREATE_ON_WRITE handle: the stand-in,
 * now holding that write, is copied to a new file that takes the store's
 * name only if no store appeared there meanwhile (taskorch_db_backup), and
 * the backend reopens on it. When another process created the store first,
 * the handle moves to that store and the write, not written, fails with
 * TASKORCH_EBUSY (a retry on the handle writes there). On other failures
 * the handle is back on an empty stand-in. */
static int create_store(taskorch_db *db)
{
    int rc = make_store_dirs(db);
    if (!rc)
        rc = taskorch_db_backup(db, db->path, 0);
    db->ops->close(db);
    if (!rc || rc == TASKORCH_EINVAL) {
        db->create_on_commit = false;
        int again = db->ops->open(db);
        if (again || !rc)
            return again;
        return db_fail(db, TASKORCH_EBUSY,
                       "another process created %s meanwhile; nothing was written; retry",
                       db->path);
    }
    char msg[sizeof db->errmsg];
    memcpy(msg, db->errmsg, sizeof msg);
    int again = open_standin(db); /* clears the message */
    return again ? again : db_fail(db, rc, "%s", msg);
}

int taskorch_db_open(taskorch_db **out, const char *path, const taskorch_open_options *opts)
{
    if (!out)
        return TASKORCH_EINVAL;
    *out = NULL;
    taskorch_db *db = calloc(1, sizeof *db);
    if (!db)
        return TASKORCH_ENOMEM;
    *out = db;
    db->rng = (uint64_t)now_us() * 2654435761u + (uint64_t)getpid();
    taskorch_open_options o = TASKORCH_OPEN_OPTIONS_INIT;
    if (opts && (opts->version < 1 || opts->version > TASKORCH_OPEN_OPTIONS_VERSION))
        return db_fail(db, TASKORCH_EINVAL, "unknown open options version %u", opts->version);
    if (opts)
        COPY_VERSIONED(&o, opts, default_lease_ms);
    opts = &o;
    db->default_lease_ms = o.default_lease_ms;
    db->flags = opts ? opts->flags : 0;
    db->busy_timeout_ms =
        opts && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : DEFAULT_BUSY_TIMEOUT_MS;
    const char *agent = opts ? opts->agent : NULL;
    if ((!agent || !*agent) && (db->flags & TASKORCH_OPEN_FROM_ENV))
        agent = getenv("TM_AGENT_ID");
    if ((!agent || !*agent) && (db->flags & TASKORCH_OPEN_FROM_ENV))
        agent = getenv("USER");
    if (!agent || !*agent)
        agent = "anonymous";
    int rc = taskorch_db_set_agent(db, agent);
    if (rc)
        return rc;
    rc = taskorch_locate_ext(&db->path, path, db->flags);
    if (rc)
        return db_fail(db, rc, "cannot find the store: %s", taskorch_strerror(rc));
    db->dir = dir_of(db->path);
    if (!db->dir)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    db->ops = &sqlite_store_ops;
    struct stat sb;
    if ((db->flags & TASKORCH_OPEN_CREATE_ON_WRITE) && (db->flags & TASKORCH_OPEN_CREATE) &&
        !(db->flags & TASKORCH_OPEN_READONLY) && strcmp(db->path, TASKORCH_MEMORY) &&
        lstat(db->path, &sb) != 0 && errno == ENOENT) {
        rc = open_standin(db);
    } else
        rc = db->ops->open(db);
    /* Only a file store has a folder for the markdown mirror. */
    if (!rc && mirror_enabled(db))
        db->observer = mirror_observe;
    return rc;
}

void taskorch_db_close(taskorch_db *db)
{
    if (!db)
        return;
    if (db->ops)
        db->ops->close(db);
    free(db->path);
    free(db->dir);
    free(db->agent);
    free(db->write_deps);
    free(db->touched);
    free(db);
}

const char *taskorch_db_path(const taskorch_db *db) { return db ? db->path : NULL; }

const char *taskorch_db_agent(const taskorch_db *db) { return db ? db->agent : NULL; }

int taskorch_db_set_agent(taskorch_db *db, const char *agent)
{
    if (!db)
        return TASKORCH_EINVAL;
    int rc = check_agent(db, "agent id", agent);
    if (rc)
        return rc;
    char *copy = xstrdup(agent);
    if (!copy)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    free(db->agent);
    db->agent = copy;
    return TASKORCH_OK;
}

int db_begin(taskorch_db *db)
{
    if (db->flags & TASKORCH_OPEN_READONLY)
        return db_fail(db, TASKORCH_EREADONLY, "the store was opened read-only");
    db->warning[0] = '\0'; /* taskorch_db_warning describes the last write */
    db->n_touched = 0;
    struct stat sb;
    if (db->create_on_commit && lstat(db->path, &sb) == 0) {
        /* Another process created the store: write there. */
        db->ops->close(db);
        db->create_on_commit = false;
        int rc = db->ops->open(db);
        if (rc)
            return rc;
    }
    return db->ops->begin(db);
}

/* Observers run after a successful commit, outside the transaction, so
 * that they see only what other handles can see too. */
int db_commit(taskorch_db *db)
{
    int rc = db->ops->commit(db);
    if (!rc && db->create_on_commit)
        rc = create_store(db);
    if (!rc && db->n_touched && db->observer)
        db->observer(db);
    db->n_touched = 0;
    return rc;
}

int db_rollback(taskorch_db *db, int rc)
{
    db->ops->rollback(db);
    db->n_touched = 0;
    return rc;
}

int db_touch(taskorch_db *db, enum touch what, const char *id, const char *author)
{
    if (!db->observer)
        return TASKORCH_OK; /* nobody watches */
    for (size_t i = 0; i < db->n_touched; i++) {
        const struct touched *t = &db->touched[i];
        if (t->what == what && !strcmp(t->id, id) && (!author || !strcmp(t->author, author)))
            return TASKORCH_OK;
    }
    if (!grow_array(&db->touched, &db->cap_touched, db->n_touched, sizeof *db->touched))
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    struct touched *t = &db->touched[db->n_touched++];
    t->what = what;
    snprintf(t->id, sizeof t->id, "%s", id);
    snprintf(t->author, sizeof t->author, "%s", author ? author : "");
    return TASKORCH_OK;
}
