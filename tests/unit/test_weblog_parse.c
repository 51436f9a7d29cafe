/*
 * The access-log parser: combined and common lines, a custom nginx log_format,
 * JSON lines, time zones of the log's own offset, and lines that must be counted
 * as malformed (truncated, binary, not an address, too long) without a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "detect/weblog_parse.h"

static int parse(struct weblog_parser *p, const char *text, struct weblog_entry *e, char *buf, size_t size)
{
	size_t n = strlen(text);
	assert_true(n < size);
	memcpy(buf, text, n + 1);
	return weblog_parse_line(p, buf, n, e);
}

static struct weblog_parser *parser(enum weblog_input in, const char *fmt)
{
	struct weblog_parser *p = NULL;
	char why[128];
	assert_int_equal(weblog_parser_new(in, fmt, &p, why, sizeof why), 0);
	return p;
}

static void test_combined(void **state)
{
	(void)state;
	char buf[1024];
	struct weblog_entry e;
	struct weblog_parser *p = parser(WEBLOG_INPUT_TEXT, NULL);
	assert_int_equal(parse(p, "203.0.113.5 - bob [10/Oct/2024:13:55:36 +0700] \"POST /dang-nhap?x=1 HTTP/1.1\" "
				  "401 512 \"https://a/\" \"Mozilla/5.0 (X11)\"", &e, buf, sizeof buf), 0);
	assert_string_equal(e.ip, "203.0.113.5");
	assert_string_equal(e.user, "bob");
	assert_string_equal(e.method, "POST");
	assert_string_equal(e.uri, "/dang-nhap?x=1");
	assert_string_equal(e.protocol, "HTTP/1.1");
	assert_int_equal(e.status, 401);
	assert_int_equal(e.bytes, 512);
	assert_string_equal(e.referer, "https://a/");
	assert_string_equal(e.user_agent, "Mozilla/5.0 (X11)");
	assert_int_equal(e.time, 1728543336); /* 2024-10-10T06:55:36Z */
	/* common (Apache's default), "-" bytes, an escaped quote, extra fields after the agent */
	assert_int_equal(parse(p, "2001:db8::1 - - [10/Oct/2024:06:55:36 +0000] \"GET / HTTP/1.0\" 304 -", &e, buf,
			       sizeof buf), 0);
	assert_string_equal(e.ip, "2001:db8::1");
	assert_int_equal(e.bytes, 0);
	assert_int_equal(e.time, 1728543336);
	assert_int_equal(parse(p, "198.51.100.1 - - [10/Oct/2024:13:55:36 +0700] \"GET /a\\\"b HTTP/1.1\" 200 5 "
				  "\"-\" \"x\" \"10.0.0.1\" 0.004", &e, buf, sizeof buf), 0);
	assert_string_equal(e.uri, "/a\\\"b");
	assert_string_equal(e.user_agent, "x");
	/* not an HTTP request line: kept whole as the uri */
	assert_int_equal(parse(p, "198.51.100.1 - - [10/Oct/2024:13:55:36 +0700] \"\\x16\\x03\\x01\" 400 150 \"-\" \"-\"",
			       &e, buf, sizeof buf), 0);
	assert_string_equal(e.method, "");
	assert_string_equal(e.uri, "\\x16\\x03\\x01");
	weblog_parser_free(p);
}

static void test_time_zones(void **state)
{
	(void)state;
	int64_t t;
	const char *a = "10/Oct/2024:13:55:36 +0700", *b = "10/Oct/2024:06:55:36 +0000",
		   *c = "09/Oct/2024:23:55:36 -0700", *d = "10/Oct/2024:12:25:36 +0530";
	assert_int_equal(weblog_time_parse_local(a, strlen(a), &t), 0);
	assert_int_equal(t, 1728543336);
	assert_int_equal(weblog_time_parse_local(b, strlen(b), &t), 0);
	assert_int_equal(t, 1728543336);
	assert_int_equal(weblog_time_parse_local(c, strlen(c), &t), 0);
	assert_int_equal(t, 1728543336);
	assert_int_equal(weblog_time_parse_local(d, strlen(d), &t), 0);
	assert_int_equal(t, 1728543336);
	const char *leap = "29/Feb/2024:00:00:00 +0000";
	assert_int_equal(weblog_time_parse_local(leap, strlen(leap), &t), 0);
	assert_int_equal(t, 1709164800);
	const char *bad[] = {"10/Foo/2024:13:55:36 +0700", "10/Oct/2024:25:55:36 +0700", "10/Oct/2024 13:55:36 +0700",
			     "10/Oct/2024:13:55:36", "1O/Oct/2024:13:55:36 +0700"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(weblog_time_parse_local(bad[i], strlen(bad[i]), &t), -1);
}

static void test_custom_format(void **state)
{
	(void)state;
	char buf[1024];
	struct weblog_entry e;
	struct weblog_parser *p = parser(WEBLOG_INPUT_TEXT,
		"$remote_addr [$time_local] \"$request\" $status $body_bytes_sent rt=$request_time "
		"up=$upstream_response_time ua=\"$http_user_agent\"");
	assert_int_equal(parse(p, "192.0.2.7 [10/Oct/2024:13:55:36 +0700] \"GET /x HTTP/2.0\" 404 0 rt=0.120 up=- "
				  "ua=\"curl/8\"", &e, buf, sizeof buf), 0);
	assert_string_equal(e.ip, "192.0.2.7");
	assert_string_equal(e.uri, "/x");
	assert_int_equal(e.status, 404);
	assert_true(e.request_time > 0.119 && e.request_time < 0.121);
	assert_string_equal(e.user_agent, "curl/8");
	/* a custom format is strict: a combined line does not fit it */
	assert_int_equal(parse(p, "192.0.2.7 - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"", &e,
			       buf, sizeof buf), WEBLOG_EMALFORMED);
	weblog_parser_free(p);
	/* ${var} and $time_iso8601 */
	p = parser(WEBLOG_INPUT_TEXT, "${remote_addr}|$time_iso8601|$request_method|$request_uri|$status");
	assert_int_equal(parse(p, "192.0.2.8|2024-10-10T13:55:36+07:00|POST|/login|401", &e, buf, sizeof buf), 0);
	assert_string_equal(e.method, "POST");
	assert_string_equal(e.uri, "/login");
	assert_int_equal(e.time, 1728543336);
	weblog_parser_free(p);
	char why[128];
	assert_int_equal(weblog_parser_new(WEBLOG_INPUT_TEXT, "$status $request", &p, why, sizeof why), WEBLOG_EFORMAT);
	assert_int_equal(weblog_parser_new(WEBLOG_INPUT_TEXT, "$remote_addr$status", &p, why, sizeof why),
			 WEBLOG_EFORMAT);
}

static void test_json(void **state)
{
	(void)state;
	char buf[1024];
	struct weblog_entry e;
	struct weblog_parser *p = parser(WEBLOG_INPUT_JSON, NULL);
	assert_int_equal(parse(p, "{\"remote_addr\":\"203.0.113.9\",\"time\":\"2024-10-10T13:55:36+07:00\","
				  "\"method\":\"GET\",\"uri\":\"/a?b=1\",\"status\":404,\"http_user_agent\":\"x\"}",
			       &e, buf, sizeof buf), 0);
	assert_string_equal(e.ip, "203.0.113.9");
	assert_string_equal(e.uri, "/a?b=1");
	assert_int_equal(e.status, 404);
	assert_int_equal(e.time, 1728543336);
	assert_int_equal(parse(p, "{\"ip\":\"203.0.113.9\",\"time_local\":\"10/Oct/2024:13:55:36 +0700\","
				  "\"request\":\"POST /dang-nhap HTTP/1.1\",\"status\":\"401\"}", &e, buf, sizeof buf), 0);
	assert_string_equal(e.method, "POST");
	assert_string_equal(e.uri, "/dang-nhap");
	assert_int_equal(e.status, 401);
	assert_int_equal(parse(p, "{\"ip\":\"203.0.113.9\",\"time\":1728543336,\"path\":\"/\",\"status\":200}", &e, buf,
			       sizeof buf), 0);
	assert_int_equal(e.time, 1728543336);
	assert_int_equal(parse(p, "{\"ip\":\"nope\",\"time\":1,\"status\":200}", &e, buf, sizeof buf), WEBLOG_EMALFORMED);
	assert_int_equal(parse(p, "{\"ip\":\"1.2.3.4\",\"status\":200}", &e, buf, sizeof buf), WEBLOG_EMALFORMED);
	assert_int_equal(parse(p, "[1,2]", &e, buf, sizeof buf), WEBLOG_EMALFORMED);
	assert_int_equal(parse(p, "{\"ip\":\"1.2.3.4\",", &e, buf, sizeof buf), WEBLOG_EMALFORMED);
	weblog_parser_free(p);
}

static void test_malformed(void **state)
{
	(void)state;
	char buf[1024];
	struct weblog_entry e;
	struct weblog_parser *p = parser(WEBLOG_INPUT_TEXT, NULL);
	const char *bad[] = {
		"",
		"garbage",
		"203.0.113.5 - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1\" 200",     /* truncated */
		"203.0.113.5 - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1",           /* truncated */
		"example.com - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1\" 200 1",   /* not an address */
		"203.0.113.5 - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1\" 2x0 1",   /* status */
		"203.0.113.5 - - [yesterday] \"GET / HTTP/1.1\" 200 1",                    /* time */
		"\xff\xfe\x80 - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1\" 200 1", /* binary */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(parse(p, bad[i], &e, buf, sizeof buf), WEBLOG_EMALFORMED);
	/* embedded NUL and invalid UTF-8 inside fields are not malformed, only data */
	char nul[] = "203.0.113.5 - - [10/Oct/2024:13:55:36 +0700] \"GET /\xc3\x28 HTTP/1.1\" 200 1 \"-\" \"a\0b\"";
	assert_int_equal(weblog_parse_line(p, nul, sizeof nul - 1, &e), 0);
	/* too long */
	size_t big = WEBLOG_LINE_MAX + 10;
	char *line = malloc(big + 1);
	assert_non_null(line);
	memset(line, 'a', big);
	line[big] = '\0';
	assert_int_equal(weblog_parse_line(p, line, big, &e), WEBLOG_EMALFORMED);
	free(line);
	weblog_parser_free(p);
}

/* The parser's own IPv4 reading agrees with inet_pton, and gives the binary
 * address the detector keys on (IPv4 as ::ffff:a.b.c.d). */
static void test_addresses(void **state)
{
	(void)state;
	char buf[1024], line[256];
	struct weblog_entry e;
	struct weblog_parser *p = parser(WEBLOG_INPUT_TEXT, NULL);
	const char *addrs[] = {"0.0.0.0", "1.2.3.4", "255.255.255.255", "10.0.0.255", "01.2.3.4", "1.2.3.04",
			       "00.1.2.3", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.", "1000.1.1.1",
			       "2001:db8::1", "::ffff:1.2.3.4", "::1", "2001:db8::g", "1.2.3.4a"};
	for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
		unsigned char want[16] = {0};
		int ok = strchr(addrs[i], ':') ? inet_pton(AF_INET6, addrs[i], want)
					       : inet_pton(AF_INET, addrs[i], want + 12);
		if (!strchr(addrs[i], ':'))
			want[10] = want[11] = 0xff;
		snprintf(line, sizeof line, "%s - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1\" 200 1", addrs[i]);
		int rc = parse(p, line, &e, buf, sizeof buf);
		if ((rc == 0) != (ok == 1))
			fail_msg("%s: parser %d, inet_pton %d", addrs[i], rc, ok);
		if (rc == 0) {
			assert_true(e.has_addr);
			assert_memory_equal(e.addr, want, 16);
			assert_string_equal(e.ip, addrs[i]);
		}
	}
	/* consecutive lines share their second (cached) or not */
	assert_int_equal(parse(p, "1.2.3.4 - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1\" 200 1", &e, buf,
			       sizeof buf), 0);
	assert_int_equal(e.time, 1728543336);
	assert_int_equal(parse(p, "1.2.3.4 - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1\" 200 1", &e, buf,
			       sizeof buf), 0);
	assert_int_equal(e.time, 1728543336);
	assert_int_equal(parse(p, "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1", &e, buf,
			       sizeof buf), 0);
	assert_int_equal(e.time, 1728543336 + 7 * 3600);
	assert_int_equal(parse(p, "1.2.3.4 - - [10/Oct/2024:13:55:3x +0000] \"GET / HTTP/1.1\" 200 1", &e, buf,
			       sizeof buf), WEBLOG_EMALFORMED);
	/* an escaped backslash before the closing quote ends the field; an escaped quote does not */
	assert_int_equal(parse(p, "1.2.3.4 - - [10/Oct/2024:13:55:36 +0700] \"GET /a\\\\ HTTP/1.1\" 200 1 \"-\" \"u\\\\\"",
			       &e, buf, sizeof buf), 0);
	assert_string_equal(e.uri, "/a\\\\");
	assert_string_equal(e.user_agent, "u\\\\");
	assert_int_equal(parse(p, "1.2.3.4 - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"u\\\\\\\"x\"",
			       &e, buf, sizeof buf), 0);
	assert_string_equal(e.user_agent, "u\\\\\\\"x");
	/* bytes: digits, "-", and what strtoll also takes */
	assert_int_equal(parse(p, "1.2.3.4 - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1\" 200 123456789012", &e,
			       buf, sizeof buf), 0);
	assert_true(e.bytes == 123456789012LL);
	assert_int_equal(parse(p, "1.2.3.4 - - [10/Oct/2024:13:55:36 +0700] \"GET / HTTP/1.1\" 200 12a", &e, buf,
			       sizeof buf), WEBLOG_EMALFORMED);
	weblog_parser_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_combined),   cmocka_unit_test(test_time_zones),
		cmocka_unit_test(test_custom_format), cmocka_unit_test(test_json),
		cmocka_unit_test(test_malformed), cmocka_unit_test(test_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
