/*
 * Turns one access-log finding into a detect_report call. The four alert rules
 * group the scanner rules into one name so an operator blocks "scanners" as a
 * whole; the weblog rule itself stays in the detail. detect_report never waits:
 * a full action queue drops the alert with a log line of its own.
 */
#include "detect/weblog_alert.h"

#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "detect/detect.h"

#define SAMPLE_SHOWN 400

const char *weblog_alert_rule(enum weblog_rule r)
{
	switch (r) {
	case WEBLOG_RULE_SCAN_404:
	case WEBLOG_RULE_SCAN_PROBE:
	case WEBLOG_RULE_SCAN_TOOL: return "weblog_scanner";
	case WEBLOG_RULE_BRUTE: return "weblog_brute_force";
	case WEBLOG_RULE_INJECTION: return "weblog_injection";
	case WEBLOG_RULE_RATE:
	default: return "weblog_rate";
	}
}

const char *weblog_alert_severity(const struct weblog_finding *f)
{
	if (f->rule == WEBLOG_RULE_INJECTION || (f->rule == WEBLOG_RULE_SCAN_PROBE && !strcmp(f->category, "webshell")))
		return "high";
	return "medium";
}

static json_t *time_json(int64_t t)
{
	char s[40];
	return clock_format_rfc3339(t, s, sizeof s) == 0 ? json_string(s) : json_integer((json_int_t)t);
}

json_t *weblog_alert_detail(const struct weblog_finding *f, bool repeat)
{
	char sample[SAMPLE_SHOWN + 1] = "";
	if (f->n_samples > 0 && f->sample[0]) {
		size_t i = 0;
		for (; i < SAMPLE_SHOWN && f->sample[0][i]; i++) {
			unsigned char c = (unsigned char)f->sample[0][i];
			sample[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
		sample[i] = '\0';
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:s, s:b, s:b}", "source", "weblog", "weblog_rule",
			 weblog_rule_name(f->rule), "category", f->category, "first", time_json(f->first), "last",
			 time_json(f->last), "count", (json_int_t)f->count, "sample", sample, "allowlisted",
			 f->allowlisted, "repeat", repeat);
}

bool weblog_alert_report(void *arg, const struct weblog_finding *f, bool repeat)
{
	int rc = detect_report(arg, weblog_alert_rule(f->rule), weblog_alert_severity(f), NULL, f->ip,
			       weblog_alert_detail(f, repeat));
	if (rc == DETECT_EFULL)
		return false;
	const char *kv[] = {"rule", weblog_rule_name(f->rule), "category", f->category, "ip", f->ip, NULL};
	log_write_kv(LOG_INFO, "weblog", repeat ? "access-log finding continues" : "access-log finding", kv);
	return true; /* DETECT_EINVAL would fail again: not offered twice */
}
