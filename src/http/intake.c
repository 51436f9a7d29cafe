/*
 * What the server decides about a request from its connection before routing
 * it: who the client is (the peer, or behind a trusted TLS-terminating proxy the
 * rightmost X-Forwarded-For entry that is not itself a proxy, in one canonical
 * text), and whether the request's framing is unambiguous (one Content-Length,
 * not beside Transfer-Encoding: RFC 9112 §6.3). Split out of server.c, which
 * drives the connections; these are pure readings of a connection's headers.
 */
#include "http/intake.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/net.h"

static void client_ip_from(struct MHD_Connection *c, const struct net_cidr *proxies, int n_proxies, char *out,
			   size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, size, "unknown");
	if (!ci || !ci->client_addr)
		return;
	net_addr_format(ci->client_addr, out, size);
	bool trusted = false;
	for (int i = 0; i < n_proxies && !trusted; i++)
		trusted = net_cidr_contains(&proxies[i], ci->client_addr);
	if (!trusted)
		return;
	/* Behind a trusted proxy, the client is the rightmost X-Forwarded-For entry that
	 * is not itself a trusted proxy: entries further left are the client's own say. */
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (!xff || strlen(xff) > 1024)
		return;
	char buf[1025];
	strcpy(buf, xff);
	for (;;) {
		char *comma = strrchr(buf, ',');
		char *item = comma ? comma + 1 : buf;
		while (*item == ' ')
			item++;
		struct net_cidr one;
		struct net_addr a;
		char probe[80];
		if (net_cidr_parse(item, &one) != 0 || strchr(item, '/'))
			return; /* not an address: keep the peer's */
		snprintf(probe, sizeof probe, one.family == AF_INET6 ? "[%s]:0" : "%s:0", item);
		if (net_listen_parse(probe, &a) != 0)
			return;
		bool hop = false;
		for (int i = 0; i < n_proxies && !hop; i++)
			hop = net_cidr_contains(&proxies[i], (struct sockaddr *)&a.ss);
		if (!hop || !comma) {
			snprintf(out, size, "%s", item);
			return;
		}
		*comma = '\0';
	}
}

/* The client's address in its one canonical text (IPv4-mapped IPv6 as IPv4,
 * IPv6 lower case and compressed), so blocks, throttles and the audit agree on
 * who it is whatever form the socket or X-Forwarded-For gave. */
void http_intake_client_ip(struct MHD_Connection *c, const struct net_cidr *proxies, int n_proxies, char *out,
			   size_t size)
{
	char raw[64];
	client_ip_from(c, proxies, n_proxies, raw, sizeof raw);
	if (net_ip_canonical(raw, out, size) != 0)
		snprintf(out, size, "%s", raw);
}

struct framing {
	const char *length;   /* the first Content-Length */
	bool lengths_differ;
	bool chunked;
};

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct framing *f = cls;
	if (!key || !value)
		return MHD_YES;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (f->length && strcmp(f->length, value) != 0)
			f->lengths_differ = true;
		else if (strchr(value, ','))
			f->lengths_differ = true; /* a list, "5, 6" or even "5, 5": refused as well */
		if (!f->length)
			f->length = value;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->chunked = true; /* any transfer coding: its length is not Content-Length's */
	}
	return MHD_YES;
}

/* Why the request's framing is ambiguous (RFC 9112 §6.3: a proxy and this server
 * could split the stream differently), or NULL. */
const char *http_intake_framing_problem(struct MHD_Connection *c)
{
	struct framing f = {0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, framing_header, &f);
	if (f.lengths_differ)
		return "the request has more than one Content-Length";
	if (f.length && f.chunked)
		return "the request has both Content-Length and Transfer-Encoding";
	return NULL;
}

