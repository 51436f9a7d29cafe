/*
 * Sustained sign-in throttling (`signin_flood`): an address that kept trying to
 * sign in after the client-address throttle refused it. The account service
 * writes one `signin_throttled` record per address and throttle window with the
 * number of attempts it refused; when that count reaches [detect]
 * throttle_flood_count the address is flooding, not mistyping, and the rule
 * fires (and, in the default block_rules, blocks it), so that the next window's
 * flood is answered 403 ip_blocked before any sign-in work.
 */
#include <string.h>

#include "core/config.h"
#include "detect/detect_int.h"

void detect_rules_throttle(struct detect *d, const struct detect_record *r)
{
	if (d->replaying || !r->ip || strcmp(r->type, "signin_throttled") != 0)
		return; /* an old window replayed at start is not fired again */
	json_int_t refused = json_integer_value(json_object_get(r->payload, "refused"));
	int need = detect_threshold(d, d->deps.cfg->detect.throttle_flood_count, r->holiday);
	if (refused < need)
		return;
	detect_raise(d, r, "signin_flood", "medium",
		     json_pack("{s:s, s:I, s:i, s:O, s:O, s:b}", "ip", r->ip, "refused", refused, "threshold", need,
			       "window_start", json_object_get(r->payload, "window_start"), "window_end",
			       json_object_get(r->payload, "window_end"), "holiday", r->holiday));
}
