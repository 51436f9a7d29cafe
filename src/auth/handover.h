/*
 * The handover record (Biên bản bàn giao tài khoản) of a new or reset account:
 * the province orders that no password is handed over without one. Made at the
 * moment the one-time password exists and never stored by the server; the CLI
 * writes it to a file of the operator's choosing, the console prints its own.
 */
#ifndef CANHGAC_AUTH_HANDOVER_H
#define CANHGAC_AUTH_HANDOVER_H

#include <stdint.h>

#include "store/store.h"

/* Writes the record as a printable HTML page to `path` (created 0600, refusing to
 * overwrite). agency_name may be NULL. Returns 0 or -errno. */
int handover_write_html(const char *path, const struct store_user *u, const char *agency_name,
			const char *one_time_password, const char *handed_by, int64_t now);

#endif
