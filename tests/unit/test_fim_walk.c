/*
 * The walk of a web root against hostile trees: a 10,000-deep directory chain
 * (walked without recursion; what lies beyond the kernel's path limit is
 * reported, not fatal), a file truncated while it is read (reported as
 * unstable, through the read hook), symlinks recorded by their target and
 * judged inside or outside the root, and file names as text (non-UTF-8 bytes,
 * control characters and '%' escaped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fim/walk.h"

#define DEEP 10000

struct notes {
	int n, too_long, truncated;
};

static void count_note(const char *path, int err, const char *why, void *arg)
{
	(void)path;
	(void)err;
	struct notes *n = arg;
	n->n++;
	if (strstr(why, "longer than the system allows"))
		n->too_long++;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Builds the chain bottom-up with short paths only: mkdir t{i}, rename t{i-1}
 * into it as d. Returns the name of the top. */
static void deep_build(const char *tmp, char *top, size_t size)
{
	char a[256], b[256];
	snprintf(a, sizeof a, "%s/t0", tmp);
	assert_int_equal(mkdir(a, 0700), 0);
	snprintf(b, sizeof b, "%s/t0/bottom.php", tmp);
	write_file(b, "<?php echo 1;\n", 14);
	for (int i = 1; i <= DEEP; i++) {
		snprintf(b, sizeof b, "%s/t%d", tmp, i);
		assert_int_equal(mkdir(b, 0700), 0);
		char into[300];
		snprintf(into, sizeof into, "%s/d", b);
		snprintf(a, sizeof a, "%s/t%d", tmp, i - 1);
		assert_int_equal(rename(a, into), 0);
	}
	snprintf(top, size, "%s/t%d", tmp, DEEP);
}

static void deep_remove(const char *tmp, const char *top)
{
	char cur[256], next[256], d[300];
	snprintf(cur, sizeof cur, "%s", top);
	for (int i = 0;; i++) {
		snprintf(d, sizeof d, "%s/d", cur);
		snprintf(next, sizeof next, "%s/n%d", tmp, i);
		if (rename(d, next) != 0)
			break;
		assert_int_equal(rmdir(cur), 0);
		snprintf(cur, sizeof cur, "%s", next);
	}
	snprintf(d, sizeof d, "%s/bottom.php", cur);
	unlink(d);
	assert_int_equal(rmdir(cur), 0);
}

static void test_deep_tree_never_crashes(void **state)
{
	(void)state;
	char tmp[] = "/tmp/canhgac-walk-XXXXXX", top[256], shallow[512], why[512];
	assert_non_null(mkdtemp(tmp));
	deep_build(tmp, top, sizeof top);
	snprintf(shallow, sizeof shallow, "%s/d/d/shallow.php", top);
	write_file(shallow, "<?php echo 2;\n", 14);
	struct fim_list l = {0};
	struct notes n = {0};
	assert_int_equal(fim_walk_root(top, top, "", &l, count_note, &n, why, sizeof why), FIM_OK);
	assert_int_equal(l.n, 1); /* the bottom file lies beyond PATH_MAX */
	assert_string_equal(l.v[0].path, shallow);
	assert_true(n.too_long >= 1);
	fim_list_free(&l);
	unlink(shallow);
	deep_remove(tmp, top);
	assert_int_equal(rmdir(tmp), 0);
}

static const char *trunc_path;

static void truncate_hook(int fd, size_t have)
{
	(void)fd;
	if (have > 0)
		assert_int_equal(truncate(trunc_path, 10), 0);
}

static void test_truncated_while_read(void **state)
{
	(void)state;
	char tmp[] = "/tmp/canhgac-walk-XXXXXX", big[128], small[128], why[256];
	assert_non_null(mkdtemp(tmp));
	snprintf(big, sizeof big, "%s/big.bin", tmp);
	snprintf(small, sizeof small, "%s/small.php", tmp);
	char *buf = calloc(1, 300 * 1024);
	assert_non_null(buf);
	write_file(big, buf, 300 * 1024);
	write_file(small, buf, 1000);
	free(buf);
	const char *files[] = {big, small};
	for (int i = 0; i < 2; i++) {
		struct store_fim_file f = {.path = files[i]};
		unsigned char *keep = NULL;
		size_t keep_len = 0;
		trunc_path = files[i];
		fim_walk_read_hook = truncate_hook;
		int rc = fim_walk_hash_file(files[i], &f, &keep, &keep_len, why, sizeof why);
		fim_walk_read_hook = NULL;
		assert_int_equal(rc, FIM_EUNSTABLE);
		assert_null(keep);
		assert_non_null(strstr(why, "check again"));
	}
	/* the walk reports it and goes on */
	struct fim_list l = {0};
	struct notes n = {0};
	trunc_path = big;
	write_file(big, "0123456789abcdef", 16);
	fim_walk_read_hook = truncate_hook;
	assert_int_equal(fim_walk_root(tmp, tmp, "", &l, count_note, &n, why, sizeof why), FIM_OK);
	fim_walk_read_hook = NULL;
	assert_true(n.n >= 1);
	fim_list_free(&l);
	unlink(big);
	unlink(small);
	rmdir(tmp);
}

static void test_symlinks(void **state)
{
	(void)state;
	char tmp[] = "/tmp/canhgac-walk-XXXXXX", p[256], q[256], why[256], target[256];
	assert_non_null(mkdtemp(tmp));
	snprintf(p, sizeof p, "%s/a", tmp);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/a/out", tmp);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	snprintf(q, sizeof q, "%s/a/in", tmp);
	assert_int_equal(symlink("../a/out", q), 0);
	struct store_fim_file f = {.path = p};
	assert_int_equal(fim_walk_hash_link(p, &f, target, sizeof target, why, sizeof why), FIM_OK);
	assert_string_equal(target, "/etc/passwd");
	assert_true(S_ISLNK(f.mode));
	assert_int_equal(f.size, 11);
	assert_true(fim_walk_link_outside(tmp, p, "/etc/passwd"));
	/* lexically inside, but it resolves to /etc/passwd through the other link */
	assert_true(fim_walk_link_outside(tmp, q, "../a/out"));
	assert_true(fim_walk_link_outside(tmp, q, "../../x"));
	snprintf(target, sizeof target, "%s/a/not_a_link_yet", tmp);
	assert_false(fim_walk_link_outside(tmp, target, "./missing/../still_inside"));
	struct fim_list l = {0};
	assert_int_equal(fim_walk_root(tmp, tmp, "", &l, NULL, NULL, why, sizeof why), FIM_OK);
	assert_int_equal(l.n, 2);
	fim_list_free(&l);
	unlink(p);
	unlink(q);
	snprintf(p, sizeof p, "%s/a", tmp);
	rmdir(p);
	rmdir(tmp);
}

static void test_path_text(void **state)
{
	(void)state;
	char out[64];
	assert_string_equal(fim_path_text("/var/www/Tiếng Việt.php", out, sizeof out), "/var/www/Tiếng Việt.php");
	assert_string_equal(fim_path_text("/a/\xff\xfe.php", out, sizeof out), "/a/%FF%FE.php");
	assert_string_equal(fim_path_text("/a/x\nremoved /b", out, sizeof out), "/a/x%0Aremoved /b");
	assert_string_equal(fim_path_text("/a/100%.php", out, sizeof out), "/a/100%25.php");
	assert_string_equal(fim_path_text("/a/\xc0\xaf", out, sizeof out), "/a/%C0%AF");     /* overlong */
	assert_string_equal(fim_path_text("/a/\xed\xa0\x80", out, sizeof out), "/a/%ED%A0%80"); /* surrogate */
	char small[12];
	assert_string_equal(fim_path_text("/aaaaaaaaaaaaaaaaaaaa", small, sizeof small), "/aaaaaa...");
	assert_string_equal(fim_path_text("/ệệệệ", small, sizeof small), "/ệệ...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deep_tree_never_crashes),
		cmocka_unit_test(test_truncated_while_read),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_path_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
