/*
 * RFC 6238 TOTP over RFC 4226 HOTP, with GnuTLS's HMAC-SHA1 (the SHA-1 an
 * authenticator app expects; HMAC-SHA1 is not weakened by SHA-1's collisions).
 * Pure functions of key, time and code: the tests drive them with the RFC's
 * vectors, and mfa.c adds storage and replay protection.
 */
#include "auth/totp.h"

#include <gnutls/crypto.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int totp_hotp(const unsigned char *key, size_t key_len, uint64_t counter, int digits, uint32_t *out)
{
	unsigned char msg[8], mac[20];
	static const uint32_t mod[] = {1000000u, 10000000u, 100000000u};
	if (digits < 6 || digits > 8)
		return -1;
	for (int i = 7; i >= 0; i--, counter >>= 8)
		msg[i] = (unsigned char)(counter & 0xff);
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA1, key, key_len, msg, sizeof msg, mac) != 0)
		return -1;
	unsigned off = mac[19] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
		       ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	*out = bin % mod[digits - 6];
	sodium_memzero(mac, sizeof mac);
	return 0;
}

int64_t totp_step(int64_t unix_seconds)
{
	return unix_seconds < 0 ? 0 : unix_seconds / TOTP_STEP_SECONDS;
}

int totp_verify(const unsigned char *key, size_t key_len, const char *code, int64_t now, int64_t *step)
{
	char want[TOTP_DIGITS + 1];
	int found = -1;
	if (!code || strlen(code) != TOTP_DIGITS || strspn(code, "0123456789") != TOTP_DIGITS)
		return -1;
	int64_t base = totp_step(now);
	for (int64_t d = -1; d <= 1; d++) {
		uint32_t v;
		if (base + d < 0 || totp_hotp(key, key_len, (uint64_t)(base + d), TOTP_DIGITS, &v))
			continue;
		snprintf(want, sizeof want, "%06u", (unsigned)v);
		/* every candidate is compared; the newest match wins */
		if (sodium_memcmp(want, code, TOTP_DIGITS) == 0) {
			*step = base + d;
			found = 0;
		}
	}
	sodium_memzero(want, sizeof want);
	return found;
}

int totp_base32_encode(const unsigned char *in, size_t len, char *out, size_t size)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t need = (len * 8 + 4) / 5 + 1, o = 0;
	unsigned buf = 0, bits = 0;
	if (size < need)
		return -1;
	for (size_t i = 0; i < len; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alpha[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits)
		out[o++] = alpha[(buf << (5 - bits)) & 31];
	out[o] = '\0';
	return 0;
}

int totp_uri(const char *secret_b32, const char *username, char *out, size_t size)
{
	/* usernames are [a-z0-9._-]: nothing to percent-encode */
	int n = snprintf(out, size,
			 "otpauth://totp/canhgac:%s?secret=%s&issuer=canhgac&algorithm=SHA1&digits=%d&period=%d",
			 username, secret_b32, TOTP_DIGITS, TOTP_STEP_SECONDS);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
