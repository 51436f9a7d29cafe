/*
 * From committed records to the SQLite projections: a "lookup" record becomes a
 * row (citizen, dossier, procedure, outcome from its payload) and one more in
 * the daily counts of its actor and agency for the record's local day. Every
 * other record becomes a row of the event projection (type, actor, agency, ip,
 * payload) for the audit search. The same code serves the live
 * delivery thread, the catch-up at open and `canhgac audit reindex`, so a
 * rebuilt projection is the live one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit_int.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/store.h"

#define PROJECT_BATCH 1024

/* v's text into out, cut to fit as snprintf would (this runs for every field of
 * every record projected, where snprintf's format parsing showed in profiles). */
static void copy_field(char *out, size_t size, const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = s ? json_string_length(v) : 0;
	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(out, s, n);
	out[n] = '\0';
}

static bool record_to_row(const json_t *rec, struct store_audit_lookup *row)
{
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *t = json_string_value(json_object_get(rec, "time"));
	const json_t *pl = json_object_get(rec, "payload");
	if (!type || strcmp(type, "lookup") != 0 || !t)
		return false;
	memset(row, 0, sizeof *row);
	row->seq = (int64_t)json_integer_value(json_object_get(rec, "seq"));
	if (clock_parse_rfc3339(t, &row->time))
		return false;
	row->local_day = clock_local_day(row->time);
	copy_field(row->actor, sizeof row->actor, json_object_get(rec, "actor"));
	copy_field(row->agency, sizeof row->agency, json_object_get(rec, "agency"));
	copy_field(row->ip, sizeof row->ip, json_object_get(rec, "ip"));
	copy_field(row->citizen_id, sizeof row->citizen_id, json_object_get(pl, "citizen_id"));
	copy_field(row->dossier_code, sizeof row->dossier_code, json_object_get(pl, "dossier_code"));
	copy_field(row->procedure_code, sizeof row->procedure_code, json_object_get(pl, "procedure_code"));
	copy_field(row->outcome, sizeof row->outcome, json_object_get(pl, "outcome"));
	return true;
}

/* Any other record becomes a row of the event projection (the audit search);
 * ev->payload is a new string the caller frees. */
static bool record_to_event(const json_t *rec, struct store_audit_event *ev)
{
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *t = json_string_value(json_object_get(rec, "time"));
	const json_t *pl = json_object_get(rec, "payload");
	memset(ev, 0, sizeof *ev);
	if (!type || !t || clock_parse_rfc3339(t, &ev->time))
		return false;
	ev->seq = (int64_t)json_integer_value(json_object_get(rec, "seq"));
	copy_field(ev->type, sizeof ev->type, json_object_get(rec, "type"));
	copy_field(ev->actor, sizeof ev->actor, json_object_get(rec, "actor"));
	copy_field(ev->agency, sizeof ev->agency, json_object_get(rec, "agency"));
	copy_field(ev->ip, sizeof ev->ip, json_object_get(rec, "ip"));
	ev->payload = json_is_object(pl) ? json_dumps(pl, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	return true;
}

int audit_project_records(struct store *st, json_t *const *recs, size_t n)
{
	if (n == 0)
		return 0;
	struct store_audit_lookup *rows = malloc(n * sizeof *rows);
	struct store_audit_event *evs = NULL; /* only when the batch is not all lookups */
	if (!rows)
		return STORE_EIO;
	size_t k = 0, e = 0;
	for (size_t i = 0; i < n; i++) {
		if (record_to_row(recs[i], &rows[k])) {
			k++;
			continue;
		}
		if (!evs && !(evs = malloc((n - i) * sizeof *evs))) {
			free(rows);
			return STORE_EIO;
		}
		if (record_to_event(recs[i], &evs[e]))
			e++;
	}
	int64_t last = (int64_t)json_integer_value(json_object_get(recs[n - 1], "seq"));
	int rc = store_audit_project_all(st, rows, k, evs, e, last);
	for (size_t i = 0; i < e; i++)
		free((char *)evs[i].payload);
	free(evs);
	free(rows);
	return rc;
}

struct replay {
	struct store *st;
	json_t *batch[PROJECT_BATCH];
	size_t n;
	uint64_t records;
	int rc;
};

static int replay_flush(struct replay *r)
{
	int rc = audit_project_records(r->st, r->batch, r->n);
	for (size_t i = 0; i < r->n; i++)
		json_decref(r->batch[i]);
	r->n = 0;
	return rc;
}

static int replay_one(const json_t *rec, const char *line, size_t len, void *arg)
{
	struct replay *r = arg;
	(void)line;
	(void)len;
	r->batch[r->n++] = json_incref((json_t *)rec);
	r->records++;
	if (r->n == PROJECT_BATCH && (r->rc = replay_flush(r)) != 0)
		return -1;
	return 0;
}

static int replay(const char *data_dir, struct store *st, uint64_t from, uint64_t *records,
		  char *why, size_t why_size)
{
	struct replay *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(why, why_size, "out of memory");
		return AUDIT_EIO;
	}
	r->st = st;
	int rc = audit_read_records(data_dir, from, replay_one, r, why, why_size);
	if (!rc && r->n)
		r->rc = replay_flush(r);
	else
		for (size_t i = 0; i < r->n; i++)
			json_decref(r->batch[i]);
	if (r->rc) {
		snprintf(why, why_size, "cannot write the projections into the database: %s",
			 store_strerror(r->rc));
		rc = AUDIT_EIO;
	} else if (rc) {
		rc = AUDIT_EIO;
	}
	if (records)
		*records = r->records;
	free(r);
	return rc;
}

int audit_project_catch_up(const char *data_dir, struct store *st, char *why, size_t why_size)
{
	int64_t mark = 0;
	uint64_t n = 0;
	if (store_audit_projected_seq(st, &mark) != 0) {
		snprintf(why, why_size, "cannot read the audit projections from the database");
		return AUDIT_EIO;
	}
	int rc = replay(data_dir, st, (uint64_t)mark + 1, &n, why, why_size);
	if (!rc && n)
		log_info("audit", "projected %" PRIu64 " records the database had missed (from seq %lld)", n,
			 (long long)mark + 1);
	return rc;
}

int audit_reindex(const char *data_dir, struct store *st, uint64_t *records, char *why,
		  size_t why_size)
{
	char dir[DATADIR_PATH_MAX];
	int lock_fd = -1;
	if (datadir_path(data_dir, "audit", dir, sizeof dir)) {
		snprintf(why, why_size, "data directory path too long");
		return AUDIT_EIO;
	}
	int rc = audit_lock_acquire(dir, &lock_fd, why, why_size);
	if (rc)
		return rc;
	if (store_audit_reset(st) != 0) {
		snprintf(why, why_size, "cannot empty the audit projections in the database");
		rc = AUDIT_EIO;
	} else {
		rc = replay(data_dir, st, 1, records, why, why_size);
	}
	close(lock_fd);
	return rc;
}
