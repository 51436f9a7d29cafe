/*
 * Containment of a stolen account whatever its pattern (issue 17), one attack
 * and its near misses per rule, fed as committed audit records: refused lookups
 * (dossier_refusals), a second session by address or browser that looks up
 * (concurrent_sessions, with multi_ip at its sign-in), a new address looking up
 * beyond the account's own pace (new_ip_burst), the address memory rebuilt from
 * the audit log, and the records a thief got before the account was suspended.
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

struct fx {
	struct inst in;
	struct detect *d;
	struct auth_service svc;
	bool svc_on;
};

/* 2026-09-08 10:00 local (a Tuesday, working hours). */
#define WORKDAY ((int64_t)1788836400)
#define DAY 86400
#define CHROME "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/128.0 Safari/537.36"
#define FIREFOX "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0"

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_int_equal(inst_make(&f->in), 0);
	log_setup(LOG_ERROR, NULL);
	clock_set_fake(WORKDAY);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	detect_close(f->d);
	if (f->svc_on)
		auth_service_free(&f->svc);
	inst_free(&f->in);
	clock_set_fake(0);
	free(f);
	return 0;
}

/* The detector, suspending through a real account service when `suspend`. */
static struct detect *open_detect(struct fx *f, bool suspend)
{
	char why[256];
	if (suspend && !f->svc_on) {
		assert_int_equal(auth_service_init(&f->svc, f->in.st, &f->in.cfg, NULL), 0);
		f->svc_on = true;
	}
	struct detect_deps deps = {.cfg = &f->in.cfg, .st = f->in.st, .auth = suspend ? &f->svc : NULL};
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

/* A lookup of a far-apart id (no enumeration) under its own dossier (no reuse). */
static void lookup_out(struct detect *d, int64_t t, const char *actor, const char *ip, int i, const char *outcome)
{
	char cid[16], dossier[40];
	snprintf(cid, sizeof cid, "0750%02d%06d", 60 + i % 40, (i * 7919) % 1000000);
	snprintf(dossier, sizeof dossier, "H15.50.05.13-260908-%04d", i);
	feed(d, t, "lookup", actor, ip,
	     json_pack("{s:s, s:s, s:s, s:s}", "citizen_id", cid, "dossier_code", dossier, "procedure_code", "1.004227",
		       "outcome", outcome));
}

static void lookup(struct detect *d, int64_t t, const char *actor, const char *ip, int i)
{
	lookup_out(d, t, actor, ip, i, "ok");
}

static void signin(struct detect *d, int64_t t, const char *user, const char *ip, const char *ua)
{
	json_t *p = json_pack("{s:s}", "username", user);
	if (ua)
		json_object_set_new(p, "user_agent", json_string(ua));
	feed(d, t, "signin_ok", user, ip, p);
}

static void signout(struct detect *d, int64_t t, const char *user, const char *ip)
{
	feed(d, t, "signout", user, ip, json_pack("{s:s}", "username", user));
}

struct count_ctx {
	const char *rule;
	const char *actor; /* NULL: any */
	int n;
	char detail[2048];
};

static int count_one(const struct store_alert *a, void *arg)
{
	struct count_ctx *c = arg;
	if (strcmp(a->rule, c->rule) || (c->actor && strcmp(a->actor, c->actor)))
		return 0;
	if (!c->n++)
		snprintf(c->detail, sizeof c->detail, "%s", a->detail);
	return 0;
}

static int alerts_of(struct fx *f, const char *rule, const char *actor, char *detail, size_t size)
{
	struct count_ctx c = {rule, actor, 0, ""};
	detect_flush(f->d);
	store_alert_list(f->in.st, NULL, 0, 100000, count_one, &c);
	if (detail)
		snprintf(detail, size, "%s", c.detail);
	return c.n;
}

static int alerts(struct fx *f, const char *rule, const char *actor)
{
	return alerts_of(f, rule, actor, NULL, 0);
}

static void make_user(struct fx *f, const char *name)
{
	struct store_agency ag = {.code = "SO.A", .name = "So A", .created_at = WORKDAY - 400 * DAY};
	store_agency_create(f->in.st, &ag); /* once; later calls conflict */
	struct store_user u = {.created_at = WORKDAY - 300 * DAY, .updated_at = WORKDAY - 300 * DAY,
			       .password_changed_at = WORKDAY - 20 * DAY, .last_login_at = WORKDAY - DAY};
	snprintf(u.username, sizeof u.username, "%s", name);
	snprintf(u.full_name, sizeof u.full_name, "Can Bo");
	snprintf(u.agency, sizeof u.agency, "SO.A");
	snprintf(u.role, sizeof u.role, "officer");
	snprintf(u.status, sizeof u.status, "active");
	snprintf(u.password_hash, sizeof u.password_hash, "x");
	assert_int_equal(store_user_create(f->in.st, &u), 0);
	assert_int_equal(store_user_save(f->in.st, &u), 0);
}

static bool suspended(struct fx *f, const char *name)
{
	struct store_user u;
	detect_flush(f->d);
	assert_int_equal(store_user_get_by_name(f->in.st, name, &u), 0);
	return strcmp(u.status, "suspended") == 0;
}

/* Projects `per_day` lookups of `user` on each of the `days` local days before today. */
static void history(struct fx *f, const char *user, int days, int per_day)
{
	static int64_t seq = 1;
	int64_t today = clock_local_day(WORKDAY);
	struct store_audit_lookup *rows = calloc((size_t)per_day, sizeof *rows);
	for (int k = 1; k <= days; k++) {
		for (int i = 0; i < per_day; i++) {
			struct store_audit_lookup *r = &rows[i];
			r->seq = seq++;
			r->local_day = today - k;
			r->time = clock_local_day_start(r->local_day) + 9 * 3600 + i;
			snprintf(r->actor, sizeof r->actor, "%s", user);
			snprintf(r->citizen_id, sizeof r->citizen_id, "075090%06d", i);
			snprintf(r->outcome, sizeof r->outcome, "ok");
		}
		assert_int_equal(store_audit_project(f->in.st, rows, (size_t)per_day, seq - 1), 0);
	}
	free(rows);
}

/* ---- dossier_refusals ---- */

static void test_dossier_refusals(void **state)
{
	struct fx *f = *state;
	make_user(f, "cb.thief");
	struct detect *d = open_detect(f, true);
	/* two refusals, an unavailable backend (not a refusal) and answered lookups */
	lookup_out(d, WORKDAY, "cb.thief", "10.0.0.5", 1, "dossier_not_found");
	lookup_out(d, WORKDAY + 20, "cb.thief", "10.0.0.5", 2, "ok");
	lookup_out(d, WORKDAY + 40, "cb.thief", "10.0.0.5", 3, "citizen_not_in_dossier");
	lookup_out(d, WORKDAY + 60, "cb.thief", "10.0.0.5", 4, "dossier_unavailable");
	lookup_out(d, WORKDAY + 80, "cb.thief", "10.0.0.5", 5, "not_found");
	assert_int_equal(alerts(f, "dossier_refusals", NULL), 0);
	assert_false(suspended(f, "cb.thief"));
	/* the third refusal within 10 minutes */
	lookup_out(d, WORKDAY + 500, "cb.thief", "10.0.0.5", 6, "dossier_other_agency");
	assert_int_equal(alerts(f, "dossier_refusals", "cb.thief"), 1);
	assert_true(suspended(f, "cb.thief"));

	/* near miss: three refusals, but never three within 10 minutes */
	for (int i = 0; i < 3; i++)
		lookup_out(d, WORKDAY + i * 301, "cb.typo", "10.0.0.6", 10 + i, "dossier_closed");
	/* every refusal code counts */
	const char *codes[] = {"dossier_procedure_mismatch", "dossier_closed", "dossier_other_agency"};
	for (int i = 0; i < 3; i++)
		lookup_out(d, WORKDAY + i, "cb.codes", "10.0.0.7", 20 + i, codes[i]);
	assert_int_equal(alerts(f, "dossier_refusals", "cb.typo"), 0);
	assert_int_equal(alerts(f, "dossier_refusals", "cb.codes"), 1);
	/* a backend that is down refuses nobody's conduct */
	for (int i = 0; i < 10; i++)
		lookup_out(d, WORKDAY + i, "cb.outage", "10.0.0.8", 30 + i, "dossier_unavailable");
	assert_int_equal(alerts(f, "dossier_refusals", "cb.outage"), 0);
}

/* ---- concurrent_sessions and multi_ip ---- */

static void test_second_address_looks_up(void **state)
{
	struct fx *f = *state;
	make_user(f, "cb.victim");
	struct detect *d = open_detect(f, true);
	signin(d, WORKDAY, "cb.victim", "10.20.0.17", CHROME);
	lookup(d, WORKDAY + 60, "cb.victim", "10.20.0.17", 1);
	lookup(d, WORKDAY + 120, "cb.victim", "10.20.0.17", 2);
	/* the thief signs in from elsewhere while the officer works: an alert */
	signin(d, WORKDAY + 180, "cb.victim", "203.0.113.50", CHROME);
	assert_int_equal(alerts(f, "multi_ip", "cb.victim"), 1);
	assert_int_equal(alerts(f, "concurrent_sessions", NULL), 0);
	/* the officer's own lookups on the older session do not suspend */
	lookup(d, WORKDAY + 200, "cb.victim", "10.20.0.17", 3);
	assert_int_equal(alerts(f, "concurrent_sessions", NULL), 0);
	assert_false(suspended(f, "cb.victim"));
	/* the thief's first lookup does, though the officer was last seen 8 minutes
	 * earlier: the two sessions were alive at once when the thief's began */
	int released = 0;
	for (int i = 0; i < 10 && !suspended(f, "cb.victim"); i++) {
		lookup(d, WORKDAY + 700 + i, "cb.victim", "203.0.113.50", 100 + i);
		released++;
	}
	char detail[2048];
	assert_int_equal(alerts_of(f, "concurrent_sessions", "cb.victim", detail, sizeof detail), 1);
	assert_non_null(strstr(detail, "\"other_ip\":\"10.20.0.17\""));
	assert_non_null(strstr(detail, "\"other_browser\":false"));
	assert_int_equal(released, 1);
	print_message("concurrent_sessions (second address): %d record(s) released before suspension\n", released);
}

static void test_second_browser_looks_up(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f, false);
	/* one desk's address, two browsers: a colleague behind the same NAT */
	signin(d, WORKDAY, "cb.desk", "10.20.0.30", CHROME);
	lookup(d, WORKDAY + 30, "cb.desk", "10.20.0.30", 1);
	signin(d, WORKDAY + 60, "cb.desk", "10.20.0.30", FIREFOX);
	char detail[2048];
	assert_int_equal(alerts_of(f, "multi_ip", "cb.desk", detail, sizeof detail), 1);
	assert_non_null(strstr(detail, "\"other_browser\":true"));
	lookup(d, WORKDAY + 90, "cb.desk", "10.20.0.30", 2);
	assert_int_equal(alerts_of(f, "concurrent_sessions", "cb.desk", detail, sizeof detail), 1);
	assert_non_null(strstr(detail, "\"other_browser\":true"));
}

static void test_sessions_near_misses(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f, false);
	/* two tabs of one browser: one sign-in, one session, many lookups */
	signin(d, WORKDAY, "cb.tabs", "10.20.0.40", CHROME);
	for (int i = 0; i < 20; i++)
		lookup(d, WORKDAY + 30 + i * 45, "cb.tabs", "10.20.0.40", i);
	/* the same browser signing in again (idle timeout, or a second window) */
	signin(d, WORKDAY + 1000, "cb.tabs", "10.20.0.40", CHROME);
	lookup(d, WORKDAY + 1010, "cb.tabs", "10.20.0.40", 30);
	signin(d, WORKDAY + 3000, "cb.tabs", "10.20.0.40", CHROME);
	lookup(d, WORKDAY + 3010, "cb.tabs", "10.20.0.40", 31);
	/* a sign-in recorded before user agents were (an upgrade), then with one */
	signin(d, WORKDAY, "cb.upgrade", "10.20.0.41", NULL);
	lookup(d, WORKDAY + 10, "cb.upgrade", "10.20.0.41", 1);
	signin(d, WORKDAY + 20, "cb.upgrade", "10.20.0.41", FIREFOX);
	lookup(d, WORKDAY + 30, "cb.upgrade", "10.20.0.41", 2);
	/* signed out of one browser, then into another on the same desk */
	signin(d, WORKDAY, "cb.switch", "10.20.0.42", CHROME);
	lookup(d, WORKDAY + 10, "cb.switch", "10.20.0.42", 1);
	signout(d, WORKDAY + 20, "cb.switch", "10.20.0.42");
	signin(d, WORKDAY + 30, "cb.switch", "10.20.0.42", FIREFOX);
	lookup(d, WORKDAY + 40, "cb.switch", "10.20.0.42", 2);
	/* the office in the morning, home in the evening: the first session long idle */
	signin(d, WORKDAY, "cb.home", "10.20.0.43", CHROME);
	lookup(d, WORKDAY + 10, "cb.home", "10.20.0.43", 1);
	signin(d, WORKDAY + 301 + 10, "cb.home", "198.51.100.43", CHROME);
	lookup(d, WORKDAY + 320, "cb.home", "198.51.100.43", 2);
	assert_int_equal(alerts(f, "multi_ip", NULL), 0);
	assert_int_equal(alerts(f, "concurrent_sessions", NULL), 0);
	/* and the idle window is the limit: 299 seconds later it is at once */
	signin(d, WORKDAY, "cb.close", "10.20.0.44", CHROME);
	signin(d, WORKDAY + 299, "cb.close", "198.51.100.44", CHROME);
	lookup(d, WORKDAY + 310, "cb.close", "198.51.100.44", 1);
	assert_int_equal(alerts(f, "concurrent_sessions", "cb.close"), 1);
	/* records of one second keep their order: the later sign-in is the newer */
	signin(d, WORKDAY + 5000, "cb.sec", "10.20.0.45", CHROME);
	signin(d, WORKDAY + 5000, "cb.sec", "198.51.100.45", CHROME);
	lookup(d, WORKDAY + 5000, "cb.sec", "10.20.0.45", 1);
	assert_int_equal(alerts(f, "concurrent_sessions", "cb.sec"), 0);
	lookup(d, WORKDAY + 5000, "cb.sec", "198.51.100.45", 2);
	assert_int_equal(alerts(f, "concurrent_sessions", "cb.sec"), 1);
}

/* ---- new_ip_burst ---- */

/* The account's usual address, used on the days before today. */
static void usual_address(struct detect *d, const char *user, const char *ip)
{
	for (int k = 5; k >= 1; k--) {
		signin(d, WORKDAY - k * DAY - 3600, user, ip, CHROME);
		lookup(d, WORKDAY - k * DAY - 3500, user, ip, k);
	}
}

static void test_new_address_harvest(void **state)
{
	struct fx *f = *state;
	history(f, "cb.leak", 10, 20); /* 20 a day: 1.9 an hour, below the floor of 5 */
	make_user(f, "cb.leak");
	struct detect *d = open_detect(f, true);
	usual_address(d, "cb.leak", "10.20.0.50");
	/* the thief signs in from an address the account never used and walks the
	 * agency's real dossiers at a script's pace, random ids */
	signin(d, WORKDAY, "cb.leak", "203.0.113.77", FIREFOX);
	int released = 0;
	for (int i = 0; i < 30 && !suspended(f, "cb.leak"); i++) {
		lookup(d, WORKDAY + 10 + i * 6, "cb.leak", "203.0.113.77", 200 + i);
		released++;
	}
	char detail[2048];
	assert_int_equal(alerts_of(f, "new_ip_burst", "cb.leak", detail, sizeof detail), 1);
	assert_non_null(strstr(detail, "\"threshold\":5"));
	assert_int_equal(released, 5);
	assert_int_equal(alerts(f, "concurrent_sessions", NULL), 0); /* the officer was not on */
	print_message("new_ip_burst (light account): %d records released before suspension\n", released);
}

static void test_new_address_pace(void **state)
{
	struct fx *f = *state;
	/* 147 a day: 14 an hour; a new address is held to 15 in its first 30 minutes */
	history(f, "cb.heavy", 10, 147);
	history(f, "cb.light", 10, 20);
	struct detect *d = open_detect(f, false);
	usual_address(d, "cb.heavy", "10.20.0.60");
	usual_address(d, "cb.light", "10.20.0.61");
	usual_address(d, "cb.fast", "10.20.0.62"); /* no baseline: the floor */
	/* near misses: a new desk at the usual pace, for two hours */
	signin(d, WORKDAY, "cb.heavy", "10.20.9.60", CHROME);
	for (int i = 0; i < 30; i++) /* one every 4 minutes: 15 an hour */
		lookup(d, WORKDAY + 60 + i * 240, "cb.heavy", "10.20.9.60", i);
	signin(d, WORKDAY, "cb.light", "10.20.9.61", CHROME);
	for (int i = 0; i < 6; i++) /* one every 20 minutes */
		lookup(d, WORKDAY + 60 + i * 1200, "cb.light", "10.20.9.61", i);
	/* a new officer's first address is no new address */
	signin(d, WORKDAY, "cb.new", "10.20.9.63", CHROME);
	for (int i = 0; i < 10; i++)
		lookup(d, WORKDAY + 10 + i * 5, "cb.new", "10.20.9.63", i);
	/* four quick lookups, then the window is over */
	signin(d, WORKDAY, "cb.fast", "10.20.9.62", CHROME);
	for (int i = 0; i < 4; i++)
		lookup(d, WORKDAY + 10 + i * 5, "cb.fast", "10.20.9.62", i);
	lookup(d, WORKDAY + 1800, "cb.fast", "10.20.9.62", 4);
	assert_int_equal(alerts(f, "new_ip_burst", NULL), 0);
	/* the heavy account from a new address beyond its pace: 15 in 30 minutes */
	signin(d, WORKDAY + 9000, "cb.heavy", "203.0.113.60", FIREFOX);
	for (int i = 0; i < 14; i++)
		lookup(d, WORKDAY + 9010 + i * 60, "cb.heavy", "203.0.113.60", 100 + i);
	assert_int_equal(alerts(f, "new_ip_burst", "cb.heavy"), 0);
	lookup(d, WORKDAY + 9010 + 14 * 60, "cb.heavy", "203.0.113.60", 114);
	char detail[2048];
	assert_int_equal(alerts_of(f, "new_ip_burst", "cb.heavy", detail, sizeof detail), 1);
	assert_non_null(strstr(detail, "\"threshold\":15"));
}

/* The address memory reaches back a month through the audit log at start: with
 * a sign-in of a week ago from its usual address, an account's first address
 * today is new; an account without that history is simply seen for the first
 * time, and its usual address is not new. */
static void test_addresses_rebuilt(void **state)
{
	struct fx *f = *state;
	struct audit *a;
	clock_set_fake(WORKDAY - 7 * DAY);
	assert_int_equal(inst_open(&f->in, &a), 0);
	json_t *p = json_pack("{s:s}", "username", "cb.back");
	/* append_event's records come from 10.0.0.1 */
	assert_int_equal(append_event(a, "signin_ok", "cb.back", "SO.A", p, NULL), 0);
	json_decref(p);
	audit_close(a);
	clock_set_fake(WORKDAY);
	char why[256];
	struct detect *d = open_detect(f, false);
	assert_int_equal(detect_rebuild(d, f->in.dir, why, sizeof why), 0);
	signin(d, WORKDAY, "cb.none", "203.0.113.90", CHROME);
	signin(d, WORKDAY, "cb.back", "203.0.113.90", CHROME);
	for (int i = 0; i < 5; i++) {
		lookup(d, WORKDAY + 10 + i * 5, "cb.none", "203.0.113.90", i);
		lookup(d, WORKDAY + 10 + i * 5, "cb.back", "203.0.113.90", 20 + i);
	}
	assert_int_equal(alerts(f, "new_ip_burst", "cb.none"), 0);
	assert_int_equal(alerts(f, "new_ip_burst", "cb.back"), 1);
	/* its usual address is not new */
	signin(d, WORKDAY + 7200, "cb.back", "10.0.0.1", CHROME);
	for (int i = 0; i < 10; i++)
		lookup(d, WORKDAY + 7210 + i * 5, "cb.back", "10.0.0.1", 40 + i);
	assert_int_equal(alerts(f, "new_ip_burst", "cb.back"), 1);
}

/* The new rules are known names and suspend by default. */
static void test_defaults(void **state)
{
	struct fx *f = *state;
	const char *rules[] = {"dossier_refusals", "concurrent_sessions", "new_ip_burst", "multi_ip", "new_ip"};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		assert_true(detect_rule_known(rules[i]));
	struct config c;
	config_defaults(&c);
	assert_string_equal(c.detect.suspend_rules, "enumeration,dossier_refusals,concurrent_sessions,new_ip_burst");
	assert_int_equal(c.detect.dossier_refusals_count, 3);
	assert_int_equal(c.detect.dossier_refusals_window_seconds, 600);
	assert_int_equal(c.detect.new_ip_lookups, 5);
	assert_int_equal(c.detect.new_ip_window_seconds, 1800);
	(void)f;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dossier_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_address_looks_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_browser_looks_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions_near_misses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_address_harvest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_address_pace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addresses_rebuilt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
