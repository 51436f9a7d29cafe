/*
 * The detector's IP block list: addresses in one canonical form (upper-case or
 * uncompressed IPv6, IPv4-mapped IPv6) whoever writes or asks; a full list
 * evicts the detector's own blocks closest to expiry, never an admin's, raises
 * one block_table_full alert, and refuses a new block when every entry is an
 * admin's. The store lives on /dev/shm when there is one: 4,096 commits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/net.h"
#include "detect/detect.h"
#include "store/store.h"

struct fx {
	char dir[64];
	struct config cfg;
	struct store *st;
	struct detect *d;
};

#define NOW ((int64_t)1788836400)

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char why[256], db[128];
	snprintf(f->dir, sizeof f->dir, access("/dev/shm", W_OK) == 0 ? "/dev/shm/canhgac-blocks-XXXXXX"
								     : "/tmp/canhgac-blocks-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(db, sizeof db, "%s/canhgac.db", f->dir);
	config_defaults(&f->cfg);
	log_setup(LOG_ERROR, NULL);
	clock_set_fake(NOW);
	assert_int_equal(store_open(db, STORE_OPEN_CREATE, &f->st, why, sizeof why), 0);
	struct detect_deps deps = {.cfg = &f->cfg, .st = f->st};
	assert_int_equal(detect_open(&deps, &f->d, why, sizeof why), 0);
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	detect_close(f->d);
	store_close(f->st);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	clock_set_fake(0);
	free(f);
	return 0;
}

static void test_canonical_text(void **state)
{
	(void)state;
	char out[64] = "";
	assert_int_equal(net_ip_canonical("2001:DB8::1", out, sizeof out), 0);
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(net_ip_canonical("2001:0db8:0000:0000:0000:0000:0000:0001", out, sizeof out), 0);
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(net_ip_canonical("::ffff:192.0.2.7", out, sizeof out), 0);
	assert_string_equal(out, "192.0.2.7");
	assert_int_equal(net_ip_canonical("::FFFF:c000:0207", out, sizeof out), 0);
	assert_string_equal(out, "192.0.2.7");
	assert_int_equal(net_ip_canonical("192.0.2.7", out, sizeof out), 0);
	assert_string_equal(out, "192.0.2.7");
	/* not addresses: refused, out untouched */
	snprintf(out, sizeof out, "keep");
	assert_int_equal(net_ip_canonical("192.0.2.256", out, sizeof out), -1);
	assert_int_equal(net_ip_canonical("unknown", out, sizeof out), -1);
	assert_int_equal(net_ip_canonical("", out, sizeof out), -1);
	assert_int_equal(net_ip_canonical("10.0.0.1/8", out, sizeof out), -1);
	assert_int_equal(net_ip_canonical(NULL, out, sizeof out), -1);
	assert_string_equal(out, "keep");
}

static void test_blocks_canonical(void **state)
{
	struct fx *f = *state;
	assert_int_equal(detect_block_add(f->d, "2001:DB8::1", 600, "test", "admin"), 0);
	assert_true(detect_ip_blocked(f->d, "2001:db8::1"));
	assert_true(detect_ip_blocked(f->d, "2001:db8:0:0::1"));
	assert_false(detect_ip_blocked(f->d, "2001:db8::2"));
	/* an IPv4 client of a dual-stack socket is the IPv4 address */
	assert_int_equal(detect_block_add(f->d, "::ffff:192.0.2.7", 600, "test", "admin"), 0);
	assert_true(detect_ip_blocked(f->d, "192.0.2.7"));
	assert_true(detect_ip_blocked(f->d, "::ffff:192.0.2.7"));
	/* the same address twice is one block */
	assert_int_equal(detect_block_add(f->d, "192.0.2.7", 900, "again", "admin"), 0);
	json_t *list = detect_blocks_json(f->d);
	assert_int_equal(json_array_size(list), 2);
	int v4 = 0;
	for (size_t i = 0; i < json_array_size(list); i++)
		v4 += strcmp(json_string_value(json_object_get(json_array_get(list, i), "ip")), "192.0.2.7") == 0;
	assert_int_equal(v4, 1);
	json_decref(list);
	/* not an address */
	assert_int_equal(detect_block_add(f->d, "example.org", 600, "test", "admin"), DETECT_EINVAL);
	assert_false(detect_ip_blocked(f->d, "unknown"));
	/* removed in any form; stored canonical, so a restart agrees */
	assert_int_equal(detect_block_remove(f->d, "::FFFF:192.0.2.7", "admin"), 0);
	assert_false(detect_ip_blocked(f->d, "192.0.2.7"));
	assert_int_equal(detect_block_remove(f->d, "192.0.2.7", "admin"), DETECT_ENOTFOUND);
	char why[256];
	detect_close(f->d);
	struct detect_deps deps = {.cfg = &f->cfg, .st = f->st};
	assert_int_equal(detect_open(&deps, &f->d, why, sizeof why), 0);
	assert_true(detect_ip_blocked(f->d, "2001:0DB8::0001"));
	assert_int_equal(detect_block_remove(f->d, "2001:db8:0::1", "admin"), 0);
	assert_false(detect_ip_blocked(f->d, "2001:db8::1"));
}

static int count_rule(const struct store_alert *a, void *arg)
{
	*(int *)arg += strcmp(a->rule, "block_table_full") == 0;
	return 0;
}

static int full_alerts(struct fx *f)
{
	int n = 0;
	detect_flush(f->d);
	store_alert_list(f->st, NULL, 0, 1000, count_rule, &n);
	return n;
}

static void fill(struct fx *f, int from, int n, const char *by, int ttl_base)
{
	for (int i = from; i < from + n; i++) {
		char ip[32];
		snprintf(ip, sizeof ip, "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
		assert_int_equal(detect_block_add(f->d, ip, ttl_base + i, "fill", by), 0);
	}
}

static void test_full_evicts_detector_blocks(void **state)
{
	struct fx *f = *state;
	/* 96 admin blocks that expire first, then the detector's */
	fill(f, 0, 96, "admin", 60);
	fill(f, 96, DETECT_BLOCKS_MAX - 96, "detector", 3600);
	assert_int_equal(full_alerts(f), 0);
	/* full: the detector's block closest to expiry (10.0.0.96) goes, no admin's */
	assert_int_equal(detect_block_add(f->d, "198.51.100.1", 7200, "password_spray", "detector"), 0);
	assert_true(detect_ip_blocked(f->d, "198.51.100.1"));
	assert_false(detect_ip_blocked(f->d, "10.0.0.96"));
	assert_true(detect_ip_blocked(f->d, "10.0.0.97"));
	for (int i = 0; i < 96; i++) {
		char ip[32];
		snprintf(ip, sizeof ip, "10.0.0.%d", i);
		assert_true(detect_ip_blocked(f->d, ip));
	}
	assert_int_equal(full_alerts(f), 1);
	/* an admin's block evicts the detector's too; one alert an hour */
	assert_int_equal(detect_block_add(f->d, "198.51.100.2", 3600, "manual", "admin"), 0);
	assert_false(detect_ip_blocked(f->d, "10.0.0.97"));
	assert_int_equal(full_alerts(f), 1);
	json_t *list = detect_blocks_json(f->d);
	assert_int_equal(json_array_size(list), DETECT_BLOCKS_MAX);
	json_decref(list);
	/* the evicted block is gone from the store as well */
	char why[256];
	detect_close(f->d);
	struct detect_deps deps = {.cfg = &f->cfg, .st = f->st};
	assert_int_equal(detect_open(&deps, &f->d, why, sizeof why), 0);
	assert_false(detect_ip_blocked(f->d, "10.0.0.96"));
	assert_true(detect_ip_blocked(f->d, "198.51.100.1"));
}

static void test_full_of_admin_blocks_refuses(void **state)
{
	struct fx *f = *state;
	fill(f, 0, DETECT_BLOCKS_MAX, "admin", 3600);
	assert_int_equal(detect_block_add(f->d, "198.51.100.1", 3600, "password_spray", "detector"), DETECT_EFULL);
	assert_false(detect_ip_blocked(f->d, "198.51.100.1"));
	assert_int_equal(detect_block_add(f->d, "198.51.100.2", 3600, "manual", "admin"), DETECT_EFULL);
	assert_int_equal(full_alerts(f), 1);
	/* an existing block can still be renewed, and an expired slot reused */
	assert_int_equal(detect_block_add(f->d, "10.0.0.5", 7200, "renew", "admin"), 0);
	assert_int_equal(detect_block_remove(f->d, "10.0.0.6", "admin"), 0);
	assert_int_equal(detect_block_add(f->d, "198.51.100.2", 3600, "manual", "admin"), 0);
	clock_set_fake(NOW + 3600 + 1); /* 10.0.0.0 has expired */
	assert_int_equal(detect_block_add(f->d, "198.51.100.3", 3600, "manual", "admin"), 0);
	assert_true(detect_ip_blocked(f->d, "198.51.100.3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_text),
		cmocka_unit_test_setup_teardown(test_blocks_canonical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_evicts_detector_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_of_admin_blocks_refuses, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
