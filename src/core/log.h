/*
 * Operator log: one JSON object per line on stderr (or a file), with `time` (UTC,
 * RFC 3339), `level`, `module` and `message`, plus optional fields. Secrets never
 * go here: callers pass usernames, ids and codes, never passwords, tokens or keys.
 * Thread-safe; a line is written with one write(2) so lines never interleave.
 */
#ifndef CANHGAC_CORE_LOG_H
#define CANHGAC_CORE_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the lowest level written (default LOG_INFO) and the stream (default stderr;
 * the caller keeps ownership of `out`). */
void log_setup(enum log_level min, FILE *out);

/* Parses "debug", "info", "warn" or "error"; returns -1 for anything else. */
int log_level_parse(const char *s, enum log_level *out);

/* Whether a line of `level` would be written (to skip building one that is not). */
bool log_enabled(enum log_level level);

/* Writes one line. `fmt` builds the message; it is truncated at 1 KiB. */
void log_write(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes one line with extra string fields: `kv` is NULL-terminated pairs
 * {"key", "value", ..., NULL}. Values are escaped by jansson. */
void log_write_kv(enum log_level level, const char *module, const char *message,
		  const char *const *kv);

#define log_debug(mod, ...) log_write(LOG_DEBUG, mod, __VA_ARGS__)
#define log_info(mod, ...) log_write(LOG_INFO, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_write(LOG_WARN, mod, __VA_ARGS__)
#define log_error(mod, ...) log_write(LOG_ERROR, mod, __VA_ARGS__)

#endif
