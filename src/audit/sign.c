/*
 * Ed25519 key handling through libsodium. The secret key lives in sodium_malloc'd
 * memory (guarded, locked, wiped on free) and is read with O_NOFOLLOW from a file
 * that must not be readable by group or others.
 */
#include "audit/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/datadir.h"

static int write_new_file(const char *path, const char *text, mode_t mode, char *why, size_t why_size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		snprintf(why, why_size, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int ok = n == (ssize_t)len && fsync(fd) == 0;
	if (close(fd) != 0 || !ok) {
		snprintf(why, why_size, "cannot write %s", path);
		return -1;
	}
	return 0;
}

int audit_sign_keygen(const char *data_dir, char *why, size_t why_size)
{
	unsigned char pk[AUDIT_SIGN_PK_BYTES], sk[AUDIT_SIGN_SK_BYTES];
	char hex[2 * AUDIT_SIGN_SK_BYTES + 2];
	char path[DATADIR_PATH_MAX];
	int rc = -1;
	if (crypto_sign_keypair(pk, sk) != 0) {
		snprintf(why, why_size, "cannot make the audit key pair");
		goto out;
	}
	sodium_bin2hex(hex, sizeof hex, sk, sizeof sk);
	strcat(hex, "\n");
	if (datadir_path(data_dir, "keys/audit.key", path, sizeof path) ||
	    write_new_file(path, hex, 0600, why, why_size))
		goto out;
	sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
	strcat(hex, "\n");
	if (datadir_path(data_dir, "keys/audit.pub", path, sizeof path) ||
	    write_new_file(path, hex, 0644, why, why_size))
		goto out;
	rc = 0;
out:
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(hex, sizeof hex);
	return rc;
}

/* Reads a hex key file of exactly `n` bytes into out. */
static int read_hex_key(const char *path, unsigned char *out, size_t n, int secret, char *why,
			size_t why_size)
{
	char hex[2 * AUDIT_SIGN_SK_BYTES + 8];
	int rc = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	if (secret && (sb.st_mode & 077)) {
		snprintf(why, why_size, "%s is readable by others (mode %03o): run chmod 600 %s", path,
			 (unsigned)(sb.st_mode & 0777), path);
		goto out;
	}
	ssize_t len = read(fd, hex, sizeof hex - 1);
	if (len < 0) {
		snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	hex[len] = '\0';
	size_t bin_len = 0;
	const char *end = NULL;
	if (sodium_hex2bin(out, n, hex, (size_t)len, " \r\n", &bin_len, &end) != 0 || bin_len != n ||
	    (end && *end && strspn(end, " \r\n") != strlen(end))) {
		snprintf(why, why_size, "%s does not hold a %zu-byte hex key", path, n);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	sodium_memzero(hex, sizeof hex);
	return rc;
}

int audit_sign_load_public(const char *path, unsigned char pk[AUDIT_SIGN_PK_BYTES], char *why,
			   size_t why_size)
{
	return read_hex_key(path, pk, AUDIT_SIGN_PK_BYTES, 0, why, why_size);
}

unsigned char *audit_sign_load_secret(const char *data_dir, char *why, size_t why_size)
{
	char path[DATADIR_PATH_MAX];
	if (datadir_path(data_dir, "keys/audit.key", path, sizeof path)) {
		snprintf(why, why_size, "data directory path too long");
		return NULL;
	}
	unsigned char *sk = sodium_malloc(AUDIT_SIGN_SK_BYTES);
	if (!sk) {
		snprintf(why, why_size, "out of memory for the audit key");
		return NULL;
	}
	if (read_hex_key(path, sk, AUDIT_SIGN_SK_BYTES, 1, why, why_size)) {
		sodium_free(sk);
		return NULL;
	}
	return sk;
}

void audit_sign_free_secret(unsigned char *sk)
{
	if (sk)
		sodium_free(sk); /* wipes */
}

void audit_sign_message(const unsigned char *sk, const unsigned char *msg, size_t len,
			unsigned char sig[AUDIT_SIGN_BYTES])
{
	crypto_sign_detached(sig, NULL, msg, len, sk);
}

int audit_sign_verify(const unsigned char pk[AUDIT_SIGN_PK_BYTES], const unsigned char *msg,
		      size_t len, const unsigned char sig[AUDIT_SIGN_BYTES])
{
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
}
