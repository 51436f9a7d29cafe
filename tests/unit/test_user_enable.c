/*
 * Re-enabling an account (issue 17): after the detector's suspension the
 * password is reset in the same step (the old one no longer signs in, the
 * one-time password does and must be changed, the sessions are gone); a
 * disabled account re-enabled keeps its password; an agency admin cannot lift a
 * suspension and then nothing changes.
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
	int64_t user_id;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char why[256], path[128], otp[AUTH_OTP_MAX];
	strcpy(f->dir, "/tmp/canhgac-test-enable-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof path, "%s/canhgac.db", f->dir);
	config_defaults(&f->cfg);
	assert_int_equal(store_open(path, STORE_OPEN_CREATE, &f->st, why, sizeof why), 0);
	f->cfg.password.hash_memory_mib = 19;
	f->cfg.password.hash_passes = 2;
	assert_int_equal(auth_service_init(&f->svc, f->st, &f->cfg, NULL), 0);
	clock_set_fake(T0);
	const char *field;
	assert_int_equal(auth_agency_create(&f->svc, NULL, "SO.A", "Sở A", 0, &field), 0);
	struct auth_new_user nu = {"cb.a", "Phạm Thị Hồng", "SO.A", "officer"};
	struct store_user u;
	assert_int_equal(auth_user_create(&f->svc, NULL, &nu, &u, otp, &field), 0);
	f->user_id = u.id;
	/* the officer's own password */
	struct auth_signin_result r;
	assert_int_equal(auth_signin(&f->svc, "cb.a", otp, "192.0.2.1", &r), AUTH_OK);
	unsigned v = 0;
	assert_int_equal(auth_password_change(&f->svc, &r.caller, otp, PW, &v), AUTH_OK);
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

static void test_enable_after_suspension_resets(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r, thief;
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "203.0.113.5", &thief), AUTH_OK);
	assert_int_equal(auth_user_suspend(&f->svc, f->user_id, "detector: concurrent_sessions"), AUTH_OK);
	struct auth_caller c;
	assert_int_equal(auth_session_resolve(&f->svc, thief.token, "203.0.113.5", &c), AUTH_ESUSPENDED);
	clock_set_fake(T0 + 3600);
	char otp[AUTH_OTP_MAX] = "";
	bool reset = false;
	assert_int_equal(auth_user_enable(&f->svc, NULL, f->user_id, "cấp lại mật khẩu", otp, &reset), AUTH_OK);
	assert_true(reset);
	assert_true(strlen(otp) >= 12);
	assert_string_not_equal(otp, PW);
	struct store_user u;
	assert_int_equal(store_user_get_by_id(f->st, f->user_id, &u), 0);
	assert_string_equal(u.status, "active");
	assert_true(u.must_change_password);
	assert_int_equal(u.password_changed_at, T0 + 3600);
	/* the leaked password is dead, the thief's session too */
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "203.0.113.5", &r), AUTH_ECREDENTIALS);
	assert_int_equal(auth_session_resolve(&f->svc, thief.token, "203.0.113.5", &c), AUTH_ESESSION);
	assert_int_equal(auth_signin(&f->svc, "cb.a", otp, "192.0.2.1", &r), AUTH_OK);
	assert_true(r.caller.must_change_password);
}

static void test_enable_after_disable_keeps_password(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r;
	assert_int_equal(auth_user_disable(&f->svc, NULL, f->user_id, "nghỉ phép"), AUTH_OK);
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "192.0.2.1", &r), AUTH_ECREDENTIALS);
	char otp[AUTH_OTP_MAX] = "untouched";
	bool reset = true;
	assert_int_equal(auth_user_enable(&f->svc, NULL, f->user_id, "trở lại", otp, &reset), AUTH_OK);
	assert_false(reset);
	assert_string_equal(otp, "untouched");
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, "192.0.2.1", &r), AUTH_OK);
	assert_false(r.caller.must_change_password);
}

static void test_agency_admin_cannot_lift_a_suspension(void **state)
{
	struct fixture *f = *state;
	struct store_user before, after;
	assert_int_equal(auth_user_suspend(&f->svc, f->user_id, "detector: new_ip_burst"), AUTH_OK);
	assert_int_equal(store_user_get_by_id(f->st, f->user_id, &before), 0);
	struct auth_caller aa;
	memset(&aa, 0, sizeof aa);
	snprintf(aa.user.username, sizeof aa.user.username, "qt.soa");
	snprintf(aa.user.agency, sizeof aa.user.agency, "SO.A");
	snprintf(aa.user.role, sizeof aa.user.role, "agency_admin");
	aa.role = ROLE_AGENCY_ADMIN;
	aa.user.id = 999;
	char otp[AUTH_OTP_MAX];
	bool reset = true;
	assert_int_equal(auth_user_enable(&f->svc, &aa, f->user_id, "mở lại", otp, &reset), AUTH_EFORBIDDEN);
	assert_false(reset);
	assert_int_equal(store_user_get_by_id(f->st, f->user_id, &after), 0);
	assert_string_equal(after.status, "suspended");
	assert_string_equal(after.password_hash, before.password_hash);
	/* a missing reason is refused before anything */
	assert_int_equal(auth_user_enable(&f->svc, NULL, f->user_id, "", otp, &reset), AUTH_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enable_after_suspension_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_after_disable_keeps_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agency_admin_cannot_lift_a_suspension, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
