/* cmd_watch.c - tm watch: the change feed, like unread mail.
 *
 * Each agent has its own cursor (named by its agent id) in the store, so
 * every agent sees every event once, however many agents watch. A plain
 * watch moves the cursor named by the agent id; each filtered view
 * (--task, --kind, --mine) keeps its own cursor, "AGENT:view-HASH", so it
 * too shows only what is new in that view. --since starts elsewhere and
 * moves no cursor. Following polls the store's
 * data_version through taskorch_event_wait, holding no transaction while
 * idle. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void print_event(const taskorch_event *ev, enum format fmt)
{
    char when[32];
    format_time(when, sizeof when, taskorch_event_time(ev));
    const char *task = taskorch_event_task_id(ev);
    if (fmt == FORMAT_JSON) {
        printf("{\"id\":%lld,\"time\":\"%s\",\"kind\":\"%s\",\"task\":",
               (long long)taskorch_event_id(ev), when, taskorch_event_kind(ev));
        json_string(stdout, task);
        printf(",\"agent\":");
        json_string(stdout, taskorch_event_agent(ev));
        printf(",\"text\":");
        json_string(stdout, taskorch_event_text(ev));
        printf("}\n");
        return;
    }
    const char *kind = taskorch_event_kind(ev);
    bool loud = !strcmp(kind, "discover") || !strcmp(kind, "sync");
    printf("#%lld %s %s %s%s%s %s: ", (long long)taskorch_event_id(ev), when, task ? task : "-",
           loud ? "** " : "", kind, loud ? " **" : "", taskorch_event_agent(ev));
    /* One line per event, so `| wc -l` counts events. */
    for (const char *p = taskorch_event_text(ev); *p; p++)
        if (*p == '\n')
            fputs(" / ", stdout);
        else
            putchar(*p);
    putchar('\n');
}

struct watch {
    taskorch_event_query q;
    char consumer[96]; /* cursor name; "" for a peek */
    const char **kinds;
    enum format fmt;
    long remaining; /* --limit; 0 = no limit */
};

/* Prints what is new after q.after; advances q.after. */
static int drain(struct ctx *ctx, struct watch *w)
{
    taskorch_event_iter *it = NULL;
    if (w->remaining)
        w->q.limit = (size_t)w->remaining;
    int rc = taskorch_event_iter_new(&it, ctx->db, &w->q);
    if (rc)
        return fail_lib(ctx, rc);
    const taskorch_event *ev;
    int64_t last = w->q.after;
    while (taskorch_event_iter_next(it, &ev) == TASKORCH_OK) {
        print_event(ev, w->fmt);
        last = taskorch_event_id(ev);
        if (w->remaining)
            w->remaining--;
    }
    taskorch_event_iter_free(it);
    fflush(stdout);
    if (last != w->q.after) {
        w->q.after = last;
        if (*w->consumer && (rc = taskorch_cursor_set(ctx->db, w->consumer, last)))
            return fail_lib(ctx, rc);
    }
    return EXIT_OK;
}

/* The cursor of this view: the agent id, or the agent id and a hash of
 * the filters (task id resolved, kinds in the order given). */
static void name_cursor(struct ctx *ctx, struct watch *w)
{
    const char *agent = taskorch_db_agent(ctx->db);
    if (!w->q.task && !w->q.n_kinds && !(w->q.flags & TASKORCH_EVENTS_MINE)) {
        snprintf(w->consumer, sizeof w->consumer, "%s", agent);
        return;
    }
    char task[TASKORCH_ID_SIZE] = "";
    if (w->q.task)
        taskorch_task_resolve(task, ctx->db, w->q.task);
    uint32_t h = 2166136261u;
    const char *parts[2] = {task, (w->q.flags & TASKORCH_EVENTS_MINE) ? "mine" : ""};
    for (size_t i = 0; i < 2 + w->q.n_kinds; i++) {
        const char *p = i < 2 ? parts[i] : w->q.kinds[i - 2];
        for (; *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
        h = (h ^ '|') * 16777619u;
    }
    snprintf(w->consumer, sizeof w->consumer, "%s/view-%08x", agent, (unsigned)h);
}

static int parse_watch(struct ctx *ctx, struct watch *w)
{
    int fmt = ctx_format(ctx, "text,json");
    long limit = arg_positive(ctx, "limit");
    if (fmt < 0 || limit < 0)
        return EXIT_INVALID;
    w->fmt = (enum format)fmt;
    w->remaining = limit;
    w->q.task = arg_value(ctx, "task");
    if (arg_has(ctx, "mine"))
        w->q.flags |= TASKORCH_EVENTS_MINE;
    const char *kinds = arg_value(ctx, "kind");
    if (kinds) {
        w->q.n_kinds = arg_values(ctx, "kind", true, &w->kinds);
        w->q.kinds = w->kinds;
        for (size_t i = 0; i < w->q.n_kinds; i++)
            if (!taskorch_event_kind_known(w->kinds[i]))
                return fail(EXIT_INVALID,
                            "unknown event kind '%s'; use created, updated, status, assigned, "
                            "unblocked, blocked, dep_added, dep_removed, deleted, joined, note, "
                            "share, discover, sync or progress",
                            w->kinds[i]);
    }
    const char *since = arg_value(ctx, "since");
    if (!since)
        name_cursor(ctx, w);
    if (since) {
        char *end;
        long long v = strtoll(since, &end, 10);
        if (!*since || *end || v < 0)
            return fail(EXIT_INVALID,
                        "--since must be an event id (a non-negative integer), "
                        "not '%s'",
                        since);
        w->q.after = v;
    } else {
        int rc = *w->consumer ? taskorch_cursor_get(&w->q.after, ctx->db, w->consumer) : 0;
        if (rc)
            return fail_lib(ctx, rc);
    }
    if (w->q.task) {
        char id[TASKORCH_ID_SIZE];
        int rc = taskorch_task_resolve(id, ctx->db, w->q.task);
        if (rc)
            return fail_lib(ctx, rc);
    }
    return EXIT_OK;
}

int cmd_watch(struct ctx *ctx)
{
    struct watch w = {.q = TASKORCH_EVENT_QUERY_INIT};
    int code = parse_watch(ctx, &w);
    double timeout = -1;
    const char *t = arg_value(ctx, "timeout");
    if (!code && t) {
        char *end;
        timeout = strtod(t, &end);
        if (!*t || *end || !(timeout >= 0) || timeout > 1e9)
            code = fail(EXIT_INVALID, "--timeout must be a number of seconds, not '%s'", t);
    }
    bool follow = !code && (arg_has(ctx, "follow") || isatty(STDOUT_FILENO));
    if (!code)
        code = drain(ctx, &w);
    if (code || !follow) {
        free(w.kinds);
        return code;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t start = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    bool limited = w.remaining > 0;
    while (!interrupted && !code && !(limited && w.remaining == 0)) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        int slice = 200; /* short slices so signals end the wait promptly */
        if (timeout >= 0) {
            int64_t left = start + (int64_t)llround(timeout * 1000) - now;
            if (left <= 0)
                break;
            if (left < slice)
                slice = (int)left;
        }
        int rc = taskorch_event_wait(ctx->db, w.q.after, slice);
        if (rc == TASKORCH_OK)
            code = drain(ctx, &w);
        else if (rc != TASKORCH_ETIMEOUT)
            code = fail_lib(ctx, rc);
    }
    free(w.kinds);
    return code;
}
