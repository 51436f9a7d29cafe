/*
 * `canhgac service ...`: the credentials of systems, not people (the province's
 * one-stop software, a TAXII partner). add and rotate print a token once; list
 * never shows one. They go through src/auth like every account operation (same
 * rules, audit records by actor "cli").
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "cli/cli.h"
#include "cli/cli_env.h"
#include "core/clock.h"

static const char service_usage[] =
	"Usage: canhgac service add --data DIR --name NAME --scopes SCOPE[,SCOPE] [--agency CODE] [--json]\n"
	"       canhgac service rotate --data DIR --name NAME [--json]\n"
	"       canhgac service list --data DIR [--json]\n"
	"       canhgac service disable --data DIR --name NAME\n"
	"\n"
	"A service credential lets a system (the province's one-stop software pushing\n"
	"dossiers, a TAXII partner reading indicators) call the API with\n"
	"  Authorization: Bearer cgs_...\n"
	"It never signs in, never reaches the console and never looks citizens up; every\n"
	"call it makes is recorded in the audit log (service_call).\n"
	"\n"
	"Scopes: dossiers:write (push dossiers), indicators:read (read indicators).\n"
	"--agency binds the service to one agency's dossiers; without it the service\n"
	"acts for the whole province. NAME is 3-32 of a-z 0-9 . _ - and starts with a\n"
	"letter; it must not be an account's username.\n"
	"add and rotate print the token ONCE (with --json as {\"name\": ..., \"token\": ...}):\n"
	"store it in the calling system's secret store; canhgac keeps only its hash.\n"
	"rotate gives a new token; the old one is refused from the next request on.\n"
	"disable refuses the token for good (the name stays taken).\n"
	"list works while the server runs and never shows a token; the other actions\n"
	"write the audit log, which only one process may hold: stop 'canhgac serve'\n"
	"first (as for 'canhgac user add').\n"
	"Exit status: 0 done, 1 failed (no such service, name taken, audit log busy),\n"
	"2 bad usage (unknown option, missing or invalid value, unknown scope).\n";

struct service_opts {
	const char *data, *name, *scopes, *agency;
	int json;
};

static int parse_opts(int argc, char **argv, struct service_opts *o)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},   {"name", required_argument, NULL, 'n'},
		{"scopes", required_argument, NULL, 's'}, {"agency", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	int c;
	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->data = optarg; break;
		case 'n': o->name = optarg; break;
		case 's': o->scopes = optarg; break;
		case 'a': o->agency = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': fputs(service_usage, stdout); return 1;
		default: return cli_usage_error("service", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("service", "unexpected argument '%s'", argv[optind]);
	if (!o->data)
		return cli_usage_error("service", "--data DIR is required");
	return 0;
}

static void print_token(const char *name, const char *token, int json)
{
	if (json) {
		cli_print_secret_json(json_pack("{s:s, s:s}", "name", name, "token", token));
	} else {
		printf("service: %s\ntoken: %s\n"
		       "(shown once: store it in the calling system's secret store; send it as\n"
		       " 'Authorization: Bearer <token>')\n",
		       name, token);
	}
	fflush(stdout);
}

static void time_text(int64_t t, char *out, size_t size)
{
	if (t <= 0 || clock_format_rfc3339(t, out, size))
		snprintf(out, size, "-");
}

static int list_one(const struct store_service *s, void *arg)
{
	int json = *(int *)arg;
	char created[32], rotated[32], used[32];
	time_text(s->created_at, created, sizeof created);
	time_text(s->rotated_at, rotated, sizeof rotated);
	time_text(s->last_used_at, used, sizeof used);
	if (json) {
		json_t *sc = json_array();
		unsigned bits = auth_scope_parse(s->scopes, NULL);
		for (unsigned bit = 1; bit && bit <= AUTH_SCOPE_ALL; bit <<= 1)
			if (bits & bit)
				json_array_append_new(sc, json_string(auth_scope_name(bit)));
		json_t *j = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:s}", "name", s->name, "scopes", sc, "agency",
				      s->agency, "status", s->disabled ? "disabled" : "active", "created_at", created,
				      "rotated_at", rotated, "last_used_at", used);
		/* "-" is for people; scripts get null */
		if (!s->rotated_at)
			json_object_set_new(j, "rotated_at", json_null());
		if (!s->last_used_at)
			json_object_set_new(j, "last_used_at", json_null());
		char *t = json_dumps(j, JSON_COMPACT);
		printf("%s\n", t);
		free(t);
		json_decref(j);
	} else {
		printf("%-20s %-8s %-32s %-14s last used %s\n", s->name, s->disabled ? "disabled" : "active", s->scopes,
		       s->agency[0] ? s->agency : "(province)", used);
	}
	return 0;
}

static int auth_error(const char *cmd, int rc, const char *field, const char *name)
{
	switch (rc) {
	case AUTH_EINVAL:
		if (field && !strcmp(field, "scopes"))
			fprintf(stderr, "canhgac %s: --scopes must be a comma-separated list of dossiers:write and "
					"indicators:read\n", cmd);
		else if (field && !strcmp(field, "agency"))
			fprintf(stderr, "canhgac %s: no agency with that code; see 'canhgac agency list'\n", cmd);
		else
			fprintf(stderr, "canhgac %s: invalid %s (3-32 of a-z 0-9 . _ -, a letter first)\n", cmd,
				field ? field : "input");
		return CLI_USAGE;
	case AUTH_ECONFLICT:
		fprintf(stderr, "canhgac %s: the name '%s' is taken (by a service or an account)\n", cmd, name);
		return CLI_FAIL;
	case AUTH_ENOTFOUND:
		fprintf(stderr, "canhgac %s: no enabled service named '%s'; see 'canhgac service list'\n", cmd, name);
		return CLI_FAIL;
	case AUTH_EAUDIT:
		fprintf(stderr, "canhgac %s: the audit log cannot take the record; nothing usable was made "
				"(check the disk, then run it again)\n", cmd);
		return CLI_FAIL;
	default:
		fprintf(stderr, "canhgac %s: failed (%d); see the log lines above\n", cmd, rc);
		return CLI_FAIL;
	}
}

int cli_service(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(service_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *action = argv[1];
	struct service_opts o;
	int rc = parse_opts(argc - 1, argv + 1, &o);
	if (rc)
		return rc == 1 ? CLI_OK : rc;
	bool add = !strcmp(action, "add"), rotate = !strcmp(action, "rotate"), list = !strcmp(action, "list"),
	     disable = !strcmp(action, "disable");
	/* usage is checked before anything is opened: a typo never waits on the log's lock */
	if (!add && !rotate && !list && !disable)
		return cli_usage_error("service", "unknown action '%s'", action);
	if ((add || rotate || disable) && !o.name)
		return cli_usage_error("service", "%s needs --name", action);
	if (add && !o.scopes)
		return cli_usage_error("service", "add needs --scopes (dossiers:write, indicators:read)");
	if (!add && (o.scopes || o.agency))
		return cli_usage_error("service", "--scopes and --agency belong to add");
	if (disable && o.json)
		return cli_usage_error("service", "--json belongs to add, rotate and list");
	if (add) {
		const char *bad = NULL;
		if (!auth_scope_parse(o.scopes, &bad))
			return cli_usage_error("service", "unknown scope '%.*s': the scopes are dossiers:write and "
							  "indicators:read",
					       (int)strcspn(bad ? bad : "", ","), bad ? bad : "");
	}
	struct cli_env env;
	if (cli_env_open(&env, o.data, !list))
		return CLI_FAIL;
	char token[AUTH_SERVICE_TOKEN_MAX] = "";
	const char *field = NULL;
	if (add) {
		struct store_service s;
		if ((rc = auth_credential_add(&env.auth, NULL, o.name, o.scopes, o.agency, &s, token, &field)))
			rc = auth_error("service add", rc, field, o.name);
		else
			print_token(s.name, token, o.json);
	} else if (rotate) {
		if ((rc = auth_credential_rotate(&env.auth, NULL, o.name, token)))
			rc = auth_error("service rotate", rc, NULL, o.name);
		else
			print_token(o.name, token, o.json);
	} else if (disable) {
		if ((rc = auth_credential_disable(&env.auth, NULL, o.name))) {
			if (rc == AUTH_EAUDIT) {
				fprintf(stderr, "canhgac service disable: %s is disabled, but the audit log could not "
						"take the record; check the disk\n", o.name);
				rc = CLI_FAIL;
			} else {
				rc = auth_error("service disable", rc, NULL, o.name);
			}
		} else {
			printf("%s: disabled; its token is refused from now on\n", o.name);
		}
	} else {
		rc = store_service_list(env.store, list_one, &o.json) ? CLI_FAIL : CLI_OK;
	}
	sodium_memzero(token, sizeof token);
	cli_env_close(&env);
	return rc;
}
