/*
 * Reminders for the agency admin, computed from an account and the policy: when
 * its password expires (and whether that is soon or past), when the dormancy
 * rule of the scheduler (lifecycle.c) will disable it, and the list of things
 * to act on that the account list and the access review show. Days are local
 * calendar days (Asia/Ho_Chi_Minh), as a person counts them.
 */
#include "auth/staff.h"
#include "core/clock.h"
#include "core/config.h"

#include <string.h>

int64_t auth_dormant_since(const struct store_user *u)
{
	int64_t t = u->last_login_at;
	if (u->created_at > t)
		t = u->created_at;
	if (u->password_changed_at > t)
		t = u->password_changed_at;
	return t;
}

void auth_reminders_get(const struct config *cfg, const struct store_user *u, int64_t now,
			struct auth_reminders *out)
{
	int64_t today = clock_local_day(now);
	memset(out, 0, sizeof *out);
	out->password_expires_at = auth_password_expires_at(cfg, u);
	out->password_expires_in_days = (int)(clock_local_day(out->password_expires_at) - today);
	out->password_age_days = now > u->password_changed_at ? (int)((now - u->password_changed_at) / 86400) : 0;
	out->dormant_applies = !strcmp(u->status, "active") || !strcmp(u->status, "locked");
	if (!out->dormant_applies)
		return;
	out->dormant_at = auth_dormant_since(u) + (int64_t)cfg->accounts.dormant_days * 86400;
	out->dormant_in_days = (int)(clock_local_day(out->dormant_at) - today);
	if (now >= out->password_expires_at)
		out->attention |= AUTH_ATTN_PASSWORD_EXPIRED;
	else if (now >= out->password_expires_at - (int64_t)cfg->password.warn_days * 86400)
		out->attention |= AUTH_ATTN_PASSWORD_EXPIRING;
	if (now >= out->dormant_at - (int64_t)cfg->accounts.dormant_warn_days * 86400)
		out->attention |= AUTH_ATTN_DORMANT_SOON;
	if (u->must_change_password)
		out->attention |= AUTH_ATTN_MUST_CHANGE;
}

const char *auth_attention_name(int i)
{
	static const char *const names[AUTH_ATTN_COUNT] = {"password_expired", "password_expiring", "dormant_soon",
							   "must_change_password"};
	return i >= 0 && i < AUTH_ATTN_COUNT ? names[i] : "";
}
