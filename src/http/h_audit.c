/*
 * GET /api/v1/audit/verify: the console's "is the audit log intact?" for admins
 * and auditors. It runs the full verification (reading every segment), so the
 * route is on the worker pool. A log that fails is still a 200: the answer is
 * the finding, {ok: false, first_bad_seq, reason}; 500 only when the log or the
 * key cannot be read at all.
 */
#include "http/handlers.h"

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
