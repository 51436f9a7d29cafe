/*
 * Persistence of service credentials: the systems (not people) that call the API
 * with a bearer token, such as the province's one-stop software. Only the
 * BLAKE2b-256 hash of a token is kept. Part of the store interface (included by
 * store/store.h); the rules (names, scopes, token format) live in
 * src/auth/credential.c.
 */
#ifndef CANHGAC_STORE_STORE_SERVICES_H
#define CANHGAC_STORE_STORE_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store_accounts.h"

struct store;

#define STORE_SERVICE_SCOPES_MAX 128

struct store_service {
	int64_t id;
	char name[STORE_USERNAME_MAX];
	char scopes[STORE_SERVICE_SCOPES_MAX];   /* "dossiers:write,indicators:read" */
	char agency[STORE_CODE_MAX];             /* "": province-wide */
	unsigned char token_hash[STORE_TOKEN_HASH_BYTES];
	int64_t created_at;
	int64_t rotated_at;                      /* 0: never */
	int64_t last_used_at;                    /* 0: never */
	bool disabled;
	int64_t disabled_at;
};

/* Inserts s (s->id is set). STORE_ECONFLICT when the name (or, impossibly, the
 * token hash) is taken. */
int store_service_create(struct store *st, struct store_service *s);
/* STORE_ENOTFOUND when there is no service of that name. */
int store_service_get_by_name(struct store *st, const char *name, struct store_service *out);
/* The service whose current token hashes to `hash`, disabled or not (the caller
 * decides); STORE_ENOTFOUND when none. Reads on a read-only connection, so it
 * does not wait behind the writer. */
int store_service_get_by_hash(struct store *st, const unsigned char hash[STORE_TOKEN_HASH_BYTES],
			      struct store_service *out);
/* Each service ordered by name; stops when fn returns non-zero. */
int store_service_list(struct store *st, int (*fn)(const struct store_service *s, void *arg), void *arg);
/* Replaces the token hash of an enabled service and sets rotated_at = now.
 * STORE_ENOTFOUND when there is no such service or it is disabled. */
int store_service_set_token(struct store *st, const char *name, const unsigned char hash[STORE_TOKEN_HASH_BYTES],
			    int64_t now);
/* Disables a service (its token is refused from now on). STORE_ENOTFOUND when
 * there is no such service; disabling one already disabled is STORE_OK. */
int store_service_disable(struct store *st, const char *name, int64_t now);
/* Deletes a service (undoes a create whose audit record could not be written). */
int store_service_delete(struct store *st, const char *name);
/* Sets last_used_at = now. */
int store_service_touch(struct store *st, int64_t id, int64_t now);

#endif
