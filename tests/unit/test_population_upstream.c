/*
 * The upstream population backend against a fake gateway
 * (tests/fixtures/fake_upstream.py, started here on loopback): the key mapping
 * and value normalisation, 404 → not found, 4xx/5xx, garbage, a list, a wrong
 * citizen, a bad date and oversized answers (with and without Content-Length)
 * → POP_EUPSTREAM, a slow answer → POP_ETIMEOUT, TLS spoken to a plain server
 * and a refused connection → POP_EUPSTREAM; eight threads sharing one backend;
 * the URL and file checks of population_open. Every error body of the fake carries UPSTREAM-SECRET: it
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
#include "lookup/population.h"

#define SECRET "UPSTREAM-SECRET"

static pid_t fake_pid;
static int fake_stdin = -1;
static int fake_port;
static FILE *log_file;

/* Starts the fake gateway; its port is the first line it prints. */
static int start_fake(void **state)
{
	(void)state;
	const char *src = getenv("CANHGAC_SOURCE_DIR");
	char script[4096];
	snprintf(script, sizeof script, "%s/tests/fixtures/fake_upstream.py", src ? src : ".");
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
	fake_stdin = in[1];
	FILE *fp = fdopen(out[0], "r");
	if (!fp || fscanf(fp, "%d", &fake_port) != 1 || fake_port <= 0) {
		fprintf(stderr, "fake upstream did not start (%s)\n", script);
		return -1;
	}
	fclose(fp);
	log_file = tmpfile();
	log_setup(LOG_DEBUG, log_file);
	return 0;
}

static int stop_fake(void **state)
{
	(void)state;
	if (fake_stdin >= 0)
		close(fake_stdin); /* the fake exits at EOF */
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
	}
	log_setup(LOG_INFO, stderr);
	if (log_file)
		fclose(log_file);
	return 0;
}

static struct population *open_upstream(const char *scheme, int port, const char *path, int timeout_ms)
{
	struct config cfg;
	char why[256];
	config_defaults(&cfg);
	snprintf(cfg.population.backend, sizeof cfg.population.backend, "upstream");
	snprintf(cfg.population.upstream_url, sizeof cfg.population.upstream_url, "%s://127.0.0.1:%d%s", scheme,
		 port, path);
	cfg.population.upstream_timeout_ms = timeout_ms;
	struct population *p = NULL;
	if (population_open(&cfg, NULL, &p, why, sizeof why))
		fail_msg("population_open: %s", why);
	assert_string_equal(population_backend_name(p), "upstream");
	return p;
}

/* Asks for id, expects rc, and checks the caller got nothing at all on failure. */
static json_t *get(struct population *p, const char *id, int want)
{
	json_t *rec = (json_t *)1;
	int rc = population_get(p, id, &rec);
	if (rc != want)
		fail_msg("%s: got %d (%s), wanted %d", id, rc, population_strerror(rc), want);
	if (rc != POP_OK)
		assert_null(rec);
	else {
		char *text = json_dumps(rec, 0);
		int leaked = strstr(text, SECRET) != NULL;
		free(text);
		if (leaked)
			fail_msg("%s: the record carries upstream text", id);
	}
	return rec;
}

static void mapping(void **state)
{
	(void)state;
	struct population *p = open_upstream("http", fake_port, "/gw/", 2000);
	json_t *rec = get(p, "075090000001", POP_OK);
	assert_string_equal(json_string_value(json_object_get(rec, "citizen_id")), "075090000001");
	assert_string_equal(json_string_value(json_object_get(rec, "full_name")), "Nguyễn Văn An");
	assert_string_equal(json_string_value(json_object_get(rec, "date_of_birth")), "1990-03-15");
	assert_string_equal(json_string_value(json_object_get(rec, "sex")), "male");
	assert_string_equal(json_string_value(json_object_get(rec, "nationality")), "Việt Nam");
	assert_string_equal(json_string_value(json_object_get(rec, "ethnicity")), "Kinh");
	assert_string_equal(json_string_value(json_object_get(rec, "religion")), "Không");
	assert_string_equal(json_string_value(json_object_get(rec, "place_of_origin")),
			    "Xã Phước Thiền, Huyện Nhơn Trạch, Tỉnh Đồng Nai");
	assert_string_equal(json_string_value(json_object_get(rec, "place_of_birth")),
			    "Huyện Nhơn Trạch, Tỉnh Đồng Nai");
	assert_non_null(json_object_get(rec, "permanent_address"));
	assert_non_null(json_object_get(rec, "current_address"));
	assert_string_equal(json_string_value(json_object_get(rec, "household_id")), "HGD-00000042");
	assert_string_equal(json_string_value(json_object_get(rec, "household_head")), "Nguyễn Văn An");
	assert_string_equal(json_string_value(json_object_get(rec, "relation_to_head")), "Chủ hộ");
	assert_string_equal(json_string_value(json_object_get(rec, "marital_status")), "Đã kết hôn");
	assert_int_equal(json_object_size(rec), 15); /* the unknown ghiChuNoiBo is dropped */
	assert_null(json_object_get(rec, "ghiChuNoiBo"));
	assert_null(json_object_get(rec, "synthetic"));
	json_decref(rec);
	/* wrapped in {"data": ...}, ISO date, sex as a number, a null field left out */
	rec = get(p, "075090000002", POP_OK);
	assert_string_equal(json_string_value(json_object_get(rec, "date_of_birth")), "1990-03-15");
	assert_string_equal(json_string_value(json_object_get(rec, "sex")), "female");
	assert_null(json_object_get(rec, "religion"));
	assert_null(json_object_get(rec, "message"));
	json_decref(rec);
	population_close(p);
}

static void errors_map_to_codes(void **state)
{
	(void)state;
	struct population *p = open_upstream("http", fake_port, "/gw", 2000);
	get(p, "075090000404", POP_ENOTFOUND);
	get(p, "075090000500", POP_EUPSTREAM);
	get(p, "075090000403", POP_EUPSTREAM);
	get(p, "075090000666", POP_EUPSTREAM); /* not JSON */
	get(p, "075090000333", POP_EUPSTREAM); /* JSON, not an object */
	get(p, "075090000555", POP_EUPSTREAM); /* somebody else's record */
	get(p, "075090000444", POP_EUPSTREAM); /* a date that is not one */
	get(p, "075090000999", POP_EUPSTREAM); /* 300 KiB, Content-Length says so */
	get(p, "075090000888", POP_EUPSTREAM); /* 300 KiB, no Content-Length */
	get(p, "0750900001", POP_ENOTFOUND);   /* never sent: not an id */
	/* still healthy after all that */
	json_decref(get(p, "075090000001", POP_OK));
	population_close(p);
}

static void slow_answer_times_out(void **state)
{
	(void)state;
	struct population *p = open_upstream("http", fake_port, "/gw", 300);
	int64_t t0 = clock_now_ms();
	get(p, "075090000777", POP_ETIMEOUT);
	int64_t took = clock_now_ms() - t0;
	assert_in_range(took, 250, 2500);
	population_close(p);
}

static void tls_failure_and_refused_connection(void **state)
{
	(void)state;
	/* TLS spoken to a plain HTTP server: the handshake fails */
	struct population *p = open_upstream("https", fake_port, "/gw", 2000);
	get(p, "075090000001", POP_EUPSTREAM);
	population_close(p);
	/* a port nobody listens on */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	p = open_upstream("http", ntohs(a.sin_port), "/gw", 2000);
	get(p, "075090000001", POP_EUPSTREAM);
	population_close(p);
}

static void *hammer(void *arg)
{
	struct population *p = arg;
	intptr_t ok = 0;
	for (int i = 0; i < 10; i++) {
		json_t *rec = NULL;
		if (population_get(p, i % 2 ? "075090000001" : "075090000404", &rec) == (i % 2 ? POP_OK : POP_ENOTFOUND))
			ok++;
		json_decref(rec);
	}
	return (void *)ok;
}

/* One backend shared by many threads, as the HTTP workers share it (the curl
 * share handle's locks are what is under test, best under ASan/TSan). */
static void concurrent_gets(void **state)
{
	(void)state;
	struct population *p = open_upstream("http", fake_port, "/gw", 5000);
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, p), 0);
	for (int i = 0; i < 8; i++) {
		void *ok;
		pthread_join(t[i], &ok);
		assert_int_equal((intptr_t)ok, 10);
	}
	population_close(p);
}

static void open_checks(void **state)
{
	(void)state;
	struct config cfg;
	char why[256];
	struct population *p = NULL;
	static const char *const refused[] = {
		"http://gateway.example.vn/api", /* clear text off loopback */
		"ftp://127.0.0.1/x",
		"https://gateway.example.vn/api?key=1",
		"not a url",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		config_defaults(&cfg);
		snprintf(cfg.population.backend, sizeof cfg.population.backend, "upstream");
		snprintf(cfg.population.upstream_url, sizeof cfg.population.upstream_url, "%s", refused[i]);
		if (population_open(&cfg, NULL, &p, why, sizeof why) != -1)
			fail_msg("accepted %s", refused[i]);
		assert_null(p);
		assert_non_null(strstr(why, "upstream_url"));
	}
	config_defaults(&cfg);
	snprintf(cfg.population.backend, sizeof cfg.population.backend, "upstream");
	snprintf(cfg.population.upstream_url, sizeof cfg.population.upstream_url, "https://gateway.example.vn/api");
	snprintf(cfg.population.upstream_cert, sizeof cfg.population.upstream_cert, "/nonexistent/client.pem");
	snprintf(cfg.population.upstream_key, sizeof cfg.population.upstream_key, "/nonexistent/client.key");
	assert_int_equal(population_open(&cfg, NULL, &p, why, sizeof why), -1);
	assert_non_null(strstr(why, "upstream_cert"));
	cfg.population.upstream_key[0] = '\0';
	assert_int_equal(population_open(&cfg, NULL, &p, why, sizeof why), -1);
	assert_non_null(strstr(why, "together"));
	cfg.population.upstream_cert[0] = '\0';
	snprintf(cfg.population.upstream_ca, sizeof cfg.population.upstream_ca, "/nonexistent/ca.pem");
	assert_int_equal(population_open(&cfg, NULL, &p, why, sizeof why), -1);
	assert_non_null(strstr(why, "upstream_ca"));
	cfg.population.upstream_ca[0] = '\0';
	assert_int_equal(population_open(&cfg, NULL, &p, why, sizeof why), 0);
	population_close(p);
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
	assert_non_null(strstr(buf, "unexpected HTTP status (500)")); /* the failures were logged */
	assert_non_null(strstr(buf, "timeout"));
	if (strstr(buf, SECRET))
		fail_msg("the log carries upstream text:\n%s", buf);
	if (strstr(buf, "075090000"))
		fail_msg("the log carries a citizen id:\n%s", buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mapping),
		cmocka_unit_test(errors_map_to_codes),
		cmocka_unit_test(slow_answer_times_out),
		cmocka_unit_test(tls_failure_and_refused_connection),
		cmocka_unit_test(concurrent_gets),
		cmocka_unit_test(open_checks),
		cmocka_unit_test(log_has_no_upstream_text),
	};
	return cmocka_run_group_tests(tests, start_fake, stop_fake);
}
