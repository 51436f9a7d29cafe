/*
 * The review model: the agency, the policy it was reviewed against, a summary,
 * and one object per account from store_review_accounts with the reminders of
 * auth (password expiry, dormancy, attention) and the quota limits in force.
 */
#include "review/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/staff.h"
#include "core/clock.h"
#include "core/config.h"
#include "quota/quota.h"
#include "store/store.h"

static json_t *time_json(int64_t t)
{
	char buf[32];
	if (t <= 0 || clock_format_rfc3339(t, buf, sizeof buf))
		return json_null();
	return json_string(buf);
}

static int role_in_list(const char *item, void *arg)
{
	return strcmp(item, (const char *)arg) == 0;
}

static int list_item(const char *item, void *arg)
{
	json_array_append_new(arg, json_string(item));
	return 0;
}

struct build {
	const struct config *cfg;
	const struct store_agency *agency;
	int64_t now;
	json_t *accounts, *summary;
};

static void count(json_t *summary, const char *key)
{
	json_t *v = json_object_get(summary, key);
	if (v)
		json_integer_set(v, json_integer_value(v) + 1);
}

static int account_one(const struct store_review_row *r, void *arg)
{
	struct build *b = arg;
	const struct store_user *u = &r->user;
	static const char *const totp[] = {"none", "pending", "enabled"};
	struct auth_reminders rem;
	struct quota_limits lim;
	auth_reminders_get(b->cfg, u, b->now, &rem);
	quota_limits_resolve(b->cfg, u, b->agency, &lim);
	json_t *att = json_array();
	for (int i = 0; i < AUTH_ATTN_COUNT; i++)
		if (rem.attention & (1u << i))
			json_array_append_new(att, json_string(auth_attention_name(i)));
	bool required = config_list_each(b->cfg->totp.required_roles, role_in_list, (void *)u->role) != 0;
	int ts = r->totp >= 0 && r->totp <= 2 ? r->totp : 0;
	json_t *a = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)u->id, "username",
			      u->username, "full_name", u->full_name, "role", u->role, "status", u->status,
			      "status_reason", u->status_reason, "created_at", time_json(u->created_at),
			      "last_sign_in_at", time_json(u->last_login_at), "last_lookup_at",
			      time_json(r->last_lookup_at));
	if (!a) {
		json_decref(att);
		return 1;
	}
	json_object_set_new(a, "quota", json_pack("{s:i, s:i, s:I, s:I}", "per_minute", lim.user_per_minute, "per_day",
						  lim.user_per_day, "used_today", (json_int_t)r->used_today,
						  "used_month", (json_int_t)r->used_month));
	json_object_set_new(a, "second_factor", json_string(totp[ts]));
	json_object_set_new(a, "second_factor_required", json_boolean(required));
	json_object_set_new(a, "recovery_codes_left", json_integer(ts == STORE_TOTP_ENABLED ? r->recovery_left : 0));
	json_object_set_new(a, "password_changed_at", time_json(u->password_changed_at));
	json_object_set_new(a, "password_age_days", json_integer(rem.password_age_days));
	json_object_set_new(a, "password_expires_at", time_json(rem.password_expires_at));
	json_object_set_new(a, "password_expires_in_days", json_integer(rem.password_expires_in_days));
	json_object_set_new(a, "must_change_password", json_boolean(u->must_change_password));
	json_object_set_new(a, "dormant_at", rem.dormant_applies ? time_json(rem.dormant_at) : json_null());
	json_object_set_new(a, "dormant_in_days", rem.dormant_applies ? json_integer(rem.dormant_in_days) : json_null());
	json_object_set_new(a, "attention", att);
	json_array_append_new(b->accounts, a);

	count(b->summary, "accounts");
	count(b->summary, u->status);
	if (ts != STORE_TOTP_ENABLED)
		count(b->summary, "without_second_factor");
	if (rem.attention & AUTH_ATTN_PASSWORD_EXPIRED)
		count(b->summary, "password_expired");
	if (rem.attention)
		count(b->summary, "attention");
	return 0;
}

int review_build(struct store *st, const struct config *cfg, const char *agency, const char *by, int64_t now,
		 json_t **out)
{
	struct store_agency ag;
	struct quota_limits lim;
	int64_t today = clock_local_day(now), month_first, today_n = 0, month_n = 0;
	int y, m, d, wd;
	*out = NULL;
	if (!agency || !*agency)
		return REVIEW_ENOTFOUND;
	int rc = store_agency_get(st, agency, &ag);
	if (rc)
		return rc == STORE_ENOTFOUND ? REVIEW_ENOTFOUND : REVIEW_ESTORE;
	clock_local_date(now, &y, &m, &d, &wd);
	month_first = today - (d - 1);
	quota_limits_resolve(cfg, NULL, &ag, &lim);
	if (store_review_agency_usage(st, agency, today, today, &today_n) ||
	    store_review_agency_usage(st, agency, month_first, today, &month_n))
		return REVIEW_ESTORE;
	json_t *roles = json_array();
	config_list_each(cfg->totp.required_roles, list_item, roles);
	struct build b = {cfg, &ag, now, json_array(),
			  json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "accounts", 0, "active", 0, "locked", 0,
				    "suspended", 0, "disabled", 0, "without_second_factor", 0, "password_expired", 0,
				    "attention", 0)};
	json_t *r = json_pack("{s:{s:s, s:s, s:i, s:I, s:I}, s:o, s:s, s:{s:i, s:i, s:i, s:i, s:o}}", "agency", "code",
			      ag.code, "name", ag.name, "quota_per_day", lim.agency_per_day, "lookups_today",
			      (json_int_t)today_n, "lookups_month", (json_int_t)month_n, "generated_at", time_json(now),
			      "generated_by", by ? by : "", "policy", "password_max_age_days", cfg->password.max_age_days,
			      "password_warn_days", cfg->password.warn_days, "dormant_days", cfg->accounts.dormant_days,
			      "dormant_warn_days", cfg->accounts.dormant_warn_days, "totp_required_roles", roles);
	if (!r || !b.accounts || !b.summary ||
	    store_review_accounts(st, agency, today, month_first, account_one, &b)) {
		json_decref(r);
		json_decref(b.accounts);
		json_decref(b.summary);
		return REVIEW_ESTORE;
	}
	json_object_set_new(r, "summary", b.summary);
	json_object_set_new(r, "accounts", b.accounts);
	*out = r;
	return REVIEW_OK;
}

int review_format_parse(const char *s, enum review_format *out)
{
	if (!s || !*s || !strcmp(s, "json"))
		*out = REVIEW_JSON;
	else if (!strcmp(s, "csv"))
		*out = REVIEW_CSV;
	else if (!strcmp(s, "html"))
		*out = REVIEW_HTML;
	else
		return REVIEW_EINVAL;
	return REVIEW_OK;
}

int review_render(const json_t *review, enum review_format f, char **body, size_t *len,
		  const char **content_type)
{
	*body = NULL;
	*len = 0;
	if (f == REVIEW_CSV) {
		*body = review_csv(review, len);
		*content_type = "text/csv; charset=utf-8";
	} else if (f == REVIEW_HTML) {
		*body = review_html(review, len);
		*content_type = "text/html; charset=utf-8";
	} else {
		*body = json_dumps(review, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		*len = *body ? strlen(*body) : 0;
		*content_type = "application/json";
	}
	return *body ? REVIEW_OK : REVIEW_ESTORE;
}

void review_local_time(const json_t *rfc3339, char *out, size_t size)
{
	int64_t t;
	int y, m, d, wd;
	const char *s = json_string_value(rfc3339);
	out[0] = '\0';
	if (!s || clock_parse_rfc3339(s, &t))
		return;
	clock_local_date(t, &y, &m, &d, &wd);
	int sec = clock_local_seconds_of_day(t);
	snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, sec / 3600, sec / 60 % 60, sec % 60);
}
