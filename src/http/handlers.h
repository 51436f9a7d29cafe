/*
 * Every handler, one line each, grouped by the file that holds them
 * (h_<resource>.c). Handlers are thin: parse, check role and agency, call a
 * domain module, answer.
 */
#ifndef CANHGAC_HTTP_HANDLERS_H
#define CANHGAC_HTTP_HANDLERS_H

#include "http/http.h"

/* h_health.c */
void h_health_get(struct http_req *req, struct http_resp *resp);

#endif
