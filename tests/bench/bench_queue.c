/* bench_queue.c - the processes of the queue benchmark (bench_queue.py).
 *
 *   claim STORE AGENT LEASE_MS GATE_FD
 *       A claimer through the library, as a long-running agent is: opens
 *       the store, waits for one byte on GATE_FD (the start line), then
 *       loops claim (taskorch_task_claim_v2; LEASE_MS > 0: with that lease,
 *       else none) -> complete under the claim number, until nothing is
 *       claimable. Prints "units N" (claim-and-complete pairs done).
 *   floor-init FILE
 *       Creates the floor's SQLite database: one table of counters.
 *   floor FILE SLOT UNITS GATE_FD
 *       The floor: SQLite directly, as the library configures it (WAL,
 *       synchronous=FULL, a jittered 100-500 us busy handler, BEGIN
 *       IMMEDIATE). After the start line, UNITS times: two minimal durable
 *       write transactions (each updates this process's counter row SLOT).
 *       Prints "units N".
 *   ops STORE AGENT ITERATIONS TASK_ID
 *       Times single library calls on an open handle, ITERATIONS times
 *       each, round-robin: the ready query (TASKORCH_QUERY_READY, limit 10),
 *       a claim (taskorch_task_claim_v2 of the best task; then released
 *       with TASKORCH_RELEASE_UNASSIGN, untimed, so the store stays as it
 *       was), and taskorch_task_wait on TASK_ID, a completed task (already
 *       satisfied, timeout 0). Prints "ready_us claim_us wait_us" medians,
 *       in microseconds.
 *
 * Exit 0 on success; on any failure a message on stderr and exit 1. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <taskorch.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fail(taskorch_db *db, const char *what, int rc)
{
    fprintf(stderr, "bench_queue: %s: %s (%s)\n", what, taskorch_strerror(rc),
            taskorch_db_errmsg(db));
    return 1;
}

static int wait_gate(const char *fd_text)
{
    int fd = atoi(fd_text);
    char byte;
    ssize_t n = read(fd, &byte, 1);
    close(fd);
    if (n != 1) {
        fprintf(stderr, "bench_queue: no start signal\n");
        return 1;
    }
    return 0;
}

static taskorch_db *open_store(const char *store, const char *agent)
{
    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.agent = agent;
    opts.flags = TASKORCH_OPEN_NO_MIRROR;
    opts.busy_timeout_ms = 60000;
    taskorch_db *db = NULL;
    int rc = taskorch_db_open(&db, store, &opts);
    if (rc) {
        fail(db, "open", rc);
        taskorch_db_close(db);
        return NULL;
    }
    return db;
}

static int claimer(const char *store, const char *agent, long lease_ms, const char *gate)
{
    taskorch_db *db = open_store(store, agent);
    if (!db)
        return 1;
    if (wait_gate(gate))
        return 1;
    long units = 0;
    int rc;
    for (;;) {
        taskorch_claim_options opts = TASKORCH_CLAIM_OPTIONS_INIT;
        opts.lease_ms = lease_ms > 0 ? lease_ms : -1;
        taskorch_task *t = NULL;
        rc = taskorch_task_claim_v2(&t, db, NULL, &opts);
        if (rc == TASKORCH_ENOTFOUND) {
            rc = 0;
            break;
        }
        if (rc) {
            rc = fail(db, "claim", rc);
            break;
        }
        char id[TASKORCH_ID_SIZE];
        memcpy(id, taskorch_task_id(t), TASKORCH_ID_SIZE);
        taskorch_write_options w = TASKORCH_WRITE_OPTIONS_INIT;
        w.claim = taskorch_task_claim_number(t);
        taskorch_task_free(t);
        if ((rc = taskorch_db_next_write(db, &w)) ||
            (rc = taskorch_task_complete(db, id, NULL, 0))) {
            rc = fail(db, "complete", rc);
            break;
        }
        units++;
    }
    taskorch_db_close(db);
    if (!rc)
        printf("units %ld\n", units);
    return rc;
}

/* The library's busy handler, copied: 100-500 us jittered sleeps, backing
 * off to 0.5-2 ms after 20 tries, for at most 60 s. */
static int floor_busy(void *arg, int count)
{
    static uint64_t x = 0;
    if (!x)
        x = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull | 1;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    uint32_t r = (uint32_t)((x * 2685821657736338717ull) >> 32);
    int64_t *started = arg;
    if (count == 0)
        *started = now_ns();
    if (now_ns() - *started > 60 * (int64_t)1000000000)
        return 0;
    uint32_t base = count < 20 ? 100 : 500, span = count < 20 ? 400 : 1500;
    struct timespec ts = {0, (long)(base + r % span) * 1000L};
    nanosleep(&ts, NULL);
    return 1;
}

static int sqlfail(sqlite3 *sql, const char *what)
{
    fprintf(stderr, "bench_queue: %s: %s\n", what, sqlite3_errmsg(sql));
    sqlite3_close(sql);
    return 1;
}

static int floor_open(sqlite3 **sql, const char *file, int64_t *busy_started)
{
    if (sqlite3_open(file, sql) != SQLITE_OK)
        return sqlfail(*sql, file);
    sqlite3_busy_handler(*sql, floor_busy, busy_started);
    if (sqlite3_exec(*sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                     NULL))
        return sqlfail(*sql, "pragmas");
    return 0;
}

static int floor_init(const char *file)
{
    sqlite3 *sql = NULL;
    int64_t started = 0;
    if (floor_open(&sql, file, &started))
        return 1;
    if (sqlite3_exec(sql, "CREATE TABLE counters (slot INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
                          "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s"
                          " WHERE i < 63) INSERT INTO counters SELECT i, 0 FROM s;",
                     NULL, NULL, NULL))
        return sqlfail(sql, "create");
    sqlite3_close(sql);
    return 0;
}

static int floor_run(const char *file, int slot, long units, const char *gate)
{
    sqlite3 *sql = NULL;
    int64_t started = 0;
    if (floor_open(&sql, file, &started))
        return 1;
    sqlite3_stmt *begin = NULL, *upd = NULL, *commit = NULL;
    if (sqlite3_prepare_v2(sql, "BEGIN IMMEDIATE", -1, &begin, NULL) ||
        sqlite3_prepare_v2(sql, "UPDATE counters SET n = n + 1 WHERE slot = ?", -1, &upd,
                           NULL) ||
        sqlite3_prepare_v2(sql, "COMMIT", -1, &commit, NULL))
        return sqlfail(sql, "prepare");
    sqlite3_bind_int(upd, 1, slot);
    if (wait_gate(gate))
        return 1;
    for (long i = 0; i < units * 2; i++) {
        if (sqlite3_step(begin) != SQLITE_DONE || sqlite3_step(upd) != SQLITE_DONE ||
            sqlite3_step(commit) != SQLITE_DONE)
            return sqlfail(sql, "transaction");
        sqlite3_reset(begin);
        sqlite3_reset(upd);
        sqlite3_reset(commit);
    }
    sqlite3_finalize(begin);
    sqlite3_finalize(upd);
    sqlite3_finalize(commit);
    sqlite3_close(sql);
    printf("units %ld\n", units);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double median_us(int64_t *v, long n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    return (n % 2 ? (double)v[n / 2] : (double)(v[n / 2 - 1] + v[n / 2]) / 2) / 1000.0;
}

static int ops(const char *store, const char *agent, long iterations, const char *done_id)
{
    taskorch_db *db = open_store(store, agent);
    if (!db)
        return 1;
    int64_t *t_ready = calloc((size_t)iterations, sizeof(int64_t));
    int64_t *t_claim = calloc((size_t)iterations, sizeof(int64_t));
    int64_t *t_wait = calloc((size_t)iterations, sizeof(int64_t));
    int rc = 0;
    const char *const ids[1] = { done_id };
    for (long i = 0; i < iterations && !rc; i++) {
        int64_t t0 = now_ns();
        taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
        q.flags = TASKORCH_QUERY_READY;
        q.limit = 10;
        taskorch_task_iter *it = NULL;
        if ((rc = taskorch_task_iter_new(&it, db, &q)))
            return fail(db, "ready", rc);
        const taskorch_task *item;
        size_t seen = 0;
        while (taskorch_task_iter_next(it, &item) == TASKORCH_OK)
            seen++;
        taskorch_task_iter_free(it);
        int64_t t1 = now_ns();
        if (seen != 10) {
            fprintf(stderr, "bench_queue: ready listed %zu tasks, not 10\n", seen);
            return 1;
        }

        taskorch_claim_options opts = TASKORCH_CLAIM_OPTIONS_INIT;
        opts.lease_ms = -1;
        taskorch_task *t = NULL;
        int64_t t2 = now_ns();
        if ((rc = taskorch_task_claim_v2(&t, db, NULL, &opts)))
            return fail(db, "claim", rc);
        int64_t t3 = now_ns();
        rc = taskorch_task_release(db, taskorch_task_id(t), TASKORCH_RELEASE_UNASSIGN);
        taskorch_task_free(t);
        if (rc)
            return fail(db, "release", rc);

        int64_t t4 = now_ns();
        if ((rc = taskorch_task_wait(NULL, db, ids, 1, TASKORCH_WAIT_COMPLETED, 0)))
            return fail(db, "wait", rc);
        int64_t t5 = now_ns();
        t_ready[i] = t1 - t0;
        t_claim[i] = t3 - t2;
        t_wait[i] = t5 - t4;
    }
    printf("%.1f %.1f %.1f\n", median_us(t_ready, iterations), median_us(t_claim, iterations),
           median_us(t_wait, iterations));
    free(t_ready);
    free(t_claim);
    free(t_wait);
    taskorch_db_close(db);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_queue claim STORE AGENT LEASE_MS GATE_FD\n"
                    "       bench_queue floor-init FILE\n"
                    "       bench_queue floor FILE SLOT UNITS GATE_FD\n"
                    "       bench_queue ops STORE AGENT ITERATIONS TASK_ID\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const char *role = argv[1];
    if (!strcmp(role, "claim") && argc == 6)
        return claimer(argv[2], argv[3], strtol(argv[4], NULL, 10), argv[5]);
    if (!strcmp(role, "floor-init") && argc == 3)
        return floor_init(argv[2]);
    if (!strcmp(role, "floor") && argc == 6)
        return floor_run(argv[2], atoi(argv[3]), strtol(argv[4], NULL, 10), argv[5]);
    if (!strcmp(role, "ops") && argc == 6)
        return ops(argv[2], argv[3], strtol(argv[4], NULL, 10), argv[5]);
    return usage();
}
