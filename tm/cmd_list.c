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
    putchar('[');
    for (bool first = true; taskorch_task_iter_next(it, &t) == TASKORCH_OK; first = false) {
        if (!first)
            putchar(',');
        print_task_json(t);
    }
    printf("]\n");
}

/* ---- --group-by ---- */

enum group_key { GROUP_ASSIGNEE, GROUP_STATUS, GROUP_PRIORITY, GROUP_TAG };

/* Keys of one task under a grouping (a task has several under GROUP_TAG). */
static size_t task_keys(const taskorch_task *t, enum group_key g, const char **keys, size_t max)
{
    switch (g) {
    case GROUP_ASSIGNEE:
        keys[0] = taskorch_task_assignee(t) ? taskorch_task_assignee(t) : "(unassigned)";
        return 1;
    case GROUP_STATUS: keys[0] = taskorch_status_name(taskorch_task_status(t)); return 1;
    case GROUP_PRIORITY: keys[0] = taskorch_priority_name(taskorch_task_priority(t)); return 1;
    case GROUP_TAG: {
        size_t n = taskorch_task_tag_count(t);
        if (n == 0) {
            keys[0] = "(untagged)";
            return 1;
        }
        for (size_t i = 0; i < n && i < max; i++)
            keys[i] = taskorch_task_tag(t, i);
        return n < max ? n : max;
    }
    }
    return 0;
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
    printf("  %s", taskorch_task_id(t));
    if (g != GROUP_STATUS)
        printf("  %-11s", taskorch_status_name(taskorch_task_status(t)));
    if (g != GROUP_PRIORITY)
        printf("  %-8s", taskorch_priority_name(taskorch_task_priority(t)));
    if (g != GROUP_ASSIGNEE)
        printf("  %-20s", assignee ? assignee : "-");
    printf("  %s\n", taskorch_task_title(t));
}

static enum group_key sort_key_kind;
static int qsort_keys(const void *a, const void *b)
{
    return key_cmp(sort_key_kind, *(const char *const *)a, *(const char *const *)b);
}

static int print_groups(taskorch_task_iter *it, enum group_key g, enum format fmt)
{
    size_t n = taskorch_task_iter_count(it), n_keys = 0, cap = n * 4 + 4;
    const taskorch_task **tasks = calloc(n + 1, sizeof *tasks);
    const char **keys = calloc(cap, sizeof *keys);
    if (!tasks || !keys) {
        free(tasks);
        free(keys);
        return fail(EXIT_FAILURE_, "out of memory");
    }
    for (size_t i = 0; taskorch_task_iter_next(it, &tasks[i]) == TASKORCH_OK; i++) {
        const char *k[64];
        size_t m = task_keys(tasks[i], g, k, 64);
        for (size_t j = 0; j < m; j++) {
            bool seen = false;
            for (size_t q = 0; q < n_keys && !seen; q++)
                seen = !strcmp(keys[q], k[j]);
            if (!seen && n_keys < cap)
                keys[n_keys++] = k[j];
        }
    }
    sort_key_kind = g;
    qsort(keys, n_keys, sizeof *keys, qsort_keys);
    if (fmt == FORMAT_JSON)
        putchar('{');
    for (size_t q = 0; q < n_keys; q++) {
        if (fmt == FORMAT_JSON) {
            printf("%s", q ? "," : "");
            json_string(stdout, keys[q]);
            printf(":[");
        } else {
            printf("%s\n", keys[q]);
        }
        bool first = true;
        for (size_t i = 0; i < n; i++) {
            const char *k[64];
            size_t m = task_keys(tasks[i], g, k, 64);
            for (size_t j = 0; j < m; j++)
                if (!strcmp(k[j], keys[q])) {
                    if (fmt == FORMAT_JSON) {
                        printf("%s", first ? "" : ",");
                        print_task_json(tasks[i]);
                    } else {
                        print_grouped_line(tasks[i], g, fmt);
                    }
                    first = false;
                    break;
                }
        }
        if (fmt == FORMAT_JSON)
            putchar(']');
    }
    if (fmt == FORMAT_JSON)
        printf("}\n");
    free(tasks);
    free(keys);
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
    if (fmt == FORMAT_JSON || group == GROUP_TAG)
        q->flags |= TASKORCH_QUERY_DETAILS;
    taskorch_task_iter *it = NULL;
    int rc = taskorch_task_iter_new(&it, ctx->db, q);
    if (rc)
        return fail_lib(ctx, rc);
    int code = EXIT_OK;
    if (group >= 0) {
        code = print_groups(it, (enum group_key)group, (enum format)fmt);
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
    printf("## %s: %s\n\n- status: %s\n- priority: %s\n- assignee: %s\n- created by: %s\n",
           taskorch_task_id(t), taskorch_task_title(t),
           taskorch_status_name(taskorch_task_status(t)),
           taskorch_priority_name(taskorch_task_priority(t)),
           taskorch_task_assignee(t) ? taskorch_task_assignee(t) : "(unassigned)",
           taskorch_task_created_by(t));
    if (taskorch_task_dep_count(t)) {
        printf("- depends on:");
        for (size_t i = 0; i < taskorch_task_dep_count(t); i++)
            printf(" %s", taskorch_task_dep_id(t, i));
        putchar('\n');
    }
    if (taskorch_task_tag_count(t)) {
        printf("- tags:");
        for (size_t i = 0; i < taskorch_task_tag_count(t); i++)
            printf(" %s", taskorch_task_tag(t, i));
        putchar('\n');
    }
    for (size_t i = 0; i < taskorch_task_file_count(t); i++) {
        printf("- file: ");
        print_file_ref(t, i);
        putchar('\n');
    }
    if (taskorch_task_description(t))
        printf("\n%s\n", taskorch_task_description(t));
    putchar('\n');
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
        printf("{\"format_version\":1,\"store\":");
        json_string(stdout, taskorch_db_path(ctx->db));
        printf(",\"tasks\":[");
        for (bool first = true; taskorch_task_iter_next(it, &t) == TASKORCH_OK; first = false) {
            if (!first)
                putchar(',');
            print_task_json(t);
        }
        printf("]}\n");
    } else {
        printf("# Tasks\n\n");
        while (taskorch_task_iter_next(it, &t) == TASKORCH_OK)
            export_markdown(t);
    }
    taskorch_task_iter_free(it);
    return EXIT_OK;
}
