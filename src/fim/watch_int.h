/*
 * Internals of the web-root watcher shared by watch.c (the thread, inotify,
 * the directory map, pending paths) and watch_report.c (findings to alerts).
 */
#ifndef CANHGAC_FIM_WATCH_INT_H
#define CANHGAC_FIM_WATCH_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "fim/compare.h"
#include "fim/watch.h"

struct watch_dir {
	int wd;      /* 0: free slot, -1: removed */
	int root;    /* index into roots */
	unsigned gen; /* the rescan that last saw it */
	char *path;
};

struct watch_pending {
	char *path;
	int root;
	int64_t first_ms, due_ms; /* monotonic */
	int64_t event_rt;         /* realtime ms of the first event */
	int retries;              /* the file was changing while read */
};

struct fim_watch {
	struct fim_watch_deps deps;
	struct fim_scanner *sc;
	char **roots;
	size_t nroots;
	int ifd;     /* inotify, or -1 (periodic rescans only) */
	int wake[2]; /* pipe: stop, injected events */
	pthread_t thread;

	_Atomic int cancel; /* stop: a running rescan gives up */
	pthread_mutex_t mu; /* what other threads touch: stop, injected, stats */
	bool stop;
	uint32_t injected[16];
	size_t ninjected;
	struct fim_watch_stats stats;

	/* the thread's own */
	struct watch_dir *dirs;
	size_t dcap, dused, dlive;
	unsigned gen; /* of the current rescan */
	struct watch_pending *pend;
	size_t npend;
	bool need_rescan, limit_warned;
	int64_t next_rescan_ms, last_rescan_ms;
	uint64_t *seen; /* ring of raised findings' fingerprints */
	size_t seen_head, seen_n;
};

/* One pass of reporting (an event batch or a rescan): counts the low-severity
 * alerts sent, and those summed up instead. */
struct watch_pass {
	const char *source;  /* "inotify" or "rescan" */
	int low_sent;
	size_t low_more;
};

/* Raises the findings of v[0..n) not raised before (records them, alerts):
 * event_rt is the realtime ms of the event that led to them (0 for a rescan). */
void watch_report(struct fim_watch *w, struct watch_pass *p, const struct fim_finding *v, size_t n,
		  int64_t event_rt);
/* Ends a pass: one summary alert for the low-severity findings over the cap. */
void watch_report_end(struct fim_watch *w, struct watch_pass *p);

int64_t watch_real_ms(void);

#endif
