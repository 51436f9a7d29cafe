/*
 * Service credentials: the API tokens of systems, not people (the province's
 * one-stop software pushing dossiers, later a TAXII partner). A token is "cgs_"
 * and the base64url of 32 bytes from the CSPRNG; only the BLAKE2b-256 hash of
 * the bytes is stored, so a token is found by its hash and a copy of the
 * database opens nothing. A service has scopes, may be bound to one agency, is
 * created, rotated and disabled from the CLI (each audited), and never signs in:
 * its role, ROLE_SERVICE, is outside ROLE_ANY, so only routes that name it
 * (http_guard_scope) let it in.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/auth.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "core/log.h"

#define TOKEN_RAW_BYTES 32
#define TOKEN_B64_LEN 43              /* base64url, no padding, of 32 bytes */
#define PREFIX_LEN (sizeof AUTH_SERVICE_TOKEN_PREFIX - 1)
/* last_used_at is for operators ("is this system still calling?"), not for
 * security: one write a minute per token is plenty. */
#define TOUCH_SECONDS 60

static const char *const scope_names[] = {"dossiers:write", "indicators:read"};
#define SCOPE_COUNT (sizeof scope_names / sizeof scope_names[0])

unsigned auth_scope_parse(const char *list, const char **bad)
{
	unsigned bits = 0;
	const char *p = list;
	if (bad)
		*bad = list;
	if (!list || !*list)
		return 0;
	for (;;) {
		size_t n = strcspn(p, ",");
		unsigned bit = 0;
		for (unsigned i = 0; i < SCOPE_COUNT; i++)
			if (n == strlen(scope_names[i]) && strncmp(p, scope_names[i], n) == 0)
				bit = 1u << i;
		if (!bit) {
			if (bad)
				*bad = p;
			return 0;
		}
		bits |= bit;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return bits;
}

const char *auth_scope_name(unsigned scope)
{
	for (unsigned i = 0; i < SCOPE_COUNT; i++)
		if (scope == 1u << i)
			return scope_names[i];
	return NULL;
}

int auth_scope_format(unsigned scopes, char *out, size_t size)
{
	size_t used = 0;
	if (!size)
		return -1;
	out[0] = '\0';
	for (unsigned i = 0; i < SCOPE_COUNT; i++) {
		if (!(scopes & (1u << i)))
			continue;
		int w = snprintf(out + used, size - used, "%s%s", used ? "," : "", scope_names[i]);
		if (w < 0 || (size_t)w >= size - used)
			return -1;
		used += (size_t)w;
	}
	return 0;
}

const char *auth_bearer_token(const char *authorization)
{
	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	const char *t = authorization + 7;
	while (*t == ' ')
		t++;
	return t;
}

static void token_hash(const unsigned char raw[TOKEN_RAW_BYTES], unsigned char out[STORE_TOKEN_HASH_BYTES])
{
	crypto_generichash(out, STORE_TOKEN_HASH_BYTES, raw, TOKEN_RAW_BYTES, NULL, 0);
}

/* A new token into token and the hash of its bytes into hash. */
static void token_make(char token[AUTH_SERVICE_TOKEN_MAX], unsigned char hash[STORE_TOKEN_HASH_BYTES])
{
	unsigned char raw[TOKEN_RAW_BYTES];
	randombytes_buf(raw, sizeof raw);
	memcpy(token, AUTH_SERVICE_TOKEN_PREFIX, PREFIX_LEN);
	sodium_bin2base64(token + PREFIX_LEN, AUTH_SERVICE_TOKEN_MAX - PREFIX_LEN, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	token_hash(raw, hash);
	sodium_memzero(raw, sizeof raw);
}

/* The hash of a well-formed token's bytes; -1 for anything else. */
static int token_parse(const char *token, unsigned char hash[STORE_TOKEN_HASH_BYTES])
{
	unsigned char raw[TOKEN_RAW_BYTES];
	size_t len = 0;
	const char *end = NULL;
	if (!token || strlen(token) != PREFIX_LEN + TOKEN_B64_LEN ||
	    strncmp(token, AUTH_SERVICE_TOKEN_PREFIX, PREFIX_LEN) != 0)
		return -1;
	int rc = sodium_base642bin(raw, sizeof raw, token + PREFIX_LEN, TOKEN_B64_LEN, NULL, &len, &end,
				   sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (rc == 0 && len == TOKEN_RAW_BYTES && end == token + PREFIX_LEN + TOKEN_B64_LEN)
		token_hash(raw, hash);
	else
		rc = -1;
	sodium_memzero(raw, sizeof raw);
	return rc ? -1 : 0;
}

static bool name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 3 || n > 32 || !islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static const char *actor_name(const struct auth_caller *a)
{
	return a ? a->user.username : "cli";
}

static const char *actor_ip(const struct auth_caller *a)
{
	return a ? a->ip : "local";
}

int auth_credential_add(struct auth_service *svc, const struct auth_caller *actor, const char *name,
			const char *scopes, const char *agency, struct store_service *out,
			char token[AUTH_SERVICE_TOKEN_MAX], const char **field)
{
	struct store_service s;
	struct store_user u;
	struct store_agency ag;
	*field = NULL;
	memset(&s, 0, sizeof s);
	if (actor && actor->role != ROLE_ADMIN)
		return AUTH_EFORBIDDEN;
	if (!name_valid(name))
		return *field = "name", AUTH_EINVAL;
	unsigned bits = auth_scope_parse(scopes, NULL);
	if (!bits)
		return *field = "scopes", AUTH_EINVAL;
	if (!agency)
		agency = "";
	if (*agency) {
		int rc = strlen(agency) < STORE_CODE_MAX ? store_agency_get(svc->st, agency, &ag) : STORE_ENOTFOUND;
		if (rc == STORE_ENOTFOUND)
			return *field = "agency", AUTH_EINVAL;
		if (rc)
			return AUTH_ESTORE;
	}
	/* the audit log's actor is the name: a service must not pass for a person */
	int rc = store_user_get_by_name(svc->st, name, &u);
	sodium_memzero(u.password_hash, sizeof u.password_hash);
	if (rc == STORE_OK)
		return *field = "name", AUTH_ECONFLICT;
	if (rc != STORE_ENOTFOUND)
		return AUTH_ESTORE;
	snprintf(s.name, sizeof s.name, "%s", name);
	snprintf(s.agency, sizeof s.agency, "%s", agency);
	if (auth_scope_format(bits, s.scopes, sizeof s.scopes))
		return AUTH_EINVAL;
	s.created_at = clock_now();
	token_make(token, s.token_hash);
	rc = store_service_create(svc->st, &s);
	if (rc) {
		sodium_memzero(token, AUTH_SERVICE_TOKEN_MAX);
		return rc == STORE_ECONFLICT ? (*field = "name", AUTH_ECONFLICT) : AUTH_ESTORE;
	}
	const char *kv[] = {"name", s.name, "scopes", s.scopes, "agency", s.agency, NULL};
	if (auth_audit(svc, "service_create", actor_name(actor), s.agency, actor_ip(actor), kv) != AUTH_OK) {
		/* no credential without its record */
		if (store_service_delete(svc->st, s.name))
			log_error("auth", "cannot remove the unaudited service %s; disable it", s.name);
		sodium_memzero(token, AUTH_SERVICE_TOKEN_MAX);
		return AUTH_EAUDIT;
	}
	if (out)
		*out = s;
	return AUTH_OK;
}

int auth_credential_rotate(struct auth_service *svc, const struct auth_caller *actor, const char *name,
			   char token[AUTH_SERVICE_TOKEN_MAX])
{
	struct store_service s;
	unsigned char hash[STORE_TOKEN_HASH_BYTES];
	if (actor && actor->role != ROLE_ADMIN)
		return AUTH_EFORBIDDEN;
	int rc = name && *name ? store_service_get_by_name(svc->st, name, &s) : STORE_ENOTFOUND;
	if (rc)
		return rc == STORE_ENOTFOUND ? AUTH_ENOTFOUND : AUTH_ESTORE;
	if (s.disabled)
		return AUTH_ENOTFOUND;
	token_make(token, hash);
	rc = store_service_set_token(svc->st, s.name, hash, clock_now());
	sodium_memzero(hash, sizeof hash);
	if (rc) {
		sodium_memzero(token, AUTH_SERVICE_TOKEN_MAX);
		return rc == STORE_ENOTFOUND ? AUTH_ENOTFOUND : AUTH_ESTORE;
	}
	const char *kv[] = {"name", s.name, NULL};
	if (auth_audit(svc, "service_rotate", actor_name(actor), s.agency, actor_ip(actor), kv) != AUTH_OK) {
		/* the old token is dead already; the new one is never handed out */
		sodium_memzero(token, AUTH_SERVICE_TOKEN_MAX);
		return AUTH_EAUDIT;
	}
	return AUTH_OK;
}

int auth_credential_disable(struct auth_service *svc, const struct auth_caller *actor, const char *name)
{
	struct store_service s;
	if (actor && actor->role != ROLE_ADMIN)
		return AUTH_EFORBIDDEN;
	int rc = name && *name ? store_service_get_by_name(svc->st, name, &s) : STORE_ENOTFOUND;
	if (rc)
		return rc == STORE_ENOTFOUND ? AUTH_ENOTFOUND : AUTH_ESTORE;
	rc = store_service_disable(svc->st, s.name, clock_now());
	if (rc)
		return rc == STORE_ENOTFOUND ? AUTH_ENOTFOUND : AUTH_ESTORE;
	const char *kv[] = {"name", s.name, NULL};
	/* disabled either way: a missing record must not keep a token alive */
	return auth_audit(svc, "service_disable", actor_name(actor), s.agency, actor_ip(actor), kv);
}

int auth_credential_resolve(struct auth_service *svc, const char *token, const char *ip, struct auth_caller *out)
{
	unsigned char hash[STORE_TOKEN_HASH_BYTES];
	struct store_service s;
	memset(out, 0, sizeof *out);
	if (token_parse(token, hash))
		return AUTH_ESESSION;
	int rc = store_service_get_by_hash(svc->st, hash, &s);
	if (rc == STORE_OK && sodium_memcmp(s.token_hash, hash, sizeof hash) != 0)
		rc = STORE_ENOTFOUND; /* the index found it; the bytes must agree as well */
	sodium_memzero(hash, sizeof hash);
	if (rc)
		return rc == STORE_ENOTFOUND ? AUTH_ESESSION : AUTH_ESTORE;
	if (s.disabled)
		return AUTH_ESESSION;
	unsigned scopes = auth_scope_parse(s.scopes, NULL);
	if (!scopes) {
		log_error("auth", "service %s has unknown scopes in the database ('%s'); refused", s.name, s.scopes);
		return AUTH_ESESSION;
	}
	out->role = ROLE_SERVICE;
	out->scopes = scopes;
	out->service_id = s.id;
	snprintf(out->user.username, sizeof out->user.username, "%s", s.name);
	snprintf(out->user.full_name, sizeof out->user.full_name, "%s", s.name);
	snprintf(out->user.agency, sizeof out->user.agency, "%s", s.agency);
	snprintf(out->user.role, sizeof out->user.role, "service");
	snprintf(out->user.status, sizeof out->user.status, "active");
	out->user.created_at = s.created_at;
	out->user.last_login_at = s.last_used_at;
	snprintf(out->ip, sizeof out->ip, "%s", ip ? ip : "");
	int64_t now = clock_now();
	if (now - s.last_used_at >= TOUCH_SECONDS && store_service_touch(svc->st, s.id, now) != STORE_OK)
		log_warn("auth", "cannot record the last use of service %s", s.name);
	return AUTH_OK;
}

int auth_credential_refused(struct auth_service *svc, const char *ip, const char *method, const char *path,
			    int *retry_after)
{
	int64_t now = clock_now();
	*retry_after = 0;
	if (auth_throttle_blocked(svc->bearer_throttle, ip, now, retry_after))
		return AUTH_ETHROTTLED;
	auth_throttle_fail(svc->bearer_throttle, ip, now);
	const char *kv[] = {"method", method, "path", path, NULL};
	auth_audit(svc, "service_auth_fail", "unknown", NULL, ip, kv);
	return AUTH_ESESSION;
}

int auth_credential_check(const struct auth_caller *c, unsigned roles, unsigned scope)
{
	if (!(c->role & roles))
		return AUTH_EFORBIDDEN;
	if (c->role == ROLE_SERVICE && scope && (c->scopes & scope) != scope)
		return AUTH_ESCOPE;
	return AUTH_OK;
}
