/*
 * The purpose-binding rule and a dossier as untrusted input: dossier_check gives
 * each verdict in its order (closed before procedure before agency before
 * citizen) and honours the grace period and the assigned officers;
 * dossier_from_json refuses each malformed field with its name; an import is
 * parsed whole, CSV or JSON lines, and the first bad row stops it with its line
 * number and an empty batch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "dossier/dossier.h"
#include "dossier/dossier_code.h"
#include "lookup/procedures.h"

/* The cases below are format strings with holes for the procedure code. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

#define NOW 1796000000 /* 2026-11-30 */
#define DAY 86400
#define A "075190000001"
#define B "075300000002"
#define C "075190000003"

static dossier_t base(void)
{
	dossier_t d;
	memset(&d, 0, sizeof d);
	strcpy(d.code, "H15.50.05.13-261008-0975");
	strcpy(d.procedure_code, "1.001");
	strcpy(d.agency, "UBND.X");
	strcpy(d.status, "processing");
	d.received_at = NOW - 10 * DAY;
	strcpy(d.persons[0].citizen_id, A);
	strcpy(d.persons[0].role, "applicant");
	strcpy(d.persons[1].citizen_id, B);
	strcpy(d.persons[1].role, "subject");
	d.n_persons = 2;
	return d;
}

static void test_check_each_verdict(void **state)
{
	(void)state;
	dossier_t d = base();
	assert_int_equal(dossier_check(&d, "1.001", "UBND.X", "cb", A, NOW, 7), DOSSIER_ALLOW);
	assert_int_equal(dossier_check(&d, "1.001", "UBND.X", "cb", B, NOW, 7), DOSSIER_ALLOW);
	assert_int_equal(dossier_check(&d, "1.001", "UBND.X", "cb", C, NOW, 7), DOSSIER_CITIZEN_NOT_IN);
	assert_int_equal(dossier_check(&d, "1.002", "UBND.X", "cb", A, NOW, 7), DOSSIER_PROCEDURE_MISMATCH);
	assert_int_equal(dossier_check(&d, "1.001", "UBND.Y", "cb", A, NOW, 7), DOSSIER_OTHER_AGENCY);
	assert_int_equal(dossier_check(NULL, "1.001", "UBND.X", "cb", A, NOW, 7), DOSSIER_NOT_FOUND);
	/* the order: a closed dossier of another agency is "closed" */
	strcpy(d.status, "cancelled");
	d.closed_at = NOW - 30 * DAY;
	assert_int_equal(dossier_check(&d, "1.002", "UBND.Y", "cb", C, NOW, 7), DOSSIER_CLOSED);
	assert_string_equal(dossier_verdict_code(DOSSIER_CLOSED), "dossier_closed");
	assert_string_equal(dossier_verdict_code(DOSSIER_CITIZEN_NOT_IN), "citizen_not_in_dossier");
}

static void test_check_grace_period(void **state)
{
	(void)state;
	dossier_t d = base();
	strcpy(d.status, "returned");
	d.closed_at = NOW - 6 * DAY;
	assert_int_equal(dossier_check(&d, "1.001", "UBND.X", "cb", A, NOW, 7), DOSSIER_ALLOW);
	d.closed_at = NOW - 7 * DAY - 1;
	assert_int_equal(dossier_check(&d, "1.001", "UBND.X", "cb", A, NOW, 7), DOSSIER_CLOSED);
	assert_int_equal(dossier_check(&d, "1.001", "UBND.X", "cb", A, NOW, 8), DOSSIER_ALLOW);
	d.closed_at = 0; /* closed without a time: closed long ago */
	assert_int_equal(dossier_check(&d, "1.001", "UBND.X", "cb", A, NOW, 365), DOSSIER_CLOSED);
	/* the three open statuses are open whatever closed_at says */
	const char *open[] = {"received", "processing", "awaiting_supplement"};
	for (int i = 0; i < 3; i++) {
		strcpy(d.status, open[i]);
		assert_true(dossier_status_open(d.status));
		assert_int_equal(dossier_check(&d, "1.001", "UBND.X", "cb", A, NOW, 0), DOSSIER_ALLOW);
	}
	assert_false(dossier_status_valid("open"));
	assert_false(dossier_status_open("closed"));
}

static void test_check_assigned_officer(void **state)
{
	(void)state;
	dossier_t d = base();
	strcpy(d.officers[0], "cb.other");
	strcpy(d.officers[1], "cb.assigned");
	d.n_officers = 2;
	assert_int_equal(dossier_check(&d, "1.001", "UBND.Y", "cb.assigned", A, NOW, 7), DOSSIER_ALLOW);
	assert_int_equal(dossier_check(&d, "1.001", "UBND.Y", "cb.assign", A, NOW, 7), DOSSIER_OTHER_AGENCY);
	assert_int_equal(dossier_check(&d, "1.001", "UBND.Y", NULL, A, NOW, 7), DOSSIER_OTHER_AGENCY);
}

struct fx {
	struct procedures *procs;
	struct dossier_matcher codes;
	struct dossier_rules rules;
	const char *proc;
};

static int setup(void **state)
{
	static struct fx f;
	char why[256];
	memset(&f, 0, sizeof f);
	assert_int_equal(procedures_load(NULL, &f.procs, why, sizeof why), 0);
	assert_int_equal(dossier_matcher_init(&f.codes, DOSSIER_DEFAULT_PATTERN, why, sizeof why), 0);
	f.rules = (struct dossier_rules){.codes = &f.codes, .procedures = f.procs, .agencies = NULL, .now = NOW};
	f.proc = procedures_at(f.procs, 0)->code;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	dossier_matcher_free(&f->codes);
	procedures_free(f->procs);
	return 0;
}

/* Parses one JSON text as a dossier; 0 or the error with why. */
static int from_text(struct fx *f, const char *text, dossier_t *d, char *why, size_t size)
{
	json_error_t e;
	json_t *o = json_loads(text, 0, &e);
	assert_non_null(o);
	int rc = dossier_from_json(o, &f->rules, "api", d, why, size);
	json_decref(o);
	return rc;
}

static void test_from_json_refuses_each_field(void **state)
{
	struct fx *f = *state;
	char text[1024], why[256];
	dossier_t d;
	const char *fmt = "{\"code\": %s, \"procedure_code\": %s, \"agency\": %s, \"status\": %s, "
			  "\"received_at\": %s, %s \"persons\": %s}";
	char proc[40];
	snprintf(proc, sizeof proc, "\"%s\"", f->proc);
	const char *good[] = {"\"H15.50.05.13-261008-0975\"", proc, "\"UBND.X\"", "\"processing\"",
			      "\"2026-11-20T08:00:00+07:00\"", "",
			      "[{\"citizen_id\": \"" A "\", \"role\": \"applicant\"}]"};
	snprintf(text, sizeof text, fmt, good[0], good[1], good[2], good[3], good[4], good[5], good[6]);
	assert_int_equal(from_text(f, text, &d, why, sizeof why), DOSSIER_OK);
	assert_int_equal(d.n_persons, 1);
	assert_string_equal(d.persons[0].citizen_id, A);
	assert_string_equal(d.source, "api");

	static const struct {
		int field;
		const char *value, *expect;
	} bad[] = {
		{0, "\"HS-1\"", "code:"},
		{0, "42", "code: required"},
		{1, "\"9.999999\"", "procedure_code: '9.999999' is not a known"},
		{2, "\"UBND X\"", "agency:"},
		{3, "\"open\"", "status: 'open'"},
		{3, "\"closed\"", "closed_at: required when the status is closed"},
		{4, "\"yesterday\"", "received_at:"},
		{4, "\"2027-06-01\"", "received_at: in the future"},
		{5, "\"closed_at\": \"2026-11-01\",", "closed_at: before received_at"},
		{6, "[]", "persons: required"},
		{6, "[{\"citizen_id\": \"075190000001\"}]", "persons[0].role: required"},
		{6, "[{\"citizen_id\": \"12345\", \"role\": \"applicant\"}]", "persons[0].citizen_id:"},
		{6, "[{\"citizen_id\": \"" A "\", \"role\": \"app:licant\"}]", "persons[0].role: letters"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *v[7];
		memcpy(v, good, sizeof v);
		v[bad[i].field] = bad[i].value;
		snprintf(text, sizeof text, fmt, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
		why[0] = '\0';
		assert_int_equal(from_text(f, text, &d, why, sizeof why), DOSSIER_EINVAL);
		if (!strstr(why, bad[i].expect))
			fail_msg("case %zu: '%s' does not say '%s'", i, why, bad[i].expect);
	}
	/* more persons than a dossier may hold */
	char persons[4096] = "[";
	for (int i = 0; i <= STORE_DOSSIER_PERSONS_MAX; i++)
		snprintf(persons + strlen(persons), sizeof persons - strlen(persons),
			 "%s{\"citizen_id\": \"0751900%05d\", \"role\": \"subject\"}", i ? ", " : "", i);
	strcat(persons, "]");
	char big[8192];
	snprintf(big, sizeof big, fmt, good[0], good[1], good[2], good[3], good[4], good[5], persons);
	assert_int_equal(from_text(f, big, &d, why, sizeof why), DOSSIER_EINVAL);
	assert_non_null(strstr(why, "more than"));
}

static void test_import_csv_and_jsonl(void **state)
{
	struct fx *f = *state;
	char csv[2048], why[256];
	struct dossier_batch b;
	snprintf(csv, sizeof csv,
		 "\xEF\xBB\xBF" "code,procedure_code,agency,status,received_at,closed_at,persons,officers\r\n"
		 "# an export of the one-stop system\r\n"
		 "H15.50.05.13-261008-0001,%s,UBND.X,received,2026-11-20,,\"" A ":applicant;" B ":subject\",cb.a;cb.b\r\n"
		 "\r\n"
		 "H15.50.05.13-261008-0002,%s,UBND.X,closed,2026-11-20,2026-11-25," C ":applicant,\r\n",
		 f->proc, f->proc);
	if (dossier_import_parse(csv, strlen(csv), &f->rules, "import", &b, why, sizeof why))
		fail_msg("%s", why);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.items[0].n_persons, 2);
	assert_int_equal(b.items[0].n_officers, 2);
	assert_string_equal(b.items[0].officers[1], "cb.b");
	assert_int_equal(b.items[1].closed_at, clock_local_day_start(clock_days_from_civil(2026, 11, 25)));
	dossier_batch_free(&b);

	char jsonl[1024];
	snprintf(jsonl, sizeof jsonl,
		 "{\"code\": \"H15.50.05.13-261008-0003\", \"procedure_code\": \"%s\", \"agency\": \"UBND.X\", "
		 "\"status\": \"processing\", \"received_at\": \"2026-11-20\", \"persons\": [{\"citizen_id\": \"" A
		 "\", \"role\": \"applicant\"}]}\n\n",
		 f->proc);
	assert_int_equal(dossier_import_parse(jsonl, strlen(jsonl), &f->rules, "import", &b, why, sizeof why), 0);
	assert_int_equal(b.n, 1);
	dossier_batch_free(&b);
}

/* Each bad file is refused whole, naming the line. */
static void test_import_refuses_with_the_line(void **state)
{
	struct fx *f = *state;
	char text[2048], why[256];
	struct dossier_batch b;
	const char *row = "H15.50.05.13-261008-%04d,%s,UBND.X,received,2026-11-20,," A ":applicant\n";
	static const struct {
		const char *extra; /* line 4 */
		const char *expect;
	} cases[] = {
		{"H15.50.05.13-261008-0009,1.x,UBND.X,received,2026-11-20,," A ":applicant\n", "line 4: procedure_code"},
		{"H15.50.05.13-261008-0009,%s,UBND.X,received,2026-11-20\n", "line 4: 5 fields where the header has 7"},
		{"\"H15.50.05.13-261008-0009,%s\n", "line 4: not a CSV line"},
		{"H15.50.05.13-261008-0001,%s,UBND.X,received,2026-11-20,," A ":applicant\n", "line 4: dossier "
												"H15.50.05.13-261008-0001 appears twice"},
		{"H15.50.05.13-261008-0009,%s,UBND.X,received,2026-11-20,," A "\n", "line 4: persons:"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = (size_t)snprintf(text, sizeof text, "code,procedure_code,agency,status,received_at,closed_at,persons\n");
		n += (size_t)snprintf(text + n, sizeof text - n, row, 1, f->proc);
		n += (size_t)snprintf(text + n, sizeof text - n, row, 2, f->proc);
		snprintf(text + n, sizeof text - n, cases[i].extra, f->proc);
		b.n = 99;
		assert_int_equal(dossier_import_parse(text, strlen(text), &f->rules, "import", &b, why, sizeof why),
				 DOSSIER_EINVAL);
		assert_int_equal(b.n, 0); /* nothing half-parsed */
		if (!strstr(why, cases[i].expect))
			fail_msg("case %zu: '%s' does not say '%s'", i, why, cases[i].expect);
	}
	const char *headers[][2] = {
		{"code,procedure,agency,status,received_at,persons\n", "line 1: unknown column 'procedure'"},
		{"code,procedure_code,agency,status,received_at\n", "line 1: the header lacks the column persons"},
		{"code,code,procedure_code,agency,status,received_at,persons\n", "line 1: column code appears twice"},
		{"code,procedure_code,agency,status,received_at,persons\n", "no dossiers in the file"},
		{"", "no dossiers in the file (not even a CSV header)"},
		{"{\"code\": 1}\n{not json\n", "line 1: code: required"},
		{"{\"code\": \"H15.50.05.13-261008-0001\", \"code\": \"x\"}\n", "line 1: not a JSON object"},
	};
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		assert_int_equal(dossier_import_parse(headers[i][0], strlen(headers[i][0]), &f->rules, "import", &b, why,
						      sizeof why),
				 DOSSIER_EINVAL);
		if (!strstr(why, headers[i][1]))
			fail_msg("header %zu: '%s' does not say '%s'", i, why, headers[i][1]);
	}
	/* a line longer than the limit */
	static char longline[DOSSIER_IMPORT_LINE_MAX + 64];
	memset(longline, 'x', sizeof longline - 2);
	longline[0] = '{';
	longline[sizeof longline - 2] = '\n';
	assert_int_equal(dossier_import_parse(longline, strlen(longline), &f->rules, "import", &b, why, sizeof why),
			 DOSSIER_EINVAL);
	assert_non_null(strstr(why, "line 1: longer than"));
}

int main(void)
{
	clock_set_fake(NOW);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_each_verdict),
		cmocka_unit_test(test_check_grace_period),
		cmocka_unit_test(test_check_assigned_officer),
		cmocka_unit_test_setup_teardown(test_from_json_refuses_each_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_csv_and_jsonl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_refuses_with_the_line, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
