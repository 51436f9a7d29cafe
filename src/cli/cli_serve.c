/*
 * `canhgac serve`: loads the configuration, opens the store, starts the HTTP
 * server and waits for SIGTERM or SIGINT, then drains requests and stops. The
 * signals are blocked before any thread starts and taken with sigwait, so no
 * handler runs in signal context.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/datadir.h"
#include "core/log.h"
#include "http/app.h"
#include "http/http.h"
#include "store/store.h"

static const char usage[] =
	"Usage: canhgac serve --data DIR [--config FILE] [--listen HOST:PORT]\n"
	"\n"
	"Runs the HTTP API, the web console and the background workers.\n"
	"Prints the address it listens on. SIGTERM or SIGINT drains requests and stops.\n"
	"\n"
	"Options:\n"
	"  --data DIR          the data directory made by 'canhgac init'\n"
	"  --config FILE       configuration (default DIR/canhgac.conf)\n"
	"  --listen HOST:PORT  overrides [server] listen; port 0 picks a free port\n"
	"  -h, --help          this help\n";

int cli_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"listen", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *dir = NULL, *config_path = NULL, *listen = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'c': config_path = optarg; break;
		case 'l': listen = optarg; break;
		case 'h': fputs(usage, stdout); return CLI_OK;
		default: return cli_usage_error("serve", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if (!dir)
		return cli_usage_error("serve", "--data DIR is required");

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

	char why[512], path[DATADIR_PATH_MAX];
	struct store *st = NULL;
	datadir_path(dir, "canhgac.db", path, sizeof path);
	if (store_open(path, STORE_OPEN_EXISTING, &st, why, sizeof why)) {
		fprintf(stderr, "canhgac serve: %s\n", why);
		return CLI_FAIL;
	}

	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct app app = {.cfg = &cfg, .store = st, .data_dir = dir, .started_at = clock_now()};
	struct http_server *srv = NULL;
	if (http_server_start(&app, &cfg, listen, &srv, why, sizeof why)) {
		fprintf(stderr, "canhgac serve: %s\n", why);
		store_close(st);
		return CLI_FAIL;
	}
	printf("canhgac: listening on %s\n", http_server_url(srv));
	fflush(stdout);

	int sig = 0;
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("serve", "SIGHUP: nothing to reload yet; restart to apply configuration");
			continue;
		}
		break;
	}
	log_info("serve", "signal %d: draining requests and stopping", sig);
	http_server_stop(srv);
	store_close(st);
	log_info("serve", "stopped");
	return CLI_OK;
}
