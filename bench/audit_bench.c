/*
 * Audit writer benchmark: N threads append lookup-like records to a fresh log for
 * a fixed time and it prints how many became durable per second. Run with
 * batch_max 1024 (group commit, as served) and 1 (one fdatasync per record) to
 * see what group commit buys; bench/bench_audit.sh runs the grid and dd.
 * The log is written without a database (projections off): this measures the
 * log itself.
 *
 *   audit_bench DIR WRITERS SECONDS BATCH_MAX
 */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "audit/audit_int.h"
#include "audit/sign.h"
#include "core/config.h"
#include "core/datadir.h"
#include "core/log.h"

static atomic_bool stop;
static atomic_ulong done;

static void *writer(void *arg)
{
	struct audit *a = arg;
	json_t *pl = json_pack("{s:s, s:s, s:s, s:s}", "citizen_id", "075203001234", "dossier_code",
			       "H15.50.05.13-261008-0975", "procedure_code", "1.002421", "outcome", "ok");
	struct audit_event ev = {.type = "lookup", .actor = "officer.bench", .agency = "SOYTE",
				 .ip = "10.1.2.3", .payload = pl};
	while (!atomic_load(&stop)) {
		if (audit_append(a, &ev, NULL) != AUDIT_OK) {
			fprintf(stderr, "audit_bench: append failed\n");
			exit(1);
		}
		atomic_fetch_add(&done, 1);
	}
	json_decref(pl);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char why[512];
	struct config cfg;
	struct audit *a = NULL;
	if (argc != 5 || sodium_init() < 0) {
		fprintf(stderr, "usage: audit_bench DIR WRITERS SECONDS BATCH_MAX (DIR must not exist)\n");
		return 2;
	}
	int writers = atoi(argv[2]);
	double seconds = atof(argv[3]);
	audit_tuning.batch_max = (size_t)atol(argv[4]);
	if (writers < 1 || writers > 1024 || seconds <= 0 || audit_tuning.batch_max < 1) {
		fprintf(stderr, "audit_bench: bad arguments\n");
		return 2;
	}
	log_setup(LOG_WARN, NULL);
	config_defaults(&cfg);
	if (datadir_create(argv[1], why, sizeof why) || audit_sign_keygen(argv[1], why, sizeof why) ||
	    audit_open(argv[1], &cfg, NULL, &a, why, sizeof why)) {
		fprintf(stderr, "audit_bench: %s\n", why);
		return 1;
	}
	pthread_t *th = calloc((size_t)writers, sizeof *th);
	double t0 = now_s();
	for (int i = 0; i < writers; i++)
		pthread_create(&th[i], NULL, writer, a);
	struct timespec nap = {.tv_sec = (time_t)seconds,
			       .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
	nanosleep(&nap, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < writers; i++)
		pthread_join(th[i], NULL);
	double elapsed = now_s() - t0;
	audit_close(a);
	free(th);
	struct audit_verify_result r;
	if (audit_verify(argv[1], NULL, &r) != 0) {
		fprintf(stderr, "audit_bench: the log does not verify: %s\n", r.reason);
		return 1;
	}
	unsigned long n = atomic_load(&done);
	printf("%d %zu %lu %.2f %.0f\n", writers, audit_tuning.batch_max, n, elapsed, (double)n / elapsed);
	return 0;
}
