/*
 * The purpose-binding rule of a lookup, and a dossier read as untrusted input.
 * dossier_check is a pure function of a dossier and a lookup, so every refusal
 * can be unit-tested without a store. dossier_from_json is the one door through
 * which a dossier enters canhgac (an import line, a push to the API, an answer
 * of the one-stop system): every field is checked for shape and size before the
 * dossier can bind anything.
 */
#include "dossier/dossier.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "dossier/dossier_code.h"
#include "lookup/citizen_id.h"
#include "lookup/procedures.h"
#include "store/store.h"

static const char *const open_statuses[] = {"received", "processing", "awaiting_supplement"};
static const char *const closed_statuses[] = {"returned", "closed", "cancelled"};

bool dossier_status_open(const char *status)
{
	for (size_t i = 0; status && i < 3; i++)
		if (!strcmp(status, open_statuses[i]))
			return true;
	return false;
}

bool dossier_status_valid(const char *status)
{
	for (size_t i = 0; status && i < 3; i++)
		if (!strcmp(status, closed_statuses[i]))
			return true;
	return dossier_status_open(status);
}

const char *dossier_verdict_code(enum dossier_verdict v)
{
	switch (v) {
	case DOSSIER_ALLOW: return "ok";
	case DOSSIER_NOT_FOUND: return "dossier_not_found";
	case DOSSIER_CLOSED: return "dossier_closed";
	case DOSSIER_PROCEDURE_MISMATCH: return "dossier_procedure_mismatch";
	case DOSSIER_OTHER_AGENCY: return "dossier_other_agency";
	case DOSSIER_CITIZEN_NOT_IN: return "citizen_not_in_dossier";
	}
	return "dossier_not_found";
}

enum dossier_verdict dossier_check(const dossier_t *d, const char *procedure_code, const char *agency,
				   const char *username, const char *citizen_id, int64_t now, int grace_days)
{
	if (!d)
		return DOSSIER_NOT_FOUND;
	if (!dossier_status_open(d->status)) {
		/* a closed dossier without its closing time counts as closed long ago */
		if (d->closed_at <= 0 || now - d->closed_at > (int64_t)grace_days * 86400)
			return DOSSIER_CLOSED;
	}
	if (!procedure_code || strcmp(d->procedure_code, procedure_code) != 0)
		return DOSSIER_PROCEDURE_MISMATCH;
	if (!agency || strcmp(d->agency, agency) != 0) {
		bool assigned = false;
		for (int i = 0; username && i < d->n_officers && !assigned; i++)
			assigned = strcmp(d->officers[i], username) == 0;
		if (!assigned)
			return DOSSIER_OTHER_AGENCY;
	}
	for (int i = 0; citizen_id && i < d->n_persons; i++)
		if (strcmp(d->persons[i].citizen_id, citizen_id) == 0)
			return DOSSIER_ALLOW;
	return DOSSIER_CITIZEN_NOT_IN;
}

/* ---- input ------------------------------------------------------------------- */

/* Letters, digits and . _ - only, 1..max-1 bytes: agency codes, usernames, roles. */
static bool token_ok(const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max) : 0;
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A time as RFC 3339 or a local date YYYY-MM-DD (its local midnight). */
static int time_parse(const char *s, int64_t *out)
{
	int64_t day;
	if (!s)
		return -1;
	if (strlen(s) == 10 && clock_parse_local_date(s, &day) == 0) {
		*out = clock_local_day_start(day);
		return 0;
	}
	return clock_parse_rfc3339(s, out);
}

#define FAIL(...)                                       \
	do {                                            \
		snprintf(why, why_size, __VA_ARGS__);   \
		return DOSSIER_EINVAL;                  \
	} while (0)

static int copy_field(const json_t *obj, const char *name, char *out, size_t size, char *why, size_t why_size)
{
	const json_t *v = json_object_get(obj, name);
	if (!json_is_string(v))
		FAIL("%s: required, a string", name);
	if (json_string_length(v) >= size)
		FAIL("%s: longer than %zu characters", name, size - 1);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	if (strlen(out) != json_string_length(v))
		FAIL("%s: contains a NUL character", name);
	return 0;
}

static int persons_from_json(const json_t *arr, int64_t now, dossier_t *d, char *why, size_t why_size)
{
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		FAIL("persons: required, a non-empty array of {citizen_id, role}");
	if (json_array_size(arr) > STORE_DOSSIER_PERSONS_MAX)
		FAIL("persons: more than %d persons", STORE_DOSSIER_PERSONS_MAX);
	size_t i;
	const json_t *p;
	json_array_foreach(arr, i, p) {
		struct store_dossier_person *dp = &d->persons[d->n_persons];
		const char *bad = NULL;
		char w[160];
		if (!json_is_object(p))
			FAIL("persons[%zu]: expected an object {citizen_id, role}", i);
		if (copy_field(p, "citizen_id", dp->citizen_id, sizeof dp->citizen_id, w, sizeof w) ||
		    citizen_id_validate(dp->citizen_id, now, NULL, &bad))
			FAIL("persons[%zu].citizen_id: %s", i, bad ? bad : w);
		if (copy_field(p, "role", dp->role, sizeof dp->role, w, sizeof w))
			FAIL("persons[%zu].%s", i, w);
		if (!token_ok(dp->role, sizeof dp->role))
			FAIL("persons[%zu].role: letters, digits, '.', '_' or '-' only", i);
		d->n_persons++;
	}
	return 0;
}

static int officers_from_json(const json_t *arr, dossier_t *d, char *why, size_t why_size)
{
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		FAIL("officers: expected an array of usernames");
	if (json_array_size(arr) > STORE_DOSSIER_OFFICERS_MAX)
		FAIL("officers: more than %d officers", STORE_DOSSIER_OFFICERS_MAX);
	size_t i;
	const json_t *o;
	json_array_foreach(arr, i, o) {
		const char *u = json_string_value(o);
		if (!u || !token_ok(u, sizeof d->officers[0]) || strlen(u) != json_string_length(o))
			FAIL("officers[%zu]: expected a username (letters, digits, '.', '_', '-')", i);
		snprintf(d->officers[d->n_officers++], sizeof d->officers[0], "%s", u);
	}
	return 0;
}

int dossier_from_json(const json_t *obj, const struct dossier_rules *rules, const char *source, dossier_t *d,
		      char *why, size_t why_size)
{
	memset(d, 0, sizeof *d);
	if (!json_is_object(obj))
		FAIL("expected a JSON object");
	if (copy_field(obj, "code", d->code, sizeof d->code, why, why_size))
		return DOSSIER_EINVAL;
	if (rules->codes && !dossier_code_valid(rules->codes, d->code))
		FAIL("code: '%s' does not match [lookup] dossier_pattern", d->code);
	if (copy_field(obj, "procedure_code", d->procedure_code, sizeof d->procedure_code, why, why_size))
		return DOSSIER_EINVAL;
	if (rules->procedures && !procedures_find(rules->procedures, d->procedure_code))
		FAIL("procedure_code: '%s' is not a known procedure (GET /api/v1/procedures)", d->procedure_code);
	if (copy_field(obj, "agency", d->agency, sizeof d->agency, why, why_size))
		return DOSSIER_EINVAL;
	if (!token_ok(d->agency, sizeof d->agency))
		FAIL("agency: letters, digits, '.', '_' or '-' only");
	if (rules->agencies) {
		struct store_agency ag;
		int rc = store_agency_get(rules->agencies, d->agency, &ag);
		if (rc == STORE_ENOTFOUND)
			FAIL("agency: '%s' is not a known agency (canhgac agency add)", d->agency);
		if (rc)
			FAIL("agency: cannot read the agencies (%s)", store_strerror(rc));
	}
	if (copy_field(obj, "status", d->status, sizeof d->status, why, why_size))
		return DOSSIER_EINVAL;
	if (!dossier_status_valid(d->status))
		FAIL("status: '%s' is not one of received, processing, awaiting_supplement, returned, closed, "
		     "cancelled", d->status);
	if (time_parse(json_string_value(json_object_get(obj, "received_at")), &d->received_at))
		FAIL("received_at: required, RFC 3339 (2026-12-01T08:30:00+07:00) or YYYY-MM-DD");
	if (d->received_at > rules->now + 86400)
		FAIL("received_at: in the future");
	const json_t *closed = json_object_get(obj, "closed_at");
	if (closed && !json_is_null(closed) && !(json_is_string(closed) && json_string_length(closed) == 0)) {
		if (time_parse(json_string_value(closed), &d->closed_at))
			FAIL("closed_at: RFC 3339 or YYYY-MM-DD, or absent");
		if (d->closed_at < d->received_at)
			FAIL("closed_at: before received_at");
	}
	if (!dossier_status_open(d->status) && d->closed_at == 0)
		FAIL("closed_at: required when the status is %s", d->status);
	if (persons_from_json(json_object_get(obj, "persons"), rules->now, d, why, why_size) ||
	    officers_from_json(json_object_get(obj, "officers"), d, why, why_size))
		return DOSSIER_EINVAL;
	snprintf(d->source, sizeof d->source, "%s", source ? source : "api");
	d->updated_at = rules->now;
	return DOSSIER_OK;
}

json_t *dossier_to_json(const dossier_t *d)
{
	char received[32], closed[32] = "";
	clock_format_rfc3339(d->received_at, received, sizeof received);
	if (d->closed_at)
		clock_format_rfc3339(d->closed_at, closed, sizeof closed);
	json_t *persons = json_array(), *officers = json_array();
	for (int i = 0; i < d->n_persons; i++)
		json_array_append_new(persons, json_pack("{s:s, s:s}", "citizen_id", d->persons[i].citizen_id, "role",
							 d->persons[i].role));
	for (int i = 0; i < d->n_officers; i++)
		json_array_append_new(officers, json_string(d->officers[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s?, s:o, s:o}", "code", d->code, "procedure_code",
			 d->procedure_code, "agency", d->agency, "status", d->status, "open",
			 dossier_status_open(d->status), "received_at", received, "closed_at",
			 d->closed_at ? closed : NULL, "persons", persons, "officers", officers);
}
