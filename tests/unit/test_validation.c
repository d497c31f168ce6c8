/* test_validation.c - the versioned options structs (their _init functions
 * and the functions that take them), names of priorities and statuses,
 * error texts, and library versions. */
#include "fixture.h"

#include <string.h>

/* Versions no struct of this library has. */
static const unsigned int bad_versions[] = { 0u, 3u, 99u, 0xffffffffu };
#define N_BAD (sizeof bad_versions / sizeof *bad_versions)

START_TEST(open_options_init)
{
    taskorch_open_options o;
    memset(&o, 0x5a, sizeof o);
    ck_assert_int_eq(taskorch_open_options_init(&o, TASKORCH_OPEN_OPTIONS_VERSION), TASKORCH_OK);
    taskorch_open_options def = TASKORCH_OPEN_OPTIONS_INIT;
    ck_assert_uint_eq(o.version, TASKORCH_OPEN_OPTIONS_VERSION);
    ck_assert_uint_eq(o.flags, def.flags);
    ck_assert_int_eq(o.busy_timeout_ms, def.busy_timeout_ms);
    ck_assert_ptr_null(o.agent);
    for (size_t i = 0; i < N_BAD; i++)
        ck_assert_int_eq(taskorch_open_options_init(&o, bad_versions[i]), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_open_options_init(NULL, TASKORCH_OPEN_OPTIONS_VERSION),
                     TASKORCH_EINVAL);
}
END_TEST

START_TEST(task_spec_init)
{
    taskorch_task_spec s;
    memset(&s, 0x5a, sizeof s);
    ck_assert_int_eq(taskorch_task_spec_init(&s, TASKORCH_TASK_SPEC_VERSION), TASKORCH_OK);
    ck_assert_uint_eq(s.version, TASKORCH_TASK_SPEC_VERSION);
    ck_assert_ptr_null(s.title);
    ck_assert_ptr_null(s.description);
    ck_assert_int_eq(s.priority, -1);
    ck_assert_ptr_null(s.assignee);
    ck_assert_ptr_null(s.tags);
    ck_assert_uint_eq(s.n_tags, 0);
    ck_assert_ptr_null(s.files);
    ck_assert_uint_eq(s.n_files, 0);
    ck_assert_ptr_null(s.depends_on);
    ck_assert_uint_eq(s.n_depends_on, 0);
    for (size_t i = 0; i < N_BAD; i++)
        ck_assert_int_eq(taskorch_task_spec_init(&s, bad_versions[i]), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_task_spec_init(NULL, TASKORCH_TASK_SPEC_VERSION), TASKORCH_EINVAL);
}
END_TEST

START_TEST(task_change_init)
{
    taskorch_task_change c;
    memset(&c, 0x5a, sizeof c);
    ck_assert_int_eq(taskorch_task_change_init(&c, TASKORCH_TASK_CHANGE_VERSION), TASKORCH_OK);
    ck_assert_uint_eq(c.version, TASKORCH_TASK_CHANGE_VERSION);
    ck_assert_ptr_null(c.title);
    ck_assert_ptr_null(c.description);
    ck_assert_int_eq(c.priority, -1);
    ck_assert_int_eq(c.status, -1);
    ck_assert_ptr_null(c.assignee);
    ck_assert_ptr_null(c.add_tags);
    ck_assert_uint_eq(c.n_add_tags, 0);
    ck_assert_ptr_null(c.remove_tags);
    ck_assert_uint_eq(c.n_remove_tags, 0);
    ck_assert_ptr_null(c.add_files);
    ck_assert_uint_eq(c.n_add_files, 0);
    ck_assert_ptr_null(c.summary);
    ck_assert_uint_eq(c.flags, 0);
    for (size_t i = 0; i < N_BAD; i++)
        ck_assert_int_eq(taskorch_task_change_init(&c, bad_versions[i]), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_task_change_init(NULL, TASKORCH_TASK_CHANGE_VERSION),
                     TASKORCH_EINVAL);
}
END_TEST

START_TEST(task_query_init)
{
    taskorch_task_query q;
    memset(&q, 0x5a, sizeof q);
    ck_assert_int_eq(taskorch_task_query_init(&q, TASKORCH_TASK_QUERY_VERSION), TASKORCH_OK);
    ck_assert_uint_eq(q.version, TASKORCH_TASK_QUERY_VERSION);
    ck_assert_uint_eq(q.statuses, 0);
    ck_assert_ptr_null(q.assignee);
    ck_assert_ptr_null(q.tag);
    ck_assert_int_eq(q.priority, -1);
    ck_assert_uint_eq(q.limit, 0);
    ck_assert_int_eq(q.sort, TASKORCH_SORT_PRIORITY);
    ck_assert_uint_eq(q.flags, 0);
    for (size_t i = 0; i < N_BAD; i++)
        ck_assert_int_eq(taskorch_task_query_init(&q, bad_versions[i]), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_task_query_init(NULL, TASKORCH_TASK_QUERY_VERSION),
                     TASKORCH_EINVAL);
}
END_TEST

START_TEST(msg_query_init)
{
    taskorch_msg_query q;
    memset(&q, 0x5a, sizeof q);
    ck_assert_int_eq(taskorch_msg_query_init(&q, TASKORCH_MSG_QUERY_VERSION), TASKORCH_OK);
    ck_assert_uint_eq(q.version, TASKORCH_MSG_QUERY_VERSION);
    ck_assert_uint_eq(q.kinds, 0);
    ck_assert(q.since == 0);
    ck_assert_uint_eq(q.limit, 0);
    for (size_t i = 0; i < N_BAD; i++)
        ck_assert_int_eq(taskorch_msg_query_init(&q, bad_versions[i]), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_msg_query_init(NULL, TASKORCH_MSG_QUERY_VERSION), TASKORCH_EINVAL);
}
END_TEST

START_TEST(event_query_init)
{
    taskorch_event_query q;
    memset(&q, 0x5a, sizeof q);
    ck_assert_int_eq(taskorch_event_query_init(&q, TASKORCH_EVENT_QUERY_VERSION), TASKORCH_OK);
    ck_assert_uint_eq(q.version, TASKORCH_EVENT_QUERY_VERSION);
    ck_assert(q.after == 0);
    ck_assert_ptr_null(q.task);
    ck_assert_ptr_null(q.kinds);
    ck_assert_uint_eq(q.n_kinds, 0);
    ck_assert_uint_eq(q.limit, 0);
    ck_assert_uint_eq(q.flags, 0);
    for (size_t i = 0; i < N_BAD; i++)
        ck_assert_int_eq(taskorch_event_query_init(&q, bad_versions[i]), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_event_query_init(NULL, TASKORCH_EVENT_QUERY_VERSION),
                     TASKORCH_EINVAL);
}
END_TEST

/* Structs with an unknown version are refused by the functions that take
 * them, with a message, and change nothing. */
START_TEST(wrong_versions_are_refused_by_users)
{
    char dir[FX_PATH_SIZE];
    fx_path(dir, "store");
    taskorch_open_options o = TASKORCH_OPEN_OPTIONS_INIT;
    o.flags = TASKORCH_OPEN_CREATE;
    o.agent = "alice";
    o.version = 3;
    taskorch_db *db = NULL;
    ck_assert_int_eq(taskorch_db_open(&db, dir, &o), TASKORCH_EINVAL);
    ck_assert_ptr_nonnull(db);
    ck_assert(strlen(taskorch_db_errmsg(db)) > 0);
    taskorch_db_close(db);
    ck_assert(!fx_exists(dir));

    db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "target", -1, NULL);
    size_t events = fx_event_count(db, NULL, NULL);

    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = "never";
    spec.version = 3;
    taskorch_task *t = (taskorch_task *)1;
    ck_assert_int_eq(taskorch_task_create(&t, db, &spec), TASKORCH_EINVAL);
    ck_assert_ptr_null(t);
    ck_assert(strlen(taskorch_db_errmsg(db)) > 0);

    taskorch_task_change ch = TASKORCH_TASK_CHANGE_INIT;
    ch.title = "never";
    ch.version = 0;
    ck_assert_int_eq(taskorch_task_update(NULL, db, id, &ch), TASKORCH_EINVAL);

    taskorch_task_query tq = TASKORCH_TASK_QUERY_INIT;
    tq.version = 2;
    taskorch_task_iter *ti = (taskorch_task_iter *)1;
    ck_assert_int_eq(taskorch_task_iter_new(&ti, db, &tq), TASKORCH_EINVAL);
    ck_assert_ptr_null(ti);

    taskorch_msg_query mq = TASKORCH_MSG_QUERY_INIT;
    mq.version = 2;
    taskorch_msg_iter *mi = (taskorch_msg_iter *)1;
    ck_assert_int_eq(taskorch_msg_iter_new(&mi, db, id, &mq), TASKORCH_EINVAL);
    ck_assert_ptr_null(mi);

    taskorch_event_query eq = TASKORCH_EVENT_QUERY_INIT;
    eq.version = 2;
    taskorch_event_iter *ei = (taskorch_event_iter *)1;
    ck_assert_int_eq(taskorch_event_iter_new(&ei, db, &eq), TASKORCH_EINVAL);
    ck_assert_ptr_null(ei);

    ck_assert_uint_eq(fx_task_count(db), 1);
    ck_assert_uint_eq(fx_event_count(db, NULL, NULL), events);
    taskorch_task *now = NULL;
    ck_assert_int_eq(taskorch_task_get(&now, db, id), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_title(now), "target");
    taskorch_task_free(now);
    taskorch_db_close(db);
}
END_TEST

START_TEST(init_functions_match_macros_in_use)
{
    /* Structs filled by _init() work the same as the macros. */
    taskorch_open_options o;
    ck_assert_int_eq(taskorch_open_options_init(&o, TASKORCH_OPEN_OPTIONS_VERSION), TASKORCH_OK);
    o.flags = TASKORCH_OPEN_CREATE;
    o.agent = "alice";
    char dir[FX_PATH_SIZE];
    taskorch_db *db = NULL;
    ck_assert_int_eq(taskorch_db_open(&db, fx_path(dir, "store"), &o), TASKORCH_OK);
    taskorch_task_spec spec;
    ck_assert_int_eq(taskorch_task_spec_init(&spec, TASKORCH_TASK_SPEC_VERSION), TASKORCH_OK);
    spec.title = "from init";
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_create(&t, db, &spec), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_priority(t), TASKORCH_PRIORITY_MEDIUM);
    char id[TASKORCH_ID_SIZE];
    memcpy(id, taskorch_task_id(t), sizeof id);
    taskorch_task_free(t);
    taskorch_task_change ch;
    ck_assert_int_eq(taskorch_task_change_init(&ch, TASKORCH_TASK_CHANGE_VERSION), TASKORCH_OK);
    ch.priority = TASKORCH_PRIORITY_HIGH;
    ck_assert_int_eq(taskorch_task_update(&t, db, id, &ch), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_title(t), "from init"); /* untouched fields stay */
    ck_assert_int_eq(taskorch_task_status(t), TASKORCH_STATUS_PENDING);
    taskorch_task_free(t);
    taskorch_task_query q;
    ck_assert_int_eq(taskorch_task_query_init(&q, TASKORCH_TASK_QUERY_VERSION), TASKORCH_OK);
    ck_assert_uint_eq(fx_task_count(db), 1);
    taskorch_task_iter *it = NULL;
    ck_assert_int_eq(taskorch_task_iter_new(&it, db, &q), TASKORCH_OK);
    ck_assert_uint_eq(taskorch_task_iter_count(it), 1);
    taskorch_task_iter_free(it);
    taskorch_db_close(db);
}
END_TEST

START_TEST(priority_and_status_names)
{
    static const char *const prio[] = { "low", "medium", "high", "critical" };
    static const char *const stat[] = { "pending", "in_progress", "completed", "blocked",
                                        "cancelled" };
    for (int i = 0; i < 4; i++) {
        ck_assert_str_eq(taskorch_priority_name(i), prio[i]);
        int out = -1;
        ck_assert_int_eq(taskorch_priority_parse(&out, prio[i]), TASKORCH_OK);
        ck_assert_int_eq(out, i);
    }
    for (int i = 0; i < 5; i++) {
        ck_assert_str_eq(taskorch_status_name(i), stat[i]);
        int out = -1;
        ck_assert_int_eq(taskorch_status_parse(&out, stat[i]), TASKORCH_OK);
        ck_assert_int_eq(out, i);
    }
    ck_assert_ptr_null(taskorch_priority_name(4));
    ck_assert_ptr_null(taskorch_priority_name(-1));
    ck_assert_ptr_null(taskorch_status_name(5));
    ck_assert_ptr_null(taskorch_status_name(-1));
    int out;
    ck_assert_int_eq(taskorch_priority_parse(&out, "urgent"), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_priority_parse(&out, ""), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_priority_parse(&out, NULL), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_priority_parse(NULL, "low"), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_status_parse(&out, "done"), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_status_parse(&out, NULL), TASKORCH_EINVAL);
}
END_TEST

START_TEST(error_texts)
{
    int codes[] = { TASKORCH_OK,         TASKORCH_ERROR,    TASKORCH_ENOMEM,
                    TASKORCH_EINVAL,     TASKORCH_ENOTFOUND, TASKORCH_EAMBIGUOUS,
                    TASKORCH_ECYCLE,     TASKORCH_EBLOCKED, TASKORCH_EHASDEPENDENTS,
                    TASKORCH_ESTORE,     TASKORCH_ECORRUPT, TASKORCH_EBUSY,
                    TASKORCH_ESCHEMA,    TASKORCH_EREADONLY, TASKORCH_ETIMEOUT,
                    TASKORCH_ITEROVER };
    size_t n = sizeof codes / sizeof *codes;
    /* Append-only numbering. */
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(codes[i], -(int)i);
    for (size_t i = 0; i < n; i++) {
        const char *text = taskorch_strerror(codes[i]);
        ck_assert_ptr_nonnull(text);
        ck_assert(strlen(text) > 0);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(text, taskorch_strerror(codes[j])) != 0,
                          "codes %d and %d share the text '%s'", codes[i], codes[j], text);
    }
    ck_assert_ptr_nonnull(taskorch_strerror(-1000));
    ck_assert_ptr_nonnull(taskorch_strerror(1));
    ck_assert(strlen(taskorch_strerror(-1000)) > 0);
}
END_TEST

START_TEST(versions)
{
    ck_assert_str_eq(taskorch_version(), TASKORCH_VERSION_STRING);
    ck_assert_int_eq(taskorch_version_number(), TASKORCH_VERSION_NUMBER);
    ck_assert_int_eq(TASKORCH_VERSION_NUMBER, TASKORCH_VERSION_MAJOR * 10000 +
                                                  TASKORCH_VERSION_MINOR * 100 +
                                                  TASKORCH_VERSION_PATCH);
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", TASKORCH_VERSION_MAJOR,
             TASKORCH_VERSION_MINOR, TASKORCH_VERSION_PATCH);
    ck_assert_str_eq(taskorch_version(), expected);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("validation");
    TCase *tc = fx_tcase("options");
    tcase_add_test(tc, open_options_init);
    tcase_add_test(tc, task_spec_init);
    tcase_add_test(tc, task_change_init);
    tcase_add_test(tc, task_query_init);
    tcase_add_test(tc, msg_query_init);
    tcase_add_test(tc, event_query_init);
    tcase_add_test(tc, wrong_versions_are_refused_by_users);
    tcase_add_test(tc, init_functions_match_macros_in_use);
    suite_add_tcase(s, tc);

    tc = fx_tcase("names");
    tcase_add_test(tc, priority_and_status_names);
    tcase_add_test(tc, error_texts);
    tcase_add_test(tc, versions);
    suite_add_tcase(s, tc);
    return s;
}
