/*
 * Opening a data directory for an operator subcommand.
 */
#include "cli/cli_env.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "core/datadir.h"
#include "core/log.h"
#include "store/store.h"

int cli_env_open(struct cli_env *env, const char *data_dir, bool writes)
{
	char path[DATADIR_PATH_MAX], why[512];
	memset(env, 0, sizeof *env);
	if (cli_load_config(data_dir, NULL, &env->cfg))
		return -1;
	log_setup(LOG_WARN, NULL); /* an operator's command prints results, not progress */
	datadir_path(data_dir, "canhgac.db", path, sizeof path);
	if (store_open(path, STORE_OPEN_EXISTING, &env->store, why, sizeof why)) {
		fprintf(stderr, "canhgac: %s\n", why);
		return -1;
	}
	if (writes && audit_open(data_dir, &env->cfg, env->store, &env->audit, why, sizeof why)) {
		fprintf(stderr, "canhgac: %s\n", why);
		store_close(env->store);
		return -1;
	}
	if (auth_service_init(&env->auth, env->store, &env->cfg, env->audit)) {
		fprintf(stderr, "canhgac: out of memory\n");
		cli_env_close(env);
		return -1;
	}
	return 0;
}

void cli_env_close(struct cli_env *env)
{
	auth_service_free(&env->auth);
	if (env->audit)
		audit_close(env->audit);
	store_close(env->store);
	memset(env, 0, sizeof *env);
}
