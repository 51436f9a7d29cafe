/*
 * SQLite side of staff changes and dormant-account warnings. A change moves from
 * pending to applied or failed exactly once: the UPDATE is conditional on
 * status = 'pending', so a scheduler restarted mid-run cannot apply one twice.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define STAFF_COLS                                                                             \
	"id, username, agency, kind, effective_day, to_agency, to_role, reference, requested_by, " \
	"requested_at, status, applied_at, result"

static void staff_from_row(sqlite3_stmt *s, struct store_staff_change *c)
{
	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(s, 0);
	store_column_copy(s, 1, c->username, sizeof c->username);
	store_column_copy(s, 2, c->agency, sizeof c->agency);
	store_column_copy(s, 3, c->kind, sizeof c->kind);
	c->effective_day = sqlite3_column_int64(s, 4);
	store_column_copy(s, 5, c->to_agency, sizeof c->to_agency);
	store_column_copy(s, 6, c->to_role, sizeof c->to_role);
	store_column_copy(s, 7, c->reference, sizeof c->reference);
	store_column_copy(s, 8, c->requested_by, sizeof c->requested_by);
	c->requested_at = sqlite3_column_int64(s, 9);
	store_column_copy(s, 10, c->status, sizeof c->status);
	c->applied_at = sqlite3_column_int64(s, 11);
	store_column_copy(s, 12, c->result, sizeof c->result);
}

int store_staff_create(struct store *st, struct store_staff_change *c)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "INSERT INTO staff_changes(username, agency, kind, effective_day, to_agency, "
				   "to_role, reference, requested_by, requested_at) "
				   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, c->username);
	store_bind_text(s, 2, c->agency);
	store_bind_text(s, 3, c->kind);
	sqlite3_bind_int64(s, 4, c->effective_day);
	store_bind_text(s, 5, c->to_agency);
	store_bind_text(s, 6, c->to_role);
	store_bind_text(s, 7, c->reference);
	store_bind_text(s, 8, c->requested_by);
	sqlite3_bind_int64(s, 9, c->requested_at);
	rc = store_rc(st, sqlite3_step(s), "staff change create");
	if (rc == STORE_OK) {
		c->id = sqlite3_last_insert_rowid(st->db);
		strcpy(c->status, "pending");
	}
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* Steps s, calling fn per row; the caller holds the lock. */
static int staff_each(struct store *st, sqlite3_stmt *s, int (*fn)(const struct store_staff_change *c, void *arg),
		      void *arg)
{
	struct store_staff_change c;
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		staff_from_row(s, &c);
		if (fn(&c, arg))
			return STORE_OK;
	}
	return step == SQLITE_DONE ? STORE_OK : store_rc(st, step, "staff changes");
}

int store_staff_list(struct store *st, const char *agency, int limit,
		     int (*fn)(const struct store_staff_change *c, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT " STAFF_COLS " FROM staff_changes "
				   "WHERE ?1 IS NULL OR agency = ?1 OR to_agency = ?1 ORDER BY id DESC LIMIT ?2", &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, agency);
	sqlite3_bind_int(s, 2, limit > 0 ? limit : 1000);
	rc = staff_each(st, s, fn, arg);
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* The rows are read first and fn runs without the lock: applying a change
 * writes to the store, which would deadlock on the store's own mutex. */
int store_staff_due(struct store *st, int64_t day, int (*fn)(const struct store_staff_change *c, void *arg),
		    void *arg)
{
	enum { BATCH = 64 };
	struct store_staff_change *rows = calloc(BATCH, sizeof *rows);
	sqlite3_stmt *s = NULL;
	size_t n = 0;
	if (!rows)
		return STORE_EIO;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT " STAFF_COLS " FROM staff_changes WHERE status = 'pending' "
				   "AND effective_day <= ?1 ORDER BY id LIMIT ?2", &s);
	if (rc == STORE_OK) {
		sqlite3_bind_int64(s, 1, day);
		sqlite3_bind_int(s, 2, BATCH);
		int step;
		while ((step = sqlite3_step(s)) == SQLITE_ROW && n < BATCH)
			staff_from_row(s, &rows[n++]);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			rc = store_rc(st, step, "staff due");
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	for (size_t i = 0; rc == STORE_OK && i < n; i++)
		if (fn(&rows[i], arg))
			break;
	free(rows);
	return rc;
}

int store_staff_finish(struct store *st, int64_t id, const char *status, int64_t at, const char *result)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "UPDATE staff_changes SET status = ?2, applied_at = ?3, result = ?4 "
				   "WHERE id = ?1 AND status = 'pending'", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, status);
	sqlite3_bind_int64(s, 3, at);
	store_bind_text(s, 4, result ? result : "");
	rc = store_rc(st, sqlite3_step(s), "staff finish");
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0)
		rc = STORE_ENOTFOUND;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_staff_delete(struct store *st, int64_t id)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "DELETE FROM staff_changes WHERE id = ?1 AND status = 'pending'", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	rc = store_rc(st, sqlite3_step(s), "staff delete");
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0)
		rc = STORE_ENOTFOUND;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_dormant_warned(struct store *st, int64_t user_id, int64_t since, bool *warned)
{
	sqlite3_stmt *s = NULL;
	*warned = false;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT 1 FROM dormant_warnings WHERE user_id = ?1 AND since = ?2", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, since);
	int step = sqlite3_step(s);
	*warned = step == SQLITE_ROW;
	rc = store_rc(st, step, "dormant warned");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_dormant_mark(struct store *st, int64_t user_id, int64_t since, int64_t now)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "INSERT OR IGNORE INTO dormant_warnings(user_id, since, warned_at) "
				   "VALUES (?1, ?2, ?3)", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int64(s, 3, now);
	rc = store_rc(st, sqlite3_step(s), "dormant mark");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
