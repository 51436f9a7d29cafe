/*
 * Sign-in. Every failure (unknown user, wrong password, locked, disabled,
 * suspended) costs the same argon2id work and gets the same answer, so neither the
 * answer nor its timing tells an attacker which usernames exist. Failures count
 * towards the account lockout and the client-address throttle, counted before
 * the hashing in the same step as the check (so concurrent attempts cannot pass
 * the limit); a throttled address is answered before any hashing and writes
 * nothing durable per attempt: its refusals become one `signin_throttled`
 * record per address and window, with their count (auth_throttle_record_windows).
 * When the store cannot read or record an attempt (a full or failing disk), the
 * answer is still the same 401, whatever the password and the account's state:
 * the failure is counted in memory for the address and the account (which
 * answers as locked at [lockout] max_failures), logged, and counted for the
 * detector's signin_unrecorded alert.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
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

/* An attempt the store could not read or record: the answer of any failed
 * sign-in. The address's throttle has counted it already (auth_throttle_take). */
static int fail_unrecorded(struct auth_service *svc, const char *username, const char *ip, int64_t now)
{
	auth_throttle_fail(svc->unrecorded, username, now);
	atomic_fetch_add(&svc->unrecorded_total, 1);
	log_error("auth", "the store cannot read or record a sign-in of %s from %s: answered as failed, counted "
		  "in memory", username, ip);
	audit_fail(svc, username, NULL, ip, "store_unavailable");
	return AUTH_ECREDENTIALS;
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
	/* Counted as a failure now; given back below when it turns out not to be one. */
	int64_t counted_at = now;
	if (!auth_throttle_take(svc->throttle, ip, now, &out->retry_after))
		return AUTH_ETHROTTLED;
	int rc = store_user_get_by_name(svc->st, username, &u);
	bool found = rc == STORE_OK;
	bool match = false;
	if (found)
		match = password_hash_verify(u.password_hash, password) == 0;
	else
		password_hash_dummy_verify(password); /* the same work when the store cannot say either */
	if (rc != STORE_OK && rc != STORE_ENOTFOUND)
		return fail_unrecorded(svc, username, ip, now);
	if (auth_throttle_blocked(svc->unrecorded, username, clock_now(), NULL)) {
		/* locked by failures the store could not record: as a locked account */
		audit_fail(svc, username, found ? u.agency : NULL, ip, "locked");
		return AUTH_ECREDENTIALS;
	}
	if (!found) {
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
		return fail_unrecorded(svc, username, ip, now);
	}
	bool unlocked = auth_lockout_expire(&u, now);
	const char *reason = NULL;
	bool locked_now = false, failed = !match;
	if (strcmp(u.status, "active") != 0) {
		reason = u.status; /* locked, suspended, disabled: same answer as a bad password */
	} else if (match && u.must_change_password && svc->cfg->password.otp_expiry_hours > 0 &&
		   now - u.password_changed_at > (int64_t)svc->cfg->password.otp_expiry_hours * 3600) {
		/* a one-time password not used in time: it may have travelled anywhere since
		 * the handover; a new one needs a new handover (reset-password). The same
		 * answer as a wrong password, not counted toward the lock. */
		reason = "one_time_password_expired";
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
	if (rc) /* a failure or a success alike: the answer must not tell them apart */
		return fail_unrecorded(svc, username, ip, now);

	if (reason) {
		/* counted whatever the password: a locked account must not tell a right
		 * one by a throttle that comes later */
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
	if (rc) {
		sodium_memzero(out, sizeof *out);
		return fail_unrecorded(svc, username, ip, now);
	}
	auth_throttle_forgive(svc->throttle, ip, counted_at);
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

static void report_one(const struct auth_throttle_report *r, void *arg)
{
	struct auth_service *svc = arg;
	char from[32], to[32];
	clock_format_rfc3339(r->window_start, from, sizeof from);
	clock_format_rfc3339(r->window_end, to, sizeof to);
	if (!svc->audit) {
		log_info("auth", "%s: %d sign-in attempts refused (throttled) from %s to %s", r->ip, r->refused, from, to);
		return;
	}
	json_t *payload = json_pack("{s:i, s:s, s:s, s:I}", "refused", r->refused, "window_start", from, "window_end",
				    to, "window_seconds", (json_int_t)(r->window_end - r->window_start));
	struct audit_event ev = {.type = "signin_throttled", .actor = "-", .ip = r->ip, .payload = payload};
	uint64_t seq;
	if (payload && audit_append(svc->audit, &ev, &seq) != AUDIT_OK)
		log_error("auth", "audit log unavailable: %d throttled sign-ins from %s (%s to %s) not recorded",
			  r->refused, r->ip, from, to);
	json_decref(payload);
}

int auth_throttle_record_windows(struct auth_service *svc, int64_t now, bool all)
{
	int lost = 0;
	int n = auth_throttle_take_reports(svc->throttle, now, all, report_one, svc, &lost);
	if (lost)
		log_warn("auth", "%d windows of throttled sign-ins not recorded: too many addresses at once", lost);
	return n;
}
