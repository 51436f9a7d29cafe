/*
 * The writer thread: group commit. It takes every waiting record (up to
 * batch_max), gives each its seq, time and prev, builds their lines (plus a
 * checkpoint line whenever checkpoint_records records or checkpoint_ms have gone
 * unsigned), writes them with one write(2) on an O_APPEND descriptor and makes
 * them durable with one fdatasync, and only then tells the callers their seq.
 * A failed write or fdatasync fails the whole batch (AUDIT_EUNAVAILABLE), marks
 * the log unavailable and tells the operator; before the next write the segment
 * is re-read (a torn tail cut) and the disk probed with a checkpoint, on the next
 * append and every retry_ms. Rotation happens before a batch: at a new local day
 * or when the segment reached segment_max bytes, after signing its tail.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit_int.h"
#include "core/datadir.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"

/* Writes a->out to the segment and makes it durable; errno is kept on failure. */
static int write_durable(struct audit *a, const char **what)
{
	size_t done = 0;
	while (done < a->out.len) {
		ssize_t w = audit_io.write(a->fd, a->out.data + done, a->out.len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			*what = "write";
			return -1;
		}
		done += (size_t)w;
	}
	if (audit_io.fdatasync(a->fd) != 0) {
		*what = "fdatasync";
		return -1;
	}
	return 0;
}

static void mark_broken(struct audit *a, const char *what, int err)
{
	bool was = atomic_exchange(&a->available, false);
	a->broken = true;
	a->next_retry_ms = clock_mono_ms() + a->retry_ms;
	if (was)
		log_error("audit",
			  "cannot %s the audit log %s: %s. Citizen lookups are refused (503 "
			  "audit_unavailable) until it can be written again: free space on the disk "
			  "that holds %s or fix the I/O error; canhgac retries on each append and every "
			  "%d ms",
			  what, a->seg_path[0] ? a->seg_path : a->dir, strerror(err), a->dir, a->retry_ms);
}

/* Appends a checkpoint for (seq, hash) to a->buf. */
static int add_checkpoint(struct audit *a, uint64_t seq, const unsigned char *hash, char **line,
			  size_t *len)
{
	free(*line);
	*line = audit_checkpoint_line(a->sk, seq, hash, clock_now(), len);
	return *line ? audit_buf_add(&a->out, *line, *len) : -1;
}

static void write_head(struct audit *a, const char *line, size_t len)
{
	if (line && audit_head_write(a->dir, line, len) != 0)
		log_warn("audit", "cannot update %s/head (%s); verify will use the checkpoints in the segments",
			 a->dir, strerror(errno));
}

int audit_writer_checkpoint(struct audit *a)
{
	char *line = NULL;
	size_t len = 0;
	const char *what = "sign";
	int rc = -1;
	if (a->cp_seq >= a->last_seq || a->last_seq == 0 || a->fd < 0)
		return 0;
	a->out.len = 0;
	if (add_checkpoint(a, a->last_seq, a->last_hash, &line, &len) || write_durable(a, &what)) {
		mark_broken(a, what, errno);
		goto out;
	}
	a->seg_size += a->out.len;
	a->cp_seq = a->last_seq;
	a->unsigned_since_ms = 0;
	write_head(a, line, len);
	rc = 0;
out:
	free(line);
	return rc;
}

static int open_segment(struct audit *a, int64_t day)
{
	char name[AUDIT_SEGMENT_NAME_MAX], path[DATADIR_PATH_MAX];
	struct stat sb;
	if (audit_segment_name(a->last_seq + 1, day, name, sizeof name) ||
	    datadir_path(a->dir, name, path, sizeof path))
		return -1;
	/* It may exist already (created just before a failed write): append to it. */
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || datadir_fsync(a->dir) != 0) {
		close(fd);
		return -1;
	}
	a->fd = fd;
	snprintf(a->seg_name, sizeof a->seg_name, "%s", name);
	snprintf(a->seg_path, sizeof a->seg_path, "%s", path);
	a->seg_first_seq = a->last_seq + 1;
	a->seg_day = day;
	a->seg_size = (uint64_t)sb.st_size;
	log_info("audit", "new segment %s", path);
	return 0;
}

static int rotate_if_needed(struct audit *a, int64_t now)
{
	int64_t day = clock_local_day(now);
	if (a->fd >= 0 && a->seg_day == day && a->seg_size < a->segment_max)
		return 0;
	if (a->fd >= 0) {
		if (audit_writer_checkpoint(a) != 0)
			return -1;
		close(a->fd);
		a->fd = -1;
	}
	if (open_segment(a, day) != 0) {
		mark_broken(a, "create a segment in", errno);
		return -1;
	}
	audit_segment_archive_old(a->dir, a->retention_months, now, a->seg_name);
	return 0;
}

struct landed {
	struct audit *a;
	uint64_t after;
};

static int deliver_landed(const char *line, size_t len, bool complete, off_t off, size_t lineno,
			  void *arg)
{
	struct landed *l = arg;
	struct audit_parsed p;
	char why[128];
	(void)off;
	(void)lineno;
	if (!complete || audit_line_parse(line, len, &p, why, sizeof why))
		return 0;
	if (p.kind == AUDIT_LINE_RECORD && p.seq > l->after)
		audit_deliver_push(l->a->deliver, json_incref(p.json));
	audit_parsed_free(&p);
	return 0;
}

/* After a failure: re-read the segment, cut a torn tail, probe the disk. */
static int writer_recover(struct audit *a)
{
	struct audit_tail t;
	char why[512];
	a->next_retry_ms = clock_mono_ms() + a->retry_ms;
	if (a->fd >= 0) {
		close(a->fd);
		a->fd = -1;
	}
	if (a->seg_path[0]) {
		if (audit_recover_segment(a->seg_path, a->seg_first_seq, &t, why, sizeof why) != 0) {
			log_error("audit", "%s", why);
			return -1;
		}
		if (t.have_hash && t.last_seq > a->last_seq) {
			/* Records of a failed batch that reached the file anyway: they are in
			 * the chain now, so the projections must see them too. */
			log_warn("audit", "seqs %" PRIu64 "-%" PRIu64 " reached the log although their write "
				 "was reported failed; they stay in the chain",
				 a->last_seq + 1, t.last_seq);
			struct landed l = {a, a->last_seq};
			audit_segment_each_line(a->seg_path, deliver_landed, &l, why, sizeof why);
			a->last_seq = t.last_seq;
			memcpy(a->last_hash, t.last_hash, AUDIT_HASH_BYTES);
			atomic_store(&a->durable_seq, a->last_seq);
		}
		if (t.checkpoint_seq > a->cp_seq && t.checkpoint_seq == a->last_seq)
			a->cp_seq = t.checkpoint_seq;
		a->fd = open(a->seg_path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
		if (a->fd < 0)
			return -1;
		a->seg_size = (uint64_t)t.size;
		/* The probe: a real durable write. */
		if (a->last_seq > 0 && a->cp_seq < a->last_seq) {
			a->broken = false;
			if (audit_writer_checkpoint(a) != 0)
				return -1;
		} else if (audit_io.fdatasync(a->fd) != 0) {
			return -1;
		}
	}
	a->broken = false;
	atomic_store(&a->available, true);
	log_info("audit", "the audit log %s can be written again; lookups resume", a->dir);
	return 0;
}

static void commit_batch(struct audit *a, struct audit_req **reqs, size_t n)
{
	unsigned char hash[AUDIT_HASH_BYTES], next[AUDIT_HASH_BYTES];
	char prev_hex[AUDIT_HASH_HEX], ts[32], *cp_line = NULL;
	size_t cp_len = 0;
	const char *what = "write";
	int64_t now = clock_now();
	uint64_t seq = a->last_seq, cp = a->cp_seq;
	int fail = AUDIT_EUNAVAILABLE;

	if (a->broken && writer_recover(a) != 0)
		goto fail;
	if (rotate_if_needed(a, now) != 0)
		goto fail;
	clock_format_rfc3339(now, ts, sizeof ts);
	seq = a->last_seq;
	cp = a->cp_seq;
	memcpy(hash, a->last_hash, sizeof hash);
	a->out.len = 0;
	for (size_t i = 0; i < n; i++) {
		sodium_bin2hex(prev_hex, sizeof prev_hex, hash, sizeof hash);
		json_object_set_new(reqs[i]->rec, "seq", json_integer((json_int_t)(seq + 1)));
		json_object_set_new(reqs[i]->rec, "time", json_string(ts));
		json_object_set_new(reqs[i]->rec, "prev", json_string(prev_hex));
		if (!audit_record_append(&a->out, reqs[i]->rec, hash, next,
					 AUDIT_RECORD_MAX + AUDIT_CHAIN_FIELDS_MAX)) {
			reqs[i]->rc = AUDIT_EINVAL; /* too long, or out of memory: no seq spent on it */
			continue;
		}
		seq++;
		memcpy(hash, next, sizeof hash);
		sodium_bin2hex(prev_hex, sizeof prev_hex, hash, sizeof hash);
		json_object_set_new(reqs[i]->rec, "hash", json_string(prev_hex));
		reqs[i]->seq = seq;
		reqs[i]->rc = AUDIT_OK;
		if (seq - cp >= a->checkpoint_records) {
			if (add_checkpoint(a, seq, hash, &cp_line, &cp_len) != 0)
				goto fail;
			cp = seq;
		}
	}
	int64_t mono = clock_mono_ms();
	int64_t since = a->unsigned_since_ms ? a->unsigned_since_ms : mono;
	if (cp < seq && mono - since >= a->checkpoint_ms) {
		if (add_checkpoint(a, seq, hash, &cp_line, &cp_len) != 0)
			goto fail;
		cp = seq;
	}
	if (a->out.len == 0)
		goto out;
	if (write_durable(a, &what) != 0) {
		mark_broken(a, what, errno);
		goto fail;
	}
	a->seg_size += a->out.len;
	a->last_seq = seq;
	memcpy(a->last_hash, hash, sizeof hash);
	atomic_store(&a->durable_seq, seq);
	if (cp > a->cp_seq) {
		a->cp_seq = cp;
		write_head(a, cp_line, cp_len);
	}
	a->unsigned_since_ms = a->cp_seq == a->last_seq ? 0 : since;
	goto out;
fail:
	for (size_t i = 0; i < n; i++) {
		reqs[i]->rc = fail;
		reqs[i]->seq = 0;
	}
out:
	free(cp_line);
}

static void housekeeping(struct audit *a)
{
	int64_t mono = clock_mono_ms();
	if (a->broken) {
		if (mono >= a->next_retry_ms)
			writer_recover(a);
		return;
	}
	if (a->cp_seq < a->last_seq && a->unsigned_since_ms &&
	    mono - a->unsigned_since_ms >= a->checkpoint_ms)
		audit_writer_checkpoint(a);
}

static void wait_for_work(struct audit *a)
{
	int64_t deadline = 0;
	if (a->broken)
		deadline = a->next_retry_ms;
	else if (a->cp_seq < a->last_seq && a->unsigned_since_ms)
		deadline = a->unsigned_since_ms + a->checkpoint_ms;
	if (!deadline) {
		pthread_cond_wait(&a->work, &a->mu);
		return;
	}
	struct timespec ts = {.tv_sec = deadline / 1000, .tv_nsec = (deadline % 1000) * 1000000};
	pthread_cond_timedwait(&a->work, &a->mu, &ts);
}

void *audit_writer_main(void *arg)
{
	struct audit *a = arg;
	pthread_setname_np(pthread_self(), "audit-writer"); /* for top -H and perf */
	pthread_mutex_lock(&a->mu);
	for (;;) {
		if (!a->head) {
			if (a->closing)
				break;
			wait_for_work(a);
			if (!a->head) {
				pthread_mutex_unlock(&a->mu);
				housekeeping(a);
				pthread_mutex_lock(&a->mu);
				continue;
			}
		}
		size_t n = 0;
		while (a->head && n < a->batch_max) {
			a->batch[n++] = a->head;
			a->head = a->head->next;
			a->queued--;
		}
		if (!a->head)
			a->tail = NULL;
		pthread_cond_broadcast(&a->space);
		pthread_mutex_unlock(&a->mu);

		commit_batch(a, a->batch, n);
		/* Take a reference for delivery before the callers may drop theirs. */
		for (size_t i = 0; i < n; i++)
			if (a->batch[i]->rc == AUDIT_OK)
				json_incref(a->batch[i]->rec);
		json_t **recs = a->recs;
		size_t k = 0;
		/* Asynchronous callers first, outside the lock: each is told its result
		 * and its req (ours) is freed. */
		for (size_t i = 0; i < n; i++)
			if (a->batch[i]->rc == AUDIT_OK)
				recs[k++] = a->batch[i]->rec; /* in seq order: the projections need it */
		for (size_t i = 0; i < n; i++) {
			struct audit_req *r = a->batch[i];
			if (!r->done_fn)
				continue;
			metrics_inc(r->rc == AUDIT_OK ? METRICS_AUDIT_APPENDED : METRICS_AUDIT_FAILED);
			r->done_fn(r->done_arg, r->rc, r->seq);
			json_decref(r->rec);
			free(r);
			a->batch[i] = NULL;
		}
		pthread_mutex_lock(&a->mu);
		for (size_t i = 0; i < n; i++) {
			struct audit_req *r = a->batch[i];
			if (!r)
				continue;
			r->done = true;
			/* r lives on the caller's stack; the caller cannot return before we
			 * release the mutex, and r is not touched after that. */
			pthread_cond_signal(&r->cv);
		}
		pthread_mutex_unlock(&a->mu);
		audit_deliver_push_many(a->deliver, recs, k);
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	if (a->broken)
		writer_recover(a);
	if (!a->broken && audit_writer_checkpoint(a) != 0)
		log_error("audit", "could not write the final checkpoint; the last records stay unsigned "
			  "until the next start signs them");
	return NULL;
}
