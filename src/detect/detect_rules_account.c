/*
 * Rules over an account's own history: volume (rule 4: an officer's lookups in
 * the last hour far above their own mean per working hour of the last 30 days,
 * and above a floor) and dormant (rule 8: an account unused for dormant_days
 * that signs in or looks up). Both read the account memory of detect_accounts.c.
 *
 * Volume: the baseline is the lookups of the 30 local days before today divided
 * by (days with any lookup x the length of a working day); with fewer than
 * VOLUME_MIN_DAYS such days there is no baseline and the floor alone counts.
 */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "detect/detect_int.h"

#define VOLUME_MIN_DAYS DETECT_BASELINE_MIN_DAYS
#define VOLUME_QUIET 3600 /* one volume alert per officer per hour */

static void rule_volume(struct detect *d, const struct detect_record *r, struct detect_account *acc)
{
	const struct config *cfg = d->deps.cfg;
	int64_t today = clock_local_day(r->t);
	/* while replaying, the day counts are already loaded from the store */
	if (!d->replaying)
		detect_account_add_day(acc, today, 1);
	int hour = detect_account_hour(acc, r->t);
	int64_t total;
	int days;
	detect_account_baseline(acc, today, &total, &days);
	int64_t per_day = detect_workday_seconds(cfg);
	double mean = days >= VOLUME_MIN_DAYS ? (double)total * 3600.0 / ((double)days * (double)per_day) : 0.0;
	int need = cfg->detect.volume_min_per_hour;
	if (days >= VOLUME_MIN_DAYS) {
		/* ceil(factor x mean) in integers */
		int64_t num = (int64_t)cfg->detect.volume_factor * total * 3600, den = (int64_t)days * per_day;
		int64_t scaled = (num + den - 1) / den;
		if (scaled > need)
			need = scaled > 1000000000 ? 1000000000 : (int)scaled;
	}
	need = detect_threshold(d, need, r->holiday);
	if (hour < need || d->replaying || (acc->volume_fired && r->t - acc->volume_fired < VOLUME_QUIET))
		return;
	acc->volume_fired = r->t;
	detect_raise(d, r, "volume", "medium",
		     json_pack("{s:s, s:i, s:i, s:f, s:i, s:i, s:i, s:b}", "username", r->actor, "lookups_last_hour",
			       hour, "threshold", need, "baseline_per_hour", (double)(int64_t)(mean * 100 + 0.5) / 100,
			       "baseline_days", days, "factor", cfg->detect.volume_factor, "floor",
			       cfg->detect.volume_min_per_hour, "holiday", r->holiday));
}

double detect_account_pace(const struct detect *d, const struct detect_account *acc, int64_t t, int *days)
{
	int64_t total;
	detect_account_baseline(acc, clock_local_day(t), &total, days);
	if (*days < DETECT_BASELINE_MIN_DAYS)
		return 0.0;
	return (double)total * 3600.0 / ((double)*days * (double)detect_workday_seconds(d->deps.cfg));
}

/* An account first seen after start: its last activity as the store knows it,
 * without the sign-in that just happened (its creation or last password set). */
static int64_t first_seen_since(struct detect *d, const char *username)
{
	struct store_user u;
	if (!d->deps.st || store_user_get_by_name(d->deps.st, username, &u))
		return 0;
	return u.created_at > u.password_changed_at ? u.created_at : u.password_changed_at;
}

/* True when an admin created the account or set its password after `since`: a
 * fresh handover (e.g. re-enabled with a reset), not a dormant account waking. */
static bool handed_over_since(struct detect *d, const char *username, int64_t since)
{
	struct store_user u;
	if (!d->deps.st || store_user_get_by_name(d->deps.st, username, &u))
		return false;
	return u.created_at > since || u.password_changed_at > since;
}

static void rule_dormant(struct detect *d, const struct detect_record *r, struct detect_account *acc, bool fresh)
{
	int64_t prev = acc->last_active;
	if (r->t > acc->last_active)
		acc->last_active = r->t;
	if (fresh && !d->replaying)
		prev = first_seen_since(d, r->actor);
	int64_t limit = (int64_t)d->deps.cfg->detect.dormant_days * 86400;
	if (d->replaying || prev <= 0 || r->t - prev < limit || handed_over_since(d, r->actor, prev))
		return;
	char last[32];
	clock_format_rfc3339(prev, last, sizeof last);
	detect_raise(d, r, "dormant", "medium",
		     json_pack("{s:s, s:s, s:I, s:i, s:s}", "username", r->actor, "last_active", last, "idle_days",
			       (json_int_t)((r->t - prev) / 86400), "threshold_days", d->deps.cfg->detect.dormant_days,
			       "event", r->type));
}

void detect_rules_account(struct detect *d, const struct detect_record *r, bool lookup)
{
	if (!r->actor || strcmp(r->actor, "-") == 0)
		return;
	size_t before = d->accounts.used;
	struct detect_account *acc = detect_account_get(&d->accounts, r->actor);
	if (!acc)
		return;
	bool fresh = d->accounts.used > before;
	rule_dormant(d, r, acc, fresh);
	if (lookup)
		rule_volume(d, r, acc);
}
