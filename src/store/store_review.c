/*
 * SQLite side of the access review: one statement over users, their second
 * factor and the lookup projections (the last lookup by the actor index, the
 * day counts by their primary key), so a review of an agency of a few hundred
 * accounts is one query, not one per account.
 */
#include <string.h>

#include "store/store_int.h"

static const char review_sql[] =
	"SELECT u.id, u.username, u.full_name, u.agency, u.role, u.status, u.status_reason, "
	"u.password_changed_at, u.must_change_password, coalesce(u.quota_per_minute, 0), "
	"coalesce(u.quota_per_day, 0), u.locked_until, u.last_login_at, u.created_at, u.updated_at, "
	"CASE WHEN t.user_id IS NULL THEN 0 WHEN t.confirmed_at = 0 THEN 1 ELSE 2 END, "
	"(SELECT count(*) FROM user_recovery_codes r WHERE r.user_id = u.id AND r.used_at = 0), "
	"coalesce((SELECT l.time FROM audit_lookups l WHERE l.actor = u.username ORDER BY l.seq DESC LIMIT 1), 0), "
	"coalesce((SELECT d.count FROM audit_daily_user d WHERE d.username = u.username AND d.day = ?2), 0), "
	"coalesce((SELECT sum(d.count) FROM audit_daily_user d WHERE d.username = u.username "
	"AND d.day BETWEEN ?3 AND ?2), 0) "
	"FROM users u LEFT JOIN user_totp t ON t.user_id = u.id WHERE u.agency = ?1 ORDER BY u.username";

static void row_read(sqlite3_stmt *s, struct store_review_row *r)
{
	struct store_user *u = &r->user;
	memset(r, 0, sizeof *r);
	u->id = sqlite3_column_int64(s, 0);
	store_column_copy(s, 1, u->username, sizeof u->username);
	store_column_copy(s, 2, u->full_name, sizeof u->full_name);
	store_column_copy(s, 3, u->agency, sizeof u->agency);
	store_column_copy(s, 4, u->role, sizeof u->role);
	store_column_copy(s, 5, u->status, sizeof u->status);
	store_column_copy(s, 6, u->status_reason, sizeof u->status_reason);
	u->password_changed_at = sqlite3_column_int64(s, 7);
	u->must_change_password = sqlite3_column_int(s, 8) != 0;
	u->quota_per_minute = sqlite3_column_int(s, 9);
	u->quota_per_day = sqlite3_column_int(s, 10);
	u->locked_until = sqlite3_column_int64(s, 11);
	u->last_login_at = sqlite3_column_int64(s, 12);
	u->created_at = sqlite3_column_int64(s, 13);
	u->updated_at = sqlite3_column_int64(s, 14);
	r->totp = sqlite3_column_int(s, 15);
	r->recovery_left = sqlite3_column_int(s, 16);
	r->last_lookup_at = sqlite3_column_int64(s, 17);
	r->used_today = sqlite3_column_int64(s, 18);
	r->used_month = sqlite3_column_int64(s, 19);
}

int store_review_accounts(struct store *st, const char *agency, int64_t today, int64_t month_first,
			  int (*fn)(const struct store_review_row *r, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	if (!agency || !fn)
		return STORE_EINVAL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, review_sql, &s);
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, agency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, today);
	sqlite3_bind_int64(s, 3, month_first);
	int step;
	struct store_review_row r;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		row_read(s, &r);
		if (fn(&r, arg))
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = store_rc(st, step, "review accounts");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_review_agency_usage(struct store *st, const char *agency, int64_t first, int64_t last, int64_t *n)
{
	sqlite3_stmt *s = NULL;
	*n = 0;
	if (!agency)
		return STORE_EINVAL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT coalesce(sum(count), 0) FROM audit_daily_agency "
				   "WHERE agency = ?1 AND day BETWEEN ?2 AND ?3", &s);
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, agency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, first);
	sqlite3_bind_int64(s, 3, last);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	else
		rc = store_rc(st, step, "review agency usage");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
