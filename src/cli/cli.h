/*
 * Subcommands. Each returns the process exit code of ../shared/API.md: 0 success,
 * 1 a failed check or a failed operation, 2 bad usage. Errors go to stderr and
 * say what was wrong and what to do.
 */
#ifndef CANHGAC_CLI_CLI_H
#define CANHGAC_CLI_CLI_H

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

int cli_init(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_config(int argc, char **argv);

/* Shared by subcommands: prints "canhgac <cmd>: <message>" and a hint to use --help,
 * returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads DIR/canhgac.conf (or `config_path`), printing every error with its line.
 * Returns 0 or -1. */
struct config;
int cli_load_config(const char *data_dir, const char *config_path, struct config *cfg);

#endif
