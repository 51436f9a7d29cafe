/*
 * Dossier codes (mã hồ sơ): every lookup names the dossier it serves. The shape
 * is configurable ([lookup] dossier_pattern, a POSIX extended regular expression)
 * because provinces number dossiers differently; the default is the national
 * portal's {unit code}-{yymmdd}-{sequence}, e.g. H15.50.05.13-261008-0975. With
 * the default pattern the yymmdd part must also be a real calendar date
 * (20yy). Any pattern: 1..DOSSIER_CODE_MAX printable ASCII characters.
 */
#ifndef CANHGAC_DOSSIER_DOSSIER_CODE_H
#define CANHGAC_DOSSIER_DOSSIER_CODE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#define DOSSIER_CODE_MAX 64

/* The default of [lookup] dossier_pattern (the same text as src/core/config.c). */
#define DOSSIER_DEFAULT_PATTERN "^[A-Z0-9]+(\\.[A-Z0-9]+)*-[0-9]{6}-[0-9]{4,7}$"

struct dossier_matcher {
	regex_t re;
	bool check_date;   /* the default pattern: yymmdd must be a real date */
	bool compiled;
};

/* Compiles `pattern` once (REG_EXTENDED | REG_NOSUB). Returns 0, or -1 with a
 * sentence in `why`. Free with dossier_matcher_free. */
int dossier_matcher_init(struct dossier_matcher *m, const char *pattern, char *why, size_t why_size);

void dossier_matcher_free(struct dossier_matcher *m);

/* True when `code` is a valid dossier code. Thread-safe (glibc's regexec may be
 * called on one compiled expression from many threads). */
bool dossier_code_valid(const struct dossier_matcher *m, const char *code);

#endif
