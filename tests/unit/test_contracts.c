/* test_contracts.c - promises every entry point keeps whatever the input:
 * an out-parameter is cleared on failure (also when db is NULL), and
 * consumer names cannot be mistaken for agent ids. */
#include "fixture.h"

#include <string.h>

/* A non-NULL value no function may leave behind on failure. */
#define SENTINEL ((void *)0x5e4711e1)

START_TEST(out_cleared_when_db_is_null)
{
    taskorch_task *task = SENTINEL;
    ck_assert_int_eq(taskorch_task_get(&task, NULL, "abcd"), TASKORCH_EINVAL);
    ck_assert_ptr_null(task);

    taskorch_task_iter *it = SENTINEL;
    ck_assert_int_eq(taskorch_task_iter_new(&it, NULL, NULL), TASKORCH_EINVAL);
    ck_assert_ptr_null(it);

    it = SENTINEL;
    ck_assert_int_eq(taskorch_dep_iter_new(&it, NULL, "abcd", TASKORCH_DEP_PREREQUISITES),
                     TASKORCH_EINVAL);
    ck_assert_ptr_null(it);

    taskorch_msg_iter *msgs = SENTINEL;
    ck_assert_int_eq(taskorch_msg_iter_new(&msgs, NULL, "abcd", NULL), TASKORCH_EINVAL);
    ck_assert_ptr_null(msgs);

    char **agents = SENTINEL;
    ck_assert_int_eq(taskorch_task_participants(&agents, NULL, "abcd"), TASKORCH_EINVAL);
    ck_assert_ptr_null(agents);

    taskorch_event_iter *events = SENTINEL;
    ck_assert_int_eq(taskorch_event_iter_new(&events, NULL, NULL), TASKORCH_EINVAL);
    ck_assert_ptr_null(events);

    int64_t last = 42;
    ck_assert_int_eq(taskorch_event_last_id(&last, NULL), TASKORCH_EINVAL);
    ck_assert(last == 0);

    last = 42;
    ck_assert_int_eq(taskorch_cursor_get(&last, NULL, "alice"), TASKORCH_EINVAL);
    ck_assert(last == 0);

    char id[TASKORCH_ID_SIZE] = "x";
    ck_assert_int_eq(taskorch_task_resolve(id, NULL, "abcd"), TASKORCH_EINVAL);
    ck_assert_str_eq(id, "");
}
END_TEST

START_TEST(out_cleared_on_other_failures)
{
    taskorch_db *db = fx_open("alice");
    taskorch_task *task = SENTINEL;
    ck_assert_int_eq(taskorch_task_get(&task, db, "ffff"), TASKORCH_ENOTFOUND);
    ck_assert_ptr_null(task);

    taskorch_task_iter *it = SENTINEL;
    ck_assert_int_eq(taskorch_dep_iter_new(&it, db, "ffff", TASKORCH_DEP_PREREQUISITES),
                     TASKORCH_ENOTFOUND);
    ck_assert_ptr_null(it);

    taskorch_msg_iter *msgs = SENTINEL;
    ck_assert_int_eq(taskorch_msg_iter_new(&msgs, db, "ffff", NULL), TASKORCH_ENOTFOUND);
    ck_assert_ptr_null(msgs);

    char **agents = SENTINEL;
    ck_assert_int_eq(taskorch_task_participants(&agents, db, "ffff"), TASKORCH_ENOTFOUND);
    ck_assert_ptr_null(agents);

    taskorch_event_iter *events = SENTINEL;
    const char *kinds[] = {"no-such-kind"};
    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    q.kinds = kinds;
    q.n_kinds = 1;
    ck_assert_int_eq(taskorch_event_iter_new(&events, db, &q), TASKORCH_EINVAL);
    ck_assert_ptr_null(events);

    int64_t pos = 42;
    ck_assert_int_eq(taskorch_cursor_get(&pos, db, "bad name"), TASKORCH_EINVAL);
    ck_assert(pos == 0);
    taskorch_db_close(db);
}
END_TEST

/* A view's cursor is AGENT/view-HASH: a valid consumer name that no agent
 * id can spell, so no agent's own cursor is another agent's view. */
START_TEST(consumer_names_may_hold_a_slash)
{
    taskorch_db *db = fx_open("alice");
    int64_t pos = -1;
    ck_assert_int_eq(taskorch_cursor_set(db, "bob/view-0123abcd", 7), TASKORCH_OK);
    ck_assert_int_eq(taskorch_cursor_get(&pos, db, "bob/view-0123abcd"), TASKORCH_OK);
    ck_assert(pos == 7);
    ck_assert_int_eq(taskorch_cursor_get(&pos, db, "bob"), TASKORCH_OK);
    ck_assert(pos == 0);
    ck_assert_int_ne(taskorch_agent_check("bob/view-0123abcd"), TASKORCH_OK);

    taskorch_open_options opts = TASKORCH_OPEN_OPTIONS_INIT;
    opts.agent = "bob/view-0123abcd";
    taskorch_db *as_view = SENTINEL;
    ck_assert_int_eq(taskorch_db_open(&as_view, fx_store_file(), &opts), TASKORCH_EINVAL);
    taskorch_db_close(as_view);

    /* The other rules stay: no spaces, no control characters, not empty,
     * not '.' or '..', at most 128 bytes. */
    ck_assert_int_eq(taskorch_cursor_set(db, "bob/has space", 1), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_cursor_set(db, "bob/\n", 1), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_cursor_set(db, "..", 1), TASKORCH_EINVAL);
    char name[130];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    ck_assert_int_eq(taskorch_cursor_set(db, name, 1), TASKORCH_EINVAL);
    name[128] = '\0';
    ck_assert_int_eq(taskorch_cursor_set(db, name, 1), TASKORCH_OK);
    taskorch_db_close(db);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("contracts");
    TCase *tc = fx_tcase("out-parameters");
    tcase_add_test(tc, out_cleared_when_db_is_null);
    tcase_add_test(tc, out_cleared_on_other_failures);
    suite_add_tcase(s, tc);
    tc = fx_tcase("consumer-names");
    tcase_add_test(tc, consumer_names_may_hold_a_slash);
    suite_add_tcase(s, tc);
    return s;
}
