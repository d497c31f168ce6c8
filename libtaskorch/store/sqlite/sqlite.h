/*
 * sqlite.h - the SQLite backend's private definitions. Only files of this
 * folder include it (and with it sqlite3.h).
 */
#ifndef TASKORCH_STORE_SQLITE_H
#define TASKORCH_STORE_SQLITE_H

#include <sqlite3.h>

#include "internal.h"
#include "store.h"

/* Prepared statements kept per handle, keyed by the SQL literal's address. */
#define STMT_CACHE_SIZE 64

struct stmt_slot {
    const char *sql;
    sqlite3_stmt *stmt;
};

struct store {
    sqlite3 *sql;
    struct stmt_slot stmts[STMT_CACHE_SIZE];
    bool no_wait; /* a checkpoint after a commit: never wait for a lock */
    /* feed.c: the change watch of sq_change_wait */
    enum { WATCH_NONE, WATCH_ON, WATCH_OFF } watch;
    int watch_fd;
    int64_t hot_until_us; /* poll closely until then: a commit is under way */
};

/* The connection of a handle whose store is open. */
#define SQL(db) ((db)->store->sql)

/* ---- conn.c: connection, statements, transactions ---- */
/* Cached prepared statement for a static SQL literal, reset and cleared of
 * bindings; NULL on failure (error recorded). */
sqlite3_stmt *db_stmt(taskorch_db *db, const char *sql);
/* Runs a statement expecting no rows; returns a taskorch code. */
int db_step_done(taskorch_db *db, sqlite3_stmt *st);
/* Binds a string or NULL. */
void bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Duplicates a column (NULL stays NULL). */
char *col_strdup(sqlite3_stmt *st, int col);
/* Maps an SQLite result to a taskorch code, recording SQLite's message. */
int db_sqlfail(taskorch_db *db, int sqlite_rc, const char *what);
/* The busy handler's wait, for calls that never call it. */
int sq_busy_wait(taskorch_db *db, int count);

/* ---- schema.c ---- */
enum schema_need { SCHEMA_READY, SCHEMA_CREATE, SCHEMA_UPGRADE };
/* Refuses a foreign or newer file without touching it; *needs tells
 * whether the store must be created or upgraded (schema_prepare does it). */
int schema_validate(taskorch_db *db, enum schema_need *needs);
int schema_prepare(taskorch_db *db, bool may_create);

/* The operations, one file per concern (tasks.c, queue.c, feed.c). */
int sq_open(taskorch_db *db);
void sq_close(taskorch_db *db);
int sq_begin(taskorch_db *db);
int sq_commit(taskorch_db *db);
void sq_rollback(taskorch_db *db);
int sq_read_begin(taskorch_db *db);
void sq_read_end(taskorch_db *db);
int64_t sq_changes(taskorch_db *db);

int sq_task_ids_with_prefix(taskorch_db *db, const char *prefix, char (*out)[TASKORCH_ID_SIZE],
                            size_t max, size_t *n);
int sq_task_load(taskorch_db *db, const char *id, taskorch_task *t);
int sq_task_load_details(taskorch_db *db, taskorch_task *t);
int sq_task_status(taskorch_db *db, const char *id, int *status);
int sq_task_state(taskorch_db *db, const char *id, int *status, int *manual, int64_t *claim);
int sq_task_waiting(taskorch_db *db, const char *id, int *status, int *manual, int *waiting);
int sq_task_holding(taskorch_db *db, const char *id, int *status, char **assignee, int64_t *claim,
                    int64_t *lease_expires);
int sq_task_ids(taskorch_db *db, enum store_ids which, const char *id, store_id_fn fn, void *ctx);
int sq_open_task_ids(taskorch_db *db, int64_t limit, store_id_fn fn, void *ctx);
int sq_task_insert(taskorch_db *db, const struct store_new_task *t);
int sq_task_patch(taskorch_db *db, const char *id, const char *title, const char *description,
                  int priority, double estimate, int64_t now);
int sq_task_touch(taskorch_db *db, const char *id, int64_t now);
int sq_task_set_assignee(taskorch_db *db, const char *id, const char *assignee, int64_t now);
int sq_task_set_summary(taskorch_db *db, const char *id, const char *summary);
int sq_task_set_status(taskorch_db *db, const char *id, int to, bool manual, const char *summary,
                       int64_t now);
int sq_task_auto_status(taskorch_db *db, const char *id, int to, int64_t now, char **assignee);
int sq_task_clear_manual_block(taskorch_db *db, const char *id, int64_t now);
int sq_task_delete(taskorch_db *db, const char *id);
int sq_tag_add(taskorch_db *db, const char *id, const char *tag, bool *added);
int sq_tag_remove(taskorch_db *db, const char *id, const char *tag, bool *removed);
int sq_file_add(taskorch_db *db, const char *id, const char *path, int line, int end);
int sq_task_list(taskorch_db *db, const taskorch_task_query *q, taskorch_task_iter *it);
int sq_dep_tasks(taskorch_db *db, const char *id, int direction, taskorch_task_iter *it);
int sq_edge_add(taskorch_db *db, const char *task, const char *dep, int64_t now, bool *added);
int sq_edge_remove(taskorch_db *db, const char *task, const char *dep, bool *removed);

int sq_next_ready(taskorch_db *db, const char *who, int priority, const char *tag,
                  char id[TASKORCH_ID_SIZE], int *prio, int64_t *created, bool *found);
int sq_oldest_in_progress(taskorch_db *db, const char *agent, char id[TASKORCH_ID_SIZE],
                          bool *found);
int sq_task_take(taskorch_db *db, const char *id, const char *agent, int64_t claim,
                 int64_t lease_ms, int64_t now);
int sq_task_renew(taskorch_db *db, const char *id, int64_t lease_ms, int64_t now);
int sq_task_release(taskorch_db *db, const char *id, int to, bool unassign, int64_t now);
int sq_leases_ended(taskorch_db *db, int64_t now, store_lease_fn fn, void *ctx);
int sq_lease_first(taskorch_db *db, int64_t *first);
int sq_request_get(taskorch_db *db, const char *agent, const char *request_id, char *op,
                   size_t op_size, char *fp, size_t fp_size, char *result, size_t result_size);
int sq_request_put(taskorch_db *db, const char *agent, const char *request_id, const char *op,
                   const char *fp, const char *result, int64_t now);
int sq_config_get(taskorch_db *db, const char *key, char **value);
int sq_config_set(taskorch_db *db, const char *key, const char *value);

int sq_event_append(taskorch_db *db, const struct store_event *e, int64_t *id);
int sq_event_set_claim(taskorch_db *db, int64_t id, int64_t claim);
int sq_event_last_id(taskorch_db *db, int64_t *id);
int sq_event_list(taskorch_db *db, const taskorch_event_query *q, const char *task,
                  taskorch_event_iter *it);
int sq_change_token(taskorch_db *db, int64_t *token);
int sq_change_wait(taskorch_db *db, int timeout_ms);
void sq_watch_close(taskorch_db *db);
int sq_cursor_get(taskorch_db *db, const char *consumer, int64_t *event_id);
int sq_cursor_set(taskorch_db *db, const char *consumer, int64_t event_id, int64_t now);
int sq_msg_insert(taskorch_db *db, const char *id, int kind, const char *text, int64_t now,
                  int64_t *msg_id);
int sq_msg_list(taskorch_db *db, const char *id, const taskorch_msg_query *q,
                taskorch_msg_iter *it);
int sq_participant_add(taskorch_db *db, const char *id, const char *agent, int64_t now,
                       bool *added);
int sq_participants(taskorch_db *db, const char *id, store_id_fn fn, void *ctx);
int sq_note_authors(taskorch_db *db, store_pair_fn fn, void *ctx);
void sq_check(taskorch_db *db, void (*report)(void *ctx, const char *problem), void *ctx);
int sq_backup(taskorch_db *db, const char *tmp);

#endif
