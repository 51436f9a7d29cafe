/*
 * Reference data compiled into the binary from data/ (province codes, the
 * procedure catalogue, name lists, places of Đồng Nai): finding a file by name
 * and reading its CSV rows. The CSV dialect is the small one data/ uses: UTF-8,
 * one record a line, fields separated by commas with no quoting, lines starting
 * with '#' are comments, the first other line is the header and is skipped.
 */
#ifndef CANHGAC_LOOKUP_REFDATA_H
#define CANHGAC_LOOKUP_REFDATA_H

#include <stddef.h>

#define REFDATA_MAX_FIELDS 8
#define REFDATA_LINE_MAX 1024

/* The embedded file `name` (e.g. "provinces.csv"): its NUL-terminated text and
 * length, or NULL when there is none. Static storage. */
const char *refdata_file(const char *name, size_t *len);

/* One CSV row as handed to a callback: `field[i]` are NUL-terminated and valid
 * only during the call; `line` is the 1-based line in the file. */
struct refdata_row {
	int line;
	int nfields;
	const char *field[REFDATA_MAX_FIELDS];
};

/* Calls fn for each data row of the embedded CSV `name`. Returns 0, -1 when the
 * file is missing or a line is longer than REFDATA_LINE_MAX or has more than
 * REFDATA_MAX_FIELDS fields, or fn's non-zero value (which stops the walk). */
int refdata_csv_each(const char *name, int (*fn)(const struct refdata_row *row, void *arg), void *arg);

#endif
