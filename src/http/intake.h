/*
 * Readings of a request's connection that the server makes before routing:
 * the client's address and the framing check (intake.c).
 */
#ifndef CANHGAC_HTTP_INTAKE_H
#define CANHGAC_HTTP_INTAKE_H

#include <microhttpd.h>
#include <stddef.h>

#include "core/net.h"

/* The client's address, canonical (IPv4-mapped IPv6 as IPv4, IPv6 compressed in
 * lower case), through X-Forwarded-For only from one of `proxies`; "unknown"
 * when the connection has none. */
void http_intake_client_ip(struct MHD_Connection *c, const struct net_cidr *proxies, int n_proxies, char *out,
			   size_t size);

/* Why the request's framing is ambiguous (two Content-Lengths, a list, or
 * Content-Length beside Transfer-Encoding), or NULL. */
const char *http_intake_framing_problem(struct MHD_Connection *c);

#endif
