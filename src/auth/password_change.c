/*
 * A user changing their own password: the current one proves who they are, the
 * new one must meet the whole policy and differ from the last [password] history
 * ones. On success the other sessions of the user end (a thief's among them).
 */
#include <sodium.h>
#include <string.h>

#include "auth/auth_int.h"
#include "auth/hash.h"
#include "auth/password.h"
#include "core/clock.h"
#include "core/config.h"

struct history_check {
	const char *candidate;
	bool reused;
};

static int history_match(const char *hash, void *arg)
{
	struct history_check *h = arg;
	if (password_hash_verify(hash, h->candidate) == 0) {
		h->reused = true;
		return 1;
	}
	return 0;
}

/* Policy plus history plus the minimum age; returns the violation bits. A
 * required change (a one-time password after creation or reset, an expired one)
 * is never too recent. */
static unsigned password_violations(struct auth_service *svc, const struct store_user *u, const char *current,
				    const char *candidate, bool forced)
{
	unsigned v = password_policy_check(svc->cfg, candidate, u->username, u->full_name, current);
	int min_age = svc->cfg->password.min_age_days;
	if (!forced && min_age > 0 && clock_now() - u->password_changed_at < (int64_t)min_age * 86400)
		v |= PW_TOO_RECENT;
	if (svc->cfg->password.history > 0 && !(v & PW_SAME_AS_CURRENT)) {
		struct history_check h = {candidate, false};
		store_user_password_history(svc->st, u->id, svc->cfg->password.history, history_match, &h);
		if (h.reused)
			v |= PW_REUSED;
	}
	return v;
}

int auth_password_change(struct auth_service *svc, struct auth_caller *c, const char *current,
			 const char *new_password, unsigned *violations)
{
	char hash[PASSWORD_HASH_MAX];
	*violations = 0;
	if (!current || !new_password || strlen(current) > PASSWORD_MAX_LEN || !*current)
		return AUTH_EINVAL;
	if (strlen(new_password) > PASSWORD_MAX_LEN) {
		*violations = 0;
		return AUTH_EINVAL;
	}
	struct store_user u;
	if (store_user_get_by_id(svc->st, c->user.id, &u))
		return AUTH_ESTORE;
	if (password_hash_verify(u.password_hash, current) != 0) {
		const char *kv[] = {"reason", "wrong_current_password", NULL};
		auth_audit(svc, "password_change_fail", u.username, u.agency, c->ip, kv);
		return AUTH_ECREDENTIALS;
	}
	*violations = password_violations(svc, &u, current, new_password, c->must_change_password);
	if (*violations) {
		const char *kv[] = {"reason", "policy", NULL};
		auth_audit(svc, "password_change_fail", u.username, u.agency, c->ip, kv);
		return AUTH_EPOLICY;
	}
	if (password_hash_make(new_password, hash))
		return AUTH_ESTORE;
	int64_t now = clock_now();
	int rc = store_user_set_password(svc->st, &u, hash, now, false, svc->cfg->password.history);
	sodium_memzero(hash, sizeof hash);
	if (rc)
		return AUTH_ESTORE;
	int revoked = 0;
	store_session_delete_user(svc->st, u.id, c->token_hash, &revoked);
	char n[16];
	snprintf(n, sizeof n, "%d", revoked);
	const char *kv[] = {"other_sessions_revoked", n, NULL};
	auth_audit(svc, "password_change", u.username, u.agency, c->ip, kv);
	/* The caller now reflects the new state. */
	c->user.must_change_password = false;
	c->user.password_changed_at = now;
	c->must_change_password = false;
	c->password_expires_at = auth_password_expires_at(svc->cfg, &c->user);
	c->password_warn = false;
	return AUTH_OK;
}
