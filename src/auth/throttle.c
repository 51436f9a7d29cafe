/*
 * The client-address throttle table. Addresses hash into THROTTLE_SLOTS slots with
 * a short linear probe; when every probed slot is live, the oldest window is
 * evicted. Under a spread-out attack an evicted address loses its count, which
 * lets it try again sooner, never later: the account lockout still applies.
 */
#include "auth/throttle.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define PROBE 16

struct slot {
	char ip[64];
	int count;
	int64_t window_start;
};

struct auth_throttle {
	pthread_mutex_t mu;
	int max_failures;
	int window;
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct slot slots[THROTTLE_SLOTS];
};

struct auth_throttle *auth_throttle_new(int max_failures, int window_seconds)
{
	struct auth_throttle *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	pthread_mutex_init(&t->mu, NULL);
	t->max_failures = max_failures;
	t->window = window_seconds;
	/* A keyed hash, so an attacker cannot choose addresses that collide. */
	crypto_shorthash_keygen(t->key);
	return t;
}

void auth_throttle_free(struct auth_throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static size_t slot_index(struct auth_throttle *t, const char *ip)
{
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const unsigned char *)ip, strlen(ip), t->key);
	uint64_t v;
	memcpy(&v, h, sizeof v);
	return (size_t)(v % THROTTLE_SLOTS);
}

/* Finds ip's slot, or NULL. Caller holds the lock. */
static struct slot *slot_find(struct auth_throttle *t, const char *ip, int64_t now)
{
	size_t i = slot_index(t, ip);
	for (int p = 0; p < PROBE; p++) {
		struct slot *s = &t->slots[(i + (size_t)p) % THROTTLE_SLOTS];
		if (s->ip[0] && strcmp(s->ip, ip) == 0) {
			if (now - s->window_start >= t->window) {
				s->count = 0;
				s->window_start = now;
			}
			return s;
		}
	}
	return NULL;
}

bool auth_throttle_blocked(struct auth_throttle *t, const char *ip, int64_t now, int *retry_after)
{
	pthread_mutex_lock(&t->mu);
	struct slot *s = slot_find(t, ip, now);
	bool blocked = s && s->count >= t->max_failures;
	if (blocked && retry_after) {
		int64_t left = s->window_start + t->window - now;
		*retry_after = left > 0 ? (int)left : 1;
	}
	pthread_mutex_unlock(&t->mu);
	return blocked;
}

void auth_throttle_fail(struct auth_throttle *t, const char *ip, int64_t now)
{
	pthread_mutex_lock(&t->mu);
	struct slot *s = slot_find(t, ip, now);
	if (!s) {
		size_t i = slot_index(t, ip);
		struct slot *victim = NULL;
		for (int p = 0; p < PROBE; p++) {
			struct slot *c = &t->slots[(i + (size_t)p) % THROTTLE_SLOTS];
			if (!c->ip[0] || now - c->window_start >= t->window) {
				victim = c;
				break;
			}
			if (!victim || c->window_start < victim->window_start)
				victim = c;
		}
		s = victim;
		memset(s, 0, sizeof *s);
		strncpy(s->ip, ip, sizeof s->ip - 1);
		s->window_start = now;
	}
	s->count++;
	pthread_mutex_unlock(&t->mu);
}
