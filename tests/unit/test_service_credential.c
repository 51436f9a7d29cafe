/*
 * Service credentials (issue 17): scopes and the bearer header parsed strictly;
 * tokens made, found by their hash, refused once rotated or disabled; names that
 * clash with accounts refused both ways; the role-and-scope decision; and the
 * guard over HTTP in-process (so the audit writer's fault seam reaches it):
 * GET /api/v1/service/whoami answers a valid token, people and officer routes
 * refuse it, a cookie with a bearer token is 400, every use is an audit record,
 * and with the audit log failing the call is 503 audit_unavailable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <sodium.h>

#include "test_audit_util.h"

#include "auth/auth.h"
#include "auth/throttle.h"
#include "core/i18n.h"
#include "http/app.h"
#include "http/guard.h"
#include "http/http.h"
#include "lookup/lookup.h"
#include "store/store_int.h"

struct fx {
	struct inst in;
	struct audit *audit;
	struct auth_service svc;
	struct lookup_service lookup;
	struct app app;
	struct http_server *srv;
	char token[AUTH_SERVICE_TOKEN_MAX];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char why[256];
	const char *field;
	assert_int_equal(inst_make(&f->in), 0);
	log_setup(LOG_ERROR, NULL);
	f->in.cfg.password.hash_memory_mib = 19;
	f->in.cfg.password.hash_passes = 2;
	f->in.cfg.totp.required_roles[0] = '\0';
	assert_int_equal(audit_open(f->in.dir, &f->in.cfg, f->in.st, &f->audit, why, sizeof why), 0);
	assert_int_equal(auth_service_init(&f->svc, f->in.st, &f->in.cfg, f->audit), 0);
	assert_int_equal(auth_agency_create(&f->svc, NULL, "SO.A", "Sở A", 0, &field), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	audit_io_reset();
	if (f->srv) {
		http_server_stop(f->srv);
		lookup_service_close(&f->lookup);
	}
	auth_service_free(&f->svc);
	audit_close(f->audit);
	inst_free(&f->in);
	free(f);
	return 0;
}

static void test_scope_parse(void **state)
{
	(void)state;
	const char *bad = NULL;
	char buf[64];
	assert_int_equal(auth_scope_parse("dossiers:write", NULL), AUTH_SCOPE_DOSSIERS_WRITE);
	assert_int_equal(auth_scope_parse("indicators:read,dossiers:write", NULL), AUTH_SCOPE_ALL);
	assert_int_equal(auth_scope_parse("dossiers:write,dossiers:write", NULL), AUTH_SCOPE_DOSSIERS_WRITE);
	const char *list = "dossiers:write,lookups:run";
	assert_int_equal(auth_scope_parse(list, &bad), 0);
	assert_ptr_equal(bad, list + strlen("dossiers:write,"));
	assert_int_equal(auth_scope_parse("", NULL), 0);
	assert_int_equal(auth_scope_parse(NULL, NULL), 0);
	assert_int_equal(auth_scope_parse("dossiers:write,", NULL), 0);
	assert_int_equal(auth_scope_parse(" dossiers:write", NULL), 0);
	assert_int_equal(auth_scope_parse("dossiers:writex", NULL), 0);
	assert_int_equal(auth_scope_parse("DOSSIERS:WRITE", NULL), 0);
	assert_int_equal(auth_scope_format(AUTH_SCOPE_ALL, buf, sizeof buf), 0);
	assert_string_equal(buf, "dossiers:write,indicators:read");
	assert_int_equal(auth_scope_format(AUTH_SCOPE_ALL, buf, 10), -1);
	assert_string_equal(auth_scope_name(AUTH_SCOPE_INDICATORS_READ), "indicators:read");
	assert_null(auth_scope_name(AUTH_SCOPE_ALL)); /* one scope, not a set */
	assert_null(auth_scope_name(0));
	/* the new error code has its own sentences, not the catalogue's fallback */
	assert_string_not_equal(i18n_message("insufficient_scope", LANG_EN), i18n_message("no_such_code", LANG_EN));
	assert_string_not_equal(i18n_message("insufficient_scope", LANG_VI), i18n_message("insufficient_scope", LANG_EN));
}

static void test_bearer_header(void **state)
{
	(void)state;
	assert_string_equal(auth_bearer_token("Bearer cgs_abc"), "cgs_abc");
	assert_string_equal(auth_bearer_token("bearer  cgs_abc"), "cgs_abc");
	assert_null(auth_bearer_token("Basic dXNlcjpwdw=="));
	assert_null(auth_bearer_token("Bearercgs_abc"));
	assert_null(auth_bearer_token(NULL));
}

static void test_add_resolve_rotate_disable(void **state)
{
	struct fx *f = *state;
	char token[AUTH_SERVICE_TOKEN_MAX], old[AUTH_SERVICE_TOKEN_MAX];
	const char *field = NULL;
	struct store_service s;
	struct auth_caller c;
	assert_int_equal(auth_credential_add(&f->svc, NULL, "motcua.so-a", "dossiers:write", "SO.A", &s, token, &field),
			 0);
	assert_int_equal(strncmp(token, "cgs_", 4), 0);
	assert_int_equal(strlen(token), 47);
	assert_string_equal(s.scopes, "dossiers:write");
	/* only the hash of the token's bytes is stored */
	unsigned char raw[32], h[32];
	size_t len = 0;
	assert_int_equal(sodium_base642bin(raw, sizeof raw, token + 4, 43, NULL, &len, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	crypto_generichash(h, sizeof h, raw, sizeof raw, NULL, 0);
	assert_int_equal(store_service_get_by_name(f->in.st, "motcua.so-a", &s), 0);
	assert_memory_equal(s.token_hash, h, sizeof h);
	assert_memory_not_equal(s.token_hash, raw, sizeof raw);
	assert_int_equal(s.last_used_at, 0);

	assert_int_equal(auth_credential_resolve(&f->svc, token, "10.0.0.9", &c), 0);
	assert_int_equal(c.role, ROLE_SERVICE);
	assert_int_equal(c.scopes, AUTH_SCOPE_DOSSIERS_WRITE);
	assert_string_equal(c.user.username, "motcua.so-a");
	assert_string_equal(c.user.agency, "SO.A");
	assert_string_equal(c.ip, "10.0.0.9");
	assert_int_equal(c.user.id, 0);
	assert_true(c.service_id > 0);
	assert_int_equal(store_service_get_by_name(f->in.st, "motcua.so-a", &s), 0);
	assert_true(s.last_used_at > 0);

	/* one character off, another prefix, truncated, padded: the same refusal */
	char bad[AUTH_SERVICE_TOKEN_MAX];
	snprintf(bad, sizeof bad, "%s", token);
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	assert_int_equal(auth_credential_resolve(&f->svc, bad, "10.0.0.9", &c), AUTH_ESESSION);
	assert_int_equal(c.role, 0);
	snprintf(bad, sizeof bad, "cgx_%s", token + 4);
	assert_int_equal(auth_credential_resolve(&f->svc, bad, "10.0.0.9", &c), AUTH_ESESSION);
	snprintf(bad, sizeof bad, "%.46s", token);
	assert_int_equal(auth_credential_resolve(&f->svc, bad, "10.0.0.9", &c), AUTH_ESESSION);
	snprintf(bad, sizeof bad, "%s=", token);
	assert_int_equal(auth_credential_resolve(&f->svc, bad, "10.0.0.9", &c), AUTH_ESESSION);
	assert_int_equal(auth_credential_resolve(&f->svc, "", "10.0.0.9", &c), AUTH_ESESSION);

	/* rotate: the old token is dead at once, the new one works */
	snprintf(old, sizeof old, "%s", token);
	assert_int_equal(auth_credential_rotate(&f->svc, NULL, "motcua.so-a", token), 0);
	assert_string_not_equal(old, token);
	assert_int_equal(auth_credential_resolve(&f->svc, old, "10.0.0.9", &c), AUTH_ESESSION);
	assert_int_equal(auth_credential_resolve(&f->svc, token, "10.0.0.9", &c), 0);
	assert_int_equal(store_service_get_by_name(f->in.st, "motcua.so-a", &s), 0);
	assert_true(s.rotated_at > 0);
	assert_int_equal(auth_credential_rotate(&f->svc, NULL, "no.such", old), AUTH_ENOTFOUND);

	/* disable: refused for good; it cannot be rotated back to life */
	assert_int_equal(auth_credential_disable(&f->svc, NULL, "motcua.so-a"), 0);
	assert_int_equal(auth_credential_resolve(&f->svc, token, "10.0.0.9", &c), AUTH_ESESSION);
	assert_int_equal(auth_credential_rotate(&f->svc, NULL, "motcua.so-a", old), AUTH_ENOTFOUND);
	assert_int_equal(auth_credential_disable(&f->svc, NULL, "no.such"), AUTH_ENOTFOUND);
	sodium_memzero(token, sizeof token);
}

static void test_add_refusals(void **state)
{
	struct fx *f = *state;
	char token[AUTH_SERVICE_TOKEN_MAX], otp[AUTH_OTP_MAX];
	const char *field = NULL;
	struct store_user u;
	struct auth_new_user nu = {"cb.a", "Cán Bộ", "SO.A", "officer"};
	assert_int_equal(auth_user_create(&f->svc, NULL, &nu, &u, otp, &field), 0);

	assert_int_equal(auth_credential_add(&f->svc, NULL, "ab", "dossiers:write", NULL, NULL, token, &field),
			 AUTH_EINVAL);
	assert_string_equal(field, "name");
	assert_int_equal(auth_credential_add(&f->svc, NULL, "Motcua", "dossiers:write", NULL, NULL, token, &field),
			 AUTH_EINVAL);
	assert_int_equal(auth_credential_add(&f->svc, NULL, "motcua", "lookups:run", NULL, NULL, token, &field),
			 AUTH_EINVAL);
	assert_string_equal(field, "scopes");
	assert_int_equal(auth_credential_add(&f->svc, NULL, "motcua", "", NULL, NULL, token, &field), AUTH_EINVAL);
	assert_int_equal(auth_credential_add(&f->svc, NULL, "motcua", "dossiers:write", "NO.SUCH", NULL, token,
					     &field), AUTH_EINVAL);
	assert_string_equal(field, "agency");
	/* an account's username: the audit actor would be ambiguous */
	assert_int_equal(auth_credential_add(&f->svc, NULL, "cb.a", "dossiers:write", NULL, NULL, token, &field),
			 AUTH_ECONFLICT);
	assert_int_equal(auth_credential_add(&f->svc, NULL, "motcua", "dossiers:write", "", NULL, token, &field), 0);
	assert_int_equal(auth_credential_add(&f->svc, NULL, "motcua", "indicators:read", NULL, NULL, token, &field),
			 AUTH_ECONFLICT);
	/* and the other way round */
	struct auth_new_user clash = {"motcua", "Một Cửa", "SO.A", "officer"};
	assert_int_equal(auth_user_create(&f->svc, NULL, &clash, &u, otp, &field), AUTH_ECONFLICT);
	assert_string_equal(field, "username");
	/* only the province's admin may make one (the CLI acts as an operator) */
	struct auth_caller officer = {.role = ROLE_OFFICER};
	assert_int_equal(auth_credential_add(&f->svc, &officer, "khac", "dossiers:write", NULL, NULL, token, &field),
			 AUTH_EFORBIDDEN);
	assert_int_equal(auth_credential_rotate(&f->svc, &officer, "motcua", token), AUTH_EFORBIDDEN);
	assert_int_equal(auth_credential_disable(&f->svc, &officer, "motcua"), AUTH_EFORBIDDEN);
	sodium_memzero(token, sizeof token);
	sodium_memzero(otp, sizeof otp);
}

static void test_role_and_scope_decision(void **state)
{
	(void)state;
	struct auth_caller svc = {.role = ROLE_SERVICE, .scopes = AUTH_SCOPE_INDICATORS_READ};
	struct auth_caller officer = {.role = ROLE_OFFICER};
	assert_false(ROLE_ANY & ROLE_SERVICE);
	assert_int_equal(auth_credential_check(&svc, ROLE_ANY, 0), AUTH_EFORBIDDEN);
	assert_int_equal(auth_credential_check(&svc, ROLE_OFFICER, AUTH_SCOPE_INDICATORS_READ), AUTH_EFORBIDDEN);
	assert_int_equal(auth_credential_check(&svc, ROLE_SERVICE, 0), AUTH_OK);
	assert_int_equal(auth_credential_check(&svc, ROLE_SERVICE | ROLE_ADMIN, AUTH_SCOPE_INDICATORS_READ), AUTH_OK);
	assert_int_equal(auth_credential_check(&svc, ROLE_SERVICE, AUTH_SCOPE_DOSSIERS_WRITE), AUTH_ESCOPE);
	/* people: the role alone */
	assert_int_equal(auth_credential_check(&officer, ROLE_OFFICER | ROLE_SERVICE, AUTH_SCOPE_DOSSIERS_WRITE),
			 AUTH_OK);
	assert_int_equal(auth_credential_check(&officer, ROLE_SERVICE, AUTH_SCOPE_DOSSIERS_WRITE), AUTH_EFORBIDDEN);
	assert_string_equal(auth_role_name(ROLE_SERVICE), "service");
	assert_int_equal(auth_role_parse("service"), 0); /* no account can be given the role */
}

/* ---- over HTTP ---- */

static ssize_t write_eio(int fd, const void *buf, size_t n)
{
	(void)fd;
	(void)buf;
	(void)n;
	errno = EIO;
	return -1;
}

struct body {
	char buf[4096];
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t k = size * n;
	if (b->len + k >= sizeof b->buf)
		k = sizeof b->buf - 1 - b->len;
	memcpy(b->buf + b->len, p, k);
	b->len += k;
	b->buf[b->len] = '\0';
	return size * n;
}

/* method path with `bearer` (a token or NULL) and `cookie` (or NULL); the
 * status, the error code (or "") and the body. */
static long call(struct fx *f, const char *method, const char *path, const char *bearer, const char *cookie,
		 const char *json, char *error, size_t esize, struct body *b)
{
	CURL *h = curl_easy_init();
	assert_non_null(h);
	char url[256], authz[128];
	snprintf(url, sizeof url, "%s%s", http_server_url(f->srv), path);
	struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
	if (bearer) {
		snprintf(authz, sizeof authz, "Authorization: Bearer %s", bearer);
		hd = curl_slist_append(hd, authz);
	}
	memset(b, 0, sizeof *b);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (cookie)
		curl_easy_setopt(h, CURLOPT_COOKIE, cookie);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	if (json)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	json_t *j = json_loads(b->buf, 0, NULL);
	const char *code = json_string_value(json_object_get(j, "error"));
	snprintf(error, esize, "%s", code ? code : "");
	json_decref(j);
	return status;
}

struct count_arg {
	const char *type, *actor, *outcome;
	int n;
};

static int count_record(const json_t *j, const char *line, size_t len, void *arg)
{
	struct count_arg *a = arg;
	(void)line;
	(void)len;
	const char *type = json_string_value(json_object_get(j, "type"));
	const char *actor = json_string_value(json_object_get(j, "actor"));
	const char *outcome = json_string_value(json_object_get(json_object_get(j, "payload"), "outcome"));
	if (type && !strcmp(type, a->type) && (!a->actor || (actor && !strcmp(actor, a->actor))) &&
	    (!a->outcome || (outcome && !strcmp(outcome, a->outcome))))
		a->n++;
	return 0;
}

static int count_records(struct fx *f, const char *type, const char *actor, const char *outcome)
{
	struct count_arg a = {type, actor, outcome, 0};
	char why[256];
	assert_int_equal(audit_read_records(f->in.dir, 1, count_record, &a, why, sizeof why), 0);
	return a.n;
}

static void start_server(struct fx *f)
{
	char why[256];
	assert_int_equal(lookup_service_open(&f->lookup, &f->in.cfg, f->in.st, f->audit, why, sizeof why), 0);
	f->app = (struct app){.cfg = &f->in.cfg, .store = f->in.st, .audit = f->audit, .auth = &f->svc,
			      .lookup = &f->lookup, .data_dir = f->in.dir, .started_at = clock_now()};
	assert_int_equal(http_server_start(&f->app, &f->in.cfg, "127.0.0.1:0", &f->srv, why, sizeof why), 0);
}

/* Made-up tokens from one address: each recorded until the limit, then 429
 * without a record, so they cannot flood the audit log; other addresses and
 * valid tokens are not affected. */
static void test_bad_tokens_throttled(void **state)
{
	struct fx *f = *state;
	int retry = 0, limit = f->in.cfg.lockout.ip_max_failures;
	char token[AUTH_SERVICE_TOKEN_MAX];
	const char *field = NULL;
	struct auth_caller c;
	assert_true(limit > 0);
	assert_int_equal(auth_credential_add(&f->svc, NULL, "motcua", "dossiers:write", NULL, NULL, token, &field), 0);
	for (int i = 0; i < limit; i++)
		assert_int_equal(auth_credential_refused(&f->svc, "198.51.100.7", "GET", "/x", &retry), AUTH_ESESSION);
	assert_int_equal(auth_credential_refused(&f->svc, "198.51.100.7", "GET", "/x", &retry), AUTH_ETHROTTLED);
	assert_true(retry > 0);
	assert_int_equal(count_records(f, "service_auth_fail", "unknown", NULL), limit);
	assert_int_equal(auth_credential_refused(&f->svc, "198.51.100.8", "GET", "/x", &retry), AUTH_ESESSION);
	assert_int_equal(auth_credential_resolve(&f->svc, token, "198.51.100.7", &c), 0);
	/* the sign-in throttle of the address is its own */
	assert_false(auth_throttle_blocked(f->svc.throttle, "198.51.100.7", clock_now(), &retry));
	sodium_memzero(token, sizeof token);
}

static void test_guard_over_http(void **state)
{
	struct fx *f = *state;
	char err[64], token[AUTH_SERVICE_TOKEN_MAX], otp[AUTH_OTP_MAX], cookie[256];
	const char *field = NULL;
	struct body b;
	struct store_user u;
	assert_int_equal(auth_credential_add(&f->svc, NULL, "taxii.ncsc", "indicators:read", NULL, NULL, token,
					     &field), 0);
	struct auth_new_user nu = {"cb.a", "Cán Bộ", "SO.A", "officer"};
	assert_int_equal(auth_user_create(&f->svc, NULL, &nu, &u, otp, &field), 0);
	start_server(f);

	assert_int_equal(call(f, "GET", "/api/v1/service/whoami", token, NULL, NULL, err, sizeof err, &b), 200);
	json_t *j = json_loads(b.buf, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "taxii.ncsc");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "scopes"), 0)), "indicators:read");
	assert_int_equal(json_array_size(json_object_get(j, "scopes")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "agency")), "");
	assert_null(strstr(b.buf, token));
	json_decref(j);
	assert_int_equal(count_records(f, "service_call", "taxii.ncsc", "allowed"), 1);

	/* the scope: held, not held */
	assert_int_equal(call(f, "GET", "/api/v1/service/whoami?scope=indicators:read", token, NULL, NULL, err,
			      sizeof err, &b), 200);
	assert_int_equal(call(f, "GET", "/api/v1/service/whoami?scope=dossiers:write", token, NULL, NULL, err,
			      sizeof err, &b), 403);
	assert_string_equal(err, "insufficient_scope");
	assert_int_equal(count_records(f, "service_call", "taxii.ncsc", "insufficient_scope"), 1);

	/* people's routes: 403 forbidden, audited; no sign-in with a token */
	assert_int_equal(call(f, "GET", "/api/v1/me", token, NULL, NULL, err, sizeof err, &b), 403);
	assert_string_equal(err, "forbidden");
	assert_int_equal(call(f, "POST", "/api/v1/lookups", token, NULL, "{}", err, sizeof err, &b), 403);
	assert_string_equal(err, "forbidden");
	assert_int_equal(call(f, "GET", "/api/v1/session", token, NULL, NULL, err, sizeof err, &b), 403);
	char signin[128];
	snprintf(signin, sizeof signin, "{\"username\": \"cb.a\", \"password\": \"%s\"}", otp);
	assert_int_equal(call(f, "POST", "/api/v1/session", token, NULL, signin, err, sizeof err, &b), 403);
	assert_string_equal(err, "forbidden");
	assert_int_equal(count_records(f, "service_call", "taxii.ncsc", "forbidden"), 4);
	assert_int_equal(count_records(f, "signin_ok", NULL, NULL), 0);

	/* a person on the service route: 403 */
	struct auth_signin_result r;
	assert_int_equal(auth_signin(&f->svc, "cb.a", otp, "127.0.0.1", &r), 0);
	snprintf(cookie, sizeof cookie, "%s=%s", SESSION_COOKIE, r.token);
	assert_int_equal(call(f, "GET", "/api/v1/service/whoami", NULL, cookie, NULL, err, sizeof err, &b), 403);
	/* cookie and bearer together: 400, whoever they are */
	assert_int_equal(call(f, "GET", "/api/v1/me", token, cookie, NULL, err, sizeof err, &b), 400);
	assert_string_equal(err, "invalid_request");
	assert_int_equal(call(f, "GET", "/api/v1/service/whoami", token, cookie, NULL, err, sizeof err, &b), 400);

	/* a wrong token: 401, recorded without a name */
	assert_int_equal(call(f, "GET", "/api/v1/service/whoami", "cgs_nope", NULL, NULL, err, sizeof err, &b), 401);
	assert_string_equal(err, "unauthorized");
	assert_int_equal(count_records(f, "service_auth_fail", NULL, NULL), 1);

	/* the audit log fails: 503, and the handler does not run */
	int before = count_records(f, "service_call", NULL, NULL);
	audit_io.write = write_eio;
	assert_int_equal(call(f, "GET", "/api/v1/service/whoami", token, NULL, NULL, err, sizeof err, &b), 503);
	assert_string_equal(err, "audit_unavailable");
	assert_null(strstr(b.buf, "taxii.ncsc"));
	audit_io_reset();
	/* no waiting: the writer retries a failed write on the next append, so the
	 * next call's record goes through and the call is answered */
	assert_int_equal(call(f, "GET", "/api/v1/service/whoami", token, NULL, NULL, err, sizeof err, &b), 200);
	assert_true(audit_is_available(f->audit));
	assert_int_equal(count_records(f, "service_call", NULL, NULL), before + 1);

	/* rotated: the old token gets exactly the answer of a wrong one */
	char old[AUTH_SERVICE_TOKEN_MAX];
	snprintf(old, sizeof old, "%s", token);
	assert_int_equal(auth_credential_rotate(&f->svc, NULL, "taxii.ncsc", token), 0);
	struct body wrong;
	assert_int_equal(call(f, "GET", "/api/v1/service/whoami", old, NULL, NULL, err, sizeof err, &b), 401);
	assert_int_equal(call(f, "GET", "/api/v1/service/whoami", "cgs_nope", NULL, NULL, err, sizeof err, &wrong),
			 401);
	assert_string_equal(b.buf, wrong.buf);
	assert_int_equal(call(f, "GET", "/api/v1/service/whoami", token, NULL, NULL, err, sizeof err, &b), 200);
	assert_int_equal(auth_credential_disable(&f->svc, NULL, "taxii.ncsc"), 0);
	assert_int_equal(call(f, "GET", "/api/v1/service/whoami", token, NULL, NULL, err, sizeof err, &b), 401);
	assert_string_equal(b.buf, wrong.buf);
	sodium_memzero(&r, sizeof r);
	sodium_memzero(token, sizeof token);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scope_parse),
		cmocka_unit_test(test_bearer_header),
		cmocka_unit_test(test_role_and_scope_decision),
		cmocka_unit_test_setup_teardown(test_add_resolve_rotate_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_tokens_throttled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_over_http, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
