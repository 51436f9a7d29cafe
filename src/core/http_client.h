/*
 * A small HTTP GET client for the upstream systems canhgac asks on a person's
 * behalf (the population gateway, the one-stop system): one base URL checked at
 * open (https, or plain http only to loopback; no query or fragment), an optional
 * client certificate, a pinned CA file, a whole-request timeout and a cap on the
 * answer; redirects are never followed. It knows nothing of what it fetches: the
 * caller names its configuration section for the sentences open writes, reads
 * the status and body itself, and writes its own log line for each result kind,
 * in its own words (never the upstream's). Safe to use from several threads at
 * once; connections, DNS answers and TLS sessions are shared between them.
 */
#ifndef CANHGAC_CORE_HTTP_CLIENT_H
#define CANHGAC_CORE_HTTP_CLIENT_H

#include <stddef.h>

struct http_client;

/* What open is given; the caller keeps ownership, the client keeps copies. */
struct http_client_config {
	const char *section;  /* "[population]": starts every sentence open writes */
	const char *url;      /* the section's upstream_url; trailing '/'s are dropped */
	long timeout_ms;      /* whole request, and connecting; > 0 */
	const char *cert;     /* upstream_cert, upstream_key, upstream_ca: "" when not set */
	const char *key;
	const char *ca;
	size_t body_max;      /* the largest answer body accepted, bytes */
};

enum http_client_result {
	HTTP_CLIENT_OK = 0,         /* an answer: status and body are set */
	HTTP_CLIENT_ETIMEOUT = -1,  /* no whole answer within the timeout; detail: timeout, ms */
	HTTP_CLIENT_ETOOLARGE = -2, /* the body is over body_max; detail: body_max, bytes */
	HTTP_CLIENT_EFAILED = -3,   /* connect, TLS or transfer failure; detail: the curl code */
	HTTP_CLIENT_ENOMEM = -4,    /* out of memory preparing the request; detail: 0 */
};

struct http_client_answer {
	long status;  /* on HTTP_CLIENT_OK: the HTTP status */
	char *body;   /* on HTTP_CLIENT_OK: NUL-terminated, NULL when empty; the caller frees it */
	size_t len;   /* on HTTP_CLIENT_OK: bytes in body */
	long detail;  /* a number for the caller's log line (see enum http_client_result) */
};

/* Checks cfg (the URL, the certificate and key set together, the files
 * readable) and opens a client in *out, which http_client_close frees. 0, or -1
 * with a sentence in `why` that says what to fix. */
int http_client_open(const struct http_client_config *cfg, struct http_client **out, char *why,
		     size_t why_size);

/* GET {url}{prefix}{segment}, the segment URL-escaped (prefix is sent as given,
 * e.g. "/citizens/"), with Accept: application/json and User-Agent
 * canhgac/VERSION. Fills *answer (zeroed first) and returns an http_client_result;
 * any HTTP status is HTTP_CLIENT_OK, for the caller to judge. */
int http_client_get(struct http_client *c, const char *prefix, const char *segment,
		    struct http_client_answer *answer);

/* Frees what http_client_open made; NULL is allowed. */
void http_client_close(struct http_client *c);

#endif
