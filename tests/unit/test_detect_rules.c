/*
 * The detector's rules, one scenario each: one event under the threshold stays
 * silent, the threshold raises the alert. The holiday calendar (Tết 2026, 2
 * September, Giỗ Tổ), tightening on a holiday, windows rebuilt from a replayed
 * audit log, and the suspension of an enumerating account within a second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "test_audit_util.h"

#include "auth/auth.h"
#include "detect/detect.h"
#include "detect/detect_int.h"

struct fx {
	struct inst in;
	struct detect *d;
};

/* 2026-09-08 10:00 local (a Tuesday, working hours). */
#define WORKDAY ((int64_t)1788836400)

static int64_t at_local(const char *date, int hour)
{
	int64_t day;
	assert_int_equal(clock_parse_local_date(date, &day), 0);
	return clock_local_day_start(day) + hour * 3600;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_int_equal(inst_make(&f->in), 0);
	log_setup(LOG_ERROR, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	detect_close(f->d);
	inst_free(&f->in);
	clock_set_fake(0);
	free(f);
	return 0;
}

static struct detect *open_detect(struct fx *f, struct auth_service *auth)
{
	char why[256];
	struct detect_deps deps = {.cfg = &f->in.cfg, .st = f->in.st, .auth = auth};
	assert_int_equal(detect_open(&deps, &f->d, why, sizeof why), 0);
	return f->d;
}

static void feed(struct detect *d, int64_t t, const char *type, const char *actor, const char *ip, json_t *payload)
{
	static uint64_t seq = 1;
	char ts[32];
	clock_format_rfc3339(t, ts, sizeof ts);
	json_t *r = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "seq", (json_int_t)seq++, "time", ts, "type", type,
			      "actor", actor, "agency", "SO.A", "ip", ip, "payload", payload);
	detect_listener(r, d);
	json_decref(r);
}

static void lookup(struct detect *d, int64_t t, const char *actor, const char *cid, const char *dossier)
{
	feed(d, t, "lookup", actor, "10.0.0.5",
	     json_pack("{s:s, s:s, s:s, s:s}", "citizen_id", cid, "dossier_code", dossier, "procedure_code", "1.0",
		       "outcome", "found"));
}

static void signin_fail(struct detect *d, int64_t t, const char *user, const char *ip)
{
	feed(d, t, "signin_fail", user, ip, json_pack("{s:s, s:s}", "username", user, "reason", "password"));
}

struct count_ctx {
	const char *rule;
	int n;
};

static int count_one(const struct store_alert *a, void *arg)
{
	struct count_ctx *c = arg;
	c->n += strcmp(a->rule, c->rule) == 0;
	return 0;
}

static int alerts(struct fx *f, const char *rule)
{
	struct count_ctx c = {rule, 0};
	detect_flush(f->d);
	store_alert_list(f->in.st, NULL, 0, 100000, count_one, &c);
	return c.n;
}

/* Near-sequential ids: 075090 + serial. */
static void enum_ids(struct detect *d, int64_t t, const char *actor, int n)
{
	for (int i = 0; i < n; i++) {
		char cid[16];
		snprintf(cid, sizeof cid, "075090%06d", 123400 + i * 2);
		lookup(d, t + i, actor, cid, "H15-260908-0001");
	}
}

static void test_enumeration(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f, NULL);
	enum_ids(d, WORKDAY, "cb.one", 4); /* enumeration_count - 1 */
	assert_int_equal(alerts(f, "enumeration"), 0);
	/* far-apart ids of the same officer do not count */
	lookup(d, WORKDAY + 10, "cb.one", "075090900000", "H15-260908-0002");
	assert_int_equal(alerts(f, "enumeration"), 0);
	enum_ids(d, WORKDAY, "cb.two", 5);
	assert_int_equal(alerts(f, "enumeration"), 1);
}

/* The sorted count agrees with the definition, every pair compared, on random
 * windows that mix near, equal, far and other-prefix ids. */
static int near_pairwise(const uint64_t *v, int n, int dist)
{
	int count = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			uint64_t x = v[i] % 1000000, y = v[j] % 1000000, diff = x > y ? x - y : y - x;
			if (v[i] / 1000000 == v[j] / 1000000 && diff >= 1 && diff <= (uint64_t)dist) {
				count++;
				break;
			}
		}
	return count;
}

static void test_count_near_matches_pairwise(void **state)
{
	(void)state;
	uint64_t seed = 12345;
	int nonzero = 0;
	for (int round = 0; round < 20000; round++) {
		uint64_t v[DETECT_RING] = {0}, copy[DETECT_RING];
		int n = (int)(round % (DETECT_RING + 1));
		int dist = 1 + round % 4;
		for (int i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t r = seed >> 33;
			/* two prefixes; serials around a prefix boundary and in a small range */
			v[i] = (75190 + r % 2) * 1000000ull + (r >> 8) % 12 + ((r >> 4) % 3 == 0 ? 999990 : 0);
		}
		memcpy(copy, v, (size_t)n * sizeof v[0]);
		int want = near_pairwise(v, n, dist);
		nonzero += want > 0;
		assert_int_equal(detect_count_near(copy, n, dist), want);
	}
	assert_true(nonzero > 10000); /* the cases were not all trivial */
}

static void test_brute_force(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f, NULL);
	for (int i = 0; i < 9; i++)
		signin_fail(d, WORKDAY + i, "cb.target", i % 2 ? "10.1.1.1" : "10.1.1.2");
	assert_int_equal(alerts(f, "brute_force"), 0);
	signin_fail(d, WORKDAY + 20, "cb.target", "10.1.1.3");
	assert_int_equal(alerts(f, "brute_force"), 1);
}

static void test_spray_blocks_ip(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f, NULL);
	char user[32];
	for (int i = 0; i < 9; i++) {
		snprintf(user, sizeof user, "user%d", i);
		signin_fail(d, WORKDAY + i, user, "203.0.113.9");
	}
	assert_int_equal(alerts(f, "password_spray"), 0);
	assert_false(detect_ip_blocked(d, "203.0.113.9"));
	signin_fail(d, WORKDAY + 30, "user9", "203.0.113.9");
	assert_int_equal(alerts(f, "password_spray"), 1);
	assert_true(detect_ip_blocked(d, "203.0.113.9"));
	assert_false(detect_ip_blocked(d, "203.0.113.10"));
}

static void test_dossier_reuse(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f, NULL);
	char cid[16];
	for (int i = 0; i < 9; i++) {
		snprintf(cid, sizeof cid, "0751%02d%06d", 80 + i, 100000 + i * 5000);
		lookup(d, WORKDAY + i, "cb.doss", cid, "H15-260908-0777");
	}
	assert_int_equal(alerts(f, "dossier_reuse"), 0);
	lookup(d, WORKDAY + 20, "cb.doss", "075199555555", "H15-260908-0777");
	assert_int_equal(alerts(f, "dossier_reuse"), 1);
}

static void test_multi_ip(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f, NULL);
	feed(d, WORKDAY, "signin_ok", "cb.ip", "10.2.0.1", json_pack("{s:s}", "username", "cb.ip"));
	feed(d, WORKDAY + 60, "signin_ok", "cb.ip", "10.2.0.1", json_pack("{s:s}", "username", "cb.ip"));
	assert_int_equal(alerts(f, "multi_ip"), 0);
	assert_int_equal(alerts(f, "new_ip"), 0);
	feed(d, WORKDAY + 120, "signin_ok", "cb.ip", "198.51.100.7", json_pack("{s:s}", "username", "cb.ip"));
	assert_int_equal(alerts(f, "multi_ip"), 1);
	/* a new address long after the last use: only "new_ip" */
	feed(d, WORKDAY + 7200, "signin_ok", "cb.ip", "198.51.100.99", json_pack("{s:s}", "username", "cb.ip"));
	assert_int_equal(alerts(f, "new_ip"), 1);
}

static void test_offhours(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f, NULL);
	lookup(d, WORKDAY, "cb.day", "075090000001", "H15-260908-0001");
	assert_int_equal(alerts(f, "offhours"), 0);
	lookup(d, at_local("2026-09-08", 23), "cb.night", "075090000001", "H15-260908-0001");
	assert_int_equal(alerts(f, "offhours"), 1);
	lookup(d, at_local("2026-09-02", 10), "cb.holiday", "075090000001", "H15-260908-0001");
	assert_int_equal(alerts(f, "offhours"), 2);
}

static void test_holidays(void **state)
{
	struct fx *f = *state;
	const struct config *cfg = &f->in.cfg;
	const char *yes[] = {"2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-09-02",
			     "2026-09-01", "2026-01-01", "2026-04-30", "2026-05-01", "2026-04-26", "2030-02-02"};
	const char *no[] = {"2026-02-13", "2026-02-23", "2026-09-04", "2026-04-27", "2030-02-06"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		assert_true(detect_is_holiday(cfg, at_local(yes[i], 10)));
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(detect_is_holiday(cfg, at_local(no[i], 10)));
	/* configured extra dates */
	struct config c2 = *cfg;
	snprintf(c2.workhours.holidays, sizeof c2.workhours.holidays, "2026-09-04");
	assert_true(detect_is_holiday(&c2, at_local("2026-09-04", 10)));
	assert_true(detect_in_workhours(cfg, WORKDAY));
	assert_false(detect_in_workhours(cfg, at_local("2026-09-12", 10))); /* Saturday */
}

static void test_holiday_tightening(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f, NULL);
	/* enumeration_count 5 / holiday_factor 2 = 3 on 2 September, not on a workday */
	enum_ids(d, WORKDAY, "cb.work", 3);
	assert_int_equal(alerts(f, "enumeration"), 0);
	enum_ids(d, at_local("2026-09-02", 10), "cb.hol", 3);
	assert_int_equal(alerts(f, "enumeration"), 1);
}

static void test_rebuild_from_audit(void **state)
{
	struct fx *f = *state;
	struct audit *a;
	clock_set_fake(WORKDAY);
	assert_int_equal(inst_open(&f->in, &a), 0);
	for (int i = 0; i < 4; i++) {
		char cid[16];
		snprintf(cid, sizeof cid, "075090%06d", 500000 + i);
		json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "citizen_id", cid, "dossier_code", "H15-260908-0001",
				      "procedure_code", "1.0", "outcome", "found");
		assert_int_equal(append_event(a, "lookup", "cb.replay", "SO.A", p, NULL), 0);
		json_decref(p);
	}
	audit_close(a);
	char why[256];
	struct detect *d = open_detect(f, NULL);
	assert_int_equal(detect_rebuild(d, f->in.dir, why, sizeof why), 0);
	assert_int_equal(alerts(f, "enumeration"), 0); /* replay raises nothing */
	lookup(d, WORKDAY + 5, "cb.replay", "075090500004", "H15-260908-0001");
	assert_int_equal(alerts(f, "enumeration"), 1);
}

static void test_suspension_under_a_second(void **state)
{
	struct fx *f = *state;
	struct auth_service svc;
	struct store_agency ag = {.code = "SO.A", .name = "So A", .created_at = WORKDAY};
	assert_int_equal(store_agency_create(f->in.st, &ag), 0);
	struct store_user u = {.created_at = WORKDAY, .updated_at = WORKDAY, .password_changed_at = WORKDAY};
	snprintf(u.username, sizeof u.username, "cb.thief");
	snprintf(u.full_name, sizeof u.full_name, "Can Bo");
	snprintf(u.agency, sizeof u.agency, "SO.A");
	snprintf(u.role, sizeof u.role, "officer");
	snprintf(u.status, sizeof u.status, "active");
	snprintf(u.password_hash, sizeof u.password_hash, "x");
	assert_int_equal(store_user_create(f->in.st, &u), 0);
	assert_int_equal(auth_service_init(&svc, f->in.st, &f->in.cfg, NULL), 0);
	struct detect *d = open_detect(f, &svc);
	enum_ids(d, WORKDAY, "cb.thief", 5);
	detect_flush(d);
	struct store_user got;
	assert_int_equal(store_user_get_by_name(f->in.st, "cb.thief", &got), 0);
	assert_string_equal(got.status, "suspended");
	int64_t ms = detect_last_suspend_latency_ms(d);
	assert_true(ms >= 0 && ms < 1000);
	detect_close(d);
	f->d = NULL;
	auth_service_free(&svc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enumeration, setup, teardown),
		cmocka_unit_test(test_count_near_matches_pairwise),
		cmocka_unit_test_setup_teardown(test_brute_force, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spray_blocks_ip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dossier_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multi_ip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offhours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holidays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holiday_tightening, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_from_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suspension_under_a_second, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
