/*
 * Opening the SQLite database: file mode, pragmas, the corrupt-file check and the
 * version check, and the meta key/value table. Migrations are in migrate.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "store/store_int.h"

const char *store_strerror(int err)
{
	switch (err) {
	case STORE_OK: return "ok";
	case STORE_ENOENT: return "no database";
	case STORE_ECORRUPT: return "database corrupt";
	case STORE_ENEWER: return "database from a newer version";
	case STORE_EIO: return "database error";
	case STORE_ECONFLICT: return "conflict";
	case STORE_ENOTFOUND: return "not found";
	case STORE_EINVAL: return "invalid argument";
	case STORE_EBUSY: return "busy";
	}
	return "unknown store error";
}

int store_rc(struct store *st, int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return STORE_OK;
	case SQLITE_CONSTRAINT:
		return STORE_ECONFLICT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		log_error("store", "%s: database corrupt: %s", what, st ? sqlite3_errmsg(st->db) : "");
		return STORE_ECORRUPT;
	default:
		log_error("store", "%s: %s", what, st ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		return STORE_EIO;
	}
}

int store_prepare(struct store *st, const char *sql, sqlite3_stmt **out)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
	return rc == SQLITE_OK ? STORE_OK : store_rc(st, rc, "prepare");
}

int store_prepare_cached(struct store *st, enum store_cached_stmt id, const char *sql, sqlite3_stmt **out)
{
	if (!st->cached[id]) {
		int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->cached[id], NULL);
		if (rc != SQLITE_OK) {
			st->cached[id] = NULL;
			*out = NULL;
			return store_rc(st, rc, "prepare");
		}
	}
	*out = st->cached[id];
	return STORE_OK;
}

void store_release(sqlite3_stmt *s)
{
	if (!s)
		return;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

int store_exec(struct store *st, const char *sql, const char *what)
{
	return store_rc(st, sqlite3_exec(st->db, sql, NULL, NULL, NULL), what);
}

int store_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
	return v ? sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, idx);
}

int store_column_copy(sqlite3_stmt *s, int col, char *out, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(s, col) : 0;
	if (n >= size) {
		if (size)
			out[0] = '\0';
		return -1;
	}
	if (n)
		memcpy(out, t, n);
	out[n] = '\0';
	return 0;
}

static int exec_pragma(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Before SQLite starts: no memory statistics. With them on (Debian's default)
 * every allocation of every connection takes one process-wide mutex, which the
 * HTTP threads' citizen reads and the projection writer fought over. */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_open(const char *path, enum store_open_mode mode, struct store **out, char *why,
	       size_t why_size)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_setup);
	int rc = STORE_OK;
	struct store *st = NULL;
	*out = NULL;
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (mode != STORE_OPEN_CREATE) {
			snprintf(why, why_size,
				 "no database at %s: run 'canhgac init --data DIR' first, or pass the right --data",
				 path);
			return STORE_ENOENT;
		}
		/* Create it ourselves so the file is 0600 from its first byte. */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			snprintf(why, why_size, "cannot create %s: %s", path, strerror(errno));
			return STORE_EIO;
		}
		close(fd);
	}
	st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(why, why_size, "out of memory");
		return STORE_EIO;
	}
	if (strlen(path) >= sizeof st->path || store_population_path(path, st->pop_path, sizeof st->pop_path)) {
		snprintf(why, why_size, "database path too long: %s", path);
		free(st);
		return STORE_EINVAL;
	}
	pthread_mutex_init(&st->mu, NULL);
	pthread_mutex_init(&st->pop_check_mu, NULL);
	store_read_init(st);
	snprintf(st->path, sizeof st->path, "%s", path);
	int src = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (src != SQLITE_OK) {
		snprintf(why, why_size, "cannot open %s: %s", path, sqlite3_errstr(src));
		rc = STORE_EIO;
		goto out;
	}
	store_read_setup(st);
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	/* Reading the schema is the first touch of the file's pages: a file that is not
	 * a database, or whose header is damaged, fails here. */
	src = exec_pragma(st->db, "SELECT count(*) FROM sqlite_schema");
	if ((src & 0xff) == SQLITE_NOTADB || (src & 0xff) == SQLITE_CORRUPT) {
		snprintf(why, why_size,
			 "%s is not a canhgac database or is damaged (%s): restore it from a backup "
			 "(docs/OPERATIONS.md); canhgac will not touch it",
			 path, sqlite3_errstr(src));
		rc = STORE_ECORRUPT;
		goto out;
	}
	if (src != SQLITE_OK || exec_pragma(st->db, "PRAGMA journal_mode=WAL") != SQLITE_OK ||
	    exec_pragma(st->db, "PRAGMA foreign_keys=ON") != SQLITE_OK ||
	    exec_pragma(st->db, "PRAGMA synchronous=FULL") != SQLITE_OK ||
	    /* A projection transaction (up to 4,096 lookups, each a row and four
	     * index entries) dirties more pages than SQLite's 2 MiB default holds,
	     * and spilling them mid-transaction wrote them to the WAL twice. */
	    exec_pragma(st->db, "PRAGMA cache_size = -32768") != SQLITE_OK) {
		snprintf(why, why_size, "cannot set up %s: %s", path, sqlite3_errmsg(st->db));
		rc = STORE_EIO;
		goto out;
	}
	rc = store_population_upgrade(st, why, why_size);
	if (rc == STORE_OK)
		rc = store_migrate(st, why, why_size);
out:
	if (rc != STORE_OK) {
		store_close(st);
		return rc;
	}
	*out = st;
	return STORE_OK;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < SC_COUNT; i++)
		sqlite3_finalize(st->cached[i]);
	store_read_close(st);
	if (st->db)
		sqlite3_close_v2(st->db);
	pthread_mutex_destroy(&st->mu);
	pthread_mutex_destroy(&st->pop_check_mu);
	free(st);
}

int store_meta_get(struct store *st, const char *key, char *out, size_t size)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT value FROM meta WHERE key = ?1", &s);
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		rc = store_column_copy(s, 0, out, size) ? STORE_EINVAL : STORE_OK;
	else if (step == SQLITE_DONE)
		rc = STORE_ENOTFOUND;
	else
		rc = store_rc(st, step, "meta get");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "INSERT INTO meta(key, value) VALUES (?1, ?2) "
			       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			       &s);
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	rc = store_rc(st, sqlite3_step(s), "meta set");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
