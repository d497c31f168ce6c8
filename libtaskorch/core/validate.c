/* validate.c - the rules every piece of text must pass before it is stored.
 * Each check records a message saying what is wrong and how to fix it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
bool utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len;
    while (s < end) {
        unsigned c = *s;
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            s++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if ((size_t)(end - s) <= n)
            return false;
        for (size_t i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        s += n + 1;
    }
    return true;
}

size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

bool text_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

static bool has_control(const char *s, bool allow_newlines)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == 0x7f || (c < 0x20 && !(allow_newlines && (c == '\n' || c == '\t' || c == '\r'))))
            return true;
    }
    return false;
}

static int check_utf8(taskorch_db *db, const char *what, const char *s)
{
    if (!utf8_valid(s, strlen(s)))
        return db_fail(db, TASKORCH_EINVAL, "%s is not valid UTF-8; re-encode the text as UTF-8",
                       what);
    return TASKORCH_OK;
}

int check_title(taskorch_db *db, const char *title)
{
    if (!title || text_blank(title))
        return db_fail(db, TASKORCH_EINVAL, "title is empty; give the task a title");
    int rc = check_utf8(db, "title", title);
    if (rc)
        return rc;
    if (has_control(title, false))
        return db_fail(db, TASKORCH_EINVAL,
                       "title contains a control character; titles are one line of text");
    size_t n = utf8_chars(title);
    if (n > TASKORCH_TITLE_MAX)
        return db_fail(db, TASKORCH_EINVAL,
                       "title is %zu characters long; the limit is %d (put details in the "
                       "description)",
                       n, TASKORCH_TITLE_MAX);
    return TASKORCH_OK;
}

int check_long_text(taskorch_db *db, const char *what, const char *text)
{
    size_t len = strlen(text);
    if (len > LONG_TEXT_MAX)
        return db_fail(db, TASKORCH_EINVAL, "%s is %zu bytes long; the limit is %d bytes", what,
                       len, LONG_TEXT_MAX);
    int rc = check_utf8(db, what, text);
    if (rc)
        return rc;
    if (has_control(text, true))
        return db_fail(db, TASKORCH_EINVAL,
                       "%s contains a control character other than newline or tab", what);
    return TASKORCH_OK;
}

/* Agent ids name files of the markdown mirror, so no '/' and no spaces.
 * Consumer names follow the same rules with a longer limit, except that
 * they may hold '/': a name with a '/' is then never some agent's id. */
static int check_chars(taskorch_db *db, const char *what, const char *agent, size_t max,
                       bool slash_ok)
{
    if (!agent || !*agent)
        return db_fail(db, TASKORCH_EINVAL, "%s is empty", what);
    size_t len = strlen(agent);
    if (len > max)
        return db_fail(db, TASKORCH_EINVAL, "%s is %zu bytes long; the limit is %zu", what, len,
                       max);
    int rc = check_utf8(db, what, agent);
    if (rc)
        return rc;
    for (const char *s = agent; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c == 0x7f || (c == '/' && !slash_ok))
            return db_fail(db, TASKORCH_EINVAL,
                           "%s '%s' contains a space, control character%s; use letters, "
                           "digits, '_', '-', '.' or '@'",
                           what, agent, slash_ok ? "" : " or '/'");
    }
    if (!strcmp(agent, ".") || !strcmp(agent, ".."))
        return db_fail(db, TASKORCH_EINVAL, "%s cannot be '.' or '..'", what);
    return TASKORCH_OK;
}

int check_name(taskorch_db *db, const char *what, const char *agent, size_t max)
{
    return check_chars(db, what, agent, max, false);
}

int check_consumer(taskorch_db *db, const char *name)
{
    return check_chars(db, "consumer name", name, CONSUMER_MAX, true);
}

int check_agent(taskorch_db *db, const char *what, const char *agent)
{
    return check_name(db, what, agent, AGENT_MAX);
}

int taskorch_agent_check(const char *agent) { return check_agent(NULL, "agent id", agent); }

int check_tag(taskorch_db *db, const char *tag)
{
    if (!tag || !*tag)
        return db_fail(db, TASKORCH_EINVAL, "tag is empty");
    size_t len = strlen(tag);
    if (len > TAG_MAX)
        return db_fail(db, TASKORCH_EINVAL, "tag is %zu bytes long; the limit is %d", len, TAG_MAX);
    int rc = check_utf8(db, "tag", tag);
    if (rc)
        return rc;
    for (const char *s = tag; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c == 0x7f || c == ',')
            return db_fail(db, TASKORCH_EINVAL,
                           "tag '%s' contains a space, comma or control character", tag);
    }
    return TASKORCH_OK;
}

static bool parse_line_number(const char *s, size_t n, int *out)
{
    if (n == 0 || n > 9)
        return false;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1)
        return false;
    *out = v;
    return true;
}

/* "path", "path:12" or "path:12:40". A trailing part that is not a line
 * number belongs to the path (paths may contain ':'). */
int parse_file_ref(taskorch_db *db, const char *ref, char **path, int *line, int *end)
{
    *path = NULL;
    *line = *end = 0;
    if (!ref || text_blank(ref))
        return db_fail(db, TASKORCH_EINVAL, "file reference is empty; use path[:line[:end]]");
    int rc = check_long_text(db, "file reference", ref);
    if (rc)
        return rc;
    if (strchr(ref, '\n') || strchr(ref, '\t'))
        return db_fail(db, TASKORCH_EINVAL, "file reference contains a newline or tab");
    size_t len = strlen(ref);
    const char *c1 = strrchr(ref, ':');
    int a = 0, b = 0;
    if (c1 && parse_line_number(c1 + 1, len - (size_t)(c1 - ref) - 1, &a)) {
        len = (size_t)(c1 - ref);
        const char *c0 = NULL;
        for (const char *p = ref; p < c1; p++)
            if (*p == ':')
                c0 = p;
        if (c0 && parse_line_number(c0 + 1, (size_t)(c1 - c0 - 1), &b)) {
            *line = b;
            *end = a;
            len = (size_t)(c0 - ref);
        } else {
            *line = a;
        }
    }
    if (len == 0)
        return db_fail(db, TASKORCH_EINVAL, "file reference '%s' has no path", ref);
    if (*end && *end < *line)
        return db_fail(db, TASKORCH_EINVAL,
                       "file reference '%s' ends (line %d) before it starts (line %d)", ref, *end,
                       *line);
    *path = malloc(len + 1);
    if (!*path)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    memcpy(*path, ref, len);
    (*path)[len] = '\0';
    return TASKORCH_OK;
}

bool is_hex_id(const char *s, size_t min_len, size_t max_len)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    return n >= min_len && n <= max_len;
}
