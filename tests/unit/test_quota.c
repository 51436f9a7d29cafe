/*
 * Lookup quotas (src/quota) against a real temporary store: the GCRA's burst and
 * steady rate, the fixed-window double burst it refuses, retry_after values, day
 * limits of users and agencies with their scope, which scope wins when several
 * refuse, that a refusal charges nothing, refunds, seeding from the audit
 * projections after a restart (day counts and the last minute), fail-closed on a
 * store error, the local-midnight rollover on a fake clock, eight threads on one
 * user and on one agency, and the table bound with its eviction of past days.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/config.h"
#include "quota/quota.h"
#include "store/store.h"
#include "store/store_int.h" /* only to break the store on purpose */

#define MIDNIGHT INT64_C(1795453200)      /* 2026-11-23T17:00:00Z = 2026-11-24 00:00 +07 */
#define DAY (INT64_C(86400))
#define NOON (MIDNIGHT + 12 * 3600)       /* 12:00 local, a minute boundary */
#define MS(s) ((int64_t)(s) * 1000)

struct fixture {
	char dir[64];
	struct store *st;
	struct quota *q;
	int64_t seq;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char why[256], path[128];
	strcpy(f->dir, "/tmp/canhgac-test-quota-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof path, "%s/canhgac.db", f->dir);
	assert_int_equal(store_open(path, STORE_OPEN_CREATE, &f->st, why, sizeof why), 0);
	assert_int_equal(quota_new(f->st, &f->q), QUOTA_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	clock_set_fake(0);
	quota_free(f->q);
	store_close(f->st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* What the audit writer would project for a committed lookup. */
static void project(struct fixture *f, int64_t time, const char *user, const char *agency)
{
	struct store_audit_lookup r = {.seq = ++f->seq, .time = time, .local_day = clock_local_day(time)};
	strcpy(r.actor, user);
	strcpy(r.agency, agency);
	strcpy(r.citizen_id, "075090000001");
	strcpy(r.outcome, "ok");
	assert_int_equal(store_audit_project(f->st, &r, 1, f->seq), STORE_OK);
}

static int take(struct quota *q, const char *user, const char *agency, const struct quota_limits *lim,
		int64_t now_ms, enum quota_scope *scope, int *retry)
{
	enum quota_scope s_;
	int r_;
	return quota_take(q, user, agency, lim, now_ms, scope ? scope : &s_, retry ? retry : &r_, NULL);
}

/* How many of n takes at now_ms succeed. */
static int take_n(struct quota *q, const char *user, const char *agency, const struct quota_limits *lim,
		  int64_t now_ms, int n)
{
	int ok = 0;
	for (int i = 0; i < n; i++)
		ok += take(q, user, agency, lim, now_ms, NULL, NULL) == QUOTA_OK;
	return ok;
}

static void test_names_and_invalid(void **state)
{
	struct fixture *f = *state;
	struct quota_limits lim = {10, 200, 5000}, bad = {0, 200, 5000};
	struct quota_usage u;
	char longname[80];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_string_equal(quota_scope_name(QUOTA_USER_MINUTE), "user_minute");
	assert_string_equal(quota_scope_name(QUOTA_USER_DAY), "user_day");
	assert_string_equal(quota_scope_name(QUOTA_AGENCY_DAY), "agency_day");
	assert_string_equal(quota_scope_name(QUOTA_SCOPE_NONE), "");
	assert_int_equal(take(f->q, NULL, "SO.A", &lim, MS(NOON), NULL, NULL), QUOTA_EINVAL);
	assert_int_equal(take(f->q, "cb.a", "", &lim, MS(NOON), NULL, NULL), QUOTA_EINVAL);
	assert_int_equal(take(f->q, longname, "SO.A", &lim, MS(NOON), NULL, NULL), QUOTA_EINVAL);
	assert_int_equal(take(f->q, "cb.a", "SO.A", &bad, MS(NOON), NULL, NULL), QUOTA_EINVAL);
	assert_int_equal(take(f->q, "cb.a", "SO.A", NULL, MS(NOON), NULL, NULL), QUOTA_EINVAL);
	assert_int_equal(quota_peek(f->q, "cb.a", "SO.A", &lim, MS(NOON), &u), QUOTA_OK);
	assert_int_equal(u.minute_used + u.day_used + u.agency_day_used, 0); /* nothing was charged */

	struct config cfg;
	config_defaults(&cfg);
	struct store_user su = {.quota_per_minute = 3, .quota_per_day = 0};
	struct store_agency sa = {.quota_per_day = 70};
	struct quota_limits r;
	quota_limits_resolve(&cfg, &su, &sa, &r);
	assert_int_equal(r.user_per_minute, 3);
	assert_int_equal(r.user_per_day, cfg.quota.user_per_day);
	assert_int_equal(r.agency_per_day, 70);
	quota_limits_resolve(&cfg, NULL, NULL, &r);
	assert_int_equal(r.user_per_minute, cfg.quota.user_per_minute);
	assert_int_equal(r.agency_per_day, cfg.quota.agency_per_day);
}

static void test_gcra_burst_then_steady(void **state)
{
	struct fixture *f = *state;
	struct quota_limits lim = {10, 100000, 100000}; /* T = 6 s */
	struct quota_usage u;
	enum quota_scope scope;
	int retry;
	int64_t t0 = MS(NOON);
	/* a fresh user bursts exactly `limit` */
	assert_int_equal(take_n(f->q, "cb.a", "SO.A", &lim, t0, 15), 10);
	assert_int_equal(quota_peek(f->q, "cb.a", "SO.A", &lim, t0, &u), QUOTA_OK);
	assert_int_equal(u.minute_limit, 10);
	assert_int_equal(u.minute_used, 10);
	assert_int_equal(u.day_used, 10);
	assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, t0 + 5999, &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_USER_MINUTE);
	/* then one every T, and never two */
	for (int k = 1; k <= 30; k++) {
		int64_t at = t0 + k * 6000;
		assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, at - 1, NULL, NULL), QUOTA_EXCEEDED);
		assert_int_equal(take_n(f->q, "cb.a", "SO.A", &lim, at, 3), 1);
	}
	/* after 3 s one cell of ten has not yet drained: used is still 10 (rounded up) */
	assert_int_equal(quota_peek(f->q, "cb.a", "SO.A", &lim, t0 + 30 * 6000 + 3000, &u), QUOTA_OK);
	assert_int_equal(u.minute_used, 10);
	/* an idle minute drains everything */
	assert_int_equal(quota_peek(f->q, "cb.a", "SO.A", &lim, t0 + 31 * 6000 + 60000, &u), QUOTA_OK);
	assert_int_equal(u.minute_used, 0);
	assert_int_equal(u.day_used, 40);
	assert_int_equal(take_n(f->q, "cb.a", "SO.A", &lim, t0 + 31 * 6000 + 60000, 15), 10);
}

static void test_double_burst_refused(void **state)
{
	struct fixture *f = *state;
	struct quota_limits lim = {10, 100000, 100000};
	/* a fixed window [12:00, 12:01) would allow 10 at 12:00:59 and 10 more at 12:01:00 */
	int64_t edge = MS(NOON + 60);
	assert_int_equal(take_n(f->q, "cb.a", "SO.A", &lim, edge - 1000, 10), 10);
	assert_int_equal(take_n(f->q, "cb.a", "SO.A", &lim, edge, 10), 0);
	assert_int_equal(take_n(f->q, "cb.a", "SO.A", &lim, edge + 999, 10), 0);
	/* the burst is paid back at one per 6 s, whatever minute the clock shows */
	assert_int_equal(take_n(f->q, "cb.a", "SO.A", &lim, edge + 4999, 10), 0);
	assert_int_equal(take_n(f->q, "cb.a", "SO.A", &lim, edge + 5000, 10), 1);
	/* in the 10 s around the edge: at most limit + floor(10 s / T) = 11 */
	int n = 10 + 1;
	for (int64_t t = edge + 5001; t < edge + 9000; t += 250)
		n += take_n(f->q, "cb.a", "SO.A", &lim, t, 10);
	assert_true(n <= 11);
}

static void test_retry_after_values(void **state)
{
	struct fixture *f = *state;
	enum quota_scope scope;
	int retry;
	struct quota_limits seven = {7, 100000, 100000}; /* T = 8.571 s */
	assert_int_equal(take_n(f->q, "cb.a", "SO.A", &seven, MS(NOON), 7), 7);
	assert_int_equal(take(f->q, "cb.a", "SO.A", &seven, MS(NOON), &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_USER_MINUTE);
	assert_int_equal(retry, 9);
	assert_int_equal(take(f->q, "cb.a", "SO.A", &seven, MS(NOON) + 1500, &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(retry, 8); /* 7.07 s rounds up */
	assert_int_equal(take(f->q, "cb.a", "SO.A", &seven, MS(NOON) + 8500, &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(retry, 1); /* 0.07 s: at least 1 */
	/* retrying after retry_after succeeds */
	assert_int_equal(take(f->q, "cb.a", "SO.A", &seven, MS(NOON) + 9500, &scope, &retry), QUOTA_OK);
	assert_int_equal(scope, QUOTA_SCOPE_NONE);
	assert_int_equal(retry, 0);

	/* day scopes: until the next local midnight */
	struct quota_limits day2 = {100, 2, 100000};
	assert_int_equal(take_n(f->q, "cb.b", "SO.A", &day2, MS(NOON), 2), 2);
	assert_int_equal(take(f->q, "cb.b", "SO.A", &day2, MS(NOON), &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_USER_DAY);
	assert_int_equal(retry, 12 * 3600);
	assert_int_equal(take(f->q, "cb.b", "SO.A", &day2, MS(MIDNIGHT + DAY - 30) + 1, &scope, &retry),
			 QUOTA_EXCEEDED);
	assert_int_equal(retry, 30); /* 29.999 s */
	assert_int_equal(take(f->q, "cb.b", "SO.A", &day2, MS(MIDNIGHT + DAY) - 500, &scope, &retry),
			 QUOTA_EXCEEDED);
	assert_int_equal(retry, 1);
	assert_int_equal(take(f->q, "cb.b", "SO.A", &day2, MS(MIDNIGHT + DAY), &scope, &retry),
			 QUOTA_OK);

	struct quota_limits ag1 = {100, 100, 1};
	assert_int_equal(take(f->q, "cb.c", "SO.C", &ag1, MS(MIDNIGHT + 3600), NULL, NULL), QUOTA_OK);
	assert_int_equal(take(f->q, "cb.d", "SO.C", &ag1, MS(MIDNIGHT + 3600), &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_AGENCY_DAY);
	assert_int_equal(retry, 23 * 3600);
}

static void test_day_limits(void **state)
{
	struct fixture *f = *state;
	struct quota_limits lim = {10, 5, 8};
	struct quota_usage u;
	enum quota_scope scope;
	int retry;
	int64_t t = MS(MIDNIGHT + 8 * 3600);
	/* spaced out, so only the day limit can refuse */
	for (int i = 0; i < 5; i++, t += 10000)
		assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, t, NULL, NULL), QUOTA_OK);
	assert_int_equal(quota_take(f->q, "cb.a", "SO.A", &lim, t, &scope, &retry, &u), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_USER_DAY);
	assert_int_equal(u.day_limit, 5);
	assert_int_equal(u.day_used, 5);
	assert_int_equal(u.agency_day_used, 5);
	/* a colleague has a day of their own but shares the agency's 8 */
	for (int i = 0; i < 3; i++, t += 10000)
		assert_int_equal(take(f->q, "cb.b", "SO.A", &lim, t, NULL, NULL), QUOTA_OK);
	assert_int_equal(quota_take(f->q, "cb.b", "SO.A", &lim, t, &scope, &retry, &u), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_AGENCY_DAY);
	assert_int_equal(u.day_used, 3);
	assert_int_equal(u.agency_day_limit, 8);
	assert_int_equal(u.agency_day_used, 8);
	/* another agency is untouched */
	assert_int_equal(quota_take(f->q, "cb.c", "SO.B", &lim, t, &scope, &retry, &u), QUOTA_OK);
	assert_int_equal(u.agency_day_used, 1);
}

static void test_precedence(void **state)
{
	struct fixture *f = *state;
	enum quota_scope scope;
	int retry;
	/* minute and day both refuse at noon: the day frees last */
	struct quota_limits lim = {2, 2, 1000};
	assert_int_equal(take_n(f->q, "cb.a", "SO.A", &lim, MS(NOON), 2), 2);
	assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, MS(NOON), &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_USER_DAY);
	assert_int_equal(retry, 12 * 3600);
	/* five seconds before midnight the minute (T = 60 s) frees after the day does */
	struct quota_limits one = {1, 1, 1000};
	int64_t late = MS(MIDNIGHT + DAY - 5);
	assert_int_equal(take(f->q, "cb.b", "SO.A", &one, late, NULL, NULL), QUOTA_OK);
	assert_int_equal(take(f->q, "cb.b", "SO.A", &one, late + 1000, &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_USER_MINUTE);
	assert_int_equal(retry, 59);
	/* user day and agency day free at the same midnight: the broader scope is named */
	struct quota_limits both = {100, 1, 2};
	assert_int_equal(take(f->q, "cb.c", "SO.C", &both, MS(NOON), NULL, NULL), QUOTA_OK);
	assert_int_equal(take(f->q, "cb.d", "SO.C", &both, MS(NOON), NULL, NULL), QUOTA_OK);
	assert_int_equal(take(f->q, "cb.c", "SO.C", &both, MS(NOON + 10), &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_AGENCY_DAY);
	assert_int_equal(retry, 12 * 3600 - 10);
}

static void test_refusal_charges_nothing(void **state)
{
	struct fixture *f = *state;
	struct quota_usage u;
	enum quota_scope scope;
	int retry;
	/* the agency refuses: the user's minute and day stay untouched */
	struct quota_limits lim = {5, 100, 3};
	assert_int_equal(take_n(f->q, "cb.a", "SO.A", &lim, MS(NOON), 3), 3);
	for (int i = 0; i < 50; i++)
		assert_int_equal(take(f->q, "cb.b", "SO.A", &lim, MS(NOON), &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_AGENCY_DAY);
	assert_int_equal(quota_peek(f->q, "cb.b", "SO.A", &lim, MS(NOON), &u), QUOTA_OK);
	assert_int_equal(u.minute_used, 0);
	assert_int_equal(u.day_used, 0);
	assert_int_equal(u.agency_day_used, 3);
	/* the minute refuses: neither day counter moves */
	struct quota_limits roomy = {2, 100, 100};
	assert_int_equal(take_n(f->q, "cb.c", "SO.B", &roomy, MS(NOON), 20), 2);
	assert_int_equal(quota_peek(f->q, "cb.c", "SO.B", &roomy, MS(NOON), &u), QUOTA_OK);
	assert_int_equal(u.minute_used, 2);
	assert_int_equal(u.day_used, 2);
	assert_int_equal(u.agency_day_used, 2);
	/* nor does the refused take push the TAT: the next cell frees on time */
	assert_int_equal(take(f->q, "cb.c", "SO.B", &roomy, MS(NOON + 30), NULL, NULL), QUOTA_OK);
}

static void test_refund(void **state)
{
	struct fixture *f = *state;
	struct quota_usage u;
	struct quota_limits lim = {1, 2, 10};
	int64_t t = MS(NOON);
	assert_int_equal(quota_take(f->q, "cb.a", "SO.A", &lim, t, NULL, NULL, &u), QUOTA_OK);
	assert_int_equal(u.minute_used, 1);
	assert_int_equal(u.day_used, 1);
	assert_int_equal(u.agency_day_used, 1);
	quota_refund(f->q, "cb.a", "SO.A", t);
	assert_int_equal(quota_peek(f->q, "cb.a", "SO.A", &lim, t, &u), QUOTA_OK);
	assert_int_equal(u.minute_used, 0);
	assert_int_equal(u.day_used, 0);
	assert_int_equal(u.agency_day_used, 0);
	/* with 1 per minute, the refunded cell can be taken again at once */
	assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, t + 10, NULL, NULL), QUOTA_OK);
	assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, t + 20, NULL, NULL), QUOTA_EXCEEDED);
	/* a refund for a day that has ended gives nothing on the new day */
	int64_t late = MS(MIDNIGHT + DAY - 1);
	assert_int_equal(take(f->q, "cb.b", "SO.B", &lim, late, NULL, NULL), QUOTA_OK);
	assert_int_equal(take(f->q, "cb.b", "SO.B", &lim, late + 61000, NULL, NULL), QUOTA_OK); /* new day */
	quota_refund(f->q, "cb.b", "SO.B", late);
	assert_int_equal(quota_peek(f->q, "cb.b", "SO.B", &lim, late + 61000, &u), QUOTA_OK);
	assert_int_equal(u.day_used, 1);
	assert_int_equal(u.agency_day_used, 1);
	/* refunding unknown names is harmless */
	quota_refund(f->q, "nobody", "SO.Z", t);
	quota_refund(f->q, NULL, "SO.Z", t);
}

static void test_seed_after_restart(void **state)
{
	struct fixture *f = *state;
	struct quota_usage u;
	enum quota_scope scope;
	int retry;
	int64_t now = NOON + 30;
	/* committed before the "restart": yesterday, earlier today, the last minute */
	for (int i = 0; i < 4; i++)
		project(f, now - DAY + i, "cb.a", "SO.A");
	for (int i = 0; i < 7; i++)
		project(f, now - 3 * 3600 + i * 60, "cb.a", "SO.A");
	project(f, now - 5, "cb.a", "SO.A");
	project(f, now - 4, "cb.a", "SO.A");
	project(f, now - 3, "cb.a", "SO.A");
	for (int i = 0; i < 5; i++)
		project(f, now - 600 + i, "cb.b", "SO.A");

	struct quota *q2;
	assert_int_equal(quota_new(f->st, &q2), QUOTA_OK);
	struct quota_limits lim = {10, 12, 100};
	assert_int_equal(quota_peek(q2, "cb.a", "SO.A", &lim, MS(now), &u), QUOTA_OK);
	assert_int_equal(u.day_used, 10);
	assert_int_equal(u.agency_day_used, 15);
	/* three lookups 3-5 s ago, replayed at the end of their seconds: 3 cells held */
	assert_int_equal(u.minute_used, 3);
	/* so 7 more fit in the minute's burst, but the day has only 2 left */
	assert_int_equal(take_n(q2, "cb.a", "SO.A", &lim, MS(now), 10), 2);
	assert_int_equal(take(q2, "cb.a", "SO.A", &lim, MS(now), &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_USER_DAY);
	quota_free(q2);

	/* the minute survives too: a burst just before the restart is not handed out again */
	for (int i = 0; i < 10; i++)
		project(f, now - 1, "cb.c", "SO.B");
	assert_int_equal(quota_new(f->st, &q2), QUOTA_OK);
	struct quota_limits roomy = {10, 1000, 1000};
	assert_int_equal(take_n(q2, "cb.c", "SO.B", &roomy, MS(now), 10), 0);
	assert_int_equal(take(q2, "cb.c", "SO.B", &roomy, MS(now), &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_USER_MINUTE);
	assert_int_equal(retry, 6); /* the last lookup counted at the end of its second: 5.999 s */
	assert_int_equal(take_n(q2, "cb.c", "SO.B", &roomy, MS(now + 6), 10), 1);
	quota_free(q2);

	/* takes of one process, committed, then a new process: it continues the day */
	struct quota_limits five = {100, 5, 100};
	assert_int_equal(quota_new(f->st, &q2), QUOTA_OK);
	assert_int_equal(take_n(q2, "cb.d", "SO.C", &five, MS(now), 3), 3);
	quota_free(q2);
	for (int i = 0; i < 3; i++)
		project(f, now, "cb.d", "SO.C");
	assert_int_equal(quota_new(f->st, &q2), QUOTA_OK);
	assert_int_equal(take_n(q2, "cb.d", "SO.C", &five, MS(now + 3600), 5), 2);
	quota_free(q2);
}

static void fixture_exec(struct fixture *f, const char *sql)
{
	assert_int_equal(sqlite3_exec(f->st->db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static void test_store_failure_fails_closed(void **state)
{
	struct fixture *f = *state;
	struct quota_usage u;
	struct quota_limits lim = {10, 100, 100};
	const char *tables[] = {"audit_daily_user", "audit_daily_agency", "audit_lookups"};
	const char *users[] = {"cb.a", "cb.b", "cb.c"};
	const char *agencies[] = {"SO.A", "SO.B", "SO.C"};
	project(f, NOON - 100, "cb.a", "SO.A");
	project(f, NOON - 100, "cb.b", "SO.B");
	for (int i = 0; i < 3; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "ALTER TABLE %s RENAME TO broken", tables[i]);
		fixture_exec(f, sql);
		assert_int_equal(quota_take(f->q, users[i], agencies[i], &lim, MS(NOON), NULL, NULL, &u),
				 QUOTA_ESTATE);
		assert_int_equal(u.day_limit, 100);
		assert_int_equal(u.day_used, 0);
		assert_int_equal(quota_peek(f->q, users[i], agencies[i], &lim, MS(NOON), &u), QUOTA_ESTATE);
		snprintf(sql, sizeof sql, "ALTER TABLE broken RENAME TO %s", tables[i]);
		fixture_exec(f, sql);
		/* readable again: the refused attempts charged nothing, the store's count is there */
		assert_int_equal(quota_take(f->q, users[i], agencies[i], &lim, MS(NOON), NULL, NULL, &u), QUOTA_OK);
		assert_int_equal(u.day_used, i < 2 ? 2 : 1);
		assert_int_equal(u.minute_used, 1);
	}
	/* a new day needs a new read: that failing fails closed too */
	fixture_exec(f, "ALTER TABLE audit_daily_agency RENAME TO broken");
	assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, MS(NOON + DAY), NULL, NULL), QUOTA_ESTATE);
	fixture_exec(f, "ALTER TABLE broken RENAME TO audit_daily_agency");
	assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, MS(NOON + DAY), NULL, NULL), QUOTA_OK);
}

static void test_local_midnight_rollover(void **state)
{
	struct fixture *f = *state;
	struct quota_usage u;
	enum quota_scope scope;
	int retry;
	struct quota_limits lim = {100, 2, 100}, lim2 = {100, 100, 2};
	clock_set_fake(MIDNIGHT - 2); /* 16:59:58Z = 23:59:58 +07 */
	assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, clock_now_ms(), NULL, NULL), QUOTA_OK);
	assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, clock_now_ms(), NULL, NULL), QUOTA_OK);
	assert_int_equal(take(f->q, "cb.b", "SO.B", &lim2, clock_now_ms(), NULL, NULL), QUOTA_OK);
	assert_int_equal(take(f->q, "cb.c", "SO.B", &lim2, clock_now_ms(), NULL, NULL), QUOTA_OK);
	clock_set_fake(MIDNIGHT - 1); /* 16:59:59Z: still the same local day */
	assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, clock_now_ms(), &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_USER_DAY);
	assert_int_equal(retry, 1);
	assert_int_equal(take(f->q, "cb.b", "SO.B", &lim2, clock_now_ms(), &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(scope, QUOTA_AGENCY_DAY);
	assert_int_equal(retry, 1);
	/* the lookups of the old day are committed meanwhile: they stay on that day */
	project(f, MIDNIGHT - 2, "cb.a", "SO.A");
	project(f, MIDNIGHT - 2, "cb.a", "SO.A");
	project(f, MIDNIGHT - 2, "cb.b", "SO.B");
	project(f, MIDNIGHT - 2, "cb.c", "SO.B");
	clock_set_fake(MIDNIGHT); /* 17:00:00Z = 00:00 +07: a fresh day */
	assert_int_equal(quota_take(f->q, "cb.a", "SO.A", &lim, clock_now_ms(), &scope, &retry, &u), QUOTA_OK);
	assert_int_equal(u.day_used, 1);
	assert_int_equal(u.agency_day_used, 1);
	assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, clock_now_ms(), NULL, NULL), QUOTA_OK);
	assert_int_equal(take(f->q, "cb.a", "SO.A", &lim, clock_now_ms(), &scope, &retry), QUOTA_EXCEEDED);
	assert_int_equal(retry, 86400);
	assert_int_equal(take(f->q, "cb.b", "SO.B", &lim2, clock_now_ms(), NULL, NULL), QUOTA_OK);
	assert_int_equal(take(f->q, "cb.c", "SO.B", &lim2, clock_now_ms(), NULL, NULL), QUOTA_OK);
	/* a take stamped just before midnight but arriving after the agency rolled counts on
	 * the agency's new day (one too many charged, never one too few) */
	assert_int_equal(quota_take(f->q, "cb.d", "SO.A", &lim, MS(MIDNIGHT) - 1, NULL, NULL, &u), QUOTA_OK);
	assert_int_equal(u.agency_day_used, 3);
	assert_int_equal(u.day_used, 1);
}

struct worker {
	struct quota *q;
	const char *user, *agency;
	struct quota_limits lim;
	int64_t now_ms;
	pthread_barrier_t *start;
	int ok, exceeded, other;
	enum quota_scope last_scope;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	pthread_barrier_wait(w->start); /* all eight at once, for the most overlap */
	for (int i = 0; i < 1000; i++) {
		enum quota_scope s;
		int retry;
		int rc = quota_take(w->q, w->user, w->agency, &w->lim, w->now_ms, &s, &retry, NULL);
		if (rc == QUOTA_OK)
			w->ok++;
		else if (rc == QUOTA_EXCEEDED)
			w->exceeded++, w->last_scope = s;
		else
			w->other++;
	}
	return NULL;
}

/* 8 threads x 1000 takes; returns the total taken; every refusal had `scope`. */
static int run_threads(struct quota *q, const char *const users[8], const char *agency,
		       struct quota_limits lim, int64_t now_ms, enum quota_scope scope)
{
	pthread_t th[8];
	struct worker w[8];
	pthread_barrier_t start;
	int ok = 0;
	assert_int_equal(pthread_barrier_init(&start, NULL, 8), 0);
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){
			.q = q, .user = users[i], .agency = agency, .lim = lim, .now_ms = now_ms, .start = &start};
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].other, 0);
		assert_int_equal(w[i].ok + w[i].exceeded, 1000);
		if (w[i].exceeded)
			assert_int_equal(w[i].last_scope, scope);
		ok += w[i].ok;
	}
	pthread_barrier_destroy(&start);
	return ok;
}

static void test_concurrency(void **state)
{
	struct fixture *f = *state;
	struct quota_usage u;
	const char *one[8] = {"cb.a", "cb.a", "cb.a", "cb.a", "cb.a", "cb.a", "cb.a", "cb.a"};
	/* all first takes race through the unseeded path; the store has 3 of today's */
	for (int i = 0; i < 3; i++)
		project(f, NOON - 7200, "cb.a", "SO.A");
	struct quota_limits minute = {100, 100000, 100000};
	assert_int_equal(run_threads(f->q, one, "SO.A", minute, MS(NOON), QUOTA_USER_MINUTE), 100);
	assert_int_equal(quota_peek(f->q, "cb.a", "SO.A", &minute, MS(NOON), &u), QUOTA_OK);
	assert_int_equal(u.minute_used, 100);
	assert_int_equal(u.day_used, 103);
	assert_int_equal(u.agency_day_used, 103);
	struct quota_limits day = {10000, 777, 100000};
	assert_int_equal(run_threads(f->q, one, "SO.B", day, MS(NOON + DAY), QUOTA_USER_DAY), 777);
	/* several rounds of eight officers of one agency, fresh names each time, so
	 * a lost update has many chances to show */
	struct quota_limits agency = {10000, 1000, 555};
	for (int round = 0; round < 10; round++) {
		char names[8][16], code[16];
		const char *eight[8];
		for (int i = 0; i < 8; i++) {
			snprintf(names[i], sizeof names[i], "cb.%d.%d", round, i);
			eight[i] = names[i];
		}
		snprintf(code, sizeof code, "SO.C%d", round);
		assert_int_equal(run_threads(f->q, eight, code, agency, MS(NOON), QUOTA_AGENCY_DAY), 555);
		assert_int_equal(quota_peek(f->q, eight[7], code, &agency, MS(NOON), &u), QUOTA_OK);
		assert_int_equal(u.agency_day_used, 555);
	}
}

static void test_eviction_bound(void **state)
{
	struct fixture *f = *state;
	struct quota *q;
	struct quota_usage u;
	struct quota_limits lim = {10, 100, 100};
	const char *users[] = {"cb.1", "cb.2", "cb.3", "cb.4"};
	assert_int_equal(quota_new_bounded(f->st, 4, 2, &q), QUOTA_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(take(q, users[i], i < 2 ? "SO.A" : "SO.B", &lim, MS(NOON), NULL, NULL), QUOTA_OK);
	/* full of today's users: a fifth is refused, not given someone's slot */
	assert_int_equal(quota_take(q, "cb.5", "SO.A", &lim, MS(NOON), NULL, NULL, &u), QUOTA_ESTATE);
	assert_int_equal(u.day_used, 0);
	assert_int_equal(quota_peek(q, "cb.5", "SO.A", &lim, MS(NOON + 5), &u), QUOTA_ESTATE);
	/* and full of today's agencies: a third agency is refused */
	assert_int_equal(take(q, "cb.1", "SO.C", &lim, MS(NOON + 10), NULL, NULL), QUOTA_ESTATE);
	/* the known ones keep working, and kept their counts */
	assert_int_equal(quota_take(q, "cb.1", "SO.A", &lim, MS(NOON + 10), NULL, NULL, &u), QUOTA_OK);
	assert_int_equal(u.day_used, 2);
	assert_int_equal(u.agency_day_used, 3);
	/* the next day yesterday's entries make room; cb.1's day is read again from the store */
	project(f, NOON + DAY - 60, "cb.1", "SO.A");
	assert_int_equal(quota_take(q, "cb.5", "SO.C", &lim, MS(NOON + DAY), NULL, NULL, &u), QUOTA_OK);
	assert_int_equal(u.day_used, 1);
	assert_int_equal(quota_take(q, "cb.1", "SO.A", &lim, MS(NOON + DAY), NULL, NULL, &u), QUOTA_OK);
	assert_int_equal(u.day_used, 2);
	assert_int_equal(u.agency_day_used, 2);
	/* today's entries are not evicted for newcomers: 2 of 4 user slots and 2 of 2 agencies in use */
	assert_int_equal(take(q, "cb.6", "SO.A", &lim, MS(NOON + DAY), NULL, NULL), QUOTA_OK);
	assert_int_equal(take(q, "cb.7", "SO.C", &lim, MS(NOON + DAY), NULL, NULL), QUOTA_OK);
	assert_int_equal(take(q, "cb.8", "SO.D", &lim, MS(NOON + DAY), NULL, NULL), QUOTA_ESTATE);
	assert_int_equal(take(q, "cb.9", "SO.A", &lim, MS(NOON + DAY), NULL, NULL), QUOTA_ESTATE);
	assert_int_equal(quota_peek(q, "cb.5", "SO.C", &lim, MS(NOON + DAY), &u), QUOTA_OK);
	assert_int_equal(u.day_used, 1);
	assert_int_equal(u.agency_day_used, 2);
	quota_free(q);
	assert_int_equal(quota_new_bounded(f->st, 0, 1, &q), QUOTA_EINVAL);
	assert_null(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names_and_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gcra_burst_then_steady, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_burst_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_day_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_charges_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refund, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_after_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_failure_fails_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_midnight_rollover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_bound, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
