/* claim.c - taking work: one write transaction makes the task in
 * progress, assigned to the caller, with a new claim number and maybe a
 * lease, so that of any number of racing agents exactly one wins it.
 * Also renewing (heartbeat) and giving work back (release). */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "store.h"

int taskorch_claim_options_init(taskorch_claim_options *opts, unsigned int version)
{
    if (!opts || version != TASKORCH_CLAIM_OPTIONS_VERSION)
        return TASKORCH_EINVAL;
    taskorch_claim_options def = TASKORCH_CLAIM_OPTIONS_INIT;
    *opts = def;
    return TASKORCH_OK;
}

/* A claim's outcome, also what a repeated request id hands back. */
struct claim_result {
    char id[TASKORCH_ID_SIZE];
    int64_t claim;
};

/* Sets the lease of a task the caller holds to end lease_ms from now;
 * lease_ms 0 renews by the claim's own length (none stays none). The
 * claim number stays. */
static int renew(taskorch_db *db, const char *id, int64_t lease_ms, int64_t now)
{
    return db->ops->task_renew(db, id, lease_ms, now);
}

/* Gives cur (pending, or in progress by the caller without a claim) to
 * the caller under a new claim. The claim number is the id of the
 * "claimed" event, so later claims always have larger numbers. */
static int take(taskorch_db *db, const taskorch_task *cur, int64_t lease_ms, int64_t now,
                struct claim_result *res)
{
    char text[AGENT_MAX + 64];
    snprintf(text, sizeof text, "claimed by %s%s", db->agent, lease_ms > 0 ? " with a lease" : "");
    struct event_data d = EVENT_DATA_INIT;
    d.from = cur->status;
    d.to = TASKORCH_STATUS_IN_PROGRESS;
    d.assignee = db->agent;
    d.lease_until = lease_ms > 0 ? now + lease_ms : 0;
    int64_t event_id = 0;
    int rc = event_add_id(db, "claimed", cur->id, text, NULL, &d, &event_id);
    if (rc)
        return rc;
    res->claim = event_id;
    if ((rc = db->ops->event_set_claim(db, event_id, res->claim)))
        return rc;
    return db->ops->task_take(db, cur->id, db->agent, res->claim, lease_ms, now);
}

/* Claims the task id names, or explains why not. */
static int claim_task(taskorch_db *db, const char *id, int64_t lease_ms, int64_t now,
                      struct claim_result *res)
{
    taskorch_task *cur = NULL;
    int rc = task_reload(&cur, db, id);
    if (rc)
        return rc;
    bool mine = cur->assignee && !strcmp(cur->assignee, db->agent);
    char *unfinished = NULL;
    snprintf(res->id, sizeof res->id, "%s", id);
    if (cur->assignee && !mine && cur->status == TASKORCH_STATUS_IN_PROGRESS)
        rc = db_fail(db, TASKORCH_ECONFLICT, "task %s is held by %s; %s cannot claim it", id,
                     cur->assignee, db->agent);
    else if (cur->assignee && !mine)
        rc = db_fail(db, TASKORCH_ECONFLICT, "task %s is assigned to %s, not to %s", id,
                     cur->assignee, db->agent);
    else if (cur->status == TASKORCH_STATUS_IN_PROGRESS && mine && cur->claim_no) {
        res->claim = cur->claim_no; /* mine already: a retry after a lost reply */
        rc = renew(db, id, lease_ms, now);
    } else if (cur->status == TASKORCH_STATUS_IN_PROGRESS && mine)
        rc = take(db, cur, lease_ms, now, res); /* started by hand: now under a claim */
    else if (cur->status == TASKORCH_STATUS_BLOCKED && cur->manual_block)
        rc = db_fail(db, TASKORCH_EINVAL, "task %s was set blocked by hand", id);
    else if (cur->status == TASKORCH_STATUS_BLOCKED &&
             !(rc = status_unfinished_deps(db, id, &unfinished)))
        rc = db_fail(db, TASKORCH_EBLOCKED, "task %s cannot be claimed: unfinished dependencies %s",
                     id, unfinished ? unfinished : "");
    else if (!rc && cur->status != TASKORCH_STATUS_PENDING)
        rc = db_fail(db, TASKORCH_EINVAL, "task %s is %s; only pending tasks can be claimed", id,
                     taskorch_status_name(cur->status));
    else if (!rc)
        rc = take(db, cur, lease_ms, now, res);
    free(unfinished);
    int joined;
    if (!rc)
        rc = participant_join(db, id, &joined);
    taskorch_task_free(cur);
    return rc;
}

/* The best pending task assigned to `who` (NULL: to nobody) matching the
 * filters, through the claim-order index; *found false when none. */
static int best_for(taskorch_db *db, const char *who, const taskorch_claim_options *o,
                    char id[TASKORCH_ID_SIZE], int *priority, int64_t *created, bool *found)
{
    return db->ops->next_ready(db, who, o->priority, o->tag, id, priority, created, found);
}

/* The next task to claim: mine or nobody's, highest priority, oldest. */
static int pick_next(taskorch_db *db, const taskorch_claim_options *o, char id[TASKORCH_ID_SIZE],
                     bool *found)
{
    char other[TASKORCH_ID_SIZE];
    int p1 = 0, p2 = 0;
    int64_t c1 = 0, c2 = 0;
    bool f1 = false, f2 = false;
    int rc = best_for(db, db->agent, o, id, &p1, &c1, &f1);
    if (!rc && !(o->flags & TASKORCH_CLAIM_MINE))
        rc = best_for(db, NULL, o, other, &p2, &c2, &f2);
    if (rc)
        return rc;
    if (f2 && (!f1 || p2 > p1 || (p2 == p1 && c2 < c1)))
        memcpy(id, other, TASKORCH_ID_SIZE);
    *found = f1 || f2;
    return TASKORCH_OK;
}

/* With TASKORCH_CLAIM_RESUME: my own oldest task in progress. */
static int my_oldest(taskorch_db *db, char id[TASKORCH_ID_SIZE], bool *found)
{
    return db->ops->oldest_in_progress(db, db->agent, id, found);
}

static int nothing_ready(taskorch_db *db)
{
    return db_fail(db, TASKORCH_ENOTFOUND,
                   "no ready task for %s (pending, dependencies completed, assigned to %s or to "
                   "nobody)",
                   db->agent, db->agent);
}

/* One attempt in one transaction. *last_event: the newest event seen,
 * for a caller that waits for news after nothing was claimable. */
static int claim_once(taskorch_db *db, const struct write_call *w, const char *given,
                      const taskorch_claim_options *o, int64_t lease_ms, struct claim_result *res,
                      int64_t *last_event, bool *replayed)
{
    int rc = db_begin(db);
    if (rc)
        return rc;
    char result[64];
    if ((rc = write_replay(db, w, result, sizeof result, replayed)))
        return db_rollback(db, rc);
    if (*replayed) {
        long long claim = 0;
        if (sscanf(result, "%8[0-9a-f]:%lld", res->id, &claim) != 2)
            return db_rollback(db,
                               db_fail(db, TASKORCH_ECORRUPT, "bad request record '%s'", result));
        res->claim = claim;
        return db_rollback(db, TASKORCH_OK);
    }
    int64_t now = now_ms();
    if ((rc = leases_expire(db, now)))
        return db_rollback(db, rc);
    char id[TASKORCH_ID_SIZE];
    bool found = true;
    if (given)
        rc = resolve_id(db, given, id);
    else if (o->flags & TASKORCH_CLAIM_RESUME) {
        if (!(rc = my_oldest(db, id, &found)) && !found)
            rc = pick_next(db, o, id, &found);
    } else
        rc = pick_next(db, o, id, &found);
    if (!rc && !found) {
        /* Keep what expiring leases changed; report nothing to claim. */
        if ((rc = taskorch_event_last_id(last_event, db)) || (rc = db_commit(db)))
            return db_rollback(db, rc);
        return nothing_ready(db);
    }
    if (rc || (rc = claim_task(db, id, lease_ms, now, res)) ||
        (rc = db_touch(db, TOUCH_TASK, res->id, NULL)))
        return db_rollback(db, rc);
    snprintf(result, sizeof result, "%s:%lld", res->id, (long long)res->claim);
    if ((rc = write_record(db, w, result)) || (rc = db_commit(db)))
        return db_rollback(db, rc);
    return TASKORCH_OK;
}

static int check_claim_options(taskorch_db *db, const taskorch_claim_options *o)
{
    if (o->version < 1 || o->version > TASKORCH_CLAIM_OPTIONS_VERSION)
        return db_fail(db, TASKORCH_EINVAL, "unknown claim options version %u", o->version);
    if (o->priority < -1 || o->priority > TASKORCH_PRIORITY_CRITICAL)
        return db_fail(db, TASKORCH_EINVAL,
                       "unknown priority %d; use low, medium, high or critical", o->priority);
    if (o->tag && check_tag(db, o->tag))
        return TASKORCH_EINVAL;
    if (o->flags & ~(TASKORCH_CLAIM_RESUME | TASKORCH_CLAIM_MINE | TASKORCH_CLAIM_WAIT))
        return db_fail(db, TASKORCH_EINVAL, "unknown claim flags 0x%x", o->flags);
    return TASKORCH_OK;
}

/* How long to sleep before trying again: until news, a lease ending, or
 * the deadline, whichever comes first. */
static int wait_for_work(taskorch_db *db, int64_t last_event, int64_t deadline)
{
    int64_t now = now_ms(), next_expiry = 0;
    bool due = false;
    int rc = leases_due(db, now, &due, &next_expiry);
    if (rc || due)
        return rc;
    int64_t until = deadline;
    if (next_expiry && next_expiry < until)
        until = next_expiry;
    if (until - now <= 0)
        return now >= deadline ? TASKORCH_ETIMEOUT : TASKORCH_OK;
    rc = taskorch_event_wait(db, last_event,
                             (int)(until - now > INT32_MAX ? INT32_MAX : until - now));
    if (rc == TASKORCH_ETIMEOUT)
        return now_ms() >= deadline ? TASKORCH_ETIMEOUT : TASKORCH_OK;
    return rc;
}

int taskorch_task_claim_v2(taskorch_task **out, taskorch_db *db, const char *id_or_prefix,
                           const taskorch_claim_options *opts)
{
    struct write_call w;
    write_start(db, &w, "claim");
    if (out)
        *out = NULL;
    if (!db)
        return TASKORCH_EINVAL;
    taskorch_claim_options o = TASKORCH_CLAIM_OPTIONS_INIT;
    if (opts)
        o = *opts;
    int rc = check_claim_options(db, &o);
    int64_t lease_ms = 0;
    if (rc || (rc = lease_resolve(db, o.lease_ms, &lease_ms)))
        return rc;
    fp_text(&w, id_or_prefix);
    fp_text(&w, o.tag);
    fp_int(&w, o.priority);
    fp_int(&w, o.lease_ms);
    fp_int(&w, o.flags & ~TASKORCH_CLAIM_WAIT);
    bool waits = (o.flags & TASKORCH_CLAIM_WAIT) && !id_or_prefix;
    int64_t deadline = !waits ? 0 : o.wait_ms < 0 ? INT64_MAX : now_ms() + o.wait_ms;
    struct claim_result res = {{0}, 0};
    bool replayed = false;
    for (;;) {
        int64_t last_event = 0;
        rc = claim_once(db, &w, id_or_prefix, &o, lease_ms, &res, &last_event, &replayed);
        if (rc != TASKORCH_ENOTFOUND || !waits || id_or_prefix)
            break;
        if ((rc = wait_for_work(db, last_event, deadline))) {
            if (rc == TASKORCH_ETIMEOUT)
                db_fail(db, rc, "nothing became claimable for %s in %d ms", db->agent, o.wait_ms);
            return rc;
        }
    }
    if (rc)
        return rc;
    write_done(db, res.id);
    return task_reload(out, db, res.id);
}

int taskorch_task_claim(taskorch_task **out, taskorch_db *db, const char *id_or_prefix)
{
    return taskorch_task_claim_v2(out, db, id_or_prefix, NULL);
}

/* What heartbeat and release share: the task must be in progress and the
 * caller its holder (or taking it over). *cur is loaded. */
static int held_by_me(taskorch_db *db, const struct write_call *w, const char *id,
                      taskorch_task **cur, bool *forced)
{
    int rc = fence_check(db, id, w, forced);
    if (rc || (rc = task_reload(cur, db, id)))
        return rc;
    const taskorch_task *t = *cur;
    if (t->status != TASKORCH_STATUS_IN_PROGRESS)
        return db_fail(db, TASKORCH_EINVAL, "task %s is %s; only a task in progress is held", id,
                       taskorch_status_name(t->status));
    if (!t->claim_no)
        return db_fail(db, TASKORCH_EINVAL,
                       "task %s was started by hand, not claimed; nothing to renew or release", id);
    if (!*forced && (!t->assignee || strcmp(t->assignee, db->agent)) &&
        !(w->flags & TASKORCH_WRITE_TAKEOVER))
        return db_fail(db, TASKORCH_ECONFLICT, "task %s is held by %s, not by %s", id,
                       t->assignee ? t->assignee : "nobody", db->agent);
    return TASKORCH_OK;
}

/* Runs body inside a write transaction with request-id replay; the result
 * recorded is the task id. */
static int write_task_op(taskorch_db *db, const struct write_call *w, const char *given,
                         int (*body)(taskorch_db *, const struct write_call *, const char *,
                                     const void *),
                         const void *arg, char id[TASKORCH_ID_SIZE])
{
    int rc = db_begin(db);
    if (rc)
        return rc;
    char result[64];
    bool replayed = false;
    if ((rc = write_replay(db, w, result, sizeof result, &replayed)))
        return db_rollback(db, rc);
    if (replayed) {
        snprintf(id, TASKORCH_ID_SIZE, "%.8s", result);
        write_done(db, id);
        return db_rollback(db, TASKORCH_OK);
    }
    if ((rc = resolve_id(db, given, id)) || (rc = body(db, w, id, arg)) ||
        (rc = write_record(db, w, id)))
        return db_rollback(db, rc);
    if ((rc = db_commit(db)))
        return rc;
    write_done(db, id);
    return TASKORCH_OK;
}

static int heartbeat_body(taskorch_db *db, const struct write_call *w, const char *id,
                          const void *arg)
{
    int64_t lease_ms = *(const int64_t *)arg;
    taskorch_task *cur = NULL;
    bool forced = false;
    int rc = held_by_me(db, w, id, &cur, &forced);
    if (!rc)
        rc = renew(db, id, lease_ms, now_ms());
    taskorch_task_free(cur);
    return rc;
}

int taskorch_task_heartbeat(taskorch_task **out, taskorch_db *db, const char *id_or_prefix,
                            int64_t lease_ms)
{
    struct write_call w;
    write_start(db, &w, "heartbeat");
    if (out)
        *out = NULL;
    if (!db)
        return TASKORCH_EINVAL;
    if (lease_ms < 0)
        return db_fail(db, TASKORCH_EINVAL, "lease must not be negative");
    fp_text(&w, id_or_prefix);
    fp_int(&w, lease_ms);
    char id[TASKORCH_ID_SIZE];
    int rc = write_task_op(db, &w, id_or_prefix, heartbeat_body, &lease_ms, id);
    return rc ? rc : task_reload(out, db, id);
}

static int release_body(taskorch_db *db, const struct write_call *w, const char *id,
                        const void *arg)
{
    unsigned int flags = *(const unsigned int *)arg;
    taskorch_task *cur = NULL;
    bool forced = false;
    char *unfinished = NULL;
    int rc = held_by_me(db, w, id, &cur, &forced);
    if (!rc)
        rc = status_unfinished_deps(db, id, &unfinished);
    int to = unfinished ? TASKORCH_STATUS_BLOCKED : TASKORCH_STATUS_PENDING;
    free(unfinished);
    bool unassign = flags & TASKORCH_RELEASE_UNASSIGN;
    if (!rc)
        rc = db->ops->task_release(db, id, to, unassign, now_ms());
    if (!rc) {
        char text[AGENT_MAX + 64];
        snprintf(text, sizeof text, "released by %s%s", db->agent, unassign ? "; unassigned" : "");
        struct event_data d = EVENT_DATA_INIT;
        d.from = TASKORCH_STATUS_IN_PROGRESS;
        d.to = to;
        d.assignee = unassign ? NULL : cur->assignee;
        d.claim = cur->claim_no;
        d.forced = forced;
        rc = event_add_data(db, "released", id, text, NULL, &d);
    }
    if (!rc)
        rc = db_touch(db, TOUCH_TASK, id, NULL);
    taskorch_task_free(cur);
    return rc;
}

int taskorch_task_release(taskorch_db *db, const char *id_or_prefix, unsigned int flags)
{
    struct write_call w;
    write_start(db, &w, "release");
    if (!db)
        return TASKORCH_EINVAL;
    if (flags & ~TASKORCH_RELEASE_UNASSIGN)
        return db_fail(db, TASKORCH_EINVAL, "unknown release flags 0x%x", flags);
    fp_text(&w, id_or_prefix);
    fp_int(&w, flags);
    char id[TASKORCH_ID_SIZE];
    return write_task_op(db, &w, id_or_prefix, release_body, &flags, id);
}
