/*
 * The access-log detector's per-address state. Addresses live in a fixed pool of
 * max_ips states, found through a chained hash table (grown as addresses come, up
 * to twice the pool) and kept in least-recently-seen order so the oldest is the
 * one evicted when the pool is full. Each windowed rule keeps a deque of 32-bit
 * timestamps (seconds from the first request seen) that holds only the requests
 * inside its window and never more than its threshold, growing on demand, so
 * ordinary visitors cost a few bytes.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "detect/weblog_detect_int.h"

uint32_t weblog_addr_hash(const unsigned char *a)
{
	uint64_t x, y;
	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	/* two multiply-xorshift rounds (a murmur-style finaliser) over both halves */
	uint64_t h = (x ^ (y * 0x9e3779b97f4a7c15ull)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 31)) * 0x94d049bb133111ebull;
	return (uint32_t)(h ^ (h >> 29));
}

/* Doubles the bucket array once the table is half full (up to twice max_ips
 * buckets); 0, or -1 when out of memory (the table keeps working, with longer
 * chains). */
static int buckets_grow(struct weblog_detect *d)
{
	uint32_t n = d->n_buckets * 2;
	int32_t *nb = malloc(n * sizeof *nb);
	if (!nb)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		nb[i] = NO_INDEX;
	for (uint32_t i = 0; i < d->used; i++) {
		uint32_t b = weblog_addr_hash(d->pool[i].addr) & (n - 1);
		d->pool[i].hash_next = nb[b];
		nb[b] = (int32_t)i;
	}
	free(d->bucket);
	d->bucket = nb;
	d->n_buckets = n;
	return 0;
}

static void lru_unlink(struct weblog_detect *d, int32_t i)
{
	struct ip_state *s = &d->pool[i];
	if (s->lru_prev != NO_INDEX)
		d->pool[s->lru_prev].lru_next = s->lru_next;
	else
		d->lru_head = s->lru_next;
	if (s->lru_next != NO_INDEX)
		d->pool[s->lru_next].lru_prev = s->lru_prev;
	else
		d->lru_tail = s->lru_prev;
}

static void lru_push_front(struct weblog_detect *d, int32_t i)
{
	struct ip_state *s = &d->pool[i];
	s->lru_prev = NO_INDEX;
	s->lru_next = d->lru_head;
	if (d->lru_head != NO_INDEX)
		d->pool[d->lru_head].lru_prev = i;
	d->lru_head = i;
	if (d->lru_tail == NO_INDEX)
		d->lru_tail = i;
}

/* Removes the least recently seen address from the table; its slot is reused. */
static int32_t state_evict(struct weblog_detect *d)
{
	int32_t i = d->lru_tail;
	struct ip_state *s = &d->pool[i];
	int32_t *link = &d->bucket[weblog_addr_hash(s->addr) & (d->n_buckets - 1)];
	while (*link != i)
		link = &d->pool[*link].hash_next;
	*link = s->hash_next;
	lru_unlink(d, i);
	for (int w = 0; w < W_COUNT; w++)
		weblog_window_free(&s->w[w]);
	d->stats.evicted++;
	return i;
}

static bool addr_allowed(const struct weblog_detect *d, const unsigned char *a)
{
	struct sockaddr_in6 sa;
	memset(&sa, 0, sizeof sa);
	sa.sin6_family = AF_INET6;
	memcpy(&sa.sin6_addr, a, 16);
	for (int i = 0; i < d->n_allow; i++)
		if (net_cidr_contains(&d->allow[i], (const struct sockaddr *)&sa))
			return true;
	return false;
}

struct ip_state *weblog_state_get(struct weblog_detect *d, const unsigned char *a)
{
	uint32_t b = weblog_addr_hash(a) & (d->n_buckets - 1);
	for (int32_t i = d->bucket[b]; i != NO_INDEX; i = d->pool[i].hash_next) {
		if (!memcmp(d->pool[i].addr, a, 16)) {
			if (d->lru_head != i) {
				lru_unlink(d, i);
				lru_push_front(d, i);
			}
			return &d->pool[i];
		}
	}
	if (d->used < d->cap && d->used * 2 >= d->n_buckets && d->n_buckets < d->cap * 2u &&
	    buckets_grow(d) == 0)
		b = weblog_addr_hash(a) & (d->n_buckets - 1);
	int32_t i = d->used < d->cap ? (int32_t)d->used++ : state_evict(d);
	struct ip_state *s = &d->pool[i];
	memset(s, 0, sizeof *s);
	memcpy(s->addr, a, 16);
	s->findings = NO_INDEX;
	s->latest = INT32_MIN;
	s->allowlisted = addr_allowed(d, a);
	s->hash_next = d->bucket[b];
	d->bucket[b] = i;
	lru_push_front(d, i);
	return s;
}

/* Releases a window's storage and empties it. */
void weblog_window_free(struct window *w)
{
	if (w->t != w->small)
		free(w->t);
	memset(w, 0, sizeof *w);
}

/* Adds t to the window; returns the number of requests now inside it, or -1 when
 * out of memory. */
int weblog_window_push(struct window *w, int32_t t, int limit, int span)
{
	while (w->n && (int64_t)t - w->t[w->head] >= span) {
		if (++w->head == w->cap)
			w->head = 0;
		w->n--;
	}
	if (w->n == (uint32_t)limit) {
		if (++w->head == w->cap)
			w->head = 0;
		w->n--;
	}
	if (w->n == w->cap && w->cap == 0) {
		w->t = w->small;
		w->cap = (uint32_t)limit < WINDOW_INLINE ? (uint32_t)limit : WINDOW_INLINE;
		w->head = 0;
	} else if (w->n == w->cap) {
		uint32_t cap = w->cap * 2 > 4 ? w->cap * 2 : 4;
		if (cap > (uint32_t)limit)
			cap = (uint32_t)limit;
		int32_t *nt = malloc(cap * sizeof *nt);
		if (!nt)
			return -1;
		for (uint32_t k = 0; k < w->n; k++)
			nt[k] = w->t[(w->head + k) % w->cap];
		if (w->t != w->small)
			free(w->t);
		w->t = nt;
		w->cap = cap;
		w->head = 0;
	}
	uint32_t at = w->head + w->n;
	w->t[at >= w->cap ? at - w->cap : at] = t;
	w->n++;
	return (int)w->n;
}
