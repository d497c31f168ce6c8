/* test_store.c - opening and locating a store, and how it fails: a missing
 * store, a file that is not a store, a store from a newer version, an
 * unusable path; TM_DB_PATH and the walk up to .task-orchestrator; agent
 * identity rules. */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Asserts that a failed open still handed out a handle that explains it. */
static void assert_failed_handle(taskorch_db *db, int rc, int expected)
{
    ck_assert_msg(rc == expected, "open gave %d (%s), expected %d", rc, taskorch_db_errmsg(db),
                  expected);
    ck_assert_ptr_nonnull(db);
    ck_assert_ptr_nonnull(taskorch_db_errmsg(db));
    ck_assert_msg(strlen(taskorch_db_errmsg(db)) > 0, "no message for a failed open");
    taskorch_db_close(db);
}

START_TEST(create_makes_folder_and_file)
{
    char dir[FX_PATH_SIZE], file[FX_PATH_SIZE];
    fx_path(dir, "a/b/c");
    fx_path(file, "a/b/c/tasks.db");
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, dir, TASKORCH_OPEN_CREATE, "alice");
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(db));
    ck_assert_str_eq(taskorch_db_path(db), file);
    ck_assert_str_eq(taskorch_db_agent(db), "alice");
    ck_assert_str_eq(taskorch_db_errmsg(db), "");
    ck_assert(fx_exists(file));
    taskorch_db_close(db);
    /* Reopening an existing store needs no CREATE. */
    rc = fx_try_open(&db, dir, 0, "alice");
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(db));
    taskorch_db_close(db);
}
END_TEST

START_TEST(path_ending_in_db_is_the_file)
{
    char file[FX_PATH_SIZE];
    fx_path(file, "my-project.db");
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, file, TASKORCH_OPEN_CREATE, "alice");
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(db));
    ck_assert_str_eq(taskorch_db_path(db), file);
    ck_assert(fx_exists(file));
    taskorch_db_close(db);
}
END_TEST

START_TEST(missing_without_create_is_notfound)
{
    char dir[FX_PATH_SIZE];
    fx_path(dir, "nothing-here");
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, dir, 0, "alice");
    ck_assert(fx_contains(taskorch_db_errmsg(db), dir));
    assert_failed_handle(db, rc, TASKORCH_ENOTFOUND);
    /* Opening to read creates nothing. */
    ck_assert(!fx_exists(dir));
}
END_TEST

START_TEST(missing_readonly_is_notfound)
{
    char dir[FX_PATH_SIZE];
    fx_path(dir, "nothing-here");
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, dir, TASKORCH_OPEN_READONLY, "alice");
    assert_failed_handle(db, rc, TASKORCH_ENOTFOUND);
    ck_assert(!fx_exists(dir));
}
END_TEST

START_TEST(empty_file_needs_create)
{
    char file[FX_PATH_SIZE];
    fx_path(file, "empty.db");
    fx_write_file(file, "", 0);
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, file, 0, "alice");
    assert_failed_handle(db, rc, TASKORCH_ENOTFOUND);
    rc = fx_try_open(&db, file, TASKORCH_OPEN_CREATE, "alice");
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(db));
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "works", -1, NULL);
    taskorch_db_close(db);
}
END_TEST

/* Text that is not an SQLite database, long enough to hold a header. */
static void write_foreign(const char *file, size_t *len_out)
{
    char buf[4096];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)('a' + i % 26);
    memcpy(buf, "# my notes, not a database\n", 27);
    fx_write_file(file, buf, sizeof buf);
    *len_out = sizeof buf;
}

static void assert_file_is(const char *file, const char *expected, size_t len)
{
    size_t now_len;
    char *now = fx_read_file(file, &now_len);
    ck_assert_msg(now_len == len && !memcmp(now, expected, len), "%s was changed", file);
    free(now);
}

START_TEST(not_sqlite_is_corrupt_and_untouched)
{
    char file[FX_PATH_SIZE];
    fx_path(file, "notes.db");
    size_t len;
    write_foreign(file, &len);
    size_t before_len;
    char *before = fx_read_file(file, &before_len);
    unsigned int flags[] = { 0, TASKORCH_OPEN_CREATE, TASKORCH_OPEN_READONLY };
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        taskorch_db *db = NULL;
        int rc = fx_try_open(&db, file, flags[i], "alice");
        ck_assert_msg(fx_contains(taskorch_db_errmsg(db), file), "message '%s' names no file",
                      taskorch_db_errmsg(db));
        assert_failed_handle(db, rc, TASKORCH_ECORRUPT);
        assert_file_is(file, before, before_len);
    }
    free(before);
    /* Nothing was added beside it either. */
    char side[FX_PATH_SIZE];
    ck_assert(!fx_exists(fx_path(side, "notes.db-wal")));
    ck_assert(!fx_exists(fx_path(side, "notes.db-shm")));
    ck_assert(!fx_exists(fx_path(side, "notes.db-journal")));
}
END_TEST

START_TEST(tiny_foreign_file_is_corrupt_and_untouched)
{
    char file[FX_PATH_SIZE];
    fx_path(file, "tiny.db");
    fx_write_file(file, "hello\n", 6);
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, file, TASKORCH_OPEN_CREATE, "alice");
    assert_failed_handle(db, rc, TASKORCH_ECORRUPT);
    assert_file_is(file, "hello\n", 6);
}
END_TEST

START_TEST(other_sqlite_database_is_corrupt_and_untouched)
{
    char file[FX_PATH_SIZE];
    fx_path(file, "app.db");
    fx_sql(file, "CREATE TABLE customers(name TEXT); INSERT INTO customers VALUES ('x');");
    size_t len;
    char *before = fx_read_file(file, &len);
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, file, TASKORCH_OPEN_CREATE, "alice");
    assert_failed_handle(db, rc, TASKORCH_ECORRUPT);
    assert_file_is(file, before, len);
    free(before);
    ck_assert_int_eq(fx_sql_int(file, "SELECT count(*) FROM sqlite_schema"), 1);
}
END_TEST

START_TEST(newer_schema_is_refused_untouched)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "kept", -1, NULL);
    taskorch_db_close(db);
    const char *file = fx_store_file();
    fx_sql(file, "PRAGMA user_version = 99");
    size_t len;
    char *before = fx_read_file(file, &len);
    char dir[FX_PATH_SIZE];
    unsigned int flags[] = { 0, TASKORCH_OPEN_CREATE, TASKORCH_OPEN_READONLY };
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        db = NULL;
        int rc = fx_try_open(&db, fx_path(dir, "store"), flags[i], "alice");
        ck_assert_msg(fx_contains(taskorch_db_errmsg(db), "99"),
                      "message '%s' does not name the version", taskorch_db_errmsg(db));
        assert_failed_handle(db, rc, TASKORCH_ESCHEMA);
        assert_file_is(file, before, len);
    }
    free(before);
    ck_assert_int_eq(fx_sql_int(file, "PRAGMA user_version"), 99);
    ck_assert_int_eq(fx_sql_int(file, "SELECT count(*) FROM tasks"), 1);
}
END_TEST

START_TEST(parent_is_a_file_is_store_error)
{
    char file[FX_PATH_SIZE], under[FX_PATH_SIZE];
    fx_path(file, "plain");
    fx_write_file(file, "x", 1);
    fx_path(under, "plain/sub");
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, under, TASKORCH_OPEN_CREATE, "alice");
    assert_failed_handle(db, rc, TASKORCH_ESTORE);
    assert_file_is(file, "x", 1);
}
END_TEST

START_TEST(store_file_is_a_folder_is_store_error)
{
    char dir[FX_PATH_SIZE];
    fx_path(dir, "folder.db");
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, dir, TASKORCH_OPEN_CREATE, "alice");
    assert_failed_handle(db, rc, TASKORCH_ESTORE);
}
END_TEST

START_TEST(readonly_handle_refuses_writes)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "existing", -1, NULL);
    taskorch_db_close(db);
    char dir[FX_PATH_SIZE];
    int rc = fx_try_open(&db, fx_path(dir, "store"), TASKORCH_OPEN_READONLY, "alice");
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(db));
    ck_assert_int_eq(fx_task_count(db), 1);
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = "refused";
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_create(&t, db, &spec), TASKORCH_EREADONLY);
    ck_assert_ptr_null(t);
    ck_assert(strlen(taskorch_db_errmsg(db)) > 0);
    ck_assert_int_eq(taskorch_task_complete(db, id, NULL, 0), TASKORCH_EREADONLY);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_SHARE, "hi", NULL),
                     TASKORCH_EREADONLY);
    ck_assert_int_eq(taskorch_cursor_set(db, "alice", 1), TASKORCH_EREADONLY);
    ck_assert_int_eq(fx_task_count(db), 1);
    ck_assert_int_eq(fx_status(db, id), TASKORCH_STATUS_PENDING);
    taskorch_db_close(db);
}
END_TEST

START_TEST(memory_store_is_private_and_leaves_nothing)
{
    char *located = NULL;
    ck_assert_int_eq(taskorch_locate(&located, TASKORCH_MEMORY), TASKORCH_OK);
    ck_assert_str_eq(located, TASKORCH_MEMORY);
    taskorch_free(located);
    setenv("TM_DB_PATH", TASKORCH_MEMORY, 1);
    ck_assert_int_eq(taskorch_locate_ext(&located, NULL, TASKORCH_OPEN_FROM_ENV), TASKORCH_OK);
    ck_assert_str_eq(located, TASKORCH_MEMORY);
    taskorch_free(located);
    unsetenv("TM_DB_PATH");

    taskorch_db *a = NULL, *b = NULL;
    int rc = fx_try_open(&a, TASKORCH_MEMORY, 0, "alice"); /* no CREATE needed */
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(a));
    ck_assert_str_eq(taskorch_db_path(a), TASKORCH_MEMORY);
    ck_assert_str_eq(taskorch_db_errmsg(a), "");
    rc = fx_try_open(&b, TASKORCH_MEMORY, TASKORCH_OPEN_CREATE, "bob");
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(b));
    char id[TASKORCH_ID_SIZE];
    fx_add(id, a, "only in a", -1, NULL);
    ck_assert_int_eq(taskorch_msg_post(NULL, a, id, TASKORCH_MSG_SHARE, "hi", NULL),
                     TASKORCH_OK);
    ck_assert_uint_eq(fx_task_count(a), 1);
    ck_assert_uint_eq(fx_task_count(b), 0); /* each handle has its own */
    taskorch_db_close(a);
    taskorch_db_close(b);
    /* Nothing was written to the current folder. */
    char p[FX_PATH_SIZE];
    ck_assert(!fx_exists(fx_path(p, TASKORCH_MEMORY)));
    ck_assert(!fx_exists(fx_path(p, ".task-orchestrator")));
    ck_assert(!fx_exists(fx_path(p, "contexts")));
}
END_TEST

/* TASKORCH_OPEN_CREATE_ON_WRITE: the store and its folder appear with the
 * first write that commits; a refused write creates nothing. */
START_TEST(create_on_write_creates_with_the_first_commit)
{
    char dir[FX_PATH_SIZE], file[FX_PATH_SIZE];
    fx_path(dir, "later/store");
    fx_path(file, "later/store/tasks.db");
    const unsigned int flags = TASKORCH_OPEN_CREATE | TASKORCH_OPEN_CREATE_ON_WRITE;
    taskorch_db *a = NULL, *b = NULL;
    int rc = fx_try_open(&a, dir, flags, "alice");
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(a));
    ck_assert_str_eq(taskorch_db_path(a), file);
    ck_assert(!fx_exists(dir));
    ck_assert_uint_eq(fx_task_count(a), 0); /* reads see an empty store */

    /* Refused inside its transaction (an unknown dependency): nothing. */
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = "refused";
    const char *deps[] = { "abcdef12" };
    spec.depends_on = deps;
    spec.n_depends_on = 1;
    ck_assert_int_eq(taskorch_task_create(NULL, a, &spec), TASKORCH_ENOTFOUND);
    ck_assert(!fx_exists(fx_path(file, "later")));
    fx_path(file, "later/store/tasks.db");

    /* A second handle waits too; the first commit creates the store. */
    ck_assert_int_eq(fx_try_open(&b, dir, flags, "bob"), TASKORCH_OK);
    char id[TASKORCH_ID_SIZE];
    fx_add(id, a, "first", -1, NULL);
    ck_assert(fx_exists(file));
    ck_assert_int_eq(fx_sql_int(file, "SELECT count(*) FROM tasks"), 1);
    fx_add(id, a, "second", -1, id, NULL); /* the handle goes on, on the file */
    ck_assert_uint_eq(fx_task_count(a), 2);
    taskorch_db *c = NULL;
    ck_assert_int_eq(fx_try_open(&c, dir, 0, "carol"), TASKORCH_OK);
    ck_assert_uint_eq(fx_task_count(c), 2);
    taskorch_db_close(c);

    /* b, still waiting, writes to the store a created. */
    spec.depends_on = NULL;
    spec.n_depends_on = 0;
    spec.title = "from bob";
    ck_assert_int_eq(taskorch_task_create(NULL, b, &spec), TASKORCH_OK);
    ck_assert_int_eq(fx_sql_int(file, "SELECT count(*) FROM tasks"), 3);
    ck_assert_uint_eq(fx_task_count(a), 3);
    taskorch_db_close(a);
    taskorch_db_close(b);
}
END_TEST

START_TEST(two_handles_share_one_store)
{
    taskorch_db *a = fx_open("alice");
    taskorch_db *b = fx_open("bob");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, a, "from alice", -1, NULL);
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_get(&t, b, id), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_created_by(t), "alice");
    taskorch_task_free(t);
    ck_assert_int_eq(taskorch_task_complete(b, id, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(a, id), TASKORCH_STATUS_COMPLETED);
    taskorch_db_close(a);
    taskorch_db_close(b);
}
END_TEST

START_TEST(env_path_is_used)
{
    char dir[FX_PATH_SIZE], file[FX_PATH_SIZE], other[FX_PATH_SIZE];
    setenv("TM_DB_PATH", fx_path(dir, "from-env"), 1);
    char *located = NULL;
    ck_assert_int_eq(taskorch_locate_ext(&located, NULL, TASKORCH_OPEN_FROM_ENV), TASKORCH_OK);
    ck_assert_str_eq(located, fx_path(file, "from-env/tasks.db"));
    taskorch_free(located);

    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, NULL, TASKORCH_OPEN_CREATE | TASKORCH_OPEN_FROM_ENV, "alice");
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(db));
    ck_assert_str_eq(taskorch_db_path(db), file);
    ck_assert(fx_exists(file));
    taskorch_db_close(db);

    /* A path ending in .db names the file itself. */
    setenv("TM_DB_PATH", fx_path(dir, "env-file.db"), 1);
    ck_assert_int_eq(taskorch_locate_ext(&located, NULL, TASKORCH_OPEN_FROM_ENV), TASKORCH_OK);
    ck_assert_str_eq(located, dir);
    taskorch_free(located);

    /* An explicit path wins over the environment. */
    ck_assert_int_eq(taskorch_locate_ext(&located, fx_path(other, "explicit"),
                                         TASKORCH_OPEN_FROM_ENV),
                     TASKORCH_OK);
    ck_assert_str_eq(located, fx_path(file, "explicit/tasks.db"));
    taskorch_free(located);

    /* An empty TM_DB_PATH counts as unset. */
    setenv("TM_DB_PATH", "", 1);
    ck_assert_int_eq(taskorch_locate_ext(&located, NULL, TASKORCH_OPEN_FROM_ENV), TASKORCH_OK);
    ck_assert(fx_contains(located, ".task-orchestrator/tasks.db"));
    taskorch_free(located);
}
END_TEST

/* Without TASKORCH_OPEN_FROM_ENV the library reads no environment. */
START_TEST(env_path_is_ignored_without_the_flag)
{
    char dir[FX_PATH_SIZE], p[FX_PATH_SIZE];
    setenv("TM_DB_PATH", fx_path(dir, "from-env"), 1);
    char *located = NULL;
    ck_assert_int_eq(taskorch_locate(&located, NULL), TASKORCH_OK);
    ck_assert(!fx_contains(located, "from-env"));
    ck_assert(fx_contains(located, ".task-orchestrator/tasks.db"));
    taskorch_free(located);
    ck_assert_int_eq(taskorch_locate_ext(&located, NULL, TASKORCH_OPEN_CREATE), TASKORCH_OK);
    ck_assert(!fx_contains(located, "from-env"));
    taskorch_free(located);

    /* Opening with a NULL path creates the local store, not the one named. */
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, NULL, TASKORCH_OPEN_CREATE, "alice");
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(db));
    ck_assert(!fx_contains(taskorch_db_path(db), "from-env"));
    taskorch_db_close(db);
    ck_assert(!fx_exists(dir));
    ck_assert(fx_exists(fx_path(p, ".task-orchestrator/tasks.db")));
}
END_TEST

START_TEST(walks_up_to_nearest_task_orchestrator)
{
    char p[FX_PATH_SIZE], expected[FX_PATH_SIZE];
    ck_assert_int_eq(mkdir(fx_path(p, "proj"), 0777), 0);
    ck_assert_int_eq(mkdir(fx_path(p, "proj/.task-orchestrator"), 0777), 0);
    ck_assert_int_eq(mkdir(fx_path(p, "proj/a"), 0777), 0);
    ck_assert_int_eq(mkdir(fx_path(p, "proj/a/b"), 0777), 0);
    ck_assert_int_eq(mkdir(fx_path(p, "proj/a/b/c"), 0777), 0);
    ck_assert_int_eq(chdir(fx_path(p, "proj/a/b/c")), 0);

    char *located = NULL;
    ck_assert_int_eq(taskorch_locate(&located, NULL), TASKORCH_OK);
    ck_assert_str_eq(located, fx_path(expected, "proj/.task-orchestrator/tasks.db"));
    taskorch_free(located);

    /* A store created from the top is opened from deep below. */
    taskorch_db *db = NULL;
    ck_assert_int_eq(fx_try_open(&db, expected, TASKORCH_OPEN_CREATE, "alice"), TASKORCH_OK);
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "found from below", -1, NULL);
    taskorch_db_close(db);
    int rc = fx_try_open(&db, NULL, 0, "alice");
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(db));
    ck_assert_str_eq(taskorch_db_path(db), expected);
    ck_assert_int_eq(fx_task_count(db), 1);
    taskorch_db_close(db);

    /* The nearest one wins; a plain file of that name does not count. */
    ck_assert_int_eq(mkdir(fx_path(p, "proj/a/.task-orchestrator"), 0777), 0);
    fx_write_file(fx_path(p, "proj/a/b/.task-orchestrator"), "not a folder", 12);
    ck_assert_int_eq(taskorch_locate(&located, NULL), TASKORCH_OK);
    ck_assert_str_eq(located, fx_path(expected, "proj/a/.task-orchestrator/tasks.db"));
    taskorch_free(located);

    /* TM_DB_PATH wins over the walk when the environment is asked for. */
    setenv("TM_DB_PATH", fx_path(p, "elsewhere"), 1);
    ck_assert_int_eq(taskorch_locate_ext(&located, NULL, TASKORCH_OPEN_FROM_ENV), TASKORCH_OK);
    ck_assert_str_eq(located, fx_path(expected, "elsewhere/tasks.db"));
    taskorch_free(located);
    ck_assert_int_eq(taskorch_locate(&located, NULL), TASKORCH_OK);
    ck_assert_str_eq(located, fx_path(expected, "proj/a/.task-orchestrator/tasks.db"));
    taskorch_free(located);
}
END_TEST

/* True when some ancestor of dir holds a .task-orchestrator folder. */
static int ancestor_has_store(const char *dir)
{
    char p[FX_PATH_SIZE];
    snprintf(p, sizeof p, "%s", dir);
    for (;;) {
        char probe[FX_PATH_SIZE + 32];
        struct stat sb;
        snprintf(probe, sizeof probe, "%s/.task-orchestrator", p);
        if (stat(probe, &sb) == 0 && S_ISDIR(sb.st_mode))
            return 1;
        char *slash = strrchr(p, '/');
        if (!slash || slash == p)
            break;
        *slash = '\0';
    }
    return 0;
}

START_TEST(falls_back_to_current_folder_and_creates_nothing)
{
    ck_assert_msg(!ancestor_has_store(fx_dir),
                  "the temporary folder %s lies below a .task-orchestrator folder; "
                  "set TMPDIR elsewhere",
                  fx_dir);
    char *located = NULL;
    ck_assert_int_eq(taskorch_locate(&located, NULL), TASKORCH_OK);
    ck_assert_str_eq(located, ".task-orchestrator/tasks.db");
    taskorch_free(located);

    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, NULL, 0, "alice");
    assert_failed_handle(db, rc, TASKORCH_ENOTFOUND);
    char p[FX_PATH_SIZE];
    ck_assert(!fx_exists(fx_path(p, ".task-orchestrator")));

    rc = fx_try_open(&db, NULL, TASKORCH_OPEN_CREATE, "alice");
    ck_assert_msg(rc == TASKORCH_OK, "%s", taskorch_db_errmsg(db));
    taskorch_db_close(db);
    ck_assert(fx_exists(fx_path(p, ".task-orchestrator/tasks.db")));
}
END_TEST

START_TEST(unreadable_current_folder_is_store_error)
{
    char gone[FX_PATH_SIZE];
    ck_assert_int_eq(mkdir(fx_path(gone, "gone"), 0777), 0);
    ck_assert_int_eq(chdir(gone), 0);
    ck_assert_int_eq(rmdir(gone), 0);
    char *located = (char *)1;
    ck_assert_int_eq(taskorch_locate(&located, NULL), TASKORCH_ESTORE);
    ck_assert_ptr_null(located);
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, NULL, TASKORCH_OPEN_CREATE, "alice");
    assert_failed_handle(db, rc, TASKORCH_ESTORE);
    /* An explicit path needs no current folder. */
    ck_assert_int_eq(taskorch_locate(&located, fx_dir), TASKORCH_OK);
    taskorch_free(located);
}
END_TEST

START_TEST(agent_id_rules)
{
    static const char *const good[] = {
        "alice", "backend-specialist", "qa_1", "a.b@c", "Jos\xc3\xa9", "x",
        "0123456789012345678901234567890123456789012345678901234567890123", /* 64 */
    };
    static const char *const bad[] = {
        "", "a b", "a/b", "a\tb", "a\nb", ".", "..", "bad\x7f", "\xff\xfe", "\xc3",
        "01234567890123456789012345678901234567890123456789012345678901234", /* 65 */
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        ck_assert_msg(taskorch_agent_check(good[i]) == TASKORCH_OK, "'%s' refused", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(taskorch_agent_check(bad[i]) == TASKORCH_EINVAL, "bad id %zu accepted", i);
    ck_assert_int_eq(taskorch_agent_check(NULL), TASKORCH_EINVAL);

    taskorch_db *db = fx_open("alice");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_int_eq(taskorch_db_set_agent(db, bad[i]), TASKORCH_EINVAL);
        ck_assert(strlen(taskorch_db_errmsg(db)) > 0);
        ck_assert_str_eq(taskorch_db_agent(db), "alice");
    }
    ck_assert_int_eq(taskorch_db_set_agent(db, "bob"), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_agent(db), "bob");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "made by bob", -1, NULL);
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_get(&t, db, id), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_created_by(t), "bob");
    taskorch_task_free(t);
    taskorch_db_close(db);
}
END_TEST

START_TEST(bad_agent_in_options_fails_open)
{
    char dir[FX_PATH_SIZE];
    taskorch_db *db = NULL;
    int rc = fx_try_open(&db, fx_path(dir, "store"), TASKORCH_OPEN_CREATE, "has space");
    assert_failed_handle(db, rc, TASKORCH_EINVAL);
    ck_assert(!fx_exists(dir));
}
END_TEST

START_TEST(agent_defaults_from_environment)
{
    char dir[FX_PATH_SIZE];
    fx_path(dir, "store");
    taskorch_db *db = NULL;
    const unsigned env = TASKORCH_OPEN_FROM_ENV;
    setenv("TM_AGENT_ID", "env-agent", 1);
    setenv("USER", "login-user", 1);
    ck_assert_int_eq(fx_try_open(&db, dir, TASKORCH_OPEN_CREATE | env, NULL), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_agent(db), "env-agent");
    taskorch_db_close(db);
    /* Without the flag the environment is ignored. */
    ck_assert_int_eq(fx_try_open(&db, dir, 0, NULL), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_agent(db), "anonymous");
    taskorch_db_close(db);
    ck_assert_int_eq(taskorch_db_open(&db, dir, NULL), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_agent(db), "anonymous");
    taskorch_db_close(db);
    /* An explicit agent wins over the environment. */
    ck_assert_int_eq(fx_try_open(&db, dir, env, "explicit"), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_agent(db), "explicit");
    taskorch_db_close(db);
    unsetenv("TM_AGENT_ID");
    ck_assert_int_eq(fx_try_open(&db, dir, env, NULL), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_agent(db), "login-user");
    taskorch_db_close(db);
    ck_assert_int_eq(fx_try_open(&db, dir, 0, NULL), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_agent(db), "anonymous");
    taskorch_db_close(db);
    unsetenv("USER");
    ck_assert_int_eq(fx_try_open(&db, dir, env, NULL), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_agent(db), "anonymous");
    taskorch_db_close(db);
    /* NULL options: defaults, no CREATE. */
    ck_assert_int_eq(taskorch_db_open(&db, dir, NULL), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_agent(db), "anonymous");
    taskorch_db_close(db);
    char missing[FX_PATH_SIZE];
    ck_assert_int_eq(taskorch_db_open(&db, fx_path(missing, "missing"), NULL),
                     TASKORCH_ENOTFOUND);
    taskorch_db_close(db);
}
END_TEST

START_TEST(errmsg_without_handle)
{
    ck_assert_ptr_nonnull(taskorch_db_errmsg(NULL));
    ck_assert_int_eq(taskorch_db_open(NULL, NULL, NULL), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_locate(NULL, NULL), TASKORCH_EINVAL);
    taskorch_db_close(NULL);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = fx_tcase("open");
    tcase_add_test(tc, create_makes_folder_and_file);
    tcase_add_test(tc, path_ending_in_db_is_the_file);
    tcase_add_test(tc, missing_without_create_is_notfound);
    tcase_add_test(tc, missing_readonly_is_notfound);
    tcase_add_test(tc, empty_file_needs_create);
    tcase_add_test(tc, readonly_handle_refuses_writes);
    tcase_add_test(tc, two_handles_share_one_store);
    tcase_add_test(tc, create_on_write_creates_with_the_first_commit);
    tcase_add_test(tc, memory_store_is_private_and_leaves_nothing);
    suite_add_tcase(s, tc);

    tc = fx_tcase("errors");
    tcase_add_test(tc, not_sqlite_is_corrupt_and_untouched);
    tcase_add_test(tc, tiny_foreign_file_is_corrupt_and_untouched);
    tcase_add_test(tc, other_sqlite_database_is_corrupt_and_untouched);
    tcase_add_test(tc, newer_schema_is_refused_untouched);
    tcase_add_test(tc, parent_is_a_file_is_store_error);
    tcase_add_test(tc, store_file_is_a_folder_is_store_error);
    tcase_add_test(tc, errmsg_without_handle);
    suite_add_tcase(s, tc);

    tc = fx_tcase("locate");
    tcase_add_test(tc, env_path_is_used);
    tcase_add_test(tc, env_path_is_ignored_without_the_flag);
    tcase_add_test(tc, walks_up_to_nearest_task_orchestrator);
    tcase_add_test(tc, falls_back_to_current_folder_and_creates_nothing);
    tcase_add_test(tc, unreadable_current_folder_is_store_error);
    suite_add_tcase(s, tc);

    tc = fx_tcase("agent");
    tcase_add_test(tc, agent_id_rules);
    tcase_add_test(tc, bad_agent_in_options_fails_open);
    tcase_add_test(tc, agent_defaults_from_environment);
    suite_add_tcase(s, tc);
    return s;
}
