/*
 * Access-log findings as detector alerts: the rule names the detector knows them
 * by (the names [detect] block_rules and suspend_rules accept), their severity,
 * and the sink that raises a finding of the serve follower through
 * detect_report (alert, incident, block unless allowlisted).
 */
#ifndef CANHGAC_DETECT_WEBLOG_ALERT_H
#define CANHGAC_DETECT_WEBLOG_ALERT_H

#include <jansson.h>
#include <stdbool.h>

#include "detect/weblog_detect.h"

/* "weblog_scanner" (scanner-404, scanner-probe, scanner-tool), "weblog_injection",
 * "weblog_brute_force" or "weblog_rate"; a string literal. */
const char *weblog_alert_rule(enum weblog_rule r);

/* "high" for injection and web-shell probes, "medium" otherwise; a literal. */
const char *weblog_alert_severity(const struct weblog_finding *f);

/* The alert's detail: {source, weblog_rule, category, first, last, count, sample,
 * allowlisted, repeat}; the sample is cut to 400 bytes and bytes outside
 * printable ASCII become '?', so the detail always fits an alert. New reference. */
json_t *weblog_alert_detail(const struct weblog_finding *f, bool repeat);

/* A weblog_follow_sink: `arg` is the struct detect. False when the detector's
 * action queue is full (the follower offers the finding again later). */
bool weblog_alert_report(void *arg, const struct weblog_finding *f, bool repeat);

#endif
