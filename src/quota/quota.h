/*
 * Lookup quotas (issue 5): how many citizen lookups an officer may make per minute
 * and per local day, and an agency per local day. Per minute is a GCRA (generic
 * cell rate algorithm: emission interval T = 60 s / limit, burst = limit), so no
 * window edge lets a double burst through; per day are counters of local days in
 * Asia/Ho_Chi_Minh. State lives in memory, in bounded tables, and is seeded the
 * first time a user or agency is seen on a day from the audit projections (the
 * committed lookups), so a restart hands out neither a fresh day nor a fresh
 * minute. When that state cannot be read or kept, lookups are refused (fail
 * closed). Pure C: no HTTP, no SQL; the store is read through store/store.h.
 * Every function is thread-safe. docs/QUOTAS.md has the details.
 */
#ifndef CANHGAC_QUOTA_QUOTA_H
#define CANHGAC_QUOTA_QUOTA_H

#include <stdint.h>

struct store;
struct config;
struct store_user;
struct store_agency;

enum quota_err {
	QUOTA_OK = 0,
	QUOTA_EXCEEDED = -1,   /* a limit refuses the lookup: answer 429 */
	QUOTA_ESTATE = -2,     /* state unreadable or table full: fail closed (503) */
	QUOTA_EINVAL = -3,     /* bad argument: NULL or over-long name, limit out of range */
};

enum quota_scope { QUOTA_SCOPE_NONE = 0, QUOTA_USER_MINUTE, QUOTA_USER_DAY, QUOTA_AGENCY_DAY };

/* "user_minute", "user_day", "agency_day" (the API's `scope`), "" for NONE. */
const char *quota_scope_name(enum quota_scope s);

/* Default bounds of the in-memory tables (quota_new). About 112 bytes an entry,
 * so ~7.5 MiB at these bounds. */
#define QUOTA_MAX_USERS 65536
#define QUOTA_MAX_AGENCIES 4096
/* Longest username or agency code accepted, in bytes (without the NUL). */
#define QUOTA_NAME_MAX 63
/* Highest per-minute limit accepted (T = 60 µs); day limits take any int >= 1. */
#define QUOTA_MINUTE_LIMIT_MAX 1000000

/* Resolved limits: the account's and agency's overrides, or the configured defaults. */
struct quota_limits {
	int user_per_minute, user_per_day, agency_per_day;
};

struct quota_usage {
	int minute_limit, minute_used;         /* used: cells held by the GCRA, 0..limit */
	int day_limit, day_used;               /* used: lookups counted today (may exceed a lowered limit) */
	int agency_day_limit, agency_day_used;
};

struct quota;

/* Fills *out from the [quota] defaults and the overrides of u and a (0 = default;
 * either may be NULL). */
void quota_limits_resolve(const struct config *cfg, const struct store_user *u,
			  const struct store_agency *a, struct quota_limits *out);

/* A quota service reading seeds from `st` (which must outlive it, and whose audit
 * projections should be caught up before the first take). On success *out is
 * owned by the caller: quota_free it. QUOTA_ESTATE when out of memory. */
int quota_new(struct store *st, struct quota **out);

/* The same with other table bounds (tests; >= 1 each). */
int quota_new_bounded(struct store *st, int max_users, int max_agencies, struct quota **out);

void quota_free(struct quota *q);

/* Takes one lookup for (username, agency) at now_ms if every limit allows it; all
 * three are checked before any is charged, so a refusal charges nothing.
 * On QUOTA_EXCEEDED sets *scope and *retry_after (whole seconds, >= 1; for day
 * scopes: until the next local midnight Asia/Ho_Chi_Minh). When several limits
 * refuse, *scope is the one that frees last (so retrying after *retry_after can
 * succeed); on a tie the broader wins: agency_day, then user_day.
 * On QUOTA_OK *scope is QUOTA_SCOPE_NONE and *retry_after 0. scope and
 * retry_after may be NULL. usage (may be NULL) gets the state after the call
 * (limits with used 0 on QUOTA_ESTATE / QUOTA_EINVAL). May read the store (outside
 * the lock) the first time a user or agency is seen on a day. */
int quota_take(struct quota *q, const char *username, const char *agency, const struct quota_limits *lim,
	       int64_t now_ms, enum quota_scope *scope, int *retry_after, struct quota_usage *usage);

/* Gives back a take whose lookup did not happen (e.g. the audit log refused it).
 * Call it only after QUOTA_OK, with the same names and now_ms as that take; a
 * refund after the take's local day has ended gives nothing back on the day. */
void quota_refund(struct quota *q, const char *username, const char *agency, int64_t now_ms);

/* Usage without taking (GET /me). QUOTA_OK, QUOTA_ESTATE or QUOTA_EINVAL. */
int quota_peek(struct quota *q, const char *username, const char *agency, const struct quota_limits *lim,
	       int64_t now_ms, struct quota_usage *usage);

#endif
