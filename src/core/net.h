/*
 * Network addresses: the HOST:PORT of a listen setting, CIDR networks for
 * allowlists and trusted proxies, and the loopback test that decides whether plain
 * HTTP may be served.
 */
#ifndef CANHGAC_CORE_NET_H
#define CANHGAC_CORE_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

struct net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

struct net_cidr {
	int family;               /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;
};

/* Parses "127.0.0.1:8080", "[::1]:8080" or "localhost:8080" (localhost only, no DNS).
 * Port 0 asks the kernel for a free port. Returns 0 or -1. */
int net_listen_parse(const char *s, struct net_addr *out);

/* True for 127.0.0.0/8 and ::1. */
bool net_addr_is_loopback(const struct sockaddr *sa);

/* Parses "10.0.0.0/8", "192.0.2.1" (a /32), "2001:db8::/32". Returns 0 or -1. */
int net_cidr_parse(const char *s, struct net_cidr *out);

/* True if `sa` is inside `c` (an IPv4-mapped IPv6 address matches IPv4 networks). */
bool net_cidr_contains(const struct net_cidr *c, const struct sockaddr *sa);

/* Writes the numeric address of `sa` (no port) into `out`; returns 0 or -1. */
int net_addr_format(const struct sockaddr *sa, char *out, size_t size);

/* Writes the one canonical text of an IP address: inet_pton then inet_ntop, so
 * "2001:DB8::1" and "2001:db8:0::1" are both "2001:db8::1", and an IPv4-mapped
 * "::ffff:192.0.2.1" is "192.0.2.1". Returns 0, or -1 when `ip` is not an
 * address (out is then unchanged). */
int net_ip_canonical(const char *ip, char *out, size_t size);

#endif
