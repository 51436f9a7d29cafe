/*
 * Rules over the sessions and addresses of one account, the shapes a stolen
 * password takes when its thief is not walking ids: a second session opening
 * while the officer's is alive (multi_ip, an alert), that second session looking
 * a citizen up (concurrent_sessions, a suspension), and an address the account
 * has not used for a month looking up faster than the account ever does
 * (new_ip_burst, a suspension). A session is told apart by its client address
 * and, on one address, by the browser (the user agent of its sign-in record);
 * a lookup record carries no user agent, so it counts for the newest session of
 * its address. Two sessions are "at once" when the older was used (signed in
 * or looked up) within concurrent_ip_window_seconds before the newer began, or
 * since. The state lives in the account memory
 * (detect_accounts.c): DETECT_SESSIONS sessions and DETECT_ADDRS addresses per
 * account, the least recently used given up first. Rules: docs/DETECTION.md.
 */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "detect/detect_int.h"

#define ADDR_HORIZON ((int64_t)DETECT_ADDR_DAYS * 86400)

/* The session a use from (ip, ua) belongs to: on a sign-in the one of this
 * browser on this address (an unknown browser on either side matches); on a
 * lookup the newest of the address. NULL when none. */
static struct detect_session *session_find(struct detect_account *acc, uint64_t ip, uint64_t ua, bool signin)
{
	struct detect_session *best = NULL;
	for (int i = 0; i < DETECT_SESSIONS; i++) {
		struct detect_session *s = &acc->sess[i];
		if (s->ip != ip)
			continue;
		if (signin && ua && s->ua && s->ua != ua)
			continue;
		if (signin && ua && s->ua == ua)
			return s;
		if (!best || s->serial > best->serial)
			best = s;
	}
	return best;
}

/* A free slot, else the least recently used one. */
static struct detect_session *session_slot(struct detect_account *acc)
{
	struct detect_session *lru = &acc->sess[0];
	for (int i = 0; i < DETECT_SESSIONS; i++) {
		if (!acc->sess[i].ip)
			return &acc->sess[i];
		if (acc->sess[i].last < lru->last)
			lru = &acc->sess[i];
	}
	return lru;
}

/* Another session of the account, started before s and alive when s started
 * (used within the window before, or since): the officer's, when s is the
 * thief's. NULL when none. */
static const struct detect_session *older_alive(const struct detect_account *acc, const struct detect_session *s,
						int window)
{
	const struct detect_session *o = NULL;
	for (int i = 0; i < DETECT_SESSIONS; i++) {
		const struct detect_session *x = &acc->sess[i];
		if (x == s || !x->ip || x->last <= s->start - window || x->serial >= s->serial)
			continue;
		if (x->ip == s->ip && (!x->ua || !s->ua || x->ua == s->ua))
			continue; /* the same browser, as far as the records tell */
		if (!o || x->last > o->last)
			o = x;
	}
	return o;
}

/* The browser of a sign-in record; 0 (any browser) when it has none. */
static uint64_t ua_hash(const struct detect_record *r)
{
	const char *ua = json_string_value(json_object_get(r->payload, "user_agent"));
	if (!ua || !ua[0])
		return 0;
	uint64_t h = detect_hash(ua);
	return h ? h : 1; /* 0 means unknown */
}

static void rule_sessions(struct detect *d, const struct detect_record *r, struct detect_account *acc,
			  enum detect_use use)
{
	int window = d->deps.cfg->detect.concurrent_ip_window_seconds;
	uint64_t ip = detect_hash(r->ip);
	if (use == DETECT_USE_SIGNOUT) {
		/* the session ends; with two browsers on the address it is not known which */
		struct detect_session *only = NULL;
		int n = 0;
		for (int i = 0; i < DETECT_SESSIONS; i++)
			if (acc->sess[i].ip == ip)
				only = &acc->sess[i], n++;
		if (n == 1)
			memset(only, 0, sizeof *only);
		return;
	}
	uint64_t ua = use == DETECT_USE_SIGNIN ? ua_hash(r) : 0;
	struct detect_session *s = session_find(acc, ip, ua, use == DETECT_USE_SIGNIN);
	bool opened = !s || (use == DETECT_USE_SIGNIN && s->last <= r->t - window);
	if (!s) {
		s = session_slot(acc);
		memset(s, 0, sizeof *s);
		s->ip = ip;
		snprintf(s->ip_text, sizeof s->ip_text, "%s", r->ip);
	}
	if (opened) { /* a sign-in after a pause is a new session, though the same browser's */
		s->start = r->t;
		s->serial = ++d->session_serial;
	}
	if (!s->ua)
		s->ua = ua;
	if (r->t > s->last)
		s->last = r->t;
	const struct detect_session *o = older_alive(acc, s, window);
	if (!o || d->replaying)
		return;
	bool browser = o->ip == s->ip;
	if (use == DETECT_USE_SIGNIN && opened) {
		if (acc->multi_fired && r->t - acc->multi_fired < window)
			return;
		acc->multi_fired = r->t;
		detect_raise(d, r, "multi_ip", "high",
			     json_pack("{s:s, s:s, s:s, s:b, s:i}", "username", r->actor, "ip", r->ip, "other_ip",
				       o->ip_text, "other_browser", browser, "window_seconds", window));
	} else if (use == DETECT_USE_LOOKUP) {
		if (acc->sessions_fired && r->t - acc->sessions_fired < window)
			return;
		acc->sessions_fired = r->t;
		detect_raise(d, r, "concurrent_sessions", "high",
			     json_pack("{s:s, s:s, s:s, s:b, s:I, s:i}", "username", r->actor, "ip", r->ip, "other_ip",
				       o->ip_text, "other_browser", browser, "other_last_used_seconds_ago",
				       (json_int_t)(r->t - o->last), "window_seconds", window));
	}
}

/* The address's entry in the account's memory, noted used at t (added, the least
 * recently used given up when full). */
static struct detect_addr *addr_note(struct detect_account *acc, uint64_t ip, int64_t t)
{
	struct detect_addr *a = NULL, *lru = &acc->addr[0];
	bool others = false;
	for (int i = 0; i < DETECT_ADDRS; i++) {
		struct detect_addr *x = &acc->addr[i];
		if (x->ip && x->last <= t - ADDR_HORIZON)
			memset(x, 0, sizeof *x); /* a month unused: as good as never seen */
		if (x->ip == ip && ip)
			a = x;
		else if (x->ip)
			others = true; /* seen before, if in the same second */
		if (!x->ip || (lru->ip && x->last < lru->last))
			lru = x;
	}
	if (!a) {
		a = lru;
		*a = (struct detect_addr){.ip = ip, .first = t, .last = t, .fresh = others};
	}
	if (t > a->last)
		a->last = t;
	return a;
}

static void rule_burst(struct detect *d, const struct detect_record *r, struct detect_account *acc, bool lookup)
{
	const struct config *cfg = d->deps.cfg;
	struct detect_addr *a = addr_note(acc, detect_hash(r->ip), r->t);
	int window = cfg->detect.new_ip_window_seconds;
	if (!lookup || !a->fresh || r->t - a->first >= window)
		return;
	if (a->lookups < UINT16_MAX)
		a->lookups++;
	int days;
	double pace = detect_account_pace(d, acc, r->t, &days);
	/* more than the account's usual lookups in a whole hour, within the first
	 * minutes from the address, and at least the floor */
	int need = cfg->detect.new_ip_lookups;
	if (pace >= need)
		need = pace >= 1e6 ? 1000000 : (int)pace + 1;
	if (a->lookups < need || d->replaying || (acc->burst_fired && r->t - acc->burst_fired < window))
		return;
	acc->burst_fired = r->t;
	detect_raise(d, r, "new_ip_burst", "high",
		     json_pack("{s:s, s:s, s:i, s:I, s:i, s:f, s:i, s:i}", "username", r->actor, "ip", r->ip,
			       "lookups_from_ip", (int)a->lookups, "seconds_since_first_use",
			       (json_int_t)(r->t - a->first), "threshold", need, "baseline_per_hour",
			       (double)(int64_t)(pace * 100 + 0.5) / 100, "baseline_days", days, "window_seconds",
			       window));
}

void detect_rules_session(struct detect *d, const struct detect_record *r, enum detect_use use)
{
	if (!r->actor || !r->ip || strcmp(r->actor, "-") == 0)
		return;
	struct detect_account *acc = detect_account_get(&d->accounts, r->actor);
	if (!acc)
		return;
	rule_sessions(d, r, acc, use);
	if (use != DETECT_USE_SIGNOUT)
		rule_burst(d, r, acc, use == DETECT_USE_LOOKUP);
}

void detect_rules_session_history(struct detect *d, const struct detect_record *r)
{
	if (!r->actor || !r->ip || strcmp(r->actor, "-") == 0)
		return;
	struct detect_account *acc = detect_account_get(&d->accounts, r->actor);
	if (acc)
		addr_note(acc, detect_hash(r->ip), r->t);
}
