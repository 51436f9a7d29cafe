/*
 * Internals shared by the detector's files: the bounded per-key windows, the
 * parsed record the rules read, and the hit a rule raises.
 */
#ifndef CANHGAC_DETECT_DETECT_INT_H
#define CANHGAC_DETECT_DETECT_INT_H

#include <pthread.h>

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

struct detect_table {
	struct detect_entry *e;      /* DETECT_KEYS_MAX * 2 slots, open addressing */
	size_t used;
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

struct detect {
	struct detect_deps deps;
	pthread_mutex_t mu;          /* the windows */
	bool replaying;
	struct detect_table brute, spray, enumer, dossier, ips, offhours;

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

	int64_t last_latency_ms;     /* under qmu */
};

/* Finds or adds `key`; NULL when the table is full even after purging keys idle
 * for DETECT_HORIZON (logged once). */
struct detect_entry *detect_table_get(struct detect_table *t, const char *key, int64_t now);
void detect_entry_push(struct detect_entry *e, int64_t t, uint64_t v);
/* i-th newest event (0 = newest); i < e->n. */
const struct detect_event *detect_entry_at(const struct detect_entry *e, int i);
/* How many distinct values the events of e newer than now - window hold
 * (accounts tried from one address, citizens under one dossier code). */
int detect_entry_distinct(const struct detect_entry *e, int64_t now, int window);
uint64_t detect_hash(const char *s);

/* The count threshold in force: divided by holiday_factor on holidays, at least 2. */
int detect_threshold(const struct detect *d, int base, bool holiday);
/* True when the key may fire again (not within `quiet` seconds of its last hit);
 * then marks it fired at r->t. False while replaying. */
bool detect_may_fire(struct detect *d, struct detect_entry *e, const struct detect_record *r, int quiet);
/* Queues a hit for the worker (takes h->detail). */
void detect_raise(struct detect *d, const struct detect_record *r, const char *rule, const char *severity,
		  json_t *detail);

void detect_rules_auth(struct detect *d, const struct detect_record *r);
void detect_rules_lookup(struct detect *d, const struct detect_record *r);
/* The address rules (multi_ip, new_ip) on a successful use of an account. */
void detect_rules_ips(struct detect *d, const struct detect_record *r);

/* detect_actions.c */
void *detect_worker_main(void *arg);
int detect_blocks_load(struct detect *d);

#endif
