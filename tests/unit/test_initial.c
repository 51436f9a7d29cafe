/*
 * One-time initial passwords: they pass the policy, have the right length, never
 * repeat, and contain no look-alike characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "auth/initial.h"
#include "auth/password.h"
#include "core/config.h"

#define COUNT 1000

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void test_thousand_initial_passwords(void **state)
{
	(void)state;
	struct config cfg;
	static char pw[COUNT][PASSWORD_INITIAL_LEN + 1];
	size_t used[128] = {0};

	config_defaults(&cfg);
	for (int i = 0; i < COUNT; i++) {
		assert_int_equal(password_generate_initial(&cfg, "binhnv", "Nguyễn Văn Bình", pw[i], sizeof pw[i]), 0);
		assert_int_equal(strlen(pw[i]), PASSWORD_INITIAL_LEN);
		assert_int_equal(password_policy_check(&cfg, pw[i], "binhnv", "Nguyễn Văn Bình", NULL), 0);
		assert_null(strpbrk(pw[i], "0O1lIo"));
		for (const char *p = pw[i]; *p; p++) {
			assert_non_null(strchr(PASSWORD_INITIAL_ALPHABET, *p));
			used[(unsigned char)*p]++;
		}
	}
	qsort(pw, COUNT, sizeof pw[0], cmp_str);
	for (int i = 1; i < COUNT; i++)
		assert_string_not_equal(pw[i - 1], pw[i]);
	/* 16000 draws over 66 symbols: every symbol shows up (about 240 times each). */
	for (const char *a = PASSWORD_INITIAL_ALPHABET; *a; a++)
		assert_true(used[(unsigned char)*a] > 100);
}

static void test_length_follows_longer_minimum(void **state)
{
	(void)state;
	struct config cfg;
	char out[64];

	config_defaults(&cfg);
	cfg.password.min_length = 20;
	assert_int_equal(password_generate_initial(&cfg, NULL, NULL, out, sizeof out), 0);
	assert_int_equal(strlen(out), 20);
	assert_int_equal(password_policy_check(&cfg, out, NULL, NULL, NULL), 0);
}

static void test_buffer_too_small(void **state)
{
	(void)state;
	struct config cfg;
	char out[PASSWORD_INITIAL_LEN];

	config_defaults(&cfg);
	memset(out, 'x', sizeof out);
	assert_int_equal(password_generate_initial(&cfg, NULL, NULL, out, sizeof out), -1);
	assert_string_equal(out, "");
	assert_int_equal(password_generate_initial(NULL, NULL, NULL, out, sizeof out), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thousand_initial_passwords),
		cmocka_unit_test(test_length_follows_longer_minimum),
		cmocka_unit_test(test_buffer_too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
