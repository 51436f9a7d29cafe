/*
 * The bounded tables of quota state: a pool of `cap` entries allocated once,
 * chained from a power-of-two bucket array (at most half full), with a free list.
 * When the pool is full a sweep evicts every entry of a past local day, first
 * those whose GCRA is idle (nothing lost: their day is over and their minute is
 * empty) and, if none, the others (their minute is re-seeded from the store when
 * they come back). Entries of today are never evicted, because their count would
 * then be re-read from the store without the takes still in flight; a table full
 * of today's entries refuses new names (fail closed), and says so in the log at
 * most once a second. The caller holds the quota lock.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "quota/quota_int.h"

#define SWEEP_BACKOFF_US QUOTA_US_PER_S

int quota_table_init(struct quota_table *t, const char *what, const char *bound, size_t cap)
{
	memset(t, 0, sizeof *t);
	if (cap < 1 || cap > INT32_MAX / 4)
		return QUOTA_EINVAL;
	size_t nb = 1;
	while (nb < 2 * cap)
		nb <<= 1;
	t->what = what;
	t->bound = bound;
	t->cap = cap;
	t->mask = nb - 1;
	t->entries = calloc(cap, sizeof *t->entries);
	t->buckets = malloc(nb * sizeof *t->buckets);
	if (!t->entries || !t->buckets) {
		quota_table_free(t);
		return QUOTA_ESTATE;
	}
	for (size_t i = 0; i < nb; i++)
		t->buckets[i] = -1;
	for (size_t i = 0; i < cap; i++)
		t->entries[i].next = i + 1 < cap ? (int32_t)(i + 1) : -1;
	t->free_head = 0;
	return QUOTA_OK;
}

void quota_table_free(struct quota_table *t)
{
	free(t->entries);
	free(t->buckets);
	t->entries = NULL;
	t->buckets = NULL;
}

struct quota_entry *quota_table_find(struct quota_table *t, const char *key, uint64_t hash)
{
	for (int32_t i = t->buckets[hash & t->mask]; i >= 0; i = t->entries[i].next) {
		struct quota_entry *e = &t->entries[i];
		if (e->hash == hash && strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

static bool evictable(const struct quota_entry *e, int64_t day, int64_t now_us, bool idle_only)
{
	return e->day < day && (!idle_only || e->tat_us <= now_us);
}

/* Unlinks every evictable entry into the free list; returns how many. */
static size_t table_sweep(struct quota_table *t, int64_t day, int64_t now_us, bool idle_only)
{
	size_t freed = 0;
	for (size_t b = 0; b <= t->mask; b++) {
		int32_t *link = &t->buckets[b];
		while (*link >= 0) {
			int32_t i = *link;
			struct quota_entry *e = &t->entries[i];
			if (!evictable(e, day, now_us, idle_only)) {
				link = &e->next;
				continue;
			}
			*link = e->next;
			memset(e, 0, sizeof *e);
			e->next = t->free_head;
			t->free_head = i;
			t->count--;
			freed++;
		}
	}
	return freed;
}

int quota_table_insert(struct quota_table *t, const char *key, uint64_t hash, int64_t day,
		       int64_t now_us, struct quota_entry **out)
{
	*out = NULL;
	if (t->free_head < 0) {
		if (t->sweep_day == day && now_us < t->sweep_after_us)
			return QUOTA_ESTATE;
		size_t freed = table_sweep(t, day, now_us, true);
		if (!freed)
			freed = table_sweep(t, day, now_us, false);
		if (!freed) {
			t->sweep_day = day;
			t->sweep_after_us = now_us + SWEEP_BACKOFF_US;
			log_error("quota",
				  "the %s quota table is full (%zu entries, all of today): a new %s is refused "
				  "lookups until local midnight (fail closed); raise %s in src/quota/quota.h",
				  t->what, t->cap, t->what, t->bound);
			return QUOTA_ESTATE;
		}
	}
	int32_t i = t->free_head;
	struct quota_entry *e = &t->entries[i];
	t->free_head = e->next;
	memset(e, 0, sizeof *e);
	strcpy(e->key, key); /* the caller checked strlen(key) <= QUOTA_NAME_MAX */
	e->hash = hash;
	e->in_use = true;
	e->day = day;
	e->next = t->buckets[hash & t->mask];
	t->buckets[hash & t->mask] = i;
	t->count++;
	*out = e;
	return QUOTA_OK;
}
