/*
 * The closing report (Mẫu 04): refused before the incident is closed; once
 * closed, the summary, detection and closing times, the timeline (detection,
 * the detector's suspension, every status change and note in time order), the
 * result / cause / lessons taken from the labelled closing note, the reporter;
 * defaults when the note says nothing; the HTML escapes what people typed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_audit_util.h"

#include "incident/incident.h"

#define T0 ((int64_t)1788836400)

static int setup(void **state)
{
	struct inst *in = calloc(1, sizeof *in);
	assert_int_equal(inst_make(in), 0);
	log_setup(LOG_ERROR, NULL);
	clock_set_fake(T0);
	snprintf(in->cfg.incident.org_name, sizeof in->cfg.incident.org_name, "Sở TT&TT tỉnh");
	*state = in;
	return 0;
}

static int teardown(void **state)
{
	inst_free(*state);
	free(*state);
	clock_set_fake(0);
	return 0;
}

static int64_t open_incident(struct inst *in, const char *detail)
{
	struct store_alert a = {.created_at = clock_now()};
	snprintf(a.rule, sizeof a.rule, "enumeration");
	snprintf(a.severity, sizeof a.severity, "high");
	snprintf(a.actor, sizeof a.actor, "cb.thief");
	snprintf(a.ip, sizeof a.ip, "10.0.0.5");
	snprintf(a.detail, sizeof a.detail, "%s", detail);
	assert_int_equal(incident_alert_record(in->st, &in->cfg, &a, true), 0);
	return a.incident_id;
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	assert_non_null(s);
	return s;
}

static void test_closing_report(void **state)
{
	struct inst *in = *state;
	int64_t id = open_incident(in, "{\"count\":5,\"suspended\":true,\"suspend_latency_ms\":6}");
	struct store_incident inc;
	json_t *r = NULL;
	assert_int_equal(store_incident_get(in->st, id, &inc), 0);
	assert_int_equal(incident_closing_report_json(in->st, &in->cfg, &inc, T0, &r), INCIDENT_ETRANSITION);
	assert_null(r);

	clock_set_fake(T0 + 600);
	assert_int_equal(incident_update(in->st, id, "investigating", "gọi cán bộ xác minh", "qt.tinh", NULL), 0);
	clock_set_fake(T0 + 3600);
	assert_int_equal(incident_update(in->st, id, "contained", NULL, "qt.tinh", NULL), 0);
	clock_set_fake(T0 + 7200);
	assert_int_equal(incident_update(in->st, id, "reported", "đã gửi Sở", "qt.tinh", NULL), 0);
	clock_set_fake(T0 + 86400);
	assert_int_equal(incident_update(in->st, id, "closed",
					 "Kết quả: đã đổi mật khẩu, mở lại tài khoản\n"
					 "Nguyên nhân: lộ mật khẩu <qua email>\n"
					 "Bài học: bật TOTP cho mọi cán bộ\nrà soát định kỳ",
					 "ld.so", &inc),
			 0);
	assert_int_equal(incident_closing_report_json(in->st, &in->cfg, &inc, T0 + 90000, &r), INCIDENT_OK);
	assert_string_equal(str(r, "kind"), "closing");
	assert_non_null(strstr(str(r, "form"), "Mẫu số 04"));
	assert_string_equal(str(json_object_get(r, "organisation"), "name"), "Sở TT&TT tỉnh");
	assert_non_null(strstr(str(r, "summary"), "cb.thief"));
	assert_string_equal(str(r, "detected_at"), "2026-09-08T03:00:00Z");
	assert_string_equal(str(r, "closed_at"), "2026-09-09T03:00:00Z");
	assert_string_equal(str(r, "result"), "đã đổi mật khẩu, mở lại tài khoản");
	assert_string_equal(str(r, "cause"), "lộ mật khẩu <qua email>");
	assert_string_equal(str(r, "lessons"), "bật TOTP cho mọi cán bộ\nrà soát định kỳ");
	assert_string_equal(str(r, "reporter"), "ld.so");
	const json_t *t = json_object_get(r, "timeline");
	assert_int_equal(json_array_size(t), 6); /* detection, suspension, 4 status changes */
	assert_non_null(strstr(str(json_array_get(t, 0), "action"), "Phát hiện"));
	assert_non_null(strstr(str(json_array_get(t, 1), "action"), "tạm khóa tài khoản cb.thief"));
	assert_non_null(strstr(str(json_array_get(t, 2), "action"), "gọi cán bộ xác minh"));
	assert_string_equal(str(json_array_get(t, 5), "by"), "ld.so");
	assert_string_equal(str(json_array_get(t, 5), "at"), "2026-09-09T03:00:00Z");

	size_t len = 0;
	char *html = incident_closing_report_html(r, &len);
	assert_non_null(html);
	assert_int_equal(strlen(html), len);
	assert_non_null(strstr(html, "Báo cáo kết thúc ứng phó sự cố"));
	assert_non_null(strstr(html, "lộ mật khẩu &lt;qua email&gt;"));
	assert_null(strstr(html, "<qua email>"));
	assert_non_null(strstr(html, "Sở TT&amp;TT tỉnh"));
	assert_non_null(strstr(html, "11. Người báo cáo"));
	free(html);
	json_decref(r);
}

static void test_closing_defaults(void **state)
{
	struct inst *in = *state;
	int64_t id = open_incident(in, "{}");
	struct store_incident inc;
	/* closed at once as a false alarm, without a note */
	assert_int_equal(incident_update(in->st, id, "closed", NULL, "qt.tinh", &inc), 0);
	json_t *r = NULL;
	assert_int_equal(incident_closing_report_json(in->st, &in->cfg, &inc, T0, &r), INCIDENT_OK);
	assert_non_null(strstr(str(r, "cause"), "enumeration"));
	assert_non_null(strstr(str(r, "result"), "kết thúc"));
	assert_null(strstr(str(r, "result"), "tạm khóa")); /* nothing was suspended */
	assert_string_equal(str(r, "lessons"), "Không có.");
	assert_string_equal(str(r, "reporter"), "qt.tinh");
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_closing_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closing_defaults, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
