/*
 * The access-log follower of `canhgac serve`: follows the files of [weblog] paths
 * (weblog_tail.h: rotation, truncation, files that appear later), runs each new
 * line through the same parser and rules as `canhgac scan`, and hands each new
 * finding, one per (address, rule, category), to a sink (in serve:
 * weblog_alert_report, which raises it through the detector). A finding whose
 * address keeps at it is handed again, marked repeat, once per `repeat_seconds`.
 * Memory stays bounded over months: when the rules hold WEBLOG_FOLLOW_FINDINGS_MAX
 * findings they are replaced by a fresh set (windows restart; see
 * docs/DETECTION.md). Files are read from their end at start: history written
 * while canhgac was down is not replayed (run `canhgac scan` over it).
 */
#ifndef CANHGAC_DETECT_WEBLOG_FOLLOW_H
#define CANHGAC_DETECT_WEBLOG_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/weblog_detect.h"

struct config;

#define WEBLOG_FOLLOW_FINDINGS_MAX 4096
/* Longest wait between two passes when inotify says nothing (ms). */
#define WEBLOG_FOLLOW_BACKSTOP_MS 1000

enum weblog_follow_err {
	WEBLOG_FOLLOW_OK = 0,
	WEBLOG_FOLLOW_ECONFIG = -1, /* [weblog] paths, log_format, signatures or thresholds unusable */
	WEBLOG_FOLLOW_ENOMEM = -2,
	WEBLOG_FOLLOW_ETHREAD = -3,
};

/* Called on the follower's thread for a new finding (`repeat` false) or one whose
 * count grew at least repeat_seconds after it was last handed over. The finding
 * is valid during the call only. Returns false when it cannot take the finding
 * now (the detector's queue is full): the walk stops there and the finding is
 * offered again a second later. */
typedef bool (*weblog_follow_sink)(void *arg, const struct weblog_finding *f, bool repeat);

struct weblog_follow_stats {
	uint64_t lines, malformed, reported, deferred, detector_restarts;
	uint64_t rotations, truncations;
};

struct weblog_follow;

/* A follower of the files in cfg->weblog.paths (which must not be empty), with the
 * parser, signatures and thresholds of [weblog]. `cfg` is borrowed for the
 * follower's life. Returns 0 and *out (weblog_follow_close it) or
 * WEBLOG_FOLLOW_ECONFIG with the reason in `why`. */
int weblog_follow_open(const struct config *cfg, int repeat_seconds, weblog_follow_sink sink, void *sink_arg,
		       struct weblog_follow **out, char *why, size_t why_size);

/* One pass without a thread (tests): reads what is new and reports findings.
 * `now` is the wall clock in seconds (repeats), `now_ms` a monotonic one.
 * Returns true when a file had more to read. */
bool weblog_follow_poll(struct weblog_follow *f, int64_t now, int64_t now_ms);

/* Starts the thread that polls on inotify wake-ups and at least every
 * WEBLOG_FOLLOW_BACKSTOP_MS. */
int weblog_follow_start(struct weblog_follow *f);

/* Stops the thread (if started) and frees. NULL is fine. */
void weblog_follow_close(struct weblog_follow *f);

/* A copy of the counters (safe from any thread). */
void weblog_follow_stats_get(struct weblog_follow *f, struct weblog_follow_stats *out);

#endif
