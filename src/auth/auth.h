/*
 * Accounts and sign-in: the province's orders on accounts as a C interface with no
 * HTTP in it. Roles and statuses, who may manage whom (an agency admin only their
 * own agency), sign-in with throttling and lockout, sessions with idle and absolute
 * timeouts and a CSRF token, password changes with the policy and history, and the
 * account operations of the console and the CLI. Every action worth proving later
 * is written to the audit log.
 */
#ifndef CANHGAC_AUTH_AUTH_H
#define CANHGAC_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "store/store.h"

struct config;
struct audit;

enum auth_err {
	AUTH_OK = 0,
	AUTH_EINVAL = -1,        /* bad input; the caller says which field */
	AUTH_ECREDENTIALS = -2,  /* unknown user, wrong password, locked, disabled: one answer */
	AUTH_ETHROTTLED = -3,    /* too many failures from this client address */
	AUTH_EPOLICY = -4,       /* the new password breaks the policy; see violations */
	AUTH_ENOTFOUND = -5,
	AUTH_ECONFLICT = -6,     /* username or agency code taken */
	AUTH_EFORBIDDEN = -7,    /* role or agency does not allow it */
	AUTH_ESESSION = -8,      /* no valid session */
	AUTH_EAUDIT = -9,        /* the audit log cannot be written: fail closed */
	AUTH_ESTORE = -10,
	AUTH_ESUSPENDED = -11,   /* the account is suspended (by the detector): 403 account_suspended */
	AUTH_ESCOPE = -12,       /* a service credential without the scope: 403 insufficient_scope */
};

enum auth_role {
	ROLE_ADMIN = 1u << 0,
	ROLE_AGENCY_ADMIN = 1u << 1,
	ROLE_OFFICER = 1u << 2,
	ROLE_AUDITOR = 1u << 3,
	/* A system, not a person (credential.c): deliberately NOT in ROLE_ANY, so
	 * every handler that does not name it refuses a service caller with 403. */
	ROLE_SERVICE = 1u << 4,
};
#define ROLE_ANY (ROLE_ADMIN | ROLE_AGENCY_ADMIN | ROLE_OFFICER | ROLE_AUDITOR)

/* What a service credential may do; a route that takes service callers names one
 * (http_guard_scope). */
enum auth_scope {
	AUTH_SCOPE_DOSSIERS_WRITE = 1u << 0,  /* "dossiers:write": push dossiers */
	AUTH_SCOPE_INDICATORS_READ = 1u << 1, /* "indicators:read": read indicators (TAXII) */
};
#define AUTH_SCOPE_ALL (AUTH_SCOPE_DOSSIERS_WRITE | AUTH_SCOPE_INDICATORS_READ)

#define AUTH_TOKEN_BYTES 32
#define AUTH_TOKEN_HEX (2 * AUTH_TOKEN_BYTES + 1)
#define AUTH_OTP_MAX 32

struct auth_throttle;

struct auth_service {
	struct store *st;
	const struct config *cfg;
	struct audit *audit;            /* may be NULL in unit tests: events then go to the log */
	struct auth_throttle *throttle;
	/* Failed sign-ins per account that the store could not record (full or
	 * failing disk), in memory: at [lockout] max_failures the account answers
	 * as locked until its window ends. Keyed by the name typed. */
	struct auth_throttle *unrecorded;
	_Atomic unsigned long long unrecorded_total; /* such failures since start (the detector's alert) */
	pthread_mutex_t mu;             /* serialises read-modify-write of account state */
	const char *data_dir;           /* DATA, for keys/totp.key; NULL: no second factor (totp.h) */
	struct auth_session_cache *sessions; /* resolved sessions (session_cache.h); NULL: none */
	struct auth_throttle *bearer_throttle; /* bad bearer tokens per client address (credential.c) */
};

/* The signed-in caller, as handlers see it. */
struct auth_caller {
	struct store_user user;
	unsigned role;                  /* one enum auth_role bit */
	bool must_change_password;      /* first sign-in, reset, or expired */
	int64_t password_expires_at;
	bool password_warn;             /* within warn_days of expiry */
	bool totp_enrolment_required;   /* a [totp] required role without a confirmed second factor */
	int agency_quota_per_day;       /* the agency's own day quota; 0: the [quota] default */
	unsigned char token_hash[STORE_TOKEN_HASH_BYTES];
	unsigned char csrf_hash[STORE_TOKEN_HASH_BYTES];
	int64_t session_created_at;     /* for the absolute timeout the console shows */
	char ip[64];
	/* A service caller (role ROLE_SERVICE): user.username is the service's name,
	 * user.agency its bound agency ("" for province-wide), user.id 0. */
	unsigned scopes;                /* enum auth_scope bits; 0 for people */
	int64_t service_id;             /* 0 for people */
};

/* Creates the service; the caller keeps ownership of st, cfg and audit. */
int auth_service_init(struct auth_service *svc, struct store *st, const struct config *cfg, struct audit *audit);
void auth_service_free(struct auth_service *svc);

/* "admin" → ROLE_ADMIN; 0 for anything else. */
unsigned auth_role_parse(const char *s);
const char *auth_role_name(unsigned role);
bool auth_status_valid(const char *s);

/* ---- sign-in and sessions (signin.c, session.c) ---- */

struct auth_signin_result {
	char token[AUTH_TOKEN_HEX];     /* the cookie value; wipe after use */
	char csrf[AUTH_TOKEN_HEX];      /* the X-CSRF-Token value */
	struct auth_caller caller;
	int retry_after;                /* seconds, with AUTH_ETHROTTLED */
};

/* Checks username and password (same work and same answer for every failure),
 * applies the account lockout and the client-address throttle, and opens a session. */
int auth_signin(struct auth_service *svc, const char *username, const char *password, const char *ip,
		struct auth_signin_result *out);
/* The same with the second factor: otp (a TOTP code or a recovery code, may be
 * NULL) is required when the account has one; missing or wrong is the same
 * AUTH_ECREDENTIALS as a wrong password and counts towards the lockout. */
int auth_signin_otp(struct auth_service *svc, const char *username, const char *password, const char *otp,
		    const char *ip, struct auth_signin_result *out);
/* The same, with the client's User-Agent header (may be NULL): it goes into the
 * signin_ok record's payload as `user_agent`, cut to AUTH_USER_AGENT_MAX bytes,
 * bytes outside printable ASCII as '?', so that the detector can tell two
 * browsers on one address apart (docs/DETECTION.md, concurrent_sessions). */
#define AUTH_USER_AGENT_MAX 200
int auth_signin_client(struct auth_service *svc, const char *username, const char *password, const char *otp,
		       const char *ip, const char *user_agent, struct auth_signin_result *out);

/* Writes one `signin_throttled` audit record (refused count, window) for each
 * address whose throttled window has ended by `now` (every window with refusals
 * when `all`, at shutdown). Called every minute by the account scheduler.
 * Returns how many records were written or attempted. */
int auth_throttle_record_windows(struct auth_service *svc, int64_t now, bool all);

/* At start: feeds the failed sign-ins of the last [lockout] window_seconds from
 * the audit log of data_dir back into the per-address throttle, so a restart
 * gives no address a fresh allowance (throttle_rebuild.c). AUTH_OK or AUTH_ESTORE
 * with why. */
int auth_throttle_rebuild(struct auth_service *svc, const char *data_dir, char *why, size_t why_size);

/* Resolves a session token (hex, from the cookie): idle and absolute timeouts, the
 * account still active. Touches last_seen. AUTH_ESESSION when not valid (the
 * sessions of a disabled or locked account are deleted); AUTH_ESUSPENDED when the
 * account is suspended (the session can do nothing until an admin re-enables it). */
int auth_session_resolve(struct auth_service *svc, const char *token, const char *ip, struct auth_caller *out);

/* True when csrf (hex, from X-CSRF-Token) belongs to the caller's session. Constant time. */
bool auth_session_csrf_ok(struct auth_service *svc, const struct auth_caller *c, const char *csrf);

/* Issues a new CSRF token for the caller's session (hex into csrf, which the caller
 * wipes) and stores only its hash; the session's previous token stops working.
 * For GET /session, when a reloaded page has lost the token. AUTH_ESESSION when
 * the session is gone. */
int auth_session_reissue_csrf(struct auth_service *svc, struct auth_caller *c, char csrf[AUTH_TOKEN_HEX]);

int auth_signout(struct auth_service *svc, const struct auth_caller *c);

/* ---- own password (password_change.c) ---- */

/* violations gets the enum password_violation bits with AUTH_EPOLICY. Revokes every
 * session of the user but the current one. */
int auth_password_change(struct auth_service *svc, struct auth_caller *c, const char *current,
			 const char *new_password, unsigned *violations);

/* ---- accounts (accounts.c) ---- */

/* True when caller may see or manage accounts of `agency`: admin always, agency
 * admin only their own. */
bool auth_may_manage(const struct auth_caller *c, const char *agency);
/* True when caller may read the account list/details of `agency` (adds auditors read-only). */
bool auth_may_view(const struct auth_caller *c, const char *agency);

struct auth_new_user {
	const char *username, *full_name, *agency, *role;
};

/* Creates an account with a one-time password written into otp (size ≥ AUTH_OTP_MAX),
 * which the caller shows once and wipes. actor is the caller (NULL for the CLI:
 * "cli"). AUTH_EINVAL with *field set to the bad field's name. */
int auth_user_create(struct auth_service *svc, const struct auth_caller *actor, const struct auth_new_user *nu,
		     struct store_user *out, char *otp, const char **field);

int auth_agency_create(struct auth_service *svc, const struct auth_caller *actor, const char *code,
		       const char *name, int quota_per_day, const char **field);

/* Account operations. reason is required for disable (AUTH_EINVAL otherwise). */
int auth_user_disable(struct auth_service *svc, const struct auth_caller *actor, int64_t id, const char *reason);
/* Re-enables a disabled, locked or suspended account. On an account the detector
 * suspended (status `suspended`) the password is reset in the same step, since
 * the one the detector saw used must be taken as leaked: otp (size >=
 * AUTH_OTP_MAX) gets a one-time password to hand over as after
 * auth_user_reset_password (changed at the next sign-in), *reset is set, and the
 * sessions are revoked; while the reset fails the account stays suspended.
 * Otherwise otp is left alone and *reset is false. The caller wipes otp. */
int auth_user_enable(struct auth_service *svc, const struct auth_caller *actor, int64_t id, const char *reason,
		     char *otp, bool *reset);
int auth_user_unlock(struct auth_service *svc, const struct auth_caller *actor, int64_t id);
/* Suspends an account for the detector (status `suspended`, audited as
 * user_suspend by "detector"): its sessions answer 403 account_suspended and can do
 * nothing; only an admin re-enables it, which revokes them. No-op on an
 * account already suspended or disabled. */
int auth_user_suspend(struct auth_service *svc, int64_t id, const char *reason);
int auth_user_reset_password(struct auth_service *svc, const struct auth_caller *actor, int64_t id, char *otp);
/* Changes role and/or quotas (role NULL, quotas < 0: unchanged; quota 0: back to default). */
int auth_user_update(struct auth_service *svc, const struct auth_caller *actor, int64_t id, const char *role,
		     int quota_per_minute, int quota_per_day, const char **field);

/* Loads a user the actor may view; AUTH_ENOTFOUND also when another agency's (no leak). */
int auth_user_get(struct auth_service *svc, const struct auth_caller *actor, int64_t id, struct store_user *out);

/* password_changed_at + max_age_days. */
int64_t auth_password_expires_at(const struct config *cfg, const struct store_user *u);

/* ---- service credentials (credential.c) ---- */

/* A token is "cgs_" and the base64url (no padding) of 32 random bytes: 47
 * characters, a prefix secret scanners can be taught. Only the BLAKE2b-256 hash
 * of the 32 bytes is stored. */
#define AUTH_SERVICE_TOKEN_PREFIX "cgs_"
#define AUTH_SERVICE_TOKEN_MAX 64       /* buffer size for a token and its NUL */

/* "dossiers:write,indicators:read" → bits. 0 when the list is empty or names a
 * scope this canhgac does not know; *bad (may be NULL) then points at the first
 * bad item (inside `list`; its length is up to the next comma). */
unsigned auth_scope_parse(const char *list, const char **bad);
/* One scope bit → its name; NULL for anything else. */
const char *auth_scope_name(unsigned scope);
/* Bits → "dossiers:write,indicators:read" (canonical order). 0, or -1 when out is too small. */
int auth_scope_format(unsigned scopes, char *out, size_t size);

/* The token of an "Authorization: Bearer <token>" header value (the scheme is
 * case-insensitive), or NULL when the header is absent or another scheme. */
const char *auth_bearer_token(const char *authorization);

/* Creates a service credential: name (like a username: 3-32 of a-z 0-9 . _ -,
 * a letter first, and not an account's username), scopes (auth_scope_parse),
 * agency ("" or NULL: province-wide; else an existing agency code). Writes the
 * token into token (size AUTH_SERVICE_TOKEN_MAX), which the caller shows once
 * and wipes. Audited as service_create by "cli" (actor NULL) or the actor.
 * AUTH_EINVAL with *field = "name", "scopes" or "agency"; AUTH_ECONFLICT when the
 * name is taken; AUTH_EAUDIT when the record cannot be written (nothing is kept). */
int auth_credential_add(struct auth_service *svc, const struct auth_caller *actor, const char *name,
			const char *scopes, const char *agency, struct store_service *out,
			char token[AUTH_SERVICE_TOKEN_MAX], const char **field);
/* Gives an enabled service a new token (into token, as for add); the old one is
 * refused from the next request on. AUTH_ENOTFOUND when there is no such
 * enabled service; AUTH_EAUDIT when the record cannot be written (the new token
 * is then not handed out and the service has none that works: rotate again). */
int auth_credential_rotate(struct auth_service *svc, const struct auth_caller *actor, const char *name,
			   char token[AUTH_SERVICE_TOKEN_MAX]);
/* Disables a service for good (its token is refused from the next request on;
 * the name stays taken). AUTH_ENOTFOUND when there is no such service. */
int auth_credential_disable(struct auth_service *svc, const struct auth_caller *actor, const char *name);

/* Resolves a bearer token into a service caller (role ROLE_SERVICE, scopes,
 * user.username = name, user.agency = bound agency, ip). A malformed, unknown,
 * rotated or disabled token is the same AUTH_ESESSION; AUTH_ESTORE when the
 * store cannot be read. Updates last_used_at at most once a minute. Does not
 * audit: the caller records the use (http_guard). */
int auth_credential_resolve(struct auth_service *svc, const char *token, const char *ip, struct auth_caller *out);

/* A request whose bearer token did not resolve: counts a failure of ip
 * (throttle.h, its own counters, [lockout] ip_max_failures in window_seconds)
 * and records service_auth_fail (actor "unknown", payload method and path);
 * AUTH_ESESSION. Once ip has reached the limit: AUTH_ETHROTTLED with
 * *retry_after, and no record, so a flood of made-up tokens cannot flood the
 * audit log. */
int auth_credential_refused(struct auth_service *svc, const char *ip, const char *method, const char *path,
			    int *retry_after);

/* May caller c use a route open to `roles` that needs `scope` (an enum
 * auth_scope bit, or 0 for none) of a service? AUTH_OK; AUTH_EFORBIDDEN when
 * its role is not in roles; AUTH_ESCOPE when it is a service without the
 * scope. People are judged by role alone. */
int auth_credential_check(const struct auth_caller *c, unsigned roles, unsigned scope);

/* Writes an audit event (type, actor caller or "cli"/"system", payload fields as
 * NULL-terminated key/value string pairs). Returns AUTH_EAUDIT when the audit log
 * cannot take it. */
int auth_audit(struct auth_service *svc, const char *type, const char *actor, const char *agency,
	       const char *ip, const char *const *kv);

#endif
