/*
 * /api/v1/lookups, /api/v1/citizens/{id}/accesses and /api/v1/procedures.
 * POST /lookups waits for its audit record to reach the disk, and many such
 * waits share one fdatasync (group commit) only if many lookups can wait at
 * once: with backends that answer from local files it runs on the HTTP thread
 * and suspends the connection until the audit writer calls back (the route says
 * so through h_lookups_runs_inline); with a backend that waits on the network it
 * runs on the I/O pool with the synchronous form.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/metrics.h"
#include "http/app.h"
#include "http/guard.h"
#include "http/handlers.h"
#include "lookup/lookup.h"
#include "lookup/procedures.h"
#include "store/store.h"

json_t *http_quota_json(const struct quota_usage *u)
{
	return json_pack("{s:{s:i, s:i}, s:{s:i, s:i}, s:{s:i, s:i}}", "minute", "limit", u->minute_limit, "used",
			 u->minute_used, "day", "limit", u->day_limit, "used", u->day_used, "agency_day", "limit",
			 u->agency_day_limit, "used", u->agency_day_used);
}

/* The caller's resolved limits (their overrides, their agency's quota, the defaults). */
void http_caller_limits(struct http_req *req, const struct auth_caller *c, struct quota_limits *lim)
{
	/* the agency's quota as read with the session (auth_caller), not read again */
	struct store_agency ag = {.quota_per_day = c->agency_quota_per_day};
	quota_limits_resolve(req->app->cfg, &c->user, &ag, lim);
}

/* The answer of a finished lookup (rc and r from lookup_run or lookup_finish). */
static void lookup_respond(struct http_req *req, struct http_resp *resp, int rc, struct lookup_result *r)
{
	json_t *quota = http_quota_json(&r->usage);
	char ra[16];
	switch (rc) {
	case LOOKUP_OK:
		http_resp_json(resp, 200, json_pack("{s:o, s:I, s:o}", "citizen", r->citizen, "audit_seq",
						    (json_int_t)r->audit_seq, "quota", quota));
		return;
	case LOOKUP_EINVALID_ID:
		http_resp_error(req, resp, 400, "invalid_citizen_id", json_pack("{s:s}", "detail", r->why));
		break;
	case LOOKUP_EINVALID_DOSSIER:
		http_resp_error(req, resp, 400, "invalid_dossier_code", json_pack("{s:s}", "detail", r->why));
		break;
	case LOOKUP_EUNKNOWN_PROCEDURE:
		http_resp_error(req, resp, 400, "unknown_procedure", json_pack("{s:s}", "detail", r->why));
		break;
	case LOOKUP_ENOTFOUND:
		http_resp_error(req, resp, 404, "citizen_not_found",
				json_pack("{s:I, s:O}", "audit_seq", (json_int_t)r->audit_seq, "quota", quota));
		break;
	case LOOKUP_EQUOTA:
		metrics_quota_rejected(quota_scope_name(r->scope));
		snprintf(ra, sizeof ra, "%d", r->retry_after);
		http_resp_error(req, resp, 429, "quota_exceeded",
				json_pack("{s:s, s:i, s:O}", "scope", quota_scope_name(r->scope), "retry_after",
					  r->retry_after, "quota", quota));
		http_resp_header(resp, "Retry-After", ra);
		break;
	case LOOKUP_EAUDIT:
		http_resp_error(req, resp, 503, "audit_unavailable", NULL);
		break;
	case LOOKUP_EREFUSED:
		http_resp_error(req, resp, 403, r->refusal,
				json_pack("{s:I, s:O}", "audit_seq", (json_int_t)r->audit_seq, "quota", quota));
		break;
	case LOOKUP_EDOSSIER_UNAVAILABLE:
		http_resp_error(req, resp, 503, "dossier_unavailable", NULL);
		http_resp_header(resp, "Retry-After", "5");
		break;
	case LOOKUP_EUPSTREAM:
		http_resp_error(req, resp, 502, "upstream_error", NULL);
		break;
	case LOOKUP_ETIMEOUT:
		http_resp_error(req, resp, 504, "upstream_timeout", NULL);
		break;
	case LOOKUP_ESTATE:
		http_resp_error(req, resp, 503, "quota_unavailable", NULL);
		break;
	default:
		http_resp_error(req, resp, 500, "internal_error", NULL);
		break;
	}
	json_decref(quota);
}

bool h_lookups_runs_inline(const struct app *app)
{
	return app->lookup && !lookup_service_blocks(app->lookup);
}

/* A lookup in flight: the call's state and the body that holds its strings,
 * alive until the answer. */
struct lookup_flight {
	struct lookup_call call;
	json_t *body;
	int rc;             /* the final code when lookup_start finished at once */
};

static void lookup_resumed(struct http_req *req, struct http_resp *resp)
{
	struct lookup_flight *f = req->then_arg;
	int rc = f->rc == LOOKUP_PENDING ? lookup_finish(&f->call) : f->rc;
	lookup_respond(req, resp, rc, &f->call.result);
	json_decref(f->body);
	free(f);
}

/* From the audit writer thread: the record is durable (or refused). */
static void lookup_audit_done(void *arg)
{
	http_req_resume(arg);
}

void h_lookups_create(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_OFFICER, 0);
	if (!c)
		return;
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return;
	struct lookup_request rq = {
		.username = c->user.username,
		.agency = c->user.agency,
		.ip = req->client_ip,
		.citizen_id = json_string_value(json_object_get(body, "citizen_id")),
		.dossier_code = json_string_value(json_object_get(body, "dossier_code")),
		.procedure_code = json_string_value(json_object_get(body, "procedure_code")),
	};
	if (!rq.citizen_id || !rq.dossier_code || !rq.procedure_code) {
		json_decref(body);
		http_resp_error(req, resp, 400, "invalid_request",
				json_pack("{s:s}", "detail", "citizen_id, dossier_code and procedure_code are required strings"));
		return;
	}
	http_caller_limits(req, c, &rq.limits);
	struct lookup_flight *f = calloc(1, sizeof *f);
	if (!f) {
		json_decref(body);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	f->body = body;
	if (req->pooled) { /* on the I/O pool: wait here */
		int rc = lookup_run(req->app->lookup, &rq, &f->call);
		lookup_respond(req, resp, rc, &f->call.result);
		json_decref(body);
		free(f);
		return;
	}
	/* On the HTTP thread: suspend the connection before the record is queued, so
	 * the writer's resume always finds it suspended; answer when resumed. */
	http_req_defer(req, lookup_resumed, f);
	f->rc = lookup_start(req->app->lookup, &rq, &f->call, lookup_audit_done, req);
	if (f->rc != LOOKUP_PENDING)
		http_req_resume(req);
}

struct accesses {
	json_t *arr;
};

static int access_one(const struct store_audit_lookup *l, void *arg)
{
	struct accesses *a = arg;
	char t[32];
	clock_format_rfc3339(l->time, t, sizeof t);
	json_array_append_new(a->arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "audit_seq",
						(json_int_t)l->seq, "time", t, "username", l->actor, "agency",
						l->agency, "ip", l->ip, "citizen_id", l->citizen_id, "dossier_code",
						l->dossier_code, "procedure_code", l->procedure_code, "outcome",
						l->outcome));
	return 0;
}

void h_lookups_list(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c =
		http_guard(req, resp, ROLE_ADMIN | ROLE_AUDITOR | ROLE_AGENCY_ADMIN | ROLE_OFFICER, 0);
	if (!c)
		return;
	struct store_audit_query q = {
		.username = http_req_query(req, "username"),
		.citizen_id = http_req_query(req, "citizen_id"),
		.agency = http_req_query(req, "agency"),
	};
	const char *limit = http_req_query(req, "limit");
	char *end = NULL;
	long lim = limit ? strtol(limit, &end, 10) : 100;
	if ((limit && (*end || lim < 1 || lim > 10000)) || http_req_query_time(req, "from", false, &q.from) ||
	    http_req_query_time(req, "to", true, &q.to)) {
		http_resp_error(req, resp, 400, "invalid_request",
				json_pack("{s:s}", "detail", "limit is 1..10000; from/to are RFC 3339 or YYYY-MM-DD"));
		return;
	}
	q.limit = (int)lim;
	if (c->role == ROLE_AGENCY_ADMIN) {
		if (q.agency && *q.agency && strcmp(q.agency, c->user.agency) != 0) {
			http_resp_error(req, resp, 403, "forbidden", NULL);
			return;
		}
		q.agency = c->user.agency;
	}
	if (c->role == ROLE_OFFICER) { /* their own history only */
		if ((q.username && *q.username && strcmp(q.username, c->user.username) != 0) ||
		    (q.agency && *q.agency && strcmp(q.agency, c->user.agency) != 0)) {
			http_resp_error(req, resp, 403, "forbidden", NULL);
			return;
		}
		q.username = c->user.username;
		q.agency = c->user.agency;
	}
	audit_sync_projections(req->app->audit, HTTP_PROJECTION_SYNC_MS);
	struct accesses a = {json_array()};
	if (store_audit_lookups(req->app->store, &q, access_one, &a)) {
		json_decref(a.arr);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:o}", "lookups", a.arr));
}

void h_citizen_accesses(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ADMIN | ROLE_AUDITOR, 0);
	if (!c)
		return;
	audit_sync_projections(req->app->audit, HTTP_PROJECTION_SYNC_MS);
	struct accesses a = {json_array()};
	if (store_audit_lookups_by_citizen(req->app->store, req->params[0], 10000, access_one, &a)) {
		json_decref(a.arr);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:s, s:o}", "citizen_id", req->params[0], "accesses", a.arr));
}

void h_procedures_list(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ANY, 0);
	if (!c)
		return;
	http_resp_json(resp, 200, json_pack("{s:o}", "procedures", procedures_to_json(req->app->lookup->procedures)));
}
