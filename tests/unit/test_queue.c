/*
 * test_queue.c - claims under leases, fencing against the holder, exact
 * request ids, waits, store settings and durations.
 *
 * Lease ends are made by moving lease_expires into the past with SQL, so
 * no test sleeps or depends on timing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static int64_t claim_with(char *id, taskorch_db *db, int64_t lease_ms, unsigned int flags)
{
    taskorch_claim_options o = TASKORCH_CLAIM_OPTIONS_INIT;
    o.lease_ms = lease_ms;
    o.flags = flags;
    taskorch_task *t = NULL;
    int rc = taskorch_task_claim_v2(&t, db, NULL, &o);
    ck_assert_msg(rc == TASKORCH_OK, "claim: %d %s", rc, taskorch_db_errmsg(db));
    strcpy(id, taskorch_task_id(t));
    int64_t claim = taskorch_task_claim_number(t);
    ck_assert(claim > 0);
    taskorch_task_free(t);
    return claim;
}

static void end_leases(void)
{
    fx_sql(fx_store_file(), "UPDATE tasks SET lease_expires = 1 WHERE lease_expires IS NOT NULL");
}

static void next_write(taskorch_db *db, const char *request_id, int64_t claim, unsigned int flags)
{
    taskorch_write_options w = TASKORCH_WRITE_OPTIONS_INIT;
    w.request_id = request_id;
    w.claim = claim;
    w.flags = flags;
    ck_assert_int_eq(taskorch_db_next_write(db, &w), TASKORCH_OK);
}

static int64_t count(const char *sql) { return fx_sql_int(fx_store_file(), sql); }

START_TEST(lease_end_makes_the_task_claimable_once)
{
    taskorch_db *alice = fx_open("alice"), *bob = fx_open("bob");
    char id[TASKORCH_ID_SIZE], got[TASKORCH_ID_SIZE];
    fx_add(id, alice, "work", -1, NULL);
    int64_t first = claim_with(got, alice, 60000, 0);
    ck_assert_str_eq(got, id);
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_get(&t, alice, id), TASKORCH_OK);
    ck_assert(taskorch_task_lease_expires(t) > 0);
    taskorch_task_free(t);
    /* While the lease runs, nobody else gets it. */
    taskorch_claim_options o = TASKORCH_CLAIM_OPTIONS_INIT;
    ck_assert_int_eq(taskorch_task_claim_v2(NULL, bob, NULL, &o), TASKORCH_ENOTFOUND);
    ck_assert_int_eq(taskorch_task_claim_v2(NULL, bob, id, &o), TASKORCH_ECONFLICT);
    ck_assert(fx_contains(taskorch_db_errmsg(bob), "alice"));

    end_leases();
    int64_t second = claim_with(got, bob, 60000, 0);
    ck_assert_str_eq(got, id);
    ck_assert(second > first);
    ck_assert_uint_eq(fx_event_count(bob, "expired", id), 1);
    ck_assert_uint_eq(fx_event_count(bob, "claimed", id), 2);
    /* The first holder, back from the dead, is fenced off. */
    ck_assert_int_eq(taskorch_task_complete(alice, id, NULL, 0), TASKORCH_ECONFLICT);
    ck_assert(fx_contains(taskorch_db_errmsg(alice), "bob"));
    next_write(alice, NULL, first, 0);
    ck_assert_int_eq(taskorch_msg_post(NULL, alice, id, TASKORCH_MSG_PROGRESS, "50%", NULL),
                     TASKORCH_ECONFLICT);
    ck_assert(fx_contains(taskorch_db_errmsg(alice), "stale claim"));
    ck_assert_int_eq(taskorch_task_heartbeat(NULL, alice, id, 0), TASKORCH_ECONFLICT);
    ck_assert_int_eq(taskorch_task_release(alice, id, 0), TASKORCH_ECONFLICT);
    ck_assert_int_eq(fx_status(bob, id), TASKORCH_STATUS_IN_PROGRESS);
    /* Shared updates are anyone's. */
    ck_assert_int_eq(taskorch_msg_post(NULL, alice, id, TASKORCH_MSG_SHARE, "fyi", NULL),
                     TASKORCH_OK);
    next_write(bob, NULL, second, 0);
    ck_assert_int_eq(taskorch_task_complete(bob, id, "done", 0), TASKORCH_OK);
    ck_assert_int_eq(fx_status(bob, id), TASKORCH_STATUS_COMPLETED);
    ck_assert(count("SELECT count(*) FROM tasks WHERE claim_no IS NOT NULL"
                    " OR lease_expires IS NOT NULL") == 0);
    taskorch_db_close(alice);
    taskorch_db_close(bob);
}
END_TEST

START_TEST(listing_notices_ended_leases)
{
    taskorch_db *alice = fx_open("alice");
    char id[TASKORCH_ID_SIZE], got[TASKORCH_ID_SIZE];
    fx_add(id, alice, "work", -1, NULL);
    claim_with(got, alice, 1000, 0);
    end_leases();
    taskorch_task_query q = TASKORCH_TASK_QUERY_INIT;
    q.flags = TASKORCH_QUERY_READY;
    taskorch_task_iter *it = NULL;
    ck_assert_int_eq(taskorch_task_iter_new(&it, alice, &q), TASKORCH_OK);
    ck_assert_uint_eq(taskorch_task_iter_count(it), 1);
    taskorch_task_iter_free(it);
    ck_assert_int_eq(fx_status(alice, id), TASKORCH_STATUS_PENDING);
    ck_assert_uint_eq(fx_event_count(alice, "expired", id), 1);
    ck_assert_int_eq(taskorch_task_iter_new(&it, alice, &q), TASKORCH_OK);
    taskorch_task_iter_free(it);
    ck_assert_uint_eq(fx_event_count(alice, "expired", id), 1); /* recorded once */
    taskorch_db_close(alice);
}
END_TEST

START_TEST(takeover_is_recorded)
{
    taskorch_db *alice = fx_open("alice"), *bob = fx_open("bob");
    char id[TASKORCH_ID_SIZE], got[TASKORCH_ID_SIZE];
    fx_add(id, alice, "work", -1, NULL);
    claim_with(got, alice, 0, 0); /* no lease: held until given back */
    size_t events = fx_event_count(bob, NULL, NULL);
    ck_assert_int_eq(taskorch_task_set_status(bob, id, TASKORCH_STATUS_PENDING, 0),
                     TASKORCH_ECONFLICT);
    ck_assert_uint_eq(fx_event_count(bob, NULL, NULL), events);
    next_write(bob, NULL, 0, TASKORCH_WRITE_TAKEOVER);
    ck_assert_int_eq(taskorch_task_complete(bob, id, NULL, 0), TASKORCH_OK);
    taskorch_event_query q = TASKORCH_EVENT_QUERY_INIT;
    const char *kinds[] = {"status"};
    q.kinds = kinds;
    q.n_kinds = 1;
    q.task = id;
    taskorch_event_iter *it = NULL;
    const taskorch_event *ev = NULL;
    ck_assert_int_eq(taskorch_event_iter_new(&it, bob, &q), TASKORCH_OK);
    ck_assert_int_eq(taskorch_event_iter_next(it, &ev), TASKORCH_OK);
    ck_assert_int_eq(taskorch_event_forced(ev), 1);
    ck_assert_int_eq(taskorch_event_from(ev), TASKORCH_STATUS_IN_PROGRESS);
    ck_assert_int_eq(taskorch_event_to(ev), TASKORCH_STATUS_COMPLETED);
    ck_assert(taskorch_event_claim(ev) > 0);
    taskorch_event_iter_free(it);
    taskorch_db_close(alice);
    taskorch_db_close(bob);
}
END_TEST

START_TEST(heartbeat_and_release)
{
    taskorch_db *alice = fx_open("alice");
    char id[TASKORCH_ID_SIZE], got[TASKORCH_ID_SIZE];
    fx_add(id, alice, "work", -1, NULL);
    taskorch_task_assign(alice, id, "alice");
    int64_t claim = claim_with(got, alice, 1000, 0);
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_heartbeat(&t, alice, id, 3600000), TASKORCH_OK);
    ck_assert(taskorch_task_lease_expires(t) > taskorch_task_updated_at(t) + 3000000);
    ck_assert(taskorch_task_claim_number(t) == claim);
    taskorch_task_free(t);
    ck_assert_int_eq(taskorch_task_heartbeat(NULL, alice, id, -1), TASKORCH_EINVAL);
    ck_assert_uint_eq(fx_event_count(alice, "released", id), 0);

    ck_assert_int_eq(taskorch_task_release(alice, id, 0), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_get(&t, alice, id), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_status(t), TASKORCH_STATUS_PENDING);
    ck_assert_str_eq(taskorch_task_assignee(t), "alice");
    ck_assert(taskorch_task_claim_number(t) == 0 && taskorch_task_lease_expires(t) == 0);
    taskorch_task_free(t);
    ck_assert_uint_eq(fx_event_count(alice, "released", id), 1);
    /* Not held any more: nothing to renew or release. */
    ck_assert_int_eq(taskorch_task_heartbeat(NULL, alice, id, 0), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_task_release(alice, id, 0), TASKORCH_EINVAL);

    claim_with(got, alice, 0, 0);
    ck_assert_int_eq(taskorch_task_release(alice, id, TASKORCH_RELEASE_UNASSIGN), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_get(&t, alice, id), TASKORCH_OK);
    ck_assert_ptr_null(taskorch_task_assignee(t));
    taskorch_task_free(t);
    ck_assert_int_eq(taskorch_task_release(alice, id, 0x80), TASKORCH_EINVAL);
    taskorch_db_close(alice);
}
END_TEST

START_TEST(resume_hands_back_my_task)
{
    taskorch_db *alice = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], got[TASKORCH_ID_SIZE];
    fx_add(a, alice, "a", -1, NULL);
    fx_add(b, alice, "b", -1, NULL);
    int64_t claim = claim_with(got, alice, 1000, 0);
    ck_assert_str_eq(got, a);
    /* A restarted agent gets its own task back, same claim. */
    ck_assert(claim_with(got, alice, 0, TASKORCH_CLAIM_RESUME) == claim);
    ck_assert_str_eq(got, a);
    /* Without resume: new work. */
    claim_with(got, alice, 0, 0);
    ck_assert_str_eq(got, b);
    taskorch_db_close(alice);
}
END_TEST

START_TEST(claim_filters)
{
    taskorch_db *alice = fx_open("alice");
    char plain[TASKORCH_ID_SIZE], tagged[TASKORCH_ID_SIZE], low[TASKORCH_ID_SIZE],
        mine[TASKORCH_ID_SIZE];
    fx_add(plain, alice, "plain", TASKORCH_PRIORITY_CRITICAL, NULL);
    taskorch_task_spec s = TASKORCH_TASK_SPEC_INIT;
    const char *tags[] = {"db"};
    s.title = "tagged";
    s.tags = tags;
    s.n_tags = 1;
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_create(&t, alice, &s), TASKORCH_OK);
    strcpy(tagged, taskorch_task_id(t));
    taskorch_task_free(t);
    fx_add(low, alice, "low", TASKORCH_PRIORITY_LOW, NULL);
    fx_add(mine, alice, "mine", TASKORCH_PRIORITY_LOW, NULL);
    taskorch_task_assign(alice, mine, "alice");

    taskorch_claim_options o = TASKORCH_CLAIM_OPTIONS_INIT;
    o.tag = "db";
    ck_assert_int_eq(taskorch_task_claim_v2(&t, alice, NULL, &o), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_id(t), tagged);
    taskorch_task_free(t);
    ck_assert_int_eq(taskorch_task_claim_v2(NULL, alice, NULL, &o), TASKORCH_ENOTFOUND);
    o.tag = NULL;
    o.flags = TASKORCH_CLAIM_MINE;
    ck_assert_int_eq(taskorch_task_claim_v2(&t, alice, NULL, &o), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_id(t), mine);
    taskorch_task_free(t);
    o.flags = 0;
    o.priority = TASKORCH_PRIORITY_LOW;
    ck_assert_int_eq(taskorch_task_claim_v2(&t, alice, NULL, &o), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_id(t), low);
    taskorch_task_free(t);
    o.priority = 7;
    ck_assert_int_eq(taskorch_task_claim_v2(NULL, alice, NULL, &o), TASKORCH_EINVAL);
    o.priority = -1;
    o.tag = "bad tag";
    ck_assert_int_eq(taskorch_task_claim_v2(NULL, alice, NULL, &o), TASKORCH_EINVAL);
    o.tag = NULL;
    o.flags = TASKORCH_CLAIM_WAIT;
    o.wait_ms = 30;
    ck_assert_int_eq(taskorch_task_claim_v2(&t, alice, NULL, &o), TASKORCH_OK); /* plain */
    ck_assert_str_eq(taskorch_task_id(t), plain);
    taskorch_task_free(t);
    ck_assert_int_eq(taskorch_task_claim_v2(&t, alice, NULL, &o), TASKORCH_ETIMEOUT);
    ck_assert_ptr_null(t);
    taskorch_db_close(alice);
}
END_TEST

START_TEST(request_ids_are_exact)
{
    taskorch_db *alice = fx_open("alice");
    taskorch_task_spec s = TASKORCH_TASK_SPEC_INIT;
    s.title = "once";
    taskorch_task *t = NULL;
    char first[TASKORCH_ID_SIZE];
    next_write(alice, "r-add", 0, 0);
    ck_assert_int_eq(taskorch_task_create(&t, alice, &s), TASKORCH_OK);
    strcpy(first, taskorch_task_id(t));
    taskorch_task_free(t);
    int64_t events = count("SELECT count(*) FROM events");
    next_write(alice, "r-add", 0, 0);
    ck_assert_int_eq(taskorch_task_create(&t, alice, &s), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_id(t), first);
    taskorch_task_free(t);
    ck_assert(count("SELECT count(*) FROM events") == events);
    ck_assert_uint_eq(fx_task_count(alice), 1);
    /* Other arguments, or another operation: refused, nothing written. */
    s.title = "twice";
    next_write(alice, "r-add", 0, 0);
    ck_assert_int_eq(taskorch_task_create(&t, alice, &s), TASKORCH_EREQUEST);
    ck_assert_ptr_null(t);
    next_write(alice, "r-add", 0, 0);
    ck_assert_int_eq(taskorch_task_complete(alice, first, NULL, 0), TASKORCH_EREQUEST);
    ck_assert(fx_contains(taskorch_db_errmsg(alice), "'add'"));
    ck_assert_uint_eq(fx_task_count(alice), 1);
    ck_assert_int_eq(fx_status(alice, first), TASKORCH_STATUS_PENDING);
    /* The options were for one call only. */
    ck_assert_int_eq(taskorch_task_create(NULL, alice, &s), TASKORCH_OK);
    ck_assert_uint_eq(fx_task_count(alice), 2);

    /* A repeated claim hands back the same claim. */
    taskorch_claim_options o = TASKORCH_CLAIM_OPTIONS_INIT;
    next_write(alice, "r-claim", 0, 0);
    ck_assert_int_eq(taskorch_task_claim_v2(&t, alice, NULL, &o), TASKORCH_OK);
    char claimed[TASKORCH_ID_SIZE];
    strcpy(claimed, taskorch_task_id(t));
    int64_t claim = taskorch_task_claim_number(t);
    taskorch_task_free(t);
    next_write(alice, "r-claim", 0, 0);
    ck_assert_int_eq(taskorch_task_claim_v2(&t, alice, NULL, &o), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_id(t), claimed);
    ck_assert(taskorch_task_claim_number(t) == claim);
    taskorch_task_free(t);
    ck_assert_uint_eq(fx_event_count(alice, "claimed", NULL), 1);
    /* Another agent's request ids are its own. */
    taskorch_db *bob = fx_open("bob");
    next_write(bob, "r-add", 0, 0);
    ck_assert_int_eq(taskorch_task_create(NULL, bob, &s), TASKORCH_OK);
    ck_assert_uint_eq(fx_task_count(bob), 3);
    /* Bad request ids are refused when set. */
    taskorch_write_options w = TASKORCH_WRITE_OPTIONS_INIT;
    w.request_id = "has space";
    ck_assert_int_eq(taskorch_db_next_write(bob, &w), TASKORCH_EINVAL);
    w.request_id = NULL;
    w.version = 9;
    ck_assert_int_eq(taskorch_db_next_write(bob, &w), TASKORCH_EINVAL);
    taskorch_db_close(alice);
    taskorch_db_close(bob);
}
END_TEST

START_TEST(waits)
{
    taskorch_db *alice = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE];
    fx_add(a, alice, "a", -1, NULL);
    fx_add(b, alice, "b", -1, NULL);
    const char *ids[] = {a, b};
    char **pending = (char **)1;
    ck_assert_int_eq(taskorch_task_wait(&pending, alice, ids, 2, TASKORCH_WAIT_COMPLETED, 0),
                     TASKORCH_ETIMEOUT);
    ck_assert_ptr_nonnull(pending);
    ck_assert_str_eq(pending[0], a);
    ck_assert_str_eq(pending[1], b);
    ck_assert_ptr_null(pending[2]);
    taskorch_free(pending);
    ck_assert_int_eq(taskorch_task_complete(alice, a, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_set_status(alice, b, TASKORCH_STATUS_CANCELLED, 0),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_wait(&pending, alice, ids, 2, TASKORCH_WAIT_TERMINAL, 0),
                     TASKORCH_OK);
    ck_assert_ptr_null(pending);
    ck_assert_int_eq(taskorch_task_wait(&pending, alice, ids, 2, TASKORCH_WAIT_COMPLETED, 10),
                     TASKORCH_ETIMEOUT);
    ck_assert_str_eq(pending[0], b);
    taskorch_free(pending);
    /* Everything: nothing pending, blocked or in progress. */
    ck_assert_int_eq(taskorch_task_wait(NULL, alice, NULL, 0, TASKORCH_WAIT_COMPLETED, 0),
                     TASKORCH_OK);
    const char *unknown[] = {"ffffffff"};
    ck_assert_int_eq(taskorch_task_wait(NULL, alice, unknown, 1, TASKORCH_WAIT_COMPLETED, -1),
                     TASKORCH_ENOTFOUND);
    ck_assert_int_eq(taskorch_task_wait(NULL, alice, ids, 2, 5, 0), TASKORCH_EINVAL);
    taskorch_db_close(alice);
}
END_TEST

START_TEST(default_lease_from_store_and_options)
{
    taskorch_db *alice = fx_open("alice");
    char id[TASKORCH_ID_SIZE], got[TASKORCH_ID_SIZE];
    fx_add(id, alice, "a", -1, NULL);
    fx_add(id, alice, "b", -1, NULL);
    char *v = (char *)1;
    ck_assert_int_eq(taskorch_config_get(&v, alice, "lease"), TASKORCH_OK);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(taskorch_config_set(alice, "lease", "15m"), TASKORCH_OK);
    ck_assert_int_eq(taskorch_config_get(&v, alice, "lease"), TASKORCH_OK);
    ck_assert_str_eq(v, "15m");
    taskorch_free(v);
    ck_assert_int_eq(taskorch_config_set(alice, "lease", "soon"), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_config_set(alice, "colour", "red"), TASKORCH_EINVAL);
    claim_with(got, alice, 0, 0);
    ck_assert(count("SELECT lease_ms FROM tasks WHERE claim_no IS NOT NULL") == 900000);

    /* The open option wins over the store; < 0 means none. */
    taskorch_open_options oo = TASKORCH_OPEN_OPTIONS_INIT;
    oo.agent = "bob";
    oo.default_lease_ms = -1;
    taskorch_db *bob = NULL;
    ck_assert_int_eq(taskorch_db_open(&bob, fx_store_file(), &oo), TASKORCH_OK);
    claim_with(got, bob, 0, 0);
    ck_assert(count("SELECT count(*) FROM tasks WHERE claim_no IS NOT NULL"
                    " AND lease_ms IS NULL") == 1);
    ck_assert_int_eq(taskorch_config_set(alice, "lease", NULL), TASKORCH_OK);
    taskorch_db_close(alice);
    taskorch_db_close(bob);
}
END_TEST

START_TEST(durations)
{
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {{"90", 90000}, {"90s", 90000}, {"15m", 900000}, {"2h", 7200000},
                {"1d", 86400000}, {"250ms", 250}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        int64_t ms = 0;
        ck_assert_int_eq(taskorch_duration_parse(&ms, good[i].text), TASKORCH_OK);
        ck_assert(ms == good[i].ms);
    }
    static const char *const bad[] = {"", "0", "0s", "-5m", "5x", " 5m", "5m ", "0x10", "1.5h",
                                      "m", "99999999999999999999", "9223372036854775807d", NULL};
    for (size_t i = 0; bad[i]; i++) {
        int64_t ms = 7;
        ck_assert_msg(taskorch_duration_parse(&ms, bad[i]) == TASKORCH_EINVAL, "%s", bad[i]);
        ck_assert(ms == 0);
    }
    ck_assert_int_eq(taskorch_duration_parse(NULL, "5m"), TASKORCH_EINVAL);
}
END_TEST

/* A caller built against the 0.1 header passes version 1 structs, which
 * end before the fields version 2 added: those bytes must not be read. */
struct spec_v1 {
    unsigned int version;
    const char *title, *description;
    int priority;
    const char *assignee;
    const char *const *tags;
    size_t n_tags;
    const char *const *files;
    size_t n_files;
    const char *const *depends_on;
    size_t n_depends_on;
};

START_TEST(version_1_structs_still_work)
{
    taskorch_db *alice = fx_open("alice");
    /* Room for a full struct, poisoned beyond the version 1 part. */
    union {
        struct spec_v1 v1;
        taskorch_task_spec full;
    } u;
    memset(&u, 0xff, sizeof u);
    memset(&u.v1, 0, sizeof u.v1);
    u.v1.version = 1;
    u.v1.title = "from an old caller";
    u.v1.priority = -1;
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_create(&t, alice, &u.full), TASKORCH_OK);
    ck_assert(taskorch_task_estimate(t) == 0.0);
    taskorch_task_free(t);
    taskorch_task_spec s;
    memset(&s, 0xff, sizeof s);
    ck_assert_int_eq(taskorch_task_spec_init(&s, 1), TASKORCH_OK);
    ck_assert(isnan(s.estimate)); /* past the version 1 fields: untouched */
    ck_assert_int_eq(taskorch_task_spec_init(&s, TASKORCH_TASK_SPEC_VERSION), TASKORCH_OK);
    ck_assert(s.estimate == 0.0);
    taskorch_db_close(alice);
}
END_TEST

START_TEST(estimates)
{
    taskorch_db *alice = fx_open("alice");
    taskorch_task_spec s = TASKORCH_TASK_SPEC_INIT;
    s.title = "sized";
    s.estimate = 2.5;
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_create(&t, alice, &s), TASKORCH_OK);
    ck_assert(taskorch_task_estimate(t) == 2.5);
    char id[TASKORCH_ID_SIZE];
    strcpy(id, taskorch_task_id(t));
    taskorch_task_free(t);
    taskorch_task_change c = TASKORCH_TASK_CHANGE_INIT;
    c.estimate = 0; /* clears */
    ck_assert_int_eq(taskorch_task_update(&t, alice, id, &c), TASKORCH_OK);
    ck_assert(taskorch_task_estimate(t) == 0.0);
    taskorch_task_free(t);
    s.estimate = -1;
    ck_assert_int_eq(taskorch_task_create(NULL, alice, &s), TASKORCH_EINVAL);
    s.estimate = NAN;
    ck_assert_int_eq(taskorch_task_create(NULL, alice, &s), TASKORCH_EINVAL);
    ck_assert_uint_eq(fx_task_count(alice), 1);
    taskorch_db_close(alice);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("queue");
    TCase *tc = fx_tcase("leases");
    tcase_add_test(tc, lease_end_makes_the_task_claimable_once);
    tcase_add_test(tc, listing_notices_ended_leases);
    tcase_add_test(tc, takeover_is_recorded);
    tcase_add_test(tc, heartbeat_and_release);
    tcase_add_test(tc, resume_hands_back_my_task);
    tcase_add_test(tc, claim_filters);
    tcase_add_test(tc, default_lease_from_store_and_options);
    suite_add_tcase(s, tc);
    tc = fx_tcase("requests");
    tcase_add_test(tc, request_ids_are_exact);
    tcase_add_test(tc, waits);
    tcase_add_test(tc, durations);
    tcase_add_test(tc, version_1_structs_still_work);
    tcase_add_test(tc, estimates);
    suite_add_tcase(s, tc);
    return s;
}
