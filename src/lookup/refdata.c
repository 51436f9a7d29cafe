/*
 * The embedded data/ files: lookup by name in the table cmake/embed.cmake
 * generates, and a comma splitter for the plain CSV files kept there.
 */
#include "lookup/refdata.h"

#include <string.h>

#include "core/embed.h"

const char *refdata_file(const char *name, size_t *len)
{
	for (size_t i = 0; i < data_files_count; i++) {
		if (data_files[i].name && strcmp(data_files[i].name, name) == 0) {
			if (len)
				*len = data_files[i].len;
			return (const char *)data_files[i].data;
		}
	}
	return NULL;
}

int refdata_csv_each(const char *name, int (*fn)(const struct refdata_row *row, void *arg), void *arg)
{
	size_t len;
	const char *text = refdata_file(name, &len);
	if (!text)
		return -1;
	char buf[REFDATA_LINE_MAX];
	const char *p = text, *end = text + len;
	int line = 0, header_seen = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		const char *next = nl ? nl + 1 : end;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0 || p[0] == '#') {
			p = next;
			continue;
		}
		if (n >= sizeof buf)
			return -1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		p = next;
		if (!header_seen) {
			header_seen = 1;
			continue;
		}
		struct refdata_row row = {.line = line};
		char *f = buf;
		for (;;) {
			if (row.nfields == REFDATA_MAX_FIELDS)
				return -1;
			row.field[row.nfields++] = f;
			char *comma = strchr(f, ',');
			if (!comma)
				break;
			*comma = '\0';
			f = comma + 1;
		}
		int rc = fn(&row, arg);
		if (rc)
			return rc;
	}
	return 0;
}
