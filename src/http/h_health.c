/*
 * GET /healthz: liveness for load balancers and the e2e harness. No auth, no
 * secrets; answers 503 when the store cannot be read.
 */
#include "http/handlers.h"

#include "http/app.h"
#include "store/store.h"

void h_health_get(struct http_req *req, struct http_resp *resp)
{
	int version = store_schema_version(req->app->store);
	if (version < 0) {
		http_resp_error(req, resp, 503, "service_unavailable", NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:s, s:i}", "status", "ok", "schema", version));
}
