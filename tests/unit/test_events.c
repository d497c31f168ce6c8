/* test_events.c - the change feed: iterating events, filtering by kind,
 * task and "mine", limits, named cursors, and waiting for news written by
 * another handle or another process. */
#include "fixture.h"

#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Kinds of the events a query returns, space-separated. */
static const char *kinds_of(taskorch_db *db, const taskorch_event_query *q)
{
    static char buf[4096];
    taskorch_event_iter *it = NULL;
    int rc = taskorch_event_iter_new(&it, db, q);
    ck_assert_msg(rc == TASKORCH_OK, "events: %d %s", rc, taskorch_db_errmsg(db));
    buf[0] = '\0';
    size_t len = 0;
    const taskorch_event *ev;
    int64_t prev = 0;
    while (taskorch_event_iter_next(it, &ev) == TASKORCH_OK) {
        ck_assert(taskorch_event_id(ev) > prev); /* oldest first */
        prev = taskorch_event_id(ev);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", len ? " " : "",
                                taskorch_event_kind(ev));
    }
    taskorch_event_iter_free(it);
    return buf;
}

START_TEST(every_change_is_an_event)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "first task", -1, NULL);

    taskorch_event_iter *it = NULL;
    ck_assert_int_eq(taskorch_event_iter_new(&it, db, NULL), TASKORCH_OK);
    const taskorch_event *ev;
    ck_assert_int_eq(taskorch_event_iter_next(it, &ev), TASKORCH_OK);
    ck_assert(taskorch_event_id(ev) > 0);
    ck_assert(taskorch_event_time(ev) > 0);
    ck_assert_str_eq(taskorch_event_kind(ev), "created");
    ck_assert_str_eq(taskorch_event_task_id(ev), a);
    ck_assert_str_eq(taskorch_event_agent(ev), "alice");
    ck_assert(fx_contains(taskorch_event_text(ev), "first task"));
    ck_assert_int_eq(taskorch_event_iter_next(it, &ev), TASKORCH_ITEROVER);
    ck_assert_ptr_null(ev);
    taskorch_event_iter_free(it);

    fx_add(b, db, "second", -1, a, NULL);             /* created dep_added blocked */
    taskorch_task_change ch = TASKORCH_TASK_CHANGE_INIT;
    ch.title = "renamed";
    ck_assert_int_eq(taskorch_task_update(NULL, db, a, &ch), TASKORCH_OK); /* updated */
    ck_assert_int_eq(taskorch_task_assign(db, a, "bob"), TASKORCH_OK);     /* assigned */
    ck_assert_int_eq(taskorch_task_complete(db, a, NULL, 0), TASKORCH_OK); /* status unblocked */
    const char *deps[] = { a };
    ck_assert_int_eq(taskorch_dep_remove(db, b, deps, 1), TASKORCH_OK);   /* dep_removed */
    ck_assert_int_eq(taskorch_task_join(db, b), TASKORCH_OK);            /* joined */
    ck_assert_int_eq(taskorch_msg_post(NULL, db, b, TASKORCH_MSG_NOTE, "n", NULL), TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, b, TASKORCH_MSG_SHARE, "s", NULL), TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, b, TASKORCH_MSG_DISCOVER, "d", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, b, TASKORCH_MSG_SYNC, "y", NULL), TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, b, TASKORCH_MSG_PROGRESS, "p", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_delete(db, b, 0), TASKORCH_OK); /* deleted */
    /* The deleted task's note is gone with it; the rest of its history stays. */
    ck_assert_str_eq(kinds_of(db, NULL),
                     "created created dep_added blocked updated assigned status unblocked "
                     "dep_removed joined share discover sync progress deleted");

    int64_t last = 0;
    ck_assert_int_eq(taskorch_event_last_id(&last, db), TASKORCH_OK);
    ck_assert(last >= 15);
    taskorch_db_close(db);
}
END_TEST

START_TEST(known_kinds)
{
    static const char *const kinds[] = { "created", "updated", "status", "assigned",
                                         "unblocked", "blocked", "dep_added", "dep_removed",
                                         "deleted", "joined", "note", "share", "discover",
                                         "sync", "progress" };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        ck_assert_msg(taskorch_event_kind_known(kinds[i]) == 1, "%s", kinds[i]);
    ck_assert_int_eq(taskorch_event_kind_known("bogus"), 0);
    ck_assert_int_eq(taskorch_event_kind_known(""), 0);
    ck_assert_int_eq(taskorch_event_kind_known("Created"), 0);
    ck_assert_int_eq(taskorch_event_kind_known(NULL), 0);
}
END_TEST

START_TEST(filter_kinds_task_after_limit)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, NULL);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, a, TASKORCH_MSG_SHARE, "s1", NULL), TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, b, TASKORCH_MSG_DISCOVER, "d1", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, a, TASKORCH_MSG_SHARE, "s2", NULL), TASKORCH_OK);

    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    const char *k1[] = { "share", "discover" };
    q.kinds = k1;
    q.n_kinds = 2;
    ck_assert_str_eq(kinds_of(db, &q), "share discover share");
    q.task = a;
    ck_assert_str_eq(kinds_of(db, &q), "share share");
    char prefix[5];
    memcpy(prefix, b, 4);
    prefix[4] = '\0';
    if (strncmp(a, b, 4)) { /* a 4-character prefix of b is unique unless a shares it */
        q.task = prefix;
        ck_assert_str_eq(kinds_of(db, &q), "discover");
    }
    q = (taskorch_event_query)TASKORCH_EVENT_QUERY_INIT;
    q.task = b;
    ck_assert_str_eq(kinds_of(db, &q), "created joined discover");

    /* after and limit */
    q = (taskorch_event_query)TASKORCH_EVENT_QUERY_INIT;
    taskorch_event_iter *it = NULL;
    ck_assert_int_eq(taskorch_event_iter_new(&it, db, &q), TASKORCH_OK);
    const taskorch_event *ev;
    int64_t third = 0;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(taskorch_event_iter_next(it, &ev), TASKORCH_OK);
        third = taskorch_event_id(ev);
    }
    taskorch_event_iter_free(it);
    q.after = third;
    ck_assert_str_eq(kinds_of(db, &q), "share joined discover share");
    q.limit = 2;
    ck_assert_str_eq(kinds_of(db, &q), "share joined");
    int64_t last = 0;
    ck_assert_int_eq(taskorch_event_last_id(&last, db), TASKORCH_OK);
    q.after = last;
    ck_assert_str_eq(kinds_of(db, &q), "");

    /* Unknown kind or task. */
    const char *bad[] = { "share", "shout" };
    q = (taskorch_event_query)TASKORCH_EVENT_QUERY_INIT;
    q.kinds = bad;
    q.n_kinds = 2;
    it = (taskorch_event_iter *)1;
    ck_assert_int_eq(taskorch_event_iter_new(&it, db, &q), TASKORCH_EINVAL);
    ck_assert_ptr_null(it);
    ck_assert(fx_contains(taskorch_db_errmsg(db), "shout"));
    q = (taskorch_event_query)TASKORCH_EVENT_QUERY_INIT;
    char missing[TASKORCH_ID_SIZE];
    memcpy(missing, a, sizeof missing);
    missing[0] = missing[0] == '0' ? '1' : '0';
    if (!strcmp(missing, b))
        missing[1] = missing[1] == '0' ? '1' : '0';
    q.task = missing;
    ck_assert_int_eq(taskorch_event_iter_new(&it, db, &q), TASKORCH_ENOTFOUND);
    q.task = "xyz";
    ck_assert_int_eq(taskorch_event_iter_new(&it, db, &q), TASKORCH_EINVAL);
    taskorch_db_close(db);
}
END_TEST

START_TEST(mine_flag)
{
    taskorch_db *alice = fx_open("alice");
    taskorch_db *bob = fx_open("bob");
    char own[TASKORCH_ID_SIZE], assigned[TASKORCH_ID_SIZE], joined[TASKORCH_ID_SIZE],
        other[TASKORCH_ID_SIZE];
    fx_add(own, bob, "bob made it", -1, NULL);
    fx_add(assigned, alice, "for bob", -1, NULL);
    ck_assert_int_eq(taskorch_task_assign(alice, assigned, "bob"), TASKORCH_OK);
    fx_add(joined, alice, "bob joins", -1, NULL);
    ck_assert_int_eq(taskorch_task_join(bob, joined), TASKORCH_OK);
    fx_add(other, alice, "not bob's", -1, NULL);
    ck_assert_int_eq(taskorch_msg_post(NULL, alice, other, TASKORCH_MSG_SHARE, "meh", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, alice, other, TASKORCH_MSG_DISCOVER, "all see",
                                       NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, alice, other, TASKORCH_MSG_SYNC, "checkpoint", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, alice, joined, TASKORCH_MSG_SHARE, "to bob", NULL),
                     TASKORCH_OK);

    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    q.flags = TASKORCH_EVENTS_MINE;
    taskorch_event_iter *it = NULL;
    ck_assert_int_eq(taskorch_event_iter_new(&it, bob, &q), TASKORCH_OK);
    const taskorch_event *ev;
    size_t n_own = 0, n_assigned = 0, n_joined = 0, n_other = 0;
    while (taskorch_event_iter_next(it, &ev) == TASKORCH_OK) {
        const char *task = taskorch_event_task_id(ev);
        if (!strcmp(task, own))
            n_own++;
        else if (!strcmp(task, assigned))
            n_assigned++;
        else if (!strcmp(task, joined))
            n_joined++;
        else {
            ck_assert_str_eq(task, other);
            ck_assert_msg(!strcmp(taskorch_event_kind(ev), "discover") ||
                              !strcmp(taskorch_event_kind(ev), "sync"),
                          "bob's feed has %s on another's task", taskorch_event_kind(ev));
            n_other++;
        }
    }
    taskorch_event_iter_free(it);
    ck_assert_uint_eq(n_own, 1);      /* created */
    ck_assert_uint_eq(n_assigned, 2); /* created assigned */
    ck_assert_uint_eq(n_joined, 4);   /* created joined(bob) joined(alice) share */
    ck_assert_uint_eq(n_other, 2);    /* discover sync */

    /* Alice's view differs: she created three tasks and joined "other". */
    ck_assert_int_eq(taskorch_event_iter_new(&it, alice, &q), TASKORCH_OK);
    size_t n_alice = 0, n_bob_own = 0;
    while (taskorch_event_iter_next(it, &ev) == TASKORCH_OK) {
        n_alice++;
        if (!strcmp(taskorch_event_task_id(ev), own))
            n_bob_own++;
    }
    taskorch_event_iter_free(it);
    ck_assert_uint_eq(n_bob_own, 0);
    ck_assert_uint_eq(n_alice, fx_event_count(alice, NULL, NULL) - 1);
    taskorch_db_close(alice);
    taskorch_db_close(bob);
}
END_TEST

START_TEST(mine_keeps_deleted_tasks)
{
    /* The deletion of a task I created, am assigned to or joined is news
     * for me too, although the task itself is gone. */
    taskorch_db *alice = fx_open("alice");
    taskorch_db *bob = fx_open("bob");
    char made[TASKORCH_ID_SIZE], assigned[TASKORCH_ID_SIZE];
    fx_add(made, bob, "bob made it", -1, NULL);
    fx_add(assigned, alice, "for bob", -1, NULL);
    ck_assert_int_eq(taskorch_task_assign(alice, assigned, "bob"), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_delete(alice, made, 0), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_delete(alice, assigned, 0), TASKORCH_OK);

    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    q.flags = TASKORCH_EVENTS_MINE;
    const char *kinds[] = { "deleted" };
    q.kinds = kinds;
    q.n_kinds = 1;
    taskorch_event_iter *it = NULL;
    ck_assert_int_eq(taskorch_event_iter_new(&it, bob, &q), TASKORCH_OK);
    const taskorch_event *ev;
    int saw_made = 0, saw_assigned = 0;
    while (taskorch_event_iter_next(it, &ev) == TASKORCH_OK) {
        saw_made |= !strcmp(taskorch_event_task_id(ev), made);
        saw_assigned |= !strcmp(taskorch_event_task_id(ev), assigned);
    }
    taskorch_event_iter_free(it);
    ck_assert_msg(saw_made, "bob's --mine feed lacks the deletion of the task he created");
    ck_assert_msg(saw_assigned, "bob's --mine feed lacks the deletion of his assigned task");
    taskorch_db_close(alice);
    taskorch_db_close(bob);
}
END_TEST

START_TEST(kinds_count_without_array)
{
    /* A count with no array is a caller error to report, not to crash on
     * (task specs and changes refuse the same with EINVAL). */
    taskorch_db *db = fx_open("alice");
    char t[TASKORCH_ID_SIZE];
    fx_add(t, db, "a", -1, NULL);
    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    q.kinds = NULL;
    q.n_kinds = 2;
    taskorch_event_iter *it = NULL;
    int rc = taskorch_event_iter_new(&it, db, &q);
    ck_assert_msg(rc == TASKORCH_EINVAL || rc == TASKORCH_OK, "rc %d", rc);
    taskorch_event_iter_free(it);
    taskorch_db_close(db);
}
END_TEST

START_TEST(cursors)
{
    taskorch_db *a = fx_open("alice");
    taskorch_db *b = fx_open("bob");
    int64_t pos = -1;
    ck_assert_int_eq(taskorch_cursor_get(&pos, a, "alice"), TASKORCH_OK);
    ck_assert(pos == 0);
    ck_assert_int_eq(taskorch_cursor_set(a, "alice", 5), TASKORCH_OK);
    ck_assert_int_eq(taskorch_cursor_get(&pos, a, "alice"), TASKORCH_OK);
    ck_assert(pos == 5);
    ck_assert_int_eq(taskorch_cursor_set(a, "alice", 3), TASKORCH_OK); /* replaces */
    ck_assert_int_eq(taskorch_cursor_get(&pos, b, "alice"), TASKORCH_OK);   /* shared store */
    ck_assert(pos == 3);
    ck_assert_int_eq(taskorch_cursor_get(&pos, b, "bob"), TASKORCH_OK);     /* independent */
    ck_assert(pos == 0);
    ck_assert_int_eq(taskorch_cursor_set(b, "watcher-2", 9), TASKORCH_OK);
    ck_assert_int_eq(taskorch_cursor_get(&pos, a, "alice"), TASKORCH_OK);
    ck_assert(pos == 3);
    ck_assert_int_eq(taskorch_cursor_set(a, "alice", 0), TASKORCH_OK);
    ck_assert_int_eq(taskorch_cursor_get(&pos, a, "alice"), TASKORCH_OK);
    ck_assert(pos == 0);

    /* Consumer names follow agent id rules (but may hold a slash, see
     * test_contracts.c); positions are not negative. */
    ck_assert_int_eq(taskorch_cursor_set(a, "has space", 1), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_cursor_set(a, "", 1), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_cursor_set(a, NULL, 1), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_cursor_set(a, "alice", -1), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_cursor_get(&pos, a, "a b"), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_cursor_get(&pos, a, "alice"), TASKORCH_OK);
    ck_assert(pos == 0);
    taskorch_db_close(a);
    taskorch_db_close(b);
}
END_TEST

START_TEST(cursor_follows_the_feed)
{
    /* The way a watcher uses the API: read after the cursor, then store
     * the last id seen; the next read sees only what is new. */
    taskorch_db *db = fx_open("alice");
    char t[TASKORCH_ID_SIZE];
    fx_add(t, db, "a", -1, NULL);
    fx_add(t, db, "b", -1, NULL);
    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    ck_assert_int_eq(taskorch_cursor_get(&q.after, db, "alice"), TASKORCH_OK);
    ck_assert_str_eq(kinds_of(db, &q), "created created");
    int64_t last = 0;
    ck_assert_int_eq(taskorch_event_last_id(&last, db), TASKORCH_OK);
    ck_assert_int_eq(taskorch_cursor_set(db, "alice", last), TASKORCH_OK);
    ck_assert_int_eq(taskorch_cursor_get(&q.after, db, "alice"), TASKORCH_OK);
    ck_assert_str_eq(kinds_of(db, &q), "");
    ck_assert_int_eq(taskorch_msg_post(NULL, db, t, TASKORCH_MSG_SHARE, "new", NULL),
                     TASKORCH_OK);
    ck_assert_str_eq(kinds_of(db, &q), "joined share");
    taskorch_db_close(db);
}
END_TEST

START_TEST(last_id_on_empty_store)
{
    taskorch_db *db = fx_open("alice");
    int64_t last = -1;
    ck_assert_int_eq(taskorch_event_last_id(&last, db), TASKORCH_OK);
    ck_assert(last == 0);
    ck_assert_str_eq(kinds_of(db, NULL), "");
    ck_assert_int_eq(taskorch_event_last_id(NULL, db), TASKORCH_EINVAL);
    taskorch_db_close(db);
}
END_TEST

START_TEST(wait_times_out_with_nothing_new)
{
    taskorch_db *db = fx_open("alice");
    char t[TASKORCH_ID_SIZE];
    fx_add(t, db, "a", -1, NULL);
    int64_t last = 0;
    ck_assert_int_eq(taskorch_event_last_id(&last, db), TASKORCH_OK);
    ck_assert_int_eq(taskorch_event_wait(db, last, 30), TASKORCH_ETIMEOUT);
    ck_assert_int_eq(taskorch_event_wait(db, last, 0), TASKORCH_ETIMEOUT);
    /* Something after `after` exists already: news at once. */
    ck_assert_int_eq(taskorch_event_wait(db, last - 1, 0), TASKORCH_OK);
    ck_assert_int_eq(taskorch_event_wait(db, 0, -1), TASKORCH_OK);
    taskorch_db_close(db);
}
END_TEST

START_TEST(wait_sees_another_handle)
{
    taskorch_db *watcher = fx_open("watcher");
    taskorch_db *writer = fx_open("writer");
    char t[TASKORCH_ID_SIZE];
    fx_add(t, writer, "a", -1, NULL);
    int64_t last = 0;
    ck_assert_int_eq(taskorch_event_last_id(&last, watcher), TASKORCH_OK);
    ck_assert_int_eq(taskorch_event_wait(watcher, last, 10), TASKORCH_ETIMEOUT);
    ck_assert_int_eq(taskorch_msg_post(NULL, writer, t, TASKORCH_MSG_SHARE, "hello", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_event_wait(watcher, last, 10000), TASKORCH_OK);
    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    q.after = last;
    ck_assert_str_eq(kinds_of(watcher, &q), "joined share");
    /* And again after catching up. */
    ck_assert_int_eq(taskorch_event_last_id(&last, watcher), TASKORCH_OK);
    ck_assert_int_eq(taskorch_event_wait(watcher, last, 10), TASKORCH_ETIMEOUT);
    fx_add(t, writer, "b", -1, NULL);
    ck_assert_int_eq(taskorch_event_wait(watcher, last, 10000), TASKORCH_OK);
    taskorch_db_close(watcher);
    taskorch_db_close(writer);
}
END_TEST

START_TEST(wait_wakes_for_another_process)
{
    taskorch_db *watcher = fx_open("watcher");
    char t[TASKORCH_ID_SIZE];
    fx_add(t, watcher, "a", -1, NULL);
    int64_t last = 0;
    ck_assert_int_eq(taskorch_event_last_id(&last, watcher), TASKORCH_OK);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        /* The writer starts a little later so that the watcher is usually
         * already waiting; the test holds either way. */
        struct timespec pause = { 0, 50 * 1000000L };
        nanosleep(&pause, NULL);
        char path[FX_PATH_SIZE];
        taskorch_db *w = NULL;
        int rc = fx_try_open(&w, fx_path(path, "store"), 0, "writer");
        if (rc == TASKORCH_OK)
            rc = taskorch_msg_post(NULL, w, t, TASKORCH_MSG_DISCOVER, "from afar", NULL);
        taskorch_db_close(w);
        _exit(rc == TASKORCH_OK ? 0 : 1);
    }
    int rc = taskorch_event_wait(watcher, last, 20000);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer process failed");
    ck_assert_int_eq(rc, TASKORCH_OK);
    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    q.after = last;
    ck_assert_str_eq(kinds_of(watcher, &q), "joined discover");
    taskorch_db_close(watcher);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("events");
    TCase *tc = fx_tcase("feed");
    tcase_add_test(tc, every_change_is_an_event);
    tcase_add_test(tc, known_kinds);
    tcase_add_test(tc, filter_kinds_task_after_limit);
    tcase_add_test(tc, mine_flag);
    tcase_add_test(tc, mine_keeps_deleted_tasks);
    tcase_add_test(tc, kinds_count_without_array);
    tcase_add_test(tc, last_id_on_empty_store);
    suite_add_tcase(s, tc);

    tc = fx_tcase("cursors");
    tcase_add_test(tc, cursors);
    tcase_add_test(tc, cursor_follows_the_feed);
    suite_add_tcase(s, tc);

    tc = fx_tcase("wait");
    tcase_add_test(tc, wait_times_out_with_nothing_new);
    tcase_add_test(tc, wait_sees_another_handle);
    tcase_add_test(tc, wait_wakes_for_another_process);
    suite_add_tcase(s, tc);
    return s;
}
