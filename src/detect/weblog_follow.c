/*
 * The follower's loop: lines from weblog_tail through weblog_parse_line and
 * weblog_detect_feed, then, after each pass, the findings compared with what was
 * already handed to the sink. What was handed over is a small open-addressing set
 * keyed by a hash of (address, rule, category), holding when it was handed over
 * and the count then; it is emptied with the rules when they are replaced at
 * WEBLOG_FOLLOW_FINDINGS_MAX, so both stay bounded. The thread sleeps in
 * weblog_tail_wait (inotify, backstop) and is stopped through a pipe.
 */
#include "detect/weblog_follow.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "detect/weblog_parse.h"
#include "detect/weblog_sigs.h"
#include "detect/weblog_tail.h"

#define SEEN_CAP (4 * WEBLOG_FOLLOW_FINDINGS_MAX) /* a power of two; filled to at most half */
#define MALFORMED_LOG_SECONDS 60

struct seen {
	uint64_t key; /* 0: empty */
	int64_t at;
	uint64_t count;
};

struct weblog_follow {
	const struct config *cfg;
	int repeat_seconds;
	weblog_follow_sink sink;
	void *sink_arg;
	struct weblog_sigs *sigs;
	struct weblog_parser *parser;
	struct weblog_detect *det;
	struct weblog_tail *tail;
	char *work;
	struct seen *seen;
	size_t seen_n;
	bool fed;
	bool retry; /* the sink refused: walk again (once a second) even with no new line */
	int64_t now;
	size_t checked_n;   /* findings at the last walk */
	int64_t checked_at; /* and its time */
	int64_t malformed_logged_at, feed_err_logged_at;
	uint64_t malformed_logged;
	struct weblog_follow_stats st;
	pthread_mutex_t mu; /* pub */
	struct weblog_follow_stats pub;
	int stop[2];
	pthread_t thread;
	bool running;
};

static void on_line(void *arg, const char *path, char *line, size_t len, bool too_long)
{
	struct weblog_follow *f = arg;
	struct weblog_entry e;
	f->st.lines++;
	if (!too_long) {
		memcpy(f->work, line, len);
		f->work[len] = '\0';
		if (weblog_parse_line(f->parser, f->work, len, &e) == 0) {
			int rc = weblog_detect_feed(f->det, &e, line, len);
			f->fed = true;
			if (rc && f->now - f->feed_err_logged_at >= MALFORMED_LOG_SECONDS) {
				log_error("weblog", "the access-log rules failed on a line of %s (error %d%s)", path, rc,
					  rc == WEBLOG_DETECT_ENOMEM ? ": out of memory" : "");
				f->feed_err_logged_at = f->now;
			}
			return;
		}
	}
	f->st.malformed++;
	if (f->now - f->malformed_logged_at >= MALFORMED_LOG_SECONDS) {
		log_warn("weblog",
			 "%llu malformed lines so far (latest in %s%s): check [weblog] log_format against the "
			 "server's log format",
			 (unsigned long long)f->st.malformed, path, too_long ? ", longer than 16 KiB" : "");
		f->malformed_logged_at = f->now;
	}
}

static int add_path(const char *item, void *arg)
{
	/* config_list_each cuts an item at CONFIG_STR_MAX - 1: that is another path */
	if (strlen(item) >= CONFIG_STR_MAX - 1)
		return 1;
	return weblog_tail_add(arg, item, true) ? 1 : 0;
}

static int detector_new(struct weblog_follow *f, char *why, size_t why_size)
{
	struct weblog_detect *d = NULL;
	if (weblog_detect_new(f->cfg, f->sigs, &d, why, why_size))
		return WEBLOG_FOLLOW_ECONFIG;
	weblog_detect_free(f->det);
	f->det = d;
	f->checked_n = 0;
	f->checked_at = INT64_MIN;
	memset(f->seen, 0, SEEN_CAP * sizeof *f->seen);
	f->seen_n = 0;
	return WEBLOG_FOLLOW_OK;
}

int weblog_follow_open(const struct config *cfg, int repeat_seconds, weblog_follow_sink sink, void *sink_arg,
		       struct weblog_follow **out, char *why, size_t why_size)
{
	char reason[256] = "";
	int rc = WEBLOG_FOLLOW_ECONFIG;
	*out = NULL;
	if (!cfg->weblog.paths[0] || !sink) {
		snprintf(why, why_size, "[weblog] paths is empty: nothing to follow");
		return WEBLOG_FOLLOW_ECONFIG;
	}
	struct weblog_follow *f = calloc(1, sizeof *f);
	if (!f)
		goto nomem;
	f->cfg = cfg;
	f->repeat_seconds = repeat_seconds;
	f->sink = sink;
	f->sink_arg = sink_arg;
	f->stop[0] = f->stop[1] = -1;
	f->malformed_logged_at = f->feed_err_logged_at = INT64_MIN / 2;
	pthread_mutex_init(&f->mu, NULL);
	f->work = malloc(WEBLOG_LINE_MAX + 2);
	f->seen = calloc(SEEN_CAP, sizeof *f->seen);
	if (!f->work || !f->seen || weblog_tail_new(WEBLOG_LINE_MAX, on_line, f, &f->tail))
		goto nomem;
	if (config_list_each(cfg->weblog.paths, add_path, f->tail)) {
		snprintf(why, why_size,
			 "[weblog] paths: at most %d files, separated by commas, each path shorter than %d bytes "
			 "and without spaces or commas",
			 WEBLOG_TAIL_FILES_MAX, CONFIG_STR_MAX - 1);
		goto fail;
	}
	if (weblog_parser_new(WEBLOG_INPUT_TEXT, cfg->weblog.log_format, &f->parser, reason, sizeof reason)) {
		snprintf(why, why_size, "[weblog] log_format: %s", reason);
		goto fail;
	}
	if (weblog_sigs_load(cfg->weblog.signatures, cfg->weblog.probe_paths, &f->sigs, reason, sizeof reason)) {
		snprintf(why, why_size, "[weblog] signatures: %s", reason);
		goto fail;
	}
	if (detector_new(f, reason, sizeof reason)) {
		snprintf(why, why_size, "[weblog]: %s", reason);
		goto fail;
	}
	*out = f;
	return WEBLOG_FOLLOW_OK;
nomem:
	snprintf(why, why_size, "cannot start the access-log follower: out of memory");
	rc = WEBLOG_FOLLOW_ENOMEM;
fail:
	weblog_follow_close(f);
	return rc;
}

static uint64_t finding_key(const struct weblog_finding *x)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a over ip \0 rule \0 category */
	for (const char *s = x->ip; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h = (h ^ 0xffu) * 1099511628211ull;
	h = (h ^ (unsigned)x->rule) * 1099511628211ull;
	for (const char *s = x->category; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

static struct seen *seen_slot(struct seen *set, uint64_t key)
{
	for (size_t i = key & (SEEN_CAP - 1);; i = (i + 1) & (SEEN_CAP - 1))
		if (set[i].key == key || set[i].key == 0)
			return &set[i];
}

static void findings_check(struct weblog_follow *f)
{
	size_t n = 0;
	const struct weblog_finding *all = weblog_detect_findings(f->det, &n);
	/* A busy log wakes the follower hundreds of times a second: walk the
	 * findings when their number changed, and for repeats once a second. A new
	 * finding hidden by a merge of two (an evicted address back) waits that second. */
	if (n == f->checked_n && f->now == f->checked_at)
		return;
	f->checked_n = n;
	f->checked_at = f->now;
	f->retry = false;
	for (size_t i = 0; i < n; i++) {
		const struct weblog_finding *x = &all[i];
		struct seen *s = seen_slot(f->seen, finding_key(x));
		bool fresh = s->key == 0;
		if (!fresh && !(x->count > s->count && f->now - s->at >= f->repeat_seconds))
			continue;
		if (!f->sink(f->sink_arg, x, !fresh)) {
			f->st.deferred++;
			f->retry = true;
			break;
		}
		f->st.reported++;
		/* One pass may open more findings than the set holds; the rules are
		 * replaced right after such a walk, so those are just not recorded. */
		if (fresh && f->seen_n >= SEEN_CAP / 2)
			continue;
		f->seen_n += fresh;
		s->key = finding_key(x);
		s->at = f->now;
		s->count = x->count;
	}
	if (n >= WEBLOG_FOLLOW_FINDINGS_MAX) {
		char why[256];
		log_info("weblog", "%zu access-log findings held: starting the rules afresh (windows restart)", n);
		if (detector_new(f, why, sizeof why) == 0)
			f->st.detector_restarts++;
		else
			log_error("weblog", "cannot restart the access-log rules: %s", why);
	}
}

bool weblog_follow_poll(struct weblog_follow *f, int64_t now, int64_t now_ms)
{
	f->now = now;
	bool more = weblog_tail_poll(f->tail, now_ms);
	if (f->fed || f->retry)
		findings_check(f);
	f->fed = false;
	struct weblog_tail_stats ts;
	weblog_tail_stats_get(f->tail, &ts);
	f->st.rotations = ts.rotations;
	f->st.truncations = ts.truncations;
	pthread_mutex_lock(&f->mu);
	f->pub = f->st;
	pthread_mutex_unlock(&f->mu);
	return more;
}

static void *follow_main(void *arg)
{
	struct weblog_follow *f = arg;
	for (;;) {
		bool more = weblog_follow_poll(f, clock_now(), clock_mono_ms());
		if (weblog_tail_wait(f->tail, f->stop[0], more ? 0 : WEBLOG_FOLLOW_BACKSTOP_MS))
			break;
	}
	return NULL;
}

int weblog_follow_start(struct weblog_follow *f)
{
	if (pipe2(f->stop, O_CLOEXEC | O_NONBLOCK))
		return WEBLOG_FOLLOW_ETHREAD;
	if (pthread_create(&f->thread, NULL, follow_main, f))
		return WEBLOG_FOLLOW_ETHREAD;
	f->running = true;
	return WEBLOG_FOLLOW_OK;
}

void weblog_follow_close(struct weblog_follow *f)
{
	if (!f)
		return;
	if (f->running) {
		ssize_t w = write(f->stop[1], "x", 1);
		(void)w;
		pthread_join(f->thread, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (f->stop[i] >= 0)
			close(f->stop[i]);
	weblog_tail_free(f->tail);
	weblog_detect_free(f->det);
	weblog_sigs_free(f->sigs);
	weblog_parser_free(f->parser);
	free(f->work);
	free(f->seen);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

void weblog_follow_stats_get(struct weblog_follow *f, struct weblog_follow_stats *out)
{
	pthread_mutex_lock(&f->mu);
	*out = f->pub;
	pthread_mutex_unlock(&f->mu);
}
