/*
 * The lookup service end to end below HTTP, with the audit writer's fault seam:
 * a lookup's fields leave only with a durable record; a full disk answers
 * LOOKUP_EAUDIT with no data and gives the quota back, and lookups resume when
 * space returns; bad input and quota refusals write nothing; a citizen not found
 * is audited.
 */
#include <errno.h>
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
#include "core/datadir.h"
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
};

static int collect_id(const char *id, void *arg)
{
	struct fx *f = arg;
	snprintf(f->ids[f->n_ids++], sizeof f->ids[0], "%s", id);
	return f->n_ids >= 8;
}

static int setup(void **state)
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
	assert_int_equal(lookup_service_open(&f->svc, &f->cfg, f->st, f->audit, why, sizeof why), 0);
	f->procedure = procedures_at(f->svc.procedures, 0)->code;
	*state = f;
	return 0;
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
	struct lookup_result r;
	uint64_t before = audit_last_seq(f->audit);
	assert_int_equal(lookup_run(&f->svc, &rq, &r), LOOKUP_OK);
	assert_non_null(r.citizen);
	assert_int_equal(r.audit_seq, before + 1);
	assert_int_equal(audit_last_seq(f->audit), before + 1);
	const struct procedure *pr = procedures_find(f->svc.procedures, f->procedure);
	const char *key;
	json_t *v;
	json_object_foreach(r.citizen, key, v) {
		int cf = citizen_field_find(key);
		assert_true(cf >= 0);
		assert_true(procedure_has_field(pr, (enum citizen_field)cf));
	}
	assert_null(json_object_get(r.citizen, "synthetic"));
	assert_int_equal(r.usage.day_used, 1);
	json_decref(r.citizen);
}

static void test_full_disk_fails_closed_and_resumes(void **state)
{
	struct fx *f = *state;
	struct lookup_request rq = req(f, f->ids[1]);
	struct lookup_result r;
	audit_io.write = write_enospc;
	assert_int_equal(lookup_run(&f->svc, &rq, &r), LOOKUP_EAUDIT);
	assert_null(r.citizen);
	assert_int_equal(r.usage.day_used, 0); /* the quota was given back */
	assert_false(audit_is_available(f->audit));
	audit_io_reset();
	assert_int_equal(lookup_run(&f->svc, &rq, &r), LOOKUP_OK);
	assert_non_null(r.citizen);
	assert_int_equal(r.usage.day_used, 1);
	json_decref(r.citizen);
	assert_true(audit_is_available(f->audit));
}

static void test_refusals_write_nothing_not_found_is_audited(void **state)
{
	struct fx *f = *state;
	struct lookup_result r;
	uint64_t seq = audit_last_seq(f->audit);
	struct lookup_request rq = req(f, "07520512345"); /* 11 digits */
	assert_int_equal(lookup_run(&f->svc, &rq, &r), LOOKUP_EINVALID_ID);
	assert_non_null(r.why);
	rq = req(f, f->ids[2]);
	rq.dossier_code = "HS-1";
	assert_int_equal(lookup_run(&f->svc, &rq, &r), LOOKUP_EINVALID_DOSSIER);
	rq = req(f, f->ids[2]);
	rq.procedure_code = "9.999999";
	assert_int_equal(lookup_run(&f->svc, &rq, &r), LOOKUP_EUNKNOWN_PROCEDURE);
	assert_int_equal(audit_last_seq(f->audit), seq);
	rq = req(f, "075205999999");
	assert_int_equal(lookup_run(&f->svc, &rq, &r), LOOKUP_ENOTFOUND);
	assert_null(r.citizen);
	assert_int_equal(r.audit_seq, seq + 1);
	/* the minute quota (3): two more, then a refusal that writes nothing */
	for (int i = 3; i < 5; i++) {
		rq = req(f, f->ids[i]);
		assert_int_equal(lookup_run(&f->svc, &rq, &r), LOOKUP_OK);
		json_decref(r.citizen);
	}
	seq = audit_last_seq(f->audit);
	rq = req(f, f->ids[5]);
	assert_int_equal(lookup_run(&f->svc, &rq, &r), LOOKUP_EQUOTA);
	assert_int_equal(r.scope, QUOTA_USER_MINUTE);
	assert_true(r.retry_after >= 1);
	assert_null(r.citizen);
	assert_int_equal(audit_last_seq(f->audit), seq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields_leave_with_a_durable_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_fails_closed_and_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_write_nothing_not_found_is_audited, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
