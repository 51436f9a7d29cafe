/*
 * The second factor over HTTP: POST /api/v1/me/totp (enrolment: secret, otpauth
 * URI, QR code as SVG), POST /api/v1/me/totp/confirm (recovery codes, shown once)
 * and an admin's POST /api/v1/users/{id}/reset-totp. The enrolment calls are the
 * ones the must-enrol gate lets through.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth/totp.h"
#include "http/app.h"
#include "http/guard.h"
#include "http/handlers.h"

void h_me_totp_enrol(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ANY, GUARD_DURING_TOTP_ENROLMENT);
	if (!c)
		return;
	struct auth_totp_enrolment e;
	int rc = auth_totp_enrol(req->app->auth, c, &e);
	if (rc == AUTH_ECONFLICT)
		http_resp_error(req, resp, 409, "totp_already_enrolled", NULL);
	else if (rc)
		http_resp_auth_error(req, resp, rc, NULL);
	else
		http_resp_json(resp, 200, json_pack("{s:s, s:s, s:s}", "secret", e.secret, "otpauth_uri", e.uri,
						    "qr_svg", e.qr_svg));
	auth_totp_enrolment_wipe(&e);
}

void h_me_totp_confirm(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ANY, GUARD_DURING_TOTP_ENROLMENT);
	if (!c)
		return;
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return;
	char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_LEN];
	const char *code = json_string_value(json_object_get(body, "code"));
	int rc = code ? auth_totp_confirm(req->app->auth, c, code, codes) : AUTH_EINVAL;
	json_decref(body);
	if (rc == AUTH_ECREDENTIALS) {
		http_resp_error(req, resp, 400, "invalid_otp", NULL);
	} else if (rc == AUTH_ENOTFOUND) {
		http_resp_error(req, resp, 409, "totp_not_pending", NULL);
	} else if (rc == AUTH_ECONFLICT) {
		http_resp_error(req, resp, 409, "totp_enrolment_replaced", NULL);
	} else if (rc) {
		http_resp_auth_error(req, resp, rc, rc == AUTH_EINVAL ? "code" : NULL);
	} else {
		json_t *arr = json_array();
		for (int i = 0; i < AUTH_RECOVERY_CODES; i++)
			json_array_append_new(arr, json_string(codes[i]));
		http_resp_json(resp, 200, json_pack("{s:o}", "recovery_codes", arr));
		sodium_memzero(codes, sizeof codes);
	}
}

void h_users_reset_totp(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ADMIN | ROLE_AGENCY_ADMIN, 0);
	if (!c)
		return;
	char *end;
	errno = 0;
	long long id = req->n_params > 0 ? strtoll(req->params[0], &end, 10) : 0;
	if (req->n_params < 1 || *end || errno || id <= 0) {
		http_resp_error(req, resp, 404, "not_found", NULL);
		return;
	}
	int rc = auth_totp_reset(req->app->auth, c, id);
	if (rc)
		http_resp_auth_error(req, resp, rc, NULL);
	else
		resp->status = 204;
}
