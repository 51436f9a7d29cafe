/*
 * What the access-log scanner hands to people and to firewalls: the findings as
 * a table or as JSON lines, and the bans as an nginx `deny` include and an
 * nftables script. Allowlisted findings are reported but never banned. One
 * address with several findings is banned once, until the latest of them ends.
 */
#ifndef CANHGAC_DETECT_WEBLOG_OUTPUT_H
#define CANHGAC_DETECT_WEBLOG_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/weblog_detect.h"

/* A table, one finding a row and its first sample under it. 0 or -1 (write error). */
int weblog_output_table(FILE *out, const struct weblog_finding *f, size_t n);

/* One JSON object a line: {rule, category, ip, count, first, last, sample,
 * allowlisted, ban_until}. 0 or -1. */
int weblog_output_json(FILE *out, const struct weblog_finding *f, size_t n, int ban_seconds);

/* `deny IP; # rules until T` lines, T = last + ban_seconds (log time). Returns the
 * number of addresses written, or -1. */
int weblog_output_nginx_deny(FILE *out, const struct weblog_finding *f, size_t n, int ban_seconds);

/* An `nft -f` script: table inet canhgac, sets banned (IPv4) and banned6 (IPv6)
 * with timeouts, a drop chain, then one element per address with timeout
 * ban_seconds. Safe to load again. Returns the addresses written, or -1. */
int weblog_output_nftables(FILE *out, const struct weblog_finding *f, size_t n, int ban_seconds);

#endif
