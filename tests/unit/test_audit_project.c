/*
 * Projections: lookups by citizen, user and agency and the daily counts per
 * local day (Asia/Ho_Chi_Minh: 17:00 UTC starts a new day), fed live from
 * committed records; caught up from the log at open when the database missed
 * records; and rebuilt by audit_reindex into exactly the live tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/store_int.h"
#include "test_audit_util.h"

static int setup(void **state)
{
	static struct inst t;
	log_setup(LOG_ERROR, NULL);
	if (inst_make(&t))
		return -1;
	*state = &t;
	return 0;
}

static int teardown(void **state)
{
	clock_set_fake(0);
	inst_free(*state);
	return 0;
}

static int lookup(struct audit *a, const char *user, const char *agency, const char *citizen,
		  const char *outcome)
{
	json_t *pl = json_pack("{s:s, s:s, s:s, s:s}", "citizen_id", citizen, "dossier_code",
			       "H15.50.05.13-261008-0975", "procedure_code", "1.002421", "outcome", outcome);
	int rc = append_event(a, "lookup", user, agency, pl, NULL);
	json_decref(pl);
	return rc;
}

/* Every projected row and count as text, in a fixed order. */
static char *snapshot(struct store *st)
{
	static const char *const queries[] = {
		("SELECT seq, time, local_day, actor, agency, ip, citizen_id, dossier_code, procedure_code, "
		 "outcome FROM audit_lookups ORDER BY seq"),
		"SELECT username, day, count FROM audit_daily_user ORDER BY username, day",
		"SELECT agency, day, count FROM audit_daily_agency ORDER BY agency, day",
		"SELECT value FROM meta WHERE key = 'audit_projected_seq'",
	};
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap);
	for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
		sqlite3_stmt *s = NULL;
		assert_int_equal(sqlite3_prepare_v2(st->db, queries[q], -1, &s, NULL), SQLITE_OK);
		while (sqlite3_step(s) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(s); c++) {
				const unsigned char *v = sqlite3_column_text(s, c);
				len += (size_t)snprintf(out + len, cap - len, "%s|", v ? (const char *)v : "NULL");
			}
			len += (size_t)snprintf(out + len, cap - len, "\n");
		}
		sqlite3_finalize(s);
		len += (size_t)snprintf(out + len, cap - len, "--\n");
	}
	assert_true(len < cap - 1);
	return out;
}

static int count_rows(const struct store_audit_lookup *l, void *arg)
{
	(void)l;
	(*(int *)arg)++;
	return 0;
}

static void test_live_projection_and_reindex(void **state)
{
	struct inst *t = *state;
	struct audit *a = NULL;
	/* 16:59:59Z is 23:59:59 in Hanoi; 17:00:00Z is the next local day. */
	int64_t before_midnight = clock_local_day_start(clock_local_day(1790000000) + 1) - 1;
	clock_set_fake(before_midnight);
	int64_t day1 = clock_local_day(before_midnight);
	assert_int_equal(clock_local_seconds_of_day(before_midnight), 86399);
	assert_int_equal(before_midnight % 86400, 17 * 3600 - 1); /* 16:59:59Z */
	assert_int_equal(inst_open(t, &a), 0);
	assert_int_equal(lookup(a, "officer1", "SOYTE", "075203001234", "ok"), 0);
	assert_int_equal(lookup(a, "officer1", "SOYTE", "075203009999", "not_found"), 0);
	assert_int_equal(lookup(a, "officer2", "SOTP", "075203001234", "ok"), 0);
	assert_int_equal(append_event(a, "signin_ok", "officer1", "SOYTE", NULL, NULL), 0);
	clock_set_fake(before_midnight + 1);
	assert_int_equal(lookup(a, "officer1", "SOYTE", "075203001234", "ok"), 0);
	audit_close(a);

	int64_t n = 0;
	assert_int_equal(store_audit_daily_count_user(t->st, "officer1", day1, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_audit_daily_count_user(t->st, "officer1", day1 + 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_audit_daily_count_agency(t->st, "SOYTE", day1, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_audit_daily_count_agency(t->st, "SOTP", day1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_audit_daily_count_user(t->st, "nobody", day1, &n), 0);
	assert_int_equal(n, 0);
	int rows = 0;
	assert_int_equal(store_audit_lookups_by_citizen(t->st, "075203001234", 0, count_rows, &rows), 0);
	assert_int_equal(rows, 3);
	rows = 0;
	assert_int_equal(store_audit_lookups_by_agency(t->st, "SOTP", 0, count_rows, &rows), 0);
	assert_int_equal(rows, 1);
	rows = 0;
	assert_int_equal(store_audit_lookups_by_user(t->st, "officer1", 0, count_rows, &rows), 0);
	assert_int_equal(rows, 3);
	int64_t mark = 0;
	assert_int_equal(store_audit_projected_seq(t->st, &mark), 0);
	assert_int_equal(mark, 5);

	char *live = snapshot(t->st);
	uint64_t records = 0;
	char why[256];
	assert_int_equal(audit_reindex(t->dir, t->st, &records, why, sizeof why), 0);
	assert_int_equal(records, 5);
	char *rebuilt = snapshot(t->st);
	assert_string_equal(live, rebuilt);
	free(live);
	free(rebuilt);
}

/* The projections are written in coalesced transactions (up to 200 ms late);
 * audit_sync_projections makes a search see every committed record, with the
 * daily counts of a batch that mixes officers, agencies and two local days. */
static void test_sync_sees_every_committed_record(void **state)
{
	struct inst *t = *state;
	struct audit *a = NULL;
	int64_t before_midnight = clock_local_day_start(clock_local_day(1790000000) + 1) - 1;
	int64_t day1 = clock_local_day(before_midnight);
	const char *users[] = {"cb.a", "cb.b", "cb.c"}, *agencies[] = {"SO.A", "SO.B", "SO.A"};
	clock_set_fake(before_midnight);
	assert_int_equal(inst_open(t, &a), 0);
	for (int i = 0; i < 300; i++) {
		if (i == 200)
			clock_set_fake(before_midnight + 1); /* the next local day */
		assert_int_equal(lookup(a, users[i % 3], agencies[i % 3], "075203001234", "ok"), 0);
	}
	assert_int_equal(audit_sync_projections(a, 5000), 0);
	int rows = 0;
	assert_int_equal(store_audit_lookups_by_citizen(t->st, "075203001234", 1000, count_rows, &rows), 0);
	assert_int_equal(rows, 300);
	int64_t n = 0, mark = 0;
	assert_int_equal(store_audit_projected_seq(t->st, &mark), 0);
	assert_int_equal(mark, 300);
	/* i < 200 on day 1: 67 of them are cb.a's (i % 3 == 0), 67 cb.b's, 66 cb.c's */
	assert_int_equal(store_audit_daily_count_user(t->st, "cb.a", day1, &n), 0);
	assert_int_equal(n, 67);
	assert_int_equal(store_audit_daily_count_user(t->st, "cb.c", day1, &n), 0);
	assert_int_equal(n, 66);
	assert_int_equal(store_audit_daily_count_user(t->st, "cb.c", day1 + 1, &n), 0);
	assert_int_equal(n, 34);
	assert_int_equal(store_audit_daily_count_agency(t->st, "SO.A", day1, &n), 0);
	assert_int_equal(n, 133);
	assert_int_equal(store_audit_daily_count_agency(t->st, "SO.B", day1 + 1, &n), 0);
	assert_int_equal(n, 33);
	/* nothing new: answers at once */
	assert_int_equal(audit_sync_projections(a, 0), 0);
	audit_close(a);
}

static void test_catch_up_at_open(void **state)
{
	struct inst *t = *state;
	struct audit *a = NULL;
	char why[512];
	/* Records written without a database (as after a crash before projection). */
	assert_int_equal(audit_open(t->dir, &t->cfg, NULL, &a, why, sizeof why), 0);
	assert_int_equal(lookup(a, "officer1", "SOYTE", "075203001234", "ok"), 0);
	assert_int_equal(lookup(a, "officer1", "SOYTE", "075203001235", "ok"), 0);
	audit_close(a);
	int64_t mark = 0, n = 0;
	assert_int_equal(store_audit_projected_seq(t->st, &mark), 0);
	assert_int_equal(mark, 0);
	assert_int_equal(inst_open(t, &a), 0);
	assert_int_equal(store_audit_projected_seq(t->st, &mark), 0);
	assert_int_equal(mark, 2);
	assert_int_equal(store_audit_daily_count_user(t->st, "officer1", clock_local_day(clock_now()), &n), 0);
	assert_int_equal(n, 2);
	/* reindex refuses while a writer holds the log */
	assert_int_equal(audit_reindex(t->dir, t->st, NULL, why, sizeof why), AUDIT_EUNAVAILABLE);
	audit_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_live_projection_and_reindex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_sees_every_committed_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catch_up_at_open, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
