/*
 * The pool's threads take entries by an atomic counter, so a tree of many small
 * files and one large one keeps every core busy. Each entry is written by one
 * thread only; the baseline is read-only while they run. libyara allows
 * concurrent scans with the same compiled rules.
 */
#include "fim/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fim/walk.h"

#define POOL_THREADS_MAX 8

struct pool_run {
	struct fim_list *l;
	const struct fim_list *base;
	struct fim_scanner *sc;
	struct fim_pool_item *items;
	const _Atomic int *cancel;
	atomic_size_t next;
	atomic_int nomem;
};

int fim_pool_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > POOL_THREADS_MAX ? POOL_THREADS_MAX : (int)n;
}

static int by_path(const void *key, const void *elem)
{
	return strcmp(key, ((const struct store_fim_file *)elem)->path);
}

static bool differs(const struct fim_list *base, const struct store_fim_file *f)
{
	const struct store_fim_file *b =
		base && base->n ? bsearch(f->path, base->v, base->n, sizeof *base->v, by_path) : NULL;
	return !b || strcmp(b->sha256, f->sha256) || strcmp(b->blake2b, f->blake2b) || b->size != f->size;
}

static void pool_one(struct pool_run *r, size_t i)
{
	struct store_fim_file *f = &r->l->v[i];
	struct fim_pool_item *it = &r->items[i];
	unsigned char *buf = NULL;
	size_t len = 0;
	char why[256];
	it->rc = fim_walk_hash_file(f->path, f, r->sc ? &buf : NULL, &len, why, sizeof why);
	if (it->rc) {
		if (it->rc == FIM_ENOMEM || !(it->why = strdup(why)))
			atomic_store(&r->nomem, 1);
		return;
	}
	if (!r->sc || !differs(r->base, f)) {
		free(buf);
		return;
	}
	if (!buf) {
		it->too_big = true;
		return;
	}
	char rules[FIM_RULES_MAX];
	it->scanned = true;
	if (fim_scanner_scan_mem(r->sc, buf, len, rules, sizeof rules))
		it->scan_failed = true;
	else if (rules[0] && !(it->rules = strdup(rules)))
		atomic_store(&r->nomem, 1);
	free(buf);
}

static void *pool_main(void *arg)
{
	struct pool_run *r = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&r->next, 1);
		if (i >= r->l->n || (r->cancel && atomic_load(r->cancel)))
			return NULL;
		if (!r->l->v[i].sha256[0])
			pool_one(r, i);
	}
}

int fim_pool_hash(struct fim_list *l, const struct fim_list *base, struct fim_scanner *sc,
		  const _Atomic int *cancel, struct fim_pool_item **items)
{
	*items = calloc(l->n ? l->n : 1, sizeof **items);
	if (!*items)
		return FIM_ENOMEM;
	struct pool_run r = {.l = l, .base = base, .sc = sc, .items = *items, .cancel = cancel};
	atomic_init(&r.next, 0);
	atomic_init(&r.nomem, 0);
	pthread_t t[POOL_THREADS_MAX];
	int want = fim_pool_threads(), started = 0;
	if ((size_t)want > l->n / 16 + 1) /* a handful of files: no threads to start */
		want = (int)(l->n / 16 + 1);
	for (int k = 1; k < want; k++) /* the calling thread is one of them */
		if (pthread_create(&t[started], NULL, pool_main, &r) == 0)
			started++;
	pool_main(&r);
	for (int k = 0; k < started; k++)
		pthread_join(t[k], NULL);
	if (atomic_load(&r.nomem) || (cancel && atomic_load(cancel))) {
		fim_pool_items_free(*items, l->n);
		*items = NULL;
		return atomic_load(&r.nomem) ? FIM_ENOMEM : FIM_ECANCELLED;
	}
	return FIM_OK;
}

void fim_pool_items_free(struct fim_pool_item *items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++) {
		free(items[i].why);
		free(items[i].rules);
	}
	free(items);
}
