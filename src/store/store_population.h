/*
 * Persistence of the embedded population: one row per citizen, the citizen
 * fields as columns (docs/LOOKUPS.md), in a file of its own beside the main
 * database that is replaced whole, never edited. Part of the store interface
 * (included by store/store.h). Used by the embedded population backend (get)
 * and by `canhgac population generate|sample` (build, sample).
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

/* The population file of the database at db_path: the same name with ".db"
 * replaced by ".population.db" (or that suffix added). -1 when too long. */
int store_population_path(const char *db_path, char *out, size_t size);

/* The citizen with this id; STORE_ENOTFOUND when there is none. */
int store_citizen_get(struct store *st, const char *citizen_id, struct store_citizen *out);

/* Adds n rows (all or none): a new population file with the old rows and these.
 * STORE_ECONFLICT when an id is already taken; STORE_EBUSY when a build is under
 * way. For a few rows; a bulk load uses a build (below). */
int store_citizen_insert_many(struct store *st, const struct store_citizen *rows, size_t n);

/* A new population file being built. It replaces the current one only when
 * committed: a failed or interrupted build leaves the old population whole, and
 * a running server reads the new one from its next lookup (this process) or
 * within a second (another). */
struct store_population_build;
enum store_population_keep {
	STORE_POP_KEEP_ALL,  /* start from every citizen of the current file */
	STORE_POP_KEEP_REAL, /* only from those not marked synthetic */
};
/* STORE_EBUSY when another build, of any process, is under way. */
int store_population_begin(struct store *st, enum store_population_keep keep,
			   struct store_population_build **out);
/* STORE_ECONFLICT when an id is already in the new file (the build stays usable
 * only to be aborted). */
int store_population_add(struct store_population_build *b, const struct store_citizen *rows, size_t n);
/* Puts the new file in place, durably; *left_out (may be NULL) gets how many
 * citizens of the old file KEEP_REAL left out. Ends b either way. */
int store_population_commit(struct store_population_build *b, int64_t *left_out);
/* Drops the new file; the old population stays. NULL is ignored. */
void store_population_abort(struct store_population_build *b);

/* Number of citizens. */
int store_citizen_count(struct store *st, int64_t *out);

/* Calls fn with up to `count` citizen ids chosen at random (SQLite's random());
 * stops when fn returns non-zero. */
int store_citizen_sample(struct store *st, int count, int (*fn)(const char *citizen_id, void *arg), void *arg);

#endif
