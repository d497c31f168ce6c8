/* test_maintenance.c - the 0.2 API for looking after a store: the handle's
 * warning when the mirror cannot be written, taskorch_check,
 * taskorch_mirror_rebuild and taskorch_db_backup, with their NULL and
 * error cases. */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t count_findings(char **v)
{
    size_t n = 0;
    while (v[n])
        n++;
    return n;
}

START_TEST(warning_reports_a_skipped_mirror_and_clears)
{
    taskorch_db *db = fx_open("alice");
    ck_assert_ptr_null(taskorch_db_warning(NULL));
    ck_assert_ptr_null(taskorch_db_warning(db));
    char id[TASKORCH_ID_SIZE], contexts[FX_PATH_SIZE], elsewhere[FX_PATH_SIZE];
    fx_add(id, db, "t", -1, NULL);
    fx_path(contexts, "store/contexts");
    fx_path(elsewhere, "elsewhere");
    ck_assert_int_eq(mkdir(elsewhere, 0700), 0);
    char old[FX_PATH_SIZE];
    ck_assert_int_eq(rename(contexts, fx_path(old, "store/contexts.old")), 0);
    ck_assert_int_eq(symlink(elsewhere, fx_path(contexts, "store/contexts")), 0);
    /* The write commits; the mirror is skipped with a reason. */
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_SHARE, "hello", NULL),
                     TASKORCH_OK);
    ck_assert_ptr_nonnull(taskorch_db_warning(db));
    ck_assert_msg(fx_contains(taskorch_db_warning(db), "contexts is a symbolic link"), "%s",
                  taskorch_db_warning(db));
    char inside[FX_PATH_SIZE], rel[64];
    snprintf(rel, sizeof rel, "elsewhere/context_%s.md", id);
    fx_path(inside, rel);
    ck_assert(!fx_exists(inside));
    /* The next write that can update the mirror clears it. */
    ck_assert_int_eq(unlink(contexts), 0);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_SHARE, "again", NULL),
                     TASKORCH_OK);
    ck_assert_ptr_null(taskorch_db_warning(db));
    taskorch_db_close(db);
}
END_TEST

/* A whole file as a NUL-terminated string (fx_read_file adds no NUL). */
static char *read_text(const char *path)
{
    size_t len;
    char *raw = fx_read_file(path, &len);
    char *text = strndup(raw, len);
    free(raw);
    ck_assert_ptr_nonnull(text);
    return text;
}

/* The mirror observes committed writes only: a write refused inside its
 * transaction leaves the files as they were, also after the next write. */
START_TEST(mirror_sees_only_committed_writes)
{
    taskorch_db *db = fx_open("alice");
    char a[TASKORCH_ID_SIZE], b[TASKORCH_ID_SIZE], file[FX_PATH_SIZE], rel[64];
    fx_add(a, db, "first", -1, NULL);
    fx_add(b, db, "second title", -1, a, NULL); /* b waits for a */
    snprintf(rel, sizeof rel, "store/contexts/context_%s.md", b);
    fx_path(file, rel);
    char *text = read_text(file);
    ck_assert(fx_contains(text, "second title"));
    free(text);
    /* Renaming b and completing it in one update is refused (a is open). */
    taskorch_task_change u = TASKORCH_TASK_CHANGE_INIT;
    u.title = "renamed";
    u.status = TASKORCH_STATUS_COMPLETED;
    ck_assert_int_eq(taskorch_task_update(NULL, db, b, &u), TASKORCH_EBLOCKED);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, a, TASKORCH_MSG_SHARE, "hi", NULL), TASKORCH_OK);
    text = read_text(file);
    ck_assert(fx_contains(text, "second title"));
    ck_assert(!fx_contains(text, "renamed"));
    free(text);
    /* The same rename alone commits, and the observer writes it. */
    u.status = -1;
    ck_assert_int_eq(taskorch_task_update(NULL, db, b, &u), TASKORCH_OK);
    text = read_text(file);
    ck_assert(fx_contains(text, "renamed"));
    free(text);
    taskorch_db_close(db);
}
END_TEST

START_TEST(check_and_rebuild)
{
    char **v = (char **)1;
    ck_assert_int_eq(taskorch_check(&v, NULL), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_check(NULL, NULL), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_mirror_rebuild(NULL), TASKORCH_EINVAL);
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE], file[FX_PATH_SIZE], name[64];
    fx_add(id, db, "t", -1, NULL);
    ck_assert_int_eq(taskorch_msg_post(NULL, db, id, TASKORCH_MSG_NOTE, "mine", NULL), TASKORCH_OK);
    ck_assert_int_eq(taskorch_check(&v, db), TASKORCH_OK);
    ck_assert_msg(count_findings(v) == 0, "%s", v[0]);
    taskorch_free(v);
    snprintf(name, sizeof name, "store/notes/notes_%s_alice.md", id);
    ck_assert_int_eq(unlink(fx_path(file, name)), 0);
    ck_assert_int_eq(taskorch_check(&v, db), TASKORCH_OK);
    ck_assert_int_eq(count_findings(v), 1);
    ck_assert_msg(!strncmp(v[0], "mirror: notes/notes_", 20) && fx_contains(v[0], "missing"), "%s",
                  v[0]);
    taskorch_free(v);
    ck_assert_int_eq(taskorch_mirror_rebuild(db), TASKORCH_OK);
    ck_assert(fx_exists(file));
    ck_assert_int_eq(taskorch_check(&v, db), TASKORCH_OK);
    ck_assert_int_eq(count_findings(v), 0);
    taskorch_free(v);
    taskorch_db_close(db);
}
END_TEST

START_TEST(rebuild_needs_a_mirror)
{
    taskorch_db *db = fx_open("alice");
    taskorch_db_close(db);
    char path[FX_PATH_SIZE];
    fx_path(path, "store");
    ck_assert_int_eq(fx_try_open(&db, path, TASKORCH_OPEN_NO_MIRROR, "alice"), TASKORCH_OK);
    ck_assert_int_eq(taskorch_mirror_rebuild(db), TASKORCH_EINVAL);
    ck_assert(strlen(taskorch_db_errmsg(db)) > 0);
    taskorch_db_close(db);
    ck_assert_int_eq(fx_try_open(&db, path, TASKORCH_OPEN_READONLY, "alice"), TASKORCH_OK);
    ck_assert_int_eq(taskorch_mirror_rebuild(db), TASKORCH_EREADONLY);
    char **v = NULL;
    ck_assert_int_eq(taskorch_check(&v, db), TASKORCH_OK); /* the store part only */
    ck_assert_int_eq(count_findings(v), 0);
    taskorch_free(v);
    taskorch_db_close(db);
    ck_assert_int_eq(fx_try_open(&db, TASKORCH_MEMORY, 0, "alice"), TASKORCH_OK);
    ck_assert_int_eq(taskorch_check(&v, db), TASKORCH_OK);
    ck_assert_int_eq(count_findings(v), 0);
    taskorch_free(v);
    taskorch_db_close(db);
}
END_TEST

START_TEST(backup_copies_and_refuses)
{
    taskorch_db *db = fx_open("alice");
    char id[TASKORCH_ID_SIZE], copy[FX_PATH_SIZE], bad[FX_PATH_SIZE];
    fx_add(id, db, "kept", -1, NULL);
    fx_path(copy, "copy.db");
    ck_assert_int_eq(taskorch_db_backup(NULL, copy, 0), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_db_backup(db, NULL, 0), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_db_backup(db, "", 0), TASKORCH_EINVAL);
    ck_assert_int_eq(taskorch_db_backup(db, copy, 0x80), TASKORCH_EINVAL);
    ck_assert(!fx_exists(copy));
    ck_assert_int_eq(taskorch_db_backup(db, fx_path(bad, "no/such/copy.db"), 0), TASKORCH_ESTORE);
    ck_assert_msg(fx_contains(taskorch_db_errmsg(db), "does not exist"), "%s",
                  taskorch_db_errmsg(db));
    ck_assert_int_eq(taskorch_db_backup(db, copy, 0), TASKORCH_OK);
    struct stat sb;
    ck_assert_int_eq(stat(copy, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_int_eq(taskorch_db_backup(db, copy, 0), TASKORCH_EINVAL);
    ck_assert(fx_contains(taskorch_db_errmsg(db), "exists"));
    fx_add(id, db, "later", -1, NULL);
    ck_assert_int_eq(taskorch_db_backup(db, copy, TASKORCH_FORCE), TASKORCH_OK);
    taskorch_db_close(db);
    ck_assert_int_eq(fx_try_open(&db, copy, 0, "bob"), TASKORCH_OK);
    ck_assert_int_eq(fx_task_count(db), 2);
    char **v = NULL;
    ck_assert_int_eq(taskorch_check(&v, db), TASKORCH_OK);
    ck_assert_msg(count_findings(v) == 0, "%s", v[0]);
    taskorch_free(v);
    taskorch_db_close(db);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("maintenance");
    TCase *tc = fx_tcase("maintenance");
    tcase_add_test(tc, warning_reports_a_skipped_mirror_and_clears);
    tcase_add_test(tc, check_and_rebuild);
    tcase_add_test(tc, mirror_sees_only_committed_writes);
    tcase_add_test(tc, rebuild_needs_a_mirror);
    tcase_add_test(tc, backup_copies_and_refuses);
    suite_add_tcase(s, tc);
    return s;
}
