/*
 * File-integrity monitoring of the portal's web roots (issue 10, docs/FIM.md):
 * what the files of the fim module share — the error codes, the scan size cap,
 * and the list of hashed files that a walk produces. The module's parts: walk
 * (find and hash the files of a root), baseline (record them as the approved
 * state), compare (a root against its baseline), scan (the YARA rules).
 */
#ifndef CANHGAC_FIM_FIM_H
#define CANHGAC_FIM_FIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store_fim.h"

enum fim_err {
	FIM_OK = 0,
	FIM_EIO = -1,         /* a root cannot be walked, the store failed */
	FIM_EUNREADABLE = -2, /* a file could not be opened or read */
	FIM_ENOTREG = -3,     /* not a regular file (FIFO, socket, device, symlink) */
	FIM_EUNSTABLE = -4,   /* the file changed while it was read */
	FIM_ENOMEM = -5,
	FIM_ERULES = -6,      /* the YARA rules did not compile, or a scan failed */
	FIM_EINVAL = -7,
	FIM_ECANCELLED = -8,  /* the caller asked the check to stop (serve stopping) */
};

/* Files larger than this are hashed but not scanned (and said so): web shells are
 * small, and a scan of a video or an archive would only cost time. */
#define FIM_SCAN_MAX_BYTES (8 * 1024 * 1024)

/* A growing list of hashed files; paths are owned by the list (strdup). */
struct fim_list {
	struct store_fim_file *v;
	size_t n, cap;
};

/* Appends a copy of f (its path duplicated). 0 or FIM_ENOMEM. */
int fim_list_add(struct fim_list *l, const struct store_fim_file *f);
/* Sorts by path in byte order (the store's ORDER BY path). */
void fim_list_sort(struct fim_list *l);
/* Frees the paths and the array; the list is empty again. */
void fim_list_free(struct fim_list *l);

/* Called for what is reported but never fatal: a symlink not followed, a FIFO
 * (err FIM_ENOTREG), an unreadable file (FIM_EUNREADABLE), a file that changed
 * while read (FIM_EUNSTABLE), a file too big to scan (FIM_OK). `why` is a
 * sentence for a person. */
typedef void (*fim_note_fn)(const char *path, int err, const char *why, void *arg);

const char *fim_strerror(int err);

/* Bytes of a path text may need: every byte escaped, and the NUL. */
#define FIM_PATH_TEXT_MAX (3 * 4096 + 8)

/* `path` as UTF-8 text safe for JSON, STIX, CSV and one-line output: bytes that
 * are not well-formed UTF-8, control characters and '%' become %XX. Truncated
 * with "..." to fit `size`. Returns out. */
const char *fim_path_text(const char *path, char *out, size_t size);

#endif
