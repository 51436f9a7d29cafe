/*
 * The embedded population backend: one row of the store's population table,
 * turned into a JSON record keyed by citizen field names. The table's columns
 * are the citizen fields, so the mapping is a list of (field, struct member).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "lookup/citizen_fields.h"
#include "lookup/population_int.h"
#include "store/store.h"

#define M(f, member) {f, offsetof(struct store_citizen, member)}
static const struct {
	enum citizen_field field;
	size_t offset;
} embedded_map[] = {
	M(CF_CITIZEN_ID, citizen_id),
	M(CF_FULL_NAME, full_name),
	M(CF_DATE_OF_BIRTH, date_of_birth),
	M(CF_SEX, sex),
	M(CF_NATIONALITY, nationality),
	M(CF_ETHNICITY, ethnicity),
	M(CF_RELIGION, religion),
	M(CF_PLACE_OF_ORIGIN, place_of_origin),
	M(CF_PLACE_OF_BIRTH, place_of_birth),
	M(CF_PERMANENT_ADDRESS, permanent_address),
	M(CF_CURRENT_ADDRESS, current_address),
	M(CF_HOUSEHOLD_ID, household_id),
	M(CF_HOUSEHOLD_HEAD, household_head),
	M(CF_RELATION_TO_HEAD, relation_to_head),
	M(CF_MARITAL_STATUS, marital_status),
};
#define N_MAP (sizeof embedded_map / sizeof embedded_map[0])
_Static_assert(N_MAP == CF_COUNT, "every citizen field has a column");

static int embedded_get(struct population *p, const char *citizen_id, uint32_t fields, json_t **record)
{
	struct store *st = p->impl;
	struct store_citizen c;
	int src = store_citizen_get(st, citizen_id, &c);
	if (src == STORE_ENOTFOUND)
		return POP_ENOTFOUND;
	if (src) {
		log_error("population", "embedded: reading a citizen failed: %s", store_strerror(src));
		return POP_EINTERNAL;
	}
	json_t *o = json_object();
	for (size_t i = 0; o && i < N_MAP; i++) {
		if (!(fields & (1u << embedded_map[i].field)))
			continue;
		const char *v = (const char *)&c + embedded_map[i].offset;
		/* json_string refuses invalid UTF-8: a damaged row is an error, not a crash */
		if (json_object_set_new(o, citizen_field_name(embedded_map[i].field), json_string(v))) {
			json_decref(o);
			o = NULL;
		}
	}
	if (o && c.synthetic && json_object_set_new(o, "synthetic", json_true())) {
		json_decref(o);
		o = NULL;
	}
	if (!o) {
		log_error("population", "embedded: cannot build the record of a citizen (bad text or out of memory)");
		return POP_EINTERNAL;
	}
	*record = o;
	return POP_OK;
}

static void embedded_close(struct population *p)
{
	p->impl = NULL; /* the store belongs to the caller */
}

static const struct population_ops embedded_ops = {
	.name = "embedded",
	.get = embedded_get,
	.close = embedded_close,
};

int population_embedded_open(struct store *st, struct population *p, char *why, size_t why_size)
{
	if (!st) {
		snprintf(why, why_size, "the embedded population needs the store (internal error)");
		return -1;
	}
	p->ops = &embedded_ops;
	p->impl = st;
	return 0;
}
