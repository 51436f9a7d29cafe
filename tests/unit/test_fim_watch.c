/*
 * The web-root watcher without a server: a root without a baseline gets one at
 * start; a web shell dropped in an upload directory and one in a directory made
 * after the start are found through inotify and recorded (the indicators read
 * them); an injected IN_Q_OVERFLOW event makes a full rescan, which finds a
 * change the watcher had not been told about, and raises nothing twice.
 * Waits are bounded polls (no timing is asserted here; latency is in bench/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/log.h"
#include "fim/watch.h"
#include "store/store.h"

static char tmp[64], root[128];
static struct store *st;
static struct config cfg;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int count_shell(const struct store_fim_finding *f, void *arg)
{
	(void)f;
	(*(int *)arg)++;
	return 0;
}

static int webshells(void)
{
	int n = 0;
	assert_int_equal(store_fim_webshells_each(st, 0, count_shell, &n), 0);
	return n;
}

/* Polls until fn() >= want, for at most 10 s; returns the last value. */
static int wait_for(int (*fn)(void), int want)
{
	int v = 0;
	for (int i = 0; i < 200 && (v = fn()) < want; i++)
		sleep_ms(50);
	return v;
}

static struct fim_watch *cur;

static int rescans(void)
{
	struct fim_watch_stats s;
	fim_watch_stats(cur, &s);
	return (int)s.rescans;
}

static int raised(void)
{
	struct fim_watch_stats s;
	fim_watch_stats(cur, &s);
	return (int)s.raised;
}

static void test_watch(void **state)
{
	(void)state;
	char why[512], path[256], db[128];
	snprintf(tmp, sizeof tmp, "/tmp/canhgac-watch-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	snprintf(root, sizeof root, "%s/www", tmp);
	assert_int_equal(mkdir(root, 0700), 0);
	snprintf(path, sizeof path, "%s/uploads", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/index.php", root);
	write_file(path, "<?php echo 'home';\n");
	snprintf(db, sizeof db, "%s/db", tmp);
	assert_int_equal(store_open(db, STORE_OPEN_CREATE, &st, why, sizeof why), 0);
	config_defaults(&cfg);
	snprintf(cfg.fim.roots, sizeof cfg.fim.roots, "%s", root);

	struct fim_watch_deps deps = {.cfg = &cfg, .st = st, .detect = NULL};
	assert_int_equal(fim_watch_start(&deps, &cur, why, sizeof why), 0);
	assert_non_null(cur);
	assert_int_equal(wait_for(rescans, 1), 1);
	assert_int_equal(raised(), 0); /* baselined at start: nothing new */

	/* a drop into an upload directory */
	snprintf(path, sizeof path, "%s/uploads/s.php", root);
	write_file(path, "<?php @eval($_POST['x']);?>\n");
	assert_int_equal(wait_for(webshells, 1), 1);

	/* a directory made after the start, a shell in it at once */
	snprintf(path, sizeof path, "%s/newdir", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/newdir/x.php", root);
	write_file(path, "<?php eval(base64_decode($_POST['c']));\n");
	assert_int_equal(wait_for(webshells, 2), 2);
	int before = wait_for(raised, 4); /* added + webshell, twice */
	assert_true(before >= 4);

	/* a change no event tells of: the approved hash of index.php is altered
	 * in the store; only a full rescan can see it */
	snprintf(path, sizeof path, "%s/index.php", root);
	struct store_fim_file fake = {.path = path, .size = 19, .mode = 0100644, .uid = getuid()};
	memset(fake.sha256, 'a', 64);
	memset(fake.blake2b, 'b', 64);
	assert_int_equal(store_fim_baseline_replace(st, root, path, &fake, 1, 0), 0);

	/* overflow: a full rescan finds it, and raises nothing else again */
	fim_watch_inject(cur, IN_Q_OVERFLOW);
	assert_int_equal(wait_for(rescans, 2), 2);
	struct fim_watch_stats s;
	fim_watch_stats(cur, &s);
	assert_int_equal(s.overflows, 1);
	assert_int_equal((int)s.raised, before + 1);
	assert_int_equal(webshells(), 2);

	fim_watch_stop(cur);
	cur = NULL;

	/* a change made while nobody watched is found by the start's rescan */
	snprintf(path, sizeof path, "%s/uploads/s.php", root);
	write_file(path, "<?php echo 'changed';\n");
	assert_int_equal(fim_watch_start(&deps, &cur, why, sizeof why), 0);
	assert_int_equal(wait_for(rescans, 1), 1);
	assert_true(wait_for(raised, 1) >= 1);
	fim_watch_stop(cur);
	cur = NULL;
	store_close(st);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
}

static void test_no_roots(void **state)
{
	(void)state;
	struct config c;
	char why[256];
	struct fim_watch *w = (struct fim_watch *)1;
	config_defaults(&c);
	struct fim_watch_deps deps = {.cfg = &c, .st = NULL};
	assert_int_equal(fim_watch_start(&deps, &w, why, sizeof why), 0);
	assert_null(w);
	fim_watch_stop(NULL);
	snprintf(c.fim.roots, sizeof c.fim.roots, "/nonexistent/www");
	assert_int_not_equal(fim_watch_start(&deps, &w, why, sizeof why), 0);
	assert_non_null(strstr(why, "not a directory"));
}

int main(void)
{
	log_setup(LOG_ERROR, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_no_roots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
