/*
 * Persistence of the embedded population: one row per citizen, the citizen
 * fields as columns (docs/LOOKUPS.md). Part of the store interface (included by
 * store/store.h). Used by the embedded population backend (get) and by
 * `canhgac population generate|sample` (bulk insert, sample).
 */
#ifndef CANHGAC_STORE_STORE_POPULATION_H
#define CANHGAC_STORE_STORE_POPULATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_CITIZEN_NAME_MAX 128
#define STORE_CITIZEN_TEXT_MAX 64
#define STORE_CITIZEN_PLACE_MAX 256

/* One citizen. Every string is NUL-terminated; an empty string is stored as ''. */
struct store_citizen {
	char citizen_id[16];
	char full_name[STORE_CITIZEN_NAME_MAX];
	char date_of_birth[16];                      /* YYYY-MM-DD */
	char sex[8];                                 /* male | female */
	char nationality[STORE_CITIZEN_TEXT_MAX];
	char ethnicity[STORE_CITIZEN_TEXT_MAX];
	char religion[STORE_CITIZEN_TEXT_MAX];
	char place_of_origin[STORE_CITIZEN_PLACE_MAX];
	char place_of_birth[STORE_CITIZEN_PLACE_MAX];
	char permanent_address[STORE_CITIZEN_PLACE_MAX];
	char current_address[STORE_CITIZEN_PLACE_MAX];
	char household_id[32];
	char household_head[STORE_CITIZEN_NAME_MAX];
	char relation_to_head[STORE_CITIZEN_TEXT_MAX];
	char marital_status[STORE_CITIZEN_TEXT_MAX];
	bool synthetic;
};

/* The citizen with this id; STORE_ENOTFOUND when there is none. */
int store_citizen_get(struct store *st, const char *citizen_id, struct store_citizen *out);

/* Inserts n rows in one transaction (all or none). STORE_ECONFLICT when an id is
 * already taken. */
int store_citizen_insert_many(struct store *st, const struct store_citizen *rows, size_t n);

/* Deletes every synthetic citizen (rows with synthetic = 0 stay); *deleted (may
 * be NULL) gets how many. */
int store_citizen_delete_synthetic(struct store *st, int64_t *deleted);

/* Number of citizens. */
int store_citizen_count(struct store *st, int64_t *out);

/* Calls fn with up to `count` citizen ids chosen at random (SQLite's random());
 * stops when fn returns non-zero. */
int store_citizen_sample(struct store *st, int count, int (*fn)(const char *citizen_id, void *arg), void *arg);

#endif
