/*
 * `canhgac scan`: offline attack detection over web-server access logs. Hands
 * each FILE (plain or gzip; `-` is stdin) to the block pipeline of
 * detect/weblog_scan.h (large reads, parsing and matching on one thread per
 * core, the detector fed in log order; a line longer than WEBLOG_LINE_MAX is
 * counted as malformed and skipped rather than split), then prints the findings
 * and writes the ban files. A summary goes to stderr. Exit 0 when
 * nothing was found, 1 when something was, 2 on bad usage, unreadable input or
 * a configuration that cannot be used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cli/cli.h"
#include "core/config.h"
#include "detect/weblog_detect.h"
#include "detect/weblog_output.h"
#include "detect/weblog_parse.h"
#include "detect/weblog_scan.h"
#include "detect/weblog_sigs.h"

static const char usage[] =
	"Usage: canhgac scan [OPTIONS] FILE...\n"
	"\n"
	"Finds scanners, brute force, injection and traversal attempts and abusive\n"
	"request rates in web-server access logs (plain or .gz; - is stdin), with\n"
	"per-address windows in the log's own time. Thresholds, login paths and the\n"
	"allowlist come from [weblog] of the configuration (docs/DETECTION.md).\n"
	"\n"
	"  --format nginx|apache|json  nginx and apache read the combined and common\n"
	"                              formats (the default); json reads one object a line\n"
	"  --log-format FMT            an nginx log_format string (overrides [weblog] log_format)\n"
	"  --config FILE               read thresholds from FILE (default: built-in defaults)\n"
	"  --json                      one JSON object per finding:\n"
	"                              {rule, category, ip, count, first, last, sample, ...}\n"
	"  --nginx-deny FILE           write `deny IP;` lines for the addresses to ban\n"
	"  --nftables FILE             write an `nft -f` script adding them to a set with timeouts\n"
	"  --threads N                 parsing threads (default: one per core; 1: none).\n"
	"                              The findings are the same for any N\n"
	"\n"
	"Exit status: 0 nothing found, 1 findings, 2 bad usage or unreadable input.\n";

static int ban_write(const char *path, const struct weblog_finding *f, size_t n, int ban_seconds, bool nft)
{
	FILE *out = fopen(path, "w");
	if (!out) {
		fprintf(stderr, "canhgac scan: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	int m = nft ? weblog_output_nftables(out, f, n, ban_seconds) : weblog_output_nginx_deny(out, f, n, ban_seconds);
	if (fclose(out) != 0 || m < 0) {
		fprintf(stderr, "canhgac scan: writing %s failed\n", path);
		return -1;
	}
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_scan(int argc, char **argv)
{
	const char *format = "nginx", *log_format = NULL, *config_path = NULL;
	const char *deny_path = NULL, *nft_path = NULL;
	bool json = false;
	int n_files = 0, threads = 0;
	const char **files = calloc((size_t)argc, sizeof *files);
	if (!files)
		return CLI_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			free(files);
			return CLI_OK;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--format") || !strcmp(a, "--log-format") || !strcmp(a, "--config") ||
			   !strcmp(a, "--nginx-deny") || !strcmp(a, "--nftables") || !strcmp(a, "--threads")) {
			if (i + 1 >= argc) {
				free(files);
				return cli_usage_error("scan", "%s needs a value", a);
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--format"))
				format = v;
			else if (!strcmp(a, "--log-format"))
				log_format = v;
			else if (!strcmp(a, "--config"))
				config_path = v;
			else if (!strcmp(a, "--nginx-deny"))
				deny_path = v;
			else if (!strcmp(a, "--threads")) {
				char *end;
				long t = strtol(v, &end, 10);
				if (*end || end == v || t < 1 || t > WEBLOG_SCAN_THREADS_MAX) {
					free(files);
					return cli_usage_error("scan", "--threads must be 1 to %d",
							       WEBLOG_SCAN_THREADS_MAX);
				}
				threads = (int)t;
			}
			else
				nft_path = v;
		} else if (!strcmp(a, "--")) {
			while (++i < argc)
				files[n_files++] = argv[i];
		} else if (a[0] == '-' && a[1]) {
			free(files);
			return cli_usage_error("scan", "unknown option '%s'", a);
		} else {
			files[n_files++] = a;
		}
	}
	if (n_files == 0) {
		free(files);
		return cli_usage_error("scan", "name at least one log FILE (or - for stdin)");
	}
	if (strcmp(format, "nginx") && strcmp(format, "apache") && strcmp(format, "json")) {
		free(files);
		return cli_usage_error("scan", "--format must be nginx, apache or json, not '%s'", format);
	}

	static struct config cfg;
	if (config_path) {
		if (cli_load_config(NULL, config_path, &cfg)) {
			free(files);
			return CLI_USAGE;
		}
	} else {
		config_defaults(&cfg);
	}
	if (log_format)
		snprintf(cfg.weblog.log_format, sizeof cfg.weblog.log_format, "%s", log_format);

	int rc = CLI_USAGE;
	char why[256] = "";
	struct weblog_sigs *sigs = NULL;
	struct weblog_detect *detect = NULL;
	struct weblog_scan *scan = NULL;
	struct weblog_parser *check = NULL;
	/* the log_format is checked before the (slower) signature load */
	if (weblog_parser_new(!strcmp(format, "json") ? WEBLOG_INPUT_JSON : WEBLOG_INPUT_TEXT,
			      cfg.weblog.log_format, &check, why, sizeof why)) {
		fprintf(stderr, "canhgac scan: %s\n", why);
		goto out;
	}
	weblog_parser_free(check);
	if (weblog_sigs_load(cfg.weblog.signatures, cfg.weblog.probe_paths, &sigs, why, sizeof why)) {
		fprintf(stderr, "canhgac scan: signatures: %s\n", why);
		goto out;
	}
	if (weblog_detect_new(&cfg, sigs, &detect, why, sizeof why)) {
		fprintf(stderr, "canhgac scan: %s\n", why);
		goto out;
	}
	struct weblog_scan_opts so = {
		.input = !strcmp(format, "json") ? WEBLOG_INPUT_JSON : WEBLOG_INPUT_TEXT,
		.log_format = cfg.weblog.log_format,
		.threads = threads,
	};
	if (weblog_scan_new(&so, detect, sigs, &scan, why, sizeof why)) {
		fprintf(stderr, "canhgac scan: %s\n", why);
		goto out;
	}
	double t0 = now_seconds();
	for (int i = 0; i < n_files; i++) {
		bool in = !strcmp(files[i], "-");
		int fd = in ? dup(0) : open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "canhgac scan: cannot open %s: %s\n", files[i], strerror(errno));
			goto out;
		}
		if (weblog_scan_fd(scan, fd, in ? "stdin" : files[i])) {
			struct weblog_scan_stats es;
			weblog_scan_stats_get(scan, &es);
			fprintf(stderr, "canhgac scan: %s\n", es.why[0] ? es.why : "out of memory");
			goto out;
		}
	}
	struct weblog_scan_stats ss;
	weblog_scan_stats_get(scan, &ss);
	size_t n;
	const struct weblog_finding *f = weblog_detect_findings(detect, &n);
	double secs = now_seconds() - t0;
	if ((json ? weblog_output_json(stdout, f, n, cfg.weblog.ban_seconds) : weblog_output_table(stdout, f, n))) {
		fprintf(stderr, "canhgac scan: writing the findings failed\n");
		rc = CLI_FAIL;
		goto out;
	}
	fflush(stdout);
	if ((deny_path && ban_write(deny_path, f, n, cfg.weblog.ban_seconds, false)) ||
	    (nft_path && ban_write(nft_path, f, n, cfg.weblog.ban_seconds, true)))
		goto out;
	struct weblog_detect_stats st;
	weblog_detect_stats_get(detect, &st);
	fprintf(stderr, "canhgac scan: %llu lines, %llu malformed", (unsigned long long)ss.lines,
		(unsigned long long)ss.malformed);
	for (int k = 0; k < ss.n_shown; k++)
		fprintf(stderr, "%s%s", k ? ", " : " (", ss.malformed_at[k]);
	fprintf(stderr, "%s, %zu findings, %.3f s, %.0f lines/s\n",
		ss.malformed ? (ss.malformed > (uint64_t)ss.n_shown ? ", ...)" : ")") : "", n, secs,
		secs > 0 ? (double)ss.lines / secs : 0.0);
	if (st.evicted || st.findings_dropped)
		fprintf(stderr, "canhgac scan: %llu addresses evicted from the table ([weblog] max_ips), "
				"%llu findings dropped\n",
			(unsigned long long)st.evicted, (unsigned long long)st.findings_dropped);
	rc = n ? CLI_FAIL : CLI_OK;
out:
	weblog_scan_free(scan);
	weblog_detect_free(detect);
	weblog_sigs_free(sigs);
	free(files);
	return rc;
}
