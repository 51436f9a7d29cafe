/*
 * GET /healthz: liveness for load balancers and the e2e harness. No auth, no
 * secrets. 503 when the store cannot be read. When the audit log cannot be
 * written the answer stays 200 (admins must still reach the console to see why)
 * but says "audit": "unavailable", and lookups answer 503 audit_unavailable.
 */
#include "http/handlers.h"

#include "audit/audit.h"
#include "http/app.h"
#include "store/store.h"

void h_health_get(struct http_req *req, struct http_resp *resp)
{
	int version = store_schema_version(req->app->store);
	if (version < 0) {
		http_resp_error(req, resp, 503, "service_unavailable", NULL);
		return;
	}
	bool audit_ok = !req->app->audit || audit_is_available(req->app->audit);
	http_resp_json(resp, 200, json_pack("{s:s, s:i, s:s}", "status", audit_ok ? "ok" : "degraded", "schema",
					    version, "audit", audit_ok ? "ok" : "unavailable"));
}
