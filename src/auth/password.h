/*
 * The province's password policy: length, the four character classes, nothing of
 * the user's own name in it, not the current password, and libpwquality's
 * dictionary (cracklib) and similarity checks. Pure functions of their arguments
 * and of the configuration; no HTTP, no SQL. History is the caller's part (it
 * verifies the candidate against the stored hashes and sets PW_REUSED), because
 * only the store knows the hashes. docs/SECURITY.md ("Password policy") describes
 * each rule for operators.
 */
#ifndef CANHGAC_AUTH_PASSWORD_H
#define CANHGAC_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/i18n.h"

enum password_violation {
	PW_TOO_SHORT = 1u << 0,
	PW_NO_UPPERCASE = 1u << 1,
	PW_NO_LOWERCASE = 1u << 2,
	PW_NO_DIGIT = 1u << 3,
	PW_NO_SPECIAL = 1u << 4,
	PW_CONTAINS_USERNAME = 1u << 5,
	PW_REUSED = 1u << 6,
	PW_WEAK = 1u << 7,
	PW_SAME_AS_CURRENT = 1u << 8,
	PW_TOO_RECENT = 1u << 9,   /* changed less than [password] min_age_days ago (auth_password_change) */
};

/* Every violation bit, for loops over a mask: for (bit = 1; bit & PW_ALL; bit <<= 1). */
#define PW_ALL 0x3ffu

/* Longer (in bytes) is refused as invalid input before hashing (argon2 DoS). */
#define PASSWORD_MAX_LEN 128

/* True when `password` is acceptable input at all: not NULL, 1..PASSWORD_MAX_LEN
 * bytes, valid UTF-8, no control characters. Handlers answer 400 invalid_request
 * otherwise, before any policy check or hashing. */
bool password_input_valid(const char *password);

/* Checks everything except history (the caller checks history by verifying the
 * candidate against the stored hashes and sets PW_REUSED). Returns the bitmask of
 * ALL violations at once (0: acceptable).
 *   cfg               not NULL; its [password] section is used (min_length,
 *                     require_*)
 *   password          the candidate, UTF-8; NULL is treated as empty; one longer
 *                     than PASSWORD_MAX_LEN bytes (which callers refuse first as
 *                     invalid input) is reported PW_WEAK without libpwquality
 *   username          may be NULL; blocked inside the password when 3+ characters
 *   full_name         UTF-8 Vietnamese, e.g. "Nguyễn Văn Bình", may be NULL: no
 *                     part of it of 3+ characters may appear in the password;
 *                     username and name are compared case- and diacritic-
 *                     insensitively ("binh", "Nguyen", "NGUYỄN", "đ" → "d")
 *   current_password  NULL for an initial set or an admin reset; otherwise the
 *                     candidate must differ (PW_SAME_AS_CURRENT) and not be too
 *                     similar to it (PW_WEAK, through libpwquality)
 * Length counts characters (code points, combining marks not counted), not bytes.
 * A Vietnamese letter with diacritics counts as a letter of its case ("Đ" upper,
 * "ệ" lower); any other non-ASCII character, and any printable ASCII character that
 * is neither letter nor digit (space included), counts as special.
 * PW_WEAK comes from libpwquality (dictionary through cracklib, similarity to the
 * current password, palindromes, rotations); a missing cracklib dictionary fails
 * closed as PW_WEAK and is logged once. Thread-safe. */
unsigned password_policy_check(const struct config *cfg, const char *password, const char *username,
			       const char *full_name, const char *current_password);

/* True when the password is a banned root word dressed up (capitals, leetspeak,
 * digits and symbols around it): P@ssw0rd, Admin@123, Matkhau@123, Dongnai@123.
 * password_policy_check reports it as PW_WEAK (password_banned.c). Thread-safe. */
bool password_root_banned(const char *password);

/* Stable API code of one violation bit: "too_short", "no_uppercase", "no_lowercase",
 * "no_digit", "no_special", "contains_username", "reused", "weak", "same_as_current",
 * "too_recent".
 * NULL when `bit` is not exactly one known bit. Static storage. */
const char *password_violation_code(unsigned bit);

/* Localised one-sentence message of one violation bit (Vietnamese or English).
 * too_short names cfg's min_length and reused names cfg's history, so those two
 * are written into `buf` (of `size` bytes) and `buf` is returned; the others
 * return static storage. With buf NULL or too small, or cfg NULL, a static
 * sentence without the number is returned. NULL when `bit` is not exactly one
 * known bit. */
const char *password_violation_message(unsigned bit, enum i18n_lang lang, const struct config *cfg,
				       char *buf, size_t size);

/* Folds UTF-8 Vietnamese to lower-case ASCII without diacritics ("Nguyễn Đức" →
 * "nguyen duc"): precomposed letters (Latin-1, Ă Đ Ĩ Ũ Ơ Ư, U+1EA0–U+1EF9) map to
 * their base letter, combining marks (U+0300–U+036F, as typed by some input
 * methods) are dropped; other bytes pass through, ASCII lower-cased. The output is
 * never longer than the input. Returns 0, or -1 if `out` (of `size` bytes) is too
 * small (then `out` holds an empty string when size > 0). */
int password_fold_ascii(const char *in, char *out, size_t size);

#endif
