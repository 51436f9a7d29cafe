/*
 * The password policy: each violation alone, several at once, configuration
 * switches, the Vietnamese fold, input validation, messages, and the fail-closed
 * path when cracklib's dictionary is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "auth/password.h"
#include "auth/password_int.h"
#include "core/config.h"

#define GOOD "Tq7#vLm9xR2!"   /* random-looking, every class, passes cracklib */

static struct config cfg;

static int setup(void **state)
{
	(void)state;
	config_defaults(&cfg);
	return 0;
}

static unsigned check(const char *pw)
{
	return password_policy_check(&cfg, pw, "binhnv", "Nguyễn Văn Bình", NULL);
}

static void test_good_password_passes(void **state)
{
	(void)state;
	assert_int_equal(check(GOOD), 0);
	assert_int_equal(password_policy_check(&cfg, GOOD, NULL, NULL, NULL), 0);
	assert_int_equal(password_policy_check(&cfg, GOOD, "binhnv", "Nguyễn Văn Bình", "Other#Pass42x"), 0);
}

static void test_each_violation_alone(void **state)
{
	(void)state;
	assert_int_equal(check("Tq7#vLm"), PW_TOO_SHORT);
	assert_int_equal(check("tq7#vlm9xr2!"), PW_NO_UPPERCASE);
	assert_int_equal(check("TQ7#VLM9XR2!"), PW_NO_LOWERCASE);
	assert_int_equal(check("Tqz#vLmkxRw!"), PW_NO_DIGIT);
	assert_int_equal(check("Tq7qvLm9xR2k"), PW_NO_SPECIAL);
	assert_int_equal(check("Tq7#binhnvR2!"), PW_CONTAINS_USERNAME);
	assert_int_equal(check("Password1!"), PW_WEAK);
	assert_int_equal(password_policy_check(&cfg, GOOD, "binhnv", "Nguyễn Văn Bình", GOOD), PW_SAME_AS_CURRENT);
}

static void test_contains_username_variants(void **state)
{
	(void)state;
	/* Username in any case, and every part of the full name of 3+ characters in
	 * any case, with or without its diacritics. */
	const char *hits[] = {
		"Tq7#BINHNVxR2!", "Tq7#BinhNvR2!",          /* username */
		"Tq7#BINHxR2!", "Tq7#BìnhxR2!", "Tq7#bÌNHxR2!", /* part "Bình" */
		"Tq7#NguyenR2!", "Tq7#nguyễnR2!", "Tq7#NGUYỄNR2!", "Tq7#NgUyÊnR2!",
		"Tq7#vanR2!xz", "Tq7#VĂNR2!xz",
		"Tq7#Bi\xcc\x80nhxR2!",                      /* "Bình" typed with a combining grave */
	};
	for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++) {
		unsigned v = check(hits[i]);
		if (!(v & PW_CONTAINS_USERNAME))
			fail_msg("no contains_username for case %zu (got 0x%x)", i, v);
		assert_int_equal(v & ~PW_CONTAINS_USERNAME, 0);
	}
	/* đ folds to d: a name with Đ blocks "duc" and "Đức" alike. */
	assert_int_equal(password_policy_check(&cfg, "Tq7#DUCxR2!m", "tmduc2", "Trần Minh Đức", NULL),
			 PW_CONTAINS_USERNAME);
	assert_int_equal(password_policy_check(&cfg, "Tq7#ĐứcxR2!m", "tmduc2", "Trần Minh Đức", NULL),
			 PW_CONTAINS_USERNAME);
	assert_int_equal(password_policy_check(&cfg, "Tq7#TRANxR2!m", "tmduc2", "Trần Minh Đức", NULL),
			 PW_CONTAINS_USERNAME);
	/* Parts of 1-2 characters ("Lê", "An") are not blocked; "Thị" is. */
	assert_int_equal(password_policy_check(&cfg, "Tq7#LeAnR2!x", "lethian", "Lê Thị An", NULL), 0);
	assert_int_equal(password_policy_check(&cfg, "Tq7#ThiR2!xz", "lta", "Lê Thị An", NULL), PW_CONTAINS_USERNAME);
	/* A username of 1-2 characters cannot be blocked meaningfully. */
	assert_int_equal(password_policy_check(&cfg, GOOD, "tq", NULL, NULL), 0);
	/* Without a name, "Binh" is just letters. */
	assert_int_equal(password_policy_check(&cfg, "Tq7#BINHxR2!", "someone", NULL, NULL), 0);
}

static void test_weak_dictionary(void **state)
{
	(void)state;
	const char *weak[] = {"Password1!", "Sunshine1@", "Welcome1!", "Iloveyou1!", "Football1!"};
	for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++)
		assert_int_equal(password_policy_check(&cfg, weak[i], "someone", NULL, NULL), PW_WEAK);
	/* Class rules are not reported twice by libpwquality: all lower case and a
	 * dictionary word gives both, once each. */
	assert_int_equal(password_policy_check(&cfg, "password1!", "someone", NULL, NULL), PW_NO_UPPERCASE | PW_WEAK);
}

static void test_similar_to_current_is_weak(void **state)
{
	(void)state;
	/* One character changed, or only the case changed: too close to the old one. */
	assert_int_equal(password_policy_check(&cfg, "Tq7#vLm9xR3!", "someone", NULL, GOOD), PW_WEAK);
	assert_int_equal(password_policy_check(&cfg, "tQ7#VlM9Xr2!", "someone", NULL, GOOD), PW_WEAK);
	/* Same, exactly: same_as_current (not weak as well). */
	assert_int_equal(password_policy_check(&cfg, GOOD, "someone", NULL, GOOD), PW_SAME_AS_CURRENT);
	/* Same as current and also containing the name: both reported. */
	assert_int_equal(password_policy_check(&cfg, "Tq7#binhnvR2!", "binhnv", NULL, "Tq7#binhnvR2!"),
			 PW_SAME_AS_CURRENT | PW_CONTAINS_USERNAME);
}

static void test_several_at_once(void **state)
{
	(void)state;
	assert_int_equal(check("abc"), PW_TOO_SHORT | PW_NO_UPPERCASE | PW_NO_DIGIT | PW_NO_SPECIAL);
	unsigned v = check("nguyen1");
	assert_true(v & PW_TOO_SHORT);
	assert_true(v & PW_NO_UPPERCASE);
	assert_true(v & PW_NO_SPECIAL);
	assert_true(v & PW_CONTAINS_USERNAME);
	assert_false(v & PW_NO_DIGIT);
	assert_false(v & PW_NO_LOWERCASE);
	assert_int_equal(check(""), PW_TOO_SHORT | PW_NO_UPPERCASE | PW_NO_LOWERCASE | PW_NO_DIGIT | PW_NO_SPECIAL);
	assert_int_equal(password_policy_check(&cfg, NULL, NULL, NULL, NULL),
			 PW_TOO_SHORT | PW_NO_UPPERCASE | PW_NO_LOWERCASE | PW_NO_DIGIT | PW_NO_SPECIAL);
	/* Dictionary word, no special, contains the username: libpwquality stops at
	 * the username, which the policy reports itself, so it runs again without it
	 * and the dictionary check still says weak. */
	v = password_policy_check(&cfg, "Password1", "sword", NULL, NULL);
	assert_int_equal(v, PW_NO_SPECIAL | PW_CONTAINS_USERNAME | PW_WEAK);
	/* The same with a full-name part and a one-character change from the current. */
	v = password_policy_check(&cfg, "Sunshine1", "someone", "Nguyễn Văn Shine", "Sunshine2");
	assert_int_equal(v, PW_NO_SPECIAL | PW_CONTAINS_USERNAME | PW_WEAK);
}

static void test_min_length_from_config(void **state)
{
	(void)state;
	assert_int_equal(check("Tq7#vLm9xR2"), 0);         /* 11 characters */
	assert_int_equal(check("Tq7#vLm9"), 0);            /* exactly 8 */
	cfg.password.min_length = 12;
	assert_int_equal(check("Tq7#vLm9xR2"), PW_TOO_SHORT);
	assert_int_equal(check(GOOD), 0);                 /* 12 */
	/* Characters, not bytes: 11 Vietnamese letters are 11 characters. */
	assert_int_equal(check("Ệệ7#Ặặ9ỹỸqz"), PW_TOO_SHORT);
	assert_int_equal(check("Ệệ7#Ặặ9ỹỸqzk"), 0);
	/* A combining mark does not count as a character. */
	assert_int_equal(check("Tq7#vLm9xRe\xcc\x81"), PW_TOO_SHORT);
}

static void test_require_switches(void **state)
{
	(void)state;
	cfg.password.require_upper = false;
	assert_int_equal(check("tq7#vlm9xr2!"), 0);
	cfg.password.require_lower = false;
	assert_int_equal(check("TQ7#VLM9XR2!"), 0);
	cfg.password.require_digit = false;
	assert_int_equal(check("Tqz#vLmkxRw!"), 0);
	cfg.password.require_special = false;
	assert_int_equal(check("Tq7qvLm9xR2k"), 0);
	/* Length and name rules stay. */
	assert_int_equal(check("Tq7#vLm"), PW_TOO_SHORT);
	assert_int_equal(check("Tq7#BINHxR2!"), PW_CONTAINS_USERNAME);
}

static void test_vietnamese_and_other_characters(void **state)
{
	(void)state;
	/* A Vietnamese letter counts as a letter of its case. */
	assert_int_equal(check("Ệq7#vlm9xr2!"), 0);     /* the only upper case is Ệ */
	assert_int_equal(check("TQ7#VLM9XRđ!"), 0);     /* the only lower case is đ */
	assert_int_equal(check("tq7#vlm9xr2đ"), PW_NO_UPPERCASE);
	/* Any other non-ASCII character is special; so is a space. */
	assert_int_equal(check("Tq7€vLm9xR2k"), 0);
	assert_int_equal(check("Tq7 vLm9xR2k"), 0);
}

static void test_codes_and_messages(void **state)
{
	(void)state;
	static const char *codes[] = {"too_short", "no_uppercase", "no_lowercase", "no_digit", "no_special",
				      "contains_username", "reused", "weak", "same_as_current", "too_recent"};
	const char *seen[2][10];
	char bufs[2][10][256];
	int i = 0;

	cfg.password.min_length = 12;
	cfg.password.history = 7;
	for (unsigned bit = 1; bit & PW_ALL; bit <<= 1, i++) {
		assert_string_equal(password_violation_code(bit), codes[i]);
		for (int l = 0; l < 2; l++) {
			const char *m = password_violation_message(bit, l == 0 ? LANG_VI : LANG_EN, &cfg, bufs[l][i],
								   sizeof bufs[l][i]);
			assert_non_null(m);
			assert_true(strlen(m) > 10);
			seen[l][i] = m;
		}
		assert_string_not_equal(seen[0][i], seen[1][i]);
	}
	for (int l = 0; l < 2; l++)
		for (int a = 0; a < 10; a++)
			for (int b = a + 1; b < 10; b++)
				assert_string_not_equal(seen[l][a], seen[l][b]);
	assert_non_null(strstr(seen[0][0], "12"));
	assert_non_null(strstr(seen[1][0], "12"));
	assert_non_null(strstr(seen[0][6], "7"));
	assert_non_null(strstr(seen[1][6], "7"));
	assert_non_null(strstr(seen[0][0], "ký tự"));
	/* Without a buffer: a sentence all the same. */
	assert_non_null(password_violation_message(PW_TOO_SHORT, LANG_VI, &cfg, NULL, 0));
	char tiny[4];
	const char *m = password_violation_message(PW_TOO_SHORT, LANG_EN, &cfg, tiny, sizeof tiny);
	assert_ptr_not_equal(m, tiny);
	/* Not one known bit. */
	assert_null(password_violation_code(0));
	assert_null(password_violation_code(PW_TOO_SHORT | PW_WEAK));
	assert_null(password_violation_code(1u << 10));
	assert_null(password_violation_message(1u << 12, LANG_EN, &cfg, NULL, 0));
}

/* Issue 18's accepted-before passwords and their kind are refused as weak; the
 * same decorations on a random root are not. */
static void test_banned_roots(void **state)
{
	(void)state;
	const char *bad[] = {"P@ssw0rd", "Admin@123", "Matkhau@123", "Dongnai@123", "Anhyeuem1!", "Mật@Khau2026",
			     "2026!Dongnai", "Qwerty#2026", "$unshine99!", "BienHoa@2025"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_true(password_root_banned(bad[i]));
		assert_true(password_policy_check(&cfg, bad[i], "cb.x", "Lê Văn X", NULL) & PW_WEAK);
	}
	const char *good[] = {"Tq7#vLm9xR2!", "Zx9!kPq4wLm7", "Hoa#Sen-Vang7", "Matkhau@123-Tq7#vLm9"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_false(password_root_banned(good[i]));
	assert_false(password_root_banned("a1!"));  /* too short a root to judge */
	assert_false(password_root_banned(NULL));
}

static void test_fold_vowels_and_tones(void **state)
{
	(void)state;
	/* Each vowel (a ă â e ê i o ô ơ u ư y) without a tone, then with huyền, sắc,
	 * hỏi, ngã, nặng; lower case, then upper case. */
	static const char lower[] = "aàáảãạ ăằắẳẵặ âầấẩẫậ eèéẻẽẹ êềếểễệ iìíỉĩị "
				    "oòóỏõọ ôồốổỗộ ơờớởỡợ uùúủũụ ưừứửữự yỳýỷỹỵ đ";
	static const char upper[] = "AÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ EÈÉẺẼẸ ÊỀẾỂỄỆ IÌÍỈĨỊ "
				    "OÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ UÙÚỦŨỤ ƯỪỨỬỮỰ YỲÝỶỸỴ Đ";
	static const char want[] = "aaaaaa aaaaaa aaaaaa eeeeee eeeeee iiiiii "
				   "oooooo oooooo oooooo uuuuuu uuuuuu yyyyyy d";
	char out[512];

	assert_int_equal(password_fold_ascii(lower, out, sizeof out), 0);
	assert_string_equal(out, want);
	assert_int_equal(password_fold_ascii(upper, out, sizeof out), 0);
	assert_string_equal(out, want);

	/* Every precomposed letter of U+1EA0–U+1EF9 folds to one ASCII letter, its
	 * case known from its parity. */
	for (uint32_t cp = 0x1ea0; cp <= 0x1ef9; cp++) {
		int up = -1;
		int f = password_fold_cp(cp, &up);
		assert_true(f >= 'a' && f <= 'z');
		assert_int_equal(up, (cp & 1) == 0);
	}

	assert_int_equal(password_fold_ascii("Nguyễn Đức", out, sizeof out), 0);
	assert_string_equal(out, "nguyen duc");
	assert_int_equal(password_fold_ascii("Trần Thị Hoài Thương", out, sizeof out), 0);
	assert_string_equal(out, "tran thi hoai thuong");
	/* Decomposed input (base letter + combining marks) folds the same way. */
	assert_int_equal(password_fold_ascii("Nguye\xcc\x82\xcc\x83n", out, sizeof out), 0);
	assert_string_equal(out, "nguyen");
	/* Other bytes pass through, ASCII lower-cased. */
	assert_int_equal(password_fold_ascii("AbC-9 €x", out, sizeof out), 0);
	assert_string_equal(out, "abc-9 €x");
	assert_int_equal(password_fold_ascii("\xff" "A", out, sizeof out), 0);
	assert_string_equal(out, "\xff" "a");
	/* Too small: -1 and an empty string. */
	assert_int_equal(password_fold_ascii("Nguyễn", out, 6), -1);
	assert_string_equal(out, "");
	assert_int_equal(password_fold_ascii("Nguyễn", out, 7), 0);
	assert_int_equal(password_fold_ascii("x", out, 0), -1);
}

static void test_input_valid(void **state)
{
	(void)state;
	char longpw[PASSWORD_MAX_LEN + 2];

	assert_true(password_input_valid(GOOD));
	assert_true(password_input_valid("Mật khẩu 1!"));
	assert_false(password_input_valid(NULL));
	assert_false(password_input_valid(""));
	assert_false(password_input_valid("Tq7#\nvLm9xR2!"));
	assert_false(password_input_valid("Tq7#\x7fvLm9xR2!"));
	assert_false(password_input_valid("Tq7#\xffvLm9xR2!"));       /* not UTF-8 */
	assert_false(password_input_valid("Tq7#\xc3vLm9xR2!"));       /* truncated */
	assert_false(password_input_valid("Tq7#\xc0\xafvLm9xR2!"));   /* overlong '/' */
	memset(longpw, 'a', sizeof longpw);
	longpw[PASSWORD_MAX_LEN] = '\0';
	assert_true(password_input_valid(longpw));
	longpw[PASSWORD_MAX_LEN] = 'a';
	longpw[PASSWORD_MAX_LEN + 1] = '\0';
	assert_false(password_input_valid(longpw));
}

static void test_over_long_password(void **state)
{
	(void)state;
	char pw[4 * PASSWORD_MAX_LEN];

	/* Callers refuse it first; if one reaches the policy it fails closed and
	 * never reaches libpwquality's recursive edit distance. */
	memset(pw, 'x', sizeof pw - 1);
	pw[sizeof pw - 1] = '\0';
	memcpy(pw, GOOD, strlen(GOOD));
	assert_int_equal(password_policy_check(&cfg, pw, "someone", NULL, pw), PW_WEAK | PW_SAME_AS_CURRENT);
	assert_int_equal(password_policy_check(&cfg, GOOD, "someone", NULL, pw), 0);
}

static void *check_many(void *arg)
{
	int *bad = arg;
	for (int i = 0; i < 50; i++) {
		if (check(GOOD) != 0 || check("Password1!") != PW_WEAK ||
		    check("Tq7#BINHxR2!") != PW_CONTAINS_USERNAME)
			(*bad)++;
	}
	return NULL;
}

static void test_concurrent_checks(void **state)
{
	(void)state;
	pthread_t th[4];
	int bad[4] = {0};

	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, check_many, &bad[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(bad[i], 0);
	}
}

static void test_missing_dictionary_fails_closed(void **state)
{
	(void)state;
	assert_non_null(password_quality_dict_get());
	assert_int_equal(password_quality_dict_set("/nonexistent/cracklib_dict"), -1);
	assert_int_equal(check(GOOD), PW_WEAK);
	/* Other rules still report alongside. */
	assert_int_equal(check("tq7#vlm9xr2!"), PW_NO_UPPERCASE | PW_WEAK);
	assert_int_equal(password_quality_dict_set(NULL), 0);
	assert_int_equal(check(GOOD), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good_password_passes, setup),
		cmocka_unit_test_setup(test_each_violation_alone, setup),
		cmocka_unit_test_setup(test_contains_username_variants, setup),
		cmocka_unit_test_setup(test_weak_dictionary, setup),
		cmocka_unit_test_setup(test_banned_roots, setup),
		cmocka_unit_test_setup(test_similar_to_current_is_weak, setup),
		cmocka_unit_test_setup(test_several_at_once, setup),
		cmocka_unit_test_setup(test_min_length_from_config, setup),
		cmocka_unit_test_setup(test_require_switches, setup),
		cmocka_unit_test_setup(test_vietnamese_and_other_characters, setup),
		cmocka_unit_test_setup(test_codes_and_messages, setup),
		cmocka_unit_test_setup(test_fold_vowels_and_tones, setup),
		cmocka_unit_test_setup(test_input_valid, setup),
		cmocka_unit_test_setup(test_over_long_password, setup),
		cmocka_unit_test_setup(test_concurrent_checks, setup),
		cmocka_unit_test_setup(test_missing_dictionary_fails_closed, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
