/*
 * /api/v1/blocks: the addresses refused at sign-in and lookup (403 ip_blocked),
 * whether the detector or an admin blocked them. Admin adds and removes (audited
 * as ip_block / ip_unblock before the change: 503 audit_unavailable and nothing
 * changed when the audit cannot be written); auditors read.
 */
#include <string.h>

#include "detect/detect.h"
#include "http/app.h"
#include "http/h_watch_common.h"
#include "http/handlers.h"

void h_blocks_list(struct http_req *req, struct http_resp *resp)
{
	if (!http_guard(req, resp, WATCH_READERS, 0))
		return;
	http_resp_json(resp, 200, json_pack("{s:o}", "blocks", detect_blocks_json(req->app->detect)));
}

void h_blocks_create(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, WATCH_WRITERS, 0);
	if (!c)
		return;
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return;
	const char *ip = json_string_value(json_object_get(body, "ip"));
	const char *reason = json_string_value(json_object_get(body, "reason"));
	json_t *ttl = json_object_get(body, "ttl_seconds");
	/* the range is checked on the JSON integer, before any narrowing to int */
	bool ttl_ok = json_is_integer(ttl) && json_integer_value(ttl) > 0 && json_integer_value(ttl) <= 30 * 86400;
	const char *field = !ip ? "ip" : !ttl_ok ? "ttl_seconds" : !reason || !*reason ? "reason" : NULL;
	int rc = field ? DETECT_EINVAL
		       : detect_block_add(req->app->detect, ip, (int)json_integer_value(ttl), reason, c->user.username);
	json_decref(body);
	if (rc == DETECT_EINVAL)
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", field ? field : "ip"));
	else if (rc == DETECT_EAUDIT)
		http_resp_error(req, resp, 503, "audit_unavailable", NULL);
	else if (rc == DETECT_EFULL) /* every live block is an admin's: nothing may be evicted */
		http_resp_error(req, resp, 503, "block_table_full", json_pack("{s:i}", "capacity", DETECT_BLOCKS_MAX));
	else if (rc)
		http_resp_error(req, resp, 500, "internal_error", NULL);
	else
		http_resp_json(resp, 201, json_pack("{s:o}", "blocks", detect_blocks_json(req->app->detect)));
}

void h_blocks_delete(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, WATCH_WRITERS, 0);
	if (!c)
		return;
	int rc = detect_block_remove(req->app->detect, req->params[0], c->user.username);
	if (rc == DETECT_ENOTFOUND)
		http_resp_error(req, resp, 404, "not_found", NULL);
	else if (rc == DETECT_EAUDIT)
		http_resp_error(req, resp, 503, "audit_unavailable", NULL);
	else if (rc)
		http_resp_error(req, resp, 500, "internal_error", NULL);
	else
		resp->status = 204;
}
