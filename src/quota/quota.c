/*
 * The quota service: one user table and one agency table behind ONE mutex. A
 * take touches a user entry and an agency entry shared by every officer of the
 * agency and must check all three limits before charging any, so striped locks
 * would have to take two stripes in order on every call and would split the
 * global bound into per-stripe bounds; the critical section is a hash lookup and
 * a few comparisons (well under a microsecond), far below the cost of the
 * durable audit append that every lookup also pays, so one lock is both the
 * simplest correct choice and not the bottleneck (docs/BENCHMARKS.md, "Quotas").
 * Store reads (seeding) happen with the lock released: an unseeded entry cannot
 * be charged, so concurrent first takes each read and the first to come back
 * installs the seed; the entries are looked up again after re-locking.
 */
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "quota/quota_int.h"
#include "store/store.h"

/* Seed rounds before giving up: more are needed only when the local day turns
 * (or entries are evicted) while the store is being read. */
#define SEED_ATTEMPTS 4

struct quota {
	pthread_mutex_t mu;
	struct store *st;
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct quota_table users, agencies;
};

const char *quota_scope_name(enum quota_scope s)
{
	switch (s) {
	case QUOTA_USER_MINUTE:
		return "user_minute";
	case QUOTA_USER_DAY:
		return "user_day";
	case QUOTA_AGENCY_DAY:
		return "agency_day";
	case QUOTA_SCOPE_NONE:
		break;
	}
	return "";
}

void quota_limits_resolve(const struct config *cfg, const struct store_user *u,
			  const struct store_agency *a, struct quota_limits *out)
{
	out->user_per_minute = u && u->quota_per_minute > 0 ? u->quota_per_minute : cfg->quota.user_per_minute;
	out->user_per_day = u && u->quota_per_day > 0 ? u->quota_per_day : cfg->quota.user_per_day;
	out->agency_per_day = a && a->quota_per_day > 0 ? a->quota_per_day : cfg->quota.agency_per_day;
}

int quota_new_bounded(struct store *st, int max_users, int max_agencies, struct quota **out)
{
	*out = NULL;
	if (!st || max_users < 1 || max_agencies < 1)
		return QUOTA_EINVAL;
	if (sodium_init() < 0) /* idempotent; main has usually called it */
		return QUOTA_ESTATE;
	struct quota *q = calloc(1, sizeof *q);
	if (!q)
		return QUOTA_ESTATE;
	int rc = quota_table_init(&q->users, "user", "QUOTA_MAX_USERS", (size_t)max_users);
	if (!rc)
		rc = quota_table_init(&q->agencies, "agency", "QUOTA_MAX_AGENCIES", (size_t)max_agencies);
	if (rc) {
		quota_table_free(&q->users);
		quota_table_free(&q->agencies);
		free(q);
		return rc;
	}
	pthread_mutex_init(&q->mu, NULL);
	q->st = st;
	/* Keyed, so nobody can pick names that pile into one bucket. */
	crypto_shorthash_keygen(q->key);
	*out = q;
	return QUOTA_OK;
}

int quota_new(struct store *st, struct quota **out)
{
	return quota_new_bounded(st, QUOTA_MAX_USERS, QUOTA_MAX_AGENCIES, out);
}

void quota_free(struct quota *q)
{
	if (!q)
		return;
	quota_table_free(&q->users);
	quota_table_free(&q->agencies);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

static uint64_t name_hash(const struct quota *q, const char *name)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v;
	crypto_shorthash(h, (const unsigned char *)name, strlen(name), q->key);
	memcpy(&v, h, sizeof v);
	return v;
}

static bool name_ok(const char *s)
{
	return s && s[0] && strlen(s) <= QUOTA_NAME_MAX;
}

static bool limits_ok(const struct quota_limits *lim)
{
	return lim && lim->user_per_minute >= 1 && lim->user_per_minute <= QUOTA_MINUTE_LIMIT_MAX &&
	       lim->user_per_day >= 1 && lim->agency_per_day >= 1;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t d = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? d - 1 : d;
}

/* Moves an entry to `day` when that is later than its own: a new day starts
 * unseeded. A take stamped earlier than the entry's day (a thread that read the
 * clock just before midnight and got the lock just after) counts on the entry's
 * day: one lookup too many charged, never one too few. */
static void entry_day_roll(struct quota_entry *e, int64_t day)
{
	if (e->day < day) {
		e->day = day;
		e->day_used = 0;
		e->day_seeded = false;
	}
}

static int entry_get(struct quota_table *t, const char *key, uint64_t hash, int64_t day, int64_t now_us,
		     struct quota_entry **out)
{
	*out = quota_table_find(t, key, hash);
	if (*out) {
		entry_day_roll(*out, day);
		return QUOTA_OK;
	}
	return quota_table_insert(t, key, hash, day, now_us, out);
}

/* Seconds, rounded up, at least 1. */
static int wait_seconds(int64_t us)
{
	int64_t s = (us + QUOTA_US_PER_S - 1) / QUOTA_US_PER_S;
	return s < 1 ? 1 : s > INT_MAX ? INT_MAX : (int)s;
}

static int clamp_int(int64_t v)
{
	return v < 0 ? 0 : v > INT_MAX ? INT_MAX : (int)v;
}

static void usage_fill(struct quota_usage *usage, const struct quota_limits *lim, const struct quota_entry *u,
		       const struct quota_entry *a, int64_t now_us, int64_t t)
{
	if (!usage)
		return;
	memset(usage, 0, sizeof *usage);
	if (!lim)
		return;
	usage->minute_limit = lim->user_per_minute;
	usage->day_limit = lim->user_per_day;
	usage->agency_day_limit = lim->agency_per_day;
	if (u && a) {
		usage->minute_used = quota_gcra_used(u->tat_us, now_us, t, lim->user_per_minute);
		usage->day_used = clamp_int(u->day_used);
		usage->agency_day_used = clamp_int(a->day_used);
	}
}

/* Applies what was read to entries still waiting for it (another thread may have
 * seeded them meanwhile, or the day may have moved on). */
static void seed_apply(const struct quota_seed *s, struct quota_entry *u, struct quota_entry *a)
{
	if (s->want_minute && !u->minute_seeded) {
		if (s->tat_us > u->tat_us)
			u->tat_us = s->tat_us;
		u->minute_seeded = true;
	}
	if (s->want_user_day && !u->day_seeded && u->day == s->user_day) {
		u->day_used = s->user_day_used; /* nothing is charged while unseeded */
		u->day_seeded = true;
	}
	if (s->want_agency_day && !a->day_seeded && a->day == s->agency_day) {
		a->day_used = s->agency_day_used;
		a->day_seeded = true;
	}
}

struct verdict {
	enum quota_scope scope;
	int64_t wait_us;
};

/* Keeps the refusal that frees last; on a tie the later (broader) scope. */
static void verdict_add(struct verdict *v, enum quota_scope scope, int64_t wait_us)
{
	if (v->scope == QUOTA_SCOPE_NONE || wait_us >= v->wait_us) {
		v->scope = scope;
		v->wait_us = wait_us;
	}
}

static int64_t midnight_after_us(int64_t day)
{
	return clock_local_day_start(day + 1) * QUOTA_US_PER_S;
}

/* One call's inputs, worked out before taking the lock. */
struct call {
	const char *username, *agency;
	uint64_t uh, ah;
	int64_t now_us, day, t;
	const struct quota_limits *lim;
};

/* Looks up (and seeds) the entries of the user and the agency, then checks the
 * limits and, when `charge`, takes one lookup. Called with the lock held; may
 * release and re-take it to read the store. */
static int quota_run_locked(struct quota *q, const struct call *c, bool charge, struct verdict *v,
			    struct quota_entry **uo, struct quota_entry **ao)
{
	const char *username = c->username, *agency = c->agency;
	const struct quota_limits *lim = c->lim;
	int64_t day = c->day, now_us = c->now_us, t = c->t;
	uint64_t uh = c->uh, ah = c->ah;
	struct quota_entry *u = NULL, *a = NULL;
	int rc = QUOTA_OK;
	*uo = *ao = NULL;
	for (int attempt = 0;; attempt++) {
		rc = entry_get(&q->users, username, uh, day, now_us, &u);
		if (!rc)
			rc = entry_get(&q->agencies, agency, ah, day, now_us, &a);
		if (rc)
			goto out;
		if (u->minute_seeded && u->day_seeded && a->day_seeded)
			break;
		if (attempt == SEED_ATTEMPTS) {
			log_error("quota", "the quota state of %s / %s could not be settled in %d rounds; "
				  "lookup refused", username, agency, SEED_ATTEMPTS);
			rc = QUOTA_ESTATE;
			goto out;
		}
		struct quota_seed s = {
			.want_minute = !u->minute_seeded,
			.want_user_day = !u->day_seeded,
			.want_agency_day = !a->day_seeded,
			.user_day = u->day,
			.agency_day = a->day,
		};
		pthread_mutex_unlock(&q->mu);
		rc = quota_seed_read(q->st, username, agency, now_us, t, &s);
		pthread_mutex_lock(&q->mu);
		if (rc)
			goto out;
		/* The entries may have moved or gone while the lock was free. */
		rc = entry_get(&q->users, username, uh, day, now_us, &u);
		if (!rc)
			rc = entry_get(&q->agencies, agency, ah, day, now_us, &a);
		if (rc)
			goto out;
		seed_apply(&s, u, a);
	}

	int64_t new_tat, wait;
	if (!quota_gcra_conform(u->tat_us, now_us, t, lim->user_per_minute, &new_tat, &wait))
		verdict_add(v, QUOTA_USER_MINUTE, wait);
	if (u->day_used >= lim->user_per_day)
		verdict_add(v, QUOTA_USER_DAY, midnight_after_us(u->day) - now_us);
	if (a->day_used >= lim->agency_per_day)
		verdict_add(v, QUOTA_AGENCY_DAY, midnight_after_us(a->day) - now_us);
	if (charge && v->scope == QUOTA_SCOPE_NONE) {
		u->tat_us = new_tat;
		u->emission_us = t;
		u->day_used++;
		a->day_used++;
	}
	*uo = u;
	*ao = a;
out:
	return rc;
}

static int quota_run(struct quota *q, const char *username, const char *agency, const struct quota_limits *lim,
		     int64_t now_ms, bool charge, enum quota_scope *scope, int *retry_after,
		     struct quota_usage *usage)
{
	struct verdict v = {QUOTA_SCOPE_NONE, 0};
	struct quota_entry *u = NULL, *a = NULL;
	int rc = QUOTA_EINVAL;
	if (scope)
		*scope = QUOTA_SCOPE_NONE;
	if (retry_after)
		*retry_after = 0;
	if (!q || !name_ok(username) || !name_ok(agency) || !limits_ok(lim) || now_ms < 0 ||
	    now_ms > INT64_MAX / 1000 - QUOTA_MINUTE_US) {
		usage_fill(usage, limits_ok(lim) ? lim : NULL, NULL, NULL, 0, 1);
		return rc;
	}
	struct call c = {
		.username = username,
		.agency = agency,
		.uh = name_hash(q, username),
		.ah = name_hash(q, agency),
		.now_us = now_ms * 1000,
		.day = clock_local_day(floor_div(now_ms, 1000)),
		.t = quota_gcra_emission(lim->user_per_minute),
		.lim = lim,
	};
	pthread_mutex_lock(&q->mu);
	rc = quota_run_locked(q, &c, charge, &v, &u, &a);
	/* Read the usage under the lock: after it, the entries may change or go. */
	usage_fill(usage, lim, rc ? NULL : u, rc ? NULL : a, c.now_us, c.t);
	pthread_mutex_unlock(&q->mu);
	if (rc)
		return rc;
	if (charge && v.scope != QUOTA_SCOPE_NONE) {
		if (scope)
			*scope = v.scope;
		if (retry_after)
			*retry_after = wait_seconds(v.wait_us);
		return QUOTA_EXCEEDED;
	}
	return QUOTA_OK;
}

int quota_take(struct quota *q, const char *username, const char *agency, const struct quota_limits *lim,
	       int64_t now_ms, enum quota_scope *scope, int *retry_after, struct quota_usage *usage)
{
	return quota_run(q, username, agency, lim, now_ms, true, scope, retry_after, usage);
}

int quota_peek(struct quota *q, const char *username, const char *agency, const struct quota_limits *lim,
	       int64_t now_ms, struct quota_usage *usage)
{
	return quota_run(q, username, agency, lim, now_ms, false, NULL, NULL, usage);
}

void quota_refund(struct quota *q, const char *username, const char *agency, int64_t now_ms)
{
	if (!q || !name_ok(username) || !name_ok(agency) || now_ms < 0 || now_ms > INT64_MAX / 1000)
		return;
	int64_t day = clock_local_day(floor_div(now_ms, 1000));
	uint64_t uh = name_hash(q, username), ah = name_hash(q, agency);
	pthread_mutex_lock(&q->mu);
	struct quota_entry *u = quota_table_find(&q->users, username, uh);
	struct quota_entry *a = quota_table_find(&q->agencies, agency, ah);
	if (u && u->minute_seeded)
		u->tat_us -= u->emission_us;
	/* Only the day the take was charged to, and only if it is still being counted. */
	if (u && u->day_seeded && u->day == day && u->day_used > 0)
		u->day_used--;
	if (a && a->day_seeded && a->day == day && a->day_used > 0)
		a->day_used--;
	pthread_mutex_unlock(&q->mu);
}
