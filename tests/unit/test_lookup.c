/*
 * The lookup service end to end below HTTP, with the audit writer's fault seam:
 * a lookup's fields leave only with a durable record; a full disk answers
 * LOOKUP_EAUDIT with no data and gives the quota back, and lookups resume when
 * space returns; bad input and quota refusals write nothing; a citizen not found
 * is audited. With [dossier] check = verify: each refusal of the purpose binding
 * is audited with its reason, keeps its quota and carries no data; the quota is
 * taken before the dossier is read; a dossier backend that cannot answer fails
 * closed and gives the quota back. Both forms of the API (lookup_run and
 * lookup_start / lookup_finish) are exercised.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "audit/audit_int.h"
#include "audit/sign.h"
#include "core/config.h"
#include "core/clock.h"
#include "core/datadir.h"
#include "dossier/dossier_int.h"
#include "lookup/citizen_fields.h"
#include "lookup/lookup.h"
#include "lookup/population_generate.h"
#include "lookup/procedures.h"
#include "store/store.h"

struct fx {
	char tmp[64], dir[96];
	struct config cfg;
	struct store *st;
	struct audit *audit;
	struct lookup_service svc;
	char ids[8][16];
	int n_ids;
	const char *procedure;
	const char *other_procedure;
};

static int collect_id(const char *id, void *arg)
{
	struct fx *f = arg;
	snprintf(f->ids[f->n_ids++], sizeof f->ids[0], "%s", id);
	return f->n_ids >= 8;
}

#define DOSSIER_OK_CODE "H15.50.05.13-261008-0001"
#define DOSSIER_CLOSED_CODE "H15.50.05.13-261008-0002"
#define DOSSIER_OTHER_CODE "H15.50.05.13-261008-0003"
#define DOSSIER_ASSIGNED_CODE "H15.50.05.13-261008-0004"

static void dossier_make(struct store_dossier *d, const char *code, const char *procedure, const char *agency,
			 const char *status, const char *citizen_a, const char *citizen_b)
{
	memset(d, 0, sizeof *d);
	snprintf(d->code, sizeof d->code, "%s", code);
	snprintf(d->procedure_code, sizeof d->procedure_code, "%s", procedure);
	snprintf(d->agency, sizeof d->agency, "%s", agency);
	snprintf(d->status, sizeof d->status, "%s", status);
	snprintf(d->source, sizeof d->source, "import");
	d->received_at = clock_now() - 86400 * 30;
	d->updated_at = clock_now();
	snprintf(d->persons[0].citizen_id, sizeof d->persons[0].citizen_id, "%s", citizen_a);
	snprintf(d->persons[0].role, sizeof d->persons[0].role, "applicant");
	snprintf(d->persons[1].citizen_id, sizeof d->persons[1].citizen_id, "%s", citizen_b);
	snprintf(d->persons[1].role, sizeof d->persons[1].role, "subject");
	d->n_persons = 2;
}

static int setup_mode(void **state, bool verify)
{
	struct fx *f = calloc(1, sizeof *f);
	char why[512], path[160];
	strcpy(f->tmp, "/tmp/canhgac-test-lookup-XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(f->dir, sizeof f->dir, "%s/data", f->tmp);
	assert_int_equal(datadir_create(f->dir, why, sizeof why), 0);
	assert_int_equal(audit_sign_keygen(f->dir, why, sizeof why), 0);
	config_defaults(&f->cfg);
	f->cfg.quota.user_per_minute = 3;
	snprintf(path, sizeof path, "%s/canhgac.db", f->dir);
	assert_int_equal(store_open(path, STORE_OPEN_CREATE, &f->st, why, sizeof why), 0);
	struct population_generate_stats gs;
	assert_int_equal(population_generate(f->st, 100, 5, &gs, why, sizeof why), 0);
	assert_int_equal(store_citizen_sample(f->st, 8, collect_id, f), 0);
	assert_int_equal(f->n_ids, 8);
	assert_int_equal(audit_open(f->dir, &f->cfg, f->st, &f->audit, why, sizeof why), 0);
	if (verify)
		snprintf(f->cfg.dossier.check, sizeof f->cfg.dossier.check, "verify");
	assert_int_equal(lookup_service_open(&f->svc, &f->cfg, f->st, f->audit, why, sizeof why), 0);
	assert_int_equal(f->svc.verify_dossiers, verify);
	f->procedure = procedures_at(f->svc.procedures, 0)->code;
	f->other_procedure = procedures_at(f->svc.procedures, 1)->code;
	struct store_dossier d[4];
	dossier_make(&d[0], DOSSIER_OK_CODE, f->procedure, "SO.A", "processing", f->ids[0], f->ids[1]);
	dossier_make(&d[1], DOSSIER_CLOSED_CODE, f->procedure, "SO.A", "closed", f->ids[0], f->ids[1]);
	d[1].closed_at = clock_now() - 86400 * (f->cfg.dossier.grace_days + 1);
	dossier_make(&d[2], DOSSIER_OTHER_CODE, f->procedure, "SO.B", "received", f->ids[0], f->ids[1]);
	dossier_make(&d[3], DOSSIER_ASSIGNED_CODE, f->procedure, "SO.B", "received", f->ids[0], f->ids[1]);
	snprintf(d[3].officers[0], sizeof d[3].officers[0], "cb.a");
	d[3].n_officers = 1;
	size_t ins = 0, upd = 0;
	assert_int_equal(store_dossiers_upsert(f->st, d, 4, &ins, &upd), 0);
	assert_int_equal(ins, 4);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_mode(state, false);
}

static int setup_verify(void **state)
{
	return setup_mode(state, true);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	audit_io_reset();
	lookup_service_close(&f->svc);
	audit_close(f->audit);
	store_close(f->st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->tmp);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static struct lookup_request req(struct fx *f, const char *id)
{
	struct lookup_request rq = {.username = "cb.a", .agency = "SO.A", .ip = "192.0.2.1", .citizen_id = id,
				    .dossier_code = "H15.50.05.13-261008-0975", .procedure_code = f->procedure};
	rq.limits = (struct quota_limits){3, 100, 1000};
	return rq;
}

static ssize_t write_enospc(int fd, const void *buf, size_t n)
{
	(void)fd;
	(void)buf;
	(void)n;
	errno = ENOSPC;
	return -1;
}

static void test_fields_leave_with_a_durable_record(void **state)
{
	struct fx *f = *state;
	struct lookup_request rq = req(f, f->ids[0]);
	struct lookup_call k;
	struct lookup_result *r = &k.result;
	uint64_t before = audit_last_seq(f->audit);
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_OK);
	assert_non_null(r->citizen);
	assert_int_equal(r->audit_seq, before + 1);
	assert_int_equal(audit_last_seq(f->audit), before + 1);
	const struct procedure *pr = procedures_find(f->svc.procedures, f->procedure);
	const char *key;
	json_t *v;
	json_object_foreach(r->citizen, key, v) {
		int cf = citizen_field_find(key);
		assert_true(cf >= 0);
		assert_true(procedure_has_field(pr, (enum citizen_field)cf));
	}
	assert_null(json_object_get(r->citizen, "synthetic"));
	assert_int_equal(r->usage.day_used, 1);
	json_decref(r->citizen);
}

static void test_full_disk_fails_closed_and_resumes(void **state)
{
	struct fx *f = *state;
	struct lookup_request rq = req(f, f->ids[1]);
	struct lookup_call k;
	struct lookup_result *r = &k.result;
	audit_io.write = write_enospc;
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_EAUDIT);
	assert_null(r->citizen);
	assert_int_equal(r->usage.day_used, 0); /* the quota was given back */
	assert_false(audit_is_available(f->audit));
	audit_io_reset();
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_OK);
	assert_non_null(r->citizen);
	assert_int_equal(r->usage.day_used, 1);
	json_decref(r->citizen);
	assert_true(audit_is_available(f->audit));
}

static void test_refusals_write_nothing_not_found_is_audited(void **state)
{
	struct fx *f = *state;
	struct lookup_call k;
	struct lookup_result *r = &k.result;
	uint64_t seq = audit_last_seq(f->audit);
	struct lookup_request rq = req(f, "07520512345"); /* 11 digits */
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_EINVALID_ID);
	assert_non_null(r->why);
	rq = req(f, f->ids[2]);
	rq.dossier_code = "HS-1";
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_EINVALID_DOSSIER);
	rq = req(f, f->ids[2]);
	rq.procedure_code = "9.999999";
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_EUNKNOWN_PROCEDURE);
	assert_int_equal(audit_last_seq(f->audit), seq);
	rq = req(f, "075205999999");
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_ENOTFOUND);
	assert_null(r->citizen);
	assert_int_equal(r->audit_seq, seq + 1);
	/* the minute quota (3): two more, then a refusal that writes nothing */
	for (int i = 3; i < 5; i++) {
		rq = req(f, f->ids[i]);
		assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_OK);
		json_decref(r->citizen);
	}
	seq = audit_last_seq(f->audit);
	rq = req(f, f->ids[5]);
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_EQUOTA);
	assert_int_equal(r->scope, QUOTA_USER_MINUTE);
	assert_true(r->retry_after >= 1);
	assert_null(r->citizen);
	assert_int_equal(audit_last_seq(f->audit), seq);
}

/* The outcome of the audit record `seq`, read back from the log. */
struct outcome_find {
	uint64_t seq;
	char outcome[48];
};

static int outcome_one(const json_t *rec, const char *line, size_t len, void *arg)
{
	(void)line;
	(void)len;
	struct outcome_find *o = arg;
	if ((uint64_t)json_integer_value(json_object_get(rec, "seq")) != o->seq)
		return 0;
	const json_t *p = json_object_get(rec, "payload");
	const char *out = json_string_value(json_object_get(p, "outcome"));
	snprintf(o->outcome, sizeof o->outcome, "%s", out ? out : "");
	return 1;
}

static const char *record_outcome(struct fx *f, uint64_t seq, struct outcome_find *o)
{
	char why[256];
	o->seq = seq;
	o->outcome[0] = '\0';
	assert_true(audit_read_records(f->dir, seq, outcome_one, o, why, sizeof why) >= 0);
	return o->outcome;
}

static void expect_refusal(struct fx *f, struct lookup_request *rq, const char *code, int day_used)
{
	struct lookup_call k;
	struct outcome_find o;
	uint64_t seq = audit_last_seq(f->audit);
	assert_int_equal(lookup_run(&f->svc, rq, &k), LOOKUP_EREFUSED);
	assert_string_equal(k.result.refusal, code);
	assert_null(k.result.citizen);
	assert_int_equal(k.result.audit_seq, seq + 1);
	assert_int_equal(k.result.usage.day_used, day_used); /* a refusal keeps its quota */
	assert_string_equal(record_outcome(f, seq + 1, &o), code);
}

static void test_verify_allows_only_inside_the_dossier(void **state)
{
	struct fx *f = *state;
	struct lookup_call k;
	struct outcome_find o;
	struct lookup_request rq = req(f, f->ids[1]);
	rq.limits.user_per_minute = 100;
	rq.dossier_code = DOSSIER_OK_CODE;
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_OK);
	assert_non_null(k.result.citizen);
	json_decref(k.result.citizen);
	assert_string_equal(record_outcome(f, k.result.audit_seq, &o), "ok");

	rq.dossier_code = "H15.50.05.13-261008-0999"; /* well-formed, invented */
	expect_refusal(f, &rq, "dossier_not_found", 2);
	rq.dossier_code = DOSSIER_CLOSED_CODE;
	expect_refusal(f, &rq, "dossier_closed", 3);
	rq.dossier_code = DOSSIER_OK_CODE;
	rq.procedure_code = f->other_procedure;
	expect_refusal(f, &rq, "dossier_procedure_mismatch", 4);
	rq.procedure_code = f->procedure;
	rq.dossier_code = DOSSIER_OTHER_CODE;
	expect_refusal(f, &rq, "dossier_other_agency", 5);
	rq.dossier_code = DOSSIER_OK_CODE;
	rq.citizen_id = f->ids[2];
	expect_refusal(f, &rq, "citizen_not_in_dossier", 6);

	/* another agency's dossier that names this officer as assigned */
	rq.citizen_id = f->ids[0];
	rq.dossier_code = DOSSIER_ASSIGNED_CODE;
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_OK);
	json_decref(k.result.citizen);
	/* ... but not for another officer of this agency */
	rq.username = "cb.b";
	expect_refusal(f, &rq, "dossier_other_agency", 1);
}

static void test_verify_quota_comes_first(void **state)
{
	struct fx *f = *state;
	struct lookup_call k;
	struct lookup_request rq = req(f, f->ids[0]);
	rq.dossier_code = "H15.50.05.13-261008-0998";
	for (int i = 1; i <= 3; i++)
		expect_refusal(f, &rq, "dossier_not_found", i);
	uint64_t seq = audit_last_seq(f->audit);
	rq.dossier_code = DOSSIER_OK_CODE;
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_EQUOTA);
	assert_null(k.result.citizen);
	assert_int_equal(audit_last_seq(f->audit), seq);
}

/* A dossier backend that cannot answer. */
static int get_unavailable(struct dossier_backend *b, const char *code, dossier_t *out)
{
	(void)b;
	(void)code;
	(void)out;
	return DOSSIER_EUNAVAILABLE;
}

static void test_verify_unavailable_backend_fails_closed(void **state)
{
	struct fx *f = *state;
	struct dossier_backend_ops failing = *f->svc.dossiers->ops;
	const struct dossier_backend_ops *saved = f->svc.dossiers->ops;
	failing.get = get_unavailable;
	f->svc.dossiers->ops = &failing;
	struct lookup_call k;
	struct outcome_find o;
	struct lookup_request rq = req(f, f->ids[0]);
	rq.dossier_code = DOSSIER_OK_CODE;
	uint64_t seq = audit_last_seq(f->audit);
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_EDOSSIER_UNAVAILABLE);
	assert_null(k.result.citizen);
	assert_int_equal(k.result.usage.day_used, 0); /* given back */
	assert_int_equal(k.result.audit_seq, seq + 1);
	assert_string_equal(record_outcome(f, seq + 1, &o), "dossier_unavailable");
	f->svc.dossiers->ops = saved;
	assert_int_equal(lookup_run(&f->svc, &rq, &k), LOOKUP_OK);
	assert_int_equal(k.result.usage.day_used, 1);
	json_decref(k.result.citizen);
}

/* The asynchronous form: the callback comes from the writer thread. */
struct async_wait {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int calls;
};

static void async_done(void *arg)
{
	struct async_wait *w = arg;
	pthread_mutex_lock(&w->mu);
	w->calls++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void test_async_form_gives_the_same_results(void **state)
{
	struct fx *f = *state;
	struct async_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
	struct lookup_call k;
	struct lookup_request rq = req(f, f->ids[0]);
	rq.dossier_code = DOSSIER_OK_CODE;
	assert_int_equal(lookup_start(&f->svc, &rq, &k, async_done, &w), LOOKUP_PENDING);
	pthread_mutex_lock(&w.mu);
	while (w.calls == 0)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	assert_int_equal(lookup_finish(&k), LOOKUP_OK);
	assert_non_null(k.result.citizen);
	json_decref(k.result.citizen);
	/* a refusal is pending too (it is audited) */
	rq.citizen_id = f->ids[3];
	assert_int_equal(lookup_start(&f->svc, &rq, &k, async_done, &w), LOOKUP_PENDING);
	pthread_mutex_lock(&w.mu);
	while (w.calls == 1)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	assert_int_equal(lookup_finish(&k), LOOKUP_EREFUSED);
	assert_string_equal(k.result.refusal, "citizen_not_in_dossier");
	/* bad input finishes at once, and the callback is not called */
	rq.citizen_id = "1";
	assert_int_equal(lookup_start(&f->svc, &rq, &k, async_done, &w), LOOKUP_EINVALID_ID);
	assert_int_equal(w.calls, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields_leave_with_a_durable_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_fails_closed_and_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_write_nothing_not_found_is_audited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_allows_only_inside_the_dossier, setup_verify, teardown),
		cmocka_unit_test_setup_teardown(test_verify_quota_comes_first, setup_verify, teardown),
		cmocka_unit_test_setup_teardown(test_verify_unavailable_backend_fails_closed, setup_verify, teardown),
		cmocka_unit_test_setup_teardown(test_async_form_gives_the_same_results, setup_verify, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
