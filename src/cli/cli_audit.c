/*
 * `canhgac audit verify | citizen | export | reindex`: the operator's and the
 * auditor's view of the audit log. verify checks the whole chain and every
 * signature (exit 1 on tampering); citizen answers "who looked this person up";
 * export prints records as JSON lines for a SIEM; reindex rebuilds the SQLite
 * projections from the log (with the server stopped).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/sign.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/datadir.h"
#include "core/log.h"
#include "store/store.h"

static const char usage_audit[] =
	"Usage: canhgac audit COMMAND --data DIR [OPTIONS]\n"
	"\n"
	"The tamper-evident audit log of DIR (DIR/audit, format in docs/AUDIT.md).\n"
	"\n"
	"Commands:\n"
	"  verify    check the hash chain and every checkpoint signature\n"
	"  citizen   who looked a citizen up, when, for which dossier\n"
	"  export    records as JSON lines (for a SIEM), by time range\n"
	"  reindex   rebuild the database's audit projections from the log\n"
	"\n"
	"Run 'canhgac audit COMMAND --help' for the options of a command.\n";

static const char usage_verify[] =
	"Usage: canhgac audit verify --data DIR [--pubkey FILE] [--json]\n"
	"\n"
	"Checks every record of DIR/audit (and DIR/audit/archive): seqs without gap,\n"
	"each hash and link of the chain, every checkpoint signature, and that the log\n"
	"reaches its newest signed checkpoint (so a truncation is found).\n"
	"Prints 'ok: N records, last checkpoint S', or the first bad seq and why.\n"
	"Safe while 'canhgac serve' runs.\n"
	"\n"
	"Options:\n"
	"  --data DIR       the data directory\n"
	"  --pubkey FILE    the audit public key (hex) kept by the auditor; default\n"
	"                   DIR/keys/audit.pub\n"
	"  --json           print {ok, records, checkpoint_seq, first_bad_seq, reason}\n"
	"  -h, --help       this help\n"
	"\n"
	"Exit status: 0 the log is intact, 1 tampering found or the log unreadable,\n"
	"2 bad usage.\n";

static const char usage_citizen[] =
	"Usage: canhgac audit citizen --data DIR [--limit N] [--json] CITIZEN_ID\n"
	"\n"
	"Lists who looked the citizen up, newest first: local time (Asia/Ho_Chi_Minh),\n"
	"account, agency, dossier, procedure, outcome and the record's seq (which\n"
	"'canhgac audit export' shows in full).\n"
	"\n"
	"Options:\n"
	"  --data DIR    the data directory\n"
	"  --limit N     at most N lookups (default 100, at most 10000)\n"
	"  --json        one JSON object per line\n"
	"  -h, --help    this help\n";

static const char usage_export[] =
	"Usage: canhgac audit export --data DIR [--from T] [--to T]\n"
	"\n"
	"Prints the records whose time is in [from, to) as JSON lines, exactly as they\n"
	"are stored (each with its seq, prev and hash), oldest first.\n"
	"T is RFC 3339 (2026-11-23T02:15:00Z) or a local date YYYY-MM-DD (a --to date\n"
	"includes that whole day).\n"
	"\n"
	"Options:\n"
	"  --data DIR    the data directory\n"
	"  --from T      first time (default: the beginning)\n"
	"  --to T        end (default: now and after)\n"
	"  -h, --help    this help\n";

static const char usage_reindex[] =
	"Usage: canhgac audit reindex --data DIR\n"
	"\n"
	"Empties the audit projections of DIR/canhgac.db (lookups by citizen, user and\n"
	"agency; daily counts used by quotas) and rebuilds them from the whole log.\n"
	"Stop 'canhgac serve' first: it refuses while the log is in use.\n"
	"\n"
	"Options:\n"
	"  --data DIR    the data directory\n"
	"  -h, --help    this help\n";

struct audit_opts {
	const char *dir, *pubkey, *from, *to;
	int json, limit;
	const char *arg; /* the one positional argument (citizen) */
};

/* Parses the options of subcommand `cmd`; returns -1 to go on, or an exit code. */
static int parse_opts(const char *cmd, const char *usage, int argc, char **argv, struct audit_opts *o,
		      bool want_arg)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'}, {"pubkey", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},       {"limit", required_argument, NULL, 'n'},
		{"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},       {0, 0, 0, 0},
	};
	char name[32];
	int c;
	snprintf(name, sizeof name, "audit %s", cmd);
	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'p': o->pubkey = optarg; break;
		case 'j': o->json = 1; break;
		case 'f': o->from = optarg; break;
		case 't': o->to = optarg; break;
		case 'n': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 10000)
				return cli_usage_error(name, "--limit must be a number from 1 to 10000");
			o->limit = (int)v;
			break;
		}
		case 'h': fputs(usage, stdout); return CLI_OK;
		default: return cli_usage_error(name, "unknown option");
		}
	}
	if ((o->pubkey && strcmp(cmd, "verify")) || (o->limit && strcmp(cmd, "citizen")) ||
	    ((o->from || o->to) && strcmp(cmd, "export")) ||
	    (o->json && strcmp(cmd, "verify") && strcmp(cmd, "citizen")))
		return cli_usage_error(name, "an option that '%s' does not take", name);
	if (want_arg && optind + 1 == argc)
		o->arg = argv[optind++];
	if (optind != argc)
		return cli_usage_error(name, "unexpected argument '%s'", argv[optind]);
	if (want_arg && !o->arg)
		return cli_usage_error(name, "CITIZEN_ID is required");
	if (!o->dir)
		return cli_usage_error(name, "--data DIR is required");
	if (!datadir_is_initialised(o->dir)) {
		fprintf(stderr, "canhgac %s: %s is not a canhgac data directory: pass the --data given to "
			"'canhgac init'\n", name, o->dir);
		return CLI_FAIL;
	}
	return -1;
}

static int cmd_verify(int argc, char **argv)
{
	struct audit_opts o;
	unsigned char pk[AUDIT_SIGN_PK_BYTES];
	char why[512];
	struct audit_verify_result r;
	int rc = parse_opts("verify", usage_verify, argc, argv, &o, false);
	if (rc >= 0)
		return rc;
	if (o.pubkey && audit_sign_load_public(o.pubkey, pk, why, sizeof why)) {
		fprintf(stderr, "canhgac audit verify: %s\n", why);
		return CLI_FAIL;
	}
	rc = audit_verify(o.dir, o.pubkey ? pk : NULL, &r);
	if (o.json) {
		json_t *j = json_pack("{s:b, s:I, s:I}", "ok", r.ok, "records", (json_int_t)r.records,
				      "checkpoint_seq", (json_int_t)r.checkpoint_seq);
		if (!r.ok) {
			json_object_set_new(j, "first_bad_seq", json_integer((json_int_t)r.first_bad_seq));
			json_object_set_new(j, "reason", json_string(r.reason));
		}
		char *text = json_dumps(j, JSON_COMPACT);
		puts(text ? text : "{}");
		free(text);
		json_decref(j);
	}
	if (rc == AUDIT_EIO) {
		fprintf(stderr, "canhgac audit verify: cannot read the audit log: %s\n", r.reason);
		return CLI_FAIL;
	}
	if (rc != 0) {
		if (!o.json)
			printf("TAMPERED: first bad seq %" PRIu64 ": %s\n", r.first_bad_seq, r.reason);
		fprintf(stderr,
			"canhgac audit verify: the audit log of %s fails verification (%" PRIu64 " records "
			"chain correctly before seq %" PRIu64 "). Keep a copy of %s/audit as evidence, "
			"report an incident, and see docs/OPERATIONS.md\n",
			o.dir, r.records, r.first_bad_seq, o.dir);
		return CLI_FAIL;
	}
	if (!o.json) {
		printf("ok: %" PRIu64 " records, last checkpoint %" PRIu64 "\n", r.records, r.checkpoint_seq);
		if (r.records > r.checkpoint_seq)
			printf("unsigned tail: %" PRIu64 " records after the last checkpoint (written in the "
			       "last second, or before a crash; signed at the next checkpoint)\n",
			       r.records - r.checkpoint_seq);
	}
	return CLI_OK;
}

static int open_store(const char *cmd, const char *dir, struct store **st)
{
	char path[DATADIR_PATH_MAX], why[512];
	datadir_path(dir, "canhgac.db", path, sizeof path);
	if (store_open(path, STORE_OPEN_EXISTING, st, why, sizeof why)) {
		fprintf(stderr, "canhgac audit %s: %s\n", cmd, why);
		return -1;
	}
	return 0;
}

static void format_local(int64_t t, char *out, size_t size)
{
	int y, m, d, s = clock_local_seconds_of_day(t);
	clock_local_date(t, &y, &m, &d, NULL);
	snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, s / 3600, s / 60 % 60, s % 60);
}

struct citizen_ctx {
	int json;
	int n;
};

static int print_lookup(const struct store_audit_lookup *l, void *arg)
{
	struct citizen_ctx *c = arg;
	char when[40], utc[32];
	c->n++;
	if (c->json) {
		clock_format_rfc3339(l->time, utc, sizeof utc);
		json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)l->seq,
				      "time", utc, "actor", l->actor, "agency", l->agency, "ip", l->ip,
				      "citizen_id", l->citizen_id, "dossier_code", l->dossier_code,
				      "procedure_code", l->procedure_code, "outcome", l->outcome);
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (text)
			puts(text);
		free(text);
		json_decref(j);
		return 0;
	}
	format_local(l->time, when, sizeof when);
	printf("%s  %-16s %-10s %-28s %-10s %-10s seq %" PRId64 "\n", when, l->actor,
	       l->agency[0] ? l->agency : "-", l->dossier_code[0] ? l->dossier_code : "-",
	       l->procedure_code[0] ? l->procedure_code : "-", l->outcome[0] ? l->outcome : "-", l->seq);
	return 0;
}

static int cmd_citizen(int argc, char **argv)
{
	struct audit_opts o;
	struct store *st = NULL;
	int rc = parse_opts("citizen", usage_citizen, argc, argv, &o, true);
	if (rc >= 0)
		return rc;
	if (strlen(o.arg) > 32)
		return cli_usage_error("audit citizen", "'%s' is not a citizen id (12 digits)", o.arg);
	if (open_store("citizen", o.dir, &st))
		return CLI_FAIL;
	struct citizen_ctx c = {.json = o.json};
	if (!o.json)
		printf("local time (UTC+7)   account          agency     dossier                      "
		       "procedure  outcome\n");
	rc = store_audit_lookups_by_citizen(st, o.arg, o.limit ? o.limit : 100, print_lookup, &c);
	store_close(st);
	if (rc) {
		fprintf(stderr, "canhgac audit citizen: cannot read the lookups: %s; if the database was "
			"restored, run 'canhgac audit reindex --data %s'\n", store_strerror(rc), o.dir);
		return CLI_FAIL;
	}
	if (!o.json && c.n == 0)
		printf("(no lookups of %s)\n", o.arg);
	return CLI_OK;
}

/* RFC 3339, or a local date (start of it; with end_of_day, the start of the next). */
static int parse_time_arg(const char *s, bool end_of_day, int64_t *out)
{
	int64_t day;
	if (clock_parse_rfc3339(s, out) == 0)
		return 0;
	if (clock_parse_local_date(s, &day) == 0) {
		*out = clock_local_day_start(day + (end_of_day ? 1 : 0));
		return 0;
	}
	return -1;
}

struct export_ctx {
	int64_t from, to;
	uint64_t n;
};

static int export_one(const json_t *rec, const char *line, size_t len, void *arg)
{
	struct export_ctx *c = arg;
	int64_t t = 0;
	clock_parse_rfc3339(json_string_value(json_object_get(rec, "time")), &t);
	if (t < c->from || (c->to && t >= c->to))
		return 0;
	fwrite(line, 1, len, stdout);
	putchar('\n');
	c->n++;
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	struct audit_opts o;
	char why[512];
	struct export_ctx c = {.from = INT64_MIN};
	int rc = parse_opts("export", usage_export, argc, argv, &o, false);
	if (rc >= 0)
		return rc;
	if (o.from && parse_time_arg(o.from, false, &c.from))
		return cli_usage_error("audit export", "--from '%s' is neither RFC 3339 nor YYYY-MM-DD", o.from);
	if (o.to && parse_time_arg(o.to, true, &c.to))
		return cli_usage_error("audit export", "--to '%s' is neither RFC 3339 nor YYYY-MM-DD", o.to);
	if (audit_read_records(o.dir, 1, export_one, &c, why, sizeof why)) {
		fprintf(stderr, "canhgac audit export: %s\n", why);
		return CLI_FAIL;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "canhgac audit export: cannot write the output\n");
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int cmd_reindex(int argc, char **argv)
{
	struct audit_opts o;
	struct store *st = NULL;
	char why[512];
	uint64_t n = 0;
	int rc = parse_opts("reindex", usage_reindex, argc, argv, &o, false);
	if (rc >= 0)
		return rc;
	log_setup(LOG_WARN, NULL);
	if (open_store("reindex", o.dir, &st))
		return CLI_FAIL;
	rc = audit_reindex(o.dir, st, &n, why, sizeof why);
	store_close(st);
	if (rc) {
		fprintf(stderr, "canhgac audit reindex: %s\n", why);
		return CLI_FAIL;
	}
	printf("reindexed: %" PRIu64 " records\n", n);
	return CLI_OK;
}

int cli_audit(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} cmds[] = {
		{"verify", cmd_verify},
		{"citizen", cmd_citizen},
		{"export", cmd_export},
		{"reindex", cmd_reindex},
	};
	if (argc < 2)
		return cli_usage_error("audit", "a command is required (verify, citizen, export, reindex)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage_audit, stdout);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	return cli_usage_error("audit", "unknown command '%s' (verify, citizen, export, reindex)", argv[1]);
}
