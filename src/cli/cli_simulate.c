/*
 * `canhgac simulate leak`: plays a stolen-account scenario against a running
 * server (the demo) through its HTTP API, the way a thief with a leaked password
 * would: signs in as the officer and looks up citizen ids in near-sequence as
 * fast as a script does at night, until the detector suspends the account (403
 * account_suspended). Then, with an admin's credentials, it shows the alert and
 * the incident opened with its report deadline; with another officer's, that the
 * rest of the province is still served. It only talks HTTP (libcurl), so it
 * shows what any client sees; it needs no access to the data directory.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static const char usage[] =
	"Usage: canhgac simulate leak --url URL --username U --password P [options]\n"
	"\n"
	"Plays a stolen officer account against a running canhgac (e.g. `canhgac demo`):\n"
	"signs in as U and looks up near-sequential citizen ids quickly, like a script at\n"
	"night, until the detector suspends the account; prints how long that took, the\n"
	"alert and incident with its report deadline (with admin credentials) and whether\n"
	"another officer is still served (with their credentials). Exit 0 when the\n"
	"account was suspended (and the other officer served), 1 otherwise.\n"
	"\n"
	"Credentials: `canhgac demo` prints each demo account with a one-time password.\n"
	"An account that must change its password is given --new-password (or a random\n"
	"strong one, printed), so note it to sign in again later.\n"
	"\n"
	"Options:\n"
	"  --url URL               the server, e.g. http://127.0.0.1:8080\n"
	"  --username U            the officer whose password leaked (e.g. canbo.bienhoa)\n"
	"  --password P            their password or one-time password\n"
	"  --other-username U2     another officer, to show they are still served\n"
	"  --other-password P2\n"
	"  --admin-username A      an admin (e.g. admin), to show the alert and incident\n"
	"  --admin-password PA\n"
	"  --admin-otp CODE        the admin's current TOTP code, where a second factor is on\n"
	"  --new-password N        the password set where a change is required\n"
	"  --start-id ID           first citizen id to enumerate (default 075090100000)\n"
	"  --max-lookups N         give up after N lookups (default 50)\n"
	"  --insecure              accept a self-signed TLS certificate\n"
	"  --json                  print one JSON summary instead of text\n";

#define BODY_MAX (1 << 20)
#define SIM_DOSSIER "H15.50.05.13-261008-0975"

struct sim_client {
	CURL *h;
	const char *base;
	char csrf[128];
	bool insecure;
};

struct sim_buf {
	char *p;
	size_t n;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sim_buf *b = arg;
	size_t len = size * nmemb;
	if (b->n + len > BODY_MAX)
		return 0;
	char *p = realloc(b->p, b->n + len + 1);
	if (!p)
		return 0;
	memcpy(p + b->n, data, len);
	b->p = p;
	b->n += len;
	b->p[b->n] = '\0';
	return len;
}

static int client_init(struct sim_client *c, const char *base, bool insecure)
{
	memset(c, 0, sizeof *c);
	c->base = base;
	c->insecure = insecure;
	c->h = curl_easy_init();
	if (!c->h)
		return -1;
	curl_easy_setopt(c->h, CURLOPT_COOKIEFILE, ""); /* the session cookie, in memory */
	curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (insecure) {
		curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return 0;
}

static void client_free(struct sim_client *c)
{
	if (c->h)
		curl_easy_cleanup(c->h);
	sodium_memzero(c->csrf, sizeof c->csrf);
}

/* One JSON call. *out (may be NULL) gets the parsed answer (the caller's). Returns
 * the HTTP status, or -1 when the server could not be reached. */
static long call(struct sim_client *c, const char *method, const char *path, json_t *body, json_t **out)
{
	char url[1024], csrf[160];
	struct sim_buf b = {0};
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	snprintf(csrf, sizeof csrf, "X-CSRF-Token: %s", c->csrf);
	if (c->csrf[0])
		hdrs = curl_slist_append(hdrs, csrf);
	snprintf(url, sizeof url, "%s%s", c->base, path);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->h, CURLOPT_HTTPGET, 0L);
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, text ? text : (strcmp(method, "GET") ? "" : NULL));
	if (!strcmp(method, "GET"))
		curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &b);
	long status = -1;
	if (curl_easy_perform(c->h) == CURLE_OK)
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
	if (out)
		*out = b.p ? json_loads(b.p, 0, NULL) : NULL;
	if (text) {
		sodium_memzero(text, strlen(text)); /* may hold a password */
		free(text);
	}
	free(b.p);
	curl_slist_free_all(hdrs);
	return status;
}

static const char *err_code(const json_t *j)
{
	const char *s = json_string_value(json_object_get(j, "error"));
	return s ? s : "";
}

/* A string member of j, "" when absent. */
static const char *str_of(const json_t *j, const char *name)
{
	const char *s = json_string_value(json_object_get(j, name));
	return s ? s : "";
}

/* A strong random password that meets the default policy. */
static void random_password(char *out, size_t size)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char r[12];
	randombytes_buf(r, sizeof r);
	size_t i = 0;
	for (; i < sizeof r && i + 5 < size; i++)
		out[i] = alphabet[r[i] % (sizeof alphabet - 1)];
	snprintf(out + i, size - i, "#7aZ");
	sodium_memzero(r, sizeof r);
}

/* Signs c in; changes the password when the server requires it. 0 or -1 (said why). */
static int sign_in(struct sim_client *c, const char *user, const char *password, const char *otp,
		   const char *new_password, bool quiet)
{
	json_t *ans = NULL, *req = json_pack("{s:s, s:s}", "username", user, "password", password);
	if (otp)
		json_object_set_new(req, "otp", json_string(otp));
	long st = call(c, "POST", "/api/v1/session", req, &ans);
	json_decref(req);
	if (st != 200) {
		fprintf(stderr, "canhgac simulate: sign-in of %s answered %ld %s: check --url and the password\n", user,
			st, err_code(ans));
		json_decref(ans);
		return -1;
	}
	snprintf(c->csrf, sizeof c->csrf, "%s", str_of(ans, "csrf_token"));
	bool change = json_is_true(json_object_get(ans, "must_change_password"));
	json_decref(ans);
	if (!change)
		return 0;
	char fresh[64];
	if (new_password)
		snprintf(fresh, sizeof fresh, "%s", new_password);
	else
		random_password(fresh, sizeof fresh);
	req = json_pack("{s:s, s:s}", "current_password", password, "new_password", fresh);
	st = call(c, "POST", "/api/v1/me/password", req, &ans);
	json_decref(req);
	if (st != 204) {
		fprintf(stderr, "canhgac simulate: %s must change its password and the change answered %ld %s\n", user,
			st, err_code(ans));
		json_decref(ans);
		sodium_memzero(fresh, sizeof fresh);
		return -1;
	}
	json_decref(ans);
	if (!quiet)
		printf("  (%s had to change its one-time password; it is now: %s)\n", user, fresh);
	else
		fprintf(stderr, "canhgac simulate: %s's password is now %s\n", user, fresh);
	sodium_memzero(fresh, sizeof fresh);
	return 0;
}

static long lookup(struct sim_client *c, const char *procedure, const char *citizen_id, json_t **ans)
{
	json_t *req = json_pack("{s:s, s:s, s:s}", "citizen_id", citizen_id, "dossier_code", SIM_DOSSIER,
				"procedure_code", procedure);
	long st = call(c, "POST", "/api/v1/lookups", req, ans);
	json_decref(req);
	return st;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

struct sim_opts {
	const char *url, *user, *password, *other, *other_password, *admin, *admin_password, *admin_otp;
	const char *new_password;
	const char *start_id;
	int max_lookups;
	bool insecure, json;
};

/* The admin's view: the newest alert and incident of the account. Adds them to summary. */
static void admin_view(const struct sim_opts *o, json_t *summary)
{
	struct sim_client a;
	if (client_init(&a, o->url, o->insecure) ||
	    sign_in(&a, o->admin, o->admin_password, o->admin_otp, o->new_password, o->json)) {
		client_free(&a);
		return;
	}
	json_t *ans = NULL, *found = NULL;
	/* the alert is stored just after the suspension: give the worker a moment */
	for (int tries = 0; tries < 50 && !found; tries++) {
		json_decref(ans);
		ans = NULL;
		long st = call(&a, "GET", "/api/v1/incidents", NULL, &ans);
		if (st != 200) {
			fprintf(stderr, "canhgac simulate: GET /incidents as %s answered %ld %s%s\n", o->admin, st,
				err_code(ans),
				!strcmp(err_code(ans), "totp_enrolment_required")
					? ": enrol a second factor for the admin and pass --admin-otp, or use the demo"
					: "");
			break;
		}
		size_t i;
		json_t *inc;
		json_array_foreach(json_object_get(ans, "incidents"), i, inc)
			if (!found && !strcmp(str_of(inc, "actor"), o->user))
				found = json_incref(inc);
		if (!found) {
			struct timespec ts = {0, 100 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	json_decref(ans);
	if (found) {
		json_object_set_new(summary, "incident", found);
		if (!o->json)
			printf("  incident #%lld opened: %s, severity %s, detected %s, report due %s%s\n",
			       (long long)json_integer_value(json_object_get(found, "id")),
			       str_of(found, "title"),
			       str_of(found, "severity"),
			       str_of(found, "detected_at"),
			       str_of(found, "report_due_at"),
			       json_is_true(json_object_get(found, "overdue")) ? " (overdue)" : "");
	} else if (!o->json) {
		printf("  no incident for %s is visible to %s\n", o->user, o->admin);
	}
	client_free(&a);
}

/* Another officer's lookup after the suspension. Adds "other_status" to summary. */
static long other_view(const struct sim_opts *o, const char *procedure, const char *citizen_id, json_t *summary)
{
	struct sim_client c;
	long st = -1;
	if (client_init(&c, o->url, o->insecure) == 0 &&
	    sign_in(&c, o->other, o->other_password, NULL, o->new_password, o->json) == 0) {
		json_t *ans = NULL;
		st = lookup(&c, procedure, citizen_id, &ans);
		if (!o->json)
			printf("  %s looks up %s: %ld %s\n", o->other, citizen_id, st,
			       st == 200   ? "(served)"
			       : st == 404 ? "(served: no such citizen)"
					   : err_code(ans));
		json_decref(ans);
	}
	client_free(&c);
	json_object_set_new(summary, "other_status", json_integer(st));
	return st;
}

static int run_leak(const struct sim_opts *o)
{
	struct sim_client thief;
	json_t *summary = json_object(), *ans = NULL;
	int rc = CLI_FAIL;
	if (client_init(&thief, o->url, o->insecure))
		goto out;
	if (!o->json)
		printf("canhgac simulate leak: %s's password has leaked; a script signs in with it\n", o->user);
	if (sign_in(&thief, o->user, o->password, NULL, o->new_password, o->json))
		goto out;
	if (call(&thief, "GET", "/api/v1/procedures", NULL, &ans) != 200) {
		fprintf(stderr, "canhgac simulate: GET /procedures failed: is %s a canhgac server?\n", o->url);
		goto out;
	}
	char procedure[64];
	snprintf(procedure, sizeof procedure, "%s",
		 str_of(json_array_get(json_object_get(ans, "procedures"), 0), "code"));
	json_decref(ans);
	ans = NULL;
	unsigned long long id = strtoull(o->start_id, NULL, 10);
	char cid[16] = "";
	int n = 0, served = 0;
	long st = 0;
	double t0 = now_ms(), t_suspended = -1;
	if (!o->json)
		printf("  enumerating citizen ids from %s, as fast as the server answers:\n", o->start_id);
	for (n = 0; n < o->max_lookups; n++) {
		snprintf(cid, sizeof cid, "%012llu", id + (unsigned long long)n);
		st = lookup(&thief, procedure, cid, &ans);
		const char *code = err_code(ans);
		if (!o->json)
			printf("    %3d  %s  %ld %s\n", n + 1, cid, st, st == 200 ? "data returned" : code);
		if (st == 200 || st == 404)
			served++;
		bool stop = st == 403 && !strcmp(code, "account_suspended");
		json_decref(ans);
		ans = NULL;
		if (stop) {
			t_suspended = now_ms() - t0;
			break;
		}
		if (st < 0 || st == 401 || st == 403) {
			fprintf(stderr, "canhgac simulate: lookup answered %ld: stopping\n", st);
			break;
		}
	}
	bool suspended = t_suspended >= 0;
	json_object_set_new(summary, "username", json_string(o->user));
	json_object_set_new(summary, "lookups", json_integer(n + (suspended ? 1 : 0)));
	json_object_set_new(summary, "served", json_integer(served));
	json_object_set_new(summary, "suspended", json_boolean(suspended));
	if (suspended)
		json_object_set_new(summary, "suspended_after_ms", json_integer((json_int_t)t_suspended));
	if (!o->json)
		printf(suspended ? "  account %s suspended: 403 account_suspended after %d lookups served, %.0f ms\n"
				 : "  account %s NOT suspended after %d lookups served\n",
		       o->user, served, t_suspended);
	rc = suspended ? CLI_OK : CLI_FAIL;
	if (o->admin && o->admin_password)
		admin_view(o, summary);
	if (o->other && o->other_password) {
		long other = other_view(o, procedure, o->start_id, summary);
		if (other != 200 && other != 404)
			rc = CLI_FAIL;
	}
out:
	if (o->json) {
		char *t = json_dumps(summary, JSON_COMPACT);
		if (t)
			printf("%s\n", t);
		free(t);
	}
	json_decref(summary);
	client_free(&thief);
	return rc;
}

int cli_simulate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"url", required_argument, NULL, 'u'},
		{"username", required_argument, NULL, 'U'},
		{"password", required_argument, NULL, 'P'},
		{"other-username", required_argument, NULL, 'o'},
		{"other-password", required_argument, NULL, 'O'},
		{"admin-username", required_argument, NULL, 'a'},
		{"admin-password", required_argument, NULL, 'A'},
		{"admin-otp", required_argument, NULL, 't'},
		{"new-password", required_argument, NULL, 'n'},
		{"start-id", required_argument, NULL, 's'},
		{"max-lookups", required_argument, NULL, 'm'},
		{"insecure", no_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	struct sim_opts o = {.start_id = "075090100000", .max_lookups = 50};
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "leak") != 0)
		return cli_usage_error("simulate", "unknown scenario '%s' (there is: leak)", argv[1]);
	argc--;
	argv++;
	int c;
	char *end;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': o.url = optarg; break;
		case 'U': o.user = optarg; break;
		case 'P': o.password = optarg; break;
		case 'o': o.other = optarg; break;
		case 'O': o.other_password = optarg; break;
		case 'a': o.admin = optarg; break;
		case 'A': o.admin_password = optarg; break;
		case 't': o.admin_otp = optarg; break;
		case 'n': o.new_password = optarg; break;
		case 's': o.start_id = optarg; break;
		case 'm':
			o.max_lookups = (int)strtol(optarg, &end, 10);
			if (*end || o.max_lookups < 1 || o.max_lookups > 10000)
				return cli_usage_error("simulate", "--max-lookups takes 1..10000");
			break;
		case 'k': o.insecure = true; break;
		case 'j': o.json = true; break;
		case 'h': fputs(usage, stdout); return CLI_OK;
		default: return cli_usage_error("simulate", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("simulate", "unexpected argument '%s'", argv[optind]);
	if (!o.url || !o.user || !o.password)
		return cli_usage_error("simulate", "--url, --username and --password are required");
	if (strncmp(o.url, "http://", 7) && strncmp(o.url, "https://", 8))
		return cli_usage_error("simulate", "--url must start with http:// or https://");
	if (strlen(o.start_id) != 12 || strspn(o.start_id, "0123456789") != 12)
		return cli_usage_error("simulate", "--start-id must be a 12-digit citizen id");
	if ((o.other && !o.other_password) || (o.admin && !o.admin_password))
		return cli_usage_error("simulate", "--other-username and --admin-username need their passwords");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = run_leak(&o);
	curl_global_cleanup();
	return rc;
}
