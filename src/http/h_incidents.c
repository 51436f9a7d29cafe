/*
 * /api/v1/incidents: list, read (with notes and alerts), PATCH {status, note}
 * along the allowed transitions (400 invalid_transition otherwise), audited as
 * incident_update before it is made (503 audit_unavailable and no change when
 * the audit cannot be written) and sent to [notify]; and the reports as JSON or
 * printable HTML: the initial one (Mẫu 03, ?kind=initial) and, once the
 * incident is closed, the closing one (Mẫu 04, ?kind=closing; 409 before).
 * Admin changes; auditors read; other roles get 403.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "http/app.h"
#include "http/h_watch_common.h"
#include "http/handlers.h"
#include "incident/incident.h"
#include "notify/notify.h"

struct list_ctx {
	json_t *arr;
	int64_t now;
};

static int list_one(const struct store_incident *i, void *arg)
{
	struct list_ctx *l = arg;
	json_array_append_new(l->arr, incident_json(i, l->now));
	return 0;
}

void h_incidents_list(struct http_req *req, struct http_resp *resp)
{
	if (!http_guard(req, resp, WATCH_READERS, 0))
		return;
	const char *status = http_req_query(req, "status");
	if (status && !*status)
		status = NULL;
	if (status && !incident_status_valid(status)) {
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", "status"));
		return;
	}
	struct list_ctx l = {json_array(), clock_now()};
	if (store_incident_list(req->app->store, status, 1000, list_one, &l)) {
		json_decref(l.arr);
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:o}", "incidents", l.arr));
}

static int note_one(const struct store_incident_note *n, void *arg)
{
	char at[32];
	clock_format_rfc3339(n->at, at, sizeof at);
	json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:s, s:s}", "at", at, "author", n->author, "from",
					     n->status_from, "to", n->status_to, "note", n->note));
	return 0;
}

struct alerts_ctx {
	json_t *arr;
	int64_t id;
};

static int alert_one(const struct store_alert *a, void *arg)
{
	struct alerts_ctx *c = arg;
	if (a->incident_id == c->id)
		json_array_append_new(c->arr, incident_alert_json(a));
	return json_array_size(c->arr) >= 200;
}

/* Loads {id}; answers 404 and returns -1 when there is none. */
static int load(struct http_req *req, struct http_resp *resp, struct store_incident *inc)
{
	int64_t id;
	if (watch_id_param(req, resp, &id))
		return -1;
	int rc = store_incident_get(req->app->store, id, inc);
	if (rc) {
		http_resp_error(req, resp, rc == STORE_ENOTFOUND ? 404 : 500,
				rc == STORE_ENOTFOUND ? "not_found" : "internal_error", NULL);
		return -1;
	}
	return 0;
}

static void answer(struct http_req *req, struct http_resp *resp, const struct store_incident *inc)
{
	json_t *j = incident_json(inc, clock_now());
	json_t *notes = json_array();
	struct alerts_ctx ac = {json_array(), inc->id};
	store_incident_notes(req->app->store, inc->id, note_one, notes);
	store_alert_list(req->app->store, NULL, inc->detected_at, 10000, alert_one, &ac);
	json_object_set_new(j, "notes", notes);
	json_object_set_new(j, "alerts", ac.arr);
	http_resp_json(resp, 200, j);
}

void h_incidents_get(struct http_req *req, struct http_resp *resp)
{
	struct store_incident inc;
	if (!http_guard(req, resp, WATCH_READERS, 0) || load(req, resp, &inc))
		return;
	answer(req, resp, &inc);
}

void h_incidents_patch(struct http_req *req, struct http_resp *resp)
{
	struct store_incident inc;
	struct auth_caller *c = http_guard(req, resp, WATCH_WRITERS, 0);
	if (!c || load(req, resp, &inc))
		return;
	json_t *body = http_req_json_object(req, resp);
	if (!body)
		return;
	json_t *sj = json_object_get(body, "status"), *nj = json_object_get(body, "note");
	const char *status = json_string_value(sj), *note = json_string_value(nj);
	char from[sizeof inc.status];
	snprintf(from, sizeof from, "%s", inc.status);
	int rc = (sj && !status) || (nj && !note) ? INCIDENT_EINVAL : incident_update_check(&inc, status, note);
	bool audited = false;
	if (rc == INCIDENT_OK) { /* audited before it is made: no unaudited change (fail closed) */
		char n[32];
		snprintf(n, sizeof n, "%lld", (long long)inc.id);
		const char *kv[] = {"incident_id", n, "from", from, "status", status ? status : inc.status,
				    "note", note ? note : "", NULL};
		audited = auth_audit(req->app->auth, "incident_update", c->user.username, c->user.agency, c->ip,
				     kv) == AUTH_OK;
		if (audited)
			rc = incident_update(req->app->store, inc.id, status, note, c->user.username, &inc);
	}
	if (rc == INCIDENT_OK && audited)
		notify_incident(req->app->notify, &inc, from, note, c->user.username);
	json_decref(body);
	if (rc == INCIDENT_ETRANSITION)
		http_resp_error(req, resp, 400, "invalid_transition", json_pack("{s:s}", "from", inc.status));
	else if (rc == INCIDENT_EINVAL)
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", "status"));
	else if (rc)
		http_resp_error(req, resp, 500, "internal_error", NULL);
	else if (!audited)
		http_resp_error(req, resp, 503, "audit_unavailable", NULL);
	else
		answer(req, resp, &inc);
}

void h_incidents_report(struct http_req *req, struct http_resp *resp)
{
	struct store_incident inc;
	if (!http_guard(req, resp, WATCH_READERS, 0) || load(req, resp, &inc))
		return;
	const char *format = http_req_query(req, "format");
	bool html = format && strcmp(format, "html") == 0;
	if (format && *format && !html && strcmp(format, "json") != 0) {
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", "format"));
		return;
	}
	/* ?kind=initial|closing, or the circular's form number ?form=03|04 */
	const char *kind = http_req_query(req, "kind"), *form = http_req_query(req, "form");
	int want = 3;
	if (kind && *kind)
		want = strcmp(kind, "initial") == 0 ? 3 : strcmp(kind, "closing") == 0 ? 4 : 0;
	if (form && *form) {
		int f = strcmp(form, "03") == 0 || strcmp(form, "3") == 0	? 3
			: strcmp(form, "04") == 0 || strcmp(form, "4") == 0 ? 4
									     : 0;
		want = (kind && *kind && f != want) ? 0 : f;
	}
	if (!want) {
		http_resp_error(req, resp, 400, "invalid_request", json_pack("{s:s}", "field", form && *form ? "form" : "kind"));
		return;
	}
	json_t *r = NULL;
	if (want == 3) {
		r = incident_report_json(req->app->store, req->app->cfg, &inc, clock_now());
	} else {
		int rc = incident_closing_report_json(req->app->store, req->app->cfg, &inc, clock_now(), &r);
		if (rc == INCIDENT_ETRANSITION) {
			http_resp_error(req, resp, 409, "incident_not_closed", json_pack("{s:s}", "status", inc.status));
			return;
		}
		if (rc) {
			http_resp_error(req, resp, 500, "internal_error", NULL);
			return;
		}
	}
	if (!html) {
		http_resp_json(resp, 200, r);
		return;
	}
	size_t len = 0;
	char *body = want == 3 ? incident_report_html(r, &len) : incident_closing_report_html(r, &len);
	json_decref(r);
	if (!body) {
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	resp->status = 200;
	resp->body = body;
	resp->body_len = len;
	resp->content_type = "text/html; charset=utf-8";
}
