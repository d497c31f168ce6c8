/* cmd_msg.c - the channels: join, note/share/discover/sync/progress, and
 * context to review a task's conversation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_join(struct ctx *ctx)
{
    int fmt = write_format(ctx);
    if (fmt < 0)
        return EXIT_INVALID;
    int code = ctx_next_write(ctx, false);
    if (code)
        return code;
    int rc = taskorch_task_join(ctx->db, ctx->args.pos[0]);
    if (rc)
        return fail_lib(ctx, rc);
    const char *id = taskorch_db_write_id(ctx->db, 0);
    if (fmt == FORMAT_JSON)
        return print_task_by_id(ctx, id);
    fprintf(tm_out, "Joined task: %s\n", id);
    return EXIT_OK;
}

/* Prints a message just posted: {id, task, kind, author, text, time}. */
static int print_posted_json(struct ctx *ctx, const char *task, int64_t msg_id)
{
    taskorch_msg_query q = TASKORCH_MSG_QUERY_INIT;
    q.since = msg_id - 1;
    taskorch_msg_iter *it = NULL;
    int rc = taskorch_msg_iter_new(&it, ctx->db, task, &q);
    if (rc)
        return fail_lib(ctx, rc);
    const taskorch_msg *m;
    while ((rc = taskorch_msg_iter_next(it, &m)) == TASKORCH_OK && taskorch_msg_id(m) != msg_id)
        ;
    if (rc == TASKORCH_OK) {
        fprintf(tm_out, "{\"id\":%lld,\"task\":", (long long)msg_id);
        put_json_string(tm_out, taskorch_msg_task_id(m));
        fprintf(tm_out, ",\"kind\":\"%s\",\"author\":", taskorch_msg_kind_name(taskorch_msg_kind(m)));
        put_json_string(tm_out, taskorch_msg_author(m));
        fprintf(tm_out, ",\"text\":");
        put_json_string(tm_out, taskorch_msg_text(m));
        fprintf(tm_out, ",\"time\":");
        json_time(tm_out, taskorch_msg_created_at(m));
        fprintf(tm_out, "}\n");
    }
    taskorch_msg_iter_free(it);
    return rc == TASKORCH_OK
               ? EXIT_OK
               : fail(EXIT_FAILURE_, "message %lld was posted but cannot be read back",
                      (long long)msg_id);
}

/* Reads all of standard input, refusing more than the message limit plus
 * a little room for trailing newlines, which are dropped. *len is the
 * byte count (a NUL inside makes it differ from strlen). NULL with *len 0:
 * out of memory; NULL with *len > 0: too long. */
static char *read_stdin(size_t *len)
{
    size_t cap = TASKORCH_MSG_MAX + 4096, n = 0;
    char *buf = malloc(cap + 1);
    *len = 0;
    if (!buf)
        return NULL;
    size_t got;
    while (n < cap && (got = fread(buf + n, 1, cap - n, stdin)) > 0)
        n += got;
    if (n == cap && getchar() != EOF) {
        free(buf);
        *len = n + 1;
        return NULL;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Joins argv words with single spaces. */
static char *join_words(const char *const *words, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(words[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t m = strlen(words[i]);
        if (i)
            *p++ = ' ';
        memcpy(p, words[i], m);
        p += m;
    }
    *p = '\0';
    return s;
}

int cmd_post(struct ctx *ctx)
{
    int kind;
    if (taskorch_msg_kind_parse(&kind, ctx->cmd->name) != TASKORCH_OK)
        return fail(EXIT_FAILURE_, "internal: '%s' is not a message kind", ctx->cmd->name);
    if (ctx->args.n_pos < 2)
        return fail(EXIT_USAGE,
                    "missing message: usage: tm %s ID MESSAGE... (or - to read "
                    "standard input)",
                    ctx->cmd->name);
    int fmt = write_format(ctx);
    if (fmt < 0)
        return EXIT_INVALID;
    char *text;
    /* "-" reads standard input only where the command says so, and never
     * in tm mcp, whose standard input is the transport. */
    if (ctx->cmd->reads_stdin && !ctx->no_stdin && ctx->args.n_pos == 2 &&
        !strcmp(ctx->args.pos[1], "-")) {
        size_t len;
        text = read_stdin(&len);
        if (!text && len)
            return fail(EXIT_INVALID,
                        "message on standard input is longer than the limit of "
                        "%d bytes",
                        TASKORCH_MSG_MAX);
        if (text && strlen(text) != len) {
            free(text);
            return fail(EXIT_INVALID, "message contains a NUL byte; send text only");
        }
    } else {
        text = join_words(ctx->args.pos + 1, ctx->args.n_pos - 1);
    }
    if (!text)
        return fail(EXIT_FAILURE_, "out of memory");
    /* The request id ($TM_REQUEST_ID too), --claim and --force. */
    int code = ctx_next_write(ctx, true);
    if (code) {
        free(text);
        return code;
    }
    int64_t msg_id = 0;
    int rc = taskorch_msg_post(&msg_id, ctx->db, ctx->args.pos[0], kind, text, NULL);
    free(text);
    if (rc)
        return fail_lib(ctx, rc);
    const char *id = taskorch_db_write_id(ctx->db, 0);
    if (fmt == FORMAT_JSON)
        return print_posted_json(ctx, id, msg_id);
    static const char *const confirmations[] = {
        "Added private note for task %s\n", "Shared update for task %s\n",
        "Discovery shared for task %s\n",   "Created sync point for task %s\n",
        "Progress update added\n",
    };
    fprintf(tm_out, confirmations[kind], id);
    return EXIT_OK;
}

/* Parses a non-negative integer option; 0 when absent, -1 after reporting. */
static int64_t arg_count(const struct ctx *ctx, const char *name)
{
    long long n = 0;
    return arg_int(ctx, name, 0, INT64_MAX, "a non-negative integer", &n) ? -1 : n;
}

/* Prints text with continuation lines indented under the first. */
static void print_indented(const char *text, const char *indent)
{
    for (const char *p = text; *p; p++) {
        putc_out(*p);
        if (*p == '\n')
            fputs(indent, tm_out);
    }
    putc_out('\n');
}

static void print_msg_text(const taskorch_msg *m)
{
    char when[32];
    format_time(when, sizeof when, taskorch_msg_created_at(m));
    int kind = taskorch_msg_kind(m);
    const char *label = kind == TASKORCH_MSG_DISCOVER ? "DISCOVERY"
                        : kind == TASKORCH_MSG_SYNC   ? "SYNC"
                        : kind == TASKORCH_MSG_NOTE   ? "note"
                                                      : taskorch_msg_kind_name(kind);
    fprintf(tm_out, "  #%lld %s %s [%s] ", (long long)taskorch_msg_id(m), when, taskorch_msg_author(m),
           label);
    print_indented(taskorch_msg_text(m), "      ");
}

static void print_msg_json(const taskorch_msg *m, bool first)
{
    fprintf(tm_out, "%s{\"id\":%lld,\"time\":", first ? "" : ",", (long long)taskorch_msg_id(m));
    json_time(tm_out, taskorch_msg_created_at(m));
    fprintf(tm_out, ",\"kind\":\"%s\",\"author\":", taskorch_msg_kind_name(taskorch_msg_kind(m)));
    put_json_string(tm_out, taskorch_msg_author(m));
    fprintf(tm_out, ",\"text\":");
    put_json_string(tm_out, taskorch_msg_text(m));
    putc_out('}');
}

static int context_json(struct ctx *ctx, const taskorch_task *t, char **people,
                        taskorch_msg_iter *it)
{
    fprintf(tm_out, "{\"task\":");
    print_task_json(t);
    size_t n = 0;
    while (people[n])
        n++;
    print_json_strings("participants", (const char *const *)people, n);
    fprintf(tm_out, ",\"agent\":");
    put_json_string(tm_out, taskorch_db_agent(ctx->db));
    fprintf(tm_out, ",\"messages\":[");
    const taskorch_msg *m;
    for (bool first = true; taskorch_msg_iter_next(it, &m) == TASKORCH_OK; first = false)
        print_msg_json(m, first);
    fprintf(tm_out, "]}\n");
    return EXIT_OK;
}

static void print_msgs(taskorch_msg_iter *it, const char *when_empty)
{
    const taskorch_msg *m;
    bool any = false;
    while (taskorch_msg_iter_next(it, &m) == TASKORCH_OK) {
        print_msg_text(m);
        any = true;
    }
    if (!any)
        fprintf(tm_out, "  %s\n", when_empty);
}

/* shared holds every kind but notes; notes only the caller's notes. */
static int context_text(struct ctx *ctx, const taskorch_task *t, char **people,
                        taskorch_msg_iter *shared, taskorch_msg_iter *notes)
{
    fprintf(tm_out, "Task: %s\nTitle: %s\nStatus: %s\nAssignee: %s\nParticipants:", taskorch_task_id(t),
           taskorch_task_title(t), taskorch_status_name(taskorch_task_status(t)),
           taskorch_task_assignee(t) ? taskorch_task_assignee(t) : "(unassigned)");
    for (size_t i = 0; people[i]; i++)
        fprintf(tm_out, "%s%s", i ? ", " : " ", people[i]);
    fprintf(tm_out, "%s\n", people[0] ? "" : " (none)");
    fprintf(tm_out, "\nShared timeline:\n");
    print_msgs(shared, "(nothing shared yet)");
    fprintf(tm_out, "\nYour private notes (%s):\n", taskorch_db_agent(ctx->db));
    print_msgs(notes, "(none)");
    return EXIT_OK;
}

#define SHARED_KINDS                                                                               \
    ((1u << TASKORCH_MSG_SHARE) | (1u << TASKORCH_MSG_DISCOVER) | (1u << TASKORCH_MSG_SYNC) |      \
     (1u << TASKORCH_MSG_PROGRESS))

int cmd_context(struct ctx *ctx)
{
    int fmt = ctx_format(ctx, "text,json");
    int64_t since = fmt < 0 ? -1 : arg_count(ctx, "since"); /* one error at a time */
    long limit = since < 0 ? -1 : arg_positive(ctx, "limit");
    if (fmt < 0 || since < 0 || limit < 0)
        return EXIT_INVALID;
    taskorch_task *t = NULL;
    char **people = NULL;
    taskorch_msg_iter *it = NULL, *notes = NULL;
    taskorch_msg_query q = TASKORCH_MSG_QUERY_INIT;
    q.since = since;
    q.limit = (size_t)limit;
    int rc = taskorch_task_get(&t, ctx->db, ctx->args.pos[0]);
    if (!rc)
        rc = taskorch_task_participants(&people, ctx->db, taskorch_task_id(t));
    if (fmt != FORMAT_JSON)
        q.kinds = SHARED_KINDS;
    if (!rc)
        rc = taskorch_msg_iter_new(&it, ctx->db, taskorch_task_id(t), &q);
    q.kinds = 1u << TASKORCH_MSG_NOTE;
    if (!rc && fmt != FORMAT_JSON)
        rc = taskorch_msg_iter_new(&notes, ctx->db, taskorch_task_id(t), &q);
    int code;
    if (rc)
        code = fail_lib(ctx, rc);
    else if (fmt == FORMAT_JSON)
        code = context_json(ctx, t, people, it);
    else
        code = context_text(ctx, t, people, it, notes);
    taskorch_msg_iter_free(it);
    taskorch_msg_iter_free(notes);
    taskorch_free(people);
    taskorch_task_free(t);
    return code;
}
