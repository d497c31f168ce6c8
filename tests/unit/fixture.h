/*
 * fixture.h - shared set-up for the Check suites of libtaskorch.
 *
 * Every test runs in its own forked child with its own temporary folder
 * (fx_dir), created by the checked fixture and removed afterwards; the
 * runner also removes the parent folder of all of them at the end, so a
 * failing test leaves nothing behind either.
 */
#ifndef TASKORCH_UNIT_FIXTURE_H
#define TASKORCH_UNIT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <check.h>

#include <taskorch.h>

/* This test's private folder (absolute, symlinks resolved). */
extern char fx_dir[];

/* Each suite file defines this; the shared main() runs it. */
Suite *unit_suite(void);

/* A test case with the per-test folder fixture and a timeout. */
TCase *fx_tcase(const char *name);

/* Size of a path buffer for fx_path. */
#define FX_PATH_SIZE 4096

/* Writes fx_dir/rel into buf (FX_PATH_SIZE bytes) and returns buf. */
char *fx_path(char *buf, const char *rel);

/* Opens the store folder fx_dir/store with CREATE as agent; asserts OK. */
taskorch_db *fx_open(const char *agent);
/* Opens path with flags and agent; returns the status, *out always set. */
int fx_try_open(taskorch_db **out, const char *path, unsigned int flags, const char *agent);
/* Path of the store file fx_open uses. */
const char *fx_store_file(void);

/* Creates a task with a title, priority (-1: default) and optional
 * dependencies (NULL-terminated varargs of ids); asserts OK; copies the id
 * into id (TASKORCH_ID_SIZE bytes). */
void fx_add(char *id, taskorch_db *db, const char *title, int priority, ...);

/* Loads a task (asserts OK) and returns a field. */
int fx_status(taskorch_db *db, const char *id);
int fx_blocked_by_hand(taskorch_db *db, const char *id);
size_t fx_dep_count(taskorch_db *db, const char *id);
/* Number of tasks in the store. */
size_t fx_task_count(taskorch_db *db);

/* Counts events of kind for task (NULL: any task) visible to db's agent. */
size_t fx_event_count(taskorch_db *db, const char *kind, const char *task);

/* Direct SQL on a store file, bypassing the library (for set-up that the
 * public API cannot express, and for checking what is left in the file). */
void fx_sql(const char *file, const char *sql);
int64_t fx_sql_int(const char *file, const char *sql);

/* Reads a whole file into a new buffer; *len receives its size. */
char *fx_read_file(const char *path, size_t *len);
void fx_write_file(const char *path, const void *data, size_t len);
int fx_exists(const char *path);

/* Spins until the wall clock's millisecond moves past ms, so that the next
 * write gets a strictly later timestamp (no sleeping, no timing assertion). */
void fx_wait_past_ms(int64_t ms);
/* Spins until the current millisecond is over. */
void fx_tick(void);

/* True when haystack contains needle. */
int fx_contains(const char *haystack, const char *needle);

#endif
