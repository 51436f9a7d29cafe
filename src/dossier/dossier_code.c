/*
 * Dossier code check: a length and character-set guard that holds for every
 * pattern (so a permissive custom pattern cannot let control characters or
 * megabytes into the audit log), the configured regular expression, and for the
 * default pattern a calendar check of the yymmdd part, which catches typed-in
 * dates like 261308 that the expression alone accepts.
 */
#include "dossier/dossier_code.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"

int dossier_matcher_init(struct dossier_matcher *m, const char *pattern, char *why, size_t why_size)
{
	memset(m, 0, sizeof *m);
	if (!pattern || !*pattern) {
		snprintf(why, why_size, "the dossier pattern is empty; set [lookup] dossier_pattern");
		return -1;
	}
	int rc = regcomp(&m->re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[128];
		regerror(rc, &m->re, msg, sizeof msg);
		snprintf(why, why_size, "[lookup] dossier_pattern is not a valid extended regular expression: %s", msg);
		return -1;
	}
	m->compiled = true;
	m->check_date = strcmp(pattern, DOSSIER_DEFAULT_PATTERN) == 0;
	return 0;
}

void dossier_matcher_free(struct dossier_matcher *m)
{
	if (m && m->compiled) {
		regfree(&m->re);
		m->compiled = false;
	}
}

/* The default shape is UNIT-yymmdd-SEQ and the unit code has no '-', so the date
 * is the six characters after the first '-'. */
static bool date_part_real(const char *code)
{
	const char *dash = strchr(code, '-');
	if (!dash || strlen(dash + 1) < 7 || dash[7] != '-')
		return false;
	char iso[11];
	snprintf(iso, sizeof iso, "20%.2s-%.2s-%.2s", dash + 1, dash + 3, dash + 5);
	int64_t day;
	return clock_parse_local_date(iso, &day) == 0;
}

bool dossier_code_valid(const struct dossier_matcher *m, const char *code)
{
	if (!m || !m->compiled || !code)
		return false;
	size_t n = strnlen(code, DOSSIER_CODE_MAX + 1);
	if (n == 0 || n > DOSSIER_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)code[i] < 0x21 || (unsigned char)code[i] > 0x7e)
			return false;
	if (regexec(&m->re, code, 0, NULL, 0) != 0)
		return false;
	return !m->check_date || date_part_real(code);
}
