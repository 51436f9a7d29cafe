/*
 * The web-root watcher of `canhgac serve` ([fim] roots): one thread that watches
 * every directory under the roots with inotify (new directories are followed,
 * and checked once when their watch is added, so files created before it are not
 * missed), checks each changed path against the baseline and scans it with the
 * YARA rules (the code of `fim check`, rules compiled once), and rescans
 * everything every [fim] rescan_seconds and after an inotify queue overflow.
 * Each new finding is recorded in the store (so the indicators see it) and
 * raised through detect_report as an alert in an incident; the same finding
 * (kind, path, SHA-256) is raised once, remembered in a bounded ring.
 * Docs: docs/FIM.md, the fim rules in docs/DETECTION.md.
 */
#ifndef CANHGAC_FIM_WATCH_H
#define CANHGAC_FIM_WATCH_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct store;
struct detect;
struct fim_watch;

struct fim_watch_deps {
	const struct config *cfg; /* borrowed for the watcher's life: [fim] roots, exclude, rescan_seconds */
	struct store *st;         /* baseline, findings */
	struct detect *detect;    /* NULL: findings are only recorded (tests) */
};

/* Bounds: paths waiting for their check, findings remembered as raised, low-
 * severity alerts per pass (the rest are summed up in one alert). */
#define FIM_WATCH_PENDING_MAX 8192
#define FIM_WATCH_SEEN_MAX 16384
#define FIM_WATCH_LOW_ALERTS 20

/* Compiles the rules and starts the thread; a configured root without a
 * baseline gets one at start (its state then is taken as approved, logged).
 * Returns 0 with *out NULL when [fim] roots is empty. FIM_ERULES / FIM_ENOMEM /
 * FIM_EINVAL (a root that is not a directory) with why. inotify being
 * unavailable is not an error: the periodic rescan remains (logged). */
int fim_watch_start(const struct fim_watch_deps *deps, struct fim_watch **out, char *why, size_t why_size);

/* Stops the thread and frees w. NULL is fine. */
void fim_watch_stop(struct fim_watch *w);

struct fim_watch_stats {
	uint64_t rescans;     /* full rescans done (the first at start) */
	uint64_t checks;      /* paths checked on an event */
	uint64_t overflows;   /* inotify queue overflows seen */
	uint64_t raised;      /* findings raised (recorded, alerted) */
	uint64_t directories; /* directories watched now */
	int ready;            /* the first rescan is done */
};
void fim_watch_stats(struct fim_watch *w, struct fim_watch_stats *out);

/* Test seam: hands the thread a synthetic inotify event with `mask` (e.g.
 * IN_Q_OVERFLOW) as if the kernel had sent it. */
void fim_watch_inject(struct fim_watch *w, uint32_t mask);

#endif
