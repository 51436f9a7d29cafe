/*
 * `canhgac indicators export`: the indicators to share with the national
 * monitoring centre (NCSC), as a STIX 2.1 bundle or CSV on stdout. Reads only
 * the store, so it runs beside a server.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_env.h"
#include "core/clock.h"
#include "fim/indicators.h"

static const char indicators_usage[] =
	"Usage: canhgac indicators export --data DIR [--format stix|csv] [--since T]\n"
	"\n"
	"Prints the indicators first seen at or after T (RFC 3339, a local date\n"
	"YYYY-MM-DD, or unix seconds; default: all): SHA-256 hashes of the web shells\n"
	"'canhgac fim check' found, and the IP addresses the detector blocked. stix\n"
	"(default) is a STIX 2.1 bundle for the national monitoring centre; csv has the\n"
	"columns type,value,first_seen,source,description.\n"
	"Exit: 0 done, 1 failed, 2 bad usage.\n";

static int export_run(struct cli_env *env, int csv, int64_t since)
{
	if (csv) {
		char *text = NULL;
		size_t len = 0;
		if (fim_indicators_csv(env->store, since, &text, &len)) {
			fprintf(stderr, "canhgac indicators: the indicators could not be read from the store\n");
			return CLI_FAIL;
		}
		int bad = fwrite(text, 1, len, stdout) != len || fflush(stdout);
		free(text);
		return bad ? CLI_FAIL : CLI_OK;
	}
	json_t *bundle = NULL;
	if (fim_indicators_stix(env->store, since, clock_now(), env->cfg.fim.organisation, &bundle)) {
		fprintf(stderr, "canhgac indicators: the indicators could not be read from the store\n");
		return CLI_FAIL;
	}
	int bad = json_dumpf(bundle, stdout, JSON_INDENT(2)) || printf("\n") < 0 || fflush(stdout);
	json_decref(bundle);
	return bad ? CLI_FAIL : CLI_OK;
}

int cli_indicators(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'}, {"format", required_argument, NULL, 'f'},
		{"since", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *data = NULL, *format = "stix", *since_s = NULL;
	int c;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(indicators_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "export"))
		return cli_usage_error("indicators", "unknown action '%s': use export", argv[1]);
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 'f': format = optarg; break;
		case 's': since_s = optarg; break;
		case 'h': fputs(indicators_usage, stdout); return CLI_OK;
		default: return cli_usage_error("indicators", "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("indicators", "unexpected argument '%s'", argv[optind + 1]);
	if (!data)
		return cli_usage_error("indicators", "--data DIR is required");
	int csv = !strcmp(format, "csv");
	if (!csv && strcmp(format, "stix"))
		return cli_usage_error("indicators", "--format must be stix or csv");
	int64_t since = 0;
	if (since_s && fim_indicators_parse_since(since_s, &since))
		return cli_usage_error("indicators", "--since must be RFC 3339, YYYY-MM-DD or unix seconds");
	struct cli_env env;
	if (cli_env_open(&env, data, false))
		return CLI_FAIL;
	int rc = export_run(&env, csv, since);
	cli_env_close(&env);
	return rc;
}
