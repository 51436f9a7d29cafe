/*
 * Importing dossiers from the one-stop system's exports: a file of JSON lines or
 * CSV is untrusted input. It is read whole (bounded size), every row is turned
 * into the canonical JSON object and checked by dossier_from_json, and only when
 * every row is good is the batch stored, in one transaction, after its audit
 * record is durable. The first bad row stops everything and is named by its line
 * number, so nothing is ever half-imported. The CSV reader is RFC 4180 on one
 * physical line per record (quoted fields with "" escapes; a newline inside
 * quotes is refused with its line number).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "dossier/dossier.h"
#include "store/store.h"

#define CSV_FIELDS_MAX 16

void dossier_batch_free(struct dossier_batch *b)
{
	free(b->items);
	memset(b, 0, sizeof *b);
}

int dossier_batch_add(struct dossier_batch *b, const dossier_t *d, size_t max, char *why, size_t why_size)
{
	if (b->n >= max) {
		snprintf(why, why_size, "more than %zu dossiers in one batch: split it", max);
		return DOSSIER_EINVAL;
	}
	for (size_t i = 0; i < b->n; i++) /* a code twice makes the result depend on order */
		if (!strcmp(b->items[i].code, d->code)) {
			snprintf(why, why_size, "dossier %s appears twice (also item %zu)", d->code, i + 1);
			return DOSSIER_EINVAL;
		}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		dossier_t *grown = realloc(b->items, cap * sizeof *grown);
		if (!grown) {
			snprintf(why, why_size, "out of memory");
			return DOSSIER_EINTERNAL;
		}
		b->items = grown;
		b->cap = cap;
	}
	b->items[b->n++] = *d;
	return DOSSIER_OK;
}

int dossier_import_read_file(const char *path, char **text, size_t *len, char *why, size_t why_size)
{
	*text = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return DOSSIER_EINVAL;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > DOSSIER_IMPORT_BYTES_MAX) {
		snprintf(why, why_size, "%s: %s", path,
			 S_ISREG(sb.st_mode) ? "larger than 32 MiB: split the file" : "not a regular file");
		close(fd);
		return DOSSIER_EINVAL;
	}
	char *buf = malloc((size_t)sb.st_size + 1);
	size_t got = 0;
	while (buf && got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!buf || got != (size_t)sb.st_size) {
		free(buf);
		snprintf(why, why_size, "cannot read %s whole", path);
		return DOSSIER_EINVAL;
	}
	buf[got] = '\0';
	if (strlen(buf) != got) {
		free(buf);
		snprintf(why, why_size, "%s: contains a NUL byte (not a text file)", path);
		return DOSSIER_EINVAL;
	}
	*text = buf;
	*len = got;
	return DOSSIER_OK;
}

/* ---- CSV ------------------------------------------------------------------------- */

/* Splits one CSV line (NUL-terminated, modified in place) into fields. Returns
 * the count, or -1 for a stray or unterminated quote. */
static int csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *r = line, *w = line;
	for (;;) {
		if (n >= max)
			return -1;
		fields[n++] = w;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return -1;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			if (*r != ',' && *r != '\0')
				return -1;
		} else {
			while (*r != ',' && *r != '\0') {
				if (*r == '"')
					return -1;
				*w++ = *r++;
			}
		}
		char end = *r;
		*w++ = '\0';
		if (end == '\0')
			return n;
		r++;
	}
}

enum csv_col { COL_CODE, COL_PROCEDURE, COL_AGENCY, COL_STATUS, COL_RECEIVED, COL_CLOSED, COL_PERSONS, COL_OFFICERS,
	       COL_COUNT };
static const char *const csv_names[COL_COUNT] = {"code",   "procedure_code", "agency",  "status",
						 "received_at", "closed_at", "persons", "officers"};

static int csv_header(char *line, int *map, char *why, size_t why_size)
{
	char *f[CSV_FIELDS_MAX];
	int n = csv_split(line, f, CSV_FIELDS_MAX);
	if (n < 0) {
		snprintf(why, why_size, "line 1: the header is not a CSV line");
		return -1;
	}
	for (int c = 0; c < COL_COUNT; c++)
		map[c] = -1;
	for (int i = 0; i < n; i++) {
		int c = 0;
		while (c < COL_COUNT && strcmp(f[i], csv_names[c]))
			c++;
		if (c == COL_COUNT) {
			snprintf(why, why_size, "line 1: unknown column '%.40s' (expected code, procedure_code, agency, "
				 "status, received_at, closed_at, persons, officers)", f[i]);
			return -1;
		}
		if (map[c] >= 0) {
			snprintf(why, why_size, "line 1: column %s appears twice", csv_names[c]);
			return -1;
		}
		map[c] = i;
	}
	for (int c = 0; c <= COL_PERSONS; c++)
		if (map[c] < 0 && c != COL_CLOSED) {
			snprintf(why, why_size, "line 1: the header lacks the column %s", csv_names[c]);
			return -1;
		}
	return n;
}

/* "id:role;id:role" → [{citizen_id, role}]; NULL for a malformed item. */
static json_t *csv_persons(const char *s)
{
	json_t *arr = json_array();
	char item[128];
	while (arr && *s) {
		const char *end = strchr(s, ';');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		if (len == 0 || len >= sizeof item) {
			json_decref(arr);
			return NULL;
		}
		memcpy(item, s, len);
		item[len] = '\0';
		char *colon = strchr(item, ':');
		if (!colon) {
			json_decref(arr);
			return NULL;
		}
		*colon = '\0';
		json_array_append_new(arr, json_pack("{s:s, s:s}", "citizen_id", item, "role", colon + 1));
		s = end ? end + 1 : s + len;
	}
	return arr;
}

static json_t *csv_officers(const char *s)
{
	json_t *arr = json_array();
	while (arr && *s) {
		const char *end = strchr(s, ';');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		json_array_append_new(arr, json_stringn(s, len));
		s = end ? end + 1 : s + len;
	}
	return arr;
}

/* One CSV row as the canonical JSON object (NULL with why). */
static json_t *csv_row(char *line, const int *map, int ncols, char *why, size_t why_size)
{
	char *f[CSV_FIELDS_MAX];
	int n = csv_split(line, f, CSV_FIELDS_MAX);
	if (n < 0) {
		snprintf(why, why_size, "not a CSV line (a stray or unterminated quote)");
		return NULL;
	}
	if (n != ncols) {
		snprintf(why, why_size, "%d fields where the header has %d", n, ncols);
		return NULL;
	}
	json_t *o = json_object();
	for (int c = 0; c < COL_PERSONS; c++)
		if (map[c] >= 0 && (c != COL_CLOSED || *f[map[c]]))
			json_object_set_new(o, csv_names[c], json_string(f[map[c]]));
	json_t *persons = csv_persons(f[map[COL_PERSONS]]);
	if (!persons) {
		json_decref(o);
		snprintf(why, why_size, "persons: expected citizen_id:role items separated by ';'");
		return NULL;
	}
	json_object_set_new(o, "persons", persons);
	if (map[COL_OFFICERS] >= 0)
		json_object_set_new(o, "officers", csv_officers(f[map[COL_OFFICERS]]));
	return o;
}

/* ---- the parse ------------------------------------------------------------------- */

int dossier_import_parse(const char *text, size_t len, const struct dossier_rules *rules, const char *source,
			 struct dossier_batch *out, char *why, size_t why_size)
{
	memset(out, 0, sizeof *out);
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { /* a spreadsheet's byte-order mark */
		text += 3;
		len -= 3;
	}
	const char *p = text, *end = text + len;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	bool jsonl = p < end && *p == '{';
	char *line = malloc(DOSSIER_IMPORT_LINE_MAX + 1);
	int map[COL_COUNT], ncols = 0, rc = DOSSIER_OK;
	bool header_seen = jsonl;
	size_t lineno = 0;
	dossier_t d;
	char w[256];
	if (!line) {
		snprintf(why, why_size, "out of memory");
		return DOSSIER_EINTERNAL;
	}
	for (p = text; p < end && rc == DOSSIER_OK;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		const char *next = nl ? nl + 1 : end;
		if (n && p[n - 1] == '\r')
			n--;
		if (n > DOSSIER_IMPORT_LINE_MAX) {
			snprintf(why, why_size, "line %zu: longer than %d bytes", lineno, DOSSIER_IMPORT_LINE_MAX);
			rc = DOSSIER_EINVAL;
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = next;
		if (strspn(line, " \t") == n || (!jsonl && line[0] == '#'))
			continue;
		if (!header_seen) {
			ncols = csv_header(line, map, why, why_size);
			if (ncols < 0)
				rc = DOSSIER_EINVAL;
			header_seen = true;
			continue;
		}
		json_t *obj;
		if (jsonl) {
			json_error_t jerr;
			obj = json_loadb(line, n, JSON_REJECT_DUPLICATES, &jerr);
			if (!obj)
				snprintf(w, sizeof w, "not a JSON object (%s at column %d)",
					 jerr.text[0] ? jerr.text : "invalid JSON", jerr.column);
		} else {
			obj = csv_row(line, map, ncols, w, sizeof w);
		}
		if (!obj || dossier_from_json(obj, rules, source, &d, w, sizeof w) ||
		    dossier_batch_add(out, &d, DOSSIER_IMPORT_ROWS_MAX, w, sizeof w)) {
			snprintf(why, why_size, "line %zu: %s", lineno, w);
			rc = DOSSIER_EINVAL;
		}
		json_decref(obj);
	}
	free(line);
	if (rc == DOSSIER_OK && out->n == 0) {
		snprintf(why, why_size, "no dossiers in the file%s", header_seen ? "" : " (not even a CSV header)");
		rc = DOSSIER_EINVAL;
	}
	if (rc != DOSSIER_OK)
		dossier_batch_free(out);
	return rc;
}

/* ---- storing --------------------------------------------------------------------- */

int dossier_import_apply(struct store *st, struct audit *audit, const struct dossier_batch *b, const char *text,
			 size_t len, const char *actor, const char *ip, const char *label,
			 struct dossier_import_result *res, char *why, size_t why_size)
{
	memset(res, 0, sizeof *res);
	res->rows = b->n;
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)(text ? text : ""), text ? len : 0, NULL, 0);
	sodium_bin2hex(res->digest, sizeof res->digest, h, sizeof h);
	json_t *payload = json_pack("{s:s, s:I, s:s, s:s}", "source", label ? label : "-", "rows",
				    (json_int_t)b->n, "digest", res->digest, "first_code",
				    b->n ? b->items[0].code : "");
	struct audit_event ev = {.type = "dossier_import", .actor = actor, .ip = ip, .payload = payload};
	int rc = payload ? audit_append(audit, &ev, &res->audit_seq) : AUDIT_EINVAL;
	json_decref(payload);
	if (rc != AUDIT_OK) {
		snprintf(why, why_size, "the audit log cannot take the import's record (%s): nothing was imported",
			 audit_strerror(rc));
		return DOSSIER_EUNAVAILABLE;
	}
	rc = store_dossiers_upsert(st, b->items, b->n, &res->inserted, &res->updated);
	if (rc != STORE_OK) {
		json_t *fail = json_pack("{s:I, s:s}", "import_seq", (json_int_t)res->audit_seq, "error",
					 store_strerror(rc));
		struct audit_event fev = {.type = "dossier_import_failed", .actor = actor, .ip = ip, .payload = fail};
		audit_append(audit, &fev, NULL);
		json_decref(fail);
		snprintf(why, why_size, "the store refused the import (%s): nothing was imported", store_strerror(rc));
		return DOSSIER_EUNAVAILABLE;
	}
	return DOSSIER_OK;
}
