/* stress_threads.c - many handles on one store inside one process.
 *
 * The library promises no global mutable state: one handle per thread, any
 * number of handles and processes on a store. This program holds it to that
 * from threads, which tm processes cannot: WRITERS threads, each with its
 * own handle and agent, start together and create tasks, share on them
 * (retrying each post with its request id), complete every other task, and
 * all post one common message as the same agent with the same request id;
 * a FOLLOWER thread waits on the change feed meanwhile with
 * taskorch_event_wait and must see every task's "created" event.
 * Afterwards a fresh handle checks that every acknowledged write is there.
 *
 * usage: stress_threads   (works in a fresh folder under $TMPDIR or /tmp,
 * removed at the end). Exit 0 when everything holds; otherwise 1, with
 * every broken expectation on stderr. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <taskorch.h>

#define WRITERS 8
#define TASKS 30 /* per writer */

static char store[4096];
static pthread_barrier_t start_line;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int failures;

static void failf(const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&report_lock);
    failures++;
    va_start(ap, fmt);
    fputs("stress_threads: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    pthread_mutex_unlock(&report_lock);
}

/* Reports a failed call; returns whether it succeeded. */
static int ok(taskorch_db *db, int rc, const char *what)
{
    if (rc != TASKORCH_OK)
        failf("%s as %s: %s (%s)", what, db ? taskorch_db_agent(db) : "-",
              taskorch_strerror(rc), taskorch_db_errmsg(db));
    return rc == TASKORCH_OK;
}

static taskorch_db *open_as(const char *agent)
{
    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.agent = agent;
    opts.flags = TASKORCH_OPEN_NO_MIRROR;
    taskorch_db *db = NULL;
    if (!ok(db, taskorch_db_open(&db, store, &opts), "open")) {
        taskorch_db_close(db);
        return NULL;
    }
    return db;
}

struct writer {
    int index;
    char common[TASKORCH_ID_SIZE]; /* the task everyone posts on */
    char ids[TASKS][TASKORCH_ID_SIZE];
    int n_ids;
    int64_t common_msg; /* id the common post returned */
};

static void *write_tasks(void *arg)
{
    struct writer *w = arg;
    char agent[32], title[64], text[64], req[32];
    snprintf(agent, sizeof agent, "thread_%d", w->index);
    taskorch_db *db = open_as(agent);
    pthread_barrier_wait(&start_line);
    if (!db)
        return NULL;
    for (int k = 0; k < TASKS; k++) {
        taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
        snprintf(title, sizeof title, "%s task %d", agent, k);
        spec.title = title;
        spec.assignee = agent;
        taskorch_task *t = NULL;
        if (!ok(db, taskorch_task_create(&t, db, &spec), "create"))
            continue;
        snprintf(w->ids[w->n_ids], TASKORCH_ID_SIZE, "%s", taskorch_task_id(t));
        taskorch_task_free(t);
        const char *id = w->ids[w->n_ids++];
        /* A post and its retry: one message, the same id both times. */
        int64_t first = 0, again = -1;
        snprintf(text, sizeof text, "%s shares %d", agent, k);
        snprintf(req, sizeof req, "req-%d", k);
        if (ok(db, taskorch_msg_post(&first, db, id, TASKORCH_MSG_SHARE, text, req), "post") &&
            ok(db, taskorch_msg_post(&again, db, id, TASKORCH_MSG_SHARE, text, req), "retry") &&
            first != again)
            failf("%s: retried post got message %" PRId64 ", first was %" PRId64, agent, again,
                  first);
        if (k % 2 == 0)
            ok(db, taskorch_task_complete(db, id, "done", 0), "complete");
        if (k == TASKS / 2) {
            /* Mid-run, everyone posts the same request as one agent. */
            ok(db, taskorch_db_set_agent(db, "shared_agent"), "set agent");
            ok(db, taskorch_msg_post(&w->common_msg, db, w->common, TASKORCH_MSG_SHARE,
                                     "the one common post", "common-request"),
               "common post");
            ok(db, taskorch_db_set_agent(db, agent), "set agent back");
        }
    }
    taskorch_db_close(db);
    return NULL;
}

/* Follows the feed until it has seen `want` "created" events. */
static void *follow(void *arg)
{
    int want = *(int *)arg, seen = 0;
    int64_t after = 0;
    taskorch_db *db = open_as("follower");
    pthread_barrier_wait(&start_line);
    while (db && seen < want) {
        int rc = taskorch_event_wait(db, after, 60000);
        if (rc == TASKORCH_ETIMEOUT) {
            failf("follower: no news for 60 s with %d of %d created events seen", seen, want);
            break;
        }
        if (!ok(db, rc, "event wait"))
            break;
        taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
        q.after = after;
        taskorch_event_iter *it = NULL;
        if (!ok(db, taskorch_event_iter_new(&it, db, &q), "event iter"))
            break;
        const taskorch_event *ev;
        while (taskorch_event_iter_next(it, &ev) == TASKORCH_OK) {
            if (taskorch_event_id(ev) <= after)
                failf("follower: event %" PRId64 " after %" PRId64, taskorch_event_id(ev),
                      after);
            after = taskorch_event_id(ev);
            seen += !strcmp(taskorch_event_kind(ev), "created");
        }
        taskorch_event_iter_free(it);
    }
    taskorch_db_close(db);
    return NULL;
}

static int count_messages(taskorch_db *db, const char *task, const char *text)
{
    taskorch_msg_iter *it = NULL;
    int n = 0;
    if (!ok(db, taskorch_msg_iter_new(&it, db, task, NULL), "message iter"))
        return -1;
    const taskorch_msg *m;
    while (taskorch_msg_iter_next(it, &m) == TASKORCH_OK)
        n += !strcmp(taskorch_msg_text(m), text);
    taskorch_msg_iter_free(it);
    return n;
}

static void check(struct writer *writers)
{
    taskorch_db *db = open_as("checker");
    if (!db)
        return;
    int total = 0;
    for (int i = 0; i < WRITERS; i++) {
        struct writer *w = &writers[i];
        if (w->n_ids != TASKS)
            failf("thread_%d created %d of %d tasks", i, w->n_ids, TASKS);
        if (w->common_msg != writers[0].common_msg || w->common_msg <= 0)
            failf("thread_%d: common post id %" PRId64 ", thread_0 got %" PRId64, i,
                  w->common_msg, writers[0].common_msg);
        for (int k = 0; k < w->n_ids; k++, total++) {
            taskorch_task *t = NULL;
            if (!ok(db, taskorch_task_get(&t, db, w->ids[k]), "get"))
                continue;
            int want = k % 2 == 0 ? TASKORCH_STATUS_COMPLETED : TASKORCH_STATUS_PENDING;
            char title[64], text[64];
            snprintf(title, sizeof title, "thread_%d task %d", i, k);
            snprintf(text, sizeof text, "thread_%d shares %d", i, k);
            if (taskorch_task_status(t) != want || strcmp(taskorch_task_title(t), title))
                failf("%s: status %s, title '%s'", w->ids[k],
                      taskorch_status_name(taskorch_task_status(t)), taskorch_task_title(t));
            taskorch_task_free(t);
            int n = count_messages(db, w->ids[k], text);
            if (n != 1)
                failf("%s: '%s' stored %d times", w->ids[k], text, n);
        }
    }
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    taskorch_task_iter *it = NULL;
    if (ok(db, taskorch_task_iter_new(&it, db, &q), "list")) {
        size_t n = 0;
        const taskorch_task *t;
        while (taskorch_task_iter_next(it, &t) == TASKORCH_OK)
            n++;
        if (n != (size_t)total + 1)
            failf("store holds %zu tasks, expected %d", n, total + 1);
        taskorch_task_iter_free(it);
    }
    int n = count_messages(db, writers[0].common, "the one common post");
    if (n != 1)
        failf("the common post with one request id was stored %d times", n);
    taskorch_db_close(db);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(store, sizeof store, "%s/tm-threads-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(store)) {
        perror("stress_threads: mkdtemp");
        return 1;
    }
    char dir[sizeof store];
    snprintf(dir, sizeof dir, "%s", store);
    strncat(store, "/tasks.db", sizeof store - strlen(store) - 1);

    static struct writer writers[WRITERS];
    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.agent = "setup";
    opts.flags = TASKORCH_OPEN_CREATE | TASKORCH_OPEN_NO_MIRROR;
    taskorch_db *db = NULL;
    taskorch_task *common = NULL;
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = "common channel";
    if (ok(db, taskorch_db_open(&db, store, &opts), "create store") &&
        ok(db, taskorch_task_create(&common, db, &spec), "create common task")) {
        for (int i = 0; i < WRITERS; i++) {
            writers[i].index = i;
            snprintf(writers[i].common, TASKORCH_ID_SIZE, "%s", taskorch_task_id(common));
        }
        taskorch_task_free(common);
        taskorch_db_close(db);

        pthread_t threads[WRITERS + 1];
        int want = WRITERS * TASKS + 1;
        pthread_barrier_init(&start_line, NULL, WRITERS + 1);
        pthread_create(&threads[WRITERS], NULL, follow, &want);
        for (int i = 0; i < WRITERS; i++)
            pthread_create(&threads[i], NULL, write_tasks, &writers[i]);
        for (int i = 0; i <= WRITERS; i++)
            pthread_join(threads[i], NULL);
        pthread_barrier_destroy(&start_line);
        check(writers);
    } else {
        taskorch_db_close(db);
    }
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (!failures)
        printf("stress_threads: %d threads x %d tasks: ok\n", WRITERS, TASKS);
    return failures ? 1 : 0;
}
