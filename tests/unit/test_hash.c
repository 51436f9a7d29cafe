/*
 * argon2id hashing: make and verify, wrong passwords and malformed hashes, the
 * upgrade signal when the cost rises, and the dummy hash made at the cost in force. Runs at low
 * costs so the suite stays fast under sanitizers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/hash.h"
#include "auth/password.h"

static const struct password_hash_cost low = {1, 64 * 1024};   /* t=1, m=64 KiB */

static int setup(void **state)
{
	(void)state;
	password_hash_cost_set(low);
	return 0;
}

static void test_default_cost_is_owasp_or_above(void **state)
{
	(void)state;
	/* OWASP's floor for argon2id is m=19 MiB with t=2 (p=1). */
	assert_true(PASSWORD_HASH_MEMLIMIT >= (size_t)19 << 20);
	assert_true(PASSWORD_HASH_OPSLIMIT >= 2);
	assert_true((unsigned long long)PASSWORD_HASH_MEMLIMIT * PASSWORD_HASH_OPSLIMIT >=
		    ((unsigned long long)19 << 20) * 2);
}

static void test_make_and_verify(void **state)
{
	(void)state;
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	assert_int_equal(password_hash_make("Tq7#vLm9xR2!", h1), 0);
	assert_int_equal(strncmp(h1, "$argon2id$v=19$m=64,t=1,p=1$", 28), 0);
	assert_true(strlen(h1) < PASSWORD_HASH_MAX);
	assert_int_equal(password_hash_verify(h1, "Tq7#vLm9xR2!"), 0);
	/* Salted: the same password hashes differently each time. */
	assert_int_equal(password_hash_make("Tq7#vLm9xR2!", h2), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(password_hash_verify(h2, "Tq7#vLm9xR2!"), 0);
	/* Vietnamese passwords are bytes like any other. */
	assert_int_equal(password_hash_make("Mật khẩu 1!", h2), 0);
	assert_int_equal(password_hash_verify(h2, "Mật khẩu 1!"), 0);
	assert_int_equal(password_hash_verify(h2, "Mat khau 1!"), -1);
}

static void test_wrong_password(void **state)
{
	(void)state;
	char h[PASSWORD_HASH_MAX];

	assert_int_equal(password_hash_make("Tq7#vLm9xR2!", h), 0);
	assert_int_equal(password_hash_verify(h, "Tq7#vLm9xR2?"), -1);
	assert_int_equal(password_hash_verify(h, "tq7#vlm9xr2!"), -1);
	assert_int_equal(password_hash_verify(h, "Tq7#vLm9xR2"), -1);
	assert_int_equal(password_hash_verify(h, ""), -1);
	assert_int_equal(password_hash_verify(h, NULL), -1);
}

static void test_malformed_hash(void **state)
{
	(void)state;
	char h[PASSWORD_HASH_MAX];
	char longh[PASSWORD_HASH_MAX + 10];

	assert_int_equal(password_hash_verify(NULL, "x"), -1);
	assert_int_equal(password_hash_verify("", "x"), -1);
	assert_int_equal(password_hash_verify("not a hash", "x"), -1);
	assert_int_equal(password_hash_verify("$argon2id$v=19$m=64,t=1,p=1$", "x"), -1);
	assert_int_equal(password_hash_verify("$2b$12$abcdefghijklmnopqrstuu5e9yQbYpNQ0E5G3p1ZfzH1cK6c3aE3a", "x"), -1);
	/* A real hash with its tail cut off or a byte changed. */
	assert_int_equal(password_hash_make("Tq7#vLm9xR2!", h), 0);
	h[strlen(h) - 5] = '\0';
	assert_int_equal(password_hash_verify(h, "Tq7#vLm9xR2!"), -1);
	assert_int_equal(password_hash_make("Tq7#vLm9xR2!", h), 0);
	h[strlen(h) - 3] = h[strlen(h) - 3] == 'A' ? 'B' : 'A';
	assert_int_equal(password_hash_verify(h, "Tq7#vLm9xR2!"), -1);
	/* Longer than any hash we make. */
	memset(longh, 'a', sizeof longh - 1);
	longh[sizeof longh - 1] = '\0';
	memcpy(longh, "$argon2id$", 10);
	assert_int_equal(password_hash_verify(longh, "x"), -1);
	assert_false(password_hash_needs_rehash(longh));
	assert_false(password_hash_needs_rehash("garbage"));
	assert_false(password_hash_needs_rehash(NULL));
	assert_false(password_hash_needs_rehash("$argon2id$v=19$m=x"));
}

static void test_too_long_password_refused(void **state)
{
	(void)state;
	char h[PASSWORD_HASH_MAX];
	char pw[PASSWORD_MAX_LEN + 2];

	memset(pw, 'a', sizeof pw);
	pw[PASSWORD_MAX_LEN] = '\0';
	assert_int_equal(password_hash_make(pw, h), 0);
	pw[PASSWORD_MAX_LEN] = 'a';
	pw[PASSWORD_MAX_LEN + 1] = '\0';
	assert_int_equal(password_hash_make(pw, h), -1);
	assert_int_equal(password_hash_make(NULL, h), -1);
}

static void test_needs_rehash(void **state)
{
	(void)state;
	char h[PASSWORD_HASH_MAX];

	assert_int_equal(password_hash_make("Tq7#vLm9xR2!", h), 0);
	assert_false(password_hash_needs_rehash(h));

	/* More passes. */
	password_hash_cost_set((struct password_hash_cost){2, low.memlimit});
	assert_true(password_hash_needs_rehash(h));
	/* More memory. */
	password_hash_cost_set((struct password_hash_cost){1, 128 * 1024});
	assert_true(password_hash_needs_rehash(h));

	/* The new hash at the raised cost is current, and the old one still verifies. */
	char h2[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash_make("Tq7#vLm9xR2!", h2), 0);
	assert_false(password_hash_needs_rehash(h2));
	assert_int_equal(password_hash_verify(h, "Tq7#vLm9xR2!"), 0);

	/* Lowering the cost does not ask to "upgrade" to a weaker hash. */
	password_hash_cost_set(low);
	assert_false(password_hash_needs_rehash(h2));

	/* argon2i (an older algorithm) is upgraded whatever its cost. */
	char hi[crypto_pwhash_argon2i_STRBYTES];
	assert_int_equal(crypto_pwhash_argon2i_str(hi, "x", 1, 3, 1 << 20), 0);
	assert_true(password_hash_needs_rehash(hi));
	assert_int_equal(password_hash_verify(hi, "x"), 0);
}

static void test_cost_clamped_and_read_back(void **state)
{
	(void)state;
	password_hash_cost_set((struct password_hash_cost){0, 10});
	struct password_hash_cost c = password_hash_cost_get();
	assert_true(c.opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN);
	assert_true(c.memlimit >= crypto_pwhash_argon2id_MEMLIMIT_MIN);
	char h[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash_make("x", h), 0);
	assert_int_equal(password_hash_verify(h, "x"), 0);
	password_hash_cost_set((struct password_hash_cost){3, (size_t)1 << 20});
	c = password_hash_cost_get();
	assert_int_equal(c.opslimit, 3);
	assert_int_equal(c.memlimit, (size_t)1 << 20);
}

/* The argon2 parameters m (KiB) and t of an encoded hash. */
static void hash_params(const char *h, unsigned *m, unsigned *t)
{
	unsigned v = 0, p = 0;
	const char *at = strstr(h, "$v=");
	assert_non_null(at);
	assert_int_equal(sscanf(at, "$v=%u$m=%u,t=%u,p=%u$", &v, m, t, &p), 4);
}

/* The unknown-user path verifies against a dummy hash made at the cost in force,
 * so it does the same work as a real verify. Checked by its parameters, not by
 * timing it (a timed unit test fails on a loaded machine; the time itself is
 * measured in bench/bench_signin.sh and in e2e/test_signin_timing). */
static void test_dummy_follows_cost(void **state)
{
	(void)state;
	char h[PASSWORD_HASH_MAX], d[PASSWORD_HASH_MAX];
	unsigned mh, th, md, td;

	password_hash_cost_set((struct password_hash_cost){2, (size_t)1 << 20});
	assert_int_equal(password_hash_make("Tq7#vLm9xR2!", h), 0);
	assert_int_equal(password_hash_prepare(), 0);
	assert_int_equal(password_hash_dummy_get(d), 0);
	hash_params(h, &mh, &th);
	hash_params(d, &md, &td);
	assert_int_equal(md, 1024);
	assert_int_equal(td, 2);
	assert_int_equal(md, mh);
	assert_int_equal(td, th);
	assert_false(password_hash_needs_rehash(d));

	/* After a cost change the dummy is made again at the new cost. */
	password_hash_cost_set((struct password_hash_cost){3, (size_t)8 << 20});
	assert_int_equal(password_hash_dummy_get(d), 0);
	hash_params(d, &md, &td);
	assert_int_equal(md, 8192);
	assert_int_equal(td, 3);
	assert_false(password_hash_needs_rehash(d));
	/* The dummy is random: no password, not even the empty one, opens it. */
	assert_int_equal(password_hash_verify(d, ""), -1);
	password_hash_dummy_verify(NULL);
	password_hash_dummy_verify("wrong password");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_cost_is_owasp_or_above),
		cmocka_unit_test_setup(test_make_and_verify, setup),
		cmocka_unit_test_setup(test_wrong_password, setup),
		cmocka_unit_test_setup(test_malformed_hash, setup),
		cmocka_unit_test_setup(test_too_long_password_refused, setup),
		cmocka_unit_test_setup(test_needs_rehash, setup),
		cmocka_unit_test_setup(test_cost_clamped_and_read_back, setup),
		cmocka_unit_test_setup(test_dummy_follows_cost, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
