/*
 * The access review as CSV for a spreadsheet: UTF-8 with a byte-order mark (so
 * Excel reads Vietnamese names as UTF-8), CRLF line ends, RFC 4180 quoting. Text
 * that a spreadsheet would run as a formula (starting with = + - @, TAB or CR) is
 * prefixed with a quote: names and reasons come from people and must stay text.
 * Numbers and times are ours and are written as they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/html.h"
#include "review/review.h"

struct out {
	char *b;
	size_t len, cap;
	int err;
};

static void raw(struct out *o, const char *s)
{
	o->err |= html_put(&o->b, &o->len, &o->cap, s, false);
}

/* One cell; `text` when the value may come from a person. */
static void cell(struct out *o, const char *s, bool text, bool first)
{
	if (!first)
		raw(o, ",");
	s = s ? s : "";
	bool formula = text && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
				s[0] == '\r');
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		raw(o, "\"");
	if (formula)
		raw(o, "'");
	for (const char *p = s; *p; p++) {
		char one[2] = {*p, 0};
		raw(o, *p == '"' ? "\"\"" : one);
	}
	if (quote)
		raw(o, "\"");
}

static void text_cell(struct out *o, const json_t *obj, const char *key)
{
	cell(o, json_string_value(json_object_get(obj, key)), true, false);
}

static void int_cell(struct out *o, const json_t *v)
{
	char buf[32] = "";
	if (json_is_integer(v))
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, sizeof buf, "%s", json_is_true(v) ? "yes" : "no");
	cell(o, buf, false, false);
}

static void time_cell(struct out *o, const json_t *obj, const char *key)
{
	char buf[32];
	review_local_time(json_object_get(obj, key), buf, sizeof buf);
	cell(o, buf, false, false);
}

static const char header[] =
	"username,full_name,role,status,status_reason,created_at,last_sign_in_at,last_lookup_at,"
	"quota_per_minute,quota_per_day,used_today,used_month,second_factor,recovery_codes_left,"
	"password_changed_at,password_age_days,password_expires_at,password_expires_in_days,"
	"must_change_password,dormant_in_days,attention\r\n";

char *review_csv(const json_t *review, size_t *len)
{
	struct out o = {0};
	size_t i;
	const json_t *a;
	raw(&o, "\xEF\xBB\xBF");
	raw(&o, header);
	json_array_foreach(json_object_get(review, "accounts"), i, a) {
		const json_t *q = json_object_get(a, "quota");
		cell(&o, json_string_value(json_object_get(a, "username")), true, true);
		text_cell(&o, a, "full_name");
		text_cell(&o, a, "role");
		text_cell(&o, a, "status");
		text_cell(&o, a, "status_reason");
		time_cell(&o, a, "created_at");
		time_cell(&o, a, "last_sign_in_at");
		time_cell(&o, a, "last_lookup_at");
		int_cell(&o, json_object_get(q, "per_minute"));
		int_cell(&o, json_object_get(q, "per_day"));
		int_cell(&o, json_object_get(q, "used_today"));
		int_cell(&o, json_object_get(q, "used_month"));
		text_cell(&o, a, "second_factor");
		int_cell(&o, json_object_get(a, "recovery_codes_left"));
		time_cell(&o, a, "password_changed_at");
		int_cell(&o, json_object_get(a, "password_age_days"));
		time_cell(&o, a, "password_expires_at");
		int_cell(&o, json_object_get(a, "password_expires_in_days"));
		int_cell(&o, json_object_get(a, "must_change_password"));
		int_cell(&o, json_object_get(a, "dormant_in_days"));
		char att[160] = "";
		size_t k;
		const json_t *v;
		json_array_foreach(json_object_get(a, "attention"), k, v) {
			if (k)
				strncat(att, ";", sizeof att - strlen(att) - 1);
			strncat(att, json_string_value(v), sizeof att - strlen(att) - 1);
		}
		cell(&o, att, false, false);
		raw(&o, "\r\n");
	}
	if (o.err) {
		free(o.b);
		return NULL;
	}
	*len = o.len;
	return o.b;
}
