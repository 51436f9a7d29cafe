/*
 * The session cache (session_cache.h): a direct-mapped table indexed by the first
 * bytes of the token hash (BLAKE2b of a random token, so uniform and not
 * choosable by a client), one lock per 64 slots. A collision just replaces the
 * older entry: a miss costs the store reads the cache saves, nothing more.
 */
#include "auth/session_cache.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define STRIPES 64

struct slot {
	bool used;
	uint64_t gen;
	struct auth_cached_session v;
};

struct auth_session_cache {
	pthread_mutex_t mu[STRIPES];
	unsigned mask;
	struct slot *slots;
};

struct auth_session_cache *auth_session_cache_new(unsigned slots)
{
	unsigned n = STRIPES;
	while (n < slots && n < (1u << 20))
		n <<= 1;
	struct auth_session_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->slots = calloc(n, sizeof *c->slots);
	if (!c->slots) {
		free(c);
		return NULL;
	}
	c->mask = n - 1;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&c->mu[i], NULL);
	return c;
}

void auth_session_cache_free(struct auth_session_cache *c)
{
	if (!c)
		return;
	sodium_memzero(c->slots, ((size_t)c->mask + 1) * sizeof *c->slots);
	free(c->slots);
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&c->mu[i]);
	free(c);
}

static unsigned index_of(const struct auth_session_cache *c, const unsigned char *h)
{
	uint32_t v;
	memcpy(&v, h, sizeof v);
	return v & c->mask;
}

bool auth_session_cache_get(struct auth_session_cache *c, const unsigned char *token_hash, uint64_t gen,
			    struct auth_cached_session *out)
{
	if (!c)
		return false;
	unsigned i = index_of(c, token_hash);
	pthread_mutex_t *mu = &c->mu[i % STRIPES];
	bool hit = false;
	pthread_mutex_lock(mu);
	struct slot *s = &c->slots[i];
	if (s->used && s->gen == gen &&
	    sodium_memcmp(s->v.session.token_hash, token_hash, STORE_TOKEN_HASH_BYTES) == 0) {
		*out = s->v;
		hit = true;
	}
	pthread_mutex_unlock(mu);
	return hit;
}

void auth_session_cache_put(struct auth_session_cache *c, uint64_t gen, const struct auth_cached_session *in)
{
	if (!c)
		return;
	unsigned i = index_of(c, in->session.token_hash);
	pthread_mutex_lock(&c->mu[i % STRIPES]);
	struct slot *s = &c->slots[i];
	/* never replace a newer reading with an older one */
	if (!s->used || s->gen <= gen ||
	    sodium_memcmp(s->v.session.token_hash, in->session.token_hash, STORE_TOKEN_HASH_BYTES) != 0) {
		s->used = true;
		s->gen = gen;
		s->v = *in;
		sodium_memzero(s->v.user.password_hash, sizeof s->v.user.password_hash);
	}
	pthread_mutex_unlock(&c->mu[i % STRIPES]);
}

void auth_session_cache_touch(struct auth_session_cache *c, const unsigned char *token_hash, int64_t t)
{
	if (!c)
		return;
	unsigned i = index_of(c, token_hash);
	pthread_mutex_lock(&c->mu[i % STRIPES]);
	struct slot *s = &c->slots[i];
	if (s->used && sodium_memcmp(s->v.session.token_hash, token_hash, STORE_TOKEN_HASH_BYTES) == 0 &&
	    s->v.session.last_seen_at < t)
		s->v.session.last_seen_at = t;
	pthread_mutex_unlock(&c->mu[i % STRIPES]);
}

void auth_session_cache_drop(struct auth_session_cache *c, const unsigned char *token_hash)
{
	if (!c)
		return;
	unsigned i = index_of(c, token_hash);
	pthread_mutex_lock(&c->mu[i % STRIPES]);
	struct slot *s = &c->slots[i];
	if (s->used && sodium_memcmp(s->v.session.token_hash, token_hash, STORE_TOKEN_HASH_BYTES) == 0) {
		sodium_memzero(s, sizeof *s);
	}
	pthread_mutex_unlock(&c->mu[i % STRIPES]);
}
