/*
 * The access-log follower without its thread, one pass at a time: a file is read
 * from its end at start (from the next whole line) and from its start when it
 * appears later; a partial line waits for its newline; a line over the bound is
 * reported once as too long; copytruncate re-reads from 0; rename and a new file
 * finish the old one (lines still written there, and its unterminated last line
 * when it is closed) before and beside the new one. The follower hands each
 * finding over once, again only when it grew after repeat_seconds, replaces its
 * rules when they hold WEBLOG_FOLLOW_FINDINGS_MAX findings, and its alerts carry
 * rule names the detector accepts in block_rules, with a detail that always fits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "detect/detect.h"
#include "detect/weblog_alert.h"
#include "detect/weblog_follow.h"
#include "detect/weblog_tail.h"
#include "store/store_detect.h"

static char dir[] = "/tmp/canhgac-follow-XXXXXX";

#define LINES_MAX 64
static char got[LINES_MAX][128];
static bool got_long[LINES_MAX];
static int n_got;

static void collect(void *arg, const char *path, char *line, size_t len, bool too_long)
{
	(void)arg;
	(void)path;
	assert_true(n_got < LINES_MAX);
	assert_int_equal(line[len], '\0');
	snprintf(got[n_got], sizeof got[0], "%.*s", (int)len, line);
	got_long[n_got++] = too_long;
}

static void path_of(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

static struct weblog_tail *tail_of(const char *path, bool from_end)
{
	struct weblog_tail *t = NULL;
	assert_int_equal(weblog_tail_new(32, collect, NULL, &t), 0);
	assert_int_equal(weblog_tail_add(t, path, from_end), 0);
	n_got = 0;
	return t;
}

static void test_start_partial_and_long(void **state)
{
	(void)state;
	char p[256];
	path_of(p, sizeof p, "start.log");
	append(p, "old line one\nold line two\nhalf of a li");
	struct weblog_tail *t = tail_of(p, true);
	weblog_tail_poll(t, 0);
	assert_int_equal(n_got, 0); /* history, and the fragment of the line being written */
	append(p, "ne\nnew one\nnew tw");
	weblog_tail_poll(t, 0);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0], "new one");
	append(p, "o\n\n");
	weblog_tail_poll(t, 0);
	assert_int_equal(n_got, 2); /* empty lines are skipped */
	assert_string_equal(got[1], "new two");
	/* 80 bytes against a bound of 32: reported once, cut, the rest skipped */
	append(p, "0123456789012345678901234567890123456789");
	weblog_tail_poll(t, 0);
	append(p, "0123456789012345678901234567890123456789\nafter\n");
	weblog_tail_poll(t, 0);
	assert_int_equal(n_got, 4);
	assert_true(got_long[2]);
	assert_int_equal(strlen(got[2]), 32);
	assert_false(got_long[3]);
	assert_string_equal(got[3], "after");
	weblog_tail_free(t);
}

static void test_missing_then_truncated(void **state)
{
	(void)state;
	char p[256];
	path_of(p, sizeof p, "later/late.log");
	struct weblog_tail *t = tail_of(p, true);
	weblog_tail_poll(t, 0);
	assert_int_equal(n_got, 0);
	char d[256];
	path_of(d, sizeof d, "later");
	assert_int_equal(mkdir(d, 0700), 0);
	append(p, "first\nsecond\n");
	weblog_tail_poll(t, 0);
	assert_int_equal(n_got, 2); /* appeared after the start: read from its start */
	assert_string_equal(got[0], "first");
	/* copytruncate */
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("x\n", f);
	fclose(f);
	weblog_tail_poll(t, 0);
	assert_int_equal(n_got, 3);
	assert_string_equal(got[2], "x");
	struct weblog_tail_stats st;
	weblog_tail_stats_get(t, &st);
	assert_int_equal(st.truncations, 1);
	weblog_tail_free(t);
}

static void test_rename_rotation(void **state)
{
	(void)state;
	char p[256], old[256];
	path_of(p, sizeof p, "rot.log");
	path_of(old, sizeof old, "rot.log.1");
	append(p, "");
	struct weblog_tail *t = tail_of(p, true);
	weblog_tail_poll(t, 0);
	append(p, "a1\n");
	assert_int_equal(rename(p, old), 0);
	append(old, "a2\n"); /* the writer has not reopened yet */
	weblog_tail_poll(t, 0);
	assert_int_equal(n_got, 2);
	append(p, "b1\n");
	append(old, "a3\nunterminated");
	weblog_tail_poll(t, 1000);
	assert_int_equal(n_got, 4);
	assert_string_equal(got[2], "a3"); /* the old file is finished first */
	assert_string_equal(got[3], "b1");
	append(old, " a4");
	weblog_tail_poll(t, 1000 + WEBLOG_TAIL_DRAIN_MS); /* drained: its last line is flushed */
	assert_int_equal(n_got, 5);
	assert_string_equal(got[4], "unterminated a4");
	append(old, "a5\n");
	append(p, "b2\n");
	weblog_tail_poll(t, 2000 + WEBLOG_TAIL_DRAIN_MS);
	assert_int_equal(n_got, 6);
	assert_string_equal(got[5], "b2");
	struct weblog_tail_stats st;
	weblog_tail_stats_get(t, &st);
	assert_int_equal(st.rotations, 1);
	weblog_tail_free(t);
}

/* ---- the follower ---- */

struct sunk {
	int n, repeats, refuse;
	char ip[8][48];
	char rule[8][32];
};

static bool sink(void *arg, const struct weblog_finding *f, bool repeat)
{
	struct sunk *s = arg;
	if (s->refuse > 0) { /* the detector's queue is full */
		s->refuse--;
		return false;
	}
	if (s->n < 8) {
		snprintf(s->ip[s->n], sizeof s->ip[0], "%s", f->ip);
		snprintf(s->rule[s->n], sizeof s->rule[0], "%s", weblog_alert_rule(f->rule));
	}
	s->n++;
	s->repeats += repeat;
	return true;
}

/* Defaults, following `log`, with a subset of the shipped signatures (the full
 * set takes seconds to compile under AddressSanitizer; test_weblog_sigs has it). */
static void follow_config(struct config *cfg, const char *log)
{
	const char *src = getenv("CANHGAC_SOURCE_DIR");
	config_defaults(cfg);
	snprintf(cfg->weblog.paths, sizeof cfg->weblog.paths, "%s", log);
	snprintf(cfg->weblog.signatures, sizeof cfg->weblog.signatures, "%s/tests/fixtures/weblog/small_signatures.csv",
		 src ? src : ".");
	snprintf(cfg->weblog.probe_paths, sizeof cfg->weblog.probe_paths,
		 "%s/tests/fixtures/weblog/small_probe_paths.csv", src ? src : ".");
}

static void access_line(char *out, size_t size, const char *ip, const char *req, int status)
{
	snprintf(out, size, "%s - - [10/Oct/2024:13:55:36 +0700] \"%s HTTP/1.1\" %d 10 \"-\" \"Mozilla/5.0\"\n", ip,
		 req, status);
}

static void test_follow_reports_once_then_repeat(void **state)
{
	(void)state;
	static struct config cfg;
	char p[256], l[256], why[256];
	path_of(p, sizeof p, "portal.log");
	follow_config(&cfg, p);
	struct sunk s = {0};
	struct weblog_follow *f = NULL;
	assert_int_equal(weblog_follow_open(&cfg, 3600, sink, &s, &f, why, sizeof why), 0);
	weblog_follow_poll(f, 1000, 0);
	access_line(l, sizeof l, "203.0.113.5", "GET /.env", 404);
	append(p, l);
	access_line(l, sizeof l, "192.0.2.1", "GET /", 200);
	append(p, l);
	append(p, "garbage\n");
	s.refuse = 1;
	weblog_follow_poll(f, 1000, 0);
	assert_int_equal(s.n, 0); /* refused: offered again a second later */
	weblog_follow_poll(f, 1000, 0);
	assert_int_equal(s.n, 0);
	access_line(l, sizeof l, "192.0.2.1", "GET /", 200);
	append(p, l); /* more lines, in the same second */
	weblog_follow_poll(f, 1000, 0);
	assert_int_equal(s.n, 0);
	weblog_follow_poll(f, 1001, 0); /* no new line: offered again all the same */
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ip[0], "203.0.113.5");
	assert_string_equal(s.rule[0], "weblog_scanner");
	access_line(l, sizeof l, "203.0.113.5", "GET /.git/HEAD", 404);
	append(p, l);
	weblog_follow_poll(f, 1002, 0);
	assert_int_equal(s.n, 1); /* the same finding grew: not yet again */
	weblog_follow_poll(f, 1000 + 3600, 0);
	assert_int_equal(s.n, 1); /* time passed but it did not grow */
	append(p, l);
	weblog_follow_poll(f, 1000 + 3601, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.repeats, 1);
	struct weblog_follow_stats st;
	weblog_follow_stats_get(f, &st);
	assert_int_equal(st.lines, 6);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(st.reported, 2);
	assert_int_equal(st.deferred, 1);
	weblog_follow_close(f);
}

static void test_follow_bounded_findings(void **state)
{
	(void)state;
	static struct config cfg;
	char p[256], l[256], why[256];
	path_of(p, sizeof p, "many.log");
	follow_config(&cfg, p);
	struct sunk s = {0};
	struct weblog_follow *f = NULL;
	assert_int_equal(weblog_follow_open(&cfg, 3600, sink, &s, &f, why, sizeof why), 0);
	weblog_follow_poll(f, 1000, 0);
	FILE *out = fopen(p, "a");
	assert_non_null(out);
	for (int i = 0; i < WEBLOG_FOLLOW_FINDINGS_MAX + 10; i++) {
		char ip[32];
		snprintf(ip, sizeof ip, "10.%d.%d.1", i / 256, i % 256);
		access_line(l, sizeof l, ip, "GET /.env", 404);
		fputs(l, out);
	}
	fclose(out);
	while (weblog_follow_poll(f, 1001, 0))
		;
	struct weblog_follow_stats st;
	weblog_follow_stats_get(f, &st);
	assert_int_equal(st.detector_restarts, 1);
	assert_int_equal(s.n, WEBLOG_FOLLOW_FINDINGS_MAX + 10);
	/* after the restart the first address is new again to the fresh rules */
	access_line(l, sizeof l, "10.0.0.1", "GET /.env", 404);
	append(p, l);
	weblog_follow_poll(f, 1002, 0);
	assert_int_equal(s.n, WEBLOG_FOLLOW_FINDINGS_MAX + 11);
	weblog_follow_close(f);
}

static void test_follow_bad_config(void **state)
{
	(void)state;
	static struct config cfg;
	config_defaults(&cfg);
	char why[256];
	struct weblog_follow *f = NULL;
	assert_int_equal(weblog_follow_open(&cfg, 60, sink, NULL, &f, why, sizeof why), WEBLOG_FOLLOW_ECONFIG);
	assert_null(f);
	snprintf(cfg.weblog.paths, sizeof cfg.weblog.paths, "/tmp/x.log");
	snprintf(cfg.weblog.log_format, sizeof cfg.weblog.log_format, "$status$status");
	assert_int_equal(weblog_follow_open(&cfg, 60, sink, NULL, &f, why, sizeof why), WEBLOG_FOLLOW_ECONFIG);
	assert_non_null(strstr(why, "log_format"));
	assert_null(f);
	/* a path longer than a list item is refused, not cut into another path */
	config_defaults(&cfg);
	memset(cfg.weblog.paths, 'a', 300);
	cfg.weblog.paths[0] = '/';
	cfg.weblog.paths[300] = '\0';
	assert_int_equal(weblog_follow_open(&cfg, 60, sink, NULL, &f, why, sizeof why), WEBLOG_FOLLOW_ECONFIG);
	assert_non_null(strstr(why, "[weblog] paths"));
	assert_null(f);
}

static void test_alert_names_and_detail(void **state)
{
	(void)state;
	for (int r = 0; r < WEBLOG_RULE_COUNT; r++)
		assert_true(detect_rule_known(weblog_alert_rule((enum weblog_rule)r)));
	struct config cfg;
	config_defaults(&cfg);
	assert_non_null(strstr(cfg.detect.block_rules, "weblog_injection"));
	assert_null(strstr(cfg.detect.block_rules, "weblog_rate"));
	struct weblog_finding f;
	memset(&f, 0, sizeof f);
	f.rule = WEBLOG_RULE_INJECTION;
	snprintf(f.category, sizeof f.category, "sqli");
	snprintf(f.ip, sizeof f.ip, "203.0.113.5");
	char sample[WEBLOG_SAMPLE_MAX + 1];
	for (int i = 0; i < WEBLOG_SAMPLE_MAX; i++)
		sample[i] = (char)(i % 255 + 1); /* control bytes, quotes, invalid UTF-8 */
	sample[WEBLOG_SAMPLE_MAX] = '\0';
	f.sample[0] = sample;
	f.n_samples = 1;
	assert_string_equal(weblog_alert_severity(&f), "high");
	json_t *d = weblog_alert_detail(&f, true);
	assert_non_null(d);
	char *js = json_dumps(d, JSON_COMPACT);
	assert_non_null(js);
	assert_true(strlen(js) < STORE_DETAIL_MAX);
	assert_true(json_is_true(json_object_get(d, "repeat")));
	assert_string_equal(json_string_value(json_object_get(d, "category")), "sqli");
	free(js);
	json_decref(d);
	f.rule = WEBLOG_RULE_RATE;
	assert_string_equal(weblog_alert_severity(&f), "medium");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_partial_and_long),
		cmocka_unit_test(test_missing_then_truncated),
		cmocka_unit_test(test_rename_rotation),
		cmocka_unit_test(test_follow_reports_once_then_repeat),
		cmocka_unit_test(test_follow_bounded_findings),
		cmocka_unit_test(test_follow_bad_config),
		cmocka_unit_test(test_alert_names_and_detail),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
