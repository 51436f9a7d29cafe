/*
 * The dossier backends behind one interface, and the embedded one: dossiers
 * kept in the store (filled by `canhgac dossier import` and POST
 * /api/v1/dossiers), read by primary key on the calling thread's read
 * connection. A store error is DOSSIER_EUNAVAILABLE, never a refusal: the
 * lookup fails closed with 503 and gives its quota back.
 *
 * The embedded backend keeps a direct-mapped cache of the dossiers it read,
 * stamped with the store's dossier generation: every commit of the audit
 * projections empties the read connections' page cache (the reason the
 * population has its own file), so without it each lookup paid the file reads
 * and locks of a cold row (measured: verify cost more than half of format's
 * lookups per second, docs/BENCHMARKS.md). An entry is used only while the
 * generation it was read under is current; the generation is read before the
 * row, so a change committed during the read makes the entry stale at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "dossier/dossier_int.h"
#include "store/store.h"

#define CACHE_SLOTS 4096   /* ~7 MiB of dossiers */
#define CACHE_LOCKS 64

struct cache_slot {
	uint64_t gen;      /* 0: empty */
	dossier_t d;
};

struct embedded {
	struct store *st;
	struct cache_slot *slots;
	pthread_mutex_t locks[CACHE_LOCKS];
};

static size_t code_slot(const char *code)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)code; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h % CACHE_SLOTS);
}

static int embedded_get(struct dossier_backend *b, const char *code, dossier_t *out)
{
	struct embedded *e = b->impl;
	uint64_t gen = store_dossiers_generation(e->st) + 1; /* +1: 0 marks an empty slot */
	size_t i = code_slot(code);
	pthread_mutex_t *mu = &e->locks[i % CACHE_LOCKS];
	pthread_mutex_lock(mu);
	if (e->slots[i].gen == gen && strcmp(e->slots[i].d.code, code) == 0) {
		*out = e->slots[i].d;
		pthread_mutex_unlock(mu);
		return DOSSIER_OK;
	}
	pthread_mutex_unlock(mu);
	int rc = store_dossier_get(e->st, code, out);
	if (rc == STORE_OK) {
		pthread_mutex_lock(mu);
		e->slots[i].gen = gen;
		e->slots[i].d = *out;
		pthread_mutex_unlock(mu);
		return DOSSIER_OK;
	}
	if (rc == STORE_ENOTFOUND)
		return DOSSIER_ENOTFOUND;
	log_error("dossier", "cannot read dossier from the store: %s", store_strerror(rc));
	return DOSSIER_EUNAVAILABLE;
}

static void embedded_close(struct dossier_backend *b)
{
	struct embedded *e = b->impl; /* the store is the caller's */
	for (int i = 0; i < CACHE_LOCKS; i++)
		pthread_mutex_destroy(&e->locks[i]);
	free(e->slots);
	free(e);
}

static const struct dossier_backend_ops embedded_ops = {"embedded", false, embedded_get, embedded_close};

int dossier_backend_open(const struct config *cfg, struct store *st, struct dossier_backend **out, char *why,
			 size_t why_size)
{
	struct dossier_backend *b = calloc(1, sizeof *b);
	if (!b) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	if (!strcmp(cfg->dossier.backend, "upstream")) {
		if (dossier_upstream_open(cfg, b, why, why_size)) {
			free(b);
			return -1;
		}
	} else {
		struct embedded *e = calloc(1, sizeof *e);
		if (e)
			e->slots = calloc(CACHE_SLOTS, sizeof *e->slots);
		if (!e || !e->slots) {
			free(e);
			free(b);
			snprintf(why, why_size, "out of memory");
			return -1;
		}
		e->st = st;
		for (int i = 0; i < CACHE_LOCKS; i++)
			pthread_mutex_init(&e->locks[i], NULL);
		b->ops = &embedded_ops;
		b->impl = e;
	}
	*out = b;
	return 0;
}

void dossier_backend_close(struct dossier_backend *b)
{
	if (!b)
		return;
	b->ops->close(b);
	free(b);
}

const char *dossier_backend_name(const struct dossier_backend *b)
{
	return b->ops->name;
}

bool dossier_backend_blocks(const struct dossier_backend *b)
{
	return b->ops->blocks;
}

int dossier_get(struct dossier_backend *b, const char *code, dossier_t *out)
{
	return b->ops->get(b, code, out);
}
