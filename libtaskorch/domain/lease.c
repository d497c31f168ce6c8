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
#include "store.h"

struct holding {
    int status;
    char *assignee;
    int64_t claim, lease_expires;
};

static int read_holding(taskorch_db *db, const char *id, struct holding *h)
{
    memset(h, 0, sizeof *h);
    int rc = db->ops->task_holding(db, id, &h->status, &h->assignee, &h->claim, &h->lease_expires);
    return rc == TASKORCH_ENOTFOUND ? db_fail(db, rc, "no task with id '%s'", id) : rc;
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

struct expiry {
    taskorch_db *db;
    int64_t now;
};

static int expire_one(void *ctx, const char *id, const char *holder, int64_t claim)
{
    const struct expiry *x = ctx;
    taskorch_db *db = x->db;
    /* An ended lease is a release by nobody: pending, unassigned. */
    int rc = db->ops->task_release(db, id, TASKORCH_STATUS_PENDING, true, x->now);
    if (rc)
        return rc;
    char text[AGENT_MAX + 96];
    snprintf(text, sizeof text, "lease of %s (claim %lld) ended; claimable by anyone",
             holder ? holder : "(unassigned)", (long long)claim);
    struct event_data d = EVENT_DATA_INIT;
    d.from = TASKORCH_STATUS_IN_PROGRESS;
    d.to = TASKORCH_STATUS_PENDING;
    d.assignee = holder;
    d.claim = claim;
    if ((rc = event_add_data(db, "expired", id, text, NULL, &d)))
        return rc;
    /* A task started past unfinished dependencies waits for them again. */
    return status_reevaluate(db, id);
}

int leases_expire(taskorch_db *db, int64_t now)
{
    struct expiry x = {db, now};
    return db->ops->leases_ended(db, now, expire_one, &x);
}

int leases_due(taskorch_db *db, int64_t now, bool *due, int64_t *next_expiry)
{
    *due = false;
    if (next_expiry)
        *next_expiry = 0;
    int64_t first = 0;
    int rc = db->ops->lease_first(db, &first);
    if (rc)
        return rc;
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
