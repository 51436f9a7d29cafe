/*
 * Recovery of the newest segment when a writer opens (and after a failed write).
 * Each complete line is parsed and linked to the one before it, so the writer
 * never extends a chain it cannot vouch for. The only byte ever removed is an
 * unterminated last line: a write that a crash (or a full disk) interrupted and
 * that was therefore never acknowledged. It is cut with ftruncate and logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit_int.h"
#include "core/log.h"

struct scan {
	struct audit_tail *t;
	uint64_t next_seq;
	bool have_hash;
	off_t torn_at; /* -1: none */
	size_t torn_len;
	char *why;
	size_t why_size;
};

static int scan_line(const char *line, size_t len, bool complete, off_t offset, size_t lineno,
		     void *arg)
{
	struct scan *s = arg;
	struct audit_parsed p;
	char reason[160];
	if (!complete) {
		s->torn_at = offset;
		s->torn_len = len;
		return 0;
	}
	if (audit_line_parse(line, len, &p, reason, sizeof reason)) {
		snprintf(s->why, s->why_size, "line %zu: %s", lineno, reason);
		return -1;
	}
	int rc = -1;
	if (p.kind == AUDIT_LINE_RECORD) {
		if (p.seq != s->next_seq) {
			snprintf(s->why, s->why_size, "line %zu: seq %" PRIu64 " where %" PRIu64 " was expected",
				 lineno, p.seq, s->next_seq);
			goto out;
		}
		if (s->have_hash && sodium_memcmp(p.prev, s->t->last_hash, AUDIT_HASH_BYTES) != 0) {
			snprintf(s->why, s->why_size, "line %zu: seq %" PRIu64 " does not link to the record before it",
				 lineno, p.seq);
			goto out;
		}
		s->t->last_seq = p.seq;
		memcpy(s->t->last_hash, p.hash, AUDIT_HASH_BYTES);
		s->have_hash = true;
		s->next_seq = p.seq + 1;
	} else {
		/* A checkpoint covers the record just before it (possibly in the previous segment). */
		if (p.seq != s->next_seq - 1 ||
		    (s->have_hash && sodium_memcmp(p.hash, s->t->last_hash, AUDIT_HASH_BYTES) != 0)) {
			snprintf(s->why, s->why_size, "line %zu: checkpoint does not cover the record before it",
				 lineno);
			goto out;
		}
		if (!s->have_hash) {
			s->t->last_seq = p.seq;
			memcpy(s->t->last_hash, p.hash, AUDIT_HASH_BYTES);
			s->have_hash = true;
		}
		s->t->checkpoint_seq = p.seq;
	}
	rc = 0;
out:
	audit_parsed_free(&p);
	return rc;
}

int audit_recover_segment(const char *path, uint64_t first_seq, struct audit_tail *out, char *why,
			  size_t why_size)
{
	char reason[200] = "";
	struct scan s = {.t = out, .next_seq = first_seq, .torn_at = -1, .why = reason,
			 .why_size = sizeof reason};
	memset(out, 0, sizeof *out);
	out->last_seq = first_seq - 1;
	if (audit_segment_each_line(path, scan_line, &s, reason, sizeof reason)) {
		snprintf(why, why_size,
			 "audit segment %s is damaged (%s): canhgac will not extend it; run "
			 "'canhgac audit verify' and see docs/OPERATIONS.md",
			 path, reason);
		return -1;
	}
	out->have_hash = s.have_hash;
	struct stat sb;
	if (stat(path, &sb) != 0) {
		snprintf(why, why_size, "cannot stat %s: %s", path, strerror(errno));
		return -1;
	}
	out->size = sb.st_size;
	if (s.torn_at < 0)
		return 0;
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || ftruncate(fd, s.torn_at) != 0 || audit_io.fdatasync(fd) != 0) {
		snprintf(why, why_size, "cannot cut the torn tail of %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	log_warn("audit",
		 "%s: cut a torn last line (%zu bytes at offset %lld): a write interrupted by a crash "
		 "or a full disk, never acknowledged; the chain goes on from seq %" PRIu64,
		 path, s.torn_len, (long long)s.torn_at, out->last_seq);
	out->size = s.torn_at;
	out->cut = true;
	return 0;
}
