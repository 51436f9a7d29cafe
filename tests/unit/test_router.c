/*
 * The router: literal paths, {param} segments, 404 against 405 with the Allow
 * header's list, the 128-byte limit of a parameter, and HEAD answered as GET.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/router.h"

static void h_a(struct http_req *req, struct http_resp *resp) { (void)req; resp->status = 1; }
static void h_b(struct http_req *req, struct http_resp *resp) { (void)req; resp->status = 2; }
static void h_c(struct http_req *req, struct http_resp *resp) { (void)req; resp->status = 3; }
static void h_d(struct http_req *req, struct http_resp *resp) { (void)req; resp->status = 4; }
static void h_e(struct http_req *req, struct http_resp *resp) { (void)req; resp->status = 5; }

static const struct http_route routes[] = {
	{"GET", "/healthz", h_a, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/api/v1/users", h_b, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/users", h_c, HTTP_ROUTE_POOL, NULL},
	{"GET", "/api/v1/users/me", h_e, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/api/v1/users/{id}", h_d, HTTP_ROUTE_INLINE, NULL},
	{"PATCH", "/api/v1/users/{id}", h_d, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/users/{id}/disable", h_e, HTTP_ROUTE_INLINE, NULL},
	{"DELETE", "/api/v1/blocks/{ip}/{reason}", h_e, HTTP_ROUTE_INLINE, NULL},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

struct match {
	int result;
	const struct http_route *route;
	struct http_req req;
	char scratch[512];
	char allow[64];
};

static void run(struct match *m, const char *method, const char *path)
{
	memset(m, 0, sizeof *m);
	m->req.method = method;
	m->req.path = path;
	m->result = router_match(routes, N_ROUTES, &m->req, &m->route, m->scratch, sizeof m->scratch,
				 m->allow, sizeof m->allow);
}

static void test_literal(void **state)
{
	(void)state;
	struct match m;
	run(&m, "GET", "/healthz");
	assert_int_equal(m.result, ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[0]);
	assert_int_equal(m.req.n_params, 0);
	run(&m, "GET", "/api/v1/users");
	assert_ptr_equal(m.route, &routes[1]);
	run(&m, "POST", "/api/v1/users");
	assert_ptr_equal(m.route, &routes[2]);
	assert_true(m.route->flags & HTTP_ROUTE_POOL);
	/* a literal segment wins over a {param} listed after it */
	run(&m, "GET", "/api/v1/users/me");
	assert_ptr_equal(m.route, &routes[3]);
}

static void test_params(void **state)
{
	(void)state;
	struct match m;
	run(&m, "GET", "/api/v1/users/42");
	assert_int_equal(m.result, ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[4]);
	assert_int_equal(m.req.n_params, 1);
	assert_string_equal(m.req.params[0], "42");
	run(&m, "POST", "/api/v1/users/7/disable");
	assert_ptr_equal(m.route, &routes[6]);
	assert_string_equal(m.req.params[0], "7");
	run(&m, "DELETE", "/api/v1/blocks/192.0.2.1/noise");
	assert_int_equal(m.result, ROUTER_FOUND);
	assert_int_equal(m.req.n_params, 2);
	assert_string_equal(m.req.params[0], "192.0.2.1");
	assert_string_equal(m.req.params[1], "noise");
	/* a param is one non-empty segment */
	run(&m, "GET", "/api/v1/users/");
	assert_int_equal(m.result, ROUTER_NOT_FOUND);
	run(&m, "GET", "/api/v1/users/1/2");
	assert_int_equal(m.result, ROUTER_NOT_FOUND);
}

static void test_not_found(void **state)
{
	(void)state;
	struct match m;
	const char *paths[] = {"/", "", "/healthz/", "/healthzz", "/health", "/HEALTHZ", "/api/v1",
			       "/api/v1/users/1/disable/now", "//healthz"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		run(&m, "GET", paths[i]);
		if (m.result != ROUTER_NOT_FOUND) {
			print_error("'%s' matched\n", paths[i]);
			fail();
		}
		assert_int_equal(m.req.n_params, 0);
	}
}

static void test_method_not_allowed(void **state)
{
	(void)state;
	struct match m;
	run(&m, "DELETE", "/api/v1/users");
	assert_int_equal(m.result, ROUTER_METHOD);
	assert_string_equal(m.allow, "GET, POST");
	run(&m, "POST", "/healthz");
	assert_int_equal(m.result, ROUTER_METHOD);
	assert_string_equal(m.allow, "GET");
	run(&m, "DELETE", "/api/v1/users/9");
	assert_int_equal(m.result, ROUTER_METHOD);
	assert_string_equal(m.allow, "GET, PATCH");
	assert_int_equal(m.req.n_params, 0);
	/* "me" matches both the literal and the {id} route: each method listed once */
	run(&m, "PUT", "/api/v1/users/me");
	assert_int_equal(m.result, ROUTER_METHOD);
	assert_string_equal(m.allow, "GET, PATCH");
}

static void test_param_too_long(void **state)
{
	(void)state;
	struct match m;
	char path[300];
	strcpy(path, "/api/v1/users/");
	size_t off = strlen(path);
	memset(path + off, '7', 128);
	path[off + 128] = '\0';
	run(&m, "GET", path);
	assert_int_equal(m.result, ROUTER_FOUND);
	assert_int_equal(strlen(m.req.params[0]), 128);
	path[off + 128] = '7';
	path[off + 129] = '\0';
	run(&m, "GET", path);
	assert_int_equal(m.result, ROUTER_NOT_FOUND);
	/* and a scratch too small for the parameter is no match rather than an overflow */
	memset(&m, 0, sizeof m);
	m.req.method = "GET";
	m.req.path = "/api/v1/users/123456";
	char tiny[4];
	assert_int_equal(router_match(routes, N_ROUTES, &m.req, &m.route, tiny, sizeof tiny, m.allow,
				      sizeof m.allow),
			 ROUTER_NOT_FOUND);
}

static void test_head_is_get(void **state)
{
	(void)state;
	struct match m;
	run(&m, "HEAD", "/healthz");
	assert_int_equal(m.result, ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[0]);
	run(&m, "HEAD", "/api/v1/users/5");
	assert_ptr_equal(m.route, &routes[4]);
	run(&m, "HEAD", "/api/v1/users/5/disable");
	assert_int_equal(m.result, ROUTER_METHOD);
	assert_string_equal(m.allow, "POST");
}

static void test_app_routes(void **state)
{
	(void)state;
	struct http_req req = {.method = "GET", .path = "/healthz"};
	const struct http_route *r = NULL;
	char scratch[512], allow[64];
	assert_true(http_routes_count >= 1);
	assert_int_equal(router_match(http_routes, http_routes_count, &req, &r, scratch, sizeof scratch, allow,
				      sizeof allow),
			 ROUTER_FOUND);
	assert_string_equal(r->pattern, "/healthz");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_param_too_long),
		cmocka_unit_test(test_head_is_get),
		cmocka_unit_test(test_app_routes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
