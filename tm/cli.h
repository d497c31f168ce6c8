/* cli.h - what the tm command files share: the command table's types, the
 * parsed arguments, exit codes, and the output helpers. tm uses only the
 * public API of libtaskorch. */
#ifndef TM_CLI_H
#define TM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <taskorch.h>

/* Exit codes (documented in tm(1)). */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_ = 1, /* anything else that went wrong */
    EXIT_USAGE = 2,    /* unknown command or flag, missing argument */
    EXIT_NOTFOUND = 3, /* no such task (or ambiguous prefix) */
    EXIT_STORE = 4,    /* store cannot be opened, is corrupt, or stayed locked */
    EXIT_INVALID = 5   /* bad value, cycle, forbidden transition */
};

/* Where a command's output goes: stdout for the CLI, a buffer per call for
 * tm mcp (whose stdout is the transport). Every command writes here, never
 * to stdout directly. */
extern FILE *tm_out;
static inline void putc_out(int c) { putc(c, tm_out); }

/* The last failure of a command, as fail() reports it: the exit code, the
 * library's return code (TASKORCH_OK when the failure is tm's own) and the
 * one-line message. When tm_error_capture is set, fail() records instead of
 * printing to stderr, so that a front end can render the error itself. */
struct tm_error {
    int code;
    int lib_rc;
    char *msg; /* malloc'd; NULL when nothing failed */
};
extern struct tm_error tm_last_error;
extern bool tm_error_capture;
void tm_error_clear(void);
/* Our symbolic name of a failure: not_found, ambiguous, cycle, blocked,
 * has_dependents, conflict, request_reused, busy, store, corrupt, schema,
 * read_only, timeout, invalid, usage, failure. */
const char *tm_error_name(const struct tm_error *e);

/* The type of a parameter, which says how front ends offer and check it
 * (MCP input schemas, shell completion). */
enum param_type {
    PARAM_AUTO = 0,  /* a flag for OPT_FLAG, a string otherwise */
    PARAM_STRING,
    PARAM_ID,        /* a task id or a unique prefix */
    PARAM_INT,       /* a non-negative integer */
    PARAM_NUMBER,    /* a decimal number (hours) */
    PARAM_DURATION,  /* 90, 90s, 15m, 2h, 1d, 250ms */
    PARAM_ENUM,      /* one of choices */
    PARAM_ENUM_LIST, /* comma-separated values of choices */
    PARAM_FILE,      /* a path */
    PARAM_AGENT,     /* an agent id */
};

/* The choices of an enum parameter, from the library's name tables. */
enum choice_set {
    CHOICES_NONE = 0,
    CHOICES_STATUS,
    CHOICES_PRIORITY,
    CHOICES_EVENT_KIND,
    CHOICES_FORMAT, /* as the help text says */
    CHOICES_SORT,
    CHOICES_GROUP,
    CHOICES_WAIT_STATUS,
    CHOICES_SHELL,
    CHOICES_DEP_ACTION,
};
/* The i-th choice of set, NULL after the last. */
const char *choice_at(enum choice_set set, size_t i);

enum opt_kind {
    OPT_FLAG,  /* --force */
    OPT_VALUE, /* --assignee NAME (last one wins) */
    OPT_MULTI  /* --tag T, repeatable; all values kept */
};

struct opt_spec {
    const char *name; /* long name without dashes */
    char short_name;  /* 0: none */
    enum opt_kind kind;
    const char *metavar;
    const char *help;
    enum param_type type;
    enum choice_set choices;
};

/* A positional argument, by name (for help, completion and MCP). */
struct pos_spec {
    const char *name;
    enum param_type type;
    enum choice_set choices;
    bool repeats; /* takes the rest of the arguments */
};

/* How a command uses the store. */
enum store_mode {
    STORE_NONE,  /* help, version, completion */
    STORE_READ,  /* never creates anything */
    STORE_WRITE, /* the store must exist */
    STORE_CREATE /* creates the store when missing */
};

#define MAX_ARGS 256

struct parsed_opt {
    const struct opt_spec *spec;
    const char *value;
};

struct args {
    struct parsed_opt opts[MAX_ARGS];
    size_t n_opts;
    const char *pos[MAX_ARGS];
    size_t n_pos;
};

struct ctx;

struct command {
    const char *name;
    int (*run)(struct ctx *ctx);
    enum store_mode mode;
    const struct opt_spec *opts; /* terminated by a zeroed entry; may be NULL */
    const char *usage;           /* after "tm NAME " */
    const char *summary;
    int min_pos, max_pos; /* positional arguments; max -1: unlimited */
    const struct pos_spec *pos; /* named positionals, zero-terminated; may be NULL */
    bool reads_stdin;           /* a lone "-" argument reads standard input */
};

struct ctx {
    const struct command *cmd;
    struct args args;
    taskorch_db *db;
    const char *db_path; /* --db */
    const char *agent;   /* --agent */
    bool no_mirror;
    bool help;             /* --help / -h: show the command's help instead of running it */
    bool no_stdin;         /* "-" is a literal argument, never standard input (tm mcp) */
    char **owned;          /* copies made while splitting values; freed at exit */
    size_t n_owned, cap_owned;
};

/* ---- args.c ---- */
int args_parse(struct ctx *ctx, int argc, char **argv);
bool arg_has(const struct ctx *ctx, const char *name);
const char *arg_value(const struct ctx *ctx, const char *name);
/* All values of a repeatable option, comma-separated values split when
 * split_commas; *out is malloc'd (free it), strings borrowed from argv. */
/* Keeps a malloc'd copy until the command ends (the table grows as
 * needed); returns it, or NULL (having freed it) when out of memory. */
char *ctx_own(struct ctx *ctx, char *copy);
size_t arg_values(struct ctx *ctx, const char *name, bool split_commas, const char ***out);
/* Numbers (args.c), the one way tm reads them: ASCII decimal digits only
 * ('-' first only when min < 0); false when v is not such a number in
 * [min, max]. parse_millis reads seconds with an optional fraction
 * ("0.25") as milliseconds. */
bool parse_int(const char *v, long long min, long long max, long long *out);
bool parse_millis(const char *v, long long max_ms, long long *out);
/* Reads option --name with parse_int into *out (untouched when absent);
 * exit 5 after reporting "--name must be WHAT". */
int arg_int(const struct ctx *ctx, const char *name, long long min, long long max, const char *what,
            long long *out);
/* Parses a positive integer option; 0 when absent; -1 after reporting. */
long arg_positive(const struct ctx *ctx, const char *name);

/* Options shared by several commands' tables: {OPT_JSON}, ... */
#define OPT_JSON "json", 0, OPT_FLAG, NULL, "same as --format json"
#define OPT_REQUEST_ID                                                                             \
    "request-id", 0, OPT_VALUE, "R", "make the write idempotent (default: $TM_REQUEST_ID)", PARAM_STRING
#define OPT_CLAIM "claim", 0, OPT_VALUE, "N", "refuse unless N is the task's current claim number", PARAM_INT

/* ---- write.c: what every write command shares ---- */
/* Sets the write options (--request-id or $TM_REQUEST_ID, --claim N, and
 * --force as a takeover when takeover is true) for the one library write
 * call that follows. Returns an exit code after reporting a bad value. */
int ctx_next_write(struct ctx *ctx, bool takeover);
/* Checks --request-id / $TM_REQUEST_ID and --claim without setting them, so
 * that a command can refuse bad values before it does anything. */
int ctx_check_write(struct ctx *ctx);
/* The --format (text or json) of a write command, after ctx_check_write;
 * -1 after reporting. */
int write_format(struct ctx *ctx);
/* Parses a duration option (90, 90s, 15m, 2h, 1d, 250ms) into *ms; *ms
 * untouched when absent. "none" gives -1 when allow_none. Returns an exit
 * code after reporting. */
int arg_duration(const struct ctx *ctx, const char *name, bool allow_none, int64_t *ms);
/* The same for a value taken from elsewhere (what names it in messages). */
int parse_duration(const char *what, const char *value, bool allow_none, int64_t *ms);
/* Prints a task as `tm show --format json` does, with a newline. */
void print_task_show_json(struct ctx *ctx, const taskorch_task *t);
/* Loads a task and prints it as show's JSON. */
int print_task_by_id(struct ctx *ctx, const char *id);

/* ---- errors (main.c) ---- */
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports a library failure and returns its exit code. */
int fail_lib(const struct ctx *ctx, int rc);
int exit_code_of(int rc);
/* ---- output.c ---- */
enum format { FORMAT_TEXT, FORMAT_SIMPLE, FORMAT_JSON, FORMAT_MARKDOWN, FORMAT_DOT };
/* Reads --format against allowed ("text,json"); -1 after reporting. */
int ctx_format(const struct ctx *ctx, const char *allowed);
void put_json_string(FILE *f, const char *s);
void format_time(char *buf, size_t size, int64_t ms);
void json_time(FILE *f, int64_t ms);
void print_task_line(const taskorch_task *t, enum format fmt, const char *indent);
void print_task_json(const taskorch_task *t);
void print_task_json_open(const taskorch_task *t);
/* "path[:line[:end]]" of a task's i-th file reference, no newline. */
void print_file_ref(const taskorch_task *t, size_t i);
void print_json_strings(const char *key, const char *const *v, size_t n);

/* ---- command families ---- */
int cmd_init(struct ctx *);
int cmd_add(struct ctx *);
int cmd_show(struct ctx *);
int cmd_update(struct ctx *);
int cmd_complete(struct ctx *);
int cmd_assign(struct ctx *);
int cmd_delete(struct ctx *);
int cmd_claim(struct ctx *);
int cmd_heartbeat(struct ctx *);
int cmd_release(struct ctx *);
int cmd_wait(struct ctx *);
int cmd_config(struct ctx *);
int cmd_critical_path(struct ctx *);
int cmd_graph(struct ctx *);
int cmd_list(struct ctx *);
int cmd_ready(struct ctx *);
int cmd_export(struct ctx *);
int cmd_dep(struct ctx *);
int cmd_join(struct ctx *);
int cmd_post(struct ctx *);
int cmd_context(struct ctx *);
int cmd_watch(struct ctx *);
int cmd_help(struct ctx *);
int cmd_version(struct ctx *);
int cmd_completion(struct ctx *);
int cmd_doctor(struct ctx *);
int cmd_backup(struct ctx *);

/* Runs tm with these arguments and returns its exit code (main.c); never
 * exits, so a test or fuzzing harness can call it repeatedly. */
int tm_main(int argc, char **argv);

/* Runs one command with a store handle opened elsewhere (db may be NULL:
 * the command opens its own); argv[0] is the command name. Output goes to
 * tm_out. On return *db is the handle to keep (possibly newly opened) or
 * NULL. Used by tm mcp, which keeps its handles between calls. */
int tm_run_command(taskorch_db **db, const char *db_path, const char *agent, int argc,
                   char **argv);
/* tm mcp (mcp.c). */
int cmd_mcp(struct ctx *);
/* Frees what ctx owns (not the store handle). */
void ctx_release(struct ctx *ctx);

/* The command table (main.c). */
extern const struct command commands[];
const struct command *find_command(const char *name);
void print_command_help(FILE *f, const struct command *cmd);
void print_usage(FILE *f);

#endif
