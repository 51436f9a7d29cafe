/*
 * libFuzzer target: one access-log line through every parser `canhgac scan` and
 * the serve follower use (combined/common, a custom nginx log_format, JSON
 * lines), then each parsed entry through the signatures and rules (URL decoding,
 * Hyperscan, windows), and the bare $time_local reader. The signatures are the
 * test subset of tests/fixtures/weblog (the full set takes seconds of CPU to
 * compile under AddressSanitizer), or the shipped set with FUZZ_FULL_SIGNATURES=1
 * (tests/fuzz/run.sh sets it: a long run pays that once). The line sits in a
 * buffer of exactly its length plus the one writable byte the parser may use, so
 * AddressSanitizer sees any read or write past it. The rules are recreated every
 * few thousand inputs so a long run stays within memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/weblog_detect.h"
#include "detect/weblog_parse.h"
#include "detect/weblog_sigs.h"

#define CUSTOM_FORMAT                                                                              \
	"$remote_addr - $remote_user [$time_local] \"$request_method $request_uri\" $status $bytes_sent " \
	"$request_time \"$http_user_agent\" $upstream_addr"
#define RULES_RENEW 4096

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct weblog_parser *parsers[3];
static struct weblog_sigs *sigs;
static struct weblog_detect *det;
static struct config cfg;
static unsigned inputs;

/* Before the first input: compiling the signatures takes seconds under
 * AddressSanitizer, which must not count against -timeout. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char why[256];
	if (weblog_parser_new(WEBLOG_INPUT_TEXT, NULL, &parsers[0], why, sizeof why) ||
	    weblog_parser_new(WEBLOG_INPUT_TEXT, CUSTOM_FORMAT, &parsers[1], why, sizeof why) ||
	    weblog_parser_new(WEBLOG_INPUT_JSON, NULL, &parsers[2], why, sizeof why) ||
	    (getenv("FUZZ_FULL_SIGNATURES")
		     ? weblog_sigs_load(NULL, NULL, &sigs, why, sizeof why)
		     : weblog_sigs_load(CANHGAC_SOURCE_DIR "/tests/fixtures/weblog/small_signatures.csv",
					CANHGAC_SOURCE_DIR "/tests/fixtures/weblog/small_probe_paths.csv", &sigs, why,
					sizeof why)))
		abort(); /* the harness itself is broken */
	config_defaults(&cfg);
	cfg.weblog.max_ips = 1000;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (inputs++ % RULES_RENEW == 0) {
		char why[256];
		weblog_detect_free(det);
		det = NULL;
		if (weblog_detect_new(&cfg, sigs, &det, why, sizeof why))
			abort();
	}
	int64_t t;
	(void)weblog_time_parse_local((const char *)data, size, &t);
	char *line = malloc(size + 1);
	if (!line)
		return 0;
	for (int i = 0; i < 3; i++) {
		memcpy(line, data, size);
		line[size] = '\0';
		struct weblog_entry e;
		if (weblog_parse_line(parsers[i], line, size, &e) == 0)
			(void)weblog_detect_feed(det, &e, (const char *)data, size);
	}
	size_t n;
	(void)weblog_detect_findings(det, &n);
	free(line);
	return 0;
}
