/*
 * Building printable pages (the incident report, the access review) in a
 * growable buffer, with every value HTML-escaped: one copy of the escaping for
 * the whole program.
 */
#ifndef CANHGAC_CORE_HTML_H
#define CANHGAC_CORE_HTML_H

#include <stdbool.h>
#include <stddef.h>

/* Appends s (NULL: nothing) to the malloc'd buffer *buf of *len bytes and *cap
 * capacity (all zero/NULL to start), escaping < > & " ' when `escape`; the buffer
 * stays NUL-terminated. 0, or -1 when out of memory (the buffer is kept; the
 * caller frees it). */
int html_put(char **buf, size_t *len, size_t *cap, const char *s, bool escape);

#endif
