/*
 * Rules over lookups: enumeration of citizen ids (an officer walking through
 * ids in sequence or near-sequence), one dossier code used for many different
 * citizens, lookups the dossier rule refused (dossier_refusals), and lookups
 * outside working hours or on a holiday. A lookup is also a use of the account
 * from an address, for the address and session rules.
 *
 * Near-sequence: two ids share their first 6 digits (province, sex-and-century,
 * birth year) and their last 6 digits differ by 1..enumeration_distance. A lookup
 * counts towards enumeration when another id in the window is near it; the rule
 * fires when enumeration_count ids in enumeration_window_seconds count.
 */
#include <string.h>

#include "core/config.h"
#include "detect/detect_int.h"

#define SERIAL_MOD 1000000ull
#define OFFHOURS_QUIET 3600 /* one off-hours alert per officer per hour */

static bool id_number(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = 0;
	for (; s && s[n]; n++) {
		if (s[n] < '0' || s[n] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[n] - '0');
	}
	*out = v;
	return n == 12;
}

static bool near(uint64_t a, uint64_t b, int dist)
{
	if (a / SERIAL_MOD != b / SERIAL_MOD)
		return false;
	uint64_t x = a % SERIAL_MOD, y = b % SERIAL_MOD;
	uint64_t diff = x > y ? x - y : y - x;
	return diff >= 1 && diff <= (uint64_t)dist;
}

/* Sorted, the only candidates for a value's near neighbour are the nearest
 * different values on each side: a same-prefix value further away is further
 * apart, and a value of another prefix sorts beyond every one of this prefix.
 * So each run of equal values is tested twice, not against every pair (this
 * ran once per lookup, 32 x 32 times). */
int detect_count_near(uint64_t *ids, int n, int dist)
{
	for (int i = 1; i < n; i++) { /* insertion sort: n <= DETECT_RING */
		uint64_t v = ids[i];
		int j = i;
		for (; j > 0 && ids[j - 1] > v; j--)
			ids[j] = ids[j - 1];
		ids[j] = v;
	}
	int count = 0;
	for (int s = 0, e; s < n; s = e) {
		for (e = s + 1; e < n && ids[e] == ids[s]; e++)
			;
		if ((s > 0 && near(ids[s - 1], ids[s], dist)) || (e < n && near(ids[e], ids[s], dist)))
			count += e - s;
	}
	return count;
}

static void rule_enumeration(struct detect *d, const struct detect_record *r, const char *citizen_id)
{
	const struct config *cfg = d->deps.cfg;
	uint64_t id;
	if (!r->actor || !id_number(citizen_id, &id))
		return;
	struct detect_entry *e = detect_table_get(&d->enumer, r->actor, r->t);
	if (!e)
		return;
	detect_entry_push(e, r->t, id);
	int window = cfg->detect.enumeration_window_seconds;
	int need = detect_threshold(d, cfg->detect.enumeration_count, r->holiday);
	uint64_t ids[DETECT_RING];
	int in = 0;
	while (in < e->n && detect_entry_at(e, in)->t > r->t - window) {
		ids[in] = detect_entry_at(e, in)->v;
		in++;
	}
	int count = detect_count_near(ids, in, cfg->detect.enumeration_distance);
	if (count >= need && detect_may_fire(d, e, r, window))
		detect_raise(d, r, "enumeration", "high",
			     json_pack("{s:s, s:s, s:i, s:i, s:i, s:b}", "username", r->actor, "last_citizen_id",
				       citizen_id, "near_sequential", count, "threshold", need, "window_seconds", window,
				       "holiday", r->holiday));
}

static void rule_dossier(struct detect *d, const struct detect_record *r, const char *citizen_id,
			 const char *dossier)
{
	const struct config *cfg = d->deps.cfg;
	if (!dossier || !citizen_id)
		return;
	struct detect_entry *e = detect_table_get(&d->dossier, dossier, r->t);
	if (!e)
		return;
	detect_entry_push(e, r->t, detect_hash(citizen_id));
	int window = cfg->detect.dossier_window_seconds;
	int need = detect_threshold(d, cfg->detect.dossier_citizens, r->holiday);
	int distinct = detect_entry_distinct(e, r->t, window);
	if (distinct >= need && detect_may_fire(d, e, r, window))
		detect_raise(d, r, "dossier_reuse", "high",
			     json_pack("{s:s, s:s, s:i, s:i, s:i, s:b}", "dossier_code", dossier, "username",
				       r->actor ? r->actor : "", "citizens", distinct, "threshold", need,
				       "window_seconds", window, "holiday", r->holiday));
}

static void rule_offhours(struct detect *d, const struct detect_record *r)
{
	if (!r->actor || detect_in_workhours(d->deps.cfg, r->t))
		return;
	struct detect_entry *e = detect_table_get(&d->offhours, r->actor, r->t);
	if (!e)
		return;
	detect_entry_push(e, r->t, 0);
	if (detect_may_fire(d, e, r, OFFHOURS_QUIET))
		detect_raise(d, r, "offhours", r->holiday ? "medium" : "low",
			     json_pack("{s:s, s:b}", "username", r->actor, "holiday", r->holiday));
}

/* The outcomes of a lookup refused by the dossier rule. dossier_unavailable (the
 * backend was down) is not one: the officer did nothing wrong. */
static bool refused(const char *outcome)
{
	static const char *const codes[] = {"dossier_not_found", "dossier_closed", "dossier_procedure_mismatch",
					    "dossier_other_agency", "citizen_not_in_dossier", NULL};
	for (size_t i = 0; outcome && codes[i]; i++)
		if (strcmp(outcome, codes[i]) == 0)
			return true;
	return false;
}

/* Not held to holiday tightening: at 3 a mistyped code twice on a holiday would
 * suspend an officer. */
static void rule_refusals(struct detect *d, const struct detect_record *r, const char *outcome,
			  const char *dossier)
{
	const struct config *cfg = d->deps.cfg;
	if (!r->actor || !refused(outcome))
		return;
	struct detect_entry *e = detect_table_get(&d->refusals, r->actor, r->t);
	if (!e)
		return;
	detect_entry_push(e, r->t, 0);
	int window = cfg->detect.dossier_refusals_window_seconds;
	int need = cfg->detect.dossier_refusals_count;
	int n = 0;
	for (int i = 0; i < e->n && detect_entry_at(e, i)->t > r->t - window; i++)
		n++;
	if (n >= need && detect_may_fire(d, e, r, window))
		detect_raise(d, r, "dossier_refusals", "high",
			     json_pack("{s:s, s:i, s:i, s:i, s:s, s:s}", "username", r->actor, "refusals", n, "threshold",
				       need, "window_seconds", window, "last_outcome", outcome, "last_dossier_code",
				       dossier ? dossier : ""));
}

void detect_rules_lookup(struct detect *d, const struct detect_record *r)
{
	const char *citizen_id = json_string_value(json_object_get(r->payload, "citizen_id"));
	const char *dossier = json_string_value(json_object_get(r->payload, "dossier_code"));
	const char *outcome = json_string_value(json_object_get(r->payload, "outcome"));
	rule_enumeration(d, r, citizen_id);
	rule_dossier(d, r, citizen_id, dossier);
	rule_refusals(d, r, outcome, dossier);
	rule_offhours(d, r);
	detect_rules_ips(d, r);
	detect_rules_session(d, r, DETECT_USE_LOOKUP);
	detect_rules_account(d, r, true);
}
