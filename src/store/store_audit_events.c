/*
 * SQLite side of the audit search: the event projection (every record that is
 * not a lookup), written in the projection batch's transaction, and the search
 * over it and audit_lookups. Each side is read newest first by seq (the rowid),
 * limited on its own, then the two are merged by seq: a recent page costs a short
 * backward scan of each table whatever their size.
 */
#include <string.h>

#include "store/store_int.h"

static int bind_opt(sqlite3_stmt *s, int idx, const char *v)
{
	return store_bind_text(s, idx, v && v[0] ? v : NULL);
}

int store_audit_events_insert_locked(struct store *st, const struct store_audit_event *ev, size_t n,
				     int64_t mark)
{
	sqlite3_stmt *s = NULL;
	if (n == 0)
		return STORE_OK;
	int rc = store_prepare(st, "INSERT INTO audit_events(seq, time, type, actor, agency, ip, payload) "
				   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s);
	for (size_t i = 0; !rc && i < n; i++) {
		if (ev[i].seq <= mark)
			continue;
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, ev[i].seq);
		sqlite3_bind_int64(s, 2, ev[i].time);
		sqlite3_bind_text(s, 3, ev[i].type, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, ev[i].actor, -1, SQLITE_STATIC);
		bind_opt(s, 5, ev[i].agency);
		bind_opt(s, 6, ev[i].ip);
		sqlite3_bind_text(s, 7, ev[i].payload ? ev[i].payload : "{}", -1, SQLITE_STATIC);
		rc = store_rc(st, sqlite3_step(s), "audit event insert");
	}
	sqlite3_finalize(s);
	return rc;
}

/* ?1 type ?2 actor ?3 agency ?4 from ?5 to ?6 before ?7 limit */
#define SEARCH_FILTERS                                                                                       \
	"(?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR agency = ?3) AND (?4 = 0 OR time >= ?4) "             \
	"AND (?5 = 0 OR time < ?5) AND (?6 = 0 OR seq < ?6) "

static const char search_sql[] =
	"SELECT seq, time, type, actor, agency, ip, payload FROM ("
	" SELECT seq, time, type, actor, agency, ip, payload FROM audit_events"
	" WHERE (?1 IS NULL OR type = ?1) AND " SEARCH_FILTERS "ORDER BY seq DESC LIMIT ?7)"
	" UNION ALL "
	"SELECT seq, time, type, actor, agency, ip, payload FROM ("
	" SELECT seq, time, 'lookup' AS type, actor, agency, ip, json_object('citizen_id', citizen_id, "
	"'dossier_code', dossier_code, 'procedure_code', procedure_code, 'outcome', outcome) AS payload"
	" FROM audit_lookups WHERE (?1 IS NULL OR ?1 = 'lookup') AND " SEARCH_FILTERS
	"ORDER BY seq DESC LIMIT ?7) "
	"ORDER BY seq DESC LIMIT ?7";

int store_audit_search(struct store *st, const struct store_audit_search *q,
		       int (*fn)(const struct store_audit_event *ev, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	if (!q || !fn || q->limit < 0 || q->limit > 1000)
		return STORE_EINVAL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, search_sql, &s);
	if (rc)
		goto out;
	bind_opt(s, 1, q->type);
	bind_opt(s, 2, q->actor);
	bind_opt(s, 3, q->agency);
	sqlite3_bind_int64(s, 4, q->from);
	sqlite3_bind_int64(s, 5, q->to);
	sqlite3_bind_int64(s, 6, q->before_seq);
	sqlite3_bind_int(s, 7, q->limit ? q->limit : 100);
	int step;
	struct store_audit_event ev;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&ev, 0, sizeof ev);
		ev.seq = sqlite3_column_int64(s, 0);
		ev.time = sqlite3_column_int64(s, 1);
		store_column_copy(s, 2, ev.type, sizeof ev.type);
		store_column_copy(s, 3, ev.actor, sizeof ev.actor);
		store_column_copy(s, 4, ev.agency, sizeof ev.agency);
		store_column_copy(s, 5, ev.ip, sizeof ev.ip);
		ev.payload = (const char *)sqlite3_column_text(s, 6);
		if (fn(&ev, arg))
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = store_rc(st, step, "audit search");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
