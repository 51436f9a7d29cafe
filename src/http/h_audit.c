/*
 * GET /api/v1/audit: the audit search over the projections (every record type,
 * newest first, bounded), for admins and auditors, and for an agency admin over
 * their agency's records.
 * GET /api/v1/audit/verify: the console's "is the audit log intact?" for admins
 * and auditors. It runs the full verification (reading every segment), so the
 * route is on the worker pool. A log that fails is still a 200: the answer is
 * the finding, {ok: false, first_bad_seq, reason}; 500 only when the log or the
 * key cannot be read at all.
 */
#include "http/handlers.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

#include "audit/audit.h"
#include "http/app.h"
#include "http/guard.h"

void h_audit_verify(struct http_req *req, struct http_resp *resp)
{
	struct audit_verify_result r;
	if (!http_guard(req, resp, ROLE_ADMIN | ROLE_AUDITOR, 0))
		return;
	int rc = audit_verify(req->app->data_dir, NULL, &r);
	if (rc == AUDIT_EIO) {
		http_resp_error(req, resp, 500, "internal_error", json_pack("{s:s}", "reason", r.reason));
		return;
	}
	json_t *body = json_pack("{s:b, s:I, s:I}", "ok", r.ok, "records", (json_int_t)r.records,
				 "checkpoint_seq", (json_int_t)r.checkpoint_seq);
	if (body && !r.ok) {
		json_object_set_new(body, "first_bad_seq", json_integer((json_int_t)r.first_bad_seq));
		json_object_set_new(body, "reason", json_string(r.reason));
	}
	http_resp_json(resp, 200, body);
}

/* A bounded integer query value in [lo, hi]; `dflt` when absent; -1 when bad. */
static int search_int(struct http_req *req, const char *name, long long lo, long long hi, long long dflt,
		      long long *out)
{
	const char *v = http_req_query(req, name);
	char *end;
	*out = dflt;
	if (!v || !*v)
		return 0;
	*out = strtoll(v, &end, 10);
	return *end || *out < lo || *out > hi ? -1 : 0;
}

static bool search_type_ok(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	if (n == 0)
		return true;
	if (n > 48)
		return false;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') || *t == '_' || *t == '.'))
			return false;
	return true;
}

struct search_out {
	json_t *arr;
	int64_t last_seq;
};

static int search_one(const struct store_audit_event *ev, void *arg)
{
	struct search_out *o = arg;
	json_t *payload = ev->payload ? json_loads(ev->payload, 0, NULL) : NULL;
	json_array_append_new(o->arr, json_pack("{s:I, s:o, s:s, s:s, s:s?, s:s?, s:o}", "seq", (json_int_t)ev->seq,
						"time", http_time_json(ev->time), "type", ev->type, "actor",
						ev->actor, "agency", ev->agency[0] ? ev->agency : NULL, "ip",
						ev->ip[0] ? ev->ip : NULL, "payload",
						payload ? payload : json_object()));
	o->last_seq = ev->seq;
	return 0;
}

void h_audit_search(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ADMIN | ROLE_AUDITOR | ROLE_AGENCY_ADMIN, 0);
	if (!c)
		return;
	struct store_audit_search q = {
		.type = http_req_query(req, "type"),
		.actor = http_req_query(req, "actor"),
		.agency = http_req_query(req, "agency"),
	};
	long long limit = 0, before = 0;
	const char *bad = NULL;
	if (!search_type_ok(q.type))
		bad = "type";
	else if (q.actor && strlen(q.actor) > 128)
		bad = "actor";
	else if (q.agency && strlen(q.agency) > 31)
		bad = "agency";
	else if (http_req_query_time(req, "from", false, &q.from))
		bad = "from";
	else if (http_req_query_time(req, "to", true, &q.to))
		bad = "to";
	else if (search_int(req, "limit", 1, 1000, 100, &limit))
		bad = "limit";
	else if (search_int(req, "before", 1, INT64_MAX, 0, &before))
		bad = "before";
	if (bad) {
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", bad));
		return;
	}
	q.limit = (int)limit;
	q.before_seq = before;
	if (c->role == ROLE_AGENCY_ADMIN) {
		if (q.agency && *q.agency && strcmp(q.agency, c->user.agency) != 0) {
			http_resp_error(req, resp, 403, "forbidden", NULL);
			return;
		}
		q.agency = c->user.agency;
	}
	struct search_out o = {json_array(), 0};
	audit_sync_projections(req->app->audit, HTTP_PROJECTION_SYNC_MS);
	if (store_audit_search(req->app->store, &q, search_one, &o)) {
		json_decref(o.arr);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	bool full = (long long)json_array_size(o.arr) == limit;
	http_resp_json(resp, 200, json_pack("{s:o, s:o}", "records", o.arr, "next_before",
					    full ? json_integer(o.last_seq) : json_null()));
}
