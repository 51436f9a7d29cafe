/*
 * The initial incident report, "Mẫu số 03 — Báo cáo ban đầu sự cố mạng" of
 * Circular 20/2017/TT-BTTTT, in Vietnamese: the reporting organisation and the
 * affected system from [incident], the incident's own facts from the store. The
 * HTML is printable and escapes every value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/html.h"
#include "incident/incident.h"
#include "incident/report_int.h"

static const char *status_vi(const char *s)
{
	if (strcmp(s, "new") == 0)
		return "Mới phát hiện";
	if (strcmp(s, "investigating") == 0)
		return "Đang xác minh";
	if (strcmp(s, "contained") == 0)
		return "Đã ngăn chặn";
	if (strcmp(s, "reported") == 0)
		return "Đã báo cáo";
	return "Đã kết thúc";
}

static json_t *local_time(int64_t t)
{
	char buf[32];
	if (t <= 0 || clock_format_rfc3339(t, buf, sizeof buf))
		return json_null();
	return json_string(buf);
}

json_t *incident_report_json(struct store *st, const struct config *cfg, const struct store_incident *i,
			     int64_t now)
{
	(void)st;
	char desc[768];
	snprintf(desc, sizeof desc,
		 "Bộ phát hiện của canhgac ghi nhận %d cảnh báo (%s) liên quan đến %s%s. Mức độ: %s.", i->alert_count,
		 i->title, i->actor[0] ? "tài khoản " : "địa chỉ IP ", i->actor[0] ? i->actor : i->ip, i->severity);
	return json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:i}, s:s, s:o, s:s, "
			 "s:s, s:s, s:s, s:o, s:o, s:b, s:I}",
			 "form", "Mẫu số 03 — Báo cáo ban đầu sự cố mạng (Thông tư 20/2017/TT-BTTTT)",
			 "organisation", "name", cfg->incident.org_name, "address", cfg->incident.org_address, "phone", cfg->incident.org_phone, "email",
			 cfg->incident.org_email, "contact", "name", cfg->incident.contact_name, "phone", cfg->incident.contact_phone, "email",
			 cfg->incident.contact_email, "system", "name", cfg->incident.system_name, "domain", cfg->incident.system_domain, "public_ip",
			 cfg->incident.system_ip, "security_level", cfg->incident.system_level, "description", desc, "detected_at",
			 local_time(i->detected_at), "status", status_vi(i->status), "detection_method",
			 "Tự động: bộ phát hiện canhgac theo dõi nhật ký kiểm toán (quy tắc trong docs/DETECTION.md)",
			 "notified", "Quản trị viên hệ thống (cảnh báo tự động)", "support_requested", "Chưa",
			 "report_due_at", local_time(i->report_due_at), "report_time", local_time(now), "overdue",
			 incident_overdue(i, now), "incident_id", (json_int_t)i->id);
}

/* Appends text to a malloc'd buffer, HTML-escaped when esc (core/html.c). */
static int put(char **buf, size_t *len, size_t *cap, const char *s, bool esc)
{
	return html_put(buf, len, cap, s, esc);
}

static void row(char **b, size_t *l, size_t *c, const char *label, const json_t *v)
{
	char num[32];
	const char *s = json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		s = num;
	}
	put(b, l, c, "<tr><th>", false);
	put(b, l, c, label, true);
	put(b, l, c, "</th><td>", false);
	put(b, l, c, s ? s : "", true);
	put(b, l, c, "</td></tr>\n", false);
}

int incident_html_put(char **buf, size_t *len, size_t *cap, const char *s, bool esc)
{
	return put(buf, len, cap, s, esc);
}

void incident_html_row(char **buf, size_t *len, size_t *cap, const char *label, const json_t *v)
{
	row(buf, len, cap, label, v);
}

char *incident_report_html(const json_t *r, size_t *len)
{
	char *b = NULL;
	size_t l = 0, c = 0;
	const json_t *o = json_object_get(r, "organisation"), *p = json_object_get(r, "contact"),
		     *s = json_object_get(r, "system");
	put(&b, &l, &c,
	    "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Báo cáo ban đầu sự cố</title>"
	    "<style>body{font-family:serif;max-width:50em;margin:2em auto}th{text-align:left;width:40%}"
	    "td,th{border:1px solid #444;padding:4px}table{border-collapse:collapse;width:100%}</style></head><body>\n<h1>",
	    false);
	put(&b, &l, &c, json_string_value(json_object_get(r, "form")), true);
	put(&b, &l, &c, "</h1>\n<table>\n", false);
	row(&b, &l, &c, "1. Tên tổ chức báo cáo", json_object_get(o, "name"));
	row(&b, &l, &c, "Địa chỉ", json_object_get(o, "address"));
	row(&b, &l, &c, "Điện thoại", json_object_get(o, "phone"));
	row(&b, &l, &c, "Thư điện tử", json_object_get(o, "email"));
	row(&b, &l, &c, "2. Người liên hệ", json_object_get(p, "name"));
	row(&b, &l, &c, "Điện thoại", json_object_get(p, "phone"));
	row(&b, &l, &c, "Thư điện tử", json_object_get(p, "email"));
	row(&b, &l, &c, "3. Hệ thống bị sự cố", json_object_get(s, "name"));
	row(&b, &l, &c, "Tên miền", json_object_get(s, "domain"));
	row(&b, &l, &c, "Địa chỉ IP công khai", json_object_get(s, "public_ip"));
	row(&b, &l, &c, "Cấp độ an toàn", json_object_get(s, "security_level"));
	row(&b, &l, &c, "4. Mô tả sơ bộ", json_object_get(r, "description"));
	row(&b, &l, &c, "5. Thời điểm phát hiện (UTC)", json_object_get(r, "detected_at"));
	row(&b, &l, &c, "6. Tình trạng hiện tại", json_object_get(r, "status"));
	row(&b, &l, &c, "7. Phương thức phát hiện", json_object_get(r, "detection_method"));
	row(&b, &l, &c, "8. Đã thông báo cho", json_object_get(r, "notified"));
	row(&b, &l, &c, "9. Đề nghị hỗ trợ", json_object_get(r, "support_requested"));
	row(&b, &l, &c, "Hạn báo cáo (UTC)", json_object_get(r, "report_due_at"));
	row(&b, &l, &c, "10. Thời gian báo cáo (UTC)", json_object_get(r, "report_time"));
	if (put(&b, &l, &c, "</table>\n</body></html>\n", false)) {
		free(b);
		return NULL;
	}
	*len = l;
	return b;
}
