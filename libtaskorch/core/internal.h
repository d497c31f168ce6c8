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
#include <string.h>

#include "taskorch.h"

/* Current schema version, stored in PRAGMA user_version. */
#define SCHEMA_VERSION 2

/* Longest agent id, tag, and description/summary, in bytes. */
#define AGENT_MAX 64
#define TAG_MAX 64
#define CONSUMER_MAX 128
#define LONG_TEXT_MAX TASKORCH_MSG_MAX

/* Longest request id, in bytes. */
#define REQUEST_ID_MAX 64

/* Options of the next write call (taskorch_db_next_write). */
struct next_write {
    bool set;
    bool has_request;
    char request_id[REQUEST_ID_MAX + 1];
    int64_t claim;
    unsigned int flags;
};

struct store;     /* a backend's connection (store/sqlite/sqlite.h) */
struct store_ops; /* the storage interface (store/store.h) */

struct taskorch_db {
    struct store *store;         /* NULL until the backend opened */
    const struct store_ops *ops; /* the backend's operations */
    char *path;
    char *dir; /* folder holding the store file */
    char *agent;
    unsigned int flags; /* TASKORCH_OPEN_* */
    int busy_timeout_ms;
    int64_t busy_started_us;  /* when the current lock wait began */
    int64_t default_lease_ms; /* open option: > 0 ms, < 0 none, 0 the store's setting */
    struct next_write next;   /* taken by the next write call (write.c) */
    uint64_t rng;             /* jitter for the busy handler */
    char errmsg[1024];
    int errcode;        /* the code db_fail recorded last, for db_last_code */
    char warning[1024]; /* taskorch_db_warning; "" when none */
    /* taskorch_db_write_id: the task of the last write ("" when it failed)
     * and the dependencies it resolved, in the order given */
    char write_id[TASKORCH_ID_SIZE];
    char (*write_deps)[TASKORCH_ID_SIZE];
    size_t n_write_deps, cap_write_deps;
    /* What the write transaction in progress touched, for the observer run
     * after it commits (db_commit); emptied by begin, commit and rollback. */
    struct touched *touched;
    size_t n_touched, cap_touched;
    void (*observer)(taskorch_db *db); /* NULL: none (not a mirrored file store) */
    /* TASKORCH_OPEN_CREATE_ON_WRITE and the store was missing: the backend
     * holds a private in-memory store until the first commit, which then
     * becomes the store at path (db_commit) */
    bool create_on_commit;
};

/* One thing a write touched (db_touch). */
enum touch { TOUCH_TASK, TOUCH_NOTES, TOUCH_FORGET };
struct touched {
    enum touch what;
    char id[TASKORCH_ID_SIZE];
    char author[AGENT_MAX + 1]; /* TOUCH_NOTES: whose private notes */
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
/* Turns n NUL-terminated strings held back to back in sb into one block:
 * a NULL-terminated pointer array followed by the strings, released with
 * one free. sb is emptied; NULL when out of memory. */
char **sb_string_array(struct strbuf *sb, size_t n);

/* ---- errors (error.c) ---- */
/* Records a message on the handle and returns code. */
int db_fail(taskorch_db *db, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void db_clear_error(taskorch_db *db);
/* The code of the failure recorded last on the handle (by db_fail or
 * db_sqlfail), so that a caller whose helper only says "failed" (a NULL
 * statement) reports BUSY, CORRUPT or NOMEM as such; TASKORCH_ERROR when
 * nothing was recorded. */
int db_last_code(const taskorch_db *db);
/* Records a problem that does not fail the operation (taskorch_db_warning). */
void db_warn(taskorch_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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

/* Options structs grow by appending fields; a caller built against an
 * older header passes an older version. Copies what the caller's version
 * holds into a full-size struct already set to defaults. */
#define COPY_VERSIONED(dst, src, first_v2_field)                                                   \
    memcpy((dst), (src),                                                                           \
           (src)->version == 1 ? offsetof(__typeof__(*(src)), first_v2_field) : sizeof *(dst))

/* ---- util.c ---- */
int64_t now_ms(void);
int64_t now_us(void);
char *xstrdup(const char *s);
/* Makes room for element n of the growable array *arrp (a T ** passed as
 * void *) holding *cap elements of elem bytes; false when out of memory,
 * the array left as it was. */
bool grow_array(void *arrp, size_t *cap, size_t n, size_t elem);
void random_id(char out[TASKORCH_ID_SIZE]);

/* ---- db.c: the handle and its transactions (through db->ops) ---- */
/* Starts a write transaction; refused on a read-only handle. */
int db_begin(taskorch_db *db);
int db_commit(taskorch_db *db);
/* Rolls back and returns rc (so callers can `return db_rollback(db, rc)`). */
int db_rollback(taskorch_db *db, int rc);
/* Inside a write transaction: records that it touched a task (its files
 * in the mirror), the private notes of author on it, or deleted it. After
 * the commit the handle's observer sees them; a rollback forgets them. */
int db_touch(taskorch_db *db, enum touch what, const char *id, const char *author);

/* ---- write.c: one write call, its options and exact idempotency ---- */
struct write_call {
    const char *op; /* "add", "update", "claim", ... */
    uint64_t fp;    /* hash of the operation and its arguments */
    bool has_request;
    char request_id[REQUEST_ID_MAX + 1];
    int64_t claim;      /* claim number to check; 0: none */
    unsigned int flags; /* TASKORCH_WRITE_* */
};
/* Takes the handle's next-write options (clearing them) into w. Every
 * public write function calls it first, so options never outlive it. */
void write_start(taskorch_db *db, struct write_call *w, const char *op);
/* Add the call's arguments to its fingerprint (NULL differs from ""). */
void fp_text(struct write_call *w, const char *s);
void fp_texts(struct write_call *w, const char *const *v, size_t n);
void fp_int(struct write_call *w, int64_t v);
void fp_double(struct write_call *w, double v);
/* Inside the write transaction, before any change: when the request id
 * was used before for the same call, *replayed is true and result holds
 * what it returned; used for anything else: TASKORCH_EREQUEST. */
int write_replay(taskorch_db *db, const struct write_call *w, char *result, size_t size,
                 bool *replayed);
/* Inside the transaction, after the change: remembers the result. */
int write_record(taskorch_db *db, const struct write_call *w, const char *result);
/* What taskorch_db_write_id reports: a dependency the write resolved (in
 * order), and, once the write succeeded, its task. */
int write_dep_resolved(taskorch_db *db, const char *dep);
void write_done(taskorch_db *db, const char *id);

/* ---- lease.c: holders, fencing, expiry ---- */
/* May this call change the status of (or post progress on) task id?
 * ECONFLICT when another agent holds it (unless takeover: *forced) or
 * when w->claim is stale. */
int fence_check(taskorch_db *db, const char *id, const struct write_call *w, bool *forced);
/* Returns every task whose lease has ended to pending and unassigned, one
 * "expired" event each. Inside the caller's write transaction. */
int leases_expire(taskorch_db *db, int64_t now);
/* Whether any lease has ended by now (a read; no transaction needed);
 * *next_expiry (may be NULL) gets the earliest lease end still ahead, or 0. */
int leases_due(taskorch_db *db, int64_t now, bool *due, int64_t *next_expiry);
/* The lease a claim gets: > 0 ms, or 0 for none. */
int lease_resolve(taskorch_db *db, int64_t asked_ms, int64_t *out);

/* ---- config.c ---- */
int config_read(taskorch_db *db, const char *key, char **out);

/* ---- event.c ---- */
/* Typed members of an event (taskorch_event_from etc.). */
struct event_data {
    int from, to;         /* statuses, -1: none */
    const char *assignee; /* also the "subject" that --mine follows */
    int64_t claim, lease_until, msg_id;
    const char *cause;
    bool forced;
};
#define EVENT_DATA_INIT                                                                            \
    {                                                                                              \
        -1, -1, NULL, 0, 0, 0, NULL, false                                                         \
    }
int event_add_data(taskorch_db *db, const char *kind, const char *task_id, const char *text,
                   const char *visible_to, const struct event_data *d);
/* The same, handing back the new event's id. */
int event_add_id(taskorch_db *db, const char *kind, const char *task_id, const char *text,
                 const char *visible_to, const struct event_data *d, int64_t *id);
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
    int64_t claim_no, lease_expires;
    double estimate;
    char **tags;
    size_t n_tags;
    struct file_ref *files;
    size_t n_files;
    char **deps;
    size_t n_deps;
};
struct taskorch_task_iter {
    taskorch_task *items;
    size_t n, pos;
};
void task_clear(taskorch_task *t);
/* Joins the ids of a store_ops.task_ids list as "a, b", each followed by
 * " (status)" when the list has statuses. *out is NULL when the list is
 * empty; free it. */
int id_list(taskorch_db *db, int which, const char *id, char **out);

/* ---- event.c / msg.c: what their iterators hold ---- */
struct taskorch_event {
    int64_t id, ts;
    char *kind, *task_id, *agent, *text;
    int from, to, forced;
    char *assignee, *cause;
    int64_t claim, lease_until, msg_id;
};
struct taskorch_event_iter {
    struct taskorch_event *items;
    size_t n, pos;
};
struct taskorch_msg {
    int64_t id, created_at;
    int kind;
    char task_id[TASKORCH_ID_SIZE];
    char *author, *text;
};
struct taskorch_msg_iter {
    struct taskorch_msg *items;
    size_t n, pos;
};
/* Status of a task by full id, or ENOTFOUND. */
int task_status_of(taskorch_db *db, const char *id, int *status);
/* Loads the task by full id into *out when out is not NULL. */
int task_reload(taskorch_task **out, taskorch_db *db, const char *id);

/* ---- status.c: the state machine ---- */
/* Sets a task's status row and writes the "status" event. Leaving
 * in_progress ends the task's claim and lease. forced: what the change
 * overrode ("unfinished dependencies"), NULL when nothing. claim: the
 * claim that held the task (for the event), 0 when none. */
int status_write(taskorch_db *db, const char *id, int from, int to, bool manual, const char *forced,
                 const char *summary, int64_t claim);
/* Comma-separated list of unfinished dependencies in *out (NULL if none). */
int status_unfinished_deps(taskorch_db *db, const char *id, char **out);
/* Re-evaluates pending/automatic-blocked for one task after its edges changed. */
int status_reevaluate(taskorch_db *db, const char *id);
/* After id completed: unblock dependents whose dependencies are all done. */
int status_unblock_dependents(taskorch_db *db, const char *id);
/* After id left completed: send pending dependents back to blocked. */
int status_reblock_dependents(taskorch_db *db, const char *id);
/* Applies a requested status change inside a transaction. taken_over:
 * the change overrides another agent's claim (recorded as forced). */
int status_change(taskorch_db *db, const char *id, int to, unsigned int flags, const char *summary,
                  bool taken_over);

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
/* The observer of a mirrored file store (db->observer): brings the files of
 * what the committed write touched up to date; a failure is recorded with
 * db_warn, never returned. */
void mirror_observe(taskorch_db *db);
/* The pieces, for maintenance.c. */
struct mirror {
    taskorch_db *db;
    int dir;  /* the store's folder */
    int lock; /* .mirror.lock, held while the mirror is written */
    int err;  /* why mirror_begin failed: errno or FS_E* */
};
bool mirror_enabled(const taskorch_db *db);
/* Opens the store's folder and takes the mirror lock (bounded by the busy
 * timeout); false (warning recorded) when the mirror is off or unusable. */
bool mirror_begin(struct mirror *m, taskorch_db *db);
void mirror_end(struct mirror *m);
/* Records "the mirror was not updated: DIR/what REASON" as the warning. */
void mirror_skipped(struct mirror *m, const char *what, int err);
/* Opens a mirror folder (fs_open_dir); -1 with a warning, or quietly when it
 * does not exist and create is false. */
int mirror_subdir(struct mirror *m, const char *sub, bool create);
void mirror_put(struct mirror *m, const char *sub, const char *name, const char *content);
/* What the files of a task / of an agent's notes hold; NULL: out of memory. */
char *mirror_context_text(taskorch_db *db, const taskorch_task *t, bool archive);
char *mirror_notes_text(taskorch_db *db, const char *task_id, const char *agent);
/* Writes a task's context (and archive when completed) / an agent's notes. */
void mirror_task_files(struct mirror *m, const taskorch_task *t);
void mirror_notes_file(struct mirror *m, const char *task_id, const char *agent);

/* ---- safefs.c: files beside the store, never through a link ----
 * Functions return 0, an errno value, or one of these (fs_strerror). */
enum { FS_ESYMLINK = -1, FS_ENOTDIR = -2, FS_ENOTREG = -3, FS_EOWNER = -4, FS_ELOCKED = -5 };
const char *fs_strerror(int err);
/* Opens folder name in dirfd (creating it 0700 when create), refusing a
 * symbolic link, a non-folder and a folder owned by another user. */
int fs_open_dir(int dirfd, const char *name, bool create, int *out);
/* Replaces name in dirfd atomically with a new 0600 file holding data. */
int fs_write_file(int dirfd, const char *name, const char *data, size_t len);
/* Removes the entry name (a link itself, never its target); ENOENT is 0. */
int fs_remove(int dirfd, const char *name);
/* Takes an exclusive flock on the regular file name in dirfd (created 0600),
 * waiting at most timeout_ms; *out is the descriptor for fs_unlock. */
int fs_lock(int dirfd, const char *name, int timeout_ms, int *out);
void fs_unlock(int fd);

#endif
