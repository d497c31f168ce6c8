/* test_messages.c - the per-task channels: posting each kind, reading with
 * filters, private notes across agents, joining and participants,
 * request-id idempotency, size limits and text validation. */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

/* A second handle on the same store, as another agent. */
static taskorch_db *open_as(const char *agent)
{
    return fx_open(agent);
}

/* Lists a task's messages visible to db as "kind:author:text|..." */
static const char *messages(taskorch_db *db, const char *task, const taskorch_msg_query *q)
{
    static char buf[4096];
    taskorch_msg_iter *it = NULL;
    int rc = taskorch_msg_iter_new(&it, db, task, q);
    ck_assert_msg(rc == TASKORCH_OK, "messages: %d %s", rc, taskorch_db_errmsg(db));
    buf[0] = '\0';
    size_t len = 0;
    const taskorch_msg *m;
    int64_t prev = 0;
    while (taskorch_msg_iter_next(it, &m) == TASKORCH_OK) {
        ck_assert(taskorch_msg_id(m) > prev); /* oldest first */
        prev = taskorch_msg_id(m);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s:%s:%s", len ? "|" : "",
                                taskorch_msg_kind_name(taskorch_msg_kind(m)),
                                taskorch_msg_author(m), taskorch_msg_text(m));
    }
    taskorch_msg_iter_free(it);
    return buf;
}

static size_t message_rows(void)
{
    return (size_t)fx_sql_int(fx_store_file(), "SELECT count(*) FROM messages");
}

START_TEST(post_every_kind_and_read_back)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "talk about it", -1, NULL);
    int kinds[] = { TASKORCH_MSG_SHARE, TASKORCH_MSG_DISCOVER, TASKORCH_MSG_SYNC,
                    TASKORCH_MSG_PROGRESS, TASKORCH_MSG_NOTE };
    const char *texts[] = { "shared", "found a bug", "checkpoint", "50%", "my own note" };
    int64_t prev = 0;
    for (size_t i = 0; i < 5; i++) {
        int64_t mid = 0;
        ck_assert_msg(taskorch_msg_post(&mid, db, id, kinds[i], texts[i], NULL) == TASKORCH_OK,
                      "%s", taskorch_db_errmsg(db));
        ck_assert(mid > prev);
        prev = mid;
    }
    ck_assert_str_eq(messages(db, id, NULL), "share:alice:shared|discover:alice:found a bug|"
                                             "sync:alice:checkpoint|progress:alice:50%|"
                                             "note:alice:my own note");
    /* Every getter of one message. */
    taskorch_msg_iter *it = NULL;
    ck_assert_int_eq(taskorch_msg_iter_new(&it, db, id, NULL), TASKORCH_OK);
    const taskorch_msg *m;
    ck_assert_int_eq(taskorch_msg_iter_next(it, &m), TASKORCH_OK);
    ck_assert(taskorch_msg_id(m) > 0);
    ck_assert_str_eq(taskorch_msg_task_id(m), id);
    ck_assert_int_eq(taskorch_msg_kind(m), TASKORCH_MSG_SHARE);
    ck_assert_str_eq(taskorch_msg_author(m), "alice");
    ck_assert_str_eq(taskorch_msg_text(m), "shared");
    ck_assert(taskorch_msg_created_at(m) > 0);
    taskorch_msg_iter_free(it);
    /* out may be NULL. */
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_SHARE, "again", NULL),
                     TASKORCH_OK);
    /* One event per post, of the message's kind, carrying the text. */
    ck_assert_uint_eq(fx_event_count(db, "share", id), 2);
    ck_assert_uint_eq(fx_event_count(db, "discover", id), 1);
    ck_assert_uint_eq(fx_event_count(db, "sync", id), 1);
    ck_assert_uint_eq(fx_event_count(db, "progress", id), 1);
    ck_assert_uint_eq(fx_event_count(db, "note", id), 1);
    taskorch_db_close(db);
}
END_TEST

START_TEST(query_kinds_since_limit)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "t", -1, NULL);
    int64_t ids[6];
    const char *texts[] = { "s1", "d1", "s2", "p1", "s3", "y1" };
    int kinds[] = { TASKORCH_MSG_SHARE, TASKORCH_MSG_DISCOVER, TASKORCH_MSG_SHARE,
                    TASKORCH_MSG_PROGRESS, TASKORCH_MSG_SHARE, TASKORCH_MSG_SYNC };
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(taskorch_msg_post(&ids[i], db, id, kinds[i], texts[i], NULL),
                         TASKORCH_OK);
    taskorch_msg_query q = TASKORCH_MSG_QUERY_INIT;
    q.kinds = 1u << TASKORCH_MSG_SHARE;
    ck_assert_str_eq(messages(db, id, &q), "share:alice:s1|share:alice:s2|share:alice:s3");
    q.kinds = (1u << TASKORCH_MSG_DISCOVER) | (1u << TASKORCH_MSG_SYNC);
    ck_assert_str_eq(messages(db, id, &q), "discover:alice:d1|sync:alice:y1");
    q.kinds = 1u << TASKORCH_MSG_NOTE;
    ck_assert_str_eq(messages(db, id, &q), "");
    q = (taskorch_msg_query)TASKORCH_MSG_QUERY_INIT;
    q.since = ids[3];
    ck_assert_str_eq(messages(db, id, &q), "share:alice:s3|sync:alice:y1");
    q.since = ids[5];
    ck_assert_str_eq(messages(db, id, &q), "");
    /* limit keeps the newest, still oldest first */
    q = (taskorch_msg_query)TASKORCH_MSG_QUERY_INIT;
    q.limit = 2;
    ck_assert_str_eq(messages(db, id, &q), "share:alice:s3|sync:alice:y1");
    q.kinds = 1u << TASKORCH_MSG_SHARE;
    ck_assert_str_eq(messages(db, id, &q), "share:alice:s2|share:alice:s3");
    q.since = ids[0];
    q.limit = 5;
    ck_assert_str_eq(messages(db, id, &q), "share:alice:s2|share:alice:s3");

    /* Bad queries. */
    taskorch_msg_iter *it = (taskorch_msg_iter *)1;
    q = (taskorch_msg_query)TASKORCH_MSG_QUERY_INIT;
    q.kinds = 1u << 5;
    ck_assert_int_eq(taskorch_msg_iter_new(&it, db, id, &q), TASKORCH_EINVAL);
    ck_assert_ptr_null(it);
    q.kinds = 0;
    q.since = -1;
    ck_assert_int_eq(taskorch_msg_iter_new(&it, db, id, &q), TASKORCH_EINVAL);
    taskorch_db_close(db);
}
END_TEST

START_TEST(notes_are_private_to_their_author)
{
    taskorch_db *alice = open_as("alice");
    taskorch_db *bob = open_as("bob");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, alice, "shared task", -1, NULL);
    ck_assert_int_eq(taskorch_msg_post(NULL, alice, id, TASKORCH_MSG_NOTE, "alice secret", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, bob, id, TASKORCH_MSG_NOTE, "bob secret", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, bob, id, TASKORCH_MSG_SHARE, "for all", NULL),
                     TASKORCH_OK);

    ck_assert_str_eq(messages(alice, id, NULL), "note:alice:alice secret|share:bob:for all");
    ck_assert_str_eq(messages(bob, id, NULL), "note:bob:bob secret|share:bob:for all");
    /* Asking for notes explicitly does not reveal others' either. */
    taskorch_msg_query q = TASKORCH_MSG_QUERY_INIT;
    q.kinds = 1u << TASKORCH_MSG_NOTE;
    ck_assert_str_eq(messages(bob, id, &q), "note:bob:bob secret");

    /* The event feed hides them the same way. */
    ck_assert_uint_eq(fx_event_count(alice, "note", NULL), 1);
    ck_assert_uint_eq(fx_event_count(bob, "note", NULL), 1);
    taskorch_event_iter *it = NULL;
    ck_assert_int_eq(taskorch_event_iter_new(&it, bob, NULL), TASKORCH_OK);
    const taskorch_event *ev;
    while (taskorch_event_iter_next(it, &ev) == TASKORCH_OK)
        ck_assert_msg(!fx_contains(taskorch_event_text(ev), "alice secret"),
                      "bob sees alice's note in event %lld", (long long)taskorch_event_id(ev));
    taskorch_event_iter_free(it);

    /* Switching identity on a handle switches what it sees. */
    ck_assert_int_eq(taskorch_db_set_agent(bob, "carol"), TASKORCH_OK);
    ck_assert_str_eq(messages(bob, id, NULL), "share:bob:for all");
    ck_assert_uint_eq(fx_event_count(bob, "note", NULL), 0);
    taskorch_db_close(alice);
    taskorch_db_close(bob);
}
END_TEST

START_TEST(posting_joins_and_join_is_idempotent)
{
    taskorch_db *alice = open_as("alice");
    taskorch_db *bob = open_as("bob");
    taskorch_db *carol = open_as("carol");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, alice, "team", -1, NULL);
    char **who = NULL;
    ck_assert_int_eq(taskorch_task_participants(&who, alice, id), TASKORCH_OK);
    ck_assert_ptr_nonnull(who);
    ck_assert_ptr_null(who[0]);
    taskorch_free(who);

    ck_assert_int_eq(taskorch_task_join(bob, id), TASKORCH_OK);
    fx_tick();
    ck_assert_int_eq(taskorch_msg_post(NULL, carol, id, TASKORCH_MSG_PROGRESS, "started", NULL),
                     TASKORCH_OK);
    fx_tick();
    ck_assert_int_eq(taskorch_task_join(bob, id), TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, bob, id, TASKORCH_MSG_SHARE, "hi", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, alice, id, TASKORCH_MSG_NOTE, "mine", NULL),
                     TASKORCH_OK);

    ck_assert_int_eq(taskorch_task_participants(&who, carol, id), TASKORCH_OK);
    ck_assert_str_eq(who[0], "bob");
    ck_assert_str_eq(who[1], "carol");
    ck_assert_str_eq(who[2], "alice");
    ck_assert_ptr_null(who[3]);
    taskorch_free(who);
    ck_assert_uint_eq(fx_event_count(alice, "joined", id), 3);

    char missing[TASKORCH_ID_SIZE];
    memcpy(missing, id, sizeof missing);
    missing[0] = missing[0] == '0' ? '1' : '0';
    who = (char **)1;
    ck_assert_int_eq(taskorch_task_participants(&who, alice, missing), TASKORCH_ENOTFOUND);
    ck_assert_ptr_null(who);
    ck_assert_int_eq(taskorch_task_join(alice, missing), TASKORCH_ENOTFOUND);
    taskorch_db_close(alice);
    taskorch_db_close(bob);
    taskorch_db_close(carol);
}
END_TEST

START_TEST(participants_keep_joining_order_within_a_millisecond)
{
    /* Agents often join within the same millisecond. Simulate that by
     * giving every join the same time: joining order must still hold
     * (zoe joined before adam, so she comes first). */
    taskorch_db *zoe = open_as("zoe");
    taskorch_db *adam = open_as("adam");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, zoe, "busy", -1, NULL);
    ck_assert_int_eq(taskorch_task_join(zoe, id), TASKORCH_OK);
    fx_tick();
    ck_assert_int_eq(taskorch_task_join(adam, id), TASKORCH_OK);
    char **who = NULL;
    ck_assert_int_eq(taskorch_task_participants(&who, adam, id), TASKORCH_OK);
    ck_assert_str_eq(who[0], "zoe"); /* distinct times: fine */
    ck_assert_str_eq(who[1], "adam");
    taskorch_free(who);
    fx_sql(fx_store_file(), "UPDATE participants SET joined_at = 1700000000000");
    ck_assert_int_eq(taskorch_task_participants(&who, adam, id), TASKORCH_OK);
    ck_assert_str_eq(who[0], "zoe");
    ck_assert_str_eq(who[1], "adam");
    ck_assert_ptr_null(who[2]);
    taskorch_free(who);
    taskorch_db_close(zoe);
    taskorch_db_close(adam);
}
END_TEST

START_TEST(request_id_makes_posts_idempotent)
{
    taskorch_db *alice = open_as("alice");
    taskorch_db *bob = open_as("bob");
    char t1[TASKORCH_ID_SIZE], t2[TASKORCH_ID_SIZE];
    fx_add(t1, alice, "one", -1, NULL);
    fx_add(t2, alice, "two", -1, NULL);
    int64_t first = 0, again = 0, other = 0;
    ck_assert_int_eq(taskorch_msg_post(&first, alice, t1, TASKORCH_MSG_SHARE, "deploy done",
                                       "req-42"),
                     TASKORCH_OK);
    size_t events = fx_event_count(alice, NULL, NULL);
    ck_assert_int_eq(taskorch_msg_post(&again, alice, t1, TASKORCH_MSG_SHARE, "deploy done",
                                       "req-42"),
                     TASKORCH_OK);
    ck_assert(again == first);
    /* Same request id, different text or kind: refused, never dropped. */
    ck_assert_int_eq(taskorch_msg_post(&again, alice, t1, TASKORCH_MSG_SHARE, "retry text",
                                       "req-42"),
                     TASKORCH_EREQUEST);
    ck_assert(again == 0);
    ck_assert_int_eq(taskorch_msg_post(&again, alice, t1, TASKORCH_MSG_NOTE, "deploy done",
                                       "req-42"),
                     TASKORCH_EREQUEST);
    ck_assert(strstr(taskorch_db_errmsg(alice), "req-42 already used") != NULL);
    ck_assert_uint_eq(message_rows(), 1);
    ck_assert_uint_eq(fx_event_count(alice, NULL, NULL), events);
    ck_assert_str_eq(messages(alice, t1, NULL), "share:alice:deploy done");

    /* Another agent's request id is another request; the same agent on
     * another task is another request too, so refused. */
    ck_assert_int_eq(taskorch_msg_post(&other, bob, t1, TASKORCH_MSG_SHARE, "deploy done",
                                       "req-42"),
                     TASKORCH_OK);
    ck_assert(other != first);
    ck_assert_int_eq(taskorch_msg_post(&other, alice, t2, TASKORCH_MSG_SHARE, "deploy done",
                                       "req-42"),
                     TASKORCH_EREQUEST);
    ck_assert_int_eq(taskorch_msg_post(&other, alice, t2, TASKORCH_MSG_SHARE, "deploy done",
                                       "req-43"),
                     TASKORCH_OK);
    /* Without a request id every post counts. */
    ck_assert_int_eq(taskorch_msg_post(NULL, alice, t1, TASKORCH_MSG_SHARE, "x", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, alice, t1, TASKORCH_MSG_SHARE, "x", NULL),
                     TASKORCH_OK);
    ck_assert_uint_eq(message_rows(), 5);
    taskorch_db_close(alice);
    taskorch_db_close(bob);
}
END_TEST

START_TEST(size_limit_is_64_kib)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "big", -1, NULL);
    char *text = malloc(TASKORCH_MSG_MAX + 2);
    ck_assert_ptr_nonnull(text);
    memset(text, 'a', TASKORCH_MSG_MAX + 1);
    text[TASKORCH_MSG_MAX] = '\0';
    ck_assert_int_eq(TASKORCH_MSG_MAX, 65536);
    int64_t mid = 0;
    ck_assert_msg(taskorch_msg_post(&mid, db, id, TASKORCH_MSG_SHARE, text, NULL) == TASKORCH_OK,
                  "65536 bytes: %s", taskorch_db_errmsg(db));
    taskorch_msg_iter *it = NULL;
    ck_assert_int_eq(taskorch_msg_iter_new(&it, db, id, NULL), TASKORCH_OK);
    const taskorch_msg *m;
    ck_assert_int_eq(taskorch_msg_iter_next(it, &m), TASKORCH_OK);
    ck_assert_uint_eq(strlen(taskorch_msg_text(m)), 65536);
    taskorch_msg_iter_free(it);

    text[TASKORCH_MSG_MAX] = 'a';
    text[TASKORCH_MSG_MAX + 1] = '\0';
    int64_t refused = 7;
    ck_assert_int_eq(taskorch_msg_post(&refused, db, id, TASKORCH_MSG_SHARE, text, NULL),
                     TASKORCH_EINVAL);
    ck_assert(refused == 0);
    ck_assert(fx_contains(taskorch_db_errmsg(db), "65536"));
    ck_assert_uint_eq(message_rows(), 1);
    free(text);
    taskorch_db_close(db);
}
END_TEST

START_TEST(bad_messages_are_refused)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "strict", -1, NULL);
    size_t events = fx_event_count(db, NULL, NULL);
    static const char *const bad[] = {
        "", "   ", "\n\t ",                       /* empty or blank */
        "bad \xff byte", "\xc3\x28", "cut \xe2\x82", /* invalid UTF-8 */
        "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", /* overlong, surrogate, > U+10FFFF */
        "bell \x07", "esc \x1b[31m",                 /* control characters */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        for (int kind = TASKORCH_MSG_NOTE; kind <= TASKORCH_MSG_PROGRESS; kind++) {
            ck_assert_msg(taskorch_msg_post(NULL, db, id, kind, bad[i], NULL) == TASKORCH_EINVAL,
                          "bad text %zu accepted as %s", i, taskorch_msg_kind_name(kind));
            ck_assert(strlen(taskorch_db_errmsg(db)) > 0);
        }
    }
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_SHARE, NULL, NULL),
                     TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, 5, "unknown kind", NULL), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, -1, "unknown kind", NULL), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_SHARE, "ok", "bad request id"),
                     TASKORCH_EINVAL);
    char missing[TASKORCH_ID_SIZE];
    memcpy(missing, id, sizeof missing);
    missing[0] = missing[0] == '0' ? '1' : '0';
    ck_assert_int_eq(taskorch_msg_post(NULL, db, missing, TASKORCH_MSG_SHARE, "where", NULL),
                     TASKORCH_ENOTFOUND);
    taskorch_msg_iter *it = (taskorch_msg_iter *)1;
    ck_assert_int_eq(taskorch_msg_iter_new(&it, db, missing, NULL), TASKORCH_ENOTFOUND);
    ck_assert_ptr_null(it);
    ck_assert_uint_eq(message_rows(), 0);
    ck_assert_uint_eq(fx_event_count(db, NULL, NULL), events);
    char **who = NULL;
    ck_assert_int_eq(taskorch_task_participants(&who, db, id), TASKORCH_OK);
    ck_assert_ptr_null(who[0]); /* refused posts join nobody */
    taskorch_free(who);
    taskorch_db_close(db);
}
END_TEST

START_TEST(text_round_trips_exactly)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "exact", -1, NULL);
    static const char *const texts[] = {
        "quotes \"double\" 'single' and `backticks`",
        "$HOME ${PATH} $(rm -rf /) %s %n \\n literally",
        "back\\slash\\\\ and a real\nnewline\tand tab",
        "emoji \xf0\x9f\x8e\x89 and CJK \xe4\xb8\xad\xe6\x96\x87",
        "\xd7\xa2\xd7\x91\xd7\xa8\xd7\x99\xd7\xaa \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7", /* RTL */
        "'); DELETE FROM messages; --",
        "- starts with a dash",
    };
    size_t n = sizeof texts / sizeof *texts;
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_SHARE, texts[i], NULL),
                         TASKORCH_OK);
    taskorch_msg_iter *it = NULL;
    ck_assert_int_eq(taskorch_msg_iter_new(&it, db, id, NULL), TASKORCH_OK);
    const taskorch_msg *m;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(taskorch_msg_iter_next(it, &m), TASKORCH_OK);
        ck_assert_str_eq(taskorch_msg_text(m), texts[i]);
    }
    ck_assert_int_eq(taskorch_msg_iter_next(it, &m), TASKORCH_ITEROVER);
    taskorch_msg_iter_free(it);
    taskorch_db_close(db);
}
END_TEST

START_TEST(messages_survive_completion)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "finish", -1, NULL);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_NOTE, "note", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_SHARE, "share", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_complete(db, id, "done", 0), TASKORCH_OK);
    ck_assert_str_eq(messages(db, id, NULL), "note:alice:note|share:alice:share");
    /* Posting on a completed task still works. */
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_SHARE, "after", NULL),
                     TASKORCH_OK);
    taskorch_db_close(db);
}
END_TEST

START_TEST(kind_names)
{
    static const char *const names[] = { "note", "share", "discover", "sync", "progress" };
    for (int k = 0; k < 5; k++) {
        ck_assert_str_eq(taskorch_msg_kind_name(k), names[k]);
        int out = -1;
        ck_assert_int_eq(taskorch_msg_kind_parse(&out, names[k]), TASKORCH_OK);
        ck_assert_int_eq(out, k);
    }
    ck_assert_ptr_null(taskorch_msg_kind_name(5));
    ck_assert_ptr_null(taskorch_msg_kind_name(-1));
    int out;
    ck_assert_int_eq(taskorch_msg_kind_parse(&out, "shout"), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_msg_kind_parse(&out, ""), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_msg_kind_parse(&out, NULL), TASKORCH_EINVAL);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("messages");
    TCase *tc = fx_tcase("post");
    tcase_add_test(tc, post_every_kind_and_read_back);
    tcase_add_test(tc, query_kinds_since_limit);
    tcase_add_test(tc, text_round_trips_exactly);
    tcase_add_test(tc, messages_survive_completion);
    tcase_add_test(tc, kind_names);
    suite_add_tcase(s, tc);

    tc = fx_tcase("agents");
    tcase_add_test(tc, notes_are_private_to_their_author);
    tcase_add_test(tc, posting_joins_and_join_is_idempotent);
    tcase_add_test(tc, participants_keep_joining_order_within_a_millisecond);
    tcase_add_test(tc, request_id_makes_posts_idempotent);
    suite_add_tcase(s, tc);

    tc = fx_tcase("limits");
    tcase_add_test(tc, size_limit_is_64_kib);
    tcase_add_test(tc, bad_messages_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
