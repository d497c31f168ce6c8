/* output.c - the two faces of tm's data output: text lines for people and
 * shell pipelines, JSON for programs. JSON shapes are documented in tm(1)
 * and versioned there. */
#include <string.h>
#include <time.h>

#include "cli.h"

int ctx_format(const struct ctx *ctx, const char *allowed)
{
    static const struct {
        const char *name;
        enum format fmt;
    } names[] = {{"text", FORMAT_TEXT},
                 {"simple", FORMAT_SIMPLE},
                 {"json", FORMAT_JSON},
                 {"markdown", FORMAT_MARKDOWN},
                 {"dot", FORMAT_DOT}};
    const char *v = arg_value(ctx, "format");
    if (arg_has(ctx, "json")) { /* --json: the short form of --format json */
        if (v && strcmp(v, "json"))
            return fail(EXIT_INVALID, "--json and --format %s contradict each other", v), -1;
        v = "json";
    }
    if (!v)
        return FORMAT_TEXT;
    size_t len = strlen(v);
    const char *hit = strstr(allowed, v);
    if (len && hit && (hit == allowed || hit[-1] == ',') && (hit[len] == ',' || !hit[len]))
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (!strcmp(names[i].name, v))
                return names[i].fmt;
    return fail(EXIT_INVALID, "unknown format '%s'; use one of: %s", v, allowed), -1;
}

void put_json_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    putc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                putc(*p, f);
        }
    }
    putc('"', f);
}

void format_time(char *buf, size_t size, int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void json_time(FILE *f, int64_t ms)
{
    if (!ms) {
        fputs("null", f);
        return;
    }
    char buf[32];
    format_time(buf, sizeof buf, ms);
    fprintf(f, "\"%s\"", buf);
}

void print_task_line(const taskorch_task *t, enum format fmt, const char *indent)
{
    if (fmt == FORMAT_SIMPLE) {
        fprintf(tm_out, "%s%s %s\n", indent, taskorch_task_id(t), taskorch_task_title(t));
        return;
    }
    const char *assignee = taskorch_task_assignee(t);
    fprintf(tm_out, "%s%s  %-11s  %-8s  %-20s  %s\n", indent, taskorch_task_id(t),
           taskorch_status_name(taskorch_task_status(t)),
           taskorch_priority_name(taskorch_task_priority(t)), assignee ? assignee : "-",
           taskorch_task_title(t));
}

void print_file_ref(const taskorch_task *t, size_t i)
{
    fputs(taskorch_task_file_path(t, i), tm_out);
    if (taskorch_task_file_line(t, i))
        fprintf(tm_out, ":%d", taskorch_task_file_line(t, i));
    if (taskorch_task_file_end(t, i))
        fprintf(tm_out, ":%d", taskorch_task_file_end(t, i));
}

void print_json_strings(const char *key, const char *const *v, size_t n)
{
    fprintf(tm_out, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            putc_out(',');
        put_json_string(tm_out, v[i]);
    }
    putc_out(']');
}

static void member_str(const char *key, const char *value)
{
    fprintf(tm_out, ",\"%s\":", key);
    put_json_string(tm_out, value);
}

static void member_time(const char *key, int64_t ms)
{
    fprintf(tm_out, ",\"%s\":", key);
    json_time(tm_out, ms);
}

/* ,"key":[get(t, 0), ..., get(t, n - 1)] */
static void member_list(const char *key, const taskorch_task *t, size_t n,
                        const char *(*get)(const taskorch_task *, size_t))
{
    fprintf(tm_out, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            putc_out(',');
        put_json_string(tm_out, get(t, i));
    }
    putc_out(']');
}

/* One task as a JSON object (shape version 1), left open so that callers
 * can append members. */
void print_task_json_open(const taskorch_task *t)
{
    fprintf(tm_out, "{\"id\":");
    put_json_string(tm_out, taskorch_task_id(t));
    member_str("title", taskorch_task_title(t));
    member_str("description", taskorch_task_description(t));
    member_str("status", taskorch_status_name(taskorch_task_status(t)));
    member_str("priority", taskorch_priority_name(taskorch_task_priority(t)));
    member_str("assignee", taskorch_task_assignee(t));
    member_str("created_by", taskorch_task_created_by(t));
    fprintf(tm_out, ",\"blocked_by_hand\":%s", taskorch_task_blocked_by_hand(t) ? "true" : "false");
    member_time("created_at", taskorch_task_created_at(t));
    member_time("updated_at", taskorch_task_updated_at(t));
    member_time("completed_at", taskorch_task_completed_at(t));
    member_str("summary", taskorch_task_summary(t));
    member_list("tags", t, taskorch_task_tag_count(t), taskorch_task_tag);
    fprintf(tm_out, ",\"files\":[");
    for (size_t i = 0; i < taskorch_task_file_count(t); i++) {
        fprintf(tm_out, "%s{\"path\":", i ? "," : "");
        put_json_string(tm_out, taskorch_task_file_path(t, i));
        fprintf(tm_out, ",\"line\":%d,\"end\":%d}", taskorch_task_file_line(t, i),
               taskorch_task_file_end(t, i));
    }
    putc_out(']');
    member_list("depends_on", t, taskorch_task_dep_count(t), taskorch_task_dep_id);
    /* Appended in 0.2 (members are only ever added). */
    if (taskorch_task_claim_number(t))
        fprintf(tm_out, ",\"claim\":%lld", (long long)taskorch_task_claim_number(t));
    else
        fprintf(tm_out, ",\"claim\":null");
    member_time("lease_expires", taskorch_task_lease_expires(t));
    if (taskorch_task_estimate(t) > 0)
        fprintf(tm_out, ",\"estimate\":%.15g", taskorch_task_estimate(t));
    else
        fprintf(tm_out, ",\"estimate\":null");
}

void print_task_json(const taskorch_task *t)
{
    print_task_json_open(t);
    putc_out('}');
}
