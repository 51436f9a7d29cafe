/*
 * Rules over sign-ins: brute force on one account (failures per account in a
 * window), password spraying (one address failing on many distinct accounts),
 * and one account used from an address it has not used in the last 24 hours
 * (new_ip, read from successful sign-ins and lookups). Sign-outs end a session
 * for the session rules (detect_rules_session.c).
 */
#include <string.h>

#include "core/config.h"
#include "detect/detect_int.h"

static void rule_brute_force(struct detect *d, const struct detect_record *r, const char *username)
{
	const struct config *cfg = d->deps.cfg;
	struct detect_entry *e = detect_table_get(&d->brute, username, r->t);
	if (!e)
		return;
	detect_entry_push(e, r->t, 0);
	int window = cfg->detect.brute_force_window_seconds;
	int need = detect_threshold(d, cfg->detect.brute_force_count, r->holiday);
	int n = 0;
	for (int i = 0; i < e->n && detect_entry_at(e, i)->t > r->t - window; i++)
		n++;
	if (n >= need && detect_may_fire(d, e, r, window))
		detect_raise(d, r, "brute_force", "medium",
			     json_pack("{s:s, s:i, s:i, s:i, s:b}", "username", username, "failures", n, "threshold",
				       need, "window_seconds", window, "holiday", r->holiday));
}

static void rule_spray(struct detect *d, const struct detect_record *r, const char *username)
{
	const struct config *cfg = d->deps.cfg;
	if (!r->ip)
		return;
	struct detect_entry *e = detect_table_get(&d->spray, r->ip, r->t);
	if (!e)
		return;
	detect_entry_push(e, r->t, detect_hash(username));
	int window = cfg->detect.spray_window_seconds;
	int need = detect_threshold(d, cfg->detect.spray_accounts, r->holiday);
	int distinct = detect_entry_distinct(e, r->t, window);
	if (distinct >= need && detect_may_fire(d, e, r, window))
		detect_raise(d, r, "password_spray", "high",
			     json_pack("{s:s, s:i, s:i, s:i, s:b}", "ip", r->ip, "accounts", distinct, "threshold", need,
				       "window_seconds", window, "holiday", r->holiday));
}

/* Shared with the lookup rules: a successful use of an account from an address
 * it has not used in the last 24 hours, while it was used elsewhere then but not
 * within concurrent_ip_window_seconds (that is multi_ip's or
 * concurrent_sessions', detect_rules_session.c). */
static void rule_ips(struct detect *d, const struct detect_record *r)
{
	if (!r->actor || !r->ip || strcmp(r->actor, "-") == 0)
		return;
	struct detect_entry *e = detect_table_get(&d->ips, r->actor, r->t);
	if (!e)
		return;
	uint64_t h = detect_hash(r->ip);
	int window = d->deps.cfg->detect.concurrent_ip_window_seconds;
	bool known = false, other_recent = false;
	for (int i = 0; i < e->n; i++) {
		const struct detect_event *ev = detect_entry_at(e, i);
		if (ev->t < r->t - DETECT_HORIZON)
			break;
		if (ev->v == h)
			known = true;
		else if (ev->t > r->t - window)
			other_recent = true;
	}
	char other[64];
	memcpy(other, e->extra, sizeof other);
	bool had_history = e->n > 0 && e->last >= r->t - DETECT_HORIZON;
	detect_entry_push(e, r->t, h);
	snprintf(e->extra, sizeof e->extra, "%s", r->ip);
	if (had_history && !known && !other_recent && !d->replaying)
		detect_raise(d, r, "new_ip", "low",
			     json_pack("{s:s, s:s, s:s}", "username", r->actor, "ip", r->ip, "previous_ip", other));
}

void detect_rules_auth(struct detect *d, const struct detect_record *r)
{
	const char *username = json_string_value(json_object_get(r->payload, "username"));
	if (!username || !username[0])
		username = r->actor;
	if (strcmp(r->type, "signin_fail") == 0 && username) {
		rule_brute_force(d, r, username);
		rule_spray(d, r, username);
	} else if (strcmp(r->type, "signin_ok") == 0) {
		rule_ips(d, r);
		detect_rules_session(d, r, DETECT_USE_SIGNIN);
		detect_rules_account(d, r, false);
	} else if (strcmp(r->type, "signout") == 0) {
		detect_rules_session(d, r, DETECT_USE_SIGNOUT);
	}
}

void detect_rules_ips(struct detect *d, const struct detect_record *r)
{
	rule_ips(d, r);
}
