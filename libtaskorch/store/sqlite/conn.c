/* conn.c - the SQLite connection: opening a store file, its settings,
 * cached statements, transactions, and SQLite's errors as taskorch codes.
 *
 * Every write runs in BEGIN IMMEDIATE: a deferred transaction that later
 * upgrades to a writer fails with SQLITE_BUSY_SNAPSHOT without ever calling
 * the busy handler. Lock waits use short jittered sleeps bounded by the
 * handle's busy timeout. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sqlite.h"

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
    if (db->store && db->store->no_wait)
        return 0;
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

int sq_busy_wait(taskorch_db *db, int count) { return busy_handler(db, count); }

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
    int rc = sqlite3_exec(SQL(db), sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? TASKORCH_OK : db_sqlfail(db, rc, "configuring the store");
}

static int ensure_wal(taskorch_db *db)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(SQL(db), "PRAGMA journal_mode", -1, &st, NULL);
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
        rc = sqlite3_exec(SQL(db), "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if ((rc & 0xff) != SQLITE_BUSY || !busy_handler(db, count))
            break;
    }
    return rc == SQLITE_OK ? TASKORCH_OK : db_sqlfail(db, rc, "configuring the store");
}

/* The WAL policy: one fdatasync per write command.
 *
 * By default the last connection to close checkpoints (syncing the WAL
 * twice and the database once) and deletes the WAL, so the next write
 * creates it again (a header sync and a folder sync): five syncs for one
 * commit. Here the WAL file stays (SQLITE_FCNTL_PERSIST_WAL) and closing
 * never checkpoints (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE): a commit syncs the
 * WAL once, which is all synchronous=FULL needs for an acknowledged write
 * to survive a power loss. Reads never checkpoint.
 *
 * A new process rebuilds the WAL index by reading every valid frame of the
 * WAL (the -shm file of the last process is not trusted), so the WAL must
 * stay small: the writer whose commit takes it past WAL_CHECKPOINT_PAGES
 * frames checkpoints it and truncates it to zero bytes. That checkpoint
 * never waits: if a reader or a writer is in the way it gives up, and the
 * next commit tries again. A cycle costs three more syncs (two for the
 * checkpoint, one for the next WAL header) over the commits that filled
 * it: about 23 `tm add` commands at 1,000 tasks (11 pages each). Replaying
 * a WAL costs a new process about 6 us a page: at most 1.6 ms here.
 *
 * SQLite syncs the store's folder on a process's first sync of a WAL it
 * opened with SQLITE_OPEN_CREATE, even when the file was already there.
 * The "taskorch-unix" VFS below opens an existing WAL without that flag;
 * when it creates the WAL it syncs the folder itself, at once, so the new
 * name is durable before any commit is written into it. */
#define WAL_CHECKPOINT_PAGES 256
/* journal_size_limit: what a WAL grown past the threshold (a reader kept
 * a checkpoint from finishing) is trimmed to when it restarts. */
#define WAL_KEEP_BYTES_STR "2097152"
#define VFS_NAME "taskorch-unix"

static sqlite3_vfs wal_vfs;
static sqlite3_vfs *base_vfs;

static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fdatasync(fd);
        close(fd);
    }
    free(dir);
}

static int wal_vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                        int *out_flags)
{
    (void)vfs;
    if (!(flags & SQLITE_OPEN_WAL) || !name || !(flags & SQLITE_OPEN_CREATE))
        return base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
    int rc = base_vfs->xOpen(base_vfs, name, file, flags & ~SQLITE_OPEN_CREATE, out_flags);
    if (rc != SQLITE_CANTOPEN)
        return rc;
    /* No WAL yet (or it was deleted by a tool closing the store last). */
    rc = base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
    if (rc == SQLITE_OK)
        sync_parent(name);
    return rc;
}

static void wal_vfs_init(void)
{
    base_vfs = sqlite3_vfs_find(NULL);
    if (!base_vfs || strcmp(base_vfs->zName, "unix"))
        return; /* another default: keep SQLite's own behaviour */
    wal_vfs = *base_vfs;
    wal_vfs.zName = VFS_NAME;
    wal_vfs.pNext = NULL;
    wal_vfs.xOpen = wal_vfs_open;
    if (sqlite3_vfs_register(&wal_vfs, 0) != SQLITE_OK)
        base_vfs = NULL;
}

/* The VFS to open a store file with (NULL: SQLite's default). */
static const char *store_vfs(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, wal_vfs_init);
    return base_vfs && wal_vfs.xOpen ? VFS_NAME : NULL;
}

static int wal_hook(void *arg, sqlite3 *sql, const char *name, int frames)
{
    taskorch_db *db = arg;
    if (frames < WAL_CHECKPOINT_PAGES)
        return SQLITE_OK;
    db->store->no_wait = true; /* the busy handler gives up at once */
    sqlite3_wal_checkpoint_v2(sql, name, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    db->store->no_wait = false;
    return SQLITE_OK; /* the commit stands either way */
}

static void keep_wal(taskorch_db *db)
{
    int persist = 1;
    sqlite3_file_control(SQL(db), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    sqlite3_db_config(SQL(db), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_wal_hook(SQL(db), wal_hook, db);
}

int sq_open(taskorch_db *db)
{
    db->store = calloc(1, sizeof *db->store);
    if (!db->store)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
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
    int rc = sqlite3_open_v2(db->path, &db->store->sql, oflags | SQLITE_OPEN_NOMUTEX,
                             memory ? NULL : store_vfs());
    if (rc != SQLITE_OK)
        return db_fail(db, rc == SQLITE_NOMEM ? TASKORCH_ENOMEM : TASKORCH_ESTORE,
                       "cannot open %s: %s", db->path,
                       SQL(db) ? sqlite3_errmsg(SQL(db)) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(SQL(db), 1);
    sqlite3_busy_handler(SQL(db), busy_handler, db);
    /* Validate before changing anything: a foreign file stays untouched. */
    enum schema_need needs = SCHEMA_READY;
    if ((rc = schema_validate(db, &needs)))
        return rc;
    /* An empty file (0 bytes, or a bare SQLite header) is no store yet: a
     * read must not turn it into one, nor switch it to WAL. */
    if (needs == SCHEMA_CREATE && (!create || readonly))
        return db_fail(db, TASKORCH_ENOTFOUND, "%s holds no task store yet", db->path);
    int rc2;
    if (!memory)
        keep_wal(db);
    if ((rc2 = ensure_wal(db)) || (rc2 = exec_pragma(db, "PRAGMA synchronous=FULL")) ||
        (rc2 = exec_pragma(db, "PRAGMA foreign_keys=ON")) ||
        (rc2 = exec_pragma(db, "PRAGMA journal_size_limit=" WAL_KEEP_BYTES_STR)))
        return rc2;
    if (needs != SCHEMA_READY && (rc = schema_prepare(db, create)))
        return rc;
    db_clear_error(db); /* the probe above may have left a message */
    return TASKORCH_OK;
}

void sq_close(taskorch_db *db)
{
    if (!db->store)
        return;
    sq_watch_close(db);
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
        sqlite3_finalize(db->store->stmts[i].stmt);
    sqlite3_close_v2(db->store->sql);
    free(db->store);
    db->store = NULL;
}

/* While another process creates or recovers the WAL index, a writer can
 * get a transient SQLITE_READONLY_* code instead of SQLITE_BUSY, without
 * the busy handler being called: wait and retry as for a lock. */
static bool transient_readonly(int rc)
{
    return rc == SQLITE_READONLY_RECOVERY || rc == SQLITE_READONLY_CANTINIT ||
           rc == SQLITE_READONLY_CANTLOCK || rc == SQLITE_READONLY_DBMOVED ||
           rc == SQLITE_READONLY;
}

int sq_begin(taskorch_db *db)
{
    int rc;
    for (int count = 0;; count++) {
        rc = sqlite3_exec(SQL(db), "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (!transient_readonly(rc) || count >= 200 || !busy_handler(db, count))
            break;
    }
    return rc == SQLITE_OK ? TASKORCH_OK : db_sqlfail(db, rc, "starting a write");
}

int sq_commit(taskorch_db *db)
{
    int rc = sqlite3_exec(SQL(db), "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return TASKORCH_OK;
    int code = db_sqlfail(db, rc, "committing");
    sqlite3_exec(SQL(db), "ROLLBACK", NULL, NULL, NULL);
    return code;
}

void sq_rollback(taskorch_db *db)
{
    if (!sqlite3_get_autocommit(SQL(db)))
        sqlite3_exec(SQL(db), "ROLLBACK", NULL, NULL, NULL);
}

int sq_read_begin(taskorch_db *db)
{
    int rc = sqlite3_exec(SQL(db), "BEGIN", NULL, NULL, NULL);
    return rc == SQLITE_OK ? TASKORCH_OK : db_sqlfail(db, rc, "reading tasks");
}

void sq_read_end(taskorch_db *db) { sqlite3_exec(SQL(db), "COMMIT", NULL, NULL, NULL); }

int64_t sq_changes(taskorch_db *db) { return sqlite3_total_changes(SQL(db)); }

sqlite3_stmt *db_stmt(taskorch_db *db, const char *sql)
{
    struct stmt_slot *free_slot = NULL;
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
        struct stmt_slot *s = &db->store->stmts[i];
        if (s->sql == sql) {
            sqlite3_reset(s->stmt);
            sqlite3_clear_bindings(s->stmt);
            return s->stmt;
        }
        if (!s->sql && !free_slot)
            free_slot = s;
    }
    if (!free_slot) { /* full: recycle a slot; callers never hold two of them */
        free_slot = &db->store->stmts[jitter(db) % STMT_CACHE_SIZE];
        sqlite3_finalize(free_slot->stmt);
        free_slot->sql = NULL;
        free_slot->stmt = NULL;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(SQL(db), sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        db_sqlfail(db, rc, "preparing a query");
        return NULL;
    }
    free_slot->sql = sql;
    free_slot->stmt = st;
    return st;
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

int db_sqlfail(taskorch_db *db, int rc, const char *what)
{
    /* SQLite keeps no errno for a failed write (sqlite3_system_errno is 0
     * after a failed COMMIT), but errno still holds it when this is called
     * right after the failing call, as every caller does. */
    int sys = errno;
    int code;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return db_fail(db, TASKORCH_EBUSY,
                       "%s: the store stayed locked for more than %d ms; retry later", what,
                       db ? db->busy_timeout_ms : 0);
    case SQLITE_NOMEM: code = TASKORCH_ENOMEM; break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: code = TASKORCH_ECORRUPT; break;
    case SQLITE_FULL:
        return db_fail(db, TASKORCH_ESTORE,
                       "%s: disk full (or the file size limit was reached); nothing was "
                       "changed; free some space and retry",
                       what);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_PERM:
    case SQLITE_AUTH: code = TASKORCH_ESTORE; break;
    /* Every input is validated before it reaches SQL: a constraint
     * failure is the library's fault, not the caller's. */
    default: code = TASKORCH_ERROR; break;
    }
    const char *detail =
        (db && db->store && SQL(db)) ? sqlite3_errmsg(SQL(db)) : sqlite3_errstr(rc);
    if (db && SQL(db) && sqlite3_system_errno(SQL(db)))
        sys = sqlite3_system_errno(SQL(db));
    if ((rc & 0xff) == SQLITE_FULL ||
        ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EFBIG)))
        return db_fail(db, TASKORCH_ESTORE,
                       "%s: the disk or the file is full (%s); free some space or raise the "
                       "file size limit (ulimit -f)",
                       what, sys == EFBIG ? "file size limit reached" : "no space left on device");
    return db_fail(db, code, "%s: %s", what, detail);
}
