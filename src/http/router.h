/*
 * Route table: method + path pattern ("/api/v1/users/{id}/disable") → handler.
 * A path that matches no pattern is 404; one that matches with another method is
 * 405 with an Allow header.
 */
#ifndef CANHGAC_HTTP_ROUTER_H
#define CANHGAC_HTTP_ROUTER_H

#include <stdbool.h>

#include "http/http.h"

enum http_route_flags {
	HTTP_ROUTE_INLINE = 0,     /* runs on the HTTP thread */
	HTTP_ROUTE_POOL = 1u << 0, /* runs on the CPU pool (deliberately slow work: argon2id) */
	HTTP_ROUTE_IO = 1u << 1,   /* runs on the I/O pool (waits on the disk: audited lookups) */
};

struct app;

struct http_route {
	const char *method;
	const char *pattern;
	http_handler handler;
	unsigned flags;
	/* With HTTP_ROUTE_IO: when this says so for the running app, the handler runs
	 * on the HTTP thread instead and waits with http_req_defer (NULL: never). The
	 * route decides for itself, so the server knows no domain module. */
	bool (*runs_inline)(const struct app *app);
};

enum router_result { ROUTER_FOUND = 0, ROUTER_NOT_FOUND = -1, ROUTER_METHOD = -2 };

/* Finds the route for method+path. On ROUTER_FOUND sets *found and the path
 * parameters in req (pointing into `scratch`, which must outlive the request).
 * On ROUTER_METHOD writes the allowed methods ("GET, POST") into `allow`. */
int router_match(const struct http_route *routes, size_t n_routes, struct http_req *req,
		 const struct http_route **found, char *scratch, size_t scratch_size, char *allow,
		 size_t allow_size);

/* The application's route table (routes.c). */
extern const struct http_route http_routes[];
extern const size_t http_routes_count;

#endif
