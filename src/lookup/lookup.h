/*
 * The lookup service: the gateway's main job. One citizen lookup, bound to a
 * dossier and a procedure, within the caller's quotas, recorded durably in the
 * audit log before a single field leaves, answering only the fields the
 * procedure needs. No HTTP here: src/http/h_lookups.c turns results into answers.
 */
#ifndef CANHGAC_LOOKUP_LOOKUP_H
#define CANHGAC_LOOKUP_LOOKUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dossier/dossier_code.h"
#include "quota/quota.h"

struct config;
struct store;
struct audit;
struct population;
struct procedures;

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
};

struct lookup_service {
	const struct config *cfg;
	struct store *st;
	struct audit *audit;
	struct quota *quota;
	struct population *population;
	struct procedures *procedures;
	struct dossier_matcher dossier;
};

/* Opens the procedures, the dossier matcher, the quota state and the population
 * backend. 0 or -1 with a sentence in why. */
int lookup_service_open(struct lookup_service *s, const struct config *cfg, struct store *st,
			struct audit *audit, char *why, size_t why_size);
void lookup_service_close(struct lookup_service *s);

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
};

int lookup_run(struct lookup_service *s, const struct lookup_request *rq, struct lookup_result *out);

/* lookup_run in two halves, so the thread that started it need not wait for the
 * audit record's fdatasync. lookup_start does everything up to queueing the
 * record; it returns LOOKUP_PENDING when the record is queued (then done(arg) is
 * called once, from the audit writer thread, and lookup_finish gives the result),
 * or the final code with *out filled (done is not called). The request's strings
 * must stay valid until lookup_finish. */
#define LOOKUP_PENDING 1
struct lookup_pending {
	struct lookup_service *s;
	struct lookup_request rq;
	const struct procedure *pr;
	int64_t now_ms;
	int pop_rc;
	json_t *record;
	int audit_rc;
	uint64_t audit_seq;
	void (*done)(void *arg);
	void *arg;
};
int lookup_start(struct lookup_service *s, const struct lookup_request *rq, struct lookup_pending *p,
		 void (*done)(void *arg), void *arg, struct lookup_result *out);
/* After done: the result, as lookup_run would have returned it, into the same
 * *out that lookup_start filled (it holds the quota usage). */
int lookup_finish(struct lookup_pending *p, struct lookup_result *out);

/* True when the population backend can block for long (the HTTP upstream), so a
 * lookup must not run on an HTTP thread. */
bool lookup_backend_blocks(const struct lookup_service *s);

#endif
