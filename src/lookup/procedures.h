/*
 * The procedure catalogue: which administrative procedures (thủ tục hành chính,
 * coded as in the national procedure database, "1.001193") a lookup may serve,
 * and for each the citizen fields it may see. Data minimisation lives here: an
 * answer is built by procedures_filter, which copies only the procedure's fields.
 * Loaded once at start from the embedded data/procedures.json or an operator's
 * file; read-only afterwards, so it may be shared by every thread.
 */
#ifndef CANHGAC_LOOKUP_PROCEDURES_H
#define CANHGAC_LOOKUP_PROCEDURES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lookup/citizen_fields.h"

#define PROCEDURE_CODE_MAX 16     /* "1.001193" */
#define PROCEDURE_NAME_MAX 256
#define PROCEDURES_MAX 1000
#define PROCEDURES_FILE_MAX (1024 * 1024)

struct procedure {
	char code[PROCEDURE_CODE_MAX];
	char name[PROCEDURE_NAME_MAX];     /* Vietnamese */
	char name_en[PROCEDURE_NAME_MAX];
	uint32_t fields;                   /* bit (1u << enum citizen_field) per allowed field */
};

struct procedures;   /* opaque; the loaded catalogue */

/* Loads and validates the catalogue from `override_path`, or from the embedded
 * data/procedures.json when it is NULL. Errors (unreadable or oversized file, bad
 * JSON, a code not of the form ^[0-9]\.[0-9]{6}$, a duplicate code, an empty or
 * missing name, an unknown or repeated field name, an unknown key) return -1
 * with a sentence naming the procedure in `why`. On success *out is the caller's:
 * procedures_free it. */
int procedures_load(const char *override_path, struct procedures **out, char *why, size_t why_size);

void procedures_free(struct procedures *p);

/* The procedure with `code`, or NULL. Points into p. */
const struct procedure *procedures_find(const struct procedures *p, const char *code);

size_t procedures_count(const struct procedures *p);
const struct procedure *procedures_at(const struct procedures *p, size_t i);

/* True when the procedure may see field f. */
bool procedure_has_field(const struct procedure *pr, enum citizen_field f);

/* A new JSON object holding copies of exactly those members of `full_record`
 * that are the procedure's fields (absent ones stay absent; members that are not
 * citizen fields never pass). Returns NULL on bad arguments or out of memory.
 * The caller owns the result. */
json_t *procedures_filter(const struct procedure *pr, const json_t *full_record);

/* [{code, name, name_en, fields: [...]}] in catalogue order, for GET /procedures.
 * A new reference; the caller owns it. */
json_t *procedures_to_json(const struct procedures *p);

#endif
