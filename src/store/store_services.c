/*
 * SQLite side of service credentials. A token is found by the hash of its
 * random bytes (a unique index), on a read-only connection so that a service's
 * request does not wait behind the audit projection's transaction; everything
 * that changes a row goes through the writer connection.
 */
#include <string.h>

#include "core/log.h"
#include "store/store_int.h"

#define SERVICE_COLS "id, name, scopes, agency, token_hash, created_at, rotated_at, last_used_at, disabled, " \
		     "disabled_at"

static int row_read(sqlite3_stmt *s, struct store_service *out)
{
	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(s, 0);
	if (store_column_copy(s, 1, out->name, sizeof out->name) ||
	    store_column_copy(s, 2, out->scopes, sizeof out->scopes) ||
	    store_column_copy(s, 3, out->agency, sizeof out->agency) ||
	    sqlite3_column_bytes(s, 4) != STORE_TOKEN_HASH_BYTES)
		return STORE_ECORRUPT;
	memcpy(out->token_hash, sqlite3_column_blob(s, 4), STORE_TOKEN_HASH_BYTES);
	out->created_at = sqlite3_column_int64(s, 5);
	out->rotated_at = sqlite3_column_int64(s, 6);
	out->last_used_at = sqlite3_column_int64(s, 7);
	out->disabled = sqlite3_column_int(s, 8) != 0;
	out->disabled_at = sqlite3_column_int64(s, 9);
	return STORE_OK;
}

int store_service_create(struct store *st, struct store_service *s)
{
	sqlite3_stmt *q = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "INSERT INTO services(name, scopes, agency, token_hash, created_at) "
				   "VALUES (?1, ?2, ?3, ?4, ?5)", &q);
	if (rc)
		goto out;
	store_bind_text(q, 1, s->name);
	store_bind_text(q, 2, s->scopes);
	store_bind_text(q, 3, s->agency);
	sqlite3_bind_blob(q, 4, s->token_hash, STORE_TOKEN_HASH_BYTES, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 5, s->created_at);
	rc = store_rc(st, sqlite3_step(q), "service create");
	if (rc == STORE_OK)
		s->id = sqlite3_last_insert_rowid(st->db);
out:
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_service_get_by_name(struct store *st, const char *name, struct store_service *out)
{
	sqlite3_stmt *q = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT " SERVICE_COLS " FROM services WHERE name = ?1", &q);
	if (rc)
		goto out;
	store_bind_text(q, 1, name);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		rc = row_read(q, out);
	else
		rc = step == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(st, step, "service get");
out:
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_service_get_by_hash(struct store *st, const unsigned char hash[STORE_TOKEN_HASH_BYTES],
			      struct store_service *out)
{
	sqlite3_stmt *q = NULL;
	struct store_rd rd;
	store_read_begin(st, &rd);
	int rc = sqlite3_prepare_v2(rd.db, "SELECT " SERVICE_COLS " FROM services WHERE token_hash = ?1", -1, &q,
				    NULL);
	if (rc != SQLITE_OK) {
		log_error("store", "prepare: %s", sqlite3_errmsg(rd.db));
		rc = store_rc(NULL, rc, "service by token");
		goto out;
	}
	sqlite3_bind_blob(q, 1, hash, STORE_TOKEN_HASH_BYTES, SQLITE_TRANSIENT);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		rc = row_read(q, out);
	else
		rc = step == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(NULL, step, "service by token");
out:
	sqlite3_finalize(q);
	store_read_end(&rd);
	return rc;
}

int store_service_list(struct store *st, int (*fn)(const struct store_service *s, void *arg), void *arg)
{
	sqlite3_stmt *q = NULL;
	struct store_service s;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT " SERVICE_COLS " FROM services ORDER BY name", &q);
	if (rc)
		goto out;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if ((rc = row_read(q, &s)) != STORE_OK || fn(&s, arg))
			break;
	}
	if (rc == STORE_OK && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = store_rc(st, step, "service list");
out:
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* Runs one UPDATE/DELETE of services by name; STORE_ENOTFOUND when no row changed. */
static int exec_by_name(struct store *st, const char *sql, const char *name, const unsigned char *hash,
			int64_t now, const char *what)
{
	sqlite3_stmt *q = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, sql, &q);
	if (rc)
		goto out;
	store_bind_text(q, 1, name);
	sqlite3_bind_int64(q, 2, now);
	if (hash)
		sqlite3_bind_blob(q, 3, hash, STORE_TOKEN_HASH_BYTES, SQLITE_TRANSIENT);
	rc = store_rc(st, sqlite3_step(q), what);
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0)
		rc = STORE_ENOTFOUND;
out:
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_service_set_token(struct store *st, const char *name, const unsigned char hash[STORE_TOKEN_HASH_BYTES],
			    int64_t now)
{
	return exec_by_name(st, "UPDATE services SET token_hash = ?3, rotated_at = ?2 WHERE name = ?1 AND disabled = 0",
			    name, hash, now, "service rotate");
}

int store_service_disable(struct store *st, const char *name, int64_t now)
{
	/* the first disabling time is kept: a second disable changes nothing */
	return exec_by_name(st, "UPDATE services SET disabled = 1, disabled_at = CASE disabled WHEN 1 THEN "
				"disabled_at ELSE ?2 END WHERE name = ?1", name, NULL, now, "service disable");
}

int store_service_delete(struct store *st, const char *name)
{
	return exec_by_name(st, "DELETE FROM services WHERE name = ?1", name, NULL, 0, "service delete");
}

int store_service_touch(struct store *st, int64_t id, int64_t now)
{
	sqlite3_stmt *q = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "UPDATE services SET last_used_at = ?2 WHERE id = ?1 AND last_used_at < ?2", &q);
	if (rc)
		goto out;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, now);
	rc = store_rc(st, sqlite3_step(q), "service touch");
out:
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
