/*
 * The access-log line parser. A text format (combined, common, or an operator's
 * nginx log_format) is compiled once into a list of items, literals and
 * variables; a line is matched left to right, each variable running up to the
 * next literal (backslash escapes skipped, as Apache writes \" and nginx \x22),
 * so a line costs one pass and no regex. JSON lines go through jansson and their
 * strings are copied into the parser's own buffer. The client address is
 * validated here (inet_pton) so the detector can key its tables on 16 bytes.
 */
#include "detect/weblog_parse.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

enum fmt_var {
	V_IGNORED, V_REMOTE_ADDR, V_REMOTE_USER, V_TIME_LOCAL, V_TIME_ISO8601, V_REQUEST, V_STATUS,
	V_BODY_BYTES_SENT, V_HTTP_REFERER, V_HTTP_USER_AGENT, V_REQUEST_TIME, V_REQUEST_METHOD,
	V_REQUEST_URI,
};

static const struct {
	const char *name;
	enum fmt_var var;
} fmt_vars[] = {
	{"remote_addr", V_REMOTE_ADDR}, {"remote_user", V_REMOTE_USER},
	{"time_local", V_TIME_LOCAL}, {"time_iso8601", V_TIME_ISO8601},
	{"request", V_REQUEST}, {"status", V_STATUS},
	{"body_bytes_sent", V_BODY_BYTES_SENT}, {"bytes_sent", V_BODY_BYTES_SENT},
	{"http_referer", V_HTTP_REFERER}, {"http_user_agent", V_HTTP_USER_AGENT},
	{"request_time", V_REQUEST_TIME}, {"request_method", V_REQUEST_METHOD},
	{"request_uri", V_REQUEST_URI},
};

struct fmt_item {
	bool literal;
	enum fmt_var var;
	char text[64];  /* literal */
	size_t len;
};

struct weblog_parser {
	enum weblog_input input;
	struct fmt_item items[WEBLOG_FORMAT_ITEMS_MAX];
	int n_items;
	int ok_end;      /* a line may end at any item boundary >= ok_end */
	bool trailing;   /* text after the last item is allowed */
	bool has_addr;
	/* the last $time_local text and its value: consecutive lines mostly share
	 * their second */
	char last_time[32];
	int64_t last_time_value;
	bool have_last_time;
	char buf[WEBLOG_LINE_MAX + 64]; /* JSON strings are copied here */
};

static int fmt_compile(struct weblog_parser *p, const char *fmt, char *why, size_t why_size)
{
	const char *s = fmt;
	while (*s) {
		if (p->n_items == WEBLOG_FORMAT_ITEMS_MAX) {
			snprintf(why, why_size, "log_format has more than %d parts", WEBLOG_FORMAT_ITEMS_MAX);
			return WEBLOG_EFORMAT;
		}
		struct fmt_item *it = &p->items[p->n_items];
		memset(it, 0, sizeof *it);
		if (*s == '$') {
			bool braced = s[1] == '{';
			const char *n = s + 1 + braced;
			size_t len = 0;
			while ((n[len] >= 'a' && n[len] <= 'z') || (n[len] >= '0' && n[len] <= '9') ||
			       n[len] == '_' || (n[len] >= 'A' && n[len] <= 'Z'))
				len++;
			if (len == 0 || (braced && n[len] != '}')) {
				snprintf(why, why_size, "log_format: bad variable at '%.20s'", s);
				return WEBLOG_EFORMAT;
			}
			if (p->n_items > 0 && !p->items[p->n_items - 1].literal) {
				snprintf(why, why_size,
					 "log_format: variables must be separated by text (at '%.20s')", s);
				return WEBLOG_EFORMAT;
			}
			it->var = V_IGNORED;
			for (size_t i = 0; i < sizeof fmt_vars / sizeof fmt_vars[0]; i++)
				if (strlen(fmt_vars[i].name) == len && !strncmp(fmt_vars[i].name, n, len))
					it->var = fmt_vars[i].var;
			if (it->var == V_REMOTE_ADDR)
				p->has_addr = true;
			s = n + len + braced;
		} else {
			it->literal = true;
			while (*s && *s != '$' && it->len < sizeof it->text - 1)
				it->text[it->len++] = *s++;
		}
		p->n_items++;
	}
	if (!p->has_addr) {
		snprintf(why, why_size, "log_format has no $remote_addr: findings are per client address");
		return WEBLOG_EFORMAT;
	}
	p->ok_end = p->n_items;
	return 0;
}

int weblog_parser_new(enum weblog_input input, const char *log_format, struct weblog_parser **out,
		      char *why, size_t why_size)
{
	struct weblog_parser *p = calloc(1, sizeof *p);
	if (!p)
		return WEBLOG_ENOMEM;
	p->input = input;
	if (input == WEBLOG_INPUT_TEXT) {
		bool builtin = !log_format || !*log_format;
		int rc = fmt_compile(p, builtin ? WEBLOG_FORMAT_COMBINED : log_format, why, why_size);
		if (rc) {
			free(p);
			return rc;
		}
		if (builtin) {
			/* common = combined up to $body_bytes_sent; many sites append
			 * fields (X-Forwarded-For, times) after the user agent */
			for (int i = 0; i < p->n_items; i++)
				if (!p->items[i].literal && p->items[i].var == V_BODY_BYTES_SENT)
					p->ok_end = i + 1;
			p->trailing = true;
		}
	}
	*out = p;
	return 0;
}

void weblog_parser_free(struct weblog_parser *p)
{
	free(p);
}

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int weblog_time_parse_local(const char *s, size_t len, int64_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	/* 10/Oct/2000:13:55:36 -0700 */
	if (len != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' ||
	    s[20] != ' ' || (s[21] != '+' && s[21] != '-'))
		return -1;
	int mon = -1;
	for (int i = 0; i < 12; i++)
		if (!memcmp(s + 3, months + 3 * i, 3))
			mon = i + 1;
	int d = digits(s, 2), y = digits(s + 7, 4), hh = digits(s + 12, 2), mm = digits(s + 15, 2),
	    ss = digits(s + 18, 2), oh = digits(s + 22, 2), om = digits(s + 24, 2);
	if (mon < 0 || d < 1 || d > 31 || y < 1970 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
	    ss < 0 || ss > 60 || oh < 0 || oh > 14 || om < 0 || om > 59)
		return -1;
	int64_t t = days_from_civil(y, mon, d) * 86400 + hh * 3600 + mm * 60 + ss;
	int64_t off = (int64_t)(oh * 3600 + om * 60);
	*out = s[21] == '+' ? t - off : t + off;
	return 0;
}

/* Dotted-quad IPv4 as inet_pton takes it (four decimal parts up to 255, no
 * leading zeros), into the last 4 bytes of `out`; 0 or -1. */
static int addr_parse4(const char *s, unsigned char *out)
{
	for (int part = 0; part < 4; part++) {
		if (part && *s++ != '.')
			return -1;
		if (*s < '0' || *s > '9')
			return -1;
		unsigned v = (unsigned)(*s++ - '0');
		for (int k = 0; k < 2 && *s >= '0' && *s <= '9'; k++) {
			if (v == 0)
				return -1; /* leading zero */
			v = v * 10 + (unsigned)(*s++ - '0');
		}
		if (v > 255 || (*s >= '0' && *s <= '9'))
			return -1;
		out[part] = (unsigned char)v;
	}
	return *s ? -1 : 0;
}

/* Validates an address, keeping the text in e->ip and the binary form (IPv4 as
 * ::ffff:a.b.c.d) in e->addr; 0 or -1. */
static int addr_check(const char *s, struct weblog_entry *e)
{
	memset(e->addr, 0, sizeof e->addr);
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, e->addr) != 1)
			return -1;
	} else {
		if (addr_parse4(s, e->addr + 12))
			return -1;
		e->addr[10] = e->addr[11] = 0xff;
	}
	e->has_addr = true;
	return 0;
}

/* "GET /x HTTP/1.1" into method, uri, protocol (in place). */
static void request_split(char *r, struct weblog_entry *e)
{
	char *sp1 = strchr(r, ' ');
	bool http = sp1 && sp1 > r;
	for (char *c = r; http && c < sp1; c++)
		if (*c < 'A' || *c > 'Z')
			http = false;
	if (!http) {
		e->method = "";
		e->uri = r;
		return;
	}
	*sp1 = '\0';
	e->method = r;
	char *u = sp1 + 1;
	char *sp2 = strrchr(u, ' ');
	if (sp2 && !strncmp(sp2 + 1, "HTTP/", 5)) {
		*sp2 = '\0';
		e->protocol = sp2 + 1;
	}
	e->uri = u;
}

static void entry_init(struct weblog_entry *e)
{
	memset(e, 0, sizeof *e);
	e->ip = e->user = e->method = e->uri = e->protocol = e->referer = e->user_agent = "";
	e->bytes = -1;
	e->request_time = -1;
}

/* The end of a variable's value: the next unescaped occurrence of `lit` (one
 * preceded by an odd run of backslashes since `s` is escaped), found with memchr
 * on the literal's first byte. */
static const char *value_end(const char *s, const char *end, const struct fmt_item *lit)
{
	const char *c = s;
	while (c + lit->len <= end) {
		c = memchr(c, lit->text[0], (size_t)(end - c) - lit->len + 1);
		if (!c)
			return NULL;
		if (!memcmp(c, lit->text, lit->len)) {
			size_t bs = 0;
			while (lit->text[0] != '\\' && c - bs > s && c[-(ptrdiff_t)bs - 1] == '\\')
				bs++;
			if (bs % 2 == 0)
				return c;
		}
		c++;
	}
	return NULL;
}

/* Unsigned decimal of exactly `len` digits (at most 18); -1 otherwise. */
static long long decimal(const char *s, size_t len)
{
	if (len == 0 || len > 18)
		return -1;
	long long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int set_var(struct weblog_parser *p, enum fmt_var v, char *val, size_t len, struct weblog_entry *e)
{
	char *endp;
	switch (v) {
	case V_IGNORED:
		return 0;
	case V_REMOTE_ADDR:
		e->ip = val;
		return addr_check(val, e);
	case V_REMOTE_USER:
		e->user = val;
		return 0;
	case V_TIME_LOCAL:
		if (len == 26 && p->have_last_time && !memcmp(p->last_time, val, 26)) {
			e->time = p->last_time_value;
			return 0;
		}
		if (weblog_time_parse_local(val, len, &e->time))
			return -1;
		memcpy(p->last_time, val, 26);
		p->last_time_value = e->time;
		p->have_last_time = true;
		return 0;
	case V_TIME_ISO8601:
		return clock_parse_rfc3339(val, &e->time);
	case V_REQUEST:
		request_split(val, e);
		return 0;
	case V_REQUEST_METHOD:
		e->method = val;
		return 0;
	case V_REQUEST_URI:
		e->uri = val;
		return 0;
	case V_STATUS:
		e->status = len == 3 ? digits(val, 3) : -1;
		return e->status < 100 ? -1 : 0;
	case V_BODY_BYTES_SENT:
		if (!strcmp(val, "-")) {
			e->bytes = 0;
			return 0;
		}
		e->bytes = decimal(val, len);
		if (e->bytes >= 0)
			return 0;
		e->bytes = strtoll(val, &endp, 10);
		return len && *endp == '\0' && e->bytes >= 0 ? 0 : -1;
	case V_HTTP_REFERER:
		e->referer = val;
		return 0;
	case V_HTTP_USER_AGENT:
		e->user_agent = val;
		return 0;
	case V_REQUEST_TIME:
		e->request_time = strtod(val, &endp);
		return 0;
	}
	return 0;
}

static int parse_text(struct weblog_parser *p, char *line, size_t len, struct weblog_entry *e)
{
	size_t start[WEBLOG_FORMAT_ITEMS_MAX], vlen[WEBLOG_FORMAT_ITEMS_MAX];
	const char *end = line + len;
	const char *pos = line;
	int i, done = -1;
	for (i = 0; i < p->n_items; i++) {
		const struct fmt_item *it = &p->items[i];
		if (pos == end && i >= p->ok_end) {
			done = i;
			break;
		}
		if (it->literal) {
			if ((size_t)(end - pos) < it->len || memcmp(pos, it->text, it->len))
				return WEBLOG_EMALFORMED;
			pos += it->len;
			continue;
		}
		const char *ve = end;
		if (i + 1 < p->n_items) {
			ve = value_end(pos, end, &p->items[i + 1]);
			if (!ve && i + 1 >= p->ok_end)
				ve = end; /* a common line ends after $body_bytes_sent */
			if (!ve)
				return WEBLOG_EMALFORMED;
		} else if (p->trailing) {
			ve = pos + strcspn(pos, " ");
		}
		start[i] = (size_t)(pos - line);
		vlen[i] = (size_t)(ve - pos);
		pos = ve;
	}
	if (done < 0)
		done = p->n_items;
	while (pos < end && (*pos == ' ' || *pos == '\r' || *pos == '\t') && !p->trailing)
		pos++;
	if (pos != end && !p->trailing)
		return WEBLOG_EMALFORMED;
	for (i = 0; i < done; i++)
		if (!p->items[i].literal)
			line[start[i] + vlen[i]] = '\0';
	for (i = 0; i < done; i++) {
		if (p->items[i].literal)
			continue;
		char *v = line + start[i];
		if (set_var(p, p->items[i].var, v, vlen[i], e))
			return WEBLOG_EMALFORMED;
	}
	return 0;
}

/* Copies a JSON string member (first of `names` present) into the parser's buffer. */
static const char *json_str(struct weblog_parser *p, size_t *used, json_t *o, const char *const *names)
{
	for (; *names; names++) {
		json_t *v = json_object_get(o, *names);
		if (!json_is_string(v))
			continue;
		size_t n = json_string_length(v);
		if (*used + n + 1 > sizeof p->buf)
			return "";
		char *dst = p->buf + *used;
		memcpy(dst, json_string_value(v), n);
		dst[n] = '\0';
		*used += n + 1;
		return dst;
	}
	return "";
}

static int parse_json(struct weblog_parser *p, const char *line, size_t len, struct weblog_entry *e)
{
	static const char *const k_ip[] = {"remote_addr", "ip", "client_ip", "client", NULL};
	static const char *const k_time[] = {"time", "time_iso8601", "time_local", "timestamp", "@timestamp", NULL};
	static const char *const k_method[] = {"method", "request_method", NULL};
	static const char *const k_uri[] = {"request_uri", "uri", "path", "url", NULL};
	static const char *const k_request[] = {"request", NULL};
	static const char *const k_ua[] = {"http_user_agent", "user_agent", "ua", NULL};
	static const char *const k_ref[] = {"http_referer", "referer", "referrer", NULL};
	static const char *const k_user[] = {"remote_user", "user", NULL};
	int rc = WEBLOG_EMALFORMED;
	size_t used = 0;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(o))
		goto out;
	e->ip = json_str(p, &used, o, k_ip);
	if (addr_check(e->ip, e))
		goto out;
	e->user = json_str(p, &used, o, k_user);
	e->user_agent = json_str(p, &used, o, k_ua);
	e->referer = json_str(p, &used, o, k_ref);
	const char *req = json_str(p, &used, o, k_request);
	if (*req)
		request_split((char *)req, e);
	const char *m = json_str(p, &used, o, k_method);
	if (*m)
		e->method = m;
	const char *u = json_str(p, &used, o, k_uri);
	if (*u)
		e->uri = u;
	json_t *t = NULL;
	for (const char *const *k = k_time; *k && !t; k++)
		t = json_object_get(o, *k);
	if (json_is_integer(t) || json_is_real(t)) {
		e->time = (int64_t)json_number_value(t);
	} else if (json_is_string(t)) {
		const char *ts = json_string_value(t);
		if (weblog_time_parse_local(ts, strlen(ts), &e->time) && clock_parse_rfc3339(ts, &e->time))
			goto out;
	} else {
		goto out;
	}
	json_t *st = json_object_get(o, "status");
	if (json_is_integer(st))
		e->status = (int)json_integer_value(st);
	else if (json_is_string(st))
		e->status = atoi(json_string_value(st));
	if (e->status < 100 || e->status > 999)
		goto out;
	json_t *b = json_object_get(o, "body_bytes_sent");
	if (!b)
		b = json_object_get(o, "bytes");
	if (json_is_integer(b))
		e->bytes = json_integer_value(b);
	else if (json_is_string(b))
		e->bytes = atoll(json_string_value(b));
	json_t *rt = json_object_get(o, "request_time");
	if (json_is_number(rt))
		e->request_time = json_number_value(rt);
	else if (json_is_string(rt))
		e->request_time = atof(json_string_value(rt));
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int weblog_parse_line(struct weblog_parser *p, char *line, size_t len, struct weblog_entry *e)
{
	entry_init(e);
	if (len > WEBLOG_LINE_MAX)
		return WEBLOG_EMALFORMED;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	line[len] = '\0';
	if (p->input == WEBLOG_INPUT_JSON)
		return parse_json(p, line, len, e);
	return parse_text(p, line, len, e);
}
