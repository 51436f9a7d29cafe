/*
 * Internals of the configuration: the row type of the key table, shared by the
 * reader (config.c) and the table itself (config_keys.c).
 */
#ifndef CANHGAC_CORE_CONFIG_INT_H
#define CANHGAC_CORE_CONFIG_INT_H

#include <stddef.h>

#include "core/config.h"

enum cfg_type { T_INT, T_BOOL, T_STR };
enum cfg_check {
	C_NONE, C_LISTEN, C_HHMM, C_DAYS, C_DATES, C_CIDRS, C_REGEX, C_LEVEL, C_PATH, C_JSON_POINTER
};

struct cfg_key {
	const char *section;
	const char *name;
	enum cfg_type type;
	size_t offset;
	size_t size;          /* T_STR: capacity of the char array */
	long min, max;        /* T_INT */
	enum cfg_check check; /* T_STR */
	const char *def;
	const char *doc;
};

/* Upper bound of the table's length (the reader keeps a line per key). */
#define CFG_KEYS_MAX 256

extern const struct cfg_key cfg_keys[];
extern const size_t cfg_keys_count;

#endif
