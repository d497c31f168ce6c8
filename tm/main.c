/* main.c - tm's entry point: the command table, global options, opening
 * the store the way each command needs, and mapping library errors to
 * exit codes. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

FILE *tm_out;
struct tm_error tm_last_error;
bool tm_error_capture;
static int pending_lib_rc; /* set by fail_lib for the fail() it calls */

/* Named positional arguments. */
static const struct pos_spec pos_title[] = {{"title", PARAM_STRING, 0, false}, {0}};
static const struct pos_spec pos_id[] = {{"id", PARAM_ID, 0, false}, {0}};
static const struct pos_spec pos_ids[] = {{"id", PARAM_ID, 0, true}, {0}};
static const struct pos_spec pos_assign[] = {{"id", PARAM_ID, 0, false},
                                             {"agent", PARAM_AGENT, 0, false}, {0}};
static const struct pos_spec pos_dep[] = {{"action", PARAM_ENUM, CHOICES_DEP_ACTION, false},
                                          {"task", PARAM_ID, 0, false},
                                          {"dep", PARAM_ID, 0, true}, {0}};
static const struct pos_spec pos_post[] = {{"id", PARAM_ID, 0, false},
                                           {"message", PARAM_STRING, 0, true}, {0}};
static const struct pos_spec pos_config[] = {{"key", PARAM_STRING, 0, false},
                                             {"value", PARAM_STRING, 0, false}, {0}};
static const struct pos_spec pos_file[] = {{"file", PARAM_FILE, 0, false}, {0}};
static const struct pos_spec pos_shell[] = {{"shell", PARAM_ENUM, CHOICES_SHELL, false}, {0}};
static const struct pos_spec pos_command[] = {{"command", PARAM_STRING, 0, false}, {0}};

static const char *const event_kinds[] = {
    "created", "updated", "status",  "assigned", "unblocked", "blocked", "dep_added",
    "dep_removed", "deleted", "joined", "note",  "share",    "discover",  "sync",
    "progress", "claimed", "released", "expired", NULL};
static const char *const sorts[] = {"priority", "created", "updated", NULL};
static const char *const groups[] = {"assignee", "status", "priority", "tag", NULL};
static const char *const wait_statuses[] = {"completed", "any-terminal", NULL};
static const char *const shells[] = {"bash", "zsh", "fish", NULL};
static const char *const dep_actions[] = {"add", "rm", "list", NULL};
static const char *const formats[] = {"text", "simple", "json", "markdown", "dot", NULL};

const char *choice_at(enum choice_set set, size_t i)
{
    switch (set) {
    case CHOICES_STATUS: return i < 16 ? taskorch_status_name((int)i) : NULL;
    case CHOICES_PRIORITY: return i < 16 ? taskorch_priority_name((int)i) : NULL;
    case CHOICES_EVENT_KIND: return event_kinds[i];
    case CHOICES_FORMAT: return formats[i];
    case CHOICES_SORT: return sorts[i];
    case CHOICES_GROUP: return groups[i];
    case CHOICES_WAIT_STATUS: return wait_statuses[i];
    case CHOICES_SHELL: return shells[i];
    case CHOICES_DEP_ACTION: return dep_actions[i];
    case CHOICES_NONE: break;
    }
    return NULL;
}

static const struct opt_spec add_opts[] = {
    {"description", 'd', OPT_VALUE, "TEXT", "longer description", PARAM_STRING},
    {"priority", 'p', OPT_VALUE, "P", "low, medium (default), high or critical", PARAM_ENUM, CHOICES_PRIORITY},
    {"assignee", 'a', OPT_VALUE, "AGENT", "agent responsible for the task", PARAM_AGENT},
    {"tag", 't', OPT_MULTI, "TAG", "tag the task (repeatable)", PARAM_STRING},
    {"depends-on", 0, OPT_MULTI, "ID[,ID]", "task(s) that must complete first (repeatable)", PARAM_ID},
    {"file", 'f', OPT_MULTI, "PATH[:LINE[:END]]", "file reference (repeatable)", PARAM_FILE},
    {"estimate", 0, OPT_VALUE, "HOURS", "estimated hours of work (2, 0.5)", PARAM_NUMBER},
    {OPT_REQUEST_ID},
    {"format", 0, OPT_VALUE, "FMT", "text (default: the bare id) or json (the task)"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec list_opts[] = {
    {"status", 's', OPT_VALUE, "S[,S]", "only these statuses", PARAM_ENUM_LIST, CHOICES_STATUS},
    {"assignee", 'a', OPT_VALUE, "AGENT", "only tasks assigned to AGENT (@me: to me)", PARAM_AGENT},
    {"mine", 0, OPT_FLAG, NULL, "only tasks assigned to me (same as --assignee @me)"},
    {"unassigned", 0, OPT_FLAG, NULL, "only tasks without an assignee"},
    {"tag", 't', OPT_VALUE, "TAG", "only tasks with TAG", PARAM_STRING},
    {"priority", 'p', OPT_VALUE, "P", "only tasks of priority P", PARAM_ENUM, CHOICES_PRIORITY},
    {"has-deps", 0, OPT_FLAG, NULL, "only tasks with dependencies"},
    {"ready", 0, OPT_FLAG, NULL, "only pending tasks whose dependencies are completed"},
    {"limit", 'n', OPT_VALUE, "N", "at most N tasks", PARAM_INT},
    {"sort", 0, OPT_VALUE, "KEY", "priority (default), created or updated", PARAM_ENUM, CHOICES_SORT},
    {"group-by", 0, OPT_VALUE, "KEY", "assignee, status, priority or tag", PARAM_ENUM, CHOICES_GROUP},
    {"format", 0, OPT_VALUE, "FMT", "text (default), simple or json"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec show_opts[] = {
    {"format", 0, OPT_VALUE, "FMT", "text (default) or json"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec update_opts[] = {
    {"status", 's', OPT_VALUE, "S", "pending, in_progress, completed, blocked or cancelled", PARAM_ENUM, CHOICES_STATUS},
    {"assignee", 'a', OPT_VALUE, "AGENT", "reassign (\"\" unassigns)", PARAM_AGENT},
    {"priority", 'p', OPT_VALUE, "P", "low, medium, high or critical", PARAM_ENUM, CHOICES_PRIORITY},
    {"title", 0, OPT_VALUE, "TITLE", "new title", PARAM_STRING},
    {"description", 'd', OPT_VALUE, "TEXT", "new description (\"\" clears it)", PARAM_STRING},
    {"tag", 't', OPT_MULTI, "TAG", "add a tag (repeatable)", PARAM_STRING},
    {"untag", 0, OPT_MULTI, "TAG", "remove a tag (repeatable)", PARAM_STRING},
    {"file", 'f', OPT_MULTI, "PATH[:LINE[:END]]", "add a file reference (repeatable)", PARAM_FILE},
    {"estimate", 0, OPT_VALUE, "HOURS", "estimated hours of work (0 clears it)", PARAM_NUMBER},
    {"force", 0, OPT_FLAG, NULL,
     "start or complete despite unfinished dependencies or another agent's claim"},
    {OPT_CLAIM},
    {OPT_REQUEST_ID},
    {"format", 0, OPT_VALUE, "FMT", "text (default) or json (the task)"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec complete_opts[] = {
    {"summary", 0, OPT_VALUE, "TEXT", "what was done, kept with the task", PARAM_STRING},
    {"force", 0, OPT_FLAG, NULL,
     "complete despite unfinished dependencies or another agent's claim"},
    {OPT_CLAIM},
    {OPT_REQUEST_ID},
    {"format", 0, OPT_VALUE, "FMT", "text (default) or json (the task)"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec delete_opts[] = {
    {"force", 0, OPT_FLAG, NULL, "delete even if other tasks depend on it"},
    {OPT_REQUEST_ID},
    {0},
};

/* assign, join: a write that prints the task with --format json. */
static const struct opt_spec write_opts[] = {
    {OPT_REQUEST_ID},
    {"format", 0, OPT_VALUE, "FMT", "text (default) or json (the task)"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec claim_opts[] = {
    {"tag", 't', OPT_VALUE, "TAG", "only tasks with TAG", PARAM_STRING},
    {"priority", 'p', OPT_VALUE, "P", "only tasks of priority P", PARAM_ENUM, CHOICES_PRIORITY},
    {"lease", 0, OPT_VALUE, "D", "hold it for D (90s, 15m, 2h; none; default: $TM_LEASE)", PARAM_DURATION},
    {"resume", 0, OPT_FLAG, NULL, "first hand back my own oldest in-progress task"},
    {"mine", 0, OPT_FLAG, NULL, "only tasks assigned to me, not unassigned ones"},
    {"wait", 0, OPT_FLAG, NULL, "wait for claimable work instead of exit status 3"},
    {"timeout", 0, OPT_VALUE, "D", "with --wait: give up after D (exit status 3)", PARAM_DURATION},
    {OPT_REQUEST_ID},
    {"format", 0, OPT_VALUE, "FMT", "text (default: the bare id) or json (the task)"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec heartbeat_opts[] = {
    {"lease", 0, OPT_VALUE, "D", "the lease now ends D from now (default: the claim's length)", PARAM_DURATION},
    {"force", 0, OPT_FLAG, NULL, "renew although another agent holds the task"},
    {OPT_CLAIM},
    {OPT_REQUEST_ID},
    {"format", 0, OPT_VALUE, "FMT", "text (default) or json (the task)"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec release_opts[] = {
    {"unassign", 0, OPT_FLAG, NULL, "also clear the assignee"},
    {"force", 0, OPT_FLAG, NULL, "release although another agent holds the task"},
    {OPT_CLAIM},
    {OPT_REQUEST_ID},
    {"format", 0, OPT_VALUE, "FMT", "text (default) or json (the task)"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec wait_opts[] = {
    {"all", 0, OPT_FLAG, NULL, "wait until no task is pending, blocked or in progress"},
    {"status", 's', OPT_VALUE, "S", "completed (default) or any-terminal (completed or cancelled)", PARAM_ENUM, CHOICES_WAIT_STATUS},
    {"timeout", 0, OPT_VALUE, "D", "give up after D (90s, 15m, 2h): exit status 1", PARAM_DURATION},
    {0},
};

static const struct opt_spec config_opts[] = {
    {"unset", 0, OPT_FLAG, NULL, "remove the setting KEY"},
    {0},
};

static const struct opt_spec critical_path_opts[] = {
    {"format", 0, OPT_VALUE, "FMT", "text (default), json or dot"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec graph_opts[] = {
    {"format", 0, OPT_VALUE, "FMT", "dot (default) or json"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec ready_opts[] = {
    {"assignee", 'a', OPT_VALUE, "AGENT", "only tasks assigned to AGENT (@me: to me)", PARAM_AGENT},
    {"mine", 0, OPT_FLAG, NULL, "only tasks assigned to me (same as --assignee @me)"},
    {"limit", 'n', OPT_VALUE, "N", "at most N tasks", PARAM_INT},
    {"format", 0, OPT_VALUE, "FMT", "text (default), simple or json"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec export_opts[] = {
    {"format", 0, OPT_VALUE, "FMT", "json (default) or markdown"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec dep_opts[] = {
    {"format", 0, OPT_VALUE, "FMT",
     "list: text (default), simple or json; add, rm: text or json (the task)"},
    {OPT_JSON},
    {"dependents", 0, OPT_FLAG, NULL, "for list: the tasks depending on TASK instead"},
    {"request-id", 0, OPT_VALUE, "R", "for add, rm: make the write idempotent", PARAM_STRING},
    {0},
};

static const struct opt_spec post_opts[] = {
    {"request-id", 0, OPT_VALUE, "ID", "make the post idempotent (default: $TM_REQUEST_ID)", PARAM_STRING},
    {"format", 0, OPT_VALUE, "FMT", "text (default) or json (the message)"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec progress_opts[] = {
    {"request-id", 0, OPT_VALUE, "ID", "make the post idempotent (default: $TM_REQUEST_ID)", PARAM_STRING},
    {"force", 0, OPT_FLAG, NULL, "post although another agent holds the task"},
    {OPT_CLAIM},
    {"format", 0, OPT_VALUE, "FMT", "text (default) or json (the message)"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec context_opts[] = {
    {"since", 0, OPT_VALUE, "MSGID", "only messages after this message id", PARAM_INT},
    {"limit", 'n', OPT_VALUE, "N", "only the newest N messages", PARAM_INT},
    {"format", 0, OPT_VALUE, "FMT", "text (default) or json"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec watch_opts[] = {
    {"follow", 'f', OPT_FLAG, NULL,
     "keep printing new events until interrupted, --timeout or --limit (like tail -f)"},
    {"follow", 'F', OPT_FLAG, NULL, NULL}, /* -F: the short form before 0.2 */
    {"timeout", 0, OPT_VALUE, "SECONDS", "stop following after SECONDS (or a duration: 90s, 2m)", PARAM_DURATION},
    {"since", 0, OPT_VALUE, "EVENTID", "start after this event id instead of my cursor", PARAM_INT},
    {"task", 0, OPT_VALUE, "ID", "only events of this task", PARAM_ID},
    {"kind", 0, OPT_VALUE, "K[,K]", "only these event kinds", PARAM_ENUM_LIST, CHOICES_EVENT_KIND},
    {"mine", 0, OPT_FLAG, NULL, "my tasks, plus every discovery and sync point"},
    {"limit", 'n', OPT_VALUE, "N", "print at most N events, then exit (also when following)", PARAM_INT},
    {"format", 0, OPT_VALUE, "FMT", "text (default) or json (one object per line)"},
    {OPT_JSON},
    {0},
};

static const struct opt_spec doctor_opts[] = {
    {"fix", 0, OPT_FLAG, NULL, "rebuild the markdown mirror from the store first"},
    {"format", 0, OPT_VALUE, "FMT", "text (default) or json"},
    {0},
};

static const struct opt_spec mcp_opts[] = {
    {"log", 0, OPT_FLAG, NULL, "log each request's method and duration on standard error"},
    {0},
};

static const struct opt_spec backup_opts[] = {
    {"force", 0, OPT_FLAG, NULL, "replace FILE if it exists"},
    {0},
};

const struct command commands[] = {
    {"init", cmd_init, STORE_CREATE, NULL, "", "create the task store here", 0, 0},
    {"add", cmd_add, STORE_CREATE, add_opts, "TITLE [options]", "create a task and print its id", 1,
     1, pos_title},
    {"list", cmd_list, STORE_READ, list_opts, "[options]", "list tasks, one per line", 0, 0},
    {"show", cmd_show, STORE_READ, show_opts, "ID", "show every field of a task", 1, 1, pos_id},
    {"update", cmd_update, STORE_WRITE, update_opts, "ID [options]", "change a task", 1, 1, pos_id},
    {"complete", cmd_complete, STORE_WRITE, complete_opts, "ID [--summary TEXT]",
     "mark a task completed and unblock its dependents", 1, 1, pos_id},
    {"assign", cmd_assign, STORE_WRITE, write_opts, "ID AGENT", "assign a task to an agent", 2, 2, pos_assign},
    {"delete", cmd_delete, STORE_WRITE, delete_opts, "ID [--force]", "delete a task", 1, 1, pos_id},
    {"claim", cmd_claim, STORE_WRITE, claim_opts, "[ID]",
     "take a task (or the next ready one): assign it to me, start it, print its id", 0, 1, pos_id},
    {"heartbeat", cmd_heartbeat, STORE_WRITE, heartbeat_opts, "ID [--lease D]",
     "renew the lease of a task I hold", 1, 1, pos_id},
    {"release", cmd_release, STORE_WRITE, release_opts, "ID [--unassign]",
     "give a claimed task back (pending again)", 1, 1, pos_id},
    {"wait", cmd_wait, STORE_READ, wait_opts, "ID... | --all [options]",
     "wait until tasks are completed (exit status 1 on timeout)", 0, -1, pos_ids},
    {"dep", cmd_dep, STORE_WRITE, dep_opts, "add|rm TASK DEP... | list TASK", "manage dependencies",
     2, -1, pos_dep},
    {"ready", cmd_ready, STORE_READ, ready_opts, "[options]",
     "pending tasks whose dependencies are all completed", 0, 0},
    {"export", cmd_export, STORE_READ, export_opts, "[--format json|markdown]",
     "print every task with its dependencies, tags and files", 0, 0},
    {"join", cmd_join, STORE_WRITE, write_opts, "ID", "join a task as a participant", 1, 1, pos_id},
    {"note", cmd_post, STORE_WRITE, post_opts, "ID MESSAGE...|-",
     "add a private note (only you see it)", 1, -1, pos_post, true},
    {"share", cmd_post, STORE_WRITE, post_opts, "ID MESSAGE...|-",
     "share an update with every agent", 1, -1, pos_post, true},
    {"discover", cmd_post, STORE_WRITE, post_opts, "ID MESSAGE...|-",
     "raise a discovery that alerts every agent", 1, -1, pos_post, true},
    {"sync", cmd_post, STORE_WRITE, post_opts, "ID MESSAGE...|-", "mark a sync checkpoint", 1, -1, pos_post, true},
    {"progress", cmd_post, STORE_WRITE, progress_opts, "ID MESSAGE...|-", "post a progress update",
     1, -1, pos_post, true},
    {"context", cmd_context, STORE_READ, context_opts, "ID [options]",
     "review a task's shared timeline and your notes", 1, 1, pos_id},
    {"watch", cmd_watch, STORE_WRITE, watch_opts, "[options]",
     "print the change feed: what is new for you (-f follows)", 0, 0},
    {"critical-path", cmd_critical_path, STORE_READ, critical_path_opts, "[--format FMT]",
     "the longest chain of unfinished work by estimate", 0, 0},
    {"graph", cmd_graph, STORE_READ, graph_opts, "[--format dot|json]",
     "the dependency graph with statuses (Graphviz dot)", 0, 0},
    {"config", cmd_config, STORE_WRITE, config_opts, "[KEY [VALUE]]",
     "show or change the store's settings (lease)", 0, 2, pos_config},
    {"doctor", cmd_doctor, STORE_READ, doctor_opts, "[--fix] [--format json]",
     "check the store and its mirror; --fix rebuilds the mirror", 0, 0},
    {"backup", cmd_backup, STORE_READ, backup_opts, "FILE [--force]",
     "write a consistent copy of the store to FILE while agents keep working", 1, 1, pos_file},
    {"completion", cmd_completion, STORE_NONE, NULL, "bash|zsh|fish", "print a shell completion script", 1,
     1, pos_shell},
    {"help", cmd_help, STORE_NONE, NULL, "[COMMAND]", "show help", 0, 1, pos_command},
    {"version", cmd_version, STORE_NONE, NULL, "", "print the version", 0, 0},
    {"mcp", cmd_mcp, STORE_NONE, mcp_opts, "[--agent NAME]",
     "serve the Model Context Protocol on stdin and stdout", 0, 0},
    {0},
};

const struct command *find_command(const char *name)
{
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

/* Error messages echo what the user typed: control characters are shown
 * escaped, so that every failure is exactly one line. */
static void put_escaped(const char *s, FILE *f)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            putc(*p, f);
    }
}

int fail(int code, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg = NULL;
    int lib_rc = pending_lib_rc;
    pending_lib_rc = TASKORCH_OK;
    if (tm_error_capture) { /* the front end renders it */
        free(tm_last_error.msg);
        tm_last_error.code = code;
        tm_last_error.lib_rc = lib_rc;
        tm_last_error.msg = msg ? msg : strdup("out of memory");
        return code;
    }
    fputs("tm: error: ", stderr);
    put_escaped(msg ? msg : "out of memory", stderr);
    fputc('\n', stderr);
    free(msg);
    return code;
}

void tm_error_clear(void)
{
    free(tm_last_error.msg);
    tm_last_error = (struct tm_error){0};
}

const char *tm_error_name(const struct tm_error *e)
{
    switch (e->lib_rc) {
    case TASKORCH_ENOTFOUND: return "not_found";
    case TASKORCH_EAMBIGUOUS: return "ambiguous";
    case TASKORCH_ECYCLE: return "cycle";
    case TASKORCH_EBLOCKED: return "blocked";
    case TASKORCH_EHASDEPENDENTS: return "has_dependents";
    case TASKORCH_ECONFLICT: return "conflict";
    case TASKORCH_EREQUEST: return "request_reused";
    case TASKORCH_EBUSY: return "busy";
    case TASKORCH_ESTORE: return "store";
    case TASKORCH_ECORRUPT: return "corrupt";
    case TASKORCH_ESCHEMA: return "schema";
    case TASKORCH_EREADONLY: return "read_only";
    case TASKORCH_ETIMEOUT: return "timeout";
    case TASKORCH_EINVAL: return "invalid";
    case TASKORCH_ENOMEM: return "out_of_memory";
    default: break;
    }
    switch (e->code) {
    case EXIT_USAGE: return "usage";
    case EXIT_NOTFOUND: return "not_found";
    case EXIT_STORE: return "store";
    case EXIT_INVALID: return "invalid";
    default: return "failure";
    }
}

int exit_code_of(int rc)
{
    switch (rc) {
    case TASKORCH_OK: return EXIT_OK;
    case TASKORCH_ENOTFOUND:
    case TASKORCH_EAMBIGUOUS: return EXIT_NOTFOUND;
    case TASKORCH_EINVAL:
    case TASKORCH_ECYCLE:
    case TASKORCH_EBLOCKED:
    case TASKORCH_EHASDEPENDENTS:
    case TASKORCH_ECONFLICT:
    case TASKORCH_EREQUEST: return EXIT_INVALID;
    case TASKORCH_ESTORE:
    case TASKORCH_ECORRUPT:
    case TASKORCH_EBUSY:
    case TASKORCH_ESCHEMA:
    case TASKORCH_EREADONLY: return EXIT_STORE;
    default: return EXIT_FAILURE_;
    }
}

int fail_lib(const struct ctx *ctx, int rc)
{
    const char *msg = ctx->db ? taskorch_db_errmsg(ctx->db) : "";
    /* The library states the problem; the way out through tm is ours. */
    bool force = false;
    for (const struct opt_spec *o = ctx->cmd ? ctx->cmd->opts : NULL; o && o->name; o++)
        force |= !strcmp(o->name, "force");
    const char *hint = rc == TASKORCH_EBLOCKED         ? "; finish them first"
                       : rc == TASKORCH_EHASDEPENDENTS ? "; remove those dependencies first"
                                                       : "";
    const char *or_force = *hint && force ? " or use --force" : "";
    pending_lib_rc = rc;
    return fail(exit_code_of(rc), "%s%s%s", *msg ? msg : taskorch_strerror(rc), hint, or_force);
}

void print_usage(FILE *f)
{
    fprintf(f, "usage: tm [--db PATH] [--agent ID] COMMAND [options] [args]\n\ncommands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-13s %s\n", c->name, c->summary);
    fprintf(f, "\nRun 'tm help COMMAND' or 'tm COMMAND --help' for a command's options.\n"
               "Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 store error, "
               "5 invalid value.\n");
}

static void print_opts(FILE *f, const struct opt_spec *o)
{
    for (; o && o->name; o++) {
        if (!o->help) /* an alias kept for old scripts */
            continue;
        char left[64], shortform[8] = "    ";
        if (o->short_name)
            snprintf(shortform, sizeof shortform, "-%c, ", o->short_name);
        snprintf(left, sizeof left, "%s--%s%s%s", shortform, o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        fprintf(f, "  %-30s %s\n", left, o->help);
    }
}

void print_command_help(FILE *f, const struct command *cmd)
{
    fprintf(f, "usage: tm %s%s%s\n\n%s\n", cmd->name, *cmd->usage ? " " : "", cmd->usage,
            cmd->summary);
    if (cmd->opts) {
        fprintf(f, "\noptions:\n");
        print_opts(f, cmd->opts);
    }
    fprintf(f, "\nglobal options:\n"
               "  --db PATH                      store file (*.db) or folder holding tasks.db\n"
               "  --agent ID, --agent-id ID      act as this agent\n"
               "  --no-mirror                    do not write the markdown mirror files\n");
}

static int open_with(struct ctx *ctx, const char *path, unsigned int flags)
{
    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.agent = ctx->agent;
    opts.flags = flags | TASKORCH_OPEN_FROM_ENV;
    const char *busy = getenv("TM_BUSY_TIMEOUT_MS");
    if (busy && *busy) {
        long long ms;
        if (!parse_int(busy, 1, 3600000, &ms))
            return fail(EXIT_INVALID,
                        "TM_BUSY_TIMEOUT_MS must be a number of milliseconds (1-3600000), "
                        "not '%s'",
                        busy);
        opts.busy_timeout_ms = (int)ms;
    }
    const char *no_mirror = getenv("TM_NO_MIRROR");
    if (ctx->no_mirror || (no_mirror && *no_mirror && strcmp(no_mirror, "0")))
        opts.flags |= TASKORCH_OPEN_NO_MIRROR;
    taskorch_db_close(ctx->db);
    ctx->db = NULL;
    int rc = taskorch_db_open(&ctx->db, path, &opts);
    if (rc == TASKORCH_OK)
        return EXIT_OK;
    int code;
    if (rc == TASKORCH_ENOTFOUND)
        code = fail(EXIT_STORE, "%s; create one with 'tm init' (or pass --db PATH)",
                    taskorch_db_errmsg(ctx->db));
    else if (rc == TASKORCH_EINVAL)
        code = fail(EXIT_INVALID, "%s", taskorch_db_errmsg(ctx->db));
    else
        code = fail(exit_code_of(rc) == EXIT_FAILURE_ ? EXIT_STORE : exit_code_of(rc), "%s",
                    taskorch_db_errmsg(ctx->db));
    taskorch_db_close(ctx->db);
    ctx->db = NULL;
    return code;
}

/* Who acts: --agent, else TM_AGENT_ID, else $USER, else "anonymous". $USER
 * is only a default: when it is no valid agent id, commands that only read
 * act as "anonymous", and writers are refused rather than record a name
 * nobody chose. */
static int resolve_agent(struct ctx *ctx)
{
    static const char rules[] = "use 1-64 characters without spaces, control characters or '/'";
    const char *env = getenv("TM_AGENT_ID");
    if (ctx->agent || (env && *env)) {
        const char *id = ctx->agent ? ctx->agent : env;
        if (taskorch_agent_check(id) != TASKORCH_OK)
            return fail(EXIT_INVALID,
                        "agent id '%s' from %s is not valid: %s; set TM_AGENT_ID or use --agent",
                        id, ctx->agent ? "--agent" : "TM_AGENT_ID", rules);
        ctx->agent = id;
        return EXIT_OK;
    }
    const char *user = getenv("USER");
    if (user && *user && taskorch_agent_check(user) == TASKORCH_OK)
        ctx->agent = user;
    else if (user && *user && ctx->cmd->mode != STORE_READ)
        return fail(EXIT_INVALID,
                    "$USER '%s' is not a valid agent id (%s); set TM_AGENT_ID or use --agent", user,
                    rules);
    else
        ctx->agent = "anonymous";
    return EXIT_OK;
}

/* Commands that create a missing store (other than init) create it with
 * their write, when it commits, so that refused input creates nothing. */
static int open_store(struct ctx *ctx)
{
    int rc = resolve_agent(ctx);
    if (rc)
        return rc;
    unsigned int flags = 0;
    if (ctx->cmd->mode == STORE_CREATE)
        flags = TASKORCH_OPEN_CREATE |
                (ctx->cmd->run == cmd_init ? 0 : TASKORCH_OPEN_CREATE_ON_WRITE);
    return open_with(ctx, ctx->db_path, flags);
}

/* Runs argv[0], the command, with its options and arguments. */
static int run_command(struct ctx *ctx, int argc, char **argv)
{
    ctx->cmd = find_command(argv[0]);
    if (!ctx->cmd)
        return fail(EXIT_USAGE, "unknown command '%s'; run 'tm help' for the list", argv[0]);
    int rc = args_parse(ctx, argc - 1, argv + 1);
    if (rc)
        return rc;
    if (ctx->help) {
        print_command_help(tm_out, ctx->cmd);
        return EXIT_OK;
    }
    int n = (int)ctx->args.n_pos;
    if (n < ctx->cmd->min_pos)
        return fail(EXIT_USAGE, "missing argument: usage: tm %s %s", ctx->cmd->name,
                    ctx->cmd->usage);
    if (ctx->cmd->max_pos >= 0 && n > ctx->cmd->max_pos)
        return fail(EXIT_USAGE, "unexpected argument '%s': usage: tm %s %s",
                    ctx->args.pos[ctx->cmd->max_pos], ctx->cmd->name, ctx->cmd->usage);
    if (ctx->cmd->mode != STORE_NONE && !ctx->db && (rc = open_store(ctx)))
        return rc;
    return ctx->cmd->run(ctx);
}

static int run(struct ctx *ctx, int argc, char **argv)
{
    /* Global options before the command name. */
    int i = 1;
    while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "-")) {
        const char *a = argv[i];
        if (!strcmp(a, "--version") || !strcmp(a, "-V"))
            return cmd_version(ctx);
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            print_usage(tm_out);
            return EXIT_OK;
        }
        bool takes_value = !strcmp(a, "--db") || !strcmp(a, "--agent") || !strcmp(a, "--agent-id");
        bool with_eq =
            !strncmp(a, "--db=", 5) || !strncmp(a, "--agent=", 8) || !strncmp(a, "--agent-id=", 11);
        if (!takes_value && !with_eq && strcmp(a, "--no-mirror"))
            return fail(EXIT_USAGE, "unknown option '%s' before the command; see 'tm help'", a);
        if (takes_value && i + 1 >= argc)
            return fail(EXIT_USAGE, "option '%s' needs a value", a);
        int rc = args_parse(ctx, takes_value ? 2 : 1, argv + i);
        if (rc)
            return rc;
        i += takes_value ? 2 : 1;
    }
    if (i >= argc) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    return run_command(ctx, argc - i, argv + i);
}

int tm_run_command(taskorch_db **db, const char *db_path, const char *agent, int argc,
                   char **argv)
{
    struct ctx ctx = {0};
    ctx.db = *db;
    ctx.db_path = db_path;
    ctx.agent = agent;
    ctx.no_stdin = true;
    int code = run_command(&ctx, argc, argv);
    const char *warning = taskorch_db_warning(ctx.db);
    if (warning)
        fprintf(stderr, "tm mcp: warning: %s\n", warning);
    /* A handle still waiting to create its store (a refused add) is not
     * kept: the next command looks for the store again. */
    if (ctx.db && strcmp(taskorch_db_path(ctx.db), TASKORCH_MEMORY) &&
        access(taskorch_db_path(ctx.db), F_OK) != 0) {
        taskorch_db_close(ctx.db);
        ctx.db = NULL;
    }
    *db = ctx.db;
    ctx_release(&ctx);
    return code;
}

int tm_main(int argc, char **argv)
{
    struct ctx ctx = {0};
    tm_out = stdout;
    int code = run(&ctx, argc, argv);
    /* A problem that did not fail the command, e.g. a mirror not updated. */
    const char *warning = taskorch_db_warning(ctx.db);
    if (warning)
        fprintf(stderr, "tm: warning: %s\n", warning);
    taskorch_db_close(ctx.db);
    ctx_release(&ctx);
    if (fflush(tm_out) != 0 && code == EXIT_OK)
        code = fail(EXIT_FAILURE_, "cannot write output");
    return code;
}
