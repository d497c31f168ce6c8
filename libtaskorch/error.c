/* error.c - status codes, their texts, and per-handle messages. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *taskorch_strerror(int code)
{
    switch (code) {
    case TASKORCH_OK: return "success";
    case TASKORCH_ERROR: return "internal error";
    case TASKORCH_ENOMEM: return "out of memory";
    case TASKORCH_EINVAL: return "invalid value";
    case TASKORCH_ENOTFOUND: return "not found";
    case TASKORCH_EAMBIGUOUS: return "ambiguous id prefix";
    case TASKORCH_ECYCLE: return "dependency cycle";
    case TASKORCH_EBLOCKED: return "unfinished dependencies";
    case TASKORCH_EHASDEPENDENTS: return "other tasks depend on it";
    case TASKORCH_ESTORE: return "store cannot be used";
    case TASKORCH_ECORRUPT: return "not a taskorch store";
    case TASKORCH_EBUSY: return "store is locked";
    case TASKORCH_ESCHEMA: return "store written by a newer version";
    case TASKORCH_EREADONLY: return "store opened read-only";
    case TASKORCH_ETIMEOUT: return "timed out";
    case TASKORCH_ITEROVER: return "no more items";
    case TASKORCH_ECONFLICT: return "taken by another agent";
    case TASKORCH_EREQUEST: return "request id already used for another request";
    default: return "unknown error code";
    }
}

int db_fail(taskorch_db *db, int code, const char *fmt, ...)
{
    if (db) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
        va_end(ap);
        db->errcode = code;
    }
    return code;
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
    const char *detail = (db && db->sql) ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc);
    if (db && db->sql && sqlite3_system_errno(db->sql))
        sys = sqlite3_system_errno(db->sql);
    if ((rc & 0xff) == SQLITE_FULL ||
        ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EFBIG)))
        return db_fail(db, TASKORCH_ESTORE,
                       "%s: the disk or the file is full (%s); free some space or raise the "
                       "file size limit (ulimit -f)",
                       what, sys == EFBIG ? "file size limit reached" : "no space left on device");
    return db_fail(db, code, "%s: %s", what, detail);
}

void db_clear_error(taskorch_db *db)
{
    if (db) {
        db->errmsg[0] = '\0';
        db->errcode = TASKORCH_OK;
    }
}

int db_last_code(const taskorch_db *db) { return db && db->errcode ? db->errcode : TASKORCH_ERROR; }

const char *taskorch_db_errmsg(const taskorch_db *db)
{
    if (!db)
        return "no store handle (out of memory?)";
    return db->errmsg;
}

void db_warn(taskorch_db *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->warning, sizeof db->warning, fmt, ap);
    va_end(ap);
}

const char *taskorch_db_warning(const taskorch_db *db)
{
    return db && db->warning[0] ? db->warning : NULL;
}
