/*
 * The lookup service: the gateway's main job. One citizen lookup, bound to a
 * dossier and a procedure, within the caller's quotas, recorded durably in the
 * audit log before a single field leaves, answering only the fields the
 * procedure needs. One pipeline (lookup.c): validate → quota → dossier →
 * population → audit commit → fields → result, its state in one struct
 * (struct lookup_call), with an asynchronous form (lookup_start / lookup_finish,
 * for a caller that must not wait on the audit's fdatasync) and a synchronous
 * one built on it (lookup_run). No HTTP here: src/http/h_lookups.c turns results
 * into answers.
 */
#ifndef CANHGAC_LOOKUP_LOOKUP_H
#define CANHGAC_LOOKUP_LOOKUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dossier/dossier.h"
#include "dossier/dossier_code.h"
#include "quota/quota.h"

struct config;
struct store;
struct audit;
struct population;
struct procedures;
struct procedure;

enum lookup_err {
	LOOKUP_OK = 0,
	LOOKUP_EINVALID_ID = -1,        /* 400 invalid_citizen_id */
	LOOKUP_EINVALID_DOSSIER = -2,   /* 400 invalid_dossier_code */
	LOOKUP_EUNKNOWN_PROCEDURE = -3, /* 400 unknown_procedure */
	LOOKUP_ENOTFOUND = -4,          /* 404 citizen_not_found (audited) */
	LOOKUP_EQUOTA = -5,             /* 429 quota_exceeded */
	LOOKUP_EAUDIT = -6,             /* 503 audit_unavailable: nothing left the server */
	LOOKUP_EUPSTREAM = -7,          /* 502 upstream_error (audited) */
	LOOKUP_ETIMEOUT = -8,           /* 504 upstream_timeout (audited) */
	LOOKUP_ESTATE = -9,             /* 503: quota state unreadable, fail closed */
	LOOKUP_EINTERNAL = -10,
	LOOKUP_EREFUSED = -11,          /* 403, result.refusal: the dossier does not allow it (audited,
					 * quota kept) */
	LOOKUP_EDOSSIER_UNAVAILABLE = -12, /* 503 dossier_unavailable (audited, quota given back) */
};

struct lookup_service {
	const struct config *cfg;
	struct store *st;
	struct audit *audit;
	struct quota *quota;
	struct population *population;
	struct procedures *procedures;
	struct dossier_matcher dossier_codes;
	struct dossier_backend *dossiers;
	bool verify_dossiers;         /* [dossier] check = verify */
};

/* Opens the procedures, the dossier-code matcher, the dossier backend, the quota
 * state and the population backend. 0 or -1 with a sentence in why. */
int lookup_service_open(struct lookup_service *s, const struct config *cfg, struct store *st,
			struct audit *audit, char *why, size_t why_size);
void lookup_service_close(struct lookup_service *s);

/* True when a lookup can wait on the network (an upstream population or dossier
 * backend), so it must not run on an HTTP thread. */
bool lookup_service_blocks(const struct lookup_service *s);

struct lookup_request {
	const char *username, *agency, *ip;
	const char *citizen_id, *dossier_code, *procedure_code;
	struct quota_limits limits;   /* the caller's, overrides resolved */
};

struct lookup_result {
	json_t *citizen;              /* only the procedure's fields; the caller owns it */
	uint64_t audit_seq;
	struct quota_usage usage;
	enum quota_scope scope;       /* with LOOKUP_EQUOTA */
	int retry_after;              /* with LOOKUP_EQUOTA */
	const char *why;              /* with the 400s: what was wrong, in English */
	const char *refusal;          /* with LOOKUP_EREFUSED: dossier_not_found, dossier_closed, ... */
};

/* One lookup's whole state, from the request to the result. The caller provides
 * the memory and keeps it (and the request's strings) alive until the result. */
struct lookup_call {
	struct lookup_service *s;
	struct lookup_request rq;
	const struct procedure *pr;
	int64_t now_ms;
	bool dossier_checked;         /* the dossier was verified (check = verify) */
	enum dossier_verdict verdict;
	int dossier_rc;               /* DOSSIER_OK, or the backend's failure */
	int pop_rc;                   /* enum population_err; meaningful when the data is read */
	bool pop_read;
	json_t *record;               /* the citizen's record, until the audit says it may leave */
	int audit_rc;
	uint64_t audit_seq;
	void (*done)(void *arg);
	void *arg;
	struct lookup_result result;
};

/* Runs the pipeline up to the audit record. Returns LOOKUP_PENDING when the
 * record is queued: then done(arg) is called once, from the audit writer thread,
 * and lookup_finish gives the result. Any other return is the final code, with
 * call->result filled, and done is not called. */
#define LOOKUP_PENDING 1
int lookup_start(struct lookup_service *s, const struct lookup_request *rq, struct lookup_call *call,
		 void (*done)(void *arg), void *arg);

/* After done: the final code; call->result holds the rest. */
int lookup_finish(struct lookup_call *call);

/* The same pipeline, waiting for the audit record: the final code, call->result. */
int lookup_run(struct lookup_service *s, const struct lookup_request *rq, struct lookup_call *call);

#endif
