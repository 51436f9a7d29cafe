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
