/* test_claim.c - taskorch_task_claim: taking a task, or the next ready one,
 * for the handle's agent in one transaction (assign if unassigned, start,
 * join), the order of "next", and every refusal leaving the store as it
 * was. */
#include "fixture.h"

#include <string.h>

/* Creates a task with a priority and an assignee (NULL: nobody). */
static void add_for(char *id, taskorch_db *db, const char *title, int priority,
                    const char *assignee)
{
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = title;
    spec.priority = priority;
    spec.assignee = assignee;
    taskorch_task *t = NULL;
    int rc = taskorch_task_create(&t, db, &spec);
    ck_assert_msg(rc == TASKORCH_OK, "create '%s': %d %s", title, rc, taskorch_db_errmsg(db));
    memcpy(id, taskorch_task_id(t), TASKORCH_ID_SIZE);
    taskorch_task_free(t);
}

/* Claims the next ready task; asserts OK and returns its id in id. */
static void claim_next(char *id, taskorch_db *db)
{
    taskorch_task *t = NULL;
    int rc = taskorch_task_claim(&t, db, NULL);
    ck_assert_msg(rc == TASKORCH_OK, "claim: %d %s", rc, taskorch_db_errmsg(db));
    ck_assert_ptr_nonnull(t);
    memcpy(id, taskorch_task_id(t), TASKORCH_ID_SIZE);
    taskorch_task_free(t);
}

/* Number of rows of a table in the store file. */
static int64_t rows(const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return fx_sql_int(fx_store_file(), sql);
}

/* What a claim could change, summed per task, to compare before/after. */
struct state {
    int64_t events, participants, updated, statuses, assignees;
};

static struct state state_now(void)
{
    const char *f = fx_store_file();
    struct state s;
    s.events = rows("events");
    s.participants = rows("participants");
    s.updated = fx_sql_int(f, "SELECT sum(rowid * updated_at) FROM tasks");
    s.statuses = fx_sql_int(f, "SELECT sum(rowid * (status * 2 + manual_block)) FROM tasks");
    s.assignees = fx_sql_int(f, "SELECT sum(rowid * (coalesce(length(assignee), -1) + 2)"
                                " * (coalesce(unicode(assignee), 0) + 1)) FROM tasks");
    return s;
}

static void assert_state_eq(struct state a, struct state b)
{
    ck_assert_int_eq(a.events, b.events);
    ck_assert_int_eq(a.participants, b.participants);
    ck_assert_int_eq(a.updated, b.updated);
    ck_assert_int_eq(a.statuses, b.statuses);
    ck_assert_int_eq(a.assignees, b.assignees);
}

/* Asserts that claiming id_or_prefix as db's agent fails with code, sets
 * *out to NULL, and changes nothing. */
static void assert_refused(taskorch_db *db, const char *id_or_prefix, int code)
{
    struct state before = state_now();
    taskorch_task *t = (taskorch_task *)1;
    int rc = taskorch_task_claim(&t, db, id_or_prefix);
    ck_assert_msg(rc == code, "claim %s: %d, expected %d (%s)",
                  id_or_prefix ? id_or_prefix : "(next)", rc, code, taskorch_db_errmsg(db));
    ck_assert_ptr_null(t);
    ck_assert(strlen(taskorch_db_errmsg(db)) > 0);
    assert_state_eq(state_now(), before);
}

START_TEST(next_orders_by_priority_then_age)
{
    taskorch_db *db = fx_open("alice");
    char med_a[TASKORCH_ID_SIZE], med_b[TASKORCH_ID_SIZE], theirs[TASKORCH_ID_SIZE],
        crit[TASKORCH_ID_SIZE], mine_low[TASKORCH_ID_SIZE], high[TASKORCH_ID_SIZE],
        mine_med[TASKORCH_ID_SIZE], held[TASKORCH_ID_SIZE];
    add_for(med_a, db, "medium a", TASKORCH_PRIORITY_MEDIUM, NULL);
    add_for(theirs, db, "bob's", TASKORCH_PRIORITY_CRITICAL, "bob");
    add_for(med_b, db, "medium b", TASKORCH_PRIORITY_MEDIUM, NULL);
    add_for(mine_low, db, "mine low", TASKORCH_PRIORITY_LOW, "alice");
    add_for(crit, db, "critical", TASKORCH_PRIORITY_CRITICAL, NULL);
    add_for(high, db, "high", TASKORCH_PRIORITY_HIGH, NULL);
    add_for(mine_med, db, "mine medium", TASKORCH_PRIORITY_MEDIUM, "alice");
    add_for(held, db, "held", TASKORCH_PRIORITY_CRITICAL, NULL);
    ck_assert_int_eq(taskorch_task_set_status(db, held, TASKORCH_STATUS_BLOCKED, 0), TASKORCH_OK);
    char waiting[TASKORCH_ID_SIZE];
    fx_add(waiting, db, "waits for medium a", TASKORCH_PRIORITY_CRITICAL, med_a, NULL);
    /* Age, not insertion order: medium b is made the older of the two. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE tasks SET created_at = (SELECT created_at - 60000 FROM tasks"
             " WHERE id = '%s') WHERE id = '%s'",
             med_a, med_b);
    fx_sql(fx_store_file(), sql);

    /* Mine or nobody's alike: priority, then age. */
    const char *expected[] = { crit, high, med_b, med_a, mine_med, mine_low };
    char got[TASKORCH_ID_SIZE];
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) {
        claim_next(got, db);
        ck_assert_msg(!strcmp(got, expected[i]), "claim %zu took %s, expected %s", i, got,
                      expected[i]);
        ck_assert_int_eq(fx_status(db, got), TASKORCH_STATUS_IN_PROGRESS);
    }
    /* Left: bob's, the one blocked by hand, the one waiting for medium a
     * (in progress, not completed). */
    assert_refused(db, NULL, TASKORCH_ENOTFOUND);
    ck_assert_msg(fx_contains(taskorch_db_errmsg(db), "alice"), "'%s'", taskorch_db_errmsg(db));
    ck_assert_int_eq(taskorch_task_complete(db, med_a, NULL, 0), TASKORCH_OK);
    claim_next(got, db);
    ck_assert_str_eq(got, waiting);
    assert_refused(db, NULL, TASKORCH_ENOTFOUND);
    ck_assert_int_eq(fx_status(db, theirs), TASKORCH_STATUS_PENDING);
    ck_assert_int_eq(fx_status(db, held), TASKORCH_STATUS_BLOCKED);
    taskorch_db_close(db);
}
END_TEST

START_TEST(claim_assigns_starts_and_joins_in_one_write)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    add_for(id, db, "work", -1, NULL);
    int64_t last = 0;
    ck_assert_int_eq(taskorch_event_last_id(&last, db), TASKORCH_OK);

    taskorch_task *t = NULL;
    char prefix[5];
    memcpy(prefix, id, 4);
    prefix[4] = '\0';
    ck_assert_int_eq(taskorch_task_claim(&t, db, prefix), TASKORCH_OK);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(taskorch_task_id(t), id);
    ck_assert_int_eq(taskorch_task_status(t), TASKORCH_STATUS_IN_PROGRESS);
    ck_assert_str_eq(taskorch_task_assignee(t), "alice");
    taskorch_task_free(t);

    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    q.after = last;
    taskorch_event_iter *it = NULL;
    ck_assert_int_eq(taskorch_event_iter_new(&it, db, &q), TASKORCH_OK);
    static const char *const kinds[] = { "claimed", "joined" };
    const taskorch_event *ev;
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(taskorch_event_iter_next(it, &ev), TASKORCH_OK);
        ck_assert_str_eq(taskorch_event_kind(ev), kinds[i]);
        ck_assert_str_eq(taskorch_event_task_id(ev), id);
        ck_assert_str_eq(taskorch_event_agent(ev), "alice");
        ck_assert(taskorch_event_id(ev) == last + 1 + (int64_t)i);
        if (i == 0) {
            /* Typed members: the move, the new holder, the claim number. */
            ck_assert_int_eq(taskorch_event_from(ev), TASKORCH_STATUS_PENDING);
            ck_assert_int_eq(taskorch_event_to(ev), TASKORCH_STATUS_IN_PROGRESS);
            ck_assert_str_eq(taskorch_event_assignee(ev), "alice");
            ck_assert(taskorch_event_claim(ev) == taskorch_event_id(ev));
        }
    }
    ck_assert_int_eq(taskorch_event_iter_next(it, &ev), TASKORCH_ITEROVER);
    taskorch_event_iter_free(it);

    char **who = NULL;
    ck_assert_int_eq(taskorch_task_participants(&who, db, id), TASKORCH_OK);
    ck_assert_ptr_nonnull(who[0]);
    ck_assert_str_eq(who[0], "alice");
    ck_assert_ptr_null(who[1]);
    taskorch_free(who);
    taskorch_db_close(db);
}
END_TEST

START_TEST(own_task_keeps_assignee_without_assigned_event)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    add_for(id, db, "mine", -1, "alice");
    size_t assigned = fx_event_count(db, "assigned", id);
    ck_assert_int_eq(taskorch_task_claim(NULL, db, id), TASKORCH_OK);
    ck_assert_uint_eq(fx_event_count(db, "assigned", id), assigned);
    ck_assert_uint_eq(fx_event_count(db, "claimed", id), 1);
    ck_assert_uint_eq(fx_event_count(db, "joined", id), 1);
    ck_assert_int_eq(fx_status(db, id), TASKORCH_STATUS_IN_PROGRESS);
    taskorch_db_close(db);
}
END_TEST

START_TEST(conflict_names_the_owner)
{
    taskorch_db *alice = fx_open("alice");
    taskorch_db *bob = fx_open("bob");
    char theirs[TASKORCH_ID_SIZE], raced[TASKORCH_ID_SIZE];
    add_for(theirs, alice, "bob's", -1, "bob");
    add_for(raced, alice, "first come", -1, NULL);

    assert_refused(alice, theirs, TASKORCH_ECONFLICT);
    const char *msg = taskorch_db_errmsg(alice);
    ck_assert_msg(fx_contains(msg, "bob") && fx_contains(msg, theirs), "'%s'", msg);
    /* Next never offers another agent's task. */
    char got[TASKORCH_ID_SIZE];
    claim_next(got, alice);
    ck_assert_str_eq(got, raced);
    assert_refused(alice, NULL, TASKORCH_ENOTFOUND);

    /* What alice took, bob cannot take, through his own handle. */
    assert_refused(bob, raced, TASKORCH_ECONFLICT);
    msg = taskorch_db_errmsg(bob);
    ck_assert_msg(fx_contains(msg, "alice"), "'%s'", msg);
    /* Nor once bob started his own, for alice. */
    ck_assert_int_eq(taskorch_task_claim(NULL, bob, theirs), TASKORCH_OK);
    assert_refused(alice, theirs, TASKORCH_ECONFLICT);
    ck_assert_msg(fx_contains(taskorch_db_errmsg(alice), "bob"), "'%s'",
                  taskorch_db_errmsg(alice));

    const char *text = taskorch_strerror(TASKORCH_ECONFLICT);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_ne(text, taskorch_strerror(-9999));
    taskorch_db_close(bob);
    taskorch_db_close(alice);
}
END_TEST

START_TEST(retry_of_own_claim_changes_nothing)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    add_for(id, db, "work", -1, NULL);
    taskorch_task *first = NULL;
    ck_assert_int_eq(taskorch_task_claim(&first, db, id), TASKORCH_OK);
    fx_tick(); /* a rewrite now would show in updated_at */
    struct state before = state_now();
    taskorch_task *again = NULL;
    ck_assert_int_eq(taskorch_task_claim(&again, db, id), TASKORCH_OK);
    ck_assert_ptr_nonnull(again);
    ck_assert_str_eq(taskorch_task_id(again), id);
    ck_assert_int_eq(taskorch_task_status(again), TASKORCH_STATUS_IN_PROGRESS);
    ck_assert_str_eq(taskorch_task_assignee(again), "alice");
    ck_assert(taskorch_task_updated_at(again) == taskorch_task_updated_at(first));
    assert_state_eq(state_now(), before);
    ck_assert_int_eq(taskorch_task_claim(NULL, db, id), TASKORCH_OK);
    assert_state_eq(state_now(), before);
    taskorch_task_free(again);
    taskorch_task_free(first);
    taskorch_db_close(db);
}
END_TEST

START_TEST(unfinished_dependencies_block)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    assert_refused(db, b, TASKORCH_EBLOCKED);
    ck_assert_msg(fx_contains(taskorch_db_errmsg(db), a), "'%s'", taskorch_db_errmsg(db));
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_BLOCKED);
    /* A cancelled dependency is still unfinished. */
    ck_assert_int_eq(taskorch_task_set_status(db, a, TASKORCH_STATUS_CANCELLED, 0), TASKORCH_OK);
    assert_refused(db, b, TASKORCH_EBLOCKED);
    assert_refused(db, NULL, TASKORCH_ENOTFOUND);
    ck_assert_int_eq(taskorch_task_complete(db, a, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_claim(NULL, db, b), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_IN_PROGRESS);
    taskorch_db_close(db);
}
END_TEST

START_TEST(finished_or_held_tasks_are_refused)
{
    taskorch_db *db = fx_open("alice");
    char done[TASKORCH_ID_SIZE], gone[TASKORCH_ID_SIZE], held[TASKORCH_ID_SIZE],
        mine_done[TASKORCH_ID_SIZE];
    add_for(done, db, "done", -1, NULL);
    add_for(gone, db, "gone", -1, NULL);
    add_for(held, db, "held", -1, NULL);
    add_for(mine_done, db, "mine, done", -1, "alice");
    ck_assert_int_eq(taskorch_task_complete(db, done, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_complete(db, mine_done, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_set_status(db, gone, TASKORCH_STATUS_CANCELLED, 0),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_set_status(db, held, TASKORCH_STATUS_BLOCKED, 0), TASKORCH_OK);
    assert_refused(db, done, TASKORCH_EINVAL);
    assert_refused(db, mine_done, TASKORCH_EINVAL);
    assert_refused(db, gone, TASKORCH_EINVAL);
    assert_refused(db, held, TASKORCH_EINVAL);
    ck_assert(fx_contains(taskorch_db_errmsg(db), held));
    assert_refused(db, NULL, TASKORCH_ENOTFOUND);
    ck_assert_int_eq(fx_blocked_by_hand(db, held), 1);
    taskorch_db_close(db);
}
END_TEST

START_TEST(not_found_and_bad_ids)
{
    taskorch_db *db = fx_open("alice");
    assert_refused(db, NULL, TASKORCH_ENOTFOUND); /* empty store */
    char id[TASKORCH_ID_SIZE], other[TASKORCH_ID_SIZE];
    add_for(id, db, "only", -1, NULL);
    memcpy(other, id, sizeof other);
    other[0] = other[0] == '0' ? '1' : '0';
    assert_refused(db, other, TASKORCH_ENOTFOUND);
    ck_assert(fx_contains(taskorch_db_errmsg(db), other));
    static const char *const malformed[] = { "", "abc", "xyz1", "abcd00012", "12 4" };
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++)
        assert_refused(db, malformed[i], TASKORCH_EINVAL);
    /* Two ids sharing a prefix: the prefix is ambiguous. */
    char sql[256], twin[TASKORCH_ID_SIZE];
    memcpy(twin, id, sizeof twin);
    memcpy(twin + 4, strcmp(id + 4, "0000") ? "0000" : "1111", 4);
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE t AS SELECT * FROM tasks WHERE id = '%s';"
             "UPDATE t SET id = '%s'; INSERT INTO tasks SELECT * FROM t;",
             id, twin);
    fx_sql(fx_store_file(), sql);
    char prefix[5];
    memcpy(prefix, id, 4);
    prefix[4] = '\0';
    assert_refused(db, prefix, TASKORCH_EAMBIGUOUS);
    ck_assert(fx_contains(taskorch_db_errmsg(db), id) && fx_contains(taskorch_db_errmsg(db), twin));
    taskorch_task *t = (taskorch_task *)1;
    ck_assert_int_eq(taskorch_task_claim(&t, NULL, NULL), TASKORCH_EINVAL);
    ck_assert_ptr_null(t);
    taskorch_db_close(db);
}
END_TEST

START_TEST(out_may_be_null)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    add_for(a, db, "a", TASKORCH_PRIORITY_HIGH, NULL);
    add_for(b, db, "b", TASKORCH_PRIORITY_LOW, NULL);
    ck_assert_int_eq(taskorch_task_claim(NULL, db, NULL), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, a), TASKORCH_STATUS_IN_PROGRESS);
    ck_assert_int_eq(taskorch_task_claim(NULL, db, b), TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, b), TASKORCH_STATUS_IN_PROGRESS);
    ck_assert_int_eq(taskorch_task_claim(NULL, db, NULL), TASKORCH_ENOTFOUND);
    taskorch_db_close(db);
}
END_TEST

START_TEST(read_only_handle_is_refused)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    add_for(id, db, "a", -1, NULL);
    taskorch_db_close(db);
    char path[FX_PATH_SIZE];
    ck_assert_int_eq(fx_try_open(&db, fx_path(path, "store"), TASKORCH_OPEN_READONLY, "alice"),
                     TASKORCH_OK);
    assert_refused(db, NULL, TASKORCH_EREADONLY);
    assert_refused(db, id, TASKORCH_EREADONLY);
    taskorch_db_close(db);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("claim");
    TCase *tc = fx_tcase("taking");
    tcase_add_test(tc, next_orders_by_priority_then_age);
    tcase_add_test(tc, claim_assigns_starts_and_joins_in_one_write);
    tcase_add_test(tc, own_task_keeps_assignee_without_assigned_event);
    tcase_add_test(tc, retry_of_own_claim_changes_nothing);
    tcase_add_test(tc, out_may_be_null);
    suite_add_tcase(s, tc);

    tc = fx_tcase("refusals");
    tcase_add_test(tc, conflict_names_the_owner);
    tcase_add_test(tc, unfinished_dependencies_block);
    tcase_add_test(tc, finished_or_held_tasks_are_refused);
    tcase_add_test(tc, not_found_and_bad_ids);
    tcase_add_test(tc, read_only_handle_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
