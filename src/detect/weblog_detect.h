/*
 * The access-log rules: per-client-address windows in the log's own time that
 * turn parsed requests into findings. Scanners (a storm of 403/404 answers;
 * known probe paths; scanning tools' user agents), brute force on the login
 * endpoints, injection and traversal (any signature hit), and abusive request
 * rates. Memory is bounded: at most [weblog] max_ips addresses are tracked (the
 * least recently seen is evicted), a window holds at most its rule's count of
 * timestamps, and at most WEBLOG_FINDINGS_MAX findings are kept. Slow scans are
 * seen over an hour through distinct not-found paths; a login failure is a
 * failure status or, on a site that redirects after a good sign-in, the form
 * answered again with 200; an address whose sign-ins come from several browsers
 * and mostly succeed is taken as shared (an office NAT) and not counted for
 * brute force. Addresses in the
 * allowlist still produce findings, marked allowlisted, and are never banned.
 */
#ifndef CANHGAC_DETECT_WEBLOG_DETECT_H
#define CANHGAC_DETECT_WEBLOG_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/weblog_parse.h"
#include "detect/weblog_sigs.h"

struct config;

#define WEBLOG_FINDINGS_MAX 1000000
#define WEBLOG_SAMPLES_MAX 3
#define WEBLOG_SAMPLE_MAX 2048 /* bytes kept of one sample line */

enum weblog_detect_err {
	WEBLOG_DETECT_OK = 0,
	WEBLOG_DETECT_ECONFIG = -1, /* a [weblog] value the detector cannot use */
	WEBLOG_DETECT_ENOMEM = -2,
	WEBLOG_DETECT_EMATCH = -3,  /* Hyperscan failed at run time */
};

enum weblog_rule {
	WEBLOG_RULE_SCAN_404,   /* "scanner-404" */
	WEBLOG_RULE_SCAN_PROBE, /* "scanner-probe", category = the probe kind */
	WEBLOG_RULE_SCAN_TOOL,  /* "scanner-tool" */
	WEBLOG_RULE_BRUTE,      /* "brute-force" */
	WEBLOG_RULE_INJECTION,  /* "injection", category = sqli xss traversal cmdi log4shell */
	WEBLOG_RULE_RATE,       /* "rate" */
	WEBLOG_RULE_COUNT,
};

struct weblog_finding {
	enum weblog_rule rule;
	char category[WEBLOG_SIG_ID_MAX]; /* "" when the rule has none */
	char ip[48];
	unsigned char addr[16];           /* IPv4 as ::ffff:a.b.c.d */
	int64_t first, last;              /* UTC unix seconds, log time */
	uint64_t count;                   /* requests from the window that crossed the threshold on */
	int n_samples;
	char *sample[WEBLOG_SAMPLES_MAX]; /* the lines at and after the threshold */
	bool allowlisted;
	int32_t next;                     /* internal: the address's next finding */
};

struct weblog_detect_stats {
	uint64_t requests;
	uint64_t evicted;        /* addresses dropped from the table when it was full */
	uint64_t findings_dropped;
	uint64_t login_shared;   /* login failures not counted: the address is shared (an office NAT) */
	uint64_t login_form_fail; /* 200 answers to login POSTs counted as failures (the site redirects on success) */
};

struct weblog_detect;

/* One request reduced to what the rules need, made by weblog_detect_prepare
 * (stateless, any thread) and consumed by weblog_detect_feed_req (stateful, in
 * log order): the parse and signature work can run on several threads while one
 * thread keeps the per-address windows. */
struct weblog_req {
	unsigned char addr[16]; /* IPv4 as ::ffff:a.b.c.d */
	int64_t time;           /* UTC unix seconds, log time */
	int status;
	bool login;             /* a request to a login path */
	bool login_fail;        /* a POST to a login path answered with a failure status */
	bool login_form;        /* a POST to a login path answered 200: the form again, or a success */
	bool login_ok;          /* a POST to a login path answered with a redirect (3xx) */
	uint32_t ua_hash;       /* of the user agent (shared-address recognition) */
	uint32_t path_hash;     /* of the path without the query, for not-found answers */
	char ip[48];            /* the address as written in the log */
};

/* A detector with the [weblog] thresholds, login paths, statuses and allowlist of
 * `cfg`, matching with `sigs` (which must outlive it). Returns 0 and a new detector
 * (free with weblog_detect_free), or WEBLOG_DETECT_ECONFIG with the reason in `why`. */
int weblog_detect_new(const struct config *cfg, const struct weblog_sigs *sigs, struct weblog_detect **out,
		      char *why, size_t why_size);

void weblog_detect_free(struct weblog_detect *d);

/* Feeds one parsed request; `line`/`len` is the original line, kept as a sample
 * when it is part of a finding. 0 or a negative error. */
int weblog_detect_feed(struct weblog_detect *d, const struct weblog_entry *e, const char *line, size_t len);

/* The stateless half of weblog_detect_feed: reduces `e` to `r` and matches the
 * signatures into `hits` with the caller's scratch (one per thread; see
 * weblog_sigs_scratch_new). Only reads `d`, so any number of threads may call it
 * at once. Returns 0, 1 when the entry has no usable address (nothing to feed),
 * or WEBLOG_DETECT_EMATCH. */
int weblog_detect_prepare(const struct weblog_detect *d, struct weblog_sigs_scratch *sc,
			  const struct weblog_entry *e, struct weblog_req *r, struct weblog_sig_hits *hits);

/* The stateful half: feeds one prepared request, in log order. `line`/`len` is
 * the original line (kept as a sample). Feeding prepare's output for each entry
 * gives exactly the findings weblog_detect_feed gives. 0 or a negative error. */
int weblog_detect_feed_req(struct weblog_detect *d, const struct weblog_req *r,
			   const struct weblog_sig_hits *hits, const char *line, size_t len);

/* The findings so far, one per (address, rule, category), ordered by first time,
 * then address. Valid until the next feed or free. */
const struct weblog_finding *weblog_detect_findings(struct weblog_detect *d, size_t *n);

void weblog_detect_stats_get(const struct weblog_detect *d, struct weblog_detect_stats *out);

const char *weblog_rule_name(enum weblog_rule r);

#endif
