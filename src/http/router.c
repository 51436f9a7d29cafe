/*
 * Matching a path against route patterns segment by segment. `{name}` matches one
 * non-empty segment of at most 128 bytes; everything else must be equal.
 */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

/* Matches; on success copies parameter segments into scratch and points params at them. */
static int pattern_match(const char *pattern, const char *path, struct http_req *req, char *scratch,
			 size_t scratch_size)
{
	const char *p = pattern, *s = path;
	size_t used = 0;
	int n = 0;
	while (*p && *s) {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			size_t seglen = strcspn(s, "/");
			if (!pe || seglen == 0 || seglen > 128 || n >= HTTP_MAX_PARAMS ||
			    used + seglen + 1 > scratch_size)
				return 0;
			memcpy(scratch + used, s, seglen);
			scratch[used + seglen] = '\0';
			req->params[n++] = scratch + used;
			used += seglen + 1;
			p = pe + 1;
			s += seglen;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p || *s)
		return 0;
	req->n_params = n;
	return 1;
}

/* True if `method` is already an item of the comma-separated list `allow`. */
static int method_listed(const char *allow, const char *method)
{
	size_t n = strlen(method);
	for (const char *p = allow; (p = strstr(p, method)); p += n)
		if ((p == allow || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

int router_match(const struct http_route *routes, size_t n_routes, struct http_req *req,
		 const struct http_route **found, char *scratch, size_t scratch_size, char *allow,
		 size_t allow_size)
{
	int path_seen = 0;
	size_t alen = 0;
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
	if (allow_size)
		allow[0] = '\0';
	for (size_t i = 0; i < n_routes; i++) {
		if (!pattern_match(routes[i].pattern, req->path, req, scratch, scratch_size))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			*found = &routes[i];
			return ROUTER_FOUND;
		}
		path_seen = 1;
		if (method_listed(allow, routes[i].method))
			continue; /* a literal and a {param} route may both match */
		int w = snprintf(allow + alen, allow_size - alen, "%s%s", alen ? ", " : "", routes[i].method);
		if (w > 0 && (size_t)w < allow_size - alen)
			alen += (size_t)w;
	}
	req->n_params = 0;
	return path_seen ? ROUTER_METHOD : ROUTER_NOT_FOUND;
}
