/*
 * A cache of the compiled access-log signature databases, so that `canhgac scan`
 * compiles a signature set once rather than on every run (Hyperscan takes about
 * 0.3 s of CPU for the shipped set, as long as scanning 300,000 lines). The key
 * is a BLAKE2b hash of the signature texts, the compile flags and Hyperscan's
 * version; the file lives in the user's own cache directory ($CANHGAC_CACHE_DIR,
 * else $XDG_CACHE_HOME/canhgac, else $HOME/.cache/canhgac), which must belong to
 * the user and not be writable by others; CANHGAC_CACHE_DIR=off disables it.
 * Writing an entry prunes the directory to the CACHE_KEEP entries used last.
 * Every failure (no directory, a corrupt or foreign file) falls back to
 * compiling: the cache can only save time.
 */
#ifndef CANHGAC_DETECT_WEBLOG_SIGS_CACHE_H
#define CANHGAC_DETECT_WEBLOG_SIGS_CACHE_H

#include <hs/hs.h>
#include <stddef.h>

#define WEBLOG_SIGS_KEY_BYTES 32

/* The key of a signature set: hashes `n` texts (with their lengths), a format
 * tag, hs_version() and this CPU's features into key. 0, or -1 when libsodium
 * cannot start (then the cache is not used). */
int weblog_sigs_cache_key(const char *const *text, size_t n, unsigned char key[WEBLOG_SIGS_KEY_BYTES]);

/* Loads both databases of `key` into *uri and *hdr (either may come back NULL
 * when the set had none). Returns 0, or -1 when there is no usable entry (then
 * *uri and *hdr are NULL). The caller frees them with hs_free_database. */
int weblog_sigs_cache_get(const unsigned char key[WEBLOG_SIGS_KEY_BYTES], hs_database_t **uri,
			  hs_database_t **hdr);

/* Stores both databases under `key` (atomically: a temporary file renamed).
 * Failures are silent. */
void weblog_sigs_cache_put(const unsigned char key[WEBLOG_SIGS_KEY_BYTES], const hs_database_t *uri,
			   const hs_database_t *hdr);

#endif
