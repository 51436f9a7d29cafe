/*
 * The growable buffer and HTML escaping of core/html.h.
 */
#include "core/html.h"

#include <stdlib.h>
#include <string.h>

static int grow(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 4096;
	while (nc < need)
		nc *= 2;
	char *nb = realloc(*buf, nc);
	if (!nb)
		return -1;
	*buf = nb;
	*cap = nc;
	return 0;
}

int html_put(char **buf, size_t *len, size_t *cap, const char *s, bool escape)
{
	if (grow(buf, cap, *len + 1))
		return -1;
	(*buf)[*len] = '\0';
	for (; s && *s; s++) {
		const char *r;
		char one[2] = {*s, 0};
		switch (escape ? *s : 0) {
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '&': r = "&amp;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&#39;"; break;
		default: r = one; break;
		}
		size_t n = strlen(r);
		if (grow(buf, cap, *len + n + 1))
			return -1;
		memcpy(*buf + *len, r, n);
		*len += n;
		(*buf)[*len] = '\0';
	}
	return 0;
}
