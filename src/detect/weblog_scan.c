/*
 * The block pipeline of weblog_scan.h. The calling thread reads a block into a
 * free slot (the partial last line is carried into the next block), hands it to
 * the workers, and feeds finished slots to the detector strictly in the order
 * they were read; a ring of 2 * workers + 2 slots keeps the workers busy while
 * bounding memory (each slot is one block plus WEBLOG_LINE_MAX, and its
 * records). A worker turns each line of its block into a record: the prepared
 * request and its signature hits, or malformed / too long. With threads = 1 the
 * same code runs inline without any thread.
 */
#include "detect/weblog_scan.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum rec_kind { REC_REQ, REC_NONE, REC_MALFORMED, REC_TOO_LONG };

struct rec {
	uint32_t off, len; /* the line within the block */
	uint32_t lineno;   /* 1-based, within the block */
	uint8_t kind;
	uint8_t n_hits;
	uint32_t hit_at;   /* its first hit in the slot's hit array */
	struct weblog_req req;
};

enum slot_state { SLOT_FREE, SLOT_FILLED, SLOT_WORKING, SLOT_DONE };

struct slot {
	enum slot_state state;
	uint64_t seq;
	char *buf;
	size_t begin, len;    /* the block's lines are buf[begin, len) */
	bool tail_too_long;   /* a line longer than WEBLOG_LINE_MAX follows the block's lines */
	bool first_of_input;  /* line numbers start again */
	bool failed;          /* out of memory in the worker */
	uint32_t n_lines;     /* lines (empty ones too) in the block, for numbering */
	const char *name;
	struct rec *rec;
	size_t n_rec, cap_rec;
	const struct weblog_sig **hit;
	size_t n_hit, cap_hit;
};

struct worker {
	struct weblog_scan *sc;
	pthread_t th;
	bool started;
	struct weblog_parser *parser;
	struct weblog_sigs_scratch *scratch;
	char *work; /* the line being parsed (the parser writes into its copy) */
};

struct weblog_scan {
	struct weblog_detect *d;
	size_t block;
	int n_workers; /* threads besides the calling one (which parses too) */
	struct worker *w;
	int n_slots;
	struct slot *slot;
	uint64_t filled, consumed; /* slots handed out and fed, in sequence */
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	bool stop;
	char *carry;
	uint64_t lineno; /* lines of the current input fed so far */
	struct weblog_scan_stats st;
};

static struct rec *rec_new(struct slot *s)
{
	if (s->n_rec == s->cap_rec) {
		size_t cap = s->cap_rec ? s->cap_rec * 2 : 1024;
		struct rec *n = realloc(s->rec, cap * sizeof *n);
		if (!n)
			return NULL;
		s->rec = n;
		s->cap_rec = cap;
	}
	return &s->rec[s->n_rec++];
}

static int hits_keep(struct slot *s, struct rec *r, const struct weblog_sig_hits *h)
{
	r->hit_at = (uint32_t)s->n_hit;
	r->n_hits = (uint8_t)h->n;
	if (h->n == 0)
		return 0;
	if (s->n_hit + (size_t)h->n > s->cap_hit) {
		size_t cap = s->cap_hit ? s->cap_hit * 2 : 256;
		while (cap < s->n_hit + (size_t)h->n)
			cap *= 2;
		const struct weblog_sig **n = realloc(s->hit, cap * sizeof *n);
		if (!n)
			return -1;
		s->hit = n;
		s->cap_hit = cap;
	}
	memcpy(s->hit + s->n_hit, h->sig, (size_t)h->n * sizeof *h->sig);
	s->n_hit += (size_t)h->n;
	return 0;
}

/* The stateless work on one block: parse and match every line. */
static void block_parse(struct worker *w, struct slot *s)
{
	s->n_rec = s->n_hit = 0;
	s->failed = false;
	const char *p = s->buf + s->begin, *end = s->buf + s->len;
	uint32_t lineno = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		lineno++;
		if (len > 0) {
			struct rec *r = rec_new(s);
			if (!r) {
				s->failed = true;
				return;
			}
			r->off = (uint32_t)(p - s->buf);
			r->len = (uint32_t)len;
			r->lineno = lineno;
			r->n_hits = 0;
			if (len > WEBLOG_LINE_MAX) {
				r->kind = REC_TOO_LONG;
			} else {
				struct weblog_entry e;
				struct weblog_sig_hits hits;
				memcpy(w->work, p, len);
				w->work[len] = '\0';
				if (weblog_parse_line(w->parser, w->work, len, &e))
					r->kind = REC_MALFORMED;
				else if (weblog_detect_prepare(w->sc->d, w->scratch, &e, &r->req, &hits))
					r->kind = REC_NONE; /* no address to key on, or Hyperscan failed */
				else if (hits_keep(s, r, &hits))
					s->failed = true;
				else
					r->kind = REC_REQ;
			}
		}
		p = nl ? nl + 1 : end;
	}
	s->n_lines = lineno;
}

static void malformed_note(struct weblog_scan *sc, const char *name, uint64_t lineno, bool too_long)
{
	if (sc->st.n_shown < WEBLOG_SCAN_MALFORMED_SHOWN)
		snprintf(sc->st.malformed_at[sc->st.n_shown++], sizeof sc->st.malformed_at[0], "%s:%llu%s", name,
			 (unsigned long long)lineno, too_long ? " (too long)" : "");
	sc->st.malformed++;
}

/* The stateful work, in log order: feed a parsed block to the detector. */
static int block_feed(struct weblog_scan *sc, struct slot *s)
{
	if (s->failed)
		return WEBLOG_SCAN_ENOMEM;
	if (s->first_of_input)
		sc->lineno = 0;
	for (size_t i = 0; i < s->n_rec; i++) {
		const struct rec *r = &s->rec[i];
		sc->st.lines++;
		if (r->kind == REC_REQ) {
			struct weblog_sig_hits hits;
			hits.n = r->n_hits;
			if (r->n_hits)
				memcpy(hits.sig, s->hit + r->hit_at, (size_t)r->n_hits * sizeof *hits.sig);
			(void)weblog_detect_feed_req(sc->d, &r->req, &hits, s->buf + r->off, r->len);
		} else if (r->kind == REC_MALFORMED || r->kind == REC_TOO_LONG) {
			malformed_note(sc, s->name, sc->lineno + r->lineno, r->kind == REC_TOO_LONG);
		}
	}
	sc->lineno += s->n_lines;
	if (s->tail_too_long) {
		sc->st.lines++;
		sc->lineno++;
		malformed_note(sc, s->name, sc->lineno, true);
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct weblog_scan *sc = w->sc;
	pthread_mutex_lock(&sc->mu);
	for (;;) {
		struct slot *s = NULL;
		for (int i = 0; i < sc->n_slots; i++)
			if (sc->slot[i].state == SLOT_FILLED && (!s || sc->slot[i].seq < s->seq))
				s = &sc->slot[i];
		if (!s) {
			if (sc->stop)
				break;
			pthread_cond_wait(&sc->work_cv, &sc->mu);
			continue;
		}
		s->state = SLOT_WORKING;
		pthread_mutex_unlock(&sc->mu);
		block_parse(w, s);
		pthread_mutex_lock(&sc->mu);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&sc->done_cv);
	}
	pthread_mutex_unlock(&sc->mu);
	return NULL;
}

/* Feeds the oldest outstanding slot, waiting for it when `wait`; while it
 * waits, the calling thread parses blocks no worker has taken yet (on a busy
 * machine a worker may not run for a while; the caller never sits idle). Returns
 * 1 when one was fed, 0 when none was ready, or a negative error. */
static int consume_one(struct weblog_scan *sc, bool wait)
{
	if (sc->consumed == sc->filled)
		return 0;
	struct slot *s = &sc->slot[sc->consumed % (uint64_t)sc->n_slots];
	pthread_mutex_lock(&sc->mu);
	while (s->state != SLOT_DONE && wait) {
		struct slot *next = s->state == SLOT_FILLED ? s : NULL;
		for (int i = 0; i < sc->n_slots && !next; i++)
			if (sc->slot[i].state == SLOT_FILLED && (!next || sc->slot[i].seq < next->seq))
				next = &sc->slot[i];
		if (!next) {
			pthread_cond_wait(&sc->done_cv, &sc->mu);
			continue;
		}
		next->state = SLOT_WORKING;
		pthread_mutex_unlock(&sc->mu);
		block_parse(&sc->w[sc->n_workers], next);
		pthread_mutex_lock(&sc->mu);
		next->state = SLOT_DONE;
	}
	bool ready = s->state == SLOT_DONE;
	pthread_mutex_unlock(&sc->mu);
	if (!ready)
		return 0;
	int rc = block_feed(sc, s);
	pthread_mutex_lock(&sc->mu);
	s->state = SLOT_FREE;
	pthread_mutex_unlock(&sc->mu);
	sc->consumed++;
	return rc ? rc : 1;
}

static int submit(struct weblog_scan *sc, struct slot *s)
{
	s->seq = sc->filled++;
	if (sc->n_workers == 0) {
		block_parse(&sc->w[0], s);
		s->state = SLOT_DONE;
	} else {
		pthread_mutex_lock(&sc->mu);
		s->state = SLOT_FILLED;
		pthread_cond_signal(&sc->work_cv);
		pthread_mutex_unlock(&sc->mu);
	}
	int rc;
	while ((rc = consume_one(sc, false)) > 0)
		;
	return rc;
}

/* The slot to fill next, once the block it held has been fed. */
static int slot_acquire(struct weblog_scan *sc, struct slot **out)
{
	struct slot *s = &sc->slot[sc->filled % (uint64_t)sc->n_slots];
	while (sc->consumed + (uint64_t)sc->n_slots <= sc->filled) {
		int rc = consume_one(sc, true);
		if (rc < 0)
			return rc;
	}
	*out = s;
	return 0;
}

static int drain(struct weblog_scan *sc)
{
	int rc, first = 0;
	while ((rc = consume_one(sc, true)) != 0)
		if (rc < 0 && !first)
			first = rc;
	return first;
}

int weblog_scan_fd(struct weblog_scan *sc, int fd, const char *name)
{
	gzFile gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		snprintf(sc->st.why, sizeof sc->st.why, "cannot read %s", name);
		return WEBLOG_SCAN_EIO;
	}
	gzbuffer(gz, 256 * 1024);
	size_t carry = 0;
	bool skipping = false, first = true;
	int rc = 0;
	for (;;) {
		struct slot *s;
		rc = slot_acquire(sc, &s);
		if (rc)
			break;
		memcpy(s->buf, sc->carry, carry);
		size_t have = carry, want = carry + sc->block;
		bool eof = false;
		while (have < want) {
			int n = gzread(gz, s->buf + have, (unsigned)(want - have));
			if (n < 0) {
				int errnum;
				snprintf(sc->st.why, sizeof sc->st.why, "%s: %s", name, gzerror(gz, &errnum));
				rc = WEBLOG_SCAN_EIO;
				goto out;
			}
			if (n == 0) {
				eof = true;
				break;
			}
			have += (size_t)n;
		}
		size_t begin = 0;
		if (skipping) {
			/* the rest of a line already counted as too long */
			const char *nl = memchr(s->buf, '\n', have);
			if (!nl) {
				carry = 0;
				if (eof)
					break;
				continue;
			}
			begin = (size_t)(nl - s->buf) + 1;
			skipping = false;
		}
		size_t len = have;
		if (!eof) {
			const char *last = memrchr(s->buf + begin, '\n', have - begin);
			len = last ? (size_t)(last - s->buf) + 1 : begin;
		}
		size_t tail = have - len;
		s->tail_too_long = tail > WEBLOG_LINE_MAX;
		if (s->tail_too_long) {
			skipping = true;
			carry = 0;
		} else {
			memcpy(sc->carry, s->buf + len, tail);
			carry = tail;
		}
		s->begin = begin;
		s->len = len;
		s->name = name;
		s->first_of_input = first;
		first = false;
		rc = submit(sc, s);
		if (rc < 0 || eof)
			break;
	}
out:;
	int drc = drain(sc);
	gzclose(gz);
	return rc < 0 ? rc : drc;
}

void weblog_scan_stats_get(const struct weblog_scan *sc, struct weblog_scan_stats *out)
{
	*out = sc->st;
}

static int worker_init(struct weblog_scan *sc, struct worker *w, const struct weblog_scan_opts *o,
		       const struct weblog_sigs *sigs, char *why, size_t why_size)
{
	w->sc = sc;
	int rc = weblog_parser_new(o->input, o->log_format, &w->parser, why, why_size);
	if (rc)
		return rc == WEBLOG_ENOMEM ? WEBLOG_SCAN_ENOMEM : WEBLOG_SCAN_EFORMAT;
	w->work = malloc(WEBLOG_LINE_MAX + 2);
	if (!w->work || weblog_sigs_scratch_new(sigs, &w->scratch)) {
		snprintf(why, why_size, "out of memory");
		return WEBLOG_SCAN_ENOMEM;
	}
	return 0;
}

int weblog_scan_new(const struct weblog_scan_opts *opts, struct weblog_detect *d, const struct weblog_sigs *sigs,
		    struct weblog_scan **out, char *why, size_t why_size)
{
	struct weblog_scan *sc = calloc(1, sizeof *sc);
	if (!sc) {
		snprintf(why, why_size, "out of memory");
		return WEBLOG_SCAN_ENOMEM;
	}
	int rc = WEBLOG_SCAN_ENOMEM;
	pthread_mutex_init(&sc->mu, NULL);
	pthread_cond_init(&sc->work_cv, NULL);
	pthread_cond_init(&sc->done_cv, NULL);
	sc->d = d;
	sc->block = opts->block_size ? opts->block_size : WEBLOG_SCAN_BLOCK_DEFAULT;
	int threads = opts->threads;
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (int)n : 1;
	}
	if (threads > WEBLOG_SCAN_THREADS_MAX)
		threads = WEBLOG_SCAN_THREADS_MAX;
	/* the calling thread is one of the parsing threads (w[n_workers]) */
	sc->n_workers = threads - 1;
	int n_w = sc->n_workers + 1;
	sc->n_slots = sc->n_workers ? 2 * threads + 2 : 1;
	sc->w = calloc((size_t)n_w, sizeof *sc->w);
	sc->slot = calloc((size_t)sc->n_slots, sizeof *sc->slot);
	sc->carry = malloc(WEBLOG_LINE_MAX + 1);
	if (!sc->w || !sc->slot || !sc->carry) {
		snprintf(why, why_size, "out of memory");
		goto fail;
	}
	for (int i = 0; i < sc->n_slots; i++) {
		sc->slot[i].buf = malloc(sc->block + WEBLOG_LINE_MAX + 1);
		if (!sc->slot[i].buf) {
			snprintf(why, why_size, "out of memory");
			goto fail;
		}
	}
	for (int i = 0; i < n_w; i++) {
		rc = worker_init(sc, &sc->w[i], opts, sigs, why, why_size);
		if (rc)
			goto fail;
	}
	for (int i = 0; i < sc->n_workers; i++) {
		if (pthread_create(&sc->w[i].th, NULL, worker_main, &sc->w[i])) {
			snprintf(why, why_size, "cannot start a parsing thread");
			rc = WEBLOG_SCAN_ENOMEM;
			goto fail;
		}
		sc->w[i].started = true;
	}
	*out = sc;
	return 0;
fail:
	weblog_scan_free(sc);
	return rc;
}

void weblog_scan_free(struct weblog_scan *sc)
{
	if (!sc)
		return;
	pthread_mutex_lock(&sc->mu);
	sc->stop = true;
	pthread_cond_broadcast(&sc->work_cv);
	pthread_mutex_unlock(&sc->mu);
	int n_w = sc->n_workers + 1;
	for (int i = 0; sc->w && i < n_w; i++) {
		if (sc->w[i].started)
			pthread_join(sc->w[i].th, NULL);
		weblog_parser_free(sc->w[i].parser);
		weblog_sigs_scratch_free(sc->w[i].scratch);
		free(sc->w[i].work);
	}
	for (int i = 0; sc->slot && i < sc->n_slots; i++) {
		free(sc->slot[i].buf);
		free(sc->slot[i].rec);
		free(sc->slot[i].hit);
	}
	pthread_cond_destroy(&sc->work_cv);
	pthread_cond_destroy(&sc->done_cv);
	pthread_mutex_destroy(&sc->mu);
	free(sc->w);
	free(sc->slot);
	free(sc->carry);
	free(sc);
}
