/*
 * Lockout arithmetic and the client-address throttle, with an injected clock:
 * max_failures within the window locks; the lock doubles on repeat; the third
 * lock within 24 hours is permanent; failures outside the window do not add up;
 * the throttle blocks an address at its limit and forgets it after the window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/auth_int.h"
#include "auth/throttle.h"
#include "core/config.h"

static struct config cfg;

static int setup(void **state)
{
	(void)state;
	config_defaults(&cfg); /* 5 failures / 900 s window / 900 s lock */
	return 0;
}

static void fail_n(struct store_user *u, int n, int64_t now, int *locked)
{
	for (int i = 0; i < n; i++)
		*locked = auth_lockout_register_failure(&cfg, u, now + i);
}

static void test_locks_at_max_failures(void **state)
{
	(void)state;
	struct store_user u = {0};
	strcpy(u.status, "active");
	int locked = 0;
	fail_n(&u, 4, 1000, &locked);
	assert_int_equal(locked, 0);
	assert_string_equal(u.status, "active");
	fail_n(&u, 1, 1004, &locked);
	assert_int_equal(locked, 1);
	assert_string_equal(u.status, "locked");
	assert_int_equal(u.locked_until, 1004 + 900);
}

static void test_failures_outside_window_do_not_add_up(void **state)
{
	(void)state;
	struct store_user u = {0};
	strcpy(u.status, "active");
	int locked = 0;
	fail_n(&u, 4, 1000, &locked);
	fail_n(&u, 4, 1000 + 900, &locked); /* a new window */
	assert_int_equal(locked, 0);
	assert_string_equal(u.status, "active");
	assert_int_equal(u.failed_count, 4);
}

static void test_lock_doubles_then_is_permanent(void **state)
{
	(void)state;
	struct store_user u = {0};
	strcpy(u.status, "active");
	int locked = 0;
	int64_t t = 10000;
	fail_n(&u, 5, t, &locked);
	assert_int_equal(u.locked_until - (t + 4), 900);
	t = u.locked_until;
	assert_int_equal(auth_lockout_expire(&u, t - 1), 0);
	assert_int_equal(auth_lockout_expire(&u, t), 1);
	assert_string_equal(u.status, "active");
	fail_n(&u, 5, t, &locked);
	assert_int_equal(locked, 1);
	assert_int_equal(u.locked_until - (t + 4), 1800); /* doubled */
	t = u.locked_until;
	auth_lockout_expire(&u, t);
	fail_n(&u, 5, t, &locked);
	assert_int_equal(locked, 1);
	assert_string_equal(u.status, "locked");
	assert_int_equal(u.locked_until, 0); /* until an admin unlocks */
	assert_int_equal(auth_lockout_expire(&u, t + 365 * 86400), 0);
	assert_non_null(strstr(u.status_reason, "administrator"));
}

static void test_lock_count_resets_after_a_day(void **state)
{
	(void)state;
	struct store_user u = {0};
	strcpy(u.status, "active");
	int locked = 0;
	int64_t t = 50000;
	for (int round = 0; round < 2; round++) {
		fail_n(&u, 5, t, &locked);
		t = u.locked_until;
		auth_lockout_expire(&u, t);
	}
	t += 86400; /* a day later the count starts again: the next lock is the short one */
	fail_n(&u, 5, t, &locked);
	assert_int_equal(u.lock_count, 1);
	assert_int_equal(u.locked_until - (t + 4), 900);
}

static void test_throttle(void **state)
{
	(void)state;
	struct auth_throttle *t = auth_throttle_new(3, 60);
	int retry = 0;
	for (int i = 0; i < 3; i++) {
		assert_false(auth_throttle_blocked(t, "192.0.2.7", 100, &retry));
		auth_throttle_fail(t, "192.0.2.7", 100);
	}
	assert_true(auth_throttle_blocked(t, "192.0.2.7", 110, &retry));
	assert_int_equal(retry, 50);
	assert_false(auth_throttle_blocked(t, "192.0.2.8", 110, &retry)); /* another address */
	assert_false(auth_throttle_blocked(t, "192.0.2.7", 160, &retry)); /* window over */
	/* a flood of distinct addresses never grows memory and never blocks a fresh one */
	char ip[32];
	for (int i = 0; i < 3 * THROTTLE_SLOTS; i++) {
		snprintf(ip, sizeof ip, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		auth_throttle_fail(t, ip, 200);
	}
	assert_false(auth_throttle_blocked(t, "203.0.113.1", 200, &retry));
	auth_throttle_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locks_at_max_failures),
		cmocka_unit_test(test_failures_outside_window_do_not_add_up),
		cmocka_unit_test(test_lock_doubles_then_is_permanent),
		cmocka_unit_test(test_lock_count_resets_after_a_day),
		cmocka_unit_test(test_throttle),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
