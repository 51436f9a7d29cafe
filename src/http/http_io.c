/*
 * Request and response helpers over jansson: the JSON body of a request (with
 * its Content-Type checked), JSON answers, and the error body of the API,
 * `{"error": code, "message": localised text}`.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/log.h"
#include "http/http.h"

const char *http_req_header(struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_req_query(struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static int content_type_is_json(const char *ct)
{
	if (!ct)
		return 0;
	size_t n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

const char *http_req_cookie(struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

json_t *http_req_json_object(struct http_req *req, struct http_resp *resp)
{
	if (!content_type_is_json(http_req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		http_resp_error(req, resp, 415, "unsupported_media_type", NULL);
		return NULL;
	}
	json_error_t err;
	bool empty = !req->body || req->body_len == 0;
	json_t *j = empty ? NULL : json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!j || !json_is_object(j)) {
		/* Words, never the parser's text: only what the client sent is described. */
		char detail[160];
		if (empty)
			snprintf(detail, sizeof detail, "the body is empty: send one JSON object");
		else if (!j && json_error_code(&err) == json_error_duplicate_key)
			snprintf(detail, sizeof detail, "a key appears twice in the JSON object (line %d, column %d)",
				 err.line, err.column);
		else if (!j)
			snprintf(detail, sizeof detail, "the body is not valid JSON (line %d, column %d)", err.line,
				 err.column);
		else
			snprintf(detail, sizeof detail, "expected a JSON object");
		json_decref(j);
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "detail", detail));
		return NULL;
	}
	return j;
}

void http_resp_json(struct http_resp *resp, int status, json_t *body)
{
	json_decref(resp->json);
	resp->status = status;
	resp->json = body;
}

void http_resp_error(struct http_req *req, struct http_resp *resp, int status, const char *code,
		     json_t *extra)
{
	json_t *body = json_object();
	json_object_set_new(body, "error", json_string(code));
	json_object_set_new(body, "message", json_string(i18n_message(code, req->lang)));
	if (extra) {
		json_object_update(body, extra);
		json_decref(extra);
	}
	http_resp_json(resp, status, body);
}

void http_resp_header(struct http_resp *resp, const char *name, const char *value)
{
	char *copy = resp->n_headers < HTTP_MAX_HEADERS ? strndup(value, HTTP_HEADER_VALUE_MAX) : NULL;
	if (!copy) {
		log_error("http", "header %s dropped from an answer (more than %d headers, or out of memory)", name,
			  HTTP_MAX_HEADERS);
		return;
	}
	int i = resp->n_headers++;
	resp->headers[i][0] = name;
	resp->header_values[i] = copy;
	resp->headers[i][1] = copy;
}

int http_req_query_time(struct http_req *req, const char *name, bool end_of_day, int64_t *out)
{
	const char *v = http_req_query(req, name);
	int64_t day;
	*out = 0;
	if (!v || !*v)
		return 0;
	if (clock_parse_local_date(v, &day) == 0) {
		*out = clock_local_day_start(day + (end_of_day ? 1 : 0));
		return 0;
	}
	return clock_parse_rfc3339(v, out);
}
