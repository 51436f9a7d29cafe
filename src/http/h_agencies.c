/*
 * /api/v1/agencies: the list (every signed-in role but officers; an agency admin
 * sees their own) and creation (admin).
 */
#include <string.h>

#include "http/app.h"
#include "http/guard.h"
#include "http/handlers.h"

struct agency_list {
	json_t *arr;
	const struct auth_caller *c;
};

static int agency_one(const struct store_agency *a, void *arg)
{
	struct agency_list *l = arg;
	if (!auth_may_view(l->c, a->code))
		return 0;
	json_t *j = json_pack("{s:s, s:s}", "code", a->code, "name", a->name);
	json_object_set_new(j, "quota_per_day", a->quota_per_day ? json_integer(a->quota_per_day) : json_null());
	json_array_append_new(l->arr, j);
	return 0;
}

void h_agencies_list(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ADMIN | ROLE_AGENCY_ADMIN | ROLE_AUDITOR, 0);
	if (!c)
		return;
	struct agency_list l = {json_array(), c};
	if (store_agency_list(req->app->store, agency_one, &l)) {
		json_decref(l.arr);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:o}", "agencies", l.arr));
}

void h_agencies_create(struct http_req *req, struct http_resp *resp)
{
	struct auth_caller *c = http_guard(req, resp, ROLE_ADMIN, 0);
	if (!c)
		return;
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return;
	json_t *q = json_object_get(body, "quota_per_day");
	const char *field = NULL;
	int rc;
	if (q && !json_is_null(q) && !json_is_integer(q))
		rc = AUTH_EINVAL, field = "quota_per_day";
	else
		rc = auth_agency_create(req->app->auth, c, json_string_value(json_object_get(body, "code")),
					json_string_value(json_object_get(body, "name")),
					q && json_is_integer(q) ? (int)json_integer_value(q) : 0, &field);
	if (rc) {
		json_decref(body);
		http_resp_auth_error(req, resp, rc, field);
		return;
	}
	struct store_agency a;
	if (store_agency_get(req->app->store, json_string_value(json_object_get(body, "code")), &a)) {
		json_decref(body);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	json_decref(body);
	json_t *j = json_pack("{s:s, s:s}", "code", a.code, "name", a.name);
	json_object_set_new(j, "quota_per_day", a.quota_per_day ? json_integer(a.quota_per_day) : json_null());
	http_resp_json(resp, 201, j);
}
