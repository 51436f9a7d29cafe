/*
 * `canhgac serve`: loads the configuration, opens the store and the audit log,
 * starts the account service and the HTTP server, and waits for SIGTERM or SIGINT;
 * then it drains requests, flushes the audit log and stops. The signals are
 * blocked before any thread starts and taken with sigwait, so no handler runs in
 * signal context.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "auth/hash.h"
#include "auth/staff.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/datadir.h"
#include "dossier/dossier.h"
#include "core/log.h"
#include "detect/detect.h"
#include "detect/weblog_alert.h"
#include "detect/weblog_follow.h"
#include "fim/watch.h"
#include "http/app.h"
#include "http/http.h"
#include "lookup/lookup.h"
#include "notify/notify.h"
#include "store/store.h"

static const char usage[] =
	"Usage: canhgac serve --data DIR [--config FILE] [--listen HOST:PORT] [--json]\n"
	"\n"
	"Runs the HTTP API, the web console and the background workers.\n"
	"Prints the address it listens on. SIGTERM or SIGINT drains requests and stops.\n"
	"\n"
	"Options:\n"
	"  --data DIR          the data directory made by 'canhgac init'\n"
	"  --config FILE       configuration (default DIR/canhgac.conf)\n"
	"  --listen HOST:PORT  overrides [server] listen; port 0 picks a free port\n"
	"  --json              print the address as {\"url\": ...}\n"
	"  -h, --help          this help\n";

static void wait_for_stop(const sigset_t *sigs)
{
	int sig = 0;
	for (;;) {
		if (sigwait(sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("serve", "SIGHUP: nothing to reload yet; restart to apply configuration");
			continue;
		}
		break;
	}
	log_info("serve", "signal %d: draining requests, flushing the audit log and stopping", sig);
}

int cli_serve_run(const char *dir, const char *config_path, const char *listen, int json)
{
	if (!datadir_is_initialised(dir)) {
		fprintf(stderr,
			"canhgac serve: %s is not a canhgac data directory (it has no canhgac.db): "
			"run 'canhgac init --data %s' first, or pass the right --data\n",
			dir, dir);
		return CLI_FAIL;
	}
	static struct config cfg;
	if (cli_load_config(dir, config_path, &cfg))
		return CLI_FAIL;
	enum log_level level = LOG_INFO;
	log_level_parse(cfg.log.level, &level);
	log_setup(level, NULL);

	/* Signals are blocked before the first thread (the audit writer) starts. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	char why[512], path[DATADIR_PATH_MAX];
	struct store *st = NULL;
	struct audit *audit = NULL;
	struct auth_service auth = {0};
	struct auth_scheduler *sched = NULL;
	static struct lookup_service lookup;
	struct detect *detect = NULL;
	struct notify *notify = NULL;
	struct weblog_follow *follow = NULL;
	struct fim_watch *fimw = NULL;
	bool lookup_open = false;
	struct dossier_spool *spool = NULL;
	struct http_server *srv = NULL;
	int rc = CLI_FAIL;
	datadir_path(dir, "canhgac.db", path, sizeof path);
	if (store_open(path, STORE_OPEN_EXISTING, &st, why, sizeof why) ||
	    audit_open(dir, &cfg, st, &audit, why, sizeof why)) {
		fprintf(stderr, "canhgac serve: %s\n", why);
		goto out;
	}
	if (auth_service_init(&auth, st, &cfg, audit) || password_hash_prepare()) {
		fprintf(stderr, "canhgac serve: cannot start the account service (out of memory?)\n");
		goto out;
	}
	auth.data_dir = dir; /* keys/totp.key */
	if (auth_throttle_rebuild(&auth, dir, why, sizeof why)) {
		fprintf(stderr, "canhgac serve: cannot restore the sign-in throttle: %s\n", why);
		goto out;
	}
	/* staff changes due and dormant accounts: now (changes dated while the server
	 * was down) and every minute */
	if (auth_scheduler_start(&auth, &sched)) {
		fprintf(stderr, "canhgac serve: cannot start the account scheduler (out of memory?)\n");
		goto out;
	}
	if (lookup_service_open(&lookup, &cfg, st, audit, why, sizeof why)) {
		fprintf(stderr, "canhgac serve: %s\n", why);
		goto out;
	}
	lookup_open = true;
	/* Dossier imports handed over by `canhgac dossier import` run beside us. */
	struct dossier_rules drules = {.codes = &lookup.dossier_codes, .procedures = lookup.procedures, .agencies = st};
	if (dossier_spool_start(dir, &drules, st, audit, &spool, why, sizeof why)) {
		fprintf(stderr, "canhgac serve: %s\n", why);
		goto out;
	}
	/* Notifications (webhook thread, syslog) before anything can raise an alert. */
	if (notify_open(&cfg, &notify, why, sizeof why)) {
		fprintf(stderr, "canhgac serve: %s\n", why);
		goto out;
	}
	/* The detector: windows from the last 24 h of the audit, then fed live. */
	struct detect_deps dd = {.cfg = &cfg, .st = st, .auth = &auth, .audit = audit, .notify = notify, .data_dir = dir};
	if (detect_open(&dd, &detect, why, sizeof why) || detect_rebuild(detect, dir, why, sizeof why) ||
	    audit_subscribe(audit, detect_listener, detect) || detect_checker_start(detect, 60)) {
		fprintf(stderr, "canhgac serve: %s\n", why);
		goto out;
	}
	/* The access logs of [weblog] paths, from their end, into the same actions;
	 * an address keeping at it is reported again once its block may have expired. */
	if (cfg.weblog.paths[0] && (weblog_follow_open(&cfg, cfg.detect.block_ttl_seconds, weblog_alert_report, detect,
						       &follow, why, sizeof why) ||
				    weblog_follow_start(follow))) {
		fprintf(stderr, "canhgac serve: %s\n", follow ? "cannot start the access-log follower" : why);
		goto out;
	}
	/* The web-root watcher ([fim] roots): its findings go through the detector. */
	struct fim_watch_deps fd = {.cfg = &cfg, .st = st, .detect = detect};
	if (fim_watch_start(&fd, &fimw, why, sizeof why)) {
		fprintf(stderr, "canhgac serve: %s\n", why);
		goto out;
	}
	struct app app = {.cfg = &cfg, .store = st, .audit = audit, .auth = &auth, .lookup = &lookup, .detect = detect,
			  .data_dir = dir, .started_at = clock_now(), .notify = notify};
	if (http_server_start(&app, &cfg, listen, &srv, why, sizeof why)) {
		fprintf(stderr, "canhgac serve: %s\n", why);
		goto out;
	}
	if (json)
		printf("{\"url\": \"%s\"}\n", http_server_url(srv));
	printf("canhgac: listening on %s\n", http_server_url(srv));
	fflush(stdout);
	wait_for_stop(&sigs);
	http_server_stop(srv);
	rc = CLI_OK;
out:
	weblog_follow_close(follow); /* it reports into the detector */
	fim_watch_stop(fimw); /* before the detector it reports to */
	if (detect) /* stop acting while the audit and accounts are still open */
		detect_stop(detect);
	notify_close(notify); /* after the detector and the HTTP server: nothing raises any more */
	auth_scheduler_stop(sched);
	dossier_spool_stop(spool); /* before the lookup service whose rules it borrows */
	if (lookup_open)
		lookup_service_close(&lookup);
	auth_service_free(&auth);
	if (audit)
		audit_close(audit);
	detect_close(detect);
	store_close(st);
	if (rc == CLI_OK)
		log_info("serve", "stopped");
	return rc;
}

int cli_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"listen", required_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *dir = NULL, *config_path = NULL, *listen = NULL;
	int c, json = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'c': config_path = optarg; break;
		case 'l': listen = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return CLI_OK;
		default: return cli_usage_error("serve", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if (!dir)
		return cli_usage_error("serve", "--data DIR is required");
	return cli_serve_run(dir, config_path, listen, json);
}
