/*
 * What a handler can reach: the configuration, the store and (as later modules
 * land) the audit writer, the account service and the detector. Built once by
 * `canhgac serve` and shared read-only by the HTTP threads.
 */
#ifndef CANHGAC_HTTP_APP_H
#define CANHGAC_HTTP_APP_H

#include <stdint.h>

#include "core/config.h"

struct store;
struct audit;
struct auth_service;
struct lookup_service;
struct detect;
struct notify;

struct app {
	const struct config *cfg;
	struct store *store;
	struct audit *audit;
	struct auth_service *auth;
	struct lookup_service *lookup;
	struct detect *detect;         /* the detector: IP blocks, Watch endpoints */
	struct notify *notify;         /* alert and incident notifications; may be NULL */
	const char *data_dir;
	int64_t started_at;
};

/* How long a search waits for the audit projections to cover every record
 * answered so far (audit_sync_projections) before it answers from what they hold. */
#define HTTP_PROJECTION_SYNC_MS 2000

#endif
