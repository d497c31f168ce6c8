/* cmd_task.c - commands that create, show and change single tasks. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_init(struct ctx *ctx)
{
    fprintf(tm_out, "Task store ready at %s\n", taskorch_db_path(ctx->db));
    return EXIT_OK;
}

/* Parses a --priority value; -1 when absent, -2 after reporting. */
static int priority_arg(const struct ctx *ctx)
{
    const char *v = arg_value(ctx, "priority");
    int p;
    if (!v)
        return -1;
    if (taskorch_priority_parse(&p, v) == TASKORCH_OK)
        return p;
    fail(EXIT_INVALID, "unknown priority '%s'; use low, medium, high or critical", v);
    return -2;
}

/* Parses --estimate (hours: 2, 0.5) into *hours, untouched when absent.
 * 0 is accepted only by update (it clears the estimate). */
static int estimate_arg(const struct ctx *ctx, bool zero_clears, double *hours)
{
    const char *v = arg_value(ctx, "estimate");
    if (!v)
        return EXIT_OK;
    size_t digits = 0, dots = 0;
    const char *p = v;
    for (; *p && (isdigit((unsigned char)*p) || *p == '.'); p++)
        *p == '.' ? dots++ : digits++;
    char *end;
    double h = strtod(v, &end);
    if (*p || !digits || dots > 1 || *end || !(h <= 1e6) || (h == 0 && !zero_clears))
        return fail(EXIT_INVALID,
                    "--estimate must be a positive number of hours such as 2 or 0.5%s, not '%s'",
                    zero_clears ? " (0 clears it)" : "", v);
    *hours = h;
    return EXIT_OK;
}

int cmd_add(struct ctx *ctx)
{
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = ctx->args.pos[0];
    spec.description = arg_value(ctx, "description");
    spec.assignee = arg_value(ctx, "assignee");
    if ((spec.priority = priority_arg(ctx)) == -2)
        return EXIT_INVALID;
    int fmt = ctx_format(ctx, "text,json");
    if (fmt < 0)
        return EXIT_INVALID;
    int code = estimate_arg(ctx, false, &spec.estimate);
    if (!code)
        code = ctx_check_write(ctx);
    if (code)
        return code;
    const char **tags, **files, **deps;
    spec.n_tags = arg_values(ctx, "tag", false, &tags);
    spec.n_files = arg_values(ctx, "file", false, &files);
    spec.n_depends_on = arg_values(ctx, "depends-on", true, &deps);
    spec.tags = tags;
    spec.files = files;
    spec.depends_on = deps;
    taskorch_task *t = NULL;
    int rc = TASKORCH_OK;
    /* A missing store is created when this write commits (open_store). If
     * another process created it meanwhile, nothing was written and the
     * handle now uses that store: add there. */
    bool missing = access(taskorch_db_path(ctx->db), F_OK) != 0;
    if (!(code = ctx_next_write(ctx, false)))
        rc = taskorch_task_create(&t, ctx->db, &spec);
    if (!code && rc == TASKORCH_EBUSY && missing &&
        access(taskorch_db_path(ctx->db), F_OK) == 0 && !(code = ctx_next_write(ctx, false)))
        rc = taskorch_task_create(&t, ctx->db, &spec);
    free(tags);
    free(files);
    free(deps);
    if (code)
        return code;
    if (rc)
        return fail_lib(ctx, rc);
    if (fmt == FORMAT_JSON)
        code = print_task_by_id(ctx, taskorch_task_id(t));
    else
        fprintf(tm_out, "%s\n", taskorch_task_id(t));
    taskorch_task_free(t);
    return code;
}

static void print_related(struct ctx *ctx, const char *heading, const char *id, int direction,
                          bool json)
{
    taskorch_task_iter *it = NULL;
    if (taskorch_dep_iter_new(&it, ctx->db, id, direction))
        return;
    const taskorch_task *t;
    bool first = true;
    if (json)
        fprintf(tm_out, ",\"%s\":[", heading);
    while (taskorch_task_iter_next(it, &t) == TASKORCH_OK) {
        if (json) {
            fprintf(tm_out, "%s{\"id\":\"%s\",\"status\":\"%s\",\"title\":", first ? "" : ",",
                   taskorch_task_id(t), taskorch_status_name(taskorch_task_status(t)));
            put_json_string(tm_out, taskorch_task_title(t));
            putc_out('}');
        } else {
            if (first)
                fprintf(tm_out, "%s:\n", heading);
            fprintf(tm_out, "  %s  %-11s  %s\n", taskorch_task_id(t),
                   taskorch_status_name(taskorch_task_status(t)), taskorch_task_title(t));
        }
        first = false;
    }
    if (json)
        putc_out(']');
    taskorch_task_iter_free(it);
}

/* Why a blocked task is blocked: its unfinished dependencies, or by hand. */
static void print_blockers(struct ctx *ctx, const taskorch_task *t)
{
    if (taskorch_task_status(t) != TASKORCH_STATUS_BLOCKED)
        return;
    if (taskorch_task_blocked_by_hand(t)) {
        fprintf(tm_out, "Blocked by:  hand (set blocked; change the status to release it)\n");
        return;
    }
    taskorch_task_iter *it = NULL;
    if (taskorch_dep_iter_new(&it, ctx->db, taskorch_task_id(t), TASKORCH_DEP_PREREQUISITES))
        return;
    const taskorch_task *d;
    const char *sep = "Blocked by:  ";
    while (taskorch_task_iter_next(it, &d) == TASKORCH_OK)
        if (taskorch_task_status(d) != TASKORCH_STATUS_COMPLETED) {
            fprintf(tm_out, "%s%s (%s)", sep, taskorch_task_id(d),
                   taskorch_status_name(taskorch_task_status(d)));
            sep = ", ";
        }
    if (strcmp(sep, "Blocked by:  "))
        putc_out('\n');
    taskorch_task_iter_free(it);
}

static void show_text(struct ctx *ctx, const taskorch_task *t)
{
    char when[32];
    fprintf(tm_out, "Task:        %s\nTitle:       %s\nStatus:      %s\n", taskorch_task_id(t),
           taskorch_task_title(t), taskorch_status_name(taskorch_task_status(t)));
    print_blockers(ctx, t);
    fprintf(tm_out, "Priority:    %s\n", taskorch_priority_name(taskorch_task_priority(t)));
    const char *assignee = taskorch_task_assignee(t);
    fprintf(tm_out, "Assignee:    %s\n", assignee ? assignee : "(unassigned)");
    format_time(when, sizeof when, taskorch_task_created_at(t));
    fprintf(tm_out, "Created:     %s by %s\n", when, taskorch_task_created_by(t));
    format_time(when, sizeof when, taskorch_task_updated_at(t));
    fprintf(tm_out, "Updated:     %s\n", when);
    if (taskorch_task_completed_at(t)) {
        format_time(when, sizeof when, taskorch_task_completed_at(t));
        fprintf(tm_out, "Completed:   %s\n", when);
    }
    if (taskorch_task_summary(t))
        fprintf(tm_out, "Summary:     %s\n", taskorch_task_summary(t));
    if (taskorch_task_estimate(t) > 0)
        fprintf(tm_out, "Estimate:    %gh\n", taskorch_task_estimate(t));
    if (taskorch_task_claim_number(t)) {
        fprintf(tm_out, "Claim:       #%lld", (long long)taskorch_task_claim_number(t));
        if (taskorch_task_lease_expires(t)) {
            format_time(when, sizeof when, taskorch_task_lease_expires(t));
            fprintf(tm_out, ", lease until %s", when);
        }
        putc_out('\n');
    }
    if (taskorch_task_tag_count(t)) {
        fprintf(tm_out, "Tags:       ");
        for (size_t i = 0; i < taskorch_task_tag_count(t); i++)
            fprintf(tm_out, " %s", taskorch_task_tag(t, i));
        putc_out('\n');
    }
    for (size_t i = 0; i < taskorch_task_file_count(t); i++) {
        fputs(i ? "             " : "Files:       ", tm_out);
        print_file_ref(t, i);
        putc_out('\n');
    }
    if (taskorch_task_description(t))
        fprintf(tm_out, "Description:\n%s\n", taskorch_task_description(t));
    print_related(ctx, "Depends on", taskorch_task_id(t), TASKORCH_DEP_PREREQUISITES, false);
    print_related(ctx, "Dependents", taskorch_task_id(t), TASKORCH_DEP_DEPENDENTS, false);
}

void print_task_show_json(struct ctx *ctx, const taskorch_task *t)
{
    print_task_json_open(t);
    print_related(ctx, "dependencies", taskorch_task_id(t), TASKORCH_DEP_PREREQUISITES, true);
    print_related(ctx, "dependents", taskorch_task_id(t), TASKORCH_DEP_DEPENDENTS, true);
    fprintf(tm_out, "}\n");
}

int print_task_by_id(struct ctx *ctx, const char *id)
{
    taskorch_task *t = NULL;
    int rc = taskorch_task_get(&t, ctx->db, id);
    if (rc)
        return fail_lib(ctx, rc);
    print_task_show_json(ctx, t);
    taskorch_task_free(t);
    return EXIT_OK;
}

int cmd_show(struct ctx *ctx)
{
    int fmt = ctx_format(ctx, "text,json");
    if (fmt < 0)
        return EXIT_INVALID;
    taskorch_task *t = NULL;
    int rc = taskorch_task_get(&t, ctx->db, ctx->args.pos[0]);
    if (rc)
        return fail_lib(ctx, rc);
    if (fmt == FORMAT_JSON) {
        print_task_show_json(ctx, t);
    } else {
        show_text(ctx, t);
    }
    taskorch_task_free(t);
    return EXIT_OK;
}

int cmd_update(struct ctx *ctx)
{
    /* Every option but these names a change; none at all is a usage error. */
    static const char *const not_changes[] = {"force", "claim", "request-id", "format", "json"};
    bool any = false;
    for (size_t i = 0; i < ctx->args.n_opts; i++) {
        bool change = true;
        for (size_t j = 0; j < sizeof not_changes / sizeof *not_changes; j++)
            change &= strcmp(ctx->args.opts[i].spec->name, not_changes[j]) != 0;
        any |= change;
    }
    if (!any)
        return fail(EXIT_USAGE, "nothing to change: give at least one of --status, --assignee, "
                                "--priority, --title, --description, --tag, --untag, --file, "
                                "--estimate");
    taskorch_task_change u = TASKORCH_TASK_CHANGE_INIT;
    u.title = arg_value(ctx, "title");
    u.description = arg_value(ctx, "description");
    u.assignee = arg_value(ctx, "assignee");
    if ((u.priority = priority_arg(ctx)) == -2)
        return EXIT_INVALID;
    const char *status = arg_value(ctx, "status");
    if (status && taskorch_status_parse(&u.status, status) != TASKORCH_OK)
        return fail(EXIT_INVALID,
                    "unknown status '%s'; use pending, in_progress, completed, blocked or "
                    "cancelled",
                    status);
    if (arg_has(ctx, "force"))
        u.flags |= TASKORCH_FORCE;
    int fmt = ctx_format(ctx, "text,json");
    if (fmt < 0)
        return EXIT_INVALID;
    int code = estimate_arg(ctx, true, &u.estimate);
    if (!code)
        code = ctx_check_write(ctx);
    if (code)
        return code;
    const char **add, **rm, **files;
    u.n_add_tags = arg_values(ctx, "tag", false, &add);
    u.n_remove_tags = arg_values(ctx, "untag", false, &rm);
    u.n_add_files = arg_values(ctx, "file", false, &files);
    u.add_tags = add;
    u.remove_tags = rm;
    u.add_files = files;
    taskorch_task *t = NULL;
    int rc = TASKORCH_OK;
    if (!(code = ctx_next_write(ctx, true)))
        rc = taskorch_task_update(&t, ctx->db, ctx->args.pos[0], &u);
    free(add);
    free(rm);
    free(files);
    if (code)
        return code;
    if (rc)
        return fail_lib(ctx, rc);
    if (fmt == FORMAT_JSON)
        code = print_task_by_id(ctx, taskorch_task_id(t));
    else
        fprintf(tm_out, "Task %s updated\n", taskorch_task_id(t));
    taskorch_task_free(t);
    return code;
}

int cmd_complete(struct ctx *ctx)
{
    int fmt = write_format(ctx);
    if (fmt < 0)
        return EXIT_INVALID;
    int code = ctx_next_write(ctx, true);
    if (code)
        return code;
    int rc = taskorch_task_complete(ctx->db, ctx->args.pos[0], arg_value(ctx, "summary"),
                                    arg_has(ctx, "force") ? TASKORCH_FORCE : 0);
    if (rc)
        return fail_lib(ctx, rc);
    const char *id = taskorch_db_write_id(ctx->db, 0); /* the full id */
    if (fmt == FORMAT_JSON)
        return print_task_by_id(ctx, id);
    fprintf(tm_out, "Task %s completed\n", id);
    return EXIT_OK;
}

int cmd_assign(struct ctx *ctx)
{
    int fmt = write_format(ctx);
    if (fmt < 0)
        return EXIT_INVALID;
    const char *agent = ctx->args.pos[1];
    if (!*agent)
        return fail(EXIT_INVALID, "agent is empty; to unassign use 'tm update ID --assignee \"\"'");
    int code = ctx_next_write(ctx, false);
    if (code)
        return code;
    int rc = taskorch_task_assign(ctx->db, ctx->args.pos[0], agent);
    if (rc)
        return fail_lib(ctx, rc);
    const char *id = taskorch_db_write_id(ctx->db, 0);
    if (fmt == FORMAT_JSON)
        return print_task_by_id(ctx, id);
    fprintf(tm_out, "Task %s assigned to %s\n", id, agent);
    return EXIT_OK;
}

int cmd_delete(struct ctx *ctx)
{
    int code = ctx_check_write(ctx);
    if (code || (code = ctx_next_write(ctx, false)))
        return code;
    int rc = taskorch_task_delete(ctx->db, ctx->args.pos[0],
                                  arg_has(ctx, "force") ? TASKORCH_FORCE : 0);
    if (rc)
        return fail_lib(ctx, rc);
    fprintf(tm_out, "Task %s deleted\n", taskorch_db_write_id(ctx->db, 0));
    return EXIT_OK;
}
