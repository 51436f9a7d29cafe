/*
 * Dossiers (hồ sơ): the purpose a citizen lookup is bound to. At a one-stop desk
 * an officer looks a citizen up because a dossier was received; the dossier names
 * the procedure, the receiving agency and the persons in it, and a lookup is
 * allowed only inside that binding (dossier_check). Dossiers come from a backend
 * behind one interface, like the population: the embedded store (imported with
 * `canhgac dossier import` or pushed by the one-stop system to POST
 * /api/v1/dossiers) or the one-stop system itself over HTTP. No HTTP handling
 * here; the upstream backend is an HTTP client.
 */
#ifndef CANHGAC_DOSSIER_DOSSIER_H
#define CANHGAC_DOSSIER_DOSSIER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store_dossiers.h"

struct config;
struct store;
struct procedures;
struct dossier_matcher;

/* A dossier as every part of canhgac sees it (the store's row type). */
typedef struct store_dossier dossier_t;

enum dossier_err {
	DOSSIER_OK = 0,
	DOSSIER_ENOTFOUND = -1,     /* no such dossier: a refusal */
	DOSSIER_EUNAVAILABLE = -2,  /* the backend could not answer: fail closed (503) */
	DOSSIER_EINVAL = -3,        /* bad input (with a reason) */
	DOSSIER_EINTERNAL = -4,
};

/* Why a lookup is refused inside a dossier that exists (dossier_check). */
enum dossier_verdict {
	DOSSIER_ALLOW = 0,
	DOSSIER_NOT_FOUND,          /* 403 dossier_not_found */
	DOSSIER_CLOSED,             /* 403 dossier_closed: closed beyond [dossier] grace_days */
	DOSSIER_PROCEDURE_MISMATCH, /* 403 dossier_procedure_mismatch */
	DOSSIER_OTHER_AGENCY,       /* 403 dossier_other_agency */
	DOSSIER_CITIZEN_NOT_IN,     /* 403 citizen_not_in_dossier */
};

/* The stable English code of a verdict ("dossier_closed"); "ok" for ALLOW. */
const char *dossier_verdict_code(enum dossier_verdict v);

/* True for received, processing and awaiting_supplement; false for returned,
 * closed and cancelled. dossier_status_valid: one of the six. */
bool dossier_status_open(const char *status);
bool dossier_status_valid(const char *status);

/* The rule of a purpose-bound lookup: the dossier is open (or closed less than
 * grace_days before now), its procedure is the lookup's, its agency is the
 * officer's (or the officer is one of its assigned officers), and the citizen is
 * one of its persons. Checked in that order; the first failure is the verdict. */
enum dossier_verdict dossier_check(const dossier_t *d, const char *procedure_code, const char *agency,
				   const char *username, const char *citizen_id, int64_t now, int grace_days);

/* ---- The dossier as untrusted input ---------------------------------------- */

/* What a dossier's fields are checked against: the code's shape, the known
 * procedures, and optionally the known agencies (a store to look them up in). */
struct dossier_rules {
	const struct dossier_matcher *codes;
	const struct procedures *procedures;
	struct store *agencies;     /* NULL: the agency code's shape only */
	int64_t now;
};

/* Fills *d from a JSON object {code, procedure_code, agency, status, received_at,
 * closed_at?, persons: [{citizen_id, role}], officers?: [username]}. Every field
 * is checked (shape, size, known procedure, valid citizen ids, at most
 * STORE_DOSSIER_PERSONS_MAX persons); on failure returns DOSSIER_EINVAL and writes
 * which field and why into `why`. `source` is stored with it ("import", "api"). */
int dossier_from_json(const json_t *obj, const struct dossier_rules *rules, const char *source, dossier_t *d,
		      char *why, size_t why_size);

/* The dossier as the API shows it (a new object). */
json_t *dossier_to_json(const dossier_t *d);

/* ---- Import (CSV or JSON lines, all or nothing) ------------------------------- */

/* Bounds of one import: a larger feed is split into several files. */
#define DOSSIER_IMPORT_ROWS_MAX 50000
#define DOSSIER_IMPORT_BYTES_MAX (32L * 1024 * 1024)
#define DOSSIER_IMPORT_LINE_MAX 16384

struct dossier_batch {
	dossier_t *items;
	size_t n, cap;
};
void dossier_batch_free(struct dossier_batch *b);

/* Appends one parsed dossier; DOSSIER_EINVAL with a reason when the batch is full
 * (max items) or the code is already in it. */
int dossier_batch_add(struct dossier_batch *b, const dossier_t *d, size_t max, char *why, size_t why_size);

/* Reads a whole file of at most DOSSIER_IMPORT_BYTES_MAX; *text is NUL-terminated
 * and the caller's to free. 0 or DOSSIER_EINVAL with a sentence in why. */
int dossier_import_read_file(const char *path, char **text, size_t *len, char *why, size_t why_size);

/* Parses an import: JSON lines (one dossier object a line) when the first
 * non-blank character is '{', else CSV with a header line naming the columns
 * code, procedure_code, agency, status, received_at, closed_at, persons
 * ("id:role;id:role") and optionally officers ("user;user"). Every row is checked
 * with dossier_from_json; the first bad row stops the parse with its line number
 * in why and *out empty. Blank lines and, in CSV, lines starting with '#' are
 * skipped. */
int dossier_import_parse(const char *text, size_t len, const struct dossier_rules *rules, const char *source,
			 struct dossier_batch *out, char *why, size_t why_size);

struct audit;

struct dossier_import_result {
	size_t rows, inserted, updated;
	uint64_t audit_seq;
	char digest[65];              /* BLAKE2b-256 of the imported text, hex */
};

/* Stores a parsed batch in one transaction, audited first: a `dossier_import`
 * record (actor, source label, rows, digest) must be durable before anything is
 * written; if the store then fails, a `dossier_import_failed` record follows and
 * nothing is stored. `text` (may be NULL) is what the digest is taken of. */
int dossier_import_apply(struct store *st, struct audit *audit, const struct dossier_batch *b, const char *text,
			 size_t len, const char *actor, const char *ip, const char *label,
			 struct dossier_import_result *res, char *why, size_t why_size);

/* ---- Synthetic dossiers and the hand-over to a running server --------------- */

/* Makes `count` open dossiers of `agency` over citizens of the embedded
 * population (one to three persons each, at random), spread over the known
 * procedures, received in the last 30 days, as JSON lines in *text (the caller
 * frees it): what `dossier import` reads. For demos, tests and benchmarks. */
int dossier_generate(struct store *st, const struct procedures *procs, const char *agency, size_t count,
		     int64_t now, char **text, size_t *len, char *why, size_t why_size);

/* The spool through which an operator's command hands an import to a running
 * server (the only audit writer): DATA/spool/NAME.dossiers is picked up by the
 * server, imported and audited, and its result written to DATA/spool/NAME.result
 * (JSON: {ok, rows, inserted, updated, audit_seq, digest} or {ok: false, error}). */
struct dossier_spool;
struct audit;

/* Hands `text` to the server of data_dir and waits up to wait_seconds for the
 * result. 0 with *result (the caller's to json_decref), or -1 with why. */
int dossier_spool_submit(const char *data_dir, const char *text, size_t len, const char *actor, const char *label,
			 int wait_seconds, json_t **result, char *why, size_t why_size);

/* The server side: a thread that imports what is spooled, with `rules` (copied;
 * its pointers must outlive the spool) into st, audited in `audit`. */
int dossier_spool_start(const char *data_dir, const struct dossier_rules *rules, struct store *st,
			struct audit *audit, struct dossier_spool **out, char *why, size_t why_size);
void dossier_spool_stop(struct dossier_spool *sp);

/* ---- Backends --------------------------------------------------------------- */

struct dossier_backend;

/* Opens the backend of cfg->dossier.backend: "embedded" reads `st` (which must
 * outlive it), "upstream" asks cfg->dossier.upstream_url. 0, or -1 with a
 * sentence in why. */
int dossier_backend_open(const struct config *cfg, struct store *st, struct dossier_backend **out, char *why,
			 size_t why_size);
void dossier_backend_close(struct dossier_backend *b);
const char *dossier_backend_name(const struct dossier_backend *b);
/* True when a get can wait on the network (the upstream). */
bool dossier_backend_blocks(const struct dossier_backend *b);

/* The dossier `code`: DOSSIER_OK with *out filled, DOSSIER_ENOTFOUND, or
 * DOSSIER_EUNAVAILABLE. Thread-safe. */
int dossier_get(struct dossier_backend *b, const char *code, dossier_t *out);

#endif
