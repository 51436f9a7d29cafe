/*
 * `canhgac simulate leak`: plays a stolen-account scenario against a running
 * server (the demo) through its HTTP API, the way a thief with a leaked password
 * would, in one of several patterns: near-sequential ids, random ids, invented
 * dossier codes, another agency's real dossier, or a harvest of the agency's own
 * open dossiers; optionally from a second client address while the officer is
 * still signed in from the first. It looks up as fast as the server answers until
 * the detector suspends the account (403 account_suspended) and counts the
 * citizen records that left the server before that. With an admin's credentials
 * it shows the incident opened with its report deadline; with another officer's,
 * that the rest of the province is still served. It only talks HTTP (libcurl),
 * so it shows what any client sees; it needs no access to the data directory.
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
	"Patterns (--pattern):\n"
	"  sequential         near-sequential ids from --start-id under one invented dossier code\n"
	"  random             random ids of Dong Nai under one invented dossier code\n"
	"  invented-dossiers  random ids, a new invented (well-formed) dossier code each time\n"
	"  foreign-dossier    the persons of another agency's real open dossiers (found with the\n"
	"                     admin's credentials) or --foreign-dossier CODE with random ids\n"
	"  harvest            every person of the officer's own agency's open dossiers, in order\n"
	"                     (what purpose binding cannot refuse: the detector must contain it)\n"
	"The summary counts the citizen records released (200 with data) before containment.\n"
	"\n"
	"Options:\n"
	"  --url URL               the server, e.g. http://127.0.0.1:8080\n"
	"  --pattern P             one of the patterns above (default sequential)\n"
	"  --second-address A      the thief's requests leave from local address A (e.g.\n"
	"                          127.0.0.2 against a loopback server) while the officer stays\n"
	"                          signed in from the usual one\n"
	"  --foreign-dossier CODE  another agency's dossier code for foreign-dossier\n"
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
#define SIM_TARGETS_MAX 2000

enum sim_pattern { PAT_SEQUENTIAL, PAT_RANDOM, PAT_INVENTED, PAT_FOREIGN, PAT_HARVEST };
static const char *const pattern_names[] = {"sequential", "random", "invented-dossiers", "foreign-dossier",
					    "harvest"};

/* One lookup the thief tries: a citizen under a dossier and its procedure. */
struct sim_target {
	char citizen_id[16];
	char dossier[72];
	char procedure[64];
};

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

static int client_init_from(struct sim_client *c, const char *base, bool insecure, const char *local_address);

static int client_init(struct sim_client *c, const char *base, bool insecure)
{
	return client_init_from(c, base, insecure, NULL);
}

/* A client whose connections leave from local_address (NULL: the system's choice). */
static int client_init_from(struct sim_client *c, const char *base, bool insecure, const char *local_address)
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
	if (local_address)
		curl_easy_setopt(c->h, CURLOPT_INTERFACE, local_address);
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

/* Signs c in; changes the password when the server requires it. 0 or -1 (said
 * why). `now` (may be NULL, 64 bytes) gets the password in effect afterwards. */
static int sign_in_as(struct sim_client *c, const char *user, const char *password, const char *otp,
		      const char *new_password, bool quiet, char *now);

static int sign_in(struct sim_client *c, const char *user, const char *password, const char *otp,
		   const char *new_password, bool quiet)
{
	return sign_in_as(c, user, password, otp, new_password, quiet, NULL);
}

static int sign_in_as(struct sim_client *c, const char *user, const char *password, const char *otp,
		      const char *new_password, bool quiet, char *now)
{
	if (now)
		snprintf(now, 64, "%s", password);
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
	if (now)
		snprintf(now, 64, "%s", fresh);
	if (!quiet)
		printf("  (%s had to change its one-time password; it is now: %s)\n", user, fresh);
	else
		fprintf(stderr, "canhgac simulate: %s's password is now %s\n", user, fresh);
	sodium_memzero(fresh, sizeof fresh);
	return 0;
}

static long lookup_in(struct sim_client *c, const char *procedure, const char *citizen_id, const char *dossier,
		      json_t **ans)
{
	json_t *req = json_pack("{s:s, s:s, s:s}", "citizen_id", citizen_id, "dossier_code", dossier,
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
	const char *second_address, *foreign_dossier;
	enum sim_pattern pattern;
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

static size_t targets_from_dossiers(const json_t *list, struct sim_target *t, size_t n, size_t max);

/* Another officer's lookup after the suspension, under one of their own open
 * dossiers when the server lists any (verify mode), else under the fixed code.
 * Adds "other_status" to summary. */
static long other_view(const struct sim_opts *o, const char *procedure, const char *citizen_id, json_t *summary)
{
	struct sim_client c;
	long st = -1;
	if (client_init(&c, o->url, o->insecure) == 0 &&
	    sign_in(&c, o->other, o->other_password, NULL, o->new_password, o->json) == 0) {
		json_t *ans = NULL, *ds = NULL;
		struct sim_target t;
		snprintf(t.citizen_id, sizeof t.citizen_id, "%s", citizen_id);
		snprintf(t.dossier, sizeof t.dossier, "%s", SIM_DOSSIER);
		snprintf(t.procedure, sizeof t.procedure, "%s", procedure);
		if (call(&c, "GET", "/api/v1/dossiers?status=open&limit=1", NULL, &ds) == 200)
			targets_from_dossiers(json_object_get(ds, "dossiers"), &t, 0, 1);
		json_decref(ds);
		st = lookup_in(&c, t.procedure, t.citizen_id, t.dossier, &ans);
		if (!o->json)
			printf("  %s looks up %s: %ld %s\n", o->other, t.citizen_id, st,
			       st == 200   ? "(served)"
			       : st == 404 ? "(served: no such citizen)"
					   : err_code(ans));
		json_decref(ans);
	}
	client_free(&c);
	json_object_set_new(summary, "other_status", json_integer(st));
	return st;
}

/* A plausible citizen id of Dong Nai born 1940-1999 (it may or may not exist). */
static void random_id(char out[16])
{
	snprintf(out, 16, "075%u%02u%06u", randombytes_uniform(2), 40 + randombytes_uniform(60),
		 randombytes_uniform(1000000));
}

/* Adds the persons of each dossier in `list` (a JSON array of dossiers) as targets. */
static size_t targets_from_dossiers(const json_t *list, struct sim_target *t, size_t n, size_t max)
{
	size_t i, k;
	const json_t *d, *p;
	json_array_foreach(list, i, d) {
		json_array_foreach(json_object_get(d, "persons"), k, p) {
			if (n >= max)
				return n;
			snprintf(t[n].citizen_id, sizeof t[n].citizen_id, "%s", str_of(p, "citizen_id"));
			snprintf(t[n].dossier, sizeof t[n].dossier, "%s", str_of(d, "code"));
			snprintf(t[n].procedure, sizeof t[n].procedure, "%s", str_of(d, "procedure_code"));
			n++;
		}
	}
	return n;
}

/* Another agency's open dossiers, as the admin sees them (the thief's worst case:
 * a real dossier and its persons known from elsewhere). */
static size_t foreign_targets(const struct sim_opts *o, const char *own_agency, struct sim_target *t, size_t max)
{
	struct sim_client a;
	size_t n = 0;
	json_t *ags = NULL;
	if (client_init(&a, o->url, o->insecure) ||
	    sign_in(&a, o->admin, o->admin_password, o->admin_otp, o->new_password, o->json) ||
	    call(&a, "GET", "/api/v1/agencies", NULL, &ags) != 200) {
		client_free(&a);
		json_decref(ags);
		return 0;
	}
	size_t i;
	json_t *ag;
	json_array_foreach(json_object_get(ags, "agencies"), i, ag) {
		const char *code = str_of(ag, "code");
		if (n > 0 || !strcmp(code, own_agency))
			continue;
		char path[256];
		json_t *ds = NULL;
		snprintf(path, sizeof path, "/api/v1/dossiers?status=open&limit=50&agency=%s", code);
		if (call(&a, "GET", path, NULL, &ds) == 200)
			n = targets_from_dossiers(json_object_get(ds, "dossiers"), t, 0, max);
		json_decref(ds);
	}
	json_decref(ags);
	client_free(&a);
	return n;
}

/* The lookups the thief will try, in order. 0 when the pattern finds none (said why). */
static size_t make_targets(const struct sim_opts *o, struct sim_client *thief, const char *procedure,
			   struct sim_target *t, size_t max)
{
	size_t n = 0;
	unsigned long long id = strtoull(o->start_id, NULL, 10);
	json_t *ans = NULL;
	switch (o->pattern) {
	case PAT_SEQUENTIAL:
	case PAT_RANDOM:
	case PAT_INVENTED:
		for (; n < max; n++) {
			if (o->pattern == PAT_SEQUENTIAL)
				snprintf(t[n].citizen_id, sizeof t[n].citizen_id, "%012llu", id + n);
			else
				random_id(t[n].citizen_id);
			if (o->pattern == PAT_INVENTED)
				snprintf(t[n].dossier, sizeof t[n].dossier, "H15.50.05.13-261008-%04u",
					 randombytes_uniform(10000));
			else
				snprintf(t[n].dossier, sizeof t[n].dossier, "%s", SIM_DOSSIER);
			snprintf(t[n].procedure, sizeof t[n].procedure, "%s", procedure);
		}
		return n;
	case PAT_FOREIGN:
		if (o->foreign_dossier) {
			for (; n < max; n++) {
				random_id(t[n].citizen_id);
				snprintf(t[n].dossier, sizeof t[n].dossier, "%s", o->foreign_dossier);
				snprintf(t[n].procedure, sizeof t[n].procedure, "%s", procedure);
			}
			return n;
		}
		if (call(thief, "GET", "/api/v1/me", NULL, &ans) == 200)
			n = foreign_targets(o, str_of(json_object_get(ans, "user"), "agency"), t, max);
		json_decref(ans);
		if (n == 0)
			fprintf(stderr, "canhgac simulate: foreign-dossier needs --foreign-dossier CODE, or admin "
					"credentials to find another agency's open dossiers\n");
		return n;
	case PAT_HARVEST:
		if (call(thief, "GET", "/api/v1/dossiers?status=open&limit=1000", NULL, &ans) == 200)
			n = targets_from_dossiers(json_object_get(ans, "dossiers"), t, 0, max);
		json_decref(ans);
		if (n == 0)
			fprintf(stderr, "canhgac simulate: the officer's agency has no open dossiers to harvest\n");
		return n;
	}
	return 0;
}

static int run_leak(const struct sim_opts *o)
{
	struct sim_client thief, officer;
	json_t *summary = json_object(), *ans = NULL;
	struct sim_target *targets = calloc((size_t)o->max_lookups, sizeof *targets);
	char password[64] = "";
	int rc = CLI_FAIL;
	bool officer_on = false;
	memset(&thief, 0, sizeof thief);
	memset(&officer, 0, sizeof officer);
	if (!targets)
		goto out;
	if (!o->json)
		printf("canhgac simulate leak (%s): %s's password has leaked; a script signs in with it%s%s\n",
		       pattern_names[o->pattern], o->user, o->second_address ? " from " : "",
		       o->second_address ? o->second_address : "");
	if (o->second_address) {
		/* the officer at their desk, signed in and working, from the usual address */
		if (client_init(&officer, o->url, o->insecure) ||
		    sign_in_as(&officer, o->user, o->password, NULL, o->new_password, o->json, password))
			goto out;
		officer_on = true;
		call(&officer, "GET", "/api/v1/me", NULL, NULL);
	} else {
		snprintf(password, sizeof password, "%s", o->password);
	}
	char current[64];
	snprintf(current, sizeof current, "%s", password);
	int signed_in = client_init_from(&thief, o->url, o->insecure, o->second_address) == 0 &&
			sign_in_as(&thief, o->user, current, NULL, o->new_password, o->json, password) == 0;
	sodium_memzero(current, sizeof current);
	if (!signed_in)
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
	size_t ntargets = make_targets(o, &thief, procedure, targets, (size_t)o->max_lookups);
	if (ntargets == 0)
		goto out;
	int n = 0, served = 0, released = 0, refused = 0;
	long st = 0;
	double t0 = now_ms(), t_suspended = -1;
	if (!o->json)
		printf("  %zu lookups planned, as fast as the server answers:\n", ntargets);
	for (n = 0; n < (int)ntargets; n++) {
		const struct sim_target *t = &targets[n];
		st = lookup_in(&thief, t->procedure, t->citizen_id, t->dossier, &ans);
		const char *code = err_code(ans);
		if (!o->json)
			printf("    %3d  %s  %-28s %ld %s\n", n + 1, t->citizen_id, t->dossier, st,
			       st == 200 ? "data returned" : code);
		if (st == 200 || st == 404)
			served++;
		if (st == 200 && json_object_get(ans, "citizen"))
			released++;
		bool stop = st == 403 && !strcmp(code, "account_suspended");
		bool refusal = st == 403 && (!strncmp(code, "dossier_", 8) || !strcmp(code, "citizen_not_in_dossier"));
		bool other_403 = st == 403 && !stop && !refusal; /* forbidden, csrf_required, ... */
		if (refusal)
			refused++;
		json_decref(ans); /* `code` points into it: not used below */
		ans = NULL;
		if (stop) {
			t_suspended = now_ms() - t0;
			break;
		}
		if (st < 0 || st == 401 || other_403) {
			fprintf(stderr, "canhgac simulate: lookup answered %ld: stopping\n", st);
			break;
		}
	}
	bool suspended = t_suspended >= 0;
	json_object_set_new(summary, "pattern", json_string(pattern_names[o->pattern]));
	json_object_set_new(summary, "username", json_string(o->user));
	json_object_set_new(summary, "lookups", json_integer(n + (suspended ? 1 : 0)));
	json_object_set_new(summary, "served", json_integer(served));
	json_object_set_new(summary, "released", json_integer(released));
	json_object_set_new(summary, "refused", json_integer(refused));
	json_object_set_new(summary, "suspended", json_boolean(suspended));
	if (suspended)
		json_object_set_new(summary, "suspended_after_ms", json_integer((json_int_t)t_suspended));
	if (officer_on) { /* the officer's own session is cut too */
		long own = call(&officer, "GET", "/api/v1/me", NULL, &ans);
		json_object_set_new(summary, "officer_session_status", json_integer(own));
		json_decref(ans);
		ans = NULL;
	}
	if (!o->json) {
		printf(suspended ? "  account %s suspended: 403 account_suspended after %d lookups, %.0f ms\n"
				 : "  account %s NOT suspended after %d lookups\n",
		       o->user, n, t_suspended);
		printf("  citizen records released before containment: %d (refused by the dossier rule: %d)\n", released,
		       refused);
	}
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
	sodium_memzero(password, sizeof password);
	free(targets);
	json_decref(summary);
	client_free(&thief);
	client_free(&officer);
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
		{"pattern", required_argument, NULL, 'p'},
		{"second-address", required_argument, NULL, 'b'},
		{"foreign-dossier", required_argument, NULL, 'f'},
		{"max-lookups", required_argument, NULL, 'm'},
		{"insecure", no_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	struct sim_opts o = {.start_id = "075090100000", .max_lookups = 50, .pattern = PAT_SEQUENTIAL};
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
		case 'p': {
			size_t k = 0;
			while (k < sizeof pattern_names / sizeof pattern_names[0] && strcmp(optarg, pattern_names[k]))
				k++;
			if (k == sizeof pattern_names / sizeof pattern_names[0])
				return cli_usage_error("simulate", "--pattern is one of sequential, random, "
								   "invented-dossiers, foreign-dossier, harvest");
			o.pattern = (enum sim_pattern)k;
			break;
		}
		case 'b': o.second_address = optarg; break;
		case 'f': o.foreign_dossier = optarg; break;
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
