/*
 * Small helpers shared by the Watch handlers (h_alerts.c, h_incidents.c,
 * h_blocks.c): the roles that may read and change, and the numeric {id}.
 */
#ifndef CANHGAC_HTTP_H_WATCH_COMMON_H
#define CANHGAC_HTTP_H_WATCH_COMMON_H

#include <errno.h>
#include <stdlib.h>

#include "http/guard.h"

#define WATCH_READERS (ROLE_ADMIN | ROLE_AUDITOR)
#define WATCH_WRITERS ROLE_ADMIN

/* The {id} parameter; answers 404 and returns -1 when it is not a positive number. */
static inline int watch_id_param(struct http_req *req, struct http_resp *resp, int64_t *id)
{
	char *end = NULL;
	errno = 0;
	long long v = req->n_params > 0 ? strtoll(req->params[0], &end, 10) : 0;
	if (req->n_params < 1 || !end || *end || errno || v <= 0) {
		http_resp_error(req, resp, 404, "not_found", NULL);
		return -1;
	}
	*id = v;
	return 0;
}

#endif
