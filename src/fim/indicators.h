/*
 * Indicators for the national monitoring centre (NCSC): web-shell file hashes
 * found by `fim check` and the IP addresses the detector blocked, as a STIX 2.1
 * bundle or as CSV (docs/FIM.md). Used by `canhgac indicators export` and, later,
 * GET /api/v1/indicators.
 */
#ifndef CANHGAC_FIM_INDICATORS_H
#define CANHGAC_FIM_INDICATORS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* The STIX 2.1 bundle of the indicators first seen at or after `since`: one
 * identity (the reporting organisation `org`) and one indicator per hash or
 * address. *out is a new json_t the caller owns. 0, FIM_EIO or FIM_ENOMEM. */
int fim_indicators_stix(struct store *st, int64_t since, int64_t now, const char *org, json_t **out);

/* The same indicators as CSV text (header type,value,first_seen,source,description;
 * RFC 4180 quoting). *out is malloc'd, NUL-terminated, the caller frees it. */
int fim_indicators_csv(struct store *st, int64_t since, char **out, size_t *len);

/* Writes a random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", into
 * out (at least 37 bytes). */
void fim_indicators_uuid4(char out[37]);

#endif
