/*
 * The audit search: the event projection (every committed record that is not a
 * lookup: sign-ins, account changes, staff changes, detector actions...) and a
 * search across it and the lookup projection, newest first. Part of the store
 * interface (included by store/store.h). Only src/audit writes the projection.
 */
#ifndef CANHGAC_STORE_STORE_AUDIT_EVENTS_H
#define CANHGAC_STORE_STORE_AUDIT_EVENTS_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_audit_lookup;

#define STORE_AUDIT_TYPE_MAX 49

struct store_audit_event {
	int64_t seq;
	int64_t time;                   /* UTC unix seconds */
	char type[STORE_AUDIT_TYPE_MAX];
	char actor[129];
	char agency[129];               /* "" when none */
	char ip[129];                   /* "" when none */
	const char *payload;            /* a JSON object as text; borrowed */
};

/* Adds every record of a batch of the log in one transaction with the lookup rows
 * and the high-water mark: store_audit_project with `events` (may be NULL/0)
 * beside the lookup rows. Events with seq <= the mark are skipped. */
int store_audit_project_all(struct store *st, const struct store_audit_lookup *rows, size_t n,
			    const struct store_audit_event *events, size_t n_events, int64_t upto_seq);

/* Filters of a search; NULL / 0 means "any". */
struct store_audit_search {
	const char *type;     /* exact; "lookup" searches the lookup projection only */
	const char *actor;
	const char *agency;
	int64_t from;         /* time >= from when non-zero */
	int64_t to;           /* time < to when non-zero */
	int64_t before_seq;   /* seq < before_seq when non-zero (paging) */
	int limit;            /* 1..1000; 0 means 100 */
};

/* Calls fn for each matching record of both projections, newest first (a lookup
 * comes with payload {citizen_id, dossier_code, procedure_code, outcome});
 * stops when fn returns non-zero. The event is valid for the call only. */
int store_audit_search(struct store *st, const struct store_audit_search *q,
		       int (*fn)(const struct store_audit_event *ev, void *arg), void *arg);

#endif
