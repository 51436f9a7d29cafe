/*
 * The attack signatures of the access-log scanner: SQL injection, XSS, path
 * traversal, command injection, Log4Shell lookups, scanning tools, and the known
 * probe paths (web shells, admin panels, backups, .git, .env, ...). They are
 * shipped as editable CSV in data/ (or read from the files named by [weblog]
 * signatures / probe_paths), compiled once into Hyperscan block-mode databases,
 * and matched against the URL-decoded request (twice decoded, for double
 * encoding) and the user agent and referer. One scratch per thread.
 */
#ifndef CANHGAC_DETECT_WEBLOG_SIGS_H
#define CANHGAC_DETECT_WEBLOG_SIGS_H

#include <stddef.h>

#include "detect/weblog_parse.h"

enum weblog_sigs_err {
	WEBLOG_SIGS_OK = 0,
	WEBLOG_SIGS_EPARSE = -1,   /* a CSV row is malformed */
	WEBLOG_SIGS_ECOMPILE = -2, /* Hyperscan refused a pattern (or the CPU lacks SSSE3) */
	WEBLOG_SIGS_ENOMEM = -3,
	WEBLOG_SIGS_EIO = -4,
};

enum weblog_category {
	WEBLOG_CAT_SQLI,
	WEBLOG_CAT_XSS,
	WEBLOG_CAT_TRAVERSAL,
	WEBLOG_CAT_CMDI,
	WEBLOG_CAT_LOG4SHELL,
	WEBLOG_CAT_SCANNER, /* a scanning tool's user agent */
	WEBLOG_CAT_PROBE,   /* a known probe path */
	WEBLOG_CAT_COUNT,
};

/* Where a signature looks. */
enum weblog_field { WEBLOG_FIELD_URI, WEBLOG_FIELD_HEADERS, WEBLOG_FIELD_ANY };

#define WEBLOG_SIG_ID_MAX 48
#define WEBLOG_SIG_TEXT_MAX 160
#define WEBLOG_HITS_MAX 16

struct weblog_sig {
	char id[WEBLOG_SIG_ID_MAX];
	enum weblog_category category;
	char kind[WEBLOG_SIG_ID_MAX]; /* probe paths: webshell, vcs, config, admin, backup, info */
	enum weblog_field field;
	char description[WEBLOG_SIG_TEXT_MAX];
};

struct weblog_sig_hits {
	int n;                                 /* distinct signatures, at most WEBLOG_HITS_MAX */
	const struct weblog_sig *sig[WEBLOG_HITS_MAX];
};

struct weblog_sigs;
struct weblog_sigs_scratch;

/* Compiles the signatures of `sig_csv` (rows id,category,field,description,pattern)
 * and `probe_csv` (rows id,kind,description,pattern); the pattern is the rest of
 * the line and may hold commas. Returns 0 and a new set in *out (free with
 * weblog_sigs_free), or an error with the row and reason in `why`. */
int weblog_sigs_compile(const char *sig_csv, const char *probe_csv, struct weblog_sigs **out,
			char *why, size_t why_size);

/* Same, from files; NULL or "" takes the shipped data/weblog_signatures.csv or
 * data/weblog_probe_paths.csv. The compiled databases are cached per signature
 * text in the user's cache directory (detect/weblog_sigs_cache.h), so a set is
 * compiled once, not on every run. */
int weblog_sigs_load(const char *sig_path, const char *probe_path, struct weblog_sigs **out,
		     char *why, size_t why_size);

void weblog_sigs_free(struct weblog_sigs *s);

/* Number of signatures (both files). */
size_t weblog_sigs_count(const struct weblog_sigs *s);

/* A scratch for one thread (Hyperscan's, plus decode buffers). 0 or an error. */
int weblog_sigs_scratch_new(const struct weblog_sigs *s, struct weblog_sigs_scratch **out);
void weblog_sigs_scratch_free(struct weblog_sigs_scratch *sc);

/* Matches one entry: the request URI decoded (percent, '+', and \xHH as nginx
 * escapes), then decoded again, against URI signatures; user agent and referer
 * against header signatures. Fills `hits` (each signature at most once). 0 or
 * WEBLOG_SIGS_ECOMPILE when Hyperscan fails at run time. */
int weblog_sigs_match(const struct weblog_sigs *s, struct weblog_sigs_scratch *sc,
		      const struct weblog_entry *e, struct weblog_sig_hits *hits);

/* Decodes %XX, '+' and \xHH once; returns the decoded length (at most n; `out`
 * holds n bytes). */
size_t weblog_url_decode(const char *in, size_t n, char *out);

const char *weblog_category_name(enum weblog_category c);

#endif
