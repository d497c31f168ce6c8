/* gen_store.c - builds a benchmark store.
 *
 * usage: gen_store [--bulk] [--unassigned] DIR N_TASKS
 *                  [DEPS_PER_TASK [COMPLETED_PERCENT [SEED]]]
 *
 * Creates DIR/tasks.db holding N_TASKS tasks (random priority, one of 20
 * assignees or none, a tag on every tenth), completes the oldest
 * COMPLETED_PERCENT (default 50) of them, then gives each task up to
 * DEPS_PER_TASK (default 2) dependencies on distinct older tasks chosen at
 * random. --unassigned leaves every task unassigned (a queue anyone can
 * claim from).
 *
 * By default every write goes through the public API, so the store holds
 * what tm would have written (events, blocked exactly when a dependency is
 * unfinished); 100,000 tasks take seconds on a RAM disk, because every
 * task is its own transaction.
 *
 * --bulk is for the large stores (1,000,000 tasks): the library creates the
 * empty store (its current schema), then this program fills it with plain
 * SQL in one transaction, the same columns the library writes, with the
 * secondary indexes dropped during the load and re-created from their own
 * SQL afterwards. One task in four is assigned (the rest make a queue);
 * ids grow with creation order (random low bits) so the id index is
 * appended to. Each task gets a "created" event, each completed one a
 * "status" event (from pending to completed). Keep the columns in step
 * with libtaskorch/schema.c (schema 2: claims, leases and estimates stay
 * NULL, as for tasks never claimed; readiness is the status itself, blocked
 * exactly when a dependency is unfinished). bench_queue.py checks the
 * result through tm before measuring.
 *
 * Prints one line: "tasks N edges E completed C seconds S (per step)". The
 * mirror is off: it is a view of the store, not part of it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>
#include <taskorch.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: reproducible across runs for a given seed. */
static unsigned long long rng_state;

static unsigned long long rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static int die(taskorch_db *db, const char *what, int rc)
{
    fprintf(stderr, "gen_store: %s: %s (%s)\n", what, taskorch_strerror(rc),
            taskorch_db_errmsg(db));
    taskorch_db_close(db);
    return 1;
}

/* ---- --bulk ------------------------------------------------------------ */

static int sqlfail(sqlite3 *sql, const char *what)
{
    fprintf(stderr, "gen_store: %s: %s\n", what, sqlite3_errmsg(sql));
    sqlite3_close(sql);
    return 1;
}

static int exec(sqlite3 *sql, const char *stmt)
{
    return sqlite3_exec(sql, stmt, NULL, NULL, NULL);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static int bulk(const char *dir, long n, long per, long pct, bool unassigned)
{
    /* The library creates the store and its schema, then lets go. */
    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.flags = TASKORCH_OPEN_CREATE | TASKORCH_OPEN_NO_MIRROR;
    opts.agent = "generator";
    taskorch_db *db = NULL;
    int rc = taskorch_db_open(&db, dir, &opts);
    if (rc)
        return die(db, "open", rc);
    char *path = strdup(taskorch_db_path(db));
    taskorch_db_close(db);

    double t0 = now_s();
    sqlite3 *sql = NULL;
    if (sqlite3_open_v2(path, &sql, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return sqlfail(sql, path);
    free(path);
    /* No journal and no syncs while loading: a failed load is thrown away.
     * WAL again at the end, as the library keeps it. */
    if (exec(sql, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                  "PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-262144;"
                  "PRAGMA foreign_keys=OFF; PRAGMA threads=2;"))
        return sqlfail(sql, "pragmas");

    /* Secondary indexes of the loaded tables: saved, dropped, re-created
     * after the load (sorting once beats a million random inserts). */
    sqlite3_stmt *st = NULL;
    char *indexes[64];
    int n_idx = 0;
    if (sqlite3_prepare_v2(sql, "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                                " AND sql IS NOT NULL AND tbl_name IN"
                                " ('tasks', 'deps', 'tags', 'events')", -1, &st, NULL))
        return sqlfail(sql, "indexes");
    char drop[64 * 128] = "";
    while (sqlite3_step(st) == SQLITE_ROW && n_idx < 64) {
        indexes[n_idx++] = strdup((const char *)sqlite3_column_text(st, 1));
        snprintf(drop + strlen(drop), sizeof drop - strlen(drop), "DROP INDEX \"%s\";",
                 (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (exec(sql, "BEGIN") || exec(sql, drop))
        return sqlfail(sql, "dropping indexes");

    sqlite3_stmt *ins_task = NULL, *ins_dep = NULL, *ins_tag = NULL, *ins_ev = NULL;
    if (sqlite3_prepare_v2(sql,
            "INSERT INTO tasks (id, title, status, priority, assignee, created_by,"
            " created_at, updated_at, completed_at) VALUES (?1, ?2, ?3, ?4, ?5, 'generator',"
            " ?6, ?6, ?7)", -1, &ins_task, NULL) ||
        sqlite3_prepare_v2(sql, "INSERT INTO deps (task_id, dep_id, created_at)"
                                " VALUES (?1, ?2, ?3)", -1, &ins_dep, NULL) ||
        sqlite3_prepare_v2(sql, "INSERT INTO tags (task_id, tag) VALUES (?1, 'bench')", -1,
                           &ins_tag, NULL) ||
        sqlite3_prepare_v2(sql, "INSERT INTO events (ts, kind, task_id, agent, text, subject,"
                                " from_status, to_status) VALUES (?1, ?2, ?3, 'generator', ?4,"
                                " ?5, ?6, ?7)", -1, &ins_ev, NULL))
        return sqlfail(sql, "prepare");

    /* Ids: task i gets i * step + a random offset below step, so they grow
     * with i and stay unique. Times: one ms apart, ending now. */
    unsigned long long step = 0x100000000ull / (unsigned long long)n;
    long done = n * pct / 100;
    char (*ids)[TASKORCH_ID_SIZE] = malloc((size_t)n * sizeof *ids);
    if (!ids)
        return sqlfail(sql, "memory");
    long long t_end = (long long)time(NULL) * 1000, t_start = t_end - n;
    long edges = 0;
    for (long i = 0; i < n; i++) {
        snprintf(ids[i], TASKORCH_ID_SIZE, "%08llx",
                 (unsigned long long)i * step + rng() % step);
        long deps[16];
        long k = per < i ? per : i, m = 0;
        while (m < k) {
            long d = (long)(rng() % (unsigned long long)i);
            bool dup = false;
            for (long j = 0; j < m; j++)
                dup = dup || deps[j] == d;
            if (!dup)
                deps[m++] = d;
        }
        qsort(deps, (size_t)m, sizeof deps[0], cmp_long);
        bool blocked = false;
        for (long j = 0; j < m; j++)
            blocked = blocked || deps[j] >= done;
        int status = i < done ? TASKORCH_STATUS_COMPLETED
                              : blocked ? TASKORCH_STATUS_BLOCKED : TASKORCH_STATUS_PENDING;
        long long ts = t_start + i;
        char title[64], assignee[32];
        snprintf(title, sizeof title, "Benchmark task %ld", i);
        int prio = (int)(rng() % 4);
        long a = (long)(rng() % 80);
        bool assigned = !unassigned && a < 20;
        snprintf(assignee, sizeof assignee, "agent-%02ld", a);
        sqlite3_bind_text(ins_task, 1, ids[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_task, 2, title, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins_task, 3, status);
        sqlite3_bind_int(ins_task, 4, prio);
        if (assigned)
            sqlite3_bind_text(ins_task, 5, assignee, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins_task, 5);
        sqlite3_bind_int64(ins_task, 6, ts);
        if (status == TASKORCH_STATUS_COMPLETED)
            sqlite3_bind_int64(ins_task, 7, ts);
        else
            sqlite3_bind_null(ins_task, 7);
        if (sqlite3_step(ins_task) != SQLITE_DONE)
            return sqlfail(sql, "insert task");
        sqlite3_reset(ins_task);
        for (long j = 0; j < m; j++) {
            sqlite3_bind_text(ins_dep, 1, ids[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_dep, 2, ids[deps[j]], -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins_dep, 3, ts);
            if (sqlite3_step(ins_dep) != SQLITE_DONE)
                return sqlfail(sql, "insert dep");
            sqlite3_reset(ins_dep);
            edges++;
        }
        if (i % 10 == 0) {
            sqlite3_bind_text(ins_tag, 1, ids[i], -1, SQLITE_STATIC);
            if (sqlite3_step(ins_tag) != SQLITE_DONE)
                return sqlfail(sql, "insert tag");
            sqlite3_reset(ins_tag);
        }
        sqlite3_bind_int64(ins_ev, 1, ts);
        sqlite3_bind_text(ins_ev, 2, "created", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_ev, 3, ids[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_ev, 4, title, -1, SQLITE_STATIC);
        if (assigned)
            sqlite3_bind_text(ins_ev, 5, assignee, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins_ev, 5);
        sqlite3_bind_null(ins_ev, 6);
        sqlite3_bind_null(ins_ev, 7);
        if (sqlite3_step(ins_ev) != SQLITE_DONE)
            return sqlfail(sql, "insert event");
        sqlite3_reset(ins_ev);
    }
    /* Completions after the creations, as they would have happened. */
    for (long i = 0; i < done; i++) {
        sqlite3_bind_int64(ins_ev, 1, t_end);
        sqlite3_bind_text(ins_ev, 2, "status", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_ev, 3, ids[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_ev, 4, "pending -> completed", -1, SQLITE_STATIC);
        sqlite3_bind_null(ins_ev, 5);
        sqlite3_bind_int(ins_ev, 6, TASKORCH_STATUS_PENDING);
        sqlite3_bind_int(ins_ev, 7, TASKORCH_STATUS_COMPLETED);
        if (sqlite3_step(ins_ev) != SQLITE_DONE)
            return sqlfail(sql, "insert event");
        sqlite3_reset(ins_ev);
    }
    sqlite3_finalize(ins_task);
    sqlite3_finalize(ins_dep);
    sqlite3_finalize(ins_tag);
    sqlite3_finalize(ins_ev);
    free(ids);

    double t1 = now_s();
    for (int i = 0; i < n_idx; i++) {
        if (exec(sql, indexes[i]))
            return sqlfail(sql, indexes[i]);
        free(indexes[i]);
    }
    double t2 = now_s();
    if (exec(sql, "COMMIT") || exec(sql, "PRAGMA locking_mode=NORMAL") ||
        exec(sql, "PRAGMA journal_mode=WAL"))
        return sqlfail(sql, "commit");
    sqlite3_close(sql);
    double t3 = now_s();
    printf("tasks %ld edges %ld completed %ld seconds %.1f (insert %.1f, indexes %.1f, "
           "commit %.1f)\n", n, edges, done, t3 - t0, t1 - t0, t2 - t1, t3 - t2);
    return 0;
}

int main(int argc, char **argv)
{
    bool bulk_mode = false, unassigned = false;
    while (argc > 1 && !strncmp(argv[1], "--", 2)) {
        if (!strcmp(argv[1], "--bulk"))
            bulk_mode = true;
        else if (!strcmp(argv[1], "--unassigned"))
            unassigned = true;
        else
            break; /* an unknown flag: usage below */
        argc--;
        argv++;
    }
    if (argc < 3 || argc > 6 || !strncmp(argv[1], "--", 2)) {
        fprintf(stderr, "usage: gen_store [--bulk] [--unassigned] DIR N_TASKS "
                        "[DEPS_PER_TASK [COMPLETED_PERCENT [SEED]]]\n");
        return 2;
    }
    const char *dir = argv[1];
    long n = strtol(argv[2], NULL, 10);
    long per = argc > 3 ? strtol(argv[3], NULL, 10) : 2;
    long pct = argc > 4 ? strtol(argv[4], NULL, 10) : 50;
    rng_state = argc > 5 ? strtoull(argv[5], NULL, 10) : 42;
    if (!rng_state)
        rng_state = 42;
    if (n < 1 || per < 0 || per > 16 || pct < 0 || pct > 100) {
        fprintf(stderr, "gen_store: bad arguments\n");
        return 2;
    }
    if (bulk_mode)
        return bulk(dir, n, per, pct, unassigned);

    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.flags = TASKORCH_OPEN_CREATE | TASKORCH_OPEN_NO_MIRROR;
    opts.agent = "generator";
    taskorch_db *db = NULL;
    int rc = taskorch_db_open(&db, dir, &opts);
    if (rc)
        return die(db, "open", rc);

    char (*ids)[TASKORCH_ID_SIZE] = malloc((size_t)n * sizeof *ids);
    if (!ids)
        return die(db, "memory", TASKORCH_ENOMEM);
    double t0 = now_s();

    static const char *const tag_bench[] = { "bench" };
    for (long i = 0; i < n; i++) {
        char title[64], assignee[32];
        snprintf(title, sizeof title, "Benchmark task %ld", i);
        taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
        spec.title = title;
        spec.priority = (int)(rng() % 4);
        long a = (long)(rng() % 21);
        if (a < 20 && !unassigned) {
            snprintf(assignee, sizeof assignee, "agent-%02ld", a);
            spec.assignee = assignee;
        }
        if (i % 10 == 0) {
            spec.tags = tag_bench;
            spec.n_tags = 1;
        }
        taskorch_task *t = NULL;
        if ((rc = taskorch_task_create(&t, db, &spec)))
            return die(db, "create", rc);
        memcpy(ids[i], taskorch_task_id(t), TASKORCH_ID_SIZE);
        taskorch_task_free(t);
    }

    /* Completing before any edge exists keeps each completion cheap
     * (nothing is blocked yet, so there is nothing to unblock); the edges
     * added next all point to older tasks, so a completed task only ever
     * depends on completed ones and the invariants hold as if the work had
     * happened in order. */
    double t1 = now_s();
    long done = n * pct / 100;
    for (long i = 0; i < done; i++)
        if ((rc = taskorch_task_complete(db, ids[i], NULL, 0)))
            return die(db, "complete", rc);

    /* Newest task first: an edge task -> dep is cycle-checked by walking
     * dep's prerequisites, which do not exist yet in this order; oldest
     * first would make each walk, and the whole build, grow with the store. */
    double t2 = now_s();
    long edges = 0;
    for (long i = n - 1; i > 0; i--) {
        const char *deps[16];
        long k = per < i ? per : i;
        size_t m = 0;
        while ((long)m < k) {
            const char *d = ids[rng() % (unsigned long long)i];
            bool dup = false;
            for (size_t j = 0; j < m; j++)
                dup = dup || deps[j] == d;
            if (!dup)
                deps[m++] = d;
        }
        if (m && (rc = taskorch_dep_add(db, ids[i], deps, m)))
            return die(db, "dep add", rc);
        edges += (long)m;
    }

    double t3 = now_s();
    printf("tasks %ld edges %ld completed %ld seconds %.1f (create %.1f, complete %.1f, edges %.1f)\n",
           n, edges, done, t3 - t0, t1 - t0, t2 - t1, t3 - t2);
    free(ids);
    /* The library keeps its WAL (up to 1 MiB of recent commits): fold it
     * into tasks.db, which the benchmarks copy on its own. */
    char *path = strdup(taskorch_db_path(db));
    taskorch_db_close(db);
    sqlite3 *sql = NULL;
    if (!path || sqlite3_open_v2(path, &sql, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        exec(sql, "PRAGMA wal_checkpoint(TRUNCATE)"))
        return sqlfail(sql, "checkpoint");
    sqlite3_close(sql);
    free(path);
    return 0;
}
