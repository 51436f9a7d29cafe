/*
 * The approved state of the web roots: `fim baseline` records every regular
 * file and symlink under each root, `fim accept` takes single files or directories of an
 * approved deployment into it. Paths are canonical (realpath of the directory,
 * the last component kept as it is, so a symlink is never resolved into the
 * baseline).
 */
#ifndef CANHGAC_FIM_BASELINE_H
#define CANHGAC_FIM_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "fim/fim.h"

struct store;

struct fim_baseline_stats {
	size_t files;  /* files recorded */
	int64_t bytes; /* their total size */
};

/* Writes the canonical absolute form of `path` into out: realpath of a directory,
 * or realpath of the parent and the last component. FIM_EINVAL with why when the
 * parent does not exist or the result does not fit. */
int fim_baseline_canonical(const char *path, char *out, size_t size, char *why, size_t why_size);

/* Walks each of the n roots (canonical directories) and replaces its baseline.
 * stats (may be NULL) is added to. 0, or FIM_EIO with why (a root that cannot be
 * walked, a store failure): roots before it are recorded. */
int fim_baseline_record(struct store *st, const char *const *roots, size_t n, const char *exclude,
			int64_t now, fim_note_fn note, void *arg, struct fim_baseline_stats *stats,
			char *why, size_t why_size);

/* Takes `path` (canonical, under a baselined root) into the baseline as it is
 * now: a file's current hashes, a directory's current files (the rows under it
 * replaced), a path that no longer exists removed. *root_out (size root_size, may
 * be NULL) gets the root. FIM_EINVAL with why when it is under no baselined root
 * or is a special file (a symlink is taken by its target text, never followed). */
int fim_baseline_accept(struct store *st, const char *path, const char *exclude, int64_t now,
			fim_note_fn note, void *arg, struct fim_baseline_stats *stats, char *why,
			size_t why_size);

#endif
