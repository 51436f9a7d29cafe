/*
 * The password policy: the rules of the province's letter (length, upper case,
 * lower case, digit, special character), nothing of the owner's username or full
 * name, not the current password; then libpwquality for what rules cannot see
 * (dictionary words, closeness to the current password). Every rule runs on every
 * call so that a person learns all that is wrong at once, not one thing per try.
 * Copies of the password (its folded form) are wiped before they are freed.
 */
#include "auth/password.h"
#include "auth/password_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool password_input_valid(const char *password)
{
	if (!password)
		return false;
	size_t len = strnlen(password, PASSWORD_MAX_LEN + 1);
	if (len == 0 || len > PASSWORD_MAX_LEN)
		return false;
	for (const char *p = password; *p;) {
		uint32_t cp;
		size_t n = password_utf8_next(p, &cp);
		/* 0xFFFD written out (3 bytes) is a character; a 1-byte "0xFFFD" is a bad byte. */
		if ((cp == 0xfffd && n == 1) || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return false;
		p += n;
	}
	return true;
}

struct classes {
	size_t chars;
	bool upper, lower, digit, special;
};

static void classify(const char *pw, struct classes *c)
{
	memset(c, 0, sizeof *c);
	while (*pw) {
		uint32_t cp;
		int upper;
		size_t n = password_utf8_next(pw, &cp);
		int f = password_fold_cp(cp, &upper);

		pw += n;
		if (f == PW_FOLD_DROP)
			continue;   /* a combining mark belongs to the letter before it */
		c->chars++;
		if (cp < 0x80) {
			if (cp >= '0' && cp <= '9')
				c->digit = true;
			else if (cp >= 'A' && cp <= 'Z')
				c->upper = true;
			else if (cp >= 'a' && cp <= 'z')
				c->lower = true;
			else if (cp >= 0x20 && cp < 0x7f)
				c->special = true;
			/* control characters count for nothing (and are refused as input) */
		} else if (f != PW_FOLD_NONE) {
			if (upper)
				c->upper = true;
			else
				c->lower = true;
		} else {
			c->special = true;
		}
	}
}

/* Folds `in` into a new buffer (caller frees; wipe it first when it held a secret). */
static char *fold_dup(const char *in)
{
	size_t size = strlen(in) + 1;   /* folding never lengthens */
	char *out = malloc(size);
	if (out && password_fold_ascii(in, out, size) != 0) {
		free(out);
		out = NULL;
	}
	return out;
}

static bool is_name_byte(unsigned char b)
{
	/* Letters the fold does not know stay as UTF-8 (bytes >= 0x80) and are part
	 * of a name part as well; everything else in ASCII separates parts. */
	return b >= 0x80 || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9');
}

/* Does the folded password contain any part of 3+ characters of the folded name? */
static bool contains_name_part(const char *folded_pw, const char *folded_name)
{
	const char *p = folded_name;
	size_t pw_len = strlen(folded_pw);

	while (*p) {
		size_t n = 0, chars = 0;
		while (*p && !is_name_byte((unsigned char)*p))
			p++;
		for (; p[n] && is_name_byte((unsigned char)p[n]); n++)
			if (((unsigned char)p[n] & 0xc0) != 0x80)
				chars++;
		if (chars >= 3 && memmem(folded_pw, pw_len, p, n))
			return true;
		p += n;
	}
	return false;
}

static bool contains_username(const char *folded_pw, const char *username)
{
	char *u = fold_dup(username);
	bool hit = false;
	if (!u)
		return true;   /* out of memory: fail closed */
	if (strlen(u) >= 3 && strstr(folded_pw, u))
		hit = true;
	free(u);
	return hit;
}

unsigned password_policy_check(const struct config *cfg, const char *password, const char *username,
			       const char *full_name, const char *current_password)
{
	unsigned v = 0;
	struct classes c;
	char *folded = NULL;

	if (!password)
		password = "";
	classify(password, &c);
	if (c.chars < (size_t)(cfg->password.min_length > 0 ? cfg->password.min_length : 0))
		v |= PW_TOO_SHORT;
	if (cfg->password.require_upper && !c.upper)
		v |= PW_NO_UPPERCASE;
	if (cfg->password.require_lower && !c.lower)
		v |= PW_NO_LOWERCASE;
	if (cfg->password.require_digit && !c.digit)
		v |= PW_NO_DIGIT;
	if (cfg->password.require_special && !c.special)
		v |= PW_NO_SPECIAL;

	folded = fold_dup(password);
	if (!folded) {
		v |= PW_WEAK;   /* out of memory: fail closed rather than pass unchecked */
	} else {
		if (username && contains_username(folded, username))
			v |= PW_CONTAINS_USERNAME;
		if (full_name) {
			char *name = fold_dup(full_name);
			if (!name || contains_name_part(folded, name))
				v |= PW_CONTAINS_USERNAME;
			free(name);
		}
		sodium_memzero(folded, strlen(folded));
		free(folded);
	}

	if (current_password) {
		size_t a = strlen(password), b = strlen(current_password);
		if (a == b && sodium_memcmp(password, current_password, a) == 0)
			v |= PW_SAME_AS_CURRENT;
	}

	/* libpwquality's edit distance recurses once per byte of both passwords:
	 * input past the limit (which callers refuse first) never reaches it. */
	const char *old = current_password;
	if (old && strnlen(old, PASSWORD_MAX_LEN + 1) > PASSWORD_MAX_LEN)
		old = NULL;
	if (strnlen(password, PASSWORD_MAX_LEN + 1) > PASSWORD_MAX_LEN)
		v |= PW_WEAK;
	else if (password_root_banned(password))
		v |= PW_WEAK; /* a common or local word dressed up: not worth cracklib's time */
	else if (*password)
		v |= password_quality_check(password, username, old, v);
	return v;
}

struct violation_text {
	unsigned bit;
	const char *code;
	const char *vi;
	const char *en;
};

static const struct violation_text texts[] = {
	{PW_TOO_SHORT, "too_short", "Mật khẩu quá ngắn.", "The password is too short."},
	{PW_NO_UPPERCASE, "no_uppercase", "Mật khẩu phải có ít nhất một chữ hoa (A–Z).",
	 "The password must contain at least one upper-case letter (A–Z)."},
	{PW_NO_LOWERCASE, "no_lowercase", "Mật khẩu phải có ít nhất một chữ thường (a–z).",
	 "The password must contain at least one lower-case letter (a–z)."},
	{PW_NO_DIGIT, "no_digit", "Mật khẩu phải có ít nhất một chữ số (0–9).",
	 "The password must contain at least one digit (0–9)."},
	{PW_NO_SPECIAL, "no_special", "Mật khẩu phải có ít nhất một ký tự đặc biệt, ví dụ ! @ # $ % & *.",
	 "The password must contain at least one special character, such as ! @ # $ % & *."},
	{PW_CONTAINS_USERNAME, "contains_username",
	 "Mật khẩu không được chứa tên đăng nhập hoặc một phần họ tên của bạn (kể cả viết hoa hay không dấu).",
	 "The password must not contain your username or any part of your full name "
	 "(in any case, with or without diacritics)."},
	{PW_REUSED, "reused", "Mật khẩu này đã được dùng gần đây. Hãy chọn một mật khẩu chưa dùng.",
	 "This password was used recently. Choose one you have not used before."},
	{PW_WEAK, "weak",
	 "Mật khẩu quá dễ đoán (dựa trên từ trong từ điển, quá đơn giản hoặc quá giống mật khẩu hiện tại).",
	 "The password is too easy to guess (based on a dictionary word, too simple, "
	 "or too close to the current password)."},
	{PW_SAME_AS_CURRENT, "same_as_current", "Mật khẩu mới phải khác mật khẩu hiện tại.",
	 "The new password must differ from the current one."},
	{PW_TOO_RECENT, "too_recent", "Mật khẩu vừa được đổi gần đây; hãy chờ rồi mới đổi lại.",
	 "The password was changed recently; wait before changing it again."},
};

static const struct violation_text *text_of(unsigned bit)
{
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (texts[i].bit == bit)
			return &texts[i];
	return NULL;
}

const char *password_violation_code(unsigned bit)
{
	const struct violation_text *t = text_of(bit);
	return t ? t->code : NULL;
}

const char *password_violation_message(unsigned bit, enum i18n_lang lang, const struct config *cfg,
				       char *buf, size_t size)
{
	const struct violation_text *t = text_of(bit);
	int n = -1;

	if (!t)
		return NULL;
	if (cfg && buf && size > 0) {
		if (bit == PW_TOO_SHORT)
			n = lang == LANG_EN
				? snprintf(buf, size, "The password must be at least %d characters long.",
					   cfg->password.min_length)
				: snprintf(buf, size, "Mật khẩu phải có ít nhất %d ký tự.", cfg->password.min_length);
		else if (bit == PW_REUSED && cfg->password.history > 0)
			n = lang == LANG_EN
				? snprintf(buf, size,
					   "The password must not be one of your last %d passwords. "
					   "Choose one you have not used before.",
					   cfg->password.history)
				: snprintf(buf, size,
					   "Mật khẩu không được trùng với %d mật khẩu gần nhất của bạn. "
					   "Hãy chọn một mật khẩu chưa dùng.",
					   cfg->password.history);
		else if (bit == PW_TOO_RECENT && cfg->password.min_age_days > 0)
			n = lang == LANG_EN
				? snprintf(buf, size,
					   "The password was changed less than %d day(s) ago; it may be changed again "
					   "after that (so that the history of past passwords means something).",
					   cfg->password.min_age_days)
				: snprintf(buf, size,
					   "Mật khẩu vừa được đổi chưa đủ %d ngày; chỉ được đổi lại sau thời gian đó "
					   "(để không quay vòng về mật khẩu cũ).",
					   cfg->password.min_age_days);
		if (n >= 0 && (size_t)n < size)
			return buf;
	}
	return lang == LANG_EN ? t->en : t->vi;
}
