/*
 * The procedure catalogue: the embedded one loads and names only known fields;
 * find; filter copies exactly the procedure's fields (checked for every
 * procedure against a record holding every field and some that are not fields);
 * the GET /procedures JSON; and each kind of bad override file is refused with
 * a reason.
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

#include "lookup/citizen_fields.h"
#include "lookup/procedures.h"

static json_t *full_record(void)
{
	json_t *r = json_object();
	for (int f = 0; f < CF_COUNT; f++) {
		char v[64];
		snprintf(v, sizeof v, "value of %s", citizen_field_name((enum citizen_field)f));
		json_object_set_new(r, citizen_field_name((enum citizen_field)f), json_string(v));
	}
	json_object_set_new(r, "synthetic", json_true());
	json_object_set_new(r, "password_hash", json_string("never"));
	return r;
}

static void load_embedded_and_find(void **state)
{
	(void)state;
	struct procedures *p = NULL;
	char why[256] = "";
	assert_int_equal(procedures_load(NULL, &p, why, sizeof why), 0);
	assert_true(procedures_count(p) >= 8);
	const struct procedure *birth = procedures_find(p, "1.001193");
	assert_non_null(birth);
	assert_string_equal(birth->name, "Đăng ký khai sinh");
	assert_string_equal(birth->name_en, "Birth registration");
	assert_true(procedure_has_field(birth, CF_FULL_NAME));
	assert_false(procedure_has_field(birth, CF_RELIGION));
	assert_non_null(procedures_find(p, "1.000894"));
	assert_non_null(procedures_find(p, "1.004194"));
	assert_null(procedures_find(p, "9.999999"));
	assert_null(procedures_find(p, "1.001193 "));
	assert_null(procedures_find(p, ""));
	assert_null(procedures_find(p, NULL));
	/* no catalogue entry hands out religion: nothing in these procedures needs it */
	for (size_t i = 0; i < procedures_count(p); i++)
		assert_false(procedure_has_field(procedures_at(p, i), CF_RELIGION));
	procedures_free(p);
}

static void filter_keeps_only_listed_fields(void **state)
{
	(void)state;
	struct procedures *p = NULL;
	char why[256];
	assert_int_equal(procedures_load(NULL, &p, why, sizeof why), 0);
	json_t *rec = full_record();
	for (size_t i = 0; i < procedures_count(p); i++) {
		const struct procedure *pr = procedures_at(p, i);
		json_t *out = procedures_filter(pr, rec);
		assert_non_null(out);
		const char *key;
		json_t *v;
		size_t listed = 0;
		json_object_foreach(out, key, v) {
			int f = citizen_field_find(key);
			if (f < 0 || !procedure_has_field(pr, (enum citizen_field)f))
				fail_msg("procedure %s leaked %s", pr->code, key);
			assert_string_equal(json_string_value(v), json_string_value(json_object_get(rec, key)));
		}
		for (int f = 0; f < CF_COUNT; f++)
			listed += procedure_has_field(pr, (enum citizen_field)f);
		assert_int_equal(json_object_size(out), listed);
		assert_null(json_object_get(out, "synthetic"));
		assert_null(json_object_get(out, "password_hash"));
		json_decref(out);
	}
	/* the copy is independent of the record it came from */
	const struct procedure *pr = procedures_find(p, "1.001022");
	json_t *out = procedures_filter(pr, rec);
	json_decref(rec);
	assert_string_equal(json_string_value(json_object_get(out, "full_name")), "value of full_name");
	assert_null(json_object_get(out, "permanent_address"));
	json_decref(out);
	/* absent fields stay absent; a non-object gives NULL */
	json_t *partial = json_pack("{s:s}", "full_name", "Lê Thị Hoa");
	out = procedures_filter(pr, partial);
	assert_int_equal(json_object_size(out), 1);
	json_decref(out);
	json_decref(partial);
	assert_null(procedures_filter(pr, NULL));
	json_t *arr = json_array();
	assert_null(procedures_filter(pr, arr));
	json_decref(arr);
	procedures_free(p);
}

static void catalogue_as_json(void **state)
{
	(void)state;
	struct procedures *p = NULL;
	char why[256];
	assert_int_equal(procedures_load(NULL, &p, why, sizeof why), 0);
	json_t *j = procedures_to_json(p);
	assert_int_equal(json_array_size(j), procedures_count(p));
	json_t *first = json_array_get(j, 0);
	assert_string_equal(json_string_value(json_object_get(first, "code")), procedures_at(p, 0)->code);
	assert_non_null(json_string_value(json_object_get(first, "name")));
	assert_non_null(json_string_value(json_object_get(first, "name_en")));
	json_t *fields = json_object_get(first, "fields");
	assert_true(json_array_size(fields) > 0);
	size_t i;
	json_t *v;
	json_array_foreach(fields, i, v)
		assert_true(procedure_has_field(procedures_at(p, 0),
						(enum citizen_field)citizen_field_find(json_string_value(v))));
	json_decref(j);
	procedures_free(p);
}

/* Writes text to a temporary file and loads it; returns the result, reason in why. */
static int load_text(const char *text, char *why, size_t why_size)
{
	char path[] = "/tmp/canhgac-test-procedures-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct procedures *p = NULL;
	why[0] = '\0';
	int rc = procedures_load(path, &p, why, why_size);
	unlink(path);
	if (rc == 0) {
		assert_non_null(p);
		procedures_free(p);
	} else {
		assert_null(p);
	}
	return rc;
}

static void expect_refused(const char *text, const char *needle)
{
	char why[256];
	if (load_text(text, why, sizeof why) != -1)
		fail_msg("accepted: %s", text);
	if (!strstr(why, needle))
		fail_msg("reason '%s' lacks '%s' for %s", why, needle, text);
}

static void bad_override_files(void **state)
{
	(void)state;
	char why[256];
	assert_int_equal(load_text("[{\"code\":\"1.000001\",\"name\":\"Thử\",\"fields\":[\"full_name\"]}]", why, sizeof why), 0);
	expect_refused("[{\"code\":\"1.000001\",\"name\":\"A\",\"fields\":[\"full_name\",\"salary\"]}]", "unknown citizen field 'salary'");
	expect_refused("[{\"code\":\"1.000001\",\"name\":\"A\",\"fields\":[\"full_name\"]},"
		       "{\"code\":\"1.000001\",\"name\":\"B\",\"fields\":[\"sex\"]}]", "listed twice");
	expect_refused("[{\"code\":\"1.00001\",\"name\":\"A\",\"fields\":[\"sex\"]}]", "code must look like");
	expect_refused("[{\"code\":\"12.000001\",\"name\":\"A\",\"fields\":[\"sex\"]}]", "code must look like");
	expect_refused("[{\"code\":\"1-000001\",\"name\":\"A\",\"fields\":[\"sex\"]}]", "code must look like");
	expect_refused("[{\"code\":\"1.00000a\",\"name\":\"A\",\"fields\":[\"sex\"]}]", "code must look like");
	expect_refused("[{\"code\":\"1.000001\",\"name\":\"A\",\"field\":[\"sex\"]}]", "unknown key 'field'");
	expect_refused("[{\"code\":\"1.000001\",\"name\":\"A\",\"fields\":[\"sex\",\"sex\"]}]", "listed twice");
	expect_refused("[{\"code\":\"1.000001\",\"name\":\"A\",\"fields\":[]}]", "non-empty list");
	expect_refused("[{\"code\":\"1.000001\",\"fields\":[\"sex\"]}]", "name");
	expect_refused("[{\"code\":\"1.000001\",\"name\":\"A\",\"fields\":[3]}]", "unknown citizen field");
	expect_refused("[]", "1 to");
	expect_refused("{\"code\":\"1.000001\"}", "JSON list");
	expect_refused("[{\"code\": \"1.000001\",", "line");
	struct procedures *p = NULL;
	assert_int_equal(procedures_load("/nonexistent/procedures.json", &p, why, sizeof why), -1);
	assert_non_null(strstr(why, "cannot open"));
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(load_embedded_and_find),
		cmocka_unit_test(filter_keeps_only_listed_fields),
		cmocka_unit_test(catalogue_as_json),
		cmocka_unit_test(bad_override_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
