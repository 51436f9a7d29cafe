/*
 * `canhgac fim baseline|check|accept`: file-integrity monitoring of the web
 * roots from the command line (docs/FIM.md). baseline and check need only the
 * store, so they run beside a server; accept changes the approved state and is
 * audited, so it needs the audit log, which a running server holds.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/cli_env.h"
#include "core/clock.h"
#include "fim/baseline.h"
#include "fim/compare.h"
#include "fim/scan.h"
#include "store/store.h"

#define FIM_ROOTS_MAX 64
#define FIM_PATH_MAX 4096

static const char fim_usage[] =
	"Usage: canhgac fim baseline --data DIR [--root PATH]... [PATH...]\n"
	"       canhgac fim check --data DIR [--json]\n"
	"       canhgac fim accept --data DIR PATH...\n"
	"\n"
	"baseline  records every regular file under the web roots (path, size, mode,\n"
	"          owner, mtime, BLAKE2b-256, SHA-256) as the approved state, replacing\n"
	"          the previous baseline of those roots. Without --root, the roots of\n"
	"          [fim] roots. Files matching [fim] exclude are left out.\n"
	"check     compares the baselined roots with the baseline and scans every added\n"
	"          or changed file with the built-in YARA rules; one finding per line:\n"
	"          KIND PATH [rule=RULES] sha256=HEX, or with --json\n"
	"          {\"kind\": added|changed|removed|mode|webshell, \"path\", \"rule\"?, \"sha256\"}.\n"
	"          Symlinks, special and unreadable files are reported on stderr.\n"
	"accept    takes the current state of each PATH (a file, a directory, or a path\n"
	"          that was deleted) into the baseline; audited (type fim_accept).\n"
	"          Refused while 'canhgac serve' holds the audit log.\n"
	"Exit: 0 done (check: nothing found), 1 findings or failure, 2 bad usage.\n";

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Prints a note; with a counter in arg, counts the files that could not be
 * checked (unreadable, or changing while read): a web shell made unreadable to
 * canhgac, or rewritten in a loop, must not pass as clean. */
static void print_note(const char *path, int err, const char *why, void *arg)
{
	char text[FIM_PATH_TEXT_MAX];
	fprintf(stderr, "canhgac fim: %s: %s\n", fim_path_text(path, text, sizeof text), why);
	if (arg && (err == FIM_EUNREADABLE || err == FIM_EUNSTABLE))
		(*(size_t *)arg)++;
}

/* Splits [fim] roots (comma or space separated) into canonical paths. */
static int roots_from_list(const char *list, char roots[][FIM_PATH_MAX], size_t *n)
{
	char why[512], one[FIM_PATH_MAX];
	for (const char *p = list; *p;) {
		p += strspn(p, ", \t");
		size_t len = strcspn(p, ", \t");
		if (!len)
			break;
		if (len >= sizeof one || *n == FIM_ROOTS_MAX) {
			fprintf(stderr, "canhgac fim: [fim] roots has too many or too long entries\n");
			return -1;
		}
		memcpy(one, p, len);
		one[len] = 0;
		if (fim_baseline_canonical(one, roots[*n], FIM_PATH_MAX, why, sizeof why)) {
			fprintf(stderr, "canhgac fim: %s\n", why);
			return -1;
		}
		(*n)++;
		p += len;
	}
	return 0;
}

static int fim_run_baseline(struct cli_env *env, char roots[][FIM_PATH_MAX], size_t n)
{
	const char *ptrs[FIM_ROOTS_MAX];
	char why[512];
	struct fim_baseline_stats stats = {0};
	struct timespec t0;
	if (n == 0 && roots_from_list(env->cfg.fim.roots, roots, &n))
		return CLI_FAIL;
	if (n == 0)
		return cli_usage_error("fim", "no web root: give --root PATH or set [fim] roots");
	for (size_t i = 0; i < n; i++)
		ptrs[i] = roots[i];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (fim_baseline_record(env->store, ptrs, n, env->cfg.fim.exclude, clock_now(), print_note, NULL,
				&stats, why, sizeof why)) {
		fprintf(stderr, "canhgac fim baseline: %s\n", why);
		return CLI_FAIL;
	}
	double s = seconds_since(&t0);
	printf("baseline: %zu files (%.1f MiB) under %zu root%s in %.2f s (%.0f files/s)\n", stats.files,
	       (double)stats.bytes / (1024.0 * 1024.0), n, n == 1 ? "" : "s", s,
	       s > 0 ? (double)stats.files / s : 0.0);
	return CLI_OK;
}

/* The path is printed as text (fim_path_text): a newline or a non-UTF-8 byte in
 * a file name can neither forge a line nor break the JSON. */
static int print_finding(const struct fim_finding *f, int json)
{
	char path[FIM_PATH_TEXT_MAX];
	fim_path_text(f->path, path, sizeof path);
	if (!json)
		return printf("%s %s%s%s sha256=%s\n", f->kind, path, f->rule[0] ? " rule=" : "", f->rule,
			      f->sha256[0] ? f->sha256 : "-") < 0;
	json_t *o = json_pack("{s:s, s:s}", "kind", f->kind, "path", path);
	if (!o)
		return -1;
	if (f->rule[0])
		json_object_set_new(o, "rule", json_string(f->rule));
	json_object_set_new(o, "sha256", f->sha256[0] ? json_string(f->sha256) : json_null());
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	int rc = s && printf("%s\n", s) >= 0 ? 0 : -1;
	free(s);
	return rc;
}

static int fim_run_check(struct cli_env *env, int json)
{
	struct fim_scanner *sc = NULL;
	struct fim_findings found = {0};
	struct fim_check_stats stats = {0};
	struct timespec t0;
	char why[512];
	int rc = CLI_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (fim_scanner_open(&sc, why, sizeof why)) {
		fprintf(stderr, "canhgac fim check: %s\n", why);
		goto out;
	}
	size_t unchecked = 0;
	if (fim_check_run(env->store, sc, env->cfg.fim.exclude, clock_now(), &found, &stats, print_note,
			  &unchecked, why, sizeof why)) {
		fprintf(stderr, "canhgac fim check: %s\n", why);
		goto out;
	}
	if (stats.roots == 0) {
		fprintf(stderr, "canhgac fim check: there is no baseline: run 'canhgac fim baseline "
				"--data DIR --root PATH' first\n");
		goto out;
	}
	for (size_t i = 0; i < found.n; i++)
		if (print_finding(&found.v[i], json))
			goto out;
	double s = seconds_since(&t0);
	fprintf(stderr,
		"canhgac fim check: %zu files (%.1f MiB) in %zu root%s, %zu scanned, %zu not scanned "
		"(over 8 MiB), %zu finding%s, %.2f s (%.0f files/s)\n",
		stats.files, (double)stats.bytes / (1024.0 * 1024.0), stats.roots, stats.roots == 1 ? "" : "s",
		stats.scanned, stats.not_scanned, found.n, found.n == 1 ? "" : "s", s,
		s > 0 ? (double)stats.files / s : 0.0);
	if (unchecked)
		fprintf(stderr,
			"canhgac fim check: %zu file%s could not be checked (unreadable, or changing while "
			"read); a planted file can hide this way, so the check fails: look at them\n",
			unchecked, unchecked == 1 ? "" : "s");
	rc = fflush(stdout) ? CLI_FAIL : (found.n || unchecked) ? CLI_FAIL : CLI_OK;
out:
	fim_findings_free(&found);
	fim_scanner_close(sc);
	return rc;
}

static int fim_run_accept(struct cli_env *env, char **paths, int n)
{
	char canon[FIM_PATH_MAX], why[512];
	struct fim_baseline_stats stats = {0};
	json_t *list = json_array();
	if (!list)
		return CLI_FAIL;
	int rc = CLI_FAIL;
	for (int i = 0; i < n; i++) {
		if (fim_baseline_canonical(paths[i], canon, sizeof canon, why, sizeof why) ||
		    fim_baseline_accept(env->store, canon, env->cfg.fim.exclude, clock_now(), print_note, NULL,
					&stats, why, sizeof why)) {
			fprintf(stderr, "canhgac fim accept: %s\n", why);
			goto audit; /* what was accepted before stays accepted, and is audited */
		}
		json_array_append_new(list, json_string(canon));
	}
	rc = CLI_OK;
audit:
	if (json_array_size(list)) {
		json_t *payload = json_pack("{s:O, s:I}", "paths", list, "files", (json_int_t)stats.files);
		struct audit_event ev = {.type = "fim_accept", .actor = "cli", .payload = payload};
		if (!payload || audit_append(env->audit, &ev, NULL)) {
			fprintf(stderr, "canhgac fim accept: the audit record could not be written; the "
					"baseline was changed: check the audit log's disk and run accept again\n");
			rc = CLI_FAIL;
		}
		json_decref(payload);
	}
	if (rc == CLI_OK)
		printf("accepted: %zu files under %zu path%s\n", stats.files, json_array_size(list),
		       json_array_size(list) == 1 ? "" : "s");
	json_decref(list);
	return rc;
}

int cli_fim(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'}, {"root", required_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'j'},       {"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	static char roots[FIM_ROOTS_MAX][FIM_PATH_MAX];
	size_t nroots = 0;
	const char *data = NULL;
	int json = 0, c;
	char why[512];
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(fim_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *action = argv[1];
	int is_baseline = !strcmp(action, "baseline"), is_check = !strcmp(action, "check"),
	    is_accept = !strcmp(action, "accept");
	if (!is_baseline && !is_check && !is_accept)
		return cli_usage_error("fim", "unknown action '%s': use baseline, check or accept", action);
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 'j': json = 1; break;
		case 'r':
			if (!is_baseline)
				return cli_usage_error("fim", "--root is for baseline only");
			if (nroots == FIM_ROOTS_MAX)
				return cli_usage_error("fim", "at most %d roots", FIM_ROOTS_MAX);
			if (fim_baseline_canonical(optarg, roots[nroots], FIM_PATH_MAX, why, sizeof why))
				return cli_usage_error("fim", "%s", why);
			nroots++;
			break;
		case 'h': fputs(fim_usage, stdout); return CLI_OK;
		default: return cli_usage_error("fim", "unknown option");
		}
	}
	int first = optind + 1, npos = argc - first;
	if (!data)
		return cli_usage_error("fim", "--data DIR is required");
	if (json && !is_check)
		return cli_usage_error("fim", "--json is for check only");
	if (is_check && npos > 0)
		return cli_usage_error("fim", "unexpected argument '%s'", argv[first]);
	if (is_accept && npos == 0)
		return cli_usage_error("fim", "accept needs at least one PATH");
	if (is_baseline) {
		for (int i = first; i < argc; i++) {
			if (nroots == FIM_ROOTS_MAX)
				return cli_usage_error("fim", "at most %d roots", FIM_ROOTS_MAX);
			if (fim_baseline_canonical(argv[i], roots[nroots], FIM_PATH_MAX, why, sizeof why))
				return cli_usage_error("fim", "%s", why);
			nroots++;
		}
	}
	struct cli_env env;
	if (cli_env_open(&env, data, is_accept))
		return CLI_FAIL;
	int rc = is_baseline ? fim_run_baseline(&env, roots, nroots)
		 : is_check  ? fim_run_check(&env, json)
			     : fim_run_accept(&env, argv + first, npos);
	cli_env_close(&env);
	return rc;
}
