/*
 * The delivery thread: committed records, in seq order, go to the SQLite
 * projections (one transaction per batch), then to each subscribed listener (the
 * detector), then to syslog when [audit] syslog is on. It runs apart from the
 * writer so that a slow database or listener never holds up an fdatasync; it
 * pushes back on the writer only when AUDIT_DELIVER_MAX records wait. A store
 * failure is retried every second (records are never skipped, so the quota
 * counts never silently fall behind the log).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit_int.h"
#include "core/log.h"
#include "store/store.h"

#define DELIVER_BATCH 512
#define STORE_RETRY_LIMIT_AT_CLOSE 3

struct listener {
	audit_listener fn;
	void *arg;
};

struct audit_deliver {
	struct store *st;
	bool use_syslog;
	pthread_mutex_t mu;
	pthread_cond_t more, space;
	json_t **ring;
	size_t head, count;
	bool stopping;
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

static void *deliver_main(void *arg)
{
	struct audit_deliver *d = arg;
	json_t *batch[DELIVER_BATCH];
	struct listener ls[AUDIT_LISTENERS_MAX];
	pthread_mutex_lock(&d->mu);
	for (;;) {
		while (!d->count && !d->stopping)
			pthread_cond_wait(&d->more, &d->mu);
		if (!d->count && d->stopping)
			break;
		size_t n = 0;
		while (d->count && n < DELIVER_BATCH) {
			batch[n++] = d->ring[d->head];
			d->head = (d->head + 1) % AUDIT_DELIVER_MAX;
			d->count--;
		}
		size_t nl = d->n_listeners;
		memcpy(ls, d->listeners, nl * sizeof ls[0]);
		bool use_syslog = d->use_syslog;
		pthread_cond_broadcast(&d->space);
		pthread_mutex_unlock(&d->mu);

		if (d->st)
			project(d, batch, n);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < nl; j++)
				ls[j].fn(batch[i], ls[j].arg);
		if (use_syslog)
			audit_forward_records(batch, n);
		for (size_t i = 0; i < n; i++)
			json_decref(batch[i]);
		pthread_mutex_lock(&d->mu);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

struct audit_deliver *audit_deliver_start(struct store *st, bool use_syslog)
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
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->more, NULL);
	pthread_cond_init(&d->space, NULL);
	if (use_syslog)
		audit_forward_open();
	if (pthread_create(&d->thread, NULL, deliver_main, d) != 0) {
		pthread_mutex_destroy(&d->mu);
		pthread_cond_destroy(&d->more);
		pthread_cond_destroy(&d->space);
		free(d->ring);
		free(d);
		return NULL;
	}
	return d;
}

void audit_deliver_push(struct audit_deliver *d, json_t *record)
{
	pthread_mutex_lock(&d->mu);
	while (d->count == AUDIT_DELIVER_MAX)
		pthread_cond_wait(&d->space, &d->mu);
	d->ring[(d->head + d->count) % AUDIT_DELIVER_MAX] = record;
	d->count++;
	pthread_cond_signal(&d->more);
	pthread_mutex_unlock(&d->mu);
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
	free(d->ring);
	free(d);
}
