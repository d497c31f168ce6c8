/* test_state.c - the task state machine (the "Semantics" of the foundation
 * issue): blocked while a dependency is unfinished, unblocking on
 * completion one link at a time, refusing to start or complete early unless
 * forced, re-blocking on reopen, cancelled dependencies, manual blocks. */
#include "fixture.h"

#include <string.h>

/* Text of the newest event of kind on task (copied into buf). */
static void last_event_text(char *buf, size_t size, taskorch_db *db, const char *kind,
                            const char *task)
{
    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    const char *kinds[] = { kind };
    q.kinds = kinds;
    q.n_kinds = 1;
    q.task = task;
    taskorch_event_iter *it = NULL;
    ck_assert_int_eq(taskorch_event_iter_new(&it, db, &q), TASKORCH_OK);
    const taskorch_event *ev;
    buf[0] = '\0';
    int found = 0;
    while (taskorch_event_iter_next(it, &ev) == TASKORCH_OK) {
        snprintf(buf, size, "%s", taskorch_event_text(ev));
        found = 1;
    }
    taskorch_event_iter_free(it);
    ck_assert_msg(found, "no %s event for %s", kind, task);
}

START_TEST(created_blocked_when_dependency_unfinished)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], done[TASKORCH_ID_SIZE], c[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "needs a", -1, a, NULL);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_BLOCKED);
    ck_assert_int_eq(fx_blocked_by_hand(db, b), 0);
    fx_add(done, db, "done", -1, NULL);
    ck_assert_int_eq(taskorch_task_complete(db, done, NULL, 0), TASKORCH_OK);
    fx_add(c, db, "needs done", -1, done, NULL);
    ck_assert_int_eq(fx_status(db, c), TASKORCH_STATUS_PENDING);
    /* One unfinished among several is enough. */
    char d[TASKORCH_ID_SIZE];
    fx_add(d, db, "needs done and a", -1, done, a, NULL);
    ck_assert_int_eq(fx_status(db, d), TASKORCH_STATUS_BLOCKED);
    taskorch_db_close(db);
}
END_TEST

START_TEST(completing_unblocks_with_one_event_naming_assignee)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    const char *deps[] = { a };
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = "b";
    spec.assignee = "frontend-dev";
    spec.depends_on = deps;
    spec.n_depends_on = 1;
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_create(&t, db, &spec), TASKORCH_OK);
    memcpy(b, taskorch_task_id(t), sizeof b);
    ck_assert_int_eq(taskorch_task_status(t), TASKORCH_STATUS_BLOCKED);
    taskorch_task_free(t);

    ck_assert_int_eq(fx_event_count(db, "unblocked", NULL), 0);
    ck_assert_int_eq(taskorch_task_complete(db, a, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_PENDING);
    ck_assert_uint_eq(fx_event_count(db, "unblocked", NULL), 1);
    ck_assert_uint_eq(fx_event_count(db, "unblocked", b), 1);
    char text[512];
    last_event_text(text, sizeof text, db, "unblocked", b);
    ck_assert_msg(fx_contains(text, "frontend-dev"), "unblocked event '%s' names no assignee",
                  text);
    taskorch_db_close(db);
}
END_TEST

START_TEST(all_dependencies_must_complete)
{
    taskorch_db *db = fx_open("alice");
    char a1[TASKORCH_ID_SIZE], a2[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a1, db, "a1", -1, NULL);
    fx_add(a2, db, "a2", -1, NULL);
    fx_add(b, db, "b", -1, a1, a2, NULL);
    ck_assert_int_eq(taskorch_task_complete(db, a1, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_BLOCKED);
    ck_assert_uint_eq(fx_event_count(db, "unblocked", NULL), 0);
    ck_assert_int_eq(taskorch_task_complete(db, a2, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_PENDING);
    ck_assert_uint_eq(fx_event_count(db, "unblocked", b), 1);
    taskorch_db_close(db);
}
END_TEST

START_TEST(chains_advance_one_link_at_a_time)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], c[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    fx_add(c, db, "c", -1, b, NULL);
    ck_assert_int_eq(taskorch_task_complete(db, a, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_PENDING);
    ck_assert_int_eq(fx_status(db, c), TASKORCH_STATUS_BLOCKED);
    ck_assert_int_eq(taskorch_task_complete(db, b, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, c), TASKORCH_STATUS_PENDING);
    ck_assert_uint_eq(fx_event_count(db, "unblocked", NULL), 2);
    taskorch_db_close(db);
}
END_TEST

START_TEST(cannot_start_or_complete_early)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    size_t events = fx_event_count(db, NULL, NULL);

    ck_assert_int_eq(taskorch_task_set_status(db, b, TASKORCH_STATUS_IN_PROGRESS, 0),
                     TASKORCH_EBLOCKED);
    ck_assert_msg(fx_contains(taskorch_db_errmsg(db), a), "'%s' does not name %s",
                  taskorch_db_errmsg(db), a);
    ck_assert_int_eq(taskorch_task_complete(db, b, "early", 0), TASKORCH_EBLOCKED);
    ck_assert_msg(fx_contains(taskorch_db_errmsg(db), a), "'%s' does not name %s",
                  taskorch_db_errmsg(db), a);
    taskorch_task_change ch = TASKORCH_TASK_CHANGE_INIT;
    ch.status = TASKORCH_STATUS_COMPLETED;
    ch.title = "renamed in the same change";
    taskorch_task *t = (taskorch_task *)1;
    ck_assert_int_eq(taskorch_task_update(&t, db, b, &ch), TASKORCH_EBLOCKED);
    ck_assert_ptr_null(t);
    /* Nothing of the refused change happened. */
    ck_assert_int_eq(taskorch_task_get(&t, db, b), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_status(t), TASKORCH_STATUS_BLOCKED);
    ck_assert_str_eq(taskorch_task_title(t), "b");
    ck_assert_ptr_null(taskorch_task_summary(t));
    taskorch_task_free(t);
    ck_assert_uint_eq(fx_event_count(db, NULL, NULL), events);
    taskorch_db_close(db);
}
END_TEST

START_TEST(force_overrides_and_is_recorded)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], c[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    fx_add(c, db, "c", -1, a, NULL);
    char forced_start[512], forced_done[512], normal[512];

    ck_assert_int_eq(taskorch_task_set_status(db, b, TASKORCH_STATUS_IN_PROGRESS, TASKORCH_FORCE),
                     TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_IN_PROGRESS);
    last_event_text(forced_start, sizeof forced_start, db, "status", b);

    ck_assert_int_eq(taskorch_task_complete(db, c, NULL, TASKORCH_FORCE), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, c), TASKORCH_STATUS_COMPLETED);
    last_event_text(forced_done, sizeof forced_done, db, "status", c);

    ck_assert_int_eq(taskorch_task_complete(db, a, NULL, 0), TASKORCH_OK);
    last_event_text(normal, sizeof normal, db, "status", a);
    /* Forced transitions say so; an ordinary one does not. */
    ck_assert_msg(fx_contains(forced_start, "force"), "'%s'", forced_start);
    ck_assert_msg(fx_contains(forced_done, "force"), "'%s'", forced_done);
    ck_assert_msg(!fx_contains(normal, "force"), "'%s'", normal);
    taskorch_db_close(db);
}
END_TEST

START_TEST(reopening_reblocks_pending_dependents)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], c[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b (stays pending)", -1, a, NULL);
    fx_add(c, db, "c (gets started)", -1, a, NULL);
    ck_assert_int_eq(taskorch_task_complete(db, a, "first try", 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_PENDING);
    ck_assert_int_eq(taskorch_task_set_status(db, c, TASKORCH_STATUS_IN_PROGRESS, 0),
                     TASKORCH_OK);
    size_t blocked_before = fx_event_count(db, "blocked", b);

    ck_assert_int_eq(taskorch_task_set_status(db, a, TASKORCH_STATUS_PENDING, 0), TASKORCH_OK);
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_get(&t, db, a), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_status(t), TASKORCH_STATUS_PENDING);
    ck_assert(taskorch_task_completed_at(t) == 0);
    taskorch_task_free(t);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_BLOCKED);
    ck_assert_int_eq(fx_blocked_by_hand(db, b), 0);
    ck_assert_uint_eq(fx_event_count(db, "blocked", b), blocked_before + 1);
    /* Work already under way is not taken away. */
    ck_assert_int_eq(fx_status(db, c), TASKORCH_STATUS_IN_PROGRESS);

    /* Completing again unblocks again. */
    ck_assert_int_eq(taskorch_task_complete(db, a, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_PENDING);
    taskorch_db_close(db);
}
END_TEST

START_TEST(cancelled_dependency_keeps_dependents_blocked)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    ck_assert_int_eq(taskorch_task_set_status(db, a, TASKORCH_STATUS_CANCELLED, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, a), TASKORCH_STATUS_CANCELLED);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_BLOCKED);
    ck_assert_uint_eq(fx_event_count(db, "unblocked", NULL), 0);
    /* Still unfinished: b cannot start. */
    ck_assert_int_eq(taskorch_task_set_status(db, b, TASKORCH_STATUS_IN_PROGRESS, 0),
                     TASKORCH_EBLOCKED);
    ck_assert(fx_contains(taskorch_db_errmsg(db), a));
    /* Not ready either. */
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.flags = TASKORCH_QUERY_READY;
    taskorch_task_iter *it = NULL;
    ck_assert_int_eq(taskorch_task_iter_new(&it, db, &q), TASKORCH_OK);
    ck_assert_uint_eq(taskorch_task_iter_count(it), 0);
    taskorch_task_iter_free(it);
    taskorch_db_close(db);
}
END_TEST

START_TEST(manual_block_sticks)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], solo[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    fx_add(solo, db, "solo", -1, NULL);

    /* A task without dependencies blocked by hand. */
    ck_assert_int_eq(taskorch_task_set_status(db, solo, TASKORCH_STATUS_BLOCKED, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, solo), TASKORCH_STATUS_BLOCKED);
    ck_assert_int_eq(fx_blocked_by_hand(db, solo), 1);

    /* An automatically blocked task turned into a manual block. */
    ck_assert_int_eq(fx_blocked_by_hand(db, b), 0);
    ck_assert_int_eq(taskorch_task_set_status(db, b, TASKORCH_STATUS_BLOCKED, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_blocked_by_hand(db, b), 1);
    ck_assert_int_eq(taskorch_task_complete(db, a, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_BLOCKED);
    ck_assert_uint_eq(fx_event_count(db, "unblocked", NULL), 0);

    /* Until someone sets a status by hand. */
    ck_assert_int_eq(taskorch_task_set_status(db, b, TASKORCH_STATUS_PENDING, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_PENDING);
    ck_assert_int_eq(fx_blocked_by_hand(db, b), 0);
    ck_assert_int_eq(taskorch_task_set_status(db, solo, TASKORCH_STATUS_IN_PROGRESS, 0),
                     TASKORCH_OK);
    ck_assert_int_eq(fx_blocked_by_hand(db, solo), 0);
    taskorch_db_close(db);
}
END_TEST

START_TEST(pending_releases_a_manual_block_until_deps_complete)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    ck_assert_int_eq(taskorch_task_set_status(db, b, TASKORCH_STATUS_BLOCKED, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_blocked_by_hand(db, b), 1);
    /* Asking for pending while a is unfinished: still blocked, no longer
     * by hand, so completing a lets it go. */
    ck_assert_int_eq(taskorch_task_set_status(db, b, TASKORCH_STATUS_PENDING, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_BLOCKED);
    ck_assert_int_eq(fx_blocked_by_hand(db, b), 0);
    ck_assert_int_eq(taskorch_task_complete(db, a, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_PENDING);
    ck_assert_uint_eq(fx_event_count(db, "unblocked", b), 1);
    taskorch_db_close(db);
}
END_TEST

START_TEST(pending_with_unfinished_dependencies_stores_blocked)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    ck_assert_int_eq(taskorch_task_set_status(db, b, TASKORCH_STATUS_IN_PROGRESS, TASKORCH_FORCE),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_set_status(db, b, TASKORCH_STATUS_PENDING, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_BLOCKED);
    ck_assert_int_eq(fx_blocked_by_hand(db, b), 0);
    /* An automatic block lifts on completion. */
    ck_assert_int_eq(taskorch_task_complete(db, a, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_PENDING);
    taskorch_db_close(db);
}
END_TEST

START_TEST(edges_reevaluate_status)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], done[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, NULL);
    fx_add(done, db, "done", -1, NULL);
    ck_assert_int_eq(taskorch_task_complete(db, done, NULL, 0), TASKORCH_OK);
    const char *dep_a[] = { a }, *dep_done[] = { done };

    ck_assert_int_eq(taskorch_dep_add(db, b, dep_done, 1), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_PENDING);
    ck_assert_uint_eq(fx_event_count(db, "blocked", b), 0);
    ck_assert_int_eq(taskorch_dep_add(db, b, dep_a, 1), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_BLOCKED);
    ck_assert_uint_eq(fx_event_count(db, "blocked", b), 1);
    ck_assert_int_eq(taskorch_dep_remove(db, b, dep_a, 1), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_PENDING);
    ck_assert_uint_eq(fx_event_count(db, "unblocked", b), 1);
    taskorch_db_close(db);
}
END_TEST

START_TEST(unblocking_is_atomic_with_completion)
{
    /* The status event and the unblocked event come from one transaction:
     * nothing else can land between them. */
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    int64_t before = 0;
    ck_assert_int_eq(taskorch_event_last_id(&before, db), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_complete(db, a, NULL, 0), TASKORCH_OK);
    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    q.after = before;
    taskorch_event_iter *it = NULL;
    ck_assert_int_eq(taskorch_event_iter_new(&it, db, &q), TASKORCH_OK);
    const taskorch_event *ev;
    ck_assert_int_eq(taskorch_event_iter_next(it, &ev), TASKORCH_OK);
    ck_assert_str_eq(taskorch_event_kind(ev), "status");
    ck_assert_str_eq(taskorch_event_task_id(ev), a);
    int64_t first = taskorch_event_id(ev);
    ck_assert_int_eq(taskorch_event_iter_next(it, &ev), TASKORCH_OK);
    ck_assert_str_eq(taskorch_event_kind(ev), "unblocked");
    ck_assert_str_eq(taskorch_event_task_id(ev), b);
    ck_assert(taskorch_event_id(ev) == first + 1);
    ck_assert_int_eq(taskorch_event_iter_next(it, &ev), TASKORCH_ITEROVER);
    taskorch_event_iter_free(it);
    taskorch_db_close(db);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("state");
    TCase *tc = fx_tcase("blocking");
    tcase_add_test(tc, created_blocked_when_dependency_unfinished);
    tcase_add_test(tc, completing_unblocks_with_one_event_naming_assignee);
    tcase_add_test(tc, all_dependencies_must_complete);
    tcase_add_test(tc, chains_advance_one_link_at_a_time);
    tcase_add_test(tc, unblocking_is_atomic_with_completion);
    tcase_add_test(tc, edges_reevaluate_status);
    suite_add_tcase(s, tc);

    tc = fx_tcase("transitions");
    tcase_add_test(tc, cannot_start_or_complete_early);
    tcase_add_test(tc, force_overrides_and_is_recorded);
    tcase_add_test(tc, reopening_reblocks_pending_dependents);
    tcase_add_test(tc, cancelled_dependency_keeps_dependents_blocked);
    tcase_add_test(tc, manual_block_sticks);
    tcase_add_test(tc, pending_with_unfinished_dependencies_stores_blocked);
    tcase_add_test(tc, pending_releases_a_manual_block_until_deps_complete);
    suite_add_tcase(s, tc);
    return s;
}
