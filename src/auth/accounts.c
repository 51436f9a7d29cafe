/*
 * Account operations for the console and the CLI, with who-may-do-what in one
 * place: an admin manages every agency; an agency admin manages only the officers
 * of their own agency; auditors read. A one-time password is made from the
 * CSPRNG, returned once to be shown and printed on the handover record, and only
 * its hash is kept.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth_int.h"
#include "auth/hash.h"
#include "auth/initial.h"
#include "auth/session_cache.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"

static const char *const role_names[] = {"admin", "agency_admin", "officer", "auditor"};

/* Also sets the process's argon2id cost from [password]. */
int auth_service_init(struct auth_service *svc, struct store *st, const struct config *cfg, struct audit *audit)
{
	memset(svc, 0, sizeof *svc);
	svc->st = st;
	svc->cfg = cfg;
	svc->audit = audit;
	password_hash_cost_set((struct password_hash_cost){(unsigned long long)cfg->password.hash_passes,
							   (size_t)cfg->password.hash_memory_mib << 20});
	svc->throttle = auth_throttle_new(cfg->lockout.ip_max_failures, cfg->lockout.window_seconds);
	if (!svc->throttle)
		return AUTH_ESTORE;
	svc->unrecorded = auth_throttle_new(cfg->lockout.max_failures, cfg->lockout.window_seconds);
	svc->sessions = auth_session_cache_new(AUTH_SESSION_CACHE_SLOTS);
	svc->bearer_throttle = auth_throttle_new(cfg->lockout.ip_max_failures, cfg->lockout.window_seconds);
	if (!svc->unrecorded || !svc->sessions || !svc->bearer_throttle) {
		auth_throttle_free(svc->unrecorded);
		svc->unrecorded = NULL;
		auth_throttle_free(svc->throttle);
		auth_throttle_free(svc->bearer_throttle);
		auth_session_cache_free(svc->sessions);
		svc->throttle = NULL;
		svc->bearer_throttle = NULL;
		svc->sessions = NULL;
		return AUTH_ESTORE;
	}
	pthread_mutex_init(&svc->mu, NULL);
	return AUTH_OK;
}

void auth_service_free(struct auth_service *svc)
{
	if (!svc->throttle)
		return;
	auth_throttle_free(svc->throttle);
	auth_throttle_free(svc->unrecorded);
	svc->unrecorded = NULL;
	auth_throttle_free(svc->bearer_throttle);
	svc->bearer_throttle = NULL;
	auth_session_cache_free(svc->sessions);
	svc->sessions = NULL;
	pthread_mutex_destroy(&svc->mu);
	svc->throttle = NULL;
}

unsigned auth_role_parse(const char *s)
{
	for (unsigned i = 0; s && i < 4; i++)
		if (strcmp(s, role_names[i]) == 0)
			return 1u << i;
	return 0;
}

const char *auth_role_name(unsigned role)
{
	for (unsigned i = 0; i < 4; i++)
		if (role == 1u << i)
			return role_names[i];
	return role == ROLE_SERVICE ? "service" : "unknown";
}

bool auth_status_valid(const char *s)
{
	return s && (!strcmp(s, "active") || !strcmp(s, "locked") || !strcmp(s, "suspended") ||
		     !strcmp(s, "disabled"));
}

bool auth_may_manage(const struct auth_caller *c, const char *agency)
{
	if (c->role == ROLE_ADMIN)
		return true;
	return c->role == ROLE_AGENCY_ADMIN && agency && strcmp(c->user.agency, agency) == 0;
}

bool auth_may_view(const struct auth_caller *c, const char *agency)
{
	return c->role == ROLE_AUDITOR || auth_may_manage(c, agency);
}

/* May actor act on target? Admins on anyone but themselves; agency admins on the
 * officers of their own agency. */
static bool may_act_on(const struct auth_caller *actor, const struct store_user *target)
{
	if (!actor)
		return true; /* the CLI: an operator on the server itself */
	if (actor->user.id == target->id)
		return false;
	if (actor->role == ROLE_ADMIN)
		return true;
	return actor->role == ROLE_AGENCY_ADMIN && strcmp(actor->user.agency, target->agency) == 0 &&
	       strcmp(target->role, "officer") == 0;
}

static const char *actor_name(const struct auth_caller *a)
{
	return a ? a->user.username : "cli";
}

static const char *actor_ip(const struct auth_caller *a)
{
	return a ? a->ip : "local";
}

static bool username_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 3 || n > 32 || !islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static bool code_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n >= STORE_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static bool text_valid(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return true;
}

int auth_agency_create(struct auth_service *svc, const struct auth_caller *actor, const char *code,
		       const char *name, int quota_per_day, const char **field)
{
	*field = NULL;
	if (actor && actor->role != ROLE_ADMIN)
		return AUTH_EFORBIDDEN;
	if (!code_valid(code))
		return *field = "code", AUTH_EINVAL;
	if (!text_valid(name, STORE_NAME_MAX))
		return *field = "name", AUTH_EINVAL;
	if (quota_per_day < 0 || quota_per_day > 100000000)
		return *field = "quota_per_day", AUTH_EINVAL;
	struct store_agency a = {.quota_per_day = quota_per_day, .created_at = clock_now()};
	snprintf(a.code, sizeof a.code, "%s", code);
	snprintf(a.name, sizeof a.name, "%s", name);
	int rc = store_agency_create(svc->st, &a);
	if (rc == STORE_ECONFLICT)
		return AUTH_ECONFLICT;
	if (rc)
		return AUTH_ESTORE;
	const char *kv[] = {"code", code, "name", name, NULL};
	auth_audit(svc, "agency_create", actor_name(actor), code, actor_ip(actor), kv);
	return AUTH_OK;
}

int auth_user_create(struct auth_service *svc, const struct auth_caller *actor, const struct auth_new_user *nu,
		     struct store_user *out, char *otp, const char **field)
{
	*field = NULL;
	if (!username_valid(nu->username))
		return *field = "username", AUTH_EINVAL;
	if (!text_valid(nu->full_name, 128))
		return *field = "full_name", AUTH_EINVAL;
	unsigned role = auth_role_parse(nu->role);
	if (!role)
		return *field = "role", AUTH_EINVAL;
	if (!nu->agency || !*nu->agency)
		return *field = "agency", AUTH_EINVAL;
	if (actor && !(actor->role == ROLE_ADMIN ||
		       (actor->role == ROLE_AGENCY_ADMIN && role == ROLE_OFFICER &&
			strcmp(actor->user.agency, nu->agency) == 0)))
		return AUTH_EFORBIDDEN;
	struct store_agency ag;
	int rc = store_agency_get(svc->st, nu->agency, &ag);
	if (rc == STORE_ENOTFOUND)
		return *field = "agency", AUTH_EINVAL;
	if (rc)
		return AUTH_ESTORE;
	/* a service credential's name is an audit actor too: one name, one party */
	struct store_service sv;
	rc = store_service_get_by_name(svc->st, nu->username, &sv);
	if (rc == STORE_OK)
		return *field = "username", AUTH_ECONFLICT;
	if (rc != STORE_ENOTFOUND)
		return AUTH_ESTORE;

	struct store_user u = {0};
	snprintf(u.username, sizeof u.username, "%s", nu->username);
	snprintf(u.full_name, sizeof u.full_name, "%s", nu->full_name);
	snprintf(u.agency, sizeof u.agency, "%s", nu->agency);
	snprintf(u.role, sizeof u.role, "%s", nu->role);
	snprintf(u.status, sizeof u.status, "active");
	u.must_change_password = true;
	u.created_at = u.updated_at = u.password_changed_at = clock_now();
	if (password_generate_initial(svc->cfg, u.username, u.full_name, otp, AUTH_OTP_MAX) ||
	    password_hash_make(otp, u.password_hash)) {
		sodium_memzero(otp, AUTH_OTP_MAX);
		return AUTH_ESTORE;
	}
	rc = store_user_create(svc->st, &u);
	sodium_memzero(u.password_hash, sizeof u.password_hash);
	if (rc) {
		sodium_memzero(otp, AUTH_OTP_MAX);
		return rc == STORE_ECONFLICT ? (*field = "username", AUTH_ECONFLICT) : AUTH_ESTORE;
	}
	const char *kv[] = {"username", u.username, "role", u.role, "full_name", u.full_name, NULL};
	auth_audit(svc, "user_create", actor_name(actor), u.agency, actor_ip(actor), kv);
	if (out)
		*out = u;
	return AUTH_OK;
}

/* Loads target and checks the actor may act on it. Another agency's account is
 * "not found" to an agency admin, so ids do not reveal other agencies' staff. */
static int load_target(struct auth_service *svc, const struct auth_caller *actor, int64_t id, struct store_user *u)
{
	int rc = store_user_get_by_id(svc->st, id, u);
	if (rc == STORE_ENOTFOUND)
		return AUTH_ENOTFOUND;
	if (rc)
		return AUTH_ESTORE;
	if (actor && !auth_may_view(actor, u->agency))
		return AUTH_ENOTFOUND;
	if (!may_act_on(actor, u))
		return AUTH_EFORBIDDEN;
	return AUTH_OK;
}

int auth_user_get(struct auth_service *svc, const struct auth_caller *actor, int64_t id, struct store_user *out)
{
	int rc = store_user_get_by_id(svc->st, id, out);
	if (rc == STORE_ENOTFOUND || (rc == STORE_OK && !auth_may_view(actor, out->agency)))
		return AUTH_ENOTFOUND;
	return rc ? AUTH_ESTORE : AUTH_OK;
}

/* Saves u with a new status and audits `type`; revokes sessions unless active. */
static int set_status(struct auth_service *svc, const struct auth_caller *actor, struct store_user *u,
		      const char *status, const char *reason, const char *type)
{
	snprintf(u->status, sizeof u->status, "%s", status);
	snprintf(u->status_reason, sizeof u->status_reason, "%s", reason ? reason : "");
	u->updated_at = clock_now();
	if (strcmp(status, "active") == 0) {
		u->locked_until = 0;
		u->failed_count = 0;
		u->lock_count = 0;
	}
	pthread_mutex_lock(&svc->mu);
	int rc = store_user_save(svc->st, u);
	pthread_mutex_unlock(&svc->mu);
	if (rc)
		return AUTH_ESTORE;
	int revoked = 0;
	/* A suspended account keeps its sessions so that they answer 403
	 * account_suspended (not 401) until an admin looks; enable revokes them. */
	if (strcmp(status, "active") != 0 && strcmp(status, "suspended") != 0)
		store_session_delete_user(svc->st, u->id, NULL, &revoked);
	char n[16];
	snprintf(n, sizeof n, "%d", revoked);
	const char *kv[] = {"username", u->username, "status", status, "reason", reason ? reason : "",
			    "sessions_revoked", n, NULL};
	auth_audit(svc, type, actor_name(actor), u->agency, actor_ip(actor), kv);
	return AUTH_OK;
}

int auth_user_disable(struct auth_service *svc, const struct auth_caller *actor, int64_t id, const char *reason)
{
	struct store_user u;
	if (!text_valid(reason, STORE_REASON_MAX))
		return AUTH_EINVAL;
	int rc = load_target(svc, actor, id, &u);
	return rc ? rc : set_status(svc, actor, &u, "disabled", reason, "user_disable");
}

/* Sets a fresh one-time password on u (must be changed at the next sign-in) and
 * reloads u from the store; otp gets it (wiped on failure). */
static int reset_to_otp(struct auth_service *svc, struct store_user *u, char *otp)
{
	char hash[PASSWORD_HASH_MAX];
	if (password_generate_initial(svc->cfg, u->username, u->full_name, otp, AUTH_OTP_MAX) ||
	    password_hash_make(otp, hash)) {
		sodium_memzero(otp, AUTH_OTP_MAX);
		return AUTH_ESTORE;
	}
	pthread_mutex_lock(&svc->mu);
	int rc = store_user_set_password(svc->st, u, hash, clock_now(), true, svc->cfg->password.history);
	if (rc == STORE_OK)
		rc = store_user_get_by_id(svc->st, u->id, u); /* set_status saves the whole row */
	pthread_mutex_unlock(&svc->mu);
	sodium_memzero(hash, sizeof hash);
	if (rc) {
		sodium_memzero(otp, AUTH_OTP_MAX);
		return AUTH_ESTORE;
	}
	return AUTH_OK;
}

int auth_user_enable(struct auth_service *svc, const struct auth_caller *actor, int64_t id, const char *reason,
		     char *otp, bool *reset)
{
	struct store_user u;
	*reset = false;
	if (!text_valid(reason, STORE_REASON_MAX) || !otp)
		return AUTH_EINVAL;
	int rc = load_target(svc, actor, id, &u);
	if (rc)
		return rc;
	/* A suspension is the detector's call on a possibly stolen account: only an
	 * admin of the province lifts it. */
	bool suspended = strcmp(u.status, "suspended") == 0;
	if (suspended && actor && actor->role != ROLE_ADMIN)
		return AUTH_EFORBIDDEN;
	if (suspended) {
		/* The password the detector saw used is taken to be leaked: it dies in
		 * the same step, before the account can sign in again (while the reset
		 * fails, the account stays suspended). The thief's sessions never come
		 * back either. */
		if ((rc = reset_to_otp(svc, &u, otp)))
			return rc;
		*reset = true;
		int revoked = 0;
		store_session_delete_user(svc->st, u.id, NULL, &revoked);
		const char *kv[] = {"username", u.username, "reason", "re-enabled after a detector suspension", NULL};
		auth_audit(svc, "password_reset", actor_name(actor), u.agency, actor_ip(actor), kv);
	}
	return set_status(svc, actor, &u, "active", reason, "user_enable");
}

/* The detector's containment: acts as "detector" (audited as user_suspend); its
 * sessions stay, answering 403 account_suspended, until enable revokes them. An account already suspended or disabled is left as it is. */
int auth_user_suspend(struct auth_service *svc, int64_t id, const char *reason)
{
	struct store_user u;
	if (!text_valid(reason, STORE_REASON_MAX))
		return AUTH_EINVAL;
	int rc = store_user_get_by_id(svc->st, id, &u);
	if (rc)
		return rc == STORE_ENOTFOUND ? AUTH_ENOTFOUND : AUTH_ESTORE;
	if (strcmp(u.status, "suspended") == 0 || strcmp(u.status, "disabled") == 0)
		return AUTH_OK;
	struct auth_caller det;
	memset(&det, 0, sizeof det);
	snprintf(det.user.username, sizeof det.user.username, "detector");
	snprintf(det.ip, sizeof det.ip, "local");
	det.role = ROLE_ADMIN;
	return set_status(svc, &det, &u, "suspended", reason, "user_suspend");
}

int auth_user_unlock(struct auth_service *svc, const struct auth_caller *actor, int64_t id)
{
	struct store_user u;
	int rc = load_target(svc, actor, id, &u);
	if (rc)
		return rc;
	if (strcmp(u.status, "locked") != 0)
		return AUTH_EINVAL;
	return set_status(svc, actor, &u, "active", "unlocked", "user_unlock");
}

int auth_user_reset_password(struct auth_service *svc, const struct auth_caller *actor, int64_t id, char *otp)
{
	struct store_user u;
	char hash[PASSWORD_HASH_MAX];
	int rc = load_target(svc, actor, id, &u);
	if (rc)
		return rc;
	if (password_generate_initial(svc->cfg, u.username, u.full_name, otp, AUTH_OTP_MAX) ||
	    password_hash_make(otp, hash)) {
		sodium_memzero(otp, AUTH_OTP_MAX);
		return AUTH_ESTORE;
	}
	rc = store_user_set_password(svc->st, &u, hash, clock_now(), true, svc->cfg->password.history);
	sodium_memzero(hash, sizeof hash);
	if (rc) {
		sodium_memzero(otp, AUTH_OTP_MAX);
		return AUTH_ESTORE;
	}
	int revoked = 0;
	store_session_delete_user(svc->st, u.id, NULL, &revoked);
	const char *kv[] = {"username", u.username, NULL};
	auth_audit(svc, "password_reset", actor_name(actor), u.agency, actor_ip(actor), kv);
	return AUTH_OK;
}

int auth_user_update(struct auth_service *svc, const struct auth_caller *actor, int64_t id, const char *role,
		     int quota_per_minute, int quota_per_day, const char **field)
{
	struct store_user u;
	*field = NULL;
	if (role && !auth_role_parse(role))
		return *field = "role", AUTH_EINVAL;
	if (quota_per_minute > 10000)
		return *field = "quota_per_minute", AUTH_EINVAL;
	if (quota_per_day > 1000000)
		return *field = "quota_per_day", AUTH_EINVAL;
	int rc = load_target(svc, actor, id, &u);
	if (rc)
		return rc;
	if (role && actor && actor->role != ROLE_ADMIN && strcmp(role, u.role) != 0)
		return AUTH_EFORBIDDEN; /* only the province's admin changes roles */
	char before[16];
	snprintf(before, sizeof before, "%s", u.role);
	if (role)
		snprintf(u.role, sizeof u.role, "%s", role);
	if (quota_per_minute >= 0)
		u.quota_per_minute = quota_per_minute;
	if (quota_per_day >= 0)
		u.quota_per_day = quota_per_day;
	u.updated_at = clock_now();
	pthread_mutex_lock(&svc->mu);
	rc = store_user_save(svc->st, &u);
	pthread_mutex_unlock(&svc->mu);
	if (rc)
		return AUTH_ESTORE;
	if (strcmp(before, u.role) != 0) /* a new role starts from a fresh sign-in */
		store_session_delete_user(svc->st, u.id, NULL, NULL);
	char qm[16], qd[16];
	snprintf(qm, sizeof qm, "%d", u.quota_per_minute);
	snprintf(qd, sizeof qd, "%d", u.quota_per_day);
	const char *kv[] = {"username", u.username, "role_before", before, "role", u.role,
			    "quota_per_minute", qm, "quota_per_day", qd, NULL};
	auth_audit(svc, "user_update", actor_name(actor), u.agency, actor_ip(actor), kv);
	return AUTH_OK;
}
