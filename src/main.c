/*
 * canhgac: the security gateway of a provincial administrative-procedure system.
 * This file only dispatches to a subcommand; see src/cli/.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/wipe.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cli_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("canhgac %s\n", CANHGAC_VERSION);
	return CLI_OK;
}

static const struct command commands[] = {
	{"init", cli_init, "create a data directory, keys, configuration and database"},
	{"serve", cli_serve, "run the HTTP API, the console and the workers"},
	{"demo", cli_demo, "initialise a demo instance of Dong Nai and serve it"},
	{"user", cli_user, "add, list, disable, enable, unlock accounts, reset passwords and second factors"},
	{"agency", cli_agency, "add and list agencies"},
	{"service", cli_service, "add, rotate, list, disable the API tokens of systems (service credentials)"},
	{"staff-change", cli_staff_change, "file and list staff changes (leave, transfer, role)"},
	{"review", cli_review, "the access review of an agency (CSV, JSON, printable HTML)"},
	{"dossier", cli_dossier, "import, generate or list the dossiers lookups are bound to"},
	{"population", cli_population, "generate or sample the embedded synthetic population"},
	{"fim", cli_fim, "baseline the web roots, check them for changes and web shells"},
	{"indicators", cli_indicators, "export indicators (web-shell hashes, blocked IPs) as STIX 2.1 or CSV"},
	{"audit", cli_audit, "verify the audit log, who looked a citizen up, export, reindex"},
	{"scan", cli_scan, "find attacks in web-server access logs (offline)"},
	{"simulate", cli_simulate, "play a stolen-account scenario against a running server (simulate leak)"},
	{"config", cli_config, "check a configuration file, or print the default one"},
	{"version", cli_version, "print the version"},
};

static void print_usage(FILE *out)
{
	fprintf(out, "Usage: canhgac COMMAND [OPTIONS]\n\n"
		     "canhgac guards a provincial administrative-procedure system: accounts that\n"
		     "enforce the password orders, citizen lookups bound to a dossier with quotas,\n"
		     "a tamper-evident audit log, and attack detection.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'canhgac COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
	umask(077);
	if (sodium_init() < 0) {
		fprintf(stderr, "canhgac: libsodium could not start (no entropy source?)\n");
		return CLI_FAIL;
	}
	wipe_setup_json();
	if (argc < 2) {
		print_usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_usage(stdout);
		return CLI_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return cli_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "canhgac: unknown command '%s'\n\n", argv[1]);
	print_usage(stderr);
	return CLI_USAGE;
}
