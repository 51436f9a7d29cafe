/*
 * Process-wide counters for GET /metrics (Prometheus text format): requests by
 * route class and status class, lookups by outcome, quota rejections by scope,
 * audit appends and failures, alerts by rule, webhook deliveries. Every label
 * set is a fixed table, so a counter is one relaxed atomic increment on the
 * request path and the output is bounded; an unknown label counts as "other".
 * Gauges that are read from other modules at scrape time (open incidents,
 * blocks, the webhook queue) are passed in to metrics_render.
 */
#ifndef CANHGAC_CORE_METRICS_H
#define CANHGAC_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metrics_counter {
	METRICS_AUDIT_APPENDED = 0, /* records made durable */
	METRICS_AUDIT_FAILED,       /* appends refused: the audit could not be written */
	METRICS_WEBHOOK_SENT,       /* events the receiver accepted (2xx) */
	METRICS_WEBHOOK_RETRIES,    /* attempts after a first failed one */
	METRICS_WEBHOOK_FAILED,     /* events given up after the last retry */
	METRICS_WEBHOOK_DROPPED,    /* events dropped because the queue was full */
	METRICS_SYSLOG_LINES,       /* alert lines sent to syslog */
	METRICS_COUNTER_COUNT
};

void metrics_inc(enum metrics_counter c);
uint64_t metrics_get(enum metrics_counter c);

/* One answered request: `pattern` is the matched route ("/api/v1/lookups") or
 * NULL when none matched; `method` its method; `status` the HTTP status;
 * `error` the answer's error code or NULL. Lookups (POST /api/v1/lookups) are
 * also counted by outcome ("ok" or the error code). */
void metrics_http_request(const char *method, const char *pattern, int status, const char *error);

/* A lookup refused by a quota; scope as quota_scope_name gives it. */
void metrics_quota_rejected(const char *scope);

/* An alert raised (stored); rule as in docs/DETECTION.md. */
void metrics_alert(const char *rule);

/* Values read at scrape time (-1: unknown, left out). */
struct metrics_gauges {
	int64_t started_at;         /* unix seconds */
	int64_t open_incidents;
	int64_t overdue_incidents;
	int64_t blocks_active;
	int64_t webhook_queue;      /* events waiting; -1 when no webhook */
	int64_t audit_available;    /* 1 / 0; -1 when no audit */
};

/* The exposition text (malloc'd, the caller frees; NULL when out of memory). */
char *metrics_render(const struct metrics_gauges *g, size_t *len);

/* Zeroes every counter (tests). */
void metrics_reset(void);

#endif
