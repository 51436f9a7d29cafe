/*
 * The delivery thread: committed records, in seq order, go to each subscribed
 * listener (the detector) at once, then to syslog when [audit] syslog is on, and
 * to the SQLite projections in coalesced transactions: records gather until
 * PROJECT_GATHER_MAX wait or the oldest has waited PROJECT_DELAY_MS, so a busy
 * gateway commits a few times a second instead of once per audit batch (each
 * commit costs its B-tree pages and resets the read connections' page caches).
 * A reader that needs the projections to cover what it has already answered
 * (the audit and lookup searches) calls audit_deliver_sync, which flushes at
 * once. It runs apart from the writer so that a slow database or listener never
 * holds up an fdatasync; it pushes back on the writer only when
 * AUDIT_DELIVER_MAX records wait. A store failure is retried every second
 * (records are never skipped, so the quota counts never silently fall behind the
 * log).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit_int.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/store.h"

#define DELIVER_BATCH 512
#define PROJECT_GATHER_MAX 4096 /* records held for one projection transaction */
#define PROJECT_DELAY_MS 200    /* the longest a record waits for its projection */
#define STORE_RETRY_LIMIT_AT_CLOSE 3

struct listener {
	audit_listener fn;
	void *arg;
};

/* Records held for the next projection transaction, in seq order. */
struct gather {
	json_t *recs[PROJECT_GATHER_MAX];
	size_t n;
	int64_t first_ms; /* when the oldest arrived (monotonic) */
};

struct audit_deliver {
	struct store *st;
	bool use_syslog;
	pthread_mutex_t mu;
	pthread_cond_t more, space;
	json_t **ring;
	size_t head, count;
	bool stopping;
	struct gather gather;   /* the thread's own: records for the next projection */
	uint64_t sync_seq;      /* project at once up to here (audit_deliver_sync) */
	uint64_t projected_seq; /* the last seq handed to the projections */
	pthread_cond_t synced;
	struct listener listeners[AUDIT_LISTENERS_MAX];
	size_t n_listeners;
	pthread_t thread;
};

static void project(struct audit_deliver *d, json_t *const *recs, size_t n)
{
	int tries = 0;
	while (audit_project_records(d->st, recs, n) != 0) {
		tries++;
		if (tries == 1)
			log_error("audit", "cannot update the audit projections (lookups by citizen, daily "
				  "counts) in the database; retrying every second. If it persists, check "
				  "the disk of canhgac.db, then run 'canhgac audit reindex'");
		pthread_mutex_lock(&d->mu);
		bool stopping = d->stopping;
		pthread_mutex_unlock(&d->mu);
		if (stopping && tries >= STORE_RETRY_LIMIT_AT_CLOSE) {
			log_error("audit", "giving up on the projections at shutdown; they are rebuilt "
				  "from the log at the next start");
			return;
		}
		nanosleep(&(struct timespec){.tv_sec = 1}, NULL);
	}
}

static void gather_flush(struct audit_deliver *d)
{
	struct gather *g = &d->gather;
	if (!g->n)
		return;
	if (d->st)
		project(d, g->recs, g->n);
	uint64_t last = (uint64_t)json_integer_value(json_object_get(g->recs[g->n - 1], "seq"));
	for (size_t i = 0; i < g->n; i++)
		json_decref(g->recs[i]);
	g->n = 0;
	pthread_mutex_lock(&d->mu);
	if (last > d->projected_seq)
		d->projected_seq = last;
	pthread_cond_broadcast(&d->synced);
	pthread_mutex_unlock(&d->mu);
}

/* With d->mu held: whether the gathered records must be projected now. */
static bool gather_due(const struct audit_deliver *d)
{
	const struct gather *g = &d->gather;
	return g->n && (d->stopping || d->sync_seq > d->projected_seq || g->n == PROJECT_GATHER_MAX ||
			clock_mono_ms() - g->first_ms >= PROJECT_DELAY_MS);
}

/* With d->mu held: waits for records, a flush that is due, or a stop. */
static void deliver_wait(struct audit_deliver *d)
{
	while (!d->count && !d->stopping && !gather_due(d)) {
		if (!d->gather.n) {
			pthread_cond_wait(&d->more, &d->mu);
			continue;
		}
		int64_t deadline = d->gather.first_ms + PROJECT_DELAY_MS;
		struct timespec ts = {.tv_sec = deadline / 1000, .tv_nsec = (deadline % 1000) * 1000000};
		pthread_cond_timedwait(&d->more, &d->mu, &ts);
	}
}

static void *deliver_main(void *arg)
{
	struct audit_deliver *d = arg;
	struct gather *g = &d->gather;
	pthread_setname_np(pthread_self(), "audit-deliver"); /* for top -H and perf */
	json_t *batch[DELIVER_BATCH];
	struct listener ls[AUDIT_LISTENERS_MAX];
	pthread_mutex_lock(&d->mu);
	for (;;) {
		deliver_wait(d);
		if (!d->count && !g->n && d->stopping)
			break;
		size_t n = 0;
		while (d->count && n < DELIVER_BATCH && g->n + n < PROJECT_GATHER_MAX) {
			batch[n++] = d->ring[d->head];
			d->head = (d->head + 1) % AUDIT_DELIVER_MAX;
			d->count--;
		}
		size_t nl = d->n_listeners;
		memcpy(ls, d->listeners, nl * sizeof ls[0]);
		bool use_syslog = d->use_syslog;
		pthread_cond_broadcast(&d->space);
		pthread_mutex_unlock(&d->mu);

		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < nl; j++)
				ls[j].fn(batch[i], ls[j].arg);
		if (use_syslog)
			audit_forward_records(batch, n);
		if (n && !g->n)
			g->first_ms = clock_mono_ms();
		memcpy(g->recs + g->n, batch, n * sizeof batch[0]);
		g->n += n;
		pthread_mutex_lock(&d->mu);
		bool due = gather_due(d);
		pthread_mutex_unlock(&d->mu);
		if (due)
			gather_flush(d);
		pthread_mutex_lock(&d->mu);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

struct audit_deliver *audit_deliver_start(struct store *st, bool use_syslog, uint64_t projected_seq)
{
	struct audit_deliver *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->ring = calloc(AUDIT_DELIVER_MAX, sizeof *d->ring);
	if (!d->ring) {
		free(d);
		return NULL;
	}
	d->st = st;
	d->use_syslog = use_syslog;
	d->projected_seq = projected_seq;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->more, &ca);
	pthread_cond_init(&d->space, NULL);
	pthread_cond_init(&d->synced, &ca);
	pthread_condattr_destroy(&ca);
	if (use_syslog)
		audit_forward_open();
	if (pthread_create(&d->thread, NULL, deliver_main, d) != 0) {
		pthread_mutex_destroy(&d->mu);
		pthread_cond_destroy(&d->more);
		pthread_cond_destroy(&d->space);
		pthread_cond_destroy(&d->synced);
		free(d->ring);
		free(d);
		return NULL;
	}
	return d;
}

void audit_deliver_push_many(struct audit_deliver *d, json_t **records, size_t n)
{
	size_t i = 0;
	pthread_mutex_lock(&d->mu);
	while (i < n) {
		while (d->count == AUDIT_DELIVER_MAX)
			pthread_cond_wait(&d->space, &d->mu);
		while (i < n && d->count < AUDIT_DELIVER_MAX)
			d->ring[(d->head + d->count++) % AUDIT_DELIVER_MAX] = records[i++];
		pthread_cond_signal(&d->more);
	}
	pthread_mutex_unlock(&d->mu);
}

void audit_deliver_push(struct audit_deliver *d, json_t *record)
{
	audit_deliver_push_many(d, &record, 1);
}

int audit_deliver_subscribe(struct audit_deliver *d, audit_listener fn, void *arg)
{
	int rc = AUDIT_EINVAL;
	pthread_mutex_lock(&d->mu);
	if (d->n_listeners < AUDIT_LISTENERS_MAX) {
		d->listeners[d->n_listeners++] = (struct listener){fn, arg};
		rc = AUDIT_OK;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

void audit_deliver_stop(struct audit_deliver *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	d->stopping = true;
	pthread_cond_broadcast(&d->more);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	if (d->use_syslog)
		audit_forward_close();
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->more);
	pthread_cond_destroy(&d->space);
	pthread_cond_destroy(&d->synced);
	free(d->ring);
	free(d);
}

int audit_deliver_sync(struct audit_deliver *d, uint64_t seq, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;
	struct timespec ts = {.tv_sec = deadline / 1000, .tv_nsec = (deadline % 1000) * 1000000};
	int rc = 0;
	pthread_mutex_lock(&d->mu);
	if (seq > d->sync_seq)
		d->sync_seq = seq;
	pthread_cond_signal(&d->more);
	while (d->projected_seq < seq && rc == 0)
		rc = pthread_cond_timedwait(&d->synced, &d->mu, &ts);
	bool ok = d->projected_seq >= seq;
	pthread_mutex_unlock(&d->mu);
	return ok ? 0 : -1;
}
