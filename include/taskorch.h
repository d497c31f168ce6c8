/*
 * taskorch.h - the public API of libtaskorch.
 *
 * libtaskorch coordinates many agents (programs or people) working on one
 * project: tasks with priorities, assignees, tags, file references and
 * dependencies, per-task message channels (private notes, shared updates,
 * discoveries, sync points, progress) and a change feed of events.
 *
 * Conventions (they hold for every function below unless its comment says
 * otherwise):
 *
 *  - Functions return an int status: TASKORCH_OK (0) or a negative value of
 *    enum taskorch_error. taskorch_strerror() turns a code into static text;
 *    taskorch_db_errmsg() gives the detail of the last failure on a handle.
 *  - Out-parameters come first and are named out. Whatever the caller
 *    receives through an out-parameter it owns and releases with the matching
 *    _free function (strings: taskorch_free). On failure *out is set to NULL
 *    (a number to 0), also when db is NULL (exception: taskorch_db_open,
 *    see there).
 *  - Getters on an object return borrowed values that stay valid until that
 *    object is freed. Every _free function accepts NULL.
 *  - Lists are iterators: _iter_next returns TASKORCH_OK with an item, then
 *    TASKORCH_ITEROVER at the end. Items are borrowed until the next call to
 *    _iter_next or until the iterator is freed. Iterators are filled when
 *    they are created, so the store can be written while iterating.
 *  - Options structs begin with a version field; initialise them with the
 *    _INIT macro or the _init() function. A NULL options pointer means
 *    defaults.
 *  - All text is UTF-8. Text that is not valid UTF-8 is refused with
 *    TASKORCH_EINVAL.
 *  - Times are milliseconds since the Unix epoch (UTC).
 *  - The library never prints, never exits, never reads standard input and
 *    keeps no global mutable state. A taskorch_db handle must be used by one
 *    thread at a time; many handles and many processes on one store are the
 *    normal case and are safe.
 *
 * This header is C99 and C++ clean.
 */
#ifndef TASKORCH_H
#define TASKORCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(TASKORCH_BUILDING) && defined(__GNUC__) && __GNUC__ >= 4
#define TASKORCH_API __attribute__((visibility("default")))
#else
#define TASKORCH_API
#endif

/* ------------------------------------------------------------------------ */
/* Versions                                                                  */

#define TASKORCH_VERSION_MAJOR 0
#define TASKORCH_VERSION_MINOR 2
#define TASKORCH_VERSION_PATCH 0
#define TASKORCH_VERSION_STRING "0.2.0"
/* MAJOR * 10000 + MINOR * 100 + PATCH */
#define TASKORCH_VERSION_NUMBER 200

/* The library's version as "MAJOR.MINOR.PATCH" (static string). */
TASKORCH_API const char *taskorch_version(void);
/* The library's version as MAJOR * 10000 + MINOR * 100 + PATCH. Compare it
 * with TASKORCH_VERSION_NUMBER to detect a header/library mismatch. */
TASKORCH_API int taskorch_version_number(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

/* Status codes. Append only: values are never renumbered or reused. */
typedef enum taskorch_error {
    TASKORCH_OK = 0,
    TASKORCH_ERROR = -1,          /* unexpected internal failure */
    TASKORCH_ENOMEM = -2,         /* out of memory */
    TASKORCH_EINVAL = -3,         /* invalid argument or value */
    TASKORCH_ENOTFOUND = -4,      /* no such task, message or event */
    TASKORCH_EAMBIGUOUS = -5,     /* id prefix matches several tasks */
    TASKORCH_ECYCLE = -6,         /* dependency would create a cycle */
    TASKORCH_EBLOCKED = -7,       /* unfinished dependencies forbid it */
    TASKORCH_EHASDEPENDENTS = -8, /* other tasks depend on this one */
    TASKORCH_ESTORE = -9,         /* store cannot be opened, read or written */
    TASKORCH_ECORRUPT = -10,      /* file is not a taskorch store */
    TASKORCH_EBUSY = -11,         /* store stayed locked past the timeout */
    TASKORCH_ESCHEMA = -12,       /* store written by a newer library */
    TASKORCH_EREADONLY = -13,     /* write on a handle opened read-only */
    TASKORCH_ETIMEOUT = -14,      /* a wait ended without news */
    TASKORCH_ITEROVER = -15,      /* iterator has no more items */
    TASKORCH_ECONFLICT = -16,     /* task taken by another agent */
    TASKORCH_EREQUEST = -17       /* request id already used for another request */
} taskorch_error;

/* Static, never-NULL description of a status code. */
TASKORCH_API const char *taskorch_strerror(int code);

/* Releases memory the library handed to the caller as a plain string or
 * array. NULL is fine. */
TASKORCH_API void taskorch_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Store handle                                                              */

typedef struct taskorch_db taskorch_db;

/* taskorch_open_options.flags */
#define TASKORCH_OPEN_CREATE 0x1u   /* create the store and its folder */
#define TASKORCH_OPEN_READONLY 0x2u /* refuse every write */
#define TASKORCH_OPEN_NO_MIRROR 0x4u /* do not write the markdown mirror */
/* Read the environment as tm does: TM_DB_PATH when path is NULL, and
 * TM_AGENT_ID, then USER, when no agent is given. Without this flag the
 * library reads no environment variable (since 0.2). */
#define TASKORCH_OPEN_FROM_ENV 0x8u
/* With TASKORCH_OPEN_CREATE: a missing store (and its folder) is created
 * only when the first write through the handle commits, holding that
 * write; until then the handle reads an empty store, and a write refused
 * before it commits creates nothing. A write whose commit finds that
 * another process created the store meanwhile fails with TASKORCH_EBUSY,
 * nothing written, and the handle uses that store from then on (since
 * 0.2). */
#define TASKORCH_OPEN_CREATE_ON_WRITE 0x10u

typedef struct taskorch_open_options {
    unsigned int version;   /* TASKORCH_OPEN_OPTIONS_VERSION */
    unsigned int flags;     /* TASKORCH_OPEN_* */
    int busy_timeout_ms;    /* longest wait for a lock; <= 0: 10000 */
    const char *agent;      /* identity; NULL: "anonymous" (with
                               TASKORCH_OPEN_FROM_ENV: TM_AGENT_ID, then
                               USER, then "anonymous") */
    /* Version 2: */
    int64_t default_lease_ms; /* lease of claims that name none: > 0 this
                                 many ms; 0: the store's setting (see
                                 taskorch_config_set); < 0: no lease */
} taskorch_open_options;

/* Version 1 callers (without default_lease_ms) keep working. */
#define TASKORCH_OPEN_OPTIONS_VERSION 2
#define TASKORCH_OPEN_OPTIONS_INIT { TASKORCH_OPEN_OPTIONS_VERSION, 0u, 0, NULL, 0 }

/* Fills *opts with defaults. Returns TASKORCH_EINVAL if opts is NULL or
 * version is not a version this library knows. */
TASKORCH_API int taskorch_open_options_init(taskorch_open_options *opts,
                                            unsigned int version);

/* Finds the store file to use and returns its path in *out (free with
 * taskorch_free). Order: path if not NULL, else the nearest
 * ".task-orchestrator" folder found walking up from the current directory,
 * else "./.task-orchestrator". A path ending in ".db" names the file; any
 * other path names a folder holding "tasks.db"; TASKORCH_MEMORY is returned
 * as it is. Nothing is created and no environment variable is read (use
 * taskorch_locate_ext with TASKORCH_OPEN_FROM_ENV for TM_DB_PATH). Errors:
 * TASKORCH_ENOMEM, TASKORCH_ESTORE (the current directory cannot be read). */
TASKORCH_API int taskorch_locate(char **out, const char *path);

/* taskorch_locate with open flags (TASKORCH_OPEN_*; only
 * TASKORCH_OPEN_FROM_ENV matters): with it, a NULL or empty path falls back
 * to the environment variable TM_DB_PATH (when set and not empty) before the
 * walk up. Errors: as taskorch_locate. */
TASKORCH_API int taskorch_locate_ext(char **out, const char *path, unsigned int flags);

/* Path of a private, empty, in-memory store that vanishes on close: for
 * tests and for trying an operation before touching a real store. */
#define TASKORCH_MEMORY ":memory:"

/* Opens the store at path (NULL: located as taskorch_locate_ext does with
 * opts->flags, so TM_DB_PATH counts only with TASKORCH_OPEN_FROM_ENV). With
 * TASKORCH_OPEN_CREATE the file and its folder are created when missing
 * (at once, or with TASKORCH_OPEN_CREATE_ON_WRITE by the first commit);
 * without it a missing store is TASKORCH_ENOTFOUND. Errors: TASKORCH_EINVAL
 * (bad options or agent id), TASKORCH_ENOTFOUND, TASKORCH_ESTORE,
 * TASKORCH_ECORRUPT (not a taskorch store; the file is left untouched),
 * TASKORCH_ESCHEMA (newer schema; left untouched), TASKORCH_EBUSY.
 * Like sqlite3_open, on any failure except TASKORCH_ENOMEM *out is still set
 * to a handle whose taskorch_db_errmsg() explains the failure and which must
 * be released with taskorch_db_close(). */
TASKORCH_API int taskorch_db_open(taskorch_db **out, const char *path,
                                  const taskorch_open_options *opts);

/* Closes the handle and releases everything it owns. NULL is fine. */
TASKORCH_API void taskorch_db_close(taskorch_db *db);

/* Detail of the last failure on this handle ("" if none). Borrowed until
 * the next call on the handle. NULL db gives a static text. */
TASKORCH_API const char *taskorch_db_errmsg(const taskorch_db *db);

/* Path of the store file (borrowed until close). */
TASKORCH_API const char *taskorch_db_path(const taskorch_db *db);

/* The agent identity this handle acts as (borrowed until changed). */
TASKORCH_API const char *taskorch_db_agent(const taskorch_db *db);

/* Changes the identity. An agent id is 1..64 bytes of UTF-8 without
 * whitespace, control characters or '/'. Errors: TASKORCH_EINVAL. */
TASKORCH_API int taskorch_db_set_agent(taskorch_db *db, const char *agent);

/* Checks an agent id without a store: TASKORCH_OK or TASKORCH_EINVAL. */
TASKORCH_API int taskorch_agent_check(const char *agent);

/* Parses a duration into milliseconds: "90" (seconds), "90s", "15m", "2h",
 * "1d" or "250ms". Digits only before the unit; zero, negative, malformed
 * and overflowing values are TASKORCH_EINVAL. */
TASKORCH_API int taskorch_duration_parse(int64_t *out, const char *text);

/* Options for the next write call on this handle. They apply to exactly
 * one call of a function that writes (task_create, task_update and its
 * shorthands, task_claim(_v2), task_heartbeat, task_release, dep_add,
 * dep_remove, msg_post, task_join, task_delete) and are forgotten when it
 * returns, whatever it returns. */
typedef struct taskorch_write_options {
    unsigned int version;   /* TASKORCH_WRITE_OPTIONS_VERSION */
    /* Exact idempotency. The same agent repeating a request id with the
     * same operation and the same arguments gets the first call's result
     * (the same task, message or claim) and nothing is written again; a
     * request id already used for another operation or other arguments is
     * TASKORCH_EREQUEST and nothing is written. 1..64 bytes, the
     * characters of an agent id. NULL: none. */
    const char *request_id;
    /* Fencing: the claim number the caller believes it holds on the task
     * it writes to (see taskorch_task_claim_number). When the task's
     * current claim differs, the write is TASKORCH_ECONFLICT. 0: not
     * checked (the holder is still checked by agent id). */
    int64_t claim;
    unsigned int flags;     /* TASKORCH_WRITE_* */
} taskorch_write_options;

/* Act on a task that another agent holds (see taskorch_task_claim_v2);
 * recorded in the event as forced. */
#define TASKORCH_WRITE_TAKEOVER 0x1u

#define TASKORCH_WRITE_OPTIONS_VERSION 1
#define TASKORCH_WRITE_OPTIONS_INIT { TASKORCH_WRITE_OPTIONS_VERSION, NULL, 0, 0u }
TASKORCH_API int taskorch_write_options_init(taskorch_write_options *opts, unsigned int version);

/* Sets the options of the next write call (copied; NULL clears them).
 * Errors: TASKORCH_EINVAL (bad version or request id). */
TASKORCH_API int taskorch_db_next_write(taskorch_db *db, const taskorch_write_options *opts);

/* The full ids the last write call on db resolved, so that a caller never
 * resolves an id prefix a second time: i = 0 is the task the write acted on
 * (the new task of taskorch_task_create, the task a claim took, the task
 * taskorch_dep_add and taskorch_dep_remove change, the task a message was
 * posted to or joined); then, for taskorch_dep_add, taskorch_dep_remove and
 * taskorch_task_create, i = 1, 2, ... are its dependencies in the order they
 * were given. A call replayed by its request id reports its task (and,
 * for taskorch_dep_add and taskorch_dep_remove, its dependencies while they
 * all still exist). NULL for i past the end,
 * before the first write, after a failed write, and for NULL db. Borrowed
 * until the next write call on db or its close. */
TASKORCH_API const char *taskorch_db_write_id(const taskorch_db *db, size_t i);

/* Store settings, kept in the store and shared by every agent. Known keys:
 *   "lease"  default lease of claims: a duration (taskorch_duration_parse)
 *            or "none".
 * taskorch_config_get gives the value in *out (free with taskorch_free;
 * NULL when unset). taskorch_config_set with value NULL removes the
 * setting. Errors: TASKORCH_EINVAL (unknown key, bad value),
 * TASKORCH_EREADONLY, TASKORCH_EBUSY, TASKORCH_ESTORE. */
TASKORCH_API int taskorch_config_get(char **out, taskorch_db *db, const char *key);
TASKORCH_API int taskorch_config_set(taskorch_db *db, const char *key, const char *value);

/* ------------------------------------------------------------------------ */
/* Priorities and statuses                                                   */

typedef enum taskorch_priority {
    TASKORCH_PRIORITY_LOW = 0,
    TASKORCH_PRIORITY_MEDIUM = 1,
    TASKORCH_PRIORITY_HIGH = 2,
    TASKORCH_PRIORITY_CRITICAL = 3
} taskorch_priority;

typedef enum taskorch_status {
    TASKORCH_STATUS_PENDING = 0,
    TASKORCH_STATUS_IN_PROGRESS = 1,
    TASKORCH_STATUS_COMPLETED = 2,
    TASKORCH_STATUS_BLOCKED = 3,
    TASKORCH_STATUS_CANCELLED = 4
} taskorch_status;

/* Name of a priority or status ("high", "in_progress"), or NULL if the
 * value is out of range. Static strings. */
TASKORCH_API const char *taskorch_priority_name(int priority);
TASKORCH_API const char *taskorch_status_name(int status);

/* Parses a name into *out. Errors: TASKORCH_EINVAL. */
TASKORCH_API int taskorch_priority_parse(int *out, const char *name);
TASKORCH_API int taskorch_status_parse(int *out, const char *name);

/* ------------------------------------------------------------------------ */
/* Tasks                                                                     */

typedef struct taskorch_task taskorch_task;

/* Length of a task id (8 lowercase hex characters) and a buffer for one. */
#define TASKORCH_ID_LEN 8
#define TASKORCH_ID_SIZE 9
/* Shortest accepted id prefix. */
#define TASKORCH_ID_MIN_PREFIX 4
/* Longest title, in characters (code points). */
#define TASKORCH_TITLE_MAX 500

/* What to create. Arrays may be NULL when their count is 0. */
typedef struct taskorch_task_spec {
    unsigned int version;         /* TASKORCH_TASK_SPEC_VERSION */
    const char *title;            /* required: 1..500 characters, no control
                                     characters, not only whitespace */
    const char *description;     /* NULL: none */
    int priority;                 /* taskorch_priority, or -1: medium */
    const char *assignee;         /* NULL: unassigned */
    const char *const *tags;      /* tag names */
    size_t n_tags;
    const char *const *files;     /* "path[:line[:end]]" references */
    size_t n_files;
    const char *const *depends_on; /* ids or unique prefixes */
    size_t n_depends_on;
    /* Version 2: */
    double estimate;              /* hours of work, > 0; 0: none */
} taskorch_task_spec;

/* Version 1 callers (without estimate) keep working. */
#define TASKORCH_TASK_SPEC_VERSION 2
#define TASKORCH_TASK_SPEC_INIT \
    { TASKORCH_TASK_SPEC_VERSION, NULL, NULL, -1, NULL, NULL, 0, NULL, 0, NULL, 0, 0.0 }
TASKORCH_API int taskorch_task_spec_init(taskorch_task_spec *spec, unsigned int version);

/* Creates a task as the handle's agent. It starts blocked when any
 * dependency is unfinished, pending otherwise. *out (may be NULL when not
 * wanted) receives the new task. Errors: TASKORCH_EINVAL (bad field; the
 * message names it), TASKORCH_ENOTFOUND / TASKORCH_EAMBIGUOUS (a
 * dependency), TASKORCH_EREADONLY, TASKORCH_ESTORE, TASKORCH_EBUSY. */
TASKORCH_API int taskorch_task_create(taskorch_task **out, taskorch_db *db,
                                      const taskorch_task_spec *spec);

/* Resolves an id or unique prefix (at least 4 hex characters) into the full
 * id, written to out (TASKORCH_ID_SIZE bytes). Errors: TASKORCH_EINVAL
 * (malformed), TASKORCH_ENOTFOUND, TASKORCH_EAMBIGUOUS (the message lists
 * the candidates). */
TASKORCH_API int taskorch_task_resolve(char *out, taskorch_db *db, const char *id_or_prefix);

/* Loads one task with its tags, files and dependency ids. Errors: as
 * taskorch_task_resolve, plus TASKORCH_ESTORE. */
TASKORCH_API int taskorch_task_get(taskorch_task **out, taskorch_db *db,
                                   const char *id_or_prefix);

TASKORCH_API void taskorch_task_free(taskorch_task *task);

/* Getters. Strings are borrowed until taskorch_task_free; optional fields
 * are NULL when unset. */
TASKORCH_API const char *taskorch_task_id(const taskorch_task *task);
TASKORCH_API const char *taskorch_task_title(const taskorch_task *task);
TASKORCH_API const char *taskorch_task_description(const taskorch_task *task);
TASKORCH_API int taskorch_task_status(const taskorch_task *task);
TASKORCH_API int taskorch_task_priority(const taskorch_task *task);
TASKORCH_API const char *taskorch_task_assignee(const taskorch_task *task);
TASKORCH_API const char *taskorch_task_created_by(const taskorch_task *task);
TASKORCH_API const char *taskorch_task_summary(const taskorch_task *task);
TASKORCH_API int64_t taskorch_task_created_at(const taskorch_task *task);
TASKORCH_API int64_t taskorch_task_updated_at(const taskorch_task *task);
/* 0 when the task is not completed. */
TASKORCH_API int64_t taskorch_task_completed_at(const taskorch_task *task);
/* 1 when the task was set blocked by hand (automatic unblocking skips it). */
TASKORCH_API int taskorch_task_blocked_by_hand(const taskorch_task *task);
/* The number of the claim that holds the task (in_progress through
 * taskorch_task_claim_v2), 0 when no claim holds it. Claim numbers grow:
 * a later claim always has a larger number. */
TASKORCH_API int64_t taskorch_task_claim_number(const taskorch_task *task);
/* When the holder's lease ends (ms since the epoch); 0: no lease. */
TASKORCH_API int64_t taskorch_task_lease_expires(const taskorch_task *task);
/* Estimated hours of work; 0 when none was given. */
TASKORCH_API double taskorch_task_estimate(const taskorch_task *task);

/* Tags, sorted by name. Index out of range gives NULL. */
TASKORCH_API size_t taskorch_task_tag_count(const taskorch_task *task);
TASKORCH_API const char *taskorch_task_tag(const taskorch_task *task, size_t i);

/* File references in the order given. line and end are 0 when absent. */
TASKORCH_API size_t taskorch_task_file_count(const taskorch_task *task);
TASKORCH_API const char *taskorch_task_file_path(const taskorch_task *task, size_t i);
TASKORCH_API int taskorch_task_file_line(const taskorch_task *task, size_t i);
TASKORCH_API int taskorch_task_file_end(const taskorch_task *task, size_t i);

/* Ids of the tasks this task depends on, sorted. */
TASKORCH_API size_t taskorch_task_dep_count(const taskorch_task *task);
TASKORCH_API const char *taskorch_task_dep_id(const taskorch_task *task, size_t i);

/* Flags for updates, completion and deletion. */
#define TASKORCH_FORCE 0x1u /* override unfinished dependencies / dependents */

/* A change to a task: NULL pointers and -1 values leave a field unchanged. */
typedef struct taskorch_task_change {
    unsigned int version;         /* TASKORCH_TASK_CHANGE_VERSION */
    const char *title;
    const char *description;      /* "" clears it */
    int priority;                 /* taskorch_priority or -1 */
    int status;                   /* taskorch_status or -1 */
    const char *assignee;         /* "" unassigns */
    const char *const *add_tags;
    size_t n_add_tags;
    const char *const *remove_tags;
    size_t n_remove_tags;
    const char *const *add_files;
    size_t n_add_files;
    const char *summary;          /* completion summary, kept with the task */
    unsigned int flags;           /* TASKORCH_FORCE */
    /* Version 2: */
    double estimate;              /* hours, > 0; 0 clears it; < 0: unchanged */
} taskorch_task_change;

/* Version 1 callers (without estimate) keep working. */
#define TASKORCH_TASK_CHANGE_VERSION 2
#define TASKORCH_TASK_CHANGE_INIT \
    { TASKORCH_TASK_CHANGE_VERSION, NULL, NULL, -1, -1, NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0u, \
      -1.0 }
TASKORCH_API int taskorch_task_change_init(taskorch_task_change *upd, unsigned int version);

/* Applies a change in one transaction, with one event per changed aspect.
 * Status rules:
 *  - in_progress or completed while a dependency is unfinished:
 *    TASKORCH_EBLOCKED (the message names them) unless TASKORCH_FORCE;
 *  - pending while a dependency is unfinished stores blocked;
 *  - blocked set here is "by hand": it stays until a status is set again;
 *  - completing unblocks each blocked dependent whose dependencies are now
 *    all completed (an "unblocked" event each);
 *  - leaving completed sends each pending dependent back to blocked.
 * An update that names no change, or whose values all equal the task's
 * current ones, is TASKORCH_EINVAL and writes nothing; in an update that
 * changes something, a status equal to the current one is skipped.
 * *out (may be NULL)
 * receives the task as it now is. Errors: as taskorch_task_get, plus
 * TASKORCH_EINVAL, TASKORCH_EBLOCKED, TASKORCH_EREADONLY, TASKORCH_EBUSY. */
TASKORCH_API int taskorch_task_update(taskorch_task **out, taskorch_db *db,
                                      const char *id_or_prefix,
                                      const taskorch_task_change *upd);

/* Holders: a task in progress under a claim (taskorch_task_claim_v2) with
 * a live lease or none is held by its assignee. Completing it or changing
 * its status, as another agent, is TASKORCH_ECONFLICT unless
 * TASKORCH_WRITE_TAKEOVER is set through taskorch_db_next_write. */

/* Shorthands for taskorch_task_update. summary may be NULL. Unlike an
 * update, complete and set_status refuse a status the task has already
 * (TASKORCH_EINVAL, "already completed"), so a second completion is
 * noticed. */
TASKORCH_API int taskorch_task_complete(taskorch_db *db, const char *id_or_prefix,
                                        const char *summary, unsigned int flags);
TASKORCH_API int taskorch_task_set_status(taskorch_db *db, const char *id_or_prefix,
                                          int status, unsigned int flags);
/* agent NULL or "" unassigns. */
TASKORCH_API int taskorch_task_assign(taskorch_db *db, const char *id_or_prefix,
                                      const char *agent);

/* Claims a task for the handle's agent in one transaction, so that two
 * agents can never take the same work: the task becomes assigned to the
 * agent (if it was unassigned), in_progress, and the agent joins it. With
 * id_or_prefix NULL, the next ready task is taken: pending with every
 * dependency completed, assigned to this agent or to nobody, the agent's
 * own first, then by priority and age. Claiming a task the agent already
 * has in progress succeeds and changes nothing (beyond joining it, when
 * someone else started it for the agent). *out (may be NULL)
 * receives the task. Errors: TASKORCH_ENOTFOUND (no such task, or nothing
 * ready to claim), TASKORCH_EAMBIGUOUS, TASKORCH_ECONFLICT (assigned to
 * another agent), TASKORCH_EBLOCKED (unfinished dependencies),
 * TASKORCH_EINVAL (completed, cancelled or blocked by hand),
 * TASKORCH_EREADONLY, TASKORCH_EBUSY. */
TASKORCH_API int taskorch_task_claim(taskorch_task **out, taskorch_db *db,
                                     const char *id_or_prefix);

/* taskorch_claim_options.flags */
#define TASKORCH_CLAIM_RESUME 0x1u /* first hand back my own oldest in-progress task */
#define TASKORCH_CLAIM_MINE 0x2u   /* only tasks assigned to me, not unassigned ones */
#define TASKORCH_CLAIM_WAIT 0x4u   /* wait up to wait_ms for claimable work */

typedef struct taskorch_claim_options {
    unsigned int version; /* TASKORCH_CLAIM_OPTIONS_VERSION */
    const char *tag;      /* only tasks with this tag; NULL: any */
    int priority;         /* only this priority; -1: any */
    /* > 0: lease length in ms; 0: the default lease (the open option, else
     * the store's "lease" setting, else none); < 0: no lease. */
    int64_t lease_ms;
    unsigned int flags;   /* TASKORCH_CLAIM_* */
    int wait_ms;          /* with TASKORCH_CLAIM_WAIT; < 0: forever */
} taskorch_claim_options;

#define TASKORCH_CLAIM_OPTIONS_VERSION 1
#define TASKORCH_CLAIM_OPTIONS_INIT { TASKORCH_CLAIM_OPTIONS_VERSION, NULL, -1, 0, 0u, -1 }
TASKORCH_API int taskorch_claim_options_init(taskorch_claim_options *opts, unsigned int version);

/* Claims work for the handle's agent in one write transaction; exactly one
 * of any number of racing callers wins a task. The task becomes
 * in_progress, assigned to the agent, who joins it; it gets a new claim
 * number and, with a lease, an expiry. A "claimed" event records it.
 *
 * With id_or_prefix NULL the best claimable task is taken: pending (every
 * dependency completed) and assigned to the agent or to nobody, or
 * in_progress under a lease that has expired; filtered by opts; highest
 * priority first, then oldest. A task whose lease expired goes back to
 * pending and unassigned first, with an "expired" event (recorded once).
 * With TASKORCH_CLAIM_RESUME the agent's own oldest in-progress task is
 * handed back first (its lease renewed, same claim number), so a
 * restarted agent picks up what it held. With TASKORCH_CLAIM_WAIT and
 * nothing claimable, waits (without polling faster than
 * taskorch_event_wait) until something is, up to wait_ms.
 *
 * Claiming a task the agent already holds renews its lease and keeps its
 * claim number. *out (may be NULL) receives the task. Errors:
 * TASKORCH_ENOTFOUND (no such task, or nothing claimable), TASKORCH_ETIMEOUT
 * (waited wait_ms, nothing claimable), TASKORCH_EAMBIGUOUS,
 * TASKORCH_ECONFLICT (assigned to or held by another agent; the message
 * names it), TASKORCH_EBLOCKED (unfinished dependencies), TASKORCH_EINVAL
 * (completed, cancelled or blocked by hand; bad options),
 * TASKORCH_EREQUEST, TASKORCH_EREADONLY, TASKORCH_EBUSY, TASKORCH_ESTORE. */
TASKORCH_API int taskorch_task_claim_v2(taskorch_task **out, taskorch_db *db,
                                        const char *id_or_prefix,
                                        const taskorch_claim_options *opts);

/* Renews the lease of a task the handle's agent holds: it now ends
 * lease_ms from now (0: the claim's own lease length again). Writes no
 * event (heartbeats would flood the feed). *out (may be NULL) receives the
 * task. Errors: TASKORCH_ECONFLICT (held by another agent, or a stale
 * claim number given through taskorch_db_next_write), TASKORCH_EINVAL (the
 * task is not in progress under a claim, or lease_ms < 0), TASKORCH_ENOTFOUND,
 * TASKORCH_EAMBIGUOUS, TASKORCH_EREQUEST, TASKORCH_EREADONLY, TASKORCH_EBUSY. */
TASKORCH_API int taskorch_task_heartbeat(taskorch_task **out, taskorch_db *db,
                                         const char *id_or_prefix, int64_t lease_ms);

/* taskorch_task_release flags */
#define TASKORCH_RELEASE_UNASSIGN 0x1u /* also clear the assignee */

/* Gives a claimed task back: pending again (blocked when a dependency is
 * unfinished), the claim and lease cleared, the assignee kept unless
 * TASKORCH_RELEASE_UNASSIGN. A "released" event records it. Errors: as
 * taskorch_task_heartbeat. */
TASKORCH_API int taskorch_task_release(taskorch_db *db, const char *id_or_prefix,
                                       unsigned int flags);

/* taskorch_task_wait: what "done" means */
#define TASKORCH_WAIT_COMPLETED 0 /* completed */
#define TASKORCH_WAIT_TERMINAL 1  /* completed or cancelled */

/* Waits until every task in ids (ids or prefixes) is done, or, with n_ids
 * 0, until no task is pending, blocked or in progress; at most timeout_ms
 * (< 0: forever). Holds no transaction while waiting and wakes on the
 * change feed. Returns TASKORCH_OK when done; TASKORCH_ETIMEOUT otherwise,
 * with *out (when out is not NULL) a NULL-terminated array of the ids not
 * done yet, freed with one taskorch_free (NULL on success). Errors:
 * TASKORCH_EINVAL (bad until), TASKORCH_ENOTFOUND / TASKORCH_EAMBIGUOUS (an
 * id; checked before waiting), TASKORCH_ENOMEM, TASKORCH_ESTORE. */
TASKORCH_API int taskorch_task_wait(char ***out, taskorch_db *db, const char *const *ids,
                                    size_t n_ids, int until, int timeout_ms);

/* Deletes a task and everything attached to it (edges, tags, files,
 * messages, participants); a "deleted" event records it. While other tasks
 * depend on it: TASKORCH_EHASDEPENDENTS (the message lists them) unless
 * TASKORCH_FORCE, which removes those edges and re-evaluates the
 * dependents. */
TASKORCH_API int taskorch_task_delete(taskorch_db *db, const char *id_or_prefix,
                                      unsigned int flags);

/* ------------------------------------------------------------------------ */
/* Listing tasks                                                             */

typedef struct taskorch_task_iter taskorch_task_iter;

typedef enum taskorch_sort {
    TASKORCH_SORT_PRIORITY = 0, /* critical first, then oldest first */
    TASKORCH_SORT_CREATED = 1,  /* oldest first */
    TASKORCH_SORT_UPDATED = 2   /* most recently updated first */
} taskorch_sort;

/* taskorch_task_query.flags */
#define TASKORCH_QUERY_UNASSIGNED 0x1u /* only tasks without an assignee */
#define TASKORCH_QUERY_HAS_DEPS 0x2u   /* only tasks with dependencies */
#define TASKORCH_QUERY_READY 0x4u      /* pending, every dependency completed */
#define TASKORCH_QUERY_DETAILS 0x8u    /* load tags, files, dependency ids */

typedef struct taskorch_task_query {
    unsigned int version;   /* TASKORCH_TASK_QUERY_VERSION */
    unsigned int statuses;  /* bit (1 << status) per wanted status; 0: any */
    const char *assignee;   /* NULL: any */
    const char *tag;        /* NULL: any */
    int priority;           /* -1: any */
    size_t limit;           /* 0: no limit */
    int sort;               /* taskorch_sort */
    unsigned int flags;     /* TASKORCH_QUERY_* */
} taskorch_task_query;

#define TASKORCH_TASK_QUERY_VERSION 1
#define TASKORCH_TASK_QUERY_INIT \
    { TASKORCH_TASK_QUERY_VERSION, 0u, NULL, NULL, -1, 0, TASKORCH_SORT_PRIORITY, 0u }
TASKORCH_API int taskorch_task_query_init(taskorch_task_query *query, unsigned int version);

/* Runs a query (NULL: every task). Items carry tags, files and dependency
 * ids only with TASKORCH_QUERY_DETAILS. Errors: TASKORCH_EINVAL,
 * TASKORCH_ESTORE. */
TASKORCH_API int taskorch_task_iter_new(taskorch_task_iter **out, taskorch_db *db,
                                        const taskorch_task_query *query);

/* Stores the next task in *item (borrowed until the next call or free).
 * Returns TASKORCH_OK, then TASKORCH_ITEROVER. */
TASKORCH_API int taskorch_task_iter_next(taskorch_task_iter *it, const taskorch_task **item);

/* Number of items the iterator holds in all. */
TASKORCH_API size_t taskorch_task_iter_count(const taskorch_task_iter *it);

TASKORCH_API void taskorch_task_iter_free(taskorch_task_iter *it);

/* ------------------------------------------------------------------------ */
/* Dependencies                                                              */

/* Makes task depend on each of deps (ids or prefixes) in one transaction.
 * An edge that exists already is skipped. Self-dependencies and cycles are
 * TASKORCH_ECYCLE, the message spelling the cycle out
 * ("a1b2c3d4 -> 5e6f7a8b -> a1b2c3d4"). The task's blocked/pending status
 * is re-evaluated. Errors: also TASKORCH_ENOTFOUND, TASKORCH_EAMBIGUOUS,
 * TASKORCH_EINVAL, TASKORCH_EREADONLY, TASKORCH_EBUSY. */
TASKORCH_API int taskorch_dep_add(taskorch_db *db, const char *task,
                                  const char *const *deps, size_t n_deps);

/* Removes the edges task -> each of deps. An edge that does not exist is
 * TASKORCH_ENOTFOUND. The task's status is re-evaluated. */
TASKORCH_API int taskorch_dep_remove(taskorch_db *db, const char *task,
                                     const char *const *deps, size_t n_deps);

#define TASKORCH_DEP_PREREQUISITES 0 /* the tasks this task depends on */
#define TASKORCH_DEP_DEPENDENTS 1    /* the tasks that depend on this task */

/* Lists a task's dependencies or dependents as full tasks, oldest first. */
TASKORCH_API int taskorch_dep_iter_new(taskorch_task_iter **out, taskorch_db *db,
                                       const char *task, int direction);

/* ------------------------------------------------------------------------ */
/* Messages                                                                  */

enum taskorch_msg_kind_values {
    TASKORCH_MSG_NOTE = 0,     /* private to its author */
    TASKORCH_MSG_SHARE = 1,    /* shared update */
    TASKORCH_MSG_DISCOVER = 2, /* discovery: alerts everyone */
    TASKORCH_MSG_SYNC = 3,     /* sync checkpoint */
    TASKORCH_MSG_PROGRESS = 4  /* progress update */
};

/* Longest message, in bytes. */
#define TASKORCH_MSG_MAX 65536

/* Name of a message kind ("note", "share", "discover", "sync",
 * "progress"), or NULL when out of range; static strings. */
TASKORCH_API const char *taskorch_msg_kind_name(int kind);
/* Parses a kind name into *out. Errors: TASKORCH_EINVAL. */
TASKORCH_API int taskorch_msg_kind_parse(int *out, const char *name);

typedef struct taskorch_msg taskorch_msg;
typedef struct taskorch_msg_iter taskorch_msg_iter;

/* Posts a message on a task as the handle's agent, who thereby joins the
 * task. text: non-empty, not only whitespace, at most TASKORCH_MSG_MAX bytes
 * of UTF-8. request_id (NULL: the one set with taskorch_db_next_write, if
 * any) makes the post exactly idempotent: the same agent repeating it with
 * the same task, kind and text gets the first message's id back and no
 * second message; with anything else it is TASKORCH_EREQUEST. A progress
 * post on a task another agent holds is TASKORCH_ECONFLICT (unless
 * TASKORCH_WRITE_TAKEOVER). *out (may be NULL) receives the message id.
 * Errors: TASKORCH_EINVAL, TASKORCH_ENOTFOUND, TASKORCH_EAMBIGUOUS,
 * TASKORCH_ECONFLICT, TASKORCH_EREQUEST, TASKORCH_EREADONLY,
 * TASKORCH_EBUSY, TASKORCH_ESTORE. */
TASKORCH_API int taskorch_msg_post(int64_t *out, taskorch_db *db, const char *task,
                                   int kind, const char *text, const char *request_id);

/* Joins a task as the handle's agent (idempotent; a "joined" event the
 * first time). Errors: TASKORCH_ENOTFOUND, TASKORCH_EAMBIGUOUS,
 * TASKORCH_EINVAL (malformed id), TASKORCH_EREADONLY, TASKORCH_EBUSY,
 * TASKORCH_ESTORE. */
TASKORCH_API int taskorch_task_join(taskorch_db *db, const char *task);

typedef struct taskorch_msg_query {
    unsigned int version; /* TASKORCH_MSG_QUERY_VERSION */
    unsigned int kinds;   /* bit (1 << kind) per wanted kind; 0: any */
    int64_t since;        /* only messages with a larger id; 0: all */
    size_t limit;         /* the newest limit messages; 0: all */
} taskorch_msg_query;

#define TASKORCH_MSG_QUERY_VERSION 1
#define TASKORCH_MSG_QUERY_INIT { TASKORCH_MSG_QUERY_VERSION, 0u, 0, 0 }
TASKORCH_API int taskorch_msg_query_init(taskorch_msg_query *query, unsigned int version);

/* Lists a task's messages visible to the handle's agent (other agents'
 * notes never appear), oldest first; query NULL: all. *out is freed with
 * taskorch_msg_iter_free. Errors: TASKORCH_EINVAL (bad query or id),
 * TASKORCH_ENOTFOUND, TASKORCH_EAMBIGUOUS, TASKORCH_ESTORE. */
TASKORCH_API int taskorch_msg_iter_new(taskorch_msg_iter **out, taskorch_db *db,
                                       const char *task, const taskorch_msg_query *query);
/* Stores the next message in *item (borrowed until the next call or free):
 * TASKORCH_OK, then TASKORCH_ITEROVER; TASKORCH_EINVAL for NULL arguments. */
TASKORCH_API int taskorch_msg_iter_next(taskorch_msg_iter *it, const taskorch_msg **item);
TASKORCH_API void taskorch_msg_iter_free(taskorch_msg_iter *it);

/* Getters of a message; strings borrowed from its iterator. */
TASKORCH_API int64_t taskorch_msg_id(const taskorch_msg *msg);
TASKORCH_API const char *taskorch_msg_task_id(const taskorch_msg *msg);
TASKORCH_API int taskorch_msg_kind(const taskorch_msg *msg);
TASKORCH_API const char *taskorch_msg_author(const taskorch_msg *msg);
TASKORCH_API const char *taskorch_msg_text(const taskorch_msg *msg);
TASKORCH_API int64_t taskorch_msg_created_at(const taskorch_msg *msg);

/* Participants of a task (agents who joined or posted), in joining order.
 * *out receives a NULL-terminated array of strings, freed with one
 * taskorch_free. Errors: TASKORCH_ENOTFOUND, TASKORCH_EAMBIGUOUS,
 * TASKORCH_EINVAL, TASKORCH_ENOMEM, TASKORCH_ESTORE. */
TASKORCH_API int taskorch_task_participants(char ***out, taskorch_db *db, const char *task);

/* ------------------------------------------------------------------------ */
/* Events: the change feed                                                   */

typedef struct taskorch_event taskorch_event;
typedef struct taskorch_event_iter taskorch_event_iter;

/* taskorch_event_query.flags */
#define TASKORCH_EVENTS_MINE 0x1u /* tasks I created, am assigned to or joined,
                                     plus every discovery and sync point */

typedef struct taskorch_event_query {
    unsigned int version;    /* TASKORCH_EVENT_QUERY_VERSION */
    int64_t after;           /* only events with a larger id */
    const char *task;        /* id or prefix; NULL: every task */
    const char *const *kinds; /* event kind names; NULL: all */
    size_t n_kinds;
    size_t limit;            /* 0: no limit */
    unsigned int flags;      /* TASKORCH_EVENTS_* */
} taskorch_event_query;

#define TASKORCH_EVENT_QUERY_VERSION 1
#define TASKORCH_EVENT_QUERY_INIT { TASKORCH_EVENT_QUERY_VERSION, 0, NULL, NULL, 0, 0, 0u }
TASKORCH_API int taskorch_event_query_init(taskorch_event_query *query, unsigned int version);

/* Event kinds: "created", "updated", "status", "assigned", "unblocked",
 * "blocked", "dep_added", "dep_removed", "deleted", "joined", "note",
 * "share", "discover", "sync", "progress", "claimed", "released",
 * "expired". Returns 1 for a known kind. */
TASKORCH_API int taskorch_event_kind_known(const char *kind);

/* Lists events visible to the handle's agent (notes only to their author),
 * oldest first. Errors: TASKORCH_EINVAL (unknown kind), TASKORCH_ENOTFOUND,
 * TASKORCH_EAMBIGUOUS, TASKORCH_ESTORE. */
TASKORCH_API int taskorch_event_iter_new(taskorch_event_iter **out, taskorch_db *db,
                                         const taskorch_event_query *query);
/* Stores the next event in *item (borrowed until the next call or free):
 * TASKORCH_OK, then TASKORCH_ITEROVER; TASKORCH_EINVAL for NULL arguments. */
TASKORCH_API int taskorch_event_iter_next(taskorch_event_iter *it,
                                          const taskorch_event **item);
TASKORCH_API void taskorch_event_iter_free(taskorch_event_iter *it);

/* Getters of an event; strings borrowed from its iterator. task_id is NULL
 * for events about no task. */
TASKORCH_API int64_t taskorch_event_id(const taskorch_event *ev);
TASKORCH_API int64_t taskorch_event_time(const taskorch_event *ev);
TASKORCH_API const char *taskorch_event_kind(const taskorch_event *ev);
TASKORCH_API const char *taskorch_event_task_id(const taskorch_event *ev);
TASKORCH_API const char *taskorch_event_agent(const taskorch_event *ev);
/* Human-readable text: the message, or a description of the change. */
TASKORCH_API const char *taskorch_event_text(const taskorch_event *ev);

/* Typed members (docs/events.md has the schema with an example per kind).
 * from/to: the statuses of a status change ("status", "unblocked",
 * "blocked", "claimed", "released", "expired"), -1 when none. */
TASKORCH_API int taskorch_event_from(const taskorch_event *ev);
TASKORCH_API int taskorch_event_to(const taskorch_event *ev);
/* The agent the task is handed to ("created" with an assignee, "assigned",
 * "claimed", "released"), or the holder whose lease ended ("expired");
 * NULL when none. */
TASKORCH_API const char *taskorch_event_assignee(const taskorch_event *ev);
/* Claim number ("claimed", "released", "expired", completion by a
 * holder), 0 when none. */
TASKORCH_API int64_t taskorch_event_claim(const taskorch_event *ev);
/* Lease expiry of a "claimed" event (ms since the epoch), 0 when none. */
TASKORCH_API int64_t taskorch_event_lease_until(const taskorch_event *ev);
/* The task whose completion caused an "unblocked" event; NULL otherwise. */
TASKORCH_API const char *taskorch_event_cause(const taskorch_event *ev);
/* The message of a message event ("note", "share", ...), 0 otherwise. */
TASKORCH_API int64_t taskorch_event_msg_id(const taskorch_event *ev);
/* 1 when the change was forced past unfinished dependencies or past
 * another agent's claim. */
TASKORCH_API int taskorch_event_forced(const taskorch_event *ev);

/* Id of the newest event (0 when none) in *out. Errors: TASKORCH_EINVAL
 * (NULL argument), TASKORCH_ESTORE. */
TASKORCH_API int taskorch_event_last_id(int64_t *out, taskorch_db *db);

/* Waits until an event with an id larger than after exists, or timeout_ms
 * passes (< 0: forever). Holds no transaction while it waits. Returns
 * TASKORCH_OK when there is news, TASKORCH_ETIMEOUT otherwise, or
 * TASKORCH_ESTORE / TASKORCH_EINVAL (NULL db). */
TASKORCH_API int taskorch_event_wait(taskorch_db *db, int64_t after, int timeout_ms);

/* A named consumer's position in the feed (0 when never stored). */
TASKORCH_API int taskorch_cursor_get(int64_t *out, taskorch_db *db, const char *consumer);
/* Stores a consumer's position (replacing the previous one). A consumer
 * name is 1..128 bytes with the character rules of an agent id, except
 * that it may hold '/', which an agent id never does: name a cursor that
 * belongs to an agent but is not its own feed "AGENT/SOMETHING" (tm names
 * a filtered watch "AGENT/view-HASH"), and no agent can move it by taking
 * its name as an agent id. Both cursor functions return TASKORCH_EINVAL
 * for a bad name. */
TASKORCH_API int taskorch_cursor_set(taskorch_db *db, const char *consumer, int64_t event_id);

/* ------------------------------------------------------------------------ */
/* Warnings, maintenance and backups (since 0.2)                            */

/* A problem that did not fail the last operation, in one line, or NULL when
 * there was none. Today these come from the markdown mirror: a write that
 * committed but whose mirror files could not be updated (the mirror lock
 * stayed held past the busy timeout, a mirror folder or file is a symbolic
 * link, not a folder / regular file, or owned by another user) succeeds and
 * leaves the reason here; the mirror is brought up to date by the next
 * write of the same task or by taskorch_mirror_rebuild. Each write
 * transaction clears it when it begins (so does taskorch_mirror_rebuild),
 * so it describes the last write; a call refused before it began to write
 * leaves it as it was. Borrowed until the next call on the handle or its
 * close. NULL db gives NULL. */
TASKORCH_API const char *taskorch_db_warning(const taskorch_db *db);

/* Checks a store and returns what is wrong in *out: a NULL-terminated
 * array of one-line findings (none: an array holding just NULL), freed with
 * one taskorch_free. Each line reads "AREA: text", AREA being one of
 *   integrity  PRAGMA integrity_check / foreign_key_check found damage
 *   schema     the schema version is not the one this library writes
 *   wal        the -wal file is over 64 MiB (checkpoints are starved)
 *   mode       the store file (or -wal/-shm) or a notes file can be read
 *              by group or others
 *   foreign    an entry of the store's folder that is neither the store
 *              nor its mirror
 *   mirror     a mirror file missing, stale (differs from what the store
 *              says), left over (no such task or notes, a *.tmp.* file), a
 *              mirror folder that is a symbolic link or not the user's, or
 *              a mirror lock held past the busy timeout.
 * foreign and mirror are checked only when the handle writes a mirror (a
 * store named tasks.db, opened without TASKORCH_OPEN_NO_MIRROR or
 * TASKORCH_OPEN_READONLY). The mirror is compared under its lock, so concurrent writers
 * do not show up as drift. Nothing is changed; no link is followed.
 * Findings are not errors: the return value is TASKORCH_OK whenever the
 * check could run. Errors: TASKORCH_EINVAL (NULL argument),
 * TASKORCH_ENOMEM, TASKORCH_ESTORE; *out is NULL on failure. */
TASKORCH_API int taskorch_check(char ***out, taskorch_db *db);

/* Rebuilds the markdown mirror from the store under the mirror lock: writes
 * every task's context file, every agent's notes files and the archive of
 * every completed task (new files 0600, new folders 0700), and removes the
 * entries of contexts/, notes/ and archives/ that belong to no task or
 * notes (temporary leftovers included; a link is removed itself, never
 * followed). The store's own files and their modes are not touched.
 * Errors: TASKORCH_EINVAL (NULL db, or the handle writes no mirror: opened
 * with TASKORCH_OPEN_NO_MIRROR or a store not named tasks.db),
 * TASKORCH_EREADONLY, TASKORCH_EBUSY (the mirror lock stayed held past the
 * busy timeout), TASKORCH_ESTORE (a mirror folder or file could not be
 * written safely; taskorch_db_errmsg names it, the rest is rebuilt),
 * TASKORCH_ENOMEM. */
TASKORCH_API int taskorch_mirror_rebuild(taskorch_db *db);

/* Writes a consistent copy of the store to the file path while other
 * handles and processes keep writing: SQLite's online backup copies every
 * page in one read transaction into a new 0600 file beside path, which
 * then takes the name path in one step, so path never holds half a copy.
 * The copy is a complete store (open it with taskorch_db_open). No link
 * is followed. flags: 0 or TASKORCH_FORCE (replace an existing path; without
 * it an existing path is refused). Errors: TASKORCH_EINVAL (NULL db, empty
 * path, unknown flags, or path exists without TASKORCH_FORCE),
 * TASKORCH_ESTORE (path's folder does not exist or cannot be written),
 * TASKORCH_EBUSY, TASKORCH_ENOMEM. On failure nothing is left at path. */
TASKORCH_API int taskorch_db_backup(taskorch_db *db, const char *path, unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif /* TASKORCH_H */
