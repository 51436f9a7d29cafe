/*
 * The access review of an agency (issue 9): every account with its role, status,
 * last sign-in and lookup, quota use and limits, second factor and password age,
 * as the agency admin and the inspectors read it periodically. Built once as a
 * JSON model (the API's answer), then rendered as CSV for spreadsheets or as a
 * printable Vietnamese page. No HTTP here: the handler and `canhgac review`
 * both call it.
 */
#ifndef CANHGAC_REVIEW_REVIEW_H
#define CANHGAC_REVIEW_REVIEW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct config;

enum review_err {
	REVIEW_OK = 0,
	REVIEW_ENOTFOUND = -1,  /* no such agency */
	REVIEW_ESTORE = -2,     /* the store could not be read, or out of memory */
	REVIEW_EINVAL = -3,     /* an unknown format */
};

enum review_format { REVIEW_JSON, REVIEW_CSV, REVIEW_HTML };

/* "json", "csv", "html"; NULL or "" is json. 0 or REVIEW_EINVAL. */
int review_format_parse(const char *s, enum review_format *out);

/* The review of `agency` at `now`, generated for `by` (a username, or "cli"), in
 * the JSON shape of docs/API.md. *out is a new reference the caller owns. */
int review_build(struct store *st, const struct config *cfg, const char *agency, const char *by, int64_t now,
		 json_t **out);

/* Renders a review model. *body is a new NUL-terminated buffer the caller frees
 * (*len bytes); *content_type a static string. REVIEW_ESTORE when out of memory. */
int review_render(const json_t *review, enum review_format f, char **body, size_t *len,
		  const char **content_type);

/* The two text forms (review_csv.c, review_html.c); NULL when out of memory. */
char *review_csv(const json_t *review, size_t *len);
char *review_html(const json_t *review, size_t *len);

/* "YYYY-MM-DD HH:MM:SS" in Asia/Ho_Chi_Minh of an RFC 3339 JSON string; "" for
 * null or anything else. out must hold 20 bytes. */
void review_local_time(const json_t *rfc3339, char *out, size_t size);

#endif
