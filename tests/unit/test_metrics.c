/*
 * The /metrics counters: route classes from route patterns, lookup outcomes from
 * error codes (unknown ones as "other", so clients cannot grow the output), quota
 * scopes, alert rules of other sources folded into their family, gauges left out
 * when unknown, and every line in the Prometheus text format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"

static char *render(void)
{
	struct metrics_gauges g = {.started_at = 1788836400, .open_incidents = 2, .overdue_incidents = 1,
				   .blocks_active = 0, .webhook_queue = -1, .audit_available = 1};
	size_t len = 0;
	char *text = metrics_render(&g, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void assert_line(const char *text, const char *line)
{
	char want[256];
	snprintf(want, sizeof want, "\n%s\n", line);
	if (!strstr(text, want))
		fail_msg("missing line: %s", line);
}

static void test_counters(void **state)
{
	(void)state;
	metrics_reset();
	metrics_http_request("POST", "/api/v1/lookups", 200, NULL);
	metrics_http_request("POST", "/api/v1/lookups", 429, "quota_exceeded");
	metrics_http_request("POST", "/api/v1/lookups", 403, "some_new_code");
	metrics_http_request("GET", "/api/v1/lookups", 200, NULL); /* the log, not a lookup */
	metrics_http_request("PATCH", "/api/v1/incidents/{id}", 503, "audit_unavailable");
	metrics_http_request("GET", "/static/{name}", 200, NULL);
	metrics_http_request("GET", NULL, 404, "not_found");
	metrics_http_request("GET", "/api/v1/whatever/{id}", 200, NULL);
	metrics_quota_rejected("user_minute");
	metrics_quota_rejected("");
	metrics_alert("enumeration");
	metrics_alert("scanner-404");
	metrics_alert("made_up");
	metrics_inc(METRICS_AUDIT_APPENDED);
	metrics_inc(METRICS_AUDIT_APPENDED);
	char *text = render();
	assert_line(text, "canhgac_http_requests_total{route=\"lookups\",code=\"2xx\"} 2");
	assert_line(text, "canhgac_http_requests_total{route=\"lookups\",code=\"4xx\"} 2");
	assert_line(text, "canhgac_http_requests_total{route=\"incidents\",code=\"5xx\"} 1");
	assert_line(text, "canhgac_http_requests_total{route=\"console\",code=\"2xx\"} 1");
	assert_line(text, "canhgac_http_requests_total{route=\"unmatched\",code=\"4xx\"} 1");
	assert_line(text, "canhgac_http_requests_total{route=\"other\",code=\"2xx\"} 1");
	assert_line(text, "canhgac_lookups_total{outcome=\"ok\"} 1");
	assert_line(text, "canhgac_lookups_total{outcome=\"quota_exceeded\"} 1");
	assert_line(text, "canhgac_lookups_total{outcome=\"other\"} 1");
	assert_null(strstr(text, "some_new_code"));
	assert_line(text, "canhgac_quota_rejections_total{scope=\"user_minute\"} 1");
	assert_line(text, "canhgac_quota_rejections_total{scope=\"other\"} 1");
	assert_line(text, "canhgac_alerts_total{rule=\"enumeration\"} 1");
	assert_line(text, "canhgac_alerts_total{rule=\"weblog\"} 1");
	assert_line(text, "canhgac_alerts_total{rule=\"other\"} 1");
	assert_line(text, "canhgac_audit_records_total 2");
	assert_line(text, "canhgac_incidents_open 2");
	assert_line(text, "process_start_time_seconds 1788836400");
	assert_null(strstr(text, "canhgac_webhook_queue_depth")); /* -1: no webhook */
	free(text);
}

static void test_text_format(void **state)
{
	(void)state;
	metrics_reset();
	char *text = render();
	regex_t sample, comment;
	assert_int_equal(regcomp(&sample, "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-z_]+=\"[a-z0-9_-]+\"(,[a-z_]+=\"[a-z0-9_]+\")*\\})? [0-9]+$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	assert_int_equal(regcomp(&comment, "^# (HELP|TYPE) [a-z_]+ .+$", REG_EXTENDED | REG_NOSUB), 0);
	int lines = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++)
		if (regexec(line[0] == '#' ? &comment : &sample, line, 0, NULL, 0) != 0)
			fail_msg("not in the text format: %s", line);
	assert_true(lines > 100);
	regfree(&sample);
	regfree(&comment);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_text_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
