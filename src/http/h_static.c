/*
 * The console's files: GET / answers web/index.html and GET /static/{name} one
 * file of web/, both compiled into the binary (web_assets, cmake/embed.cmake).
 * A name is only ever looked up in that table, never joined to a path, so no
 * request can reach a file that was not embedded. The server's Cache-Control:
 * no-store stays: the console is small, and a stale app.js after an upgrade
 * would talk to an API it does not know.
 */
#include <stdlib.h>
#include <string.h>

#include "core/embed.h"
#include "http/handlers.h"

struct static_type {
	const char *ext;
	const char *content_type;
};

static const struct static_type static_types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".json", "application/json; charset=utf-8"},
	{".ico", "image/x-icon"},
	{".woff2", "font/woff2"},
};

/* The Content-Type for `name`, or NULL for an extension the console does not serve. */
static const char *static_content_type(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof static_types / sizeof static_types[0]; i++) {
		size_t e = strlen(static_types[i].ext);
		if (n > e && strcmp(name + n - e, static_types[i].ext) == 0)
			return static_types[i].content_type;
	}
	return NULL;
}

static const struct embedded_file *static_find(const char *name)
{
	for (size_t i = 0; i < web_assets_count; i++)
		if (web_assets[i].name && strcmp(web_assets[i].name, name) == 0)
			return &web_assets[i];
	return NULL;
}

/* Answers the embedded file `name`, or 404 not_found. */
static void static_answer(struct http_req *req, struct http_resp *resp, const char *name)
{
	const struct embedded_file *f = static_find(name);
	const char *type = f ? static_content_type(name) : NULL;
	if (!type) {
		http_resp_error(req, resp, 404, "not_found", NULL);
		return;
	}
	/* send_resp frees the body, so it gets its own copy. */
	char *copy = malloc(f->len ? f->len : 1);
	if (!copy) {
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	memcpy(copy, f->data, f->len);
	resp->body = copy;
	resp->body_len = f->len;
	resp->content_type = type;
	resp->status = 200;
}

void h_static_index(struct http_req *req, struct http_resp *resp)
{
	static_answer(req, resp, "index.html");
}

void h_static_file(struct http_req *req, struct http_resp *resp)
{
	static_answer(req, resp, req->params[0]);
}
