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
