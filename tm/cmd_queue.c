/* cmd_queue.c - the work queue: claim (with leases, filters and waiting),
 * heartbeat, release, wait, and the store settings (config). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A duration in ms as the int the library's waits take (-1: forever). */
static int wait_ms_of(int64_t ms) { return ms < 0 ? -1 : ms > INT_MAX ? INT_MAX : (int)ms; }

/* Prints the bare id, like add, so that `ID=$(tm claim)` works. */
int cmd_claim(struct ctx *ctx)
{
    int fmt = write_format(ctx);
    if (fmt < 0)
        return EXIT_INVALID;
    const char *id = ctx->args.n_pos ? ctx->args.pos[0] : NULL;
    static const char *const next_only[] = {"tag", "priority", "resume", "mine", "wait"};
    for (size_t i = 0; id && i < sizeof next_only / sizeof *next_only; i++)
        if (arg_has(ctx, next_only[i]))
            return fail(EXIT_USAGE, "--%s applies when claiming the next task, not a given ID",
                        next_only[i]);
    if (arg_has(ctx, "timeout") && !arg_has(ctx, "wait"))
        return fail(EXIT_USAGE, "--timeout applies with --wait only");
    taskorch_claim_options o = TASKORCH_CLAIM_OPTIONS_INIT;
    o.tag = arg_value(ctx, "tag");
    const char *p = arg_value(ctx, "priority");
    if (p && taskorch_priority_parse(&o.priority, p) != TASKORCH_OK)
        return fail(EXIT_INVALID, "unknown priority '%s'; use low, medium, high or critical", p);
    int code = arg_duration(ctx, "lease", true, &o.lease_ms);
    const char *env = getenv("TM_LEASE");
    if (!code && !arg_has(ctx, "lease") && env && *env)
        code = parse_duration("TM_LEASE", env, true, &o.lease_ms);
    int64_t timeout = -1;
    if (!code)
        code = arg_duration(ctx, "timeout", false, &timeout);
    if (code)
        return code;
    if (arg_has(ctx, "resume"))
        o.flags |= TASKORCH_CLAIM_RESUME;
    if (arg_has(ctx, "mine"))
        o.flags |= TASKORCH_CLAIM_MINE;
    if (arg_has(ctx, "wait")) {
        o.flags |= TASKORCH_CLAIM_WAIT;
        o.wait_ms = wait_ms_of(timeout);
    }
    if ((code = ctx_next_write(ctx, false)))
        return code;
    taskorch_task *t = NULL;
    int rc = taskorch_task_claim_v2(&t, ctx->db, id, &o);
    if (rc == TASKORCH_ETIMEOUT)
        return fail(EXIT_NOTFOUND, "no claimable task for %s appeared within %s",
                    taskorch_db_agent(ctx->db), arg_value(ctx, "timeout"));
    if (rc)
        return fail_lib(ctx, rc);
    if (fmt == FORMAT_JSON)
        code = print_task_by_id(ctx, taskorch_task_id(t));
    else
        fprintf(tm_out, "%s\n", taskorch_task_id(t));
    taskorch_task_free(t);
    return code;
}

int cmd_heartbeat(struct ctx *ctx)
{
    int fmt = write_format(ctx);
    if (fmt < 0)
        return EXIT_INVALID;
    int64_t lease = 0;
    int code = arg_duration(ctx, "lease", false, &lease);
    if (code || (code = ctx_next_write(ctx, true)))
        return code;
    taskorch_task *t = NULL;
    int rc = taskorch_task_heartbeat(&t, ctx->db, ctx->args.pos[0], lease);
    if (rc)
        return fail_lib(ctx, rc);
    if (fmt == FORMAT_JSON) {
        code = print_task_by_id(ctx, taskorch_task_id(t));
    } else if (taskorch_task_lease_expires(t)) {
        char when[32];
        format_time(when, sizeof when, taskorch_task_lease_expires(t));
        fprintf(tm_out, "Task %s lease renewed until %s\n", taskorch_task_id(t), when);
    } else {
        fprintf(tm_out, "Task %s held (its claim has no lease)\n", taskorch_task_id(t));
    }
    taskorch_task_free(t);
    return code;
}

int cmd_release(struct ctx *ctx)
{
    int fmt = write_format(ctx);
    if (fmt < 0)
        return EXIT_INVALID;
    int code = ctx_next_write(ctx, true);
    if (code)
        return code;
    bool unassign = arg_has(ctx, "unassign");
    int rc = taskorch_task_release(ctx->db, ctx->args.pos[0],
                                   unassign ? TASKORCH_RELEASE_UNASSIGN : 0);
    if (rc)
        return fail_lib(ctx, rc);
    const char *id = taskorch_db_write_id(ctx->db, 0);
    if (fmt == FORMAT_JSON)
        return print_task_by_id(ctx, id);
    fprintf(tm_out, "Task %s released%s\n", id, unassign ? " and unassigned" : "");
    return EXIT_OK;
}

int cmd_wait(struct ctx *ctx)
{
    bool all = arg_has(ctx, "all");
    if (!all && !ctx->args.n_pos)
        return fail(EXIT_USAGE, "nothing to wait for: give task ids or --all");
    if (all && ctx->args.n_pos)
        return fail(EXIT_USAGE, "--all waits for every task; give no ids with it");
    int until = TASKORCH_WAIT_COMPLETED;
    const char *s = arg_value(ctx, "status");
    if (s && !strcmp(s, "any-terminal"))
        until = TASKORCH_WAIT_TERMINAL;
    else if (s && strcmp(s, "completed"))
        return fail(EXIT_INVALID, "unknown --status '%s'; use completed or any-terminal", s);
    int64_t timeout = -1;
    int code = arg_duration(ctx, "timeout", false, &timeout);
    if (code)
        return code;
    char **not_done = NULL;
    int rc = taskorch_task_wait(&not_done, ctx->db, ctx->args.pos, ctx->args.n_pos, until,
                                wait_ms_of(timeout));
    if (rc == TASKORCH_ETIMEOUT) {
        size_t n = 0;
        for (; not_done && not_done[n]; n++)
            fprintf(tm_out, "%s\n", not_done[n]);
        taskorch_free(not_done);
        return fail(EXIT_FAILURE_, "timed out after %s: %zu task%s not done",
                    arg_value(ctx, "timeout"), n, n == 1 ? "" : "s");
    }
    taskorch_free(not_done);
    return rc ? fail_lib(ctx, rc) : EXIT_OK;
}

/* The settings tm knows, in the order `tm config` lists them. */
static const char *const config_keys[] = {"lease"};

int cmd_config(struct ctx *ctx)
{
    bool unset = arg_has(ctx, "unset");
    if (unset && ctx->args.n_pos != 1)
        return fail(EXIT_USAGE, "usage: tm config KEY --unset");
    int rc;
    if (ctx->args.n_pos == 2 || unset) {
        const char *key = ctx->args.pos[0], *value = unset ? NULL : ctx->args.pos[1];
        if ((rc = taskorch_config_set(ctx->db, key, value)))
            return fail_lib(ctx, rc);
        if (unset)
            fprintf(tm_out, "Removed setting %s\n", key);
        else
            fprintf(tm_out, "Set %s to %s\n", key, value);
        return EXIT_OK;
    }
    size_t n = ctx->args.n_pos ? 1 : sizeof config_keys / sizeof *config_keys;
    for (size_t i = 0; i < n; i++) {
        const char *key = ctx->args.n_pos ? ctx->args.pos[0] : config_keys[i];
        char *value = NULL;
        if ((rc = taskorch_config_get(&value, ctx->db, key)))
            return fail_lib(ctx, rc);
        if (value && ctx->args.n_pos)
            fprintf(tm_out, "%s\n", value);
        else if (value)
            fprintf(tm_out, "%s %s\n", key, value);
        taskorch_free(value);
    }
    return EXIT_OK;
}
