/*
 * Internals of the password policy shared by its files (password.c,
 * password_fold.c, password_quality.c) and their tests. Not for other modules.
 */
#ifndef CANHGAC_AUTH_PASSWORD_INT_H
#define CANHGAC_AUTH_PASSWORD_INT_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the UTF-8 character at `s` (which is not at its NUL): stores the code
 * point in *cp and returns its length in bytes. An invalid or truncated sequence
 * is one byte long with *cp = 0xFFFD. */
size_t password_utf8_next(const char *s, uint32_t *cp);

#define PW_FOLD_DROP (-1)   /* a combining mark: not a character of its own */
#define PW_FOLD_NONE 0      /* not a letter the fold knows: kept as it is */

/* Folds one code point: returns the lower-case ASCII letter it stands for (and
 * sets *upper for an upper-case letter), PW_FOLD_DROP for a combining mark, or
 * PW_FOLD_NONE. For ASCII it returns the character lower-cased (non-letters as
 * they are). */
int password_fold_cp(uint32_t cp, int *upper);

/* libpwquality and cracklib: the violations they find beyond `already` (which the
 * policy's own rules found and which must not be reported twice). Serialised with
 * a mutex (cracklib keeps static state). */
unsigned password_quality_check(const char *password, const char *username, const char *current_password,
				 unsigned already);

/* Overrides the cracklib dictionary (path without ".pwd"); NULL restores the
 * search of the usual places. For tests of the fail-closed path and for systems
 * whose dictionary lives elsewhere. Returns 0, or -1 when the file is missing
 * (the override is kept: checks then fail closed). */
int password_quality_dict_set(const char *path);

/* The dictionary in use (path without ".pwd"), or NULL when none was found. */
const char *password_quality_dict_get(void);

#endif
