/*
 * The client-address throttle table. Addresses hash into THROTTLE_SLOTS slots with
 * a short linear probe; when every probed slot is live, the oldest window is
 * evicted. Under a spread-out attack an evicted address loses its count, which
 * lets it try again sooner, never later: the account lockout still applies.
 * Refusals are counted per slot; a window that ends (or a slot that is reused)
 * with refusals moves to a bounded pending list until the owner reports it.
 */
#include "auth/throttle.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE 16

struct slot {
	char ip[64];
	int count;
	int refused;
	int64_t window_start;
};

struct auth_throttle {
	pthread_mutex_t mu;
	int max_failures;
	int window;
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct slot slots[THROTTLE_SLOTS];
	struct auth_throttle_report pending[THROTTLE_PENDING_MAX];
	int n_pending;
	int lost;
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

/* Moves the refusals of s's window to the pending list. Caller holds the lock. */
static void slot_retire(struct auth_throttle *t, struct slot *s, int64_t end)
{
	if (s->refused == 0)
		return;
	if (t->n_pending < THROTTLE_PENDING_MAX) {
		struct auth_throttle_report *r = &t->pending[t->n_pending++];
		snprintf(r->ip, sizeof r->ip, "%s", s->ip);
		r->window_start = s->window_start;
		r->window_end = end;
		r->refused = s->refused;
	} else {
		t->lost++;
	}
	s->refused = 0;
}

/* Finds ip's slot, or NULL. Caller holds the lock. */
static struct slot *slot_find(struct auth_throttle *t, const char *ip, int64_t now)
{
	size_t i = slot_index(t, ip);
	for (int p = 0; p < PROBE; p++) {
		struct slot *s = &t->slots[(i + (size_t)p) % THROTTLE_SLOTS];
		if (s->ip[0] && strcmp(s->ip, ip) == 0) {
			if (now - s->window_start >= t->window) {
				slot_retire(t, s, s->window_start + t->window);
				s->count = 0;
				s->window_start = now;
			}
			return s;
		}
	}
	return NULL;
}

/* ip's slot, made when missing (evicting the oldest probed window). Caller holds the lock. */
static struct slot *slot_get(struct auth_throttle *t, const char *ip, int64_t now)
{
	struct slot *s = slot_find(t, ip, now);
	if (s)
		return s;
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
	if (s->ip[0])
		slot_retire(t, s, now - s->window_start >= t->window ? s->window_start + t->window : now);
	memset(s, 0, sizeof *s);
	snprintf(s->ip, sizeof s->ip, "%s", ip);
	s->window_start = now;
	return s;
}

static int retry_after_of(struct auth_throttle *t, const struct slot *s, int64_t now)
{
	int64_t left = s->window_start + t->window - now;
	return left > 0 ? (int)left : 1;
}

bool auth_throttle_blocked(struct auth_throttle *t, const char *ip, int64_t now, int *retry_after)
{
	pthread_mutex_lock(&t->mu);
	struct slot *s = slot_find(t, ip, now);
	bool blocked = s && s->count >= t->max_failures;
	if (blocked && retry_after)
		*retry_after = retry_after_of(t, s, now);
	pthread_mutex_unlock(&t->mu);
	return blocked;
}

bool auth_throttle_take(struct auth_throttle *t, const char *ip, int64_t now, int *retry_after)
{
	pthread_mutex_lock(&t->mu);
	struct slot *s = slot_get(t, ip, now);
	bool ok = s->count < t->max_failures;
	if (ok) {
		s->count++;
	} else {
		s->refused++;
		if (retry_after)
			*retry_after = retry_after_of(t, s, now);
	}
	pthread_mutex_unlock(&t->mu);
	return ok;
}

void auth_throttle_forgive(struct auth_throttle *t, const char *ip, int64_t now)
{
	pthread_mutex_lock(&t->mu);
	struct slot *s = slot_find(t, ip, now);
	if (s && s->count > 0 && s->window_start <= now) /* not a window begun since */
		s->count--;
	pthread_mutex_unlock(&t->mu);
}

void auth_throttle_fail(struct auth_throttle *t, const char *ip, int64_t now)
{
	pthread_mutex_lock(&t->mu);
	slot_get(t, ip, now)->count++;
	pthread_mutex_unlock(&t->mu);
}

int auth_throttle_take_reports(struct auth_throttle *t, int64_t now, bool all, auth_throttle_report_fn fn,
			       void *arg, int *lost)
{
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < THROTTLE_SLOTS; i++) {
		struct slot *s = &t->slots[i];
		if (!s->ip[0] || s->refused == 0)
			continue;
		if (now - s->window_start >= t->window)
			slot_retire(t, s, s->window_start + t->window);
		else if (all)
			slot_retire(t, s, now);
	}
	/* Copied out, so that fn (which writes to the audit log) runs without the lock. */
	int n = t->n_pending;
	struct auth_throttle_report *out = n ? malloc((size_t)n * sizeof *out) : NULL;
	if (out)
		memcpy(out, t->pending, (size_t)n * sizeof *out);
	else if (n)
		t->lost += n;
	t->n_pending = 0;
	if (lost)
		*lost = t->lost;
	t->lost = 0;
	pthread_mutex_unlock(&t->mu);
	if (!out)
		return 0;
	for (int k = 0; k < n; k++)
		fn(&out[k], arg);
	free(out);
	return n;
}
