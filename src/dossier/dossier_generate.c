/*
 * Synthetic open dossiers over the embedded population, so that a demo or a test
 * can look citizens up in verify mode the way a desk does. Each dossier names one
 * to three citizens drawn at random from the population, one procedure (the
 * known procedures in turn), a status among the open ones and a reception time
 * in the last 30 days. Codes follow the national shape {unit}-{yymmdd}-{seq}:
 * the unit is the agency code reduced to capitals, digits and dots, the date is
 * the reception day, and the sequence starts at a random point so that two runs
 * rarely meet (when they do, the later run updates the earlier dossier).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "dossier/dossier.h"
#include "lookup/procedures.h"
#include "store/store.h"

struct ids {
	char (*id)[16];
	size_t n, cap;
};

static int collect(const char *citizen_id, void *arg)
{
	struct ids *ids = arg;
	if (ids->n < ids->cap)
		snprintf(ids->id[ids->n++], sizeof ids->id[0], "%s", citizen_id);
	return ids->n >= ids->cap;
}

/* "UBND.BIENHOA" stays; "so_tp-hcm" becomes "SO.TP.HCM" (the pattern's unit part). */
static void unit_of(const char *agency, char *out, size_t size)
{
	size_t n = 0;
	for (const char *p = agency; *p && n + 1 < size; p++) {
		char c = *p;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			out[n++] = c;
		else if (n > 0 && out[n - 1] != '.')
			out[n++] = '.';
	}
	while (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "HS");
}

int dossier_generate(struct store *st, const struct procedures *procs, const char *agency, size_t count,
		     int64_t now, char **text, size_t *len, char *why, size_t why_size)
{
	static const char *const statuses[] = {"received", "processing", "awaiting_supplement"};
	static const char *const roles[] = {"applicant", "subject", "guardian"};
	*text = NULL;
	*len = 0;
	if (count == 0 || count > DOSSIER_IMPORT_ROWS_MAX || procedures_count(procs) == 0) {
		snprintf(why, why_size, "count must be 1..%d", DOSSIER_IMPORT_ROWS_MAX);
		return DOSSIER_EINVAL;
	}
	size_t want = count * 3 < 100000 ? count * 3 : 100000;
	struct ids ids = {calloc(want, sizeof *ids.id), 0, want};
	if (!ids.id) {
		snprintf(why, why_size, "out of memory");
		return DOSSIER_EINTERNAL;
	}
	if (store_citizen_sample(st, (int)want, collect, &ids) || ids.n == 0) {
		free(ids.id);
		snprintf(why, why_size, "the embedded population is empty: run 'canhgac population generate' first");
		return DOSSIER_EINVAL;
	}
	char unit[40];
	unit_of(agency, unit, sizeof unit);
	uint32_t seq0 = 1000000 + randombytes_uniform(8000000 - (uint32_t)count);
	size_t cap = count * 512, off = 0;
	char *buf = malloc(cap);
	for (size_t i = 0; buf && i < count; i++) {
		int64_t received = now - (int64_t)randombytes_uniform(30 * 86400);
		char date[11], iso[32];
		clock_format_local_date(received, date, sizeof date);
		clock_format_rfc3339(received, iso, sizeof iso);
		const struct procedure *pr = procedures_at(procs, i % procedures_count(procs));
		json_t *persons = json_array();
		size_t np = 1 + randombytes_uniform(3);
		size_t first = randombytes_uniform((uint32_t)ids.n);
		for (size_t k = 0; k < np && k < ids.n; k++)
			json_array_append_new(persons, json_pack("{s:s, s:s}", "citizen_id", ids.id[(first + k) % ids.n],
								 "role", roles[k]));
		char code[STORE_DOSSIER_CODE_MAX + 1];
		snprintf(code, sizeof code, "%s-%.2s%.2s%.2s-%07u", unit, date + 2, date + 5, date + 8,
			 (unsigned)(seq0 + i));
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "code", code, "procedure_code", pr->code,
				      "agency", agency, "status", statuses[randombytes_uniform(3)], "received_at", iso,
				      "persons", persons);
		char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		size_t n = line ? strlen(line) : 0;
		if (!line || off + n + 2 > cap) {
			free(line);
			free(buf);
			buf = NULL;
			break;
		}
		memcpy(buf + off, line, n);
		off += n;
		buf[off++] = '\n';
		free(line);
	}
	free(ids.id);
	if (!buf) {
		snprintf(why, why_size, "out of memory");
		return DOSSIER_EINTERNAL;
	}
	buf[off] = '\0';
	*text = buf;
	*len = off;
	return DOSSIER_OK;
}
