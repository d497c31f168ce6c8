/* cmd_watch.c - tm watch: the change feed, like unread mail.
 *
 * Each agent has its own cursor (named by its agent id) in the store, so
 * every agent sees every event once, however many agents watch. A plain
 * watch moves the cursor named by the agent id; each filtered view
 * (--task, --kind, --mine) keeps its own cursor, "AGENT/view-HASH" (no agent id can hold a slash),
 * so it too shows only what is new in that view. --since starts elsewhere and moves no cursor.
 * Following polls the store's data_version through taskorch_event_wait, holding no transaction
 * while idle. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* The typed members of an event; those it lacks are left out. */
static void print_typed_members(FILE *f, const taskorch_event *ev)
{
    const char *from = taskorch_status_name(taskorch_event_from(ev));
    const char *to = taskorch_status_name(taskorch_event_to(ev));
    if (from)
        fprintf(f, ",\"from\":\"%s\"", from);
    if (to)
        fprintf(f, ",\"to\":\"%s\"", to);
    if (taskorch_event_assignee(ev)) {
        fprintf(f, ",\"assignee\":");
        put_json_string(f, taskorch_event_assignee(ev));
    }
    if (taskorch_event_claim(ev))
        fprintf(f, ",\"claim\":%lld", (long long)taskorch_event_claim(ev));
    if (taskorch_event_lease_until(ev)) {
        fprintf(f, ",\"lease_expires\":");
        json_time(f, taskorch_event_lease_until(ev));
    }
    if (taskorch_event_cause(ev)) {
        fprintf(f, ",\"cause\":");
        put_json_string(f, taskorch_event_cause(ev));
    }
    if (taskorch_event_msg_id(ev))
        fprintf(f, ",\"message_id\":%lld", (long long)taskorch_event_msg_id(ev));
    if (taskorch_event_forced(ev))
        fprintf(f, ",\"forced\":true");
}

static void print_event(FILE *f, const taskorch_event *ev, enum format fmt)
{
    char when[32];
    format_time(when, sizeof when, taskorch_event_time(ev));
    const char *task = taskorch_event_task_id(ev);
    if (fmt == FORMAT_JSON) {
        fprintf(f, "{\"id\":%lld,\"time\":\"%s\",\"kind\":\"%s\",\"task\":",
                (long long)taskorch_event_id(ev), when, taskorch_event_kind(ev));
        put_json_string(f, task);
        fprintf(f, ",\"agent\":");
        put_json_string(f, taskorch_event_agent(ev));
        fprintf(f, ",\"text\":");
        put_json_string(f, taskorch_event_text(ev));
        print_typed_members(f, ev);
        fprintf(f, "}\n");
        return;
    }
    const char *kind = taskorch_event_kind(ev);
    bool loud = !strcmp(kind, "discover") || !strcmp(kind, "sync");
    fprintf(f, "#%lld %s %s %s%s%s %s: ", (long long)taskorch_event_id(ev), when, task ? task : "-",
            loud ? "** " : "", kind, loud ? " **" : "", taskorch_event_agent(ev));
    /* One line per event, so `| wc -l` counts events. */
    for (const char *p = taskorch_event_text(ev); *p; p++)
        if (*p == '\n')
            fputs(" / ", f);
        else
            putc(*p, f);
    putc('\n', f);
}

struct watch {
    taskorch_event_query q;
    char consumer[96]; /* cursor name; "" for a peek */
    const char **kinds;
    enum format fmt;
    long remaining; /* --limit; 0 = no limit */
};

/* Prints what is new after q.after; advances q.after and the cursor. The
 * events are printed only once the cursor has moved past them, so a watch
 * that fails prints nothing (and a crash in between loses them for this
 * cursor rather than showing them twice). */
static int drain(struct ctx *ctx, struct watch *w)
{
    taskorch_event_iter *it = NULL;
    if (w->remaining)
        w->q.limit = (size_t)w->remaining;
    int rc = taskorch_event_iter_new(&it, ctx->db, &w->q);
    if (rc)
        return fail_lib(ctx, rc);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out) {
        taskorch_event_iter_free(it);
        return fail(EXIT_FAILURE_, "out of memory");
    }
    const taskorch_event *ev;
    int64_t last = w->q.after;
    long printed = 0;
    while (taskorch_event_iter_next(it, &ev) == TASKORCH_OK) {
        print_event(out, ev, w->fmt);
        last = taskorch_event_id(ev);
        printed++;
    }
    taskorch_event_iter_free(it);
    if (fclose(out) != 0) {
        free(buf);
        return fail(EXIT_FAILURE_, "out of memory");
    }
    if (last != w->q.after && *w->consumer &&
        (rc = taskorch_cursor_set(ctx->db, w->consumer, last))) {
        free(buf);
        return fail_lib(ctx, rc);
    }
    w->q.after = last;
    if (w->remaining)
        w->remaining -= printed;
    fwrite(buf, 1, len, tm_out);
    free(buf);
    fflush(tm_out);
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
    if (fmt < 0)
        return EXIT_INVALID;
    long limit = arg_positive(ctx, "limit");
    if (limit < 0)
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
                            "share, discover, sync, progress, claimed, released or expired",
                            w->kinds[i]);
    }
    const char *since = arg_value(ctx, "since");
    if (!since)
        name_cursor(ctx, w);
    if (since) {
        long long v = 0;
        if (arg_int(ctx, "since", 0, INT64_MAX, "an event id (a non-negative integer)", &v))
            return EXIT_INVALID;
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
    long long timeout = -1; /* ms */
    const char *t = arg_value(ctx, "timeout");
    if (!code && t) {
        int64_t ms;
        if (parse_millis(t, 1000000000000LL, &timeout))
            ;                                                    /* seconds, like 5 or 0.5 */
        else if (taskorch_duration_parse(&ms, t) == TASKORCH_OK) /* 90s, 2m */
            timeout = ms;
        else
            code = fail(EXIT_INVALID,
                        "--timeout must be a number of seconds or a duration (90s, 2m), "
                        "not '%s'",
                        t);
    }
    /* Terminal or not: only --follow follows. --limit ends a follow after N
     * events in all, counting those printed by the first drain. */
    bool follow = !code && arg_has(ctx, "follow");
    bool limited = w.remaining > 0;
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
    while (!interrupted && !code && !(limited && w.remaining == 0)) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        int slice = 200; /* short slices so signals end the wait promptly */
        if (timeout >= 0) {
            int64_t left = start + timeout - now;
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
