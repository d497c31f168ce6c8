/* test_deps.c - dependency edges: cycles and self-dependencies refused
 * with the cycle spelled out, duplicate edges as no-ops, removal, and
 * listing prerequisites and dependents. */
#include "fixture.h"

#include <string.h>

START_TEST(two_task_cycle_is_spelled_out)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    const char *deps[] = { b };
    size_t events = fx_event_count(db, NULL, NULL);
    ck_assert_int_eq(taskorch_dep_add(db, a, deps, 1), TASKORCH_ECYCLE);
    char expected[64];
    snprintf(expected, sizeof expected, "%s -> %s -> %s", a, b, a);
    ck_assert_msg(fx_contains(taskorch_db_errmsg(db), expected), "'%s' lacks '%s'",
                  taskorch_db_errmsg(db), expected);
    ck_assert_uint_eq(fx_dep_count(db, a), 0);
    ck_assert_int_eq(fx_status(db, a), TASKORCH_STATUS_PENDING);
    ck_assert_uint_eq(fx_event_count(db, NULL, NULL), events);
    taskorch_db_close(db);
}
END_TEST

START_TEST(longer_cycle_is_spelled_out)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], c[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    fx_add(c, db, "c", -1, b, NULL);
    const char *deps[] = { c };
    ck_assert_int_eq(taskorch_dep_add(db, a, deps, 1), TASKORCH_ECYCLE);
    char expected[64];
    snprintf(expected, sizeof expected, "%s -> %s -> %s -> %s", a, c, b, a);
    ck_assert_msg(fx_contains(taskorch_db_errmsg(db), expected), "'%s' lacks '%s'",
                  taskorch_db_errmsg(db), expected);
    ck_assert_uint_eq(fx_dep_count(db, a), 0);
    taskorch_db_close(db);
}
END_TEST

START_TEST(self_dependency_is_refused)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    const char *deps[] = { a };
    ck_assert_int_eq(taskorch_dep_add(db, a, deps, 1), TASKORCH_ECYCLE);
    char expected[64];
    snprintf(expected, sizeof expected, "%s -> %s", a, a);
    ck_assert_msg(fx_contains(taskorch_db_errmsg(db), expected), "'%s' lacks '%s'",
                  taskorch_db_errmsg(db), expected);
    ck_assert_uint_eq(fx_dep_count(db, a), 0);
    /* Also through a prefix. */
    char prefix[6];
    memcpy(prefix, a, 5);
    prefix[5] = '\0';
    const char *by_prefix[] = { prefix };
    ck_assert_int_eq(taskorch_dep_add(db, a, by_prefix, 1), TASKORCH_ECYCLE);
    ck_assert_uint_eq(fx_dep_count(db, a), 0);
    taskorch_db_close(db);
}
END_TEST

START_TEST(refused_batch_adds_nothing)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], x[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, a, NULL);
    fx_add(x, db, "x", -1, NULL);
    /* The first edge is fine, the second closes a cycle: neither stays. */
    const char *deps[] = { x, b };
    ck_assert_int_eq(taskorch_dep_add(db, a, deps, 2), TASKORCH_ECYCLE);
    ck_assert_uint_eq(fx_dep_count(db, a), 0);
    ck_assert_int_eq(fx_status(db, a), TASKORCH_STATUS_PENDING);
    ck_assert_uint_eq(fx_event_count(db, "dep_added", a), 0);
    /* Same with an unknown second dependency. */
    char missing[TASKORCH_ID_SIZE];
    memcpy(missing, x, sizeof missing);
    missing[0] = missing[0] == '0' ? '1' : '0';
    if (!strcmp(missing, a) || !strcmp(missing, b))
        missing[1] = missing[1] == '0' ? '1' : '0';
    const char *deps2[] = { x, missing };
    ck_assert_int_eq(taskorch_dep_add(db, a, deps2, 2), TASKORCH_ENOTFOUND);
    ck_assert_uint_eq(fx_dep_count(db, a), 0);
    ck_assert_int_eq(fx_status(db, a), TASKORCH_STATUS_PENDING);
    taskorch_db_close(db);
}
END_TEST

START_TEST(duplicate_edge_is_a_noop)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, NULL);
    const char *deps[] = { a };
    ck_assert_int_eq(taskorch_dep_add(db, b, deps, 1), TASKORCH_OK);
    ck_assert_uint_eq(fx_event_count(db, "dep_added", b), 1);
    size_t events = fx_event_count(db, NULL, NULL);
    ck_assert_int_eq(taskorch_dep_add(db, b, deps, 1), TASKORCH_OK);
    const char *twice[] = { a, a };
    ck_assert_int_eq(taskorch_dep_add(db, b, twice, 2), TASKORCH_OK);
    ck_assert_uint_eq(fx_dep_count(db, b), 1);
    ck_assert_uint_eq(fx_event_count(db, NULL, NULL), events);
    /* Given twice at creation: one edge. */
    char c[TASKORCH_ID_SIZE];
    fx_add(c, db, "c", -1, a, a, NULL);
    ck_assert_uint_eq(fx_dep_count(db, c), 1);
    taskorch_db_close(db);
}
END_TEST

START_TEST(remove_edges)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], c[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, NULL);
    fx_add(c, db, "c", -1, a, b, NULL);
    const char *rm_a[] = { a };
    ck_assert_int_eq(taskorch_dep_remove(db, c, rm_a, 1), TASKORCH_OK);
    ck_assert_uint_eq(fx_dep_count(db, c), 1);
    ck_assert_uint_eq(fx_event_count(db, "dep_removed", c), 1);
    /* An edge that does not exist. */
    ck_assert_int_eq(taskorch_dep_remove(db, c, rm_a, 1), TASKORCH_ENOTFOUND);
    ck_assert(strlen(taskorch_db_errmsg(db)) > 0);
    /* All or nothing: b's edge stays when the batch fails. */
    const char *batch[] = { b, a };
    ck_assert_int_eq(taskorch_dep_remove(db, c, batch, 2), TASKORCH_ENOTFOUND);
    ck_assert_uint_eq(fx_dep_count(db, c), 1);
    ck_assert_uint_eq(fx_event_count(db, "dep_removed", c), 1);
    /* Nothing to remove given. */
    ck_assert_int_eq(taskorch_dep_remove(db, c, batch, 0), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_dep_add(db, c, NULL, 0), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_dep_add(db, c, NULL, 1), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_dep_remove(db, c, NULL, 1), TASKORCH_EINVAL);
    const char *null_entry[] = { NULL };
    ck_assert_int_eq(taskorch_dep_add(db, c, null_entry, 1), TASKORCH_EINVAL);
    ck_assert_uint_eq(fx_dep_count(db, c), 1);
    taskorch_db_close(db);
}
END_TEST

/* Collects an iterator's ids, in order, as "id id id". */
static void iter_ids(char *buf, size_t size, taskorch_task_iter *it)
{
    buf[0] = '\0';
    size_t len = 0;
    const taskorch_task *t;
    while (taskorch_task_iter_next(it, &t) == TASKORCH_OK) {
        int n = snprintf(buf + len, size - len, "%s%s", len ? " " : "", taskorch_task_id(t));
        ck_assert(n > 0 && (size_t)n < size - len);
        len += (size_t)n;
    }
}

START_TEST(dep_iter_both_directions)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], c[TASKORCH_ID_SIZE], d[TASKORCH_ID_SIZE];
    /* Distinct creation times, so "oldest first" has one answer. */
    fx_add(a, db, "a", -1, NULL);
    fx_tick();
    fx_add(b, db, "b", -1, NULL);
    fx_tick();
    fx_add(c, db, "c", -1, b, a, NULL);
    fx_tick();
    fx_add(d, db, "d", -1, a, NULL);
    char got[256], expected[256];

    taskorch_task_iter *it = NULL;
    ck_assert_int_eq(taskorch_dep_iter_new(&it, db, c, TASKORCH_DEP_PREREQUISITES), TASKORCH_OK);
    ck_assert_uint_eq(taskorch_task_iter_count(it), 2);
    iter_ids(got, sizeof got, it);
    snprintf(expected, sizeof expected, "%s %s", a, b); /* oldest first */
    ck_assert_str_eq(got, expected);
    taskorch_task_iter_free(it);

    ck_assert_int_eq(taskorch_dep_iter_new(&it, db, a, TASKORCH_DEP_DEPENDENTS), TASKORCH_OK);
    iter_ids(got, sizeof got, it);
    snprintf(expected, sizeof expected, "%s %s", c, d);
    ck_assert_str_eq(got, expected);
    taskorch_task_iter_free(it);

    /* Items are full tasks. */
    ck_assert_int_eq(taskorch_dep_iter_new(&it, db, d, TASKORCH_DEP_PREREQUISITES), TASKORCH_OK);
    const taskorch_task *t;
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_title(t), "a");
    ck_assert_int_eq(taskorch_task_status(t), TASKORCH_STATUS_PENDING);
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_ITEROVER);
    taskorch_task_iter_free(it);

    /* None in either direction. */
    ck_assert_int_eq(taskorch_dep_iter_new(&it, db, a, TASKORCH_DEP_PREREQUISITES), TASKORCH_OK);
    ck_assert_uint_eq(taskorch_task_iter_count(it), 0);
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_ITEROVER);
    taskorch_task_iter_free(it);
    ck_assert_int_eq(taskorch_dep_iter_new(&it, db, d, TASKORCH_DEP_DEPENDENTS), TASKORCH_OK);
    ck_assert_uint_eq(taskorch_task_iter_count(it), 0);
    taskorch_task_iter_free(it);

    /* Bad direction or task. */
    it = (taskorch_task_iter *)1;
    ck_assert_int_eq(taskorch_dep_iter_new(&it, db, a, 2), TASKORCH_EINVAL);
    ck_assert_ptr_null(it);
    char missing[TASKORCH_ID_SIZE] = "00000000";
    while (!strcmp(missing, a) || !strcmp(missing, b) || !strcmp(missing, c) ||
           !strcmp(missing, d))
        missing[7]++;
    ck_assert_int_eq(taskorch_dep_iter_new(&it, db, missing, TASKORCH_DEP_DEPENDENTS),
                     TASKORCH_ENOTFOUND);
    ck_assert_ptr_null(it);
    taskorch_db_close(db);
}
END_TEST

START_TEST(prefixes_accepted_for_edges)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    fx_add(b, db, "b", -1, NULL);
    /* 8-character prefixes are full ids; 7 is enough to be unique here
     * unless the two random ids share 7 characters (then 8). */
    size_t n = strncmp(a, b, 7) ? 7 : 8;
    char pa[TASKORCH_ID_SIZE] = { 0 }, pb[TASKORCH_ID_SIZE] = { 0 };
    memcpy(pa, a, n);
    memcpy(pb, b, n);
    const char *deps[] = { pa };
    ck_assert_int_eq(taskorch_dep_add(db, pb, deps, 1), TASKORCH_OK);
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_get(&t, db, b), TASKORCH_OK);
    ck_assert_uint_eq(taskorch_task_dep_count(t), 1);
    ck_assert_str_eq(taskorch_task_dep_id(t, 0), a); /* stored as the full id */
    taskorch_task_free(t);
    ck_assert_int_eq(taskorch_dep_remove(db, pb, deps, 1), TASKORCH_OK);
    ck_assert_uint_eq(fx_dep_count(db, b), 0);
    taskorch_db_close(db);
}
END_TEST

/* Every write reports the full ids it resolved (taskorch_db_write_id), so
 * a caller never resolves a prefix twice. */
START_TEST(writes_report_the_ids_they_resolved)
{
    taskorch_db *db = fx_open("alice");
    ck_assert_ptr_null(taskorch_db_write_id(db, 0)); /* no write yet */
    ck_assert_ptr_null(taskorch_db_write_id(NULL, 0));
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], c[TASKORCH_ID_SIZE];
    fx_add(a, db, "a", -1, NULL);
    ck_assert_str_eq(taskorch_db_write_id(db, 0), a);
    ck_assert_ptr_null(taskorch_db_write_id(db, 1));
    fx_add(b, db, "b", -1, NULL);
    char pa[TASKORCH_ID_SIZE] = { 0 }, pb[TASKORCH_ID_SIZE] = { 0 };
    memcpy(pa, a, strncmp(a, b, 7) ? 7 : 8);
    memcpy(pb, b, strncmp(a, b, 7) ? 7 : 8);
    /* A create reports the new task, then its dependencies as given. */
    fx_add(c, db, "c", -1, pb, pa, NULL);
    ck_assert_str_eq(taskorch_db_write_id(db, 0), c);
    ck_assert_str_eq(taskorch_db_write_id(db, 1), b);
    ck_assert_str_eq(taskorch_db_write_id(db, 2), a);
    ck_assert_ptr_null(taskorch_db_write_id(db, 3));

    const char *deps[] = { pa };
    ck_assert_int_eq(taskorch_dep_add(db, pb, deps, 1), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_write_id(db, 0), b);
    ck_assert_str_eq(taskorch_db_write_id(db, 1), a);
    ck_assert_ptr_null(taskorch_db_write_id(db, 2));
    ck_assert_int_eq(taskorch_dep_remove(db, pb, deps, 1), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_write_id(db, 0), b);
    ck_assert_str_eq(taskorch_db_write_id(db, 1), a);

    /* A failed write reports nothing. */
    ck_assert_int_eq(taskorch_dep_remove(db, pb, deps, 1), TASKORCH_ENOTFOUND);
    ck_assert_ptr_null(taskorch_db_write_id(db, 0));
    ck_assert_ptr_null(taskorch_db_write_id(db, 1));

    ck_assert_int_eq(taskorch_task_join(db, pa), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_write_id(db, 0), a);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, pb, TASKORCH_MSG_SHARE, "hi", NULL), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_write_id(db, 0), b);
    ck_assert_int_eq(taskorch_task_assign(db, pa, "alice"), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_write_id(db, 0), a);
    ck_assert_int_eq(taskorch_task_complete(db, pb, NULL, 0), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_write_id(db, 0), b);
    ck_assert_int_eq(taskorch_task_claim(NULL, db, NULL), TASKORCH_OK); /* only a is ready */
    ck_assert_str_eq(taskorch_db_write_id(db, 0), a);
    ck_assert_int_eq(taskorch_task_heartbeat(NULL, db, pa, 0), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_write_id(db, 0), a);
    ck_assert_int_eq(taskorch_task_release(db, pa, 0), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_write_id(db, 0), a);

    /* A replayed dep_add reports its task and dependencies again. */
    taskorch_write_options o = TASKORCH_WRITE_OPTIONS_INIT;
    o.request_id = "r1";
    const char *deps2[] = { pb };
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(taskorch_db_next_write(db, &o), TASKORCH_OK);
        ck_assert_int_eq(taskorch_dep_add(db, pa, deps2, 1), TASKORCH_OK);
        ck_assert_str_eq(taskorch_db_write_id(db, 0), a);
        ck_assert_str_eq(taskorch_db_write_id(db, 1), b);
        ck_assert_ptr_null(taskorch_db_write_id(db, 2));
    }
    /* A replayed post reports its task. */
    o.request_id = "r2";
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(taskorch_db_next_write(db, &o), TASKORCH_OK);
        ck_assert_int_eq(taskorch_msg_post(NULL, db, pa, TASKORCH_MSG_NOTE, "n", NULL),
                         TASKORCH_OK);
        ck_assert_str_eq(taskorch_db_write_id(db, 0), a);
    }
    ck_assert_int_eq(taskorch_task_delete(db, pa, TASKORCH_FORCE), TASKORCH_OK);
    ck_assert_str_eq(taskorch_db_write_id(db, 0), a);
    ck_assert_ptr_null(taskorch_db_write_id(db, 1));
    taskorch_db_close(db);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("deps");
    TCase *tc = fx_tcase("cycles");
    tcase_add_test(tc, two_task_cycle_is_spelled_out);
    tcase_add_test(tc, longer_cycle_is_spelled_out);
    tcase_add_test(tc, self_dependency_is_refused);
    tcase_add_test(tc, refused_batch_adds_nothing);
    suite_add_tcase(s, tc);

    tc = fx_tcase("edges");
    tcase_add_test(tc, duplicate_edge_is_a_noop);
    tcase_add_test(tc, remove_edges);
    tcase_add_test(tc, dep_iter_both_directions);
    tcase_add_test(tc, prefixes_accepted_for_edges);
    tcase_add_test(tc, writes_report_the_ids_they_resolved);
    suite_add_tcase(s, tc);
    return s;
}
