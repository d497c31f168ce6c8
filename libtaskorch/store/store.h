/*
 * store.h - the storage interface between the domain rules and a backend.
 *
 * The domain (validation, the state machine, dependency and claim rules,
 * events, channels) never sees SQL: it calls these operations through
 * db->ops, as libgit2's core calls an odb backend. A backend lives in its
 * own folder (store/sqlite/) and holds every SQL string of the library.
 * docs/storage.md states what a backend must guarantee.
 *
 * Conventions: every operation takes the handle first and returns a
 * taskorch code, recording a message with db_fail on failure (busy and
 * timeouts as TASKORCH_EBUSY, a full disk as TASKORCH_ESTORE, ...). A
 * missing row is TASKORCH_ENOTFOUND *without* a message: the domain says
 * what was missing. Ids are full ids; strings are borrowed for the call.
 * Writes happen only between begin and commit/rollback.
 */
#ifndef TASKORCH_STORE_H
#define TASKORCH_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "taskorch.h"

/* Grows by appending members; a backend sets version to what it fills. */
#define STORE_OPS_VERSION 1

/* Called once per row of a list; a nonzero return stops the walk and is
 * returned by the operation. status is -1 where the list has none. */
typedef int (*store_id_fn)(void *ctx, const char *id, int status);
typedef int (*store_pair_fn)(void *ctx, const char *a, const char *b);
typedef int (*store_lease_fn)(void *ctx, const char *id, const char *holder, int64_t claim);

/* Which tasks store_ops.task_ids lists, each in its documented order. */
enum store_ids {
    IDS_UNFINISHED_DEPS, /* prerequisites of id not completed, with status; by id */
    IDS_DEPENDENTS,      /* tasks depending on id; by id */
    IDS_DEPS,            /* ids id depends on (the edges out of it), any order */
    IDS_TO_UNBLOCK,      /* dependents of id blocked automatically, now ready; by creation */
    IDS_TO_REBLOCK,      /* pending dependents of id; by creation */
};

/* A new task row: strings NULL for none, estimate 0 for none. */
struct store_new_task {
    const char *id, *title, *description, *assignee, *created_by;
    int priority;
    double estimate;
    int64_t now;
};

/* An event to append (the agent is the handle's). */
struct store_event {
    const char *kind, *task_id, *text, *visible_to;
    const struct event_data *data;
};

struct store_ops {
    unsigned int version;
    const char *name; /* "sqlite" */

    /* ---- the connection ---- */
    /* Opens db->path as db->flags ask (TASKORCH_OPEN_CREATE/READONLY),
     * creating or migrating the schema; sets db->store. */
    int (*open)(taskorch_db *db);
    void (*close)(taskorch_db *db); /* NULL store is fine */

    /* ---- transactions: one write transaction per public write ---- */
    int (*begin)(taskorch_db *db);     /* a write transaction, taking the write lock now */
    int (*commit)(taskorch_db *db);    /* rolls back itself when it fails */
    void (*rollback)(taskorch_db *db); /* no-op outside a transaction */
    /* A read snapshot for several reads in a row (never held while idle). */
    int (*read_begin)(taskorch_db *db);
    void (*read_end)(taskorch_db *db);
    /* Rows written by this handle so far: a write that changed nothing
     * leaves it as it was. */
    int64_t (*changes)(taskorch_db *db);

    /* ---- tasks ---- */
    /* Up to max ids starting with prefix (lowercase hex), in id order. */
    int (*task_ids_with_prefix)(taskorch_db *db, const char *prefix, char (*out)[TASKORCH_ID_SIZE],
                                size_t max, size_t *n);
    int (*task_load)(taskorch_db *db, const char *id, taskorch_task *t); /* row only */
    int (*task_load_details)(taskorch_db *db, taskorch_task *t);         /* tags, deps, files */
    int (*task_status)(taskorch_db *db, const char *id, int *status);
    /* status, manual_block, claim number (0: none) */
    int (*task_state)(taskorch_db *db, const char *id, int *status, int *manual, int64_t *claim);
    /* status, manual_block, and whether a prerequisite is unfinished */
    int (*task_waiting)(taskorch_db *db, const char *id, int *status, int *manual, int *waiting);
    /* status, holder (new string or NULL), claim, lease end (0: none) */
    int (*task_holding)(taskorch_db *db, const char *id, int *status, char **assignee,
                        int64_t *claim, int64_t *lease_expires);
    int (*task_ids)(taskorch_db *db, enum store_ids which, const char *id, store_id_fn fn,
                    void *ctx);
    /* Tasks not finished (pending, in progress, blocked) by creation, at
     * most limit (< 0: all). */
    int (*open_task_ids)(taskorch_db *db, int64_t limit, store_id_fn fn, void *ctx);

    int (*task_insert)(taskorch_db *db, const struct store_new_task *t);
    /* title NULL: keep; description NULL keep, "" clear; priority < 0
     * keep; estimate < 0 keep, 0 clear. */
    int (*task_patch)(taskorch_db *db, const char *id, const char *title, const char *description,
                      int priority, double estimate, int64_t now);
    int (*task_touch)(taskorch_db *db, const char *id, int64_t now);
    int (*task_set_assignee)(taskorch_db *db, const char *id, const char *assignee, int64_t now);
    int (*task_set_summary)(taskorch_db *db, const char *id, const char *summary);
    /* Sets status and manual_block; completed sets completed_at, leaving
     * in_progress ends claim and lease; summary NULL keeps it. */
    int (*task_set_status)(taskorch_db *db, const char *id, int to, bool manual,
                           const char *summary, int64_t now);
    /* An automatic pending/blocked move; *assignee: the holder or "" (new string). */
    int (*task_auto_status)(taskorch_db *db, const char *id, int to, int64_t now, char **assignee);
    int (*task_clear_manual_block)(taskorch_db *db, const char *id, int64_t now);
    /* Removes the task, its edges, tags, files, messages, participants
     * and its private events. */
    int (*task_delete)(taskorch_db *db, const char *id);
    int (*tag_add)(taskorch_db *db, const char *id, const char *tag, bool *added);
    int (*tag_remove)(taskorch_db *db, const char *id, const char *tag, bool *removed);
    int (*file_add)(taskorch_db *db, const char *id, const char *path, int line, int end);
    int (*task_list)(taskorch_db *db, const taskorch_task_query *q, taskorch_task_iter *it);
    /* direction: TASKORCH_DEP_PREREQUISITES or _DEPENDENTS, by creation */
    int (*dep_tasks)(taskorch_db *db, const char *id, int direction, taskorch_task_iter *it);

    /* ---- dependency edges ---- */
    int (*edge_add)(taskorch_db *db, const char *task, const char *dep, int64_t now, bool *added);
    int (*edge_remove)(taskorch_db *db, const char *task, const char *dep, bool *removed);

    /* ---- the queue ---- */
    /* The ready task to claim next among those assigned to who (NULL: to
     * nobody): pending, priority filter (< 0: any), tag (NULL: any);
     * highest priority, then oldest. */
    int (*next_ready)(taskorch_db *db, const char *who, int priority, const char *tag,
                      char id[TASKORCH_ID_SIZE], int *prio, int64_t *created, bool *found);
    int (*oldest_in_progress)(taskorch_db *db, const char *agent, char id[TASKORCH_ID_SIZE],
                              bool *found);
    int (*task_take)(taskorch_db *db, const char *id, const char *agent, int64_t claim,
                     int64_t lease_ms, int64_t now);
    /* lease_ms 0 renews by the claim's own length. */
    int (*task_renew)(taskorch_db *db, const char *id, int64_t lease_ms, int64_t now);
    /* Back to status to (pending or blocked), claim and lease cleared; also
     * how an ended lease is undone (unassign true). */
    int (*task_release)(taskorch_db *db, const char *id, int to, bool unassign, int64_t now);
    /* In progress with a lease ended by now, by lease end. */
    int (*leases_ended)(taskorch_db *db, int64_t now, store_lease_fn fn, void *ctx);
    int (*lease_first)(taskorch_db *db, int64_t *first); /* 0: no lease */

    /* ---- request ids ---- */
    /* ENOTFOUND when unused; strings are truncated to the sizes given. */
    int (*request_get)(taskorch_db *db, const char *agent, const char *request_id, char *op,
                       size_t op_size, char *fp, size_t fp_size, char *result, size_t result_size);
    int (*request_put)(taskorch_db *db, const char *agent, const char *request_id, const char *op,
                       const char *fp, const char *result, int64_t now);

    /* ---- settings ---- */
    int (*config_get)(taskorch_db *db, const char *key, char **value);      /* NULL: unset */
    int (*config_set)(taskorch_db *db, const char *key, const char *value); /* NULL: unset */

    /* ---- events, their wait, cursors ---- */
    /* Appends in the caller's transaction; ids grow in commit order. */
    int (*event_append)(taskorch_db *db, const struct store_event *e, int64_t *id);
    int (*event_set_claim)(taskorch_db *db, int64_t id, int64_t claim);
    int (*event_last_id)(taskorch_db *db, int64_t *id);
    /* task: a full id or NULL */
    int (*event_list)(taskorch_db *db, const taskorch_event_query *q, const char *task,
                      taskorch_event_iter *it);
    /* A number that changes when another handle commits (cheap to poll). */
    int (*change_token)(taskorch_db *db, int64_t *token);
    /* Optional: sleeps up to timeout_ms (> 0), returning early when the
     * store may have changed; taskorch_event_wait then reads the token
     * again. NULL: taskorch_event_wait polls the token every 10 ms. */
    int (*change_wait)(taskorch_db *db, int timeout_ms);
    int (*cursor_get)(taskorch_db *db, const char *consumer, int64_t *event_id);
    int (*cursor_set)(taskorch_db *db, const char *consumer, int64_t event_id, int64_t now);

    /* ---- messages and participants ---- */
    int (*msg_insert)(taskorch_db *db, const char *id, int kind, const char *text, int64_t now,
                      int64_t *msg_id);
    int (*msg_list)(taskorch_db *db, const char *id, const taskorch_msg_query *q,
                    taskorch_msg_iter *it);
    int (*participant_add)(taskorch_db *db, const char *id, const char *agent, int64_t now,
                           bool *added);
    int (*participants)(taskorch_db *db, const char *id, store_id_fn fn, void *ctx);
    /* (task, author) of every task with private notes, ordered. */
    int (*note_authors)(taskorch_db *db, store_pair_fn fn, void *ctx);

    /* ---- maintenance ---- */
    /* Reports each problem the backend finds in its own data. */
    void (*check)(taskorch_db *db, void (*report)(void *ctx, const char *problem), void *ctx);
    /* A consistent copy of the store written to the new file tmp. */
    int (*backup)(taskorch_db *db, const char *tmp);
};

/* The SQLite backend (store/sqlite/). */
extern const struct store_ops sqlite_store_ops;

#endif
