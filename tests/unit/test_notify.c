/*
 * Notifications: the webhook signature against an independent HMAC-SHA256, the
 * syslog line of an alert (format, priority, unsafe values) captured through the
 * notify_syslog_emit seam, the bounded webhook queue (oldest dropped, counted)
 * with a receiver that never answers, the [notify] configuration checks, and the
 * detector's periodic check: audit_unavailable raised once while the audit log
 * cannot be written, and report-deadline alerts, both sent out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>

#include "test_audit_util.h"

#include "core/metrics.h"
#include "detect/detect.h"
#include "incident/incident.h"
#include "notify/notify.h"

#define T0 ((int64_t)1788836400)

/* <syslog.h>'s values (it cannot be included beside core/log.h: LOG_INFO clashes) */
enum { SYS_CRIT = 2, SYS_ERR = 3, SYS_WARNING = 4, SYS_NOTICE = 5, SYS_LOCAL3 = 19 << 3, SYS_LOCAL5 = 21 << 3 };

static char captured[16][512];
static int captured_prio[16];
static int ncaptured;

static void capture(int priority, const char *line)
{
	if (ncaptured < 16) {
		snprintf(captured[ncaptured], sizeof captured[0], "%s", line);
		captured_prio[ncaptured] = priority;
	}
	ncaptured++;
}

static int captured_with(const char *needle)
{
	int n = 0;
	for (int i = 0; i < ncaptured && i < 16; i++)
		n += strstr(captured[i], needle) != NULL;
	return n;
}

static int setup(void **state)
{
	struct inst *in = calloc(1, sizeof *in);
	assert_int_equal(inst_make(in), 0);
	log_setup(LOG_ERROR, NULL);
	ncaptured = 0;
	notify_syslog_emit = capture;
	metrics_reset();
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

static struct store_alert alert(const char *rule, const char *sev, const char *actor, const char *ip)
{
	struct store_alert a = {.created_at = clock_now(), .id = 7, .incident_id = 3};
	snprintf(a.rule, sizeof a.rule, "%s", rule);
	snprintf(a.severity, sizeof a.severity, "%s", sev);
	snprintf(a.actor, sizeof a.actor, "%s", actor);
	snprintf(a.ip, sizeof a.ip, "%s", ip);
	snprintf(a.detail, sizeof a.detail, "{}");
	return a;
}

static void test_signature(void **state)
{
	(void)state;
	char sig[65];
	notify_sign("s3cret", 1700000000, "{\"a\":1}", 7, sig);
	/* python3: hmac.new(b"s3cret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest() */
	assert_string_equal(sig, "1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940");
	notify_sign("s3cret", 1700000001, "{\"a\":1}", 7, sig);
	assert_string_not_equal(sig, "1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940");
}

static void test_syslog_format(void **state)
{
	(void)state;
	char line[512];
	struct store_alert a = alert("enumeration", "high", "cb.a", "10.0.0.5");
	snprintf(a.agency, sizeof a.agency, "SO.A");
	assert_int_equal(notify_syslog_format(&a, line, sizeof line), SYS_ERR);
	assert_string_equal(line, "alert rule=enumeration severity=high actor=cb.a ip=10.0.0.5 agency=SO.A incident=3 "
				  "alert_id=7");
	/* a typed username is attacker-chosen: no spaces, quotes, '=' or newlines get through */
	struct store_alert b = alert("brute_force", "medium", "x y=\"z\"\nforged=1", "");
	assert_int_equal(notify_syslog_format(&b, line, sizeof line), SYS_WARNING);
	assert_string_equal(line, "alert rule=brute_force severity=medium actor=x_y__z__forged_1 ip=- agency=- "
				  "incident=3 alert_id=7");
	struct store_alert c = alert("audit_unavailable", "critical", "", "");
	assert_int_equal(notify_syslog_format(&c, line, sizeof line), SYS_CRIT);
	struct store_alert d = alert("new_ip", "low", "cb.a", "10.0.0.9");
	assert_int_equal(notify_syslog_format(&d, line, sizeof line), SYS_NOTICE);
	int fac = 0;
	assert_int_equal(notify_facility_parse("local3", &fac), 0);
	assert_int_equal(fac, SYS_LOCAL3);
	assert_int_equal(notify_facility_parse("kern", &fac), -1);
}

static void test_syslog_capture(void **state)
{
	struct inst *in = *state;
	in->cfg.notify.syslog = true;
	snprintf(in->cfg.notify.syslog_facility, sizeof in->cfg.notify.syslog_facility, "local5");
	struct notify *n;
	char why[256];
	assert_int_equal(notify_open(&in->cfg, &n, why, sizeof why), 0);
	assert_int_equal(notify_queue_depth(n), -1); /* no webhook */
	struct store_alert a = alert("password_spray", "high", "", "203.0.113.9");
	notify_alert(n, in->st, &a);
	assert_int_equal(ncaptured, 1);
	assert_int_equal(captured_prio[0], SYS_LOCAL5 | SYS_ERR);
	assert_non_null(strstr(captured[0], "rule=password_spray"));
	assert_non_null(strstr(captured[0], "ip=203.0.113.9"));
	assert_int_equal(metrics_get(METRICS_SYSLOG_LINES), 1);
	notify_close(n);
	notify_alert(NULL, in->st, &a); /* no notifier: nothing, no crash */
	assert_int_equal(ncaptured, 1);
}

static void test_queue_bound(void **state)
{
	struct inst *in = *state;
	/* port 1 on loopback: refused at once; the first event then waits a minute
	 * for its retry while the others queue */
	snprintf(in->cfg.notify.webhook_url, sizeof in->cfg.notify.webhook_url, "http://127.0.0.1:1/hook");
	in->cfg.notify.webhook_queue_max = 4;
	in->cfg.notify.webhook_retries = 3;
	in->cfg.notify.webhook_backoff_ms = 60000;
	struct notify *n;
	char why[256];
	assert_int_equal(notify_open(&in->cfg, &n, why, sizeof why), 0);
	for (int i = 0; i < 10; i++) {
		struct store_alert a = alert("enumeration", "high", "cb.a", "10.0.0.5");
		notify_alert(n, NULL, &a);
	}
	/* at most 4 wait; the thread holds at most one (in its retry wait) */
	assert_true(notify_queue_depth(n) >= 3 && notify_queue_depth(n) <= 4);
	uint64_t dropped = metrics_get(METRICS_WEBHOOK_DROPPED);
	assert_true(dropped >= 5 && dropped <= 6);
	assert_false(notify_flush(n, 10));
	notify_close(n); /* interrupts the retry wait; what still waits is dropped */
	/* every event is accounted for: dropped, or given up (the one in flight) */
	assert_int_equal(metrics_get(METRICS_WEBHOOK_DROPPED) + metrics_get(METRICS_WEBHOOK_FAILED), 10);
	assert_true(metrics_get(METRICS_WEBHOOK_FAILED) <= 1);
	assert_int_equal(metrics_get(METRICS_WEBHOOK_SENT), 0);
}

static void test_config_checks(void **state)
{
	(void)state;
	struct config cfg;
	struct config_errors errs = {0};
	assert_int_not_equal(config_load_string("[notify]\nwebhook_url = ftp://x/\n", &cfg, &errs), 0);
	assert_non_null(strstr(errs.items[0].message, "webhook_url"));
	memset(&errs, 0, sizeof errs);
	assert_int_not_equal(config_load_string("[notify]\nsyslog_facility = kern\n", &cfg, &errs), 0);
	assert_non_null(strstr(errs.items[0].message, "syslog_facility"));
	memset(&errs, 0, sizeof errs);
	assert_int_not_equal(config_load_string("[notify]\nwebhook_queue_max = 0\n", &cfg, &errs), 0);
	memset(&errs, 0, sizeof errs);
	assert_int_equal(config_load_string("[notify]\nwebhook_url = https://soc.example.vn/hook\nsyslog = true\n"
					    "syslog_facility = local0\nwebhook_secret = abc\n",
					    &cfg, &errs),
			 0);
	assert_string_equal(cfg.notify.webhook_url, "https://soc.example.vn/hook");
	assert_true(cfg.notify.syslog);
	assert_int_equal(cfg.notify.webhook_timeout_ms, 5000);
}

static ssize_t write_enospc(int fd, const void *buf, size_t n)
{
	(void)fd;
	(void)buf;
	(void)n;
	errno = ENOSPC;
	return -1;
}

struct rule_count {
	const char *rule;
	int n;
};

static int count_rule(const struct store_alert *a, void *arg)
{
	struct rule_count *c = arg;
	c->n += strcmp(a->rule, c->rule) == 0;
	return 0;
}

static int alerts(struct inst *in, const char *rule)
{
	struct rule_count c = {rule, 0};
	store_alert_list(in->st, NULL, 0, 10000, count_rule, &c);
	return c.n;
}

static void test_audit_unavailable_alert(void **state)
{
	struct inst *in = *state;
	struct audit *a;
	char why[256];
	in->cfg.notify.syslog = true;
	struct notify *n;
	assert_int_equal(notify_open(&in->cfg, &n, why, sizeof why), 0);
	assert_int_equal(inst_open(in, &a), 0);
	struct detect *d;
	struct detect_deps deps = {.cfg = &in->cfg, .st = in->st, .audit = a, .notify = n};
	assert_int_equal(detect_open(&deps, &d, why, sizeof why), 0);

	detect_check_once(d, clock_now());
	assert_int_equal(alerts(in, "audit_unavailable"), 0); /* healthy: nothing */

	audit_io.write = write_enospc;
	assert_int_not_equal(append_event(a, "lookup", "cb.a", "SO.A", NULL, NULL), 0);
	assert_false(audit_is_available(a));
	detect_check_once(d, clock_now());
	assert_int_equal(alerts(in, "audit_unavailable"), 1);
	assert_int_equal(captured_with("rule=audit_unavailable severity=critical"), 1);
	detect_check_once(d, clock_now());
	assert_int_equal(alerts(in, "audit_unavailable"), 1); /* once per outage */

	audit_io_reset();
	assert_int_equal(append_event(a, "lookup", "cb.a", "SO.A", NULL, NULL), 0);
	assert_true(audit_is_available(a));
	detect_check_once(d, clock_now());
	audit_io.write = write_enospc;
	assert_int_not_equal(append_event(a, "lookup", "cb.a", "SO.A", NULL, NULL), 0);
	detect_check_once(d, clock_now());
	assert_int_equal(alerts(in, "audit_unavailable"), 2); /* a new outage: a new alert */
	audit_io_reset();

	detect_stop(d);
	audit_close(a);
	detect_close(d);
	notify_close(n);
}

static void test_deadline_alerts_sent(void **state)
{
	struct inst *in = *state;
	char why[256];
	in->cfg.notify.syslog = true;
	clock_set_fake(T0);
	struct notify *n;
	assert_int_equal(notify_open(&in->cfg, &n, why, sizeof why), 0);
	struct detect *d;
	struct detect_deps deps = {.cfg = &in->cfg, .st = in->st, .notify = n};
	assert_int_equal(detect_open(&deps, &d, why, sizeof why), 0);
	struct store_alert a = alert("enumeration", "high", "cb.a", "10.0.0.1");
	assert_int_equal(incident_alert_record(in->st, &in->cfg, &a, true), 0);
	detect_check_once(d, T0 + 61 * 3600);
	assert_int_equal(captured_with("rule=incident_report_due severity=medium actor=cb.a"), 1);
	detect_check_once(d, T0 + 73 * 3600);
	assert_int_equal(captured_with("rule=incident_report_overdue severity=high"), 1);
	detect_check_once(d, T0 + 74 * 3600);
	assert_int_equal(ncaptured, 2);
	detect_close(d);
	notify_close(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syslog_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syslog_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_unavailable_alert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_alerts_sent, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
