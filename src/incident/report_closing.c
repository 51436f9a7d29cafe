/*
 * The closing report, "Mẫu số 04 — Báo cáo kết thúc ứng phó sự cố" of Circular
 * 20/2017/TT-BTTTT, in Vietnamese, for a closed incident: the organisation and
 * system from [incident]; the summary, detection time and the handling timeline
 * from the incident, its alerts (the detector's own actions: suspensions, blocks)
 * and its notes (every status change and note, with author); the result, cause
 * and lessons from the closing note, whose lines may be labelled "Kết quả:" /
 * "Result:", "Nguyên nhân:" / "Cause:", "Bài học:" / "Kiến nghị:" / "Lessons:"
 * (unlabelled text counts as lessons); where a part is missing, what the
 * detector knows stands in. The reporter is the author of the closing note.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/config.h"
#include "incident/incident.h"
#include "incident/report_int.h"

#define TIMELINE_MAX 128
#define PART_MAX 2048

struct step {
	int64_t at;
	size_t ord; /* order of insertion: ties keep it (detection first) */
	char who[64];
	char what[STORE_NOTE_MAX + 128];
};

struct closing_ctx {
	const struct store_incident *inc;
	struct step steps[TIMELINE_MAX];
	size_t n;
	char result[PART_MAX], cause[PART_MAX], lessons[PART_MAX];
	char reporter[64];
	bool closing_seen;
	/* alerts */
	int alerts;
	char rules[512];
	bool suspended, blocked;
	int64_t first_alert;
};

static void step_add(struct closing_ctx *c, int64_t at, const char *who, const char *what)
{
	if (c->n >= TIMELINE_MAX)
		return;
	struct step *s = &c->steps[c->n];
	s->ord = c->n++;
	s->at = at;
	snprintf(s->who, sizeof s->who, "%s", who);
	snprintf(s->what, sizeof s->what, "%s", what);
}

static void append(char *dst, size_t size, const char *text, size_t len)
{
	size_t have = strlen(dst);
	if (have && have + 1 < size)
		dst[have++] = '\n', dst[have] = '\0';
	snprintf(dst + have, size - have, "%.*s", (int)len, text);
}

/* Splits a closing note into its labelled parts. */
static void parse_note(struct closing_ctx *c, const char *note)
{
	static const struct {
		const char *label;
		int part; /* 0 result, 1 cause, 2 lessons */
	} labels[] = {
		{"Kết quả:", 0},  {"Result:", 0},      {"Nguyên nhân:", 1},     {"Cause:", 1},
		{"Bài học:", 2},  {"Kiến nghị:", 2},   {"Lessons:", 2},         {"Recommendations:", 2},
	};
	int part = 2;
	for (const char *p = note; p && *p;) {
		size_t len = strcspn(p, "\n");
		const char *text = p;
		for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
			size_t ll = strlen(labels[i].label);
			if (len >= ll && strncasecmp(p, labels[i].label, ll) == 0) {
				part = labels[i].part;
				text = p + ll;
				while (*text == ' ' || *text == '\t')
					text++;
				break;
			}
		}
		size_t tl = len - (size_t)(text - p);
		if (tl)
			append(part == 0 ? c->result : part == 1 ? c->cause : c->lessons, PART_MAX, text, tl);
		p += len;
		if (*p == '\n')
			p++;
	}
}

static const char *status_name(const char *s)
{
	static const char *const names[][2] = {{"new", "mới phát hiện"},     {"investigating", "đang xác minh"},
					       {"contained", "đã ngăn chặn"}, {"reported", "đã báo cáo"},
					       {"closed", "đã kết thúc"}};
	for (size_t i = 0; i < 5; i++)
		if (strcmp(s, names[i][0]) == 0)
			return names[i][1];
	return s;
}

static int note_one(const struct store_incident_note *n, void *arg)
{
	struct closing_ctx *c = arg;
	char what[sizeof c->steps[0].what];
	if (strcmp(n->status_from, n->status_to) != 0)
		snprintf(what, sizeof what, "Chuyển trạng thái: %s → %s%s%s", status_name(n->status_from),
			 status_name(n->status_to), n->note[0] ? ". Ghi chú: " : "", n->note);
	else
		snprintf(what, sizeof what, "Ghi chú: %s", n->note);
	step_add(c, n->at, n->author, what);
	/* the closing note and any note made on the closed incident */
	if (strcmp(n->status_to, "closed") == 0) {
		if (!c->closing_seen)
			snprintf(c->reporter, sizeof c->reporter, "%s", n->author);
		c->closing_seen = true;
		parse_note(c, n->note);
	}
	return 0;
}

static int alert_one(const struct store_alert *a, void *arg)
{
	struct closing_ctx *c = arg;
	if (a->incident_id != c->inc->id)
		return 0;
	c->alerts++;
	if (!c->first_alert || a->created_at < c->first_alert)
		c->first_alert = a->created_at;
	size_t rl = strlen(a->rule);
	bool known = false;
	for (const char *p = c->rules; (p = strstr(p, a->rule)) != NULL; p += rl)
		if ((p == c->rules || p[-1] == ' ') && (p[rl] == ',' || p[rl] == '\0'))
			known = true;
	if (!known && strlen(c->rules) + rl + 3 < sizeof c->rules)
		snprintf(c->rules + strlen(c->rules), sizeof c->rules - strlen(c->rules), "%s%s",
			 c->rules[0] ? ", " : "", a->rule);
	char what[256];
	if (!c->suspended && strstr(a->detail, "\"suspended\":true")) {
		c->suspended = true;
		snprintf(what, sizeof what, "Tự động tạm khóa tài khoản %s (quy tắc %s)", a->actor, a->rule);
		step_add(c, a->created_at, "detector", what);
	}
	if (!c->blocked && strstr(a->detail, "\"blocked_seconds\"")) {
		c->blocked = true;
		snprintf(what, sizeof what, "Tự động chặn địa chỉ IP %s (quy tắc %s)", a->ip, a->rule);
		step_add(c, a->created_at, "detector", what);
	}
	return c->alerts >= 10000;
}

static int step_cmp(const void *a, const void *b)
{
	const struct step *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static json_t *time_or_null(int64_t t)
{
	char buf[32];
	return t > 0 && clock_format_rfc3339(t, buf, sizeof buf) == 0 ? json_string(buf) : json_null();
}

int incident_closing_report_json(struct store *st, const struct config *cfg, const struct store_incident *i,
				 int64_t now, json_t **out)
{
	*out = NULL;
	if (strcmp(i->status, "closed") != 0)
		return INCIDENT_ETRANSITION;
	struct closing_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return INCIDENT_ESTORE;
	c->inc = i;
	int rc = INCIDENT_ESTORE;
	char what[512];
	snprintf(what, sizeof what, "Phát hiện sự cố: %s (mức độ %s)", i->title, i->severity);
	step_add(c, i->detected_at, "detector", what);
	if (store_alert_list(st, NULL, i->detected_at, 10000, alert_one, c) ||
	    store_incident_notes(st, i->id, note_one, c))
		goto out;
	qsort(c->steps, c->n, sizeof c->steps[0], step_cmp);
	json_t *timeline = json_array();
	for (size_t k = 0; k < c->n; k++)
		json_array_append_new(timeline, json_pack("{s:o, s:s, s:s}", "at", time_or_null(c->steps[k].at),
							  "by", c->steps[k].who, "action", c->steps[k].what));
	char summary[1024];
	snprintf(summary, sizeof summary,
		 "Bộ phát hiện của canhgac ghi nhận %d cảnh báo (quy tắc: %s) liên quan đến %s%s, nhóm thành sự cố "
		 "số %lld, mức độ %s.",
		 c->alerts ? c->alerts : i->alert_count, c->rules[0] ? c->rules : i->title,
		 i->actor[0] ? "tài khoản " : "địa chỉ IP ", i->actor[0] ? i->actor : i->ip, (long long)i->id,
		 i->severity);
	if (!c->result[0]) {
		snprintf(c->result, sizeof c->result, "Sự cố đã được xử lý và kết thúc.%s%s",
			 c->suspended ? " Tài khoản liên quan đã bị tạm khóa tự động." : "",
			 c->blocked ? " Địa chỉ IP liên quan đã bị chặn tự động." : "");
	}
	if (!c->cause[0])
		snprintf(c->cause, sizeof c->cause, "Chưa ghi nhận nguyên nhân gốc. Dấu hiệu phát hiện: %s.",
			 c->rules[0] ? c->rules : i->title);
	if (!c->lessons[0])
		snprintf(c->lessons, sizeof c->lessons, "Không có.");
	*out = json_pack("{s:s, s:s, s:I, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:i}, "
			 "s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:o}",
			 "form", "Mẫu số 04 — Báo cáo kết thúc ứng phó sự cố (Thông tư 20/2017/TT-BTTTT)", "kind",
			 "closing", "incident_id", (json_int_t)i->id, "organisation", "name", cfg->incident.org_name,
			 "address", cfg->incident.org_address, "phone", cfg->incident.org_phone, "email",
			 cfg->incident.org_email, "contact", "name", cfg->incident.contact_name, "phone",
			 cfg->incident.contact_phone, "email", cfg->incident.contact_email, "system", "name",
			 cfg->incident.system_name, "domain", cfg->incident.system_domain, "public_ip",
			 cfg->incident.system_ip, "security_level", cfg->incident.system_level, "summary", summary,
			 "severity", i->severity, "detected_at", time_or_null(i->detected_at), "closed_at",
			 time_or_null(i->closed_at), "timeline", timeline, "result", c->result, "cause", c->cause,
			 "lessons", c->lessons, "reporter", c->reporter, "report_time", time_or_null(now));
	rc = *out ? INCIDENT_OK : INCIDENT_ESTORE;
out:
	free(c);
	return rc;
}

char *incident_closing_report_html(const json_t *r, size_t *len)
{
	char *b = NULL;
	size_t l = 0, c = 0;
	const json_t *o = json_object_get(r, "organisation"), *p = json_object_get(r, "contact"),
		     *s = json_object_get(r, "system");
	incident_html_put(&b, &l, &c,
			  "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Báo cáo kết thúc "
			  "ứng phó sự cố</title><style>body{font-family:serif;max-width:50em;margin:2em auto}"
			  "th{text-align:left;width:35%;vertical-align:top}td,th{border:1px solid #444;padding:4px;"
			  "white-space:pre-wrap}table{border-collapse:collapse;width:100%;margin-bottom:1em}"
			  "</style></head><body>\n<h1>",
			  false);
	incident_html_put(&b, &l, &c, json_string_value(json_object_get(r, "form")), true);
	incident_html_put(&b, &l, &c, "</h1>\n<table>\n", false);
	incident_html_row(&b, &l, &c, "1. Tên tổ chức báo cáo", json_object_get(o, "name"));
	incident_html_row(&b, &l, &c, "Địa chỉ", json_object_get(o, "address"));
	incident_html_row(&b, &l, &c, "Điện thoại", json_object_get(o, "phone"));
	incident_html_row(&b, &l, &c, "Thư điện tử", json_object_get(o, "email"));
	incident_html_row(&b, &l, &c, "Người liên hệ", json_object_get(p, "name"));
	incident_html_row(&b, &l, &c, "Điện thoại", json_object_get(p, "phone"));
	incident_html_row(&b, &l, &c, "Thư điện tử", json_object_get(p, "email"));
	incident_html_row(&b, &l, &c, "2. Hệ thống bị sự cố", json_object_get(s, "name"));
	incident_html_row(&b, &l, &c, "Tên miền", json_object_get(s, "domain"));
	incident_html_row(&b, &l, &c, "Địa chỉ IP công khai", json_object_get(s, "public_ip"));
	incident_html_row(&b, &l, &c, "Cấp độ an toàn", json_object_get(s, "security_level"));
	incident_html_row(&b, &l, &c, "3. Số hiệu sự cố", json_object_get(r, "incident_id"));
	incident_html_row(&b, &l, &c, "4. Tóm tắt sự cố", json_object_get(r, "summary"));
	incident_html_row(&b, &l, &c, "5. Thời điểm phát hiện (UTC)", json_object_get(r, "detected_at"));
	incident_html_put(&b, &l, &c, "</table>\n<h2>6. Các bước xử lý sự cố</h2>\n<table>\n"
			  "<tr><th>Thời điểm (UTC)</th><th>Người thực hiện</th><th>Nội dung</th></tr>\n", false);
	const json_t *t = json_object_get(r, "timeline"), *e;
	size_t k;
	json_array_foreach(t, k, e)
	{
		incident_html_put(&b, &l, &c, "<tr><td>", false);
		incident_html_put(&b, &l, &c, json_string_value(json_object_get(e, "at")), true);
		incident_html_put(&b, &l, &c, "</td><td>", false);
		incident_html_put(&b, &l, &c, json_string_value(json_object_get(e, "by")), true);
		incident_html_put(&b, &l, &c, "</td><td>", false);
		incident_html_put(&b, &l, &c, json_string_value(json_object_get(e, "action")), true);
		incident_html_put(&b, &l, &c, "</td></tr>\n", false);
	}
	incident_html_put(&b, &l, &c, "</table>\n<table>\n", false);
	incident_html_row(&b, &l, &c, "7. Kết quả xử lý", json_object_get(r, "result"));
	incident_html_row(&b, &l, &c, "8. Nguyên nhân sự cố", json_object_get(r, "cause"));
	incident_html_row(&b, &l, &c, "9. Bài học kinh nghiệm, kiến nghị", json_object_get(r, "lessons"));
	incident_html_row(&b, &l, &c, "10. Thời điểm kết thúc ứng phó (UTC)", json_object_get(r, "closed_at"));
	incident_html_row(&b, &l, &c, "11. Người báo cáo", json_object_get(r, "reporter"));
	incident_html_row(&b, &l, &c, "12. Thời gian báo cáo (UTC)", json_object_get(r, "report_time"));
	if (incident_html_put(&b, &l, &c, "</table>\n</body></html>\n", false)) {
		free(b);
		return NULL;
	}
	*len = l;
	return b;
}
