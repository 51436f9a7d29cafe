/*
 * The access-log rules at their thresholds: N-1 matching requests make no
 * finding and N make one, for the scanner storm, probe paths, brute force and
 * request rate; windows count in the log's time (requests spread wider than the
 * window never add up); injection needs one request; allowlisted addresses are
 * reported but marked; a full address table evicts without losing findings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "detect/weblog_detect.h"

static struct weblog_sigs *sigs;
static struct config cfg;

static int setup(void **state)
{
	(void)state;
	char why[256];
	return weblog_sigs_load(NULL, NULL, &sigs, why, sizeof why);
}

static int teardown(void **state)
{
	(void)state;
	weblog_sigs_free(sigs);
	return 0;
}

static struct weblog_detect *detector(void)
{
	struct weblog_detect *d = NULL;
	char why[256];
	assert_int_equal(weblog_detect_new(&cfg, sigs, &d, why, sizeof why), 0);
	return d;
}

static void feed_ua(struct weblog_detect *d, const char *ip, int64_t t, const char *method, const char *uri,
		    int status, const char *ua)
{
	struct weblog_entry e;
	memset(&e, 0, sizeof e);
	e.ip = ip;
	e.time = t;
	e.method = method;
	e.uri = uri;
	e.protocol = "HTTP/1.1";
	e.referer = "-";
	e.user_agent = ua;
	e.user = "-";
	e.status = status;
	char line[256];
	snprintf(line, sizeof line, "%s %s %s %d", ip, method, uri, status);
	assert_int_equal(weblog_detect_feed(d, &e, line, strlen(line)), 0);
}

static void feed(struct weblog_detect *d, const char *ip, int64_t t, const char *method, const char *uri, int status)
{
	feed_ua(d, ip, t, method, uri, status, "Mozilla/5.0");
}

/* The finding of `rule` for `ip`, or NULL. */
static const struct weblog_finding *find(struct weblog_detect *d, const char *ip, enum weblog_rule rule)
{
	size_t n;
	const struct weblog_finding *f = weblog_detect_findings(d, &n);
	for (size_t i = 0; i < n; i++)
		if (f[i].rule == rule && !strcmp(f[i].ip, ip))
			return &f[i];
	return NULL;
}

#define T0 1728543336

static void test_scan_404(void **state)
{
	(void)state;
	config_defaults(&cfg); /* 20 within 60 s */
	struct weblog_detect *d = detector();
	for (int i = 0; i < 19; i++)
		feed(d, "198.51.100.1", T0 + i * 3, "GET", "/khong-co", 404); /* 19 in 57 s */
	assert_null(find(d, "198.51.100.1", WEBLOG_RULE_SCAN_404));
	feed(d, "198.51.100.1", T0 + 59, "GET", "/khong-co", 403);
	const struct weblog_finding *f = find(d, "198.51.100.1", WEBLOG_RULE_SCAN_404);
	assert_non_null(f);
	assert_int_equal(f->count, 20);
	assert_int_equal(f->first, T0);
	assert_int_equal(f->last, T0 + 59);
	assert_int_equal(f->n_samples, 1);
	feed(d, "198.51.100.1", T0 + 600, "GET", "/x", 404);
	f = find(d, "198.51.100.1", WEBLOG_RULE_SCAN_404);
	assert_int_equal(f->count, 21);
	/* the same 20 spread over 61 s: the window never holds 20 */
	for (int i = 0; i < 20; i++)
		feed(d, "198.51.100.2", T0 + (i * 61) / 19, "GET", "/khong-co", 404);
	assert_null(find(d, "198.51.100.2", WEBLOG_RULE_SCAN_404));
	weblog_detect_free(d);
}

static void test_brute_force(void **state)
{
	(void)state;
	config_defaults(&cfg); /* 10 failures within 300 s on /dang-nhap, /login, /wp-login.php */
	struct weblog_detect *d = detector();
	for (int i = 0; i < 9; i++)
		feed(d, "198.51.100.3", T0 + i * 30, "POST", "/dang-nhap", 401);
	/* a success, a GET and another path do not count */
	feed(d, "198.51.100.3", T0 + 271, "POST", "/dang-nhap", 302);
	feed(d, "198.51.100.3", T0 + 272, "GET", "/dang-nhap", 401);
	feed(d, "198.51.100.3", T0 + 273, "POST", "/tra-cuu", 401);
	assert_null(find(d, "198.51.100.3", WEBLOG_RULE_BRUTE));
	feed(d, "198.51.100.3", T0 + 280, "POST", "/dang-nhap/?lang=vi", 403);
	const struct weblog_finding *f = find(d, "198.51.100.3", WEBLOG_RULE_BRUTE);
	assert_non_null(f);
	assert_int_equal(f->count, 10);
	/* a user who mistypes twice is not brute force */
	feed(d, "198.51.100.4", T0, "POST", "/dang-nhap", 401);
	feed(d, "198.51.100.4", T0 + 9, "POST", "/dang-nhap", 401);
	feed(d, "198.51.100.4", T0 + 20, "POST", "/dang-nhap", 302);
	assert_null(find(d, "198.51.100.4", WEBLOG_RULE_BRUTE));
	/* wp-login.php is a login path: brute force, not a probe */
	for (int i = 0; i < 10; i++)
		feed(d, "198.51.100.5", T0 + i, "POST", "/wp-login.php", 403);
	assert_non_null(find(d, "198.51.100.5", WEBLOG_RULE_BRUTE));
	assert_null(find(d, "198.51.100.5", WEBLOG_RULE_SCAN_PROBE));
	weblog_detect_free(d);
	/* configured: 200 counts, 3 within 10 s */
	snprintf(cfg.weblog.login_fail_statuses, sizeof cfg.weblog.login_fail_statuses, "200");
	cfg.weblog.login_fail_count = 3;
	cfg.weblog.login_window_seconds = 10;
	d = detector();
	feed(d, "198.51.100.6", T0, "POST", "/login", 200);
	feed(d, "198.51.100.6", T0 + 5, "POST", "/login", 200);
	feed(d, "198.51.100.6", T0 + 10, "POST", "/login", 200); /* first is 10 s old: out */
	assert_null(find(d, "198.51.100.6", WEBLOG_RULE_BRUTE));
	feed(d, "198.51.100.6", T0 + 11, "POST", "/login", 200);
	assert_non_null(find(d, "198.51.100.6", WEBLOG_RULE_BRUTE));
	weblog_detect_free(d);
}

static void test_rate_and_probe(void **state)
{
	(void)state;
	config_defaults(&cfg);
	cfg.weblog.rate_count = 50;
	cfg.weblog.rate_window_seconds = 10;
	cfg.weblog.probe_count = 2;
	struct weblog_detect *d = detector();
	for (int i = 0; i < 49; i++)
		feed(d, "2001:db8::7", T0 + i / 5, "GET", "/tin-tuc", 200);
	assert_null(find(d, "2001:db8::7", WEBLOG_RULE_RATE));
	feed(d, "2001:db8::7", T0 + 9, "GET", "/tin-tuc", 200);
	assert_non_null(find(d, "2001:db8::7", WEBLOG_RULE_RATE));
	feed(d, "198.51.100.8", T0, "GET", "/.env", 404);
	assert_null(find(d, "198.51.100.8", WEBLOG_RULE_SCAN_PROBE));
	feed(d, "198.51.100.8", T0 + 100, "GET", "/.git/config", 404);
	const struct weblog_finding *f = find(d, "198.51.100.8", WEBLOG_RULE_SCAN_PROBE);
	assert_non_null(f);
	assert_string_equal(f->category, "vcs"); /* the kind of the request that crossed the threshold */
	weblog_detect_free(d);
}

static void test_injection_and_allowlist(void **state)
{
	(void)state;
	config_defaults(&cfg);
	struct weblog_detect *d = detector();
	feed(d, "198.51.100.9", T0, "GET", "/tin-tuc?id=1%20union%20select%201,2--", 200);
	const struct weblog_finding *f = find(d, "198.51.100.9", WEBLOG_RULE_INJECTION);
	assert_non_null(f);
	assert_string_equal(f->category, "sqli");
	assert_false(f->allowlisted);
	/* low and slow: hours apart, each request is its own evidence */
	feed(d, "198.51.100.9", T0 + 7200, "GET", "/?q=<script>alert(1)</script>", 200);
	feed(d, "198.51.100.9", T0 + 14400, "GET", "/tin-tuc?id=1'%20or%20'1'='1", 200);
	size_t n;
	weblog_detect_findings(d, &n);
	assert_int_equal(n, 2); /* sqli (count 2) and xss */
	f = find(d, "198.51.100.9", WEBLOG_RULE_INJECTION);
	assert_true(!strcmp(f->category, "sqli") ? f->count == 2 : f->count == 1);
	feed(d, "127.0.0.1", T0, "GET", "/../../etc/passwd", 400);
	f = find(d, "127.0.0.1", WEBLOG_RULE_INJECTION);
	assert_non_null(f);
	assert_true(f->allowlisted);
	weblog_detect_free(d);
	snprintf(cfg.weblog.allowlist, sizeof cfg.weblog.allowlist, "10.0.0.0/8, 2001:db8::/32");
	d = detector();
	feed(d, "10.1.2.3", T0, "GET", "/shell.php", 404);
	feed(d, "2001:db8::9", T0, "GET", "/shell.php", 404);
	feed(d, "11.1.2.3", T0, "GET", "/shell.php", 404);
	assert_true(find(d, "10.1.2.3", WEBLOG_RULE_SCAN_PROBE)->allowlisted);
	assert_true(find(d, "2001:db8::9", WEBLOG_RULE_SCAN_PROBE)->allowlisted);
	assert_false(find(d, "11.1.2.3", WEBLOG_RULE_SCAN_PROBE)->allowlisted);
	weblog_detect_free(d);
	snprintf(cfg.weblog.login_fail_statuses, sizeof cfg.weblog.login_fail_statuses, "401,abc");
	char why[256];
	assert_int_equal(weblog_detect_new(&cfg, sigs, &d, why, sizeof why), WEBLOG_DETECT_ECONFIG);
}

static void test_eviction(void **state)
{
	(void)state;
	config_defaults(&cfg);
	cfg.weblog.max_ips = 1000;
	cfg.weblog.scan_404_count = 3;
	struct weblog_detect *d = detector();
	char ip[32];
	feed(d, "198.51.100.10", T0, "GET", "/a", 404);
	feed(d, "198.51.100.10", T0 + 1, "GET", "/a", 404);
	feed(d, "198.51.100.10", T0 + 2, "GET", "/a", 404);
	/* 1000 other addresses push it out of the table */
	for (int i = 0; i < 1000; i++) {
		snprintf(ip, sizeof ip, "203.0.%d.%d", i / 250, i % 250 + 1);
		feed(d, ip, T0 + 3, "GET", "/", 200);
	}
	for (int i = 0; i < 3; i++)
		feed(d, "198.51.100.10", T0 + 4 + i, "GET", "/a", 404);
	size_t n;
	weblog_detect_findings(d, &n);
	assert_int_equal(n, 1); /* merged */
	const struct weblog_finding *f = find(d, "198.51.100.10", WEBLOG_RULE_SCAN_404);
	assert_int_equal(f->count, 6);
	assert_int_equal(f->first, T0);
	assert_int_equal(f->last, T0 + 6);
	struct weblog_detect_stats st;
	weblog_detect_stats_get(d, &st);
	assert_true(st.evicted >= 1);
	/* out-of-order lines: the address's clock does not run backwards */
	feed(d, "198.51.100.11", T0 + 100, "GET", "/a", 404);
	feed(d, "198.51.100.11", T0 + 10, "GET", "/a", 404);
	feed(d, "198.51.100.11", T0 + 20, "GET", "/a", 404);
	assert_non_null(find(d, "198.51.100.11", WEBLOG_RULE_SCAN_404));
	weblog_detect_free(d);
}

/* prepare (any thread) + feed_req (in order) is feed: the same findings. */
static void test_prepare_then_feed(void **state)
{
	(void)state;
	struct weblog_detect *a = detector(), *b = detector();
	struct weblog_sigs_scratch *sc = NULL;
	assert_int_equal(weblog_sigs_scratch_new(sigs, &sc), 0);
	const char *uris[] = {"/", "/.env", "/a?id=1%20UNION%20SELECT%201", "/dang-nhap", "/x"};
	for (int i = 0; i < 200; i++) {
		struct weblog_entry e;
		memset(&e, 0, sizeof e);
		char ip[32];
		snprintf(ip, sizeof ip, "198.51.100.%d", i % 7);
		e.ip = ip;
		e.time = T0 + i;
		e.method = i % 3 ? "GET" : "POST";
		e.uri = uris[i % 5];
		e.protocol = e.referer = e.user = "-";
		e.user_agent = i % 11 ? "Mozilla/5.0" : "sqlmap/1.7";
		e.status = i % 2 ? 404 : 401;
		char line[128];
		snprintf(line, sizeof line, "%s %d", ip, i);
		assert_int_equal(weblog_detect_feed(a, &e, line, strlen(line)), 0);
		struct weblog_req r;
		struct weblog_sig_hits h;
		assert_int_equal(weblog_detect_prepare(b, sc, &e, &r, &h), 0);
		assert_int_equal(weblog_detect_feed_req(b, &r, &h, line, strlen(line)), 0);
	}
	/* an entry without a usable address is not fed */
	struct weblog_entry bad;
	memset(&bad, 0, sizeof bad);
	bad.ip = "not-an-address";
	bad.method = bad.uri = bad.protocol = bad.referer = bad.user = bad.user_agent = "";
	struct weblog_req r;
	struct weblog_sig_hits h;
	assert_int_equal(weblog_detect_prepare(b, sc, &bad, &r, &h), 1);
	assert_int_equal(weblog_detect_feed(a, &bad, "x", 1), 0);
	size_t na, nb;
	const struct weblog_finding *fa = weblog_detect_findings(a, &na), *fb = weblog_detect_findings(b, &nb);
	assert_true(na > 3);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(fa[i].rule, fb[i].rule);
		assert_string_equal(fa[i].ip, fb[i].ip);
		assert_string_equal(fa[i].category, fb[i].category);
		assert_int_equal(fa[i].first, fb[i].first);
		assert_int_equal(fa[i].last, fb[i].last);
		assert_int_equal(fa[i].count, fb[i].count);
		assert_int_equal(fa[i].n_samples, fb[i].n_samples);
	}
	weblog_sigs_scratch_free(sc);
	weblog_detect_free(a);
	weblog_detect_free(b);
}

/* issue 19: a directory scan at 15 requests a minute never fills the 60-second
 * window; 60 distinct not-found paths within an hour make it a scanner. A
 * visitor whose pages keep missing the same few files does not add up. */
static void test_slow_scan(void **state)
{
	(void)state;
	config_defaults(&cfg);
	struct weblog_detect *d = detector();
	char uri[64];
	for (int i = 0; i < 59; i++) {
		snprintf(uri, sizeof uri, "/thu-muc-%d/", i);
		feed_ua(d, "198.51.100.40", T0 + i * 4, "GET", uri, 404, "Mozilla/5.0 (Windows NT 10.0) Firefox/128.0");
	}
	assert_null(find(d, "198.51.100.40", WEBLOG_RULE_SCAN_404));
	feed_ua(d, "198.51.100.40", T0 + 59 * 4, "GET", "/thu-muc-59/", 404, "Mozilla/5.0 (Windows NT 10.0) Firefox/128.0");
	const struct weblog_finding *f = find(d, "198.51.100.40", WEBLOG_RULE_SCAN_404);
	assert_non_null(f);
	assert_string_equal(f->category, "slow");
	assert_int_equal(f->count, 60);
	assert_int_equal(f->first, T0);
	/* a page that misses three icons, visited 100 times in the hour */
	static const char *const icons[] = {"/img/a.png", "/img/b.png", "/favicon.ico"};
	for (int i = 0; i < 300; i++)
		feed(d, "198.51.100.41", T0 + i * 10, "GET", icons[i % 3], 404);
	assert_null(find(d, "198.51.100.41", WEBLOG_RULE_SCAN_404));
	/* 60 distinct paths spread over more than an hour */
	for (int i = 0; i < 60; i++) {
		snprintf(uri, sizeof uri, "/cham-%d", i);
		feed(d, "198.51.100.42", T0 + i * 62, "GET", uri, 404);
	}
	assert_null(find(d, "198.51.100.42", WEBLOG_RULE_SCAN_404));
	weblog_detect_free(d);
}

/* issue 19: a login form that answers 200 on failure (hydra's target). Once the
 * site has redirected a good sign-in, a 200 to a login POST is the form again. */
static void test_login_answer_shape(void **state)
{
	(void)state;
	config_defaults(&cfg); /* 401,403 are failures; 10 within 300 s */
	struct weblog_detect *d = detector();
	/* before any redirect is seen, 200 may be a JSON success: not counted */
	for (int i = 0; i < 12; i++)
		feed_ua(d, "198.51.100.50", T0 + i, "POST", "/dang-nhap", 200, "Mozilla/4.0 (Hydra)");
	assert_null(find(d, "198.51.100.50", WEBLOG_RULE_BRUTE));
	feed(d, "203.0.113.9", T0 + 20, "POST", "/dang-nhap", 302); /* someone signs in */
	for (int i = 0; i < 9; i++)
		feed_ua(d, "198.51.100.51", T0 + 30 + i, "POST", "/dang-nhap", 200, "Mozilla/4.0 (Hydra)");
	assert_null(find(d, "198.51.100.51", WEBLOG_RULE_BRUTE));
	feed_ua(d, "198.51.100.51", T0 + 40, "POST", "/dang-nhap", 200, "Mozilla/4.0 (Hydra)");
	assert_non_null(find(d, "198.51.100.51", WEBLOG_RULE_BRUTE));
	/* a GET of the form answered 200 is no attempt */
	for (int i = 0; i < 20; i++)
		feed(d, "198.51.100.52", T0 + 50 + i, "GET", "/dang-nhap", 200);
	assert_null(find(d, "198.51.100.52", WEBLOG_RULE_BRUTE));
	weblog_detect_free(d);
}

/* issue 19: an office NAT: thirty people's sign-ins from one address, several
 * browsers, most succeed, a dozen mistyped within five minutes. Not brute force;
 * one client failing as often from one address still is. */
static void test_shared_address(void **state)
{
	(void)state;
	config_defaults(&cfg);
	struct weblog_detect *d = detector();
	static const char *const uas[] = {
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0", "Mozilla/5.0 (Windows NT 10.0) Firefox/128.0",
		"Mozilla/5.0 (Windows NT 6.1) coc_coc_browser/120.0", "Mozilla/5.0 (Macintosh) Safari/605.1",
		"Mozilla/5.0 (Windows NT 10.0) Edg/126.0"};
	for (int i = 0; i < 30; i++)
		feed_ua(d, "198.51.100.60", T0 + i * 5, "POST", "/dang-nhap", 302, uas[i % 5]);
	for (int i = 0; i < 12; i++)
		feed_ua(d, "198.51.100.60", T0 + 150 + i * 10, "POST", "/dang-nhap", 401, uas[i % 5]);
	assert_null(find(d, "198.51.100.60", WEBLOG_RULE_BRUTE));
	struct weblog_detect_stats st;
	weblog_detect_stats_get(d, &st);
	assert_true(st.login_shared >= 10);
	/* one browser, one success, many failures: brute force even with a success */
	feed_ua(d, "198.51.100.61", T0, "POST", "/dang-nhap", 302, uas[0]);
	for (int i = 0; i < 10; i++)
		feed_ua(d, "198.51.100.61", T0 + 1 + i, "POST", "/dang-nhap", 401, uas[i % 2]);
	assert_non_null(find(d, "198.51.100.61", WEBLOG_RULE_BRUTE));
	/* many user agents but no successes (a tool rotating agents): brute force */
	for (int i = 0; i < 10; i++)
		feed_ua(d, "198.51.100.62", T0 + i, "POST", "/dang-nhap", 401, uas[i % 5]);
	assert_non_null(find(d, "198.51.100.62", WEBLOG_RULE_BRUTE));
	weblog_detect_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_404),      cmocka_unit_test(test_brute_force),
		cmocka_unit_test(test_rate_and_probe), cmocka_unit_test(test_injection_and_allowlist),
		cmocka_unit_test(test_eviction),      cmocka_unit_test(test_prepare_then_feed),
		cmocka_unit_test(test_slow_scan),     cmocka_unit_test(test_login_answer_shape),
		cmocka_unit_test(test_shared_address),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
