/*
 * The counters behind GET /metrics. Each family is a fixed table of labels with
 * one relaxed atomic counter per label (per label pair for requests), so the
 * request path pays a short string match and an atomic add, never a lock, and
 * the exposition is bounded whatever clients send. Text format 0.0.4.
 */
#include "core/metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic uint64_t counters[METRICS_COUNTER_COUNT];

static const char *const route_classes[] = {
	"session", "me", "users", "staff-changes", "agencies", "lookups", "citizens", "procedures", "audit",
	"alerts", "incidents", "blocks", "health", "console", "metrics", "unmatched", "other",
};
#define N_ROUTES (sizeof route_classes / sizeof route_classes[0])
#define ROUTE_OTHER (N_ROUTES - 1)
static _Atomic uint64_t requests[N_ROUTES][5]; /* 1xx..5xx */

static const char *const lookup_outcomes[] = {
	"ok", "citizen_not_found", "invalid_citizen_id", "invalid_dossier_code", "unknown_procedure",
	"quota_exceeded", "quota_unavailable", "audit_unavailable", "upstream_error", "upstream_timeout",
	"ip_blocked", "account_suspended", "unauthorized", "forbidden", "csrf_required",
	"password_change_required", "totp_enrolment_required", "invalid_request", "service_unavailable",
	"internal_error", "other",
};
#define N_OUTCOMES (sizeof lookup_outcomes / sizeof lookup_outcomes[0])
static _Atomic uint64_t lookups[N_OUTCOMES];

static const char *const quota_scopes[] = {"user_minute", "user_day", "agency_day", "other"};
#define N_SCOPES (sizeof quota_scopes / sizeof quota_scopes[0])
static _Atomic uint64_t quota_rejects[N_SCOPES];

static const char *const alert_rules[] = {
	"brute_force", "password_spray", "enumeration", "offhours", "multi_ip", "new_ip", "dossier_reuse",
	"volume", "dormant_active", "signin_flood", "disk_space_low", "signin_unrecorded", "incident_report_due", "incident_report_overdue", "audit_unavailable",
	"weblog", "fim", "other",
};
#define N_RULES (sizeof alert_rules / sizeof alert_rules[0])
static _Atomic uint64_t alerts[N_RULES];

static const char *const counter_names[METRICS_COUNTER_COUNT][2] = {
	{"canhgac_audit_records_total", "audit records made durable"},
	{"canhgac_audit_failures_total", "audit appends refused because the log could not be written"},
	{"canhgac_webhook_sent_total", "notification events the webhook receiver accepted"},
	{"canhgac_webhook_retries_total", "webhook attempts after a failed one"},
	{"canhgac_webhook_failed_total", "notification events given up after the last retry"},
	{"canhgac_webhook_dropped_total", "notification events dropped because the queue was full"},
	{"canhgac_syslog_lines_total", "alert lines sent to syslog"},
};

/* Index of s in the table, or the last entry ("other"). */
static size_t label_index(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; s && i + 1 < n; i++)
		if (strcmp(table[i], s) == 0)
			return i;
	return n - 1;
}

void metrics_inc(enum metrics_counter c)
{
	if ((unsigned)c < METRICS_COUNTER_COUNT)
		atomic_fetch_add_explicit(&counters[c], 1, memory_order_relaxed);
}

uint64_t metrics_get(enum metrics_counter c)
{
	return (unsigned)c < METRICS_COUNTER_COUNT ? atomic_load_explicit(&counters[c], memory_order_relaxed) : 0;
}

static size_t route_class(const char *pattern)
{
	static const char api[] = "/api/v1/";
	if (!pattern)
		return label_index(route_classes, N_ROUTES, "unmatched");
	if (strcmp(pattern, "/healthz") == 0)
		return label_index(route_classes, N_ROUTES, "health");
	if (strcmp(pattern, "/metrics") == 0)
		return label_index(route_classes, N_ROUTES, "metrics");
	if (strcmp(pattern, "/") == 0 || strncmp(pattern, "/static/", 8) == 0)
		return label_index(route_classes, N_ROUTES, "console");
	if (strncmp(pattern, api, sizeof api - 1) != 0)
		return ROUTE_OTHER;
	const char *seg = pattern + sizeof api - 1;
	size_t len = strcspn(seg, "/");
	for (size_t i = 0; i < ROUTE_OTHER; i++)
		if (strlen(route_classes[i]) == len && strncmp(route_classes[i], seg, len) == 0)
			return i;
	return ROUTE_OTHER;
}

void metrics_http_request(const char *method, const char *pattern, int status, const char *error)
{
	int sc = status / 100 - 1;
	if (sc < 0 || sc > 4)
		sc = 4;
	atomic_fetch_add_explicit(&requests[route_class(pattern)][sc], 1, memory_order_relaxed);
	if (pattern && method && strcmp(pattern, "/api/v1/lookups") == 0 && strcmp(method, "POST") == 0) {
		size_t i = label_index(lookup_outcomes, N_OUTCOMES, status == 200 ? "ok" : error);
		atomic_fetch_add_explicit(&lookups[i], 1, memory_order_relaxed);
	}
}

void metrics_quota_rejected(const char *scope)
{
	atomic_fetch_add_explicit(&quota_rejects[label_index(quota_scopes, N_SCOPES, scope)], 1,
				  memory_order_relaxed);
}

void metrics_alert(const char *rule)
{
	/* rules of other sources (weblog "scanner-404", fim "...") by their prefix */
	const char *r = rule;
	if (rule && (strncmp(rule, "scanner", 7) == 0 || strcmp(rule, "injection") == 0 || strcmp(rule, "rate") == 0 ||
		     strcmp(rule, "brute-force") == 0))
		r = "weblog";
	else if (rule && strncmp(rule, "fim", 3) == 0)
		r = "fim";
	atomic_fetch_add_explicit(&alerts[label_index(alert_rules, N_RULES, r)], 1, memory_order_relaxed);
}

void metrics_reset(void)
{
	for (size_t i = 0; i < METRICS_COUNTER_COUNT; i++)
		atomic_store(&counters[i], 0);
	for (size_t i = 0; i < N_ROUTES; i++)
		for (size_t j = 0; j < 5; j++)
			atomic_store(&requests[i][j], 0);
	for (size_t i = 0; i < N_OUTCOMES; i++)
		atomic_store(&lookups[i], 0);
	for (size_t i = 0; i < N_SCOPES; i++)
		atomic_store(&quota_rejects[i], 0);
	for (size_t i = 0; i < N_RULES; i++)
		atomic_store(&alerts[i], 0);
}

struct out {
	char *buf;
	size_t len, cap;
	int failed;
};

static void emit(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(struct out *o, const char *fmt, ...)
{
	for (int tries = 0; tries < 2 && !o->failed; tries++) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = 1;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		size_t nc = o->cap * 2 + (size_t)n + 1;
		char *nb = realloc(o->buf, nc);
		if (!nb) {
			o->failed = 1;
			return;
		}
		o->buf = nb;
		o->cap = nc;
	}
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	emit(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void labelled(struct out *o, const char *name, const char *help, const char *label,
		     const char *const *table, _Atomic uint64_t *values, size_t n)
{
	head(o, name, "counter", help);
	for (size_t i = 0; i < n; i++)
		emit(o, "%s{%s=\"%s\"} %llu\n", name, label, table[i],
		     (unsigned long long)atomic_load_explicit(&values[i], memory_order_relaxed));
}

static void gauge(struct out *o, const char *name, const char *help, int64_t v)
{
	if (v < 0)
		return;
	head(o, name, "gauge", help);
	emit(o, "%s %lld\n", name, (long long)v);
}

char *metrics_render(const struct metrics_gauges *g, size_t *len)
{
	struct out o = {.buf = malloc(8192), .cap = 8192};
	if (!o.buf)
		return NULL;
	o.buf[0] = '\0';
	gauge(&o, "process_start_time_seconds", "start time of the process since the epoch in seconds",
	      g->started_at);
	head(&o, "canhgac_http_requests_total", "counter", "answered HTTP requests by route class and status class");
	static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
	for (size_t i = 0; i < N_ROUTES; i++)
		for (size_t j = 0; j < 5; j++)
			emit(&o, "canhgac_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n", route_classes[i],
			     classes[j], (unsigned long long)atomic_load_explicit(&requests[i][j], memory_order_relaxed));
	labelled(&o, "canhgac_lookups_total", "POST /api/v1/lookups answers by outcome (ok or the error code)",
		 "outcome", lookup_outcomes, lookups, N_OUTCOMES);
	labelled(&o, "canhgac_quota_rejections_total", "lookups refused by a quota, by scope", "scope", quota_scopes,
		 quota_rejects, N_SCOPES);
	labelled(&o, "canhgac_alerts_total", "alerts raised since start, by rule", "rule", alert_rules, alerts,
		 N_RULES);
	for (size_t i = 0; i < METRICS_COUNTER_COUNT; i++) {
		head(&o, counter_names[i][0], "counter", counter_names[i][1]);
		emit(&o, "%s %llu\n", counter_names[i][0],
		     (unsigned long long)atomic_load_explicit(&counters[i], memory_order_relaxed));
	}
	gauge(&o, "canhgac_audit_available", "1 while the audit log can be written", g->audit_available);
	gauge(&o, "canhgac_incidents_open", "incidents not closed", g->open_incidents);
	gauge(&o, "canhgac_incidents_overdue", "open incidents past their report deadline", g->overdue_incidents);
	gauge(&o, "canhgac_blocks_active", "addresses blocked now", g->blocks_active);
	gauge(&o, "canhgac_webhook_queue_depth", "notification events waiting for the webhook", g->webhook_queue);
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}
