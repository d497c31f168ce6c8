/* strbuf.c - a growable string for building messages and SQL-free text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void sb_init(struct strbuf *sb)
{
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    sb->failed = false;
}

static bool sb_grow(struct strbuf *sb, size_t extra)
{
    if (sb->failed)
        return false;
    if (sb->len + extra + 1 <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *p = realloc(sb->buf, cap);
    if (!p) {
        sb->failed = true;
        return false;
    }
    sb->buf = p;
    sb->cap = cap;
    return true;
}

void sb_addn(struct strbuf *sb, const char *s, size_t n)
{
    if (!sb_grow(sb, n))
        return;
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_add(struct strbuf *sb, const char *s) { sb_addn(sb, s, strlen(s)); }

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_grow(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *sb_steal(struct strbuf *sb)
{
    if (sb->failed) {
        sb_free(sb);
        return NULL;
    }
    char *s = sb->buf ? sb->buf : calloc(1, 1);
    sb_init(sb);
    return s;
}

void sb_free(struct strbuf *sb)
{
    free(sb->buf);
    sb_init(sb);
}

char **sb_string_array(struct strbuf *sb, size_t n)
{
    char **v = sb->failed ? NULL : malloc((n + 1) * sizeof *v + sb->len);
    if (!v) {
        sb_free(sb);
        return NULL;
    }
    char *strings = (char *)(v + n + 1);
    if (sb->len)
        memcpy(strings, sb->buf, sb->len);
    for (size_t i = 0; i < n; i++) {
        v[i] = strings;
        strings += strlen(strings) + 1;
    }
    v[n] = NULL;
    sb_free(sb);
    return v;
}
