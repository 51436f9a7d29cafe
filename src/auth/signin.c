/*
 * Sign-in. Every failure (unknown user, wrong password, locked, disabled,
 * suspended) costs the same argon2id work and gets the same answer, so neither the
 * answer nor its timing tells an attacker which usernames exist. Failures count
 * towards the account lockout and the client-address throttle; a throttled
 * address is answered before any hashing, so a flood costs nothing.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth_int.h"
#include "auth/hash.h"
#include "auth/password.h"
#include "auth/throttle.h"
#include "auth/totp.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"

static int signin_input_ok(const char *username, const char *password)
{
	size_t ul = username ? strlen(username) : 0, pl = password ? strlen(password) : 0;
	return ul > 0 && ul < STORE_USERNAME_MAX && pl > 0 && pl <= PASSWORD_MAX_LEN;
}

static void audit_fail(struct auth_service *svc, const char *username, const char *agency, const char *ip,
		       const char *reason)
{
	const char *kv[] = {"username", username, "reason", reason, NULL};
	auth_audit(svc, "signin_fail", username, agency, ip, kv);
}

int auth_signin(struct auth_service *svc, const char *username, const char *password, const char *ip,
		struct auth_signin_result *out)
{
	return auth_signin_otp(svc, username, password, NULL, ip, out);
}

int auth_signin_otp(struct auth_service *svc, const char *username, const char *password, const char *otp,
		    const char *ip, struct auth_signin_result *out)
{
	return auth_signin_client(svc, username, password, otp, ip, NULL, out);
}

/* The header as the record keeps it: bounded, printable ASCII only (the audit
 * record is JSON and must stay valid UTF-8 whatever a client sends). */
static void user_agent_clean(const char *ua, char out[AUTH_USER_AGENT_MAX + 1])
{
	size_t n = 0;
	for (; ua && ua[n] && n < AUTH_USER_AGENT_MAX; n++)
		out[n] = ua[n] >= 0x20 && ua[n] < 0x7f ? ua[n] : '?';
	out[n] = '\0';
}

int auth_signin_client(struct auth_service *svc, const char *username, const char *password, const char *otp,
		       const char *ip, const char *user_agent, struct auth_signin_result *out)
{
	struct store_user u;
	memset(out, 0, sizeof *out);
	if (!signin_input_ok(username, password))
		return AUTH_EINVAL;
	int64_t now = clock_now();
	if (auth_throttle_blocked(svc->throttle, ip, now, &out->retry_after)) {
		const char *kv[] = {"username", username, NULL};
		auth_audit(svc, "signin_throttled", username, NULL, ip, kv);
		return AUTH_ETHROTTLED;
	}
	int rc = store_user_get_by_name(svc->st, username, &u);
	if (rc != STORE_OK && rc != STORE_ENOTFOUND)
		return AUTH_ESTORE;
	bool found = rc == STORE_OK;
	bool match = false;
	if (found)
		match = password_hash_verify(u.password_hash, password) == 0;
	else
		password_hash_dummy_verify(password);
	if (!found) {
		auth_throttle_fail(svc->throttle, ip, now);
		audit_fail(svc, username, NULL, ip, "unknown_user");
		return AUTH_ECREDENTIALS;
	}

	/* Account state is read again under the lock: another sign-in may have
	 * counted a failure while this one was hashing. */
	pthread_mutex_lock(&svc->mu);
	now = clock_now();
	rc = store_user_get_by_name(svc->st, username, &u);
	if (rc) {
		pthread_mutex_unlock(&svc->mu);
		return AUTH_ESTORE;
	}
	bool unlocked = auth_lockout_expire(&u, now);
	const char *reason = NULL;
	bool locked_now = false, failed = !match;
	if (strcmp(u.status, "active") != 0) {
		reason = u.status; /* locked, suspended, disabled: same answer as a bad password */
	} else if (!match) {
		reason = "wrong_password";
		locked_now = auth_lockout_register_failure(svc->cfg, &u, now);
	} else if (auth_totp_check(svc, &u, otp, now, &reason) != AUTH_OK) {
		/* the second factor counts like the password: same answer, same lockout */
		failed = true;
		locked_now = auth_lockout_register_failure(svc->cfg, &u, now);
	} else {
		u.failed_count = 0;
		u.failed_window_start = 0;
		u.last_login_at = now;
	}
	if (unlocked || reason == NULL || locked_now || failed) {
		u.updated_at = now;
		rc = store_user_save(svc->st, &u);
	}
	pthread_mutex_unlock(&svc->mu);
	if (rc)
		return AUTH_ESTORE;

	if (reason) {
		if (failed)
			auth_throttle_fail(svc->throttle, ip, now);
		audit_fail(svc, username, u.agency, ip, reason);
		if (locked_now) {
			char until[32] = "until unlocked";
			if (u.locked_until)
				clock_format_rfc3339(u.locked_until, until, sizeof until);
			const char *kv[] = {"username", username, "locked_until", until, "reason", u.status_reason, NULL};
			auth_audit(svc, "account_lock", "system", u.agency, ip, kv);
			log_warn("auth", "account %s locked (%s) after repeated failed sign-ins from %s", username,
				 until, ip);
		}
		return AUTH_ECREDENTIALS;
	}

	if (password_hash_needs_rehash(u.password_hash)) {
		char fresh[PASSWORD_HASH_MAX];
		if (password_hash_make(password, fresh) == 0) {
			snprintf(u.password_hash, sizeof u.password_hash, "%s", fresh);
			store_user_save(svc->st, &u);
			log_info("auth", "password hash of %s upgraded to the current cost", username);
		}
		sodium_memzero(fresh, sizeof fresh);
	}
	rc = auth_session_open(svc, &u, ip, out);
	if (rc)
		return rc;
	/* No session leaves without its record (fail closed): if the audit log
	 * cannot take signin_ok, the session just opened is deleted unused. */
	char ua[AUTH_USER_AGENT_MAX + 1];
	user_agent_clean(user_agent, ua);
	const char *kv[] = {"username", username, ua[0] ? "user_agent" : NULL, ua, NULL};
	if (auth_audit(svc, "signin_ok", username, u.agency, ip, kv) != AUTH_OK) {
		if (store_session_delete(svc->st, out->caller.token_hash) != STORE_OK)
			log_error("auth", "cannot delete the unaudited session of %s; it expires unused (its "
				  "token was never handed out)", username);
		sodium_memzero(out, sizeof *out);
		return AUTH_EAUDIT;
	}
	return AUTH_OK;
}
