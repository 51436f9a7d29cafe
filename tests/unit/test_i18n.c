/*
 * Language choice from Accept-Language (Vietnamese unless English comes first)
 * and the message catalogue, with its fallback for a code it does not know.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/i18n.h"

static void test_accept_language(void **state)
{
	(void)state;
	assert_int_equal(i18n_lang_from_header(NULL), LANG_VI);
	assert_int_equal(i18n_lang_from_header(""), LANG_VI);
	assert_int_equal(i18n_lang_from_header("en-US,en;q=0.9"), LANG_EN);
	assert_int_equal(i18n_lang_from_header("en"), LANG_EN);
	assert_int_equal(i18n_lang_from_header("EN-gb"), LANG_EN);
	assert_int_equal(i18n_lang_from_header("vi,en"), LANG_VI);
	assert_int_equal(i18n_lang_from_header("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7"), LANG_VI);
	assert_int_equal(i18n_lang_from_header("fr"), LANG_VI);
	assert_int_equal(i18n_lang_from_header("fr-FR, en;q=0.5"), LANG_EN);
	assert_int_equal(i18n_lang_from_header("*"), LANG_VI);
	/* tags that only start with the letters are other languages */
	assert_int_equal(i18n_lang_from_header("eng,enx"), LANG_VI);
	assert_int_equal(i18n_lang_from_header("  en ; q=1"), LANG_EN);
}

static void test_messages(void **state)
{
	(void)state;
	const char *codes[] = {"not_found", "method_not_allowed", "payload_too_large", "invalid_request",
			       "unsupported_media_type", "internal_error", "service_unavailable"};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		const char *vi = i18n_message(codes[i], LANG_VI);
		const char *en = i18n_message(codes[i], LANG_EN);
		assert_non_null(vi);
		assert_non_null(en);
		assert_true(strlen(vi) > 5);
		assert_string_not_equal(vi, en);
		/* a known code has its own sentence, not the generic fallback */
		assert_string_not_equal(en, i18n_message("no_such_code", LANG_EN));
	}
	assert_string_equal(i18n_message("not_found", LANG_EN), "There is nothing at this address.");
	assert_non_null(strstr(i18n_message("payload_too_large", LANG_VI), "64 KiB"));
	assert_non_null(i18n_message("no_such_code", LANG_VI));
	assert_string_not_equal(i18n_message("no_such_code", LANG_VI), i18n_message("no_such_code", LANG_EN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_language),
		cmocka_unit_test(test_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
