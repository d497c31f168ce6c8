/* cmd_maint.c - looking after a store: doctor (check, --fix) and backup. */
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void print_findings_json(char **findings)
{
    fprintf(tm_out, "{\"format_version\":1,\"healthy\":%s,\"findings\":[", findings[0] ? "false" : "true");
    for (size_t i = 0; findings[i]; i++) {
        const char *colon = strstr(findings[i], ": ");
        size_t area = colon ? (size_t)(colon - findings[i]) : 0;
        fprintf(tm_out, "%s{\"area\":\"%.*s\",\"text\":", i ? "," : "", (int)area, findings[i]);
        put_json_string(tm_out, colon ? colon + 2 : findings[i]);
        putc_out('}');
    }
    fprintf(tm_out, "]}\n");
}

int cmd_doctor(struct ctx *ctx)
{
    int fmt = ctx_format(ctx, "text,json");
    if (fmt < 0)
        return EXIT_INVALID;
    if (arg_has(ctx, "fix")) {
        int rc = taskorch_mirror_rebuild(ctx->db);
        if (rc == TASKORCH_EINVAL || rc == TASKORCH_EREADONLY)
            return fail_lib(ctx, rc);
        if (rc) /* the check below reports what stays wrong */
            fprintf(stderr, "tm: warning: %s\n", taskorch_db_errmsg(ctx->db));
    }
    char **findings = NULL;
    int rc = taskorch_check(&findings, ctx->db);
    if (rc)
        return fail_lib(ctx, rc);
    if (fmt == FORMAT_JSON)
        print_findings_json(findings);
    else
        for (size_t i = 0; findings[i]; i++)
            fprintf(tm_out, "%s\n", findings[i]);
    int code = findings[0] ? EXIT_FAILURE_ : EXIT_OK;
    taskorch_free(findings);
    return code;
}

int cmd_backup(struct ctx *ctx)
{
    unsigned int flags = arg_has(ctx, "force") ? TASKORCH_FORCE : 0;
    int rc = taskorch_db_backup(ctx->db, ctx->args.pos[0], flags);
    if (rc == TASKORCH_EINVAL && !flags && !access(ctx->args.pos[0], F_OK))
        return fail(EXIT_INVALID, "%s exists already; use --force to replace it", ctx->args.pos[0]);
    return rc ? fail_lib(ctx, rc) : EXIT_OK;
}
