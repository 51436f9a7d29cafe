/*
 * The session cache: what resolving a session token reads from the store (the
 * session row, its account, whether a second factor is still to be enrolled, the
 * agency's day quota), kept in memory by token hash so a request with a known
 * session reads nothing from the database. An entry is used only while the
 * store's accounts generation is the one it was read under
 * (store_accounts_generation): any committed change to an account, a session, an
 * agency or a second factor (a revocation, a suspension by the detector, a
 * password change, a disable) makes every entry stale before the next request
 * can use it. Only sessions of active accounts are kept; the password hash is not.
 */
#ifndef CANHGAC_AUTH_SESSION_CACHE_H
#define CANHGAC_AUTH_SESSION_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* Entries kept: a province has hundreds of officers, each with a session or two. */
#define AUTH_SESSION_CACHE_SLOTS 4096

struct auth_session_cache;

struct auth_cached_session {
	struct store_session session;   /* token_hash, csrf_hash, user_id, created_at, last_seen_at */
	struct store_user user;         /* password_hash emptied */
	bool totp_enrolment_required;
	int agency_quota_per_day;       /* 0: the [quota] default, or no agency row */
};

/* A cache of `slots` entries (rounded up to a power of two); NULL when out of memory. */
struct auth_session_cache *auth_session_cache_new(unsigned slots);
/* Wipes and frees; NULL is ignored. */
void auth_session_cache_free(struct auth_session_cache *c);

/* Copies the entry of token_hash into *out when there is one read under `gen`. */
bool auth_session_cache_get(struct auth_session_cache *c, const unsigned char *token_hash, uint64_t gen,
			    struct auth_cached_session *out);
/* Keeps *in (read under `gen`, which the caller took BEFORE reading the store). */
void auth_session_cache_put(struct auth_session_cache *c, uint64_t gen, const struct auth_cached_session *in);
/* Records a new last-seen time for token_hash, if cached. */
void auth_session_cache_touch(struct auth_session_cache *c, const unsigned char *token_hash, int64_t t);
/* Forgets token_hash. */
void auth_session_cache_drop(struct auth_session_cache *c, const unsigned char *token_hash);

#endif
