/*
 * agent_worker.c - a specialist agent that links libtaskorch directly.
 *
 * It takes the ready tasks assigned to it (pending, every dependency
 * completed), highest priority first: marks each in_progress, posts progress
 * on the task's channel, completes it with a summary, and looks again, so
 * tasks its own completions unblock are worked in the same run. It stops
 * when nothing ready is left.
 *
 * Usage: agent_worker [--db PATH] [--agent NAME]
 *   --db PATH     the store (a *.db file or a folder holding tasks.db);
 *                 default: located like tm does (TM_DB_PATH, then the
 *                 nearest .task-orchestrator/ folder). Never created.
 *   --agent NAME  the agent to work as; default: TM_AGENT_ID.
 *
 * Output: one line per completed task ("completed ID TITLE"), then
 * "NAME: completed N task(s)", or "NAME: no ready work" when there was
 * nothing to do. Errors: one line on stderr starting "agent_worker: error: ".
 *
 * Exit status (the same numbers tm uses):
 *   0  ran until no ready work was left, including finding none at all
 *   1  a library call failed while working
 *   2  usage error (unknown option, missing value, no agent given)
 *   4  the store is missing (it is not created) or cannot be used
 *   5  the agent id is not valid (1-64 characters, no whitespace or '/')
 *
 * One worker per agent id is the model: a task is assigned to one agent,
 * so two workers never race for it.
 *
 * Build outside the source tree (see Makefile):
 *   cc -o agent_worker agent_worker.c $(pkg-config --cflags --libs taskorch)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <taskorch.h>

enum { EXIT_WORK_FAILED = 1, EXIT_USAGE = 2, EXIT_STORE = 4, EXIT_BAD_AGENT = 5 };

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

/* Finds the best ready task assigned to agent. Returns TASKORCH_OK with
 * its id in id, TASKORCH_ITEROVER when there is none, or an error. */
static int next_ready(char id[TASKORCH_ID_SIZE], taskorch_db *db, const char *agent)
{
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.statuses = 1u << TASKORCH_STATUS_PENDING;
    q.assignee = agent;
    q.flags = TASKORCH_QUERY_READY;
    q.sort = TASKORCH_SORT_PRIORITY;
    q.limit = 1;
    taskorch_task_iter *it = NULL;
    int rc = taskorch_task_iter_new(&it, db, &q);
    if (rc)
        return rc;
    const taskorch_task *task;
    rc = taskorch_task_iter_next(it, &task);
    if (rc == TASKORCH_OK)
        memcpy(id, taskorch_task_id(task), TASKORCH_ID_SIZE);
    taskorch_task_iter_free(it);
    return rc;
}

static int post(taskorch_db *db, const char *id, const char *verb, const char *title)
{
    char text[TASKORCH_TITLE_MAX * 4 + 32]; /* a title is at most 500 UTF-8 characters */
    snprintf(text, sizeof text, "%s: %s", verb, title);
    return taskorch_msg_post(NULL, db, id, TASKORCH_MSG_PROGRESS, text, NULL);
}

/* Starts, reports on and completes one task. */
static int work_on(taskorch_db *db, const char *id)
{
    taskorch_task *task = NULL;
    int rc = taskorch_task_get(&task, db, id);
    if (rc)
        return fail_lib(db, rc, "cannot load task");
    int code = 0;
    const char *title = taskorch_task_title(task);
    if ((rc = taskorch_task_set_status(db, id, TASKORCH_STATUS_IN_PROGRESS, 0)))
        code = fail_lib(db, rc, "cannot start task");
    else if ((rc = post(db, id, "Started", title)))
        code = fail_lib(db, rc, "cannot post progress");
    /* A real agent does its work here. */
    else if ((rc = post(db, id, "Finished", title)))
        code = fail_lib(db, rc, "cannot post progress");
    else if ((rc = taskorch_task_complete(db, id, "Done by the example worker", 0)))
        code = fail_lib(db, rc, "cannot complete task");
    else
        printf("completed %s %s\n", id, title);
    taskorch_task_free(task);
    return code;
}

static int run(const char *path, const char *agent)
{
    if (taskorch_agent_check(agent) != TASKORCH_OK)
        return fail(EXIT_BAD_AGENT,
                    "agent id '%s' is not valid: use 1-64 characters without spaces or '/'",
                    agent);
    taskorch_db *db = NULL;
    int code = open_store(&db, path, agent);
    if (code)
        return code;
    long done = 0;
    for (;;) {
        char id[TASKORCH_ID_SIZE];
        int rc = next_ready(id, db, agent);
        if (rc == TASKORCH_ITEROVER)
            break;
        if (rc) {
            code = fail_lib(db, rc, "cannot list ready tasks");
            break;
        }
        if ((code = work_on(db, id)))
            break;
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
    const char *path = NULL;
    const char *agent = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: agent_worker [--db PATH] [--agent NAME]\n");
            return 0;
        }
        if (strcmp(a, "--db") && strcmp(a, "--agent"))
            return fail(EXIT_USAGE, "unknown option '%s'; usage: agent_worker [--db PATH] "
                                    "[--agent NAME]", a);
        if (i + 1 >= argc)
            return fail(EXIT_USAGE, "option '%s' needs a value", a);
        if (!strcmp(a, "--db"))
            path = argv[++i];
        else
            agent = argv[++i];
    }
    if (!agent && getenv("TM_AGENT_ID") && *getenv("TM_AGENT_ID"))
        agent = getenv("TM_AGENT_ID");
    if (!agent)
        return fail(EXIT_USAGE, "no agent: pass --agent NAME or set TM_AGENT_ID");
    int code = run(path, agent);
    if (fflush(stdout) != 0 && !code)
        code = fail(EXIT_WORK_FAILED, "cannot write output");
    return code;
}
