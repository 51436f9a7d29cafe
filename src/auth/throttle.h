/*
 * Failed sign-ins per client address, in memory: a fixed table (no allocation per
 * attacker, so a flood of addresses cannot grow memory), each slot a window of
 * [lockout] window_seconds. Used to answer 429 before any password work is done.
 * A refused (throttled) attempt writes nothing durable: the table counts them per
 * address and window, and the owner turns each finished window into one audit
 * record with its count (auth_throttle_take_reports).
 */
#ifndef CANHGAC_AUTH_THROTTLE_H
#define CANHGAC_AUTH_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#define THROTTLE_SLOTS 8192
/* Finished windows with refusals waiting to be reported (their slot was reused
 * meanwhile); beyond this they are counted in `lost` only. */
#define THROTTLE_PENDING_MAX 1024

struct auth_throttle;

struct auth_throttle *auth_throttle_new(int max_failures, int window_seconds);
void auth_throttle_free(struct auth_throttle *t);

/* True when ip has reached max failures in its window; *retry_after gets the
 * seconds until the window ends. Counts nothing. */
bool auth_throttle_blocked(struct auth_throttle *t, const char *ip, int64_t now, int *retry_after);

/* The check and the count in one step, under the table's lock, so that
 * concurrent attempts cannot all pass a check made before any of them failed:
 * when ip is at its limit, counts one refusal and returns false (with
 * *retry_after); else counts the attempt as a failure in advance and returns
 * true. A sign-in that then succeeds gives it back with auth_throttle_forgive. */
bool auth_throttle_take(struct auth_throttle *t, const char *ip, int64_t now, int *retry_after);

/* Gives back the failure auth_throttle_take counted in advance at `now` (a good
 * sign-in); nothing when ip's window has been renewed since. */
void auth_throttle_forgive(struct auth_throttle *t, const char *ip, int64_t now);

/* Counts one failure of ip. */
void auth_throttle_fail(struct auth_throttle *t, const char *ip, int64_t now);

/* One address's refusals in one window. */
struct auth_throttle_report {
	char ip[64];
	int64_t window_start, window_end;
	int refused;
};

/* Calls fn for each window with refusals that ended by `now` (all of them when
 * `all`, e.g. at shutdown) and forgets it. Returns the number reported; *lost
 * (may be NULL) gets the windows dropped since the last call because the
 * pending list was full. */
typedef void (*auth_throttle_report_fn)(const struct auth_throttle_report *r, void *arg);
int auth_throttle_take_reports(struct auth_throttle *t, int64_t now, bool all, auth_throttle_report_fn fn,
			       void *arg, int *lost);

#endif
