/*
 * Address parsing with inet_pton only: no name resolution, so a config value never
 * makes the server wait on DNS or depend on it.
 */
#include "core/net.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, in_port_t *out)
{
	char *end;
	/* digits only: strtol alone would take " 80" and "+80" */
	if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
		return -1;
	long p = strtol(s, &end, 10);
	if (*end || p < 0 || p > 65535)
		return -1;
	*out = htons((in_port_t)p);
	return 0;
}

int net_listen_parse(const char *s, struct net_addr *out)
{
	char host[64];
	const char *port;
	memset(out, 0, sizeof *out);
	if (!s)
		return -1;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
			return -1;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		port = close + 2;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->ss;
		a6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1 || parse_port(port, &a6->sin6_port))
			return -1;
		out->len = sizeof *a6;
		return 0;
	}
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof host || strchr(s, ':') != colon)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = colon + 1;
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	struct sockaddr_in *a4 = (struct sockaddr_in *)&out->ss;
	a4->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1 || parse_port(port, &a4->sin_port))
		return -1;
	out->len = sizeof *a4;
	return 0;
}

bool net_addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) && a6->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

int net_cidr_parse(const char *s, struct net_cidr *out)
{
	char buf[64];
	if (!s || strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	memset(out, 0, sizeof *out);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	int max;
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	out->prefix = max;
	if (slash) {
		char *end;
		long p = strtol(slash + 1, &end, 10);
		if (!slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1) || *end || p > max)
			return -1;
		out->prefix = (int)p;
	}
	return 0;
}

static bool prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, (size_t)whole))
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

bool net_cidr_contains(const struct net_cidr *c, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)(const void *)sa;
		return c->family == AF_INET &&
		       prefix_match(c->addr, (const unsigned char *)&a4->sin_addr, c->prefix);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (c->family == AF_INET6)
			return prefix_match(c->addr, a6->sin6_addr.s6_addr, c->prefix);
		if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr))
			return prefix_match(c->addr, a6->sin6_addr.s6_addr + 12, c->prefix);
	}
	return false;
}

int net_addr_format(const struct sockaddr *sa, char *out, size_t size)
{
	const void *src;
	if (sa->sa_family == AF_INET)
		src = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		src = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else
		return -1;
	return inet_ntop(sa->sa_family, src, out, (socklen_t)size) ? 0 : -1;
}

int net_ip_canonical(const char *ip, char *out, size_t size)
{
	unsigned char a[16];
	if (!ip || !out || size == 0)
		return -1;
	if (inet_pton(AF_INET, ip, a) == 1)
		return inet_ntop(AF_INET, a, out, (socklen_t)size) ? 0 : -1;
	if (inet_pton(AF_INET6, ip, a) != 1)
		return -1;
	/* ::ffff:a.b.c.d is the IPv4 client of a dual-stack socket: one address, one form */
	if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)(const void *)a))
		return inet_ntop(AF_INET, a + 12, out, (socklen_t)size) ? 0 : -1;
	return inet_ntop(AF_INET6, a, out, (socklen_t)size) ? 0 : -1;
}
