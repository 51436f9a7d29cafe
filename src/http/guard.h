/*
 * The gate in front of every authenticated handler: resolves the caller from the
 * session cookie, requires the CSRF header on every state-changing request, keeps
 * a user whose password must change away from everything but the change, and
 * checks the caller's role. Handlers then check the agency of what they touch.
 */
#ifndef CANHGAC_HTTP_GUARD_H
#define CANHGAC_HTTP_GUARD_H

#include "auth/auth.h"
#include "http/http.h"

#define SESSION_COOKIE "canhgac_session"

enum guard_flags {
	GUARD_DEFAULT = 0,
	GUARD_DURING_PASSWORD_CHANGE = 1u << 0, /* allowed while the password must change */
	GUARD_DURING_TOTP_ENROLMENT = 1u << 1,  /* allowed before a required second factor is enrolled */
};

/* Returns the caller (valid for the request) or NULL with the answer already set
 * in resp: 401 unauthorized, 403 csrf_required, 403 password_change_required,
 * 403 forbidden; 400 invalid_request for a session cookie and a bearer token
 * together. `roles` is a mask of enum auth_role. A bearer token (a service
 * credential) is recognised here too: as ROLE_SERVICE is not in ROLE_ANY, it
 * gets 403 forbidden unless `roles` names it; see http_guard_scope. */
struct auth_caller *http_guard(struct http_req *req, struct http_resp *resp, unsigned roles, unsigned flags);

/* http_guard for routes that systems may call: with ROLE_SERVICE in `roles`, a
 * service caller (Authorization: Bearer <token>) must also hold `scope`
 * ("dossiers:write", "indicators:read"; NULL: any valid service), else 403
 * insufficient_scope. A bearer caller needs no CSRF token. A malformed, wrong,
 * rotated or disabled token is 401 unauthorized, the same for each. Every call
 * of a valid token, allowed or refused, is recorded as a `service_call` audit
 * record (actor the service's name; payload method, path, scope, outcome)
 * before the handler runs; when the audit log cannot take it the answer is 503
 * audit_unavailable and the handler does not run. Session callers are judged
 * by `roles` alone, as by http_guard. The service caller has role
 * ROLE_SERVICE, scopes, user.username = the service's name and user.agency = its
 * bound agency ("" for province-wide). */
struct auth_caller *http_guard_scope(struct http_req *req, struct http_resp *resp, unsigned roles, unsigned flags,
				     const char *scope);

/* For routes without a guard (the sign-in): true, with the answer set in resp
 * (403 forbidden after the use is audited, 401 for a bad token, 503 when the
 * audit log cannot take the record), when the request carries a bearer token;
 * a system never signs in. */
bool http_bearer_refused(struct http_req *req, struct http_resp *resp);

/* True (with 403 ip_blocked set in resp) when the client address is blocked and
 * the request is a sign-in or a lookup. */
bool http_ip_refused(struct http_req *req, struct http_resp *resp);

/* Answers an enum auth_err as the API's error body. */
void http_resp_auth_error(struct http_req *req, struct http_resp *resp, int err, const char *field);

/* RFC 3339 string of a unix time, or JSON null for 0. New reference. */
json_t *http_time_json(int64_t t);

/* JSON of an account as the API shows it (no hash, no lockout internals). */
json_t *http_user_json(const struct config *cfg, const struct store_user *u);

/* Adds the reminder fields of docs/API.md (password_expires_in_days,
 * last_sign_in_at, dormant_at, dormant_in_days, attention) to an account's JSON. */
void http_user_reminders_json(json_t *j, const struct config *cfg, const struct store_user *u);

/* The caller's resolved lookup limits, and usage as the API shows it (h_lookups.c). */
struct quota_limits;
struct quota_usage;
void http_caller_limits(struct http_req *req, const struct auth_caller *c, struct quota_limits *lim);
json_t *http_quota_json(const struct quota_usage *u);

#endif
