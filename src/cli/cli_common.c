/*
 * Helpers every subcommand uses: usage errors and loading the configuration with
 * each error printed on its own line.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/datadir.h"
#include "lookup/procedures.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "canhgac %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'canhgac %s --help'.\n", cmd);
	return CLI_USAGE;
}

/* [lookup] procedures_file is part of the configuration: a file that does not
 * load is a configuration error, reported like the others, before anything runs. */
static int cli_check_procedures(const char *config_path, const struct config *cfg)
{
	struct procedures *p = NULL;
	char why[512];
	if (!cfg->lookup.procedures_file[0])
		return 0;
	if (procedures_load(cfg->lookup.procedures_file, &p, why, sizeof why) == 0) {
		procedures_free(p);
		return 0;
	}
	fprintf(stderr, "%s: [lookup] procedures_file: %s\n", config_path, why);
	return -1;
}

int cli_load_config(const char *data_dir, const char *config_path, struct config *cfg)
{
	char path[DATADIR_PATH_MAX];
	if (!config_path) {
		if (datadir_path(data_dir, "canhgac.conf", path, sizeof path)) {
			fprintf(stderr, "canhgac: data directory path is too long\n");
			return -1;
		}
		config_path = path;
	}
	struct config_errors errs;
	if (config_load(config_path, cfg, &errs) == 0)
		return cli_check_procedures(config_path, cfg);
	for (int i = 0; i < errs.count && i < CONFIG_MAX_ERRORS; i++) {
		if (errs.items[i].line)
			fprintf(stderr, "%s:%d: %s\n", config_path, errs.items[i].line, errs.items[i].message);
		else
			fprintf(stderr, "%s: %s\n", config_path, errs.items[i].message);
	}
	if (errs.count > CONFIG_MAX_ERRORS)
		fprintf(stderr, "%s: ... and %d more errors\n", config_path, errs.count - CONFIG_MAX_ERRORS);
	return -1;
}

void cli_print_secret_json(json_t *j)
{
	char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (t) {
		printf("%s\n", t);
		sodium_memzero(t, strlen(t));
		free(t);
	}
	json_decref(j);
}
