/* lease.c - who holds a task, fencing of writes against the holder, and
 * the end of leases.
 *
 * A task is held while it is in progress under a claim (claim_no set)
 * whose lease is live or absent. Only the holder may complete it, change
 * its status, post progress on it, renew or release it; anyone else is
 * refused unless the write asks for a takeover, which the event records.
 * A lease that has ended is noticed by whoever claims (or lists) next: no
 * daemon is needed. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

struct holding {
    int status;
    char *assignee;
    int64_t claim, lease_expires;
};

static int read_holding(taskorch_db *db, const char *id, struct holding *h)
{
    memset(h, 0, sizeof *h);
    sqlite3_stmt *st = db_stmt(db, "SELECT status, assignee, coalesce(claim_no, 0),"
                                   " coalesce(lease_expires, 0) FROM tasks WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        h->status = sqlite3_column_int(st, 0);
        h->assignee = col_strdup(st, 1);
        h->claim = sqlite3_column_int64(st, 2);
        h->lease_expires = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return db_fail(db, TASKORCH_ENOTFOUND, "no task with id '%s'", id);
    return rc == SQLITE_ROW ? TASKORCH_OK : db_sqlfail(db, rc, "reading a task");
}

int fence_check(taskorch_db *db, const char *id, const struct write_call *w, bool *forced)
{
    *forced = false;
    struct holding h;
    int rc = read_holding(db, id, &h);
    if (rc)
        return rc;
    bool takeover = w->flags & TASKORCH_WRITE_TAKEOVER;
    bool held = h.status == TASKORCH_STATUS_IN_PROGRESS && h.claim && h.assignee &&
                (!h.lease_expires || h.lease_expires > now_ms());
    bool mine = h.assignee && !strcmp(h.assignee, db->agent);
    if (w->claim && w->claim != h.claim && !takeover) {
        if (h.claim)
            rc = db_fail(db, TASKORCH_ECONFLICT,
                         "stale claim %lld: task %s is now held by %s under claim %lld",
                         (long long)w->claim, id, h.assignee ? h.assignee : "nobody",
                         (long long)h.claim);
        else
            rc = db_fail(db, TASKORCH_ECONFLICT, "stale claim %lld: task %s is no longer claimed",
                         (long long)w->claim, id);
    } else if (held && !mine) {
        if (takeover)
            *forced = true;
        else
            rc = db_fail(db, TASKORCH_ECONFLICT,
                         "task %s is held by %s (claim %lld%s); only the holder can do that, "
                         "unless forced",
                         id, h.assignee, (long long)h.claim,
                         h.lease_expires ? ", lease running" : "");
    } else if (w->claim && w->claim != h.claim && takeover)
        *forced = true;
    free(h.assignee);
    return rc;
}

/* Collects ids with their holder and claim, then expires each: the
 * statement must be done before the rows it reads are changed. */
struct ended {
    char id[TASKORCH_ID_SIZE];
    char *holder;
    int64_t claim;
};

static int expire_one(taskorch_db *db, const struct ended *e, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE tasks SET status = 0, manual_block = 0,"
                                   " assignee = NULL, claim_no = NULL, lease_expires = NULL,"
                                   " lease_ms = NULL, updated_at = ?2 WHERE id = ?1");
    if (!st)
        return db_last_code(db);
    bind_text(st, 1, e->id);
    sqlite3_bind_int64(st, 2, now);
    int rc = db_step_done(db, st);
    if (rc)
        return rc;
    char text[AGENT_MAX + 96];
    snprintf(text, sizeof text, "lease of %s (claim %lld) ended; claimable by anyone",
             e->holder ? e->holder : "(unassigned)", (long long)e->claim);
    struct event_data d = EVENT_DATA_INIT;
    d.from = TASKORCH_STATUS_IN_PROGRESS;
    d.to = TASKORCH_STATUS_PENDING;
    d.assignee = e->holder;
    d.claim = e->claim;
    if ((rc = event_add_data(db, "expired", e->id, text, NULL, &d)))
        return rc;
    /* A task started past unfinished dependencies waits for them again. */
    return status_reevaluate(db, e->id);
}

int leases_expire(taskorch_db *db, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, assignee, coalesce(claim_no, 0) FROM tasks"
                                   " WHERE lease_expires <= ?1 AND +status = 1"
                                   " ORDER BY lease_expires, id");
    if (!st)
        return db_last_code(db);
    sqlite3_bind_int64(st, 1, now);
    struct ended *v = NULL;
    size_t n = 0, cap = 0;
    int rc, code = TASKORCH_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow_array(&v, &cap, n, sizeof *v)) {
            code = db_fail(db, TASKORCH_ENOMEM, "out of memory");
            break;
        }
        snprintf(v[n].id, TASKORCH_ID_SIZE, "%s", sqlite3_column_text(st, 0));
        v[n].holder = col_strdup(st, 1);
        v[n].claim = sqlite3_column_int64(st, 2);
        n++;
    }
    sqlite3_reset(st);
    if (!code && rc != SQLITE_DONE)
        code = db_sqlfail(db, rc, "reading leases");
    for (size_t i = 0; i < n && !code; i++)
        code = expire_one(db, &v[i], now);
    for (size_t i = 0; i < n; i++)
        free(v[i].holder);
    free(v);
    return code;
}

int leases_due(taskorch_db *db, int64_t now, bool *due, int64_t *next_expiry)
{
    *due = false;
    if (next_expiry)
        *next_expiry = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT min(lease_expires) FROM tasks"
                                   " WHERE lease_expires IS NOT NULL");
    if (!st)
        return db_last_code(db);
    int rc = sqlite3_step(st);
    int64_t first = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return db_sqlfail(db, rc, "reading leases");
    if (first) {
        *due = first <= now;
        if (next_expiry && first > now)
            *next_expiry = first;
    }
    return TASKORCH_OK;
}

int lease_resolve(taskorch_db *db, int64_t asked_ms, int64_t *out)
{
    *out = 0;
    if (asked_ms > 0 || asked_ms < 0) {
        *out = asked_ms > 0 ? asked_ms : 0;
        return TASKORCH_OK;
    }
    if (db->default_lease_ms) {
        *out = db->default_lease_ms > 0 ? db->default_lease_ms : 0;
        return TASKORCH_OK;
    }
    char *value = NULL;
    int rc = config_read(db, "lease", &value);
    if (!rc && value && strcmp(value, "none") && taskorch_duration_parse(out, value))
        rc = db_fail(db, TASKORCH_ECORRUPT, "the store's lease setting '%s' is not a duration",
                     value);
    free(value);
    return rc;
}
