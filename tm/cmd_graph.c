/* cmd_graph.c - the dependency graph as a whole: tm graph (every task and
 * edge, for Graphviz or programs) and tm critical-path (the longest chain
 * of unfinished work by estimate). Both are computed here from one task
 * list with dependency ids; the library has no graph code to share. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct graph {
    taskorch_task_iter *it;
    const taskorch_task **tasks; /* in list order: priority, then oldest */
    size_t n;
    size_t *by_id; /* indexes sorted by task id, for lookups */
};

static const struct graph *sort_graph;
static int cmp_by_id(const void *a, const void *b)
{
    return strcmp(taskorch_task_id(sort_graph->tasks[*(const size_t *)a]),
                  taskorch_task_id(sort_graph->tasks[*(const size_t *)b]));
}

static void graph_free(struct graph *g)
{
    free(g->tasks);
    free(g->by_id);
    taskorch_task_iter_free(g->it);
}

static int graph_load(struct ctx *ctx, struct graph *g)
{
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.flags = TASKORCH_QUERY_DETAILS;
    int rc = taskorch_task_iter_new(&g->it, ctx->db, &q);
    if (rc)
        return fail_lib(ctx, rc);
    g->n = taskorch_task_iter_count(g->it);
    g->tasks = calloc(g->n + 1, sizeof *g->tasks);
    g->by_id = calloc(g->n + 1, sizeof *g->by_id);
    if (!g->tasks || !g->by_id)
        return fail(EXIT_FAILURE_, "out of memory");
    size_t i = 0;
    while (i < g->n && taskorch_task_iter_next(g->it, &g->tasks[i]) == TASKORCH_OK)
        g->by_id[i] = i, i++;
    g->n = i;
    sort_graph = g;
    qsort(g->by_id, g->n, sizeof *g->by_id, cmp_by_id);
    return EXIT_OK;
}

/* Index of a task by id; (size_t)-1 when not in the list. */
static size_t graph_find(const struct graph *g, const char *id)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(id, taskorch_task_id(g->tasks[g->by_id[mid]]));
        if (!c)
            return g->by_id[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return (size_t)-1;
}

static bool unfinished(const taskorch_task *t)
{
    int s = taskorch_task_status(t);
    return s != TASKORCH_STATUS_COMPLETED && s != TASKORCH_STATUS_CANCELLED;
}

/* Hours a task counts for: its estimate, 1 without one. */
static double hours(const taskorch_task *t)
{
    return taskorch_task_estimate(t) > 0 ? taskorch_task_estimate(t) : 1.0;
}

/* A string as a Graphviz quoted string. */
static void dot_string(const char *s)
{
    putc_out('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(tm_out, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", tm_out);
        else if ((unsigned char)*s >= 0x20)
            putc_out(*s);
    }
    putc_out('"');
}

static void dot_node(const taskorch_task *t)
{
    fprintf(tm_out, "  \"%s\" [label=", taskorch_task_id(t));
    size_t len = strlen(taskorch_task_id(t)) + strlen(taskorch_task_title(t)) + 64;
    char *label = malloc(len);
    if (label) {
        snprintf(label, len, "%s\n%s\n%s", taskorch_task_id(t), taskorch_task_title(t),
                 taskorch_status_name(taskorch_task_status(t)));
        dot_string(label);
        free(label);
    } else {
        dot_string(taskorch_task_id(t));
    }
    fprintf(tm_out, ", status=\"%s\"", taskorch_status_name(taskorch_task_status(t)));
    if (taskorch_task_estimate(t) > 0)
        fprintf(tm_out, ", estimate=\"%g\"", taskorch_task_estimate(t));
    fprintf(tm_out, "];\n");
}

int cmd_graph(struct ctx *ctx)
{
    int fmt =
        arg_value(ctx, "format") || arg_has(ctx, "json") ? ctx_format(ctx, "dot,json") : FORMAT_DOT;
    if (fmt < 0)
        return EXIT_INVALID;
    struct graph g = {0};
    int code = graph_load(ctx, &g);
    if (code) {
        graph_free(&g);
        return code;
    }
    if (fmt == FORMAT_JSON) {
        fprintf(tm_out, "{\"tasks\":[");
        for (size_t i = 0; i < g.n; i++) {
            if (i)
                putc_out(',');
            print_task_json(g.tasks[i]);
        }
        fprintf(tm_out, "],\"edges\":[");
        bool first = true;
        for (size_t i = 0; i < g.n; i++)
            for (size_t d = 0; d < taskorch_task_dep_count(g.tasks[i]); d++) {
                fprintf(tm_out, "%s{\"from\":", first ? "" : ",");
                put_json_string(tm_out, taskorch_task_dep_id(g.tasks[i], d));
                fprintf(tm_out, ",\"to\":");
                put_json_string(tm_out, taskorch_task_id(g.tasks[i]));
                putc_out('}');
                first = false;
            }
        fprintf(tm_out, "]}\n");
    } else {
        fprintf(tm_out, "digraph tasks {\n");
        for (size_t i = 0; i < g.n; i++)
            dot_node(g.tasks[i]);
        for (size_t i = 0; i < g.n; i++)
            for (size_t d = 0; d < taskorch_task_dep_count(g.tasks[i]); d++)
                fprintf(tm_out, "  \"%s\" -> \"%s\";\n", taskorch_task_dep_id(g.tasks[i], d),
                       taskorch_task_id(g.tasks[i]));
        fprintf(tm_out, "}\n");
    }
    graph_free(&g);
    return EXIT_OK;
}

/* The longest chain of unfinished tasks by hours, following edges from a
 * dependency to its dependent; ties go to the chain ending at the task
 * listed first. Fills chain (first to do first) and returns its length. */
static size_t longest_chain(const struct graph *g, size_t *chain, double *total)
{
    size_t n = g->n, len = 0;
    double *best = calloc(n + 1, sizeof *best);
    size_t *prev = calloc(n + 1, sizeof *prev), *indeg = calloc(n + 1, sizeof *indeg);
    size_t *start = calloc(n + 2, sizeof *start), *adj = NULL,
           *queue = calloc(n + 1, sizeof *queue);
    size_t n_edges = 0;
    *total = 0;
    if (!best || !prev || !indeg || !start || !queue)
        goto out;
    /* Edges dep -> task between unfinished tasks, as adjacency lists. */
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; unfinished(g->tasks[i]) && d < taskorch_task_dep_count(g->tasks[i]);
             d++) {
            size_t j = graph_find(g, taskorch_task_dep_id(g->tasks[i], d));
            if (j != (size_t)-1 && unfinished(g->tasks[j])) {
                start[j + 1]++;
                indeg[i]++;
                n_edges++;
            }
        }
    for (size_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    adj = calloc(n_edges + 1, sizeof *adj);
    size_t *fill = calloc(n + 1, sizeof *fill);
    if (!adj || !fill) {
        free(fill);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; unfinished(g->tasks[i]) && d < taskorch_task_dep_count(g->tasks[i]);
             d++) {
            size_t j = graph_find(g, taskorch_task_dep_id(g->tasks[i], d));
            if (j != (size_t)-1 && unfinished(g->tasks[j]))
                adj[start[j] + fill[j]++] = i;
        }
    free(fill);
    /* Kahn's order over the (acyclic) unfinished part. */
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n; i++) {
        prev[i] = (size_t)-1;
        best[i] = hours(g->tasks[i]);
        if (unfinished(g->tasks[i]) && !indeg[i])
            queue[tail++] = i;
    }
    while (head < tail) {
        size_t i = queue[head++];
        for (size_t e = start[i]; e < start[i + 1]; e++) {
            size_t j = adj[e];
            if (best[i] + hours(g->tasks[j]) > best[j] ||
                (best[i] + hours(g->tasks[j]) == best[j] && prev[j] != (size_t)-1 && i < prev[j]))
                best[j] = best[i] + hours(g->tasks[j]), prev[j] = i;
            if (!--indeg[j])
                queue[tail++] = j;
        }
    }
    size_t end = (size_t)-1;
    for (size_t i = 0; i < n; i++)
        if (unfinished(g->tasks[i]) && (end == (size_t)-1 || best[i] > best[end]))
            end = i;
    if (end != (size_t)-1) {
        *total = best[end];
        for (size_t i = end; i != (size_t)-1; i = prev[i])
            chain[len++] = i;
        for (size_t a = 0, b = len - 1; a < b; a++, b--) {
            size_t tmp = chain[a];
            chain[a] = chain[b];
            chain[b] = tmp;
        }
    }
out:
    free(best);
    free(prev);
    free(indeg);
    free(start);
    free(adj);
    free(queue);
    return len;
}

int cmd_critical_path(struct ctx *ctx)
{
    int fmt = ctx_format(ctx, "text,json,dot");
    if (fmt < 0)
        return EXIT_INVALID;
    struct graph g = {0};
    int code = graph_load(ctx, &g);
    size_t *chain = code ? NULL : calloc(g.n + 1, sizeof *chain);
    if (!code && !chain)
        code = fail(EXIT_FAILURE_, "out of memory");
    if (code) {
        graph_free(&g);
        return code;
    }
    double total;
    size_t len = longest_chain(&g, chain, &total);
    if (fmt == FORMAT_JSON) {
        fprintf(tm_out, "{\"total_hours\":%.15g,\"tasks\":[", total);
        for (size_t i = 0; i < len; i++) {
            if (i)
                putc_out(',');
            print_task_json(g.tasks[chain[i]]);
        }
        fprintf(tm_out, "]}\n");
    } else if (fmt == FORMAT_DOT) {
        fprintf(tm_out, "digraph critical_path {\n");
        for (size_t i = 0; i < len; i++)
            dot_node(g.tasks[chain[i]]);
        for (size_t i = 1; i < len; i++)
            fprintf(tm_out, "  \"%s\" -> \"%s\";\n", taskorch_task_id(g.tasks[chain[i - 1]]),
                   taskorch_task_id(g.tasks[chain[i]]));
        fprintf(tm_out, "}\n");
    } else if (len) {
        for (size_t i = 0; i < len; i++) {
            const taskorch_task *t = g.tasks[chain[i]];
            char h[32];
            snprintf(h, sizeof h, "%gh%s", hours(t), taskorch_task_estimate(t) > 0 ? "" : "*");
            fprintf(tm_out, "%s  %-7s  %-11s  %s\n", taskorch_task_id(t), h,
                   taskorch_status_name(taskorch_task_status(t)), taskorch_task_title(t));
        }
        fprintf(tm_out, "total: %gh in %zu task%s\n", total, len, len == 1 ? "" : "s");
    }
    free(chain);
    graph_free(&g);
    return EXIT_OK;
}
