/*
 * libFuzzer target: the body of POST /api/v1/lookups as the handler reads it
 * (jansson with JSON_REJECT_DUPLICATES, then its strings), through the citizen id
 * validation (the province list, the sex-and-century digit, the birth year
 * against a fixed today) and the default dossier pattern with its date check.
 * The raw input is also tried as an id and as a dossier code. Beyond memory
 * errors it checks two promises: an id called valid is 12 digits of a known
 * province, and a refused one always says why.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "lookup/citizen_id.h"
#include "dossier/dossier_code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIXED_NOW 1795000000 /* 2026-11-18: ids born later are in the future */

static struct dossier_matcher matcher;

static void check(const char *id, const char *dossier)
{
	struct citizen_id_info info;
	const char *why = NULL;
	if (id && citizen_id_validate(id, FIXED_NOW, &info, &why) == 0) {
		if (strlen(id) != CITIZEN_ID_LEN || strspn(id, "0123456789") != CITIZEN_ID_LEN ||
		    !citizen_province_name(info.province_code))
			abort();
	} else if (id && (!why || !*why)) {
		abort();
	}
	if (dossier)
		(void)dossier_code_valid(&matcher, dossier);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		struct config cfg;
		char why[256];
		config_defaults(&cfg);
		log_setup(LOG_ERROR, stderr);
		if (dossier_matcher_init(&matcher, cfg.lookup.dossier_pattern, why, sizeof why) != 0) {
			fprintf(stderr, "the default dossier pattern does not compile: %s\n", why);
			abort();
		}
		ready = 1;
	}
	json_error_t err;
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (json_is_object(body))
		check(json_string_value(json_object_get(body, "citizen_id")),
		      json_string_value(json_object_get(body, "dossier_code")));
	json_decref(body);
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check(text, text);
	free(text);
	return 0;
}
