/*
 * What the access review of an agency reads in one pass: each account with its
 * second-factor state, its last lookup and its lookups of today and of the month
 * (from the audit projections). Part of the store interface (included by
 * store/store.h); the review itself is built in src/review/.
 */
#ifndef CANHGAC_STORE_STORE_REVIEW_H
#define CANHGAC_STORE_STORE_REVIEW_H

#include <stdint.h>

#include "store/store_accounts.h"

enum store_totp_state { STORE_TOTP_NONE = 0, STORE_TOTP_PENDING = 1, STORE_TOTP_ENABLED = 2 };

struct store_review_row {
	struct store_user user;      /* password_hash and lockout counters left empty */
	int totp;                    /* enum store_totp_state */
	int recovery_left;           /* unused recovery codes */
	int64_t last_lookup_at;      /* 0: never */
	int64_t used_today;          /* lookups of local day `today` */
	int64_t used_month;          /* lookups of local days month_first..today */
};

/* Calls fn for each account of `agency`, by username; stops when fn returns
 * non-zero. `today` and `month_first` are local day numbers. */
int store_review_accounts(struct store *st, const char *agency, int64_t today, int64_t month_first,
			  int (*fn)(const struct store_review_row *r, void *arg), void *arg);

/* Lookups of an agency over local days first..last (inclusive). */
int store_review_agency_usage(struct store *st, const char *agency, int64_t first, int64_t last, int64_t *n);

#endif
