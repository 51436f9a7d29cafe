/*
 * The second factor: TOTP codes of RFC 6238 (HMAC-SHA1 from GnuTLS, 30-second
 * steps, 6 digits, one step of tolerance either way) as authenticator apps make
 * them, the otpauth URI and its QR code (SVG from libqrencode), and the account
 * operations built on them: enrolment, confirmation with 10 single-use recovery
 * codes, the check at sign-in (no code accepted twice), an admin's reset.
 * Secrets are kept encrypted under DATA/keys/totp.key (see docs/SECURITY.md).
 */
#ifndef CANHGAC_AUTH_TOTP_H
#define CANHGAC_AUTH_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"

#define TOTP_SECRET_BYTES 20
#define TOTP_STEP_SECONDS 30
#define TOTP_DIGITS 6
#define TOTP_BASE32_MAX 64
#define TOTP_URI_MAX 256

/* ---- pure RFC 4226/6238 (totp.c) ---- */

/* The HOTP value of `counter` for key, `digits` (6..8) long, into *out. 0 or -1. */
int totp_hotp(const unsigned char *key, size_t key_len, uint64_t counter, int digits, uint32_t *out);

/* The 30-second step of a unix time. */
int64_t totp_step(int64_t unix_seconds);

/* Checks a 6-digit code against the steps of now-1 .. now+1 (every candidate is
 * computed and compared in constant time). 0 and *step = the step it matched, or
 * -1. The caller refuses a step not newer than the last one used. */
int totp_verify(const unsigned char *key, size_t key_len, const char *code, int64_t now, int64_t *step);

/* RFC 4648 base32 without padding; 0, or -1 when out is too small. */
int totp_base32_encode(const unsigned char *in, size_t len, char *out, size_t size);

/* otpauth://totp/canhgac:USER?secret=...&issuer=canhgac&...; 0 or -1. */
int totp_uri(const char *secret_b32, const char *username, char *out, size_t size);

/* The QR code of `text` as an SVG document (totp_qr.c). Returns a new string the
 * caller frees, or NULL. */
char *totp_qr_svg(const char *text);

/* ---- account operations (mfa.c) ---- */

#define AUTH_RECOVERY_CODES 10
#define AUTH_RECOVERY_CODE_LEN 12 /* "xxxxx-xxxxx" and NUL */

struct auth_totp_enrolment {
	char secret[TOTP_BASE32_MAX];  /* base32, for manual entry; wipe after use */
	char uri[TOTP_URI_MAX];        /* wipe after use */
	char *qr_svg;                  /* owned: auth_totp_enrolment_wipe frees it */
};

/* Starts (or restarts) enrolment of the caller: a new 20-byte secret, pending until
 * confirmed. AUTH_ECONFLICT when a second factor is already confirmed (an admin
 * must reset it first, so a stolen session cannot replace it). */
int auth_totp_enrol(struct auth_service *svc, const struct auth_caller *c, struct auth_totp_enrolment *out);
void auth_totp_enrolment_wipe(struct auth_totp_enrolment *e);

/* Confirms the pending enrolment with a current code and makes 10 recovery codes
 * (shown once; only keyed hashes are kept). AUTH_ENOTFOUND: nothing pending;
 * AUTH_ECREDENTIALS: wrong code; AUTH_ECONFLICT: a new enrolment replaced the
 * pending secret while the code was being checked (the code proved the old
 * secret, not the new one: nothing is confirmed). The caller wipes `codes`. */
int auth_totp_confirm(struct auth_service *svc, const struct auth_caller *c, const char *code,
		      char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_LEN]);

/* At sign-in, under svc->mu, after the password matched: AUTH_OK when u has no
 * confirmed second factor or `otp` is a fresh TOTP code or an unused recovery
 * code (then used up); AUTH_ECREDENTIALS with *reason (for the audit) otherwise. */
int auth_totp_check(struct auth_service *svc, const struct store_user *u, const char *otp, int64_t now,
		    const char **reason);

/* Removes a user's second factor (admin, or an agency admin for their officers;
 * actor NULL: the CLI). Audited as totp_reset. */
int auth_totp_reset(struct auth_service *svc, const struct auth_caller *actor, int64_t id);

/* True when u's role is in [totp] required_roles and u has no confirmed factor. */
bool auth_totp_enrolment_required(struct auth_service *svc, const struct store_user *u);

/* "none", "pending" or "enabled", and the unused recovery codes. */
const char *auth_totp_state(struct auth_service *svc, int64_t user_id, int *recovery_left);

#endif
