/*
 * The rules over an account's own history, one scenario each: volume (rule 4)
 * against the floor and against a 30-day baseline loaded from the store, its
 * tightening on 2 September; dormant (rule 8) from the store's last sign-in, not
 * for an account an admin handed over again. And a generated ordinary fortnight
 * of 200 officers (own addresses, human pace, random ids and dossiers, working
 * hours, a few mistyped passwords) that must raise no alert at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_audit_util.h"

#include "detect/detect.h"

struct fx {
	struct inst in;
	struct detect *d;
};

/* 2026-09-08 10:00 local (a Tuesday, working hours). */
#define WORKDAY ((int64_t)1788836400)
#define DAY 86400

static int64_t at_local(const char *date, int hour, int minute)
{
	int64_t day;
	assert_int_equal(clock_parse_local_date(date, &day), 0);
	return clock_local_day_start(day) + hour * 3600 + minute * 60;
}

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
	inst_free(&f->in);
	clock_set_fake(0);
	free(f);
	return 0;
}

static struct detect *open_detect(struct fx *f)
{
	char why[256];
	struct detect_deps deps = {.cfg = &f->in.cfg, .st = f->in.st};
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

static void lookup_ip(struct detect *d, int64_t t, const char *actor, const char *ip, const char *cid,
		      const char *dossier)
{
	feed(d, t, "lookup", actor, ip,
	     json_pack("{s:s, s:s, s:s, s:s}", "citizen_id", cid, "dossier_code", dossier, "procedure_code", "1.0",
		       "outcome", "found"));
}

static void signin(struct detect *d, int64_t t, const char *type, const char *user, const char *ip)
{
	feed(d, t, type, user, ip, json_pack("{s:s}", "username", user));
}

struct count_ctx {
	const char *rule; /* NULL: every alert */
	int n;
	char first[2400];
};

static int count_one(const struct store_alert *a, void *arg)
{
	struct count_ctx *c = arg;
	if (c->rule && strcmp(a->rule, c->rule))
		return 0;
	if (!c->n++)
		snprintf(c->first, sizeof c->first, "%s %s %s", a->rule, a->actor, a->detail);
	return 0;
}

static int alerts(struct fx *f, const char *rule)
{
	struct count_ctx c = {rule, 0, ""};
	detect_flush(f->d);
	store_alert_list(f->in.st, NULL, 0, 100000, count_one, &c);
	if (c.n && !rule)
		fprintf(stderr, "unexpected alert: %s\n", c.first);
	return c.n;
}

/* n lookups of far-apart random-looking ids, each under its own dossier, from t on
 * at `gap` seconds: volume alone, no enumeration or dossier reuse. */
static void burst(struct detect *d, int64_t t, const char *actor, int n, int gap)
{
	for (int i = 0; i < n; i++) {
		char cid[16], dossier[32];
		snprintf(cid, sizeof cid, "0750%02d%06d", 60 + i % 40, (i * 7919) % 1000000);
		snprintf(dossier, sizeof dossier, "H15-260908-%04d", i);
		lookup_ip(d, t + (int64_t)i * gap, actor, "10.0.0.5", cid, dossier);
	}
}

static void test_volume_floor(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f);
	/* no baseline: the floor (volume_min_per_hour = 40) alone */
	burst(d, WORKDAY, "cb.busy", 39, 60);
	assert_int_equal(alerts(f, "volume"), 0);
	burst(d, WORKDAY + 39 * 60, "cb.busy", 1, 60);
	assert_int_equal(alerts(f, "volume"), 1);
	/* at most one an hour */
	burst(d, WORKDAY + 41 * 60, "cb.busy", 10, 30);
	assert_int_equal(alerts(f, "volume"), 1);
	/* the same count spread over more than an hour stays silent */
	burst(d, WORKDAY, "cb.steady", 60, 120);
	assert_int_equal(alerts(f, "volume"), 1);
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
			snprintf(r->outcome, sizeof r->outcome, "found");
		}
		assert_int_equal(store_audit_project(f->in.st, rows, (size_t)per_day, seq - 1), 0);
	}
	free(rows);
}

static void test_volume_baseline(void **state)
{
	struct fx *f = *state;
	/* 147 lookups a day over 10 working days: 14 per working hour (10.5 h);
	 * x volume_factor 4 = 56 an hour, above the floor of 40 */
	history(f, "cb.heavy", 10, 147);
	/* a light officer's baseline is below the floor: the floor counts */
	history(f, "cb.light", 10, 10);
	struct detect *d = open_detect(f);
	burst(d, WORKDAY, "cb.heavy", 55, 50);
	assert_int_equal(alerts(f, "volume"), 0); /* would fire on the floor alone */
	burst(d, WORKDAY + 55 * 50, "cb.heavy", 1, 50);
	assert_int_equal(alerts(f, "volume"), 1);
	burst(d, WORKDAY, "cb.light", 40, 60);
	assert_int_equal(alerts(f, "volume"), 2);
}

static void test_volume_holiday(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f);
	/* floor 40 / holiday_factor 2 = 20 on 2 September, not on a workday */
	burst(d, WORKDAY, "cb.work", 25, 60);
	assert_int_equal(alerts(f, "volume"), 0);
	burst(d, at_local("2026-09-02", 9, 0), "cb.hol", 20, 60);
	assert_int_equal(alerts(f, "volume"), 1);
}

static int64_t make_user(struct fx *f, const char *name, int64_t created, int64_t last_login, int64_t pw_set)
{
	struct store_agency ag = {.code = "SO.A", .name = "So A", .created_at = created};
	store_agency_create(f->in.st, &ag); /* once; later calls conflict */
	struct store_user u = {.created_at = created, .updated_at = created, .password_changed_at = pw_set,
			       .last_login_at = last_login};
	snprintf(u.username, sizeof u.username, "%s", name);
	snprintf(u.full_name, sizeof u.full_name, "Can Bo");
	snprintf(u.agency, sizeof u.agency, "SO.A");
	snprintf(u.role, sizeof u.role, "officer");
	snprintf(u.status, sizeof u.status, "active");
	snprintf(u.password_hash, sizeof u.password_hash, "x");
	assert_int_equal(store_user_create(f->in.st, &u), 0);
	assert_int_equal(store_user_save(f->in.st, &u), 0); /* create leaves last_login_at out */
	return u.id;
}

static void test_dormant(void **state)
{
	struct fx *f = *state;
	int64_t created = WORKDAY - 200 * DAY;
	make_user(f, "cb.sleeper", created, WORKDAY - 40 * DAY, created);
	make_user(f, "cb.recent", created, WORKDAY - 10 * DAY, created);
	make_user(f, "cb.reset", created, WORKDAY - 40 * DAY, WORKDAY - DAY); /* re-enabled with a reset */
	make_user(f, "cb.lookup", created, WORKDAY - 31 * DAY, created);
	struct detect *d = open_detect(f);
	signin(d, WORKDAY, "signin_ok", "cb.recent", "10.0.0.7");
	signin(d, WORKDAY, "signin_ok", "cb.reset", "10.0.0.8");
	signin(d, WORKDAY, "signin_fail", "cb.sleeper", "10.0.0.9"); /* a failure is no use */
	assert_int_equal(alerts(f, "dormant"), 0);
	signin(d, WORKDAY + 5, "signin_ok", "cb.sleeper", "10.0.0.9");
	assert_int_equal(alerts(f, "dormant"), 1);
	/* its next lookup is no longer dormant */
	lookup_ip(d, WORKDAY + 60, "cb.sleeper", "10.0.0.9", "075090000001", "H15-260908-0001");
	assert_int_equal(alerts(f, "dormant"), 1);
	/* a lookup counts like a sign-in (a session kept over a restart) */
	lookup_ip(d, WORKDAY + 70, "cb.lookup", "10.0.0.10", "075090000002", "H15-260908-0002");
	assert_int_equal(alerts(f, "dormant"), 2);
	/* an account created after the detector started: its creation is its last use */
	make_user(f, "cb.new", WORKDAY + 80, 0, WORKDAY + 80);
	signin(d, WORKDAY + 90, "signin_ok", "cb.new", "10.0.0.11");
	assert_int_equal(alerts(f, "dormant"), 2);
	/* an admin reset after the detector started: a handover, not a wake-up
	 * (cb.recent signed in today; 40 days later, a day after its reset) */
	struct store_user u;
	assert_int_equal(store_user_get_by_name(f->in.st, "cb.recent", &u), 0);
	u.password_changed_at = WORKDAY + 39 * DAY;
	assert_int_equal(store_user_save(f->in.st, &u), 0);
	signin(d, WORKDAY + 40 * DAY, "signin_ok", "cb.recent", "10.0.0.7");
	assert_int_equal(alerts(f, "dormant"), 2);
	/* without the reset, the same 40 days raise it */
	signin(d, WORKDAY + 40 * DAY, "signin_ok", "cb.new", "10.0.0.11");
	assert_int_equal(alerts(f, "dormant"), 3);
}

/* More dossier codes in an hour than the table holds: once they are older than
 * the rule's window they are purged, and a reused dossier is caught again. */
static void test_dossier_table_overflow(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f);
	char user[32], cid[16], dossier[40];
	for (int i = 0; i < DETECT_DOSSIER_KEYS_MAX + 2000; i++) {
		snprintf(user, sizeof user, "cb.%04d", i % 1000);
		snprintf(cid, sizeof cid, "0750%02d%06d", 60 + i % 40, (i * 7919) % 1000000);
		snprintf(dossier, sizeof dossier, "H15-260908-%07d", i);
		lookup_ip(d, WORKDAY + i / 10, user, "10.0.0.5", cid, dossier);
	}
	/* two and a half hours later (dossier_window_seconds = 3600) */
	for (int i = 0; i < 10; i++) {
		snprintf(cid, sizeof cid, "0751%02d%06d", 60 + i, 100000 + i * 5000);
		lookup_ip(d, WORKDAY + 9000 + i, "cb.0001", "10.0.0.5", cid, "H15-260908-REUSED");
	}
	assert_int_equal(alerts(f, "dossier_reuse"), 1);
	assert_int_equal(alerts(f, NULL), 1);
}

/* ---- an ordinary fortnight ---- */

struct ev {
	int64_t t;
	int officer;
	int kind; /* 0 lookup, 1 sign-in, 2 failed sign-in */
	int dossier;
	char cid[16];
};

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static int range(int lo, int hi)
{
	return lo + (int)(next() % (uint64_t)(hi - lo + 1));
}

static int by_time(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

#define OFFICERS 200

/* One working day of every officer from local midnight `day0`: sign-in between
 * 07:05 and 08:30 (a few mistype once), lookups every 3-15 minutes in the
 * morning and the afternoon, 10-60 a day, random ids, a dossier per citizen or
 * per household of two or three. */
static size_t gen_day(struct ev *out, int64_t day0, int *dossier_seq)
{
	size_t n = 0;
	for (int o = 0; o < OFFICERS; o++) {
		int64_t t = day0 + 7 * 3600 + range(5, 90) * 60;
		if (next() % 50 == 0)
			out[n++] = (struct ev){.t = t - 20, .officer = o, .kind = 2};
		out[n++] = (struct ev){.t = t, .officer = o, .kind = 1};
		int want = range(10, 60), done = 0;
		t += range(60, 600);
		int household = 0, dossier = 0;
		while (done < want && t < day0 + 17 * 3600) {
			if (t > day0 + 11 * 3600 + 30 * 60 && t < day0 + 13 * 3600) {
				t = day0 + 13 * 3600 + range(0, 900);
				out[n++] = (struct ev){.t = t - 30, .officer = o, .kind = 1};
			}
			if (household-- <= 0) {
				dossier = ++*dossier_seq;
				household = next() % 4 == 0 ? range(1, 2) : 0;
			}
			struct ev *e = &out[n++];
			*e = (struct ev){.t = t, .officer = o, .kind = 0, .dossier = dossier};
			/* a citizen id: province 0xx, sex-and-century 0-3, birth year, 6 random digits */
			int sex = range(0, 3);
			int year = sex < 2 ? range(40, 99) : range(0, 8);
			snprintf(e->cid, sizeof e->cid, "0%02d%d%02d%06d", range(1, 96), sex, year, range(0, 999999));
			done++;
			t += range(180, 900);
		}
	}
	return n;
}

static void test_quiet_fortnight(void **state)
{
	struct fx *f = *state;
	struct detect *d = open_detect(f);
	/* ten working days from Monday 2026-08-24 to Wednesday 2026-09-09, without
	 * the holidays of 1-3 September (Tuesday 8 September is WORKDAY's day) */
	const char *days[] = {"2026-08-24", "2026-08-25", "2026-08-26", "2026-08-27", "2026-08-28",
			      "2026-08-31", "2026-09-04", "2026-09-07", "2026-09-08", "2026-09-09"};
	struct ev *evs = calloc(OFFICERS * 80, sizeof *evs);
	int dossier_seq = 0;
	size_t total = 0;
	for (size_t k = 0; k < sizeof days / sizeof days[0]; k++) {
		int64_t day0 = at_local(days[k], 0, 0);
		clock_set_fake(day0 + 6 * 3600);
		size_t n = gen_day(evs, day0, &dossier_seq);
		qsort(evs, n, sizeof *evs, by_time);
		for (size_t i = 0; i < n; i++) {
			char user[32], ip[32], dossier[32];
			snprintf(user, sizeof user, "cb.%03d", evs[i].officer);
			snprintf(ip, sizeof ip, "10.20.%d.%d", evs[i].officer / 100, evs[i].officer % 100 + 10);
			if (evs[i].kind == 0) {
				snprintf(dossier, sizeof dossier, "H15.50.05.13-%s-%04d", "260908", evs[i].dossier % 10000);
				lookup_ip(d, evs[i].t, user, ip, evs[i].cid, dossier);
			} else {
				signin(d, evs[i].t, evs[i].kind == 1 ? "signin_ok" : "signin_fail", user, ip);
			}
		}
		total += n;
	}
	free(evs);
	assert_true(total > OFFICERS * 10 * 10);
	assert_int_equal(alerts(f, NULL), 0);
	/* and the same officers' accounts are watched: one stolen session enumerating at night */
	for (int i = 0; i < 5; i++) {
		char cid[16];
		snprintf(cid, sizeof cid, "075090%06d", 400000 + i);
		lookup_ip(d, at_local("2026-09-09", 23, 0) + i * 20, "cb.007", "10.20.0.17", cid, "H15-260909-0001");
	}
	assert_int_equal(alerts(f, "enumeration"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_volume_floor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_volume_baseline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_volume_holiday, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dormant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dossier_table_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_fortnight, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
