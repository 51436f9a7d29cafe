/*
 * POST/GET/DELETE /api/v1/session, GET /api/v1/me, POST /api/v1/me/password.
 * GET /session lets a reloaded console pick up its session again: the CSRF token
 * is stored only as a hash, so a new one is issued (the old one stops working).
 * Sign-in runs on the worker pool (argon2id is deliberately slow), so a flood of
 * sign-ins waits in a bounded queue instead of holding the HTTP threads. Under
 * [audit] free_reserve_mib of free space sign-in is refused (503 storage_low)
 * before it writes anything: what is left is kept for the audit of lookups.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/password.h"
#include "core/config.h"
#include "core/datadir.h"
#include "core/log.h"
#include "http/app.h"
#include "http/guard.h"
#include "http/handlers.h"
#include "lookup/lookup.h"
#include "core/clock.h"

static void set_session_cookie(struct http_req *req, struct http_resp *resp, const char *token, int max_age)
{
	char cookie[256];
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", SESSION_COOKIE,
		 token, max_age, req->tls ? "; Secure" : "");
	http_resp_header(resp, "Set-Cookie", cookie);
	sodium_memzero(cookie, sizeof cookie);
}

static json_t *me_json(struct http_req *req, const struct auth_caller *c)
{
	json_t *j = json_object();
	json_object_set_new(j, "user", http_user_json(req->app->cfg, &c->user));
	json_object_set_new(j, "must_change_password", json_boolean(c->must_change_password));
	json_object_set_new(j, "password_expires_at", http_time_json(c->password_expires_at));
	json_object_set_new(j, "password_warning", json_boolean(c->password_warn));
	json_object_set_new(j, "totp_enrolment_required", json_boolean(c->totp_enrolment_required));
	/* the console's banner when lookups are not bound to real dossiers (also in
	 * /healthz, which a proxy may not pass to browsers) */
	json_object_set_new(j, "dossier_check",
			    json_string(config_dossier_format_only(req->app->cfg) ? "format" : "verify"));
	/* the console's idle notice and sign-out follow the server's limits */
	const struct config *cfg = req->app->cfg;
	json_object_set_new(j, "session",
			    json_pack("{s:i, s:i, s:o}", "idle_seconds", cfg->session.idle_seconds, "absolute_seconds",
				      cfg->session.absolute_seconds, "expires_at",
				      http_time_json(c->session_created_at + cfg->session.absolute_seconds)));
	return j;
}

/* True (and the answer set) when the data directory is under its free-space reserve. */
static bool storage_reserve_reached(struct http_req *req, struct http_resp *resp)
{
	int reserve = req->app->cfg->audit.free_reserve_mib;
	long long mib = 0;
	if (reserve <= 0 || !req->app->data_dir || datadir_free_mib(req->app->data_dir, &mib) != 0 || mib >= reserve)
		return false;
	log_warn("http", "sign-in refused: %lld MiB free in the data directory, under the %d MiB reserve", mib,
		 reserve);
	http_resp_error(req, resp, 503, "storage_low", NULL);
	http_resp_header(resp, "Retry-After", "60");
	return true;
}

void h_session_create(struct http_req *req, struct http_resp *resp)
{
	if (http_bearer_refused(req, resp)) /* a service credential never opens a session */
		return;
	if (storage_reserve_reached(req, resp))
		return;
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return;
	const char *username = json_string_value(json_object_get(body, "username"));
	const char *password = json_string_value(json_object_get(body, "password"));
	const char *otp = json_string_value(json_object_get(body, "otp")); /* optional */
	if (!username || !password) {
		json_decref(body);
		http_resp_error(req, resp, 400, "invalid_request",
				json_pack("{s:s}", "detail", "username and password are required strings"));
		return;
	}
	struct auth_signin_result r;
	int rc = auth_signin_client(req->app->auth, username, password, otp, req->client_ip,
				    http_req_header(req, "User-Agent"), &r);
	json_decref(body); /* jansson's copy of the password goes with it */
	if (rc == AUTH_ETHROTTLED) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", r.retry_after);
		http_resp_error(req, resp, 429, "too_many_requests", json_pack("{s:i}", "retry_after", r.retry_after));
		http_resp_header(resp, "Retry-After", ra);
	} else if (rc == AUTH_EINVAL) {
		http_resp_error(req, resp, 400, "invalid_request", NULL);
	} else if (rc) {
		http_resp_auth_error(req, resp, rc == AUTH_ECREDENTIALS || rc == AUTH_EAUDIT ? rc : AUTH_ESTORE, NULL);
	} else {
		json_t *j = me_json(req, &r.caller);
		json_object_set_new(j, "csrf_token", json_string(r.csrf));
		set_session_cookie(req, resp, r.token, req->app->cfg->session.absolute_seconds);
		http_resp_json(resp, 200, j);
	}
	sodium_memzero(&r, sizeof r);
}

void h_session_get(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ANY, GUARD_DURING_PASSWORD_CHANGE);
	if (!c)
		return;
	if (strcmp(req->method, "HEAD") == 0) { /* a HEAD changes nothing, not even the CSRF token */
		http_resp_json(resp, 200, me_json(req, c));
		return;
	}
	char csrf[AUTH_TOKEN_HEX];
	int rc = auth_session_reissue_csrf(req->app->auth, c, csrf);
	if (rc) {
		http_resp_auth_error(req, resp, rc, NULL);
		return;
	}
	json_t *j = me_json(req, c);
	json_object_set_new(j, "csrf_token", json_string(csrf));
	sodium_memzero(csrf, sizeof csrf);
	http_resp_json(resp, 200, j);
}

void h_session_delete(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ANY, GUARD_DURING_PASSWORD_CHANGE);
	if (!c)
		return;
	auth_signout(req->app->auth, c);
	set_session_cookie(req, resp, "", 0);
	resp->status = 204;
}

void h_me_get(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ANY, GUARD_DURING_PASSWORD_CHANGE);
	if (!c)
		return;
	json_t *j = me_json(req, c);
	struct quota_limits lim;
	struct quota_usage use;
	http_caller_limits(req, c, &lim);
	if (quota_peek(req->app->lookup->quota, c->user.username, c->user.agency, &lim, clock_now_ms(), &use) ==
	    QUOTA_OK)
		json_object_set_new(j, "quota", http_quota_json(&use));
	http_resp_json(resp, 200, j);
}

void h_me_password(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ANY, GUARD_DURING_PASSWORD_CHANGE);
	if (!c)
		return;
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return;
	const char *cur = json_string_value(json_object_get(body, "current_password"));
	const char *npw = json_string_value(json_object_get(body, "new_password"));
	unsigned v = 0;
	int rc = (cur && npw) ? auth_password_change(req->app->auth, c, cur, npw, &v) : AUTH_EINVAL;
	json_decref(body);
	if (rc == AUTH_EPOLICY) {
		json_t *codes = json_array(), *messages = json_array();
		char buf[256];
		for (unsigned bit = 1; bit && bit <= PW_SAME_AS_CURRENT; bit <<= 1) {
			if (!(v & bit))
				continue;
			json_array_append_new(codes, json_string(password_violation_code(bit)));
			json_array_append_new(messages, json_string(password_violation_message(
								 bit, req->lang, req->app->cfg, buf, sizeof buf)));
		}
		http_resp_error(req, resp, 400, "password_policy",
				json_pack("{s:o, s:o}", "violations", codes, "messages", messages));
		return;
	}
	if (rc) {
		http_resp_auth_error(req, resp, rc, rc == AUTH_EINVAL ? "new_password" : NULL);
		return;
	}
	resp->status = 204;
}
