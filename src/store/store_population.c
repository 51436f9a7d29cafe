/*
 * Reading the embedded population, which lives in its own file beside the main
 * database (canhgac.db -> canhgac.population.db), never written in place: a new
 * population is built in a new file and renamed over it (store_population_build.c).
 *
 * So a reader can treat the file it opened as frozen. Each reader slot keeps a
 * read-only connection in exclusive locking mode (it takes its shared lock once
 * and keeps it, so a read costs no lock calls and no check that the file
 * changed) with the file memory-mapped (so a read costs no pread). A writer
 * that ignored the rule and wrote in place would find the file locked (busy)
 * rather than change it under a reader. A replaced file is noticed at once
 * when this process replaced it, otherwise by one check of the path's inode
 * every POP_RECHECK_MS, or when a slot opening for the first time finds a new
 * one; either way pop_gen moves every slot to it at its next read, so they do
 * not answer from two populations for long.
 *
 * Were the citizens in the main file, every commit of the audit projections
 * would empty the readers' page caches (WAL mode) and each lookup would go back
 * to the file for its citizen: see docs/ARCHITECTURE.md.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "core/log.h"
#include "store/store_int.h"
#include "store/store_population_cols.h"

#define POP_RECHECK_MS 1000
/* The mapping; a larger file is read beyond it with pread. */
#define POP_MMAP_BYTES "2147418112"

int store_population_path(const char *db_path, char *out, size_t size)
{
	size_t n = strlen(db_path);
	if (n >= 3 && strcmp(db_path + n - 3, ".db") == 0)
		n -= 3;
	int w = snprintf(out, size, "%.*s.population.db", (int)n, db_path);
	return w < 0 || (size_t)w >= size ? -1 : 0;
}

void store_population_reader_close(struct store_reader *r)
{
	sqlite3_finalize(r->pop_get);
	if (r->pop)
		sqlite3_close_v2(r->pop);
	r->pop_get = NULL;
	r->pop = NULL;
	r->pop_dev = r->pop_ino = 0;
}

/* Opens the population file read-only; STORE_ENOTFOUND when there is none yet.
 * Serving connections keep their lock and map the file. */
static int pop_open(const char *path, bool for_serving, sqlite3 **out)
{
	*out = NULL;
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close_v2(db);
		if (rc == SQLITE_CANTOPEN)
			return STORE_ENOTFOUND;
		log_error("store", "cannot open the population file %s: %s", path, sqlite3_errstr(rc));
		return STORE_EIO;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	if (for_serving && (sqlite3_exec(db, "PRAGMA locking_mode = EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK ||
			    sqlite3_exec(db, "PRAGMA mmap_size = " POP_MMAP_BYTES, NULL, NULL, NULL) != SQLITE_OK)) {
		log_error("store", "cannot set up the population file %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close_v2(db);
		return STORE_EIO;
	}
	*out = db;
	return STORE_OK;
}

/* At most once per POP_RECHECK_MS, by one thread: a new inode at the path means
 * another process replaced the file, and pop_gen tells every slot. */
static void pop_check_replaced(struct store *st)
{
	int64_t now = clock_mono_ms();
	if (now - atomic_load(&st->pop_checked_ms) < POP_RECHECK_MS || pthread_mutex_trylock(&st->pop_check_mu) != 0)
		return;
	if (now - atomic_load(&st->pop_checked_ms) >= POP_RECHECK_MS) {
		struct stat sb;
		uint64_t dev = 0, ino = 0;
		if (stat(st->pop_path, &sb) == 0) {
			dev = (uint64_t)sb.st_dev;
			ino = (uint64_t)sb.st_ino;
		}
		if (dev != st->pop_seen_dev || ino != st->pop_seen_ino) {
			st->pop_seen_dev = dev;
			st->pop_seen_ino = ino;
			atomic_fetch_add(&st->pop_gen, 1);
		}
		atomic_store(&st->pop_checked_ms, now);
	}
	pthread_mutex_unlock(&st->pop_check_mu);
}

/* Makes r->pop the current population file, reopening it when it was replaced. */
static int pop_refresh(struct store *st, struct store_reader *r)
{
	pop_check_replaced(st);
	uint64_t gen = atomic_load(&st->pop_gen);
	if (r->pop && r->pop_gen == gen)
		return STORE_OK;
	struct stat sb;
	bool exists = stat(st->pop_path, &sb) == 0;
	r->pop_gen = gen;
	if (r->pop && exists && (uint64_t)sb.st_dev == r->pop_dev && (uint64_t)sb.st_ino == r->pop_ino)
		return STORE_OK;
	if (r->pop)
		log_info("store", "the population file %s was replaced; reading the new one", st->pop_path);
	store_population_reader_close(r);
	if (!exists)
		return STORE_ENOTFOUND;
	int rc = pop_open(st->pop_path, true, &r->pop);
	if (rc)
		return rc;
	/* The inode seen before the open: were the file replaced in between, the
	 * next periodic check sees a different one and every slot opens again. */
	r->pop_dev = (uint64_t)sb.st_dev;
	r->pop_ino = (uint64_t)sb.st_ino;
	/* The first slot to open a new file moves the others to it too. */
	pthread_mutex_lock(&st->pop_check_mu);
	if (r->pop_dev != st->pop_seen_dev || r->pop_ino != st->pop_seen_ino) {
		st->pop_seen_dev = r->pop_dev;
		st->pop_seen_ino = r->pop_ino;
		r->pop_gen = atomic_fetch_add(&st->pop_gen, 1) + 1;
	}
	pthread_mutex_unlock(&st->pop_check_mu);
	return STORE_OK;
}

int store_citizen_get(struct store *st, const char *citizen_id, struct store_citizen *out)
{
	struct store_reader *r = store_reader_lock(st);
	int rc = pop_refresh(st, r);
	if (rc)
		goto out;
	if (!r->pop_get && sqlite3_prepare_v3(r->pop, "SELECT " CITIZEN_COLS " FROM population WHERE citizen_id = ?1",
					      -1, SQLITE_PREPARE_PERSISTENT, &r->pop_get, NULL) != SQLITE_OK) {
		log_error("store", "the population file %s: %s", st->pop_path, sqlite3_errmsg(r->pop));
		rc = STORE_ECORRUPT;
		goto out;
	}
	sqlite3_stmt *s = r->pop_get;
	store_bind_text(s, 1, citizen_id);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		rc = STORE_OK;
		for (size_t i = 0; i < N_TEXT_COLS && rc == STORE_OK; i++) {
			char *dst = (char *)out + citizen_text_cols[i].offset;
			if (store_column_copy(s, (int)i, dst, citizen_text_cols[i].size))
				rc = STORE_ECORRUPT; /* a value longer than the schema allows */
		}
		out->synthetic = sqlite3_column_int(s, (int)N_TEXT_COLS) != 0;
	} else {
		rc = step == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(NULL, step, "citizen get");
	}
	store_release(s);
out:
	pthread_mutex_unlock(&r->mu);
	return rc;
}

int store_citizen_count(struct store *st, int64_t *out)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	*out = 0;
	int rc = pop_open(st->pop_path, false, &db);
	if (rc)
		return rc == STORE_ENOTFOUND ? STORE_OK : rc; /* no file yet: nobody */
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM population", -1, &s, NULL) != SQLITE_OK) {
		rc = STORE_ECORRUPT;
		log_error("store", "the population file %s: %s", st->pop_path, sqlite3_errmsg(db));
		goto out;
	}
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	rc = step == SQLITE_ROW ? STORE_OK : store_rc(NULL, step, "population count");
out:
	sqlite3_finalize(s);
	sqlite3_close_v2(db);
	return rc;
}

int store_citizen_sample(struct store *st, int count, int (*fn)(const char *citizen_id, void *arg), void *arg)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char id[16];
	if (count < 0)
		return STORE_EINVAL;
	int rc = pop_open(st->pop_path, false, &db);
	if (rc)
		return rc == STORE_ENOTFOUND ? STORE_OK : rc;
	if (sqlite3_prepare_v2(db, "SELECT citizen_id FROM population ORDER BY random() LIMIT ?1", -1, &s, NULL) !=
	    SQLITE_OK) {
		rc = STORE_ECORRUPT;
		log_error("store", "the population file %s: %s", st->pop_path, sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int(s, 1, count);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (store_column_copy(s, 0, id, sizeof id))
			continue;
		if (fn(id, arg))
			break;
	}
	rc = store_rc(NULL, step, "population sample");
out:
	sqlite3_finalize(s);
	sqlite3_close_v2(db);
	return rc;
}
