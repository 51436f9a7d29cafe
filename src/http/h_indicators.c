/*
 * GET /api/v1/indicators?format=stix|csv&since=: the indicators export for the
 * national monitoring centre (NCSC), the same bundle or CSV as `canhgac
 * indicators export` (src/fim/indicators.c). Admins and auditors; 400 for a
 * format or since it does not know.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "fim/indicators.h"
#include "http/app.h"
#include "http/h_watch_common.h"
#include "http/handlers.h"

void h_indicators_get(struct http_req *req, struct http_resp *resp)
{
	if (!http_guard(req, resp, WATCH_READERS, 0))
		return;
	const char *format = http_req_query(req, "format");
	const char *since_s = http_req_query(req, "since");
	int64_t since = 0;
	bool csv = format && !strcmp(format, "csv");
	if (format && *format && !csv && strcmp(format, "stix")) {
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", "format"));
		return;
	}
	if (since_s && *since_s && fim_indicators_parse_since(since_s, &since)) {
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", "since"));
		return;
	}
	if (!csv) {
		json_t *bundle = NULL;
		if (fim_indicators_stix(req->app->store, since, clock_now(), req->app->cfg->fim.organisation, &bundle)) {
			http_resp_error(req, resp, 500, "internal_error", NULL);
			return;
		}
		http_resp_json(resp, 200, bundle);
		return;
	}
	char *text = NULL;
	size_t len = 0;
	if (fim_indicators_csv(req->app->store, since, &text, &len)) {
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	resp->status = 200;
	resp->body = text;
	resp->body_len = len;
	resp->content_type = "text/csv; charset=utf-8";
	http_resp_header(resp, "Content-Disposition", "attachment; filename=\"indicators.csv\"");
}
