/*
 * The SQLite store: create and reopen, migrations recorded once, meta facts, and
 * the refusals (no file, not a database, a newer schema) with a sentence that
 * says what to do. Pragmas and the schema are checked through sqlite3 directly,
 * as a second opinion on what store_open claims.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/log.h"
#include "store/store.h"
#include "store/store_int.h"

struct fixture {
	char dir[64];
	char db[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/canhgac-test-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/canhgac.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
	char p[160];
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", f->db, suffixes[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* One integer from a query run with sqlite3 itself. */
static long long query_int(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

/* One integer from a query on the store's own connection. */
static long long conn_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;
	assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void exec_sql(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	char *err = NULL;
	int rc = sqlite3_exec(h, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		print_error("%s: %s\n", sql, err ? err : "?");
	sqlite3_free(err);
	sqlite3_close(h);
	assert_int_equal(rc, SQLITE_OK);
}

static void test_create_then_existing(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char why[512] = "";
	assert_int_equal(store_open(f->db, STORE_OPEN_CREATE, &st, why, sizeof why), STORE_OK);
	assert_non_null(st);
	assert_true(store_schema_latest() >= 2);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	store_close(st);

	struct stat sb;
	assert_int_equal(stat(f->db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* every migration recorded exactly once, numbered 1..latest */
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM schema_migrations"), store_schema_latest());
	assert_int_equal(query_int(f->db, "SELECT count(DISTINCT version) FROM schema_migrations"),
			 store_schema_latest());
	assert_int_equal(query_int(f->db, "SELECT min(version) FROM schema_migrations"), 1);
	/* the tables of the migrations exist */
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('meta', 'users')"), 2);

	/* reopening applies nothing again */
	exec_sql(f->db, "UPDATE schema_migrations SET applied_at = 12345 WHERE version = 1");
	long long applied = query_int(f->db, "SELECT sum(applied_at) FROM schema_migrations");
	assert_int_equal(store_open(f->db, STORE_OPEN_EXISTING, &st, why, sizeof why), STORE_OK);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	store_close(st);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM schema_migrations"), store_schema_latest());
	assert_int_equal(query_int(f->db, "SELECT sum(applied_at) FROM schema_migrations"), applied);
	assert_int_equal(query_int(f->db, "SELECT applied_at FROM schema_migrations WHERE version = 1"), 12345);

	/* STORE_OPEN_CREATE on an existing database just opens it */
	assert_int_equal(store_open(f->db, STORE_OPEN_CREATE, &st, why, sizeof why), STORE_OK);
	store_close(st);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM schema_migrations"), store_schema_latest());
}

static void test_pragmas(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char why[512];
	assert_int_equal(store_open(f->db, STORE_OPEN_CREATE, &st, why, sizeof why), STORE_OK);
	/* journal_mode is persistent in the file: a second connection sees WAL */
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_open_v2(f->db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(h);

	/* foreign_keys and busy_timeout are per connection: ask the store's own
	 * (white-box, through the backend's internal header) */
	assert_int_equal(conn_int(st, "PRAGMA foreign_keys"), 1);
	assert_true(conn_int(st, "PRAGMA busy_timeout") > 0);
	assert_int_equal(conn_int(st, "PRAGMA synchronous"), 2); /* FULL */
	store_close(st);

	struct stat sb;
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	if (stat(wal, &sb) == 0) /* the WAL file, if left, is as private as the database */
		assert_int_equal(sb.st_mode & 0777, 0600);
}

static void test_foreign_keys_enforced(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char why[512];
	assert_int_equal(store_open(f->db, STORE_OPEN_CREATE, &st, why, sizeof why), STORE_OK);
	/* a user of an agency that does not exist is refused by the store's connection */
	char *err = NULL;
	int rc = sqlite3_exec(st->db,
			      "INSERT INTO users(username, full_name, agency, role, password_hash, "
			      "password_changed_at, created_at, updated_at) "
			      "VALUES ('orphan', 'Nobody', 'NO-SUCH-AGENCY', 'officer', 'x', 0, 0, 0)",
			      NULL, NULL, &err);
	sqlite3_free(err);
	assert_int_equal(rc & 0xff, SQLITE_CONSTRAINT);
	store_close(st);
}

static void test_meta(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char why[512], out[64];
	assert_int_equal(store_open(f->db, STORE_OPEN_CREATE, &st, why, sizeof why), STORE_OK);
	assert_int_equal(store_meta_get(st, "initialised_at", out, sizeof out), STORE_ENOTFOUND);
	assert_int_equal(store_meta_set(st, "initialised_at", "2026-11-23T02:15:00Z"), STORE_OK);
	assert_int_equal(store_meta_get(st, "initialised_at", out, sizeof out), STORE_OK);
	assert_string_equal(out, "2026-11-23T02:15:00Z");
	assert_int_equal(store_meta_set(st, "initialised_at", "later"), STORE_OK);
	assert_int_equal(store_meta_get(st, "initialised_at", out, sizeof out), STORE_OK);
	assert_string_equal(out, "later");
	/* a value that does not fit is an error, not a silent truncation */
	char tiny[3];
	assert_int_equal(store_meta_get(st, "initialised_at", tiny, sizeof tiny), STORE_EINVAL);
	/* values are bound, never spliced */
	assert_int_equal(store_meta_set(st, "k'; DROP TABLE meta; --", "v'\""), STORE_OK);
	assert_int_equal(store_meta_get(st, "k'; DROP TABLE meta; --", out, sizeof out), STORE_OK);
	assert_string_equal(out, "v'\"");
	store_close(st);
	/* and it persists */
	assert_int_equal(store_open(f->db, STORE_OPEN_EXISTING, &st, why, sizeof why), STORE_OK);
	assert_int_equal(store_meta_get(st, "initialised_at", out, sizeof out), STORE_OK);
	assert_string_equal(out, "later");
	store_close(st);
}

static void test_missing_file(void **state)
{
	struct fixture *f = *state;
	struct store *st = (struct store *)1;
	char why[512] = "";
	assert_int_equal(store_open(f->db, STORE_OPEN_EXISTING, &st, why, sizeof why), STORE_ENOENT);
	assert_null(st);
	assert_non_null(strstr(why, f->db));
	assert_non_null(strstr(why, "canhgac init"));
	/* nothing was created by the attempt */
	struct stat sb;
	assert_int_not_equal(stat(f->db, &sb), 0);
}

static void test_garbage_file(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->db, "w");
	assert_non_null(fp);
	for (int i = 0; i < 400; i++)
		fputs("this is not a database, it is a text file that happens to be here\n", fp);
	fclose(fp);
	struct store *st = NULL;
	char why[512] = "";
	assert_int_equal(store_open(f->db, STORE_OPEN_EXISTING, &st, why, sizeof why), STORE_ECORRUPT);
	assert_null(st);
	assert_non_null(strstr(why, f->db));
	assert_non_null(strstr(why, "backup"));
	/* and the file was left alone */
	fp = fopen(f->db, "r");
	char head[16] = "";
	assert_non_null(fgets(head, sizeof head, fp));
	fclose(fp);
	assert_string_equal(head, "this is not a d");
	assert_int_equal(store_open(f->db, STORE_OPEN_CREATE, &st, why, sizeof why), STORE_ECORRUPT);
}

static void test_newer_schema(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char why[512] = "";
	assert_int_equal(store_open(f->db, STORE_OPEN_CREATE, &st, why, sizeof why), STORE_OK);
	store_close(st);
	int latest = store_schema_latest();
	char sql[256];
	snprintf(sql, sizeof sql,
		 "INSERT INTO schema_migrations(version, name, applied_at) VALUES (%d, 'future.sql', 1)",
		 latest + 1);
	exec_sql(f->db, sql);
	st = (struct store *)1;
	assert_int_equal(store_open(f->db, STORE_OPEN_EXISTING, &st, why, sizeof why), STORE_ENEWER);
	assert_null(st);
	char a[16], b[16];
	snprintf(a, sizeof a, "%d", latest + 1);
	snprintf(b, sizeof b, "%d", latest);
	assert_non_null(strstr(why, a));
	assert_non_null(strstr(why, b));
	assert_non_null(strstr(why, "newer"));
	/* the newer schema was not touched */
	assert_int_equal(query_int(f->db, "SELECT max(version) FROM schema_migrations"), latest + 1);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(store_strerror(STORE_OK), "ok");
	assert_non_null(strstr(store_strerror(STORE_ENEWER), "newer"));
	assert_string_equal(store_strerror(-99), "unknown store error");
}

int main(void)
{
	log_setup(LOG_ERROR, NULL); /* keep the migration lines out of the test output */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_then_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_keys_enforced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema, setup, teardown),
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
