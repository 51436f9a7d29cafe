/*
 * Configuration: every default of ../shared/API.md, the default file parsing back
 * cleanly, and each kind of bad input reported with the line it is on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"

/* Loads `text`, expects exactly one error, on `line`, whose message contains `needle`. */
static void expect_one_error(const char *text, int line, const char *needle)
{
	struct config cfg;
	struct config_errors errs;
	int rc = config_load_string(text, &cfg, &errs);
	if (rc != -1 || errs.count != 1 || errs.items[0].line != line ||
	    !strstr(errs.items[0].message, needle)) {
		print_error("config:\n%s\nwanted one error on line %d containing '%s'; got rc %d, %d errors:\n",
			    text, line, needle, rc, errs.count);
		for (int i = 0; i < errs.count && i < CONFIG_MAX_ERRORS; i++)
			print_error("  line %d: %s\n", errs.items[i].line, errs.items[i].message);
		fail();
	}
}

/* Loads `text`, expects it to fail with (among others) an error on `line` containing `needle`. */
static void expect_error_on(const char *text, int line, const char *needle)
{
	struct config cfg;
	struct config_errors errs;
	assert_int_equal(config_load_string(text, &cfg, &errs), -1);
	for (int i = 0; i < errs.count && i < CONFIG_MAX_ERRORS; i++)
		if (errs.items[i].line == line && strstr(errs.items[i].message, needle))
			return;
	print_error("config:\n%s\nwanted an error on line %d containing '%s'\n", text, line, needle);
	fail();
}

static void test_defaults_match_api(void **state)
{
	(void)state;
	struct config c;
	config_defaults(&c);
	assert_string_equal(c.server.listen, "127.0.0.1:8080");
	assert_string_equal(c.server.tls_cert, "");
	assert_string_equal(c.server.tls_key, "");
	assert_string_equal(c.server.trusted_proxies, "");
	assert_int_equal(c.password.min_length, 8);
	assert_true(c.password.require_upper);
	assert_true(c.password.require_lower);
	assert_true(c.password.require_digit);
	assert_true(c.password.require_special);
	assert_int_equal(c.password.history, 5);
	assert_int_equal(c.password.max_age_days, 90);
	assert_int_equal(c.password.warn_days, 14);
	assert_int_equal(c.lockout.max_failures, 5);
	assert_int_equal(c.lockout.window_seconds, 900);
	assert_int_equal(c.lockout.lock_seconds, 900);
	assert_int_equal(c.lockout.ip_max_failures, 20);
	assert_int_equal(c.session.idle_seconds, 900);
	assert_int_equal(c.session.absolute_seconds, 28800);
	assert_int_equal(c.quota.user_per_minute, 10);
	assert_int_equal(c.quota.user_per_day, 200);
	assert_int_equal(c.quota.agency_per_day, 5000);
	assert_string_equal(c.lookup.dossier_pattern, "^[A-Z0-9]+(\\.[A-Z0-9]+)*-[0-9]{6}-[0-9]{4,7}$");
	assert_int_equal(c.detect.enumeration_count, 5);
	assert_int_equal(c.detect.enumeration_window_seconds, 600);
	assert_string_equal(c.workhours.start, "07:00");
	assert_string_equal(c.workhours.end, "17:30");
	assert_string_equal(c.workhours.days, "mon-fri");
	assert_string_equal(c.workhours.holidays, "");
	assert_int_equal(c.incident.report_deadline_hours, 72);
	assert_string_equal(c.weblog.paths, "");
	assert_string_equal(c.weblog.allowlist, "127.0.0.0/8");
	assert_string_equal(c.fim.roots, "");
	assert_int_equal(c.fim.rescan_seconds, 3600);
	assert_string_equal(c.log.level, "info");
}

static void test_default_text_parses_back(void **state)
{
	(void)state;
	struct config from_text, defaults;
	struct config_errors errs;
	const char *text = config_default_text();
	assert_non_null(strstr(text, "[server]"));
	assert_non_null(strstr(text, "[fim]"));
	assert_int_equal(config_load_string(text, &from_text, &errs), 0);
	assert_int_equal(errs.count, 0);
	config_defaults(&defaults);
	assert_memory_equal(&from_text, &defaults, sizeof defaults);
}

static void test_empty_and_valid_values(void **state)
{
	(void)state;
	struct config c;
	struct config_errors errs;
	assert_int_equal(config_load_string("", &c, &errs), 0);
	assert_int_equal(config_load_string("; only a comment\n# and another\n\n", &c, &errs), 0);
	const char *text = "[server]\n"
			   "listen = [::1]:9000\n"
			   "trusted_proxies = 10.0.0.0/8, 192.0.2.1 2001:db8::/32\n"
			   "[password]\n"
			   "require_special = no\n"
			   "min_length = 12\n"
			   "[workhours]\n"
			   "days = mon,tue,sat\n"
			   "holidays = 2026-09-02, 2024-02-29\n";
	assert_int_equal(config_load_string(text, &c, &errs), 0);
	assert_string_equal(c.server.listen, "[::1]:9000");
	assert_false(c.password.require_special);
	assert_int_equal(c.password.min_length, 12);
	assert_string_equal(c.workhours.days, "mon,tue,sat");
	assert_string_equal(c.workhours.holidays, "2026-09-02, 2024-02-29");
}

static void test_long_list_line(void **state)
{
	(void)state;
	/* A list longer than libinih's default 200-byte line must still be one line. */
	char text[CONFIG_LIST_MAX + 64];
	size_t off = (size_t)snprintf(text, sizeof text, "[server]\ntrusted_proxies = ");
	for (int i = 0; i < 40; i++)
		off += (size_t)snprintf(text + off, sizeof text - off, "%s10.%d.0.0/16", i ? ", " : "", i);
	snprintf(text + off, sizeof text - off, "\n[bogus]\nx = 1\n");
	assert_true(strlen(text) > 400);
	struct config c;
	struct config_errors errs;
	assert_int_equal(config_load_string(text, &c, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_int_equal(errs.items[0].line, 3); /* [bogus]: the long line counted once */
	assert_non_null(strstr(c.server.trusted_proxies, "10.39.0.0/16"));
}

static void test_overlong_line(void **state)
{
	(void)state;
	size_t n = CONFIG_LIST_MAX + 1024;
	char *text = malloc(n + 64);
	assert_non_null(text);
	strcpy(text, "[fim]\nroots = ");
	size_t off = strlen(text);
	memset(text + off, 'a', n);
	strcpy(text + off + n, "\nnope = 1\n");
	struct config c;
	struct config_errors errs;
	assert_int_equal(config_load_string(text, &c, &errs), -1);
	assert_int_equal(errs.count, 2);
	assert_int_equal(errs.items[0].line, 2);
	assert_non_null(strstr(errs.items[0].message, "too long"));
	assert_int_equal(errs.items[1].line, 3);
	assert_non_null(strstr(errs.items[1].message, "nope"));
	free(text);
}

static void test_malformed_line(void **state)
{
	(void)state;
	expect_one_error("[server]\nlisten = 127.0.0.1:8080\nthis line has no equals sign\n", 3, "cannot parse");
	/* a broken header; its keys then belong to no section, which is reported too */
	expect_error_on("; comment\n[server\nlisten = 127.0.0.1:8080\n", 2, "cannot parse");
	expect_error_on("; comment\n[server\nlisten = 127.0.0.1:8080\n", 3, "unknown section");
}

static void test_unknown_section(void **state)
{
	(void)state;
	/* named on its header line, once, however many keys it holds */
	expect_one_error("[server]\nthreads = 2\n\n[sever]\nlisten = 127.0.0.1:1\nthreads = 2\n", 4,
			 "unknown section [sever]");
	/* each header of an unknown section is reported, on its own line */
	struct config c;
	struct config_errors errs;
	assert_int_equal(config_load_string("[x]\na = 1\n[server]\nthreads = 1\n[x]\nb = 2\n", &c, &errs), -1);
	assert_int_equal(errs.count, 2);
	assert_int_equal(errs.items[0].line, 1);
	assert_int_equal(errs.items[1].line, 5);
	/* keys before any section */
	expect_one_error("\nlisten = 127.0.0.1:1\n", 2, "unknown section");
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_one_error("[password]\nmin_length = 9\nmin_lenght = 10\n", 3, "unknown key 'min_lenght'");
	/* a key that exists, but in another section */
	expect_one_error("[password]\nlisten = 127.0.0.1:1\n", 2, "unknown key 'listen'");
}

static void test_int_values(void **state)
{
	(void)state;
	expect_one_error("[password]\nmin_length = 4\n", 2, "out of range");
	expect_one_error("[password]\n\nmax_age_days = 91\n", 3, "out of range");
	expect_one_error("[quota]\nuser_per_day = 99999999999999999999\n", 2, "whole number");
	expect_one_error("[quota]\nuser_per_day = eight\n", 2, "whole number");
	expect_one_error("[quota]\nuser_per_day = 12abc\n", 2, "whole number");
	expect_one_error("[quota]\nuser_per_day =\n", 2, "whole number");
	expect_one_error("[incident]\nreport_deadline_hours = 73\n", 2, "out of range");
	expect_one_error("[fim]\nrescan_seconds = -1\n", 2, "out of range");
}

static void test_bool_values(void **state)
{
	(void)state;
	expect_one_error("[password]\nrequire_upper = maybe\n", 2, "true or false");
	expect_one_error("[audit]\nsyslog = 2\n", 2, "true or false");
}

static void test_listen_values(void **state)
{
	(void)state;
	expect_one_error("[server]\nlisten = 127.0.0.1\n", 2, "HOST:PORT");
	expect_one_error("[server]\nlisten = 127.0.0.1:65536\n", 2, "HOST:PORT");
	expect_one_error("[server]\nlisten = example.org:80\n", 2, "HOST:PORT");
	expect_one_error("[server]\nlisten = ::1:8080\n", 2, "HOST:PORT");
}

static void test_cidr_values(void **state)
{
	(void)state;
	expect_one_error("[weblog]\nallowlist = 127.0.0.0/8, 10.0.0.0/33\n", 2, "networks");
	expect_one_error("[server]\ntrusted_proxies = 10.0.0.0/8 proxy.example\n", 2, "networks");
	expect_one_error("[server]\ntrusted_proxies = 2001:db8::/129\n", 2, "networks");
}

static void test_regex_value(void **state)
{
	(void)state;
	expect_one_error("[lookup]\ndossier_pattern = ^([A-Z\n", 2, "regular expression");
}

static void test_time_day_date_values(void **state)
{
	(void)state;
	expect_one_error("[workhours]\nstart = 7:00\n", 2, "HH:MM");
	expect_one_error("[workhours]\nstart = 24:00\nend = 23:59\n", 2, "HH:MM");
	expect_one_error("[workhours]\nend = 17:60\n", 2, "HH:MM");
	expect_one_error("[workhours]\ndays = mon-fry\n", 2, "days");
	expect_one_error("[workhours]\ndays =\n", 2, "days");
	expect_one_error("[workhours]\ndays = monday\n", 2, "days");
	expect_one_error("[workhours]\nholidays = 2026-13-01\n", 2, "dates");
	expect_one_error("[workhours]\nholidays = 2026-09-02, 2026-02-30\n", 2, "dates");
	expect_one_error("[workhours]\nholidays = 2025-02-29\n", 2, "dates");
	expect_one_error("[workhours]\nholidays = 2026-9-2\n", 2, "dates");
	expect_one_error("[workhours]\nholidays = 1999-01-01\n", 2, "dates");
}

static void test_log_level(void **state)
{
	(void)state;
	expect_one_error("[log]\nlevel = verbose\n", 2, "debug, info");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	expect_one_error("[quota]\nuser_per_day = 100\n; again\nuser_per_day = 300\n", 4, "first on line 2");
	/* the same key in a repeated section is still a duplicate */
	expect_one_error("[quota]\nuser_per_day = 100\n[server]\n[quota]\nuser_per_day = 100\n", 5, "twice");
}

static void test_cross_key_checks(void **state)
{
	(void)state;
	/* the line is that of the key the operator wrote, whichever of the pair */
	expect_one_error("[password]\nwarn_days = 30\nmax_age_days = 30\n", 2, "warn_days");
	expect_one_error("[password]\nmax_age_days = 10\n", 2, "warn_days (14)");
	expect_one_error("[workhours]\nstart = 17:00\nend = 08:00\n", 3, "end (08:00) must be after start");
	expect_one_error("[workhours]\n\nstart = 18:00\n", 3, "must be after start (18:00)");
	expect_one_error("[server]\ntls_cert = /etc/ssl/cert.pem\n", 2, "tls_cert and tls_key");
	expect_one_error("[server]\n\ntls_key = /etc/ssl/key.pem\n", 3, "tls_cert and tls_key");
	expect_one_error("[session]\nidle_seconds = 30000\n", 2, "idle_seconds");
	expect_one_error("[quota]\nuser_per_day = 5\n", 2, "user_per_minute");
	struct config c;
	assert_int_equal(config_load_string("[server]\ntls_cert = /a\ntls_key = /b\n", &c, NULL), 0);
}

static void test_several_errors_all_reported(void **state)
{
	(void)state;
	const char *text = "[server]\n"		       /* 1 */
			   "listen = nowhere\n"	       /* 2 */
			   "[password]\n"	       /* 3 */
			   "min_length = 3\n"	       /* 4 */
			   "colour = blue\n"	       /* 5 */
			   "this is not ini\n"	       /* 6 */
			   "[workhours]\n"	       /* 7 */
			   "days = someday\n"	       /* 8 */
			   "[nope]\n"		       /* 9 */
			   "a = b\n"		       /* 10 */
			   "[quota]\n"		       /* 11 */
			   "user_per_day = 1\n"	       /* 12: and user_per_minute 10 > 1 */
			   "user_per_day = 2\n";       /* 13 */
	struct config c;
	struct config_errors errs;
	assert_int_equal(config_load_string(text, &c, &errs), -1);
	const int want[] = {2, 4, 5, 6, 8, 9, 12, 13};
	int seen[sizeof want / sizeof want[0]] = {0};
	for (int i = 0; i < errs.count; i++)
		for (size_t j = 0; j < sizeof want / sizeof want[0]; j++)
			if (errs.items[i].line == want[j])
				seen[j]++;
	for (size_t j = 0; j < sizeof want / sizeof want[0]; j++)
		if (seen[j] != 1) {
			print_error("line %d reported %d times\n", want[j], seen[j]);
			fail();
		}
	assert_int_equal(errs.count, 8);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct config c;
	struct config_errors errs;
	assert_int_equal(config_load("/nonexistent/canhgac.conf", &c, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_int_equal(errs.items[0].line, 0);
	assert_non_null(strstr(errs.items[0].message, "/nonexistent/canhgac.conf"));
	/* a directory is not an empty, valid configuration */
	assert_int_equal(config_load("/", &c, &errs), -1);
	assert_int_equal(errs.count, 1);
}

static void test_write_default_and_load(void **state)
{
	(void)state;
	char dir[] = "/tmp/canhgac-test-config-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/canhgac.conf", dir);
	assert_int_equal(config_write_default(path), 0);
	assert_true(config_write_default(path) < 0); /* never overwrites */
	struct config c;
	struct config_errors errs;
	assert_int_equal(config_load(path, &c, &errs), 0);
	assert_int_equal(c.quota.agency_per_day, 5000);
	unlink(path);
	rmdir(dir);
}

static int collect(const char *item, void *arg)
{
	char *out = arg;
	strcat(out, "<");
	strcat(out, item);
	strcat(out, ">");
	return strcmp(item, "stop") == 0 ? 7 : 0;
}

static void test_list_each(void **state)
{
	(void)state;
	char out[256] = "";
	assert_int_equal(config_list_each(" a, b\tc,,d ", collect, out), 0);
	assert_string_equal(out, "<a><b><c><d>");
	out[0] = '\0';
	assert_int_equal(config_list_each("x stop y", collect, out), 7);
	assert_string_equal(out, "<x><stop>");
	out[0] = '\0';
	assert_int_equal(config_list_each("", collect, out), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_match_api),
		cmocka_unit_test(test_default_text_parses_back),
		cmocka_unit_test(test_empty_and_valid_values),
		cmocka_unit_test(test_long_list_line),
		cmocka_unit_test(test_overlong_line),
		cmocka_unit_test(test_malformed_line),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_int_values),
		cmocka_unit_test(test_bool_values),
		cmocka_unit_test(test_listen_values),
		cmocka_unit_test(test_cidr_values),
		cmocka_unit_test(test_regex_value),
		cmocka_unit_test(test_time_day_date_values),
		cmocka_unit_test(test_log_level),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_cross_key_checks),
		cmocka_unit_test(test_several_errors_all_reported),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_write_default_and_load),
		cmocka_unit_test(test_list_each),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
