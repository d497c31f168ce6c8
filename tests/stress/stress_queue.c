/* stress_queue.c - the queue race tests' racing processes, through the C API.
 *
 * One program, several roles, each run as its own process by the Python
 * drivers (test_queue_*.py). Every role opens the store given as STORE with
 * the agent id AGENT and prints what it did, one line per fact, flushed at
 * once, so that a driver can read a killed process's output up to its death.
 *
 *   setup STORE N SEED
 *       Creates N tasks: three in four ready at once (mixed priorities),
 *       the rest depending on one to three earlier tasks, so that they
 *       become ready while the workers run. Prints "tasks N blocked B".
 *   worker STORE AGENT LEASE_MS HOLD_MAX_MS SEED
 *       The crash-safe agent loop: claim (waiting up to 200 ms for work,
 *       with a lease of LEASE_MS; <= 0: none) -> hold 0..HOLD_MAX_MS ms ->
 *       complete under its claim number (write option claim), until no task
 *       is pending, blocked or in progress. Prints "claimed ID N" before
 *       holding and "completed ID N" after; a completion refused because
 *       the claim was superseded prints "refused ID N CODE" (and the loop
 *       goes on); anything else unexpected prints "error ..." to stderr and
 *       exits 1.
 *   add STORE AGENT REQUEST_ID TITLE
 *       taskorch_task_create with a request id (taskorch_db_next_write).
 *       Prints the task id; on failure "error CODE_NAME message" to stderr
 *       and exit 5 for TASKORCH_EREQUEST, 1 otherwise.
 *   post STORE AGENT TASK REQUEST_ID TEXT
 *       A shared update with a request id: prints the message id; errors as
 *       for add.
 *   wait STORE AGENT TIMEOUT_MS [ID...]
 *       Prints "waiting", then taskorch_task_wait (no ids: until nothing is
 *       pending, blocked or in progress). Prints "done", exit 0; on timeout
 *       "timeout" and the ids not done, exit 1.
 *   claimwait STORE AGENT TIMEOUT_MS
 *       Prints "waiting", then a claim with TASKORCH_CLAIM_WAIT; prints
 *       "claimed ID N", exit 0; on timeout "timeout", exit 1.
 *   events STORE
 *       Dumps the change feed through the public getters, one event a line,
 *       tab-separated: id kind task agent from to assignee claim forced.
 *       Absent values are "-".
 *   tasks STORE
 *       Dumps every task: id status assignee claim_number lease_expires.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <taskorch.h>

static const char *code_name(int rc)
{
    switch (rc) {
    case TASKORCH_OK: return "OK";
    case TASKORCH_EINVAL: return "EINVAL";
    case TASKORCH_ENOTFOUND: return "ENOTFOUND";
    case TASKORCH_ECONFLICT: return "ECONFLICT";
    case TASKORCH_EREQUEST: return "EREQUEST";
    case TASKORCH_ETIMEOUT: return "ETIMEOUT";
    case TASKORCH_EBUSY: return "EBUSY";
    case TASKORCH_EBLOCKED: return "EBLOCKED";
    case TASKORCH_ESTORE: return "ESTORE";
    default: return "OTHER";
    }
}

static int fail(taskorch_db *db, const char *what, int rc)
{
    fprintf(stderr, "error %s %s: %s\n", code_name(rc), what, taskorch_db_errmsg(db));
    return rc == TASKORCH_EREQUEST ? 5 : 1;
}

static taskorch_db *open_store(const char *store, const char *agent, int create)
{
    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.agent = agent;
    opts.flags = TASKORCH_OPEN_NO_MIRROR | (create ? TASKORCH_OPEN_CREATE : 0u);
    /* Generous: 16 writers on two cores under a sanitizer. A lock wait
     * this long is a hang, reported as an error. */
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

static unsigned long long rng_state = 88172645463325252ull;

static unsigned long long rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts))
        ;
}

static int setup(const char *store, long n, unsigned long long seed)
{
    taskorch_db *db = open_store(store, "setup", 1);
    if (!db)
        return 1;
    rng_state = seed ? seed : 1;
    char (*ids)[TASKORCH_ID_SIZE] = calloc((size_t)n, sizeof *ids);
    long blocked = 0;
    for (long i = 0; i < n; i++) {
        char title[64];
        snprintf(title, sizeof title, "queue task %ld", i);
        taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
        spec.title = title;
        spec.priority = (int)(rng() % 4);
        const char *deps[3];
        /* One task in four (never among the first 100) waits for one to
         * three random earlier tasks. */
        if (i >= 100 && rng() % 4 == 0) {
            size_t k = 1 + rng() % 3;
            for (size_t j = 0; j < k; j++)
                deps[j] = ids[rng() % (unsigned long long)i];
            /* Drop duplicates. */
            size_t m = 0;
            for (size_t j = 0; j < k; j++) {
                int dup = 0;
                for (size_t l = 0; l < m; l++)
                    dup |= deps[l] == deps[j];
                if (!dup)
                    deps[m++] = deps[j];
            }
            spec.depends_on = deps;
            spec.n_depends_on = m;
        }
        taskorch_task *t = NULL;
        int rc = taskorch_task_create(&t, db, &spec);
        if (rc) {
            free(ids);
            rc = fail(db, "create", rc);
            taskorch_db_close(db);
            return rc;
        }
        memcpy(ids[i], taskorch_task_id(t), TASKORCH_ID_SIZE);
        blocked += taskorch_task_status(t) == TASKORCH_STATUS_BLOCKED;
        taskorch_task_free(t);
    }
    printf("tasks %ld blocked %ld\n", n, blocked);
    free(ids);
    taskorch_db_close(db);
    return 0;
}

/* Whether no task is pending, blocked or in progress: 1 yes, 0 no, < 0 error. */
static int all_done(taskorch_db *db)
{
    int rc = taskorch_task_wait(NULL, db, NULL, 0, TASKORCH_WAIT_COMPLETED, 0);
    if (rc == TASKORCH_OK)
        return 1;
    if (rc == TASKORCH_ETIMEOUT)
        return 0;
    return fail(db, "wait --all", rc), -1;
}

static int worker(const char *store, const char *agent, long lease_ms, long hold_max_ms,
                  unsigned long long seed)
{
    taskorch_db *db = open_store(store, agent, 0);
    if (!db)
        return 1;
    rng_state = seed ? seed : 1;
    int rc = 0;
    for (;;) {
        taskorch_claim_options opts = TASKORCH_CLAIM_OPTIONS_INIT;
        opts.lease_ms = lease_ms > 0 ? lease_ms : -1;
        opts.flags = TASKORCH_CLAIM_WAIT;
        opts.wait_ms = 200;
        taskorch_task *t = NULL;
        rc = taskorch_task_claim_v2(&t, db, NULL, &opts);
        if (rc == TASKORCH_ETIMEOUT || rc == TASKORCH_ENOTFOUND) {
            /* Nothing claimable now: either everything is done, or the rest
             * is blocked behind other workers' tasks or held under leases. */
            int done = all_done(db);
            if (done < 0) {
                rc = 1;
                break;
            }
            if (done) {
                rc = 0;
                break;
            }
            continue;
        }
        if (rc) {
            rc = fail(db, "claim", rc);
            break;
        }
        char id[TASKORCH_ID_SIZE];
        memcpy(id, taskorch_task_id(t), TASKORCH_ID_SIZE);
        int64_t claim = taskorch_task_claim_number(t);
        int status = taskorch_task_status(t);
        const char *assignee = taskorch_task_assignee(t);
        int mine = assignee && !strcmp(assignee, agent);
        taskorch_task_free(t);
        printf("claimed %s %" PRId64 "\n", id, claim);
        fflush(stdout);
        if (status != TASKORCH_STATUS_IN_PROGRESS || !mine || claim <= 0) {
            fprintf(stderr, "error claim returned %s with status %d, assignee %s, claim %" PRId64
                    "\n", id, status, mine ? "me" : "another", claim);
            rc = 1;
            break;
        }
        if (hold_max_ms > 0)
            sleep_ms((long)(rng() % (unsigned long long)(hold_max_ms + 1)));
        taskorch_write_options w = TASKORCH_WRITE_OPTIONS_INIT;
        w.claim = claim;
        if ((rc = taskorch_db_next_write(db, &w))) {
            rc = fail(db, "next_write", rc);
            break;
        }
        rc = taskorch_task_complete(db, id, NULL, 0);
        if (rc == TASKORCH_ECONFLICT) {
            /* Our lease ran out while we held the task (a paused process)
             * and another agent claimed it, or completed it since. */
            printf("refused %s %" PRId64 " %s\n", id, claim, code_name(rc));
            fflush(stdout);
            continue;
        }
        if (rc) {
            rc = fail(db, "complete", rc);
            break;
        }
        printf("completed %s %" PRId64 "\n", id, claim);
        fflush(stdout);
    }
    taskorch_db_close(db);
    return rc;
}

static int add(const char *store, const char *agent, const char *request_id, const char *title)
{
    taskorch_db *db = open_store(store, agent, 0);
    if (!db)
        return 1;
    taskorch_write_options w = TASKORCH_WRITE_OPTIONS_INIT;
    w.request_id = request_id;
    int rc = taskorch_db_next_write(db, &w);
    taskorch_task *t = NULL;
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = title;
    if (!rc)
        rc = taskorch_task_create(&t, db, &spec);
    if (rc)
        rc = fail(db, "add", rc);
    else
        printf("%s\n", taskorch_task_id(t));
    taskorch_task_free(t);
    taskorch_db_close(db);
    return rc;
}

static int post(const char *store, const char *agent, const char *task, const char *request_id,
                const char *text)
{
    taskorch_db *db = open_store(store, agent, 0);
    if (!db)
        return 1;
    int64_t msg = 0;
    int rc = taskorch_msg_post(&msg, db, task, TASKORCH_MSG_SHARE, text, request_id);
    if (rc)
        rc = fail(db, "post", rc);
    else
        printf("%" PRId64 "\n", msg);
    taskorch_db_close(db);
    return rc;
}

static int wait_tasks(const char *store, const char *agent, int timeout_ms, char **ids, int n)
{
    taskorch_db *db = open_store(store, agent, 0);
    if (!db)
        return 1;
    printf("waiting\n");
    fflush(stdout);
    char **not_done = NULL;
    int rc = taskorch_task_wait(&not_done, db, (const char *const *)ids, (size_t)n,
                                TASKORCH_WAIT_COMPLETED, timeout_ms);
    if (rc == TASKORCH_OK) {
        printf("done\n");
    } else if (rc == TASKORCH_ETIMEOUT) {
        printf("timeout\n");
        for (char **p = not_done; p && *p; p++)
            printf("%s\n", *p);
        rc = 1;
    } else {
        rc = fail(db, "wait", rc);
    }
    taskorch_free(not_done);
    taskorch_db_close(db);
    return rc;
}

static int claim_wait(const char *store, const char *agent, int timeout_ms)
{
    taskorch_db *db = open_store(store, agent, 0);
    if (!db)
        return 1;
    printf("waiting\n");
    fflush(stdout);
    taskorch_claim_options opts = TASKORCH_CLAIM_OPTIONS_INIT;
    opts.flags = TASKORCH_CLAIM_WAIT;
    opts.wait_ms = timeout_ms;
    taskorch_task *t = NULL;
    int rc = taskorch_task_claim_v2(&t, db, NULL, &opts);
    if (rc == TASKORCH_OK) {
        printf("claimed %s %" PRId64 "\n", taskorch_task_id(t), taskorch_task_claim_number(t));
    } else if (rc == TASKORCH_ETIMEOUT) {
        printf("timeout\n");
        rc = 1;
    } else {
        rc = fail(db, "claim --wait", rc);
    }
    taskorch_task_free(t);
    taskorch_db_close(db);
    return rc;
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

static int dump_events(const char *store)
{
    taskorch_db *db = open_store(store, "checker", 0);
    if (!db)
        return 1;
    taskorch_event_iter *it = NULL;
    int rc = taskorch_event_iter_new(&it, db, NULL);
    const taskorch_event *ev;
    while (!rc && (rc = taskorch_event_iter_next(it, &ev)) == TASKORCH_OK) {
        int from = taskorch_event_from(ev), to = taskorch_event_to(ev);
        printf("%" PRId64 "\t%s\t%s\t%s\t%s\t%s\t%s\t%" PRId64 "\t%d\n", taskorch_event_id(ev),
               taskorch_event_kind(ev), or_dash(taskorch_event_task_id(ev)),
               or_dash(taskorch_event_agent(ev)),
               from >= 0 ? taskorch_status_name(from) : "-",
               to >= 0 ? taskorch_status_name(to) : "-", or_dash(taskorch_event_assignee(ev)),
               taskorch_event_claim(ev), taskorch_event_forced(ev));
    }
    taskorch_event_iter_free(it);
    if (rc != TASKORCH_ITEROVER)
        return fail(db, "events", rc);
    taskorch_db_close(db);
    return 0;
}

static int dump_tasks(const char *store)
{
    taskorch_db *db = open_store(store, "checker", 0);
    if (!db)
        return 1;
    taskorch_task_iter *it = NULL;
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.sort = TASKORCH_SORT_CREATED;
    q.flags = TASKORCH_QUERY_DETAILS;
    int rc = taskorch_task_iter_new(&it, db, &q);
    const taskorch_task *t;
    while (!rc && (rc = taskorch_task_iter_next(it, &t)) == TASKORCH_OK) {
        printf("%s\t%s\t%s\t%" PRId64 "\t%" PRId64 "\t", taskorch_task_id(t),
               taskorch_status_name(taskorch_task_status(t)), or_dash(taskorch_task_assignee(t)),
               taskorch_task_claim_number(t), taskorch_task_lease_expires(t));
        size_t n = taskorch_task_dep_count(t);
        for (size_t i = 0; i < n; i++)
            printf("%s%s", i ? "," : "", taskorch_task_dep_id(t, i));
        printf("%s\n", n ? "" : "-");
    }
    taskorch_task_iter_free(it);
    if (rc != TASKORCH_ITEROVER)
        return fail(db, "tasks", rc);
    taskorch_db_close(db);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: stress_queue setup|worker|add|post|wait|claimwait|events|tasks "
                    "STORE ...\n");
    return 2;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3)
        return usage();
    const char *role = argv[1], *store = argv[2];
    if (!strcmp(role, "setup") && argc == 5)
        return setup(store, strtol(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
    if (!strcmp(role, "worker") && argc == 7)
        return worker(store, argv[3], strtol(argv[4], NULL, 10), strtol(argv[5], NULL, 10),
                      strtoull(argv[6], NULL, 10));
    if (!strcmp(role, "add") && argc == 6)
        return add(store, argv[3], argv[4], argv[5]);
    if (!strcmp(role, "post") && argc == 7)
        return post(store, argv[3], argv[4], argv[5], argv[6]);
    if (!strcmp(role, "wait") && argc >= 5)
        return wait_tasks(store, argv[3], atoi(argv[4]), argv + 5, argc - 5);
    if (!strcmp(role, "claimwait") && argc == 5)
        return claim_wait(store, argv[3], atoi(argv[4]));
    if (!strcmp(role, "events") && argc == 3)
        return dump_events(store);
    if (!strcmp(role, "tasks") && argc == 3)
        return dump_tasks(store);
    return usage();
}
