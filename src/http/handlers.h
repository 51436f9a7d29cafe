/*
 * Every handler, one line each, grouped by the file that holds them
 * (h_<resource>.c). Handlers are thin: parse, check role and agency, call a
 * domain module, answer.
 */
#ifndef CANHGAC_HTTP_HANDLERS_H
#define CANHGAC_HTTP_HANDLERS_H

#include <stdbool.h>

#include "http/http.h"

struct app;

/* h_health.c */
void h_health_get(struct http_req *req, struct http_resp *resp);

/* h_static.c: the console (web/, embedded) */
void h_static_index(struct http_req *req, struct http_resp *resp);
void h_static_file(struct http_req *req, struct http_resp *resp);

/* h_session.c */
void h_session_create(struct http_req *req, struct http_resp *resp);
void h_session_delete(struct http_req *req, struct http_resp *resp);
void h_session_get(struct http_req *req, struct http_resp *resp);
void h_me_get(struct http_req *req, struct http_resp *resp);
void h_me_password(struct http_req *req, struct http_resp *resp);

/* h_totp.c */
void h_me_totp_enrol(struct http_req *req, struct http_resp *resp);
void h_me_totp_confirm(struct http_req *req, struct http_resp *resp);
void h_users_reset_totp(struct http_req *req, struct http_resp *resp);

/* h_staff.c */
void h_staff_changes_create(struct http_req *req, struct http_resp *resp);
void h_staff_changes_list(struct http_req *req, struct http_resp *resp);

/* h_users.c */
void h_users_list(struct http_req *req, struct http_resp *resp);
void h_users_create(struct http_req *req, struct http_resp *resp);
void h_users_get(struct http_req *req, struct http_resp *resp);
void h_users_patch(struct http_req *req, struct http_resp *resp);
void h_users_disable(struct http_req *req, struct http_resp *resp);
void h_users_enable(struct http_req *req, struct http_resp *resp);
void h_users_unlock(struct http_req *req, struct http_resp *resp);
void h_users_reset_password(struct http_req *req, struct http_resp *resp);

/* h_agencies.c */
void h_agencies_list(struct http_req *req, struct http_resp *resp);
void h_agencies_create(struct http_req *req, struct http_resp *resp);

/* h_review.c: the access review of an agency (issue 9) */
void h_agencies_review(struct http_req *req, struct http_resp *resp);

/* h_audit.c */
void h_audit_verify(struct http_req *req, struct http_resp *resp);
void h_audit_search(struct http_req *req, struct http_resp *resp);

/* h_dossiers.c */
void h_dossiers_create(struct http_req *req, struct http_resp *resp);
void h_dossiers_list(struct http_req *req, struct http_resp *resp);
void h_dossiers_get(struct http_req *req, struct http_resp *resp);

/* h_lookups.c */
bool h_lookups_runs_inline(const struct app *app);
/* POST /lookups may run on the HTTP thread (its backends answer from local files). */
bool h_lookups_runs_inline(const struct app *app);
void h_lookups_create(struct http_req *req, struct http_resp *resp);
void h_lookups_list(struct http_req *req, struct http_resp *resp);
void h_citizen_accesses(struct http_req *req, struct http_resp *resp);
void h_procedures_list(struct http_req *req, struct http_resp *resp);

/* h_alerts.c, h_incidents.c, h_blocks.c: Watch (issue 7) */
void h_alerts_list(struct http_req *req, struct http_resp *resp);
void h_alerts_ack(struct http_req *req, struct http_resp *resp);
void h_incidents_list(struct http_req *req, struct http_resp *resp);
void h_incidents_get(struct http_req *req, struct http_resp *resp);
void h_incidents_patch(struct http_req *req, struct http_resp *resp);
void h_incidents_report(struct http_req *req, struct http_resp *resp);
void h_blocks_list(struct http_req *req, struct http_resp *resp);
void h_blocks_create(struct http_req *req, struct http_resp *resp);
void h_blocks_delete(struct http_req *req, struct http_resp *resp);

/* h_metrics.c: GET /metrics (Prometheus text) */
void h_metrics_get(struct http_req *req, struct http_resp *resp);

/* h_service.c: a service credential checks itself (issue 17) */
void h_service_whoami(struct http_req *req, struct http_resp *resp);

/* h_indicators.c: indicators for NCSC (issue 10) */
void h_indicators_get(struct http_req *req, struct http_resp *resp);

#endif
