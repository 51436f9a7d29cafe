/*
 * SQLite side of the detector's findings: alerts, incidents and their notes, and
 * IP blocks. Every statement is prepared and bound; each function takes the store
 * lock for its whole work, so a list callback sees a consistent snapshot (and must
 * not call back into the store).
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

#define ALERT_COLS "id, rule, severity, actor, ip, agency, detail, created_at, status, acked_by, acked_at, incident_id"
#define INCIDENT_COLS                                                                                      \
	"id, group_key, severity, status, title, actor, ip, agency, detected_at, last_alert_at, report_due_at, " \
	"alert_count, due_alerted, updated_at, closed_at"

static int bind_opt(sqlite3_stmt *s, int idx, const char *v)
{
	return store_bind_text(s, idx, v && v[0] ? v : NULL);
}

/* Runs a prepared statement that returns no rows; *changes gets the row count. */
static int step_done(struct store *st, sqlite3_stmt *s, const char *what, int *changes)
{
	int rc = store_rc(st, sqlite3_step(s), what);
	if (changes)
		*changes = sqlite3_changes(st->db);
	return rc;
}

static void alert_from_row(sqlite3_stmt *s, struct store_alert *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(s, 0);
	store_column_copy(s, 1, a->rule, sizeof a->rule);
	store_column_copy(s, 2, a->severity, sizeof a->severity);
	store_column_copy(s, 3, a->actor, sizeof a->actor);
	store_column_copy(s, 4, a->ip, sizeof a->ip);
	store_column_copy(s, 5, a->agency, sizeof a->agency);
	store_column_copy(s, 6, a->detail, sizeof a->detail);
	a->created_at = sqlite3_column_int64(s, 7);
	store_column_copy(s, 8, a->status, sizeof a->status);
	store_column_copy(s, 9, a->acked_by, sizeof a->acked_by);
	a->acked_at = sqlite3_column_int64(s, 10);
	a->incident_id = sqlite3_column_int64(s, 11);
}

int store_alert_insert(struct store *st, struct store_alert *a)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "INSERT INTO detect_alerts(rule, severity, actor, ip, agency, detail, created_at, status, "
			       "incident_id) VALUES (?1,?2,?3,?4,?5,?6,?7,'new',?8)",
			       &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, a->rule);
	store_bind_text(s, 2, a->severity);
	bind_opt(s, 3, a->actor);
	bind_opt(s, 4, a->ip);
	bind_opt(s, 5, a->agency);
	store_bind_text(s, 6, a->detail[0] ? a->detail : "{}");
	sqlite3_bind_int64(s, 7, a->created_at);
	if (a->incident_id > 0)
		sqlite3_bind_int64(s, 8, a->incident_id);
	rc = step_done(st, s, "alert insert", NULL);
	if (!rc) {
		a->id = sqlite3_last_insert_rowid(st->db);
		snprintf(a->status, sizeof a->status, "new");
	}
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_alert_list(struct store *st, const char *status, int64_t since, int limit,
		     int (*fn)(const struct store_alert *a, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct store_alert a;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "SELECT " ALERT_COLS " FROM detect_alerts WHERE (?1 IS NULL OR status = ?1) "
			       "AND created_at >= ?2 ORDER BY id DESC LIMIT ?3",
			       &s);
	if (rc)
		goto out;
	bind_opt(s, 1, status);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int(s, 3, limit);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		alert_from_row(s, &a);
		if (fn(&a, arg))
			break;
	}
	rc = store_rc(st, step, "alert list");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_alert_get(struct store *st, int64_t id, struct store_alert *out)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT " ALERT_COLS " FROM detect_alerts WHERE id = ?1", &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		alert_from_row(s, out);
	else
		rc = step == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(st, step, "alert get");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_alert_ack(struct store *st, int64_t id, const char *by, int64_t at)
{
	sqlite3_stmt *s = NULL;
	int changes = 0;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "UPDATE detect_alerts SET status = 'acked', acked_by = ?2, acked_at = ?3 "
				   "WHERE id = ?1",
			       &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, by);
	sqlite3_bind_int64(s, 3, at);
	rc = step_done(st, s, "alert ack", &changes);
	if (!rc && changes == 0)
		rc = STORE_ENOTFOUND;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static void incident_from_row(sqlite3_stmt *s, struct store_incident *i)
{
	memset(i, 0, sizeof *i);
	i->id = sqlite3_column_int64(s, 0);
	store_column_copy(s, 1, i->group_key, sizeof i->group_key);
	store_column_copy(s, 2, i->severity, sizeof i->severity);
	store_column_copy(s, 3, i->status, sizeof i->status);
	store_column_copy(s, 4, i->title, sizeof i->title);
	store_column_copy(s, 5, i->actor, sizeof i->actor);
	store_column_copy(s, 6, i->ip, sizeof i->ip);
	store_column_copy(s, 7, i->agency, sizeof i->agency);
	i->detected_at = sqlite3_column_int64(s, 8);
	i->last_alert_at = sqlite3_column_int64(s, 9);
	i->report_due_at = sqlite3_column_int64(s, 10);
	i->alert_count = sqlite3_column_int(s, 11);
	i->due_alerted = sqlite3_column_int(s, 12);
	i->updated_at = sqlite3_column_int64(s, 13);
	i->closed_at = sqlite3_column_int64(s, 14);
}

/* One incident row from a statement whose ?1 is already bound. */
static int incident_one(struct store *st, sqlite3_stmt *s, struct store_incident *out, const char *what)
{
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		incident_from_row(s, out);
		return STORE_OK;
	}
	return step == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(st, step, what);
}

int store_incident_find_open(struct store *st, const char *group_key, int64_t since, struct store_incident *out)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "SELECT " INCIDENT_COLS " FROM detect_incidents WHERE group_key = ?1 AND status != 'closed' "
			       "AND last_alert_at >= ?2 ORDER BY id DESC LIMIT 1",
			       &s);
	if (!rc) {
		store_bind_text(s, 1, group_key);
		sqlite3_bind_int64(s, 2, since);
		rc = incident_one(st, s, out, "incident find");
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_incident_get(struct store *st, int64_t id, struct store_incident *out)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT " INCIDENT_COLS " FROM detect_incidents WHERE id = ?1", &s);
	if (!rc) {
		sqlite3_bind_int64(s, 1, id);
		rc = incident_one(st, s, out, "incident get");
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* Binds the mutable fields of inc from ?2 on (?1 is the id or group key). */
static void incident_bind(sqlite3_stmt *s, const struct store_incident *i)
{
	store_bind_text(s, 2, i->severity);
	store_bind_text(s, 3, i->status);
	store_bind_text(s, 4, i->title);
	bind_opt(s, 5, i->actor);
	bind_opt(s, 6, i->ip);
	bind_opt(s, 7, i->agency);
	sqlite3_bind_int64(s, 8, i->last_alert_at);
	sqlite3_bind_int64(s, 9, i->report_due_at);
	sqlite3_bind_int(s, 10, i->alert_count);
	sqlite3_bind_int(s, 11, i->due_alerted);
	sqlite3_bind_int64(s, 12, i->updated_at);
	if (i->closed_at > 0)
		sqlite3_bind_int64(s, 13, i->closed_at);
	else
		sqlite3_bind_null(s, 13);
	sqlite3_bind_int64(s, 14, i->detected_at);
}

int store_incident_insert(struct store *st, struct store_incident *inc)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "INSERT INTO detect_incidents(group_key, severity, status, title, actor, ip, agency, "
			       "last_alert_at, report_due_at, alert_count, due_alerted, updated_at, closed_at, detected_at) "
			       "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
			       &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, inc->group_key);
	incident_bind(s, inc);
	rc = step_done(st, s, "incident insert", NULL);
	if (!rc)
		inc->id = sqlite3_last_insert_rowid(st->db);
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_incident_save(struct store *st, const struct store_incident *inc)
{
	sqlite3_stmt *s = NULL;
	int changes = 0;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "UPDATE detect_incidents SET severity = ?2, status = ?3, title = ?4, actor = ?5, ip = ?6, "
			       "agency = ?7, last_alert_at = ?8, report_due_at = ?9, alert_count = ?10, due_alerted = ?11, "
			       "updated_at = ?12, closed_at = ?13 WHERE id = ?1 AND detected_at = ?14",
			       &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, inc->id);
	incident_bind(s, inc);
	rc = step_done(st, s, "incident save", &changes);
	if (!rc && changes == 0)
		rc = STORE_ENOTFOUND;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_incident_list(struct store *st, const char *status, int limit,
			int (*fn)(const struct store_incident *inc, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct store_incident i;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "SELECT " INCIDENT_COLS " FROM detect_incidents WHERE (?1 IS NULL OR status = ?1) "
			       "ORDER BY id DESC LIMIT ?2",
			       &s);
	if (rc)
		goto out;
	bind_opt(s, 1, status);
	sqlite3_bind_int(s, 2, limit);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		incident_from_row(s, &i);
		if (fn(&i, arg))
			break;
	}
	rc = store_rc(st, step, "incident list");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_incident_note_add(struct store *st, int64_t incident_id, const struct store_incident_note *n)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "INSERT INTO detect_incident_notes(incident_id, at, author, status_from, status_to, note) "
			       "VALUES (?1,?2,?3,?4,?5,?6)",
			       &s);
	if (!rc) {
		sqlite3_bind_int64(s, 1, incident_id);
		sqlite3_bind_int64(s, 2, n->at);
		store_bind_text(s, 3, n->author);
		store_bind_text(s, 4, n->status_from);
		store_bind_text(s, 5, n->status_to);
		store_bind_text(s, 6, n->note);
		rc = step_done(st, s, "incident note", NULL);
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_incident_notes(struct store *st, int64_t incident_id,
			 int (*fn)(const struct store_incident_note *n, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct store_incident_note n;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "SELECT id, at, author, status_from, status_to, note FROM detect_incident_notes "
			       "WHERE incident_id = ?1 ORDER BY id LIMIT 1000",
			       &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, incident_id);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&n, 0, sizeof n);
		n.id = sqlite3_column_int64(s, 0);
		n.at = sqlite3_column_int64(s, 1);
		store_column_copy(s, 2, n.author, sizeof n.author);
		store_column_copy(s, 3, n.status_from, sizeof n.status_from);
		store_column_copy(s, 4, n.status_to, sizeof n.status_to);
		store_column_copy(s, 5, n.note, sizeof n.note);
		if (fn(&n, arg))
			break;
	}
	rc = store_rc(st, step, "incident notes");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_block_put(struct store *st, const struct store_block *b)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "INSERT INTO detect_blocks(ip, reason, created_by, created_at, expires_at) "
			       "VALUES (?1,?2,?3,?4,?5) ON CONFLICT(ip) DO UPDATE SET reason = ?2, created_by = ?3, "
			       "created_at = ?4, expires_at = ?5",
			       &s);
	if (!rc) {
		store_bind_text(s, 1, b->ip);
		store_bind_text(s, 2, b->reason);
		store_bind_text(s, 3, b->created_by);
		sqlite3_bind_int64(s, 4, b->created_at);
		sqlite3_bind_int64(s, 5, b->expires_at);
		rc = step_done(st, s, "block put", NULL);
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_block_delete(struct store *st, const char *ip)
{
	sqlite3_stmt *s = NULL;
	int changes = 0;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "DELETE FROM detect_blocks WHERE ip = ?1", &s);
	if (!rc) {
		store_bind_text(s, 1, ip);
		rc = step_done(st, s, "block delete", &changes);
		if (!rc && changes == 0)
			rc = STORE_ENOTFOUND;
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_block_list(struct store *st, int64_t now, int (*fn)(const struct store_block *b, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct store_block b;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "SELECT ip, reason, created_by, created_at, expires_at FROM detect_blocks "
			       "WHERE expires_at > ?1 ORDER BY ip LIMIT 10000",
			       &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, now);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&b, 0, sizeof b);
		store_column_copy(s, 0, b.ip, sizeof b.ip);
		store_column_copy(s, 1, b.reason, sizeof b.reason);
		store_column_copy(s, 2, b.created_by, sizeof b.created_by);
		b.created_at = sqlite3_column_int64(s, 3);
		b.expires_at = sqlite3_column_int64(s, 4);
		if (fn(&b, arg))
			break;
	}
	rc = store_rc(st, step, "block list");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
