/* test_contracts.c - promises every entry point keeps whatever the input:
 * consumer names cannot be mistaken for agent ids. */
#include "fixture.h"

#include <string.h>

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
    taskorch_db *as_view = NULL;
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
    TCase *tc = fx_tcase("consumer-names");
    tcase_add_test(tc, consumer_names_may_hold_a_slash);
    suite_add_tcase(s, tc);
    return s;
}
