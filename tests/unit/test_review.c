/*
 * Reminders and the access review: password expiry and dormancy reminders on
 * the days they start (injected times), none for disabled accounts; the review
 * of an agency from a real store (its accounts only, quota use, second factor);
 * the CSV (BOM, header, RFC 4180 quoting, formulas kept as text, CRLF) and the
 * HTML (every value escaped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "auth/staff.h"
#include "core/clock.h"
#include "core/config.h"
#include "review/review.h"
#include "store/store.h"

#define T0 1790000000 /* 2026-09-21 */
#define DAY 86400

static void base_user(struct store_user *u)
{
	memset(u, 0, sizeof *u);
	strcpy(u->username, "cb.a");
	strcpy(u->status, "active");
	u->created_at = u->password_changed_at = u->last_login_at = T0;
}

static void test_reminders(void **state)
{
	(void)state;
	struct config cfg;
	struct store_user u;
	struct auth_reminders r;
	config_defaults(&cfg); /* 90 days, warned 14 before; dormant 45, warned 7 before */
	base_user(&u);
	auth_reminders_get(&cfg, &u, T0, &r);
	assert_int_equal(r.password_expires_at, T0 + 90 * DAY);
	assert_int_equal(r.password_expires_in_days, 90);
	assert_int_equal(r.password_age_days, 0);
	assert_true(r.dormant_applies);
	assert_int_equal(r.dormant_at, T0 + 45 * DAY);
	assert_int_equal(r.dormant_in_days, 45);
	assert_int_equal(r.attention, 0);
	auth_reminders_get(&cfg, &u, T0 + 38 * DAY - 1, &r);
	assert_int_equal(r.attention, 0);
	auth_reminders_get(&cfg, &u, T0 + 38 * DAY, &r);
	assert_int_equal(r.attention, AUTH_ATTN_DORMANT_SOON);
	assert_int_equal(r.dormant_in_days, 7);
	/* a sign-in starts the dormancy count again */
	u.last_login_at = T0 + 60 * DAY;
	auth_reminders_get(&cfg, &u, T0 + 76 * DAY - 1, &r);
	assert_int_equal(r.attention, 0);
	auth_reminders_get(&cfg, &u, T0 + 76 * DAY, &r);
	assert_int_equal(r.attention, AUTH_ATTN_PASSWORD_EXPIRING);
	assert_int_equal(r.password_expires_in_days, 14);
	assert_int_equal(r.password_age_days, 76);
	auth_reminders_get(&cfg, &u, T0 + 90 * DAY, &r);
	assert_int_equal(r.attention, AUTH_ATTN_PASSWORD_EXPIRED);
	assert_int_equal(r.password_expires_in_days, 0);
	auth_reminders_get(&cfg, &u, T0 + 95 * DAY, &r);
	assert_int_equal(r.password_expires_in_days, -5);
	u.must_change_password = true;
	auth_reminders_get(&cfg, &u, T0 + DAY, &r);
	assert_int_equal(r.attention, AUTH_ATTN_MUST_CHANGE);
	/* nothing to remind of a disabled or suspended account */
	strcpy(u.status, "disabled");
	auth_reminders_get(&cfg, &u, T0 + 95 * DAY, &r);
	assert_false(r.dormant_applies);
	assert_int_equal(r.attention, 0);
	strcpy(u.status, "suspended");
	auth_reminders_get(&cfg, &u, T0 + 95 * DAY, &r);
	assert_int_equal(r.attention, 0);
	assert_string_equal(auth_attention_name(0), "password_expired");
	assert_string_equal(auth_attention_name(3), "must_change_password");
	assert_string_equal(auth_attention_name(4), "");
}

/* A model with the fields the renderers read, one account named `name`. */
static json_t *model(const char *name, const char *reason)
{
	return json_pack("{s:{s:s, s:s, s:i, s:i, s:i}, s:s, s:s, s:{s:i, s:i}, s:{s:i}, s:[{s:s, s:s, s:s, s:s, "
			 "s:s, s:s, s:n, s:n, s:{s:i, s:i, s:i, s:i}, s:s, s:i, s:s, s:i, s:s, s:i, s:b, s:i, s:[s]}]}",
			 "agency", "code", "SO.A", "name", "Sở <A> & \"B\"", "quota_per_day", 5000, "lookups_today", 1,
			 "lookups_month", 2, "generated_at", "2026-11-23T05:00:00Z", "generated_by", "admin", "policy",
			 "password_max_age_days", 90, "dormant_days", 45, "summary", "accounts", 1, "accounts",
			 "username", "cb.a", "full_name", name, "role", "officer", "status", "disabled",
			 "status_reason", reason, "created_at", "2026-11-22T17:30:00Z", "last_sign_in_at",
			 "last_lookup_at", "quota", "per_minute", 10, "per_day", 200, "used_today", 3, "used_month", 57,
			 "second_factor", "none", "recovery_codes_left", 0, "password_changed_at",
			 "2026-11-22T17:30:00Z", "password_age_days", 5, "password_expires_at", "2027-02-20T17:30:00Z",
			 "password_expires_in_days", -2, "must_change_password", 0, "dormant_in_days", 40, "attention",
			 "password_expired");
}

static void test_csv(void **state)
{
	(void)state;
	json_t *m = model("=SUM(A1:A9),\"x\"", "-leave\nnow");
	assert_non_null(m);
	size_t len = 0;
	char *csv = review_csv(m, &len);
	assert_non_null(csv);
	assert_int_equal(len, strlen(csv));
	assert_memory_equal(csv, "\xEF\xBB\xBFusername,full_name,role,status,status_reason,created_at,", 57);
	const char *row = strstr(csv, "\r\n");
	assert_non_null(row);
	row += 2;
	/* formula kept as text and quoted (comma, quotes doubled); a reason with a
	 * newline quoted; local times (+07:00: the next day); a negative number stays
	 * a number */
	const char *want = "cb.a,\"'=SUM(A1:A9),\"\"x\"\"\",officer,disabled,\"'-leave\nnow\",2026-11-23 00:30:00,,,10,200,"
			   "3,57,none,0,2026-11-23 00:30:00,5,2027-02-21 00:30:00,-2,no,40,password_expired\r\n";
	assert_string_equal(row, want);
	free(csv);
	json_decref(m);
}

static void test_html(void **state)
{
	(void)state;
	json_t *m = model("<script>alert('x')</script>", "a & b");
	size_t len = 0;
	char *html = review_html(m, &len);
	assert_non_null(html);
	assert_null(strstr(html, "<script>"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
	assert_non_null(strstr(html, "Sở &lt;A&gt; &amp; &quot;B&quot; (SO.A)"));
	assert_non_null(strstr(html, "a &amp; b"));
	assert_non_null(strstr(html, "Mật khẩu đã hết hạn"));
	assert_non_null(strstr(html, "2026-11-23 12:00:00")); /* generated_at, local */
	free(html);
	json_decref(m);
	enum review_format f;
	assert_int_equal(review_format_parse(NULL, &f), 0);
	assert_int_equal(f, REVIEW_JSON);
	assert_int_equal(review_format_parse("csv", &f), 0);
	assert_int_equal(f, REVIEW_CSV);
	assert_int_equal(review_format_parse("CSV", &f), REVIEW_EINVAL);
}

static void test_review_from_store(void **state)
{
	(void)state;
	char dir[] = "/tmp/canhgac-test-review-XXXXXX", path[128], why[256], otp[AUTH_OTP_MAX], cmd[160];
	struct config cfg;
	struct store *st;
	struct auth_service svc;
	struct store_user u;
	const char *field;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/canhgac.db", dir);
	config_defaults(&cfg);
	cfg.password.hash_memory_mib = 19;
	cfg.password.hash_passes = 2;
	clock_set_fake(T0);
	assert_int_equal(store_open(path, STORE_OPEN_CREATE, &st, why, sizeof why), 0);
	assert_int_equal(auth_service_init(&svc, st, &cfg, NULL), 0);
	svc.data_dir = dir;
	assert_int_equal(auth_agency_create(&svc, NULL, "SO.A", "Sở A", 0, &field), 0);
	assert_int_equal(auth_agency_create(&svc, NULL, "SO.B", "Sở B", 0, &field), 0);
	struct auth_new_user a = {"cb.a", "Cán Bộ A", "SO.A", "officer"}, b = {"cb.b", "Cán Bộ B", "SO.B", "officer"},
			     q = {"qt.a", "Quản Trị A", "SO.A", "agency_admin"};
	assert_int_equal(auth_user_create(&svc, NULL, &a, &u, otp, &field), 0);
	assert_int_equal(auth_user_create(&svc, NULL, &b, &u, otp, &field), 0);
	assert_int_equal(auth_user_create(&svc, NULL, &q, &u, otp, &field), 0);
	/* two lookups of cb.a: yesterday and today (local days), one of cb.b */
	struct store_audit_lookup rows[3] = {
		{.seq = 1, .time = T0 - DAY, .local_day = clock_local_day(T0 - DAY), .actor = "cb.a", .agency = "SO.A"},
		{.seq = 2, .time = T0, .local_day = clock_local_day(T0), .actor = "cb.a", .agency = "SO.A"},
		{.seq = 3, .time = T0, .local_day = clock_local_day(T0), .actor = "cb.b", .agency = "SO.B"},
	};
	assert_int_equal(store_audit_project(st, rows, 3, 3), 0);
	json_t *r = NULL;
	assert_int_equal(review_build(st, &cfg, "NO.SUCH", "admin", T0, &r), REVIEW_ENOTFOUND);
	assert_int_equal(review_build(st, &cfg, "SO.A", "admin", T0, &r), REVIEW_OK);
	json_t *accts = json_object_get(r, "accounts");
	assert_int_equal(json_array_size(accts), 2);
	json_t *ca = json_array_get(accts, 0), *qa = json_array_get(accts, 1);
	assert_string_equal(json_string_value(json_object_get(ca, "username")), "cb.a");
	assert_string_equal(json_string_value(json_object_get(qa, "username")), "qt.a");
	json_t *quota = json_object_get(ca, "quota");
	assert_int_equal(json_integer_value(json_object_get(quota, "used_today")), 1);
	assert_int_equal(json_integer_value(json_object_get(quota, "used_month")), 2); /* 2026-09-20 and -21 */
	assert_int_equal(json_integer_value(json_object_get(quota, "per_day")), 200);
	assert_string_equal(json_string_value(json_object_get(ca, "last_lookup_at")), "2026-09-21T14:13:20Z");
	assert_true(json_is_null(json_object_get(qa, "last_lookup_at")));
	assert_true(json_is_true(json_object_get(qa, "second_factor_required")));
	assert_false(json_is_true(json_object_get(ca, "second_factor_required")));
	json_t *ag = json_object_get(r, "agency");
	assert_int_equal(json_integer_value(json_object_get(ag, "lookups_today")), 1);
	assert_int_equal(json_integer_value(json_object_get(ag, "lookups_month")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "summary"), "attention")), 2);
	json_decref(r);
	auth_service_free(&svc);
	store_close(st);
	clock_set_fake(0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reminders),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_review_from_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
