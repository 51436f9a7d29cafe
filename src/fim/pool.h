/*
 * Hashing and scanning on every core. A walk collects the entries of a tree
 * (regular files unhashed), then this pool hashes them on one thread per core;
 * with a scanner and the baseline, a file that is new or differs from its
 * baseline row is scanned right away from the bytes just hashed (one read per
 * file). The results stay per entry so the caller can report them in path
 * order, as the single-threaded code did.
 */
#ifndef CANHGAC_FIM_POOL_H
#define CANHGAC_FIM_POOL_H

#include <stdbool.h>

#include "fim/fim.h"
#include "fim/scan.h"

struct fim_pool_item {
	int rc;       /* of the hash: FIM_OK, FIM_EUNREADABLE, FIM_EUNSTABLE, FIM_ENOTREG... */
	char *why;    /* malloc'd when rc != 0 */
	char *rules;  /* malloc'd when the scan matched (comma-joined names) */
	bool scanned; /* scanned with the rules */
	bool too_big; /* new or changed, over FIM_SCAN_MAX_BYTES: hashed, not scanned */
	bool scan_failed;
};

/* Hashes every entry of l whose sha256 is empty (regular files from
 * fim_walk_collect) in place. When sc is not NULL, entries absent from `base`
 * (sorted by path; may be NULL: all absent) or differing from their row are
 * scanned. *items (one per entry of l, in l's order) is the caller's: free with
 * fim_pool_items_free. 0, FIM_ENOMEM, or FIM_ECANCELLED (*items NULL) when
 * `cancel` (may be NULL) turned non-zero. */
int fim_pool_hash(struct fim_list *l, const struct fim_list *base, struct fim_scanner *sc,
		  const _Atomic int *cancel, struct fim_pool_item **items);
void fim_pool_items_free(struct fim_pool_item *items, size_t n);

/* Threads the pool uses: the online cores, at most 8. */
int fim_pool_threads(void);

#endif
