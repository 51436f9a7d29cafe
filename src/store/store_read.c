/*
 * Read-only connections beside the one writer, and the accounts generation.
 *
 * The writer connection (st->db under st->mu) does every write, including the
 * audit projection's batch transaction with its fsync. The hot-path reads of a
 * request (session, user, second factor, agency) go to one of STORE_READERS
 * read-only connections instead: in WAL mode they read the last committed state
 * without waiting for the writer, and each has its own prepared statements and
 * page cache. A thread keeps the slot it was first given. The slot also holds
 * the thread's connection to the population file (store_population.c).
 *
 * accounts_gen lets callers cache what the account tables say (the session cache
 * in src/auth/session_cache.c): the update hook marks a change to users, sessions,
 * agencies or user_totp, and the WAL hook (run after the commit, with the write
 * lock released) bumps the counter. Bumping only after the commit matters: a
 * reader that saw the old generation and then read the old rows is invalidated by
 * the bump; a reader that saw the new generation reads committed rows.
 */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "store/store_int.h"

/* SQLite's own default (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT): setting a WAL hook
 * replaces the automatic checkpoint, so the hook does it. */
#define WAL_CHECKPOINT_PAGES 1000
/* Each read connection's page cache, KiB (at most STORE_READERS of them). */
#define READER_CACHE_KIB "16384"

static _Atomic unsigned next_slot;
static _Thread_local int thread_slot = -1;

static void on_update(void *arg, int op, const char *db, const char *table, sqlite3_int64 rowid)
{
	struct store *st = arg;
	(void)op;
	(void)db;
	(void)rowid;
	if (st->accounts_quiet)
		return;
	if (strcmp(table, "users") == 0 || strcmp(table, "sessions") == 0 || strcmp(table, "agencies") == 0 ||
	    strcmp(table, "user_totp") == 0)
		st->accounts_dirty = true;
}

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *st = arg;
	if (st->accounts_dirty) {
		st->accounts_dirty = false;
		atomic_fetch_add(&st->accounts_gen, 1);
	}
	if (pages >= WAL_CHECKPOINT_PAGES)
		sqlite3_wal_checkpoint(db, name);
	return SQLITE_OK;
}

void store_read_init(struct store *st)
{
	atomic_store(&st->accounts_gen, 1);
	for (int i = 0; i < STORE_READERS; i++)
		pthread_mutex_init(&st->readers[i].mu, NULL);
}

void store_read_setup(struct store *st)
{
	sqlite3_update_hook(st->db, on_update, st);
	sqlite3_wal_hook(st->db, on_wal_commit, st);
}

void store_read_close(struct store *st)
{
	for (int i = 0; i < STORE_READERS; i++) {
		struct store_reader *r = &st->readers[i];
		for (int k = 0; k < SC_COUNT; k++)
			sqlite3_finalize(r->cached[k]);
		store_population_reader_close(r);
		if (r->db)
			sqlite3_close_v2(r->db);
		pthread_mutex_destroy(&r->mu);
	}
}

uint64_t store_accounts_generation(struct store *st)
{
	return atomic_load(&st->accounts_gen);
}

static void reader_open(struct store *st, struct store_reader *r)
{
	r->tried = true;
	int rc = sqlite3_open_v2(st->path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(r->db, 1);
		sqlite3_busy_timeout(r->db, 5000);
		/* A larger page cache than SQLite's 2 MiB: a lookup reads a leaf of the
		 * citizen index and one of the table, so the default held the pages of
		 * only a few hundred recently read citizens and most lookups went back
		 * to the file. It fills only as pages are read. */
		sqlite3_exec(r->db, "PRAGMA cache_size = -" READER_CACHE_KIB, NULL, NULL, NULL);
		return;
	}
	log_warn("store", "cannot open a read connection to %s (%s); reads share the writer's",
		 st->path, sqlite3_errstr(rc));
	sqlite3_close_v2(r->db);
	r->db = NULL;
}

struct store_reader *store_reader_lock(struct store *st)
{
	if (thread_slot < 0)
		thread_slot = (int)(atomic_fetch_add(&next_slot, 1) % STORE_READERS);
	struct store_reader *r = &st->readers[thread_slot];
	pthread_mutex_lock(&r->mu);
	return r;
}

void store_read_begin(struct store *st, struct store_rd *rd)
{
	struct store_reader *r = store_reader_lock(st);
	if (!r->tried)
		reader_open(st, r);
	if (r->db) {
		*rd = (struct store_rd){r->db, r->cached, &r->mu};
		return;
	}
	pthread_mutex_unlock(&r->mu);
	pthread_mutex_lock(&st->mu);
	*rd = (struct store_rd){st->db, st->cached, &st->mu};
}

void store_read_end(struct store_rd *rd)
{
	pthread_mutex_unlock(rd->mu);
}

int store_rd_prepare(struct store_rd *rd, enum store_cached_stmt id, const char *sql, sqlite3_stmt **out)
{
	if (!rd->cached[id]) {
		int rc = sqlite3_prepare_v3(rd->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &rd->cached[id], NULL);
		if (rc != SQLITE_OK) {
			log_error("store", "prepare: %s", sqlite3_errmsg(rd->db));
			rd->cached[id] = NULL;
			*out = NULL;
			return store_rc(NULL, rc, "prepare");
		}
	}
	*out = rd->cached[id];
	return STORE_OK;
}
