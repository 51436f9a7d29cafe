/*
 * The population file (store_population.c, store_population_build.c): a build
 * that is aborted, fails on a duplicate id or was cut short by a crash leaves
 * the old population whole; a second build is refused while one runs; a
 * reader sees a file replaced by its own process at once and by another handle
 * within the recheck interval; a reader's file cannot be written in place
 * under it; and a database from before schema 10 moves its citizens into the
 * file and drops its table.
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
#include <sqlite3.h>

#include "core/clock.h"
#include "core/log.h"
#include "lookup/population_generate.h"
#include "store/store.h"

#define N 300

struct fixture {
	char dir[64];
	char db[128];
	char pop[128];
	struct store *a;
};

static struct store *open_store(const char *path)
{
	char why[256];
	struct store *st = NULL;
	if (store_open(path, STORE_OPEN_CREATE, &st, why, sizeof why))
		fail_msg("store_open: %s", why);
	return st;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/canhgac-test-popfile-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/canhgac.db", f->dir);
	snprintf(f->pop, sizeof f->pop, "%s/canhgac.population.db", f->dir);
	f->a = open_store(f->db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->a);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void generate(struct store *st, uint64_t seed)
{
	char why[256];
	if (population_generate(st, N, seed, NULL, why, sizeof why))
		fail_msg("generate: %s", why);
}

static int64_t count(struct store *st)
{
	int64_t n = -1;
	assert_int_equal(store_citizen_count(st, &n), STORE_OK);
	return n;
}

static int first_id(const char *id, void *arg)
{
	snprintf(arg, 16, "%s", id);
	return 1;
}

static struct store_citizen citizen(const char *id)
{
	struct store_citizen c;
	memset(&c, 0, sizeof c);
	snprintf(c.citizen_id, sizeof c.citizen_id, "%s", id);
	snprintf(c.full_name, sizeof c.full_name, "Trần Thị Thử");
	snprintf(c.date_of_birth, sizeof c.date_of_birth, "1990-01-01");
	snprintf(c.sex, sizeof c.sex, "female");
	return c;
}

/* Generates seed 7 and reads one of its citizens (its id into id), so that a
 * reader slot has the file open. */
static void open_with_one_read(struct fixture *f, char id[16])
{
	struct store_citizen got;
	generate(f->a, 7);
	assert_int_equal(store_citizen_sample(f->a, 1, first_id, id), STORE_OK);
	assert_int_equal(store_citizen_get(f->a, id, &got), STORE_OK);
}

static void the_file_sits_beside_the_database(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(store_population_path("/d/canhgac.db", out, sizeof out), 0);
	assert_string_equal(out, "/d/canhgac.population.db");
	assert_int_equal(store_population_path("/d/x", out, sizeof out), 0);
	assert_string_equal(out, "/d/x.population.db");
	assert_int_equal(store_population_path("/a/very/long/path/canhgac.db", out, 16), -1);
}

static void an_empty_population_has_nobody(void **state)
{
	struct fixture *f = *state;
	struct store_citizen c;
	assert_int_equal(access(f->pop, F_OK), -1); /* not created before it is needed */
	assert_int_equal(count(f->a), 0);
	assert_int_equal(store_citizen_get(f->a, "075190000001", &c), STORE_ENOTFOUND);
}

static void a_failed_build_leaves_the_old_population(void **state)
{
	struct fixture *f = *state;
	char id[16] = "";
	struct store_citizen c, got;
	generate(f->a, 7);
	assert_int_equal(count(f->a), N);
	assert_int_equal(store_citizen_sample(f->a, 1, first_id, id), STORE_OK);

	/* aborted */
	struct store_population_build *b = NULL;
	assert_int_equal(store_population_begin(f->a, STORE_POP_KEEP_ALL, &b), STORE_OK);
	c = citizen("075190000042");
	assert_int_equal(store_population_add(b, &c, 1), STORE_OK);
	store_population_abort(b);
	assert_int_equal(count(f->a), N);
	assert_int_equal(store_citizen_get(f->a, "075190000042", &got), STORE_ENOTFOUND);

	/* an id that is taken: nothing of the batch lands */
	struct store_citizen two[2] = {citizen("075190000043"), citizen(id)};
	assert_int_equal(store_citizen_insert_many(f->a, two, 2), STORE_ECONFLICT);
	assert_int_equal(count(f->a), N);
	assert_int_equal(store_citizen_get(f->a, "075190000043", &got), STORE_ENOTFOUND);
	assert_int_equal(store_citizen_get(f->a, id, &got), STORE_OK);

	/* a crash midway left a half-written file: the next build starts over */
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s.new", f->pop);
	FILE *fp = fopen(tmp, "w");
	assert_non_null(fp);
	fputs("half a database", fp);
	fclose(fp);
	assert_int_equal(store_citizen_insert_many(f->a, two, 1), STORE_OK);
	assert_int_equal(count(f->a), N + 1);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void a_second_build_is_refused(void **state)
{
	struct fixture *f = *state;
	char why[256];
	struct store *other = open_store(f->db);
	struct store_population_build *b = NULL, *b2 = NULL;
	assert_int_equal(store_population_begin(f->a, STORE_POP_KEEP_REAL, &b), STORE_OK);
	assert_int_equal(store_population_begin(other, STORE_POP_KEEP_ALL, &b2), STORE_EBUSY);
	assert_null(b2);
	assert_int_equal(population_generate(other, N, 1, NULL, why, sizeof why), -1);
	assert_non_null(strstr(why, "another"));
	store_population_abort(b);
	assert_int_equal(population_generate(other, N, 1, NULL, why, sizeof why), 0);
	assert_int_equal(count(f->a), N);
	store_close(other);
}

static void a_reader_sees_a_replaced_file(void **state)
{
	struct fixture *f = *state;
	char id[16] = "";
	struct store_citizen got;
	open_with_one_read(f, id);

	/* replaced by this process: the next read sees it */
	struct store_citizen real = citizen("075190000044");
	assert_int_equal(store_citizen_insert_many(f->a, &real, 1), STORE_OK);
	assert_int_equal(store_citizen_get(f->a, "075190000044", &got), STORE_OK);
	assert_false(got.synthetic);

	/* replaced by another handle (as by `population generate` beside a server):
	 * seen within the recheck interval (1 s) */
	struct store *other = open_store(f->db);
	generate(other, 8);
	int64_t t0 = clock_mono_ms();
	int rc;
	while ((rc = store_citizen_get(f->a, id, &got)) == STORE_OK && clock_mono_ms() - t0 < 5000)
		usleep(20 * 1000);
	assert_int_equal(rc, STORE_ENOTFOUND); /* seed 8 drew other ids */
	assert_true(clock_mono_ms() - t0 < 3000);
	/* the real citizen was kept by generate */
	assert_int_equal(store_citizen_get(f->a, "075190000044", &got), STORE_OK);
	store_close(other);
}

static void the_file_is_not_written_under_a_reader(void **state)
{
	struct fixture *f = *state;
	char id[16] = "";
	struct store_citizen got;
	open_with_one_read(f, id);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->pop, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 100);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM population", NULL, NULL, NULL) & 0xff, SQLITE_BUSY);
	sqlite3_close(db);
	assert_int_equal(store_citizen_get(f->a, id, &got), STORE_OK);
	assert_int_equal(count(f->a), N);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

static void a_database_before_schema_10_moves_its_citizens(void **state)
{
	struct fixture *f = *state;
	store_close(f->a);
	f->a = NULL;
	/* put the database back as schema 9 left it: the citizens in its own table */
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	exec_ok(db, "CREATE TABLE population (id INTEGER PRIMARY KEY, citizen_id TEXT NOT NULL UNIQUE, "
		    "full_name TEXT NOT NULL, date_of_birth TEXT NOT NULL, sex TEXT NOT NULL, nationality TEXT NOT NULL, "
		    "ethnicity TEXT NOT NULL, religion TEXT NOT NULL, place_of_origin TEXT NOT NULL, "
		    "place_of_birth TEXT NOT NULL, permanent_address TEXT NOT NULL, current_address TEXT NOT NULL, "
		    "household_id TEXT NOT NULL, household_head TEXT NOT NULL, relation_to_head TEXT NOT NULL, "
		    "marital_status TEXT NOT NULL, synthetic INTEGER NOT NULL DEFAULT 1) STRICT");
	exec_ok(db, "INSERT INTO population(citizen_id, full_name, date_of_birth, sex, nationality, ethnicity, "
		    "religion, place_of_origin, place_of_birth, permanent_address, current_address, household_id, "
		    "household_head, relation_to_head, marital_status, synthetic) VALUES "
		    "('075190000045', 'Lê Văn Thật', '1990-02-03', 'male', 'Việt Nam', 'Kinh', 'Không', 'x', 'x', "
		    "'x', 'x', 'h1', 'Lê Văn Thật', 'Chủ hộ', 'Độc thân', 0), "
		    "('075190000046', 'Lê Thị Giả', '1990-02-04', 'female', 'Việt Nam', 'Kinh', 'Không', 'x', 'x', "
		    "'x', 'x', 'h1', 'Lê Văn Thật', 'Vợ', 'Đã kết hôn', 1)");
	/* and without what later migrations made, so that they run again */
	exec_ok(db, "DROP TABLE IF EXISTS dossiers");
	exec_ok(db, "DROP TABLE IF EXISTS services");
	exec_ok(db, "DELETE FROM schema_migrations WHERE version >= 10");
	sqlite3_close(db);
	assert_int_equal(access(f->pop, F_OK), -1);

	f->a = open_store(f->db);
	assert_int_equal(store_schema_version(f->a), store_schema_latest());
	struct store_citizen got;
	assert_int_equal(store_citizen_get(f->a, "075190000045", &got), STORE_OK);
	assert_string_equal(got.full_name, "Lê Văn Thật");
	assert_false(got.synthetic);
	assert_int_equal(store_citizen_get(f->a, "075190000046", &got), STORE_OK);
	assert_true(got.synthetic);
	assert_int_equal(count(f->a), 2);
	/* the main file no longer has the table */
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'population'", -1,
					    &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

int main(void)
{
	log_setup(LOG_ERROR, stderr);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_file_sits_beside_the_database),
		cmocka_unit_test_setup_teardown(an_empty_population_has_nobody, setup, teardown),
		cmocka_unit_test_setup_teardown(a_failed_build_leaves_the_old_population, setup, teardown),
		cmocka_unit_test_setup_teardown(a_second_build_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_reader_sees_a_replaced_file, setup, teardown),
		cmocka_unit_test_setup_teardown(the_file_is_not_written_under_a_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(a_database_before_schema_10_moves_its_citizens, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
