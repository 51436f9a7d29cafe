/*
 * Group commit under contention: many threads append at once; every seq handed
 * out is unique and together they are exactly 1..N; the chain verifies with its
 * checkpoints; a listener sees every record once, in seq order; appends after
 * audit_close has begun are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_audit_util.h"

#define THREADS 16
#define PER_THREAD 150

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
	inst_free(*state);
	return 0;
}

struct worker {
	struct audit *a;
	uint64_t seqs[PER_THREAD];
	int failures;
};

static void *work(void *p)
{
	struct worker *w = p;
	for (int i = 0; i < PER_THREAD; i++) {
		json_t *pl = json_pack("{s:s, s:s, s:s, s:s}", "citizen_id", "075203001234", "dossier_code",
				       "H15.50.05.13-261008-0975", "procedure_code", "1.002421", "outcome", "ok");
		if (append_event(w->a, "lookup", "officer1", "SOYTE", pl, &w->seqs[i]) != AUDIT_OK)
			w->failures++;
		json_decref(pl);
	}
	return NULL;
}

struct seen {
	uint64_t last;
	uint64_t count;
	bool in_order;
};

static void listener(const json_t *rec, void *arg)
{
	struct seen *s = arg;
	uint64_t seq = (uint64_t)json_integer_value(json_object_get(rec, "seq"));
	if (seq != s->last + 1 || !json_is_string(json_object_get(rec, "hash")))
		s->in_order = false;
	s->last = seq;
	s->count++;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_many_writers(void **state)
{
	struct inst *t = *state;
	struct audit *a = NULL;
	static struct worker w[THREADS];
	pthread_t th[THREADS];
	struct seen seen = {0, 0, true};
	t->cfg.audit.checkpoint_records = 100;
	assert_int_equal(inst_open(t, &a), 0);
	assert_int_equal(audit_subscribe(a, listener, &seen), 0);
	for (int i = 0; i < THREADS; i++) {
		w[i].a = a;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	audit_close(a);

	static uint64_t all[THREADS * PER_THREAD];
	size_t n = 0;
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(w[i].failures, 0);
		for (int k = 0; k < PER_THREAD; k++) {
			all[n++] = w[i].seqs[k];
			/* Each thread's own appends come back in increasing order. */
			if (k)
				assert_true(w[i].seqs[k] > w[i].seqs[k - 1]);
		}
	}
	qsort(all, n, sizeof all[0], cmp_u64);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(all[i], i + 1); /* unique and contiguous */

	struct audit_verify_result r;
	assert_int_equal(audit_verify(t->dir, NULL, &r), 0);
	assert_int_equal(r.records, n);
	assert_int_equal(r.checkpoint_seq, n);
	assert_true(seen.in_order);
	assert_int_equal(seen.count, n);

	/* The projections counted every lookup of the day. */
	int64_t count = 0;
	assert_int_equal(store_audit_daily_count_user(t->st, "officer1", clock_local_day(clock_now()), &count), 0);
	assert_int_equal(count, (int64_t)n);
}

static void test_closed_refuses(void **state)
{
	struct inst *t = *state;
	struct audit *a = NULL;
	assert_int_equal(inst_open(t, &a), 0);
	/* Close drains and then refuses; a closing log is reported as such, not as full. */
	audit_close(a);
	assert_int_equal(audit_subscribe(NULL, listener, NULL), AUDIT_EINVAL);
	assert_int_equal(audit_append(NULL, NULL, NULL), AUDIT_EINVAL);
	assert_false(audit_is_available(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_many_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_refuses, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
