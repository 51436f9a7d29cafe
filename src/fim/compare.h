/*
 * `fim check`: each baselined root against its baseline (added, changed,
 * removed, mode or owner changed), every added or changed file scanned with the
 * YARA rules and the path rule, and the findings recorded in the store.
 */
#ifndef CANHGAC_FIM_COMPARE_H
#define CANHGAC_FIM_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "fim/fim.h"
#include "fim/scan.h"

struct store;

/* Rules of a new or retargeted symlink (the rule of an added/changed finding). */
#define FIM_RULE_SYMLINK "symlink"
#define FIM_RULE_SYMLINK_OUTSIDE "symlink_outside_root"

struct fim_finding {
	const char *kind; /* static: added, changed, removed, mode, webshell */
	/* rule: the YARA and path rules of a webshell finding, FIM_RULE_SYMLINK or
	 * FIM_RULE_SYMLINK_OUTSIDE for an added or changed symlink, else empty */
	char *path;       /* owned by the findings list */
	char rule[FIM_RULES_MAX];
	char sha256[STORE_FIM_HASH_HEX];
	char blake2b[STORE_FIM_HASH_HEX];
};

struct fim_findings {
	struct fim_finding *v;
	size_t n, cap;
};

void fim_findings_free(struct fim_findings *f);

struct fim_check_stats {
	size_t roots;
	size_t files;       /* files hashed */
	size_t scanned;     /* files scanned with the rules */
	size_t not_scanned; /* added or changed files over FIM_SCAN_MAX_BYTES */
	int64_t bytes;      /* bytes hashed */
	const _Atomic int *cancel; /* set by the caller (may be NULL): when it turns
				    * non-zero the check stops with FIM_ECANCELLED */
};

/* Compares every baselined root and scans what is new or changed, appending to
 * `out` (in root order, then path order; a web-shell finding right after the
 * added or changed finding of its file) and recording them in the store with
 * seen_at `now`. note gets what was skipped. 0, or FIM_EIO / FIM_ENOMEM /
 * FIM_ERULES with why. */
int fim_check_run(struct store *st, struct fim_scanner *sc, const char *exclude, int64_t now,
		  struct fim_findings *out, struct fim_check_stats *stats, fim_note_fn note, void *arg,
		  char *why, size_t why_size);

/* Compares one subtree of a baselined root: `prefix` is the root, a directory,
 * or a single path under it (a file, a symlink, or a path that no longer
 * exists), against the baseline rows under it; appends findings to `out` without
 * recording them. Excluded paths give nothing. 0, or FIM_EIO / FIM_ENOMEM with
 * why. Used by fim_check_run and by the watcher of `serve`. */
int fim_check_subtree(struct store *st, struct fim_scanner *sc, const char *root, const char *prefix,
		      const char *exclude, struct fim_findings *out, struct fim_check_stats *stats,
		      fim_note_fn note, void *arg, char *why, size_t why_size);

/* Records n findings in the store (fim_findings) with seen_at `now`. */
int fim_findings_record(struct store *st, const struct fim_finding *v, size_t n, int64_t now);

#endif
