/*
 * Addresses: listen settings (v4, [v6], localhost, and what is refused), the
 * loopback test that gates plain HTTP, and CIDR networks for allowlists and
 * trusted proxies, including IPv4-mapped IPv6 clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "core/net.h"

static struct sockaddr_storage v4(const char *ip)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	a->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *ip)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
	a->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static void test_listen_parse(void **state)
{
	(void)state;
	struct net_addr a;
	assert_int_equal(net_listen_parse("127.0.0.1:8080", &a), 0);
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)&a.ss;
	assert_int_equal(a4->sin_family, AF_INET);
	assert_int_equal(ntohs(a4->sin_port), 8080);
	assert_int_equal(ntohl(a4->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(a.len, sizeof(struct sockaddr_in));

	assert_int_equal(net_listen_parse("[::1]:443", &a), 0);
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a.ss;
	assert_int_equal(a6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(a6->sin6_port), 443);
	assert_true(IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr));
	assert_int_equal(a.len, sizeof(struct sockaddr_in6));

	assert_int_equal(net_listen_parse("localhost:0", &a), 0);
	assert_int_equal(ntohl(a4->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(a4->sin_port, 0);

	assert_int_equal(net_listen_parse("0.0.0.0:65535", &a), 0);
	assert_int_equal(net_listen_parse("[::]:80", &a), 0);

	const char *bad[] = {
		"",  "127.0.0.1", "127.0.0.1:", ":8080", "127.0.0.1:65536", "127.0.0.1:-1",
		"127.0.0.1:80a", "127.0.0.1:+80", "127.0.0.1: 80", "example.org:80", "::1:8080",
		"[::1]8080", "[::1]:", "[127.0.0.1]:80", "[::1:80", "256.0.0.1:80", "127.0.0.1:80:80",
		"127.0.0.1:0000080",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (net_listen_parse(bad[i], &a) != -1) {
			print_error("accepted '%s'\n", bad[i]);
			fail();
		}
	}
	assert_int_equal(net_listen_parse(NULL, &a), -1);
}

static void test_loopback(void **state)
{
	(void)state;
	struct sockaddr_storage s;
	s = v4("127.0.0.1");
	assert_true(net_addr_is_loopback(SA(s)));
	s = v4("127.255.0.9");
	assert_true(net_addr_is_loopback(SA(s)));
	s = v4("128.0.0.1");
	assert_false(net_addr_is_loopback(SA(s)));
	s = v4("0.0.0.0");
	assert_false(net_addr_is_loopback(SA(s)));
	s = v4("10.0.0.1");
	assert_false(net_addr_is_loopback(SA(s)));
	s = v6("::1");
	assert_true(net_addr_is_loopback(SA(s)));
	s = v6("::");
	assert_false(net_addr_is_loopback(SA(s)));
	s = v6("::ffff:127.0.0.1");
	assert_true(net_addr_is_loopback(SA(s)));
	s = v6("::ffff:10.0.0.1");
	assert_false(net_addr_is_loopback(SA(s)));
	s = v6("2001:db8::1");
	assert_false(net_addr_is_loopback(SA(s)));
}

static void test_cidr_parse(void **state)
{
	(void)state;
	struct net_cidr c;
	assert_int_equal(net_cidr_parse("10.0.0.0/8", &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 8);
	assert_int_equal(net_cidr_parse("192.0.2.1", &c), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(net_cidr_parse("2001:db8::/32", &c), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(net_cidr_parse("::1", &c), 0);
	assert_int_equal(c.prefix, 128);
	assert_int_equal(net_cidr_parse("0.0.0.0/0", &c), 0);
	assert_int_equal(c.prefix, 0);
	assert_int_equal(net_cidr_parse("::/0", &c), 0);

	const char *bad[] = {"", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.0/+8",
			     "10.0.0.0/ 8", "::/129", "10.0.0/8", "host.example", "10.0.0.0/8/8",
			     "1.2.3.4.5", "2001:db8::/32 "};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (net_cidr_parse(bad[i], &c) != -1) {
			print_error("accepted '%s'\n", bad[i]);
			fail();
		}
	}
	assert_int_equal(net_cidr_parse(NULL, &c), -1);
	char longs[100];
	memset(longs, '1', sizeof longs - 1);
	longs[sizeof longs - 1] = '\0';
	assert_int_equal(net_cidr_parse(longs, &c), -1);
}

static bool in(const char *cidr, struct sockaddr_storage ss)
{
	struct net_cidr c;
	assert_int_equal(net_cidr_parse(cidr, &c), 0);
	return net_cidr_contains(&c, SA(ss));
}

static void test_cidr_contains(void **state)
{
	(void)state;
	assert_true(in("10.0.0.0/8", v4("10.255.1.2")));
	assert_false(in("10.0.0.0/8", v4("11.0.0.0")));
	assert_true(in("192.168.1.0/23", v4("192.168.0.77")));
	assert_false(in("192.168.1.0/23", v4("192.168.2.1"))); /* /23: a non-byte prefix */
	assert_true(in("192.0.2.1", v4("192.0.2.1")));
	assert_false(in("192.0.2.1", v4("192.0.2.2")));
	assert_true(in("0.0.0.0/0", v4("203.0.113.9")));
	assert_true(in("::/0", v6("2001:db8::9")));
	assert_false(in("::/0", v4("203.0.113.9"))); /* an IPv6 network holds no IPv4 address */
	assert_true(in("2001:db8::/32", v6("2001:db8:ffff::1")));
	assert_false(in("2001:db8::/32", v6("2001:db9::1")));
	assert_true(in("2001:db8::/33", v6("2001:db8:7fff::1")));
	assert_false(in("2001:db8::/33", v6("2001:db8:8000::1")));
	/* an IPv4 client reaching a dual-stack socket appears as ::ffff:a.b.c.d */
	assert_true(in("10.0.0.0/8", v6("::ffff:10.1.2.3")));
	assert_false(in("10.0.0.0/8", v6("::ffff:11.1.2.3")));
	assert_true(in("127.0.0.0/8", v6("::ffff:127.0.0.1")));
	assert_false(in("10.0.0.0/8", v6("2001:db8::a00:1"))); /* not mapped */
	assert_false(in("::1", v4("127.0.0.1")));
}

static void test_addr_format(void **state)
{
	(void)state;
	char out[64];
	struct sockaddr_storage s = v4("192.0.2.7");
	assert_int_equal(net_addr_format(SA(s), out, sizeof out), 0);
	assert_string_equal(out, "192.0.2.7");
	s = v6("2001:db8::1");
	assert_int_equal(net_addr_format(SA(s), out, sizeof out), 0);
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(net_addr_format(SA(s), out, 4), -1);
	s.ss_family = AF_UNIX;
	assert_int_equal(net_addr_format(SA(s), out, sizeof out), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_cidr_contains),
		cmocka_unit_test(test_addr_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
