/*
 * Internals of the quota module shared by its files: the bounded hash table of
 * users and of agencies (table.c), the GCRA arithmetic (gcra.c) and the seeding
 * of state from the store's audit projections (seed.c). Times are microseconds
 * here, so that T = 60 s / limit is exact enough for any limit we accept.
 */
#ifndef CANHGAC_QUOTA_QUOTA_INT_H
#define CANHGAC_QUOTA_QUOTA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quota/quota.h"

#define QUOTA_US_PER_S INT64_C(1000000)
#define QUOTA_MINUTE_US (60 * QUOTA_US_PER_S)

/* One user or one agency. Agencies use only the day fields. */
struct quota_entry {
	char key[QUOTA_NAME_MAX + 1];
	uint64_t hash;
	int32_t next;          /* next in the bucket chain, or in the free list; -1 ends */
	bool in_use;
	bool day_seeded;       /* day_used holds the store's count for `day` plus our takes */
	bool minute_seeded;    /* tat_us includes the store's lookups of the last minute */
	int64_t day;           /* local day that day_used counts */
	int64_t day_used;
	int64_t tat_us;        /* GCRA theoretical arrival time */
	int64_t emission_us;   /* T of the last take, so a refund can give it back */
};

/* Chained hash table over a fixed pool of `cap` entries: no allocation after
 * init, so a flood of names cannot grow memory. */
struct quota_table {
	const char *what;      /* "user" or "agency", for log lines */
	const char *bound;     /* the name of its bound in quota.h, for log lines */
	struct quota_entry *entries;
	int32_t *buckets;      /* mask + 1 heads, -1 when empty */
	size_t cap, count, mask;
	int32_t free_head;
	int64_t sweep_day;     /* a sweep on this day freed nothing ... */
	int64_t sweep_after_us;/* ... so the next waits until then (or a new day) */
};

int quota_table_init(struct quota_table *t, const char *what, const char *bound, size_t cap);
void quota_table_free(struct quota_table *t);
/* The entry of key, or NULL. */
struct quota_entry *quota_table_find(struct quota_table *t, const char *key, uint64_t hash);
/* A new entry for key on `day` (caller checked it is absent). When the pool is full,
 * evicts entries of past days (those whose GCRA is idle first); when every entry is
 * of today, returns QUOTA_ESTATE and logs. */
int quota_table_insert(struct quota_table *t, const char *key, uint64_t hash, int64_t day,
		       int64_t now_us, struct quota_entry **out);

/* T for a per-minute limit (1..QUOTA_MINUTE_LIMIT_MAX). */
int64_t quota_gcra_emission(int limit);
/* Whether one more cell conforms at now: *new_tat gets the TAT after taking it,
 * and *wait_us (when it does not conform) how long until it would. */
bool quota_gcra_conform(int64_t tat, int64_t now, int64_t t, int limit, int64_t *new_tat,
			int64_t *wait_us);
/* Cells held at now: ceil((tat - now) / T), within 0..limit. */
int quota_gcra_used(int64_t tat, int64_t now, int64_t t, int limit);

/* What to read from the store for one user and agency, and what was read. */
struct quota_seed {
	bool want_minute, want_user_day, want_agency_day;
	int64_t user_day, agency_day;          /* the local days to count */
	int64_t tat_us;                        /* out: GCRA state replayed from the last minute */
	int64_t user_day_used, agency_day_used;/* out: committed lookups on those days */
};

/* Reads what `s` wants (store_audit_daily_count_user / _agency, store_audit_lookups
 * of the last 60 s). QUOTA_OK or QUOTA_ESTATE (logged). */
int quota_seed_read(struct store *st, const char *username, const char *agency, int64_t now_us,
		    int64_t t, struct quota_seed *s);

#endif
