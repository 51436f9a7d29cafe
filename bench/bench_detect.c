/*
 * Detector throughput (issue 7): replays a generated month of a province's
 * traffic into the detector's audit listener and reports committed records per
 * second, the alerts raised and the suspension latency of the attacks mixed in.
 *
 * The month: OFFICERS officers on the working days of October 2026 (no public
 * holiday), each signing in from their own address between 07:05 and 08:30 (one
 * in fifty mistypes first) and again after lunch, and looking up 10-60 random
 * citizens a day at a human pace (3-15 minutes apart) under dossiers of one to
 * three citizens. Attacks: every other working day a stolen account enumerates
 * ids at night (enumeration, suspended), a spraying address tries 15 accounts
 * (password_spray, blocked), an officer harvests 60 random ids in an hour
 * (volume); and 5 accounts dormant for 40 days sign in (dormant).
 *
 * Each record is built as JSON (as the audit delivery thread hands it over) and
 * passed to detect_listener; "listener" time counts only those calls (the
 * thread's CPU time, and wall time), "replay" time the whole replay including
 * generating and building the records. The store is a fresh
 * SQLite database in $TMPDIR (alerts, incidents and suspensions are written to
 * it by the detector's worker, as in serve). Usage: bench_detect [officers].
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "detect/detect.h"
#include "store/store.h"

#define ATTACKERS 32
#define DORMANT 5

struct ev {
	int64_t t;
	int who;     /* officer index, or -1 for an attack record with its own names */
	int kind;    /* 0 lookup, 1 sign-in, 2 failed sign-in */
	int dossier;
	char cid[24];
	char actor[24];
	char ip[40];
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static int range(int lo, int hi)
{
	return lo + (int)(next() % (uint64_t)(hi - lo + 1));
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_time(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

static void random_cid(char *out)
{
	int sex = range(0, 3);
	int year = sex < 2 ? range(40, 99) : range(0, 8);
	snprintf(out, 24, "0%02d%d%02d%06d", range(1, 96), sex, year, range(0, 999999));
}

static size_t gen_officers(struct ev *out, int officers, int64_t day0, int *dossier_seq)
{
	size_t n = 0;
	for (int o = 0; o < officers; o++) {
		int64_t t = day0 + 7 * 3600 + range(5, 90) * 60;
		if (next() % 50 == 0)
			out[n++] = (struct ev){.t = t - 20, .who = o, .kind = 2};
		out[n++] = (struct ev){.t = t, .who = o, .kind = 1};
		int want = range(10, 60), done = 0, household = 0, dossier = 0;
		bool lunch = false;
		t += range(60, 600);
		while (done < want && t < day0 + 17 * 3600) {
			if (!lunch && t > day0 + 11 * 3600 + 1800) {
				t = day0 + 13 * 3600 + range(0, 900);
				out[n++] = (struct ev){.t = t - 30, .who = o, .kind = 1};
				lunch = true;
			}
			if (household-- <= 0) {
				dossier = ++*dossier_seq;
				household = next() % 4 == 0 ? range(1, 2) : 0;
			}
			struct ev *e = &out[n++];
			*e = (struct ev){.t = t, .who = o, .kind = 0, .dossier = dossier};
			random_cid(e->cid);
			done++;
			t += range(180, 900);
		}
	}
	return n;
}

static struct ev *attack(struct ev *e, int64_t t, int kind, const char *actor, const char *ip, const char *cid)
{
	*e = (struct ev){.t = t, .who = -1, .kind = kind};
	snprintf(e->actor, sizeof e->actor, "%s", actor);
	snprintf(e->ip, sizeof e->ip, "%s", ip);
	if (cid)
		snprintf(e->cid, sizeof e->cid, "%s", cid);
	return e + 1;
}

/* The day's attacks (every other working day `k`). */
static size_t gen_attacks(struct ev *out, int k, int64_t day0, int officers)
{
	struct ev *e = out;
	char actor[24], ip[40], cid[24];
	snprintf(actor, sizeof actor, "thief.%02d", k % ATTACKERS);
	snprintf(ip, sizeof ip, "203.0.113.%d", k + 1);
	int64_t night = day0 + 22 * 3600 + range(0, 3000);
	e = attack(e, night, 1, actor, ip, NULL);
	for (int i = 0; i < 8; i++) {
		snprintf(cid, sizeof cid, "075090%06d", 100000 + k * 100 + i);
		e = attack(e, night + 2 + i, 0, actor, ip, cid);
	}
	snprintf(ip, sizeof ip, "198.51.100.%d", k + 1);
	for (int i = 0; i < 15; i++) {
		snprintf(actor, sizeof actor, "cb.%04d", (k * 37 + i) % officers);
		e = attack(e, day0 + 10 * 3600 + i * 3, 2, actor, ip, NULL);
	}
	/* an officer of the province harvesting random ids in working hours */
	snprintf(actor, sizeof actor, "cb.%04d", (k * 101 + 7) % officers);
	snprintf(ip, sizeof ip, "10.%d.%d.%d", 20 + (k * 101 + 7) % officers / 10000,
		 ((k * 101 + 7) % officers / 100) % 100, (k * 101 + 7) % officers % 100 + 10);
	for (int i = 0; i < 60; i++) {
		random_cid(cid);
		e = attack(e, day0 + 14 * 3600 + i * 50, 0, actor, ip, cid);
	}
	if (k < DORMANT) {
		snprintf(actor, sizeof actor, "sleeper.%d", k);
		e = attack(e, day0 + 9 * 3600, 1, actor, "10.99.0.1", NULL);
	}
	return (size_t)(e - out);
}

static void feed(struct detect *d, const struct ev *e, uint64_t seq, double *in_listener, double *cpu_listener)
{
	char ts[32], actor[24], ip[40], dossier[40];
	clock_format_rfc3339(e->t, ts, sizeof ts);
	if (e->who >= 0) {
		snprintf(actor, sizeof actor, "cb.%04d", e->who);
		snprintf(ip, sizeof ip, "10.%d.%d.%d", 20 + e->who / 10000, (e->who / 100) % 100, e->who % 100 + 10);
	} else {
		snprintf(actor, sizeof actor, "%s", e->actor);
		snprintf(ip, sizeof ip, "%s", e->ip);
	}
	json_t *payload;
	const char *type = e->kind == 0 ? "lookup" : e->kind == 1 ? "signin_ok" : "signin_fail";
	if (e->kind == 0) {
		/* an attack's lookups each under their own invented dossier code */
		snprintf(dossier, sizeof dossier, "H15.50.05.13-261008-%07d",
			 e->who >= 0 ? e->dossier : 5000000 + (int)(seq % 1000000));
		payload = json_pack("{s:s, s:s, s:s, s:s}", "citizen_id", e->cid, "dossier_code", dossier,
				    "procedure_code", "1.002421", "outcome", "found");
	} else {
		payload = json_pack(e->kind == 1 ? "{s:s}" : "{s:s, s:s}", "username", actor, "reason", "wrong_password");
	}
	json_t *r = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "seq", (json_int_t)seq, "time", ts, "type", type,
			      "actor", e->kind == 2 ? "-" : actor, "agency", "UBND.BIENHOA", "ip", ip, "payload",
			      payload);
	double t0 = mono(), c0 = cpu();
	detect_listener(r, d);
	*cpu_listener += cpu() - c0;
	*in_listener += mono() - t0;
	json_decref(r);
}

struct tally {
	const char *rules[16];
	int counts[16];
};

static int tally_one(const struct store_alert *a, void *arg)
{
	struct tally *t = arg;
	int i = 0;
	while (i < 16 && t->rules[i] && strcmp(t->rules[i], a->rule))
		i++;
	if (i == 16)
		return 0;
	if (!t->rules[i])
		t->rules[i] = strdup(a->rule);
	t->counts[i]++;
	return 0;
}

static int make_user(struct store *st, const char *name, int64_t created, int64_t last_login)
{
	struct store_user u = {.created_at = created, .updated_at = created, .password_changed_at = created,
			       .last_login_at = last_login};
	snprintf(u.username, sizeof u.username, "%s", name);
	snprintf(u.full_name, sizeof u.full_name, "Can Bo");
	snprintf(u.agency, sizeof u.agency, "UBND.BIENHOA");
	snprintf(u.role, sizeof u.role, "officer");
	snprintf(u.status, sizeof u.status, "active");
	snprintf(u.password_hash, sizeof u.password_hash, "x");
	return store_user_create(st, &u) || store_user_save(st, &u);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int officers = argc > 1 ? atoi(argv[1]) : 2000;
	if (officers < 100 || officers > 100000) {
		fprintf(stderr, "usage: bench_detect [officers 100..100000]\n");
		return 2;
	}
	char dir[256], db[300], why[256];
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/canhgac-bench-detect-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	snprintf(db, sizeof db, "%s/canhgac.db", dir);
	log_setup(LOG_ERROR, NULL);
	struct config cfg;
	config_defaults(&cfg);
	struct store *st;
	if (store_open(db, STORE_OPEN_CREATE, &st, why, sizeof why)) {
		fprintf(stderr, "bench_detect: %s\n", why);
		return 1;
	}
	int64_t day;
	clock_parse_local_date("2026-10-05", &day); /* a Monday; October has no public holiday */
	int64_t start = clock_local_day_start(day);
	clock_set_fake(start);
	struct store_agency ag = {.code = "UBND.BIENHOA", .name = "UBND Bien Hoa", .created_at = start - 400 * 86400};
	store_agency_create(st, &ag);
	char name[32];
	for (int i = 0; i < ATTACKERS; i++) {
		snprintf(name, sizeof name, "thief.%02d", i);
		make_user(st, name, start - 300 * 86400, start - 86400);
	}
	for (int i = 0; i < DORMANT; i++) {
		snprintf(name, sizeof name, "sleeper.%d", i);
		make_user(st, name, start - 300 * 86400, start - 40 * 86400);
	}
	struct auth_service svc;
	if (auth_service_init(&svc, st, &cfg, NULL))
		return 1;
	struct detect *d;
	struct detect_deps deps = {.cfg = &cfg, .st = st, .auth = &svc};
	if (detect_open(&deps, &d, why, sizeof why)) {
		fprintf(stderr, "bench_detect: %s\n", why);
		return 1;
	}
	size_t cap = (size_t)officers * 70 + 200;
	struct ev *evs = calloc(cap, sizeof *evs);
	int64_t latencies[64];
	int nlat = 0, dossier_seq = 0, working = 0;
	uint64_t seq = 0;
	double in_listener = 0, cpu_listener = 0, wall0 = mono();
	for (int k = 0; k < 30; k++) {
		int64_t day0 = start + (int64_t)k * 86400;
		if (k % 7 >= 5)
			continue; /* Saturday, Sunday */
		clock_set_fake(day0 + 6 * 3600);
		size_t n = gen_officers(evs, officers, day0, &dossier_seq);
		bool attacked = working % 2 == 0;
		if (attacked)
			n += gen_attacks(evs + n, working / 2, day0, officers);
		qsort(evs, n, sizeof *evs, by_time);
		for (size_t i = 0; i < n; i++)
			feed(d, &evs[i], ++seq, &in_listener, &cpu_listener);
		detect_flush(d);
		struct store_user u;
		snprintf(name, sizeof name, "thief.%02d", (working / 2) % ATTACKERS);
		if (attacked && nlat < 64 && store_user_get_by_name(st, name, &u) == 0 && !strcmp(u.status, "suspended"))
			latencies[nlat++] = detect_last_suspend_latency_ms(d);
		working++;
	}
	double wall = mono() - wall0;
	detect_flush(d);
	struct tally t = {0};
	store_alert_list(st, NULL, 0, 1000000, tally_one, &t);
	int suspended = 0;
	for (int i = 0; i < ATTACKERS; i++) {
		struct store_user u;
		snprintf(name, sizeof name, "thief.%02d", i);
		if (store_user_get_by_name(st, name, &u) == 0 && strcmp(u.status, "suspended") == 0)
			suspended++;
	}
	printf("load: %d officers, %d working days, %llu audit records (sign-ins and lookups, attacks mixed in)\n",
	       officers, working, (unsigned long long)seq);
	printf("detector listener: %.0f records/s of its thread's CPU time (%.2f s), %.0f records/s of wall time "
	       "(%.2f s; lower when the machine is shared)\n",
	       (double)seq / cpu_listener, cpu_listener, (double)seq / in_listener, in_listener);
	printf("replay with building each record: %.0f records/s (%.2f s)\n", (double)seq / wall, wall);
	printf("alerts:");
	for (int i = 0; i < 16 && t.rules[i]; i++)
		printf(" %s=%d", t.rules[i], t.counts[i]);
	printf("\naccounts suspended: %d (one stolen account enumerating at night every other working day)\n",
	       suspended);
	if (nlat) {
		qsort(latencies, (size_t)nlat, sizeof latencies[0], cmp_i64);
		printf("suspension latency (committed record received -> account saved suspended): median %lld ms, "
		       "max %lld ms over %d suspensions\n",
		       (long long)latencies[nlat / 2], (long long)latencies[nlat - 1], nlat);
	}
	detect_close(d);
	auth_service_free(&svc);
	store_close(st);
	free(evs);
	for (int i = 0; i < 16 && t.rules[i]; i++)
		free((void *)t.rules[i]);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
