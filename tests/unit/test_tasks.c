/* test_tasks.c - creating, reading, resolving, changing, assigning,
 * completing and deleting tasks; every getter; ownership rules; bad input
 * that must be refused with nothing stored. */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

static int is_task_id(const char *id)
{
    if (!id || strlen(id) != TASKORCH_ID_LEN)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

START_TEST(create_minimal_defaults)
{
    taskorch_db *db = fx_open("alice");
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = "Write the parser";
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_create(&t, db, &spec), TASKORCH_OK);
    ck_assert_ptr_nonnull(t);
    ck_assert_msg(is_task_id(taskorch_task_id(t)), "bad id '%s'", taskorch_task_id(t));
    ck_assert_str_eq(taskorch_task_title(t), "Write the parser");
    ck_assert_ptr_null(taskorch_task_description(t));
    ck_assert_int_eq(taskorch_task_status(t), TASKORCH_STATUS_PENDING);
    ck_assert_int_eq(taskorch_task_priority(t), TASKORCH_PRIORITY_MEDIUM);
    ck_assert_ptr_null(taskorch_task_assignee(t));
    ck_assert_str_eq(taskorch_task_created_by(t), "alice");
    ck_assert_ptr_null(taskorch_task_summary(t));
    ck_assert(taskorch_task_created_at(t) > 0);
    ck_assert(taskorch_task_updated_at(t) == taskorch_task_created_at(t));
    ck_assert(taskorch_task_completed_at(t) == 0);
    ck_assert_int_eq(taskorch_task_blocked_by_hand(t), 0);
    ck_assert_uint_eq(taskorch_task_tag_count(t), 0);
    ck_assert_uint_eq(taskorch_task_file_count(t), 0);
    ck_assert_uint_eq(taskorch_task_dep_count(t), 0);
    ck_assert_ptr_null(taskorch_task_tag(t, 0));
    ck_assert_ptr_null(taskorch_task_file_path(t, 0));
    ck_assert_int_eq(taskorch_task_file_line(t, 0), 0);
    ck_assert_int_eq(taskorch_task_file_end(t, 0), 0);
    ck_assert_ptr_null(taskorch_task_dep_id(t, 0));
    taskorch_task_free(t);
    /* out may be NULL. */
    spec.title = "Second";
    ck_assert_int_eq(taskorch_task_create(NULL, db, &spec), TASKORCH_OK);
    ck_assert_uint_eq(fx_task_count(db), 2);
    taskorch_db_close(db);
}
END_TEST

START_TEST(create_full_and_get_every_field)
{
    taskorch_db *db = fx_open("alice");
    char dep[TASKORCH_ID_SIZE];
    fx_add(dep, db, "prerequisite", -1, NULL);
    ck_assert_int_eq(taskorch_task_complete(db, dep, NULL, 0), TASKORCH_OK);

    const char *tags[] = { "zeta", "alpha", "alpha", "backend" };
    const char *files[] = { "src/a.c", "src/b.c:12", "src/c.c:3:9", "odd:name.c:7" };
    const char *deps[] = { dep };
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = "Implement login";
    spec.description = "Use bcrypt.\nTwo lines.";
    spec.priority = TASKORCH_PRIORITY_HIGH;
    spec.assignee = "backend-dev";
    spec.tags = tags;
    spec.n_tags = 4;
    spec.files = files;
    spec.n_files = 4;
    spec.depends_on = deps;
    spec.n_depends_on = 1;
    taskorch_task *made = NULL;
    ck_assert_int_eq(taskorch_task_create(&made, db, &spec), TASKORCH_OK);
    char id[TASKORCH_ID_SIZE];
    memcpy(id, taskorch_task_id(made), TASKORCH_ID_SIZE);
    taskorch_task_free(made);

    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_get(&t, db, id), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_id(t), id);
    ck_assert_str_eq(taskorch_task_title(t), "Implement login");
    ck_assert_str_eq(taskorch_task_description(t), "Use bcrypt.\nTwo lines.");
    ck_assert_int_eq(taskorch_task_priority(t), TASKORCH_PRIORITY_HIGH);
    ck_assert_str_eq(taskorch_task_assignee(t), "backend-dev");
    /* dependency completed: ready */
    ck_assert_int_eq(taskorch_task_status(t), TASKORCH_STATUS_PENDING);
    /* tags: sorted, duplicates once */
    ck_assert_uint_eq(taskorch_task_tag_count(t), 3);
    ck_assert_str_eq(taskorch_task_tag(t, 0), "alpha");
    ck_assert_str_eq(taskorch_task_tag(t, 1), "backend");
    ck_assert_str_eq(taskorch_task_tag(t, 2), "zeta");
    ck_assert_ptr_null(taskorch_task_tag(t, 3));
    /* files: in the order given */
    ck_assert_uint_eq(taskorch_task_file_count(t), 4);
    ck_assert_str_eq(taskorch_task_file_path(t, 0), "src/a.c");
    ck_assert_int_eq(taskorch_task_file_line(t, 0), 0);
    ck_assert_int_eq(taskorch_task_file_end(t, 0), 0);
    ck_assert_str_eq(taskorch_task_file_path(t, 1), "src/b.c");
    ck_assert_int_eq(taskorch_task_file_line(t, 1), 12);
    ck_assert_int_eq(taskorch_task_file_end(t, 1), 0);
    ck_assert_str_eq(taskorch_task_file_path(t, 2), "src/c.c");
    ck_assert_int_eq(taskorch_task_file_line(t, 2), 3);
    ck_assert_int_eq(taskorch_task_file_end(t, 2), 9);
    ck_assert_str_eq(taskorch_task_file_path(t, 3), "odd:name.c");
    ck_assert_int_eq(taskorch_task_file_line(t, 3), 7);
    ck_assert_ptr_null(taskorch_task_file_path(t, 4));
    /* dependencies */
    ck_assert_uint_eq(taskorch_task_dep_count(t), 1);
    ck_assert_str_eq(taskorch_task_dep_id(t, 0), dep);
    ck_assert_ptr_null(taskorch_task_dep_id(t, 1));
    taskorch_task_free(t);
    taskorch_db_close(db);
}
END_TEST

START_TEST(text_round_trips_exactly)
{
    static const char *const titles[] = {
        "Robert'); DROP TABLE tasks;--",
        "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x9a\x80 rocket",
        "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd8\xa7\xd9\x84\xd8\xb9\xd8\xa7\xd9\x84\xd9\x85", /* RTL */
        "quotes \"double\" 'single' $HOME `cmd` \\back\\slash %s %n",
    };
    taskorch_db *db = fx_open("alice");
    for (size_t i = 0; i < sizeof titles / sizeof *titles; i++) {
        char id[TASKORCH_ID_SIZE];
        fx_add(id, db, titles[i], -1, NULL);
        taskorch_task *t = NULL;
        ck_assert_int_eq(taskorch_task_get(&t, db, id), TASKORCH_OK);
        ck_assert_str_eq(taskorch_task_title(t), titles[i]);
        taskorch_task_free(t);
    }
    ck_assert_uint_eq(fx_task_count(db), 4);
    ck_assert_int_eq(fx_sql_int(fx_store_file(),
                                "SELECT count(*) FROM sqlite_schema WHERE name = 'tasks'"),
                     1);
    taskorch_db_close(db);
}
END_TEST

/* Renames tasks to fixed ids so that prefixes collide on purpose (ids are
 * random otherwise). Done with the handle closed. */
static void make_known_ids(void)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], c[TASKORCH_ID_SIZE];
    fx_add(a, db, "first", -1, NULL);
    fx_add(b, db, "second", -1, NULL);
    fx_add(c, db, "third", -1, NULL);
    taskorch_db_close(db);
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE tasks SET id = 'abcd0001' WHERE id = '%s';"
             "UPDATE tasks SET id = 'abcd0002' WHERE id = '%s';"
             "UPDATE tasks SET id = 'abce0003' WHERE id = '%s';",
             a, b, c);
    fx_sql(fx_store_file(), sql);
}

START_TEST(get_by_prefix)
{
    make_known_ids();
    taskorch_db *db = fx_open("alice");
    static const char *const ok[] = { "abce", "abce0", "abce00", "abce000", "abce0003" };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        taskorch_task *t = NULL;
        ck_assert_msg(taskorch_task_get(&t, db, ok[i]) == TASKORCH_OK, "%s: %s", ok[i],
                      taskorch_db_errmsg(db));
        ck_assert_str_eq(taskorch_task_id(t), "abce0003");
        ck_assert_str_eq(taskorch_task_title(t), "third");
        taskorch_task_free(t);
    }
    char full[TASKORCH_ID_SIZE];
    ck_assert_int_eq(taskorch_task_resolve(full, db, "abcd0002"), TASKORCH_OK);
    ck_assert_str_eq(full, "abcd0002");
    ck_assert_int_eq(taskorch_task_resolve(full, db, "abce"), TASKORCH_OK);
    ck_assert_str_eq(full, "abce0003");
    taskorch_db_close(db);
}
END_TEST

START_TEST(ambiguous_prefix_lists_candidates)
{
    make_known_ids();
    taskorch_db *db = fx_open("alice");
    static const char *const amb[] = { "abcd", "abcd0", "abcd000" };
    for (size_t i = 0; i < sizeof amb / sizeof *amb; i++) {
        taskorch_task *t = (taskorch_task *)1;
        ck_assert_int_eq(taskorch_task_get(&t, db, amb[i]), TASKORCH_EAMBIGUOUS);
        ck_assert_ptr_null(t);
        const char *msg = taskorch_db_errmsg(db);
        ck_assert_msg(fx_contains(msg, "abcd0001") && fx_contains(msg, "abcd0002"),
                      "candidates missing from '%s'", msg);
        ck_assert_msg(!fx_contains(msg, "abce0003"), "non-candidate in '%s'", msg);
    }
    char full[TASKORCH_ID_SIZE];
    ck_assert_int_eq(taskorch_task_resolve(full, db, "abc"), TASKORCH_EINVAL); /* too short */
    ck_assert_int_eq(taskorch_task_resolve(full, db, "abcd"), TASKORCH_EAMBIGUOUS);
    /* Writes through an ambiguous prefix change nothing. */
    ck_assert_int_eq(taskorch_task_complete(db, "abcd", NULL, 0), TASKORCH_EAMBIGUOUS);
    ck_assert_int_eq(taskorch_task_delete(db, "abcd", TASKORCH_FORCE), TASKORCH_EAMBIGUOUS);
    ck_assert_int_eq(fx_status(db, "abcd0001"), TASKORCH_STATUS_PENDING);
    ck_assert_int_eq(fx_status(db, "abcd0002"), TASKORCH_STATUS_PENDING);
    ck_assert_uint_eq(fx_task_count(db), 3);
    taskorch_db_close(db);
}
END_TEST

START_TEST(unknown_and_malformed_ids)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "only", -1, NULL);
    /* An id that cannot be this task's: flip its first character. */
    char other[TASKORCH_ID_SIZE];
    memcpy(other, id, sizeof other);
    other[0] = other[0] == '0' ? '1' : '0';
    taskorch_task *t = (taskorch_task *)1;
    ck_assert_int_eq(taskorch_task_get(&t, db, other), TASKORCH_ENOTFOUND);
    ck_assert_ptr_null(t);
    ck_assert(fx_contains(taskorch_db_errmsg(db), other));
    static const char *const malformed[] = { "", "abc", "xyz1", "abcd00012", "abcd-001",
                                             "12 4", "\xc3\xa9\xc3\xa9" };
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        t = (taskorch_task *)1;
        ck_assert_msg(taskorch_task_get(&t, db, malformed[i]) == TASKORCH_EINVAL, "'%s'",
                      malformed[i]);
        ck_assert_ptr_null(t);
        ck_assert(strlen(taskorch_db_errmsg(db)) > 0);
    }
    t = (taskorch_task *)1;
    ck_assert_int_eq(taskorch_task_get(&t, db, NULL), TASKORCH_EINVAL);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(taskorch_task_complete(db, other, NULL, 0), TASKORCH_ENOTFOUND);
    ck_assert_int_eq(taskorch_task_assign(db, other, "bob"), TASKORCH_ENOTFOUND);
    ck_assert_int_eq(taskorch_task_delete(db, other, 0), TASKORCH_ENOTFOUND);
    taskorch_task_change ch = TASKORCH_TASK_CHANGE_INIT;
    ch.title = "x";
    ck_assert_int_eq(taskorch_task_update(NULL, db, other, &ch), TASKORCH_ENOTFOUND);
    taskorch_db_close(db);
}
END_TEST

START_TEST(update_every_field)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    const char *tags[] = { "old", "keep" };
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = "before";
    spec.description = "old description";
    spec.tags = tags;
    spec.n_tags = 2;
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_create(&t, db, &spec), TASKORCH_OK);
    memcpy(id, taskorch_task_id(t), sizeof id);
    int64_t created = taskorch_task_created_at(t);
    taskorch_task_free(t);
    fx_wait_past_ms(created);

    const char *add[] = { "new" };
    const char *rm[] = { "old" };
    const char *files[] = { "lib/x.c:5" };
    taskorch_task_change ch = TASKORCH_TASK_CHANGE_INIT;
    ch.title = "after";
    ch.description = "new description";
    ch.priority = TASKORCH_PRIORITY_CRITICAL;
    ch.assignee = "carol";
    ch.add_tags = add;
    ch.n_add_tags = 1;
    ch.remove_tags = rm;
    ch.n_remove_tags = 1;
    ch.add_files = files;
    ch.n_add_files = 1;
    ck_assert_msg(taskorch_task_update(&t, db, id, &ch) == TASKORCH_OK, "%s",
                  taskorch_db_errmsg(db));
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(taskorch_task_title(t), "after");
    ck_assert_str_eq(taskorch_task_description(t), "new description");
    ck_assert_int_eq(taskorch_task_priority(t), TASKORCH_PRIORITY_CRITICAL);
    ck_assert_str_eq(taskorch_task_assignee(t), "carol");
    ck_assert_uint_eq(taskorch_task_tag_count(t), 2);
    ck_assert_str_eq(taskorch_task_tag(t, 0), "keep");
    ck_assert_str_eq(taskorch_task_tag(t, 1), "new");
    ck_assert_uint_eq(taskorch_task_file_count(t), 1);
    ck_assert_str_eq(taskorch_task_file_path(t, 0), "lib/x.c");
    ck_assert_int_eq(taskorch_task_file_line(t, 0), 5);
    ck_assert(taskorch_task_updated_at(t) > created);
    ck_assert(taskorch_task_created_at(t) == created);
    ck_assert_str_eq(taskorch_task_created_by(t), "alice");
    taskorch_task_free(t);
    ck_assert_uint_eq(fx_event_count(db, "updated", id), 2); /* fields; tags and files */
    ck_assert_uint_eq(fx_event_count(db, "assigned", id), 1);

    /* "" clears the description and unassigns. */
    taskorch_task_change clear = TASKORCH_TASK_CHANGE_INIT;
    clear.description = "";
    clear.assignee = "";
    ck_assert_int_eq(taskorch_task_update(&t, db, id, &clear), TASKORCH_OK);
    ck_assert_ptr_null(taskorch_task_description(t));
    ck_assert_ptr_null(taskorch_task_assignee(t));
    taskorch_task_free(t);
    taskorch_db_close(db);
}
END_TEST

START_TEST(update_refuses_bad_changes_and_keeps_task)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "stable", TASKORCH_PRIORITY_LOW, NULL);
    size_t events = fx_event_count(db, NULL, NULL);

    taskorch_task_change empty = TASKORCH_TASK_CHANGE_INIT;
    taskorch_task *t = (taskorch_task *)1;
    ck_assert_int_eq(taskorch_task_update(&t, db, id, &empty), TASKORCH_EINVAL);
    ck_assert_ptr_null(t);
    ck_assert(strlen(taskorch_db_errmsg(db)) > 0);

    taskorch_task_change ch = TASKORCH_TASK_CHANGE_INIT;
    ch.title = "   ";
    ck_assert_int_eq(taskorch_task_update(NULL, db, id, &ch), TASKORCH_EINVAL);
    ch.title = "ok title";
    ch.priority = 4;
    ck_assert_int_eq(taskorch_task_update(NULL, db, id, &ch), TASKORCH_EINVAL);
    ch.priority = -1;
    ch.status = 5;
    ck_assert_int_eq(taskorch_task_update(NULL, db, id, &ch), TASKORCH_EINVAL);
    ch.status = -1;
    ch.assignee = "two words";
    ck_assert_int_eq(taskorch_task_update(NULL, db, id, &ch), TASKORCH_EINVAL);
    ch.assignee = NULL;
    const char *bad_tags[] = { "fine", "has,comma" };
    ch.add_tags = bad_tags;
    ch.n_add_tags = 2;
    ck_assert_int_eq(taskorch_task_update(NULL, db, id, &ch), TASKORCH_EINVAL);
    ch.add_tags = NULL;
    ch.n_add_tags = 1; /* count without an array */
    ck_assert_int_eq(taskorch_task_update(NULL, db, id, &ch), TASKORCH_EINVAL);
    ch.n_add_tags = 0;
    ch.n_remove_tags = 1; /* count without an array */
    ck_assert_int_eq(taskorch_task_update(NULL, db, id, &ch), TASKORCH_EINVAL);
    ch.n_remove_tags = 0;
    ch.n_add_files = 1; /* count without an array */
    ck_assert_int_eq(taskorch_task_update(NULL, db, id, &ch), TASKORCH_EINVAL);
    ch.n_add_files = 0;
    ch.description = "bad \xff utf-8";
    ck_assert_int_eq(taskorch_task_update(NULL, db, id, &ch), TASKORCH_EINVAL);

    ck_assert_int_eq(taskorch_task_get(&t, db, id), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_title(t), "stable");
    ck_assert_int_eq(taskorch_task_priority(t), TASKORCH_PRIORITY_LOW);
    ck_assert_ptr_null(taskorch_task_description(t));
    ck_assert_uint_eq(taskorch_task_tag_count(t), 0);
    taskorch_task_free(t);
    ck_assert_uint_eq(fx_event_count(db, NULL, NULL), events);
    taskorch_db_close(db);
}
END_TEST

START_TEST(complete_records_summary_and_time)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "finish me", -1, NULL);
    ck_assert_int_eq(taskorch_task_complete(db, id, "done: all green", 0), TASKORCH_OK);
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_get(&t, db, id), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_status(t), TASKORCH_STATUS_COMPLETED);
    ck_assert_str_eq(taskorch_task_summary(t), "done: all green");
    ck_assert(taskorch_task_completed_at(t) >= taskorch_task_created_at(t));
    ck_assert(taskorch_task_completed_at(t) > 0);
    taskorch_task_free(t);
    ck_assert_uint_eq(fx_event_count(db, "status", id), 1);

    /* Without a summary: none stored. */
    char id2[TASKORCH_ID_SIZE];
    fx_add(id2, db, "no summary", -1, NULL);
    ck_assert_int_eq(taskorch_task_complete(db, id2, NULL, 0), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_get(&t, db, id2), TASKORCH_OK);
    ck_assert_ptr_null(taskorch_task_summary(t));
    taskorch_task_free(t);

    /* Completing by prefix works. */
    char id3[TASKORCH_ID_SIZE], prefix[5];
    fx_add(id3, db, "by prefix", -1, NULL);
    memcpy(prefix, id3, 4);
    prefix[4] = '\0';
    int rc = taskorch_task_complete(db, prefix, NULL, 0);
    /* The prefix may collide with the other two tasks' ids by chance. */
    if (strncmp(prefix, id, 4) && strncmp(prefix, id2, 4)) {
        ck_assert_int_eq(rc, TASKORCH_OK);
        ck_assert_int_eq(fx_status(db, id3), TASKORCH_STATUS_COMPLETED);
    } else {
        ck_assert_int_eq(rc, TASKORCH_EAMBIGUOUS);
    }
    taskorch_db_close(db);
}
END_TEST

START_TEST(assign_and_unassign)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "who does it", -1, NULL);
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_assign(db, id, "bob"), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_get(&t, db, id), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_assignee(t), "bob");
    taskorch_task_free(t);
    ck_assert_int_eq(taskorch_task_assign(db, id, "carol"), TASKORCH_OK);
    ck_assert_uint_eq(fx_event_count(db, "assigned", id), 2);
    ck_assert_int_eq(taskorch_task_assign(db, id, "not valid"), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_task_get(&t, db, id), TASKORCH_OK);
    ck_assert_str_eq(taskorch_task_assignee(t), "carol");
    taskorch_task_free(t);
    ck_assert_int_eq(taskorch_task_assign(db, id, NULL), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_get(&t, db, id), TASKORCH_OK);
    ck_assert_ptr_null(taskorch_task_assignee(t));
    taskorch_task_free(t);
    ck_assert_int_eq(taskorch_task_assign(db, id, "dave"), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_assign(db, id, ""), TASKORCH_OK);
    ck_assert_int_eq(taskorch_task_get(&t, db, id), TASKORCH_OK);
    ck_assert_ptr_null(taskorch_task_assignee(t));
    taskorch_task_free(t);
    taskorch_db_close(db);
}
END_TEST

static int64_t rows_for(const char *table, const char *column, const char *id)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s = '%s'", table, column, id);
    return fx_sql_int(fx_store_file(), sql);
}

START_TEST(delete_leaves_nothing_behind)
{
    taskorch_db *db = fx_open("alice");
    char other[TASKORCH_ID_SIZE];
    fx_add(other, db, "prerequisite", -1, NULL);
    const char *tags[] = { "t1" };
    const char *files[] = { "a.c:1" };
    const char *deps[] = { other };
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = "doomed";
    spec.tags = tags;
    spec.n_tags = 1;
    spec.files = files;
    spec.n_files = 1;
    spec.depends_on = deps;
    spec.n_depends_on = 1;
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_create(&t, db, &spec), TASKORCH_OK);
    char id[TASKORCH_ID_SIZE];
    memcpy(id, taskorch_task_id(t), sizeof id);
    taskorch_task_free(t);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_NOTE, "private", NULL),
                     TASKORCH_OK);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_SHARE, "public", NULL),
                     TASKORCH_OK);

    ck_assert_int_eq(taskorch_task_delete(db, id, 0), TASKORCH_OK);
    t = (taskorch_task *)1;
    ck_assert_int_eq(taskorch_task_get(&t, db, id), TASKORCH_ENOTFOUND);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(taskorch_task_delete(db, id, 0), TASKORCH_ENOTFOUND);
    ck_assert_uint_eq(fx_event_count(db, "deleted", NULL), 1);
    ck_assert_uint_eq(fx_dep_count(db, other), 0);
    ck_assert_uint_eq(fx_task_count(db), 1);
    taskorch_db_close(db);

    ck_assert_int_eq(rows_for("tasks", "id", id), 0);
    ck_assert_int_eq(rows_for("deps", "task_id", id), 0);
    ck_assert_int_eq(rows_for("tags", "task_id", id), 0);
    ck_assert_int_eq(rows_for("files", "task_id", id), 0);
    ck_assert_int_eq(rows_for("messages", "task_id", id), 0);
    ck_assert_int_eq(rows_for("participants", "task_id", id), 0);
    /* No private note survives in the feed either. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM events WHERE task_id = '%s' AND kind = 'note'", id);
    ck_assert_int_eq(fx_sql_int(fx_store_file(), sql), 0);
}
END_TEST

START_TEST(delete_with_dependents)
{
    taskorch_db *db = fx_open("alice");
    char base[TASKORCH_ID_SIZE], d1[TASKORCH_ID_SIZE], d2[TASKORCH_ID_SIZE];
    fx_add(base, db, "base", -1, NULL);
    fx_add(d1, db, "needs base", -1, base, NULL);
    fx_add(d2, db, "also needs base", -1, base, NULL);
    ck_assert_int_eq(fx_status(db, d1), TASKORCH_STATUS_BLOCKED);

    ck_assert_int_eq(taskorch_task_delete(db, base, 0), TASKORCH_EHASDEPENDENTS);
    const char *msg = taskorch_db_errmsg(db);
    ck_assert_msg(fx_contains(msg, d1) && fx_contains(msg, d2), "dependents missing: '%s'", msg);
    ck_assert_uint_eq(fx_task_count(db), 3);
    ck_assert_uint_eq(fx_dep_count(db, d1), 1);
    ck_assert_uint_eq(fx_event_count(db, "deleted", NULL), 0);

    ck_assert_int_eq(taskorch_task_delete(db, base, TASKORCH_FORCE), TASKORCH_OK);
    ck_assert_uint_eq(fx_task_count(db), 2);
    ck_assert_uint_eq(fx_dep_count(db, d1), 0);
    ck_assert_uint_eq(fx_dep_count(db, d2), 0);
    /* With their only dependency gone, they are ready. */
    ck_assert_int_eq(fx_status(db, d1), TASKORCH_STATUS_PENDING);
    ck_assert_int_eq(fx_status(db, d2), TASKORCH_STATUS_PENDING);
    taskorch_db_close(db);
}
END_TEST

/* Tries a spec that must be refused and asserts nothing was stored. */
static void assert_refused(taskorch_db *db, const taskorch_task_spec *spec, int expected)
{
    size_t tasks = fx_task_count(db);
    size_t events = fx_event_count(db, NULL, NULL);
    taskorch_task *t = (taskorch_task *)1;
    int rc = taskorch_task_create(&t, db, spec);
    ck_assert_msg(rc == expected, "create gave %d (%s), expected %d", rc, taskorch_db_errmsg(db),
                  expected);
    ck_assert_ptr_null(t);
    ck_assert(strlen(taskorch_db_errmsg(db)) > 0);
    ck_assert_uint_eq(fx_task_count(db), tasks);
    ck_assert_uint_eq(fx_event_count(db, NULL, NULL), events);
}

START_TEST(create_refuses_bad_titles)
{
    taskorch_db *db = fx_open("alice");
    char long_title[4 * 501 + 1];
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    static const char *const bad[] = { "", "   ", " \t\n ", "bell\x07", "esc\x1b[0m",
                                       "del\x7f", "bad \xff utf-8", "\xc3\x28",
                                       "\xed\xa0\x80 surrogate", "\xc0\xaf overlong" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        spec.title = bad[i];
        assert_refused(db, &spec, TASKORCH_EINVAL);
    }
    spec.title = NULL;
    assert_refused(db, &spec, TASKORCH_EINVAL);

    /* 500 characters (here 4-byte ones) is the limit, not 500 bytes. */
    for (int i = 0; i < 500; i++)
        memcpy(long_title + 4 * i, "\xf0\x9f\x98\x80", 4);
    long_title[4 * 500] = '\0';
    spec.title = long_title;
    ck_assert_msg(taskorch_task_create(NULL, db, &spec) == TASKORCH_OK, "500 chars: %s",
                  taskorch_db_errmsg(db));
    memset(long_title, 'x', 501);
    long_title[501] = '\0';
    assert_refused(db, &spec, TASKORCH_EINVAL);
    ck_assert(fx_contains(taskorch_db_errmsg(db), "500"));
    long_title[500] = '\0';
    ck_assert_int_eq(taskorch_task_create(NULL, db, &spec), TASKORCH_OK);
    taskorch_db_close(db);
}
END_TEST

START_TEST(create_refuses_bad_fields)
{
    taskorch_db *db = fx_open("alice");
    char real[TASKORCH_ID_SIZE];
    fx_add(real, db, "exists", -1, NULL);
    taskorch_task_spec spec = TASKORCH_TASK_SPEC_INIT;
    spec.title = "fine title";

    spec.priority = 4;
    assert_refused(db, &spec, TASKORCH_EINVAL);
    spec.priority = -2;
    assert_refused(db, &spec, TASKORCH_EINVAL);
    spec.priority = -1;

    spec.description = "bad \xfe";
    assert_refused(db, &spec, TASKORCH_EINVAL);
    spec.description = "ctrl \x01";
    assert_refused(db, &spec, TASKORCH_EINVAL);
    spec.description = NULL;

    spec.assignee = "a/b";
    assert_refused(db, &spec, TASKORCH_EINVAL);
    spec.assignee = NULL;

    const char *bad_tags[][1] = { { "" }, { "two words" }, { "a,b" } };
    for (size_t i = 0; i < 3; i++) {
        spec.tags = bad_tags[i];
        spec.n_tags = 1;
        assert_refused(db, &spec, TASKORCH_EINVAL);
    }
    spec.tags = NULL; /* count without an array */
    assert_refused(db, &spec, TASKORCH_EINVAL);
    spec.n_tags = 0;

    const char *bad_files[][1] = { { "" }, { ":12" }, { "a.c:9:3" }, { "a\nb.c" } };
    for (size_t i = 0; i < 4; i++) {
        spec.files = bad_files[i];
        spec.n_files = 1;
        assert_refused(db, &spec, TASKORCH_EINVAL);
    }
    spec.files = NULL;
    spec.n_files = 0;

    char missing[TASKORCH_ID_SIZE];
    memcpy(missing, real, sizeof missing);
    missing[0] = missing[0] == '0' ? '1' : '0';
    const char *deps_missing[] = { real, missing };
    spec.depends_on = deps_missing;
    spec.n_depends_on = 2;
    assert_refused(db, &spec, TASKORCH_ENOTFOUND);
    ck_assert(fx_contains(taskorch_db_errmsg(db), missing));
    const char *deps_bad[] = { "zz" };
    spec.depends_on = deps_bad;
    spec.n_depends_on = 1;
    assert_refused(db, &spec, TASKORCH_EINVAL);
    spec.depends_on = NULL;
    assert_refused(db, &spec, TASKORCH_EINVAL);
    spec.n_depends_on = 0;

    ck_assert_int_eq(taskorch_task_create(NULL, db, NULL), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_task_create(NULL, db, &spec), TASKORCH_OK);
    taskorch_db_close(db);
}
END_TEST

START_TEST(free_functions_accept_null)
{
    taskorch_task_free(NULL);
    taskorch_task_iter_free(NULL);
    taskorch_msg_iter_free(NULL);
    taskorch_event_iter_free(NULL);
    taskorch_free(NULL);
    taskorch_db_close(NULL);
}
END_TEST

START_TEST(task_outlives_its_handle)
{
    /* A task object owns its strings: it stays readable after close. */
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE];
    fx_add(id, db, "independent", -1, NULL);
    taskorch_task *t = NULL;
    ck_assert_int_eq(taskorch_task_get(&t, db, id), TASKORCH_OK);
    taskorch_db_close(db);
    ck_assert_str_eq(taskorch_task_title(t), "independent");
    ck_assert_str_eq(taskorch_task_id(t), id);
    taskorch_task_free(t);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("tasks");
    TCase *tc = fx_tcase("create");
    tcase_add_test(tc, create_minimal_defaults);
    tcase_add_test(tc, create_full_and_get_every_field);
    tcase_add_test(tc, text_round_trips_exactly);
    tcase_add_test(tc, create_refuses_bad_titles);
    tcase_add_test(tc, create_refuses_bad_fields);
    suite_add_tcase(s, tc);

    tc = fx_tcase("resolve");
    tcase_add_test(tc, get_by_prefix);
    tcase_add_test(tc, ambiguous_prefix_lists_candidates);
    tcase_add_test(tc, unknown_and_malformed_ids);
    suite_add_tcase(s, tc);

    tc = fx_tcase("change");
    tcase_add_test(tc, update_every_field);
    tcase_add_test(tc, update_refuses_bad_changes_and_keeps_task);
    tcase_add_test(tc, complete_records_summary_and_time);
    tcase_add_test(tc, assign_and_unassign);
    tcase_add_test(tc, delete_leaves_nothing_behind);
    tcase_add_test(tc, delete_with_dependents);
    suite_add_tcase(s, tc);

    tc = fx_tcase("ownership");
    tcase_add_test(tc, free_functions_accept_null);
    tcase_add_test(tc, task_outlives_its_handle);
    suite_add_tcase(s, tc);
    return s;
}
