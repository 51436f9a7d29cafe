/*
 * `canhgac staff-change ...`: file a staff change (leave, transfer, role) with the
 * reference of the agency's letter, at once or on a local date, and list them;
 * the same rules and audit records as POST /api/v1/staff-changes, actor "cli".
 * Filing writes the audit log, so it is refused while the server runs (use the
 * console then); listing only reads.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/staff.h"
#include "cli/cli.h"
#include "cli/cli_env.h"
#include "core/clock.h"

static const char staff_usage[] =
	"Usage: canhgac staff-change --data DIR --username U --kind leave|transfer|role\n"
	"                            [--to-agency CODE] [--to-role ROLE] [--effective YYYY-MM-DD]\n"
	"                            --reference REF\n"
	"       canhgac staff-change list --data DIR [--agency CODE] [--json]\n"
	"\n"
	"A staff change follows the agency's letter (its number goes in --reference):\n"
	"  leave     disables the account and ends its sessions\n"
	"  transfer  moves it to --to-agency as an officer and ends its sessions\n"
	"  role      gives it --to-role (admin, agency_admin, officer, auditor)\n"
	"Without --effective, or with today's date, it applies at once; a later local date\n"
	"(Asia/Ho_Chi_Minh) is applied by the server's scheduler on that day.\n"
	"Filing writes the audit log, which only one process may hold: while 'canhgac\n"
	"serve' runs, use the console. 'list' works beside a running server.\n"
	"Exit: 0 filed (and applied when due), 1 refused or failed, 2 bad usage.\n";

struct staff_opts {
	const char *data, *username, *kind, *to_agency, *to_role, *effective, *reference, *agency;
	int json;
};

static int parse(int argc, char **argv, struct staff_opts *o)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},      {"username", required_argument, NULL, 'u'},
		{"kind", required_argument, NULL, 'k'},      {"to-agency", required_argument, NULL, 'A'},
		{"to-role", required_argument, NULL, 'R'},   {"effective", required_argument, NULL, 'e'},
		{"reference", required_argument, NULL, 'r'}, {"agency", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},            {"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	int c;
	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->data = optarg; break;
		case 'u': o->username = optarg; break;
		case 'k': o->kind = optarg; break;
		case 'A': o->to_agency = optarg; break;
		case 'R': o->to_role = optarg; break;
		case 'e': o->effective = optarg; break;
		case 'r': o->reference = optarg; break;
		case 'a': o->agency = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': fputs(staff_usage, stdout); return 1;
		default: return cli_usage_error("staff-change", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("staff-change", "unexpected argument '%s'", argv[optind]);
	if (!o->data)
		return cli_usage_error("staff-change", "--data DIR is required");
	return 0;
}

static json_t *change_json(const struct store_staff_change *c)
{
	char eff[16] = "";
	clock_format_local_date(clock_local_day_start(c->effective_day), eff, sizeof eff);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)c->id,
			 "username", c->username, "agency", c->agency, "kind", c->kind, "effective", eff, "to_agency",
			 c->to_agency, "to_role", c->to_role, "reference", c->reference, "requested_by",
			 c->requested_by, "status", c->status, "result", c->result);
}

static void print_change(const struct store_staff_change *c, int json)
{
	if (json) {
		json_t *j = change_json(c);
		char *t = json_dumps(j, JSON_COMPACT);
		printf("%s\n", t ? t : "{}");
		free(t);
		json_decref(j);
		return;
	}
	char eff[16] = "";
	const char *to = c->to_agency[0] ? c->to_agency : c->to_role;
	clock_format_local_date(clock_local_day_start(c->effective_day), eff, sizeof eff);
	printf("%-6lld %-20s %-9s %-14s %-10s %-8s %-24s %s\n", (long long)c->id, c->username, c->kind,
	       to[0] ? to : "-", eff, c->status, c->reference, c->result);
}

static int list_one(const struct store_staff_change *c, void *arg)
{
	print_change(c, *(int *)arg);
	return 0;
}

static int file_change(const struct staff_opts *o)
{
	if (!o->username || !o->kind || !o->reference)
		return cli_usage_error("staff-change", "--username, --kind and --reference are required");
	if (strcmp(o->kind, "leave") && strcmp(o->kind, "transfer") && strcmp(o->kind, "role"))
		return cli_usage_error("staff-change", "--kind must be leave, transfer or role");
	if (!strcmp(o->kind, "transfer") != (o->to_agency != NULL))
		return cli_usage_error("staff-change", "--to-agency goes with --kind transfer, and only with it");
	if (!strcmp(o->kind, "role") != (o->to_role != NULL))
		return cli_usage_error("staff-change", "--to-role goes with --kind role, and only with it");
	struct cli_env env;
	if (cli_env_open(&env, o->data, true))
		return CLI_FAIL;
	struct auth_staff_request rq = {o->username, o->kind, o->effective, o->to_agency, o->to_role, o->reference};
	struct store_staff_change out;
	const char *field = NULL;
	int rc = auth_staff_request(&env.auth, NULL, &rq, &out, &field);
	if (rc && out.id == 0) {
		if (rc == AUTH_EINVAL) {
			rc = cli_usage_error("staff-change", "invalid --%s%s", field ? field : "input",
					     field && !strcmp(field, "effective") ? " (YYYY-MM-DD, today or later)" : "");
		} else if (rc == AUTH_ENOTFOUND) {
			fprintf(stderr, "canhgac staff-change: no account named '%s'\n", o->username);
			rc = CLI_FAIL;
		} else {
			fprintf(stderr, "canhgac staff-change: refused (%d); see the log lines above\n", rc);
			rc = CLI_FAIL;
		}
	} else {
		print_change(&out, o->json);
		if (rc)
			fprintf(stderr, "canhgac staff-change: filed as %lld but not applied: %s\n", (long long)out.id,
				out.result[0] ? out.result : "see the log lines above");
		rc = rc ? CLI_FAIL : CLI_OK;
	}
	cli_env_close(&env);
	return rc;
}

int cli_staff_change(int argc, char **argv)
{
	struct staff_opts o;
	bool list = argc >= 2 && !strcmp(argv[1], "list");
	if (argc < 2) {
		fputs(staff_usage, stderr);
		return CLI_USAGE;
	}
	int rc = list ? parse(argc - 1, argv + 1, &o) : parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? CLI_OK : rc;
	if (!list)
		return file_change(&o);
	if (o.username || o.kind || o.reference || o.to_agency || o.to_role || o.effective)
		return cli_usage_error("staff-change", "list takes only --data, --agency and --json");
	struct cli_env env;
	if (cli_env_open(&env, o.data, false))
		return CLI_FAIL;
	rc = store_staff_list(env.store, o.agency, 100000, list_one, &o.json) ? CLI_FAIL : CLI_OK;
	if (rc)
		fprintf(stderr, "canhgac staff-change: cannot read the database\n");
	cli_env_close(&env);
	return rc;
}
