/*
 * libFuzzer target: the editable signature files (data/weblog_signatures.csv,
 * data/weblog_probe_paths.csv, or an operator's copies named by [weblog]
 * signatures / probe_paths) through weblog_sigs_compile. The input is split at
 * its first NUL byte into the two files. A bad row must be an error with a
 * reason, never a crash; what compiles is matched against one request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/weblog_sigs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096) /* Hyperscan compiles slowly; size does not find parser bugs */
		return 0;
	char *text = malloc(size + 2);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	const char *probe = text + strlen(text) + 1;
	if (probe > text + size)
		probe = "";
	struct weblog_sigs *s = NULL;
	char why[256];
	if (weblog_sigs_compile(text, probe, &s, why, sizeof why) == 0) {
		struct weblog_sigs_scratch *sc = NULL;
		if (weblog_sigs_scratch_new(s, &sc) == 0) {
			struct weblog_entry e = {.ip = "203.0.113.5", .user = "-", .method = "GET",
						 .uri = "/x?id=1%27%20or%201=1--&f=../../etc/passwd", .protocol = "HTTP/1.1",
						 .referer = "-", .user_agent = "sqlmap/1.7", .status = 404, .bytes = -1,
						 .request_time = -1};
			struct weblog_sig_hits hits;
			(void)weblog_sigs_match(s, sc, &e, &hits);
			weblog_sigs_scratch_free(sc);
		}
		weblog_sigs_free(s);
	}
	free(text);
	return 0;
}
