/*
 * Reading records back in seq order across archived and live segments, for
 * export, reindex and projection catch-up. Each line is parsed (so a record's
 * own hash is checked) but links between records are not: that is verify's job.
 * A torn last line is skipped; any other bad line stops the read with an error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"

struct read_ctx {
	uint64_t from;
	audit_record_fn fn;
	void *arg;
	int fn_rc;
	char *why;
	size_t why_size;
	const char *path;
};

static int read_line(const char *line, size_t len, bool complete, off_t off, size_t lineno, void *arg)
{
	struct read_ctx *c = arg;
	struct audit_parsed p;
	char reason[160];
	(void)off;
	if (!complete)
		return 0;
	if (audit_line_parse(line, len, &p, reason, sizeof reason)) {
		snprintf(c->why, c->why_size, "%s line %zu: %s (run 'canhgac audit verify')", c->path,
			 lineno, reason);
		return AUDIT_EIO;
	}
	int rc = 0;
	if (p.kind == AUDIT_LINE_RECORD && p.seq >= c->from) {
		rc = c->fn(p.json, line, len, c->arg);
		if (rc)
			c->fn_rc = rc;
	}
	audit_parsed_free(&p);
	return rc;
}

int audit_read_records(const char *data_dir, uint64_t from_seq, audit_record_fn fn, void *arg,
		       char *why, size_t why_size)
{
	char dir[DATADIR_PATH_MAX];
	struct audit_segment *segs = NULL;
	size_t n = 0;
	int rc = AUDIT_EIO;
	if (datadir_path(data_dir, "audit", dir, sizeof dir)) {
		snprintf(why, why_size, "data directory path too long");
		return rc;
	}
	if (audit_segment_list(dir, &segs, &n, why, why_size))
		return rc;
	rc = 0;
	struct read_ctx c = {.from = from_seq, .fn = fn, .arg = arg, .why = why, .why_size = why_size};
	for (size_t i = 0; i < n && !rc; i++) {
		/* Skip a segment whose records all come before from_seq. */
		if (i + 1 < n && segs[i + 1].first_seq <= from_seq)
			continue;
		c.path = segs[i].path;
		rc = audit_segment_each_line(segs[i].path, read_line, &c, why, why_size);
		if (rc && !c.fn_rc)
			rc = AUDIT_EIO;
	}
	free(segs);
	return rc;
}
