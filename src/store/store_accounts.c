/*
 * SQLite side of agencies, accounts, password history and sessions. Each function
 * takes the store lock, prepares its statement, binds, steps and finalises.
 */
#include <string.h>

#include "store/store_int.h"

#define USER_COLS                                                                              \
	"id, username, full_name, agency, role, status, status_reason, password_hash, "        \
	"password_changed_at, must_change_password, coalesce(quota_per_minute, 0), "           \
	"coalesce(quota_per_day, 0), failed_count, failed_window_start, locked_until, "        \
	"lock_count, first_lock_at, last_login_at, created_at, updated_at"

static void user_from_row(sqlite3_stmt *s, struct store_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(s, 0);
	store_column_copy(s, 1, u->username, sizeof u->username);
	store_column_copy(s, 2, u->full_name, sizeof u->full_name);
	store_column_copy(s, 3, u->agency, sizeof u->agency);
	store_column_copy(s, 4, u->role, sizeof u->role);
	store_column_copy(s, 5, u->status, sizeof u->status);
	store_column_copy(s, 6, u->status_reason, sizeof u->status_reason);
	store_column_copy(s, 7, u->password_hash, sizeof u->password_hash);
	u->password_changed_at = sqlite3_column_int64(s, 8);
	u->must_change_password = sqlite3_column_int(s, 9) != 0;
	u->quota_per_minute = sqlite3_column_int(s, 10);
	u->quota_per_day = sqlite3_column_int(s, 11);
	u->failed_count = sqlite3_column_int(s, 12);
	u->failed_window_start = sqlite3_column_int64(s, 13);
	u->locked_until = sqlite3_column_int64(s, 14);
	u->lock_count = sqlite3_column_int(s, 15);
	u->first_lock_at = sqlite3_column_int64(s, 16);
	u->last_login_at = sqlite3_column_int64(s, 17);
	u->created_at = sqlite3_column_int64(s, 18);
	u->updated_at = sqlite3_column_int64(s, 19);
}

static void bind_quota(sqlite3_stmt *s, int idx, int v)
{
	if (v > 0)
		sqlite3_bind_int(s, idx, v);
	else
		sqlite3_bind_null(s, idx);
}

int store_agency_create(struct store *st, const struct store_agency *a)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "INSERT INTO agencies(code, name, quota_per_day, created_at) VALUES (?1, ?2, ?3, ?4)", &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, a->code);
	store_bind_text(s, 2, a->name);
	bind_quota(s, 3, a->quota_per_day);
	sqlite3_bind_int64(s, 4, a->created_at);
	rc = store_rc(st, sqlite3_step(s), "agency create");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static void agency_from_row(sqlite3_stmt *s, struct store_agency *a)
{
	memset(a, 0, sizeof *a);
	store_column_copy(s, 0, a->code, sizeof a->code);
	store_column_copy(s, 1, a->name, sizeof a->name);
	a->quota_per_day = sqlite3_column_int(s, 2);
	a->created_at = sqlite3_column_int64(s, 3);
}

int store_agency_get(struct store *st, const char *code, struct store_agency *out)
{
	sqlite3_stmt *s = NULL;
	struct store_rd rd;
	store_read_begin(st, &rd);
	int rc = store_rd_prepare(&rd, SC_AGENCY_GET, "SELECT code, name, coalesce(quota_per_day, 0), created_at FROM agencies WHERE code = ?1", &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, code);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		agency_from_row(s, out);
	rc = step == SQLITE_ROW ? STORE_OK : step == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(NULL, step, "agency get");
out:
	store_release(s);
	store_read_end(&rd);
	return rc;
}

int store_agency_list(struct store *st, int (*fn)(const struct store_agency *a, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct store_agency a;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT code, name, coalesce(quota_per_day, 0), created_at FROM agencies ORDER BY code", &s);
	if (rc)
		goto out;
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		agency_from_row(s, &a);
		if (fn(&a, arg))
			break;
	}
	rc = store_rc(st, step, "agency list");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_user_create(struct store *st, struct store_user *u)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "INSERT INTO users(username, full_name, agency, role, status, status_reason, "
			       "password_hash, password_changed_at, must_change_password, quota_per_minute, "
			       "quota_per_day, created_at, updated_at) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
			       &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, u->username);
	store_bind_text(s, 2, u->full_name);
	store_bind_text(s, 3, u->agency);
	store_bind_text(s, 4, u->role);
	store_bind_text(s, 5, u->status[0] ? u->status : "active");
	store_bind_text(s, 6, u->status_reason);
	store_bind_text(s, 7, u->password_hash);
	sqlite3_bind_int64(s, 8, u->password_changed_at);
	sqlite3_bind_int(s, 9, u->must_change_password);
	bind_quota(s, 10, u->quota_per_minute);
	bind_quota(s, 11, u->quota_per_day);
	sqlite3_bind_int64(s, 12, u->created_at);
	rc = store_rc(st, sqlite3_step(s), "user create");
	if (rc == STORE_OK)
		u->id = sqlite3_last_insert_rowid(st->db);
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static int user_get(struct store *st, enum store_cached_stmt slot, const char *sql, const char *name, int64_t id,
		    struct store_user *out)
{
	sqlite3_stmt *s = NULL;
	struct store_rd rd;
	store_read_begin(st, &rd);
	int rc = store_rd_prepare(&rd, slot, sql, &s);
	if (rc)
		goto out;
	if (name)
		store_bind_text(s, 1, name);
	else
		sqlite3_bind_int64(s, 1, id);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		user_from_row(s, out);
	rc = step == SQLITE_ROW ? STORE_OK : step == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(NULL, step, "user get");
out:
	store_release(s);
	store_read_end(&rd);
	return rc;
}

int store_user_get_by_name(struct store *st, const char *username, struct store_user *out)
{
	return user_get(st, SC_USER_BY_NAME, "SELECT " USER_COLS " FROM users WHERE username = ?1", username, 0, out);
}

int store_user_get_by_id(struct store *st, int64_t id, struct store_user *out)
{
	return user_get(st, SC_USER_BY_ID, "SELECT " USER_COLS " FROM users WHERE id = ?1", NULL, id, out);
}

int store_user_list(struct store *st, const char *agency, const char *status,
		    int (*fn)(const struct store_user *u, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct store_user u;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "SELECT " USER_COLS " FROM users WHERE (?1 IS NULL OR agency = ?1) "
			       "AND (?2 IS NULL OR status = ?2) ORDER BY username",
			       &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, agency);
	store_bind_text(s, 2, status);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		user_from_row(s, &u);
		if (fn(&u, arg))
			break;
	}
	rc = store_rc(st, step, "user list");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_user_save(struct store *st, const struct store_user *u)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "UPDATE users SET full_name = ?2, agency = ?3, role = ?4, status = ?5, "
			       "status_reason = ?6, password_hash = ?7, password_changed_at = ?8, "
			       "must_change_password = ?9, quota_per_minute = ?10, quota_per_day = ?11, "
			       "failed_count = ?12, failed_window_start = ?13, locked_until = ?14, "
			       "lock_count = ?15, first_lock_at = ?16, last_login_at = ?17, updated_at = ?18 "
			       "WHERE id = ?1",
			       &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, u->id);
	store_bind_text(s, 2, u->full_name);
	store_bind_text(s, 3, u->agency);
	store_bind_text(s, 4, u->role);
	store_bind_text(s, 5, u->status);
	store_bind_text(s, 6, u->status_reason);
	store_bind_text(s, 7, u->password_hash);
	sqlite3_bind_int64(s, 8, u->password_changed_at);
	sqlite3_bind_int(s, 9, u->must_change_password);
	bind_quota(s, 10, u->quota_per_minute);
	bind_quota(s, 11, u->quota_per_day);
	sqlite3_bind_int(s, 12, u->failed_count);
	sqlite3_bind_int64(s, 13, u->failed_window_start);
	sqlite3_bind_int64(s, 14, u->locked_until);
	sqlite3_bind_int(s, 15, u->lock_count);
	sqlite3_bind_int64(s, 16, u->first_lock_at);
	sqlite3_bind_int64(s, 17, u->last_login_at);
	sqlite3_bind_int64(s, 18, u->updated_at);
	rc = store_rc(st, sqlite3_step(s), "user save");
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0)
		rc = STORE_ENOTFOUND;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_user_set_password(struct store *st, const struct store_user *u, const char *new_hash,
			    int64_t changed_at, bool must_change, int keep)
{
	sqlite3_stmt *s = NULL;
	int rc;
	pthread_mutex_lock(&st->mu);
	if ((rc = store_exec(st, "BEGIN IMMEDIATE", "begin")))
		goto out;
	rc = store_prepare(st, "INSERT INTO password_history(user_id, hash, changed_at) "
			       "SELECT id, password_hash, password_changed_at FROM users WHERE id = ?1", &s);
	if (rc)
		goto rollback;
	sqlite3_bind_int64(s, 1, u->id);
	if ((rc = store_rc(st, sqlite3_step(s), "history insert")))
		goto rollback;
	sqlite3_finalize(s);
	rc = store_prepare(st, "DELETE FROM password_history WHERE user_id = ?1 AND rowid NOT IN "
			       "(SELECT rowid FROM password_history WHERE user_id = ?1 "
			       " ORDER BY changed_at DESC, rowid DESC LIMIT ?2)", &s);
	if (rc)
		goto rollback;
	sqlite3_bind_int64(s, 1, u->id);
	sqlite3_bind_int(s, 2, keep);
	if ((rc = store_rc(st, sqlite3_step(s), "history trim")))
		goto rollback;
	sqlite3_finalize(s);
	rc = store_prepare(st, "UPDATE users SET password_hash = ?2, password_changed_at = ?3, "
			       "must_change_password = ?4, updated_at = ?3 WHERE id = ?1", &s);
	if (rc)
		goto rollback;
	sqlite3_bind_int64(s, 1, u->id);
	store_bind_text(s, 2, new_hash);
	sqlite3_bind_int64(s, 3, changed_at);
	sqlite3_bind_int(s, 4, must_change);
	if ((rc = store_rc(st, sqlite3_step(s), "password set")))
		goto rollback;
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

int store_user_password_history(struct store *st, int64_t user_id, int n,
				int (*fn)(const char *hash, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT hash FROM password_history WHERE user_id = ?1 "
				   "ORDER BY changed_at DESC, rowid DESC LIMIT ?2", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int(s, 2, n);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(s, 0), arg))
			break;
	rc = store_rc(st, step, "history");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_session_create(struct store *st, const struct store_session *ss)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "INSERT INTO sessions(token_hash, csrf_hash, user_id, ip, created_at, last_seen_at) "
				   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s);
	if (rc)
		goto out;
	sqlite3_bind_blob(s, 1, ss->token_hash, STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, ss->csrf_hash, STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, ss->user_id);
	store_bind_text(s, 4, ss->ip);
	sqlite3_bind_int64(s, 5, ss->created_at);
	sqlite3_bind_int64(s, 6, ss->last_seen_at);
	rc = store_rc(st, sqlite3_step(s), "session create");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_session_get(struct store *st, const unsigned char token_hash[STORE_TOKEN_HASH_BYTES],
		      struct store_session *out)
{
	sqlite3_stmt *s = NULL;
	struct store_rd rd;
	store_read_begin(st, &rd);
	int rc = store_rd_prepare(&rd, SC_SESSION_GET, "SELECT csrf_hash, user_id, ip, created_at, last_seen_at FROM sessions "
				   "WHERE token_hash = ?1", &s);
	if (rc)
		goto out;
	sqlite3_bind_blob(s, 1, token_hash, STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		memcpy(out->token_hash, token_hash, STORE_TOKEN_HASH_BYTES);
		if (sqlite3_column_bytes(s, 0) == STORE_TOKEN_HASH_BYTES)
			memcpy(out->csrf_hash, sqlite3_column_blob(s, 0), STORE_TOKEN_HASH_BYTES);
		out->user_id = sqlite3_column_int64(s, 1);
		store_column_copy(s, 2, out->ip, sizeof out->ip);
		out->created_at = sqlite3_column_int64(s, 3);
		out->last_seen_at = sqlite3_column_int64(s, 4);
	}
	rc = step == SQLITE_ROW ? STORE_OK : step == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(NULL, step, "session get");
out:
	store_release(s);
	store_read_end(&rd);
	return rc;
}

static int session_exec_blob(struct store *st, const char *sql, const unsigned char *blob, int64_t v,
			     const char *what)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, sql, &s);
	if (rc)
		goto out;
	sqlite3_bind_blob(s, 1, blob, STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, v);
	rc = store_rc(st, sqlite3_step(s), what);
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_session_touch(struct store *st, const unsigned char token_hash[STORE_TOKEN_HASH_BYTES], int64_t now)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare_cached(st, SC_SESSION_TOUCH, "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1", &s);
	if (rc)
		goto out;
	sqlite3_bind_blob(s, 1, token_hash, STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	/* the idle clock only: caches of the session stay valid (store_accounts_generation) */
	st->accounts_quiet = true;
	rc = store_rc(st, sqlite3_step(s), "session touch");
	st->accounts_quiet = false;
out:
	store_release(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_session_set_csrf(struct store *st, const unsigned char token_hash[STORE_TOKEN_HASH_BYTES],
			  const unsigned char csrf_hash[STORE_TOKEN_HASH_BYTES])
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "UPDATE sessions SET csrf_hash = ?2 WHERE token_hash = ?1", &s);
	if (rc)
		goto out;
	sqlite3_bind_blob(s, 1, token_hash, STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, csrf_hash, STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);
	rc = store_rc(st, sqlite3_step(s), "session set csrf");
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0)
		rc = STORE_ENOTFOUND;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_session_delete(struct store *st, const unsigned char token_hash[STORE_TOKEN_HASH_BYTES])
{
	return session_exec_blob(st, "DELETE FROM sessions WHERE token_hash = ?1 AND ?2 = ?2", token_hash, 0,
				 "session delete");
}

int store_session_delete_user(struct store *st, int64_t user_id, const unsigned char *keep, int *n)
{
	sqlite3_stmt *s = NULL;
	static const unsigned char none[STORE_TOKEN_HASH_BYTES];
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_blob(s, 2, keep ? keep : none, STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);
	rc = store_rc(st, sqlite3_step(s), "session delete user");
	if (n)
		*n = rc == STORE_OK ? sqlite3_changes(st->db) : 0;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_session_purge(struct store *st, int64_t idle_before, int64_t created_before)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "DELETE FROM sessions WHERE last_seen_at < ?1 OR created_at < ?2", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, idle_before);
	sqlite3_bind_int64(s, 2, created_before);
	rc = store_rc(st, sqlite3_step(s), "session purge");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
