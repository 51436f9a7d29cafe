/*
 * GCRA, the generic cell rate algorithm (virtual scheduling form), for the
 * per-minute quota. Each user has a theoretical arrival time TAT; a lookup at
 * `now` conforms when max(TAT, now) + T - now <= limit * T, i.e. at most `limit`
 * cells are outstanding, and each cell drains T = 60 s / limit after the one
 * before. A fresh user may burst `limit` lookups, then gets one every T. In any
 * interval of length d at most limit + floor(d / T) conform, whichever minute the
 * clock shows: a fixed window's 2 x limit within a second of its edge cannot
 * happen. (Over a rolling 60 s, a burst after an idle minute plus the steady rate
 * can reach 2 x limit - 1, spread over that minute; that is the price of allowing
 * a burst at all, and the long-run rate is limit per minute.)
 */
#include "quota/quota_int.h"

int64_t quota_gcra_emission(int limit)
{
	return QUOTA_MINUTE_US / limit;
}

bool quota_gcra_conform(int64_t tat, int64_t now, int64_t t, int limit, int64_t *new_tat, int64_t *wait_us)
{
	int64_t next = (tat > now ? tat : now) + t;
	int64_t over = next - now - (int64_t)limit * t;
	*new_tat = next;
	*wait_us = over > 0 ? over : 0;
	return over <= 0;
}

int quota_gcra_used(int64_t tat, int64_t now, int64_t t, int limit)
{
	if (tat <= now)
		return 0;
	int64_t cells = (tat - now + t - 1) / t;
	return cells > limit ? limit : (int)cells;
}
