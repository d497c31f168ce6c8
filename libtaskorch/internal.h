/*
 * internal.h - shared definitions of libtaskorch's source files. Nothing
 * here is exported; the public API is include/taskorch.h.
 */
#ifndef TASKORCH_INTERNAL_H
#define TASKORCH_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "taskorch.h"

/* Current schema version, stored in PRAGMA user_version. */
#define SCHEMA_VERSION 1

/* Longest agent id, tag, and description/summary, in bytes. */
#define AGENT_MAX 64
#define TAG_MAX 64
#define CONSUMER_MAX 128
#define LONG_TEXT_MAX TASKORCH_MSG_MAX

/* Prepared statements kept per handle, keyed by the SQL literal's address. */
#define STMT_CACHE_SIZE 64

struct stmt_slot {
    const char *sql;
    sqlite3_stmt *stmt;
};

struct taskorch_db {
    sqlite3 *sql;
    char *path;
    char *dir; /* folder holding the store file */
    char *agent;
    unsigned int flags; /* TASKORCH_OPEN_* */
    int busy_timeout_ms;
    int64_t busy_started_us; /* when the current lock wait began */
    uint64_t rng;            /* jitter for the busy handler */
    struct stmt_slot stmts[STMT_CACHE_SIZE];
    char errmsg[1024];
};

/* ---- growable string (strbuf.c) ---- */
struct strbuf {
    char *buf;
    size_t len, cap;
    bool failed; /* an allocation failed; buf holds what fit */
};
void sb_init(struct strbuf *sb);
void sb_add(struct strbuf *sb, const char *s);
void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sb_steal(struct strbuf *sb); /* NULL if an allocation failed */
void sb_free(struct strbuf *sb);

/* ---- errors (error.c) ---- */
/* Records a message on the handle and returns code. */
int db_fail(taskorch_db *db, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Maps an SQLite result to a taskorch code, recording SQLite's message. */
int db_sqlfail(taskorch_db *db, int sqlite_rc, const char *what);
void db_clear_error(taskorch_db *db);

/* ---- text rules (validate.c) ---- */
bool utf8_valid(const char *s, size_t len);
size_t utf8_chars(const char *s);
bool text_blank(const char *s);
int check_title(taskorch_db *db, const char *title);
int check_long_text(taskorch_db *db, const char *what, const char *text);
int check_agent(taskorch_db *db, const char *what, const char *agent);
int check_name(taskorch_db *db, const char *what, const char *name, size_t max);
/* A cursor's consumer name: agent id rules, up to CONSUMER_MAX, '/' allowed. */
int check_consumer(taskorch_db *db, const char *name);
int check_tag(taskorch_db *db, const char *tag);
/* Splits "path[:line[:end]]"; path is a new string. */
int parse_file_ref(taskorch_db *db, const char *ref, char **path, int *line, int *end);
bool is_hex_id(const char *s, size_t min_len, size_t max_len);

/* ---- util.c ---- */
int64_t now_ms(void);
int64_t now_us(void);
char *xstrdup(const char *s);
/* Makes room for element n of the growable array *arrp (a T ** passed as
 * void *) holding *cap elements of elem bytes; false when out of memory,
 * the array left as it was. */
bool grow_array(void *arrp, size_t *cap, size_t n, size_t elem);
void random_id(char out[TASKORCH_ID_SIZE]);

/* ---- store.c: connection, statements, transactions ---- */
/* Cached prepared statement for a static SQL literal, reset and cleared of
 * bindings; NULL on failure (error recorded). */
sqlite3_stmt *db_stmt(taskorch_db *db, const char *sql);
/* Starts a write transaction (BEGIN IMMEDIATE). */
int db_begin(taskorch_db *db);
int db_commit(taskorch_db *db);
/* Rolls back and returns rc (so callers can `return db_rollback(db, rc)`). */
int db_rollback(taskorch_db *db, int rc);
/* Runs a statement expecting no rows; returns a taskorch code. */
int db_step_done(taskorch_db *db, sqlite3_stmt *st);
/* Binds a string or NULL. */
void bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Duplicates a column (NULL stays NULL). */
char *col_strdup(sqlite3_stmt *st, int col);

/* ---- schema.c ---- */
int schema_prepare(taskorch_db *db, bool may_create);

/* ---- event.c ---- */
/* Appends an event in the caller's transaction. visible_to NULL: everyone. */
int event_add(taskorch_db *db, const char *kind, const char *task_id, const char *text,
              const char *visible_to);
/* The same, naming the agent the event hands the task to (for --mine). */
int event_add_about(taskorch_db *db, const char *kind, const char *task_id, const char *text,
                    const char *visible_to, const char *subject);

/* ---- task.c ---- */
struct file_ref {
    char *path;
    int line, end;
};
struct taskorch_task {
    char id[TASKORCH_ID_SIZE];
    char *title, *description, *assignee, *created_by, *summary;
    int status, priority, manual_block;
    int64_t created_at, updated_at, completed_at;
    char **tags;
    size_t n_tags;
    struct file_ref *files;
    size_t n_files;
    char **deps;
    size_t n_deps;
};
/* Reads one task row from a statement selecting TASK_COLUMNS. */
#define TASK_COLUMNS                                                                               \
    "t.id, t.title, t.description, t.status, t.priority, t.assignee, t.created_by, "               \
    "t.summary, t.manual_block, t.created_at, t.updated_at, t.completed_at"
int task_from_row(taskorch_task *t, sqlite3_stmt *st);
void task_clear(taskorch_task *t);
/* Loads tags, files, dependency ids. */
int task_load_details(taskorch_db *db, taskorch_task *t);
/* Runs sql (bound ?1 = id) and joins column 0 of its rows as "a, b", each
 * followed by " (status)" when the query has a second column holding a
 * status. *out is NULL when no row matched; free it. */
int id_list(taskorch_db *db, const char *sql, const char *id, char **out);
/* Status of a task by full id, or ENOTFOUND. */
int task_status_of(taskorch_db *db, const char *id, int *status);
/* Loads the task by full id into *out when out is not NULL. */
int task_reload(taskorch_task **out, taskorch_db *db, const char *id);

/* ---- status.c: the state machine ---- */
/* Sets a task's status row and writes the "status" event. */
int status_write(taskorch_db *db, const char *id, int from, int to, bool manual, bool forced,
                 const char *summary);
/* Comma-separated list of unfinished dependencies in *out (NULL if none). */
int status_unfinished_deps(taskorch_db *db, const char *id, char **out);
/* Re-evaluates pending/automatic-blocked for one task after its edges changed. */
int status_reevaluate(taskorch_db *db, const char *id);
/* After id completed: unblock dependents whose dependencies are all done. */
int status_unblock_dependents(taskorch_db *db, const char *id);
/* After id left completed: send pending dependents back to blocked. */
int status_reblock_dependents(taskorch_db *db, const char *id);
/* Applies a requested status change inside a transaction. */
int status_change(taskorch_db *db, const char *id, int to, unsigned int flags, const char *summary);

/* Assigns cur (loaded in this transaction) to assignee ("" unassigns),
 * with an "assigned" event when it changes. */
int task_set_assignee(taskorch_db *db, const taskorch_task *cur, const char *assignee);

/* ---- msg.c ---- */
/* Adds the handle's agent to the task's participants ("joined" event when
 * new); *joined tells whether it was new. */
int participant_join(taskorch_db *db, const char *id, int *joined);

/* ---- dep.c ---- */
/* Resolves each dependency and inserts the edges (cycle-checked). */
int dep_insert_all(taskorch_db *db, const char *task, const char *const *deps, size_t n,
                   bool new_task);

/* ---- resolve (task.c) ---- */
int resolve_id(taskorch_db *db, const char *id_or_prefix, char out[TASKORCH_ID_SIZE]);

/* ---- mirror.c: the markdown files beside the store ---- */
void mirror_task(taskorch_db *db, const char *task_id);
void mirror_notes(taskorch_db *db, const char *task_id, const char *agent);
void mirror_forget(taskorch_db *db, const char *task_id);

#endif
