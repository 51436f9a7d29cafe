/*
 * The chain and its verification: a clean log verifies; each kind of tampering
 * (edit, edit with a recomputed hash, delete, reorder, insert, truncation back to
 * an earlier checkpoint, a removed head, a bad signature, another key) is found
 * at the right seq; rotation by local day and by size keeps one chain; retention
 * moves old segments to archive/ and verify still reads them; bad events are
 * refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_audit_util.h"

static int setup(void **state)
{
	static struct inst t;
	log_setup(LOG_ERROR, NULL);
	if (inst_make(&t))
		return -1;
	*state = &t;
	return 0;
}

static int teardown(void **state)
{
	inst_free(*state);
	clock_set_fake(0);
	return 0;
}

/* A closed log of n records; checkpoint every `every` records. */
static void make_log(struct inst *t, int n, int every)
{
	struct audit *a = NULL;
	t->cfg.audit.checkpoint_records = every;
	assert_int_equal(inst_open(t, &a), 0);
	uint64_t before = audit_last_seq(a);
	int rc = append_n(a, n);
	uint64_t after = audit_last_seq(a);
	audit_close(a);
	assert_int_equal(rc, 0);
	assert_int_equal(after, before + (uint64_t)n);
}

static void expect_bad(struct inst *t, uint64_t first_bad, const char *needle)
{
	struct audit_verify_result r;
	assert_int_equal(audit_verify(t->dir, NULL, &r), AUDIT_ETAMPERED);
	assert_false(r.ok);
	if (first_bad != r.first_bad_seq || (needle && !strstr(r.reason, needle)))
		fprintf(stderr, "first_bad_seq %llu, reason: %s\n", (unsigned long long)r.first_bad_seq, r.reason);
	assert_int_equal(r.first_bad_seq, first_bad);
	if (needle)
		assert_non_null(strstr(r.reason, needle));
}

static void test_clean_log_verifies(void **state)
{
	struct inst *t = *state;
	struct audit_verify_result r;
	char path[512];
	struct lines l;
	make_log(t, 10, 1000);
	assert_int_equal(audit_verify(t->dir, NULL, &r), 0);
	assert_true(r.ok);
	assert_int_equal(r.records, 10);
	assert_int_equal(r.checkpoint_seq, 10); /* the final checkpoint of audit_close */
	assert_int_equal(segment_path(t, 0, path, sizeof path), 0);
	assert_int_equal(lines_read(path, &l), 0);
	assert_int_equal(l.n, 11);
	/* Seq 1 follows 32 zero bytes; the hash is the last member. */
	assert_non_null(strstr(l.v[0], "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\""));
	assert_non_null(strstr(l.v[0], "{\"actor\":\"officer1\",\"agency\":\"SOYTE\",\"ip\":\"10.0.0.1\",\"payload\":"));
	assert_non_null(strstr(l.v[0], "\"seq\":1,\"time\":\""));
	assert_non_null(strstr(l.v[10], "{\"checkpoint\":{\"hash\":\""));
	lines_free(&l);
	/* Reopening continues the chain. */
	make_log(t, 3, 1000);
	assert_int_equal(audit_verify(t->dir, NULL, &r), 0);
	assert_int_equal(r.records, 13);
}

static void tamper(struct inst *t, void (*fn)(struct lines *l))
{
	char path[512];
	struct lines l;
	assert_int_equal(segment_path(t, 0, path, sizeof path), 0);
	assert_int_equal(lines_read(path, &l), 0);
	fn(&l);
	assert_int_equal(lines_write(path, &l), 0);
	lines_free(&l);
}

static void edit_actor(struct lines *l)
{
	int i = lines_find_seq(l, 5);
	char *p = strstr(l->v[i], "officer1");
	assert_non_null(p);
	memcpy(p, "officer2", 8);
}

static void test_edit_detected(void **state)
{
	make_log(*state, 10, 1000);
	tamper(*state, edit_actor);
	expect_bad(*state, 5, "hash does not match");
}

/* An editor who knows the format recomputes the edited record's hash. */
static void edit_rehash(struct lines *l)
{
	int i = lines_find_seq(l, 5);
	json_t *j = json_loads(l->v[i], 0, NULL);
	unsigned char prev[AUDIT_HASH_BYTES], h[AUDIT_HASH_BYTES];
	size_t len;
	assert_int_equal(audit_hex_decode(json_string_value(json_object_get(j, "prev")), prev, sizeof prev), 0);
	json_object_set_new(j, "actor", json_string("someone_else"));
	json_object_del(j, "hash");
	char *line = audit_record_line(j, prev, h, &len);
	assert_non_null(line);
	free(l->v[i]);
	l->v[i] = line;
	json_decref(j);
}

static void test_edit_with_rehash_detected(void **state)
{
	make_log(*state, 10, 1000);
	tamper(*state, edit_rehash);
	expect_bad(*state, 6, "prev is not the hash of seq 5");
}

static void delete_5(struct lines *l)
{
	int i = lines_find_seq(l, 5);
	free(l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (size_t)(l->n - i - 1) * sizeof l->v[0]);
	l->n--;
}

static void test_delete_detected(void **state)
{
	make_log(*state, 10, 1000);
	tamper(*state, delete_5);
	expect_bad(*state, 5, "missing");
}

static void swap_4_5(struct lines *l)
{
	int i = lines_find_seq(l, 4), k = lines_find_seq(l, 5);
	char *tmp = l->v[i];
	l->v[i] = l->v[k];
	l->v[k] = tmp;
}

static void test_reorder_detected(void **state)
{
	make_log(*state, 10, 1000);
	tamper(*state, swap_4_5);
	expect_bad(*state, 4, "missing");
}

static void insert_copy_of_3(struct lines *l)
{
	int i = lines_find_seq(l, 3);
	memmove(&l->v[i + 2], &l->v[i + 1], (size_t)(l->n - i - 1) * sizeof l->v[0]);
	l->v[i + 1] = strdup(l->v[i]);
	l->n++;
}

static void test_insert_detected(void **state)
{
	make_log(*state, 10, 1000);
	tamper(*state, insert_copy_of_3);
	expect_bad(*state, 3, "appears again");
}

/* Keep everything up to and including the checkpoint line for seq 5. */
static void cut_after_checkpoint_5(struct lines *l)
{
	int i = lines_find_seq(l, 5);
	assert_non_null(strstr(l->v[i + 1], "\"checkpoint\""));
	for (int k = i + 2; k < l->n; k++)
		free(l->v[k]);
	l->n = i + 2;
}

static void test_truncation_to_checkpoint_detected(void **state)
{
	struct inst *t = *state;
	char head[512];
	make_log(t, 12, 5); /* checkpoints at 5, 10 and 12 */
	tamper(t, cut_after_checkpoint_5);
	expect_bad(t, 6, "truncation");
	/* Removing the head as well does not hide it. */
	snprintf(head, sizeof head, "%s/audit/head", t->dir);
	assert_int_equal(unlink(head), 0);
	expect_bad(t, 5, "audit/head is missing");
}

static void flip_signature(struct lines *l)
{
	int i = lines_find_seq(l, 5);
	char *sig = strstr(l->v[i + 1], "\"sig\":\"");
	assert_non_null(sig);
	sig += 7;
	*sig = *sig == 'a' ? 'b' : 'a';
}

static void test_bad_signature_detected(void **state)
{
	struct inst *t = *state;
	make_log(t, 12, 5);
	tamper(t, flip_signature);
	expect_bad(t, 5, "bad signature");
}

static void test_other_key_rejected(void **state)
{
	struct inst *t = *state;
	unsigned char pk[AUDIT_SIGN_PK_BYTES], sk[AUDIT_SIGN_SK_BYTES];
	struct audit_verify_result r;
	make_log(t, 3, 1000);
	crypto_sign_keypair(pk, sk);
	assert_int_equal(audit_verify(t->dir, pk, &r), AUDIT_ETAMPERED);
	assert_non_null(strstr(r.reason, "bad signature"));
	/* The instance's own key, passed explicitly, verifies. */
	char path[512], why[256];
	snprintf(path, sizeof path, "%s/keys/audit.pub", t->dir);
	assert_int_equal(audit_sign_load_public(path, pk, why, sizeof why), 0);
	assert_int_equal(audit_verify(t->dir, pk, &r), 0);
	sodium_memzero(sk, sizeof sk);
}

static void test_rotation_by_day_and_size(void **state)
{
	struct inst *t = *state;
	struct audit *a = NULL;
	struct audit_verify_result r;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/audit", t->dir);
	clock_set_fake(1790000000); /* 2026-09-21T14:13:20Z */
	t->cfg.audit.segment_max_mb = 1;
	assert_int_equal(inst_open(t, &a), 0);
	assert_int_equal(append_n(a, 3), 0);
	clock_set_fake(1790000000 + 86400);
	assert_int_equal(append_n(a, 2), 0);
	assert_int_equal(count_files(dir, "seg-"), 2);
	/* Size: about 1.2 MiB of 20 KiB records goes past the 1 MiB bound once. */
	char *big = malloc(20001);
	memset(big, 'x', 20000);
	big[20000] = '\0';
	json_t *p = json_pack("{s:s}", "blob", big);
	for (int i = 0; i < 60; i++)
		assert_int_equal(append_event(a, "bulk", "system", NULL, p, NULL), 0);
	json_decref(p);
	free(big);
	audit_close(a);
	assert_int_equal(count_files(dir, "seg-"), 3);
	assert_int_equal(audit_verify(t->dir, NULL, &r), 0);
	assert_int_equal(r.records, 65);
	assert_int_equal(r.checkpoint_seq, 65);
}

static void test_retention_archives(void **state)
{
	struct inst *t = *state;
	struct audit *a = NULL;
	struct audit_verify_result r;
	char dir[256], arch[300];
	snprintf(dir, sizeof dir, "%s/audit", t->dir);
	snprintf(arch, sizeof arch, "%s/archive", dir);
	t->cfg.audit.retention_months = 3;
	clock_set_fake(1577836800); /* 2020-01-01 */
	make_log(t, 4, 1000);
	clock_set_fake(1577836800 + 60 * 86400); /* two months later: kept */
	make_log(t, 2, 1000);
	assert_int_equal(count_files(arch, "seg-"), 0);
	clock_set_fake(1577836800 + 200 * 86400);
	assert_int_equal(inst_open(t, &a), 0);
	assert_int_equal(count_files(arch, "seg-"), 1); /* the first; the newest stays live until rotation */
	assert_int_equal(append_n(a, 1), 0);
	audit_close(a);
	assert_int_equal(count_files(arch, "seg-"), 2);
	assert_int_equal(count_files(dir, "seg-"), 1);
	assert_int_equal(audit_verify(t->dir, NULL, &r), 0);
	assert_int_equal(r.records, 7);
}

static void test_bad_events_refused(void **state)
{
	struct inst *t = *state;
	struct audit *a = NULL;
	char long_actor[AUDIT_ACTOR_MAX + 2];
	memset(long_actor, 'a', sizeof long_actor - 1);
	long_actor[sizeof long_actor - 1] = '\0';
	assert_int_equal(inst_open(t, &a), 0);
	json_t *arr = json_array();
	assert_int_equal(append_event(a, "Bad Type", "x", NULL, NULL, NULL), AUDIT_EINVAL);
	assert_int_equal(append_event(a, "", "x", NULL, NULL, NULL), AUDIT_EINVAL);
	assert_int_equal(append_event(a, "ok", "x", NULL, arr, NULL), AUDIT_EINVAL);
	assert_int_equal(append_event(a, "ok", long_actor, NULL, NULL, NULL), AUDIT_EINVAL);
	assert_int_equal(append_event(a, "ok", "x\xff", NULL, NULL, NULL), AUDIT_EINVAL);
	uint64_t seq = 0;
	assert_int_equal(append_event(a, "ok", NULL, NULL, NULL, &seq), AUDIT_OK);
	assert_int_equal(seq, 1); /* refused events spent no seq */
	json_decref(arr);
	audit_close(a);
	/* A second writer on the same chain is refused while one holds it. */
	struct audit *b = NULL, *c = NULL;
	char why[512];
	assert_int_equal(inst_open(t, &b), 0);
	assert_int_equal(audit_open(t->dir, &t->cfg, NULL, &c, why, sizeof why), AUDIT_EUNAVAILABLE);
	assert_non_null(strstr(why, "in use"));
	audit_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean_log_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_with_rehash_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reorder_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation_to_checkpoint_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_signature_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_key_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_by_day_and_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_archives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_events_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
