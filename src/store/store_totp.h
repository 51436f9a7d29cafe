/*
 * Persistence of the second factor: the encrypted TOTP secret of each account,
 * the last time step accepted (so no code is used twice), and the keyed hashes of
 * the recovery codes. Part of the store interface (included by store/store.h);
 * the cryptography lives in src/auth/totp.c and src/auth/mfa.c.
 */
#ifndef CANHGAC_STORE_STORE_TOTP_H
#define CANHGAC_STORE_STORE_TOTP_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_TOTP_BOX_MAX 128
#define STORE_RECOVERY_HASH_BYTES 32

struct store_totp {
	int64_t user_id;
	unsigned char box[STORE_TOTP_BOX_MAX]; /* nonce || secretbox; wipe after use */
	size_t box_len;
	int64_t confirmed_at;                  /* 0: pending enrolment */
	int64_t last_step;
	int64_t created_at;
};

/* STORE_ENOTFOUND when the account has no second factor, not even pending. */
int store_totp_get(struct store *st, int64_t user_id, struct store_totp *out);
/* Starts (or restarts) a pending enrolment; STORE_ECONFLICT when one is confirmed. */
int store_totp_put_pending(struct store *st, int64_t user_id, const unsigned char *box, size_t len, int64_t now);
/* Confirms the pending enrolment whose sealed secret is `box` (the one the code
 * was checked against) at `step` and replaces the recovery codes with the n
 * hashes given; one transaction. STORE_ENOTFOUND when nothing is pending;
 * STORE_ECONFLICT when another secret is pending (a second enrolment replaced
 * `box` since it was read): nothing changes. */
int store_totp_confirm(struct store *st, int64_t user_id, const unsigned char *box, size_t box_len, int64_t step,
		       int64_t now, const unsigned char (*hashes)[STORE_RECOVERY_HASH_BYTES], size_t n);
/* Moves last_step forward to `step`; STORE_ECONFLICT when it is not newer (a replay). */
int store_totp_use_step(struct store *st, int64_t user_id, int64_t step);
/* Calls fn with each unused recovery-code hash; stops when fn returns non-zero. */
int store_totp_recovery_each(struct store *st, int64_t user_id,
			     int (*fn)(const unsigned char *hash, void *arg), void *arg);
/* Marks one unused code used; STORE_ENOTFOUND when it was already used. */
int store_totp_recovery_use(struct store *st, int64_t user_id, const unsigned char *hash, int64_t now);
/* Unused recovery codes left. */
int store_totp_recovery_left(struct store *st, int64_t user_id, int *n);
/* Removes the second factor and its recovery codes (an admin's reset). */
int store_totp_delete(struct store *st, int64_t user_id);

#endif
