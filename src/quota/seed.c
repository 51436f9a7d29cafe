/*
 * Seeding quota state from the store after a restart (or when a user or agency is
 * first seen on a day): the day counts are the committed lookups of the audit
 * projections for that local day; the GCRA state is replayed from the user's
 * committed lookups of the last 60 s. Audit times are whole seconds, so each is
 * taken at the end of its second (at most `now`): the replayed TAT is never
 * earlier than the real one, i.e. after a restart a user may wait up to a second
 * longer, never get more. Any store error fails closed.
 */
#include "core/log.h"
#include "quota/quota_int.h"
#include "store/store.h"

struct replay {
	int64_t now_us, t, tat, k;
};

/* Rows come newest first. After n cells at t_1 <= ... <= t_n the GCRA's TAT is
 * max over i of t_i + (n - i + 1) * T: the k-th newest row contributes t + k * T,
 * so one pass in this order needs no buffer. */
static int replay_row(const struct store_audit_lookup *l, void *arg)
{
	struct replay *r = arg;
	int64_t at = l->time * QUOTA_US_PER_S + (QUOTA_US_PER_S - 1);
	if (at > r->now_us)
		at = r->now_us;
	r->k++;
	int64_t tat = at + r->k * r->t;
	if (tat > r->tat)
		r->tat = tat;
	return 0;
}

int quota_seed_read(struct store *st, const char *username, const char *agency, int64_t now_us,
		    int64_t t, struct quota_seed *s)
{
	int rc = STORE_OK;
	const char *what = "";
	if (s->want_user_day) {
		what = "user day count";
		rc = store_audit_daily_count_user(st, username, s->user_day, &s->user_day_used);
		if (rc)
			goto out;
	}
	if (s->want_agency_day) {
		what = "agency day count";
		rc = store_audit_daily_count_agency(st, agency, s->agency_day, &s->agency_day_used);
		if (rc)
			goto out;
	}
	if (s->want_minute) {
		/* 10000 is the store's page limit and the highest per-minute quota an
		 * account may have; rows beyond it could only make the TAT later. */
		struct store_audit_query q = {
			.username = username,
			.from = now_us / QUOTA_US_PER_S - 60,
			.limit = 10000,
		};
		struct replay r = {.now_us = now_us, .t = t};
		what = "lookups of the last minute";
		rc = store_audit_lookups(st, &q, replay_row, &r);
		if (rc)
			goto out;
		s->tat_us = r.tat;
	}
out:
	if (rc) {
		log_error("quota", "cannot read the %s of user %s, agency %s from the store (%s): their lookups "
			  "are refused until it can be read", what, username, agency, store_strerror(rc));
		return QUOTA_ESTATE;
	}
	return QUOTA_OK;
}
