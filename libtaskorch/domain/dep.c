/* dep.c - dependency edges: adding them (cycle-checked), removing them,
 * and listing a task's prerequisites or dependents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "store.h"

/* Breadth-first search over "depends on" edges, remembering each node's
 * parent so that a found cycle can be spelled out. */
struct bfs {
    char (*ids)[TASKORCH_ID_SIZE];
    size_t *parent;
    size_t n, cap;
    size_t *table; /* open addressing: index + 1, 0 = empty */
    size_t table_cap;
};

static size_t hash_id(const char *id)
{
    size_t h = 1469598103934665603u;
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 1099511628211u;
    return h;
}

static bool bfs_rehash(struct bfs *b)
{
    size_t cap = b->table_cap ? b->table_cap * 2 : 256;
    size_t *t = calloc(cap, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < b->n; i++) {
        size_t h = hash_id(b->ids[i]) & (cap - 1);
        while (t[h])
            h = (h + 1) & (cap - 1);
        t[h] = i + 1;
    }
    free(b->table);
    b->table = t;
    b->table_cap = cap;
    return true;
}

/* Adds id unless seen; returns 1 added, 0 seen, -1 out of memory. */
static int bfs_add(struct bfs *b, const char *id, size_t parent)
{
    if ((b->n + 1) * 2 > b->table_cap && !bfs_rehash(b))
        return -1;
    size_t h = hash_id(id) & (b->table_cap - 1);
    while (b->table[h]) {
        if (!strcmp(b->ids[b->table[h] - 1], id))
            return 0;
        h = (h + 1) & (b->table_cap - 1);
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        void *ids = realloc(b->ids, cap * sizeof *b->ids);
        if (!ids)
            return -1;
        b->ids = ids;
        void *par = realloc(b->parent, cap * sizeof *b->parent);
        if (!par)
            return -1;
        b->parent = par;
        b->cap = cap;
    }
    snprintf(b->ids[b->n], TASKORCH_ID_SIZE, "%s", id);
    b->parent[b->n] = parent;
    b->table[h] = ++b->n;
    return 1;
}

static void bfs_free(struct bfs *b)
{
    free(b->ids);
    free(b->parent);
    free(b->table);
}

/* One step of the search: adds an edge's end; stops at the target. */
#define REACH_FOUND 1
struct reach {
    struct bfs *b;
    const char *target;
    size_t from, found;
};

static int reach_one(void *ctx, const char *next, int status)
{
    struct reach *r = ctx;
    (void)status;
    int added = bfs_add(r->b, next, r->from);
    if (added < 0)
        return TASKORCH_ENOMEM;
    if (added && !strcmp(next, r->target)) {
        r->found = r->b->n - 1;
        return REACH_FOUND;
    }
    return TASKORCH_OK;
}

/* Would the edge task -> dep close a cycle? If so, records the message. */
static int check_cycle(taskorch_db *db, const char *task, const char *dep)
{
    if (!strcmp(task, dep))
        return db_fail(db, TASKORCH_ECYCLE, "a task cannot depend on itself: %s -> %s", task, task);
    struct bfs b = {0};
    int rc = TASKORCH_OK;
    size_t found = SIZE_MAX;
    if (bfs_add(&b, dep, SIZE_MAX) < 0)
        rc = TASKORCH_ENOMEM;
    struct reach r = {&b, task, 0, SIZE_MAX};
    for (size_t i = 0; !rc && i < b.n && found == SIZE_MAX; i++) {
        r.from = i;
        rc = db->ops->task_ids(db, IDS_DEPS, b.ids[i], reach_one, &r);
        if (rc == REACH_FOUND) {
            found = r.found;
            rc = TASKORCH_OK;
        }
    }
    if (rc == TASKORCH_ENOMEM)
        rc = db_fail(db, rc, "out of memory");
    if (!rc && found != SIZE_MAX) {
        /* found is task, reached from dep: print task -> dep -> ... -> task. */
        size_t len = 0;
        for (size_t i = found; i != SIZE_MAX; i = b.parent[i])
            len++;
        size_t *path = malloc(len * sizeof *path);
        struct strbuf sb;
        sb_init(&sb);
        if (path) {
            size_t k = len;
            for (size_t i = found; i != SIZE_MAX; i = b.parent[i])
                path[--k] = i;
            sb_add(&sb, task);
            for (k = 0; k < len; k++)
                sb_addf(&sb, " -> %s", b.ids[path[k]]);
        }
        rc = db_fail(db, TASKORCH_ECYCLE, "dependency cycle: %s; remove an edge of it first",
                     sb.buf && !sb.failed ? sb.buf : "(path too long to show)");
        sb_free(&sb);
        free(path);
    }
    bfs_free(&b);
    return rc;
}

/* Inserts one edge; returns 1 if it was new. */
static int insert_edge(taskorch_db *db, const char *task, const char *dep, int *added)
{
    bool yes = false;
    int rc = db->ops->edge_add(db, task, dep, now_ms(), &yes);
    *added = yes;
    return rc;
}

int dep_insert_all(taskorch_db *db, const char *task, const char *const *deps, size_t n,
                   bool new_task)
{
    for (size_t i = 0; i < n; i++) {
        char dep[TASKORCH_ID_SIZE];
        int rc = resolve_id(db, deps[i], dep);
        if (rc) {
            if (rc == TASKORCH_ENOTFOUND)
                db_fail(db, rc, "dependency '%s' is not a task; check the id with 'tm list'",
                        deps[i]);
            return rc;
        }
        if ((rc = write_dep_resolved(db, dep)))
            return rc;
        int added = 0;
        /* Nothing depends on a task being created yet, so it closes no cycle. */
        if ((!new_task && (rc = check_cycle(db, task, dep))) ||
            (rc = insert_edge(db, task, dep, &added)))
            return rc;
        if (added) {
            char text[64];
            snprintf(text, sizeof text, "depends on %s", dep);
            if ((rc = event_add(db, "dep_added", task, text, NULL)))
                return rc;
        }
    }
    return TASKORCH_OK;
}

static int check_list(taskorch_db *db, const char *const *deps, size_t n)
{
    if (n == 0 || !deps)
        return db_fail(db, TASKORCH_EINVAL, "no dependency given");
    return TASKORCH_OK;
}

/* Starts a dep write: validation, the transaction, and request-id replay
 * (*replayed: the same call was done before; nothing more to do). */
static int dep_write_begin(taskorch_db *db, struct write_call *w, const char *task,
                           const char *const *deps, size_t n, bool *replayed)
{
    int rc = check_list(db, deps, n);
    if (rc || (rc = db_begin(db)))
        return rc;
    fp_text(w, task);
    fp_texts(w, deps, n);
    char result[64];
    if ((rc = write_replay(db, w, result, sizeof result, replayed)) || !*replayed)
        return rc ? db_rollback(db, rc) : TASKORCH_OK;
    /* The result is the task's id; its dependencies as they resolve now. */
    char dep[TASKORCH_ID_SIZE];
    for (size_t i = 0; i < n && !rc; i++)
        if (!(rc = resolve_id(db, deps[i], dep)))
            rc = write_dep_resolved(db, dep);
    if (rc)
        db->n_write_deps = 0;
    db_rollback(db, TASKORCH_OK);
    db_clear_error(db);
    write_done(db, result);
    return TASKORCH_OK;
}

int taskorch_dep_add(taskorch_db *db, const char *task, const char *const *deps, size_t n)
{
    struct write_call w;
    write_start(db, &w, "dep_add");
    if (!db)
        return TASKORCH_EINVAL;
    char id[TASKORCH_ID_SIZE];
    bool replayed = false;
    int rc = dep_write_begin(db, &w, task, deps, n, &replayed);
    if (rc || replayed)
        return rc;
    if ((rc = resolve_id(db, task, id)) || (rc = dep_insert_all(db, id, deps, n, false)) ||
        (rc = status_reevaluate(db, id)) || (rc = write_record(db, &w, id)))
        return db_rollback(db, rc);
    if ((rc = db_commit(db)))
        return rc;
    write_done(db, id);
    return TASKORCH_OK;
}

int taskorch_dep_remove(taskorch_db *db, const char *task, const char *const *deps, size_t n)
{
    struct write_call w;
    write_start(db, &w, "dep_remove");
    if (!db)
        return TASKORCH_EINVAL;
    char id[TASKORCH_ID_SIZE];
    bool replayed = false;
    int rc = dep_write_begin(db, &w, task, deps, n, &replayed);
    if (rc || replayed)
        return rc;
    if ((rc = resolve_id(db, task, id)))
        return db_rollback(db, rc);
    for (size_t i = 0; i < n; i++) {
        char dep[TASKORCH_ID_SIZE];
        if ((rc = resolve_id(db, deps[i], dep)) || (rc = write_dep_resolved(db, dep)))
            return db_rollback(db, rc);
        bool removed = false;
        if ((rc = db->ops->edge_remove(db, id, dep, &removed)))
            return db_rollback(db, rc);
        if (!removed)
            return db_rollback(
                db, db_fail(db, TASKORCH_ENOTFOUND, "task %s does not depend on %s", id, dep));
        char text[64];
        snprintf(text, sizeof text, "no longer depends on %s", dep);
        if ((rc = event_add(db, "dep_removed", id, text, NULL)))
            return db_rollback(db, rc);
    }
    if ((rc = status_reevaluate(db, id)) || (rc = write_record(db, &w, id)))
        return db_rollback(db, rc);
    if ((rc = db_commit(db)))
        return rc;
    write_done(db, id);
    return TASKORCH_OK;
}
