/*
 * Subcommands. Each returns the process exit code of ../shared/API.md: 0 success,
 * 1 a failed check or a failed operation, 2 bad usage. Errors go to stderr and
 * say what was wrong and what to do.
 */
#ifndef CANHGAC_CLI_CLI_H
#define CANHGAC_CLI_CLI_H

#include <jansson.h>

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

int cli_init(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_config(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_user(int argc, char **argv);
int cli_agency(int argc, char **argv);
int cli_service(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_population(int argc, char **argv);
int cli_fim(int argc, char **argv);
int cli_indicators(int argc, char **argv);
int cli_scan(int argc, char **argv);
int cli_review(int argc, char **argv);
int cli_staff_change(int argc, char **argv);
int cli_simulate(int argc, char **argv);
int cli_dossier(int argc, char **argv);

/* Imports dossiers (JSON lines or CSV text) into data_dir, audited: here when no
 * server runs, else through the running server's spool (waiting wait_seconds).
 * Prints the result (as JSON with json). Returns the exit code. */
int cli_dossier_import_text(const char *data_dir, const char *text, size_t len, const char *label, int json,
			    int wait_seconds);

/* Generates `count` open synthetic dossiers of `agency` and imports them so. */
int cli_dossier_generate(const char *data_dir, const char *agency, size_t count, int json);

/* The agency of the province's IT centre, made by init with the first admin. */
#define ADMIN_AGENCY_CODE "TTCNTT"
#define ADMIN_AGENCY_NAME "Trung tâm Công nghệ thông tin và Truyền thông tỉnh"

/* Creates a new instance in dir (see `canhgac init --help`). Prints the admin's
 * one-time password (as JSON with json; not at all with quiet). 0 or -1. */
int cli_init_instance(const char *dir, int json, int quiet);

/* Runs the server of dir until SIGTERM/SIGINT (see `canhgac serve --help`); json
 * prints the listen URL as {"url": ...}. Returns the exit code. */
int cli_serve_run(const char *dir, const char *config_path, const char *listen, int json);

/* Shared by subcommands: prints "canhgac <cmd>: <message>" and a hint to use --help,
 * returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints `j` (which holds a secret: a one-time password, a token) as one compact
 * JSON line, wipes the text and releases `j` (taken; jansson's own memory is
 * wiped on free, src/core/wipe.c). NULL prints nothing. */
void cli_print_secret_json(json_t *j);

/* Loads DIR/canhgac.conf (or `config_path`), printing every error with its line.
 * Returns 0 or -1. */
struct config;
int cli_load_config(const char *data_dir, const char *config_path, struct config *cfg);

#endif
