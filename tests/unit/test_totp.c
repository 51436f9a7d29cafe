/*
 * The second factor: RFC 6238's SHA-1 test vectors, one step of tolerance either
 * way, base32 and the otpauth URI; then through the account service with a real
 * store and a fake clock: enrolment and confirmation, sign-in needing the code,
 * a replayed code refused, recovery codes single-use, an admin's reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "auth/totp.h"
#include "core/clock.h"
#include "core/config.h"
#include "store/store.h"

#define T0 1790000010 /* 2026-09-21, 10 s into a step */

static const unsigned char rfc_key[] = "12345678901234567890";

static void test_rfc6238_vectors(void **state)
{
	(void)state;
	static const struct { int64_t t; uint32_t code; } v[] = {
		{59, 94287082u},         {1111111109, 7081804u},  {1111111111, 14050471u},
		{1234567890, 89005924u}, {2000000000, 69279037u}, {20000000000LL, 65353130u},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint32_t c8 = 0, c6 = 0;
		assert_int_equal(totp_hotp(rfc_key, 20, (uint64_t)totp_step(v[i].t), 8, &c8), 0);
		assert_int_equal(c8, v[i].code);
		assert_int_equal(totp_hotp(rfc_key, 20, (uint64_t)totp_step(v[i].t), 6, &c6), 0);
		assert_int_equal(c6, v[i].code % 1000000u);
	}
}

static void code_at(const unsigned char *key, int64_t t, char out[7])
{
	uint32_t v = 0;
	assert_int_equal(totp_hotp(key, 20, (uint64_t)totp_step(t), 6, &v), 0);
	snprintf(out, 7, "%06u", (unsigned)v);
}

static void test_tolerance(void **state)
{
	(void)state;
	char code[7];
	int64_t step = 0;
	code_at(rfc_key, 1111111109, code);
	assert_int_equal(totp_verify(rfc_key, 20, code, 1111111109, &step), 0);
	assert_int_equal(step, totp_step(1111111109));
	assert_int_equal(totp_verify(rfc_key, 20, code, 1111111109 + 30, &step), 0); /* one step late */
	assert_int_equal(totp_verify(rfc_key, 20, code, 1111111109 - 30, &step), 0); /* one step early */
	assert_int_equal(totp_verify(rfc_key, 20, code, 1111111109 + 60, &step), -1);
	assert_int_equal(totp_verify(rfc_key, 20, code, 1111111109 - 60, &step), -1);
	assert_int_equal(totp_verify(rfc_key, 20, "12345", 1111111109, &step), -1);
	assert_int_equal(totp_verify(rfc_key, 20, "12a456", 1111111109, &step), -1);
}

static void test_base32_uri(void **state)
{
	(void)state;
	char b32[64], uri[TOTP_URI_MAX];
	assert_int_equal(totp_base32_encode((const unsigned char *)"foobar", 6, b32, sizeof b32), 0);
	assert_string_equal(b32, "MZXW6YTBOI"); /* RFC 4648 without padding */
	assert_int_equal(totp_base32_encode(rfc_key, 20, b32, sizeof b32), 0);
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_int_equal(totp_uri(b32, "cb.a", uri, sizeof uri), 0);
	assert_non_null(strstr(uri, "otpauth://totp/canhgac:cb.a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
	assert_non_null(strstr(uri, "issuer=canhgac"));
	char *svg = totp_qr_svg(uri);
	assert_non_null(svg);
	assert_non_null(strstr(svg, "<svg"));
	free(svg);
}

/* ---- through the service ---- */

struct fixture {
	char dir[64];
	struct config cfg;
	struct store *st;
	struct auth_service svc;
	char otp[AUTH_OTP_MAX];
	struct auth_caller caller;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char why[256], path[128];
	strcpy(f->dir, "/tmp/canhgac-test-totp-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof path, "%s/canhgac.db", f->dir);
	config_defaults(&f->cfg);
	f->cfg.password.hash_memory_mib = 19;
	f->cfg.password.hash_passes = 2;
	assert_int_equal(store_open(path, STORE_OPEN_CREATE, &f->st, why, sizeof why), 0);
	assert_int_equal(auth_service_init(&f->svc, f->st, &f->cfg, NULL), 0);
	f->svc.data_dir = f->dir;
	clock_set_fake(T0);
	const char *field;
	assert_int_equal(auth_agency_create(&f->svc, NULL, "SO.A", "Sở A", 0, &field), 0);
	struct auth_new_user nu = {"qt.a", "Nguyễn Văn An", "SO.A", "agency_admin"};
	assert_int_equal(auth_user_create(&f->svc, NULL, &nu, &f->caller.user, f->otp, &field), 0);
	f->caller.role = ROLE_AGENCY_ADMIN;
	strcpy(f->caller.ip, "192.0.2.1");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	auth_service_free(&f->svc);
	store_close(f->st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	clock_set_fake(0);
	free(f);
	return 0;
}

static void base32_decode(const char *in, unsigned char out[20])
{
	unsigned buf = 0, bits = 0;
	size_t o = 0;
	for (; *in; in++) {
		unsigned v = *in >= 'A' && *in <= 'Z' ? (unsigned)(*in - 'A') : (unsigned)(*in - '2' + 26);
		buf = (buf << 5) | v;
		bits += 5;
		if (bits >= 8) {
			out[o++] = (unsigned char)(buf >> (bits - 8));
			bits -= 8;
		}
	}
	assert_int_equal(o, 20);
}

static int signin(struct fixture *f, const char *otp)
{
	struct auth_signin_result r;
	int rc = auth_signin_otp(&f->svc, "qt.a", f->otp, otp, "192.0.2.1", &r);
	return rc;
}

/* Enrols and confirms; leaves the secret in key and the codes in codes. */
static void enrol(struct fixture *f, unsigned char key[20], char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_LEN])
{
	struct auth_totp_enrolment e;
	char code[7];
	assert_true(auth_totp_enrolment_required(&f->svc, &f->caller.user));
	assert_int_equal(auth_totp_enrol(&f->svc, &f->caller, &e), 0);
	assert_non_null(strstr(e.uri, e.secret));
	assert_non_null(strstr(e.qr_svg, "<svg"));
	base32_decode(e.secret, key);
	auth_totp_enrolment_wipe(&e);
	/* pending: sign-in still works without a code */
	assert_int_equal(signin(f, NULL), AUTH_OK);
	code_at(key, clock_now(), code);
	code[5] = code[5] == '9' ? '0' : (char)(code[5] + 1); /* a wrong code */
	assert_int_equal(auth_totp_confirm(&f->svc, &f->caller, code, codes), AUTH_ECREDENTIALS);
	code_at(key, clock_now(), code);
	assert_int_equal(auth_totp_confirm(&f->svc, &f->caller, code, codes), 0);
	assert_false(auth_totp_enrolment_required(&f->svc, &f->caller.user));
	struct auth_totp_enrolment again;
	assert_int_equal(auth_totp_enrol(&f->svc, &f->caller, &again), AUTH_ECONFLICT);
	auth_totp_enrolment_wipe(&again);
}

static void test_signin_needs_fresh_code(void **state)
{
	struct fixture *f = *state;
	unsigned char key[20];
	char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_LEN], code[7];
	enrol(f, key, codes);
	/* the confirmation code's step is used: the same code cannot sign in */
	code_at(key, clock_now(), code);
	assert_int_equal(signin(f, code), AUTH_ECREDENTIALS);
	assert_int_equal(signin(f, NULL), AUTH_ECREDENTIALS);
	clock_set_fake(T0 + 30);
	code_at(key, clock_now(), code);
	assert_int_equal(signin(f, "123"), AUTH_ECREDENTIALS);
	assert_int_equal(signin(f, code), AUTH_OK);
	assert_int_equal(signin(f, code), AUTH_ECREDENTIALS); /* replay */
	/* one step of drift is accepted, once */
	clock_set_fake(T0 + 60);
	code_at(key, T0 + 90, code);
	assert_int_equal(signin(f, code), AUTH_OK);
	assert_int_equal(signin(f, code), AUTH_ECREDENTIALS);
}

/* The key file is made 0600, and a too-open or linked one is refused. */
static void test_key_file_private(void **state)
{
	struct fixture *f = *state;
	struct auth_totp_enrolment e;
	char path[160], other[160];
	struct stat sb;
	assert_int_equal(auth_totp_enrol(&f->svc, &f->caller, &e), 0);
	auth_totp_enrolment_wipe(&e);
	snprintf(path, sizeof path, "%s/keys/totp.key", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_not_equal(auth_totp_enrol(&f->svc, &f->caller, &e), 0);
	auth_totp_enrolment_wipe(&e);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(auth_totp_enrol(&f->svc, &f->caller, &e), 0);
	auth_totp_enrolment_wipe(&e);
	/* a symbolic link in its place is not followed */
	snprintf(other, sizeof other, "%s/keys/elsewhere.key", f->dir);
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
	assert_int_not_equal(auth_totp_enrol(&f->svc, &f->caller, &e), 0);
	auth_totp_enrolment_wipe(&e);
}

static void test_recovery_codes_single_use(void **state)
{
	struct fixture *f = *state;
	unsigned char key[20];
	char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_LEN];
	enrol(f, key, codes);
	int left = 0;
	assert_string_equal(auth_totp_state(&f->svc, f->caller.user.id, &left), "enabled");
	assert_int_equal(left, 10);
	assert_int_equal(strlen(codes[0]), 11);
	assert_int_equal(signin(f, codes[0]), AUTH_OK);
	assert_int_equal(signin(f, codes[0]), AUTH_ECREDENTIALS);
	char upper[16];
	snprintf(upper, sizeof upper, "%s", codes[1]);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(signin(f, upper), AUTH_OK); /* case and '-' do not matter */
	assert_int_equal(signin(f, "aaaaa-aaaaa"), AUTH_ECREDENTIALS);
	auth_totp_state(&f->svc, f->caller.user.id, &left);
	assert_int_equal(left, 8);
}

static void test_admin_reset(void **state)
{
	struct fixture *f = *state;
	unsigned char key[20];
	char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_LEN];
	enrol(f, key, codes);
	assert_int_equal(signin(f, NULL), AUTH_ECREDENTIALS);
	/* the agency admin cannot reset themselves */
	assert_int_equal(auth_totp_reset(&f->svc, &f->caller, f->caller.user.id), AUTH_EFORBIDDEN);
	assert_int_equal(auth_totp_reset(&f->svc, NULL, f->caller.user.id), AUTH_OK);
	assert_int_equal(signin(f, NULL), AUTH_OK);
	int left = 0;
	assert_string_equal(auth_totp_state(&f->svc, f->caller.user.id, &left), "none");
	assert_true(auth_totp_enrolment_required(&f->svc, &f->caller.user));
	assert_int_equal(access(f->dir, F_OK), 0);
}

/* A second POST /me/totp between the check of a code and the store's confirm:
 * the confirm is bound to the sealed secret it checked, so it confirms nothing
 * and the newer secret stays pending (its own code still confirms it). */
static void test_confirm_bound_to_the_checked_secret(void **state)
{
	struct fixture *f = *state;
	struct auth_totp_enrolment e;
	struct store_totp first, second;
	unsigned char hashes[AUTH_RECOVERY_CODES][STORE_RECOVERY_HASH_BYTES] = {{0}};
	int64_t uid = f->caller.user.id;
	assert_int_equal(auth_totp_enrol(&f->svc, &f->caller, &e), 0);
	auth_totp_enrolment_wipe(&e);
	assert_int_equal(store_totp_get(f->st, uid, &first), 0);
	assert_int_equal(auth_totp_enrol(&f->svc, &f->caller, &e), 0); /* the racing second enrolment */
	auth_totp_enrolment_wipe(&e);
	assert_int_equal(store_totp_get(f->st, uid, &second), 0);
	assert_memory_not_equal(first.box, second.box, first.box_len);
	assert_int_equal(store_totp_confirm(f->st, uid, first.box, first.box_len, 5, T0,
					    (const unsigned char (*)[32])hashes, AUTH_RECOVERY_CODES),
			 STORE_ECONFLICT);
	int left = 0;
	assert_string_equal(auth_totp_state(&f->svc, uid, &left), "pending");
	assert_int_equal(store_totp_confirm(f->st, uid, second.box, second.box_len, 5, T0,
					    (const unsigned char (*)[32])hashes, 1),
			 STORE_OK);
	assert_string_equal(auth_totp_state(&f->svc, uid, &left), "enabled");
	assert_int_equal(left, 1);
	/* confirmed: nothing is pending any more, whichever secret is named */
	assert_int_equal(store_totp_confirm(f->st, uid, second.box, second.box_len, 6, T0,
					    (const unsigned char (*)[32])hashes, 1),
			 STORE_ENOTFOUND);
}

/* Through the service, in sequence: the code of a replaced secret is wrong for
 * the pending one. */
static void test_confirm_after_a_second_enrolment(void **state)
{
	struct fixture *f = *state;
	struct auth_totp_enrolment e;
	unsigned char k1[20], k2[20];
	char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_LEN], c1[7], c2[7];
	assert_int_equal(auth_totp_enrol(&f->svc, &f->caller, &e), 0);
	base32_decode(e.secret, k1);
	auth_totp_enrolment_wipe(&e);
	assert_int_equal(auth_totp_enrol(&f->svc, &f->caller, &e), 0);
	base32_decode(e.secret, k2);
	auth_totp_enrolment_wipe(&e);
	code_at(k1, clock_now(), c1);
	code_at(k2, clock_now(), c2);
	if (strcmp(c1, c2) != 0)
		assert_int_equal(auth_totp_confirm(&f->svc, &f->caller, c1, codes), AUTH_ECREDENTIALS);
	assert_int_equal(auth_totp_confirm(&f->svc, &f->caller, c2, codes), AUTH_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_tolerance),
		cmocka_unit_test(test_base32_uri),
		cmocka_unit_test_setup_teardown(test_signin_needs_fresh_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery_codes_single_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confirm_bound_to_the_checked_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confirm_after_a_second_enrolment, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
