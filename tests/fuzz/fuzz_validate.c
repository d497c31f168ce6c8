/* fuzz_validate.c - libFuzzer harness: the library's text rules through
 * the public API, on an in-memory store.
 *
 * The input, split on NUL bytes, gives a title, a description, an
 * assignee, tags and file references (fields after the third alternate
 * between tags and files). Whatever the library accepts must read back
 * unchanged; whatever it refuses must be refused with TASKORCH_EINVAL and
 * a message, leaving nothing behind. Agent ids and cursor names are
 * checked with the same fields. A broken promise aborts, so the fuzzer
 * reports it like a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <taskorch.h>

#define MAX_FIELDS 32

static taskorch_db *db;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: broken promise: %s (%s)\n", __FILE__, __LINE__, #cond,         \
                    taskorch_db_errmsg(db));                                                       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* One store for many inputs (a fresh one per input runs five times
 * slower); each input removes what it wrote, and the store is replaced
 * now and then so that the feed does not grow without bound. */
static void open_store(void)
{
    static unsigned runs;
    if (db && ++runs % 1000 != 0)
        return;
    taskorch_db_close(db);
    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.agent = "fuzzer";
    if (taskorch_db_open(&db, TASKORCH_MEMORY, &opts) != TASKORCH_OK) {
        fprintf(stderr, "cannot open an in-memory store: %s\n", taskorch_db_errmsg(db));
        abort();
    }
}

static size_t task_count(void)
{
    taskorch_task_iter *it = NULL;
    CHECK(taskorch_task_iter_new(&it, db, NULL) == TASKORCH_OK);
    size_t n = taskorch_task_iter_count(it);
    taskorch_task_iter_free(it);
    return n;
}

/* A refusal is EINVAL with a message, never a crash or a store error. */
static void check_refusal(int rc)
{
    CHECK(rc == TASKORCH_EINVAL);
    CHECK(*taskorch_db_errmsg(db) != '\0');
}

static void check_names(const char *name)
{
    int agent_ok = taskorch_agent_check(name) == TASKORCH_OK;
    CHECK(!agent_ok || !strchr(name, '/'));
    int rc = taskorch_db_set_agent(db, name);
    CHECK((rc == TASKORCH_OK) == agent_ok);
    if (rc)
        check_refusal(rc);
    else
        CHECK(!strcmp(taskorch_db_agent(db), name));
    CHECK(taskorch_db_set_agent(db, "fuzzer") == TASKORCH_OK);

    int64_t pos = -1;
    rc = taskorch_cursor_set(db, name, 7);
    if (rc == TASKORCH_OK) {
        CHECK(taskorch_cursor_get(&pos, db, name) == TASKORCH_OK && pos == 7);
        CHECK(taskorch_cursor_set(db, name, 0) == TASKORCH_OK);
    } else {
        check_refusal(rc);
        CHECK(!agent_ok); /* every agent id is a consumer name */
    }
}

static void check_task(const taskorch_task_spec *spec)
{
    size_t before = task_count();
    taskorch_task *t = (taskorch_task *)spec; /* any non-NULL value */
    int rc = taskorch_task_create(&t, db, spec);
    if (rc) {
        check_refusal(rc);
        CHECK(t == NULL);
        CHECK(task_count() == before);
        return;
    }
    taskorch_task *got = NULL;
    CHECK(taskorch_task_get(&got, db, taskorch_task_id(t)) == TASKORCH_OK);
    CHECK(!strcmp(taskorch_task_title(got), spec->title));
    CHECK(spec->description ? taskorch_task_description(got) &&
                                  !strcmp(taskorch_task_description(got), spec->description)
                            : !taskorch_task_description(got));
    CHECK(spec->assignee && *spec->assignee ? !strcmp(taskorch_task_assignee(got), spec->assignee)
                                            : !taskorch_task_assignee(got));
    for (size_t i = 0; i < spec->n_tags; i++) {
        int found = 0;
        for (size_t j = 0; j < taskorch_task_tag_count(got); j++)
            found |= !strcmp(taskorch_task_tag(got, j), spec->tags[i]);
        CHECK(found);
    }
    CHECK(taskorch_task_file_count(got) <= spec->n_files);
    for (size_t i = 0; i < taskorch_task_file_count(got); i++) {
        const char *path = taskorch_task_file_path(got, i);
        CHECK(path && *path && strstr(spec->files[i], path) == spec->files[i]);
        int line = taskorch_task_file_line(got, i), end = taskorch_task_file_end(got, i);
        CHECK(line >= 0 && end >= 0 && (!end || (line && end >= line)));
    }
    /* The same title again through an update, and a message on it. */
    taskorch_task_change ch = TASKORCH_TASK_CHANGE_INIT;
    ch.title = spec->title;
    ch.description = spec->description ? spec->description : "";
    rc = taskorch_task_update(NULL, db, taskorch_task_id(t), &ch);
    CHECK(rc == TASKORCH_OK || rc == TASKORCH_EINVAL);
    rc = taskorch_msg_post(NULL, db, taskorch_task_id(t), TASKORCH_MSG_SHARE, spec->title, NULL);
    CHECK(rc == TASKORCH_OK);
    CHECK(taskorch_task_delete(db, taskorch_task_id(t), TASKORCH_FORCE) == TASKORCH_OK);
    taskorch_task_free(got);
    taskorch_task_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *field[MAX_FIELDS];
    size_t n = 0;
    for (char *p = buf; p < buf + size && n < MAX_FIELDS; p += strlen(p) + 1)
        field[n++] = p;
    if (n == 0)
        field[n++] = buf;

    const char *tags[MAX_FIELDS], *files[MAX_FIELDS];
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = field[0];
    spec.description = n > 1 && *field[1] ? field[1] : NULL;
    spec.assignee = n > 2 && *field[2] ? field[2] : NULL;
    for (size_t i = 3; i < n; i++) {
        if (i % 2)
            tags[spec.n_tags++] = field[i];
        else
            files[spec.n_files++] = field[i];
    }
    spec.tags = tags;
    spec.files = files;
    open_store();
    for (size_t i = 0; i < n; i++)
        check_names(field[i]);
    check_task(&spec);
    free(buf);
    return 0;
}
