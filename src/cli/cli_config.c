/*
 * `canhgac config check F` validates a configuration file and prints each error
 * with its line; `canhgac config default` prints the default file.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/config.h"

static const char usage[] =
	"Usage: canhgac config check FILE\n"
	"       canhgac config default\n"
	"\n"
	"check    validate FILE: every error is printed as FILE:LINE: message;\n"
	"         exit 0 when valid, 1 when not\n"
	"default  print a configuration file with every key at its default\n";

int cli_config(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (!strcmp(argv[1], "default")) {
		if (argc != 2)
			return cli_usage_error("config", "'default' takes no arguments");
		fputs(config_default_text(), stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "check"))
		return cli_usage_error("config", "unknown action '%s'", argv[1]);
	if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	if (argc != 3)
		return cli_usage_error("config", "check takes exactly one FILE");
	struct config cfg;
	if (cli_load_config(NULL, argv[2], &cfg))
		return CLI_FAIL;
	printf("ok: %s\n", argv[2]);
	if (config_dossier_format_only(&cfg))
		fprintf(stderr, "warning: %s: [dossier] check = format (or the key is missing): lookups are NOT bound "
				"to real dossiers, only the code's shape is checked. Import or push the dossiers "
				"(canhgac dossier import) and set check = verify.\n",
			argv[2]);
	return CLI_OK;
}
