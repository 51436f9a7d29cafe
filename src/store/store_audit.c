/*
 * SQLite side of the audit projections: lookup rows, daily counts per user and
 * per agency, and the high-water mark (meta audit_projected_seq) that moves in
 * the same transaction, so a crash between the log and the database is repaired
 * by replaying the log from the mark.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define PROJECTED_KEY "audit_projected_seq"

static int projected_locked(struct store *st, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	*out = 0;
	int rc = store_prepare(st, "SELECT value FROM meta WHERE key = '" PROJECTED_KEY "'", &s);
	if (rc)
		return rc;
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*out = strtoll((const char *)sqlite3_column_text(s, 0), NULL, 10);
	else if (step != SQLITE_DONE)
		rc = store_rc(st, step, "audit projected seq");
	sqlite3_finalize(s);
	return rc;
}

int store_audit_projected_seq(struct store *st, int64_t *out)
{
	pthread_mutex_lock(&st->mu);
	int rc = projected_locked(st, out);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static int bind_opt(sqlite3_stmt *s, int idx, const char *v)
{
	return store_bind_text(s, idx, v && v[0] ? v : NULL);
}

/* Rows in the order of (name, local day): name is the actor (by_agency false)
 * or the agency. */
struct day_key_sort {
	const struct store_audit_lookup *rows;
	bool by_agency;
};

static const char *day_key_name(const struct store_audit_lookup *r, bool by_agency)
{
	return by_agency ? r->agency : r->actor;
}

static int day_key_cmp(const void *a, const void *b, void *arg)
{
	const struct day_key_sort *k = arg;
	const struct store_audit_lookup *x = &k->rows[*(const size_t *)a];
	const struct store_audit_lookup *y = &k->rows[*(const size_t *)b];
	int c = strcmp(day_key_name(x, k->by_agency), day_key_name(y, k->by_agency));
	return c ? c : (x->local_day > y->local_day) - (x->local_day < y->local_day);
}

/* One upsert per (name, day) of the batch, adding its number of rows: a batch of
 * thousands of lookups by a few dozen officers costs a few dozen upserts, not
 * thousands. idx holds the indexes of the rows to count. */
static int add_daily_counts(struct store *st, sqlite3_stmt *s, const struct store_audit_lookup *rows,
			    size_t *idx, size_t n, bool by_agency, const char *what)
{
	if (n == 0)
		return STORE_OK; /* idx may be NULL then, and qsort must not see it */
	struct day_key_sort k = {rows, by_agency};
	qsort_r(idx, n, sizeof *idx, day_key_cmp, &k);
	int rc = STORE_OK;
	for (size_t i = 0; !rc && i < n;) {
		size_t j = i + 1;
		while (j < n && day_key_cmp(&idx[i], &idx[j], &k) == 0)
			j++;
		const struct store_audit_lookup *r = &rows[idx[i]];
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, day_key_name(r, by_agency), -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, r->local_day);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)(j - i));
		rc = store_rc(st, sqlite3_step(s), what);
		i = j;
	}
	return rc;
}

static int insert_rows(struct store *st, const struct store_audit_lookup *rows, size_t n, int64_t mark)
{
	sqlite3_stmt *ins = NULL, *du = NULL, *da = NULL;
	size_t *idx = n ? malloc(n * sizeof *idx) : NULL;
	size_t n_user = 0, n_agency = 0;
	if (n && !idx)
		return STORE_EIO;
	int rc = store_prepare_cached(st, SC_AUDIT_LOOKUP_INSERT,
			       "INSERT INTO audit_lookups(seq, time, local_day, actor, agency, ip, citizen_id, "
			       "dossier_code, procedure_code, outcome) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
			       &ins);
	if (!rc)
		rc = store_prepare_cached(st, SC_AUDIT_DAILY_USER,
				   "INSERT INTO audit_daily_user(username, day, count) VALUES (?1, ?2, ?3) "
				   "ON CONFLICT(username, day) DO UPDATE SET count = count + excluded.count",
				   &du);
	if (!rc)
		rc = store_prepare_cached(st, SC_AUDIT_DAILY_AGENCY,
				   "INSERT INTO audit_daily_agency(agency, day, count) VALUES (?1, ?2, ?3) "
				   "ON CONFLICT(agency, day) DO UPDATE SET count = count + excluded.count",
				   &da);
	for (size_t i = 0; !rc && i < n; i++) {
		const struct store_audit_lookup *r = &rows[i];
		if (r->seq <= mark)
			continue;
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, r->seq);
		sqlite3_bind_int64(ins, 2, r->time);
		sqlite3_bind_int64(ins, 3, r->local_day);
		sqlite3_bind_text(ins, 4, r->actor, -1, SQLITE_STATIC);
		bind_opt(ins, 5, r->agency);
		bind_opt(ins, 6, r->ip);
		bind_opt(ins, 7, r->citizen_id);
		bind_opt(ins, 8, r->dossier_code);
		bind_opt(ins, 9, r->procedure_code);
		bind_opt(ins, 10, r->outcome);
		rc = store_rc(st, sqlite3_step(ins), "audit lookup insert");
		idx[n_user++] = i;
	}
	if (!rc)
		rc = add_daily_counts(st, du, rows, idx, n_user, false, "audit daily user");
	for (size_t k = 0; k < n_user; k++) /* the same rows, those with an agency */
		if (rows[idx[k]].agency[0])
			idx[n_agency++] = idx[k];
	if (!rc)
		rc = add_daily_counts(st, da, rows, idx, n_agency, true, "audit daily agency");
	free(idx);
	store_release(ins);
	store_release(du);
	store_release(da);
	return rc;
}

int store_audit_project(struct store *st, const struct store_audit_lookup *rows, size_t n,
			int64_t upto_seq)
{
	return store_audit_project_all(st, rows, n, NULL, 0, upto_seq);
}

int store_audit_project_all(struct store *st, const struct store_audit_lookup *rows, size_t n,
			    const struct store_audit_event *events, size_t n_events, int64_t upto_seq)
{
	sqlite3_stmt *s = NULL;
	int64_t mark = 0;
	char value[32];
	pthread_mutex_lock(&st->mu);
	int rc = store_exec(st, "BEGIN IMMEDIATE", "audit projections");
	if (rc)
		goto out;
	rc = projected_locked(st, &mark);
	if (!rc)
		rc = insert_rows(st, rows, n, mark);
	if (!rc)
		rc = store_audit_events_insert_locked(st, events, n_events, mark);
	if (!rc && upto_seq > mark) {
		snprintf(value, sizeof value, "%lld", (long long)upto_seq);
		rc = store_prepare(st,
				   "INSERT INTO meta(key, value) VALUES ('" PROJECTED_KEY "', ?1) "
				   "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
				   &s);
		if (!rc) {
			sqlite3_bind_text(s, 1, value, -1, SQLITE_STATIC);
			int step = sqlite3_step(s);
			rc = store_rc(st, step, "audit projected seq");
		}
	}
	rc = rc ? rc : store_exec(st, "COMMIT", "audit projections");
	if (rc)
		store_exec(st, "ROLLBACK", "audit projections");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_audit_reset(struct store *st)
{
	pthread_mutex_lock(&st->mu);
	int rc = store_exec(st, "BEGIN IMMEDIATE", "audit projections");
	if (!rc)
		rc = store_exec(st, "DELETE FROM audit_lookups", "audit projections");
	if (!rc)
		rc = store_exec(st, "DELETE FROM audit_daily_user", "audit projections");
	if (!rc)
		rc = store_exec(st, "DELETE FROM audit_daily_agency", "audit projections");
	if (!rc)
		rc = store_exec(st, "DELETE FROM audit_events", "audit projections");
	if (!rc)
		rc = store_exec(st, "DELETE FROM meta WHERE key = '" PROJECTED_KEY "'", "audit projections");
	rc = rc ? rc : store_exec(st, "COMMIT", "audit projections");
	if (rc)
		store_exec(st, "ROLLBACK", "audit projections");
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static void row_read(sqlite3_stmt *s, struct store_audit_lookup *l)
{
	memset(l, 0, sizeof *l);
	l->seq = sqlite3_column_int64(s, 0);
	l->time = sqlite3_column_int64(s, 1);
	l->local_day = sqlite3_column_int64(s, 2);
	store_column_copy(s, 3, l->actor, sizeof l->actor);
	store_column_copy(s, 4, l->agency, sizeof l->agency);
	store_column_copy(s, 5, l->ip, sizeof l->ip);
	store_column_copy(s, 6, l->citizen_id, sizeof l->citizen_id);
	store_column_copy(s, 7, l->dossier_code, sizeof l->dossier_code);
	store_column_copy(s, 8, l->procedure_code, sizeof l->procedure_code);
	store_column_copy(s, 9, l->outcome, sizeof l->outcome);
}

int store_audit_lookups(struct store *st, const struct store_audit_query *q,
			store_audit_lookup_fn fn, void *arg)
{
	sqlite3_stmt *s = NULL;
	if (!q || !fn || q->limit < 0 || q->limit > 10000)
		return STORE_EINVAL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "SELECT seq, time, local_day, actor, agency, ip, citizen_id, dossier_code, "
			       "procedure_code, outcome FROM audit_lookups "
			       "WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR citizen_id = ?2) "
			       "AND (?3 IS NULL OR agency = ?3) AND (?4 = 0 OR time >= ?4) "
			       "AND (?5 = 0 OR time < ?5) AND (?6 = 0 OR seq < ?6) "
			       "ORDER BY seq DESC LIMIT ?7",
			       &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, q->username);
	store_bind_text(s, 2, q->citizen_id);
	store_bind_text(s, 3, q->agency);
	sqlite3_bind_int64(s, 4, q->from);
	sqlite3_bind_int64(s, 5, q->to);
	sqlite3_bind_int64(s, 6, q->before_seq);
	sqlite3_bind_int(s, 7, q->limit ? q->limit : 100);
	int step;
	struct store_audit_lookup l;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		row_read(s, &l);
		if (fn(&l, arg))
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = store_rc(st, step, "audit lookups");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_audit_lookups_by_citizen(struct store *st, const char *citizen_id, int limit,
				   store_audit_lookup_fn fn, void *arg)
{
	struct store_audit_query q = {.citizen_id = citizen_id, .limit = limit};
	return citizen_id ? store_audit_lookups(st, &q, fn, arg) : STORE_EINVAL;
}

int store_audit_lookups_by_user(struct store *st, const char *username, int limit,
				store_audit_lookup_fn fn, void *arg)
{
	struct store_audit_query q = {.username = username, .limit = limit};
	return username ? store_audit_lookups(st, &q, fn, arg) : STORE_EINVAL;
}

int store_audit_lookups_by_agency(struct store *st, const char *agency, int limit,
				  store_audit_lookup_fn fn, void *arg)
{
	struct store_audit_query q = {.agency = agency, .limit = limit};
	return agency ? store_audit_lookups(st, &q, fn, arg) : STORE_EINVAL;
}

static int daily_count(struct store *st, const char *sql, const char *key, int64_t day, int64_t *n)
{
	sqlite3_stmt *s = NULL;
	*n = 0;
	if (!key)
		return STORE_EINVAL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, sql, &s);
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, day);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	else if (step != SQLITE_DONE)
		rc = store_rc(st, step, "audit daily count");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_audit_daily_count_user(struct store *st, const char *username, int64_t day, int64_t *n)
{
	return daily_count(st, "SELECT count FROM audit_daily_user WHERE username = ?1 AND day = ?2",
			   username, day, n);
}

int store_audit_daily_count_agency(struct store *st, const char *agency, int64_t day, int64_t *n)
{
	return daily_count(st, "SELECT count FROM audit_daily_agency WHERE agency = ?1 AND day = ?2",
			   agency, day, n);
}

int store_audit_daily_users_since(struct store *st, int64_t from_day, store_audit_daily_fn fn, void *arg)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT username, day, count FROM audit_daily_user WHERE day >= ?1", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, from_day);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *u = (const char *)sqlite3_column_text(s, 0);
		if (u && fn(u, sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2), arg))
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = store_rc(st, step, "audit daily counts");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
