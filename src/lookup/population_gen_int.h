/*
 * Inside the synthetic-population generator: the seeded random number generator
 * and the weighted lists read from data/.
 *
 * The generator is xoshiro256** (Blackman and Vigna, 2018) seeded through
 * splitmix64, as its authors recommend: fast, small, statistically sound and
 * fully specified, so a seed means the same population on every platform. It is
 * not a cryptographic generator and is used for nothing but synthetic data.
 */
#ifndef CANHGAC_LOOKUP_POPULATION_GEN_INT_H
#define CANHGAC_LOOKUP_POPULATION_GEN_INT_H

#include <stddef.h>
#include <stdint.h>

struct gen_rng {
	uint64_t s[4];
};

void gen_rng_seed(struct gen_rng *r, uint64_t seed);
uint64_t gen_rng_next(struct gen_rng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t gen_rng_below(struct gen_rng *r, uint64_t n);
/* Uniform in [lo, hi]. */
int gen_rng_range(struct gen_rng *r, int lo, int hi);
/* True with probability percent/100. */
int gen_rng_chance(struct gen_rng *r, int percent);

#define GEN_ITEM_MAX 40

struct gen_item {
	char name[GEN_ITEM_MAX];
	char extra[GEN_ITEM_MAX];  /* second column where the list has one (district) */
	uint64_t cum;              /* cumulative weight, in hundredths */
};

struct gen_list {
	size_t n, cap;
	struct gen_item *items;
};

/* Reads the embedded CSV `file`: name in column 0, weight in column
 * `weight_col`; with `sex` non-zero only rows whose column 1 equals it ('M' or
 * 'F'); with `extra_col` >= 0 that column goes into `extra`. 0 or -1. */
int gen_list_load(struct gen_list *l, const char *file, int weight_col, char sex, int extra_col);
void gen_list_free(struct gen_list *l);
/* A weighted random item; the list must not be empty. */
const struct gen_item *gen_list_pick(const struct gen_list *l, struct gen_rng *r);

#endif
