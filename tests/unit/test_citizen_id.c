/*
 * The identifiers a lookup is given, checked before anything is read: the
 * citizen id (length, digits, province list, century/sex digit, a birth year not
 * in the future of a faked clock) and the dossier code (default pattern with its
 * calendar check, length cap, a custom pattern, a broken pattern).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "lookup/citizen_id.h"
#include "dossier/dossier_code.h"

#define T_2026_06_01 1780272000 /* 2026-06-01T00:00:00Z */

static void assert_valid(const char *id, const char *province, enum citizen_sex sex, int year)
{
	struct citizen_id_info info;
	const char *why = "unset";
	if (citizen_id_validate(id, T_2026_06_01, &info, &why) != 0)
		fail_msg("%s should be valid, got: %s", id, why);
	assert_null(why);
	assert_string_equal(info.province_code, province);
	assert_int_equal(info.sex, sex);
	assert_int_equal(info.birth_year, year);
}

static void assert_invalid(const char *id, int64_t now, const char *reason_part)
{
	const char *why = NULL;
	struct citizen_id_info info;
	if (citizen_id_validate(id, now, &info, &why) != -1)
		fail_msg("%s should be invalid", id ? id : "(null)");
	assert_non_null(why);
	if (!strstr(why, reason_part))
		fail_msg("%s: reason '%s' lacks '%s'", id ? id : "(null)", why, reason_part);
}

static void valid_ids_of_several_provinces(void **state)
{
	(void)state;
	assert_valid("075090123456", "075", CITIZEN_MALE, 1990);
	assert_valid("001185000001", "001", CITIZEN_FEMALE, 1985);
	assert_valid("079203999999", "079", CITIZEN_MALE, 2003);
	assert_valid("096000000000", "096", CITIZEN_MALE, 1900);
	assert_valid("077326123456", "077", CITIZEN_FEMALE, 2026); /* born this year */
	assert_valid("046999000001", "046", CITIZEN_FEMALE, 1899);
	assert_valid("046899000001", "046", CITIZEN_MALE, 1899);
}

static void province_names(void **state)
{
	(void)state;
	struct citizen_id_info info;
	assert_int_equal(citizen_id_validate("075090123456", T_2026_06_01, &info, NULL), 0);
	assert_string_equal(info.province_name, "Đồng Nai");
	assert_string_equal(citizen_province_name("077"), "Bà Rịa - Vũng Tàu");
	assert_string_equal(citizen_province_name("001"), "Hà Nội");
	assert_null(citizen_province_name("003"));
	assert_int_equal(citizen_province_count(), 63);
}

static void century_and_sex_digits(void **state)
{
	(void)state;
	/* every digit, with the year far enough in the past to be valid in 2026 */
	static const struct {
		char digit;
		int year;
		enum citizen_sex sex;
	} cases[] = {
		{'0', 1920, CITIZEN_MALE}, {'1', 1920, CITIZEN_FEMALE}, {'2', 2020, CITIZEN_MALE},
		{'3', 2020, CITIZEN_FEMALE}, {'8', 1820, CITIZEN_MALE}, {'9', 1820, CITIZEN_FEMALE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char id[13];
		snprintf(id, sizeof id, "075%c20123456", cases[i].digit);
		assert_valid(id, "075", cases[i].sex, cases[i].year);
		assert_int_equal(citizen_id_century_digit(cases[i].year, cases[i].sex), cases[i].digit);
	}
	assert_int_equal(citizen_id_century_digit(2150, CITIZEN_FEMALE), '5');
	assert_int_equal(citizen_id_century_digit(2250, CITIZEN_MALE), '6');
	assert_int_equal(citizen_id_century_digit(1799, CITIZEN_MALE), 0);
	assert_int_equal(citizen_id_century_digit(2300, CITIZEN_MALE), 0);
	/* 4..7 are the 2100s and 2200s: always in the future today */
	assert_invalid("075420123456", T_2026_06_01, "future");
	assert_invalid("075700123456", T_2026_06_01, "future");
}

static void wrong_lengths_and_characters(void **state)
{
	(void)state;
	assert_invalid("07509012345", T_2026_06_01, "12 digits");   /* 11 */
	assert_invalid("0750901234567", T_2026_06_01, "12 digits"); /* 13 */
	assert_invalid("", T_2026_06_01, "12 digits");
	assert_invalid(NULL, T_2026_06_01, "missing");
	assert_invalid("07509012345A", T_2026_06_01, "digits");
	assert_invalid("O75090123456", T_2026_06_01, "digits");
	assert_invalid("075 90123456", T_2026_06_01, "digits");
	assert_invalid("０７５090123456", T_2026_06_01, "12 digits"); /* full-width digits are bytes */
	assert_invalid("-75090123456", T_2026_06_01, "digits");
}

static void unknown_province(void **state)
{
	(void)state;
	assert_invalid("003090123456", T_2026_06_01, "province");
	assert_invalid("000090123456", T_2026_06_01, "province");
	assert_invalid("097090123456", T_2026_06_01, "province");
	assert_invalid("999090123456", T_2026_06_01, "province");
}

static void future_birth_year_with_a_fake_clock(void **state)
{
	(void)state;
	/* 2026-12-31T17:00:00Z is already 2027-01-01 in Vietnam */
	clock_set_fake(1798736400);
	assert_int_equal(citizen_id_validate("075227123456", clock_now(), NULL, NULL), 0);
	assert_invalid("075228123456", clock_now(), "future");
	clock_set_fake(1798736400 - 1); /* still 2026 locally */
	assert_invalid("075227123456", clock_now(), "future");
	assert_int_equal(citizen_id_validate("075226123456", clock_now(), NULL, NULL), 0);
	clock_set_fake(0);
}

static void dossier_default_pattern(void **state)
{
	(void)state;
	struct dossier_matcher m;
	char why[256];
	assert_int_equal(dossier_matcher_init(&m, DOSSIER_DEFAULT_PATTERN, why, sizeof why), 0);
	assert_true(dossier_code_valid(&m, "H15.50.05.13-261008-0975"));
	assert_true(dossier_code_valid(&m, "H15.50-240229-1234567"));     /* 2024 is a leap year */
	assert_true(dossier_code_valid(&m, "000.00.14.H15-251231-0001"));
	assert_false(dossier_code_valid(&m, "H15.50.05.13-261308-0975")); /* month 13 */
	assert_false(dossier_code_valid(&m, "H15.50.05.13-250229-0975")); /* 2025 is not */
	assert_false(dossier_code_valid(&m, "H15.50.05.13-261000-0975")); /* day 0 */
	assert_false(dossier_code_valid(&m, "h15.50.05.13-261008-0975")); /* lower case */
	assert_false(dossier_code_valid(&m, "H15.50.05.13-261008-097"));  /* 3-digit sequence */
	assert_false(dossier_code_valid(&m, "H15.50.05.13-2610080-0975"));
	assert_false(dossier_code_valid(&m, "H15..50-261008-0975"));
	assert_false(dossier_code_valid(&m, "H15.50.05.13-261008-0975\n"));
	assert_false(dossier_code_valid(&m, ""));
	assert_false(dossier_code_valid(&m, NULL));
	/* over the cap even though the pattern would match */
	char longcode[128] = "A";
	for (int i = 0; i < 25; i++)
		strcat(longcode, ".AB");
	strcat(longcode, "-261008-0975");
	assert_true(strlen(longcode) > DOSSIER_CODE_MAX);
	assert_false(dossier_code_valid(&m, longcode));
	longcode[DOSSIER_CODE_MAX - 12] = '\0';
	strcat(longcode, "-261008-0975");
	assert_int_equal(strlen(longcode), DOSSIER_CODE_MAX);
	assert_true(dossier_code_valid(&m, longcode));
	dossier_matcher_free(&m);
}

static void dossier_custom_pattern(void **state)
{
	(void)state;
	struct dossier_matcher m;
	char why[256];
	/* a province that numbers dossiers DN-YYYY-NNNNNN: no calendar check applies */
	assert_int_equal(dossier_matcher_init(&m, "^DN-[0-9]{4}-[0-9]{6}$", why, sizeof why), 0);
	assert_true(dossier_code_valid(&m, "DN-2026-000123"));
	assert_false(dossier_code_valid(&m, "H15.50.05.13-261008-0975"));
	dossier_matcher_free(&m);
	/* a permissive pattern still cannot let spaces, control bytes or length through */
	assert_int_equal(dossier_matcher_init(&m, ".*", why, sizeof why), 0);
	assert_true(dossier_code_valid(&m, "anything-printable"));
	assert_false(dossier_code_valid(&m, "with space"));
	assert_false(dossier_code_valid(&m, "tab\there"));
	assert_false(dossier_code_valid(&m, "Hồ-sơ"));
	dossier_matcher_free(&m);
	assert_int_equal(dossier_matcher_init(&m, "^([A-Z]+$", why, sizeof why), -1);
	assert_non_null(strstr(why, "dossier_pattern"));
	assert_false(dossier_code_valid(&m, "ABC"));
	dossier_matcher_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_ids_of_several_provinces),
		cmocka_unit_test(province_names),
		cmocka_unit_test(century_and_sex_digits),
		cmocka_unit_test(wrong_lengths_and_characters),
		cmocka_unit_test(unknown_province),
		cmocka_unit_test(future_birth_year_with_a_fake_clock),
		cmocka_unit_test(dossier_default_pattern),
		cmocka_unit_test(dossier_custom_pattern),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
