/*
 * Persistence of file-integrity monitoring (issue 10, docs/FIM.md): the
 * baseline of the web roots (one row per approved regular file), the roots that
 * have one, and the findings of `fim check`. Part of the store interface
 * (included by store/store.h). Also reads the detector's IP blocks for the
 * indicators export, when that table exists.
 */
#ifndef CANHGAC_STORE_STORE_FIM_H
#define CANHGAC_STORE_STORE_FIM_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_FIM_HASH_HEX 65 /* 64 hex digits and the NUL */

/* One entry of a baseline: a regular file, or a symlink (mode S_IFLNK, size
 * and hashes those of its target text). `path` is borrowed by the functions that take it and
 * valid only during a callback for those that hand it out. */
struct store_fim_file {
	const char *path;
	int64_t size;
	uint32_t mode;
	uint32_t uid;
	int64_t mtime;
	char blake2b[STORE_FIM_HASH_HEX];
	char sha256[STORE_FIM_HASH_HEX];
};

/* In one transaction: records `root`, deletes the baseline rows of `root` that
 * are `prefix` or lie under `prefix` + "/", and inserts the n files. With prefix
 * == root this replaces the root's whole baseline; `fim accept` passes a file or
 * a directory inside it. */
int store_fim_baseline_replace(struct store *st, const char *root, const char *prefix,
			       const struct store_fim_file *files, size_t n, int64_t now);

/* Calls fn for each baseline root, in order; stops at fn's non-zero value. */
int store_fim_roots_each(struct store *st, int (*fn)(const char *root, void *arg), void *arg);

/* Calls fn for each baseline file of `root`, ordered by path (byte order, the
 * order of strcmp); stops at fn's non-zero value and returns it. */
int store_fim_baseline_each(struct store *st, const char *root,
			    int (*fn)(const struct store_fim_file *f, void *arg), void *arg);

/* The same for the rows of `root` that are `prefix` or lie under prefix + "/"
 * (one file, or a directory of it). */
int store_fim_baseline_under(struct store *st, const char *root, const char *prefix,
			     int (*fn)(const struct store_fim_file *f, void *arg), void *arg);

/* One finding of `fim check`. Strings may be NULL (rule, hashes). */
struct store_fim_finding {
	const char *kind; /* added, changed, removed, mode, webshell */
	const char *path;
	const char *rule;
	const char *sha256;
	const char *blake2b;
	int64_t seen_at;
};

/* Inserts n findings in one transaction. */
int store_fim_findings_add(struct store *st, const struct store_fim_finding *f, size_t n);

/* Web-shell hashes seen at or after `since`, one call per distinct SHA-256 with
 * its first sighting (seen_at), one of its paths and its rules; ordered by first
 * sighting. Strings are valid only during the call. */
int store_fim_webshells_each(struct store *st, int64_t since,
			     int (*fn)(const struct store_fim_finding *f, void *arg), void *arg);

/* The detector's IP blocks created at or after `since` (table detect_blocks of
 * migration 005): fn(ip, reason, created_at, expires_at). When the table does not
 * exist (a build without the detector) nothing is called and 0 is returned. */
int store_fim_blocks_each(struct store *st, int64_t since,
			  int (*fn)(const char *ip, const char *reason, int64_t created_at,
				    int64_t expires_at, void *arg),
			  void *arg);

#endif
