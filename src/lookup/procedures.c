/*
 * Loading, validating and querying the procedure catalogue. Validation is
 * strict because a mistake here widens what officials see: an unknown key (a
 * typo of "fields") or an unknown field name is an error, never ignored.
 */
#include "lookup/procedures.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup/refdata.h"

struct procedures {
	size_t count;
	struct procedure *items;
};

static bool code_well_formed(const char *s)
{
	if (strlen(s) != 8 || s[0] < '0' || s[0] > '9' || s[1] != '.')
		return false;
	for (int i = 2; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int copy_name(json_t *o, const char *key, char *out, size_t size, bool required)
{
	json_t *v = json_object_get(o, key);
	if (!v && !required) {
		out[0] = '\0';
		return 0;
	}
	const char *s = json_string_value(v);
	if (!s || !*s || strlen(s) >= size)
		return -1;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* Validates one catalogue entry into pr; -1 with why. */
static int parse_one(json_t *o, size_t idx, struct procedure *pr, char *why, size_t why_size)
{
	if (!json_is_object(o)) {
		snprintf(why, why_size, "procedure #%zu is not a JSON object", idx + 1);
		return -1;
	}
	const char *code = json_string_value(json_object_get(o, "code"));
	if (!code || !code_well_formed(code)) {
		snprintf(why, why_size, "procedure #%zu: code must look like 1.001193 (digit, dot, six digits)",
			 idx + 1);
		return -1;
	}
	memcpy(pr->code, code, strlen(code) + 1);
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (strcmp(key, "code") && strcmp(key, "name") && strcmp(key, "name_en") && strcmp(key, "fields")) {
			snprintf(why, why_size, "procedure %s: unknown key '%.40s' (allowed: code, name, name_en, fields)",
				 code, key);
			return -1;
		}
	}
	if (copy_name(o, "name", pr->name, sizeof pr->name, true) ||
	    copy_name(o, "name_en", pr->name_en, sizeof pr->name_en, false)) {
		snprintf(why, why_size, "procedure %s: name and name_en must be non-empty text under %d bytes",
			 code, PROCEDURE_NAME_MAX);
		return -1;
	}
	json_t *fields = json_object_get(o, "fields");
	if (!json_is_array(fields) || json_array_size(fields) == 0) {
		snprintf(why, why_size, "procedure %s: fields must be a non-empty list of citizen field names", code);
		return -1;
	}
	size_t i;
	json_array_foreach(fields, i, v) {
		const char *name = json_string_value(v);
		int f = citizen_field_find(name);
		if (f < 0) {
			snprintf(why, why_size, "procedure %s: unknown citizen field '%.40s' (see docs/LOOKUPS.md)",
				 code, name ? name : "(not text)");
			return -1;
		}
		if (pr->fields & (1u << f)) {
			snprintf(why, why_size, "procedure %s: field '%s' is listed twice", code, name);
			return -1;
		}
		pr->fields |= 1u << f;
	}
	return 0;
}

static json_t *read_source(const char *path, char *why, size_t why_size)
{
	json_error_t err;
	json_t *root;
	if (!path) {
		size_t len;
		const char *text = refdata_file("procedures.json", &len);
		if (!text) {
			snprintf(why, why_size, "the embedded data/procedures.json is missing from this build");
			return NULL;
		}
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
		path = "data/procedures.json";
	} else {
		FILE *fp = fopen(path, "rb");
		if (!fp) {
			snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
			return NULL;
		}
		char *buf = malloc(PROCEDURES_FILE_MAX + 1);
		size_t n = buf ? fread(buf, 1, PROCEDURES_FILE_MAX + 1, fp) : 0;
		int bad = ferror(fp);
		fclose(fp);
		if (!buf || bad || n > PROCEDURES_FILE_MAX) {
			free(buf);
			snprintf(why, why_size, "cannot read %s (unreadable, or larger than %d bytes)", path,
				 PROCEDURES_FILE_MAX);
			return NULL;
		}
		root = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &err);
		free(buf);
	}
	if (!root)
		snprintf(why, why_size, "%s: line %d: %s", path, err.line, err.text);
	return root;
}

int procedures_load(const char *override_path, struct procedures **out, char *why, size_t why_size)
{
	int rc = -1;
	struct procedures *p = NULL;
	*out = NULL;
	json_t *root = read_source(override_path, why, why_size);
	if (!root)
		goto out;
	size_t n = json_array_size(root);
	if (!json_is_array(root) || n == 0 || n > PROCEDURES_MAX) {
		snprintf(why, why_size, "the procedure catalogue must be a JSON list of 1 to %d procedures",
			 PROCEDURES_MAX);
		goto out;
	}
	p = calloc(1, sizeof *p);
	if (p)
		p->items = calloc(n, sizeof *p->items);
	if (!p || !p->items) {
		snprintf(why, why_size, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (parse_one(json_array_get(root, i), i, &p->items[i], why, why_size))
			goto out;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(p->items[j].code, p->items[i].code) == 0) {
				snprintf(why, why_size, "procedure %s is listed twice", p->items[i].code);
				goto out;
			}
		}
		p->count++;
	}
	*out = p;
	p = NULL;
	rc = 0;
out:
	procedures_free(p);
	json_decref(root);
	return rc;
}

void procedures_free(struct procedures *p)
{
	if (!p)
		return;
	free(p->items);
	free(p);
}

const struct procedure *procedures_find(const struct procedures *p, const char *code)
{
	if (!p || !code)
		return NULL;
	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->items[i].code, code) == 0)
			return &p->items[i];
	return NULL;
}

size_t procedures_count(const struct procedures *p)
{
	return p ? p->count : 0;
}

const struct procedure *procedures_at(const struct procedures *p, size_t i)
{
	return (p && i < p->count) ? &p->items[i] : NULL;
}

bool procedure_has_field(const struct procedure *pr, enum citizen_field f)
{
	return pr && (int)f >= 0 && f < CF_COUNT && (pr->fields & (1u << f));
}

json_t *procedures_filter(const struct procedure *pr, const json_t *full_record)
{
	if (!pr || !json_is_object(full_record))
		return NULL;
	json_t *o = json_object();
	if (!o)
		return NULL;
	for (int f = 0; f < CF_COUNT; f++) {
		if (!(pr->fields & (1u << f)))
			continue;
		const char *name = citizen_field_name((enum citizen_field)f);
		json_t *v = json_object_get(full_record, name);
		if (!v)
			continue;
		/* shared, not copied: nothing changes a record's values once built */
		if (json_object_set(o, name, v)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *procedures_to_json(const struct procedures *p)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && p && i < p->count; i++) {
		const struct procedure *pr = &p->items[i];
		json_t *fields = json_array();
		for (int f = 0; fields && f < CF_COUNT; f++)
			if (pr->fields & (1u << f))
				json_array_append_new(fields, json_string(citizen_field_name((enum citizen_field)f)));
		json_t *o = fields ? json_pack("{s:s, s:s, s:s, s:o}", "code", pr->code, "name", pr->name,
					       "name_en", pr->name_en, "fields", fields)
				   : NULL;
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
