/*
 * File names as text. A Linux file name is any bytes but '/' and NUL; JSON,
 * STIX and CSV need UTF-8, and a line-per-finding output breaks on a newline in
 * a name (an attacker who names a file "x\nremoved /var/www/ok.php" would forge
 * a line). So every byte that is not part of a well-formed UTF-8 sequence,
 * every control character and '%' itself become %XX: valid UTF-8 names read as
 * they are, and the original bytes can always be recovered.
 */
#include <stdio.h>
#include <string.h>

#include "fim/fim.h"

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

const char *fim_path_text(const char *path, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)path;
	size_t o = 0;
	if (!size)
		return out;
	while (*s) {
		size_t n = utf8_seq(s);
		bool esc = n == 0 || (n == 1 && (*s < 0x20 || *s == 0x7f || *s == '%'));
		size_t need = esc ? 3 : n;
		if (o + need + 4 >= size) { /* room for "..." and the NUL */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (esc) {
			out[o++] = '%';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 15];
			s++;
		} else {
			memcpy(out + o, s, n);
			o += n;
			s += n;
		}
	}
	out[o] = 0;
	return out;
}
