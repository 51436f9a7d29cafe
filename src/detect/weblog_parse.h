/*
 * Access-log lines of the portal's web server into entries: the combined and
 * common formats (nginx's and Apache's defaults), any nginx `log_format` compiled
 * once into a small matcher, and JSON lines. Parsing never fails the run: a line
 * that does not fit is an answer (WEBLOG_EMALFORMED), and the caller counts it.
 * Times are the log's own, with the log's own offset, as UTC unix seconds.
 */
#ifndef CANHGAC_DETECT_WEBLOG_PARSE_H
#define CANHGAC_DETECT_WEBLOG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest line accepted (bytes, without the newline); longer lines are malformed. */
#define WEBLOG_LINE_MAX 16384
/* Items (literals and variables) in one compiled log_format. */
#define WEBLOG_FORMAT_ITEMS_MAX 64

enum weblog_parse_err {
	WEBLOG_OK = 0,
	WEBLOG_EMALFORMED = -1, /* the line does not fit the format */
	WEBLOG_EFORMAT = -2,    /* the log_format itself is unusable */
	WEBLOG_ENOMEM = -3,
};

enum weblog_input {
	WEBLOG_INPUT_TEXT, /* combined/common or a custom log_format */
	WEBLOG_INPUT_JSON, /* one JSON object a line */
};

/* The combined format, as nginx and Apache write it by default. */
#define WEBLOG_FORMAT_COMBINED                                                              \
	"$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent " \
	"\"$http_referer\" \"$http_user_agent\""

/* One parsed line. The strings point into the line buffer handed to
 * weblog_parse_line (or the parser's own buffer for JSON) and are valid until the
 * next call; absent fields are "". */
struct weblog_entry {
	const char *ip;
	const char *user;
	const char *method;   /* "" when the request line was not HTTP */
	const char *uri;      /* path and query as sent; the whole request when not HTTP */
	const char *protocol;
	const char *referer;
	const char *user_agent;
	int64_t time;         /* UTC unix seconds; 0 when the format has no time */
	int status;           /* 0 when absent */
	long long bytes;      /* -1 when absent */
	double request_time;  /* seconds; -1 when absent */
	/* The client address in binary (IPv4 as ::ffff:a.b.c.d), set by the parser so
	 * the detector need not parse it again; an entry built by hand leaves
	 * has_addr false and the detector parses `ip`. */
	unsigned char addr[16];
	bool has_addr;
};

struct weblog_parser;

/* A parser for `input`. `log_format` is an nginx log_format string (NULL or "" for
 * combined, which also accepts common lines and extra fields after the user
 * agent); ignored for JSON. Returns 0 and a new parser in *out (free with
 * weblog_parser_free), or WEBLOG_EFORMAT with a reason in `why`, or WEBLOG_ENOMEM. */
int weblog_parser_new(enum weblog_input input, const char *log_format, struct weblog_parser **out,
		      char *why, size_t why_size);

void weblog_parser_free(struct weblog_parser *p);

/* Parses one line (without its newline; `len` bytes, may hold NULs). The line is
 * modified in place (fields are NUL-terminated), so line[len] must be writable
 * too. Returns 0 with `e` filled, or WEBLOG_EMALFORMED (also for a line longer
 * than WEBLOG_LINE_MAX or a client address that is not an IP address). */
int weblog_parse_line(struct weblog_parser *p, char *line, size_t len, struct weblog_entry *e);

/* Parses nginx's $time_local, "10/Oct/2000:13:55:36 -0700", into UTC unix seconds.
 * Returns 0 or -1. */
int weblog_time_parse_local(const char *s, size_t len, int64_t *out);

#endif
