/*
 * The HTTP server's public face: start and stop it, and the request/response
 * types handlers work with. Handlers never see libmicrohttpd; they read a
 * struct http_req and fill a struct http_resp, and the server turns that into
 * bytes with the security headers of the API on every answer.
 */
#ifndef CANHGAC_HTTP_HTTP_H
#define CANHGAC_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/i18n.h"

#define HTTP_BODY_MAX (64 * 1024)
#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 8
#define HTTP_HEADER_VALUE_MAX 1024 /* longer values are cut */

struct app;
struct config;
struct http_server;

struct http_resp;

struct http_req {
	struct app *app;
	const char *method;           /* "GET", "POST", ... */
	const char *path;             /* without the query string */
	const char *params[HTTP_MAX_PARAMS]; /* {name} parts of the route, in order */
	int n_params;
	const char *body;             /* NUL-terminated; NULL when there is none */
	size_t body_len;
	char client_ip[64];
	bool tls;
	enum i18n_lang lang;
	void *conn;                   /* server-private */
	void *auth;                   /* the signed-in caller (http/guard.h); freed and wiped by the server */
	size_t auth_size;
	bool pooled;                  /* the handler runs on a pool thread, not the HTTP thread */
	void (*then)(struct http_req *req, struct http_resp *resp); /* http_req_defer */
	void *then_arg;
};

struct http_resp {
	int status;
	json_t *json;                 /* owned; serialised when set */
	char *body;                   /* owned (malloc) raw body when json is NULL */
	size_t body_len;
	const char *content_type;     /* static string; default application/json */
	const char *headers[HTTP_MAX_HEADERS][2]; /* static names; values copied */
	char *header_values[HTTP_MAX_HEADERS];    /* owned copies (wiped: a cookie is a secret) */
	int n_headers;
};

typedef void (*http_handler)(struct http_req *req, struct http_resp *resp);

/* For a handler on the HTTP thread whose answer is made ready by another thread
 * (a lookup waiting for its audit record's fdatasync), without holding the HTTP
 * thread: suspends the connection. The handler then starts its work and returns
 * without an answer; the work calls http_req_resume(req) exactly once, from any
 * thread; `then` runs on the HTTP thread to fill the answer (also when the client
 * has gone meanwhile, with the answer dropped, so that it can free `arg`). Not for
 * pooled handlers (req->pooled). */
void http_req_defer(struct http_req *req, void (*then)(struct http_req *req, struct http_resp *resp), void *arg);
void http_req_resume(struct http_req *req);

/* Starts listening on cfg->server.listen (or `listen_override` when non-NULL).
 * Returns 0 and the server, or -1 with a sentence for the operator in `why`:
 * plain HTTP off loopback without trusted_proxies is refused here. */
int http_server_start(struct app *app, const struct config *cfg, const char *listen_override,
		      struct http_server **out, char *why, size_t why_size);

/* "http://127.0.0.1:8080" for what it really listens on (port 0 resolved). */
const char *http_server_url(const struct http_server *srv);

/* Stops accepting, lets requests in progress finish, frees the server. */
void http_server_stop(struct http_server *srv);

/* Request helpers. */
const char *http_req_header(struct http_req *req, const char *name);
const char *http_req_query(struct http_req *req, const char *name);
const char *http_req_cookie(struct http_req *req, const char *name);
/* A time filter of the query: RFC 3339, or a local date YYYY-MM-DD meaning its
 * start (with end_of_day, the start of the next day). *out = 0 and 0 when absent;
 * -1 when malformed. */
int http_req_query_time(struct http_req *req, const char *name, bool end_of_day, int64_t *out);

/* Parses the body as a JSON object. Sets a 415 or 400 error on resp and returns
 * NULL when the Content-Type is wrong or the body is not a JSON object. The caller
 * owns the result (json_decref). */
json_t *http_req_json_object(struct http_req *req, struct http_resp *resp);

/* Response helpers. `body` is stolen. */
void http_resp_json(struct http_resp *resp, int status, json_t *body);
/* {"error": code, "message": localised}; `extra` (stolen, may be NULL) adds fields. */
void http_resp_error(struct http_req *req, struct http_resp *resp, int status, const char *code,
		     json_t *extra);
/* Adds a header; the value is copied (truncated at 255 bytes). */
void http_resp_header(struct http_resp *resp, const char *name, const char *value);

#endif
