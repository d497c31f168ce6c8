/* write.c - one write call: the options a caller sets for it
 * (taskorch_db_next_write), and exact idempotency by request id.
 *
 * A request id is remembered per agent with the operation, a hash of the
 * call's arguments and its result. Repeating the same call hands back the
 * result and writes nothing; reusing the id for anything else is refused,
 * so a post can never vanish silently behind an earlier one. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "store.h"

int taskorch_write_options_init(taskorch_write_options *opts, unsigned int version)
{
    if (!opts || version != TASKORCH_WRITE_OPTIONS_VERSION)
        return TASKORCH_EINVAL;
    taskorch_write_options def = TASKORCH_WRITE_OPTIONS_INIT;
    *opts = def;
    return TASKORCH_OK;
}

int taskorch_db_next_write(taskorch_db *db, const taskorch_write_options *opts)
{
    if (!db)
        return TASKORCH_EINVAL;
    memset(&db->next, 0, sizeof db->next);
    if (!opts)
        return TASKORCH_OK;
    if (opts->version < 1 || opts->version > TASKORCH_WRITE_OPTIONS_VERSION)
        return db_fail(db, TASKORCH_EINVAL, "unknown write options version %u", opts->version);
    if (opts->request_id) {
        int rc = check_name(db, "request id", opts->request_id, REQUEST_ID_MAX);
        if (rc)
            return rc;
        snprintf(db->next.request_id, sizeof db->next.request_id, "%s", opts->request_id);
        db->next.has_request = true;
    }
    if (opts->claim < 0)
        return db_fail(db, TASKORCH_EINVAL, "claim number must not be negative");
    if (opts->flags & ~TASKORCH_WRITE_TAKEOVER)
        return db_fail(db, TASKORCH_EINVAL, "unknown write flags 0x%x", opts->flags);
    db->next.claim = opts->claim;
    db->next.flags = opts->flags;
    db->next.set = true;
    return TASKORCH_OK;
}

/* FNV-1a, 64 bits: a fingerprint, not a security boundary (a request id
 * is the caller's own; a collision could only replay its own result). */
static void fp_bytes(struct write_call *w, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        w->fp ^= b[i];
        w->fp *= 0x100000001b3ull;
    }
}

void write_start(taskorch_db *db, struct write_call *w, const char *op)
{
    memset(w, 0, sizeof *w);
    w->op = op;
    w->fp = 0xcbf29ce484222325ull;
    fp_text(w, op);
    if (!db)
        return;
    if (db->next.set) {
        w->has_request = db->next.has_request;
        memcpy(w->request_id, db->next.request_id, sizeof w->request_id);
        w->claim = db->next.claim;
        w->flags = db->next.flags;
    }
    memset(&db->next, 0, sizeof db->next);
    db->write_id[0] = '\0';
    db->n_write_deps = 0;
}

int write_dep_resolved(taskorch_db *db, const char *dep)
{
    if (!grow_array(&db->write_deps, &db->cap_write_deps, db->n_write_deps, sizeof *db->write_deps))
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    snprintf(db->write_deps[db->n_write_deps++], TASKORCH_ID_SIZE, "%s", dep);
    return TASKORCH_OK;
}

void write_done(taskorch_db *db, const char *id)
{
    snprintf(db->write_id, sizeof db->write_id, "%s", id);
}

const char *taskorch_db_write_id(const taskorch_db *db, size_t i)
{
    if (!db || !db->write_id[0])
        return NULL;
    if (i == 0)
        return db->write_id;
    return i <= db->n_write_deps ? db->write_deps[i - 1] : NULL;
}

void fp_text(struct write_call *w, const char *s)
{
    /* A length prefix keeps ("ab", "c") apart from ("a", "bc"). */
    uint64_t n = s ? strlen(s) + 1 : 0;
    fp_bytes(w, &n, sizeof n);
    if (s)
        fp_bytes(w, s, n - 1);
}

void fp_texts(struct write_call *w, const char *const *v, size_t n)
{
    fp_int(w, (int64_t)n);
    for (size_t i = 0; v && i < n; i++)
        fp_text(w, v[i]);
}

void fp_int(struct write_call *w, int64_t v) { fp_bytes(w, &v, sizeof v); }

void fp_double(struct write_call *w, double v) { fp_bytes(w, &v, sizeof v); }

static void fp_hex(const struct write_call *w, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)w->fp);
}

int write_replay(taskorch_db *db, const struct write_call *w, char *result, size_t size,
                 bool *replayed)
{
    *replayed = false;
    if (!w->has_request)
        return TASKORCH_OK;
    char op[64], old_fp[32], old_result[128];
    int rc = db->ops->request_get(db, db->agent, w->request_id, op, sizeof op, old_fp,
                                  sizeof old_fp, old_result, sizeof old_result);
    if (rc)
        return rc == TASKORCH_ENOTFOUND ? TASKORCH_OK : rc;
    char fp[17];
    fp_hex(w, fp);
    int code = TASKORCH_OK;
    if (strcmp(op, w->op))
        code = db_fail(db, TASKORCH_EREQUEST,
                       "request id %s already used for '%s' (result %s), not '%s'; use a new "
                       "request id for each write",
                       w->request_id, op, old_result, w->op);
    else if (strcmp(old_fp, fp))
        code = db_fail(db, TASKORCH_EREQUEST,
                       "request id %s already used for '%s' with other arguments (result %s); "
                       "use a new request id for each write",
                       w->request_id, op, old_result);
    else {
        snprintf(result, size, "%s", old_result);
        *replayed = true;
    }
    return code;
}

int write_record(taskorch_db *db, const struct write_call *w, const char *result)
{
    if (!w->has_request)
        return TASKORCH_OK;
    char fp[17];
    fp_hex(w, fp);
    return db->ops->request_put(db, db->agent, w->request_id, w->op, fp, result, now_ms());
}
