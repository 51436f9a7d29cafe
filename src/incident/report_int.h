/*
 * HTML helpers shared by the initial (report.c) and the closing report
 * (report_closing.c).
 */
#ifndef CANHGAC_INCIDENT_REPORT_INT_H
#define CANHGAC_INCIDENT_REPORT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Appends s to the malloc'd *buf (HTML-escaped when esc). 0, or -1 out of memory. */
int incident_html_put(char **buf, size_t *len, size_t *cap, const char *s, bool esc);
/* Appends a <tr><th>label</th><td>v</td></tr> (v a string or an integer). */
void incident_html_row(char **buf, size_t *len, size_t *cap, const char *label, const json_t *v);

#endif
