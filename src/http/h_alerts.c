/*
 * /api/v1/alerts: the detector's alerts, newest first, filtered by status and
 * since (RFC 3339); acknowledging one (admin, audited as alert_ack before it
 * is made: 503 audit_unavailable and no change when it cannot be). Auditors
 * read; other roles get 403.
 */
#include <string.h>

#include "core/clock.h"
#include "http/app.h"
#include "http/h_watch_common.h"
#include "http/handlers.h"
#include "incident/incident.h"

static int list_one(const struct store_alert *a, void *arg)
{
	json_array_append_new(arg, incident_alert_json(a));
	return 0;
}

void h_alerts_list(struct http_req *req, struct http_resp *resp)
{
	if (!http_guard(req, resp, WATCH_READERS, 0))
		return;
	const char *status = http_req_query(req, "status");
	const char *since_s = http_req_query(req, "since");
	int64_t since = 0;
	if (status && !*status)
		status = NULL;
	if (status && strcmp(status, "new") && strcmp(status, "acked")) {
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", "status"));
		return;
	}
	if (since_s && *since_s && clock_parse_rfc3339(since_s, &since)) {
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", "since"));
		return;
	}
	json_t *arr = json_array();
	if (store_alert_list(req->app->store, status, since, 1000, list_one, arr)) {
		json_decref(arr);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:o}", "alerts", arr));
}

void h_alerts_ack(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, WATCH_WRITERS, 0);
	int64_t id;
	if (!c || watch_id_param(req, resp, &id))
		return;
	struct store_alert a;
	int rc = store_alert_get(req->app->store, id, &a);
	if (rc) {
		http_resp_error(req, resp, rc == STORE_ENOTFOUND ? 404 : 500,
				rc == STORE_ENOTFOUND ? "not_found" : "internal_error", NULL);
		return;
	}
	/* audited before it is made: no unaudited change (fail closed) */
	char n[32];
	snprintf(n, sizeof n, "%lld", (long long)id);
	const char *kv[] = {"alert_id", n, NULL};
	if (auth_audit(req->app->auth, "alert_ack", c->user.username, c->user.agency, c->ip, kv)) {
		http_resp_error(req, resp, 503, "audit_unavailable", NULL);
		return;
	}
	if (store_alert_ack(req->app->store, id, c->user.username, clock_now()) ||
	    store_alert_get(req->app->store, id, &a)) {
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	http_resp_json(resp, 200, incident_alert_json(&a));
}
