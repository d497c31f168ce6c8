/* args.c - parsing a command's options and positional arguments.
 *
 * Options may come before, between or after positional arguments;
 * "--name=value" and "--name value" are the same; "--" ends options; a
 * lone "-" is a positional argument (standard input), and so is any word
 * holding whitespace ("- item one" in a message). Unknown options are
 * usage errors, never ignored. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Options every command accepts. */
static const struct opt_spec global_opts[] = {
    {"db", 0, OPT_VALUE, "PATH", "store file (*.db) or folder holding tasks.db"},
    {"agent", 0, OPT_VALUE, "ID", "act as this agent (default: $TM_AGENT_ID, then $USER)"},
    {"agent-id", 0, OPT_VALUE, "ID", "same as --agent"},
    {"no-mirror", 0, OPT_FLAG, NULL, "do not write the markdown mirror files"},
    {"help", 'h', OPT_FLAG, NULL, "show this command's help"},
    {0},
};

static const struct opt_spec *find_long(const struct opt_spec *opts, const char *name, size_t len)
{
    for (; opts && opts->name; opts++)
        if (strlen(opts->name) == len && !strncmp(opts->name, name, len))
            return opts;
    return NULL;
}

static const struct opt_spec *find_short(const struct opt_spec *opts, char c)
{
    for (; opts && opts->name; opts++)
        if (opts->short_name == c)
            return opts;
    return NULL;
}

static int apply_global(struct ctx *ctx, const struct opt_spec *spec, const char *value)
{
    if (!strcmp(spec->name, "db"))
        ctx->db_path = value;
    else if (!strcmp(spec->name, "agent") || !strcmp(spec->name, "agent-id"))
        ctx->agent = value;
    else if (!strcmp(spec->name, "no-mirror"))
        ctx->no_mirror = true;
    else if (!strcmp(spec->name, "help"))
        ctx->help = true;
    return EXIT_OK;
}

static int unknown_option(const struct ctx *ctx, const char *arg)
{
    if (ctx->cmd)
        return fail(EXIT_USAGE, "unknown option '%s' for 'tm %s'; see 'tm %s --help'", arg,
                    ctx->cmd->name, ctx->cmd->name);
    return fail(EXIT_USAGE, "unknown option '%s'; see 'tm help'", arg);
}

static int add_opt(struct ctx *ctx, const struct opt_spec *spec, const char *value)
{
    if (spec >= global_opts && spec < global_opts + sizeof global_opts / sizeof *global_opts)
        return apply_global(ctx, spec, value);
    if (ctx->args.n_opts == MAX_ARGS)
        return fail(EXIT_USAGE, "too many options (the limit is %d)", MAX_ARGS);
    ctx->args.opts[ctx->args.n_opts].spec = spec;
    ctx->args.opts[ctx->args.n_opts++].value = value;
    return EXIT_OK;
}

int args_parse(struct ctx *ctx, int argc, char **argv)
{
    const struct opt_spec *cmd_opts = ctx->cmd ? ctx->cmd->opts : NULL;
    bool options_done = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        /* No option name holds whitespace, so "- item one" is text. */
        if (options_done || arg[0] != '-' || !strcmp(arg, "-") || strpbrk(arg, " \t\n")) {
            if (ctx->args.n_pos == MAX_ARGS)
                return fail(EXIT_USAGE, "too many arguments (the limit is %d)", MAX_ARGS);
            ctx->args.pos[ctx->args.n_pos++] = arg;
            continue;
        }
        if (!strcmp(arg, "--")) {
            options_done = true;
            continue;
        }
        const struct opt_spec *spec;
        const char *inline_value = NULL;
        if (arg[1] == '-') {
            const char *name = arg + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            spec = find_long(cmd_opts, name, len);
            if (!spec)
                spec = find_long(global_opts, name, len);
            if (eq)
                inline_value = eq + 1;
        } else {
            if (arg[2] != '\0') /* "-p" takes its value from the next argument */
                return unknown_option(ctx, arg);
            spec = find_short(cmd_opts, arg[1]);
            if (!spec)
                spec = find_short(global_opts, arg[1]);
        }
        if (!spec)
            return unknown_option(ctx, arg);
        const char *value = NULL;
        if (spec->kind == OPT_FLAG) {
            if (inline_value)
                return fail(EXIT_USAGE, "option '--%s' takes no value", spec->name);
        } else if (inline_value) {
            value = inline_value;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return fail(EXIT_USAGE, "option '--%s' needs a value (%s)", spec->name,
                        spec->metavar ? spec->metavar : "VALUE");
        }
        int rc = add_opt(ctx, spec, value);
        if (rc)
            return rc;
    }
    return EXIT_OK;
}

bool arg_has(const struct ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->args.n_opts; i++)
        if (!strcmp(ctx->args.opts[i].spec->name, name))
            return true;
    return false;
}

const char *arg_value(const struct ctx *ctx, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; i < ctx->args.n_opts; i++)
        if (!strcmp(ctx->args.opts[i].spec->name, name))
            v = ctx->args.opts[i].value;
    return v;
}

char *ctx_own(struct ctx *ctx, char *copy)
{
    if (!copy)
        return NULL;
    if (ctx->n_owned == ctx->cap_owned) {
        size_t cap = ctx->cap_owned ? ctx->cap_owned * 2 : 16;
        char **p = realloc(ctx->owned, cap * sizeof *p);
        if (!p) {
            free(copy);
            return NULL;
        }
        ctx->owned = p;
        ctx->cap_owned = cap;
    }
    ctx->owned[ctx->n_owned++] = copy;
    return copy;
}

void ctx_release(struct ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_owned; i++)
        free(ctx->owned[i]);
    free(ctx->owned);
    ctx->owned = NULL;
    ctx->n_owned = ctx->cap_owned = 0;
}

size_t arg_values(struct ctx *ctx, const char *name, bool split_commas, const char ***out)
{
    /* Comma splitting needs copies; ctx owns them until exit, like argv. */
    size_t n = 0, cap = 0;
    const char **v = NULL;
    for (size_t i = 0; i < ctx->args.n_opts; i++) {
        if (strcmp(ctx->args.opts[i].spec->name, name))
            continue;
        const char *value = ctx->args.opts[i].value;
        char *copy = NULL;
        if (split_commas && !(copy = ctx_own(ctx, strdup(value))))
            abort(); /* out of memory */
        char *save = NULL;
        const char *part = split_commas ? strtok_r(copy, ",", &save) : value;
        if (split_commas && !part) /* "--depends-on ," */
            part = "";
        while (part) {
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                const char **p = realloc(v, cap * sizeof *p);
                if (!p)
                    abort();
                v = p;
            }
            v[n++] = part;
            part = split_commas ? strtok_r(NULL, ",", &save) : NULL;
        }
    }
    *out = v;
    return n;
}

/* Every number tm reads goes through here: ASCII decimal digits, with a
 * leading '-' only where negative values are allowed; no spaces, no '+', no
 * "0x", no exponent; overflow is refused. */
bool parse_int(const char *v, long long min, long long max, long long *out)
{
    const char *p = v;
    bool neg = min < 0 && *p == '-';
    p += neg;
    if (!*p)
        return false;
    unsigned long long n = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || n > (ULLONG_MAX - 9) / 10)
            return false;
        n = n * 10 + (unsigned)(*p - '0');
    }
    if (n > (unsigned long long)LLONG_MAX)
        return false;
    long long value = neg ? -(long long)n : (long long)n;
    if (value < min || value > max)
        return false;
    *out = value;
    return true;
}

bool parse_millis(const char *v, long long max_ms, long long *out)
{
    const char *dot = strchr(v, '.');
    size_t whole = dot ? (size_t)(dot - v) : strlen(v);
    char secs[24];
    long long s, ms = 0;
    if (whole == 0 || whole >= sizeof secs)
        return false;
    memcpy(secs, v, whole);
    secs[whole] = '\0';
    if (!parse_int(secs, 0, max_ms / 1000, &s))
        return false;
    if (dot) {
        const char *f = dot + 1;
        if (!*f)
            return false;
        for (int i = 0; f[i]; i++) {
            if (f[i] < '0' || f[i] > '9')
                return false;
            if (i < 3)
                ms += (f[i] - '0') * (i == 0 ? 100 : i == 1 ? 10 : 1);
        }
    }
    if (s * 1000 + ms > max_ms)
        return false;
    *out = s * 1000 + ms;
    return true;
}

int arg_int(const struct ctx *ctx, const char *name, long long min, long long max, const char *what,
            long long *out)
{
    const char *v = arg_value(ctx, name);
    if (v && !parse_int(v, min, max, out))
        return fail(EXIT_INVALID, "--%s must be %s, not '%s'", name, what, v);
    return EXIT_OK;
}

long arg_positive(const struct ctx *ctx, const char *name)
{
    long long n = 0;
    return arg_int(ctx, name, 1, 1000000000, "a positive integer", &n) ? -1 : (long)n;
}
