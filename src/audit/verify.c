/*
 * Verification of a whole chain, for `canhgac audit verify`, the console and
 * tests. It walks every segment (archive first, then live) in seq order and
 * requires: seqs 1, 2, 3, ... without gap or repeat; each record's prev equal to
 * the hash of the one before (32 zero bytes for seq 1); each record's hash equal
 * to BLAKE2b(prev || its canonical bytes); each checkpoint to cover the record
 * just before it and to carry a valid Ed25519 signature; and the chain to reach
 * the newest checkpoint in DATA/audit/head. So an edited record breaks its hash,
 * a deleted, inserted or moved one breaks the seq or prev links, and a log cut
 * back to an earlier checkpoint falls short of the head. Records after the last
 * checkpoint are valid but unsigned (at most about a second of them while the
 * server runs); an unterminated last line is a write in progress and ignored.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"

struct vctx {
	const unsigned char *pk;
	struct audit_verify_result *res;
	uint64_t next_seq;
	unsigned char last_hash[AUDIT_HASH_BYTES];
	uint64_t cp_seq;
	bool head_present, head_matched;
	struct audit_parsed head;
	bool last_segment;
	const char *seg_name;
};

__attribute__((format(printf, 3, 4))) static int fail(struct vctx *c, uint64_t seq, const char *fmt, ...)
{
	va_list ap;
	c->res->ok = false;
	c->res->first_bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(c->res->reason, sizeof c->res->reason, fmt, ap);
	va_end(ap);
	return AUDIT_ETAMPERED;
}

/* The seq a damaged line claims, for the report; 0 when it has none. */
static uint64_t claimed_seq(const char *line, size_t len)
{
	json_t *j = json_loadb(line, len, 0, NULL);
	json_t *v = json_object_get(j, "seq");
	uint64_t seq = json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
	json_decref(j);
	return seq;
}

static int check_record(struct vctx *c, const struct audit_parsed *p)
{
	if (p->seq > c->next_seq)
		return fail(c, c->next_seq, "seq %" PRIu64 " is missing: seq %" PRIu64 " follows seq %" PRIu64
			    " in %s (records deleted or reordered)",
			    c->next_seq, p->seq, c->next_seq - 1, c->seg_name);
	if (p->seq < c->next_seq)
		return fail(c, p->seq, "seq %" PRIu64 " appears again after seq %" PRIu64 " in %s (records "
			    "inserted, duplicated or reordered)",
			    p->seq, c->next_seq - 1, c->seg_name);
	if (sodium_memcmp(p->prev, c->last_hash, AUDIT_HASH_BYTES) != 0)
		return fail(c, p->seq, "seq %" PRIu64 ": prev is not the hash of seq %" PRIu64 " (a record "
			    "was changed, removed or inserted before it)",
			    p->seq, p->seq - 1);
	memcpy(c->last_hash, p->hash, AUDIT_HASH_BYTES);
	c->next_seq = p->seq + 1;
	if (c->head_present && p->seq == c->head.seq) {
		if (sodium_memcmp(p->hash, c->head.hash, AUDIT_HASH_BYTES) != 0)
			return fail(c, p->seq, "seq %" PRIu64 " is not the record the signed checkpoint in "
				    "audit/head covers (edited or replaced)",
				    p->seq);
		c->head_matched = true;
	}
	return 0;
}

static int check_checkpoint(struct vctx *c, const struct audit_parsed *p)
{
	uint64_t last = c->next_seq - 1;
	if (p->seq != last || last == 0 || sodium_memcmp(p->hash, c->last_hash, AUDIT_HASH_BYTES) != 0)
		return fail(c, p->seq ? p->seq : c->next_seq,
			    "checkpoint for seq %" PRIu64 " in %s does not cover the record before it "
			    "(seq %" PRIu64 "): records around it were changed, moved or removed",
			    p->seq, c->seg_name, last);
	if (audit_checkpoint_check(p, c->pk) != 0)
		return fail(c, p->seq, "checkpoint for seq %" PRIu64 " in %s has a bad signature (forged, "
			    "edited, or made with another key)",
			    p->seq, c->seg_name);
	c->cp_seq = p->seq;
	return 0;
}

static int verify_line(const char *line, size_t len, bool complete, off_t off, size_t lineno, void *arg)
{
	struct vctx *c = arg;
	struct audit_parsed p;
	char reason[160];
	(void)off;
	if (!complete) {
		if (c->last_segment)
			return 0; /* a write in progress, or a torn tail the writer will cut */
		return fail(c, c->next_seq, "%s ends with a partial line (line %zu): truncated",
			    c->seg_name, lineno);
	}
	if (audit_line_parse(line, len, &p, reason, sizeof reason)) {
		uint64_t seq = claimed_seq(line, len);
		return fail(c, seq ? seq : c->next_seq, "%s line %zu (seq %" PRIu64 "): %s", c->seg_name,
			    lineno, seq ? seq : c->next_seq, reason);
	}
	int rc = p.kind == AUDIT_LINE_RECORD ? check_record(c, &p) : check_checkpoint(c, &p);
	audit_parsed_free(&p);
	return rc;
}

static int check_end(struct vctx *c)
{
	uint64_t last = c->next_seq - 1;
	if (c->head_present) {
		if (c->head.seq > last)
			return fail(c, last + 1, "the log ends at seq %" PRIu64 " but a signed checkpoint "
				    "(audit/head) covers seq %" PRIu64 ": records %" PRIu64 "-%" PRIu64
				    " were removed (truncation)",
				    last, c->head.seq, last + 1, c->head.seq);
		if (!c->head_matched)
			return fail(c, c->head.seq, "seq %" PRIu64 " of the signed checkpoint in audit/head "
				    "was not found in the chain", c->head.seq);
	} else if (c->cp_seq > 0) {
		return fail(c, c->cp_seq, "audit/head is missing although the log holds checkpoints: it "
			    "was removed, so a truncation cannot be ruled out; restore it from a backup");
	}
	return 0;
}

int audit_verify(const char *data_dir, const unsigned char *pubkey, struct audit_verify_result *res)
{
	char dir[DATADIR_PATH_MAX], path[DATADIR_PATH_MAX], why[512];
	unsigned char pk[AUDIT_SIGN_PK_BYTES];
	struct audit_segment *segs = NULL;
	size_t n = 0;
	struct vctx c = {.pk = pk, .res = res, .next_seq = 1};
	int rc = AUDIT_EIO;
	memset(res, 0, sizeof *res);
	res->ok = true;
	if (sodium_init() < 0) {
		snprintf(res->reason, sizeof res->reason, "libsodium could not start");
		goto io;
	}
	if (datadir_path(data_dir, "audit", dir, sizeof dir) ||
	    datadir_path(data_dir, "keys/audit.pub", path, sizeof path)) {
		snprintf(res->reason, sizeof res->reason, "data directory path too long");
		goto io;
	}
	if (pubkey)
		memcpy(pk, pubkey, sizeof pk);
	else if (audit_sign_load_public(path, pk, why, sizeof why)) {
		snprintf(res->reason, sizeof res->reason, "%.220s (or pass --pubkey FILE)", why);
		goto io;
	}
	/* The head first: it only moves forward, so reading it before the segments
	 * never makes a live log look truncated. */
	if (audit_head_read(dir, &c.head, &c.head_present, why, sizeof why)) {
		rc = fail(&c, 0, "%s", why);
		goto out;
	}
	if (c.head_present && audit_checkpoint_check(&c.head, pk) != 0) {
		rc = fail(&c, c.head.seq, "the checkpoint in audit/head has a bad signature (forged, "
			  "edited, or made with another key)");
		goto out;
	}
	if (audit_segment_list(dir, &segs, &n, why, sizeof why)) {
		snprintf(res->reason, sizeof res->reason, "%.250s", why);
		goto io;
	}
	rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		c.seg_name = segs[i].name;
		c.last_segment = i + 1 == n;
		if (segs[i].first_seq != c.next_seq) {
			rc = segs[i].first_seq > c.next_seq
				     ? fail(&c, c.next_seq, "segment %s starts at seq %" PRIu64 " but seq %" PRIu64
					    " comes next: records missing (a segment was removed?)",
					    segs[i].name, segs[i].first_seq, c.next_seq)
				     : fail(&c, segs[i].first_seq, "segment %s starts at seq %" PRIu64
					    " which is already in the chain (a segment was copied or inserted)",
					    segs[i].name, segs[i].first_seq);
			break;
		}
		rc = audit_segment_each_line(segs[i].path, verify_line, &c, why, sizeof why);
		if (rc && rc != AUDIT_ETAMPERED) {
			snprintf(res->reason, sizeof res->reason, "%.250s", why);
			goto io;
		}
	}
	if (!rc)
		rc = check_end(&c);
	goto out;
io:
	res->ok = false;
	rc = AUDIT_EIO;
out:
	res->records = c.next_seq - 1;
	res->checkpoint_seq = c.cp_seq;
	audit_parsed_free(&c.head);
	free(segs);
	sodium_memzero(pk, sizeof pk);
	return rc;
}
