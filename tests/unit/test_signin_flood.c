/*
 * A sign-in flood from one throttled address: the refused attempts write nothing
 * durable one by one (one `signin_throttled` record per address and window, with
 * the count, once the window ends); the throttle's check and count are one step,
 * so concurrent wrong passwords from one address get exactly ip_max_failures
 * password checks; and the detector's signin_flood rule raises an alert and
 * blocks an address whose window count reaches throttle_flood_count. While the
 * store cannot record anything (made read-only), every sign-in answers the same
 * 401 whatever the password and the account's state, the failures are counted
 * in memory (the account answers as locked at max_failures), and the detector
 * raises signin_unrecorded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>

#include "test_audit_util.h"

#include "auth/auth.h"
#include "detect/detect.h"
#include "store/store_int.h"

#define NOW ((int64_t)1788836400)

struct fx {
	struct inst in;
	struct audit *audit;
	struct auth_service svc;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char why[256];
	assert_int_equal(inst_make(&f->in), 0);
	log_setup(LOG_ERROR, NULL);
	clock_set_fake(NOW);
	f->in.cfg.password.hash_memory_mib = 19;
	f->in.cfg.password.hash_passes = 2;
	f->in.cfg.lockout.ip_max_failures = 3;
	f->in.cfg.lockout.window_seconds = 60;
	f->in.cfg.lockout.max_failures = 100; /* the account lockout stays out of the way */
	assert_int_equal(audit_open(f->in.dir, &f->in.cfg, f->in.st, &f->audit, why, sizeof why), 0);
	assert_int_equal(auth_service_init(&f->svc, f->in.st, &f->in.cfg, f->audit), 0);
	const char *field;
	assert_int_equal(auth_agency_create(&f->svc, NULL, "SO.A", "Sở A", 0, &field), 0);
	char otp[AUTH_OTP_MAX];
	struct store_user u;
	struct auth_new_user officer = {"cb.a", "Cán Bộ", "SO.A", "officer"};
	assert_int_equal(auth_user_create(&f->svc, NULL, &officer, &u, otp, &field), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	auth_service_free(&f->svc);
	audit_close(f->audit);
	inst_free(&f->in);
	clock_set_fake(0);
	free(f);
	return 0;
}

/* The records of `type` in the live segments; the payload's `refused` of the
 * last one goes to *refused. */
static int count_records(struct fx *f, const char *type, json_int_t *refused)
{
	char path[512];
	int n = 0;
	for (int s = 0; segment_path(&f->in, s, path, sizeof path) == 0; s++) {
		struct lines l;
		assert_int_equal(lines_read(path, &l), 0);
		for (int i = 0; i < l.n; i++) {
			json_t *j = json_loads(l.v[i], 0, NULL);
			if (j && json_is_string(json_object_get(j, "type")) &&
			    strcmp(json_string_value(json_object_get(j, "type")), type) == 0) {
				n++;
				if (refused)
					*refused = json_integer_value(
						json_object_get(json_object_get(j, "payload"), "refused"));
			}
			json_decref(j);
			free(l.v[i]);
		}
	}
	return n;
}

static void test_throttled_attempts_make_one_record(void **state)
{
	struct fx *f = *state;
	struct auth_signin_result r;
	for (int i = 0; i < 3; i++)
		assert_int_equal(auth_signin(&f->svc, "cb.a", "Wrong!pass1", "192.0.2.9", &r), AUTH_ECREDENTIALS);
	for (int i = 0; i < 50; i++)
		assert_int_equal(auth_signin(&f->svc, "cb.a", "Wrong!pass1", "192.0.2.9", &r), AUTH_ETHROTTLED);
	assert_true(r.retry_after > 0 && r.retry_after <= 60);
	/* nothing durable per refused attempt */
	assert_int_equal(count_records(f, "signin_throttled", NULL), 0);
	assert_int_equal(count_records(f, "signin_fail", NULL), 3);
	/* the window is not over: nothing to report yet */
	assert_int_equal(auth_throttle_record_windows(&f->svc, NOW + 30, false), 0);
	assert_int_equal(count_records(f, "signin_throttled", NULL), 0);
	/* over: one record with the count, once */
	json_int_t refused = 0;
	assert_int_equal(auth_throttle_record_windows(&f->svc, NOW + 60, false), 1);
	assert_int_equal(count_records(f, "signin_throttled", &refused), 1);
	assert_int_equal(refused, 50);
	assert_int_equal(auth_throttle_record_windows(&f->svc, NOW + 120, false), 0);
	/* a window still open is reported at shutdown (all) */
	clock_set_fake(NOW + 200);
	for (int i = 0; i < 3; i++)
		auth_signin(&f->svc, "cb.a", "Wrong!pass1", "192.0.2.9", &r);
	assert_int_equal(auth_signin(&f->svc, "cb.a", "Wrong!pass1", "192.0.2.9", &r), AUTH_ETHROTTLED);
	assert_int_equal(auth_throttle_record_windows(&f->svc, NOW + 201, true), 1);
	assert_int_equal(count_records(f, "signin_throttled", &refused), 2);
	assert_int_equal(refused, 1);
}

#define RACERS 12

struct racer {
	struct fx *f;
	pthread_barrier_t *go;
	int rc;
};

static void *racer_main(void *arg)
{
	struct racer *k = arg;
	struct auth_signin_result r;
	pthread_barrier_wait(k->go);
	k->rc = auth_signin(&k->f->svc, "cb.a", "Wrong!pass1", "198.51.100.20", &r);
	return NULL;
}

/* Twelve wrong passwords at once from one address: three are checked (and
 * answered 401), the others refused before any hashing. */
static void test_concurrent_failures_counted_atomically(void **state)
{
	struct fx *f = *state;
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, RACERS);
	struct racer k[RACERS];
	pthread_t th[RACERS];
	for (int i = 0; i < RACERS; i++) {
		k[i] = (struct racer){.f = f, .go = &go};
		assert_int_equal(pthread_create(&th[i], NULL, racer_main, &k[i]), 0);
	}
	int checked = 0, throttled = 0;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(th[i], NULL);
		checked += k[i].rc == AUTH_ECREDENTIALS;
		throttled += k[i].rc == AUTH_ETHROTTLED;
	}
	pthread_barrier_destroy(&go);
	assert_int_equal(checked, 3);
	assert_int_equal(throttled, RACERS - 3);
}

/* A good sign-in gives its advance count back: it does not use up the address's allowance. */
static void test_good_signin_not_counted(void **state)
{
	struct fx *f = *state;
	struct auth_signin_result r;
	/* the one-time password is unknown here: reset gives a new one */
	struct store_user u;
	assert_int_equal(store_user_get_by_name(f->in.st, "cb.a", &u), 0);
	char otp[AUTH_OTP_MAX];
	assert_int_equal(auth_user_reset_password(&f->svc, NULL, u.id, otp), 0);
	for (int i = 0; i < 5; i++) /* ip_max_failures is 3 */
		assert_int_equal(auth_signin(&f->svc, "cb.a", otp, "203.0.113.50", &r), AUTH_OK);
}

static void test_flood_rule_blocks(void **state)
{
	struct fx *f = *state;
	char why[256];
	struct detect *d = NULL;
	f->in.cfg.detect.throttle_flood_count = 100;
	struct detect_deps dd = {.cfg = &f->in.cfg, .st = f->in.st, .auth = &f->svc, .audit = f->audit};
	assert_int_equal(detect_open(&dd, &d, why, sizeof why), 0);
	char t[32];
	clock_format_rfc3339(NOW, t, sizeof t);
	json_t *below = json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:i}}", "type", "signin_throttled", "time", t, "actor",
				  "-", "ip", "192.0.2.44", "seq", (json_int_t)7, "payload", "refused", 99);
	json_t *above = json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:i}}", "type", "signin_throttled", "time", t, "actor",
				  "-", "ip", "192.0.2.45", "seq", (json_int_t)8, "payload", "refused", 100);
	detect_listener(below, d);
	detect_listener(above, d);
	detect_flush(d);
	assert_false(detect_ip_blocked(d, "192.0.2.44"));
	assert_true(detect_ip_blocked(d, "192.0.2.45"));
	json_decref(below);
	json_decref(above);
	detect_stop(d);
	detect_close(d);
}

/* The disk is full, as far as the store can tell: every write fails, reads work. */
static void store_read_only(struct fx *f, bool on)
{
	pthread_mutex_lock(&f->in.st->mu);
	assert_int_equal(sqlite3_exec(f->in.st->db, on ? "PRAGMA query_only = ON" : "PRAGMA query_only = OFF", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	pthread_mutex_unlock(&f->in.st->mu);
}

static int count_rule(const struct store_alert *a, void *arg)
{
	*(int *)arg += strcmp(a->rule, "signin_unrecorded") == 0;
	return 0;
}

static void test_store_failing_same_answer(void **state)
{
	struct fx *f = *state;
	struct auth_signin_result r;
	char ip[32], otp_a[AUTH_OTP_MAX], otp_b[AUTH_OTP_MAX];
	int k = 0;
	auth_service_free(&f->svc);
	f->in.cfg.lockout.max_failures = 3;
	assert_int_equal(auth_service_init(&f->svc, f->in.st, &f->in.cfg, f->audit), 0);
	struct store_user u;
	const char *field;
	assert_int_equal(store_user_get_by_name(f->in.st, "cb.a", &u), 0);
	assert_int_equal(auth_user_reset_password(&f->svc, NULL, u.id, otp_a), 0);
	struct auth_new_user other = {"cb.b", "Cán Bộ B", "SO.A", "officer"};
	assert_int_equal(auth_user_create(&f->svc, NULL, &other, &u, otp_b, &field), 0);
	/* cb.a locked the ordinary way, while the store works */
	for (int i = 0; i < 3; i++) {
		snprintf(ip, sizeof ip, "192.0.2.%d", ++k);
		assert_int_equal(auth_signin(&f->svc, "cb.a", "Wrong!pass1", ip, &r), AUTH_ECREDENTIALS);
	}
	assert_int_equal(store_user_get_by_name(f->in.st, "cb.a", &u), 0);
	assert_string_equal(u.status, "locked");

	store_read_only(f, true);
	/* a locked account: the same answer for a wrong and the right password */
	snprintf(ip, sizeof ip, "192.0.2.%d", ++k);
	assert_int_equal(auth_signin(&f->svc, "cb.a", "Wrong!pass1", ip, &r), AUTH_ECREDENTIALS);
	snprintf(ip, sizeof ip, "192.0.2.%d", ++k);
	assert_int_equal(auth_signin(&f->svc, "cb.a", otp_a, ip, &r), AUTH_ECREDENTIALS);
	/* an active account: failures the store cannot record still count (in memory) */
	for (int i = 0; i < 3; i++) {
		snprintf(ip, sizeof ip, "192.0.2.%d", ++k);
		assert_int_equal(auth_signin(&f->svc, "cb.b", "Wrong!pass1", ip, &r), AUTH_ECREDENTIALS);
	}
	snprintf(ip, sizeof ip, "192.0.2.%d", ++k);
	assert_int_equal(auth_signin(&f->svc, "cb.b", otp_b, ip, &r), AUTH_ECREDENTIALS);
	assert_true(atomic_load(&f->svc.unrecorded_total) >= 4);
	store_read_only(f, false);

	/* the detector's minute check raises the alert (once the store takes it) */
	char why[256];
	struct detect *d = NULL;
	struct detect_deps dd = {.cfg = &f->in.cfg, .st = f->in.st, .auth = &f->svc, .audit = f->audit};
	assert_int_equal(detect_open(&dd, &d, why, sizeof why), 0);
	detect_check_once(d, NOW);
	detect_check_once(d, NOW + 60);
	int n = 0;
	store_alert_list(f->in.st, NULL, 0, 1000, count_rule, &n);
	assert_int_equal(n, 1);
	detect_stop(d);
	detect_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_throttled_attempts_make_one_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_failures_counted_atomically, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_signin_not_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_rule_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_failing_same_answer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
