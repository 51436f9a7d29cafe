/*
 * Walking a web root and hashing its regular files. Symlinks are never followed
 * (so a symlink loop cannot trap the walk; it is reported), special files are
 * reported and skipped, unreadable files and files that change while they are
 * read are reported and left out. Nothing under a root is fatal; only a root
 * that cannot be opened at all is.
 */
#ifndef CANHGAC_FIM_WALK_H
#define CANHGAC_FIM_WALK_H

#include <stdbool.h>

#include "fim/fim.h"

/* Hashes the regular file at `path` (opened without following a symlink):
 * size, mode, uid, mtime, BLAKE2b-256 and SHA-256 (hex). out->path is left as
 * it was. FIM_ENOTREG, FIM_EUNREADABLE, FIM_EUNSTABLE (fstat before and after
 * the read differ) with a reason in `why`. When `keep` is not NULL and the file
 * is at most FIM_SCAN_MAX_BYTES, *keep gets a malloc'd copy of the bytes that
 * were hashed (the caller frees it), otherwise NULL. */
int fim_walk_hash_file(const char *path, struct store_fim_file *out, unsigned char **keep,
		       size_t *keep_len, char *why, size_t why_size);

/* True when `path` (under `root`) matches one of the exclusion globs of
 * `exclude` (a comma- or space-separated list, [fim] exclude): a pattern with a
 * '/' is matched against the path relative to the root, one without against the
 * last component. */
bool fim_walk_excluded(const char *exclude, const char *root, const char *path);

/* Walks the directory `start` (absolute, no trailing slash: `root` itself or a
 * directory under it), adding each hashed regular file that is not excluded
 * (globs relative to `root`) to `out` and calling note for what is skipped.
 * Returns 0, or FIM_EIO with why when `start` itself cannot be walked. */
int fim_walk_root(const char *root, const char *start, const char *exclude, struct fim_list *out,
		  fim_note_fn note, void *arg, char *why, size_t why_size);

#endif
