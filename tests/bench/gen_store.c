/* gen_store.c - builds a benchmark store through the public API only.
 *
 * usage: gen_store DIR N_TASKS [DEPS_PER_TASK [COMPLETED_PERCENT [SEED]]]
 *
 * Creates DIR/tasks.db holding N_TASKS tasks (random priority, one of 20
 * assignees or none, a tag on every tenth), completes the oldest
 * COMPLETED_PERCENT (default 50) of them, then gives each task up to
 * DEPS_PER_TASK (default 2) dependencies on distinct older tasks chosen at
 * random. Because every write goes through the library, the store holds
 * what tm would have written (events, blocked exactly when a dependency is
 * unfinished), and building 100,000 tasks takes seconds on a RAM disk.
 *
 * The order of the steps keeps each call cheap; see the comments below.
 *
 * Prints one line: "tasks N edges E completed C seconds S (per step)". The
 * mirror is off: it is a view of the store, not part of it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 6) {
        fprintf(stderr, "usage: gen_store DIR N_TASKS [DEPS_PER_TASK [COMPLETED_PERCENT [SEED]]]\n");
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
        if (a < 20) {
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
    taskorch_db_close(db);
    return 0;
}
