/*
 * Session gate and the mapping of account errors to HTTP answers. A caller is a
 * person with the session cookie or a system with a bearer token (a service
 * credential, src/auth/credential.c), never both at once.
 */
#include "http/guard.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/staff.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "detect/detect.h"
#include "http/app.h"

struct origin_match {
	const char *origin;
	bool hit;
};

static int origin_item(const char *item, void *arg)
{
	struct origin_match *m = arg;
	if (strcasecmp(item, m->origin) == 0)
		m->hit = true;
	return m->hit;
}

/* A state-changing request carried by the session cookie must come from the
 * console's own pages: a Sec-Fetch-Site other than same-origin (or none, a
 * person's own navigation) is refused, and a present Origin must name this server
 * (its host and port as the Host header says) or one of [server]
 * allowed_origins. Requests without either (API clients, scripts) pass: the CSRF
 * token is still required of them. */
static bool origin_allowed(struct http_req *req)
{
	const char *site = http_req_header(req, "Sec-Fetch-Site");
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return false;
	const char *origin = http_req_header(req, "Origin");
	if (!origin)
		return true;
	const char *host = http_req_header(req, "Host");
	const char *sep = strstr(origin, "://");
	if (sep && host && strcasecmp(sep + 3, host) == 0)
		return true;
	struct origin_match m = {origin, false};
	config_list_each(req->app->cfg->server.allowed_origins, origin_item, &m);
	return m.hit;
}

static bool method_changes_state(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

/* A service caller (Authorization: Bearer): no CSRF (no cookie is involved),
 * no password or second-factor gates (it has neither), but every use is
 * recorded before the handler runs, refused ones too; without the record it
 * does not run (fail closed). */
static struct auth_caller *guard_bearer(struct http_req *req, struct http_resp *resp, const char *token,
					unsigned roles, unsigned scope)
{
	struct auth_service *svc = req->app->auth;
	struct auth_caller *c = calloc(1, sizeof *c);
	if (!c) {
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return NULL;
	}
	int rc = auth_credential_resolve(svc, token, req->client_ip, c);
	if (rc) {
		free(c);
		if (rc != AUTH_ESESSION) {
			http_resp_error(req, resp, 500, "internal_error", NULL);
			return NULL;
		}
		/* wrong, rotated and disabled tokens get one answer; the record says no more */
		int retry_after = 0;
		if (auth_credential_refused(svc, req->client_ip, req->method, req->path, &retry_after) ==
		    AUTH_ETHROTTLED) {
			char ra[16];
			snprintf(ra, sizeof ra, "%d", retry_after);
			http_resp_error(req, resp, 429, "too_many_requests", json_pack("{s:i}", "retry_after", retry_after));
			http_resp_header(resp, "Retry-After", ra);
			return NULL;
		}
		http_resp_header(resp, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		http_resp_error(req, resp, 401, "unauthorized", NULL);
		return NULL;
	}
	int decision = auth_credential_check(c, roles, scope);
	const char *scope_name = scope ? auth_scope_name(scope) : "";
	const char *kv[] = {"method", req->method, "path", req->path, "scope", scope_name, "outcome",
			    decision == AUTH_OK ? "allowed" : decision == AUTH_ESCOPE ? "insufficient_scope" : "forbidden",
			    NULL};
	if (auth_audit(svc, "service_call", c->user.username, c->user.agency, req->client_ip, kv) != AUTH_OK) {
		sodium_memzero(c, sizeof *c);
		free(c);
		http_resp_error(req, resp, 503, "audit_unavailable", NULL);
		return NULL;
	}
	if (decision) {
		sodium_memzero(c, sizeof *c);
		free(c);
		if (decision == AUTH_ESCOPE)
			http_resp_error(req, resp, 403, "insufficient_scope", json_pack("{s:s}", "scope", scope_name));
		else
			http_resp_error(req, resp, 403, "forbidden", NULL);
		return NULL;
	}
	req->auth = c; /* freed and wiped by the server with the request */
	req->auth_size = sizeof *c;
	return c;
}

static struct auth_caller *guard(struct http_req *req, struct http_resp *resp, unsigned roles, unsigned flags,
				 unsigned scope)
{
	if (req->auth) { /* guarded once per request; a second call is a handler bug */
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return NULL;
	}
	const char *token = http_req_cookie(req, SESSION_COOKIE);
	const char *bearer = auth_bearer_token(http_req_header(req, "Authorization"));
	if (bearer && token) { /* which of two parties is calling? neither */
		http_resp_error(req, resp, 400, "invalid_request",
				json_pack("{s:s}", "detail", "send either the session cookie or a bearer token, not both"));
		return NULL;
	}
	if (bearer)
		return guard_bearer(req, resp, bearer, roles, scope);
	struct auth_caller *c = calloc(1, sizeof *c);
	if (!c) {
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return NULL;
	}
	int rc = token ? auth_session_resolve(req->app->auth, token, req->client_ip, c) : AUTH_ESESSION;
	/* a suspending rule has hit the account and the worker has not written the
	 * suspension yet: answer as the store soon will */
	if (rc == AUTH_OK && req->app->detect && detect_account_held(req->app->detect, c->user.username))
		rc = AUTH_ESUSPENDED;
	if (rc) {
		free(c);
		if (rc == AUTH_ESUSPENDED)
			http_resp_error(req, resp, 403, "account_suspended", NULL);
		else
			http_resp_error(req, resp, rc == AUTH_ESESSION ? 401 : 500,
					rc == AUTH_ESESSION ? "unauthorized" : "internal_error", NULL);
		return NULL;
	}
	if (method_changes_state(req->method) &&
	    !auth_session_csrf_ok(req->app->auth, c, http_req_header(req, "X-CSRF-Token"))) {
		free(c);
		http_resp_error(req, resp, 403, "csrf_required", NULL);
		return NULL;
	}
	if (method_changes_state(req->method) && !origin_allowed(req)) {
		free(c);
		http_resp_error(req, resp, 403, "origin_refused", NULL);
		return NULL;
	}
	if (c->must_change_password && !(flags & GUARD_DURING_PASSWORD_CHANGE)) {
		free(c);
		http_resp_error(req, resp, 403, "password_change_required", NULL);
		return NULL;
	}
	/* a required second factor not yet enrolled: only enrolment (and what the
	 * password gate lets through: /me, sign-out, the password change) */
	if (c->totp_enrolment_required &&
	    !(flags & (GUARD_DURING_TOTP_ENROLMENT | GUARD_DURING_PASSWORD_CHANGE))) {
		free(c);
		http_resp_error(req, resp, 403, "totp_enrolment_required", NULL);
		return NULL;
	}
	if (auth_credential_check(c, roles, scope) != AUTH_OK) {
		free(c);
		http_resp_error(req, resp, 403, "forbidden", NULL);
		return NULL;
	}
	req->auth = c; /* freed and wiped by the server with the request */
	req->auth_size = sizeof *c;
	return c;
}

bool http_bearer_refused(struct http_req *req, struct http_resp *resp)
{
	const char *bearer = auth_bearer_token(http_req_header(req, "Authorization"));
	if (!bearer)
		return false;
	guard_bearer(req, resp, bearer, 0, 0); /* no role admits it: audited, then 403 (or 401) */
	return true;
}

struct auth_caller *http_guard(struct http_req *req, struct http_resp *resp, unsigned roles, unsigned flags)
{
	return guard(req, resp, roles, flags, 0);
}

struct auth_caller *http_guard_scope(struct http_req *req, struct http_resp *resp, unsigned roles, unsigned flags,
				     const char *scope)
{
	unsigned bit = 0;
	if (scope && (!(bit = auth_scope_parse(scope, NULL)) || !auth_scope_name(bit))) {
		/* one known scope or none: anything else is a handler bug, not input */
		log_error("http", "route %s %s asks for scope '%s', which is not one known scope", req->method,
			  req->path, scope);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return NULL;
	}
	return guard(req, resp, roles, flags, bit);
}

void http_resp_auth_error(struct http_req *req, struct http_resp *resp, int err, const char *field)
{
	json_t *extra = field ? json_pack("{s:s}", "field", field) : NULL;
	switch (err) {
	case AUTH_EINVAL: http_resp_error(req, resp, 400, "invalid_request", extra); return;
	case AUTH_ECREDENTIALS: http_resp_error(req, resp, 401, "invalid_credentials", extra); return;
	case AUTH_ENOTFOUND: http_resp_error(req, resp, 404, "not_found", extra); return;
	case AUTH_ECONFLICT: http_resp_error(req, resp, 409, "conflict", extra); return;
	case AUTH_EFORBIDDEN: http_resp_error(req, resp, 403, "forbidden", extra); return;
	case AUTH_ESCOPE: http_resp_error(req, resp, 403, "insufficient_scope", extra); return;
	case AUTH_ESESSION: http_resp_error(req, resp, 401, "unauthorized", extra); return;
	case AUTH_EAUDIT: http_resp_error(req, resp, 503, "audit_unavailable", extra); return;
	default: http_resp_error(req, resp, 500, "internal_error", extra); return;
	}
}

json_t *http_time_json(int64_t t)
{
	char buf[32];
	if (t <= 0 || clock_format_rfc3339(t, buf, sizeof buf))
		return json_null();
	return json_string(buf);
}

json_t *http_user_json(const struct config *cfg, const struct store_user *u)
{
	json_t *j = json_object();
	json_object_set_new(j, "id", json_integer(u->id));
	json_object_set_new(j, "username", json_string(u->username));
	json_object_set_new(j, "full_name", json_string(u->full_name));
	json_object_set_new(j, "agency", json_string(u->agency));
	json_object_set_new(j, "role", json_string(u->role));
	json_object_set_new(j, "status", json_string(u->status));
	json_object_set_new(j, "status_reason", json_string(u->status_reason));
	json_object_set_new(j, "must_change_password", json_boolean(u->must_change_password));
	json_object_set_new(j, "password_changed_at", http_time_json(u->password_changed_at));
	json_object_set_new(j, "password_expires_at", http_time_json(auth_password_expires_at(cfg, u)));
	json_object_set_new(j, "locked_until", http_time_json(u->locked_until));
	json_object_set_new(j, "last_login_at", http_time_json(u->last_login_at));
	json_object_set_new(j, "created_at", http_time_json(u->created_at));
	json_object_set_new(j, "quota_per_minute", u->quota_per_minute ? json_integer(u->quota_per_minute) : json_null());
	json_object_set_new(j, "quota_per_day", u->quota_per_day ? json_integer(u->quota_per_day) : json_null());
	http_user_reminders_json(j, cfg, u);
	return j;
}

void http_user_reminders_json(json_t *j, const struct config *cfg, const struct store_user *u)
{
	struct auth_reminders r;
	auth_reminders_get(cfg, u, clock_now(), &r);
	json_t *att = json_array();
	for (int i = 0; i < AUTH_ATTN_COUNT; i++)
		if (r.attention & (1u << i))
			json_array_append_new(att, json_string(auth_attention_name(i)));
	json_object_set_new(j, "password_expires_at", http_time_json(r.password_expires_at));
	json_object_set_new(j, "password_expires_in_days", json_integer(r.password_expires_in_days));
	json_object_set_new(j, "last_sign_in_at", http_time_json(u->last_login_at));
	json_object_set_new(j, "dormant_at", r.dormant_applies ? http_time_json(r.dormant_at) : json_null());
	json_object_set_new(j, "dormant_in_days", r.dormant_applies ? json_integer(r.dormant_in_days) : json_null());
	json_object_set_new(j, "attention", att);
}

bool http_ip_refused(struct http_req *req, struct http_resp *resp)
{
	/* Only the doors a stolen password or a scanner uses: an admin at a blocked
	 * address can still reach the console to lift the block. */
	bool door = strcmp(req->method, "POST") == 0 &&
		    (strcmp(req->path, "/api/v1/session") == 0 || strcmp(req->path, "/api/v1/lookups") == 0);
	if (!door || !req->app->detect || !detect_ip_blocked(req->app->detect, req->client_ip))
		return false;
	http_resp_error(req, resp, 403, "ip_blocked", NULL);
	return true;
}
