/* write.c - what every write command shares: the write options passed to
 * the library just before its one write call (request id, claim number,
 * takeover), and durations. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* --request-id, else $TM_REQUEST_ID; NULL when neither is set. *from
 * names where it came from, for messages. */
static const char *request_id_of(const struct ctx *ctx, const char **from)
{
    const char *r = arg_value(ctx, "request-id");
    *from = "--request-id";
    if (!r || !*r) {
        r = getenv("TM_REQUEST_ID");
        *from = "TM_REQUEST_ID";
    }
    return r && *r ? r : NULL;
}

static int parse_write(struct ctx *ctx, taskorch_write_options *w)
{
    const char *from;
    w->request_id = request_id_of(ctx, &from);
    if (w->request_id && taskorch_agent_check(w->request_id) != TASKORCH_OK)
        return fail(EXIT_INVALID,
                    "%s '%s' is not a valid request id: use 1-64 characters without spaces or '/'",
                    from, w->request_id);
    const char *c = arg_value(ctx, "claim");
    if (c) {
        char *end;
        errno = 0;
        long long n = strtoll(c, &end, 10);
        if (!*c || *end || errno || n <= 0)
            return fail(EXIT_INVALID,
                        "--claim must be a claim number (a positive integer), not '%s'", c);
        w->claim = n;
    }
    return EXIT_OK;
}

int ctx_check_write(struct ctx *ctx)
{
    taskorch_write_options w = TASKORCH_WRITE_OPTIONS_INIT;
    return parse_write(ctx, &w);
}

int write_format(struct ctx *ctx)
{
    int fmt = ctx_format(ctx, "text,json");
    if (fmt >= 0 && ctx_check_write(ctx))
        return -1;
    return fmt;
}

int ctx_next_write(struct ctx *ctx, bool takeover)
{
    taskorch_write_options w = TASKORCH_WRITE_OPTIONS_INIT;
    int code = parse_write(ctx, &w);
    if (code)
        return code;
    if (takeover && arg_has(ctx, "force"))
        w.flags |= TASKORCH_WRITE_TAKEOVER;
    int rc = taskorch_db_next_write(ctx->db, &w);
    return rc ? fail_lib(ctx, rc) : EXIT_OK;
}

int parse_duration(const char *what, const char *value, bool allow_none, int64_t *ms)
{
    if (allow_none && !strcmp(value, "none")) {
        *ms = -1;
        return EXIT_OK;
    }
    if (taskorch_duration_parse(ms, value) == TASKORCH_OK)
        return EXIT_OK;
    return fail(EXIT_INVALID,
                "%s must be a positive duration such as 90 (seconds), 90s, 15m, 2h, 1d or "
                "250ms%s, not '%s'",
                what, allow_none ? " (or none)" : "", value);
}

int arg_duration(const struct ctx *ctx, const char *name, bool allow_none, int64_t *ms)
{
    const char *v = arg_value(ctx, name);
    if (!v)
        return EXIT_OK;
    char what[64];
    snprintf(what, sizeof what, "--%s", name);
    return parse_duration(what, v, allow_none, ms);
}
