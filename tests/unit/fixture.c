/* fixture.c - the per-test folder, helpers, and the runner's main(). */
#include "fixture.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

char fx_dir[FX_PATH_SIZE];
static char base_dir[FX_PATH_SIZE];
static char store_file[FX_PATH_SIZE + 16];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void fx_setup(void)
{
    char tmpl[FX_PATH_SIZE + 16];
    snprintf(tmpl, sizeof tmpl, "%s/t-XXXXXX", base_dir);
    ck_assert_msg(mkdtemp(tmpl) != NULL, "mkdtemp: %s", strerror(errno));
    ck_assert_msg(realpath(tmpl, fx_dir) != NULL, "realpath: %s", strerror(errno));
    snprintf(store_file, sizeof store_file, "%s/store/tasks.db", fx_dir);
    /* The library reads these; a test sets them explicitly when it means to. */
    unsetenv("TM_DB_PATH");
    unsetenv("TM_AGENT_ID");
    unsetenv("TM_REQUEST_ID");
    ck_assert_int_eq(chdir(fx_dir), 0);
}

static void fx_teardown(void)
{
    if (chdir(base_dir) == 0)
        remove_tree(fx_dir);
}

TCase *fx_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
    /* Generous: the sanitizer build on a busy two-core machine is slow. */
    tcase_set_timeout(tc, 60);
    return tc;
}

char *fx_path(char *buf, const char *rel)
{
    int n = snprintf(buf, FX_PATH_SIZE, "%s/%s", fx_dir, rel);
    ck_assert(n > 0 && n < FX_PATH_SIZE);
    return buf;
}

const char *fx_store_file(void)
{
    return store_file;
}

int fx_try_open(taskorch_db **out, const char *path, unsigned int flags, const char *agent)
{
    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.flags = flags;
    opts.agent = agent;
    return taskorch_db_open(out, path, &opts);
}

taskorch_db *fx_open(const char *agent)
{
    char path[FX_PATH_SIZE];
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, fx_path(path, "store"), TASKORCH_OPEN_CREATE, agent);
    ck_assert_msg(rc == TASKORCH_OK, "open: %d %s", rc, taskorch_db_errmsg(db));
    ck_assert_ptr_nonnull(db);
    return db;
}

void fx_add(char *id, taskorch_db *db, const char *title, int priority, ...)
{
    const char *deps[16];
    size_t n = 0;
    va_list ap;
    va_start(ap, priority);
    const char *d;
    while ((d = va_arg(ap, const char *)) != NULL) {
        ck_assert(n < 16);
        deps[n++] = d;
    }
    va_end(ap);
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = title;
    spec.priority = priority;
    spec.depends_on = n ? deps : NULL;
    spec.n_depends_on = n;
    taskorch_task *t = NULL;
    int rc = taskorch_task_create(&t, db, &spec);
    ck_assert_msg(rc == TASKORCH_OK, "create '%s': %d %s", title, rc, taskorch_db_errmsg(db));
    ck_assert_ptr_nonnull(t);
    memcpy(id, taskorch_task_id(t), TASKORCH_ID_SIZE);
    taskorch_task_free(t);
}

static taskorch_task *load(taskorch_db *db, const char *id)
{
    taskorch_task *t = NULL;
    int rc = taskorch_task_get(&t, db, id);
    ck_assert_msg(rc == TASKORCH_OK, "get %s: %d %s", id, rc, taskorch_db_errmsg(db));
    return t;
}

int fx_status(taskorch_db *db, const char *id)
{
    taskorch_task *t = load(db, id);
    int s = taskorch_task_status(t);
    taskorch_task_free(t);
    return s;
}

int fx_blocked_by_hand(taskorch_db *db, const char *id)
{
    taskorch_task *t = load(db, id);
    int s = taskorch_task_blocked_by_hand(t);
    taskorch_task_free(t);
    return s;
}

size_t fx_dep_count(taskorch_db *db, const char *id)
{
    taskorch_task *t = load(db, id);
    size_t n = taskorch_task_dep_count(t);
    taskorch_task_free(t);
    return n;
}

size_t fx_task_count(taskorch_db *db)
{
    taskorch_task_iter *it = NULL;
    int rc = taskorch_task_iter_new(&it, db, NULL);
    ck_assert_msg(rc == TASKORCH_OK, "list: %d %s", rc, taskorch_db_errmsg(db));
    size_t n = taskorch_task_iter_count(it);
    taskorch_task_iter_free(it);
    return n;
}

size_t fx_event_count(taskorch_db *db, const char *kind, const char *task)
{
    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    const char *kinds[1] = { kind };
    if (kind) {
        q.kinds = kinds;
        q.n_kinds = 1;
    }
    q.task = task;
    taskorch_event_iter *it = NULL;
    int rc = taskorch_event_iter_new(&it, db, &q);
    ck_assert_msg(rc == TASKORCH_OK, "events: %d %s", rc, taskorch_db_errmsg(db));
    size_t n = 0;
    const taskorch_event *ev;
    while (taskorch_event_iter_next(it, &ev) == TASKORCH_OK)
        n++;
    taskorch_event_iter_free(it);
    return n;
}

void fx_sql(const char *file, const char *sql)
{
    sqlite3 *s = NULL;
    int rc = sqlite3_open_v2(file, &s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    ck_assert_msg(rc == SQLITE_OK, "sqlite open %s: %s", file, sqlite3_errstr(rc));
    char *err = NULL;
    rc = sqlite3_exec(s, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "sql '%s': %s", sql, err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    sqlite3_close(s);
}

int64_t fx_sql_int(const char *file, const char *sql)
{
    sqlite3 *s = NULL;
    int rc = sqlite3_open_v2(file, &s, SQLITE_OPEN_READONLY, NULL);
    ck_assert_msg(rc == SQLITE_OK, "sqlite open %s: %s", file, sqlite3_errstr(rc));
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(s, sql, -1, &st, NULL);
    ck_assert_msg(rc == SQLITE_OK, "sql '%s': %s", sql, sqlite3_errmsg(s));
    rc = sqlite3_step(st);
    ck_assert_msg(rc == SQLITE_ROW, "sql '%s' gave no row: %s", sql, sqlite3_errmsg(s));
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

char *fx_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

void fx_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "create %s: %s", path, strerror(errno));
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

int fx_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fx_wait_past_ms(int64_t ms)
{
    while (wall_ms() <= ms)
        ;
}

void fx_tick(void)
{
    fx_wait_past_ms(wall_ms());
}

int fx_contains(const char *haystack, const char *needle)
{
    return haystack && needle && strstr(haystack, needle) != NULL;
}

int main(void)
{
    /* Line-buffered, so nothing buffered before a fork is written twice. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *tmp = getenv("TMPDIR");
    snprintf(base_dir, sizeof base_dir, "%s/taskorch-unit-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
    if (!mkdtemp(base_dir)) {
        fprintf(stderr, "cannot create a temporary folder: %s\n", strerror(errno));
        return 1;
    }
    SRunner *sr = srunner_create(unit_suite());
    /* With CK_TAP_LOG_FILE_NAME=- the TAP stream is the only stdout. */
    srunner_run_all(sr, CK_SILENT);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_tree(base_dir);
    return failed ? 1 : 0;
}
