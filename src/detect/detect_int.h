/*
 * Internals shared by the detector's files: the bounded per-key windows, the
 * parsed record the rules read, and the hit a rule raises.
 */
#ifndef CANHGAC_DETECT_DETECT_INT_H
#define CANHGAC_DETECT_DETECT_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "detect/detect.h"

#define DETECT_KEY_MAX 64
#define DETECT_HORIZON (24 * 3600) /* nothing older is kept */

struct detect_event {
	int64_t t;
	uint64_t v;  /* rule's value: a hash, or the citizen id as a number */
};

struct detect_entry {
	char key[DETECT_KEY_MAX];    /* "" = free slot */
	int64_t last;                /* newest event */
	int64_t fired_at;            /* last hit of this key (0: never) */
	int n, head;                 /* ring of the newest DETECT_RING events */
	struct detect_event ev[DETECT_RING];
	char extra[64];              /* rule's note, e.g. the last address */
};

/* What the detector remembers of an account beyond its 24-hour windows: the
 * last use (rule 8, dormant) and lookups per local day of the last month and per
 * 2-minute bucket of the last hour (rule 4, volume). One per account that signed
 * in or looked up; loaded from the store at start (detect_accounts.c). */
#define DETECT_ACCOUNTS_MAX 65536
#define DETECT_DAYS 32              /* day slots: today and the 30 days before, and one spare */
#define DETECT_BASELINE_DAYS 30
#define DETECT_BUCKETS 30           /* 30 buckets of 2 minutes: the last hour */
#define DETECT_BUCKET_SECONDS 120

/* The sessions of an account the detector can tell apart (concurrent_sessions,
 * multi_ip): one per client address and browser seen signing in, or per address
 * a lookup came from without a sign-in seen. A lookup carries no user agent: it
 * is the newest session's of its address. */
#define DETECT_SESSIONS 4
/* The addresses an account used in the last DETECT_ADDR_DAYS days (new_ip_burst). */
#define DETECT_ADDRS 8
#define DETECT_ADDR_DAYS 30

struct detect_session {
	uint64_t ip, ua;             /* hashes; ua 0: not known (a lookup, a record without it); ip 0: free */
	int64_t start, last;         /* sign-in (or first use seen), newest use */
	uint64_t serial;             /* order of opening: records share a second */
	char ip_text[46];
};

struct detect_addr {
	uint64_t ip;                 /* hash; 0: free slot */
	int64_t first, last;         /* first and newest use from it (sign-in or lookup) */
	bool fresh;                  /* first used while the account had other addresses: watched */
	uint16_t lookups;            /* lookups from it within new_ip_window_seconds of `first` */
};

struct detect_account {
	char key[DETECT_KEY_MAX];    /* username; "" = free slot */
	int64_t last_active;         /* newest sign-in or lookup (or creation, password set); 0 unknown */
	int64_t volume_fired;        /* last volume alert (0: never) */
	int64_t multi_fired;         /* last multi_ip alert (0: never) */
	int64_t sessions_fired;      /* last concurrent_sessions alert */
	int64_t burst_fired;         /* last new_ip_burst alert */
	int32_t day;                 /* newest local day in count[] (0: none) */
	int32_t bucket;              /* newest bucket in recent[] (t / DETECT_BUCKET_SECONDS) */
	uint16_t count[DETECT_DAYS]; /* lookups of local day D in count[D % DETECT_DAYS], saturating */
	uint16_t recent[DETECT_BUCKETS];
	struct detect_session sess[DETECT_SESSIONS];
	struct detect_addr addr[DETECT_ADDRS];
};

struct detect_accounts {
	struct detect_account *e;    /* open addressing, cap slots, at most 3/4 used */
	size_t cap, used;
	bool full_warned;
};

struct detect_table {
	struct detect_entry *e;      /* keys_max * 2 slots, open addressing */
	size_t used;
	size_t keys_max;             /* DETECT_KEYS_MAX, or DETECT_DOSSIER_KEYS_MAX */
	int horizon;                 /* a key idle this long cannot fire: it may be purged */
	int64_t purged_at;           /* last purge (in record time): one a minute at most */
	bool full_warned;
};

/* One committed audit record as the rules see it (borrowed strings). */
struct detect_record {
	uint64_t seq;
	int64_t t;
	const char *type, *actor, *agency, *ip;
	const json_t *payload;
	bool holiday;                /* t is on a public or configured holiday */
	int64_t seen_ms;             /* monotonic ms when the listener got it */
};

struct detect_hit {
	const char *rule;            /* static */
	const char *severity;        /* static */
	char actor[64];
	char ip[64];
	char agency[32];
	json_t *detail;              /* owned by the hit */
	int64_t t;
	int64_t seen_ms;
};

/* Accounts a suspending rule has hit, until the worker has suspended them
 * (detect_hold.c). */
#define DETECT_HOLDS_MAX 64
#define DETECT_HOLD_MS 60000

struct detect_hold {
	char user[DETECT_KEY_MAX];
	int64_t until_ms;            /* monotonic; 0 or past: free */
};

struct detect {
	struct detect_deps deps;
	pthread_mutex_t mu;          /* the windows */
	bool replaying;
	struct detect_table brute, spray, enumer, dossier, ips, offhours, refusals;
	struct detect_accounts accounts;
	uint64_t session_serial;     /* under mu: detect_session.serial */

	pthread_mutex_t qmu;         /* the action queue */
	pthread_cond_t qcv, qidle;
	struct detect_hit *q;
	size_t qhead, qlen;
	bool busy, stopping;
	pthread_t worker;

	pthread_mutex_t bmu;         /* the block list */
	struct store_block *blocks;
	size_t nblocks;

	pthread_mutex_t cmu;         /* the checker */
	pthread_cond_t ccv;
	pthread_t checker;
	bool checker_on, checker_stop;
	int period;
	bool audit_down;
	bool disk_low;              /* disk_space_low raised and the space not back yet */
	unsigned long long unrecorded_seen; /* auth's unrecorded_total at the last check */

	pthread_mutex_t hmu;         /* the holds */
	struct detect_hold holds[DETECT_HOLDS_MAX];
	_Atomic int holds_active;    /* 0: no hold may be live (read without hmu) */

	int64_t last_latency_ms;     /* under qmu */
	int64_t blocks_full_alerted; /* last block_table_full alert, under bmu */
};

/* Finds or adds `key`; NULL when the table is full even after purging keys idle
 * for the table's horizon (the rule's window; logged once). A full table is
 * purged at most once a minute, so keys beyond its size cost a probe, not a
 * rehash, each. */
struct detect_entry *detect_table_get(struct detect_table *t, const char *key, int64_t now);
void detect_entry_push(struct detect_entry *e, int64_t t, uint64_t v);
/* i-th newest event (0 = newest); i < e->n. */
const struct detect_event *detect_entry_at(const struct detect_entry *e, int i);
/* How many distinct values the events of e newer than now - window hold
 * (accounts tried from one address, citizens under one dossier code). */
/* key cut to DETECT_KEY_MAX - 1 bytes into k, as the tables store it (a plain
 * copy: this runs several times for every audit record). */
void detect_key_copy(char k[DETECT_KEY_MAX], const char *key);
int detect_entry_distinct(const struct detect_entry *e, int64_t now, int window);
/* How many of the n citizen ids (as 12-digit numbers) have another id near them:
 * the same first 6 digits, the last 6 from 1 to dist apart. Sorts ids. */
int detect_count_near(uint64_t *ids, int n, int dist);
uint64_t detect_hash(const char *s);

/* The count threshold in force: divided by holiday_factor on holidays, at least 2. */
int detect_threshold(const struct detect *d, int base, bool holiday);
/* True when the key may fire again (not within `quiet` seconds of its last hit);
 * then marks it fired at r->t. False while replaying. */
bool detect_may_fire(struct detect *d, struct detect_entry *e, const struct detect_record *r, int quiet);
/* Queues a hit for the worker (takes h->detail). */
void detect_raise(struct detect *d, const struct detect_record *r, const char *rule, const char *severity,
		  json_t *detail);

/* detect_hold.c: the hold of an account a suspending rule hit, and its end. */
void detect_hold_on_hit(struct detect *d, const char *rule, const char *actor);
void detect_hold_release(struct detect *d, const char *actor);

void detect_rules_auth(struct detect *d, const struct detect_record *r);
void detect_rules_lookup(struct detect *d, const struct detect_record *r);
/* detect_rules_throttle.c: signin_flood, from the signin_throttled window records. */
void detect_rules_throttle(struct detect *d, const struct detect_record *r);
/* new_ip on a successful use of an account (sign-in or lookup). */
void detect_rules_ips(struct detect *d, const struct detect_record *r);

/* detect_rules_session.c: multi_ip (a second session opens), concurrent_sessions
 * (it looks up) and new_ip_burst (lookups from a new address beyond the
 * account's pace), over the sessions and addresses of the account memory. */
enum detect_use { DETECT_USE_SIGNIN, DETECT_USE_LOOKUP, DETECT_USE_SIGNOUT };
void detect_rules_session(struct detect *d, const struct detect_record *r, enum detect_use use);
/* A record older than the windows (rebuild, up to DETECT_ADDR_DAYS days back):
 * only notes the address it came from. */
void detect_rules_session_history(struct detect *d, const struct detect_record *r);
/* The account's mean lookups per working hour over its 30-day baseline, 0 when
 * it has fewer than DETECT_BASELINE_MIN_DAYS active days (detect_rules_account.c). */
#define DETECT_BASELINE_MIN_DAYS 5
double detect_account_pace(const struct detect *d, const struct detect_account *acc, int64_t t, int *days);

/* detect_accounts.c: the account memory. get finds or adds (NULL when
 * DETECT_ACCOUNTS_MAX accounts are known, logged once). */
int detect_accounts_init(struct detect_accounts *a);
void detect_accounts_free(struct detect_accounts *a);
struct detect_account *detect_account_get(struct detect_accounts *a, const char *key);
/* Adds n lookups on local day `day` (days older than the ring are ignored). */
void detect_account_add_day(struct detect_account *acc, int64_t day, unsigned n);
/* Counts one lookup at t in the hour buckets; returns the lookups of the last hour. */
int detect_account_hour(struct detect_account *acc, int64_t t);
/* Lookups and active days (days with any) of the 30 local days before `today`. */
void detect_account_baseline(const struct detect_account *acc, int64_t today, int64_t *total, int *days);
/* Loads daily counts of the last month and each account's last activity. */
int detect_accounts_load(struct detect *d);

/* detect_rules_account.c: volume (on lookups) and dormant (on sign-ins and lookups). */
void detect_rules_account(struct detect *d, const struct detect_record *r, bool lookup);

/* detect_actions.c */
void *detect_worker_main(void *arg);
int detect_blocks_load(struct detect *d);

#endif
