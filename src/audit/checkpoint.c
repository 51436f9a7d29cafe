/*
 * Signed checkpoints. A checkpoint line `{"checkpoint":{"hash","seq","sig","time"}}`
 * sits in a segment right after the record it covers; its Ed25519 signature is
 * over the text "canhgac-audit-checkpoint-v1\n<seq>\n<hash hex>\n<time>\n", so it
 * vouches for that record and, through the hash chain, for every record before it.
 * The newest checkpoint is also kept in DATA/audit/head, replaced atomically once
 * it is durable in the segment: verify requires the chain to reach it, which is
 * how a log cut back to an earlier checkpoint is noticed.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit_int.h"
#include "core/datadir.h"
#include "core/clock.h"

#define CHECKPOINT_DOMAIN "canhgac-audit-checkpoint-v1"

static int checkpoint_message(uint64_t seq, const char *hash_hex, const char *time, char *out,
			      size_t size)
{
	int n = snprintf(out, size, CHECKPOINT_DOMAIN "\n%llu\n%s\n%s\n", (unsigned long long)seq,
			 hash_hex, time);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

char *audit_checkpoint_line(const unsigned char *sk, uint64_t seq,
			    const unsigned char hash[AUDIT_HASH_BYTES], int64_t t, size_t *len)
{
	char hash_hex[AUDIT_HASH_HEX], sig_hex[2 * AUDIT_SIGN_BYTES + 1], ts[32], msg[256];
	unsigned char sig[AUDIT_SIGN_BYTES];
	char *text = NULL, *line = NULL;
	json_t *root = NULL;
	sodium_bin2hex(hash_hex, sizeof hash_hex, hash, AUDIT_HASH_BYTES);
	if (clock_format_rfc3339(t, ts, sizeof ts))
		goto out;
	int n = checkpoint_message(seq, hash_hex, ts, msg, sizeof msg);
	if (n < 0)
		goto out;
	audit_sign_message(sk, (const unsigned char *)msg, (size_t)n, sig);
	sodium_bin2hex(sig_hex, sizeof sig_hex, sig, sizeof sig);
	root = json_pack("{s:{s:s, s:I, s:s, s:s}}", "checkpoint", "hash", hash_hex, "seq",
			 (json_int_t)seq, "sig", sig_hex, "time", ts);
	text = root ? json_dumps(root, AUDIT_JSON_FLAGS) : NULL;
	if (!text)
		goto out;
	size_t tl = strlen(text);
	line = malloc(tl + 2);
	if (!line)
		goto out;
	memcpy(line, text, tl);
	line[tl] = '\n';
	line[tl + 1] = '\0';
	*len = tl + 1;
out:
	free(text);
	json_decref(root);
	return line;
}

int audit_checkpoint_check(const struct audit_parsed *p, const unsigned char pk[AUDIT_SIGN_PK_BYTES])
{
	char hash_hex[AUDIT_HASH_HEX], msg[256];
	const char *ts = json_string_value(json_object_get(p->json, "time"));
	if (p->kind != AUDIT_LINE_CHECKPOINT || !ts)
		return -1;
	sodium_bin2hex(hash_hex, sizeof hash_hex, p->hash, AUDIT_HASH_BYTES);
	int n = checkpoint_message(p->seq, hash_hex, ts, msg, sizeof msg);
	if (n < 0)
		return -1;
	return audit_sign_verify(pk, (const unsigned char *)msg, (size_t)n, p->sig);
}

int audit_head_write(const char *audit_dir, const char *line, size_t len)
{
	char tmp[DATADIR_PATH_MAX], path[DATADIR_PATH_MAX];
	int rc = -1;
	if (datadir_path(audit_dir, "head.tmp", tmp, sizeof tmp) ||
	    datadir_path(audit_dir, "head", path, sizeof path))
		return -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	size_t done = 0;
	while (done < len) {
		ssize_t w = audit_io.write(fd, line + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		done += (size_t)w;
	}
	if (audit_io.fdatasync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0 || datadir_fsync(audit_dir) != 0)
		goto out;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(tmp);
	return rc;
}

int audit_head_read(const char *audit_dir, struct audit_parsed *out, bool *present, char *why,
		    size_t why_size)
{
	char path[DATADIR_PATH_MAX], buf[1024];
	*present = false;
	memset(out, 0, sizeof *out);
	if (datadir_path(audit_dir, "head", path, sizeof path)) {
		snprintf(why, why_size, "path too long");
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 1 || buf[n - 1] != '\n') {
		snprintf(why, why_size, "%s is damaged (not one checkpoint line)", path);
		return -1;
	}
	char reason[128];
	if (audit_line_parse(buf, (size_t)n - 1, out, reason, sizeof reason) ||
	    out->kind != AUDIT_LINE_CHECKPOINT) {
		audit_parsed_free(out);
		snprintf(why, why_size, "%s is damaged: %s", path, reason);
		return -1;
	}
	*present = true;
	return 0;
}
