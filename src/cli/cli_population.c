/*
 * `canhgac population generate|sample`: fills the embedded population with
 * synthetic citizens and prints a sample of their ids (for demos, tests and the
 * benchmark). Only the store is opened: generating data is not a lookup of
 * anyone's data, so it is not audited.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/datadir.h"
#include "lookup/population_generate.h"
#include "store/store.h"

#define DEFAULT_SEED 1

static const char population_usage[] =
	"Usage: canhgac population generate --data DIR --count N [--seed S] [--dossiers K]\n"
	"       canhgac population sample --data DIR --count K\n"
	"\n"
	"generate  replaces the synthetic citizens of the embedded population with N new\n"
	"          ones (1 to 5000000), the same N for the same seed (default 1). Every\n"
	"          row is marked synthetic; rows marked otherwise are kept. Then makes K\n"
	"          open synthetic dossiers (default 20, 0 for none) for every agency but\n"
	"          the IT centre, over the new citizens, so that lookups in verify mode\n"
	"          work (imported and audited as 'canhgac dossier generate' does).\n"
	"sample    prints K citizen ids of the embedded population chosen at random,\n"
	"          one a line.\n"
	"Exit: 0 done, 1 failed (no such data directory, database error), 2 bad usage.\n";

static int parse_count(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int print_id(const char *id, void *arg)
{
	(void)arg;
	return printf("%s\n", id) < 0;
}

/* The agencies that get synthetic dossiers: all but the IT centre's. */
#define AGENCIES_MAX 64
struct agency_codes {
	char code[AGENCIES_MAX][STORE_CODE_MAX];
	size_t n;
};

static int collect_agency(const struct store_agency *a, void *arg)
{
	struct agency_codes *c = arg;
	if (strcmp(a->code, ADMIN_AGENCY_CODE) != 0 && c->n < AGENCIES_MAX)
		snprintf(c->code[c->n++], sizeof c->code[0], "%s", a->code);
	return 0;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int cli_population(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'}, {"count", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 's'}, {"dossiers", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *data = NULL, *count_s = NULL, *seed_s = NULL, *dossiers_s = NULL;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(population_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *action = argv[1];
	int generate = !strcmp(action, "generate");
	if (!generate && strcmp(action, "sample"))
		return cli_usage_error("population", "unknown action '%s': use generate or sample", action);
	int c;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 'n': count_s = optarg; break;
		case 's': seed_s = optarg; break;
		case 'k': dossiers_s = optarg; break;
		case 'h': fputs(population_usage, stdout); return CLI_OK;
		default: return cli_usage_error("population", "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("population", "unexpected argument '%s'", argv[optind + 1]);
	if (!data)
		return cli_usage_error("population", "--data DIR is required");
	long long count, seed = DEFAULT_SEED;
	if (!count_s || parse_count(count_s, 1, generate ? POPULATION_GENERATE_MAX : 1000000, &count))
		return cli_usage_error("population", "--count must be a whole number from 1 to %d",
				       generate ? POPULATION_GENERATE_MAX : 1000000);
	if (!generate && (seed_s || dossiers_s))
		return cli_usage_error("population", "--seed and --dossiers are for generate only");
	long long dossiers = 20;
	if (dossiers_s && parse_count(dossiers_s, 0, 1000, &dossiers))
		return cli_usage_error("population", "--dossiers must be a whole number from 0 to 1000");
	if (seed_s && parse_count(seed_s, 0, 0x7fffffffffffffffLL, &seed))
		return cli_usage_error("population", "--seed must be a whole number from 0 to 2^63-1");

	struct config cfg;
	if (cli_load_config(data, NULL, &cfg))
		return CLI_FAIL;
	char path[DATADIR_PATH_MAX], why[512];
	struct store *st = NULL;
	if (datadir_path(data, "canhgac.db", path, sizeof path) ||
	    store_open(path, STORE_OPEN_EXISTING, &st, why, sizeof why)) {
		fprintf(stderr, "canhgac population: %s\n", why);
		return CLI_FAIL;
	}
	int rc = CLI_OK;
	if (generate) {
		struct population_generate_stats stats;
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (population_generate(st, count, (uint64_t)seed, &stats, why, sizeof why)) {
			fprintf(stderr, "canhgac population generate: %s\n", why);
			rc = CLI_FAIL;
		} else {
			printf("generated %lld synthetic citizens in %lld households (seed %lld, replaced %lld) in %.1f s\n",
			       (long long)stats.inserted, (long long)stats.households, seed,
			       (long long)stats.deleted, seconds_since(&t0));
		}
	} else {
		int64_t have = 0;
		if (store_citizen_count(st, &have) || have == 0) {
			fprintf(stderr, "canhgac population sample: the embedded population is empty: "
					"run 'canhgac population generate --data DIR --count N' first\n");
			rc = CLI_FAIL;
		} else if (store_citizen_sample(st, (int)count, print_id, NULL) || fflush(stdout)) {
			fprintf(stderr, "canhgac population sample: reading the population failed\n");
			rc = CLI_FAIL;
		}
	}
	struct agency_codes codes = {0};
	if (rc == CLI_OK && generate && dossiers > 0)
		store_agency_list(st, collect_agency, &codes);
	store_close(st);
	for (size_t i = 0; i < codes.n && rc == CLI_OK; i++)
		rc = cli_dossier_generate(data, codes.code[i], (size_t)dossiers, 0);
	return rc;
}
