/*
 * orchestrator.c - builds a small phased project with libtaskorch.
 *
 * Phase 1 fans out to three specialists; their work fans back in to the
 * Phase 2 checkpoint, which fans out again; QA fans in before the release:
 *
 *   Phase 1 -> {schema, API framework, UI tooling} -> Phase 2
 *   Phase 2 -> {user API, user UI, security review} -> QA -> Release
 *
 * Every task is assigned (the phase checkpoints to the orchestrator itself),
 * so agent_worker processes can carry the project to the end. The program
 * prints each task's id, status, assignee, title and prerequisites, then a
 * count per status: only Phase 1 is pending, everything else is blocked
 * until its prerequisites complete.
 *
 * Usage: orchestrator [--db PATH] [--agent NAME]
 *   --db PATH     the store (a *.db file or a folder holding tasks.db),
 *                 created when missing; default: located like tm does.
 *   --agent NAME  who creates the tasks; default "orchestrator".
 *
 * Exit status: 0 built, 1 a library call failed, 2 usage error, 4 the store
 * cannot be opened or created, 5 the agent id is not valid.
 *
 * Build outside the source tree (see Makefile):
 *   cc -o orchestrator orchestrator.c $(pkg-config --cflags --libs taskorch)
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <taskorch.h>

enum { EXIT_LIB = 1, EXIT_USAGE = 2, EXIT_STORE = 4, EXIT_BAD_AGENT = 5 };

#define MAX_DEPS 3
#define NONE (-1)

/* The plan: prerequisites refer to earlier rows by index. */
struct step {
    const char *title;
    const char *assignee; /* NULL: the orchestrator */
    const char *tag;
    int priority;
    int deps[MAX_DEPS];
};

static const struct step plan[] = {
    /* 0 */ { "Phase 1: Foundation", NULL, "phase1", TASKORCH_PRIORITY_HIGH,
              { NONE, NONE, NONE } },
    /* 1 */ { "Design database schema", "db_specialist", "phase1", -1, { 0, NONE, NONE } },
    /* 2 */ { "Set up API framework", "backend_specialist", "phase1", -1, { 0, NONE, NONE } },
    /* 3 */ { "Set up UI tooling", "frontend_specialist", "phase1", -1, { 0, NONE, NONE } },
    /* 4 */ { "Phase 2: Features", NULL, "phase2", TASKORCH_PRIORITY_HIGH, { 1, 2, 3 } },
    /* 5 */ { "Build user API", "backend_specialist", "phase2", -1, { 4, NONE, NONE } },
    /* 6 */ { "Build user UI", "frontend_specialist", "phase2", -1, { 4, NONE, NONE } },
    /* 7 */ { "Security review", "security_specialist", "phase2", -1, { 4, NONE, NONE } },
    /* 8 */ { "Test the release", "qa_specialist", "release", -1, { 5, 6, 7 } },
    /* 9 */ { "Release 1.0", NULL, "release", TASKORCH_PRIORITY_CRITICAL, { 8, NONE, NONE } },
};
#define N_STEPS (sizeof plan / sizeof plan[0])

static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("orchestrator: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

static int fail_lib(taskorch_db *db, int rc, const char *what)
{
    const char *detail = taskorch_db_errmsg(db);
    return fail(EXIT_LIB, "%s: %s", what, *detail ? detail : taskorch_strerror(rc));
}

static int create_all(taskorch_db *db, const char *me, char ids[][TASKORCH_ID_SIZE])
{
    for (size_t i = 0; i < N_STEPS; i++) {
        const struct step *s = &plan[i];
        const char *deps[MAX_DEPS];
        size_t n = 0;
        for (size_t d = 0; d < MAX_DEPS && s->deps[d] != NONE; d++)
            deps[n++] = ids[s->deps[d]];
        const char *tags[1] = { s->tag };
        taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
        spec.title = s->title;
        spec.priority = s->priority;
        spec.assignee = s->assignee ? s->assignee : me;
        spec.tags = tags;
        spec.n_tags = 1;
        spec.depends_on = deps;
        spec.n_depends_on = n;
        taskorch_task *task = NULL;
        int rc = taskorch_task_create(&task, db, &spec);
        if (rc)
            return fail_lib(db, rc, "cannot create task");
        memcpy(ids[i], taskorch_task_id(task), TASKORCH_ID_SIZE);
        taskorch_task_free(task);
    }
    /* Context every specialist will read, and a checkpoint for all. */
    int rc = taskorch_msg_post(NULL, db, ids[0], TASKORCH_MSG_SHARE,
                               "Plan: three phases; each phase starts when the previous "
                               "phase's work is complete", NULL);
    if (!rc)
        rc = taskorch_msg_post(NULL, db, ids[0], TASKORCH_MSG_SYNC,
                               "Kick-off: specialists take their ready tasks", NULL);
    return rc ? fail_lib(db, rc, "cannot post message") : 0;
}

/* Prints each task as the store now has it, and a count per status. */
static int report(taskorch_db *db, char ids[][TASKORCH_ID_SIZE])
{
    size_t per_status[TASKORCH_STATUS_CANCELLED + 1] = { 0 };
    for (size_t i = 0; i < N_STEPS; i++) {
        taskorch_task *t = NULL;
        int rc = taskorch_task_get(&t, db, ids[i]);
        if (rc)
            return fail_lib(db, rc, "cannot load task");
        int status = taskorch_task_status(t);
        per_status[status]++;
        printf("%s  %-8s %-20s %s", ids[i], taskorch_status_name(status),
               taskorch_task_assignee(t), taskorch_task_title(t));
        for (size_t d = 0; d < taskorch_task_dep_count(t); d++)
            printf("%s%s", d ? "," : "  <- ", taskorch_task_dep_id(t, d));
        putchar('\n');
        taskorch_task_free(t);
    }
    printf("%zu tasks:", (size_t)N_STEPS);
    const char *sep = " ";
    for (int s = 0; s <= TASKORCH_STATUS_CANCELLED; s++)
        if (per_status[s]) {
            printf("%s%zu %s", sep, per_status[s], taskorch_status_name(s));
            sep = ", ";
        }
    putchar('\n');
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    const char *agent = "orchestrator";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--db") && strcmp(a, "--agent"))
            return fail(EXIT_USAGE, "unknown option '%s'; usage: orchestrator [--db PATH] "
                                    "[--agent NAME]", a);
        if (i + 1 >= argc)
            return fail(EXIT_USAGE, "option '%s' needs a value", a);
        if (!strcmp(a, "--db"))
            path = argv[++i];
        else
            agent = argv[++i];
    }
    if (taskorch_agent_check(agent) != TASKORCH_OK)
        return fail(EXIT_BAD_AGENT,
                    "agent id '%s' is not valid: use 1-64 characters without spaces or '/'",
                    agent);
    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.flags = TASKORCH_OPEN_CREATE | TASKORCH_OPEN_FROM_ENV; /* TM_DB_PATH, as tm */
    opts.agent = agent;
    taskorch_db *db = NULL;
    int rc = taskorch_db_open(&db, path, &opts);
    if (rc) {
        int code = rc == TASKORCH_ENOMEM ? fail(EXIT_LIB, "%s", taskorch_strerror(rc))
                                         : fail(EXIT_STORE, "%s", taskorch_db_errmsg(db));
        taskorch_db_close(db);
        return code;
    }
    char ids[N_STEPS][TASKORCH_ID_SIZE];
    int code = create_all(db, agent, ids);
    if (!code)
        code = report(db, ids);
    taskorch_db_close(db);
    if (fflush(stdout) != 0 && !code)
        code = fail(EXIT_LIB, "cannot write output");
    return code;
}
