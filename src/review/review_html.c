/*
 * The access review as a printable page in Vietnamese ("Biên bản rà soát quyền
 * truy cập"): the agency, the policy it was reviewed against, a summary, one row
 * per account, and lines for the reviewers' signatures. Every value goes through
 * the HTML escaping of core/html.c; times are local (Asia/Ho_Chi_Minh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/html.h"
#include "review/review.h"

struct page {
	char *b;
	size_t len, cap;
	int err;
};

static void raw(struct page *p, const char *s)
{
	p->err |= html_put(&p->b, &p->len, &p->cap, s, false);
}

static void text(struct page *p, const char *s)
{
	p->err |= html_put(&p->b, &p->len, &p->cap, s, true);
}

static const char *vi(const char *s, const char *const (*map)[2])
{
	for (; s && (*map)[0]; map++)
		if (!strcmp(s, (*map)[0]))
			return (*map)[1];
	return s ? s : "";
}

static const char *const roles_vi[][2] = {{"admin", "Quản trị tỉnh"}, {"agency_admin", "Quản trị đơn vị"},
					  {"officer", "Cán bộ"}, {"auditor", "Thanh tra"}, {NULL, NULL}};
static const char *const status_vi[][2] = {{"active", "Đang hoạt động"}, {"locked", "Bị khóa tạm thời"},
					   {"suspended", "Bị đình chỉ (phát hiện bất thường)"},
					   {"disabled", "Đã vô hiệu hóa"}, {NULL, NULL}};
static const char *const totp_vi[][2] = {{"none", "Chưa có"}, {"pending", "Đang đăng ký"}, {"enabled", "Đã bật"},
					 {NULL, NULL}};
static const char *const attention_vi[][2] = {{"password_expired", "Mật khẩu đã hết hạn"},
					      {"password_expiring", "Mật khẩu sắp hết hạn"},
					      {"dormant_soon", "Sắp bị vô hiệu hóa do không đăng nhập"},
					      {"must_change_password", "Chưa đổi mật khẩu được cấp"},
					      {NULL, NULL}};

static void cell_time(struct page *p, const json_t *v)
{
	char buf[32];
	review_local_time(v, buf, sizeof buf);
	raw(p, "<td>");
	text(p, buf[0] ? buf : "—");
	raw(p, "</td>");
}

static void cell_text(struct page *p, const char *s)
{
	raw(p, "<td>");
	text(p, s && *s ? s : "—");
	raw(p, "</td>");
}

static void num(struct page *p, const json_t *v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
	text(p, json_is_integer(v) ? buf : "—");
}

static void account_row(struct page *p, const json_t *a)
{
	const json_t *q = json_object_get(a, "quota");
	const char *reason = json_string_value(json_object_get(a, "status_reason"));
	raw(p, "<tr>");
	cell_text(p, json_string_value(json_object_get(a, "username")));
	cell_text(p, json_string_value(json_object_get(a, "full_name")));
	cell_text(p, vi(json_string_value(json_object_get(a, "role")), roles_vi));
	raw(p, "<td>");
	text(p, vi(json_string_value(json_object_get(a, "status")), status_vi));
	if (reason && *reason) {
		raw(p, "<br><small>");
		text(p, reason);
		raw(p, "</small>");
	}
	raw(p, "</td>");
	cell_time(p, json_object_get(a, "created_at"));
	cell_time(p, json_object_get(a, "last_sign_in_at"));
	cell_time(p, json_object_get(a, "last_lookup_at"));
	raw(p, "<td>");
	num(p, json_object_get(q, "used_today"));
	raw(p, " / ");
	num(p, json_object_get(q, "used_month"));
	raw(p, "<br><small>hạn mức ");
	num(p, json_object_get(q, "per_minute"));
	raw(p, "/phút, ");
	num(p, json_object_get(q, "per_day"));
	raw(p, "/ngày</small></td>");
	cell_text(p, vi(json_string_value(json_object_get(a, "second_factor")), totp_vi));
	raw(p, "<td>");
	num(p, json_object_get(a, "password_age_days"));
	raw(p, " ngày<br><small>hết hạn ");
	char buf[32];
	review_local_time(json_object_get(a, "password_expires_at"), buf, sizeof buf);
	buf[10] = '\0'; /* the date is enough here */
	text(p, buf);
	raw(p, "</small></td><td>");
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(a, "attention"), i, v) {
		if (i)
			raw(p, "<br>");
		text(p, vi(json_string_value(v), attention_vi));
	}
	raw(p, "</td></tr>\n");
}

static void fact(struct page *p, const char *label, const char *value)
{
	raw(p, "<tr><th>");
	text(p, label);
	raw(p, "</th><td>");
	text(p, value);
	raw(p, "</td></tr>\n");
}

char *review_html(const json_t *review, size_t *len)
{
	struct page p = {0};
	const json_t *ag = json_object_get(review, "agency"), *pol = json_object_get(review, "policy"),
		     *sum = json_object_get(review, "summary"), *a;
	char buf[256], when[32];
	size_t i;
	raw(&p, "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
		"<title>Biên bản rà soát quyền truy cập</title><style>"
		"@page{size:A4 landscape;margin:12mm}body{font-family:serif;font-size:11pt;margin:1em}"
		"table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #444;padding:3px;"
		"vertical-align:top;text-align:left}table.accounts{font-size:9pt}small{color:#333}"
		".sign{display:flex;justify-content:space-around;margin-top:2em;text-align:center}"
		".sign div{width:30%;height:7em}</style></head><body>\n<h1>Biên bản rà soát quyền truy cập</h1>\n"
		"<table>\n");
	snprintf(buf, sizeof buf, "%s (%s)", json_string_value(json_object_get(ag, "name")),
		 json_string_value(json_object_get(ag, "code")));
	fact(&p, "Đơn vị", buf);
	review_local_time(json_object_get(review, "generated_at"), when, sizeof when);
	fact(&p, "Thời điểm lập (giờ Việt Nam)", when);
	fact(&p, "Người lập", json_string_value(json_object_get(review, "generated_by")));
	snprintf(buf, sizeof buf, "hôm nay %lld, tháng này %lld (hạn mức đơn vị %lld/ngày)",
		 (long long)json_integer_value(json_object_get(ag, "lookups_today")),
		 (long long)json_integer_value(json_object_get(ag, "lookups_month")),
		 (long long)json_integer_value(json_object_get(ag, "quota_per_day")));
	fact(&p, "Lượt tra cứu của đơn vị", buf);
	snprintf(buf, sizeof buf, "mật khẩu đổi tối đa %lld ngày một lần; tài khoản không đăng nhập %lld ngày bị vô hiệu hóa",
		 (long long)json_integer_value(json_object_get(pol, "password_max_age_days")),
		 (long long)json_integer_value(json_object_get(pol, "dormant_days")));
	fact(&p, "Chính sách", buf);
	snprintf(buf, sizeof buf,
		 "%lld tài khoản: %lld hoạt động, %lld bị khóa, %lld bị đình chỉ, %lld đã vô hiệu hóa; "
		 "%lld chưa bật xác thực hai yếu tố; %lld mật khẩu hết hạn; %lld cần xử lý",
		 (long long)json_integer_value(json_object_get(sum, "accounts")),
		 (long long)json_integer_value(json_object_get(sum, "active")),
		 (long long)json_integer_value(json_object_get(sum, "locked")),
		 (long long)json_integer_value(json_object_get(sum, "suspended")),
		 (long long)json_integer_value(json_object_get(sum, "disabled")),
		 (long long)json_integer_value(json_object_get(sum, "without_second_factor")),
		 (long long)json_integer_value(json_object_get(sum, "password_expired")),
		 (long long)json_integer_value(json_object_get(sum, "attention")));
	fact(&p, "Tóm tắt", buf);
	raw(&p, "</table>\n<table class=\"accounts\">\n<tr><th>Tài khoản</th><th>Họ và tên</th><th>Vai trò</th>"
		"<th>Trạng thái</th><th>Ngày tạo</th><th>Đăng nhập gần nhất</th><th>Tra cứu gần nhất</th>"
		"<th>Tra cứu hôm nay / tháng</th><th>Xác thực hai yếu tố</th><th>Tuổi mật khẩu</th>"
		"<th>Cần xử lý</th></tr>\n");
	json_array_foreach(json_object_get(review, "accounts"), i, a)
		account_row(&p, a);
	raw(&p, "</table>\n<p>Đề nghị thủ trưởng đơn vị xác nhận từng tài khoản còn cần thiết, đúng vai trò; "
		"tài khoản của người đã nghỉ việc hoặc chuyển công tác phải được vô hiệu hóa hoặc điều chuyển "
		"ngay.</p>\n<div class=\"sign\"><div><b>Người lập</b><br><i>(ký, ghi rõ họ tên)</i></div>"
		"<div><b>Thủ trưởng đơn vị</b><br><i>(ký, ghi rõ họ tên, đóng dấu)</i></div>"
		"<div><b>Trung tâm Công nghệ thông tin</b><br><i>(ký, ghi rõ họ tên)</i></div></div>\n"
		"</body></html>\n");
	if (p.err) {
		free(p.b);
		return NULL;
	}
	*len = p.len;
	return p.b;
}
