/* test_query.c - listing tasks: every field of taskorch_task_query alone
 * and combined, the three sort orders, limit, the DETAILS flag, bad
 * queries, and iterator behaviour. */
#include "fixture.h"

#include <string.h>

/* A small store with one task per interesting combination. Titles name
 * the tasks; they are created in this order:
 *   low     low,      alice, tag ui,          pending
 *   crit    critical, bob,   tag backend,     pending
 *   high    high,     -,     tags backend api, in_progress
 *   med     medium,   bob,                    completed
 *   dep     medium,   alice, depends on high, blocked
 *   ready   low,      -,     depends on med,  pending (ready)
 *   cancel  high,     -,     tag ui,          cancelled */
struct world {
    taskorch_db *db;
    char low[TASKORCH_ID_SIZE], crit[TASKORCH_ID_SIZE], high[TASKORCH_ID_SIZE],
        med[TASKORCH_ID_SIZE], dep[TASKORCH_ID_SIZE], ready[TASKORCH_ID_SIZE],
        cancel[TASKORCH_ID_SIZE];
};

static void add(char *id, taskorch_db *db, const char *title, int priority,
                const char *assignee, const char *tag1, const char *tag2, const char *dep)
{
    const char *tags[2] = { tag1, tag2 };
    const char *deps[1] = { dep };
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = title;
    spec.priority = priority;
    spec.assignee = assignee;
    spec.tags = tags;
    spec.n_tags = tag2 ? 2 : tag1 ? 1 : 0;
    spec.depends_on = deps;
    spec.n_depends_on = dep ? 1 : 0;
    taskorch_task *t = NULL;
    ck_assert_msg(taskorch_task_create(&t, db, &spec) == TASKORCH_OK, "%s",
                  taskorch_db_errmsg(db));
    memcpy(id, taskorch_task_id(t), TASKORCH_ID_SIZE);
    taskorch_task_free(t);
    fx_tick(); /* distinct creation times */
}

static void build(struct world *w)
{
    w->db = fx_open("alice");
    taskorch_db *db = w->db;
    add(w->low, db, "low", TASKORCH_PRIORITY_LOW, "alice", "ui", NULL, NULL);
    add(w->crit, db, "crit", TASKORCH_PRIORITY_CRITICAL, "bob", "backend", NULL, NULL);
    add(w->high, db, "high", TASKORCH_PRIORITY_HIGH, NULL, "backend", "api", NULL);
    add(w->med, db, "med", -1, "bob", NULL, NULL, NULL);
    add(w->dep, db, "dep", TASKORCH_PRIORITY_MEDIUM, "alice", NULL, NULL, w->high);
    add(w->ready, db, "ready", TASKORCH_PRIORITY_LOW, NULL, NULL, NULL, w->med);
    add(w->cancel, db, "cancel", TASKORCH_PRIORITY_HIGH, NULL, "ui", NULL, NULL);
    ck_assert_int_eq(taskorch_task_set_status(db, w->high, TASKORCH_STATUS_IN_PROGRESS, 0),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_complete(db, w->med, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_set_status(db, w->cancel, TASKORCH_STATUS_CANCELLED, 0),
                     TASKORCH_OK);
    ck_assert_int_eq(fx_status(db, w->ready), TASKORCH_STATUS_PENDING);
    ck_assert_int_eq(fx_status(db, w->dep), TASKORCH_STATUS_BLOCKED);
}

/* Runs a query and returns the titles in order, space-separated. */
static const char *titles(taskorch_db *db, const taskorch_task_query *q)
{
    static char buf[1024];
    taskorch_task_iter *it = NULL;
    int rc = taskorch_task_iter_new(&it, db, q);
    ck_assert_msg(rc == TASKORCH_OK, "query: %d %s", rc, taskorch_db_errmsg(db));
    buf[0] = '\0';
    size_t len = 0, n = 0;
    const taskorch_task *t;
    while (taskorch_task_iter_next(it, &t) == TASKORCH_OK) {
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", n ? " " : "",
                                taskorch_task_title(t));
        n++;
    }
    ck_assert_uint_eq(taskorch_task_iter_count(it), n);
    taskorch_task_iter_free(it);
    return buf;
}

#define STATUS(s) (1u << TASKORCH_STATUS_##s)

START_TEST(default_order_is_priority_then_oldest)
{
    struct world w;
    build(&w);
    ck_assert_str_eq(titles(w.db, NULL), "crit high cancel med dep low ready");
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    ck_assert_str_eq(titles(w.db, &q), "crit high cancel med dep low ready");
    q.sort = TASKORCH_SORT_PRIORITY;
    ck_assert_str_eq(titles(w.db, &q), "crit high cancel med dep low ready");
    taskorch_db_close(w.db);
}
END_TEST

START_TEST(sort_created_is_oldest_first)
{
    struct world w;
    build(&w);
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.sort = TASKORCH_SORT_CREATED;
    ck_assert_str_eq(titles(w.db, &q), "low crit high med dep ready cancel");
    taskorch_db_close(w.db);
}
END_TEST

START_TEST(sort_updated_is_newest_first)
{
    struct world w;
    build(&w);
    fx_tick();
    taskorch_task_change ch = TASKORCH_TASK_CHANGE_INIT;
    ch.title = "low2";
    ck_assert_int_eq(taskorch_task_update(NULL, w.db, w.low, &ch), TASKORCH_OK);
    fx_tick();
    ck_assert_int_eq(taskorch_task_assign(w.db, w.ready, "carol"), TASKORCH_OK);

    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.sort = TASKORCH_SORT_UPDATED;
    taskorch_task_iter *it = NULL;
    ck_assert_int_eq(taskorch_task_iter_new(&it, w.db, &q), TASKORCH_OK);
    ck_assert_uint_eq(taskorch_task_iter_count(it), 7);
    const taskorch_task *t;
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_title(t), "ready");
    int64_t prev = taskorch_task_updated_at(t);
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_title(t), "low2");
    ck_assert(taskorch_task_updated_at(t) < prev);
    prev = taskorch_task_updated_at(t);
    while (taskorch_task_iter_next(it, &t) == TASKORCH_OK) {
        ck_assert_msg(taskorch_task_updated_at(t) <= prev, "%s out of order",
                      taskorch_task_title(t));
        prev = taskorch_task_updated_at(t);
    }
    taskorch_task_iter_free(it);
    taskorch_db_close(w.db);
}
END_TEST

START_TEST(filter_statuses)
{
    struct world w;
    build(&w);
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.statuses = STATUS(PENDING);
    ck_assert_str_eq(titles(w.db, &q), "crit low ready");
    q.statuses = STATUS(PENDING) | STATUS(BLOCKED);
    ck_assert_str_eq(titles(w.db, &q), "crit dep low ready");
    q.statuses = STATUS(IN_PROGRESS);
    ck_assert_str_eq(titles(w.db, &q), "high");
    q.statuses = STATUS(COMPLETED) | STATUS(CANCELLED);
    ck_assert_str_eq(titles(w.db, &q), "cancel med");
    q.statuses = STATUS(PENDING) | STATUS(IN_PROGRESS) | STATUS(COMPLETED) | STATUS(BLOCKED) |
                 STATUS(CANCELLED);
    ck_assert_str_eq(titles(w.db, &q), "crit high cancel med dep low ready");
    taskorch_db_close(w.db);
}
END_TEST

START_TEST(filter_assignee_and_unassigned)
{
    struct world w;
    build(&w);
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.assignee = "bob";
    ck_assert_str_eq(titles(w.db, &q), "crit med");
    q.assignee = "alice";
    ck_assert_str_eq(titles(w.db, &q), "dep low");
    q.assignee = "nobody";
    ck_assert_str_eq(titles(w.db, &q), "");
    q.assignee = NULL;
    q.flags = TASKORCH_QUERY_UNASSIGNED;
    ck_assert_str_eq(titles(w.db, &q), "high cancel ready");
    taskorch_db_close(w.db);
}
END_TEST

START_TEST(filter_tag_and_priority)
{
    struct world w;
    build(&w);
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.tag = "backend";
    ck_assert_str_eq(titles(w.db, &q), "crit high");
    q.tag = "ui";
    ck_assert_str_eq(titles(w.db, &q), "cancel low");
    q.tag = "api";
    ck_assert_str_eq(titles(w.db, &q), "high");
    q.tag = "nothing";
    ck_assert_str_eq(titles(w.db, &q), "");
    q.tag = NULL;
    q.priority = TASKORCH_PRIORITY_LOW;
    ck_assert_str_eq(titles(w.db, &q), "low ready");
    q.priority = TASKORCH_PRIORITY_HIGH;
    ck_assert_str_eq(titles(w.db, &q), "high cancel");
    q.priority = TASKORCH_PRIORITY_MEDIUM;
    ck_assert_str_eq(titles(w.db, &q), "med dep");
    taskorch_db_close(w.db);
}
END_TEST

START_TEST(filter_has_deps_and_ready)
{
    struct world w;
    build(&w);
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.flags = TASKORCH_QUERY_HAS_DEPS;
    ck_assert_str_eq(titles(w.db, &q), "dep ready");
    q.flags = TASKORCH_QUERY_READY;
    ck_assert_str_eq(titles(w.db, &q), "crit low ready");
    /* Completing high makes dep ready. */
    ck_assert_int_eq(taskorch_task_complete(w.db, w.high, NULL, 0), TASKORCH_OK);
    ck_assert_str_eq(titles(w.db, &q), "crit dep low ready");
    taskorch_db_close(w.db);
}
END_TEST

START_TEST(filters_combine)
{
    struct world w;
    build(&w);
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.assignee = "bob";
    q.statuses = STATUS(PENDING);
    ck_assert_str_eq(titles(w.db, &q), "crit");
    q = (taskorch_task_query)TASKORCH_TASK_QUERY_INIT;
    q.tag = "ui";
    q.flags = TASKORCH_QUERY_UNASSIGNED;
    ck_assert_str_eq(titles(w.db, &q), "cancel");
    q = (taskorch_task_query)TASKORCH_TASK_QUERY_INIT;
    q.flags = TASKORCH_QUERY_READY | TASKORCH_QUERY_UNASSIGNED;
    ck_assert_str_eq(titles(w.db, &q), "ready");
    q = (taskorch_task_query)TASKORCH_TASK_QUERY_INIT;
    q.flags = TASKORCH_QUERY_READY;
    q.assignee = "alice";
    ck_assert_str_eq(titles(w.db, &q), "low");
    q = (taskorch_task_query)TASKORCH_TASK_QUERY_INIT;
    q.flags = TASKORCH_QUERY_HAS_DEPS;
    q.priority = TASKORCH_PRIORITY_LOW;
    ck_assert_str_eq(titles(w.db, &q), "ready");
    q = (taskorch_task_query)TASKORCH_TASK_QUERY_INIT;
    q.tag = "backend";
    q.statuses = STATUS(COMPLETED);
    ck_assert_str_eq(titles(w.db, &q), "");
    taskorch_db_close(w.db);
}
END_TEST

START_TEST(limit_keeps_the_first)
{
    struct world w;
    build(&w);
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.limit = 2;
    ck_assert_str_eq(titles(w.db, &q), "crit high");
    q.limit = 1;
    q.sort = TASKORCH_SORT_CREATED;
    ck_assert_str_eq(titles(w.db, &q), "low");
    q.limit = 100;
    ck_assert_str_eq(titles(w.db, &q), "low crit high med dep ready cancel");
    q.limit = 2;
    q.sort = TASKORCH_SORT_PRIORITY;
    q.flags = TASKORCH_QUERY_READY;
    ck_assert_str_eq(titles(w.db, &q), "crit low");
    q.limit = 0; /* no limit */
    ck_assert_str_eq(titles(w.db, &q), "crit low ready");
    taskorch_db_close(w.db);
}
END_TEST

START_TEST(details_flag_loads_tags_files_deps)
{
    struct world w;
    build(&w);
    const char *files[] = { "api/routes.py:10:20" };
    taskorch_task_change ch = TASKORCH_TASK_CHANGE_INIT;
    ch.add_files = files;
    ch.n_add_files = 1;
    ck_assert_int_eq(taskorch_task_update(NULL, w.db, w.high, &ch), TASKORCH_OK);

    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.statuses = STATUS(IN_PROGRESS) | STATUS(BLOCKED);
    taskorch_task_iter *it = NULL;
    const taskorch_task *t;
    /* Without DETAILS: the rows only. */
    ck_assert_int_eq(taskorch_task_iter_new(&it, w.db, &q), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_title(t), "high");
    ck_assert_uint_eq(taskorch_task_tag_count(t), 0);
    ck_assert_uint_eq(taskorch_task_file_count(t), 0);
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_title(t), "dep");
    ck_assert_uint_eq(taskorch_task_dep_count(t), 0);
    /* ... but every scalar field. */
    ck_assert_str_eq(taskorch_task_id(t), w.dep);
    ck_assert_str_eq(taskorch_task_assignee(t), "alice");
    ck_assert_str_eq(taskorch_task_created_by(t), "alice");
    ck_assert_int_eq(taskorch_task_status(t), TASKORCH_STATUS_BLOCKED);
    ck_assert_int_eq(taskorch_task_priority(t), TASKORCH_PRIORITY_MEDIUM);
    ck_assert(taskorch_task_created_at(t) > 0);
    taskorch_task_iter_free(it);

    q.flags = TASKORCH_QUERY_DETAILS;
    ck_assert_int_eq(taskorch_task_iter_new(&it, w.db, &q), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_OK);
    ck_assert_uint_eq(taskorch_task_tag_count(t), 2);
    ck_assert_str_eq(taskorch_task_tag(t, 0), "api");
    ck_assert_str_eq(taskorch_task_tag(t, 1), "backend");
    ck_assert_uint_eq(taskorch_task_file_count(t), 1);
    ck_assert_str_eq(taskorch_task_file_path(t, 0), "api/routes.py");
    ck_assert_int_eq(taskorch_task_file_line(t, 0), 10);
    ck_assert_int_eq(taskorch_task_file_end(t, 0), 20);
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_OK);
    ck_assert_uint_eq(taskorch_task_dep_count(t), 1);
    ck_assert_str_eq(taskorch_task_dep_id(t, 0), w.high);
    taskorch_task_iter_free(it);
    taskorch_db_close(w.db);
}
END_TEST

START_TEST(bad_queries_are_refused)
{
    taskorch_db *db = fx_open("alice");
    taskorch_task_iter *it;
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.statuses = 1u << 5;
    it = (taskorch_task_iter *)1;
    ck_assert_int_eq(taskorch_task_iter_new(&it, db, &q), TASKORCH_EINVAL);
    ck_assert_ptr_null(it);
    ck_assert(strlen(taskorch_db_errmsg(db)) > 0);
    q = (taskorch_task_query)TASKORCH_TASK_QUERY_INIT;
    q.priority = 4;
    ck_assert_int_eq(taskorch_task_iter_new(&it, db, &q), TASKORCH_EINVAL);
    q = (taskorch_task_query)TASKORCH_TASK_QUERY_INIT;
    q.sort = 3;
    ck_assert_int_eq(taskorch_task_iter_new(&it, db, &q), TASKORCH_EINVAL);
    q.sort = -1;
    ck_assert_int_eq(taskorch_task_iter_new(&it, db, &q), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_task_iter_new(NULL, db, NULL), TASKORCH_EINVAL);
    taskorch_db_close(db);
}
END_TEST

START_TEST(iterator_end_and_empty)
{
    taskorch_db *db = fx_open("alice");
    taskorch_task_iter *it = NULL;
    ck_assert_int_eq(taskorch_task_iter_new(&it, db, NULL), TASKORCH_OK);
    ck_assert_uint_eq(taskorch_task_iter_count(it), 0);
    const taskorch_task *t = (const taskorch_task *)1;
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_ITEROVER);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_ITEROVER);
    taskorch_task_iter_free(it);

    char a[TASKORCH_ID_SIZE];
    fx_add(a, db, "one", -1, NULL);
    ck_assert_int_eq(taskorch_task_iter_new(&it, db, NULL), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_id(t), a);
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_ITEROVER);
    ck_assert_int_eq(taskorch_task_iter_next(it, &t), TASKORCH_ITEROVER);
    taskorch_task_iter_free(it);
    taskorch_db_close(db);
}
END_TEST

START_TEST(store_can_change_while_iterating)
{
    struct world w;
    build(&w);
    taskorch_task_iter *it = NULL;
    ck_assert_int_eq(taskorch_task_iter_new(&it, w.db, NULL), TASKORCH_OK);
    const taskorch_task *t;
    size_t seen = 0;
    char made[TASKORCH_ID_SIZE];
    while (taskorch_task_iter_next(it, &t) == TASKORCH_OK) {
        /* Write through the same handle mid-iteration: the items were
         * filled at creation and stay valid. */
        fx_add(made, w.db, "added while iterating", -1, NULL);
        ck_assert(taskorch_task_title(t) != NULL);
        seen++;
    }
    taskorch_task_iter_free(it);
    ck_assert_uint_eq(seen, 7);
    ck_assert_uint_eq(fx_task_count(w.db), 14);
    taskorch_db_close(w.db);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("query");
    TCase *tc = fx_tcase("order");
    tcase_add_test(tc, default_order_is_priority_then_oldest);
    tcase_add_test(tc, sort_created_is_oldest_first);
    tcase_add_test(tc, sort_updated_is_newest_first);
    tcase_add_test(tc, limit_keeps_the_first);
    suite_add_tcase(s, tc);

    tc = fx_tcase("filters");
    tcase_add_test(tc, filter_statuses);
    tcase_add_test(tc, filter_assignee_and_unassigned);
    tcase_add_test(tc, filter_tag_and_priority);
    tcase_add_test(tc, filter_has_deps_and_ready);
    tcase_add_test(tc, filters_combine);
    tcase_add_test(tc, details_flag_loads_tags_files_deps);
    suite_add_tcase(s, tc);

    tc = fx_tcase("iterator");
    tcase_add_test(tc, bad_queries_are_refused);
    tcase_add_test(tc, iterator_end_and_empty);
    tcase_add_test(tc, store_can_change_while_iterating);
    suite_add_tcase(s, tc);
    return s;
}
