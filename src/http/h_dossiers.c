/*
 * /api/v1/dossiers: the one-stop system pushes dossiers (POST, audited, all or
 * nothing), and an officer's desk lists the open dossiers of their agency and
 * those naming them as assigned officer (GET), to look a person up from there.
 * Who may see a dossier follows the lookup rule: an officer their agency's and
 * their assigned ones, an agency admin their agency's, the IT-centre admin and
 * the auditor any agency's. A dossier the caller may not see answers 404, the
 * same as one that does not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "dossier/dossier.h"
#include "http/app.h"
#include "http/guard.h"
#include "http/handlers.h"
#include "lookup/lookup.h"
#include "store/store.h"

/* Dossiers one push may carry (the request body is at most HTTP_BODY_MAX). */
#define DOSSIER_PUSH_MAX 100

static bool caller_sees(const struct auth_caller *c, const dossier_t *d)
{
	if (c->role & (ROLE_ADMIN | ROLE_AUDITOR))
		return true;
	if (!strcmp(d->agency, c->user.agency))
		return true;
	for (int i = 0; c->role == ROLE_OFFICER && i < d->n_officers; i++)
		if (!strcmp(d->officers[i], c->user.username))
			return true;
	return false;
}

void h_dossiers_create(struct http_req *req, struct http_resp *resp)
{
	/* the one-stop system (a service token with dossiers:write) or the IT centre */
	struct auth_caller *c = http_guard_scope(req, resp, ROLE_ADMIN | ROLE_SERVICE, 0, "dossiers:write");
	if (!c)
		return;
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return;
	json_t *list = json_object_get(body, "dossiers");
	bool many = json_is_array(list);
	size_t n = many ? json_array_size(list) : 1;
	struct lookup_service *ls = req->app->lookup;
	struct dossier_rules rules = {.codes = &ls->dossier_codes, .procedures = ls->procedures,
				      .agencies = req->app->store, .now = clock_now()};
	struct dossier_batch b = {0};
	char why[384], detail[448];
	if (n == 0 || n > DOSSIER_PUSH_MAX) {
		json_decref(body);
		snprintf(detail, sizeof detail, "send 1 to %d dossiers, as one object or {\"dossiers\": [...]}",
			 DOSSIER_PUSH_MAX);
		http_resp_error(req, resp, 400, "invalid_dossier", json_pack("{s:s}", "detail", detail));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		dossier_t d;
		const json_t *o = many ? json_array_get(list, i) : body;
		int rc = dossier_from_json(o, &rules, "api", &d, why, sizeof why);
		if (rc == DOSSIER_OK && c->user.agency[0] && !(c->role & ROLE_ADMIN) && strcmp(d.agency, c->user.agency)) {
			snprintf(why, sizeof why, "agency: this credential may write dossiers of %s only", c->user.agency);
			rc = DOSSIER_EINVAL;
		}
		if (rc == DOSSIER_OK)
			rc = dossier_batch_add(&b, &d, DOSSIER_PUSH_MAX, why, sizeof why);
		if (rc != DOSSIER_OK) {
			if (many)
				snprintf(detail, sizeof detail, "dossiers[%zu]: %s", i, why);
			else
				snprintf(detail, sizeof detail, "%s", why);
			dossier_batch_free(&b);
			json_decref(body);
			http_resp_error(req, resp, 400, "invalid_dossier", json_pack("{s:s}", "detail", detail));
			return;
		}
	}
	struct dossier_import_result r;
	int rc = dossier_import_apply(req->app->store, req->app->audit, &b, req->body, req->body_len,
				      c->user.username, req->client_ip, "api", &r, why, sizeof why);
	dossier_batch_free(&b);
	json_decref(body);
	if (rc != DOSSIER_OK) {
		http_resp_error(req, resp, 503, "audit_unavailable", NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:I, s:I, s:I, s:I}", "rows", (json_int_t)r.rows, "inserted",
					    (json_int_t)r.inserted, "updated", (json_int_t)r.updated, "audit_seq",
					    (json_int_t)r.audit_seq));
}

static int list_one(const struct store_dossier *d, void *arg)
{
	json_array_append_new(arg, dossier_to_json(d));
	return 0;
}

void h_dossiers_list(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ADMIN | ROLE_AUDITOR | ROLE_AGENCY_ADMIN | ROLE_OFFICER, 0);
	if (!c)
		return;
	const char *status = http_req_query(req, "status"), *agency = http_req_query(req, "agency");
	const char *limit_s = http_req_query(req, "limit");
	char *end = NULL;
	long limit = limit_s ? strtol(limit_s, &end, 10) : 100;
	if ((limit_s && (*end || limit < 1 || limit > 1000)) ||
	    (status && *status && strcmp(status, "open") && strcmp(status, "all"))) {
		http_resp_error(req, resp, 400, "invalid_request",
				json_pack("{s:s}", "detail", "status is open or all; limit is 1..1000"));
		return;
	}
	struct store_dossier_query q = {.open_only = !status || !*status || !strcmp(status, "open"),
					.q = http_req_query(req, "q"), .limit = (int)limit};
	if (q.q && strlen(q.q) > 64) {
		http_resp_error(req, resp, 400, "invalid_request",
				json_pack("{s:s}", "detail", "q is at most 64 characters"));
		return;
	}
	if (c->role & (ROLE_ADMIN | ROLE_AUDITOR)) {
		if (!agency || !*agency) {
			http_resp_error(req, resp, 400, "invalid_request",
					json_pack("{s:s}", "detail", "agency is required for the IT centre and auditors"));
			return;
		}
		q.agency = agency;
	} else {
		if (agency && *agency && strcmp(agency, c->user.agency)) {
			http_resp_error(req, resp, 403, "forbidden", NULL);
			return;
		}
		q.agency = c->user.agency;
		if (c->role == ROLE_OFFICER)
			q.officer = c->user.username; /* and other agencies' dossiers that name them */
	}
	json_t *arr = json_array();
	if (store_dossiers_list(req->app->store, &q, list_one, arr)) {
		json_decref(arr);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:o, s:b}", "dossiers", arr, "verified",
					    req->app->lookup && req->app->lookup->verify_dossiers));
}

void h_dossiers_get(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ADMIN | ROLE_AUDITOR | ROLE_AGENCY_ADMIN | ROLE_OFFICER, 0);
	if (!c)
		return;
	dossier_t d;
	int rc = store_dossier_get(req->app->store, req->params[0], &d);
	if (rc == STORE_ENOTFOUND || (rc == STORE_OK && !caller_sees(c, &d))) {
		http_resp_error(req, resp, 404, "not_found", NULL);
		return;
	}
	if (rc) {
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	http_resp_json(resp, 200, dossier_to_json(&d));
}
