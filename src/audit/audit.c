/*
 * The audit log's public entry points: opening a chain (lock, key, state of the
 * newest segment, retention, projection catch-up, threads), appending an event
 * and waiting for it to be durable, subscribing listeners and closing. The
 * writing itself is in writer.c; the bounded queue between them lives here:
 * callers block while AUDIT_QUEUE_MAX records wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit_int.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"

struct audit_io audit_io = {.write = write, .fdatasync = fdatasync};
struct audit_tuning audit_tuning = {.batch_max = 1024, .checkpoint_ms = 1000, .retry_ms = 2000};

void audit_io_reset(void)
{
	audit_io.write = write;
	audit_io.fdatasync = fdatasync;
}

const char *audit_strerror(int err)
{
	switch (err) {
	case AUDIT_OK: return "ok";
	case AUDIT_EUNAVAILABLE: return "audit log unavailable";
	case AUDIT_EINVAL: return "invalid audit event";
	case AUDIT_ECLOSED: return "audit log closed";
	case AUDIT_ETAMPERED: return "audit log tampered";
	case AUDIT_EIO: return "audit log unreadable";
	}
	return "unknown audit error";
}

int audit_writer_load(struct audit *a, char *why, size_t why_size)
{
	struct audit_segment *segs = NULL;
	struct audit_tail t, t2;
	size_t n = 0;
	int rc = AUDIT_EIO;
	a->fd = -1;
	if (audit_segment_list(a->dir, &segs, &n, why, why_size))
		goto out;
	rc = AUDIT_OK;
	if (n == 0)
		goto out; /* a new chain: seq 1 follows 32 zero bytes */
	const struct audit_segment *last = &segs[n - 1];
	rc = AUDIT_EIO;
	if (audit_recover_segment(last->path, last->first_seq, &t, why, why_size))
		goto out;
	a->cp_seq = t.checkpoint_seq;
	if (t.have_hash) {
		a->last_seq = t.last_seq;
		memcpy(a->last_hash, t.last_hash, AUDIT_HASH_BYTES);
	} else if (last->first_seq > 1) {
		/* An empty newest segment (a crash right after rotation): the chain's
		 * state is at the end of the one before it. */
		if (n < 2 || audit_recover_segment(segs[n - 2].path, segs[n - 2].first_seq, &t2, why, why_size) ||
		    !t2.have_hash || t2.last_seq != last->first_seq - 1) {
			if (n < 2 || t2.have_hash)
				snprintf(why, why_size,
					 "audit segment %s starts at seq %" PRIu64 " but the records before "
					 "it are missing: restore the missing segments (from DATA/audit/archive "
					 "or a backup), then run 'canhgac audit verify'",
					 last->path, last->first_seq);
			goto out;
		}
		a->last_seq = t2.last_seq;
		memcpy(a->last_hash, t2.last_hash, AUDIT_HASH_BYTES);
		a->cp_seq = t2.checkpoint_seq;
	}
	rc = AUDIT_OK;
	if (last->archived)
		goto out; /* the next batch starts a new live segment */
	a->fd = open(last->path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (a->fd < 0) {
		snprintf(why, why_size, "cannot open %s for appending: %s", last->path, strerror(errno));
		rc = AUDIT_EIO;
		goto out;
	}
	snprintf(a->seg_path, sizeof a->seg_path, "%s", last->path);
	snprintf(a->seg_name, sizeof a->seg_name, "%s", last->name);
	a->seg_first_seq = last->first_seq;
	a->seg_day = last->day;
	a->seg_size = (uint64_t)t.size;
out:
	free(segs);
	return rc;
}

static void audit_free(struct audit *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	audit_sign_free_secret(a->sk);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->work);
	pthread_cond_destroy(&a->space);
	free(a->batch);
	free(a->recs);
	free(a->out.data);
	free(a);
}

static struct audit *audit_alloc(const char *data_dir, const struct config *cfg)
{
	struct audit *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->fd = -1;
	a->lock_fd = -1;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->work, &ca);
	pthread_cond_init(&a->space, NULL);
	pthread_condattr_destroy(&ca);
	snprintf(a->data_dir, sizeof a->data_dir, "%s", data_dir);
	a->segment_max = (uint64_t)(cfg->audit.segment_max_mb > 0 ? cfg->audit.segment_max_mb : 64) << 20;
	a->checkpoint_records = cfg->audit.checkpoint_records > 0 ? (uint64_t)cfg->audit.checkpoint_records : 1000;
	a->retention_months = cfg->audit.retention_months;
	a->batch_max = audit_tuning.batch_max ? audit_tuning.batch_max : 1;
	a->checkpoint_ms = audit_tuning.checkpoint_ms;
	a->retry_ms = audit_tuning.retry_ms > 0 ? audit_tuning.retry_ms : 2000;
	a->batch = calloc(a->batch_max, sizeof *a->batch);
	a->recs = calloc(a->batch_max, sizeof *a->recs);
	atomic_store(&a->available, true);
	if (!a->batch || !a->recs || datadir_path(data_dir, "audit", a->dir, sizeof a->dir)) {
		audit_free(a);
		return NULL;
	}
	return a;
}

int audit_open(const char *data_dir, const struct config *cfg, struct store *st,
	       struct audit **out, char *why, size_t why_size)
{
	int rc = AUDIT_EINVAL;
	struct audit *a = NULL;
	*out = NULL;
	if (!data_dir || !cfg) {
		snprintf(why, why_size, "audit_open: no data directory or configuration");
		return rc;
	}
	rc = AUDIT_EIO;
	if (sodium_init() < 0) { /* idempotent; main has usually called it */
		snprintf(why, why_size, "libsodium could not start");
		return rc;
	}
	a = audit_alloc(data_dir, cfg);
	if (!a) {
		snprintf(why, why_size, "out of memory, or the data directory path is too long");
		return rc;
	}
	a->st = st;
	if (mkdir(a->dir, 0700) != 0 && errno != EEXIST) {
		snprintf(why, why_size, "cannot create %s: %s", a->dir, strerror(errno));
		goto out;
	}
	if ((rc = audit_lock_acquire(a->dir, &a->lock_fd, why, why_size)) != 0)
		goto out;
	rc = AUDIT_EIO;
	a->sk = audit_sign_load_secret(data_dir, why, why_size);
	if (!a->sk || (rc = audit_writer_load(a, why, why_size)) != 0) {
		rc = AUDIT_EIO;
		goto out;
	}
	audit_segment_archive_old(a->dir, a->retention_months, clock_now(), a->seg_name);
	if (st && audit_project_catch_up(data_dir, st, why, why_size) != 0)
		goto out;
	/* Sign what survived a crash unsigned. A full disk here does not stop the
	 * start: the log is marked unavailable and the writer keeps retrying. */
	audit_writer_checkpoint(a);
	atomic_store(&a->durable_seq, a->last_seq);
	a->deliver = audit_deliver_start(st, cfg->audit.syslog, a->last_seq);
	if (!a->deliver || pthread_create(&a->thread, NULL, audit_writer_main, a) != 0) {
		snprintf(why, why_size, "cannot start the audit threads");
		if (a->deliver)
			audit_deliver_stop(a->deliver);
		goto out;
	}
	a->thread_started = true;
	log_info("audit", "audit log %s open at seq %" PRIu64 " (last checkpoint %" PRIu64 ")", a->dir,
		 a->last_seq, a->cp_seq);
	*out = a;
	return AUDIT_OK;
out:
	audit_free(a);
	return rc;
}

static bool type_valid(const char *t)
{
	size_t n = t ? strnlen(t, AUDIT_TYPE_MAX + 1) : 0;
	if (n == 0 || n > AUDIT_TYPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '_' ||
		      t[i] == '.'))
			return false;
	return true;
}

static json_t *opt_string(const char *s, size_t max, bool *bad)
{
	if (!s)
		return json_null();
	json_t *v = strnlen(s, max + 1) <= max ? json_string(s) : NULL; /* NULL: too long or not UTF-8 */
	if (!v)
		*bad = true;
	return v;
}

/* A new record object with the event's fields (the writer adds the rest). */
static int event_build(const struct audit_event *ev, json_t **out)
{
	bool bad = false;
	if (!type_valid(ev->type) || (ev->payload && !json_is_object(ev->payload)))
		return AUDIT_EINVAL;
	const char *actor = ev->actor && ev->actor[0] ? ev->actor : "-";
	json_t *rec = json_object();
	/* shared, not copied: callers build a payload for the event and do not
	 * change it afterwards (audit.h) */
	json_t *payload = ev->payload ? json_incref(ev->payload) : json_object();
	if (!rec || !payload) {
		json_decref(rec);
		json_decref(payload);
		return AUDIT_EINVAL;
	}
	json_object_set_new(rec, "type", json_string(ev->type));
	json_object_set_new(rec, "actor", opt_string(actor, AUDIT_ACTOR_MAX, &bad));
	json_object_set_new(rec, "agency", opt_string(ev->agency, AUDIT_AGENCY_MAX, &bad));
	json_object_set_new(rec, "ip", opt_string(ev->ip, AUDIT_IP_MAX, &bad));
	json_object_set_new(rec, "payload", payload);
	/* The size is checked by the writer as it serialises the record (once): a
	 * record over AUDIT_RECORD_MAX comes back AUDIT_EINVAL without a seq. */
	if (bad) {
		json_decref(rec);
		return AUDIT_EINVAL;
	}
	*out = rec;
	return AUDIT_OK;
}

int audit_append(struct audit *a, const struct audit_event *ev, uint64_t *seq_out)
{
	json_t *rec = NULL;
	if (!a || !ev)
		return AUDIT_EINVAL;
	int rc = event_build(ev, &rec);
	if (rc)
		return rc;
	struct audit_req req = {.rec = rec};
	pthread_cond_init(&req.cv, NULL);
	pthread_mutex_lock(&a->mu);
	while (!a->closing && a->queued >= AUDIT_QUEUE_MAX)
		pthread_cond_wait(&a->space, &a->mu);
	if (a->closing) {
		pthread_mutex_unlock(&a->mu);
		pthread_cond_destroy(&req.cv);
		json_decref(rec);
		return AUDIT_ECLOSED;
	}
	if (a->tail)
		a->tail->next = &req;
	else
		a->head = &req;
	a->tail = &req;
	a->queued++;
	pthread_cond_signal(&a->work);
	while (!req.done)
		pthread_cond_wait(&req.cv, &a->mu);
	pthread_mutex_unlock(&a->mu);
	pthread_cond_destroy(&req.cv);
	json_decref(rec);
	if (req.rc == AUDIT_OK && seq_out)
		*seq_out = req.seq;
	metrics_inc(req.rc == AUDIT_OK ? METRICS_AUDIT_APPENDED : METRICS_AUDIT_FAILED);
	return req.rc;
}

int audit_append_async(struct audit *a, const struct audit_event *ev, audit_done_fn done, void *arg)
{
	json_t *rec = NULL;
	if (!a || !ev || !done)
		return AUDIT_EINVAL;
	int rc = event_build(ev, &rec);
	if (rc)
		return rc;
	struct audit_req *req = calloc(1, sizeof *req);
	if (!req) {
		json_decref(rec);
		return AUDIT_EINVAL;
	}
	req->rec = rec;
	req->done_fn = done;
	req->done_arg = arg;
	pthread_mutex_lock(&a->mu);
	while (!a->closing && a->queued >= AUDIT_QUEUE_MAX)
		pthread_cond_wait(&a->space, &a->mu);
	if (a->closing) {
		pthread_mutex_unlock(&a->mu);
		json_decref(rec);
		free(req);
		return AUDIT_ECLOSED;
	}
	if (a->tail)
		a->tail->next = req;
	else
		a->head = req;
	a->tail = req;
	a->queued++;
	pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->mu);
	return AUDIT_OK;
}

bool audit_is_available(struct audit *a)
{
	return a && atomic_load(&a->available);
}

uint64_t audit_last_seq(struct audit *a)
{
	return a ? atomic_load(&a->durable_seq) : 0;
}

int audit_sync_projections(struct audit *a, int timeout_ms)
{
	if (!a || !a->st)
		return 0;
	uint64_t seq = atomic_load(&a->durable_seq);
	if (audit_deliver_sync(a->deliver, seq, timeout_ms) == 0)
		return 0;
	log_warn("audit", "the projections did not reach seq %" PRIu64 " within %d ms (is the database "
		 "disk failing?); the search answers from what they hold", seq, timeout_ms);
	return -1;
}

int audit_subscribe(struct audit *a, audit_listener fn, void *arg)
{
	if (!a || !fn)
		return AUDIT_EINVAL;
	return audit_deliver_subscribe(a->deliver, fn, arg);
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->closing = true;
	pthread_cond_broadcast(&a->work);
	pthread_cond_broadcast(&a->space);
	pthread_mutex_unlock(&a->mu);
	if (a->thread_started)
		pthread_join(a->thread, NULL);
	audit_deliver_stop(a->deliver);
	log_info("audit", "audit log closed at seq %" PRIu64 " (last checkpoint %" PRIu64 ")",
		 a->last_seq, a->cp_seq);
	audit_free(a);
}
