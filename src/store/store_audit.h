/*
 * Projections of the audit log: lookups by citizen, by user and by agency, and
 * lookup counts per user and per agency per local day. Part of the store
 * interface (included by store/store.h). Only src/audit writes these (from
 * committed records); everyone may read them.
 */
#ifndef CANHGAC_STORE_STORE_AUDIT_H
#define CANHGAC_STORE_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_AUDIT_ACTOR_MAX 129
#define STORE_AUDIT_FIELD_MAX 129

struct store_audit_lookup {
	int64_t seq;
	int64_t time;                          /* UTC unix seconds */
	int64_t local_day;                     /* clock_local_day(time) */
	char actor[STORE_AUDIT_ACTOR_MAX];
	char agency[STORE_AUDIT_FIELD_MAX];    /* "" when none */
	char ip[STORE_AUDIT_FIELD_MAX];
	char citizen_id[STORE_AUDIT_FIELD_MAX];
	char dossier_code[STORE_AUDIT_FIELD_MAX];
	char procedure_code[STORE_AUDIT_FIELD_MAX];
	char outcome[STORE_AUDIT_FIELD_MAX];
};

/* Filters of a lookup query; NULL / 0 means "any". Newest first. */
struct store_audit_query {
	const char *username;
	const char *citizen_id;
	const char *agency;
	int64_t from;        /* time >= from (UTC seconds) when non-zero */
	int64_t to;          /* time < to when non-zero */
	int64_t before_seq;  /* seq < before_seq when non-zero (paging) */
	int limit;           /* 1..10000; 0 means 100 */
};

typedef int (*store_audit_lookup_fn)(const struct store_audit_lookup *l, void *arg);

/* Adds `n` lookup rows (and their daily counts) and sets the high-water mark to
 * `upto_seq`, in one transaction. Rows with seq <= the current mark are skipped,
 * so replaying a record is harmless. */
int store_audit_project(struct store *st, const struct store_audit_lookup *rows, size_t n,
			int64_t upto_seq);

/* Highest seq projected (0 when none). */
int store_audit_projected_seq(struct store *st, int64_t *out);

/* Empties every projection and the high-water mark (reindex). */
int store_audit_reset(struct store *st);

/* Calls fn for each matching lookup, newest first; stops when fn returns non-zero. */
int store_audit_lookups(struct store *st, const struct store_audit_query *q,
			store_audit_lookup_fn fn, void *arg);
int store_audit_lookups_by_citizen(struct store *st, const char *citizen_id, int limit,
				   store_audit_lookup_fn fn, void *arg);
int store_audit_lookups_by_user(struct store *st, const char *username, int limit,
				store_audit_lookup_fn fn, void *arg);
int store_audit_lookups_by_agency(struct store *st, const char *agency, int limit,
				  store_audit_lookup_fn fn, void *arg);

/* Lookups of a user / an agency on local day `day` (clock_local_day); 0 when none. */
int store_audit_daily_count_user(struct store *st, const char *username, int64_t day, int64_t *n);
int store_audit_daily_count_agency(struct store *st, const char *agency, int64_t day, int64_t *n);

/* Calls fn(username, day, count) for every user's daily count on local days >=
 * from_day (the detector's 30-day baselines); fn must not call the store and
 * stops the walk by returning non-zero. */
typedef int (*store_audit_daily_fn)(const char *username, int64_t day, int64_t count, void *arg);
int store_audit_daily_users_since(struct store *st, int64_t from_day, store_audit_daily_fn fn, void *arg);

#endif
