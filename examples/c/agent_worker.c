/*
 * agent_worker.c - a specialist agent that links libtaskorch directly, and
 * survives its own crashes.
 *
 * It claims the ready tasks assigned to it (pending, every dependency
 * completed), highest priority first, one at a time, each under a lease:
 * if the worker dies, the task is free for others once the lease ends. It
 * posts progress on the task's channel, renews the lease between steps
 * (a heartbeat), and completes the task with a summary, passing its claim
 * number with every write so that nothing it does lands on a task someone
 * else has claimed since. It claims again, so tasks its own completions
 * unblock are worked in the same run, and stops when nothing is left.
 *
 * Restarted after a crash, it first resumes the task it still holds
 * (TASKORCH_CLAIM_RESUME): same claim, lease renewed. Its progress posts
 * carry request ids made from the task and claim, so a resumed task does
 * not get a second "Started" post.
 *
 * Usage: agent_worker [--db PATH] [--agent NAME] [--lease DURATION]
 *   --db PATH        the store (a *.db file or a folder holding tasks.db);
 *                    default: located like tm does (TM_DB_PATH, then the
 *                    nearest .task-orchestrator/ folder). Never created.
 *   --agent NAME     the agent to work as; default: TM_AGENT_ID.
 *   --lease DURATION how long the worker may be silent before its task is
 *                    given to others (90s, 5m, 1h); default 5m.
 *
 * Output: one line per completed task ("completed ID TITLE"), then
 * "NAME: completed N task(s)", or "NAME: no ready work" when there was
 * nothing to do. A task lost to another agent mid-work (the lease ended and
 * someone re-claimed it) is reported on stderr as "agent_worker: lost ..."
 * and the worker carries on. Errors: one line on stderr starting
 * "agent_worker: error: ".
 *
 * Exit status (the same numbers tm uses):
 *   0  ran until no ready work was left, including finding none at all
 *   1  a library call failed while working
 *   2  usage error (unknown option, missing value, no agent given)
 *   4  the store is missing (it is not created) or cannot be used
 *   5  the agent id or the lease is not valid
 *
 * Several workers may run under one agent id, or many agents against one
 * store: a claim is one transaction, so every task is taken exactly once.
 *
 * Build outside the source tree (see Makefile):
 *   cc -o agent_worker agent_worker.c $(pkg-config --cflags --libs taskorch)
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <taskorch.h>

enum { EXIT_WORK_FAILED = 1, EXIT_USAGE = 2, EXIT_STORE = 4, EXIT_BAD_VALUE = 5 };

static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("agent_worker: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

static int fail_lib(taskorch_db *db, int rc, const char *what)
{
    const char *detail = taskorch_db_errmsg(db);
    return fail(EXIT_WORK_FAILED, "%s: %s", what, *detail ? detail : taskorch_strerror(rc));
}

/* Opens an existing store. A missing one is reported, never created. */
static int open_store(taskorch_db **out, const char *path, const char *agent)
{
    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.flags = TASKORCH_OPEN_FROM_ENV; /* TM_DB_PATH without --db, as tm */
    opts.agent = agent;
    int rc = taskorch_db_open(out, path, &opts);
    if (rc == TASKORCH_OK)
        return 0;
    if (rc == TASKORCH_ENOMEM)
        return fail(EXIT_WORK_FAILED, "%s", taskorch_strerror(rc));
    int code = fail(EXIT_STORE, "%s%s", taskorch_db_errmsg(*out),
                    rc == TASKORCH_ENOTFOUND ? " (create it with 'tm init')" : "");
    taskorch_db_close(*out);
    *out = NULL;
    return code;
}

/* Sets the options of the next write: the claim it must still hold, and a
 * request id (NULL: none). */
static void next_write(taskorch_db *db, int64_t claim, const char *request_id)
{
    taskorch_write_options wo = TASKORCH_WRITE_OPTIONS_INIT;
    wo.claim = claim;
    wo.request_id = request_id;
    taskorch_db_next_write(db, &wo);
}

/* A progress post under the claim. Its request id names this post of this
 * claim, so a resumed claim repeating it stores nothing new. */
static int post(taskorch_db *db, const char *id, int64_t claim, const char *verb,
                const char *title)
{
    char text[TASKORCH_TITLE_MAX * 4 + 32]; /* a title is at most 500 UTF-8 characters */
    char request[64];
    snprintf(text, sizeof text, "%s: %s", verb, title);
    snprintf(request, sizeof request, "%s-%s-%lld", verb, id, (long long)claim);
    next_write(db, claim, request);
    return taskorch_msg_post(NULL, db, id, TASKORCH_MSG_PROGRESS, text, NULL);
}

/* Renews the lease between two steps of work. */
static int heartbeat(taskorch_db *db, const char *id, int64_t claim)
{
    next_write(db, claim, NULL);
    return taskorch_task_heartbeat(NULL, db, id, 0);
}

/* Reports on and completes one claimed task. *lost is set when the task
 * turned out to be someone else's (TASKORCH_ECONFLICT): not an error. */
static int work_on(taskorch_db *db, const taskorch_task *task, bool *lost)
{
    const char *id = taskorch_task_id(task);
    const char *title = taskorch_task_title(task);
    int64_t claim = taskorch_task_claim_number(task);
    const char *what = "cannot post progress";
    *lost = false;
    int rc = post(db, id, claim, "Started", title);
    /* A real agent does its work here, in steps, renewing the lease
     * between them. */
    if (rc == TASKORCH_OK) {
        what = "cannot renew the lease";
        rc = heartbeat(db, id, claim);
    }
    if (rc == TASKORCH_OK) {
        what = "cannot post progress";
        rc = post(db, id, claim, "Finished", title);
    }
    if (rc == TASKORCH_OK) {
        what = "cannot complete task";
        next_write(db, claim, NULL);
        rc = taskorch_task_complete(db, id, "Done by the example worker", 0);
    }
    if (rc == TASKORCH_OK) {
        printf("completed %s %s\n", id, title);
        return 0;
    }
    if (rc == TASKORCH_ECONFLICT) {
        *lost = true;
        fprintf(stderr, "agent_worker: lost %s %s: %s\n", id, title, taskorch_db_errmsg(db));
        return 0;
    }
    return fail_lib(db, rc, what);
}

static int run(const char *path, const char *agent, int64_t lease_ms)
{
    if (taskorch_agent_check(agent) != TASKORCH_OK)
        return fail(EXIT_BAD_VALUE,
                    "agent id '%s' is not valid: use 1-64 characters without spaces or '/'",
                    agent);
    taskorch_db *db = NULL;
    int code = open_store(&db, path, agent);
    if (code)
        return code;
    taskorch_claim_options co = TASKORCH_CLAIM_OPTIONS_INIT;
    co.lease_ms = lease_ms;
    /* My own held task first (after a restart), then tasks assigned to me. */
    co.flags = TASKORCH_CLAIM_RESUME | TASKORCH_CLAIM_MINE;
    long done = 0;
    for (;;) {
        taskorch_task *task = NULL;
        int rc = taskorch_task_claim_v2(&task, db, NULL, &co);
        if (rc == TASKORCH_ENOTFOUND)
            break; /* nothing claimable is left */
        if (rc) {
            code = fail_lib(db, rc, "cannot claim a task");
            break;
        }
        bool lost;
        code = work_on(db, task, &lost);
        taskorch_task_free(task);
        if (code)
            break;
        if (!lost)
            done++;
    }
    if (!code) {
        if (done)
            printf("%s: completed %ld task%s\n", agent, done, done == 1 ? "" : "s");
        else
            printf("%s: no ready work\n", agent);
    }
    taskorch_db_close(db);
    return code;
}

int main(int argc, char **argv)
{
    static const char usage[] = "usage: agent_worker [--db PATH] [--agent NAME] [--lease DURATION]";
    const char *path = NULL;
    const char *agent = NULL;
    const char *lease = "5m";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s\n", usage);
            return 0;
        }
        if (strcmp(a, "--db") && strcmp(a, "--agent") && strcmp(a, "--lease"))
            return fail(EXIT_USAGE, "unknown option '%s'; %s", a, usage);
        if (i + 1 >= argc)
            return fail(EXIT_USAGE, "option '%s' needs a value", a);
        if (!strcmp(a, "--db"))
            path = argv[++i];
        else if (!strcmp(a, "--agent"))
            agent = argv[++i];
        else
            lease = argv[++i];
    }
    if (!agent && getenv("TM_AGENT_ID") && *getenv("TM_AGENT_ID"))
        agent = getenv("TM_AGENT_ID");
    if (!agent)
        return fail(EXIT_USAGE, "no agent: pass --agent NAME or set TM_AGENT_ID");
    int64_t lease_ms;
    if (taskorch_duration_parse(&lease_ms, lease) != TASKORCH_OK)
        return fail(EXIT_BAD_VALUE, "lease '%s' is not a duration (90s, 5m, 1h)", lease);
    int code = run(path, agent, lease_ms);
    if (fflush(stdout) != 0 && !code)
        code = fail(EXIT_WORK_FAILED, "cannot write output");
    return code;
}
