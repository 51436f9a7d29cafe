/*
 * argon2id through libsodium's crypto_pwhash_str API, which writes the salt and
 * the parameters into the hash string, so that a hash made at an older cost still
 * verifies and can be recognised for an upgrade. The dummy hash for unknown users
 * is made from random bytes nobody knows, at the current cost, so verifying
 * against it costs what a real verify costs and matches no password.
 */
#include "auth/hash.h"
#include "auth/password.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(PASSWORD_HASH_MAX >= crypto_pwhash_argon2id_STRBYTES, "PASSWORD_HASH_MAX too small");
_Static_assert(PASSWORD_HASH_MAX >= crypto_pwhash_STRBYTES, "PASSWORD_HASH_MAX too small");

static pthread_mutex_t hash_lock = PTHREAD_MUTEX_INITIALIZER;
static struct password_hash_cost cost = {PASSWORD_HASH_OPSLIMIT, PASSWORD_HASH_MEMLIMIT};
static char dummy[PASSWORD_HASH_MAX];
static struct password_hash_cost dummy_cost;   /* the cost `dummy` was made at */

static void ensure_sodium(void)
{
	/* main() calls sodium_init; tests and tools may not. It is idempotent and
	 * thread-safe, and cheap after the first call. */
	if (sodium_init() < 0)
		abort();   /* no usable randomness: nothing here can run safely */
}

struct password_hash_cost password_hash_cost_get(void)
{
	struct password_hash_cost c;
	pthread_mutex_lock(&hash_lock);
	c = cost;
	pthread_mutex_unlock(&hash_lock);
	return c;
}

void password_hash_cost_set(struct password_hash_cost c)
{
	if (c.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN)
		c.opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
	if (c.opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX)
		c.opslimit = crypto_pwhash_argon2id_OPSLIMIT_MAX;
	if (c.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN)
		c.memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
	if (c.memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX)
		c.memlimit = crypto_pwhash_argon2id_MEMLIMIT_MAX;
	pthread_mutex_lock(&hash_lock);
	cost = c;
	pthread_mutex_unlock(&hash_lock);
}

int password_hash_make(const char *password, char out[PASSWORD_HASH_MAX])
{
	struct password_hash_cost c = password_hash_cost_get();
	size_t len;

	if (!password || !out)
		return -1;
	len = strnlen(password, PASSWORD_MAX_LEN + 1);
	if (len > PASSWORD_MAX_LEN)
		return -1;
	ensure_sodium();
	if (crypto_pwhash_str_alg(out, password, len, c.opslimit, c.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -1;
	return 0;
}

int password_hash_verify(const char *hash, const char *password)
{
	if (!hash || !password)
		return -1;
	if (strnlen(hash, PASSWORD_HASH_MAX) >= PASSWORD_HASH_MAX)
		return -1;
	ensure_sodium();
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? 0 : -1;
}

bool password_hash_needs_rehash(const char *hash)
{
	static const char id[] = "$argon2id$";
	static const char i[] = "$argon2i$";
	struct password_hash_cost c = password_hash_cost_get();
	unsigned v, m, t, p;
	int end = 0;

	if (!hash || strnlen(hash, PASSWORD_HASH_MAX) >= PASSWORD_HASH_MAX)
		return false;
	if (strncmp(hash, id, sizeof id - 1) != 0)
		return strncmp(hash, i, sizeof i - 1) == 0;   /* argon2i: upgrade to argon2id */
	if (sscanf(hash + sizeof id - 1, "v=%u$m=%u,t=%u,p=%u$%n", &v, &m, &t, &p, &end) != 4 || end == 0)
		return false;
	if (v < 0x13)   /* argon2 version 1.3, the one libsodium writes */
		return true;
	return (unsigned long long)m * 1024 < c.memlimit || t < c.opslimit;
}

int password_hash_dummy_get(char out[PASSWORD_HASH_MAX])
{
	int rc = 0;
	pthread_mutex_lock(&hash_lock);
	if (!dummy[0] || dummy_cost.opslimit != cost.opslimit || dummy_cost.memlimit != cost.memlimit) {
		unsigned char secret[32];
		char hex[sizeof secret * 2 + 1];
		randombytes_buf(secret, sizeof secret);
		sodium_bin2hex(hex, sizeof hex, secret, sizeof secret);
		if (crypto_pwhash_str_alg(dummy, hex, strlen(hex), cost.opslimit, cost.memlimit,
					  crypto_pwhash_ALG_ARGON2ID13) == 0) {
			dummy_cost = cost;
		} else {
			dummy[0] = '\0';
			rc = -1;
		}
		sodium_memzero(secret, sizeof secret);
		sodium_memzero(hex, sizeof hex);
	}
	if (rc == 0)
		memcpy(out, dummy, PASSWORD_HASH_MAX);
	pthread_mutex_unlock(&hash_lock);
	return rc;
}

int password_hash_prepare(void)
{
	char h[PASSWORD_HASH_MAX];
	ensure_sodium();
	return password_hash_dummy_get(h);
}

void password_hash_dummy_verify(const char *password)
{
	char h[PASSWORD_HASH_MAX];
	ensure_sodium();
	if (!password)
		password = "";
	if (password_hash_dummy_get(h) != 0) {
		/* Out of memory for the dummy: still spend the work of one hash. */
		struct password_hash_cost c = password_hash_cost_get();
		int ignored = crypto_pwhash_str_alg(h, password, strlen(password), c.opslimit, c.memlimit,
						    crypto_pwhash_ALG_ARGON2ID13);
		(void)ignored;
		return;
	}
	/* The answer is thrown away: it is the work that matters. */
	int ignored = crypto_pwhash_str_verify(h, password, strlen(password));
	(void)ignored;
}
