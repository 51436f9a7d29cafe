/*
 * `canhgac scan`: offline attack detection over web-server access logs. Reads
 * each FILE (plain or gzip, through zlib; `-` is stdin) in large chunks, splits
 * lines itself so a line longer than WEBLOG_LINE_MAX is counted as malformed and
 * skipped rather than split, feeds parsed requests to the detector, then prints
 * the findings and writes the ban files. A summary goes to stderr. Exit 0 when
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
#include "detect/weblog_sigs.h"

#define CHUNK (1u << 20)
#define MALFORMED_SHOWN 5

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
	"\n"
	"Exit status: 0 nothing found, 1 findings, 2 bad usage or unreadable input.\n";

struct scan_run {
	struct weblog_parser *parser;
	struct weblog_detect *detect;
	uint64_t lines, malformed;
	char malformed_at[MALFORMED_SHOWN][300];
	char *work;
};

static void scan_line(struct scan_run *r, const char *file, uint64_t lineno, const char *line, size_t len,
		      bool too_long)
{
	struct weblog_entry e;
	r->lines++;
	if (!too_long) {
		memcpy(r->work, line, len);
		r->work[len] = '\0';
		if (weblog_parse_line(r->parser, r->work, len, &e) == 0) {
			(void)weblog_detect_feed(r->detect, &e, line, len);
			return;
		}
	}
	if (r->malformed < MALFORMED_SHOWN)
		snprintf(r->malformed_at[r->malformed], sizeof r->malformed_at[0], "%s:%llu%s", file,
			 (unsigned long long)lineno, too_long ? " (too long)" : "");
	r->malformed++;
}

/* Reads one file; 0 or -1 (unreadable, or corrupt gzip). */
static int scan_file(struct scan_run *r, const char *path, char *buf)
{
	int fd = !strcmp(path, "-") ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "canhgac scan: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	gzFile gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		fprintf(stderr, "canhgac scan: cannot read %s\n", path);
		return -1;
	}
	gzbuffer(gz, 256 * 1024);
	const char *name = !strcmp(path, "-") ? "stdin" : path;
	size_t have = 0;
	uint64_t lineno = 0;
	bool skipping = false; /* inside a line already counted as too long */
	int rc = 0;
	for (;;) {
		int n = gzread(gz, buf + have, CHUNK);
		if (n < 0) {
			int errnum;
			fprintf(stderr, "canhgac scan: %s: %s\n", name, gzerror(gz, &errnum));
			rc = -1;
			break;
		}
		size_t end = have + (size_t)n;
		size_t start = 0;
		for (;;) {
			char *nl = memchr(buf + start, '\n', end - start);
			if (!nl)
				break;
			size_t len = (size_t)(nl - (buf + start));
			if (skipping) {
				skipping = false;
			} else {
				lineno++;
				if (len > 0)
					scan_line(r, name, lineno, buf + start, len, len > WEBLOG_LINE_MAX);
			}
			start += len + 1;
		}
		have = end - start;
		if (have > WEBLOG_LINE_MAX) {
			if (!skipping) {
				lineno++;
				scan_line(r, name, lineno, buf + start, have, true);
			}
			skipping = true;
			have = 0;
		} else {
			memmove(buf, buf + start, have);
		}
		if (n == 0) {
			if (have && !skipping) {
				lineno++;
				scan_line(r, name, lineno, buf, have, false);
			}
			break;
		}
	}
	gzclose(gz);
	return rc;
}

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
	int n_files = 0;
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
			   !strcmp(a, "--nginx-deny") || !strcmp(a, "--nftables")) {
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
	struct scan_run r = {0};
	char *buf = malloc(CHUNK + WEBLOG_LINE_MAX + 2);
	r.work = malloc(WEBLOG_LINE_MAX + 2);
	if (!buf || !r.work) {
		fprintf(stderr, "canhgac scan: out of memory\n");
		goto out;
	}
	if (weblog_parser_new(!strcmp(format, "json") ? WEBLOG_INPUT_JSON : WEBLOG_INPUT_TEXT,
			      cfg.weblog.log_format, &r.parser, why, sizeof why)) {
		fprintf(stderr, "canhgac scan: %s\n", why);
		goto out;
	}
	if (weblog_sigs_load(cfg.weblog.signatures, cfg.weblog.probe_paths, &sigs, why, sizeof why)) {
		fprintf(stderr, "canhgac scan: signatures: %s\n", why);
		goto out;
	}
	if (weblog_detect_new(&cfg, sigs, &r.detect, why, sizeof why)) {
		fprintf(stderr, "canhgac scan: %s\n", why);
		goto out;
	}
	double t0 = now_seconds();
	for (int i = 0; i < n_files; i++)
		if (scan_file(&r, files[i], buf))
			goto out;
	size_t n;
	const struct weblog_finding *f = weblog_detect_findings(r.detect, &n);
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
	weblog_detect_stats_get(r.detect, &st);
	fprintf(stderr, "canhgac scan: %llu lines, %llu malformed", (unsigned long long)r.lines,
		(unsigned long long)r.malformed);
	for (uint64_t k = 0; k < r.malformed && k < MALFORMED_SHOWN; k++)
		fprintf(stderr, "%s%s", k ? ", " : " (", r.malformed_at[k]);
	fprintf(stderr, "%s, %zu findings, %.3f s, %.0f lines/s\n",
		r.malformed ? (r.malformed > MALFORMED_SHOWN ? ", ...)" : ")") : "", n, secs,
		secs > 0 ? (double)r.lines / secs : 0.0);
	if (st.evicted || st.findings_dropped)
		fprintf(stderr, "canhgac scan: %llu addresses evicted from the table ([weblog] max_ips), "
				"%llu findings dropped\n",
			(unsigned long long)st.evicted, (unsigned long long)st.findings_dropped);
	rc = n ? CLI_FAIL : CLI_OK;
out:
	weblog_detect_free(r.detect);
	weblog_sigs_free(sigs);
	weblog_parser_free(r.parser);
	free(r.work);
	free(buf);
	free(files);
	return rc;
}
