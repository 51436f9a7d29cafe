/*
 * Internals shared by the files of src/audit: the line format (record.c), signed
 * checkpoints and the head anchor (checkpoint.c), segment files (segment.c), tail
 * recovery (recover.c), the writer (writer.c), delivery to projections and
 * listeners (deliver.c, project.c), and the fault-injection seams tests use.
 */
#ifndef CANHGAC_AUDIT_AUDIT_INT_H
#define CANHGAC_AUDIT_AUDIT_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "audit/audit.h"
#include "audit/sign.h"
#include "core/clock.h"
#include "core/datadir.h"

#define AUDIT_HASH_BYTES 32
#define AUDIT_HASH_HEX (2 * AUDIT_HASH_BYTES + 1)
#define AUDIT_LINE_MAX (64 * 1024) /* a record line with its hash; longer lines are damage */
/* What the writer adds to an event's record: seq, time, prev, hash, newline. */
#define AUDIT_CHAIN_FIELDS_MAX 256
_Static_assert(AUDIT_RECORD_MAX + AUDIT_CHAIN_FIELDS_MAX <= AUDIT_LINE_MAX, "a full record fits a line");
/* Canonical serialisation: sorted keys, no whitespace, shortest exact reals. */
#define AUDIT_JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17))
#define AUDIT_SEGMENT_NAME_MAX 64

/* Fault-injection seam: every byte the writer puts into a segment goes through
 * these. Tests replace them to fake ENOSPC or EIO, then restore them with
 * audit_io_reset(). Not for production use. */
struct audit_io {
	ssize_t (*write)(int fd, const void *buf, size_t n);
	int (*fdatasync)(int fd);
};
extern struct audit_io audit_io;
void audit_io_reset(void);

/* Knobs for tests and the benchmark; read when a writer opens. */
struct audit_tuning {
	size_t batch_max;    /* records per fdatasync (1 = one fdatasync per record) */
	int checkpoint_ms;   /* a checkpoint at least this often while records arrive */
	int retry_ms;        /* how often a failed writer probes the disk again */
};
extern struct audit_tuning audit_tuning;

/* ---- record.c: one line of a segment ---- */

enum audit_line_kind { AUDIT_LINE_RECORD = 1, AUDIT_LINE_CHECKPOINT = 2 };

struct audit_parsed {
	enum audit_line_kind kind;
	json_t *json;              /* owned: the record, or the inner checkpoint object */
	uint64_t seq;              /* record's seq, or the seq a checkpoint covers */
	unsigned char hash[AUDIT_HASH_BYTES]; /* record's hash, or the hash a checkpoint covers */
	unsigned char prev[AUDIT_HASH_BYTES]; /* records only */
	unsigned char sig[AUDIT_SIGN_BYTES];  /* checkpoints only */
	int64_t time;
};

/* BLAKE2b-256 over prev || body. */
void audit_record_hash(const unsigned char prev[AUDIT_HASH_BYTES], const char *body, size_t len,
		       unsigned char out[AUDIT_HASH_BYTES]);

/* Serialises `rec` (every field but hash, including prev) canonically, computes
 * its hash into `hash` and returns the complete line with its '\n' (malloc'd; the
 * caller frees) and its length in *len; NULL when it cannot be serialised. */
/* A growable byte buffer (the writer's batch). */
struct audit_buf {
	char *data;
	size_t len, cap;
};
int audit_buf_add(struct audit_buf *b, const char *s, size_t n);

/* Appends the line of `rec` chained to `prev` (the same bytes audit_record_line
 * returns) to b, without a copy of its own; its hash goes to `hash`. Returns the
 * line's length, or 0 (b unchanged) when it cannot be built or would be longer
 * than `max` bytes. */
size_t audit_record_append(struct audit_buf *b, const json_t *rec, const unsigned char prev[AUDIT_HASH_BYTES],
			   unsigned char hash[AUDIT_HASH_BYTES], size_t max);
char *audit_record_line(const json_t *rec, const unsigned char prev[AUDIT_HASH_BYTES],
			unsigned char hash[AUDIT_HASH_BYTES], size_t *len);

/* Parses one complete line (without its '\n'). Records: the fields and types,
 * the canonical form, and hash == BLAKE2b(prev || body) (not the link to the
 * previous record). Checkpoints: the fields (not the signature). 0, or -1 with
 * a reason. On success the caller frees with audit_parsed_free. */
int audit_line_parse(const char *line, size_t len, struct audit_parsed *out, char *why,
		     size_t why_size);
void audit_parsed_free(struct audit_parsed *p);

int audit_hex_decode(const char *hex, unsigned char *out, size_t n);

/* ---- checkpoint.c ---- */

/* A signed checkpoint line (with '\n') covering record `seq` of hash `hash` at
 * time `t`. malloc'd, caller frees; NULL on failure. */
char *audit_checkpoint_line(const unsigned char *sk, uint64_t seq,
			    const unsigned char hash[AUDIT_HASH_BYTES], int64_t t, size_t *len);

/* 0 when the parsed checkpoint's signature is valid under pk. */
int audit_checkpoint_check(const struct audit_parsed *p, const unsigned char pk[AUDIT_SIGN_PK_BYTES]);

/* DATA/audit/head: the newest checkpoint line, replaced atomically (write a
 * temporary file, fsync, rename, fsync the directory) after it is durable in the
 * segment. 0 or -1. */
int audit_head_write(const char *audit_dir, const char *line, size_t len);

/* Reads and parses DATA/audit/head. 0 with *present; -1 with why when it exists
 * but cannot be read or parsed. */
int audit_head_read(const char *audit_dir, struct audit_parsed *out, bool *present, char *why,
		    size_t why_size);

/* ---- segment.c ---- */

struct audit_segment {
	char name[AUDIT_SEGMENT_NAME_MAX];
	char path[DATADIR_PATH_MAX];
	uint64_t first_seq;
	int64_t day; /* local day of its records */
	bool archived;
};

/* "seg-<first seq, 20 digits>-<local date YYYYMMDD>.jsonl" */
int audit_segment_name(uint64_t first_seq, int64_t day, char *out, size_t size);
int audit_segment_parse_name(const char *name, uint64_t *first_seq, int64_t *day);

/* Every segment of DATA/audit/archive and DATA/audit, sorted by first seq. *out is
 * malloc'd (caller frees; NULL when none). 0, or -1 with why. */
int audit_segment_list(const char *audit_dir, struct audit_segment **out, size_t *n, char *why,
		       size_t why_size);

/* Calls fn for each line of the file at `path`: `complete` is false only for an
 * unterminated last line. `offset` is where the line starts. Stops when fn returns
 * non-zero and returns it; -1 with why when the file cannot be read. */
typedef int (*audit_line_fn)(const char *line, size_t len, bool complete, off_t offset,
			     size_t lineno, void *arg);
int audit_segment_each_line(const char *path, audit_line_fn fn, void *arg, char *why,
			    size_t why_size);

/* Moves segments of DATA/audit whose day is more than `months` calendar months
 * before `now` into DATA/audit/archive/ (never deletes), except `keep_name`.
 * Returns how many were moved, or -1. */
int audit_segment_archive_old(const char *audit_dir, int months, int64_t now,
			      const char *keep_name);

/* DATA/audit/.lock: one writer (or reindex) per chain. 0 with *fd, or
 * AUDIT_EUNAVAILABLE with why when another process holds it. */
int audit_lock_acquire(const char *audit_dir, int *fd, char *why, size_t why_size);

/* ---- recover.c ---- */

struct audit_tail {
	uint64_t last_seq;       /* first_seq - 1 when the segment holds no record */
	unsigned char last_hash[AUDIT_HASH_BYTES];
	bool have_hash;          /* last_hash is known (a record or a checkpoint was seen) */
	uint64_t checkpoint_seq; /* last seq covered by a checkpoint line in this segment */
	off_t size;              /* after any cut */
	bool cut;                /* a torn tail was removed */
};

/* Scans the segment at `path`, whose first record must have seq `first_seq`,
 * checks the seq and hash links of each line, and cuts an unterminated last line
 * with ftruncate (logged). 0, or -1 with why when a complete line is damaged (the
 * writer must not extend a damaged chain). */
int audit_recover_segment(const char *path, uint64_t first_seq, struct audit_tail *out, char *why,
			  size_t why_size);

/* ---- writer.c / audit.c: the writer ---- */

struct audit_req {
	json_t *rec;            /* the caller's; the writer fills seq, time, prev, hash */
	uint64_t seq;
	int rc;
	bool done;
	pthread_cond_t cv;      /* the caller's own: the writer wakes only the callers it has finished */
	struct audit_req *next;
	audit_done_fn done_fn;  /* audit_append_async: called instead of cv, then the req is freed */
	void *done_arg;
};

struct audit {
	char data_dir[DATADIR_PATH_MAX];
	char dir[DATADIR_PATH_MAX];        /* DATA/audit */
	struct store *st;
	uint64_t segment_max;              /* bytes */
	uint64_t checkpoint_records;
	int retention_months;
	size_t batch_max;
	int checkpoint_ms, retry_ms;
	unsigned char *sk;                 /* from audit_sign_load_secret */
	int lock_fd;

	/* Shared between callers and the writer, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t work, space; /* work uses CLOCK_MONOTONIC */
	struct audit_req *head, *tail;
	size_t queued;
	bool closing;
	_Atomic bool available;
	_Atomic uint64_t durable_seq;
	pthread_t thread;
	bool thread_started;

	/* The writer thread's own (and audit_open's before the thread starts). */
	int fd;                            /* current segment, O_APPEND; -1 none */
	char seg_path[DATADIR_PATH_MAX];
	char seg_name[AUDIT_SEGMENT_NAME_MAX];
	uint64_t seg_first_seq;
	int64_t seg_day;
	uint64_t seg_size;
	uint64_t last_seq;
	unsigned char last_hash[AUDIT_HASH_BYTES];
	uint64_t cp_seq;                   /* last seq covered by a durable checkpoint */
	int64_t unsigned_since_ms;         /* monotonic; 0 when every record is signed */
	bool broken;                       /* a write failed; recover before the next */
	int64_t next_retry_ms;
	struct audit_req **batch;
	json_t **recs;                     /* committed records of a batch, for delivery */
	struct audit_buf out;              /* the lines of the batch being written */
	struct audit_deliver *deliver;
};

/* Loads the chain's state from the newest segment (recovering its tail) and opens
 * it for append. 0, or an enum audit_err with why. */
int audit_writer_load(struct audit *a, char *why, size_t why_size);

/* Writes a checkpoint covering the last record when it is not yet signed. 0 or -1. */
int audit_writer_checkpoint(struct audit *a);

/* The writer thread. */
void *audit_writer_main(void *arg);

/* ---- deliver.c ---- */

struct audit_deliver;
struct audit_deliver *audit_deliver_start(struct store *st, bool use_syslog, uint64_t projected_seq);
/* Queues a committed record, stealing the caller's reference; blocks while
 * AUDIT_DELIVER_MAX wait. */
void audit_deliver_push(struct audit_deliver *d, json_t *record);
/* The same for n records in seq order, under one lock (a committed batch). */
void audit_deliver_push_many(struct audit_deliver *d, json_t **records, size_t n);
int audit_deliver_subscribe(struct audit_deliver *d, audit_listener fn, void *arg);
/* Delivers what is queued, stops the thread, frees d. */
void audit_deliver_stop(struct audit_deliver *d);
/* Waits until the projections cover `seq` (flushing the gathered records at
 * once); 0, or -1 after timeout_ms. */
int audit_deliver_sync(struct audit_deliver *d, uint64_t seq, int timeout_ms);

/* ---- forward.c: syslog ---- */
void audit_forward_open(void);
void audit_forward_records(json_t *const *recs, size_t n);
void audit_forward_close(void);

/* ---- project.c ---- */

/* Projects committed records into the store and advances its high-water mark to
 * the last one's seq. 0 or a store error. */
int audit_project_records(struct store *st, json_t *const *recs, size_t n);

/* Projects the records of the log after the store's high-water mark. */
int audit_project_catch_up(const char *data_dir, struct store *st, char *why, size_t why_size);

#endif
