/*
 * What an operator subcommand needs to act like the server does: the
 * configuration, the store, the audit log and the account service of one data
 * directory, opened and closed together.
 */
#ifndef CANHGAC_CLI_CLI_ENV_H
#define CANHGAC_CLI_CLI_ENV_H

#include <jansson.h>
#include <stdbool.h>

#include "auth/auth.h"
#include "core/config.h"

struct audit;

struct cli_env {
	struct config cfg;
	struct store *store;
	struct audit *audit;
	struct auth_service auth;
};

/* Opens everything of data_dir, printing what went wrong; 0 or -1. Without
 * `writes` the audit log is not opened (read-only commands work beside a running
 * server, which holds the log's one-writer lock). */
int cli_env_open(struct cli_env *env, const char *data_dir, bool writes);
void cli_env_close(struct cli_env *env);

/* Imports dossiers (JSON lines or CSV text) through an open environment (its
 * store and audit log): parsed whole, audited, all or nothing. The result object
 * ({ok, rows, inserted, updated, audit_seq, digest}) or NULL with why. */
json_t *cli_dossier_import_env(struct cli_env *env, const char *text, size_t len, const char *actor,
			       const char *label, char *why, size_t why_size);

/* "cli:<login name>": the actor of an operator's command in the audit log. */
void cli_operator_name(char *out, size_t size);

#endif
