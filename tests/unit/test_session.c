/*
 * The account service against a real store with an injected clock: password
 * expiry and its warning, idle and absolute session timeouts, a disabled
 * account's session cut at once, the CSRF token, the lockout through sign-in
 * (timed lock, lifted by time), and the hash upgrade at sign-in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "auth/password.h"
#include "auth/hash.h"
#include "core/clock.h"
#include "core/config.h"
#include "store/store.h"

#define T0 1790000000 /* 2026-09-21 */
#define PW "Tq7#vLm9xR2!"

struct fixture {
	char dir[64];
	struct config cfg;
	struct store *st;
	struct auth_service svc;
	char otp[AUTH_OTP_MAX];
	int64_t user_id;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char why[256], path[128];
	strcpy(f->dir, "/tmp/canhgac-test-session-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof path, "%s/canhgac.db", f->dir);
	config_defaults(&f->cfg);
	assert_int_equal(store_open(path, STORE_OPEN_CREATE, &f->st, why, sizeof why), 0);
	f->cfg.password.hash_memory_mib = 19; /* OWASP's minimum keeps the suite fast */
	f->cfg.password.hash_passes = 2;
	assert_int_equal(auth_service_init(&f->svc, f->st, &f->cfg, NULL), 0);
	clock_set_fake(T0);
	const char *field;
	assert_int_equal(auth_agency_create(&f->svc, NULL, "SO.A", "Sở A", 0, &field), 0);
	struct auth_new_user nu = {"cb.a", "Phạm Thị Hồng", "SO.A", "officer"};
	struct store_user u;
	assert_int_equal(auth_user_create(&f->svc, NULL, &nu, &u, f->otp, &field), 0);
	f->user_id = u.id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	clock_set_fake(0);
	auth_service_free(&f->svc);
	store_close(f->st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Signs in and changes the one-time password to PW at T0; returns the session. */
static void sign_in_changed(struct fixture *f, struct auth_signin_result *r)
{
	assert_int_equal(auth_signin(&f->svc, "cb.a", f->otp, "192.0.2.1", r), AUTH_OK);
	assert_true(r->caller.must_change_password);
	unsigned v = 0;
	assert_int_equal(auth_password_change(&f->svc, &r->caller, f->otp, PW, &v), AUTH_OK);
	assert_int_equal(v, 0);
}

static void test_expiry_and_warning(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r;
	struct auth_caller c;
	sign_in_changed(f, &r);
	assert_int_equal(r.caller.password_expires_at, T0 + 90 * 86400);
	/* day 75: no warning yet; day 77 (within 14 days): warning */
	clock_set_fake(T0 + 75 * 86400);
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "192.0.2.1", &r), AUTH_OK);
	assert_false(r.caller.password_warn);
	assert_false(r.caller.must_change_password);
	clock_set_fake(T0 + 77 * 86400);
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "192.0.2.1", &r), AUTH_OK);
	assert_true(r.caller.password_warn);
	assert_false(r.caller.must_change_password);
	/* day 90: expired, only the change is allowed */
	clock_set_fake(T0 + 90 * 86400);
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "192.0.2.1", &r), AUTH_OK);
	assert_true(r.caller.must_change_password);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, "192.0.2.1", &c), AUTH_OK);
	assert_true(c.must_change_password);
	unsigned v = 0;
	assert_int_equal(auth_password_change(&f->svc, &c, PW, "Zx9!kPq4wLm7", &v), AUTH_OK);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, "192.0.2.1", &c), AUTH_OK);
	assert_false(c.must_change_password);
}

/* A password may not be changed again within [password] min_age_days (1), so that
 * history means something; the forced change of a one-time password is exempt. */
static void test_minimum_password_age(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r;
	sign_in_changed(f, &r); /* the forced change, at T0: allowed at once */
	unsigned v = 0;
	clock_set_fake(T0 + 3600);
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "192.0.2.1", &r), AUTH_OK);
	assert_int_equal(auth_password_change(&f->svc, &r.caller, PW, "Zx9!kPq4wLm7", &v), AUTH_EPOLICY);
	assert_int_equal(v, PW_TOO_RECENT);
	clock_set_fake(T0 + 86400 + 1);
	assert_int_equal(auth_password_change(&f->svc, &r.caller, PW, "Zx9!kPq4wLm7", &v), AUTH_OK);
	assert_int_equal(v, 0);
	/* with min_age_days = 0 there is no minimum */
	f->cfg.password.min_age_days = 0;
	assert_int_equal(auth_password_change(&f->svc, &r.caller, "Zx9!kPq4wLm7", "Yw8!mRt3qZp6", &v), AUTH_OK);
}

/* A one-time password signs in only within [password] otp_expiry_hours (72) of
 * its handover; then the same answer as a wrong password, and a reset brings a
 * new one that works. */
static void test_one_time_password_expires(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r;
	clock_set_fake(T0 + 72 * 3600 - 60);
	assert_int_equal(auth_signin(&f->svc, "cb.a", f->otp, "192.0.2.1", &r), AUTH_OK);
	clock_set_fake(T0 + 72 * 3600 + 60);
	assert_int_equal(auth_signin(&f->svc, "cb.a", f->otp, "192.0.2.1", &r), AUTH_ECREDENTIALS);
	struct store_user u;
	assert_int_equal(store_user_get_by_id(f->st, f->user_id, &u), 0);
	assert_int_equal(u.failed_count, 0); /* not a guess: not counted toward the lock */
	char otp[AUTH_OTP_MAX];
	assert_int_equal(auth_user_reset_password(&f->svc, NULL, f->user_id, otp), AUTH_OK);
	assert_int_equal(auth_signin(&f->svc, "cb.a", otp, "192.0.2.1", &r), AUTH_OK);
	assert_true(r.caller.must_change_password);
	/* 0: no expiry */
	f->cfg.password.otp_expiry_hours = 0;
	clock_set_fake(T0 + 400 * 86400);
	assert_int_equal(auth_signin(&f->svc, "cb.a", otp, "192.0.2.1", &r), AUTH_OK);
}

static void test_idle_timeout(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r;
	struct auth_caller c;
	sign_in_changed(f, &r);
	clock_set_fake(T0 + f->cfg.session.idle_seconds - 1);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, "192.0.2.1", &c), AUTH_OK);
	clock_set_fake(T0 + 2 * f->cfg.session.idle_seconds - 2); /* touched above: still alive */
	assert_int_equal(auth_session_resolve(&f->svc, r.token, "192.0.2.1", &c), AUTH_OK);
	clock_set_fake(T0 + 3 * f->cfg.session.idle_seconds);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, "192.0.2.1", &c), AUTH_ESESSION);
	/* and it stays gone */
	clock_set_fake(T0 + 3 * f->cfg.session.idle_seconds + 1);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, "192.0.2.1", &c), AUTH_ESESSION);
}

static void test_absolute_timeout(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r;
	struct auth_caller c;
	sign_in_changed(f, &r);
	int64_t t = T0;
	while (t + f->cfg.session.idle_seconds / 2 < T0 + f->cfg.session.absolute_seconds) {
		t += f->cfg.session.idle_seconds / 2;
		clock_set_fake(t);
		assert_int_equal(auth_session_resolve(&f->svc, r.token, "192.0.2.1", &c), AUTH_OK);
	}
	clock_set_fake(T0 + f->cfg.session.absolute_seconds);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, "192.0.2.1", &c), AUTH_ESESSION);
}

static void test_disabled_session_cut_and_csrf(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r;
	struct auth_caller c;
	sign_in_changed(f, &r);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, "192.0.2.1", &c), AUTH_OK);
	assert_true(auth_session_csrf_ok(&f->svc, &c, r.csrf));
	char wrong[AUTH_TOKEN_HEX];
	memcpy(wrong, r.csrf, sizeof wrong);
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	assert_false(auth_session_csrf_ok(&f->svc, &c, wrong));
	assert_false(auth_session_csrf_ok(&f->svc, &c, NULL));
	assert_false(auth_session_csrf_ok(&f->svc, &c, r.token)); /* the session token is not the CSRF token */
	assert_int_equal(auth_user_disable(&f->svc, NULL, f->user_id, "nghỉ việc"), AUTH_OK);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, "192.0.2.1", &c), AUTH_ESESSION);
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "192.0.2.1", &r), AUTH_ECREDENTIALS);
	assert_int_equal(auth_session_resolve(&f->svc, "not-a-token", "192.0.2.1", &c), AUTH_ESESSION);
}

static void test_lockout_through_signin(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r;
	sign_in_changed(f, &r);
	for (int i = 0; i < f->cfg.lockout.max_failures; i++)
		assert_int_equal(auth_signin(&f->svc, "cb.a", "Wrong#Pass123", "192.0.2.9", &r), AUTH_ECREDENTIALS);
	struct store_user u;
	assert_int_equal(store_user_get_by_id(f->st, f->user_id, &u), 0);
	assert_string_equal(u.status, "locked");
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "192.0.2.1", &r), AUTH_ECREDENTIALS);
	clock_set_fake(u.locked_until);
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "192.0.2.1", &r), AUTH_OK);
	assert_int_equal(store_user_get_by_id(f->st, f->user_id, &u), 0);
	assert_string_equal(u.status, "active");
}

static void test_hash_upgraded_at_signin(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r;
	struct store_user u;
	sign_in_changed(f, &r);
	assert_int_equal(store_user_get_by_id(f->st, f->user_id, &u), 0);
	char before[STORE_HASH_MAX];
	strcpy(before, u.password_hash);
	password_hash_cost_set((struct password_hash_cost){3, (size_t)20 << 20});
	assert_true(password_hash_needs_rehash(before));
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "192.0.2.1", &r), AUTH_OK);
	assert_int_equal(store_user_get_by_id(f->st, f->user_id, &u), 0);
	assert_string_not_equal(u.password_hash, before);
	assert_false(password_hash_needs_rehash(u.password_hash));
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "192.0.2.1", &r), AUTH_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_expiry_and_warning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_minimum_password_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_time_password_expires, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_session_cut_and_csrf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_through_signin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_upgraded_at_signin, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
