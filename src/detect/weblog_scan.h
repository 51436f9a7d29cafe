/*
 * Offline scanning of whole access logs, fast: the input (plain or gzip through
 * zlib, a file or a pipe) is read in large blocks cut at line ends; threads-1
 * workers and the calling thread parse the lines of a block and match its signatures (the stateless
 * work, weblog_detect_prepare, each with its own parser and Hyperscan scratch);
 * the calling thread feeds the prepared requests to the detector in log order
 * (weblog_detect_feed_req). The findings are therefore exactly those of feeding
 * the lines one by one, whatever the number of threads. Lines longer than
 * WEBLOG_LINE_MAX are counted as malformed and skipped, never split.
 */
#ifndef CANHGAC_DETECT_WEBLOG_SCAN_H
#define CANHGAC_DETECT_WEBLOG_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "detect/weblog_detect.h"
#include "detect/weblog_parse.h"

#define WEBLOG_SCAN_THREADS_MAX 16
#define WEBLOG_SCAN_BLOCK_DEFAULT (1u << 20)
#define WEBLOG_SCAN_MALFORMED_SHOWN 5

enum weblog_scan_err {
	WEBLOG_SCAN_OK = 0,
	WEBLOG_SCAN_EIO = -1,     /* unreadable input or corrupt gzip (message in the stats' why) */
	WEBLOG_SCAN_ENOMEM = -2,
	WEBLOG_SCAN_EFORMAT = -3, /* the log_format cannot be used */
};

struct weblog_scan_opts {
	enum weblog_input input;
	const char *log_format; /* nginx log_format; NULL or "" for combined/common */
	int threads;            /* parsing threads; 0: one per online CPU (at most 16); 1: no threads */
	size_t block_size;      /* bytes read at a time; 0: WEBLOG_SCAN_BLOCK_DEFAULT (tests use tiny ones) */
};

struct weblog_scan_stats {
	uint64_t lines;     /* non-empty lines */
	uint64_t malformed; /* of which could not be parsed (or were too long) */
	int n_shown;
	char malformed_at[WEBLOG_SCAN_MALFORMED_SHOWN][300]; /* "NAME:LINE" or "NAME:LINE (too long)" */
	char why[256];      /* the reason of the last error */
};

struct weblog_scan;

/* A scanner feeding `d` (which must outlive it and is only touched from the
 * thread calling weblog_scan_fd). Returns 0 and a new scanner (free with
 * weblog_scan_free), or an error with the reason in `why`. */
int weblog_scan_new(const struct weblog_scan_opts *opts, struct weblog_detect *d, const struct weblog_sigs *sigs,
		    struct weblog_scan **out, char *why, size_t why_size);

void weblog_scan_free(struct weblog_scan *sc);

/* Reads `fd` to its end (plain or gzip; the descriptor is closed), `name` naming
 * it in the malformed-line positions. 0, or WEBLOG_SCAN_EIO / _ENOMEM (the lines
 * read before the error have been fed). */
int weblog_scan_fd(struct weblog_scan *sc, int fd, const char *name);

/* Counts so far, over every input. */
void weblog_scan_stats_get(const struct weblog_scan *sc, struct weblog_scan_stats *out);

#endif
