/*
 * Walking a web root and hashing its entries. Symlinks are never followed (so a
 * symlink loop cannot trap the walk): a symlink is an entry of its own, hashed
 * by its target text, so a new one is a finding like a new file. Special files
 * are reported and skipped, unreadable files and files that change while they
 * are read are reported and left out. Files are hashed on every core
 * (fim/pool.h). The walk is iterative (a heap stack of
 * directories, one directory handle open at a time), so no tree depth can
 * exhaust the C stack or the descriptors. Nothing under a root is fatal; only a
 * root that cannot be opened at all is.
 */
#ifndef CANHGAC_FIM_WALK_H
#define CANHGAC_FIM_WALK_H

#include <stdbool.h>
#include <sys/types.h>

#include "fim/fim.h"

/* Paths at least this long are not opened (the kernel refuses them anyway):
 * reported as not checked. */
#define FIM_WALK_PATH_MAX 4096

/* Hashes the regular file at `path` (opened without following a symlink):
 * size, mode, uid, mtime, BLAKE2b-256 and SHA-256 (hex). out->path is left as
 * it was. FIM_ENOTREG, FIM_EUNREADABLE, FIM_EUNSTABLE (fstat before and after
 * the read differ, or fewer bytes than its size: truncated while read) with a
 * reason in `why`. When `keep` is not NULL and the file is at most
 * FIM_SCAN_MAX_BYTES, *keep gets a malloc'd copy of the bytes that were hashed
 * (the caller frees it), otherwise NULL. */
int fim_walk_hash_file(const char *path, struct store_fim_file *out, unsigned char **keep,
		       size_t *keep_len, char *why, size_t why_size);

/* The entry of the symlink at `path`: mode (S_IFLNK and bits), uid, mtime,
 * size = length of its target, hashes of the target text. When target is not
 * NULL it gets the target (NUL-terminated, truncated to target_size).
 * FIM_EUNREADABLE or FIM_ENOTREG (not a symlink) with why. */
int fim_walk_hash_link(const char *path, struct store_fim_file *out, char *target, size_t target_size,
		       char *why, size_t why_size);

/* Hashes whatever regular file or symlink is at `path` (the two above, chosen
 * by lstat). FIM_ENOTREG for other types; ENOENT gives FIM_EUNREADABLE with
 * *gone set (gone may be NULL). */
int fim_walk_hash_entry(const char *path, struct store_fim_file *out, unsigned char **keep,
			size_t *keep_len, bool *gone, char *why, size_t why_size);

/* True when the symlink at `link` (under `root`), pointing at `target`, leads
 * outside `root`: lexically (its target joined to its directory, . and ..
 * folded) or, when it resolves, by realpath. */
bool fim_walk_link_outside(const char *root, const char *link, const char *target);

/* True when `path` (under `root`) matches one of the exclusion globs of
 * `exclude` (a comma- or space-separated list, [fim] exclude): a pattern with a
 * '/' is matched against the path relative to the root, one without against the
 * last component. */
bool fim_walk_excluded(const char *exclude, const char *root, const char *path);

/* Walks the directory `start` (absolute, no trailing slash: `root` itself or a
 * directory under it), adding each hashed regular file and symlink that is not
 * excluded (globs relative to `root`) to `out` and calling note for what is
 * skipped. Returns 0, or FIM_EIO with why when `start` itself cannot be walked,
 * FIM_ENOMEM. */
int fim_walk_root(const char *root, const char *start, const char *exclude, struct fim_list *out,
		  fim_note_fn note, void *arg, char *why, size_t why_size);

/* The same walk without hashing the regular files: their entries have size,
 * mode, uid and mtime from lstat and an empty sha256, for fim_pool_hash to
 * fill (symlinks are hashed already). */
int fim_walk_collect(const char *root, const char *start, const char *exclude, struct fim_list *out,
		     fim_note_fn note, void *arg, char *why, size_t why_size);

/* Test seam: when set, called after each chunk read by fim_walk_hash_file with
 * the open descriptor and the bytes read so far (a test truncates the file
 * there). NULL in production. */
extern void (*fim_walk_read_hook)(int fd, size_t have);

#endif
