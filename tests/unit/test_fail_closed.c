/*
 * Fail closed on writes: with the audit writer's fault seam making every write
 * fail, the state-changing Watch and staff calls (POST/DELETE /blocks, POST
 * /alerts/{id}/ack, PATCH /incidents/{id}, POST /staff-changes) answer 503
 * audit_unavailable and change nothing, a sign-in with the right password
 * gets no session, and a citizen lookup is answered 503 audit_unavailable with
 * no citizen data; once the disk is back they work. Runs
 * the real HTTP server in-process (so the seam reaches it) and talks to it with
 * libcurl as a signed-in admin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>

#include "test_audit_util.h"

#include "auth/auth.h"
#include "auth/staff.h"
#include "detect/detect.h"
#include "http/app.h"
#include "http/guard.h"
#include "http/http.h"
#include "incident/incident.h"
#include "lookup/lookup.h"
#include "lookup/population_generate.h"
#include "lookup/procedures.h"
#include "store/store_int.h"

struct fx {
	struct inst in;
	struct audit *audit;
	struct auth_service svc;
	struct detect *d;
	struct app app;
	struct lookup_service lookup;
	struct http_server *srv;
	char cookie[256], csrf[160];
	char officer_cookie[256], officer_csrf[160]; /* cb.a, password changed */
	char citizen[16];
	int64_t alert_id, incident_id;
};

static ssize_t write_eio(int fd, const void *buf, size_t n)
{
	(void)fd;
	(void)buf;
	(void)n;
	errno = EIO;
	return -1;
}

static int first_id(const char *id, void *arg)
{
	snprintf(arg, 16, "%s", id);
	return 1;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char why[256];
	assert_int_equal(inst_make(&f->in), 0);
	log_setup(LOG_ERROR, NULL);
	f->in.cfg.password.hash_memory_mib = 19;
	f->in.cfg.password.hash_passes = 2;
	f->in.cfg.totp.required_roles[0] = '\0';
	assert_int_equal(audit_open(f->in.dir, &f->in.cfg, f->in.st, &f->audit, why, sizeof why), 0);
	assert_int_equal(auth_service_init(&f->svc, f->in.st, &f->in.cfg, f->audit), 0);
	const char *field;
	assert_int_equal(auth_agency_create(&f->svc, NULL, "SO.A", "Sở A", 0, &field), 0);
	char otp[AUTH_OTP_MAX];
	struct store_user u;
	struct auth_new_user admin = {"qt.tinh", "Quản Trị", "SO.A", "admin"};
	assert_int_equal(auth_user_create(&f->svc, NULL, &admin, &u, otp, &field), 0);
	struct auth_new_user officer = {"cb.a", "Cán Bộ", "SO.A", "officer"};
	char otp2[AUTH_OTP_MAX];
	struct store_user u2;
	assert_int_equal(auth_user_create(&f->svc, NULL, &officer, &u2, otp2, &field), 0);

	struct detect_deps dd = {.cfg = &f->in.cfg, .st = f->in.st, .auth = &f->svc, .audit = f->audit,
				 .data_dir = f->in.dir};
	assert_int_equal(detect_open(&dd, &f->d, why, sizeof why), 0);
	assert_int_equal(detect_block_add(f->d, "203.0.113.7", 3600, "test", "qt.tinh"), 0);
	struct store_alert a = {.created_at = clock_now()};
	snprintf(a.rule, sizeof a.rule, "enumeration");
	snprintf(a.severity, sizeof a.severity, "high");
	snprintf(a.actor, sizeof a.actor, "cb.a");
	snprintf(a.detail, sizeof a.detail, "{}");
	assert_int_equal(incident_alert_record(f->in.st, &f->in.cfg, &a, true), 0);
	f->alert_id = a.id;
	f->incident_id = a.incident_id;

	assert_int_equal(population_generate(f->in.st, 50, 3, NULL, why, sizeof why), 0);
	assert_int_equal(store_citizen_sample(f->in.st, 1, first_id, f->citizen), 0);
	assert_int_equal(lookup_service_open(&f->lookup, &f->in.cfg, f->in.st, f->audit, why, sizeof why), 0);

	f->app = (struct app){.cfg = &f->in.cfg, .store = f->in.st, .audit = f->audit, .auth = &f->svc,
			      .detect = f->d, .lookup = &f->lookup, .data_dir = f->in.dir,
			      .started_at = clock_now()};
	assert_int_equal(http_server_start(&f->app, &f->in.cfg, "127.0.0.1:0", &f->srv, why, sizeof why), 0);
	struct auth_signin_result r;
	unsigned v = 0;
	assert_int_equal(auth_signin(&f->svc, "qt.tinh", otp, "127.0.0.1", &r), 0);
	assert_int_equal(auth_password_change(&f->svc, &r.caller, otp, "Zx9!kPq4wLm7", &v), 0);
	assert_int_equal(auth_signin(&f->svc, "qt.tinh", "Zx9!kPq4wLm7", "127.0.0.1", &r), 0);
	snprintf(f->cookie, sizeof f->cookie, "%s=%s", SESSION_COOKIE, r.token);
	snprintf(f->csrf, sizeof f->csrf, "X-CSRF-Token: %s", r.csrf);
	assert_int_equal(auth_signin(&f->svc, "cb.a", otp2, "127.0.0.1", &r), 0);
	assert_int_equal(auth_password_change(&f->svc, &r.caller, otp2, "Yw8!mRt3qZp6", &v), 0);
	assert_int_equal(auth_signin(&f->svc, "cb.a", "Yw8!mRt3qZp6", "127.0.0.1", &r), 0);
	snprintf(f->officer_cookie, sizeof f->officer_cookie, "%s=%s", SESSION_COOKIE, r.token);
	snprintf(f->officer_csrf, sizeof f->officer_csrf, "X-CSRF-Token: %s", r.csrf);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	audit_io_reset();
	http_server_stop(f->srv);
	lookup_service_close(&f->lookup);
	detect_stop(f->d);
	auth_service_free(&f->svc);
	audit_close(f->audit);
	detect_close(f->d);
	inst_free(&f->in);
	free(f);
	return 0;
}

struct body {
	char buf[4096];
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t k = size * n;
	if (b->len + k >= sizeof b->buf)
		k = sizeof b->buf - 1 - b->len;
	memcpy(b->buf + b->len, p, k);
	b->len += k;
	b->buf[b->len] = '\0';
	return size * n;
}

/* Sends method path [json] with the session of cookie and csrf; returns the
 * status and the error code, and the answer when `answer` is not NULL. */
static long call_as(struct fx *f, const char *cookie, const char *csrf, const char *method, const char *path,
		    const char *json, char *error, size_t esize, struct body *answer)
{
	CURL *h = curl_easy_init();
	assert_non_null(h);
	char url[256];
	snprintf(url, sizeof url, "%s%s", http_server_url(f->srv), path);
	struct curl_slist *hd = curl_slist_append(NULL, csrf);
	hd = curl_slist_append(hd, "Content-Type: application/json");
	struct body b = {0};
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_COOKIE, cookie);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	if (json)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	json_t *j = json_loads(b.buf, 0, NULL);
	const char *code = json_string_value(json_object_get(j, "error"));
	snprintf(error, esize, "%s", code ? code : "");
	json_decref(j);
	if (answer)
		*answer = b;
	return status;
}

/* call_as the admin. */
static long call(struct fx *f, const char *method, const char *path, const char *json, char *error, size_t esize)
{
	return call_as(f, f->cookie, f->csrf, method, path, json, error, esize, NULL);
}

static int count_staff(const struct store_staff_change *c, void *arg)
{
	(void)c;
	(*(int *)arg)++;
	return 0;
}

static int count_notes(const struct store_incident_note *n, void *arg)
{
	(void)n;
	(*(int *)arg)++;
	return 0;
}

static int count_sessions(struct fx *f)
{
	sqlite3_stmt *s = NULL;
	int n = -1;
	pthread_mutex_lock(&f->in.st->mu);
	assert_int_equal(sqlite3_prepare_v2(f->in.st->db, "SELECT count(*) FROM sessions", -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&f->in.st->mu);
	return n;
}

static void test_writes_refused_without_audit(void **state)
{
	struct fx *f = *state;
	char err[64], path[128];
	audit_io.write = write_eio;

	assert_int_equal(call(f, "POST", "/api/v1/blocks", "{\"ip\": \"198.51.100.4\", \"ttl_seconds\": 600, "
				 "\"reason\": \"scan\"}", err, sizeof err), 503);
	assert_string_equal(err, "audit_unavailable");
	assert_false(detect_ip_blocked(f->d, "198.51.100.4"));

	assert_int_equal(call(f, "DELETE", "/api/v1/blocks/203.0.113.7", NULL, err, sizeof err), 503);
	assert_string_equal(err, "audit_unavailable");
	assert_true(detect_ip_blocked(f->d, "203.0.113.7"));

	snprintf(path, sizeof path, "/api/v1/alerts/%lld/ack", (long long)f->alert_id);
	assert_int_equal(call(f, "POST", path, NULL, err, sizeof err), 503);
	assert_string_equal(err, "audit_unavailable");
	struct store_alert a;
	assert_int_equal(store_alert_get(f->in.st, f->alert_id, &a), 0);
	assert_string_equal(a.status, "new");

	snprintf(path, sizeof path, "/api/v1/incidents/%lld", (long long)f->incident_id);
	assert_int_equal(call(f, "PATCH", path, "{\"status\": \"investigating\", \"note\": \"x\"}", err, sizeof err),
			 503);
	assert_string_equal(err, "audit_unavailable");
	struct store_incident inc;
	assert_int_equal(store_incident_get(f->in.st, f->incident_id, &inc), 0);
	assert_string_equal(inc.status, "new");
	int notes = 0;
	store_incident_notes(f->in.st, f->incident_id, count_notes, &notes);
	assert_int_equal(notes, 0);

	assert_int_equal(call(f, "POST", "/api/v1/staff-changes",
			      "{\"username\": \"cb.a\", \"kind\": \"leave\", \"reference\": \"123/QĐ-SYT\"}", err,
			      sizeof err),
			 503);
	assert_string_equal(err, "audit_unavailable");
	int changes = 0;
	store_staff_list(f->in.st, NULL, 100, count_staff, &changes);
	assert_int_equal(changes, 0);
	struct store_user u;
	assert_int_equal(store_user_get_by_name(f->in.st, "cb.a", &u), 0);
	assert_string_equal(u.status, "active");

	/* the right password, but the sign-in cannot be recorded: no session */
	int sessions = count_sessions(f);
	const char *signin = "{\"username\": \"qt.tinh\", \"password\": \"Zx9!kPq4wLm7\"}";
	assert_int_equal(call(f, "POST", "/api/v1/session", signin, err, sizeof err), 503);
	assert_string_equal(err, "audit_unavailable");
	assert_int_equal(count_sessions(f), sessions);
	/* a wrong password is still the usual 401 */
	assert_int_equal(call(f, "POST", "/api/v1/session", "{\"username\": \"qt.tinh\", \"password\": \"nope\"}",
			      err, sizeof err),
			 401);

	/* a bad request is still a 400, not a 503: validation comes first */
	assert_int_equal(call(f, "PATCH", path, "{\"status\": \"reported\"}", err, sizeof err), 400);

	/* the disk is back: the same calls work */
	audit_io_reset();
	for (int i = 0; i < 200 && !audit_is_available(f->audit); i++)
		usleep(20000);
	assert_int_equal(call(f, "PATCH", path, "{\"status\": \"investigating\"}", err, sizeof err), 200);
	assert_int_equal(call(f, "DELETE", "/api/v1/blocks/203.0.113.7", NULL, err, sizeof err), 204);
	assert_false(detect_ip_blocked(f->d, "203.0.113.7"));
	snprintf(path, sizeof path, "/api/v1/alerts/%lld/ack", (long long)f->alert_id);
	assert_int_equal(call(f, "POST", path, NULL, err, sizeof err), 200);
	assert_int_equal(call(f, "POST", "/api/v1/session", signin, err, sizeof err), 200);
	assert_int_equal(count_sessions(f), sessions + 1);
}

/* The lookup's record cannot be written: 503, and nothing of the citizen leaves. */
static void test_lookup_refused_without_audit(void **state)
{
	struct fx *f = *state;
	char err[64], json[256];
	struct body answer;
	snprintf(json, sizeof json,
		 "{\"citizen_id\": \"%s\", \"dossier_code\": \"H15.50.05.13-261008-0975\", "
		 "\"procedure_code\": \"%s\"}",
		 f->citizen, procedures_at(f->lookup.procedures, 0)->code);
	audit_io.write = write_eio;
	assert_int_equal(call_as(f, f->officer_cookie, f->officer_csrf, "POST", "/api/v1/lookups", json, err,
				 sizeof err, &answer),
			 503);
	assert_string_equal(err, "audit_unavailable");
	json_t *j = json_loads(answer.buf, 0, NULL);
	assert_non_null(j);
	assert_null(json_object_get(j, "citizen"));
	assert_null(strstr(answer.buf, f->citizen)); /* not even the id asked for */
	json_decref(j);

	audit_io_reset();
	for (int i = 0; i < 200 && !audit_is_available(f->audit); i++)
		usleep(20000);
	assert_int_equal(call_as(f, f->officer_cookie, f->officer_csrf, "POST", "/api/v1/lookups", json, err,
				 sizeof err, &answer),
			 200);
	j = json_loads(answer.buf, 0, NULL);
	assert_true(json_is_object(json_object_get(j, "citizen")));
	json_decref(j);
}

static int count_disk_alerts(const struct store_alert *a, void *arg)
{
	if (strcmp(a->rule, "disk_space_low") == 0)
		(*(int *)arg)++;
	return 0;
}

/* Under [audit] free_reserve_mib of free space, sign-in is refused before it
 * writes anything (503 storage_low) while lookups keep their audit; under
 * free_warn_mib the detector raises disk_space_low once. The thresholds are set
 * above any real disk so that this one is "nearly full". */
static void test_storage_reserve(void **state)
{
	struct fx *f = *state;
	char err[64], json[256];
	struct body answer;
	const char *signin = "{\"username\": \"qt.tinh\", \"password\": \"Zx9!kPq4wLm7\"}";
	f->in.cfg.audit.free_reserve_mib = 10000000;
	assert_int_equal(call(f, "POST", "/api/v1/session", signin, err, sizeof err), 503);
	assert_string_equal(err, "storage_low");
	snprintf(json, sizeof json,
		 "{\"citizen_id\": \"%s\", \"dossier_code\": \"H15.50.05.13-261008-0975\", "
		 "\"procedure_code\": \"%s\"}",
		 f->citizen, procedures_at(f->lookup.procedures, 0)->code);
	assert_int_equal(call_as(f, f->officer_cookie, f->officer_csrf, "POST", "/api/v1/lookups", json, err,
				 sizeof err, &answer),
			 200);
	f->in.cfg.audit.free_reserve_mib = 0;
	assert_int_equal(call(f, "POST", "/api/v1/session", signin, err, sizeof err), 200);

	int n = 0;
	f->in.cfg.audit.free_warn_mib = 10000000;
	detect_check_once(f->d, clock_now());
	detect_check_once(f->d, clock_now());
	store_alert_list(f->in.st, NULL, 0, 1000, count_disk_alerts, &n);
	assert_int_equal(n, 1);
	f->in.cfg.audit.free_warn_mib = 1; /* back above: the next fall raises again */
	detect_check_once(f->d, clock_now());
	f->in.cfg.audit.free_warn_mib = 10000000;
	detect_check_once(f->d, clock_now());
	n = 0;
	store_alert_list(f->in.st, NULL, 0, 1000, count_disk_alerts, &n);
	assert_int_equal(n, 2);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writes_refused_without_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_refused_without_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storage_reserve, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
