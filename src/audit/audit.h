/*
 * The tamper-evident audit log: the source of truth for who saw what. Records are
 * appended by one writer thread to hash-chained JSON-line segments under
 * DATA/audit/, made durable in groups (one fdatasync per batch) and covered by
 * Ed25519-signed checkpoints; a caller of audit_append gets its seq back only once
 * its record is on disk. Committed records then feed the SQLite projections
 * (lookups by citizen, user, agency; daily counts) and the subscribed listeners.
 * The file format is specified in docs/AUDIT.md.
 */
#ifndef CANHGAC_AUDIT_AUDIT_H
#define CANHGAC_AUDIT_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct store;

enum audit_err {
	AUDIT_OK = 0,
	AUDIT_EUNAVAILABLE = -1, /* cannot write: disk full, I/O error (fail closed) */
	AUDIT_EINVAL = -2,       /* bad event: type, field too long, payload not an object */
	AUDIT_ECLOSED = -3,      /* audit_close has begun */
	AUDIT_ETAMPERED = -4,    /* audit_verify: the chain or a signature is wrong */
	AUDIT_EIO = -5,          /* a file could not be read, a key is missing */
};

/* Bounds of an event (AUDIT_EINVAL beyond them). */
#define AUDIT_TYPE_MAX 48      /* [a-z0-9_.], non-empty */
#define AUDIT_ACTOR_MAX 128
#define AUDIT_AGENCY_MAX 32
#define AUDIT_IP_MAX 64
#define AUDIT_RECORD_MAX (60 * 1024) /* one serialised record, bytes */

/* Callers block in audit_append while this many records wait for the writer. */
#define AUDIT_QUEUE_MAX 4096

struct audit;

struct audit_event {
	const char *type;   /* "lookup", "signin_ok", "signin_fail", "account_lock", ... */
	const char *actor;  /* username, or "-" / "system"; NULL means "-" */
	const char *agency; /* agency code or NULL */
	const char *ip;     /* client address or NULL */
	json_t *payload;    /* an object or NULL; serialised canonically. The log takes a
			     * reference: do not change the object after the call */
};

/* Opens the log of `data_dir`: takes DATA/audit/.lock (one writer per chain),
 * loads the signing key, recovers a torn tail of the newest segment (cut and
 * logged), checks the chain of that segment, archives segments older than
 * cfg->audit.retention_months, brings the projections in `st` (may be NULL) up to
 * the log, and starts the writer and delivery threads. On failure returns an
 * enum audit_err and a sentence saying what to do in `why`. *out is the caller's:
 * audit_close it. `cfg` is copied. */
int audit_open(const char *data_dir, const struct config *cfg, struct store *st,
	       struct audit **out, char *why, size_t why_size);

/* Appends one record and blocks until it is durable (group commit). On success
 * *seq_out (may be NULL) gets its seq. AUDIT_EUNAVAILABLE when it cannot be
 * written: the caller must not release the data the record was about. The
 * event's strings and payload are copied; the caller keeps ownership. */
int audit_append(struct audit *a, const struct audit_event *ev, uint64_t *seq_out);

/* Called once per audit_append_async, on the writer thread, when the record is
 * durable (rc AUDIT_OK, its seq) or refused (an error, seq 0). It must be quick:
 * the next batch waits for it. */
typedef void (*audit_done_fn)(void *arg, int rc, uint64_t seq);

/* audit_append without the wait: queues the event (blocking only while
 * AUDIT_QUEUE_MAX records wait) and returns AUDIT_OK; `done` tells the outcome
 * later. Any other return means it was not queued and `done` will not be called. */
int audit_append_async(struct audit *a, const struct audit_event *ev, audit_done_fn done, void *arg);

/* False from a failed write until the writer has recovered (it retries on the
 * next append and every couple of seconds). */
bool audit_is_available(struct audit *a);

/* Highest durable seq (0 for an empty log). */
uint64_t audit_last_seq(struct audit *a);

/* Called on the audit delivery thread (one thread, in seq order, after the record
 * is durable and projected) with the full record (seq, time, type, actor, agency,
 * ip, payload, prev, hash). `record` is borrowed for the call. A slow listener
 * delays projections and, once AUDIT_DELIVER_MAX records wait, the writer. */
/* The projections are written a little after the records (coalesced, at most
 * a fraction of a second): a search that must see every record answered so far
 * calls this first. Waits until they cover every durable record; 0, or -1 (and a
 * log line) after timeout_ms. Without a store it returns 0 at once. */
int audit_sync_projections(struct audit *a, int timeout_ms);

typedef void (*audit_listener)(const json_t *record, void *arg);
#define AUDIT_LISTENERS_MAX 8
#define AUDIT_DELIVER_MAX 65536

/* Adds a listener for records committed from now on. 0, or AUDIT_EINVAL when
 * AUDIT_LISTENERS_MAX are already subscribed. */
int audit_subscribe(struct audit *a, audit_listener fn, void *arg);

/* Refuses new appends, commits what is queued, writes a final checkpoint that
 * covers the last record, delivers everything, joins the threads and frees `a`. */
void audit_close(struct audit *a);

struct audit_verify_result {
	bool ok;
	uint64_t records;        /* records that chain correctly from seq 1 */
	uint64_t checkpoint_seq; /* last record covered by a valid signed checkpoint */
	uint64_t first_bad_seq;  /* when !ok: the first seq found wrong (or missing) */
	char reason[256];        /* when !ok: what is wrong and where */
};

/* Checks every segment (DATA/audit and DATA/audit/archive): seq continuity, each
 * prev/hash link, the canonical form of each line, every checkpoint signature, and
 * that the chain reaches the latest signed checkpoint (DATA/audit/head), so that a
 * truncation back to an earlier checkpoint is found. `pubkey` (32 bytes) or NULL
 * for DATA/keys/audit.pub. Returns 0 with res->ok true, AUDIT_ETAMPERED with
 * res->ok false and the first bad seq, or AUDIT_EIO (reason in res->reason) when
 * the log or the key cannot be read. Safe while the server writes. */
int audit_verify(const char *data_dir, const unsigned char *pubkey,
		 struct audit_verify_result *res);

/* Rebuilds the projections of `st` from the whole log. Refuses (AUDIT_EUNAVAILABLE
 * with why) while a writer holds the log. *records (may be NULL) gets how many
 * records were read. */
int audit_reindex(const char *data_dir, struct store *st, uint64_t *records, char *why,
		  size_t why_size);

/* Calls fn for each record (parsed, and its exact line without the newline) whose
 * seq >= from_seq, in seq order, across archive and live segments; stops when fn
 * returns non-zero and returns that value. Records are not verified here (use
 * audit_verify). 0, or AUDIT_EIO with why. */
typedef int (*audit_record_fn)(const json_t *record, const char *line, size_t len, void *arg);
int audit_read_records(const char *data_dir, uint64_t from_seq, audit_record_fn fn, void *arg,
		       char *why, size_t why_size);

const char *audit_strerror(int err);

/* True when another process holds the audit log of data_dir as its writer (a
 * running `canhgac serve`): an operator's command must then hand its change to
 * that server instead of writing itself. */
bool audit_writer_running(const char *data_dir);

#endif
