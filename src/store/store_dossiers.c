/*
 * SQLite side of the dossiers. The persons and officers lists are encoded into
 * one text column each ("id:role,id:role" and "user,user"), so the lookup path
 * reads a dossier as one row by its primary key through a cached statement of
 * the read connection. Citizen ids are digits and roles and usernames are
 * refused here if they hold the separators, so the encoding cannot be confused.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

#define DOSSIER_COLS \
	"code, procedure_code, agency, status, received_at, closed_at, persons, officers, source, updated_at"
#define OPEN_STATUSES "('received', 'processing', 'awaiting_supplement')"

/* Worst case of the encoded lists (each item plus its separator). */
#define PERSONS_TEXT_MAX (STORE_DOSSIER_PERSONS_MAX * (16 + 32 + 2))
#define OFFICERS_TEXT_MAX (STORE_DOSSIER_OFFICERS_MAX * (64 + 1))

static int has_separator(const char *s)
{
	return strpbrk(s, ",:") != NULL || !*s;
}

static int encode_lists(const struct store_dossier *d, char *persons, size_t psize, char *officers,
			size_t osize)
{
	size_t n = 0;
	persons[0] = officers[0] = '\0';
	if (d->n_persons < 1 || d->n_persons > STORE_DOSSIER_PERSONS_MAX || d->n_officers < 0 ||
	    d->n_officers > STORE_DOSSIER_OFFICERS_MAX)
		return STORE_EINVAL;
	for (int i = 0; i < d->n_persons; i++) {
		const struct store_dossier_person *p = &d->persons[i];
		if (has_separator(p->citizen_id) || has_separator(p->role))
			return STORE_EINVAL;
		int w = snprintf(persons + n, psize - n, "%s%s:%s", i ? "," : "", p->citizen_id, p->role);
		if (w < 0 || (size_t)w >= psize - n)
			return STORE_EINVAL;
		n += (size_t)w;
	}
	n = 0;
	for (int i = 0; i < d->n_officers; i++) {
		if (has_separator(d->officers[i]))
			return STORE_EINVAL;
		int w = snprintf(officers + n, osize - n, "%s%s", i ? "," : "", d->officers[i]);
		if (w < 0 || (size_t)w >= osize - n)
			return STORE_EINVAL;
		n += (size_t)w;
	}
	return STORE_OK;
}

static void decode_persons(const char *text, struct store_dossier *d)
{
	d->n_persons = 0;
	while (text && *text && d->n_persons < STORE_DOSSIER_PERSONS_MAX) {
		const char *end = strchr(text, ',');
		size_t len = end ? (size_t)(end - text) : strlen(text);
		const char *colon = memchr(text, ':', len);
		if (colon) {
			struct store_dossier_person *p = &d->persons[d->n_persons++];
			snprintf(p->citizen_id, sizeof p->citizen_id, "%.*s", (int)(colon - text), text);
			snprintf(p->role, sizeof p->role, "%.*s", (int)(len - (size_t)(colon - text) - 1), colon + 1);
		}
		text = end ? end + 1 : NULL;
	}
}

static void decode_officers(const char *text, struct store_dossier *d)
{
	d->n_officers = 0;
	while (text && *text && d->n_officers < STORE_DOSSIER_OFFICERS_MAX) {
		const char *end = strchr(text, ',');
		size_t len = end ? (size_t)(end - text) : strlen(text);
		snprintf(d->officers[d->n_officers++], sizeof d->officers[0], "%.*s", (int)len, text);
		text = end ? end + 1 : NULL;
	}
}

static void dossier_from_row(sqlite3_stmt *s, struct store_dossier *d)
{
	memset(d, 0, sizeof *d);
	store_column_copy(s, 0, d->code, sizeof d->code);
	store_column_copy(s, 1, d->procedure_code, sizeof d->procedure_code);
	store_column_copy(s, 2, d->agency, sizeof d->agency);
	store_column_copy(s, 3, d->status, sizeof d->status);
	d->received_at = sqlite3_column_int64(s, 4);
	d->closed_at = sqlite3_column_int64(s, 5);
	decode_persons((const char *)sqlite3_column_text(s, 6), d);
	decode_officers((const char *)sqlite3_column_text(s, 7), d);
	store_column_copy(s, 8, d->source, sizeof d->source);
	d->updated_at = sqlite3_column_int64(s, 9);
}

/* One dossier inside the caller's transaction: 1 inserted, 2 updated, or an error. */
static int upsert_one(struct store *st, sqlite3_stmt *exists, sqlite3_stmt *up, const struct store_dossier *d)
{
	static char persons[PERSONS_TEXT_MAX], officers[OFFICERS_TEXT_MAX]; /* under st->mu */
	int rc = encode_lists(d, persons, sizeof persons, officers, sizeof officers);
	if (rc)
		return rc;
	sqlite3_reset(exists);
	store_bind_text(exists, 1, d->code);
	int step = sqlite3_step(exists);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_rc(st, step, "dossier exists");
	int was = step == SQLITE_ROW;
	sqlite3_reset(up);
	store_bind_text(up, 1, d->code);
	store_bind_text(up, 2, d->procedure_code);
	store_bind_text(up, 3, d->agency);
	store_bind_text(up, 4, d->status);
	sqlite3_bind_int64(up, 5, d->received_at);
	sqlite3_bind_int64(up, 6, d->closed_at);
	store_bind_text(up, 7, persons);
	store_bind_text(up, 8, officers);
	store_bind_text(up, 9, d->source);
	sqlite3_bind_int64(up, 10, d->updated_at);
	rc = store_rc(st, sqlite3_step(up), "dossier upsert");
	return rc ? rc : (was ? 2 : 1);
}

int store_dossiers_upsert(struct store *st, const struct store_dossier *d, size_t n, size_t *inserted,
			  size_t *updated)
{
	sqlite3_stmt *exists = NULL, *up = NULL;
	size_t ins = 0, upd = 0;
	pthread_mutex_lock(&st->mu);
	int rc = store_exec(st, "BEGIN IMMEDIATE", "dossier import begin");
	if (rc)
		goto out;
	rc = store_prepare(st, "SELECT 1 FROM dossiers WHERE code = ?1", &exists);
	if (!rc)
		rc = store_prepare(st, "INSERT INTO dossiers(" DOSSIER_COLS ") "
				       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
				       "ON CONFLICT(code) DO UPDATE SET procedure_code = ?2, agency = ?3, "
				       "status = ?4, received_at = ?5, closed_at = ?6, persons = ?7, "
				       "officers = ?8, source = ?9, updated_at = ?10",
				   &up);
	for (size_t i = 0; !rc && i < n; i++) {
		int r = upsert_one(st, exists, up, &d[i]);
		if (r < 0)
			rc = r;
		else if (r == 1)
			ins++;
		else
			upd++;
	}
	if (rc)
		store_exec(st, "ROLLBACK", "dossier import rollback");
	else
		rc = store_exec(st, "COMMIT", "dossier import commit");
	if (rc) {
		ins = upd = 0;
		store_exec(st, "ROLLBACK", "dossier import rollback"); /* harmless when none is open */
	}
out:
	sqlite3_finalize(exists);
	sqlite3_finalize(up);
	pthread_mutex_unlock(&st->mu);
	if (inserted)
		*inserted = ins;
	if (updated)
		*updated = upd;
	return rc;
}

int store_dossier_get(struct store *st, const char *code, struct store_dossier *out)
{
	struct store_rd rd;
	sqlite3_stmt *s = NULL;
	store_read_begin(st, &rd);
	int rc = store_rd_prepare(&rd, SC_DOSSIER_GET, "SELECT " DOSSIER_COLS " FROM dossiers WHERE code = ?1", &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, code);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		dossier_from_row(s, out);
	else
		rc = step == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(NULL, step, "dossier get");
out:
	store_release(s);
	store_read_end(&rd);
	return rc;
}

int store_dossiers_list(struct store *st, const struct store_dossier_query *q,
			int (*fn)(const struct store_dossier *d, void *arg), void *arg)
{
	if (!q || q->limit < 1 || q->limit > 1000)
		return STORE_EINVAL;
	struct store_rd rd;
	sqlite3_stmt *s = NULL;
	store_read_begin(st, &rd);
	int rc = sqlite3_prepare_v2(rd.db,
				    "SELECT " DOSSIER_COLS " FROM dossiers "
				    "WHERE ((?1 IS NOT NULL AND agency = ?1) OR "
				    "       (?2 IS NOT NULL AND instr(',' || officers || ',', ',' || ?2 || ',') > 0)) "
				    "AND (?3 = 0 OR status IN " OPEN_STATUSES ") "
				    "AND (?4 IS NULL OR instr(code, ?4) > 0 OR instr(persons, ?4) > 0) "
				    "ORDER BY received_at DESC, code LIMIT ?5",
				    -1, &s, NULL);
	if (rc != SQLITE_OK) {
		rc = store_rc(NULL, rc, "dossier list prepare");
		goto out;
	}
	store_bind_text(s, 1, q->agency);
	store_bind_text(s, 2, q->officer);
	sqlite3_bind_int(s, 3, q->open_only ? 1 : 0);
	store_bind_text(s, 4, q->q && *q->q ? q->q : NULL);
	sqlite3_bind_int(s, 5, q->limit);
	struct store_dossier d;
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		dossier_from_row(s, &d);
		if (fn(&d, arg))
			break;
	}
	rc = (step == SQLITE_ROW || step == SQLITE_DONE) ? STORE_OK : store_rc(NULL, step, "dossier list");
out:
	sqlite3_finalize(s);
	store_read_end(&rd);
	return rc;
}

int store_dossiers_count(struct store *st, int64_t *total, int64_t *open)
{
	struct store_rd rd;
	sqlite3_stmt *s = NULL;
	store_read_begin(st, &rd);
	int rc = sqlite3_prepare_v2(rd.db,
				    "SELECT count(*), coalesce(sum(status IN " OPEN_STATUSES "), 0) FROM dossiers",
				    -1, &s, NULL);
	if (rc != SQLITE_OK) {
		rc = store_rc(NULL, rc, "dossier count prepare");
		goto out;
	}
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*total = sqlite3_column_int64(s, 0);
		*open = sqlite3_column_int64(s, 1);
		rc = STORE_OK;
	} else {
		rc = store_rc(NULL, step, "dossier count");
	}
out:
	sqlite3_finalize(s);
	store_read_end(&rd);
	return rc;
}
