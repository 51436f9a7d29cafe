/*
 * Account lockout arithmetic. Pure functions over struct store_user and a clock,
 * so the doubling and the permanent lock are tested without sleeping.
 */
#include <stdio.h>
#include <string.h>

#include "auth/auth_int.h"
#include "core/config.h"

int auth_lockout_register_failure(const struct config *cfg, struct store_user *u, int64_t now)
{
	if (now - u->failed_window_start >= cfg->lockout.window_seconds) {
		u->failed_window_start = now;
		u->failed_count = 0;
	}
	u->failed_count++;
	if (u->failed_count < cfg->lockout.max_failures)
		return 0;
	if (now - u->first_lock_at >= 86400) {
		u->first_lock_at = now;
		u->lock_count = 0;
	}
	u->lock_count++;
	u->failed_count = 0;
	u->failed_window_start = now;
	snprintf(u->status, sizeof u->status, "locked");
	if (u->lock_count >= LOCKOUT_PERMANENT_AFTER) {
		u->locked_until = 0;
		snprintf(u->status_reason, sizeof u->status_reason,
			 "locked %d times within 24 hours: an administrator must unlock it", u->lock_count);
	} else {
		int shift = u->lock_count - 1; /* 1st lock: lock_seconds, 2nd: twice that */
		u->locked_until = now + ((int64_t)cfg->lockout.lock_seconds << shift);
		snprintf(u->status_reason, sizeof u->status_reason, "%d failed sign-ins", cfg->lockout.max_failures);
	}
	return 1;
}

int auth_lockout_expire(struct store_user *u, int64_t now)
{
	if (strcmp(u->status, "locked") != 0 || u->locked_until == 0 || now < u->locked_until)
		return 0;
	snprintf(u->status, sizeof u->status, "active");
	u->status_reason[0] = '\0';
	u->locked_until = 0;
	return 1;
}
