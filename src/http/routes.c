/*
 * The route table of ../shared/API.md. Order matters only between patterns that
 * could match the same path: put literal segments before {params}.
 */
#include "http/handlers.h"
#include "http/router.h"

const struct http_route http_routes[] = {
	{"GET", "/healthz", h_health_get, HTTP_ROUTE_INLINE},
};

const size_t http_routes_count = sizeof http_routes / sizeof http_routes[0];
