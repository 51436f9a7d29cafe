/*
 * Writers for the access-log scanner's results. Findings arrive ordered by first
 * time; the ban writers regroup them per address (sorted copy of pointers), so
 * each address appears once with every rule that caught it and the latest end.
 * JSON goes through jansson; nginx and nft text is written from validated
 * addresses only (the parser accepted them through inet_pton), so nothing a
 * log line holds can inject configuration.
 */
#include "detect/weblog_output.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

static const char *category_or_dash(const struct weblog_finding *f)
{
	return f->category[0] ? f->category : "-";
}

int weblog_output_table(FILE *out, const struct weblog_finding *f, size_t n)
{
	char first[32], last[32];
	if (n == 0)
		return fprintf(out, "no findings\n") < 0 ? -1 : 0;
	fprintf(out, "%-14s %-12s %-39s %8s  %-20s  %-20s\n", "RULE", "CATEGORY", "IP", "COUNT", "FIRST", "LAST");
	for (size_t i = 0; i < n; i++) {
		clock_format_rfc3339(f[i].first, first, sizeof first);
		clock_format_rfc3339(f[i].last, last, sizeof last);
		fprintf(out, "%-14s %-12s %-39s %8llu  %-20s  %-20s%s\n", weblog_rule_name(f[i].rule),
			category_or_dash(&f[i]), f[i].ip, (unsigned long long)f[i].count, first, last,
			f[i].allowlisted ? "  (allowlisted: not banned)" : "");
		if (f[i].n_samples) {
			/* control characters from the log must not drive the terminal */
			fputs("    e.g. ", out);
			const char *s = f[i].sample[0];
			for (size_t k = 0; s[k] && k < 200; k++)
				fputc((unsigned char)s[k] < 0x20 || s[k] == 0x7f ? '?' : s[k], out);
			fputc('\n', out);
		}
	}
	return ferror(out) ? -1 : 0;
}

int weblog_output_json(FILE *out, const struct weblog_finding *f, size_t n, int ban_seconds)
{
	char first[32], last[32], until[32];
	for (size_t i = 0; i < n; i++) {
		clock_format_rfc3339(f[i].first, first, sizeof first);
		clock_format_rfc3339(f[i].last, last, sizeof last);
		clock_format_rfc3339(f[i].last + ban_seconds, until, sizeof until);
		json_t *samples = json_array();
		for (int s = 0; s < f[i].n_samples; s++) {
			/* a log line need not be UTF-8: jansson refuses such strings */
			json_t *v = json_string(f[i].sample[s]);
			if (!v) {
				char *c = strdup(f[i].sample[s]);
				for (char *p = c; p && *p; p++)
					if ((unsigned char)*p >= 0x80)
						*p = '?';
				v = c ? json_string(c) : NULL;
				free(c);
			}
			if (v)
				json_array_append_new(samples, v);
		}
		json_t *o = json_pack("{s:s, s:o, s:s, s:I, s:s, s:s, s:o, s:b, s:o}", "rule",
				      weblog_rule_name(f[i].rule), "category",
				      f[i].category[0] ? json_string(f[i].category) : json_null(), "ip", f[i].ip,
				      "count", (json_int_t)f[i].count, "first", first, "last", last, "sample",
				      samples, "allowlisted", f[i].allowlisted, "ban_until",
				      f[i].allowlisted ? json_null() : json_string(until));
		if (!o)
			return -1;
		char *text = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (!text)
			return -1;
		fprintf(out, "%s\n", text);
		free(text);
	}
	return ferror(out) ? -1 : 0;
}

static int by_addr(const void *pa, const void *pb)
{
	const struct weblog_finding *a = *(const struct weblog_finding *const *)pa;
	const struct weblog_finding *b = *(const struct weblog_finding *const *)pb;
	int c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

/* The bannable findings sorted by address; the caller frees. */
static const struct weblog_finding **ban_list(const struct weblog_finding *f, size_t n, size_t *m)
{
	const struct weblog_finding **v = malloc((n ? n : 1) * sizeof *v);
	*m = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!f[i].allowlisted)
			v[(*m)++] = &f[i];
	qsort(v, *m, sizeof *v, by_addr);
	return v;
}

int weblog_output_nginx_deny(FILE *out, const struct weblog_finding *f, size_t n, int ban_seconds)
{
	size_t m;
	const struct weblog_finding **v = ban_list(f, n, &m);
	if (!v)
		return -1;
	int count = 0;
	fprintf(out, "# canhgac scan: addresses to deny (include from an http or server block).\n"
		     "# Each comment names the rules and when the ban ends in the log's time.\n");
	for (size_t i = 0; i < m;) {
		size_t j = i;
		int64_t last = v[i]->last;
		fprintf(out, "deny %s; #", v[i]->ip);
		for (; j < m && !memcmp(v[j]->addr, v[i]->addr, 16); j++) {
			fprintf(out, " %s%s%s", weblog_rule_name(v[j]->rule), v[j]->category[0] ? "/" : "",
				v[j]->category);
			if (v[j]->last > last)
				last = v[j]->last;
		}
		char until[32];
		clock_format_rfc3339(last + ban_seconds, until, sizeof until);
		fprintf(out, " until %s\n", until);
		count++;
		i = j;
	}
	free(v);
	return ferror(out) ? -1 : count;
}

int weblog_output_nftables(FILE *out, const struct weblog_finding *f, size_t n, int ban_seconds)
{
	size_t m;
	const struct weblog_finding **v = ban_list(f, n, &m);
	if (!v)
		return -1;
	int count = 0;
	fprintf(out, "#!/usr/sbin/nft -f\n"
		     "# canhgac scan: bans with timeouts. Load with `nft -f FILE`; loading again\n"
		     "# refreshes the timeouts and leaves other tables alone.\n"
		     "add table inet canhgac\n"
		     "add set inet canhgac banned { type ipv4_addr; flags timeout; }\n"
		     "add set inet canhgac banned6 { type ipv6_addr; flags timeout; }\n"
		     "add chain inet canhgac input { type filter hook input priority -10; policy accept; }\n"
		     "flush chain inet canhgac input\n"
		     "add rule inet canhgac input ip saddr @banned drop\n"
		     "add rule inet canhgac input ip6 saddr @banned6 drop\n");
	for (size_t i = 0; i < m;) {
		size_t j = i;
		while (j < m && !memcmp(v[j]->addr, v[i]->addr, 16))
			j++;
		fprintf(out, "add element inet canhgac %s { %s timeout %ds }\n",
			strchr(v[i]->ip, ':') ? "banned6" : "banned", v[i]->ip, ban_seconds);
		count++;
		i = j;
	}
	free(v);
	return ferror(out) ? -1 : count;
}
