/*
 * Building a new population file and putting it in place of the old one.
 *
 * The population file is never written in place (store_population.c reads it
 * as frozen). A build creates NAME.new, copies over the citizens of the current
 * file that are to stay, takes the new rows, and on commit syncs the new file,
 * renames it over NAME and syncs the directory. A build that fails or is cut
 * short by a crash leaves the old population whole; its leftover NAME.new is
 * removed by the next build. An exclusive flock(2) on NAME.lock keeps two
 * builds (from any processes) from racing.
 *
 * Also here: the one-time move of the citizens that databases before schema 10
 * kept in a table of the main file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/datadir.h"
#include "core/log.h"
#include "store/store_int.h"
#include "store/store_population_cols.h"

/* The table of the population file (the columns of migration 004, which kept
 * it in the main file). */
static const char POP_SCHEMA[] =
	"CREATE TABLE population ("
	" id INTEGER PRIMARY KEY,"
	" citizen_id TEXT NOT NULL UNIQUE CHECK (length(citizen_id) = 12),"
	" full_name TEXT NOT NULL,"
	" date_of_birth TEXT NOT NULL,"
	" sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),"
	" nationality TEXT NOT NULL,"
	" ethnicity TEXT NOT NULL,"
	" religion TEXT NOT NULL,"
	" place_of_origin TEXT NOT NULL,"
	" place_of_birth TEXT NOT NULL,"
	" permanent_address TEXT NOT NULL,"
	" current_address TEXT NOT NULL,"
	" household_id TEXT NOT NULL,"
	" household_head TEXT NOT NULL,"
	" relation_to_head TEXT NOT NULL,"
	" marital_status TEXT NOT NULL,"
	" synthetic INTEGER NOT NULL DEFAULT 1"
	") STRICT";

struct store_population_build {
	struct store *st;
	sqlite3 *db;
	sqlite3_stmt *ins;
	int lock_fd;
	int64_t left_out;
	char tmp[DATADIR_PATH_MAX + 8];
};

static int build_fail(struct store_population_build *b, int rc, const char *what)
{
	log_error("store", "building the population file %s: %s: %s", b->tmp[0] ? b->tmp : b->st->pop_path, what,
		  b->db ? sqlite3_errmsg(b->db) : strerror(errno));
	return rc;
}

static int build_exec(struct store_population_build *b, const char *sql, const char *what)
{
	int rc = sqlite3_exec(b->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? STORE_OK : build_fail(b, store_rc(NULL, rc, what), what);
}

/* Copies the citizens of the population table of the database at `path` (all of
 * them, or only those not synthetic) into the new file; an id already there is
 * kept as it is. Counts the synthetic ones left out. */
static int copy_from(struct store_population_build *b, const char *path, bool real_only)
{
	sqlite3_stmt *s = NULL;
	int rc;
	if (sqlite3_prepare_v2(b->db, "ATTACH ?1 AS old", -1, &s, NULL) != SQLITE_OK)
		return build_fail(b, STORE_EIO, "attach");
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	int step = sqlite3_step(s);
	sqlite3_finalize(s);
	if (step != SQLITE_DONE)
		return build_fail(b, store_rc(NULL, step, "attach"), "attach the current population");
	rc = build_exec(b,
			real_only ? "INSERT OR IGNORE INTO main.population(" CITIZEN_COLS ") SELECT " CITIZEN_COLS
				    " FROM old.population WHERE synthetic = 0"
				  : "INSERT OR IGNORE INTO main.population(" CITIZEN_COLS ") SELECT " CITIZEN_COLS
				    " FROM old.population",
			"copy the current population");
	if (rc == STORE_OK && real_only) {
		if (sqlite3_prepare_v2(b->db, "SELECT count(*) FROM old.population WHERE synthetic <> 0", -1, &s,
				       NULL) != SQLITE_OK ||
		    sqlite3_step(s) != SQLITE_ROW)
			rc = build_fail(b, STORE_EIO, "count the synthetic citizens");
		else
			b->left_out += sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	int drc = build_exec(b, "DETACH old", "detach the current population");
	return rc ? rc : drc;
}

void store_population_abort(struct store_population_build *b)
{
	if (!b)
		return;
	sqlite3_finalize(b->ins);
	if (b->db)
		sqlite3_close_v2(b->db);
	if (b->tmp[0])
		unlink(b->tmp);
	if (b->lock_fd >= 0)
		close(b->lock_fd); /* releases the flock */
	free(b);
}

/* store_population_begin, and also copies every citizen of the main database at
 * `also` (NULL for none) when it is not NULL. */
static int build_start(struct store *st, enum store_population_keep keep, const char *also,
		       struct store_population_build **out)
{
	char lock[DATADIR_PATH_MAX + 8];
	struct stat sb;
	*out = NULL;
	struct store_population_build *b = calloc(1, sizeof *b);
	if (!b)
		return STORE_EIO;
	b->st = st;
	b->lock_fd = -1;
	if (snprintf(lock, sizeof lock, "%s.lock", st->pop_path) >= (int)sizeof lock) {
		free(b);
		return STORE_EINVAL;
	}
	b->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (b->lock_fd < 0 || flock(b->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		int busy = b->lock_fd >= 0 && errno == EWOULDBLOCK;
		if (!busy)
			log_error("store", "cannot lock %s: %s", lock, strerror(errno));
		store_population_abort(b);
		return busy ? STORE_EBUSY : STORE_EIO;
	}
	/* We hold the lock: a NAME.new here is what a crashed build left. */
	snprintf(b->tmp, sizeof b->tmp, "%s.new", st->pop_path);
	unlink(b->tmp);
	int fd = open(b->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int rc = build_fail(b, STORE_EIO, "create");
		b->tmp[0] = '\0';
		store_population_abort(b);
		return rc;
	}
	close(fd);
	int rc = STORE_EIO;
	if (sqlite3_open_v2(b->tmp, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		build_fail(b, STORE_EIO, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(b->db, 1);
	sqlite3_busy_timeout(b->db, 5000);
	/* No journal and no syncs while building: the file counts only once commit
	 * has synced it whole and renamed it into place. */
	if ((rc = build_exec(b, "PRAGMA journal_mode = OFF", "set up")) ||
	    (rc = build_exec(b, "PRAGMA synchronous = OFF", "set up")) ||
	    (rc = build_exec(b, POP_SCHEMA, "create the table")))
		goto fail;
	if (stat(st->pop_path, &sb) == 0 && (rc = copy_from(b, st->pop_path, keep == STORE_POP_KEEP_REAL)))
		goto fail;
	if (also && (rc = copy_from(b, also, false)))
		goto fail;
	if (sqlite3_prepare_v2(b->db,
			       "INSERT INTO population(" CITIZEN_COLS ") VALUES "
			       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
			       -1, &b->ins, NULL) != SQLITE_OK) {
		rc = build_fail(b, STORE_EIO, "prepare");
		goto fail;
	}
	if ((rc = build_exec(b, "BEGIN", "begin")))
		goto fail;
	*out = b;
	return STORE_OK;
fail:
	store_population_abort(b);
	return rc;
}

int store_population_begin(struct store *st, enum store_population_keep keep, struct store_population_build **out)
{
	return build_start(st, keep, NULL, out);
}

int store_population_add(struct store_population_build *b, const struct store_citizen *rows, size_t n)
{
	for (size_t r = 0; r < n; r++) {
		const struct store_citizen *c = &rows[r];
		for (size_t i = 0; i < N_TEXT_COLS; i++)
			sqlite3_bind_text(b->ins, (int)i + 1, (const char *)c + citizen_text_cols[i].offset, -1,
					  SQLITE_STATIC);
		sqlite3_bind_int(b->ins, (int)N_TEXT_COLS + 1, c->synthetic);
		int step = sqlite3_step(b->ins);
		sqlite3_reset(b->ins);
		if (step != SQLITE_DONE)
			return (step & 0xff) == SQLITE_CONSTRAINT ? STORE_ECONFLICT
								   : build_fail(b, store_rc(NULL, step, "insert"), "insert");
	}
	return STORE_OK;
}

int store_population_commit(struct store_population_build *b, int64_t *left_out)
{
	struct store *st = b->st;
	char dir[DATADIR_PATH_MAX];
	int rc = build_exec(b, "COMMIT", "commit");
	if (rc)
		goto fail;
	sqlite3_finalize(b->ins);
	b->ins = NULL;
	if (sqlite3_close(b->db) != SQLITE_OK) {
		rc = build_fail(b, STORE_EIO, "close");
		goto fail;
	}
	b->db = NULL;
	int fd = open(b->tmp, O_RDONLY | O_CLOEXEC);
	bool synced = fd >= 0 && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		synced = false;
	if (!synced || rename(b->tmp, st->pop_path) != 0) {
		rc = build_fail(b, STORE_EIO, "sync and rename into place");
		goto fail;
	}
	b->tmp[0] = '\0'; /* it is the population now */
	atomic_fetch_add(&st->pop_gen, 1);
	snprintf(dir, sizeof dir, "%s", st->pop_path);
	if (datadir_fsync(dirname(dir)) != 0) {
		/* in place, but a crash could still bring the old one back */
		rc = build_fail(b, STORE_EIO, "sync the directory after the rename");
		goto fail;
	}
	if (left_out)
		*left_out = b->left_out;
	store_population_abort(b);
	return STORE_OK;
fail:
	store_population_abort(b);
	return rc;
}

int store_citizen_insert_many(struct store *st, const struct store_citizen *rows, size_t n)
{
	struct store_population_build *b = NULL;
	int rc = store_population_begin(st, STORE_POP_KEEP_ALL, &b);
	if (rc)
		return rc;
	rc = store_population_add(b, rows, n);
	if (rc) {
		store_population_abort(b);
		return rc;
	}
	return store_population_commit(b, NULL);
}

int store_population_upgrade(struct store *st, char *why, size_t why_size)
{
	sqlite3_stmt *s = NULL;
	int64_t rows = 0;
	int step = SQLITE_DONE;
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'population'",
			       -1, &s, NULL) == SQLITE_OK &&
	    (step = sqlite3_step(s)) == SQLITE_ROW && sqlite3_column_int(s, 0) == 1) {
		sqlite3_finalize(s);
		s = NULL;
		if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM population", -1, &s, NULL) == SQLITE_OK &&
		    (step = sqlite3_step(s)) == SQLITE_ROW)
			rows = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		snprintf(why, why_size, "cannot read the population table of %s: %s", st->path, sqlite3_errstr(step));
		return STORE_EIO;
	}
	if (rows == 0)
		return STORE_OK; /* nothing to move; migration 010 drops the (empty) table */
	struct store_population_build *b = NULL;
	int rc = build_start(st, STORE_POP_KEEP_ALL, st->path, &b);
	if (rc == STORE_OK)
		rc = store_population_commit(b, NULL);
	if (rc) {
		snprintf(why, why_size, "cannot move the %lld citizens of %s into %s (%s); nothing was changed",
			 (long long)rows, st->path, st->pop_path, store_strerror(rc));
		return rc;
	}
	log_info("store", "moved %lld citizens from %s into their own file %s", (long long)rows, st->path,
		 st->pop_path);
	return STORE_OK;
}
