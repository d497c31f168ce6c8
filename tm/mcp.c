/* mcp.c - tm mcp: the Model Context Protocol over stdio.
 *
 * One JSON-RPC message per line on standard input, one reply per line on
 * standard output and nothing else there; logs go to standard error. Both
 * protocol eras are served: the stateless revision 2026-07-28 (server/discover,
 * the protocol version and client capabilities in each request's _meta) and
 * the initialize handshake of 2025-11-25 and 2025-06-18.
 *
 * Each tool is a view of one command of the command table: its input
 * schema is made from the command's typed parameters, a call becomes that
 * command's arguments and runs the same handler as the CLI (with "-" never
 * reading standard input), and its JSON output becomes structuredContent.
 * So tm and tm mcp cannot disagree about what a command accepts or says.
 * Failures are tool results with isError and our symbolic error code. */
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define MCP_MAX_LINE (1024 * 1024) /* longer requests are refused, not read */
#define MCP_PAGE_DEFAULT 50
#define MCP_PAGE_MAX 200
#define MCP_WAIT_DEFAULT_S 30 /* a wait without timeout; runtimes time out near 60 s */
#define MCP_WAIT_MAX_S 300
#define MCP_HANDLES 8 /* store handles kept open, one per agent */

static const char *const modern_versions[] = {"2026-07-28", NULL};
static const char *const legacy_versions[] = {"2025-11-25", "2025-06-18", NULL};
#define KEY_VERSION "io.modelcontextprotocol/protocolVersion"
#define KEY_SERVER_INFO "io.modelcontextprotocol/serverInfo"

/* asprintf that returns the string, NULL when out of memory. */
__attribute__((format(printf, 1, 2))) static char *xasprintf(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}

/* ---- the tools ---- */

/* How a command's output becomes structuredContent. */
enum shape {
    SHAPE_JSON,   /* the --json output as it is */
    SHAPE_PAGE,   /* a JSON array, paginated as {items_key: [...], next_cursor} */
    SHAPE_EVENTS, /* JSON lines: {events: [...], cursor} after a bounded wait */
    SHAPE_DELETE, /* "Task ID deleted": {deleted: ID} */
    SHAPE_WAIT,   /* exit 0: {done: true}; exit 1: {done: false, not_done: [...]} */
};

struct tool {
    const char *name;
    const char *command;  /* NULL: the "kind" argument names it (tm_post) */
    const char *exposed;  /* the command's options offered, space-separated */
    const char *summary;  /* the tool's description */
    enum shape shape;
    bool json;            /* pass --json */
    const char *items;    /* SHAPE_PAGE: the member holding the page */
};

static const char *const post_kinds[] = {"note", "share", "discover", "sync", "progress", NULL};

static const struct tool tools[] = {
    {"tm_add", "add", "description priority assignee tag depends-on file estimate request-id",
     "Create a task; returns it.", SHAPE_JSON, true, NULL},
    {"tm_list", "list", "status assignee mine unassigned tag priority has-deps ready sort",
     "List tasks (ready: pending with dependencies done). Paginated: limit, cursor.", SHAPE_PAGE,
     true, "tasks"},
    {"tm_show", "show", "", "One task with its dependencies and dependents.", SHAPE_JSON, true,
     NULL},
    {"tm_update", "update",
     "status assignee priority title description tag untag file estimate force claim request-id",
     "Change a task's fields (assignee \"\" unassigns).", SHAPE_JSON, true, NULL},
    {"tm_complete", "complete", "summary force claim request-id",
     "Mark a task completed; unblocks its dependents.", SHAPE_JSON, true, NULL},
    {"tm_delete", "delete", "force request-id", "Delete a task.", SHAPE_DELETE, false, NULL},
    {"tm_claim", "claim", "tag priority lease resume mine wait timeout request-id",
     "Take a task (or the next ready one): assign to me, start, lease it.", SHAPE_JSON, true,
     NULL},
    {"tm_heartbeat", "heartbeat", "lease force claim request-id",
     "Renew the lease of a task I hold.", SHAPE_JSON, true, NULL},
    {"tm_release", "release", "unassign force claim request-id",
     "Give a claimed task back (pending again).", SHAPE_JSON, true, NULL},
    {"tm_wait", "wait", "all status timeout",
     "Wait up to timeout (default 30s) until tasks are done.", SHAPE_WAIT, false, NULL},
    {"tm_dep", "dep", "dependents request-id",
     "Dependencies: add or rm deps of task, or list them.", SHAPE_JSON, true, NULL},
    {"tm_join", "join", "request-id", "Join a task as a participant.", SHAPE_JSON, true, NULL},
    {"tm_post", NULL, "request-id force claim",
     "Post to a task: note (private), share, discover (alerts all), sync, progress.",
     SHAPE_JSON, true, NULL},
    {"tm_context", "context", "since limit",
     "A task's shared timeline and my private notes.", SHAPE_JSON, true, NULL},
    {"tm_watch", "watch", "since task kind mine",
     "What is new for me since my cursor; waits up to timeout seconds for news.",
     SHAPE_EVENTS, true, NULL},
    {0},
};

static const struct tool *find_tool(const char *name)
{
    for (const struct tool *t = tools; t->name; t++)
        if (!strcmp(t->name, name))
            return t;
    return NULL;
}

static const struct command *tool_command(const struct tool *t, const char *kind)
{
    return find_command(t->command ? t->command : kind ? kind : "note");
}

/* An option's property name: "depends-on" -> "depends_on". */
static void prop_name(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s", name);
    for (char *p = buf; *p; p++)
        if (*p == '-')
            *p = '_';
}

static bool exposed(const struct tool *t, const char *opt)
{
    size_t len = strlen(opt);
    for (const char *p = t->exposed; (p = strstr(p, opt)); p += len)
        if ((p == t->exposed || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
            return true;
    return false;
}

static json_t *choices_json(enum choice_set set)
{
    json_t *a = json_array();
    for (size_t i = 0; choice_at(set, i); i++)
        json_array_append_new(a, json_string(choice_at(set, i)));
    return a;
}

/* The JSON schema of one parameter. */
static json_t *param_schema(enum param_type type, enum choice_set choices, bool multi,
                            const char *help)
{
    json_t *s = json_object();
    json_t *item = s;
    if (multi || type == PARAM_ENUM_LIST) {
        json_object_set_new(s, "type", json_string("array"));
        item = json_object();
        json_object_set_new(s, "items", item);
    }
    switch (type) {
    case PARAM_INT: json_object_set_new(item, "type", json_string("integer")); break;
    case PARAM_NUMBER: json_object_set_new(item, "type", json_string("number")); break;
    case PARAM_ENUM:
    case PARAM_ENUM_LIST:
        json_object_set_new(item, "type", json_string("string"));
        json_object_set_new(item, "enum", choices_json(choices));
        break;
    default: json_object_set_new(item, "type", json_string("string")); break;
    }
    if (help && type != PARAM_ENUM && type != PARAM_ENUM_LIST)
        json_object_set_new(s, "description", json_string(help));
    return s;
}

static json_t *tool_schema(const struct tool *t)
{
    const struct command *cmd = tool_command(t, NULL);
    json_t *props = json_object(), *required = json_array();
    char name[64];
    if (!t->command) {
        json_object_set_new(props, "kind", json_pack("{s:s,s:o}", "type", "string", "enum",
                                                     json_pack("[sssss]", post_kinds[0],
                                                               post_kinds[1], post_kinds[2],
                                                               post_kinds[3], post_kinds[4])));
        json_array_append_new(required, json_string("kind"));
    }
    for (const struct pos_spec *p = cmd->pos; p && p->name; p++) {
        bool req = (int)(p - cmd->pos) < cmd->min_pos || !strcmp(cmd->name, "dep") ||
                   cmd->reads_stdin;
        if (!strcmp(cmd->name, "wait"))
            req = false;
        const char *pname = !strcmp(p->name, "dep") ? "deps"
                            : !strcmp(p->name, "id") && p->repeats ? "ids"
                                                                    : p->name;
        json_object_set_new(props, pname, param_schema(p->type, p->choices, p->repeats, NULL));
        if (req && strcmp(pname, "deps"))
            json_array_append_new(required, json_string(pname));
    }
    for (const struct opt_spec *o = cmd->opts; o && o->name; o++) {
        if (!o->help || !exposed(t, o->name))
            continue;
        prop_name(name, sizeof name, o->name);
        json_t *s;
        if (o->kind == OPT_FLAG)
            s = json_pack("{s:s}", "type", "boolean");
        else
            s = param_schema(o->type, o->choices, o->kind == OPT_MULTI,
                             o->type == PARAM_DURATION ? "90s, 15m, 2h" : NULL);
        json_object_set_new(props, name, s);
    }
    if (t->shape == SHAPE_PAGE) {
        json_object_set_new(props, "limit", json_pack("{s:s}", "type", "integer"));
        json_object_set_new(props, "cursor", json_pack("{s:s}", "type", "string"));
    }
    if (t->shape == SHAPE_EVENTS) {
        json_object_set_new(props, "limit", json_pack("{s:s}", "type", "integer"));
        json_object_set_new(props, "timeout", json_pack("{s:s}", "type", "number"));
    }
    json_object_set_new(props, "agent", json_pack("{s:s}", "type", "string"));
    json_t *schema = json_pack("{s:s,s:o}", "type", "object", "properties", props);
    if (json_array_size(required))
        json_object_set_new(schema, "required", required);
    else
        json_decref(required);
    return schema;
}

static json_t *tools_list(void)
{
    json_t *list = json_array();
    for (const struct tool *t = tools; t->name; t++)
        json_array_append_new(list, json_pack("{s:s,s:s,s:o}", "name", t->name, "description",
                                              t->summary, "inputSchema", tool_schema(t)));
    return list;
}

/* ---- running a tool ---- */

struct argv_buf {
    char **v;
    size_t n, cap;
};

static bool argv_push(struct argv_buf *a, char *s)
{
    if (!s)
        return false;
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        char **p = realloc(a->v, cap * sizeof *p);
        if (!p) {
            free(s);
            return false;
        }
        a->v = p;
        a->cap = cap;
    }
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
    return true;
}

static void argv_free(struct argv_buf *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
}

/* A scalar argument as text; NULL (with *why set) when it has the wrong type. */
static char *scalar_text(json_t *v, enum param_type type, bool flag, const char **why)
{
    char buf[64];
    if (flag) {
        if (!json_is_boolean(v))
            return *why = "must be a boolean", NULL;
        return strdup(json_is_true(v) ? "1" : "");
    }
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_integer(v) && type != PARAM_STRING) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return strdup(buf);
    }
    if (json_is_real(v) && (type == PARAM_NUMBER || type == PARAM_DURATION)) {
        snprintf(buf, sizeof buf, "%.15g", json_real_value(v));
        return strdup(buf);
    }
    return *why = type == PARAM_INT ? "must be an integer" : "must be a string", NULL;
}

/* "--name=value" */
static char *opt_arg(const char *name, const char *value)
{
    return xasprintf("--%s=%s", name, value);
}

struct call {
    const struct tool *tool;
    const struct command *cmd;
    struct argv_buf argv;
    long limit;         /* SHAPE_PAGE, SHAPE_EVENTS */
    long cursor;        /* SHAPE_PAGE: offset */
    double timeout_s;   /* SHAPE_EVENTS */
    const char *agent;  /* per-call agent, borrowed from the arguments */
    char error[256];    /* -32602 message when the arguments do not fit */
};

static bool bad(struct call *c, const char *prop, const char *why)
{
    snprintf(c->error, sizeof c->error, "argument '%s' %s", prop, why);
    return false;
}

static bool push_option(struct call *c, const struct opt_spec *o, const char *prop, json_t *v)
{
    const char *why = NULL;
    bool flag = o->kind == OPT_FLAG;
    if (json_is_array(v) && (o->kind == OPT_MULTI || o->type == PARAM_ENUM_LIST)) {
        /* Repeatable options repeat; enum lists join with commas. */
        size_t i;
        json_t *item;
        char *joined = NULL;
        size_t len = 0;
        FILE *f = o->kind == OPT_MULTI ? NULL : open_memstream(&joined, &len);
        json_array_foreach(v, i, item)
        {
            char *s = scalar_text(item, o->type, false, &why);
            if (!s) {
                if (f)
                    fclose(f), free(joined);
                return bad(c, prop, "must be an array of strings");
            }
            if (f) {
                fprintf(f, "%s%s", i ? "," : "", s);
                free(s);
            } else {
                bool ok = argv_push(&c->argv, opt_arg(o->name, s));
                free(s);
                if (!ok)
                    return bad(c, prop, "is too large");
            }
        }
        if (f) {
            fclose(f);
            bool ok = !json_array_size(v) || argv_push(&c->argv, opt_arg(o->name, joined));
            free(joined);
            if (!ok)
                return bad(c, prop, "is too large");
        }
        return true;
    }
    char *s = scalar_text(v, o->type, flag, &why);
    if (!s)
        return bad(c, prop, why);
    bool ok = true;
    if (flag && *s) {
        ok = argv_push(&c->argv, xasprintf("--%s", o->name));
    } else if (!flag) {
        ok = argv_push(&c->argv, opt_arg(o->name, s));
    }
    free(s);
    return ok || bad(c, prop, "is too large");
}

static bool get_long(struct call *c, json_t *args, const char *prop, long lo, long hi, long *out)
{
    json_t *v = json_object_get(args, prop);
    if (!v)
        return true;
    if (json_is_string(v)) { /* cursors are strings */
        long long n;
        if (!parse_int(json_string_value(v), lo, hi, &n))
            return bad(c, prop, "is not a valid value");
        *out = (long)n;
        return true;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return bad(c, prop, "must be an integer in range");
    *out = (long)json_integer_value(v);
    return true;
}

/* Turns the arguments into the command's argv; false with c->error set. */
static bool build_call(struct call *c, json_t *args)
{
    const struct tool *t = c->tool;
    const char *kind = NULL;
    if (!t->command) {
        json_t *k = json_object_get(args, "kind");
        kind = json_string_value(k);
        bool known = false;
        for (size_t i = 0; kind && post_kinds[i]; i++)
            known |= !strcmp(kind, post_kinds[i]);
        if (!known)
            return bad(c, "kind", "must be note, share, discover, sync or progress");
    }
    c->cmd = tool_command(t, kind);
    json_t *agent = json_object_get(args, "agent");
    if (agent && !json_is_string(agent))
        return bad(c, "agent", "must be a string");
    c->agent = json_string_value(agent);
    if (!argv_push(&c->argv, strdup(c->cmd->name)))
        return bad(c, "arguments", "are too large");
    c->limit = MCP_PAGE_DEFAULT;
    if ((t->shape == SHAPE_PAGE || t->shape == SHAPE_EVENTS) &&
        !get_long(c, args, "limit", 1, MCP_PAGE_MAX, &c->limit))
        return false;
    if (t->shape == SHAPE_PAGE && !get_long(c, args, "cursor", 0, 1000000000, &c->cursor))
        return false;
    if (t->shape == SHAPE_EVENTS) {
        json_t *v = json_object_get(args, "timeout");
        if (v && (!json_is_number(v) || json_number_value(v) < 0 ||
                  json_number_value(v) > MCP_WAIT_MAX_S))
            return bad(c, "timeout", "must be a number of seconds from 0 to 300");
        c->timeout_s = v ? json_number_value(v) : 0;
        char lim[32];
        snprintf(lim, sizeof lim, "--limit=%ld", c->limit);
        argv_push(&c->argv, strdup(lim));
    }
    /* Every property must be known: a typo is an error, never ignored. */
    const char *key;
    json_t *v;
    json_object_foreach(args, key, v)
    {
        if (!strcmp(key, "agent") || (!t->command && !strcmp(key, "kind")) ||
            ((t->shape == SHAPE_PAGE || t->shape == SHAPE_EVENTS) && !strcmp(key, "limit")) ||
            (t->shape == SHAPE_PAGE && !strcmp(key, "cursor")) ||
            (t->shape == SHAPE_EVENTS && !strcmp(key, "timeout")))
            continue;
        bool found = false;
        char name[64];
        for (const struct opt_spec *o = c->cmd->opts; o && o->name && !found; o++) {
            prop_name(name, sizeof name, o->name);
            if (o->help && exposed(t, o->name) && !strcmp(name, key)) {
                found = true;
                if (!push_option(c, o, key, v))
                    return false;
            }
        }
        for (const struct pos_spec *p = c->cmd->pos; p && p->name && !found; p++)
            found = !strcmp(key, p->name) || (!strcmp(p->name, "dep") && !strcmp(key, "deps")) ||
                    (p->repeats && !strcmp(p->name, "id") && !strcmp(key, "ids"));
        if (!found)
            return bad(c, key, "is not a parameter of this tool");
    }
    if (t->shape == SHAPE_WAIT && !json_object_get(args, "timeout") &&
        !argv_push(&c->argv, opt_arg("timeout", "30s")))
        return bad(c, "timeout", "is too large");
    if (!strcmp(c->cmd->name, "claim") && json_is_true(json_object_get(args, "wait")) &&
        !json_object_get(args, "timeout") && !argv_push(&c->argv, opt_arg("timeout", "30s")))
        return bad(c, "timeout", "is too large");
    if (t->json)
        argv_push(&c->argv, strdup("--json"));
    /* Positionals after "--", so that no value is read as an option. */
    argv_push(&c->argv, strdup("--"));
    for (const struct pos_spec *p = c->cmd->pos; p && p->name; p++) {
        const char *pname = !strcmp(p->name, "dep") ? "deps"
                            : !strcmp(p->name, "id") && p->repeats ? "ids"
                                                                    : p->name;
        json_t *pv = json_object_get(args, pname);
        if (!pv)
            continue;
        const char *why = NULL;
        if (p->repeats && json_is_array(pv)) {
            size_t i;
            json_t *item;
            json_array_foreach(pv, i, item)
            {
                char *s = scalar_text(item, p->type, false, &why);
                if (!s || !argv_push(&c->argv, s))
                    return bad(c, pname, "must be an array of strings");
            }
        } else {
            char *s = scalar_text(pv, p->type, false, &why);
            if (!s || !argv_push(&c->argv, s))
                return bad(c, pname, why ? why : "is too large");
        }
    }
    return true;
}

/* Store handles kept between calls, one per agent ("" for the default). */
struct handle {
    char *agent;
    taskorch_db *db;
};

struct server {
    const char *db_path;
    const char *agent; /* --agent, else TM_AGENT_ID (resolved as tm does) */
    bool log;
    struct handle handles[MCP_HANDLES];
    size_t next_evict;
};

static taskorch_db **handle_for(struct server *s, const char *agent)
{
    const char *key = agent ? agent : "";
    for (size_t i = 0; i < MCP_HANDLES; i++)
        if (s->handles[i].agent && !strcmp(s->handles[i].agent, key))
            return &s->handles[i].db;
    struct handle *h = NULL;
    for (size_t i = 0; i < MCP_HANDLES && !h; i++)
        if (!s->handles[i].agent)
            h = &s->handles[i];
    if (!h) { /* the oldest goes */
        h = &s->handles[s->next_evict];
        s->next_evict = (s->next_evict + 1) % MCP_HANDLES;
        taskorch_db_close(h->db);
        free(h->agent);
        h->db = NULL;
    }
    h->agent = strdup(key);
    if (!h->agent)
        return NULL;
    return &h->db;
}

/* Runs the command; *out is its output (malloc'd). */
static int run_captured(struct server *s, struct call *c, char **out)
{
    size_t len = 0;
    *out = NULL;
    FILE *f = open_memstream(out, &len);
    if (!f)
        return fail(EXIT_FAILURE_, "out of memory");
    const char *agent = c->agent ? c->agent : s->agent;
    taskorch_db **db = handle_for(s, agent);
    taskorch_db *none = NULL;
    tm_out = f;
    int code = tm_run_command(db ? db : &none, s->db_path, agent, (int)c->argv.n, c->argv.v);
    tm_out = stdout;
    taskorch_db_close(none);
    if (fclose(f) != 0 && code == EXIT_OK)
        code = fail(EXIT_FAILURE_, "out of memory");
    return code;
}

/* A JSON value, or one value per line as an array (always, with lines). */
static json_t *parse_output(const char *text, bool lines)
{
    json_t *v = lines ? NULL : json_loads(text, JSON_DECODE_ANY, NULL);
    if (v)
        return v;
    json_t *a = json_array();
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        json_t *item = json_loadb(p, n, JSON_DECODE_ANY, NULL);
        if (item)
            json_array_append_new(a, item);
        else if (n)
            json_array_append_new(a, json_stringn(p, n));
        p += n + (nl != NULL);
    }
    return a;
}

/* Each non-empty line as a string: ids such as "12345678" stay strings. */
static json_t *string_lines(const char *text)
{
    json_t *a = json_array();
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n)
            json_array_append_new(a, json_stringn(p, n));
        p += n + (nl != NULL);
    }
    return a;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A one-line summary of a task result. */
static char *task_line(json_t *task)
{
    return xasprintf("%s [%s] %s", json_string_value(json_object_get(task, "id")),
                     json_string_value(json_object_get(task, "status")),
                     json_string_value(json_object_get(task, "title")));
}

static json_t *text_content(const char *text)
{
    return json_pack("[{s:s,s:s}]", "type", "text", "text", text ? text : "");
}

static json_t *tool_error(const char *code, const char *message)
{
    char *line = xasprintf("error %s: %s", code, message);
    json_t *r = json_pack("{s:o,s:{s:s,s:s},s:b}", "content", text_content(line),
                          "structuredContent", "error", code, "message", message, "isError", 1);
    free(line);
    return r;
}

/* The result of a tools/call, always a tool result (isError on failure). */
static json_t *call_tool(struct server *s, const struct tool *t, json_t *args, char *perr,
                         size_t perr_size)
{
    struct call c = {.tool = t};
    if (!build_call(&c, args)) {
        snprintf(perr, perr_size, "%s", c.error);
        argv_free(&c.argv);
        return NULL;
    }
    tm_error_clear();
    char *out = NULL;
    int code;
    json_t *events = NULL;
    double deadline = now_s() + c.timeout_s;
    for (;;) {
        int64_t last = 0;
        taskorch_db **db = handle_for(s, c.agent ? c.agent : s->agent);
        if (t->shape == SHAPE_EVENTS && db && *db)
            taskorch_event_last_id(&last, *db);
        code = run_captured(s, &c, &out);
        if (t->shape != SHAPE_EVENTS || code != EXIT_OK)
            break;
        events = parse_output(out, true);
        double left = deadline - now_s();
        db = handle_for(s, c.agent ? c.agent : s->agent);
        if (json_array_size(events) || left <= 0 || !db || !*db)
            break;
        /* Nothing new: wait for any event, then look again. */
        json_decref(events);
        events = NULL;
        free(out);
        out = NULL;
        int rc = taskorch_event_wait(*db, last, (int)(left * 1000) + 1);
        if (rc != TASKORCH_OK && rc != TASKORCH_ETIMEOUT) {
            code = fail_lib(&(struct ctx){.db = *db}, rc);
            break;
        }
        if (rc == TASKORCH_ETIMEOUT) {
            code = run_captured(s, &c, &out);
            if (code == EXIT_OK)
                events = parse_output(out, true);
            break;
        }
    }
    json_t *result = NULL;
    char *line = NULL;
    if (code != EXIT_OK && !(t->shape == SHAPE_WAIT && code == EXIT_FAILURE_ &&
                             tm_last_error.msg && strstr(tm_last_error.msg, "timed out"))) {
        result = tool_error(tm_error_name(&tm_last_error),
                            tm_last_error.msg ? tm_last_error.msg : "failed");
    } else {
        json_t *data = NULL;
        switch (t->shape) {
        case SHAPE_JSON:
            data = parse_output(out, false);
            if (json_is_object(data) && json_object_get(data, "title"))
                line = task_line(data);
            else if (json_is_object(data) && json_object_get(data, "messages"))
                line = xasprintf("%zu messages",
                         json_array_size(json_object_get(data, "messages")));
            else if (json_is_object(data) && json_object_get(data, "kind"))
                line = xasprintf("posted %s #%lld", json_string_value(json_object_get(data, "kind")),
                         (long long)json_integer_value(json_object_get(data, "id")));
            else if (json_is_array(data))
                line = xasprintf("%zu tasks", json_array_size(data));
            break;
        case SHAPE_PAGE: {
            json_t *all = parse_output(out, false);
            size_t n = json_array_size(all), from = (size_t)c.cursor;
            json_t *page = json_array();
            for (size_t i = from; i < n && i < from + (size_t)c.limit; i++)
                json_array_append(page, json_array_get(all, i));
            data = json_pack("{s:o,s:I}", t->items, page, "total", (json_int_t)n);
            bool more = from + (size_t)c.limit < n;
            char next[32];
            snprintf(next, sizeof next, "%zu", from + (size_t)c.limit);
            if (more)
                json_object_set_new(data, "next_cursor", json_string(next));
            line = xasprintf("%zu of %zu tasks%s%s", json_array_size(page), n,
                     more ? "; next cursor " : "", more ? next : "");
            json_decref(all);
            break;
        }
        case SHAPE_EVENTS: {
            if (!events)
                events = json_array();
            size_t n = json_array_size(events);
            json_t *lastev = n ? json_array_get(events, n - 1) : NULL;
            data = json_pack("{s:O}", "events", events);
            if (lastev)
                json_object_set(data, "cursor", json_object_get(lastev, "id"));
            line = xasprintf("%zu new event%s", n, n == 1 ? "" : "s");
            break;
        }
        case SHAPE_DELETE: {
            char id[TASKORCH_ID_SIZE] = "";
            sscanf(out ? out : "", "Task %8s", id);
            data = json_pack("{s:s}", "deleted", id);
            line = xasprintf("deleted %s", id);
            break;
        }
        case SHAPE_WAIT: {
            json_t *left = string_lines(out ? out : "");
            bool done = code == EXIT_OK;
            data = json_pack("{s:b,s:o}", "done", done, "not_done", left);
            line = xasprintf(done ? "all done" : "%zu not done", json_array_size(left));
            break;
        }
        }
        if (!data)
            data = json_object();
        if (!json_is_object(data)) /* structuredContent is an object */
            data = json_pack("{s:o}", "items", data);
        result = json_pack("{s:o,s:o}", "content", text_content(line ? line : "ok"),
                           "structuredContent", data);
    }
    json_decref(events);
    free(line);
    free(out);
    argv_free(&c.argv);
    tm_error_clear();
    return result;
}

/* ---- JSON-RPC ---- */

static void send_json(json_t *msg)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!s) {
        fputs("tm mcp: out of memory writing a reply\n", stderr);
        return;
    }
    fputs(s, stdout);
    putc('\n', stdout);
    fflush(stdout);
    free(s);
}

static void send_error(json_t *id, int code, const char *message, json_t *data)
{
    json_t *err = json_pack("{s:i,s:s}", "code", code, "message", message);
    if (data)
        json_object_set_new(err, "data", data);
    send_json(json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error",
                        err));
}

static json_t *server_info(void)
{
    return json_pack("{s:s,s:s}", "name", "tm", "version", TASKORCH_VERSION_STRING);
}

static json_t *versions_json(void)
{
    json_t *a = json_array();
    for (size_t i = 0; modern_versions[i]; i++)
        json_array_append_new(a, json_string(modern_versions[i]));
    for (size_t i = 0; legacy_versions[i]; i++)
        json_array_append_new(a, json_string(legacy_versions[i]));
    return a;
}

static bool listed(const char *const *list, const char *v)
{
    for (size_t i = 0; v && list[i]; i++)
        if (!strcmp(list[i], v))
            return true;
    return false;
}

static const char instructions[] =
    "Tasks with dependencies, claims with leases, messages and a change feed shared by agents. "
    "Every tool takes an optional agent (default: the server's). Errors carry a code: "
    "not_found, ambiguous, cycle, blocked, has_dependents, conflict, request_reused, busy, "
    "invalid, usage, store.";

static void handle(struct server *s, json_t *msg)
{
    json_t *id = json_object_get(msg, "id");
    const char *method = json_string_value(json_object_get(msg, "method"));
    json_t *params = json_object_get(msg, "params");
    bool request = id != NULL;
    if (!json_is_object(msg) || !method ||
        !json_is_string(json_object_get(msg, "jsonrpc")) ||
        strcmp(json_string_value(json_object_get(msg, "jsonrpc")), "2.0") ||
        (id && !json_is_string(id) && !json_is_integer(id)) ||
        (params && !json_is_object(params))) {
        if (json_is_object(msg) && !method && (json_object_get(msg, "result") ||
                                               json_object_get(msg, "error")))
            return; /* a reply to nothing we asked: ignore */
        send_error(id && (json_is_string(id) || json_is_integer(id)) ? id : NULL, -32600,
                   "Invalid Request", NULL);
        return;
    }
    if (!request) /* notifications: initialized, cancelled, ...; never answered */
        return;
    /* The 2026-07-28 era: the version rides in each request's _meta. */
    const char *version =
        json_string_value(json_object_get(json_object_get(params, "_meta"), KEY_VERSION));
    bool modern = listed(modern_versions, version);
    if (version && !modern && !listed(legacy_versions, version)) {
        send_error(id, -32022, "Unsupported protocol version",
                   json_pack("{s:o,s:s}", "supported", versions_json(), "requested", version));
        return;
    }
    json_t *result = NULL;
    if (!strcmp(method, "initialize")) {
        const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
        result = json_pack("{s:s,s:{s:{s:b}},s:o,s:s}", "protocolVersion",
                           listed(legacy_versions, asked) ? asked : legacy_versions[0],
                           "capabilities", "tools", "listChanged", 0, "serverInfo",
                           server_info(), "instructions", instructions);
    } else if (!strcmp(method, "server/discover")) {
        result = json_pack("{s:o,s:{s:{s:b}},s:s}", "supportedVersions", versions_json(),
                           "capabilities", "tools", "listChanged", 0, "instructions",
                           instructions);
        json_object_set_new(result, "ttlMs", json_integer(0));
        json_object_set_new(result, "cacheScope", json_string("public"));
        modern = true;
    } else if (!strcmp(method, "ping")) {
        result = json_object();
    } else if (!strcmp(method, "tools/list")) {
        result = json_pack("{s:o}", "tools", tools_list());
        if (modern) {
            json_object_set_new(result, "ttlMs", json_integer(0));
            json_object_set_new(result, "cacheScope", json_string("public"));
        }
    } else if (!strcmp(method, "tools/call")) {
        const char *name = json_string_value(json_object_get(params, "name"));
        json_t *args = json_object_get(params, "arguments");
        const struct tool *t = name ? find_tool(name) : NULL;
        char why[300] = "";
        if (!t)
            snprintf(why, sizeof why, "unknown tool '%s'", name ? name : "(none)");
        else if (args && !json_is_object(args))
            snprintf(why, sizeof why, "arguments must be an object");
        else {
            json_t *empty = args ? NULL : json_object();
            result = call_tool(s, t, args ? args : empty, why, sizeof why);
            json_decref(empty);
        }
        if (!result) {
            send_error(id, -32602, why, NULL);
            return;
        }
    } else {
        send_error(id, -32601, "Method not found", json_pack("{s:s}", "method", method));
        return;
    }
    if (modern) {
        json_object_set_new(result, "resultType", json_string("complete"));
        json_object_set_new(result, "_meta", json_pack("{s:o}", KEY_SERVER_INFO, server_info()));
    }
    if (s->log)
        fprintf(stderr, "tm mcp: %s\n", method);
    send_json(json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", result));
}

/* Reads one line of at most MCP_MAX_LINE bytes into buf (NUL-terminated,
 * without the newline). Returns 1 for a line, 0 at the end of input, -1
 * for a line that was too long (read and dropped). */
static int read_line(char *buf, size_t *len)
{
    size_t n = 0;
    bool too_long = false;
    int c;
    while ((c = getchar_unlocked()) != EOF && c != '\n') {
        if (n < MCP_MAX_LINE)
            buf[n++] = (char)c;
        else
            too_long = true;
    }
    if (c == EOF && n == 0 && !too_long)
        return 0;
    buf[n] = '\0';
    *len = n;
    return too_long ? -1 : 1;
}

static const char *own_agent(const struct ctx *ctx)
{
    if (ctx->agent)
        return ctx->agent;
    const char *env = getenv("TM_AGENT_ID");
    return env && *env ? env : NULL;
}

int cmd_mcp(struct ctx *ctx)
{
    struct server s = {.db_path = ctx->db_path, .agent = own_agent(ctx),
                       .log = arg_has(ctx, "log")};
    if (s.agent && taskorch_agent_check(s.agent) != TASKORCH_OK)
        return fail(EXIT_INVALID, "agent id '%s' is not valid", s.agent);
    char *buf = malloc(MCP_MAX_LINE + 1);
    if (!buf)
        return fail(EXIT_FAILURE_, "out of memory");
    signal(SIGPIPE, SIG_IGN); /* a client gone: writes fail, the loop ends */
    bool capture = tm_error_capture;
    tm_error_capture = true;
    size_t len;
    int got;
    while ((got = read_line(buf, &len)) != 0 && !ferror(stdout)) {
        if (got < 0) {
            send_error(NULL, -32600, "Request too large (the limit is 1 MiB)", NULL);
            continue;
        }
        if (len == 0 || (len == 1 && buf[0] == '\r'))
            continue;
        json_error_t jerr;
        json_t *msg = json_loadb(buf, len, 0, &jerr);
        if (!msg) {
            send_error(NULL, -32700, "Parse error", json_pack("{s:s}", "detail", jerr.text));
            continue;
        }
        if (json_is_array(msg))
            send_error(NULL, -32600, "Invalid Request (batches are not supported)", NULL);
        else
            handle(&s, msg);
        json_decref(msg);
    }
    tm_error_capture = capture;
    tm_error_clear();
    for (size_t i = 0; i < MCP_HANDLES; i++) {
        taskorch_db_close(s.handles[i].db);
        free(s.handles[i].agent);
    }
    free(buf);
    return EXIT_OK;
}
