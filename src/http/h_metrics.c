/*
 * GET /metrics: the counters of core/metrics.c and a few gauges read now (open
 * and overdue incidents, active blocks, the webhook queue, the audit's state) in
 * the Prometheus text format. Outside /api/v1 because scrapers expect it there.
 * Allowed to an admin of the province (session cookie) or, without a session,
 * to a client on loopback (a local Prometheus or node agent) whose request
 * bears no proxy header; anyone else gets 401, other roles 403. The figures
 * name no account, citizen or address.
 */
#include <arpa/inet.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "detect/detect.h"
#include "http/app.h"
#include "http/guard.h"
#include "http/handlers.h"
#include "incident/incident.h"
#include "notify/notify.h"

static bool is_loopback(const char *ip)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, ip, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, ip, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

struct incident_counts {
	int64_t open, overdue, now;
};

static int count_one(const struct store_incident *i, void *arg)
{
	struct incident_counts *c = arg;
	if (strcmp(i->status, "closed") != 0)
		c->open++;
	if (incident_overdue(i, c->now))
		c->overdue++;
	return 0;
}

void h_metrics_get(struct http_req *req, struct http_resp *resp)
{
	/* a reverse proxy on this machine makes every client look local: a request
	 * that carries a proxy's header is not trusted as a local scraper */
	bool proxied = http_req_header(req, "X-Forwarded-For") || http_req_header(req, "X-Real-IP") ||
		       http_req_header(req, "Forwarded");
	if (http_req_cookie(req, SESSION_COOKIE) || proxied || !is_loopback(req->client_ip)) {
		if (!http_guard(req, resp, ROLE_ADMIN, 0))
			return;
	}
	struct app *app = req->app;
	struct metrics_gauges g = {.started_at = app->started_at, .open_incidents = -1, .overdue_incidents = -1,
				   .blocks_active = -1, .webhook_queue = notify_queue_depth(app->notify),
				   .audit_available = app->audit ? audit_is_available(app->audit) : -1};
	struct incident_counts ic = {.now = clock_now()};
	if (app->store && store_incident_list(app->store, NULL, 1000000, count_one, &ic) == 0) {
		g.open_incidents = ic.open;
		g.overdue_incidents = ic.overdue;
	}
	if (app->detect) {
		json_t *b = detect_blocks_json(app->detect);
		g.blocks_active = (int64_t)json_array_size(b);
		json_decref(b);
	}
	size_t len = 0;
	char *text = metrics_render(&g, &len);
	if (!text) {
		http_resp_error(req, resp, 500, "internal_error", NULL);
		return;
	}
	resp->status = 200;
	resp->body = text;
	resp->body_len = len;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
