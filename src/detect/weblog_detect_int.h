/*
 * Inside the access-log detector (weblog_detect.c, weblog_state.c): the
 * per-address state, its windows and the detector's own struct.
 */
#ifndef CANHGAC_DETECT_WEBLOG_DETECT_INT_H
#define CANHGAC_DETECT_WEBLOG_DETECT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/net.h"
#include "detect/weblog_detect.h"

#define NO_INDEX (-1)
#define CIDRS_MAX 64
#define LOGIN_PATHS_MAX 32

enum { W_404, W_PROBE, W_LOGIN, W_RATE, W_SLOW, W_COUNT };

/* Slow scans (issue 19): a directory scan paced at 15 requests a minute with a
 * browser's user agent never fills the 60-second window. Over an hour, SLOW_COUNT
 * not-found answers for paths that differ from the address's last SLOW_RING
 * not-found paths make a scanner: a visitor whose pages miss the same few images
 * or icons repeats paths and never counts. */
#define SLOW_WINDOW_SECONDS 3600
#define SLOW_COUNT 60
#define SLOW_RING 8

/* Shared addresses (issue 19): an office behind one NAT address sends many
 * people's sign-ins, some mistyped. Sign-ins from at least SHARED_UAS different
 * user agents of which at least a quarter succeed make the address shared; its
 * failures are not counted for brute force (they are counted in the stats). */
#define SHARED_UAS 3
#define UA_SLOTS 4

#define WINDOW_INLINE 3

struct window {
	int32_t *t; /* `small` until more than WINDOW_INLINE are needed */
	uint32_t cap, n, head;
	int32_t small[WINDOW_INLINE]; /* most windows stay this small: no allocation, no cache miss */
};


struct ip_state {
	unsigned char addr[16];
	int32_t hash_next;
	int32_t lru_prev, lru_next;
	int32_t findings;  /* first finding of this address, or NO_INDEX */
	int32_t latest;    /* latest time seen (relative) */
	int8_t allowlisted;
	uint8_t n_ua, slow_next;
	uint16_t login_ok, login_bad;  /* sign-ins that succeeded / failed (saturating) */
	uint32_t ua[UA_SLOTS];          /* user agents of its sign-ins, the first UA_SLOTS distinct */
	uint32_t slow_ring[SLOW_RING];  /* its last not-found paths */
	struct window w[W_COUNT];
};

struct weblog_detect {
	const struct weblog_sigs *sigs;
	struct weblog_sigs_scratch *scratch;
	int limit[W_COUNT], window[W_COUNT];
	unsigned char scan_status[1000], login_status[1000];
	char login_path[LOGIN_PATHS_MAX][CONFIG_STR_MAX];
	int n_login_paths;
	struct net_cidr allow[CIDRS_MAX];
	int n_allow;
	struct ip_state *pool;
	int32_t *bucket;
	uint32_t n_buckets, cap, used;
	int32_t lru_head, lru_tail; /* most / least recently seen */
	bool login_redirects;       /* a login POST was answered 3xx: 200 means the form again */
	int64_t base;
	bool have_base;
	struct weblog_finding *f;
	size_t n_f, cap_f;
	bool sorted;
	struct weblog_detect_stats stats;
	char why[160];
};

/* weblog_state.c: the address pool. The state of address `a` (16 bytes,
 * IPv4-mapped), added when new (evicting the least recently seen when the pool
 * is full) and moved to the front of the recency order. */
struct ip_state *weblog_state_get(struct weblog_detect *d, const unsigned char *a);
uint32_t weblog_addr_hash(const unsigned char *a);

/* Adds t to the window (at most `limit` requests within `span` seconds); the
 * number now inside it, or -1 when out of memory. */
int weblog_window_push(struct window *w, int32_t t, int limit, int span);
/* Releases a window's storage and empties it. */
void weblog_window_free(struct window *w);

#endif
