/* cmd_list.c - commands that print many tasks: list, ready, export. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* "pending,blocked" -> bit set; 0 after reporting. */
static unsigned parse_statuses(const char *v)
{
    unsigned bits = 0;
    char *copy = strdup(v), *save = NULL;
    if (!copy)
        return 0;
    for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        int st;
        if (taskorch_status_parse(&st, s) != TASKORCH_OK) {
            fail(EXIT_INVALID,
                 "unknown status '%s'; use pending, in_progress, completed, blocked or "
                 "cancelled",
                 s);
            free(copy);
            return 0;
        }
        bits |= 1u << st;
    }
    free(copy);
    if (!bits)
        fail(EXIT_INVALID, "--status is empty; give one or more statuses separated by commas");
    return bits;
}

static int parse_sort(const char *v)
{
    if (!v || !strcmp(v, "priority"))
        return TASKORCH_SORT_PRIORITY;
    if (!strcmp(v, "created"))
        return TASKORCH_SORT_CREATED;
    if (!strcmp(v, "updated"))
        return TASKORCH_SORT_UPDATED;
    return fail(EXIT_INVALID, "unknown sort key '%s'; use priority, created or updated", v), -1;
}

static void print_json_list(taskorch_task_iter *it)
{
    const taskorch_task *t;
    putc_out('[');
    for (bool first = true; taskorch_task_iter_next(it, &t) == TASKORCH_OK; first = false) {
        if (!first)
            putc_out(',');
        print_task_json(t);
    }
    fprintf(tm_out, "]\n");
}

/* ---- --group-by ---- */

enum group_key { GROUP_ASSIGNEE, GROUP_STATUS, GROUP_PRIORITY, GROUP_TAG };

/* Key i of a task under a grouping (a task has several under GROUP_TAG). */
static size_t task_key_count(const taskorch_task *t, enum group_key g)
{
    size_t n = g == GROUP_TAG ? taskorch_task_tag_count(t) : 1;
    return n ? n : 1;
}

static const char *task_key(const taskorch_task *t, enum group_key g, size_t i)
{
    switch (g) {
    case GROUP_ASSIGNEE:
        return taskorch_task_assignee(t) ? taskorch_task_assignee(t) : "(unassigned)";
    case GROUP_STATUS: return taskorch_status_name(taskorch_task_status(t));
    case GROUP_PRIORITY: return taskorch_priority_name(taskorch_task_priority(t));
    case GROUP_TAG: return taskorch_task_tag_count(t) ? taskorch_task_tag(t, i) : "(untagged)";
    }
    return "";
}

/* Rank of a key: statuses and priorities in their natural order, the
 * "(none)" groups last, everything else by name. */
static int key_cmp(enum group_key g, const char *a, const char *b)
{
    int ia, ib;
    if (g == GROUP_STATUS && !taskorch_status_parse(&ia, a) && !taskorch_status_parse(&ib, b))
        return ia - ib;
    if (g == GROUP_PRIORITY && !taskorch_priority_parse(&ia, a) && !taskorch_priority_parse(&ib, b))
        return ib - ia;
    if ((a[0] == '(') != (b[0] == '('))
        return a[0] == '(' ? 1 : -1;
    return strcmp(a, b);
}

/* A task under its group's heading, without the column the heading
 * already names: `tm list --group-by assignee | grep NAME` then yields
 * only headings, as the guide's resource-balancing loop expects. */
static void print_grouped_line(const taskorch_task *t, enum group_key g, enum format fmt)
{
    if (fmt == FORMAT_SIMPLE) {
        print_task_line(t, fmt, "  ");
        return;
    }
    const char *assignee = taskorch_task_assignee(t);
    fprintf(tm_out, "  %s", taskorch_task_id(t));
    if (g != GROUP_STATUS)
        fprintf(tm_out, "  %-11s", taskorch_status_name(taskorch_task_status(t)));
    if (g != GROUP_PRIORITY)
        fprintf(tm_out, "  %-8s", taskorch_priority_name(taskorch_task_priority(t)));
    if (g != GROUP_ASSIGNEE)
        fprintf(tm_out, "  %-20s", assignee ? assignee : "-");
    fprintf(tm_out, "  %s\n", taskorch_task_title(t));
}

/* One task under one of its keys; sorted by key, then list order. */
struct member {
    const char *key; /* borrowed from tasks[task] */
    size_t task;
};

static int member_cmp(const void *a, const void *b, void *g)
{
    const struct member *x = a, *y = b;
    int c = key_cmp(*(enum group_key *)g, x->key, y->key);
    return c ? c : (x->task > y->task) - (x->task < y->task);
}

struct groups {
    taskorch_task **tasks; /* owned: the iterator's items are borrowed */
    size_t n_tasks;
    struct member *members;
    size_t n_members;
};

static void groups_free(struct groups *gr)
{
    for (size_t i = 0; i < gr->n_tasks; i++)
        taskorch_task_free(gr->tasks[i]);
    free(gr->tasks);
    free(gr->members);
}

/* Takes the listed tasks out of the iterator as owned copies (one that was
 * deleted meanwhile is left out) and pairs each with each of its keys. */
static int collect_groups(struct ctx *ctx, taskorch_task_iter *it, enum group_key g,
                          struct groups *gr)
{
    size_t n = taskorch_task_iter_count(it), n_ids = 0;
    char(*ids)[TASKORCH_ID_SIZE] = calloc(n + 1, sizeof *ids);
    gr->tasks = calloc(n + 1, sizeof *gr->tasks);
    if (!ids || !gr->tasks) {
        free(ids);
        return fail(EXIT_FAILURE_, "out of memory");
    }
    const taskorch_task *t;
    while (n_ids < n && taskorch_task_iter_next(it, &t) == TASKORCH_OK)
        snprintf(ids[n_ids++], TASKORCH_ID_SIZE, "%s", taskorch_task_id(t));
    size_t n_members = 0;
    for (size_t i = 0; i < n_ids; i++) {
        int rc = taskorch_task_get(&gr->tasks[gr->n_tasks], ctx->db, ids[i]);
        if (rc == TASKORCH_ENOTFOUND)
            continue;
        if (rc) {
            free(ids);
            return fail_lib(ctx, rc);
        }
        n_members += task_key_count(gr->tasks[gr->n_tasks++], g);
    }
    free(ids);
    gr->members = calloc(n_members + 1, sizeof *gr->members);
    if (!gr->members)
        return fail(EXIT_FAILURE_, "out of memory");
    for (size_t i = 0; i < gr->n_tasks; i++)
        for (size_t k = 0; k < task_key_count(gr->tasks[i], g); k++)
            gr->members[gr->n_members++] = (struct member){task_key(gr->tasks[i], g, k), i};
    qsort_r(gr->members, gr->n_members, sizeof *gr->members, member_cmp, &g);
    return EXIT_OK;
}

static int print_groups(struct ctx *ctx, taskorch_task_iter *it, enum group_key g, enum format fmt)
{
    struct groups gr = {0};
    int code = collect_groups(ctx, it, g, &gr);
    if (code) {
        groups_free(&gr);
        return code;
    }
    if (fmt == FORMAT_JSON)
        putc_out('{');
    for (size_t i = 0; i < gr.n_members; i++) {
        const struct member *m = &gr.members[i];
        bool first = i == 0 || strcmp(m->key, m[-1].key);
        if (!first && m->task == m[-1].task)
            continue; /* the same key twice on one task */
        if (fmt == FORMAT_JSON) {
            if (first) {
                fprintf(tm_out, "%s", i ? "]," : "");
                put_json_string(tm_out, m->key);
                fprintf(tm_out, ":[");
            } else {
                putc_out(',');
            }
            print_task_json(gr.tasks[m->task]);
            continue;
        }
        if (first)
            fprintf(tm_out, "%s\n", m->key);
        print_grouped_line(gr.tasks[m->task], g, fmt);
    }
    if (fmt == FORMAT_JSON)
        fprintf(tm_out, "%s}\n", gr.n_members ? "]" : "");
    groups_free(&gr);
    return EXIT_OK;
}

static int parse_group(const char *v)
{
    static const char *const names[] = {"assignee", "status", "priority", "tag"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(v, names[i]))
            return i;
    return fail(EXIT_INVALID, "unknown --group-by key '%s'; use assignee, status, priority or tag",
                v),
           -1;
}

/* --assignee AGENT, where @me (and --mine) is the caller; -1 after reporting. */
static int assignee_arg(struct ctx *ctx, const char **out)
{
    const char *v = arg_value(ctx, "assignee");
    const char *me = taskorch_db_agent(ctx->db);
    if (v && !strcmp(v, "@me"))
        v = me;
    if (arg_has(ctx, "mine") && v && strcmp(v, me))
        return fail(EXIT_USAGE, "--mine and --assignee %s contradict each other", v), -1;
    *out = arg_has(ctx, "mine") ? me : v;
    return 0;
}

/* Runs a query and prints it as the --format asks. */
static int print_query(struct ctx *ctx, taskorch_task_query *q, int fmt, int group)
{
    if (fmt == FORMAT_JSON && group < 0)
        q->flags |= TASKORCH_QUERY_DETAILS;
    taskorch_task_iter *it = NULL;
    int rc = taskorch_task_iter_new(&it, ctx->db, q);
    if (rc)
        return fail_lib(ctx, rc);
    int code = EXIT_OK;
    if (group >= 0) {
        code = print_groups(ctx, it, (enum group_key)group, (enum format)fmt);
    } else if (fmt == FORMAT_JSON) {
        print_json_list(it);
    } else {
        const taskorch_task *t;
        while (taskorch_task_iter_next(it, &t) == TASKORCH_OK)
            print_task_line(t, (enum format)fmt, "");
    }
    taskorch_task_iter_free(it);
    return code;
}

int cmd_list(struct ctx *ctx)
{
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    int fmt = ctx_format(ctx, "text,simple,json");
    if (fmt < 0)
        return EXIT_INVALID;
    const char *v;
    if ((v = arg_value(ctx, "status")) && !(q.statuses = parse_statuses(v)))
        return EXIT_INVALID;
    if (assignee_arg(ctx, &q.assignee) < 0)
        return EXIT_USAGE;
    q.tag = arg_value(ctx, "tag");
    if ((v = arg_value(ctx, "priority")) && taskorch_priority_parse(&q.priority, v))
        return fail(EXIT_INVALID, "unknown priority '%s'; use low, medium, high or critical", v);
    if (arg_has(ctx, "unassigned"))
        q.flags |= TASKORCH_QUERY_UNASSIGNED;
    if (arg_has(ctx, "has-deps"))
        q.flags |= TASKORCH_QUERY_HAS_DEPS;
    if (arg_has(ctx, "ready"))
        q.flags |= TASKORCH_QUERY_READY;
    long limit = arg_positive(ctx, "limit");
    if (limit < 0)
        return EXIT_INVALID;
    q.limit = (size_t)limit;
    if ((q.sort = parse_sort(arg_value(ctx, "sort"))) < 0)
        return EXIT_INVALID;
    int group = -1;
    if ((v = arg_value(ctx, "group-by")) && (group = parse_group(v)) < 0)
        return EXIT_INVALID;
    return print_query(ctx, &q, fmt, group);
}

int cmd_ready(struct ctx *ctx)
{
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    int fmt = ctx_format(ctx, "text,simple,json");
    if (fmt < 0)
        return EXIT_INVALID;
    q.flags = TASKORCH_QUERY_READY;
    if (assignee_arg(ctx, &q.assignee) < 0)
        return EXIT_USAGE;
    long limit = arg_positive(ctx, "limit");
    if (limit < 0)
        return EXIT_INVALID;
    q.limit = (size_t)limit;
    return print_query(ctx, &q, fmt, -1);
}

static void export_markdown(const taskorch_task *t)
{
    fprintf(tm_out, "## %s: %s\n\n- status: %s\n- priority: %s\n- assignee: %s\n- created by: %s\n",
           taskorch_task_id(t), taskorch_task_title(t),
           taskorch_status_name(taskorch_task_status(t)),
           taskorch_priority_name(taskorch_task_priority(t)),
           taskorch_task_assignee(t) ? taskorch_task_assignee(t) : "(unassigned)",
           taskorch_task_created_by(t));
    if (taskorch_task_dep_count(t)) {
        fprintf(tm_out, "- depends on:");
        for (size_t i = 0; i < taskorch_task_dep_count(t); i++)
            fprintf(tm_out, " %s", taskorch_task_dep_id(t, i));
        putc_out('\n');
    }
    if (taskorch_task_tag_count(t)) {
        fprintf(tm_out, "- tags:");
        for (size_t i = 0; i < taskorch_task_tag_count(t); i++)
            fprintf(tm_out, " %s", taskorch_task_tag(t, i));
        putc_out('\n');
    }
    for (size_t i = 0; i < taskorch_task_file_count(t); i++) {
        fprintf(tm_out, "- file: ");
        print_file_ref(t, i);
        putc_out('\n');
    }
    if (taskorch_task_description(t))
        fprintf(tm_out, "\n%s\n", taskorch_task_description(t));
    putc_out('\n');
}

int cmd_export(struct ctx *ctx)
{
    int fmt = arg_value(ctx, "format") ? ctx_format(ctx, "json,markdown") : FORMAT_JSON;
    if (fmt < 0)
        return EXIT_INVALID;
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.sort = TASKORCH_SORT_CREATED;
    q.flags = TASKORCH_QUERY_DETAILS;
    taskorch_task_iter *it = NULL;
    int rc = taskorch_task_iter_new(&it, ctx->db, &q);
    if (rc)
        return fail_lib(ctx, rc);
    const taskorch_task *t;
    if (fmt == FORMAT_JSON) {
        fprintf(tm_out, "{\"format_version\":1,\"store\":");
        put_json_string(tm_out, taskorch_db_path(ctx->db));
        fprintf(tm_out, ",\"tasks\":[");
        for (bool first = true; taskorch_task_iter_next(it, &t) == TASKORCH_OK; first = false) {
            if (!first)
                putc_out(',');
            print_task_json(t);
        }
        fprintf(tm_out, "]}\n");
    } else {
        fprintf(tm_out, "# Tasks\n\n");
        while (taskorch_task_iter_next(it, &t) == TASKORCH_OK)
            export_markdown(t);
    }
    taskorch_task_iter_free(it);
    return EXIT_OK;
}
