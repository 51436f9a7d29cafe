/*
 * /api/v1/users: list, create (with the one-time password shown once), read,
 * change, disable, enable, unlock, reset-password. Role and agency are checked by
 * the guard and by src/auth (an agency admin reaches only their own agency).
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "http/app.h"
#include "http/guard.h"
#include "http/handlers.h"

#define MANAGERS (ROLE_ADMIN | ROLE_AGENCY_ADMIN)

/* Parses the {id} parameter; answers 404 and returns -1 when it is not a number. */
static int user_id_param(struct http_req *req, struct http_resp *resp, int64_t *id)
{
	char *end;
	errno = 0;
	long long v = req->n_params > 0 ? strtoll(req->params[0], &end, 10) : 0;
	if (req->n_params < 1 || *end || errno || v <= 0) {
		http_resp_error(req, resp, 404, "not_found", NULL);
		return -1;
	}
	*id = v;
	return 0;
}

struct list_ctx {
	json_t *arr;
	const struct config *cfg;
	bool attention; /* ?attention=1: only accounts with something to act on */
};

static int list_one(const struct store_user *u, void *arg)
{
	struct list_ctx *l = arg;
	json_t *j = http_user_json(l->cfg, u);
	if (l->attention && json_array_size(json_object_get(j, "attention")) == 0) {
		json_decref(j);
		return 0;
	}
	json_array_append_new(l->arr, j);
	return json_array_size(l->arr) >= 10000; /* bounded answer */
}

void h_users_list(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, MANAGERS | ROLE_AUDITOR, 0);
	if (!c)
		return;
	const char *agency = http_req_query(req, "agency");
	const char *status = http_req_query(req, "status");
	if (agency && !*agency)
		agency = NULL;
	if (status && *status && !auth_status_valid(status)) {
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", "status"));
		return;
	}
	if (status && !*status)
		status = NULL;
	const char *attention = http_req_query(req, "attention");
	if (attention && *attention && strcmp(attention, "1") && strcmp(attention, "0")) {
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", "attention"));
		return;
	}
	if (c->role == ROLE_AGENCY_ADMIN) {
		if (agency && strcmp(agency, c->user.agency) != 0) {
			http_resp_error(req, resp, 403, "forbidden", NULL);
			return;
		}
		agency = c->user.agency;
	}
	struct list_ctx l = {json_array(), req->app->cfg, attention && !strcmp(attention, "1")};
	if (store_user_list(req->app->store, agency, status, list_one, &l)) {
		json_decref(l.arr);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:o}", "users", l.arr));
}

void h_users_create(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, MANAGERS, 0);
	if (!c)
		return;
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return;
	struct auth_new_user nu = {
		.username = json_string_value(json_object_get(body, "username")),
		.full_name = json_string_value(json_object_get(body, "full_name")),
		.agency = json_string_value(json_object_get(body, "agency")),
		.role = json_string_value(json_object_get(body, "role")),
	};
	if (c->role == ROLE_AGENCY_ADMIN && !nu.agency)
		nu.agency = c->user.agency;
	struct store_user u;
	char otp[AUTH_OTP_MAX];
	const char *field = NULL;
	int rc = auth_user_create(req->app->auth, c, &nu, &u, otp, &field);
	if (rc) {
		http_resp_auth_error(req, resp, rc, field);
	} else {
		json_t *j = json_pack("{s:o, s:s}", "user", http_user_json(req->app->cfg, &u), "one_time_password", otp);
		http_resp_json(resp, 201, j);
	}
	sodium_memzero(otp, sizeof otp);
	json_decref(body);
}

/* Answers 200 with the account `id` as the caller may see it. */
static void answer_user(struct http_req *req, struct http_resp *resp, const struct auth_caller *c, int64_t id)
{
	struct store_user u;
	int rc = auth_user_get(req->app->auth, c, id, &u);
	if (rc)
		http_resp_auth_error(req, resp, rc, NULL);
	else
		http_resp_json(resp, 200, http_user_json(req->app->cfg, &u));
}

void h_users_get(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, MANAGERS | ROLE_AUDITOR, 0);
	int64_t id;
	if (!c || user_id_param(req, resp, &id))
		return;
	answer_user(req, resp, c, id);
}

/* Reads an optional quota field: -1 when absent, 0 for null (back to default). */
static int quota_field(json_t *body, const char *name, int *out)
{
	json_t *v = json_object_get(body, name);
	if (!v) {
		*out = -1;
		return 0;
	}
	if (json_is_null(v)) {
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000)
		return -1;
	*out = (int)json_integer_value(v);
	return 0;
}

void h_users_patch(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, MANAGERS, 0);
	int64_t id;
	if (!c || user_id_param(req, resp, &id))
		return;
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return;
	int qm, qd;
	const char *field = NULL;
	json_t *role_j = json_object_get(body, "role");
	int rc;
	if (role_j && !json_is_string(role_j))
		rc = AUTH_EINVAL, field = "role";
	else if (quota_field(body, "quota_per_minute", &qm))
		rc = AUTH_EINVAL, field = "quota_per_minute";
	else if (quota_field(body, "quota_per_day", &qd))
		rc = AUTH_EINVAL, field = "quota_per_day";
	else
		rc = auth_user_update(req->app->auth, c, id, json_string_value(role_j), qm, qd, &field);
	json_decref(body);
	if (rc) {
		http_resp_auth_error(req, resp, rc, field);
		return;
	}
	answer_user(req, resp, c, id);
}

/* The reason of disable/enable, required. NULL with a 400 set when missing. */
static json_t *reason_body(struct http_req *req, struct http_resp *resp, const char **reason)
{
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return NULL;
	*reason = json_string_value(json_object_get(body, "reason"));
	if (!*reason || !**reason) {
		json_decref(body);
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", "reason"));
		return NULL;
	}
	return body;
}

static void status_action(struct http_req *req, struct http_resp *resp,
			  int (*fn)(struct auth_service *, const struct auth_caller *, int64_t, const char *))
{
	struct auth_caller *c = http_guard(req, resp, MANAGERS, 0);
	int64_t id;
	const char *reason;
	if (!c || user_id_param(req, resp, &id))
		return;
	json_t *body = reason_body(req, resp, &reason);
	if (!body)
		return;
	int rc = fn(req->app->auth, c, id, reason);
	json_decref(body);
	if (rc) {
		http_resp_auth_error(req, resp, rc, rc == AUTH_EINVAL ? "reason" : NULL);
		return;
	}
	answer_user(req, resp, c, id);
}

void h_users_disable(struct http_req *req, struct http_resp *resp)
{
	status_action(req, resp, auth_user_disable);
}

/* On an account the detector suspended, enable also resets the password (the
 * one it saw used is taken as leaked) and answers as reset-password does, with
 * the one-time password to hand over; otherwise it answers the user as disable. */
void h_users_enable(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, MANAGERS, 0);
	int64_t id;
	const char *reason;
	if (!c || user_id_param(req, resp, &id))
		return;
	json_t *body = reason_body(req, resp, &reason);
	if (!body)
		return;
	char otp[AUTH_OTP_MAX];
	bool reset = false;
	int rc = auth_user_enable(req->app->auth, c, id, reason, otp, &reset);
	json_decref(body);
	if (rc) {
		http_resp_auth_error(req, resp, rc, rc == AUTH_EINVAL ? "reason" : NULL);
	} else if (!reset) {
		answer_user(req, resp, c, id);
	} else {
		struct store_user u;
		if (auth_user_get(req->app->auth, c, id, &u))
			http_resp_error(req, resp, 500, "internal_error", NULL);
		else
			http_resp_json(resp, 200, json_pack("{s:o, s:s, s:b}", "user", http_user_json(req->app->cfg, &u),
							    "one_time_password", otp, "password_reset", 1));
	}
	sodium_memzero(otp, sizeof otp);
}

void h_users_unlock(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, MANAGERS, 0);
	int64_t id;
	if (!c || user_id_param(req, resp, &id))
		return;
	int rc = auth_user_unlock(req->app->auth, c, id);
	if (rc == AUTH_EINVAL) {
		http_resp_error(req, resp, 409, "not_locked", NULL);
		return;
	}
	if (rc) {
		http_resp_auth_error(req, resp, rc, NULL);
		return;
	}
	answer_user(req, resp, c, id);
}

void h_users_reset_password(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, MANAGERS, 0);
	int64_t id;
	if (!c || user_id_param(req, resp, &id))
		return;
	char otp[AUTH_OTP_MAX];
	int rc = auth_user_reset_password(req->app->auth, c, id, otp);
	if (rc) {
		http_resp_auth_error(req, resp, rc, NULL);
	} else {
		struct store_user u;
		if (auth_user_get(req->app->auth, c, id, &u))
			http_resp_error(req, resp, 500, "internal_error", NULL);
		else
			http_resp_json(resp, 200, json_pack("{s:o, s:s}", "user", http_user_json(req->app->cfg, &u),
							    "one_time_password", otp));
	}
	sodium_memzero(otp, sizeof otp);
}
