/* fuzz_tm.c - libFuzzer harness: tm's command line against a small store.
 *
 * The input, split on NUL bytes, is tm's argv after "tm". Each run starts
 * from a fresh copy of a store holding two tasks; the arguments "@A" and
 * "@B" stand for their ids, which the fuzzer could not guess. Arguments
 * that would leave the sandbox (--db) or wait for news (--follow) make the
 * input uninteresting. tm_main must return, never exit: LeakSanitizer
 * then checks that every run frees what it allocated. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define MAX_FUZZ_ARGS 64

static char root[64] = "/tmp/tm-fuzz-XXXXXX";
static char store[128], store_file[160];
static char *image; /* the store file every run starts from */
static size_t image_len;
static char ids[2][TASKORCH_ID_SIZE];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_root(void) { nftw(root, remove_entry, 8, FTW_DEPTH | FTW_PHYS); }

static void die(const char *what)
{
    perror(what);
    abort();
}

/* Builds the starting store through the public API. */
static void make_image(void)
{
    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.flags = TASKORCH_OPEN_CREATE;
    opts.agent = "fuzzer";
    taskorch_db *db = NULL;
    if (taskorch_db_open(&db, store, &opts))
        die("open");
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    const char *tags[] = {"backend", "x"};
    spec.title = "alpha";
    spec.tags = tags;
    spec.n_tags = 2;
    taskorch_task *t = NULL;
    if (taskorch_task_create(&t, db, &spec))
        die("create alpha");
    snprintf(ids[0], sizeof ids[0], "%s", taskorch_task_id(t));
    taskorch_task_free(t);
    const char *deps[] = {ids[0]};
    spec = (taskorch_task_spec)TASKORCH_TASK_SPEC_INIT;
    spec.title = "beta";
    spec.assignee = "bob";
    spec.depends_on = deps;
    spec.n_depends_on = 1;
    if (taskorch_task_create(&t, db, &spec))
        die("create beta");
    snprintf(ids[1], sizeof ids[1], "%s", taskorch_task_id(t));
    taskorch_task_free(t);
    if (taskorch_msg_post(NULL, db, ids[0], TASKORCH_MSG_SHARE, "shared", NULL) ||
        taskorch_msg_post(NULL, db, ids[0], TASKORCH_MSG_NOTE, "private", NULL))
        die("post");
    taskorch_db_close(db);
    FILE *f = fopen(store_file, "rb");
    if (!f || fseek(f, 0, SEEK_END) || (image_len = (size_t)ftell(f), fseek(f, 0, SEEK_SET)))
        die("read store");
    image = malloc(image_len);
    if (!image || fread(image, 1, image_len, f) != image_len)
        die("read store");
    fclose(f);
}

static void reset_store(void)
{
    nftw(store, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    if (mkdir(store, 0700))
        die("mkdir");
    FILE *f = fopen(store_file, "wb");
    if (!f || fwrite(image, 1, image_len, f) != image_len || fclose(f))
        die("write store");
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (!mkdtemp(root))
        die("mkdtemp");
    atexit(remove_root);
    snprintf(store, sizeof store, "%s/.task-orchestrator", root);
    snprintf(store_file, sizeof store_file, "%s/tasks.db", store);
    if (chdir(root))
        die("chdir");
    setenv("TM_DB_PATH", store, 1);
    setenv("TM_AGENT_ID", "fuzzer", 1);
    unsetenv("TM_NO_MIRROR");
    unsetenv("TM_REQUEST_ID");
    unsetenv("TM_BUSY_TIMEOUT_MS");
    if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout))
        die("freopen");
    make_image();
    return 0;
}

static bool uninteresting(const char *arg)
{
    return !strcmp(arg, "--db") || !strncmp(arg, "--db=", 5) || !strncmp(arg, "--follow", 8) ||
           !strcmp(arg, "-F");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_FUZZ_ARGS + 2] = {"tm"};
    int argc = 1;
    for (char *p = buf; p <= buf + size && argc <= MAX_FUZZ_ARGS; p += strlen(p) + 1) {
        if (p == buf + size && argc > 1)
            break; /* a trailing NUL ends the last argument */
        if (!strcmp(p, "@A") || !strcmp(p, "@B"))
            argv[argc++] = ids[p[1] - 'A'];
        else if (uninteresting(p))
            goto out;
        else
            argv[argc++] = p;
    }
    argv[argc] = NULL;
    reset_store();
    tm_main(argc, argv);
out:
    free(buf);
    return 0;
}
