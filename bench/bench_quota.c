/*
 * quota_take throughput (issue 5): calls per second over 10,000 officers in 50
 * agencies, with 1 and 2 threads, against a temporary store. First the cold
 * pass (each user's first take seeds from SQLite: day counts and the last
 * minute), then the steady state with the real clock read on every call and
 * limits raised so every take is granted (the expensive path: it writes). Each
 * steady figure is the median of three runs. Usage: bench_quota [takes per thread].
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "quota/quota.h"
#include "store/store.h"

#define USERS 10000
#define AGENCIES 50
#define RUNS 3

static char names[USERS][24];
static char agencies[AGENCIES][24];
static const struct quota_limits lim = {QUOTA_MINUTE_LIMIT_MAX, 100000000, 2000000000};

struct job {
	struct quota *q;
	long takes;
	int first;
	long refused;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *job_run(void *arg)
{
	struct job *j = arg;
	int u = j->first;
	for (long i = 0; i < j->takes; i++) {
		enum quota_scope scope;
		int retry;
		if (quota_take(j->q, names[u], agencies[u % AGENCIES], &lim, clock_now_ms(), &scope, &retry,
			       NULL) != QUOTA_OK)
			j->refused++;
		u = u + 1 == USERS ? 0 : u + 1;
	}
	return NULL;
}

/* Calls per second with `threads` threads of `takes` each. */
static double bench_threads(struct quota *q, int threads, long takes, long *refused)
{
	pthread_t th[2];
	struct job jobs[2];
	double t0 = now_s();
	for (int i = 0; i < threads; i++) {
		jobs[i] = (struct job){.q = q, .takes = takes, .first = i * (USERS / 2)};
		if (pthread_create(&th[i], NULL, job_run, &jobs[i]) != 0) {
			perror("pthread_create");
			exit(1);
		}
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		*refused += jobs[i].refused;
	}
	return (double)takes * threads / (now_s() - t0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long takes = argc > 1 ? atol(argv[1]) : 5000000;
	char dir[] = "/tmp/canhgac-bench-quota-XXXXXX", path[128], why[256], cmd[160];
	struct store *st = NULL;
	struct quota *q = NULL;
	long refused = 0;
	int rc = 1;
	if (takes < 1) {
		fprintf(stderr, "usage: bench_quota [takes per thread >= 1]\n");
		return 2;
	}
	log_setup(LOG_WARN, stderr);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/canhgac.db", dir);
	if (store_open(path, STORE_OPEN_CREATE, &st, why, sizeof why) != STORE_OK) {
		fprintf(stderr, "bench_quota: %s\n", why);
		goto out;
	}
	if (quota_new(st, &q) != QUOTA_OK)
		goto out;
	for (int i = 0; i < USERS; i++)
		snprintf(names[i], sizeof names[i], "officer.%05d", i);
	for (int i = 0; i < AGENCIES; i++)
		snprintf(agencies[i], sizeof agencies[i], "H15.%02d", i);

	double t0 = now_s();
	struct job cold = {.q = q, .takes = USERS};
	job_run(&cold);
	double cold_s = now_s() - t0;
	printf("cold: first take of %d users (seeded from SQLite): %.0f takes/s (%.1f us each)\n", USERS,
	       USERS / cold_s, cold_s * 1e6 / USERS);

	for (int threads = 1; threads <= 2; threads++) {
		double r[RUNS];
		for (int k = 0; k < RUNS; k++)
			r[k] = bench_threads(q, threads, takes, &refused);
		qsort(r, RUNS, sizeof r[0], cmp_double);
		printf("steady: %d thread%s x %ld takes over %d users: %.2f M takes/s (%.0f ns each; "
		       "runs %.2f / %.2f / %.2f M/s)\n",
		       threads, threads > 1 ? "s" : "", takes, USERS, r[RUNS / 2] / 1e6, 1e9 / r[RUNS / 2],
		       r[0] / 1e6, r[1] / 1e6, r[2] / 1e6);
	}
	if (refused) {
		fprintf(stderr, "bench_quota: %ld takes were refused; the limits should allow all\n", refused);
		goto out;
	}
	rc = 0;
out:
	quota_free(q);
	if (st)
		store_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
