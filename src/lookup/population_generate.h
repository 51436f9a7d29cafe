/*
 * The synthetic population: plausible citizens of Đồng Nai for demos, tests and
 * benchmarks, written into the embedded population table. Deterministic: the
 * same seed and count give the same citizens on every machine and every day
 * (birth years are fixed to 1910-2024, never relative to today). Every row is
 * marked synthetic. Names, places, ethnic groups and religions come from the
 * lists in data/; ids are valid per citizen_id_validate and unique.
 */
#ifndef CANHGAC_LOOKUP_POPULATION_GENERATE_H
#define CANHGAC_LOOKUP_POPULATION_GENERATE_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define POPULATION_GENERATE_MAX 5000000
#define POPULATION_BATCH 10000          /* rows per transaction */

struct population_generate_stats {
	int64_t deleted;      /* synthetic citizens replaced */
	int64_t inserted;
	int64_t households;
};

/* Replaces the synthetic citizens of `st` with `count` (1..POPULATION_GENERATE_MAX)
 * new ones drawn from `seed`, in a new population file (POPULATION_BATCH rows
 * at a time) put in place at the end. Rows with synthetic = 0 are kept. Returns
 * 0, or -1 with a sentence in `why`; on failure, or if the process dies midway,
 * the old population stays as it was. `stats` may be NULL. */
int population_generate(struct store *st, int64_t count, uint64_t seed,
			struct population_generate_stats *stats, char *why, size_t why_size);

#endif
