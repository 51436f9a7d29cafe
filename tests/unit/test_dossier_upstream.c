/*
 * The upstream dossier backend against a fake one-stop system
 * (tests/unit/fake_onestop.py, started here on loopback): the canonical answer,
 * a Vietnamese-style answer mapped with custom JSON pointers (array index, ~0 and
 * ~1 escapes, dd/mm/yyyy dates), a code that must be URL-escaped; 404 →
 * DOSSIER_ENOTFOUND; 4xx/5xx, garbage, a list, duplicate keys, oversize answers
 * (with and without Content-Length), a mapping that points at nothing, an invalid
 * citizen id or status, too many persons and another dossier's answer →
 * DOSSIER_EUNAVAILABLE; a server that accepts and never answers, a refused
 * connection and TLS spoken to a plain server → DOSSIER_EUNAVAILABLE; the cache
 * (a hit never reaches the server, a 404 and a failure are never kept, 0
 * disables it, an entry expires) with eight threads sharing one backend; the
 * checks of opening. Every error body of the fake carries UPSTREAM-SECRET: it
 * must appear neither in what the caller gets nor in the operator log.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "dossier/dossier.h"
#include "dossier/dossier_int.h"

#define SECRET "UPSTREAM-SECRET"
#define GENEROUS_MS 20000 /* a timeout no healthy answer on a loaded machine reaches */

static pid_t fake_pid;
static FILE *fake_in, *fake_out; /* commands to the fake, its answers */
static int fake_port;
static FILE *log_file;

/* Starts the fake one-stop system; its port is the first line it prints. */
static int start_fake(void **state)
{
	(void)state;
	const char *src = getenv("CANHGAC_SOURCE_DIR");
	char script[4096];
	snprintf(script, sizeof script, "%s/tests/unit/fake_onestop.py", src ? src : ".");
	int in[2], out[2];
	if (pipe(in) || pipe(out))
		return -1;
	fake_pid = fork();
	if (fake_pid < 0)
		return -1;
	if (fake_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execlp("python3", "python3", script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	fake_in = fdopen(in[1], "w");
	fake_out = fdopen(out[0], "r");
	if (!fake_in || !fake_out || fscanf(fake_out, "%d", &fake_port) != 1 || fake_port <= 0) {
		fprintf(stderr, "fake one-stop system did not start (%s)\n", script);
		return -1;
	}
	log_file = tmpfile();
	log_setup(LOG_DEBUG, log_file);
	return 0;
}

static int stop_fake(void **state)
{
	(void)state;
	if (fake_in)
		fclose(fake_in); /* the fake exits at EOF */
	if (fake_pid > 0)
		waitpid(fake_pid, NULL, 0);
	if (fake_out)
		fclose(fake_out);
	log_setup(LOG_INFO, stderr);
	if (log_file)
		fclose(log_file);
	return 0;
}

/* How many GETs for `code` reached the fake so far. */
static int fake_count(const char *code)
{
	int n = -1;
	fprintf(fake_in, "count %s\n", code);
	fflush(fake_in);
	if (fscanf(fake_out, "%d", &n) != 1)
		fail_msg("the fake did not answer a count");
	return n;
}

static void config_upstream(struct config *cfg, const char *scheme, int port, int timeout_ms)
{
	config_defaults(cfg);
	snprintf(cfg->dossier.backend, sizeof cfg->dossier.backend, "upstream");
	snprintf(cfg->dossier.upstream_url, sizeof cfg->dossier.upstream_url, "%s://127.0.0.1:%d/api/dossiers/",
		 scheme, port);
	cfg->dossier.upstream_timeout_ms = timeout_ms;
	cfg->dossier.cache_seconds = 0;
}

static struct dossier_backend *open_backend(const struct config *cfg)
{
	char why[256];
	struct dossier_backend *b = NULL;
	if (dossier_backend_open(cfg, NULL, &b, why, sizeof why))
		fail_msg("dossier_backend_open: %s", why);
	assert_string_equal(dossier_backend_name(b), "upstream");
	assert_true(dossier_backend_blocks(b));
	return b;
}

static struct dossier_backend *open_plain(const char *scheme, int port, int timeout_ms)
{
	struct config cfg;
	config_upstream(&cfg, scheme, port, timeout_ms);
	return open_backend(&cfg);
}

/* Asks for code, expects rc; on failure the caller got an empty dossier. */
static void get(struct dossier_backend *b, const char *code, int want, dossier_t *d)
{
	memset(d, 0x5a, sizeof *d);
	int rc = dossier_get(b, code, d);
	if (rc != want)
		fail_msg("%s: got %d, wanted %d", code, rc, want);
	if (rc != DOSSIER_OK) {
		assert_int_equal(d->code[0], '\0');
		assert_int_equal(d->n_persons, 0);
	}
}

static void canonical_answer(void **state)
{
	(void)state;
	dossier_t *d = malloc(sizeof *d);
	struct dossier_backend *b = open_plain("http", fake_port, GENEROUS_MS);
	get(b, "HS-OK-1", DOSSIER_OK, d);
	assert_string_equal(d->code, "HS-OK-1");
	assert_string_equal(d->procedure_code, "1.001234");
	assert_string_equal(d->agency, "UBND-XA-PT");
	assert_string_equal(d->status, "processing");
	int64_t t;
	assert_int_equal(clock_parse_rfc3339("2024-11-01T08:30:00+07:00", &t), 0);
	assert_int_equal(d->received_at, t);
	assert_int_equal(d->closed_at, 0);
	assert_int_equal(d->n_persons, 2);
	assert_string_equal(d->persons[0].citizen_id, "075090000001");
	assert_string_equal(d->persons[0].role, "applicant");
	assert_string_equal(d->persons[1].citizen_id, "075190000002");
	assert_string_equal(d->persons[1].role, "subject");
	assert_int_equal(d->n_officers, 1);
	assert_string_equal(d->officers[0], "canbo.an");
	assert_string_equal(d->source, "upstream");
	/* the request said what it accepts */
	fprintf(fake_in, "last-accept\n");
	fflush(fake_in);
	char accept[128] = "";
	assert_int_equal(fscanf(fake_out, "%127s", accept), 1);
	assert_string_equal(accept, "application/json");
	/* a code with '/' and ' ' reaches the fake as one escaped path segment */
	get(b, "HS/2026 01", DOSSIER_OK, d);
	assert_string_equal(d->code, "HS/2026 01");
	assert_int_equal(fake_count("HS/2026 01"), 1);
	/* a code no dossier can have is never sent */
	char longcode[STORE_DOSSIER_CODE_MAX + 2];
	memset(longcode, 'A', sizeof longcode - 1);
	longcode[sizeof longcode - 1] = '\0';
	get(b, longcode, DOSSIER_ENOTFOUND, d);
	assert_int_equal(fake_count(longcode), 0);
	get(b, "", DOSSIER_ENOTFOUND, d);
	dossier_backend_close(b);
	free(d);
}

static void config_vietnamese(struct config *cfg)
{
	config_upstream(cfg, "http", fake_port, GENEROUS_MS);
	snprintf(cfg->dossier.map_code, sizeof cfg->dossier.map_code, "/data/maHoSo");
	snprintf(cfg->dossier.map_procedure_code, sizeof cfg->dossier.map_procedure_code, "/data/maTTHC");
	snprintf(cfg->dossier.map_agency, sizeof cfg->dossier.map_agency, "/data/coQuan/0/maDonVi");
	snprintf(cfg->dossier.map_status, sizeof cfg->dossier.map_status, "/data/trangThai");
	snprintf(cfg->dossier.map_received_at, sizeof cfg->dossier.map_received_at, "/data/ngayTiepNhan");
	snprintf(cfg->dossier.map_closed_at, sizeof cfg->dossier.map_closed_at, "/data/ngay~1ketThuc~0ht");
	snprintf(cfg->dossier.map_persons, sizeof cfg->dossier.map_persons, "/data/thanhPhan");
	snprintf(cfg->dossier.map_person_citizen_id, sizeof cfg->dossier.map_person_citizen_id, "/soDinhDanh");
	snprintf(cfg->dossier.map_person_role, sizeof cfg->dossier.map_person_role, "/vaiTro");
	snprintf(cfg->dossier.map_officers, sizeof cfg->dossier.map_officers, "/data/canBoXuLy");
}

static void mapped_answer(void **state)
{
	(void)state;
	dossier_t *d = malloc(sizeof *d);
	struct config cfg;
	config_vietnamese(&cfg);
	struct dossier_backend *b = open_backend(&cfg);
	get(b, "HS-VN-1", DOSSIER_OK, d);
	assert_string_equal(d->code, "HS-VN-1");
	assert_string_equal(d->procedure_code, "2.000987");
	assert_string_equal(d->agency, "UBND-HUYEN-NT"); /* /coQuan/0/... */
	assert_string_equal(d->status, "closed");
	int64_t day;
	assert_int_equal(clock_parse_local_date("2024-11-01", &day), 0); /* from 01/11/2024 */
	assert_int_equal(d->received_at, clock_local_day_start(day));
	assert_int_equal(clock_parse_local_date("2024-12-03", &day), 0); /* key "ngay/ketThuc~ht" */
	assert_int_equal(d->closed_at, clock_local_day_start(day));
	assert_int_equal(d->n_persons, 1);
	assert_string_equal(d->persons[0].citizen_id, "075090000001");
	assert_string_equal(d->persons[0].role, "nguoi_nop");
	assert_int_equal(d->n_officers, 1);
	assert_string_equal(d->officers[0], "canbo.binh");
	/* the canonical answer does not fit this mapping */
	get(b, "HS-OK-1", DOSSIER_EUNAVAILABLE, d);
	dossier_backend_close(b);
	free(d);
}

static void mapping_points_at_nothing(void **state)
{
	(void)state;
	dossier_t *d = malloc(sizeof *d);
	static const struct {
		size_t offset; /* of the map_* field in struct config */
		const char *pointer;
	} wrong[] = {
		{offsetof(struct config, dossier.map_procedure_code), "/data/khongCo"},
		{offsetof(struct config, dossier.map_agency), "/data/coQuan/1/maDonVi"},  /* past the end */
		{offsetof(struct config, dossier.map_agency), "/data/coQuan/00/maDonVi"}, /* not an index */
		{offsetof(struct config, dossier.map_agency), "/data/coQuan/-/maDonVi"},
		{offsetof(struct config, dossier.map_code), "/data/maHoSo/x"},            /* into a string */
		{offsetof(struct config, dossier.map_persons), "/data"},                   /* not an array */
		{offsetof(struct config, dossier.map_person_citizen_id), "/hoTen"},        /* not an id */
		{offsetof(struct config, dossier.map_closed_at), "/data/ngay/ketThuc~0ht"}, /* unescaped '/' */
	};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		struct config cfg;
		config_vietnamese(&cfg);
		snprintf((char *)&cfg + wrong[i].offset, 64, "%s", wrong[i].pointer);
		struct dossier_backend *b = open_backend(&cfg);
		int rc = dossier_get(b, "HS-VN-1", d);
		if (rc != DOSSIER_EUNAVAILABLE)
			fail_msg("%s: got %d, wanted DOSSIER_EUNAVAILABLE", wrong[i].pointer, rc);
		dossier_backend_close(b);
	}
	free(d);
}

static void errors_map_to_codes(void **state)
{
	(void)state;
	dossier_t *d = malloc(sizeof *d);
	struct dossier_backend *b = open_plain("http", fake_port, GENEROUS_MS);
	get(b, "HS-404", DOSSIER_ENOTFOUND, d);
	static const char *const unavailable[] = {
		"HS-500", "HS-403",
		"HS-GARBAGE",   /* not JSON */
		"HS-LIST",      /* JSON, not an object */
		"HS-DUPKEY",    /* a key twice */
		"HS-BIG",       /* 300 KiB, Content-Length says so */
		"HS-BIG-NOCL",  /* 300 KiB, no Content-Length */
		"HS-BADCID",    /* a person without a valid citizen id */
		"HS-BADSTATUS", /* not one of the six statuses */
		"HS-OTHER",     /* another dossier's answer */
		"HS-TOOMANY",   /* 500 persons */
	};
	for (size_t i = 0; i < sizeof unavailable / sizeof unavailable[0]; i++) {
		get(b, unavailable[i], DOSSIER_EUNAVAILABLE, d);
		assert_int_equal(fake_count(unavailable[i]), 1); /* each one was asked */
	}
	/* still healthy after all that */
	get(b, "HS-OK-1", DOSSIER_OK, d);
	dossier_backend_close(b);
	free(d);
}

/* A loopback port with a listening socket nobody accepts on: the kernel
 * completes the handshake, the request is sent, and no answer ever comes. */
static void silent_server_times_out(void **state)
{
	(void)state;
	dossier_t *d = malloc(sizeof *d);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	struct dossier_backend *b = open_plain("http", ntohs(a.sin_port), 300);
	long before = ftell(log_file);
	get(b, "HS-OK-1", DOSSIER_EUNAVAILABLE, d);
	/* the kind of failure: the timeout, not a refusal or a transfer error */
	static char buf[4096];
	fflush(log_file);
	fseek(log_file, before, SEEK_SET);
	size_t n = fread(buf, 1, sizeof buf - 1, log_file);
	buf[n] = '\0';
	fseek(log_file, 0, SEEK_END);
	if (!strstr(buf, "no answer within the timeout, ms (300)"))
		fail_msg("not logged as a timeout:\n%s", buf);
	dossier_backend_close(b);
	close(s);
	free(d);
}

static void tls_failure_and_refused_connection(void **state)
{
	(void)state;
	dossier_t *d = malloc(sizeof *d);
	/* TLS spoken to a plain HTTP server: the handshake fails */
	struct dossier_backend *b = open_plain("https", fake_port, GENEROUS_MS);
	get(b, "HS-OK-1", DOSSIER_EUNAVAILABLE, d);
	dossier_backend_close(b);
	/* a port nobody listens on */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	b = open_plain("http", ntohs(a.sin_port), GENEROUS_MS);
	get(b, "HS-OK-1", DOSSIER_EUNAVAILABLE, d);
	dossier_backend_close(b);
	free(d);
}

static void cache_keeps_positive_answers_only(void **state)
{
	(void)state;
	dossier_t *d = malloc(sizeof *d);
	struct config cfg;
	config_upstream(&cfg, "http", fake_port, GENEROUS_MS);
	cfg.dossier.cache_seconds = 600;
	struct dossier_backend *b = open_backend(&cfg);
	get(b, "HS-CACHE-1", DOSSIER_OK, d);
	get(b, "HS-CACHE-1", DOSSIER_OK, d);
	assert_string_equal(d->code, "HS-CACHE-1"); /* the hit is the whole dossier */
	assert_int_equal(d->n_persons, 2);
	assert_string_equal(d->persons[1].citizen_id, "075190000002");
	assert_int_equal(fake_count("HS-CACHE-1"), 1);
	/* a 404 and a failure are asked again every time */
	get(b, "HS-404-CACHE", DOSSIER_ENOTFOUND, d);
	get(b, "HS-404-CACHE", DOSSIER_ENOTFOUND, d);
	assert_int_equal(fake_count("HS-404-CACHE"), 2);
	int before = fake_count("HS-500");
	get(b, "HS-500", DOSSIER_EUNAVAILABLE, d);
	get(b, "HS-500", DOSSIER_EUNAVAILABLE, d);
	assert_int_equal(fake_count("HS-500"), before + 2);
	dossier_backend_close(b);
	/* cache_seconds = 0: every get asks */
	cfg.dossier.cache_seconds = 0;
	b = open_backend(&cfg);
	get(b, "HS-NOCACHE-1", DOSSIER_OK, d);
	get(b, "HS-NOCACHE-1", DOSSIER_OK, d);
	assert_int_equal(fake_count("HS-NOCACHE-1"), 2);
	dossier_backend_close(b);
	free(d);
}

/* The cache's clock in this test: moved by hand, so no sleep decides it. */
static int64_t fake_ms = 1000000;

static int64_t fake_now_ms(void)
{
	return fake_ms;
}

/* An entry is reused for its TTL and not a millisecond longer. */
static void cache_entry_expires(void **state)
{
	(void)state;
	dossier_t *d = malloc(sizeof *d);
	struct config cfg;
	config_upstream(&cfg, "http", fake_port, GENEROUS_MS);
	cfg.dossier.cache_seconds = 1;
	struct dossier_backend *b = open_backend(&cfg);
	dossier_upstream_clock_set(b, fake_now_ms);
	int before = fake_count("HS-OK-1");
	get(b, "HS-OK-1", DOSSIER_OK, d);
	assert_int_equal(fake_count("HS-OK-1"), before + 1);
	fake_ms += 999; /* within the TTL: from the cache */
	get(b, "HS-OK-1", DOSSIER_OK, d);
	assert_int_equal(fake_count("HS-OK-1"), before + 1);
	fake_ms += 1; /* the TTL has passed: asked again */
	get(b, "HS-OK-1", DOSSIER_OK, d);
	assert_int_equal(fake_count("HS-OK-1"), before + 2);
	dossier_upstream_clock_set(b, NULL);
	dossier_backend_close(b);
	free(d);
}

struct hammer_arg {
	struct dossier_backend *b;
	int id;
};

static void *hammer(void *argp)
{
	struct hammer_arg *arg = argp;
	dossier_t *d = malloc(sizeof *d);
	intptr_t ok = 0;
	for (int i = 0; d && i < 12; i++) {
		char code[32];
		snprintf(code, sizeof code, "HS-MANY-%d", (arg->id + i) % 6);
		int want = i % 3 == 2 ? DOSSIER_ENOTFOUND : DOSSIER_OK;
		if (want == DOSSIER_ENOTFOUND)
			snprintf(code, sizeof code, "HS-404");
		if (dossier_get(arg->b, code, d) == want && (want != DOSSIER_OK || !strcmp(d->code, code)))
			ok++;
	}
	free(d);
	return (void *)ok;
}

/* One backend with its cache shared by eight threads, as the HTTP workers share
 * it (the cache's mutex and curl's share locks, best seen under ASan/TSan). */
static void concurrent_gets(void **state)
{
	(void)state;
	struct config cfg;
	config_upstream(&cfg, "http", fake_port, GENEROUS_MS);
	cfg.dossier.cache_seconds = 600;
	struct dossier_backend *b = open_backend(&cfg);
	pthread_t t[8];
	struct hammer_arg args[8];
	for (int i = 0; i < 8; i++) {
		args[i] = (struct hammer_arg){b, i};
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &args[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		void *ok;
		pthread_join(t[i], &ok);
		assert_int_equal((intptr_t)ok, 12);
	}
	/* six distinct dossiers: the cache answered most of the 64 positive gets */
	int asked = 0;
	for (int i = 0; i < 6; i++) {
		char code[32];
		snprintf(code, sizeof code, "HS-MANY-%d", i);
		asked += fake_count(code);
	}
	assert_in_range(asked, 6, 63);
	dossier_backend_close(b);
}

static void open_checks(void **state)
{
	(void)state;
	struct config cfg;
	char why[256];
	struct dossier_backend *b = NULL;
	static const struct {
		const char *url, *says;
	} refused[] = {
		{"http://onestop.dongnai.gov.vn/api/dossiers", "must be https:// (plain http only to a loopback"},
		{"http://10.0.0.5:8080/api", "must be https://"},
		{"ftp://127.0.0.1/x", "must be https://"},
		{"https://onestop.dongnai.gov.vn/api?key=1", "query or fragment"},
		{"not a url", "is not a URL"},
		{"", "needs upstream_url"},
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		config_upstream(&cfg, "https", 443, 3000);
		snprintf(cfg.dossier.upstream_url, sizeof cfg.dossier.upstream_url, "%s", refused[i].url);
		if (dossier_backend_open(&cfg, NULL, &b, why, sizeof why) != -1)
			fail_msg("accepted %s", refused[i].url);
		assert_null(b);
		assert_non_null(strstr(why, "[dossier] "));
		if (!strstr(why, refused[i].says))
			fail_msg("%s: '%s' does not say '%s'", refused[i].url, why, refused[i].says);
	}
	config_upstream(&cfg, "https", 443, 3000);
	snprintf(cfg.dossier.upstream_url, sizeof cfg.dossier.upstream_url, "https://onestop.dongnai.gov.vn/api");
	/* a certificate without its key, and the other way round */
	snprintf(cfg.dossier.upstream_cert, sizeof cfg.dossier.upstream_cert, "/nonexistent/client.pem");
	assert_int_equal(dossier_backend_open(&cfg, NULL, &b, why, sizeof why), -1);
	assert_non_null(strstr(why, "upstream_cert and upstream_key must be set together"));
	cfg.dossier.upstream_cert[0] = '\0';
	snprintf(cfg.dossier.upstream_key, sizeof cfg.dossier.upstream_key, "/nonexistent/client.key");
	assert_int_equal(dossier_backend_open(&cfg, NULL, &b, why, sizeof why), -1);
	assert_non_null(strstr(why, "together"));
	/* both, unreadable */
	snprintf(cfg.dossier.upstream_cert, sizeof cfg.dossier.upstream_cert, "/nonexistent/client.pem");
	assert_int_equal(dossier_backend_open(&cfg, NULL, &b, why, sizeof why), -1);
	assert_non_null(strstr(why, "upstream_cert: cannot read"));
	cfg.dossier.upstream_cert[0] = cfg.dossier.upstream_key[0] = '\0';
	snprintf(cfg.dossier.upstream_ca, sizeof cfg.dossier.upstream_ca, "/nonexistent/ca.pem");
	assert_int_equal(dossier_backend_open(&cfg, NULL, &b, why, sizeof why), -1);
	assert_non_null(strstr(why, "upstream_ca"));
	cfg.dossier.upstream_ca[0] = '\0';
	/* a pointer with a '~' that is not ~0 or ~1 */
	snprintf(cfg.dossier.map_status, sizeof cfg.dossier.map_status, "/data/trang~2Thai");
	assert_int_equal(dossier_backend_open(&cfg, NULL, &b, why, sizeof why), -1);
	assert_non_null(strstr(why, "map_status"));
	snprintf(cfg.dossier.map_status, sizeof cfg.dossier.map_status, "/data/trangThai~");
	assert_int_equal(dossier_backend_open(&cfg, NULL, &b, why, sizeof why), -1);
	assert_non_null(strstr(why, "map_status"));
	/* deeper than 16 levels */
	snprintf(cfg.dossier.map_status, sizeof cfg.dossier.map_status, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q");
	assert_int_equal(dossier_backend_open(&cfg, NULL, &b, why, sizeof why), -1);
	assert_non_null(strstr(why, "map_status"));
	/* 16 levels, ~ escapes and "" (the whole answer) are pointers */
	snprintf(cfg.dossier.map_status, sizeof cfg.dossier.map_status, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p");
	snprintf(cfg.dossier.map_agency, sizeof cfg.dossier.map_agency, "/x~0y~1z");
	cfg.dossier.map_person_citizen_id[0] = '\0';
	assert_int_equal(dossier_backend_open(&cfg, NULL, &b, why, sizeof why), 0);
	assert_string_equal(dossier_backend_name(b), "upstream");
	assert_true(dossier_backend_blocks(b));
	dossier_backend_close(b);
	/* http to loopback by name and by IPv6 address is allowed */
	snprintf(cfg.dossier.upstream_url, sizeof cfg.dossier.upstream_url, "http://localhost:8081/api");
	assert_int_equal(dossier_backend_open(&cfg, NULL, &b, why, sizeof why), 0);
	dossier_backend_close(b);
	snprintf(cfg.dossier.upstream_url, sizeof cfg.dossier.upstream_url, "http://[::1]:8081/api");
	assert_int_equal(dossier_backend_open(&cfg, NULL, &b, why, sizeof why), 0);
	dossier_backend_close(b);
}

/* Runs last: everything logged by the tests above, none of it upstream text. */
static void log_has_no_upstream_text(void **state)
{
	(void)state;
	static char buf[1 << 20];
	fflush(log_file);
	rewind(log_file);
	size_t n = fread(buf, 1, sizeof buf - 1, log_file);
	buf[n] = '\0';
	/* the failures were logged, in our words */
	assert_non_null(strstr(buf, "unexpected HTTP status (500)"));
	assert_non_null(strstr(buf, "unexpected HTTP status (403)"));
	assert_non_null(strstr(buf, "answer larger than the cap"));
	assert_non_null(strstr(buf, "answer is not a JSON object"));
	assert_non_null(strstr(buf, "the answer is about another dossier"));
	assert_non_null(strstr(buf, "persons is missing or invalid"));
	assert_non_null(strstr(buf, "status is missing or invalid"));
	assert_non_null(strstr(buf, "procedure_code is missing or invalid"));
	assert_non_null(strstr(buf, "transfer failed, curl code"));
	if (strstr(buf, SECRET))
		fail_msg("the log carries upstream text:\n%s", buf);
	if (strstr(buf, "075090000") || strstr(buf, "075190000"))
		fail_msg("the log carries a citizen id:\n%s", buf);
	if (strstr(buf, "HS-"))
		fail_msg("the log carries a dossier code:\n%s", buf);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* a fake that died must fail a test, not kill the runner */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(canonical_answer),
		cmocka_unit_test(mapped_answer),
		cmocka_unit_test(mapping_points_at_nothing),
		cmocka_unit_test(errors_map_to_codes),
		cmocka_unit_test(silent_server_times_out),
		cmocka_unit_test(tls_failure_and_refused_connection),
		cmocka_unit_test(cache_keeps_positive_answers_only),
		cmocka_unit_test(cache_entry_expires),
		cmocka_unit_test(concurrent_gets),
		cmocka_unit_test(open_checks),
		cmocka_unit_test(log_has_no_upstream_text),
	};
	return cmocka_run_group_tests(tests, start_fake, stop_fake);
}
