/*
 * `canhgac dossier import|generate|list`: the embedded dossier store from the
 * command line. An import (or a generated batch, which is an import of synthetic
 * JSON lines) is audited: with no server running the command opens the audit log
 * itself; with `canhgac serve` running on the data directory (it holds the audit
 * log's writer lock) the command hands the file to the server through
 * DATA/spool/ and prints the server's result (src/dossier/dossier_spool.c).
 * Either way the file is checked whole first and nothing is half-imported.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/cli_env.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/datadir.h"
#include "dossier/dossier.h"
#include "dossier/dossier_code.h"
#include "lookup/procedures.h"
#include "store/store.h"

#define DEFAULT_WAIT_SECONDS 120

static const char dossier_usage[] =
	"Usage: canhgac dossier import --data DIR [--wait SECONDS] [--json] FILE\n"
	"       canhgac dossier generate --data DIR --agency CODE --count N [--json]\n"
	"       canhgac dossier list --data DIR [--agency CODE] [--open] [--limit N] [--json]\n"
	"\n"
	"import    reads FILE, JSON lines (one dossier object a line) or CSV with a header\n"
	"          (code,procedure_code,agency,status,received_at,closed_at,persons,officers;\n"
	"          persons as citizen_id:role;citizen_id:role, officers as user;user), checks\n"
	"          every row and stores all of them or none. A dossier already stored is\n"
	"          updated. The import is audited. With 'canhgac serve' running on DIR the\n"
	"          file is handed to the server (DATA/spool/) and this command waits up to\n"
	"          --wait seconds (default 120) for its result. docs/LOOKUPS.md has the columns.\n"
	"generate  makes N open synthetic dossiers of agency CODE over the embedded\n"
	"          population (demos, tests) and imports them the same way.\n"
	"list      prints stored dossiers, newest first (--open: only open ones).\n"
	"Exit: 0 done, 1 refused or failed (the reason names the line), 2 bad usage.\n";

static void print_result(const json_t *res, const char *label, int json)
{
	if (json) {
		char *s = json_dumps(res, JSON_COMPACT);
		if (s)
			printf("%s\n", s);
		free(s);
		return;
	}
	printf("imported %lld dossiers from %s: %lld new, %lld updated (audit seq %lld)\n",
	       (long long)json_integer_value(json_object_get(res, "rows")), label,
	       (long long)json_integer_value(json_object_get(res, "inserted")),
	       (long long)json_integer_value(json_object_get(res, "updated")),
	       (long long)json_integer_value(json_object_get(res, "audit_seq")));
}

json_t *cli_dossier_import_env(struct cli_env *env, const char *text, size_t len, const char *actor,
			       const char *label, char *why, size_t why_size)
{
	struct procedures *procs = NULL;
	struct dossier_matcher codes;
	json_t *res = NULL;
	const char *pf = env->cfg.lookup.procedures_file[0] ? env->cfg.lookup.procedures_file : NULL;
	if (procedures_load(pf, &procs, why, why_size))
		return NULL;
	if (dossier_matcher_init(&codes, env->cfg.lookup.dossier_pattern, why, why_size)) {
		procedures_free(procs);
		return NULL;
	}
	struct dossier_rules rules = {.codes = &codes, .procedures = procs, .agencies = env->store, .now = clock_now()};
	struct dossier_batch b;
	struct dossier_import_result r;
	if (dossier_import_parse(text, len, &rules, "import", &b, why, why_size) == 0) {
		if (dossier_import_apply(env->store, env->audit, &b, text, len, actor, NULL, label, &r, why, why_size) ==
		    0)
			res = json_pack("{s:b, s:I, s:I, s:I, s:I, s:s}", "ok", 1, "rows", (json_int_t)r.rows, "inserted",
					(json_int_t)r.inserted, "updated", (json_int_t)r.updated, "audit_seq",
					(json_int_t)r.audit_seq, "digest", r.digest);
		dossier_batch_free(&b);
	}
	dossier_matcher_free(&codes);
	procedures_free(procs);
	return res;
}

/* Imports the text here (no server running) and returns the result object. */
static json_t *import_here(const char *data_dir, const char *text, size_t len, const char *actor, const char *label,
			   char *why, size_t why_size)
{
	struct cli_env env;
	if (cli_env_open(&env, data_dir, true)) {
		snprintf(why, why_size, "cannot open the data directory (see above)");
		return NULL;
	}
	json_t *res = cli_dossier_import_env(&env, text, len, actor, label, why, why_size);
	cli_env_close(&env);
	return res;
}

void cli_operator_name(char *out, size_t size)
{
	struct passwd *pw = getpwuid(geteuid());
	snprintf(out, size, "cli:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
}

int cli_dossier_import_text(const char *data_dir, const char *text, size_t len, const char *label, int json,
			    int wait_seconds)
{
	char why[1024], actor[96];
	cli_operator_name(actor, sizeof actor);
	json_t *res = NULL;
	if (audit_writer_running(data_dir)) {
		if (dossier_spool_submit(data_dir, text, len, actor, label, wait_seconds, &res, why, sizeof why)) {
			fprintf(stderr, "canhgac dossier: %s\n", why);
			return CLI_FAIL;
		}
		if (!json_is_true(json_object_get(res, "ok"))) {
			const char *e = json_string_value(json_object_get(res, "error"));
			fprintf(stderr, "canhgac dossier: %s: %s (nothing was imported)\n", label, e ? e : "refused");
			json_decref(res);
			return CLI_FAIL;
		}
	} else {
		res = import_here(data_dir, text, len, actor, label, why, sizeof why);
		if (!res) {
			fprintf(stderr, "canhgac dossier: %s: %s (nothing was imported)\n", label, why);
			return CLI_FAIL;
		}
	}
	print_result(res, label, json);
	json_decref(res);
	return CLI_OK;
}

int cli_dossier_generate(const char *data_dir, const char *agency, size_t count, int json)
{
	struct config cfg;
	char path[DATADIR_PATH_MAX], why[512];
	struct store *st = NULL;
	struct procedures *procs = NULL;
	if (cli_load_config(data_dir, NULL, &cfg))
		return CLI_FAIL;
	const char *pf = cfg.lookup.procedures_file[0] ? cfg.lookup.procedures_file : NULL;
	if (datadir_path(data_dir, "canhgac.db", path, sizeof path) ||
	    store_open(path, STORE_OPEN_EXISTING, &st, why, sizeof why) || procedures_load(pf, &procs, why, sizeof why)) {
		fprintf(stderr, "canhgac dossier generate: %s\n", why);
		store_close(st);
		return CLI_FAIL;
	}
	struct store_agency ag;
	char *text = NULL;
	size_t len = 0;
	int rc = store_agency_get(st, agency, &ag);
	if (rc == STORE_ENOTFOUND)
		snprintf(why, sizeof why, "no agency %s (canhgac agency add)", agency);
	else if (rc == STORE_OK)
		rc = dossier_generate(st, procs, agency, count, clock_now(), &text, &len, why, sizeof why);
	store_close(st);
	procedures_free(procs);
	if (rc) {
		fprintf(stderr, "canhgac dossier generate: %s\n", why);
		return CLI_FAIL;
	}
	char label[96];
	snprintf(label, sizeof label, "generate:%s", agency);
	rc = cli_dossier_import_text(data_dir, text, len, label, json, DEFAULT_WAIT_SECONDS);
	free(text);
	return rc;
}

struct list_out {
	int json;
	json_t *arr;
};

static int list_one(const struct store_dossier *d, void *arg)
{
	struct list_out *o = arg;
	if (o->json) {
		json_array_append_new(o->arr, dossier_to_json(d));
		return 0;
	}
	char received[11];
	clock_format_local_date(d->received_at, received, sizeof received);
	printf("%s  %s  %s  %-19s %s ", d->code, d->procedure_code, d->agency, d->status, received);
	for (int i = 0; i < d->n_persons; i++)
		printf("%s%s:%s", i ? "," : "", d->persons[i].citizen_id, d->persons[i].role);
	printf("\n");
	return 0;
}

static int dossier_list(const char *data_dir, const char *agency, int open_only, int limit, int json)
{
	struct cli_env env;
	if (cli_env_open(&env, data_dir, false))
		return CLI_FAIL;
	struct list_out o = {json, json_array()};
	struct store_dossier_query q = {.agency = agency, .open_only = open_only, .limit = limit};
	int rc = store_dossiers_list(env.store, &q, list_one, &o);
	if (rc == STORE_OK && json) {
		char *s = json_dumps(o.arr, JSON_COMPACT);
		printf("%s\n", s ? s : "[]");
		free(s);
	}
	json_decref(o.arr);
	cli_env_close(&env);
	return rc == STORE_OK ? CLI_OK : CLI_FAIL;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int cli_dossier(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},  {"agency", required_argument, NULL, 'a'},
		{"count", required_argument, NULL, 'n'}, {"wait", required_argument, NULL, 'w'},
		{"limit", required_argument, NULL, 'l'}, {"open", no_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},        {"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(dossier_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *action = argv[1], *data = NULL, *agency = NULL, *count_s = NULL, *wait_s = NULL,
		   *limit_s = NULL;
	int json = 0, open_only = 0, c;
	if (strcmp(action, "import") && strcmp(action, "generate") && strcmp(action, "list"))
		return cli_usage_error("dossier", "unknown action '%s': use import, generate or list", action);
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 'a': agency = optarg; break;
		case 'n': count_s = optarg; break;
		case 'w': wait_s = optarg; break;
		case 'l': limit_s = optarg; break;
		case 'o': open_only = 1; break;
		case 'j': json = 1; break;
		case 'h': fputs(dossier_usage, stdout); return CLI_OK;
		default: return cli_usage_error("dossier", "unknown option");
		}
	}
	if (!data)
		return cli_usage_error("dossier", "--data DIR is required");
	int rest = argc - 1 - optind;
	if (!strcmp(action, "import")) {
		long wait = DEFAULT_WAIT_SECONDS;
		if (rest != 1)
			return cli_usage_error("dossier", "import takes exactly one FILE");
		if (wait_s && parse_int(wait_s, 1, 86400, &wait))
			return cli_usage_error("dossier", "--wait must be 1..86400 seconds");
		const char *file = argv[optind + 1];
		char *text, why[512];
		size_t len;
		if (dossier_import_read_file(file, &text, &len, why, sizeof why)) {
			fprintf(stderr, "canhgac dossier import: %s\n", why);
			return CLI_FAIL;
		}
		int rc = cli_dossier_import_text(data, text, len, file, json, (int)wait);
		free(text);
		return rc;
	}
	if (rest != 0)
		return cli_usage_error("dossier", "unexpected argument '%s'", argv[optind + 1]);
	if (!strcmp(action, "generate")) {
		long count;
		if (!agency)
			return cli_usage_error("dossier", "generate needs --agency CODE");
		if (parse_int(count_s, 1, DOSSIER_IMPORT_ROWS_MAX, &count))
			return cli_usage_error("dossier", "--count must be 1..%d", DOSSIER_IMPORT_ROWS_MAX);
		return cli_dossier_generate(data, agency, (size_t)count, json);
	}
	long limit = 100;
	if (limit_s && parse_int(limit_s, 1, 1000, &limit))
		return cli_usage_error("dossier", "--limit must be 1..1000");
	if (!agency)
		return cli_usage_error("dossier", "list needs --agency CODE");
	return dossier_list(data, agency, open_only, (int)limit, json);
}
