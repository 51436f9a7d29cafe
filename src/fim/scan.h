/*
 * Web-shell detection: the YARA rules of data/yara/ (*.yar files), compiled into the
 * binary and compiled by libyara once per scanner, and the one rule that is
 * about a file's place rather than its bytes (a script in an upload directory).
 */
#ifndef CANHGAC_FIM_SCAN_H
#define CANHGAC_FIM_SCAN_H

#include <stddef.h>

#include "fim/fim.h"

#define FIM_RULES_MAX 256 /* the matched rule names, comma-joined */

/* Rule name of the path rule (docs/FIM.md). */
#define FIM_RULE_UPLOAD_SCRIPT "script_in_upload_dir"

struct fim_scanner;

/* Compiles the embedded rules. *out is the caller's: fim_scanner_close it.
 * FIM_ERULES with the compiler's message in `why`. */
int fim_scanner_open(struct fim_scanner **out, char *why, size_t why_size);
void fim_scanner_close(struct fim_scanner *sc);

/* Scans `len` bytes; `rules` gets the names of the matching rules joined by ','
 * (empty when none, truncated at a name boundary when long). 0 or FIM_ERULES. */
int fim_scanner_scan_mem(struct fim_scanner *sc, const unsigned char *buf, size_t len, char *rules,
			 size_t rules_size);

/* FIM_RULE_UPLOAD_SCRIPT when `path` is a server-side script (.php .phtml .php3-8
 * .phar .asp .aspx .ashx .jsp .jspx, any case) in a directory named upload or
 * uploads (or under one); NULL otherwise. */
const char *fim_scan_path_rule(const char *path);

#endif
