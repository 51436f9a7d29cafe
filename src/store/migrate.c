/*
 * Numbered migrations. Each file src/store/migrations/NNN_name.sql is compiled
 * into the binary; at open, those with a number above the highest recorded in
 * schema_migrations run in order, each in its own transaction together with its
 * record. The SQL is the binary's own constant text, so sqlite3_exec (which
 * runs several statements) is used here and nowhere else; no value is ever
 * spliced into it. A database whose recorded version is above what this binary
 * knows is refused: an older canhgac must not write into a newer schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/embed.h"
#include "core/log.h"
#include "store/store_int.h"

static int migration_number(const char *name)
{
	char *end;
	long n = strtol(name, &end, 10);
	return (end != name && *end == '_' && n > 0 && n < 100000) ? (int)n : -1;
}

int store_schema_latest(void)
{
	int latest = 0;
	for (size_t i = 0; i < store_migrations_count; i++) {
		int n = migration_number(store_migrations[i].name);
		if (n > latest)
			latest = n;
	}
	return latest;
}

static int current_version(struct store *st, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc = store_prepare(st, "SELECT coalesce(max(version), 0) FROM schema_migrations", &s);
	if (rc)
		return rc;
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*out = sqlite3_column_int(s, 0);
	rc = step == SQLITE_ROW ? STORE_OK : store_rc(st, step, "schema version");
	sqlite3_finalize(s);
	return rc;
}

int store_schema_version(struct store *st)
{
	int v = -1;
	pthread_mutex_lock(&st->mu);
	if (current_version(st, &v))
		v = -1;
	pthread_mutex_unlock(&st->mu);
	return v;
}

static int apply_one(struct store *st, const struct embedded_file *m, int n, char *why, size_t why_size)
{
	char *err = NULL;
	sqlite3_stmt *s = NULL;
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(st->db, (const char *)m->data, NULL, NULL, &err) != SQLITE_OK)
		goto fail;
	if (store_prepare(st, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?1, ?2, ?3)", &s))
		goto fail;
	sqlite3_bind_int(s, 1, n);
	sqlite3_bind_text(s, 2, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, clock_now());
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	log_info("store", "applied migration %s", m->name);
	return STORE_OK;
fail:
	snprintf(why, why_size, "migration %s failed: %s; the database was left as it was", m->name,
		 err ? err : sqlite3_errmsg(st->db));
	sqlite3_free(err);
	sqlite3_finalize(s);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return STORE_EIO;
}

int store_migrate(struct store *st, char *why, size_t why_size)
{
	if (sqlite3_exec(st->db,
			 "CREATE TABLE IF NOT EXISTS schema_migrations("
			 " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
			 NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(why, why_size, "cannot record migrations: %s", sqlite3_errmsg(st->db));
		return STORE_EIO;
	}
	int have = 0;
	if (current_version(st, &have)) {
		snprintf(why, why_size, "cannot read the schema version: %s", sqlite3_errmsg(st->db));
		return STORE_EIO;
	}
	int latest = store_schema_latest();
	if (have > latest) {
		snprintf(why, why_size,
			 "the database is at schema version %d but this canhgac knows only up to %d: "
			 "run the newer canhgac that wrote it, or restore a backup made by this version",
			 have, latest);
		return STORE_ENEWER;
	}
	/* The embedded table is sorted by name, and names start with the zero-padded number. */
	for (size_t i = 0; i < store_migrations_count; i++) {
		int n = migration_number(store_migrations[i].name);
		if (n < 0) {
			snprintf(why, why_size, "bad migration name %s", store_migrations[i].name);
			return STORE_EIO;
		}
		if (n <= have)
			continue;
		int rc = apply_one(st, &store_migrations[i], n, why, why_size);
		if (rc)
			return rc;
	}
	return STORE_OK;
}
