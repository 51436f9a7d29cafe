/*
 * SQLite side of the second factor: the encrypted TOTP secret, the last step
 * used, and the recovery-code hashes. Replay protection is a conditional UPDATE
 * (last_step < step), so two sign-ins racing with the same code cannot both win.
 */
#include <string.h>

#include "store/store_int.h"

int store_totp_get(struct store *st, int64_t user_id, struct store_totp *out)
{
	sqlite3_stmt *s = NULL;
	struct store_rd rd;
	memset(out, 0, sizeof *out);
	store_read_begin(st, &rd);
	int rc = store_rd_prepare(&rd, SC_TOTP_GET, "SELECT secret_box, confirmed_at, last_step, created_at FROM user_totp "
				   "WHERE user_id = ?1", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, user_id);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		int n = sqlite3_column_bytes(s, 0);
		if (n < 0 || (size_t)n > sizeof out->box) {
			rc = STORE_ECORRUPT;
			goto out;
		}
		memcpy(out->box, sqlite3_column_blob(s, 0), (size_t)n);
		out->box_len = (size_t)n;
		out->user_id = user_id;
		out->confirmed_at = sqlite3_column_int64(s, 1);
		out->last_step = sqlite3_column_int64(s, 2);
		out->created_at = sqlite3_column_int64(s, 3);
	} else {
		rc = step == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(NULL, step, "totp get");
	}
out:
	store_release(s);
	store_read_end(&rd);
	return rc;
}

int store_totp_put_pending(struct store *st, int64_t user_id, const unsigned char *box, size_t len, int64_t now)
{
	sqlite3_stmt *s = NULL;
	if (len == 0 || len > STORE_TOTP_BOX_MAX)
		return STORE_EINVAL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "INSERT INTO user_totp(user_id, secret_box, created_at) VALUES (?1, ?2, ?3) "
				   "ON CONFLICT(user_id) DO UPDATE SET secret_box = excluded.secret_box, "
				   "last_step = 0, created_at = excluded.created_at WHERE confirmed_at = 0", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_blob(s, 2, box, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	rc = store_rc(st, sqlite3_step(s), "totp pending");
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0)
		rc = STORE_ECONFLICT;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* After a confirm that changed nothing: ECONFLICT when another secret is
 * pending (a second enrolment replaced the one the code was checked against),
 * ENOTFOUND when nothing is. Inside the confirm's transaction. */
static int confirm_miss(struct store *st, int64_t user_id)
{
	sqlite3_stmt *s = NULL;
	int rc = store_prepare(st, "SELECT count(*) FROM user_totp WHERE user_id = ?1 AND confirmed_at = 0", &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, user_id);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		rc = sqlite3_column_int(s, 0) ? STORE_ECONFLICT : STORE_ENOTFOUND;
	else
		rc = store_rc(st, step, "totp confirm miss");
	sqlite3_finalize(s);
	return rc;
}

int store_totp_confirm(struct store *st, int64_t user_id, const unsigned char *box, size_t box_len, int64_t step,
		       int64_t now, const unsigned char (*hashes)[STORE_RECOVERY_HASH_BYTES], size_t n)
{
	sqlite3_stmt *s = NULL;
	int rc;
	if (!box || box_len == 0 || box_len > STORE_TOTP_BOX_MAX)
		return STORE_EINVAL;
	pthread_mutex_lock(&st->mu);
	if ((rc = store_exec(st, "BEGIN IMMEDIATE", "begin")))
		goto out;
	/* only the secret the code was checked against: a second POST /me/totp between
	 * the check and this update replaced it, and its secret was never proven */
	rc = store_prepare(st, "UPDATE user_totp SET confirmed_at = ?2, last_step = ?3 "
			       "WHERE user_id = ?1 AND confirmed_at = 0 AND secret_box = ?4", &s);
	if (rc)
		goto rollback;
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, step);
	sqlite3_bind_blob(s, 4, box, (int)box_len, SQLITE_TRANSIENT);
	if ((rc = store_rc(st, sqlite3_step(s), "totp confirm")))
		goto rollback;
	if (sqlite3_changes(st->db) == 0) {
		rc = confirm_miss(st, user_id);
		goto rollback;
	}
	sqlite3_finalize(s);
	rc = store_prepare(st, "DELETE FROM user_recovery_codes WHERE user_id = ?1", &s);
	if (rc)
		goto rollback;
	sqlite3_bind_int64(s, 1, user_id);
	if ((rc = store_rc(st, sqlite3_step(s), "recovery clear")))
		goto rollback;
	sqlite3_finalize(s);
	rc = store_prepare(st, "INSERT INTO user_recovery_codes(user_id, hash) VALUES (?1, ?2)", &s);
	if (rc)
		goto rollback;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, user_id);
		sqlite3_bind_blob(s, 2, hashes[i], STORE_RECOVERY_HASH_BYTES, SQLITE_TRANSIENT);
		if ((rc = store_rc(st, sqlite3_step(s), "recovery insert")))
			goto rollback;
	}
	if ((rc = store_exec(st, "COMMIT", "commit")))
		goto rollback;
	goto out;
rollback:
	store_exec(st, "ROLLBACK", "rollback");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* Runs one statement binding (?1 user_id, ?2 a, ?3 b); *changes gets the rows touched. */
static int exec_user(struct store *st, const char *sql, int64_t user_id, int64_t a, const unsigned char *blob,
		     int *changes)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, sql, &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, a);
	if (blob)
		sqlite3_bind_blob(s, 3, blob, STORE_RECOVERY_HASH_BYTES, SQLITE_TRANSIENT);
	rc = store_rc(st, sqlite3_step(s), "totp update");
	if (changes)
		*changes = rc == STORE_OK ? sqlite3_changes(st->db) : 0;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_totp_use_step(struct store *st, int64_t user_id, int64_t step)
{
	int n = 0;
	int rc = exec_user(st, "UPDATE user_totp SET last_step = ?2 WHERE user_id = ?1 AND last_step < ?2 "
			       "AND confirmed_at > 0", user_id, step, NULL, &n);
	return rc ? rc : n ? STORE_OK : STORE_ECONFLICT;
}

int store_totp_recovery_use(struct store *st, int64_t user_id, const unsigned char *hash, int64_t now)
{
	int n = 0;
	int rc = exec_user(st, "UPDATE user_recovery_codes SET used_at = ?2 WHERE user_id = ?1 AND hash = ?3 "
			       "AND used_at = 0", user_id, now, hash, &n);
	return rc ? rc : n ? STORE_OK : STORE_ENOTFOUND;
}

int store_totp_delete(struct store *st, int64_t user_id)
{
	int rc = exec_user(st, "DELETE FROM user_recovery_codes WHERE user_id = ?1", user_id, 0, NULL,
			   NULL);
	if (rc == STORE_OK)
		rc = exec_user(st, "DELETE FROM user_totp WHERE user_id = ?1", user_id, 0, NULL, NULL);
	return rc;
}

int store_totp_recovery_each(struct store *st, int64_t user_id,
			     int (*fn)(const unsigned char *hash, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT hash FROM user_recovery_codes WHERE user_id = ?1 AND used_at = 0", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, user_id);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 0) != STORE_RECOVERY_HASH_BYTES)
			continue;
		if (fn(sqlite3_column_blob(s, 0), arg))
			break;
	}
	rc = (step == SQLITE_ROW || step == SQLITE_DONE) ? STORE_OK : store_rc(st, step, "recovery list");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_totp_recovery_left(struct store *st, int64_t user_id, int *n)
{
	sqlite3_stmt *s = NULL;
	*n = 0;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT count(*) FROM user_recovery_codes WHERE user_id = ?1 AND used_at = 0", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, user_id);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*n = sqlite3_column_int(s, 0);
	else
		rc = store_rc(st, step, "recovery count");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
