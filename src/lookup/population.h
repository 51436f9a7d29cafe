/*
 * Where citizen records come from, behind one interface: the embedded table of
 * the store (the default; synthetic data for demos and tests, or a local copy)
 * or the HTTP gateway of the national population database. A backend answers
 * one question, "the whole record of this citizen id", as a JSON object keyed by
 * the citizen field names of lookup/citizen_fields.h; minimising it to what a
 * procedure may see is the caller's job (procedures_filter). Errors carry no
 * text from the backend: the caller maps them to statuses and a fixed message.
 */
#ifndef CANHGAC_LOOKUP_POPULATION_H
#define CANHGAC_LOOKUP_POPULATION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum population_err {
	POP_OK = 0,
	POP_ENOTFOUND = -1,   /* no such citizen (also: an id that is not 12 digits) → 404 */
	POP_EUPSTREAM = -2,   /* the upstream failed or answered nonsense → 502 */
	POP_ETIMEOUT = -3,    /* the upstream did not answer in time → 504 */
	POP_EINTERNAL = -4,   /* our side: store error, out of memory → 500 */
};

struct config;
struct store;
struct population;   /* opaque: vtable inside */

/* Opens the backend named by cfg->population.backend: "embedded" reads `st`
 * (which must outlive the population), "upstream" calls
 * cfg->population.upstream_url (https; plain http only to a loopback address)
 * with the configured timeout, client certificate and CA file. Returns 0, or -1
 * with a sentence in `why` saying what to fix. *out is the caller's:
 * population_close it. */
int population_open(const struct config *cfg, struct store *st, struct population **out, char *why,
		    size_t why_size);

/* The full record of `citizen_id`. On POP_OK *record is a new JSON object (the
 * caller owns it) with a string member per known citizen field, plus
 * "synthetic": true for generated citizens; otherwise *record is NULL.
 * Thread-safe: may be called from every HTTP worker at once. */
int population_get(struct population *p, const char *citizen_id, json_t **record);

/* The same for a caller that needs only `fields` (bits 1u << enum citizen_field,
 * as in struct procedure): the record has at least those of them the citizen
 * has, and "synthetic"; a backend may add the others (the embedded one does not,
 * the upstream one returns what the gateway sent). */
int population_get_fields(struct population *p, const char *citizen_id, uint32_t fields, json_t **record);

/* "embedded" or "upstream". */
const char *population_backend_name(const struct population *p);

/* Short English text of an enum population_err, for log lines. */
const char *population_strerror(int err);

void population_close(struct population *p);

#endif
