/*
 * `canhgac demo`: one command from a fresh checkout to a working console. Makes
 * (or reuses) a data directory with demo agencies of Đồng Nai and demo accounts,
 * prints every account with a fresh one-time password, then serves. On a second
 * run the demo accounts get new one-time passwords, so a newcomer who lost the
 * first ones is never locked out of their own demo.
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "cli/cli.h"
#include "cli/cli_env.h"
#include "core/datadir.h"
#include "core/clock.h"
#include "dossier/dossier.h"
#include "lookup/population_generate.h"
#include "lookup/procedures.h"

static const char usage[] =
	"Usage: canhgac demo [--data DIR] [--listen HOST:PORT] [--json]\n"
	"\n"
	"Initialises DIR (default ./demo-data) with demo agencies of Dong Nai and demo\n"
	"accounts, a synthetic population of 100,000 citizens and open dossiers for each\n"
	"agency, prints each account with a one-time password and a few dossiers with a\n"
	"citizen to look up, and serves the HTTP API.\n"
	"Running it again keeps the data and gives the demo accounts new one-time passwords.\n"
	"\n"
	"Options:\n"
	"  --data DIR          demo data directory (default demo-data)\n"
	"  --listen HOST:PORT  default 127.0.0.1:8080\n"
	"  --json              print the URL and each account as one JSON object a line\n";

struct demo_agency {
	const char *code, *name;
};

static const struct demo_agency agencies[] = {
	{"CAT.DNAI", "Công an tỉnh Đồng Nai"},
	{"STP.DNAI", "Sở Tư pháp tỉnh Đồng Nai"},
	{"UBND.BIENHOA", "Ủy ban nhân dân thành phố Biên Hòa"},
	{"UBND.LONGKHANH", "Ủy ban nhân dân thành phố Long Khánh"},
};

static const struct auth_new_user accounts[] = {
	{"thanhtra", "Trần Thị Thanh", "CAT.DNAI", "auditor"},
	{"qt.bienhoa", "Lê Văn Quản", "UBND.BIENHOA", "agency_admin"},
	{"canbo.bienhoa", "Phạm Thị Hồng", "UBND.BIENHOA", "officer"},
	{"canbo2.bienhoa", "Võ Minh Tuấn", "UBND.BIENHOA", "officer"},
	{"canbo.longkhanh", "Đỗ Thị Lan", "UBND.LONGKHANH", "officer"},
	{"canbo.tuphap", "Huỳnh Văn Phúc", "STP.DNAI", "officer"},
};

#define DEMO_POPULATION 100000

/* Open dossiers per officers' agency, made the first time: lookups are bound to
 * real dossiers ([dossier] check = verify), so the demo's desks need some. */
#define DEMO_DOSSIERS_PER_AGENCY 40

/* A synthetic population of Dong Nai the first time, and a few ids to try. */
static int demo_population(struct cli_env *env)
{
	int64_t n = 0;
	char why[256];
	if (store_citizen_count(env->store, &n))
		return -1;
	if (n == 0) {
		struct population_generate_stats gs;
		if (population_generate(env->store, DEMO_POPULATION, 1, &gs, why, sizeof why)) {
			fprintf(stderr, "canhgac demo: %s\n", why);
			return -1;
		}
	}
	return 0;
}

struct demo_show {
	int shown;
};

static int show_dossier(const struct store_dossier *d, void *arg)
{
	struct demo_show *s = arg;
	printf("  %s  thủ tục %s  công dân %s (%s)\n", d->code, d->procedure_code, d->persons[0].citizen_id,
	       d->persons[0].role);
	return ++s->shown >= 3;
}

/* Open dossiers for every agency with officers, the first time; then a few of
 * Biên Hòa's to try from the console. */
static int demo_dossiers(struct cli_env *env, int json)
{
	int64_t total = 0, open = 0;
	char why[512], actor[96];
	if (store_dossiers_count(env->store, &total, &open))
		return -1;
	cli_operator_name(actor, sizeof actor);
	struct procedures *procs = NULL;
	if (total == 0 && procedures_load(NULL, &procs, why, sizeof why) == 0) {
		for (size_t i = 0; i < sizeof agencies / sizeof agencies[0]; i++) {
			char *text = NULL;
			size_t len = 0;
			json_t *res = NULL;
			if (dossier_generate(env->store, procs, agencies[i].code, DEMO_DOSSIERS_PER_AGENCY, clock_now(),
					     &text, &len, why, sizeof why) == 0)
				res = cli_dossier_import_env(env, text, len, actor, "demo", why, sizeof why);
			free(text);
			if (!res) {
				procedures_free(procs);
				fprintf(stderr, "canhgac demo: dossiers of %s: %s\n", agencies[i].code, why);
				return -1;
			}
			json_decref(res);
		}
		procedures_free(procs);
	}
	if (!json) {
		printf("canhgac demo: open dossiers of UBND.BIENHOA to look up from (the console lists them all):\n");
		struct demo_show s = {0};
		struct store_dossier_query q = {.agency = "UBND.BIENHOA", .open_only = 1, .limit = 10};
		store_dossiers_list(env->store, &q, show_dossier, &s);
	}
	return 0;
}

/* The demo's one departure from what init writes: no second factor is required,
 * so a newcomer without an authenticator app can try every role. Written where
 * the operator can see it and put it back. */
static int demo_config(const char *dir)
{
	char path[DATADIR_PATH_MAX];
	datadir_path(dir, "canhgac.conf", path, sizeof path);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	static char text[65536];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	const char *key = "\nrequired_roles = admin,agency_admin,officer\n";
	char *at = strstr(text, key);
	f = at ? fopen(path, "w") : NULL;
	if (!f) {
		fprintf(stderr, "canhgac demo: cannot adjust %s\n", path);
		return -1;
	}
	fwrite(text, 1, (size_t)(at - text), f);
	fputs("\n; demo only: no second factor required, so that a newcomer without an\n"
	      "; authenticator app can try every role (a new instance requires one of\n"
	      "; admins, agency admins and officers: admin,agency_admin,officer)\n"
	      "required_roles = \n", f);
	fputs(at + strlen(key), f);
	return fclose(f) == 0 ? 0 : -1;
}

static void print_account(const char *username, const char *role, const char *otp, int json)
{
	if (json) {
		cli_print_secret_json(json_pack("{s:s, s:s, s:s}", "username", username, "role", role, "one_time_password", otp));
	} else {
		printf("  %-18s %-13s %s\n", username, role, otp);
	}
}

/* Creates the demo agency or account when missing, else resets its password. */
static int demo_account(struct cli_env *env, const struct auth_new_user *nu, int json)
{
	struct store_user u;
	char otp[AUTH_OTP_MAX];
	const char *field = NULL;
	int rc;
	if (store_user_get_by_name(env->store, nu->username, &u) == STORE_OK)
		rc = auth_user_reset_password(&env->auth, NULL, u.id, otp);
	else
		rc = auth_user_create(&env->auth, NULL, nu, &u, otp, &field);
	if (rc) {
		fprintf(stderr, "canhgac demo: cannot prepare account %s (%d)\n", nu->username, rc);
		return -1;
	}
	print_account(nu->username, nu->role, otp, json);
	sodium_memzero(otp, sizeof otp);
	return 0;
}

int cli_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *dir = "demo-data", *listen = "127.0.0.1:8080";
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'l': listen = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return CLI_OK;
		default: return cli_usage_error("demo", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("demo", "unexpected argument '%s'", argv[optind]);
	if (!datadir_is_initialised(dir)) {
		if (cli_init_instance(dir, 0, 1) != 0 || demo_config(dir) != 0)
			return CLI_FAIL;
	}

	struct cli_env env;
	if (cli_env_open(&env, dir, true))
		return CLI_FAIL;
	int rc = 0;
	for (size_t i = 0; i < sizeof agencies / sizeof agencies[0]; i++) {
		struct store_agency a;
		const char *field;
		if (store_agency_get(env.store, agencies[i].code, &a) == STORE_OK)
			continue;
		if (auth_agency_create(&env.auth, NULL, agencies[i].code, agencies[i].name, 0, &field))
			rc = -1;
	}
	if (!json)
		printf("canhgac demo: accounts (one-time passwords; each must be changed at first sign-in):\n");
	struct auth_new_user admin = {"admin", "", "", "admin"};
	rc |= demo_account(&env, &admin, json);
	for (size_t i = 0; i < sizeof accounts / sizeof accounts[0] && rc == 0; i++)
		rc |= demo_account(&env, &accounts[i], json);
	if (rc == 0)
		rc = demo_population(&env);
	if (rc == 0)
		rc = demo_dossiers(&env, json);
	cli_env_close(&env);
	if (rc)
		return CLI_FAIL;
	fflush(stdout);
	return cli_serve_run(dir, NULL, listen, json);
}
