/*
 * One-time initial passwords, for a new account or an administrator's reset: drawn
 * from libsodium's CSPRNG, easy to read aloud and type from a printed handover
 * record (no look-alike characters), and always acceptable to the policy.
 */
#ifndef CANHGAC_AUTH_INITIAL_H
#define CANHGAC_AUTH_INITIAL_H

#include <stddef.h>

#include "core/config.h"

#define PASSWORD_INITIAL_LEN 16

/* The characters initial passwords are drawn from: no 0/O/o, 1/l/I, and no
 * characters that are hard to read or type (quotes, backslash, |, space). */
#define PASSWORD_INITIAL_ALPHABET                                                   \
	"ABCDEFGHJKLMNPQRSTUVWXYZ"                                                  \
	"abcdefghijkmnpqrstuvwxyz"                                                  \
	"23456789"                                                                  \
	"!@#$%&*+-=?"

/* Generates a one-time password of PASSWORD_INITIAL_LEN characters (or
 * cfg min_length when that is longer) into `out` (of `size` bytes), each drawn
 * uniformly from PASSWORD_INITIAL_ALPHABET with randombytes_uniform, redrawing the
 * whole password until password_policy_check(cfg, out, username, full_name, NULL)
 * finds nothing (so it has each class the policy requires and contains nothing of
 * the user's name). username and full_name may be NULL. Returns 0, or -1 when
 * `size` is too small or no acceptable password came in many draws (then `out` is
 * wiped). Rejected drafts are wiped. */
int password_generate_initial(const struct config *cfg, const char *username, const char *full_name, char *out,
			      size_t size);

#endif
