/*
 * Sessions: 256-bit random tokens and CSRF tokens, stored only as BLAKE2b-256
 * hashes; idle and absolute timeouts from [session]; the account must still be
 * active at every request, so disabling or suspending an account cuts its open
 * sessions at once.
 */
#include <sodium.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/auth_int.h"
#include "auth/session_cache.h"
#include "auth/totp.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"

static void token_hash(const unsigned char *tok, unsigned char out[STORE_TOKEN_HASH_BYTES])
{
	crypto_generichash(out, STORE_TOKEN_HASH_BYTES, tok, AUTH_TOKEN_BYTES, NULL, 0);
}

/* Parses a 64-hex-digit token; 0 or -1. */
static int token_parse(const char *hex, unsigned char out[AUTH_TOKEN_BYTES])
{
	size_t len = 0;
	const char *end = NULL;
	if (!hex || strlen(hex) != 2 * AUTH_TOKEN_BYTES)
		return -1;
	if (sodium_hex2bin(out, AUTH_TOKEN_BYTES, hex, 2 * AUTH_TOKEN_BYTES, NULL, &len, &end) != 0 ||
	    len != AUTH_TOKEN_BYTES)
		return -1;
	return 0;
}

int64_t auth_password_expires_at(const struct config *cfg, const struct store_user *u)
{
	return u->password_changed_at + (int64_t)cfg->password.max_age_days * 86400;
}

/* Fills the password-state fields of a caller from its user; totp_required and
 * agency_quota as read with the session (or -1 / -1 to read them now). */
static void caller_fill(struct auth_service *svc, struct auth_caller *c, int64_t now, int totp_required,
			int agency_quota)
{
	c->role = auth_role_parse(c->user.role);
	c->password_expires_at = auth_password_expires_at(svc->cfg, &c->user);
	c->must_change_password = c->user.must_change_password || now >= c->password_expires_at;
	c->password_warn = now >= c->password_expires_at - (int64_t)svc->cfg->password.warn_days * 86400;
	c->totp_enrolment_required =
		totp_required >= 0 ? totp_required != 0 : auth_totp_enrolment_required(svc, &c->user);
	if (agency_quota < 0) {
		struct store_agency ag;
		agency_quota = store_agency_get(svc->st, c->user.agency, &ag) == STORE_OK ? ag.quota_per_day : 0;
	}
	c->agency_quota_per_day = agency_quota;
}

int auth_session_open(struct auth_service *svc, const struct store_user *u, const char *ip,
		      struct auth_signin_result *out)
{
	unsigned char tok[AUTH_TOKEN_BYTES], csrf[AUTH_TOKEN_BYTES];
	struct store_session s = {0};
	int64_t now = clock_now();
	randombytes_buf(tok, sizeof tok);
	randombytes_buf(csrf, sizeof csrf);
	token_hash(tok, s.token_hash);
	token_hash(csrf, s.csrf_hash);
	s.user_id = u->id;
	snprintf(s.ip, sizeof s.ip, "%s", ip);
	s.created_at = s.last_seen_at = now;
	int rc = store_session_create(svc->st, &s) ? AUTH_ESTORE : AUTH_OK;
	if (rc == AUTH_OK) {
		sodium_bin2hex(out->token, sizeof out->token, tok, sizeof tok);
		sodium_bin2hex(out->csrf, sizeof out->csrf, csrf, sizeof csrf);
		out->caller.user = *u;
		memcpy(out->caller.token_hash, s.token_hash, sizeof s.token_hash);
		memcpy(out->caller.csrf_hash, s.csrf_hash, sizeof s.csrf_hash);
		out->caller.session_created_at = now;
		snprintf(out->caller.ip, sizeof out->caller.ip, "%s", ip);
		caller_fill(svc, &out->caller, now, -1, -1);
	}
	sodium_memzero(tok, sizeof tok);
	sodium_memzero(csrf, sizeof csrf);
	return rc;
}

/* Reads a session, its account, its second-factor state and its agency's quota
 * from the store into *e. AUTH_OK, AUTH_ESESSION (no such session or account) or
 * AUTH_ESTORE. */
static int session_read(struct auth_service *svc, const unsigned char *hash, struct auth_cached_session *e)
{
	memset(e, 0, sizeof *e);
	int rc = store_session_get(svc->st, hash, &e->session);
	if (rc)
		return rc == STORE_ENOTFOUND ? AUTH_ESESSION : AUTH_ESTORE;
	rc = store_user_get_by_id(svc->st, e->session.user_id, &e->user);
	if (rc)
		return rc == STORE_ENOTFOUND ? AUTH_ESESSION : AUTH_ESTORE;
	if (strcmp(e->user.status, "active") == 0) {
		struct store_agency ag;
		e->totp_enrolment_required = auth_totp_enrolment_required(svc, &e->user);
		e->agency_quota_per_day =
			store_agency_get(svc->st, e->user.agency, &ag) == STORE_OK ? ag.quota_per_day : 0;
	}
	return AUTH_OK;
}

int auth_session_resolve(struct auth_service *svc, const char *token, const char *ip, struct auth_caller *out)
{
	unsigned char tok[AUTH_TOKEN_BYTES];
	struct auth_cached_session e;
	int64_t now = clock_now();
	memset(out, 0, sizeof *out);
	if (token_parse(token, tok))
		return AUTH_ESESSION;
	token_hash(tok, out->token_hash);
	sodium_memzero(tok, sizeof tok);
	/* The generation is taken before the reads: a change committed while they run
	 * leaves the entry stale at once (session_cache.h). */
	uint64_t gen = store_accounts_generation(svc->st);
	bool cached = auth_session_cache_get(svc->sessions, out->token_hash, gen, &e);
	int rc = AUTH_OK;
	if (!cached && (rc = session_read(svc, out->token_hash, &e)) != AUTH_OK)
		goto out;
	if (now - e.session.last_seen_at >= svc->cfg->session.idle_seconds ||
	    now - e.session.created_at >= svc->cfg->session.absolute_seconds) {
		auth_session_cache_drop(svc->sessions, out->token_hash);
		store_session_delete(svc->st, out->token_hash);
		rc = AUTH_ESESSION;
		goto out;
	}
	out->user = e.user;
	if (strcmp(out->user.status, "suspended") == 0) {
		rc = AUTH_ESUSPENDED;
		goto out;
	}
	if (strcmp(out->user.status, "active") != 0) {
		/* disabled or locked since the session began: cut it now */
		store_session_delete_user(svc->st, out->user.id, NULL, NULL);
		rc = AUTH_ESESSION;
		goto out;
	}
	if (!cached)
		auth_session_cache_put(svc->sessions, gen, &e);
	memcpy(out->csrf_hash, e.session.csrf_hash, sizeof e.session.csrf_hash);
	out->session_created_at = e.session.created_at;
	snprintf(out->ip, sizeof out->ip, "%s", ip);
	caller_fill(svc, out, now, e.totp_enrolment_required, e.agency_quota_per_day);
	/* Touch at most every 10 s: the idle timeout is minutes, writes are not free. */
	if (now - e.session.last_seen_at >= 10) {
		store_session_touch(svc->st, out->token_hash, now);
		auth_session_cache_touch(svc->sessions, out->token_hash, now);
	}
out:
	sodium_memzero(&e, sizeof e);
	return rc;
}

bool auth_session_csrf_ok(struct auth_service *svc, const struct auth_caller *c, const char *csrf)
{
	(void)svc;
	unsigned char tok[AUTH_TOKEN_BYTES], h[STORE_TOKEN_HASH_BYTES];
	if (token_parse(csrf, tok))
		return false;
	token_hash(tok, h);
	sodium_memzero(tok, sizeof tok);
	return sodium_memcmp(h, c->csrf_hash, sizeof h) == 0;
}

int auth_session_reissue_csrf(struct auth_service *svc, struct auth_caller *c, char csrf[AUTH_TOKEN_HEX])
{
	unsigned char tok[AUTH_TOKEN_BYTES], h[STORE_TOKEN_HASH_BYTES];
	randombytes_buf(tok, sizeof tok);
	token_hash(tok, h);
	int rc = store_session_set_csrf(svc->st, c->token_hash, h);
	if (rc == STORE_OK) {
		sodium_bin2hex(csrf, AUTH_TOKEN_HEX, tok, sizeof tok);
		memcpy(c->csrf_hash, h, sizeof h);
	}
	sodium_memzero(tok, sizeof tok);
	return rc == STORE_OK ? AUTH_OK : rc == STORE_ENOTFOUND ? AUTH_ESESSION : AUTH_ESTORE;
}

int auth_signout(struct auth_service *svc, const struct auth_caller *c)
{
	int rc = store_session_delete(svc->st, c->token_hash);
	const char *kv[] = {NULL};
	auth_audit(svc, "signout", c->user.username, c->user.agency, c->ip, kv);
	return rc ? AUTH_ESTORE : AUTH_OK;
}
