/*
 * Notifications of alerts and incident changes to the outside: a webhook (one
 * JSON POST per event, optionally signed with HMAC-SHA256 over the timestamp and
 * the body) and syslog (one line per alert). Callers never wait on the network:
 * an event is serialised and queued (bounded by [notify] webhook_queue_max; when
 * full the oldest is dropped, counted and logged) and the webhook's own thread
 * posts it, retrying with exponential backoff up to a cap. Configuration:
 * [notify] in docs/CONFIG.md; receivers: docs/DETECTION.md.
 */
#ifndef CANHGAC_NOTIFY_NOTIFY_H
#define CANHGAC_NOTIFY_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct config;
struct notify;

enum notify_err {
	NOTIFY_OK = 0,
	NOTIFY_EINVAL = -1, /* bad configuration: why says what to fix */
	NOTIFY_ENOMEM = -2,
};

#define NOTIFY_BACKOFF_CAP_MS (5 * 60 * 1000) /* longest wait between two attempts */
#define NOTIFY_SIGNATURE_HEADER "X-Canhgac-Signature"
#define NOTIFY_TIMESTAMP_HEADER "X-Canhgac-Timestamp"
#define NOTIFY_EVENT_HEADER "X-Canhgac-Event"

/* Starts the notifier of cfg->notify (the webhook thread when webhook_url is
 * set, openlog when syslog is on). With neither, *out is still a valid notifier
 * that does nothing. The secret is copied (and wiped on close). *out is the
 * caller's: notify_close it. On failure *out is NULL and why says what to fix. */
int notify_open(const struct config *cfg, struct notify **out, char *why, size_t why_size);

/* An alert was stored (a->id set). Sends {"event": "alert", "alert": {...},
 * "incident": {...} or null}; the incident is read from `st` (may be NULL) when
 * a->incident_id is set; also one syslog line. Never blocks on the network.
 * n may be NULL (nothing happens). Counts the alert for /metrics. */
void notify_alert(struct notify *n, struct store *st, const struct store_alert *a);

/* An incident changed status or got a note: {"event": "incident_updated",
 * "incident": {...}, "change": {"from", "to", "note", "author"}}. n may be NULL. */
void notify_incident(struct notify *n, const struct store_incident *inc, const char *from, const char *note,
		     const char *author);

/* Events waiting for the webhook (-1 when there is no webhook). */
int64_t notify_queue_depth(struct notify *n);

/* Waits up to timeout_ms until the webhook queue is empty and idle (tests,
 * shutdown). True when it is. */
bool notify_flush(struct notify *n, int timeout_ms);

/* Stops the webhook thread (an attempt in flight ends within webhook_timeout_ms;
 * events still queued are dropped, counted and logged) and frees n. NULL is fine. */
void notify_close(struct notify *n);

/* ---- helpers, public for tests ---- */

/* hex(HMAC-SHA256(secret, "<ts>.<body>")) into out (65 bytes). */
void notify_sign(const char *secret, int64_t ts, const char *body, size_t len, char out[65]);

/* Parses a syslog facility name (auth, authpriv, daemon, user, local0..local7). */
int notify_facility_parse(const char *name, int *facility);

/* The syslog line of an alert ("alert rule=... severity=... actor=... ip=..."):
 * values with spaces, quotes or control characters are made safe, empty ones
 * are "-". Returns the priority level (LOG_CRIT for critical ... LOG_NOTICE). */
int notify_syslog_format(const struct store_alert *a, char *buf, size_t size);

/* Where syslog lines go: syslog(3) by default; tests replace it to capture them. */
extern void (*notify_syslog_emit)(int priority, const char *line);

#endif
