/* cmd_dep.c - tm dep add|rm|list: dependencies after creation. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int dep_list(struct ctx *ctx)
{
    if (ctx->args.n_pos != 2)
        return fail(EXIT_USAGE, "usage: tm dep list TASK [--dependents] [--format FMT]");
    if (arg_has(ctx, "request-id"))
        return fail(EXIT_USAGE, "--request-id applies to 'tm dep add' and 'tm dep rm' only");
    int fmt = ctx_format(ctx, "text,simple,json");
    if (fmt < 0)
        return EXIT_INVALID;
    int direction =
        arg_has(ctx, "dependents") ? TASKORCH_DEP_DEPENDENTS : TASKORCH_DEP_PREREQUISITES;
    taskorch_task_iter *it = NULL;
    int rc = taskorch_dep_iter_new(&it, ctx->db, ctx->args.pos[1], direction);
    if (rc)
        return fail_lib(ctx, rc);
    const taskorch_task *t;
    if (fmt == FORMAT_JSON)
        putc_out('[');
    for (bool first = true; taskorch_task_iter_next(it, &t) == TASKORCH_OK; first = false) {
        if (fmt == FORMAT_JSON) {
            if (!first)
                putc_out(',');
            print_task_json(t);
        } else {
            print_task_line(t, (enum format)fmt, "");
        }
    }
    if (fmt == FORMAT_JSON)
        fprintf(tm_out, "]\n");
    taskorch_task_iter_free(it);
    return EXIT_OK;
}

static int dep_change(struct ctx *ctx, bool add)
{
    if (ctx->args.n_pos < 3)
        return fail(EXIT_USAGE, "usage: tm dep %s TASK DEP [DEP...]", add ? "add" : "rm");
    if (arg_has(ctx, "dependents"))
        return fail(EXIT_USAGE, "--dependents applies to 'tm dep list' only");
    int fmt = write_format(ctx);
    if (fmt < 0)
        return EXIT_INVALID;
    /* Comma-separated lists work here too, as with --depends-on. */
    size_t n = 0;
    const char *deps[MAX_ARGS];
    for (size_t i = 2; i < ctx->args.n_pos; i++) {
        char *copy = ctx_own(ctx, strdup(ctx->args.pos[i])), *save = NULL;
        if (!copy)
            return fail(EXIT_FAILURE_, "out of memory");
        for (char *s = strtok_r(copy, ",", &save); s && n < MAX_ARGS;
             s = strtok_r(NULL, ",", &save))
            deps[n++] = s;
    }
    if (n == 0)
        return fail(EXIT_USAGE, "no dependency given");
    int code = ctx_next_write(ctx, false);
    if (code)
        return code;
    const char *given = ctx->args.pos[1];
    int rc = add ? taskorch_dep_add(ctx->db, given, deps, n)
                 : taskorch_dep_remove(ctx->db, given, deps, n);
    if (rc)
        return fail_lib(ctx, rc);
    /* The full ids the write resolved (a replayed one may lack deleted deps). */
    const char *id = taskorch_db_write_id(ctx->db, 0);
    if (fmt == FORMAT_JSON)
        return print_task_by_id(ctx, id);
    for (size_t i = 0; i < n; i++) {
        const char *dep = taskorch_db_write_id(ctx->db, i + 1);
        fprintf(tm_out, "Task %s %s %.8s\n", id, add ? "now depends on" : "no longer depends on",
                dep ? dep : deps[i]);
    }
    return EXIT_OK;
}

int cmd_dep(struct ctx *ctx)
{
    const char *sub = ctx->args.pos[0];
    if (!strcmp(sub, "add"))
        return dep_change(ctx, true);
    if (!strcmp(sub, "rm") || !strcmp(sub, "remove"))
        return dep_change(ctx, false);
    if (!strcmp(sub, "list") || !strcmp(sub, "ls"))
        return dep_list(ctx);
    return fail(EXIT_USAGE, "unknown 'tm dep' subcommand '%s'; use add, rm or list", sub);
}
