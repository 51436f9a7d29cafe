/*
 * `canhgac init --data DIR`: a new instance. Creates DIR (0700) with audit/ and
 * keys/, the audit signing key pair, a default canhgac.conf and the database with
 * every migration applied, then the IT centre's agency and the account `admin`,
 * whose one-time password is printed once. Refuses a directory that is already
 * initialised.
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "audit/sign.h"
#include "auth/auth.h"
#include "cli/cli_env.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/datadir.h"
#include "store/store.h"

static const char usage[] =
	"Usage: canhgac init --data DIR [--json]\n"
	"\n"
	"Creates a new canhgac instance in DIR (which must not exist or be empty):\n"
	"  DIR/canhgac.conf       configuration with every default (edit, then\n"
	"                         'canhgac config check DIR/canhgac.conf')\n"
	"  DIR/canhgac.db         the store\n"
	"  DIR/audit/             the tamper-evident audit log\n"
	"  DIR/keys/audit.key     audit signing key (mode 0600; back it up offline)\n"
	"  DIR/keys/audit.pub     its public half, for 'canhgac audit verify --pubkey'\n"
	"\n"
	"Options:\n"
	"  --data DIR   the data directory to create\n"
	"  --json       print the result as one JSON object\n"
	"  -h, --help   this help\n";

int cli_init_instance(const char *dir, int json, int quiet)
{
	char why[512], path[DATADIR_PATH_MAX];
	if (datadir_create(dir, why, sizeof why) || audit_sign_keygen(dir, why, sizeof why)) {
		fprintf(stderr, "canhgac init: %s\n", why);
		return -1;
	}
	datadir_path(dir, "canhgac.conf", path, sizeof path);
	int rc = config_write_default(path);
	if (rc) {
		fprintf(stderr, "canhgac init: cannot write %s: %s\n", path, strerror(-rc));
		return -1;
	}
	struct store *st;
	datadir_path(dir, "canhgac.db", path, sizeof path);
	if (store_open(path, STORE_OPEN_CREATE, &st, why, sizeof why)) {
		fprintf(stderr, "canhgac init: %s\n", why);
		return -1;
	}
	char now[32];
	clock_format_rfc3339(clock_now(), now, sizeof now);
	rc = store_meta_set(st, "initialised_at", now) || store_meta_set(st, "initialised_by", CANHGAC_VERSION);
	store_close(st);
	if (rc) {
		fprintf(stderr, "canhgac init: cannot write to the new database\n");
		return -1;
	}

	/* The province's IT centre and its first administrator. */
	struct cli_env env;
	if (cli_env_open(&env, dir, true))
		return -1;
	const char *field = NULL;
	struct auth_new_user admin = {"admin", "Quản trị hệ thống", ADMIN_AGENCY_CODE, "admin"};
	struct store_user u;
	char otp[AUTH_OTP_MAX];
	rc = auth_agency_create(&env.auth, NULL, ADMIN_AGENCY_CODE, ADMIN_AGENCY_NAME, 0, &field);
	if (rc == 0)
		rc = auth_user_create(&env.auth, NULL, &admin, &u, otp, &field);
	cli_env_close(&env);
	if (rc) {
		fprintf(stderr, "canhgac init: cannot create the admin account (%d)\n", rc);
		return -1;
	}
	if (json) {
		cli_print_secret_json(json_pack("{s:s, s:s, s:s}", "data", dir, "username", "admin", "one_time_password", otp));
	} else if (!quiet) {
		printf("initialised %s\n"
		       "account: admin\n"
		       "one-time password: %s\n"
		       "(shown once: write it on the handover record; it must be changed at first sign-in)\n",
		       dir, otp);
	}
	sodium_memzero(otp, sizeof otp);
	return 0;
}

int cli_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *dir = NULL;
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return CLI_OK;
		default: return cli_usage_error("init", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("init", "unexpected argument '%s'", argv[optind]);
	if (!dir)
		return cli_usage_error("init", "--data DIR is required");
	if (datadir_is_initialised(dir)) {
		fprintf(stderr,
			"canhgac init: %s is already initialised; refusing to touch it. "
			"Use another directory, or run 'canhgac serve --data %s'.\n",
			dir, dir);
		return CLI_FAIL;
	}
	return cli_init_instance(dir, json, 0) ? CLI_FAIL : CLI_OK;
}
