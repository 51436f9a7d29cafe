/*
 * The embedded population: generate is deterministic for a seed (two stores,
 * and a re-run that replaces the synthetic rows but keeps a real one), every
 * generated citizen has a valid id whose sex and birth year match the record,
 * the shares look like Đồng Nai (Nguyễn, Kinh, province 075), and the backend
 * answers found, not found and malformed ids through the population interface.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "lookup/citizen_fields.h"
#include "lookup/citizen_id.h"
#include "lookup/population.h"
#include "lookup/population_generate.h"
#include "store/store.h"

#define N 1000

struct fixture {
	char dir[64];
	struct store *a, *b;
};

static struct store *open_store(const char *dir, const char *name)
{
	char path[128], why[256];
	struct store *st = NULL;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (store_open(path, STORE_OPEN_CREATE, &st, why, sizeof why))
		fail_msg("store_open: %s", why);
	return st;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/canhgac-test-population-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->a = open_store(f->dir, "a.db");
	f->b = open_store(f->dir, "b.db");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->a);
	store_close(f->b);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

struct ids {
	size_t n;
	char id[N + 8][16];
};

static int collect(const char *id, void *arg)
{
	struct ids *ids = arg;
	if (ids->n < sizeof ids->id / sizeof ids->id[0])
		snprintf(ids->id[ids->n++], 16, "%s", id);
	return 0;
}

static int by_id(const void *x, const void *y)
{
	return strcmp(x, y);
}

/* Every id of the store, sorted. */
static void all_ids(struct store *st, struct ids *ids)
{
	ids->n = 0;
	assert_int_equal(store_citizen_sample(st, N + 8, collect, ids), STORE_OK);
	qsort(ids->id, ids->n, sizeof ids->id[0], by_id);
}

static void generate(struct store *st, uint64_t seed)
{
	char why[256];
	struct population_generate_stats stats;
	if (population_generate(st, N, seed, &stats, why, sizeof why))
		fail_msg("generate: %s", why);
	assert_int_equal(stats.inserted, N);
	assert_true(stats.households > N / 6 && stats.households < N);
}

static void same_seed_same_population(void **state)
{
	struct fixture *f = *state;
	static struct ids a, b, c;
	generate(f->a, 7);
	generate(f->b, 7);
	all_ids(f->a, &a);
	all_ids(f->b, &b);
	assert_int_equal(a.n, N);
	assert_int_equal(b.n, N);
	assert_memory_equal(a.id, b.id, sizeof a.id[0] * N);
	for (size_t i = 1; i < a.n; i++)
		assert_true(strcmp(a.id[i - 1], a.id[i]) < 0); /* unique */
	/* the same records, not just the same ids */
	struct store_citizen x, y;
	assert_int_equal(store_citizen_get(f->a, a.id[123], &x), STORE_OK);
	assert_int_equal(store_citizen_get(f->b, a.id[123], &y), STORE_OK);
	assert_memory_equal(&x, &y, sizeof x);
	assert_true(x.synthetic);

	/* another seed, another population */
	generate(f->b, 8);
	all_ids(f->b, &c);
	assert_int_equal(c.n, N);
	assert_true(memcmp(a.id, c.id, sizeof a.id[0] * N) != 0);

	/* a re-run replaces the synthetic rows and keeps a real one */
	struct store_citizen real = x;
	snprintf(real.citizen_id, sizeof real.citizen_id, "001190000042");
	real.synthetic = false;
	assert_int_equal(store_citizen_insert_many(f->b, &real, 1), STORE_OK);
	generate(f->b, 7);
	int64_t count = 0;
	assert_int_equal(store_citizen_count(f->b, &count), STORE_OK);
	assert_int_equal(count, N + 1);
	assert_int_equal(store_citizen_get(f->b, "001190000042", &y), STORE_OK);
	assert_false(y.synthetic);
}

static void generated_ids_are_valid_and_match_the_record(void **state)
{
	struct fixture *f = *state;
	static struct ids ids;
	struct config cfg;
	char why[256];
	generate(f->a, 7);
	all_ids(f->a, &ids);
	config_defaults(&cfg);
	struct population *pop = NULL;
	assert_int_equal(population_open(&cfg, f->a, &pop, why, sizeof why), 0);
	assert_string_equal(population_backend_name(pop), "embedded");
	int nguyen = 0, kinh = 0, home = 0, married = 0;
	for (size_t i = 0; i < ids.n; i++) {
		struct citizen_id_info info;
		const char *reason = NULL;
		if (citizen_id_validate(ids.id[i], clock_now(), &info, &reason))
			fail_msg("generated id %s is invalid: %s", ids.id[i], reason);
		json_t *rec = NULL;
		assert_int_equal(population_get(pop, ids.id[i], &rec), POP_OK);
		for (int fl = 0; fl < CF_COUNT; fl++) {
			const char *v = json_string_value(json_object_get(rec, citizen_field_name((enum citizen_field)fl)));
			if (!v || !*v)
				fail_msg("%s has no %s", ids.id[i], citizen_field_name((enum citizen_field)fl));
		}
		assert_string_equal(json_string_value(json_object_get(rec, "citizen_id")), ids.id[i]);
		assert_true(json_is_true(json_object_get(rec, "synthetic")));
		const char *dob = json_string_value(json_object_get(rec, "date_of_birth"));
		assert_int_equal(atoi(dob), info.birth_year);
		int64_t day;
		assert_int_equal(clock_parse_local_date(dob, &day), 0);
		assert_string_equal(json_string_value(json_object_get(rec, "sex")),
				    info.sex == CITIZEN_MALE ? "male" : "female");
		const char *name = json_string_value(json_object_get(rec, "full_name"));
		nguyen += strncmp(name, "Nguyễn ", strlen("Nguyễn ")) == 0;
		kinh += strcmp(json_string_value(json_object_get(rec, "ethnicity")), "Kinh") == 0;
		home += strcmp(info.province_code, "075") == 0;
		married += strcmp(json_string_value(json_object_get(rec, "marital_status")), "Đã kết hôn") == 0;
		assert_non_null(strstr(json_string_value(json_object_get(rec, "permanent_address")), "Tỉnh Đồng Nai"));
		json_decref(rec);
	}
	/* shares of a real province, loosely: Nguyễn ~38%, Kinh ~90%, mostly born in Đồng Nai */
	assert_in_range(nguyen, N * 28 / 100, N * 48 / 100);
	assert_in_range(kinh, N * 80 / 100, N);
	assert_in_range(home, N * 70 / 100, N * 98 / 100);
	assert_in_range(married, N * 20 / 100, N * 70 / 100);
	population_close(pop);
}

static void get_found_not_found_malformed(void **state)
{
	struct fixture *f = *state;
	static struct ids ids;
	struct config cfg;
	char why[256];
	generate(f->a, 7);
	all_ids(f->a, &ids);
	config_defaults(&cfg);
	struct population *pop = NULL;
	assert_int_equal(population_open(&cfg, f->a, &pop, why, sizeof why), 0);
	json_t *rec = NULL;
	assert_int_equal(population_get(pop, ids.id[0], &rec), POP_OK);
	assert_non_null(rec);
	json_decref(rec);
	/* a valid id nobody in this population holds */
	char absent[16] = "001190000001";
	while (bsearch(absent, ids.id, ids.n, sizeof ids.id[0], by_id))
		absent[11]++;
	rec = (json_t *)1;
	assert_int_equal(population_get(pop, absent, &rec), POP_ENOTFOUND);
	assert_null(rec);
	assert_int_equal(population_get(pop, "07509012345", &rec), POP_ENOTFOUND);
	assert_int_equal(population_get(pop, "07509012345' OR '1'='1", &rec), POP_ENOTFOUND);
	assert_int_equal(population_get(pop, NULL, &rec), POP_ENOTFOUND);
	assert_null(rec);
	population_close(pop);

	/* the interface refuses what it cannot open */
	snprintf(cfg.population.backend, sizeof cfg.population.backend, "ldap");
	pop = (struct population *)1;
	assert_int_equal(population_open(&cfg, f->a, &pop, why, sizeof why), -1);
	assert_null(pop);
	assert_non_null(strstr(why, "embedded or upstream"));
	config_defaults(&cfg);
	assert_int_equal(population_open(&cfg, NULL, &pop, why, sizeof why), -1);
	/* bad counts are refused before anything is touched */
	assert_int_equal(population_generate(f->a, 0, 1, NULL, why, sizeof why), -1);
	assert_int_equal(population_generate(f->a, POPULATION_GENERATE_MAX + 1LL, 1, NULL, why, sizeof why), -1);
	int64_t count;
	assert_int_equal(store_citizen_count(f->a, &count), STORE_OK);
	assert_int_equal(count, N);
}

int main(void)
{
	log_setup(LOG_WARN, stderr);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(same_seed_same_population, setup, teardown),
		cmocka_unit_test_setup_teardown(generated_ids_are_valid_and_match_the_record, setup, teardown),
		cmocka_unit_test_setup_teardown(get_found_not_found_malformed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
