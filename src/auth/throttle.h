/*
 * Failed sign-ins per client address, in memory: a fixed table (no allocation per
 * attacker, so a flood of addresses cannot grow memory), each slot a window of
 * [lockout] window_seconds. Used to answer 429 before any password work is done.
 */
#ifndef CANHGAC_AUTH_THROTTLE_H
#define CANHGAC_AUTH_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#define THROTTLE_SLOTS 8192

struct auth_throttle;

struct auth_throttle *auth_throttle_new(int max_failures, int window_seconds);
void auth_throttle_free(struct auth_throttle *t);

/* True when ip has reached max failures in its window; *retry_after gets the
 * seconds until the window ends. */
bool auth_throttle_blocked(struct auth_throttle *t, const char *ip, int64_t now, int *retry_after);

/* Counts one failure of ip. */
void auth_throttle_fail(struct auth_throttle *t, const char *ip, int64_t now);

#endif
