/* store.c - opening a store, the connection's settings, cached statements
 * and write transactions.
 *
 * Every write runs in BEGIN IMMEDIATE: a deferred transaction that later
 * upgrades to a writer fails with SQLITE_BUSY_SNAPSHOT without ever calling
 * the busy handler. Lock waits use short jittered sleeps bounded by the
 * handle's busy timeout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

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

/* xorshift64: only for sleep jitter, never for ids. */
static uint32_t jitter(taskorch_db *db)
{
    uint64_t x = db->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    db->rng = x;
    return (uint32_t)(x >> 32);
}

static int busy_handler(void *arg, int count)
{
    taskorch_db *db = arg;
    int64_t now = now_us();
    if (count == 0)
        db->busy_started_us = now;
    if (now - db->busy_started_us >= (int64_t)db->busy_timeout_ms * 1000)
        return 0;
    /* 100-500 us at first; waiters that keep losing back off to ~2 ms so
     * that dozens of them do not burn both cores. */
    uint32_t base = count < 20 ? 100 : 500, span = count < 20 ? 400 : 1500;
    struct timespec ts = {0, (long)(base + jitter(db) % span) * 1000L};
    nanosleep(&ts, NULL);
    return 1;
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

int taskorch_locate(char **out, const char *path)
{
    if (!out)
        return TASKORCH_EINVAL;
    *out = NULL;
    if (!path || !*path) {
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

/* mkdir -p; the last folder, the store's own, is private (0700). */
static int make_dirs(taskorch_db *db, const char *dir)
{
    char *p = xstrdup(dir);
    if (!p)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char saved = *s;
            *s = '\0';
            if (mkdir(p, saved ? 0777 : 0700) != 0 && errno != EEXIST) {
                int e = errno;
                int rc =
                    db_fail(db, TASKORCH_ESTORE, "cannot create folder %s: %s", p, strerror(e));
                free(p);
                return rc;
            }
            *s = saved;
            if (!saved)
                break;
        }
    }
    free(p);
    return TASKORCH_OK;
}

/* Creates the store file 0600 before SQLite opens it: SQLite gives its
 * -wal and -shm files the mode of the database file. A store that exists
 * keeps the modes its user chose. */
static int create_private(taskorch_db *db)
{
    int fd = open(db->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0)
        return close(fd) == 0 ? TASKORCH_OK
                              : db_fail(db, TASKORCH_ESTORE, "cannot create %s: %s", db->path,
                                        strerror(errno));
    if (errno == EEXIST) /* another process was quicker */
        return TASKORCH_OK;
    return db_fail(db, TASKORCH_ESTORE, "cannot create %s: %s", db->path, strerror(errno));
}

static int exec_pragma(taskorch_db *db, const char *sql)
{
    int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? TASKORCH_OK : db_sqlfail(db, rc, "configuring the store");
}

static int ensure_wal(taskorch_db *db)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode", -1, &st, NULL);
    bool wal = false;
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        wal = !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    if (wal || (db->flags & TASKORCH_OPEN_READONLY))
        return TASKORCH_OK;
    /* The switch takes an exclusive lock without calling the busy handler,
     * so processes creating one store at once got SQLITE_BUSY at once: wait
     * here as the busy handler would. */
    for (int count = 0;; count++) {
        rc = sqlite3_exec(db->sql, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if ((rc & 0xff) != SQLITE_BUSY || !busy_handler(db, count))
            break;
    }
    return rc == SQLITE_OK ? TASKORCH_OK : db_sqlfail(db, rc, "configuring the store");
}

static int open_sqlite(taskorch_db *db)
{
    bool memory = !strcmp(db->path, TASKORCH_MEMORY);
    bool create = (db->flags & TASKORCH_OPEN_CREATE) || memory;
    bool readonly = db->flags & TASKORCH_OPEN_READONLY;
    struct stat sb;
    if (memory) {
        /* nothing on disk to look at */
    } else if (stat(db->path, &sb) != 0) {
        if (!create || readonly)
            return db_fail(db, TASKORCH_ENOTFOUND, "no task store at %s", db->path);
        int rc = make_dirs(db, db->dir);
        if (rc || (rc = create_private(db)))
            return rc;
    } else if (!S_ISREG(sb.st_mode)) {
        return db_fail(db, TASKORCH_ESTORE, "%s is not a regular file", db->path);
    }
    int oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (create && !readonly)
        oflags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(db->path, &db->sql, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return db_fail(db, rc == SQLITE_NOMEM ? TASKORCH_ENOMEM : TASKORCH_ESTORE,
                       "cannot open %s: %s", db->path,
                       db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(db->sql, 1);
    sqlite3_busy_handler(db->sql, busy_handler, db);
    /* Validate before changing anything: a foreign file stays untouched. */
    enum schema_need needs = SCHEMA_READY;
    if ((rc = schema_validate(db, &needs)))
        return rc;
    /* An empty file (0 bytes, or a bare SQLite header) is no store yet: a
     * read must not turn it into one, nor switch it to WAL. */
    if (needs == SCHEMA_CREATE && (!create || readonly))
        return db_fail(db, TASKORCH_ENOTFOUND, "%s holds no task store yet", db->path);
    int rc2;
    /* The last connection to close checkpoints and removes the WAL, so a
     * sequence of tm commands keeps it empty. While a watcher keeps a
     * connection open, writers' automatic checkpoints (every 1000 pages)
     * recycle it, and journal_size_limit trims the file afterwards. */
    if ((rc2 = ensure_wal(db)) || (rc2 = exec_pragma(db, "PRAGMA synchronous=FULL")) ||
        (rc2 = exec_pragma(db, "PRAGMA foreign_keys=ON")) ||
        (rc2 = exec_pragma(db, "PRAGMA journal_size_limit=8388608")))
        return rc2;
    if (needs != SCHEMA_READY && (rc = schema_prepare(db, create)))
        return rc;
    db_clear_error(db); /* the probe above may have left a message */
    return TASKORCH_OK;
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
    if (!agent || !*agent)
        agent = getenv("TM_AGENT_ID");
    if (!agent || !*agent)
        agent = getenv("USER");
    if (!agent || !*agent)
        agent = "anonymous";
    int rc = taskorch_db_set_agent(db, agent);
    if (rc)
        return rc;
    rc = taskorch_locate(&db->path, path);
    if (rc)
        return db_fail(db, rc, "cannot find the store: %s", taskorch_strerror(rc));
    db->dir = dir_of(db->path);
    if (!db->dir)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    return open_sqlite(db);
}

void taskorch_db_close(taskorch_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
        sqlite3_finalize(db->stmts[i].stmt);
    sqlite3_close_v2(db->sql);
    free(db->path);
    free(db->dir);
    free(db->agent);
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

sqlite3_stmt *db_stmt(taskorch_db *db, const char *sql)
{
    struct stmt_slot *free_slot = NULL;
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
        struct stmt_slot *s = &db->stmts[i];
        if (s->sql == sql) {
            sqlite3_reset(s->stmt);
            sqlite3_clear_bindings(s->stmt);
            return s->stmt;
        }
        if (!s->sql && !free_slot)
            free_slot = s;
    }
    if (!free_slot) { /* full: recycle a slot; callers never hold two of them */
        free_slot = &db->stmts[jitter(db) % STMT_CACHE_SIZE];
        sqlite3_finalize(free_slot->stmt);
        free_slot->sql = NULL;
        free_slot->stmt = NULL;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        db_sqlfail(db, rc, "preparing a query");
        return NULL;
    }
    free_slot->sql = sql;
    free_slot->stmt = st;
    return st;
}

int db_begin(taskorch_db *db)
{
    if (db->flags & TASKORCH_OPEN_READONLY)
        return db_fail(db, TASKORCH_EREADONLY, "the store was opened read-only");
    db->warning[0] = '\0'; /* taskorch_db_warning describes the last write */
    int rc = sqlite3_exec(db->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    return rc == SQLITE_OK ? TASKORCH_OK : db_sqlfail(db, rc, "starting a write");
}

int db_commit(taskorch_db *db)
{
    int rc = sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return TASKORCH_OK;
    int code = db_sqlfail(db, rc, "committing");
    sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    return code;
}

int db_rollback(taskorch_db *db, int rc)
{
    if (!sqlite3_get_autocommit(db->sql))
        sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int db_step_done(taskorch_db *db, sqlite3_stmt *st)
{
    if (!st)
        return db_last_code(db); /* db_stmt recorded why */
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return TASKORCH_OK;
    return db_sqlfail(db, rc, "writing the store");
}

void bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    if (s)
        sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, idx);
}

char *col_strdup(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? xstrdup((const char *)s) : NULL;
}
