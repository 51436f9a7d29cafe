/*
 * Initial passwords by rejection sampling: every character is uniform over the
 * alphabet, and a draft the policy refuses is thrown away whole and drawn again.
 * Forcing one character of each class into fixed places would be simpler but
 * would make those places guessable; redrawing keeps the result uniform over all
 * acceptable passwords. About four drafts in five pass (a 16-character draft
 * lacks a digit or a special character about one time in five), so the expected
 * cost is a little more than one policy check.
 */
#include "auth/initial.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"

#define MAX_DRAFTS 1000

int password_generate_initial(const struct config *cfg, const char *username, const char *full_name, char *out,
			      size_t size)
{
	static const char alphabet[] = PASSWORD_INITIAL_ALPHABET;
	const uint32_t n_alphabet = sizeof alphabet - 1;
	size_t len = PASSWORD_INITIAL_LEN;

	if (!cfg || !out)
		return -1;
	if (cfg->password.min_length > 0 && (size_t)cfg->password.min_length > len)
		len = (size_t)cfg->password.min_length;
	if (size < len + 1 || len > PASSWORD_MAX_LEN) {
		if (size > 0)
			out[0] = '\0';
		return -1;
	}
	if (sodium_init() < 0)
		abort();   /* no usable randomness */
	for (int draft = 0; draft < MAX_DRAFTS; draft++) {
		for (size_t i = 0; i < len; i++)
			out[i] = alphabet[randombytes_uniform(n_alphabet)];
		out[len] = '\0';
		if (password_policy_check(cfg, out, username, full_name, NULL) == 0)
			return 0;
		sodium_memzero(out, len);
	}
	out[0] = '\0';
	return -1;
}
