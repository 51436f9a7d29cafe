/*
 * Indicators for the national monitoring centre (NCSC): web-shell file hashes
 * found by `fim check` and the IP addresses the detector blocked, as a STIX 2.1
 * bundle or as CSV (docs/FIM.md). Used by `canhgac indicators export` and
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

/* Parses the `since` of an export: RFC 3339, a local date YYYY-MM-DD (its
 * start in Asia/Ho_Chi_Minh) or unix seconds. 0, or -1 when it is none of them. */
int fim_indicators_parse_since(const char *s, int64_t *out);

/* Writes a random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", into
 * out (at least 37 bytes). */
void fim_indicators_uuid4(char out[37]);

#endif
