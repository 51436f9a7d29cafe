/*
 * Time helpers: the local day in Asia/Ho_Chi_Minh (UTC+7) turns at 17:00Z, dates
 * are formatted and parsed strictly, and the fake clock is what clock_now says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"

#define T_2026_11_23_1700Z INT64_C(1795453200) /* = 2026-11-24 00:00 +07 */
#define DAY_2026_11_24 INT64_C(20781)            /* days since 1970-01-01 */

static void test_local_day_boundary(void **state)
{
	(void)state;
	assert_int_equal(clock_local_day(T_2026_11_23_1700Z), DAY_2026_11_24);
	assert_int_equal(clock_local_day(T_2026_11_23_1700Z - 1), DAY_2026_11_24 - 1);
	assert_int_equal(clock_local_day(T_2026_11_23_1700Z + 86399), DAY_2026_11_24);
	assert_int_equal(clock_local_day(T_2026_11_23_1700Z + 86400), DAY_2026_11_24 + 1);
	assert_int_equal(clock_local_day_start(DAY_2026_11_24), T_2026_11_23_1700Z);
	assert_int_equal(clock_local_seconds_of_day(T_2026_11_23_1700Z), 0);
	assert_int_equal(clock_local_seconds_of_day(T_2026_11_23_1700Z - 1), 86399);
	assert_int_equal(clock_local_seconds_of_day(T_2026_11_23_1700Z + 7 * 3600 + 30 * 60), 7 * 3600 + 1800);
	/* before the epoch: 1969-12-31T23:59:59Z is 06:59:59 local on 1970-01-01 */
	assert_int_equal(clock_local_day(-1), 0);
	assert_int_equal(clock_local_day(-7 * 3600 - 1), -1);
	assert_int_equal(clock_local_seconds_of_day(-1), 7 * 3600 - 1);
}

static void test_local_date(void **state)
{
	(void)state;
	int y, m, d, w;
	clock_local_date(T_2026_11_23_1700Z, &y, &m, &d, &w);
	assert_int_equal(y, 2026);
	assert_int_equal(m, 11);
	assert_int_equal(d, 24);
	assert_int_equal(w, 2); /* Tuesday */
	clock_local_date(T_2026_11_23_1700Z - 1, &y, &m, &d, &w);
	assert_int_equal(d, 23);
	assert_int_equal(w, 1); /* Monday */
	/* New Year's Eve, 17:00Z is already 1 January locally */
	clock_local_date(INT64_C(1798736400), &y, &m, &d, NULL); /* 2026-12-31T17:00:00Z */
	assert_int_equal(y, 2027);
	assert_int_equal(m, 1);
	assert_int_equal(d, 1);
	clock_local_date(-1, &y, &m, &d, &w);
	assert_int_equal(y, 1970);
	assert_int_equal(w, 4); /* Thursday */
}

static void test_format(void **state)
{
	(void)state;
	char buf[32];
	assert_int_equal(clock_format_rfc3339(INT64_C(1795400100), buf, sizeof buf), 0);
	assert_string_equal(buf, "2026-11-23T02:15:00Z");
	assert_int_equal(clock_format_rfc3339(0, buf, sizeof buf), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	assert_int_equal(clock_format_rfc3339(-1, buf, sizeof buf), 0);
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
	assert_int_equal(clock_format_rfc3339(0, buf, 21), 0);
	assert_int_equal(clock_format_rfc3339(0, buf, 20), -1);

	assert_int_equal(clock_format_local_date(T_2026_11_23_1700Z, buf, sizeof buf), 0);
	assert_string_equal(buf, "2026-11-24");
	assert_int_equal(clock_format_local_date(T_2026_11_23_1700Z - 1, buf, sizeof buf), 0);
	assert_string_equal(buf, "2026-11-23");
	assert_int_equal(clock_format_local_date(0, buf, 11), 0);
	assert_int_equal(clock_format_local_date(0, buf, 10), -1);
}

static void test_parse_rfc3339(void **state)
{
	(void)state;
	int64_t t = 0;
	assert_int_equal(clock_parse_rfc3339("2026-11-23T02:15:00Z", &t), 0);
	assert_int_equal(t, INT64_C(1795400100));
	assert_int_equal(clock_parse_rfc3339("2026-11-23t02:15:00z", &t), 0);
	assert_int_equal(t, INT64_C(1795400100));
	assert_int_equal(clock_parse_rfc3339("2026-11-23T09:15:00+07:00", &t), 0);
	assert_int_equal(t, INT64_C(1795400100));
	assert_int_equal(clock_parse_rfc3339("2026-11-22T21:45:00-04:30", &t), 0);
	assert_int_equal(t, INT64_C(1795400100));
	assert_int_equal(clock_parse_rfc3339("2026-11-23T02:15:00.123456Z", &t), 0);
	assert_int_equal(t, INT64_C(1795400100));
	assert_int_equal(clock_parse_rfc3339("2026-11-23T09:15:00.5+07:00", &t), 0);
	assert_int_equal(t, INT64_C(1795400100));
	assert_int_equal(clock_parse_rfc3339("2024-02-29T00:00:00Z", &t), 0);
	assert_int_equal(t, INT64_C(1709164800));
	/* round trip */
	char buf[32];
	clock_format_rfc3339(INT64_C(1709164800), buf, sizeof buf);
	assert_int_equal(clock_parse_rfc3339(buf, &t), 0);
	assert_int_equal(t, INT64_C(1709164800));

	const char *bad[] = {
		"",
		"garbage",
		"2026-11-23",
		"2026-11-23T02:15:00",        /* no zone */
		"2026-11-23T02:15Z",          /* no seconds */
		"2026-11-23T02:15:00Zjunk",
		"2026-11-23T02:15:00+0700",   /* offset without colon */
		"2026-11-23T02:15:00+07:00 ",
		"2026-11-23T02:15:00.Z",      /* a dot with no digits */
		"2026-11-23T24:00:00Z",
		"2026-11-23T02:60:00Z",
		"2026-13-23T02:15:00Z",
		"2025-02-29T00:00:00Z",       /* not a leap year */
		"2026-11-31T00:00:00Z",
		"2026-11-23X02:15:00Z",
		"+026-11-23T02:15:00Z",
		"2026-11-23T02:15:00+24:00",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t = 42;
		if (clock_parse_rfc3339(bad[i], &t) != -1) {
			print_error("accepted '%s'\n", bad[i]);
			fail();
		}
		assert_int_equal(t, 42); /* untouched on error */
	}
	assert_int_equal(clock_parse_rfc3339(NULL, &t), -1);
}

static void test_parse_local_date(void **state)
{
	(void)state;
	int64_t day = 0;
	assert_int_equal(clock_parse_local_date("2026-11-24", &day), 0);
	assert_int_equal(day, DAY_2026_11_24);
	assert_int_equal(clock_local_day_start(day), T_2026_11_23_1700Z);
	assert_int_equal(clock_parse_local_date("1970-01-01", &day), 0);
	assert_int_equal(day, 0);
	assert_int_equal(clock_parse_local_date("2024-02-29", &day), 0);
	assert_int_equal(clock_parse_local_date("2000-02-29", &day), 0); /* divisible by 400 */
	const char *bad[] = {"2025-02-29", "1900-02-29", "2026-04-31", "2026-00-10", "2026-01-00",
			     "2026-1-01",  "2026/01/01", "26-01-01",   "2026-01-011", "",
			     "2026-01-0a", " 2026-01-01"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (clock_parse_local_date(bad[i], &day) != -1) {
			print_error("accepted '%s'\n", bad[i]);
			fail();
		}
	}
	assert_int_equal(clock_parse_local_date(NULL, &day), -1);
}

static void test_fake_clock(void **state)
{
	(void)state;
	int64_t real = clock_now();
	assert_true(real > INT64_C(1700000000));
	clock_set_fake(T_2026_11_23_1700Z);
	assert_int_equal(clock_now(), T_2026_11_23_1700Z);
	assert_int_equal(clock_now_ms(), T_2026_11_23_1700Z * 1000);
	assert_int_equal(clock_local_day(clock_now()), DAY_2026_11_24);
	clock_set_fake(0);
	assert_true(clock_now() >= real);
	assert_true(clock_now_ms() / 1000 >= real);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_day_boundary),
		cmocka_unit_test(test_local_date),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_rfc3339),
		cmocka_unit_test(test_parse_local_date),
		cmocka_unit_test(test_fake_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
