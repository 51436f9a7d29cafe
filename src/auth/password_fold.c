/*
 * Folding Vietnamese to plain ASCII so that "Bình", "BINH" and "binh" compare
 * equal when a password is checked against its owner's name. Vietnamese is
 * written with precomposed letters (NFC, what most keyboards send) or with a base
 * letter followed by combining marks (NFD, from some input methods); both fold to
 * the same ASCII. Also tells letters and their case apart for the class rules.
 */
#include "auth/password.h"
#include "auth/password_int.h"

#include <string.h>

size_t password_utf8_next(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c;
	size_t n;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	} else if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		c = u[0] & 0x1f;
		n = 2;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		c = u[0] & 0x0f;
		n = 3;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		c = u[0] & 0x07;
		n = 4;
	} else {
		goto invalid;
	}
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)   /* also stops at the NUL */
			goto invalid;
		c = (c << 6) | (u[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not characters. */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		goto invalid;
	*cp = c;
	return n;
invalid:
	*cp = 0xfffd;
	return 1;
}

/* U+00C0–U+00FF: the Latin-1 letters (Vietnamese uses à á â ã è é ê ì í ò ó ô õ
 * ù ú ý; the others fold too so that a name written with them still matches).
 * '*' marks what is not a letter with a base (× ÷) or has no one-letter base
 * (Æ Þ ß). */
static const char latin1[] = "aaaaaa*ceeeeiiiidnooooo*ouuuuy**"
			     "aaaaaa*ceeeeiiiidnooooo*ouuuuy*y";

/* U+1EA0–U+1EF9 (Latin Extended Additional, the Vietnamese block): runs of
 * upper/lower pairs with the same base letter. */
static const struct {
	uint32_t end;   /* first code point after the run */
	char base;
} viet_runs[] = {
	{0x1eb8, 'a'},  /* Ạ Ả Ấ Ầ Ẩ Ẫ Ậ Ắ Ằ Ẳ Ẵ Ặ */
	{0x1ec8, 'e'},  /* Ẹ Ẻ Ẽ Ế Ề Ể Ễ Ệ */
	{0x1ecc, 'i'},  /* Ỉ Ị */
	{0x1ee4, 'o'},  /* Ọ Ỏ Ố Ồ Ổ Ỗ Ộ Ớ Ờ Ở Ỡ Ợ */
	{0x1ef2, 'u'},  /* Ụ Ủ Ứ Ừ Ử Ữ Ự */
	{0x1efa, 'y'},  /* Ỳ Ỵ Ỷ Ỹ */
};

int password_fold_cp(uint32_t cp, int *upper)
{
	*upper = 0;
	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z') {
			*upper = 1;
			return (int)(cp - 'A' + 'a');
		}
		return (int)cp;
	}
	if (cp >= 0x300 && cp <= 0x36f)
		return PW_FOLD_DROP;
	if (cp >= 0xc0 && cp <= 0xff) {
		char c = latin1[cp - 0xc0];
		if (c == '*')
			return PW_FOLD_NONE;
		*upper = cp < 0xdf;
		return c;
	}
	if (cp >= 0x1ea0 && cp <= 0x1ef9) {
		*upper = (cp & 1) == 0;   /* even: upper case, odd: its lower case */
		for (size_t i = 0; i < sizeof viet_runs / sizeof viet_runs[0]; i++)
			if (cp < viet_runs[i].end)
				return viet_runs[i].base;
	}
	switch (cp) {
	case 0x102: case 0x103:   /* Ă ă */
		*upper = cp == 0x102;
		return 'a';
	case 0x110: case 0x111:   /* Đ đ */
		*upper = cp == 0x110;
		return 'd';
	case 0x128: case 0x129:   /* Ĩ ĩ */
		*upper = cp == 0x128;
		return 'i';
	case 0x168: case 0x169:   /* Ũ ũ */
		*upper = cp == 0x168;
		return 'u';
	case 0x1a0: case 0x1a1:   /* Ơ ơ */
		*upper = cp == 0x1a0;
		return 'o';
	case 0x1af: case 0x1b0:   /* Ư ư */
		*upper = cp == 0x1af;
		return 'u';
	default:
		return PW_FOLD_NONE;
	}
}

int password_fold_ascii(const char *in, char *out, size_t size)
{
	size_t o = 0;

	if (!out || size == 0)
		return -1;
	if (!in)
		in = "";
	while (*in) {
		uint32_t cp;
		int upper;
		size_t n = password_utf8_next(in, &cp);
		int f = password_fold_cp(cp, &upper);

		if (f == PW_FOLD_DROP) {
			in += n;
			continue;
		}
		size_t need = f == PW_FOLD_NONE ? n : 1;
		if (o + need >= size) {
			out[0] = '\0';
			return -1;
		}
		if (f == PW_FOLD_NONE)
			memcpy(out + o, in, n);
		else
			out[o] = (char)f;
		o += need;
		in += n;
	}
	out[o] = '\0';
	return 0;
}
