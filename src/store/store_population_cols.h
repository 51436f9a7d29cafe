/*
 * The columns of the population table, shared by the reads
 * (store_population.c) and the building of a new file (store_population_build.c):
 * CITIZEN_COLS in table order, and where each text column lives in struct
 * store_citizen.
 */
#ifndef CANHGAC_STORE_STORE_POPULATION_COLS_H
#define CANHGAC_STORE_STORE_POPULATION_COLS_H

#include <stddef.h>

#include "store/store.h"

#define CITIZEN_COLS                                                                           \
	"citizen_id, full_name, date_of_birth, sex, nationality, ethnicity, religion, "        \
	"place_of_origin, place_of_birth, permanent_address, current_address, household_id, " \
	"household_head, relation_to_head, marital_status, synthetic"

/* Column i of CITIZEN_COLS (but the last) is the char array at offset[i]. */
#define CF(f) {offsetof(struct store_citizen, f), sizeof(((struct store_citizen *)0)->f)}
static const struct {
	size_t offset, size;
} citizen_text_cols[] = {
	CF(citizen_id), CF(full_name), CF(date_of_birth), CF(sex), CF(nationality), CF(ethnicity),
	CF(religion), CF(place_of_origin), CF(place_of_birth), CF(permanent_address),
	CF(current_address), CF(household_id), CF(household_head), CF(relation_to_head),
	CF(marital_status),
};
#define N_TEXT_COLS (sizeof citizen_text_cols / sizeof citizen_text_cols[0])

#endif
