/*
 * The session cache (src/auth/session_cache.c) and the store's accounts
 * generation behind it: a cached session stops working the moment its account is
 * suspended, disabled, signed out or its password changed (other sessions
 * revoked); a change of quota reaches the next request; a last-seen touch does not
 * invalidate; and the cache itself never answers for another generation or
 * another token.
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
#include "auth/session_cache.h"
#include "core/clock.h"
#include "core/config.h"
#include "store/store.h"

#define T0 1790000000 /* 2026-09-21 */
#define PW "Tq7#vLm9xR2!"
#define IP "192.0.2.1"

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
	strcpy(f->dir, "/tmp/canhgac-test-scache-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof path, "%s/canhgac.db", f->dir);
	config_defaults(&f->cfg);
	f->cfg.password.min_age_days = 0; /* a test changes its password again at once */
	assert_int_equal(store_open(path, STORE_OPEN_CREATE, &f->st, why, sizeof why), 0);
	f->cfg.password.hash_memory_mib = 19;
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

/* Signs in, changes the one-time password to PW; r is the session. */
static void sign_in_changed(struct fixture *f, struct auth_signin_result *r)
{
	assert_int_equal(auth_signin(&f->svc, "cb.a", f->otp, IP, r), AUTH_OK);
	unsigned v = 0;
	assert_int_equal(auth_password_change(&f->svc, &r->caller, f->otp, PW, &v), AUTH_OK);
}

/* Resolves twice: the second answer comes from the cache (the generation did not move). */
static void resolve_cached(struct fixture *f, const char *token, struct auth_caller *c)
{
	assert_int_equal(auth_session_resolve(&f->svc, token, IP, c), AUTH_OK);
	uint64_t g = store_accounts_generation(f->st);
	assert_int_equal(auth_session_resolve(&f->svc, token, IP, c), AUTH_OK);
	assert_int_equal(store_accounts_generation(f->st), g);
}

static void test_suspension_stops_the_next_request(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r;
	struct auth_caller c;
	sign_in_changed(f, &r);
	resolve_cached(f, r.token, &c);
	uint64_t g = store_accounts_generation(f->st);
	assert_int_equal(auth_user_suspend(&f->svc, f->user_id, "enumeration"), AUTH_OK);
	assert_true(store_accounts_generation(f->st) > g);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, IP, &c), AUTH_ESUSPENDED);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, IP, &c), AUTH_ESUSPENDED);
}

static void test_disable_and_signout_cut_cached_sessions(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r, r2;
	struct auth_caller c;
	sign_in_changed(f, &r);
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, IP, &r2), AUTH_OK);
	resolve_cached(f, r.token, &c);
	assert_int_equal(auth_signout(&f->svc, &c), AUTH_OK);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, IP, &c), AUTH_ESESSION);
	resolve_cached(f, r2.token, &c);
	assert_int_equal(auth_user_disable(&f->svc, NULL, f->user_id, "nghỉ việc"), AUTH_OK);
	assert_int_equal(auth_session_resolve(&f->svc, r2.token, IP, &c), AUTH_ESESSION);
}

static void test_password_change_revokes_other_cached_sessions(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r, other;
	struct auth_caller c, mine;
	sign_in_changed(f, &r);
	assert_int_equal(auth_signin(&f->svc, "cb.a", PW, IP, &other), AUTH_OK);
	resolve_cached(f, other.token, &c);
	resolve_cached(f, r.token, &mine);
	unsigned v = 0;
	assert_int_equal(auth_password_change(&f->svc, &mine, PW, "Zx9!kPq4wLm7", &v), AUTH_OK);
	assert_int_equal(auth_session_resolve(&f->svc, other.token, IP, &c), AUTH_ESESSION);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, IP, &c), AUTH_OK);
}

static void test_quota_change_and_touch(void **state)
{
	struct fixture *f = *state;
	struct auth_signin_result r;
	struct auth_caller c;
	const char *field = NULL;
	sign_in_changed(f, &r);
	resolve_cached(f, r.token, &c);
	assert_int_equal(c.user.quota_per_day, 0);
	assert_int_equal(c.agency_quota_per_day, 0);
	assert_int_equal(c.user.password_hash[0], '\0'); /* the cache keeps no password hash */
	assert_int_equal(auth_user_update(&f->svc, NULL, f->user_id, NULL, -1, 7, &field), AUTH_OK);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, IP, &c), AUTH_OK);
	assert_int_equal(c.user.quota_per_day, 7);
	/* a touch (every 10 s of use) moves last_seen but not the generation */
	uint64_t g = store_accounts_generation(f->st);
	clock_set_fake(T0 + 11);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, IP, &c), AUTH_OK);
	assert_int_equal(store_accounts_generation(f->st), g);
	struct store_session s;
	assert_int_equal(store_session_get(f->st, c.token_hash, &s), 0);
	assert_int_equal(s.last_seen_at, T0 + 11);
	/* and the cached copy saw the touch: idle counts from it */
	clock_set_fake(T0 + 11 + f->cfg.session.idle_seconds - 1);
	assert_int_equal(auth_session_resolve(&f->svc, r.token, IP, &c), AUTH_OK);
}

static void test_cache_entries(void **state)
{
	(void)state;
	struct auth_session_cache *c = auth_session_cache_new(100);
	assert_non_null(c);
	struct auth_cached_session e = {0}, out;
	memset(e.session.token_hash, 0x11, sizeof e.session.token_hash);
	strcpy(e.user.username, "cb.a");
	strcpy(e.user.password_hash, "$argon2id$secret");
	auth_session_cache_put(c, 5, &e);
	assert_false(auth_session_cache_get(c, e.session.token_hash, 6, &out)); /* another generation */
	assert_true(auth_session_cache_get(c, e.session.token_hash, 5, &out));
	assert_string_equal(out.user.username, "cb.a");
	assert_int_equal(out.user.password_hash[0], '\0');
	/* an older reading does not replace a newer one */
	strcpy(e.user.username, "old");
	auth_session_cache_put(c, 4, &e);
	assert_true(auth_session_cache_get(c, e.session.token_hash, 5, &out));
	assert_string_equal(out.user.username, "cb.a");
	/* another token in the same slot is not answered for */
	unsigned char other[STORE_TOKEN_HASH_BYTES];
	memset(other, 0x11, 4);
	memset(other + 4, 0x22, sizeof other - 4);
	assert_false(auth_session_cache_get(c, other, 5, &out));
	auth_session_cache_touch(c, e.session.token_hash, 99);
	assert_true(auth_session_cache_get(c, e.session.token_hash, 5, &out));
	assert_int_equal(out.session.last_seen_at, 99);
	auth_session_cache_drop(c, e.session.token_hash);
	assert_false(auth_session_cache_get(c, e.session.token_hash, 5, &out));
	auth_session_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_suspension_stops_the_next_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_and_signout_cut_cached_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_change_revokes_other_cached_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota_change_and_touch, setup, teardown),
		cmocka_unit_test(test_cache_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
