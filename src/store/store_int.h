/*
 * Internals shared by the files of the SQLite backend: the connection, its lock,
 * and helpers that map SQLite result codes to enum store_err.
 */
#ifndef CANHGAC_STORE_STORE_INT_H
#define CANHGAC_STORE_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* Statements of the per-request hot path (session, user, agency, citizen, the
 * lookup projection), prepared once for the connection's life instead of on every
 * call. Used with store_prepare_cached / store_release, under st->mu. */
enum store_cached_stmt {
	SC_SESSION_GET,
	SC_SESSION_TOUCH,
	SC_USER_BY_ID,
	SC_USER_BY_NAME,
	SC_AGENCY_GET,
	SC_CITIZEN_GET,
	SC_AUDIT_LOOKUP_INSERT,
	SC_AUDIT_DAILY_USER,
	SC_AUDIT_DAILY_AGENCY,
	SC_TOTP_GET,
	SC_DOSSIER_GET,
	SC_COUNT
};

/* Read-only connections for the hot-path reads (store_read.c). WAL lets them read
 * while the writer connection commits, so a lookup's session, user and citizen
 * reads never wait behind the audit projection's transaction and its fsync. Each
 * thread is given one slot (round-robin) for its life; threads sharing a slot take
 * turns on its mutex. */
#define STORE_READERS 8

struct store_reader {
	pthread_mutex_t mu;
	sqlite3 *db;             /* opened on first use; NULL when it could not be */
	bool tried;
	sqlite3_stmt *cached[SC_COUNT];
	/* The population file as this slot last opened it (store_population.c). */
	sqlite3 *pop;
	sqlite3_stmt *pop_get;
	uint64_t pop_dev, pop_ino, pop_gen;
};

struct store {
	sqlite3 *db;
	pthread_mutex_t mu;
	sqlite3_stmt *cached[SC_COUNT];
	char path[4096];
	char pop_path[4096];     /* the population file beside it (store_population.c) */
	/* Bumped when the population file was replaced (by this process at once, by
	 * another when the periodic check sees a new inode), so that every reader
	 * slot reopens it at its next read. */
	_Atomic uint64_t pop_gen;
	_Atomic int64_t pop_checked_ms;  /* the last periodic check (monotonic) */
	pthread_mutex_t pop_check_mu;    /* one thread checks; the others go on */
	uint64_t pop_seen_dev, pop_seen_ino; /* under pop_check_mu: what it saw */
	struct store_reader readers[STORE_READERS];
	/* Bumped after every committed change to users, sessions, agencies or
	 * user_totp (update hook marks, WAL hook bumps after the commit), so caches of
	 * what those tables say can tell at once that they are stale. */
	_Atomic uint64_t accounts_gen;
	bool accounts_dirty;     /* under mu: a change not yet committed */
	bool accounts_quiet;     /* under mu: this write does not invalidate (session touch) */
};

/* A connection to read with: a reader of the calling thread (locked) or, when
 * none can be opened, the writer (locked). Ended with store_read_end. */
struct store_rd {
	sqlite3 *db;
	sqlite3_stmt **cached;
	pthread_mutex_t *mu;
};
void store_read_begin(struct store *st, struct store_rd *rd);
/* The calling thread's reader slot, locked (whether or not its connection to the
 * main database opened); give it back with pthread_mutex_unlock(&r->mu). */
struct store_reader *store_reader_lock(struct store *st);
void store_read_end(struct store_rd *rd);
/* The cached statement `id` of the read connection (same contract as
 * store_prepare_cached); give it back with store_release. */
int store_rd_prepare(struct store_rd *rd, enum store_cached_stmt id, const char *sql, sqlite3_stmt **out);

/* Readers' locks (before the writer opens); the hooks that keep accounts_gen
 * (once it is open); closing the readers. */
void store_read_init(struct store *st);
void store_read_setup(struct store *st);
void store_read_close(struct store *st);

/* Maps a SQLite result code to enum store_err and logs unexpected ones. */
int store_rc(struct store *st, int rc, const char *what);

/* Prepares `sql` or returns a store error (logged). */
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **out);

/* The cached statement `id` (prepared on first use with `sql`, which must be the
 * same text every time). Give it back with store_release, never sqlite3_finalize. */
int store_prepare_cached(struct store *st, enum store_cached_stmt id, const char *sql, sqlite3_stmt **out);

/* Resets a cached statement and clears its bindings; NULL is ignored. */
void store_release(sqlite3_stmt *s);

/* Runs one statement of the binary's own constant SQL, with no values in it
 * (BEGIN IMMEDIATE, COMMIT, ROLLBACK, DELETE FROM table). `what` names it in logs. */
int store_exec(struct store *st, const char *sql, const char *what);

/* Binds a text or NULL when `s` is NULL. */
int store_bind_text(sqlite3_stmt *s, int idx, const char *v);

/* Copies column `col` into out (empty string for NULL); -1 when it does not fit. */
int store_column_copy(sqlite3_stmt *s, int col, char *out, size_t size);

int store_migrate(struct store *st, char *why, size_t why_size);

/* Closes a reader slot's population connection (under its mutex, or at close). */
void store_population_reader_close(struct store_reader *r);
/* Before the migrations: moves the rows of the population table that databases
 * before schema 10 kept in the main file into the population file (migration
 * 010 then drops the table). Nothing to do for newer databases. */
int store_population_upgrade(struct store *st, char *why, size_t why_size);

/* Inserts the event rows of a projection batch (store_audit_events.c), inside the
 * caller's transaction, under st->mu; rows with seq <= mark are skipped. */
int store_audit_events_insert_locked(struct store *st, const struct store_audit_event *ev, size_t n,
				     int64_t mark);

#endif
