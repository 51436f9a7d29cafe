/*
 * Stopping the HTTP server while a lookup waits for its audit record: with the
 * audit writer's fault seam holding fdatasync (a slow disk), http_server_stop
 * must answer the waiting client 503 at once (not leave its connection
 * suspended, on which libmicrohttpd aborts the process), and must not return,
 * freeing the server, before the writer has called back; once the disk answers,
 * the stop completes and the sanitizer build sees no use after free. Runs the
 * real server in-process, so the seam reaches it, and talks to it with libcurl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>

#include "test_audit_util.h"

#include "auth/auth.h"
#include "detect/detect.h"
#include "http/app.h"
#include "http/guard.h"
#include "http/http.h"
#include "lookup/lookup.h"
#include "lookup/population_generate.h"
#include "lookup/procedures.h"

/* The held fdatasync: entered is set when the writer is inside it; it returns
 * once released is set. */
static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static bool entered, released;

static int fdatasync_held(int fd)
{
	pthread_mutex_lock(&hold_mu);
	entered = true;
	pthread_cond_broadcast(&hold_cv);
	while (!released)
		pthread_cond_wait(&hold_cv, &hold_mu);
	pthread_mutex_unlock(&hold_mu);
	return fdatasync(fd);
}

struct fx {
	struct inst in;
	struct audit *audit;
	struct auth_service svc;
	struct detect *d;
	struct app app;
	struct lookup_service lookup;
	struct http_server *srv;
	char url[128];
	char cookie[256], csrf[160];
	char json[256];
};

static int first_id(const char *id, void *arg)
{
	snprintf(arg, 16, "%s", id);
	return 1;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char why[256], citizen[16];
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
	struct auth_new_user officer = {"cb.a", "Cán Bộ", "SO.A", "officer"};
	assert_int_equal(auth_user_create(&f->svc, NULL, &officer, &u, otp, &field), 0);
	struct detect_deps dd = {.cfg = &f->in.cfg, .st = f->in.st, .auth = &f->svc, .audit = f->audit};
	assert_int_equal(detect_open(&dd, &f->d, why, sizeof why), 0);
	assert_int_equal(population_generate(f->in.st, 50, 3, NULL, why, sizeof why), 0);
	assert_int_equal(store_citizen_sample(f->in.st, 1, first_id, citizen), 0);
	assert_int_equal(lookup_service_open(&f->lookup, &f->in.cfg, f->in.st, f->audit, why, sizeof why), 0);
	f->app = (struct app){.cfg = &f->in.cfg, .store = f->in.st, .audit = f->audit, .auth = &f->svc,
			      .detect = f->d, .lookup = &f->lookup, .data_dir = f->in.dir,
			      .started_at = clock_now()};
	assert_int_equal(http_server_start(&f->app, &f->in.cfg, "127.0.0.1:0", &f->srv, why, sizeof why), 0);
	snprintf(f->url, sizeof f->url, "%s/api/v1/lookups", http_server_url(f->srv));
	struct auth_signin_result r;
	unsigned v = 0;
	assert_int_equal(auth_signin(&f->svc, "cb.a", otp, "127.0.0.1", &r), 0);
	assert_int_equal(auth_password_change(&f->svc, &r.caller, otp, "Yw8!mRt3qZp6", &v), 0);
	assert_int_equal(auth_signin(&f->svc, "cb.a", "Yw8!mRt3qZp6", "127.0.0.1", &r), 0);
	snprintf(f->cookie, sizeof f->cookie, "%s=%s", SESSION_COOKIE, r.token);
	snprintf(f->csrf, sizeof f->csrf, "X-CSRF-Token: %s", r.csrf);
	snprintf(f->json, sizeof f->json,
		 "{\"citizen_id\": \"%s\", \"dossier_code\": \"H15.50.05.13-261008-0975\", "
		 "\"procedure_code\": \"%s\"}",
		 citizen, procedures_at(f->lookup.procedures, 0)->code);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	audit_io_reset();
	lookup_service_close(&f->lookup);
	detect_stop(f->d);
	auth_service_free(&f->svc);
	audit_close(f->audit);
	detect_close(f->d);
	inst_free(&f->in);
	free(f);
	return 0;
}

struct call {
	struct fx *f;
	long status;
	char body[2048];
	size_t len;
	CURLcode rc;
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct call *k = arg;
	size_t m = size * n;
	if (k->len + m >= sizeof k->body)
		m = sizeof k->body - 1 - k->len;
	memcpy(k->body + k->len, p, m);
	k->len += m;
	k->body[k->len] = '\0';
	return size * n;
}

static void *client_main(void *arg)
{
	struct call *k = arg;
	CURL *h = curl_easy_init();
	struct curl_slist *hd = curl_slist_append(NULL, k->f->csrf);
	hd = curl_slist_append(hd, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, k->f->url);
	curl_easy_setopt(h, CURLOPT_COOKIE, k->f->cookie);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, k->f->json);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, k);
	k->rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &k->status);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	return NULL;
}

struct stopper {
	struct http_server *srv;
	_Atomic bool returned;
};

static void *stop_main(void *arg)
{
	struct stopper *s = arg;
	http_server_stop(s->srv);
	s->returned = true;
	return NULL;
}

static void test_stop_answers_waiting_lookup(void **state)
{
	struct fx *f = *state;
	entered = released = false;
	audit_io.fdatasync = fdatasync_held;
	struct call k = {.f = f};
	pthread_t client, stopper_thread;
	assert_int_equal(pthread_create(&client, NULL, client_main, &k), 0);
	/* the lookup's record is being written: its connection is suspended */
	pthread_mutex_lock(&hold_mu);
	while (!entered)
		pthread_cond_wait(&hold_cv, &hold_mu);
	pthread_mutex_unlock(&hold_mu);

	struct stopper s = {.srv = f->srv};
	assert_int_equal(pthread_create(&stopper_thread, NULL, stop_main, &s), 0);
	/* the client is answered while the disk still holds the record */
	assert_int_equal(pthread_join(client, NULL), 0);
	assert_int_equal(k.rc, CURLE_OK);
	assert_int_equal(k.status, 503);
	json_t *j = json_loads(k.body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "error")), "service_unavailable");
	assert_null(json_object_get(j, "citizen"));
	json_decref(j);
	/* and the server is not freed while the writer still owes it a callback */
	assert_false(s.returned);

	pthread_mutex_lock(&hold_mu);
	released = true;
	pthread_cond_broadcast(&hold_cv);
	pthread_mutex_unlock(&hold_mu);
	assert_int_equal(pthread_join(stopper_thread, NULL), 0);
	assert_true(s.returned);
}

/* Stopping an idle server many times: the listening socket is closed only after
 * the daemon's epoll threads let go of it (closing it first made libmicrohttpd
 * abort with "Failed to remove listen FD from epoll set" now and then). */
static void test_stop_idle_repeatedly(void **state)
{
	struct fx *f = *state;
	char why[256];
	http_server_stop(f->srv);
	for (int i = 0; i < 30; i++) {
		struct http_server *srv = NULL;
		assert_int_equal(http_server_start(&f->app, &f->in.cfg, "127.0.0.1:0", &srv, why, sizeof why), 0);
		http_server_stop(srv);
	}
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stop_answers_waiting_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_idle_repeatedly, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
