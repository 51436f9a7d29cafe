/*
 * Internals shared by the files of src/auth: opening a session after a good
 * sign-in, and the lockout arithmetic (kept pure so tests can drive it with any
 * clock).
 */
#ifndef CANHGAC_AUTH_AUTH_INT_H
#define CANHGAC_AUTH_AUTH_INT_H

#include "auth/auth.h"

/* Opens a session for u; fills out->token, out->csrf and out->caller. */
int auth_session_open(struct auth_service *svc, const struct store_user *u, const char *ip,
		      struct auth_signin_result *out);

/* Counts one failed sign-in on u at `now`; locks it when [lockout] max_failures is
 * reached within window_seconds: for lock_seconds, doubled on each repeat, and
 * until an admin unlocks after the third lock within 24 hours. Returns 1 when this
 * failure locked the account, else 0. */
int auth_lockout_register_failure(const struct config *cfg, struct store_user *u, int64_t now);

/* Lifts a timed lock whose time has passed; returns 1 when it did. */
int auth_lockout_expire(struct store_user *u, int64_t now);

#define LOCKOUT_PERMANENT_AFTER 3

#endif
