/*
 * `canhgac review --data DIR --agency CODE [--format csv|json|html]`: the access
 * review of an agency (src/review/) on standard output, the same document as
 * GET /api/v1/agencies/{code}/review. Read-only, so it works beside a running
 * server; not audited (like `user list`: the operator is on the machine).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_env.h"
#include "core/clock.h"
#include "review/review.h"

static const char review_usage[] =
	"Usage: canhgac review --data DIR --agency CODE [--format csv|json|html] [--output FILE]\n"
	"\n"
	"Prints the access review of an agency: every account with its role, status,\n"
	"last sign-in, last lookup, lookups today and this month and its limits, second\n"
	"factor, password age and expiry, when it was created and why it is disabled.\n"
	"  --format json   the document of GET /api/v1/agencies/CODE/review (default)\n"
	"  --format csv    for a spreadsheet: UTF-8 with BOM, a header row\n"
	"  --format html   a printable page in Vietnamese, with lines for signatures\n"
	"  --output FILE   write there (mode 0600) instead of standard output\n"
	"Works while the server runs (it only reads).\n";

int cli_review(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},   {"agency", required_argument, NULL, 'a'},
		{"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},         {0, 0, 0, 0},
	};
	const char *data = NULL, *agency = NULL, *format = NULL, *output = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 'a': agency = optarg; break;
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'h': fputs(review_usage, stdout); return CLI_OK;
		default: return cli_usage_error("review", "unknown option");
		}
	}
	enum review_format f;
	if (optind != argc)
		return cli_usage_error("review", "unexpected argument '%s'", argv[optind]);
	if (!data || !agency)
		return cli_usage_error("review", "--data DIR and --agency CODE are required");
	if (review_format_parse(format, &f))
		return cli_usage_error("review", "--format must be csv, json or html");
	struct cli_env env;
	if (cli_env_open(&env, data, false))
		return CLI_FAIL;
	json_t *r = NULL;
	char *body = NULL;
	size_t len = 0;
	const char *type;
	int rc = review_build(env.store, &env.cfg, agency, "cli", clock_now(), &r);
	if (rc == REVIEW_ENOTFOUND) {
		fprintf(stderr, "canhgac review: no agency '%s' (see 'canhgac agency list')\n", agency);
		rc = CLI_FAIL;
	} else if (rc || review_render(r, f, &body, &len, &type)) {
		fprintf(stderr, "canhgac review: cannot read the database; see the log lines above\n");
		rc = CLI_FAIL;
	} else {
		FILE *out = output ? fopen(output, "wx") : stdout;
		if (!out) {
			fprintf(stderr, "canhgac review: cannot create %s (it must not exist yet)\n", output);
			rc = CLI_FAIL;
		} else {
			rc = fwrite(body, 1, len, out) == len && (f != REVIEW_JSON || fputc('\n', out) != EOF) ? CLI_OK
													       : CLI_FAIL;
			if ((out != stdout ? fclose(out) : fflush(out)) || rc) {
				fprintf(stderr, "canhgac review: write failed\n");
				rc = CLI_FAIL;
			}
		}
	}
	free(body);
	json_decref(r);
	cli_env_close(&env);
	return rc;
}
