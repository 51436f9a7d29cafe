/*
 * Accounts follow the staff: a dated staff change survives a restart and is
 * applied by a new scheduler on the same store once its day comes; leave,
 * transfer and role at once; an agency admin cannot act on another agency's
 * account nor transfer; past dates refused; dormant accounts warned once and
 * then disabled, with an injected clock.
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
#include "auth/staff.h"
#include "core/clock.h"
#include "core/config.h"
#include "store/store.h"

#define T0 1790000000 /* 2026-09-21 */
#define DAY 86400

struct fixture {
	char dir[64];
	char path[128];
	struct config cfg;
	struct store *st;
	struct auth_service svc;
};

static void open_service(struct fixture *f)
{
	char why[256];
	assert_int_equal(store_open(f->path, STORE_OPEN_CREATE, &f->st, why, sizeof why), 0);
	assert_int_equal(auth_service_init(&f->svc, f->st, &f->cfg, NULL), 0);
	f->svc.data_dir = f->dir;
}

static void close_service(struct fixture *f)
{
	auth_service_free(&f->svc);
	store_close(f->st);
	f->st = NULL;
}

static void add_user(struct fixture *f, const char *name, const char *agency, const char *role, struct store_user *u)
{
	const char *field;
	char otp[AUTH_OTP_MAX];
	struct auth_new_user nu = {name, "Trần Thị Bình", agency, role};
	assert_int_equal(auth_user_create(&f->svc, NULL, &nu, u, otp, &field), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/canhgac-test-staff-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/canhgac.db", f->dir);
	config_defaults(&f->cfg);
	f->cfg.password.hash_memory_mib = 19;
	f->cfg.password.hash_passes = 2;
	clock_set_fake(T0);
	open_service(f);
	const char *field;
	assert_int_equal(auth_agency_create(&f->svc, NULL, "SO.A", "Sở A", 0, &field), 0);
	assert_int_equal(auth_agency_create(&f->svc, NULL, "SO.B", "Sở B", 0, &field), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	if (f->st)
		close_service(f);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	clock_set_fake(0);
	free(f);
	return 0;
}

static void test_dated_change_survives_restart(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	struct store_staff_change c;
	const char *field;
	add_user(f, "cb.a", "SO.A", "officer", &u);
	char tomorrow[16], yesterday[16];
	clock_format_local_date(T0 + DAY, tomorrow, sizeof tomorrow);
	clock_format_local_date(T0 - DAY, yesterday, sizeof yesterday);
	struct auth_staff_request past = {"cb.a", "leave", yesterday, NULL, NULL, "123/SNV-TCCB"};
	assert_int_equal(auth_staff_request(&f->svc, NULL, &past, &c, &field), AUTH_EINVAL);
	assert_string_equal(field, "effective");
	struct auth_staff_request noref = {"cb.a", "leave", tomorrow, NULL, NULL, ""};
	assert_int_equal(auth_staff_request(&f->svc, NULL, &noref, &c, &field), AUTH_EINVAL);
	assert_string_equal(field, "reference");
	struct auth_staff_request rq = {"cb.a", "leave", tomorrow, NULL, NULL, "123/SNV-TCCB"};
	assert_int_equal(auth_staff_request(&f->svc, NULL, &rq, &c, &field), AUTH_OK);
	assert_string_equal(c.status, "pending");
	assert_int_equal(auth_lifecycle_run(&f->svc, clock_now()), AUTH_OK); /* not due today */
	assert_int_equal(store_user_get_by_name(f->st, "cb.a", &u), 0);
	assert_string_equal(u.status, "active");

	close_service(f); /* the server stops ... */
	clock_set_fake(T0 + 2 * DAY);
	open_service(f); /* ... and starts two days later */
	struct auth_scheduler *s = NULL;
	assert_int_equal(auth_scheduler_start(&f->svc, &s), 0);
	auth_scheduler_stop(s); /* one run at start is guaranteed */
	assert_int_equal(store_user_get_by_name(f->st, "cb.a", &u), 0);
	assert_string_equal(u.status, "disabled");
	assert_non_null(strstr(u.status_reason, "123/SNV-TCCB"));
}

static void test_changes_at_once(void **state)
{
	struct fixture *f = *state;
	struct store_user u, v;
	struct store_staff_change c;
	const char *field;
	add_user(f, "cb.a", "SO.A", "officer", &u);
	add_user(f, "cb.b", "SO.A", "officer", &v);
	struct auth_staff_request tr = {"cb.a", "transfer", NULL, "SO.B", NULL, "45/QĐ-UBND"};
	assert_int_equal(auth_staff_request(&f->svc, NULL, &tr, &c, &field), AUTH_OK);
	assert_string_equal(c.status, "applied");
	assert_int_equal(store_user_get_by_name(f->st, "cb.a", &u), 0);
	assert_string_equal(u.agency, "SO.B");
	assert_string_equal(u.role, "officer");
	struct auth_staff_request ro = {"cb.b", "role", NULL, NULL, "agency_admin", "46/QĐ-UBND"};
	assert_int_equal(auth_staff_request(&f->svc, NULL, &ro, &c, &field), AUTH_OK);
	assert_int_equal(store_user_get_by_name(f->st, "cb.b", &v), 0);
	assert_string_equal(v.role, "agency_admin");
	struct auth_staff_request bad = {"cb.b", "role", NULL, NULL, "boss", "47"};
	assert_int_equal(auth_staff_request(&f->svc, NULL, &bad, &c, &field), AUTH_EINVAL);
	assert_string_equal(field, "to_role");
}

static void test_agency_admin_limits(void **state)
{
	struct fixture *f = *state;
	struct store_user qa, a1, b1;
	struct store_staff_change c;
	const char *field;
	add_user(f, "qt.a", "SO.A", "agency_admin", &qa);
	add_user(f, "cb.a", "SO.A", "officer", &a1);
	add_user(f, "cb.b", "SO.B", "officer", &b1);
	struct auth_caller actor = {.user = qa, .role = ROLE_AGENCY_ADMIN, .ip = "192.0.2.1"};
	struct auth_staff_request other = {"cb.b", "leave", NULL, NULL, NULL, "12/SA"};
	assert_int_equal(auth_staff_request(&f->svc, &actor, &other, &c, &field), AUTH_ENOTFOUND);
	struct auth_staff_request tr = {"cb.a", "transfer", NULL, "SO.B", NULL, "12/SA"};
	assert_int_equal(auth_staff_request(&f->svc, &actor, &tr, &c, &field), AUTH_EFORBIDDEN);
	struct auth_staff_request up = {"cb.a", "role", NULL, NULL, "admin", "12/SA"};
	assert_int_equal(auth_staff_request(&f->svc, &actor, &up, &c, &field), AUTH_EFORBIDDEN);
	struct auth_staff_request self = {"qt.a", "leave", NULL, NULL, NULL, "12/SA"};
	assert_int_equal(auth_staff_request(&f->svc, &actor, &self, &c, &field), AUTH_EFORBIDDEN);
	assert_int_equal(store_user_get_by_name(f->st, "cb.b", &b1), 0);
	assert_string_equal(b1.status, "active");
	struct auth_staff_request own = {"cb.a", "leave", NULL, NULL, NULL, "12/SA"};
	assert_int_equal(auth_staff_request(&f->svc, &actor, &own, &c, &field), AUTH_OK);
	assert_int_equal(store_user_get_by_name(f->st, "cb.a", &a1), 0);
	assert_string_equal(a1.status, "disabled");
	/* the other agency's officer never fell */
	assert_int_equal(store_user_get_by_name(f->st, "cb.b", &b1), 0);
	assert_string_equal(b1.status, "active");
}

static void test_dormant(void **state)
{
	struct fixture *f = *state;
	struct store_user u, w;
	int warned = 0, disabled = 0;
	add_user(f, "cb.a", "SO.A", "officer", &u);
	add_user(f, "cb.w", "SO.A", "officer", &w);
	clock_set_fake(T0 + 30 * DAY);
	w.last_login_at = clock_now(); /* signed in on day 30 */
	assert_int_equal(store_user_save(f->st, &w), 0);
	assert_int_equal(auth_dormant_run(&f->svc, T0 + 37 * DAY, &warned, &disabled), 0);
	assert_int_equal(warned, 0);
	assert_int_equal(auth_dormant_run(&f->svc, T0 + 38 * DAY, &warned, &disabled), 0);
	assert_int_equal(warned, 1); /* a week before day 45 */
	assert_int_equal(disabled, 0);
	assert_int_equal(auth_dormant_run(&f->svc, T0 + 39 * DAY, &warned, &disabled), 0);
	assert_int_equal(warned, 0); /* once */
	assert_int_equal(auth_dormant_run(&f->svc, T0 + 45 * DAY, &warned, &disabled), 0);
	assert_int_equal(disabled, 1);
	assert_int_equal(store_user_get_by_name(f->st, "cb.a", &u), 0);
	assert_string_equal(u.status, "disabled");
	assert_non_null(strstr(u.status_reason, "dormant"));
	assert_int_equal(store_user_get_by_name(f->st, "cb.w", &w), 0);
	assert_string_equal(w.status, "active");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dated_change_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agency_admin_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dormant, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
