/*
 * GET /api/v1/agencies/{code}/review?format=json|csv|html: the access review of
 * an agency (src/review/). Admin and auditor: any agency; agency admin: their
 * own (403 otherwise). Audited as access_review before anything is sent, fail
 * closed: the list of an agency's staff is worth knowing who took.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "http/app.h"
#include "http/guard.h"
#include "http/handlers.h"
#include "review/review.h"

void h_agencies_review(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ADMIN | ROLE_AGENCY_ADMIN | ROLE_AUDITOR, 0);
	if (!c)
		return;
	const char *code = req->n_params > 0 ? req->params[0] : "", *format = http_req_query(req, "format");
	enum review_format f;
	if (review_format_parse(format, &f)) {
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", "format"));
		return;
	}
	if (!auth_may_view(c, code)) {
		http_resp_error(req, resp, 403, "forbidden", NULL);
		return;
	}
	json_t *r = NULL;
	int64_t now = clock_now();
	audit_sync_projections(req->app->audit, HTTP_PROJECTION_SYNC_MS);
	int rc = review_build(req->app->store, req->app->cfg, code, c->user.username, now, &r);
	if (rc) {
		http_resp_error(req, resp, rc == REVIEW_ENOTFOUND ? 404 : 500,
				rc == REVIEW_ENOTFOUND ? "not_found" : "internal_error", NULL);
		return;
	}
	const char *fname = f == REVIEW_CSV ? "csv" : f == REVIEW_HTML ? "html" : "json";
	const char *kv[] = {"agency", code, "format", fname, NULL};
	if ((rc = auth_audit(req->app->auth, "access_review", c->user.username, c->user.agency, c->ip, kv))) {
		json_decref(r);
		http_resp_auth_error(req, resp, rc, NULL);
		return;
	}
	if (f == REVIEW_JSON) {
		http_resp_json(resp, 200, r);
		return;
	}
	char *body = NULL;
	size_t len = 0;
	const char *type = NULL;
	rc = review_render(r, f, &body, &len, &type);
	json_decref(r);
	if (rc) {
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	resp->status = 200;
	resp->body = body;
	resp->body_len = len;
	resp->content_type = type;
	if (f == REVIEW_CSV) {
		char day[16], disp[128];
		clock_format_local_date(now, day, sizeof day);
		snprintf(disp, sizeof disp, "attachment; filename=\"review-%s-%s.csv\"", code, day);
		http_resp_header(resp, "Content-Disposition", disp);
	}
}
