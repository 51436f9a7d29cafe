/*
 * /api/v1/staff-changes: file a staff change (leave, transfer, role) with the
 * reference of the agency's letter, at once or on a local date; list pending and
 * applied ones (an agency admin sees their own agency's).
 */
#include <string.h>

#include "auth/staff.h"
#include "core/clock.h"
#include "http/app.h"
#include "http/guard.h"
#include "http/handlers.h"

static json_t *change_json(const struct store_staff_change *c)
{
	char eff[16] = "";
	clock_format_local_date(clock_local_day_start(c->effective_day), eff, sizeof eff);
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "id", (json_int_t)c->id,
			      "username", c->username, "agency", c->agency, "kind", c->kind, "effective", eff,
			      "reference", c->reference, "requested_by", c->requested_by, "status", c->status,
			      "result", c->result, "requested_at", http_time_json(c->requested_at), "to_agency",
			      c->to_agency);
	json_object_set_new(j, "to_role", json_string(c->to_role));
	json_object_set_new(j, "applied_at", http_time_json(c->applied_at));
	return j;
}

void h_staff_changes_create(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ADMIN | ROLE_AGENCY_ADMIN, 0);
	if (!c)
		return;
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return;
	struct auth_staff_request rq = {
		json_string_value(json_object_get(body, "username")), json_string_value(json_object_get(body, "kind")),
		json_string_value(json_object_get(body, "effective")), json_string_value(json_object_get(body, "to_agency")),
		json_string_value(json_object_get(body, "to_role")), json_string_value(json_object_get(body, "reference")),
	};
	struct store_staff_change out;
	const char *field = NULL;
	int rc = auth_staff_request(req->app->auth, c, &rq, &out, &field);
	json_decref(body);
	if (rc && out.id == 0)
		http_resp_auth_error(req, resp, rc, field);
	else /* filed; a failure to apply shows in its status */
		http_resp_json(resp, 201, json_pack("{s:o}", "staff_change", change_json(&out)));
}

static int list_one(const struct store_staff_change *c, void *arg)
{
	json_array_append_new(arg, change_json(c));
	return 0;
}

void h_staff_changes_list(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ADMIN | ROLE_AGENCY_ADMIN | ROLE_AUDITOR, 0);
	if (!c)
		return;
	const char *agency = http_req_query(req, "agency");
	if (agency && !*agency)
		agency = NULL;
	if (c->role == ROLE_AGENCY_ADMIN)
		agency = c->user.agency;
	json_t *arr = json_array();
	if (store_staff_list(req->app->store, agency, 1000, list_one, arr)) {
		json_decref(arr);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:o}", "staff_changes", arr));
}
