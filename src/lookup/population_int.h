/*
 * Inside the population module: the backend vtable and the constructors of the
 * two backends (population_embedded.c, population_upstream.c).
 */
#ifndef CANHGAC_LOOKUP_POPULATION_INT_H
#define CANHGAC_LOOKUP_POPULATION_INT_H

#include "lookup/population.h"

struct population_ops {
	const char *name;
	/* `fields`: the bits (1u << enum citizen_field) the caller needs; a backend
	 * may return more */
	int (*get)(struct population *p, const char *citizen_id, uint32_t fields, json_t **record);
	void (*close)(struct population *p);
};

struct population {
	const struct population_ops *ops;
	void *impl;   /* the backend's own state */
};

int population_embedded_open(struct store *st, struct population *p, char *why, size_t why_size);
int population_upstream_open(const struct config *cfg, struct population *p, char *why, size_t why_size);

/* True when s is exactly CITIZEN_ID_LEN ASCII digits (ids go into SQL binds and
 * URL paths; nothing else may). */
int population_id_plausible(const char *s);

#endif
