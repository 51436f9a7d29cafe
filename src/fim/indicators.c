/*
 * Building the indicators export. STIX 2.1 (OASIS, section 4.7 Indicator and
 * 4.5 Identity) requires of each object type, spec_version, id (type--UUID),
 * created and modified (timestamps with millisecond precision), and of an
 * indicator pattern, pattern_type and valid_from; this file fills exactly those
 * plus name, description, indicator_types, labels, a kill-chain phase and
 * created_by_ref pointing at the one identity. Ids are random v4 UUIDs: an
 * export is a report of what was seen, not a database of stable objects.
 */
#include "fim/indicators.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "fim/fim.h"
#include "store/store.h"

int fim_indicators_parse_since(const char *s, int64_t *out)
{
	int64_t day;
	char *end;
	if (!s || !*s)
		return -1;
	if (!clock_parse_rfc3339(s, out))
		return 0;
	if (!clock_parse_local_date(s, &day)) {
		*out = clock_local_day_start(day);
		return 0;
	}
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (s[0] >= '0' && s[0] <= '9' && !*end && !errno && v >= 0) {
		*out = v;
		return 0;
	}
	return -1;
}

void fim_indicators_uuid4(char out[37])
{
	unsigned char b[16];
	randombytes_buf(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
		 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

/* "2026-11-23T02:15:00.000Z": STIX wants created/modified to the millisecond. */
static void stix_time(int64_t t, char out[32])
{
	char s[32];
	if (clock_format_rfc3339(t, s, sizeof s) || strlen(s) < 2) {
		snprintf(out, 32, "1970-01-01T00:00:00.000Z");
		return;
	}
	s[strlen(s) - 1] = 0; /* drop the Z */
	snprintf(out, 32, "%s.000Z", s);
}

static json_t *stix_id(const char *type)
{
	char u[37], id[64];
	fim_indicators_uuid4(u);
	snprintf(id, sizeof id, "%s--%s", type, u);
	return json_string(id);
}

struct stix_ctx {
	json_t *objects;
	const char *identity_id;
	const char *now;
	int rc;
};

static int stix_add(struct stix_ctx *c, const char *name, const char *description, const char *pattern,
		    int64_t valid_from, int64_t valid_until, const char *label, const char *phase)
{
	char from[32], until[32];
	stix_time(valid_from, from);
	json_t *ind = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s, s:s, s:[s], s:[{s:s, s:s}]}",
				"type", "indicator", "spec_version", "2.1", "id", stix_id("indicator"),
				"created", c->now, "modified", c->now, "created_by_ref", c->identity_id,
				"name", name, "description", description, "indicator_types",
				"malicious-activity", "pattern", pattern, "pattern_type", "stix",
				"valid_from", from, "labels", label, "kill_chain_phases", "kill_chain_name",
				"lockheed-martin-cyber-kill-chain", "phase_name", phase);
	if (ind && valid_until > valid_from) {
		stix_time(valid_until, until);
		json_object_set_new(ind, "valid_until", json_string(until));
	}
	if (!ind || json_array_append_new(c->objects, ind)) {
		c->rc = FIM_ENOMEM;
		return 1;
	}
	return 0;
}

static int stix_webshell(const struct store_fim_finding *f, void *arg)
{
	char pattern[128], desc[1024], path[640];
	snprintf(pattern, sizeof pattern, "[file:hashes.'SHA-256' = '%s']", f->sha256);
	/* The path as text: a non-UTF-8 name must not make the bundle fail. */
	snprintf(desc, sizeof desc, "Web shell found in a web root at %s (rules: %.256s)",
		 fim_path_text(f->path, path, sizeof path), f->rule ? f->rule : "-");
	return stix_add(arg, "Web shell file", desc, pattern, f->seen_at, 0, "web-shell", "installation");
}

static int stix_block(const char *ip, const char *reason, int64_t created_at, int64_t expires_at,
		      void *arg)
{
	char pattern[128], desc[512];
	snprintf(pattern, sizeof pattern, "[%s:value = '%s']", strchr(ip, ':') ? "ipv6-addr" : "ipv4-addr",
		 ip);
	snprintf(desc, sizeof desc, "Address blocked by the gateway's detector: %s", reason ? reason : "-");
	return stix_add(arg, "Attacking IP address", desc, pattern, created_at, expires_at,
			"attacking-ip", "exploitation");
}

int fim_indicators_stix(struct store *st, int64_t since, int64_t now, const char *org, json_t **out)
{
	char now_s[32];
	stix_time(now, now_s);
	*out = NULL;
	json_t *identity_id = stix_id("identity");
	json_t *objects = json_array();
	json_t *bundle = json_pack("{s:s, s:o, s:o}", "type", "bundle", "id", stix_id("bundle"),
				   "objects", objects);
	if (!identity_id || !bundle) {
		json_decref(identity_id);
		json_decref(bundle);
		return FIM_ENOMEM;
	}
	json_t *identity = json_pack("{s:s, s:s, s:O, s:s, s:s, s:s, s:s}", "type", "identity",
				     "spec_version", "2.1", "id", identity_id, "created", now_s,
				     "modified", now_s, "name", org, "identity_class", "organization");
	struct stix_ctx c = {.objects = objects, .identity_id = json_string_value(identity_id), .now = now_s};
	int rc = FIM_OK;
	if (!identity || json_array_append_new(objects, identity)) {
		rc = FIM_ENOMEM;
		goto out;
	}
	if (store_fim_webshells_each(st, since, stix_webshell, &c) ||
	    store_fim_blocks_each(st, since, stix_block, &c)) {
		rc = c.rc ? c.rc : FIM_EIO;
		goto out;
	}
	*out = bundle;
	bundle = NULL;
out:
	json_decref(identity_id);
	json_decref(bundle);
	return rc;
}

struct csv_buf {
	char *s;
	size_t len, cap;
	int rc;
};

static int csv_put(struct csv_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->rc = FIM_ENOMEM;
			return 1;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
	return 0;
}

/* One field, quoted (RFC 4180) when it holds a comma, quote or line break. */
static int csv_field(struct csv_buf *b, const char *s, int last)
{
	int rc = 0;
	if (s[strcspn(s, ",\"\r\n")]) {
		rc |= csv_put(b, "\"", 1);
		for (const char *p = s; *p && !rc; p++)
			rc |= *p == '"' ? csv_put(b, "\"\"", 2) : csv_put(b, p, 1);
		rc |= csv_put(b, "\"", 1);
	} else {
		rc |= csv_put(b, s, strlen(s));
	}
	return rc | csv_put(b, last ? "\n" : ",", 1);
}

static int csv_row(struct csv_buf *b, const char *type, const char *value, int64_t first,
		   const char *source, const char *desc)
{
	char t[32];
	if (clock_format_rfc3339(first, t, sizeof t))
		t[0] = 0;
	return csv_field(b, type, 0) || csv_field(b, value, 0) || csv_field(b, t, 0) ||
	       csv_field(b, source, 0) || csv_field(b, desc, 1);
}

static int csv_webshell(const struct store_fim_finding *f, void *arg)
{
	char desc[1024], path[640];
	snprintf(desc, sizeof desc, "web shell at %s (rules: %.256s)", fim_path_text(f->path, path, sizeof path),
		 f->rule ? f->rule : "-");
	return csv_row(arg, "file-sha256", f->sha256, f->seen_at, "fim", desc);
}

static int csv_block(const char *ip, const char *reason, int64_t created_at, int64_t expires_at,
		     void *arg)
{
	(void)expires_at;
	return csv_row(arg, strchr(ip, ':') ? "ipv6" : "ipv4", ip, created_at, "detect",
		       reason ? reason : "blocked");
}

int fim_indicators_csv(struct store *st, int64_t since, char **out, size_t *len)
{
	struct csv_buf b = {0};
	static const char header[] = "type,value,first_seen,source,description\n";
	*out = NULL;
	if (csv_put(&b, header, sizeof header - 1))
		goto fail;
	if (store_fim_webshells_each(st, since, csv_webshell, &b) ||
	    store_fim_blocks_each(st, since, csv_block, &b))
		goto fail;
	*out = b.s;
	if (len)
		*len = b.len;
	return FIM_OK;
fail:
	free(b.s);
	return b.rc ? b.rc : FIM_EIO;
}
