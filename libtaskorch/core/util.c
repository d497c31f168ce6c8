/* util.c - clocks, ids, small allocation helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "internal.h"

int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t now_ms(void) { return now_us() / 1000; }

char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* Ids come from the kernel's random source so that processes started in the
 * same microsecond still differ; collisions are retried by the caller. */
void random_id(char out[TASKORCH_ID_SIZE])
{
    uint32_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        v = (uint32_t)(ts.tv_nsec ^ (ts.tv_sec << 20) ^ (uintptr_t)out);
    }
    snprintf(out, TASKORCH_ID_SIZE, "%08x", (unsigned)v);
}

bool grow_array(void *arrp, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    void *arr;
    memcpy(&arr, arrp, sizeof arr);
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap > SIZE_MAX / elem)
        return false;
    void *p = realloc(arr, ncap * elem);
    if (!p)
        return false;
    memcpy(arrp, &p, sizeof p);
    *cap = ncap;
    /* cppcheck-suppress memleak ; false positive: p now lives in *arrp (memcpy above) */
    return true;
}

void taskorch_free(void *ptr) { free(ptr); }
