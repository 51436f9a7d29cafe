/*
 * GET /healthz: liveness for load balancers and the e2e harness. No auth, no
 * secrets. 503 when the store cannot be read. When the audit log cannot be
 * written the answer stays 200 (admins must still reach the console to see why)
 * but says "audit": "unavailable", and lookups answer 503 audit_unavailable.
 * "dossier_check" says whether lookups are bound to real dossiers ("verify") or
 * only to a well-shaped code ("format", with a warning an operator can act on).
 */
#include "http/handlers.h"

#include "audit/audit.h"
#include "core/config.h"
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
	bool format_only = config_dossier_format_only(req->app->cfg);
	json_t *warnings = json_array();
	if (format_only)
		json_array_append_new(warnings,
				      json_string("[dossier] check = format: lookups are not bound to real dossiers; "
						  "import or push dossiers and set check = verify"));
	http_resp_json(resp, 200, json_pack("{s:s, s:i, s:s, s:s, s:o}", "status", audit_ok ? "ok" : "degraded",
					    "schema", version, "audit", audit_ok ? "ok" : "unavailable",
					    "dossier_check", format_only ? "format" : "verify", "warnings", warnings));
}
