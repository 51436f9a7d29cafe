/*
 * `canhgac user ...` and `canhgac agency ...`: the account operations of the
 * console, for operators on the server itself. They go through src/auth like the
 * console does (same rules, same audit records, actor "cli").
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/handover.h"
#include "auth/totp.h"
#include "cli/cli.h"
#include "cli/cli_env.h"
#include "core/clock.h"
#include "core/config.h"

static const char user_usage[] =
	"Usage: canhgac user add --data DIR --username U --name \"FULL NAME\" --agency CODE --role ROLE\n"
	"                        [--handover FILE.html] [--json]\n"
	"       canhgac user list --data DIR [--agency CODE] [--status STATUS] [--json]\n"
	"       canhgac user disable --data DIR --username U --reason TEXT\n"
	"       canhgac user enable --data DIR --username U --reason TEXT [--handover FILE.html] [--json]\n"
	"       canhgac user unlock --data DIR --username U\n"
	"       canhgac user reset-password --data DIR --username U [--handover FILE.html] [--json]\n"
	"       canhgac user reset-totp --data DIR --username U\n"
	"\n"
	"Roles: admin, agency_admin, officer, auditor. Status: active, locked, suspended, disabled.\n"
	"add and reset-password print a one-time password ONCE: hand it over with the\n"
	"handover record (bien ban ban giao): --handover writes it as a printable page\n"
	"(mode 0600; print it, have both sides sign, then delete the file). The user\n"
	"must change the password at first sign-in.\n"
	"enable on an account the detector suspended also resets its password (the one\n"
	"it saw used is taken as leaked) and prints the one-time password as\n"
	"reset-password does; a disabled or locked account keeps its password.\n"
	"reset-totp removes the second factor (TOTP and recovery codes) of an account\n"
	"whose phone is lost; it enrols again at its next sign-in (audited as totp_reset).\n"
	"list works while the server runs; the other actions write the audit log, which\n"
	"only one process may hold: while 'canhgac serve' runs, use the console.\n";

static const char agency_usage[] =
	"Usage: canhgac agency add --data DIR --code CODE --name \"NAME\" [--quota-per-day N]\n"
	"       canhgac agency list --data DIR [--json]\n";

struct user_opts {
	const char *data, *username, *name, *agency, *role, *status, *reason, *code, *handover;
	int json, quota;
};

static int parse_opts(const char *cmd, int argc, char **argv, struct user_opts *o, const char *usage)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},     {"username", required_argument, NULL, 'u'},
		{"name", required_argument, NULL, 'n'},     {"agency", required_argument, NULL, 'a'},
		{"role", required_argument, NULL, 'r'},     {"status", required_argument, NULL, 's'},
		{"reason", required_argument, NULL, 'R'},   {"code", required_argument, NULL, 'c'},
		{"quota-per-day", required_argument, NULL, 'q'}, {"json", no_argument, NULL, 'j'},
		{"handover", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},           {0, 0, 0, 0},
	};
	int c;
	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->data = optarg; break;
		case 'u': o->username = optarg; break;
		case 'n': o->name = optarg; break;
		case 'a': o->agency = optarg; break;
		case 'r': o->role = optarg; break;
		case 's': o->status = optarg; break;
		case 'R': o->reason = optarg; break;
		case 'c': o->code = optarg; break;
		case 'q': {
			char *end;
			long q = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || q < 1 || q > 100000000)
				return cli_usage_error(cmd, "--quota-per-day must be a whole number from 1 to 100000000");
			o->quota = (int)q;
			break;
		}
		case 'j': o->json = 1; break;
		case 'H': o->handover = optarg; break;
		case 'h': fputs(usage, stdout); return 1;
		default: return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o->data)
		return cli_usage_error(cmd, "--data DIR is required");
	return 0;
}

static void print_otp(const char *username, const char *otp, int json)
{
	if (json) {
		cli_print_secret_json(json_pack("{s:s, s:s}", "username", username, "one_time_password", otp));
	} else {
		printf("username: %s\none-time password: %s\n"
		       "(shown once; the user must change it at first sign-in)\n",
		       username, otp);
	}
	fflush(stdout);
}

/* Writes the handover record when --handover was given; prints where. */
static int write_handover(struct cli_env *env, const struct user_opts *o, const struct store_user *u,
			  const char *otp)
{
	if (!o->handover)
		return 0;
	struct store_agency ag;
	bool have = store_agency_get(env->store, u->agency, &ag) == STORE_OK;
	int rc = handover_write_html(o->handover, u, have ? ag.name : NULL, otp, "cli", clock_now());
	if (rc) {
		fprintf(stderr, "canhgac user: cannot write the handover record %s: %s (the password above is valid)\n",
			o->handover, strerror(-rc));
		return CLI_FAIL;
	}
	fprintf(stderr, "handover record written to %s: print it, sign it, then delete the file\n", o->handover);
	return 0;
}

static int list_user(const struct store_user *u, void *arg)
{
	int json = *(int *)arg;
	if (json) {
		json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)u->id, "username", u->username,
				      "full_name", u->full_name, "agency", u->agency, "role", u->role, "status", u->status);
		char *t = json_dumps(j, JSON_COMPACT);
		printf("%s\n", t);
		free(t);
		json_decref(j);
	} else {
		printf("%-20s %-14s %-12s %-10s %s\n", u->username, u->agency, u->role, u->status, u->full_name);
	}
	return 0;
}

static int auth_error(const char *cmd, int rc, const char *field)
{
	switch (rc) {
	case AUTH_EINVAL:
		fprintf(stderr, "canhgac %s: invalid %s\n", cmd, field ? field : "input");
		return CLI_USAGE;
	case AUTH_ECONFLICT:
		fprintf(stderr, "canhgac %s: %s already exists\n", cmd, field ? field : "it");
		return CLI_FAIL;
	case AUTH_ENOTFOUND:
		fprintf(stderr, "canhgac %s: no such account\n", cmd);
		return CLI_FAIL;
	default:
		fprintf(stderr, "canhgac %s: failed (%d); see the log lines above\n", cmd, rc);
		return CLI_FAIL;
	}
}

static int user_by_name(struct cli_env *env, const char *username, struct store_user *u)
{
	if (!username) {
		fprintf(stderr, "canhgac user: --username is required\n");
		return CLI_USAGE;
	}
	if (store_user_get_by_name(env->store, username, u)) {
		fprintf(stderr, "canhgac user: no account named '%s'\n", username);
		return CLI_FAIL;
	}
	return 0;
}

int cli_user(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(user_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *action = argv[1];
	struct user_opts o;
	int rc = parse_opts("user", argc - 1, argv + 1, &o, user_usage);
	if (rc)
		return rc == 1 ? CLI_OK : rc;
	struct cli_env env;
	if (cli_env_open(&env, o.data, strcmp(action, "list") != 0))
		return CLI_FAIL;
	struct store_user u;
	char otp[AUTH_OTP_MAX];
	const char *field = NULL;
	if (!strcmp(action, "add")) {
		struct auth_new_user nu = {o.username, o.name, o.agency, o.role};
		if (!o.username || !o.name || !o.agency || !o.role)
			rc = cli_usage_error("user", "add needs --username, --name, --agency and --role");
		else if ((rc = auth_user_create(&env.auth, NULL, &nu, &u, otp, &field)))
			rc = auth_error("user add", rc, field);
		else {
			print_otp(u.username, otp, o.json);
			rc = write_handover(&env, &o, &u, otp);
		}
	} else if (!strcmp(action, "list")) {
		if (o.status && !auth_status_valid(o.status))
			rc = cli_usage_error("user", "--status must be active, locked, suspended or disabled");
		else if (store_user_list(env.store, o.agency, o.status, list_user, &o.json))
			rc = CLI_FAIL;
	} else if (!strcmp(action, "disable")) {
		if (!o.reason)
			rc = cli_usage_error("user", "%s needs --reason", action);
		else if (!(rc = user_by_name(&env, o.username, &u))) {
			rc = auth_user_disable(&env.auth, NULL, u.id, o.reason);
			rc = rc ? auth_error("user", rc, "reason") : CLI_OK;
			if (!rc)
				printf("%s: disabled\n", u.username);
		}
	} else if (!strcmp(action, "enable")) {
		bool reset = false;
		if (!o.reason)
			rc = cli_usage_error("user", "%s needs --reason", action);
		else if (!(rc = user_by_name(&env, o.username, &u))) {
			rc = auth_user_enable(&env.auth, NULL, u.id, o.reason, otp, &reset);
			rc = rc ? auth_error("user", rc, "reason") : CLI_OK;
		}
		if (!rc && reset) {
			fprintf(stderr, "%s was suspended by the detector: its password is reset, the old one no "
					"longer signs in\n", u.username);
			print_otp(u.username, otp, o.json);
			rc = write_handover(&env, &o, &u, otp);
		} else if (!rc) {
			printf("%s: active\n", u.username);
		}
	} else if (!strcmp(action, "unlock")) {
		if (!(rc = user_by_name(&env, o.username, &u))) {
			rc = auth_user_unlock(&env.auth, NULL, u.id);
			if (rc == AUTH_EINVAL) {
				fprintf(stderr, "canhgac user unlock: %s is not locked (status %s)\n", u.username, u.status);
				rc = CLI_FAIL;
			} else if (rc) {
				rc = auth_error("user unlock", rc, NULL);
			} else {
				printf("%s: unlocked\n", u.username);
			}
		}
	} else if (!strcmp(action, "reset-password")) {
		if (!(rc = user_by_name(&env, o.username, &u))) {
			if ((rc = auth_user_reset_password(&env.auth, NULL, u.id, otp)))
				rc = auth_error("user reset-password", rc, NULL);
			else {
				print_otp(u.username, otp, o.json);
				rc = write_handover(&env, &o, &u, otp);
			}
		}
	} else if (!strcmp(action, "reset-totp")) {
		if (!(rc = user_by_name(&env, o.username, &u))) {
			if ((rc = auth_totp_reset(&env.auth, NULL, u.id)))
				rc = auth_error("user reset-totp", rc, NULL);
			else
				printf("%s: second factor removed; it enrols again at its next sign-in\n", u.username);
		}
	} else {
		rc = cli_usage_error("user", "unknown action '%s'", action);
	}
	sodium_memzero(otp, sizeof otp);
	cli_env_close(&env);
	return rc;
}

static int list_agency(const struct store_agency *a, void *arg)
{
	(void)arg;
	printf("%-16s %s\n", a->code, a->name);
	return 0;
}

int cli_agency(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(agency_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	struct user_opts o;
	int rc = parse_opts("agency", argc - 1, argv + 1, &o, agency_usage);
	if (rc)
		return rc == 1 ? CLI_OK : rc;
	struct cli_env env;
	if (cli_env_open(&env, o.data, strcmp(argv[1], "list") != 0))
		return CLI_FAIL;
	const char *field = NULL;
	if (!strcmp(argv[1], "add")) {
		if (!o.code || !o.name)
			rc = cli_usage_error("agency", "add needs --code and --name");
		else if ((rc = auth_agency_create(&env.auth, NULL, o.code, o.name, o.quota, &field)))
			rc = auth_error("agency add", rc, field ? field : "code");
		else
			printf("agency %s created\n", o.code);
	} else if (!strcmp(argv[1], "list")) {
		rc = store_agency_list(env.store, list_agency, NULL) ? CLI_FAIL : CLI_OK;
	} else {
		rc = cli_usage_error("agency", "unknown action '%s'", argv[1]);
	}
	cli_env_close(&env);
	return rc;
}
