/*
 * SQLite side of file-integrity monitoring. A baseline is replaced in one
 * transaction so that a `fim check` running beside it sees the old or the new
 * approved state, never half of each. Subtrees are selected with a range on the
 * path (prefix + "/" <= path < prefix + "0", '0' being the byte after '/') so
 * that no LIKE pattern has to be escaped and the primary key index serves it.
 * Callbacks run with the store's lock held: they must not call the store.
 */
#include <string.h>

#include "store/store_int.h"

int store_fim_baseline_replace(struct store *st, const char *root, const char *prefix,
			       const struct store_fim_file *files, size_t n, int64_t now)
{
	sqlite3_stmt *sr = NULL, *sd = NULL, *si = NULL;
	int began = 0;
	if (!root || !prefix || (n && !files))
		return STORE_EINVAL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "INSERT INTO fim_roots(root, recorded_at) VALUES (?1, ?2) "
			       "ON CONFLICT(root) DO UPDATE SET recorded_at = excluded.recorded_at",
			       &sr);
	if (!rc)
		rc = store_prepare(st,
				   "DELETE FROM fim_baseline WHERE root = ?1 AND (path = ?2 OR "
				   "(path >= ?2 || '/' AND path < ?2 || '0'))",
				   &sd);
	if (!rc)
		rc = store_prepare(st,
				   "INSERT INTO fim_baseline(path, root, size, mode, uid, mtime, blake2b, "
				   "sha256, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
				   "ON CONFLICT(path) DO UPDATE SET root = excluded.root, size = excluded.size, "
				   "mode = excluded.mode, uid = excluded.uid, mtime = excluded.mtime, "
				   "blake2b = excluded.blake2b, sha256 = excluded.sha256, "
				   "recorded_at = excluded.recorded_at",
				   &si);
	if (rc)
		goto out;
	rc = store_exec(st, "BEGIN IMMEDIATE", "fim begin");
	if (rc)
		goto out;
	began = 1;
	store_bind_text(sr, 1, root);
	sqlite3_bind_int64(sr, 2, now);
	rc = store_rc(st, sqlite3_step(sr), "fim root");
	if (rc)
		goto out;
	store_bind_text(sd, 1, root);
	store_bind_text(sd, 2, prefix);
	rc = store_rc(st, sqlite3_step(sd), "fim baseline delete");
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct store_fim_file *f = &files[i];
		sqlite3_reset(si);
		sqlite3_bind_text(si, 1, f->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(si, 2, root, -1, SQLITE_STATIC);
		sqlite3_bind_int64(si, 3, f->size);
		sqlite3_bind_int64(si, 4, f->mode);
		sqlite3_bind_int64(si, 5, f->uid);
		sqlite3_bind_int64(si, 6, f->mtime);
		sqlite3_bind_text(si, 7, f->blake2b, -1, SQLITE_STATIC);
		sqlite3_bind_text(si, 8, f->sha256, -1, SQLITE_STATIC);
		sqlite3_bind_int64(si, 9, now);
		int step = sqlite3_step(si);
		if (step != SQLITE_DONE) {
			rc = store_rc(st, step, "fim baseline insert");
			goto out;
		}
	}
	rc = store_exec(st, "COMMIT", "fim commit");
	began = 0;
out:
	if (began)
		store_exec(st, "ROLLBACK", "fim rollback");
	sqlite3_finalize(sr);
	sqlite3_finalize(sd);
	sqlite3_finalize(si);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_fim_roots_each(struct store *st, int (*fn)(const char *root, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st, "SELECT root FROM fim_roots ORDER BY root", &s);
	if (rc)
		goto out;
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		rc = fn((const char *)sqlite3_column_text(s, 0), arg);
		if (rc)
			goto out;
	}
	rc = store_rc(st, step, "fim roots");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_fim_baseline_under(struct store *st, const char *root, const char *prefix,
			     int (*fn)(const struct store_fim_file *f, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "SELECT path, size, mode, uid, mtime, blake2b, sha256 FROM fim_baseline "
			       "WHERE root = ?1 AND (path = ?2 OR (path >= ?2 || '/' AND path < ?2 || '0')) "
			       "ORDER BY path",
			       &s);
	if (rc)
		goto out;
	store_bind_text(s, 1, root);
	store_bind_text(s, 2, prefix);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_fim_file f = {
			.path = (const char *)sqlite3_column_text(s, 0),
			.size = sqlite3_column_int64(s, 1),
			.mode = (uint32_t)sqlite3_column_int64(s, 2),
			.uid = (uint32_t)sqlite3_column_int64(s, 3),
			.mtime = sqlite3_column_int64(s, 4),
		};
		if (store_column_copy(s, 5, f.blake2b, sizeof f.blake2b) ||
		    store_column_copy(s, 6, f.sha256, sizeof f.sha256)) {
			rc = STORE_ECORRUPT;
			goto out;
		}
		rc = fn(&f, arg);
		if (rc)
			goto out;
	}
	rc = store_rc(st, step, "fim baseline");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_fim_baseline_each(struct store *st, const char *root,
			    int (*fn)(const struct store_fim_file *f, void *arg), void *arg)
{
	return store_fim_baseline_under(st, root, root, fn, arg);
}

int store_fim_findings_add(struct store *st, const struct store_fim_finding *f, size_t n)
{
	sqlite3_stmt *s = NULL;
	int began = 0;
	if (n == 0)
		return STORE_OK;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "INSERT INTO fim_findings(kind, path, rule, sha256, blake2b, seen_at) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			       &s);
	if (rc)
		goto out;
	rc = store_exec(st, "BEGIN IMMEDIATE", "fim findings begin");
	if (rc)
		goto out;
	began = 1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(s);
		store_bind_text(s, 1, f[i].kind);
		store_bind_text(s, 2, f[i].path);
		store_bind_text(s, 3, f[i].rule);
		store_bind_text(s, 4, f[i].sha256);
		store_bind_text(s, 5, f[i].blake2b);
		sqlite3_bind_int64(s, 6, f[i].seen_at);
		int step = sqlite3_step(s);
		if (step != SQLITE_DONE) {
			rc = store_rc(st, step, "fim finding insert");
			goto out;
		}
	}
	rc = store_exec(st, "COMMIT", "fim findings commit");
	began = 0;
out:
	if (began)
		store_exec(st, "ROLLBACK", "fim rollback");
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_fim_webshells_each(struct store *st, int64_t since,
			     int (*fn)(const struct store_fim_finding *f, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	/* SQLite takes the bare columns of a min() aggregate from the row holding the minimum. */
	int rc = store_prepare(st,
			       "SELECT sha256, min(seen_at), path, rule, blake2b FROM fim_findings "
			       "WHERE kind = 'webshell' AND sha256 IS NOT NULL AND seen_at >= ?1 "
			       "GROUP BY sha256 ORDER BY 2, 1",
			       &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, since);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_fim_finding f = {
			.kind = "webshell",
			.sha256 = (const char *)sqlite3_column_text(s, 0),
			.seen_at = sqlite3_column_int64(s, 1),
			.path = (const char *)sqlite3_column_text(s, 2),
			.rule = (const char *)sqlite3_column_text(s, 3),
			.blake2b = (const char *)sqlite3_column_text(s, 4),
		};
		rc = fn(&f, arg);
		if (rc)
			goto out;
	}
	rc = store_rc(st, step, "fim webshells");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_fim_blocks_each(struct store *st, int64_t since,
			  int (*fn)(const char *ip, const char *reason, int64_t created_at,
				    int64_t expires_at, void *arg),
			  void *arg)
{
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->mu);
	int rc = store_prepare(st,
			       "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
			       "name = 'detect_blocks'",
			       &s);
	if (rc)
		goto out;
	int have = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) > 0;
	sqlite3_finalize(s);
	s = NULL;
	if (!have)
		goto out;
	rc = store_prepare(st,
			   "SELECT ip, reason, created_at, expires_at FROM detect_blocks "
			   "WHERE created_at >= ?1 ORDER BY created_at, ip",
			   &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, since);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		rc = fn((const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
			sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3), arg);
		if (rc)
			goto out;
	}
	rc = store_rc(st, step, "fim blocks");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
