/*
 * The route table of ../shared/API.md. Order matters only between patterns that
 * could match the same path: put literal segments before {params}.
 */
#include "http/handlers.h"
#include "http/router.h"

const struct http_route http_routes[] = {
	{"GET", "/healthz", h_health_get, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/metrics", h_metrics_get, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/", h_static_index, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/static/{name}", h_static_file, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/session", h_session_create, HTTP_ROUTE_POOL, NULL},
	{"DELETE", "/api/v1/session", h_session_delete, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/api/v1/session", h_session_get, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/api/v1/me", h_me_get, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/me/password", h_me_password, HTTP_ROUTE_POOL, NULL},
	{"POST", "/api/v1/me/totp", h_me_totp_enrol, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/me/totp/confirm", h_me_totp_confirm, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/users/{id}/reset-totp", h_users_reset_totp, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/api/v1/staff-changes", h_staff_changes_list, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/staff-changes", h_staff_changes_create, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/api/v1/agencies", h_agencies_list, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/agencies", h_agencies_create, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/api/v1/agencies/{code}/review", h_agencies_review, HTTP_ROUTE_IO, NULL},
	{"GET", "/api/v1/users", h_users_list, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/users", h_users_create, HTTP_ROUTE_POOL, NULL},
	{"GET", "/api/v1/users/{id}", h_users_get, HTTP_ROUTE_INLINE, NULL},
	{"PATCH", "/api/v1/users/{id}", h_users_patch, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/users/{id}/disable", h_users_disable, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/users/{id}/enable", h_users_enable, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/users/{id}/unlock", h_users_unlock, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/users/{id}/reset-password", h_users_reset_password, HTTP_ROUTE_POOL, NULL},
	{"POST", "/api/v1/dossiers", h_dossiers_create, HTTP_ROUTE_IO, NULL},
	{"GET", "/api/v1/dossiers", h_dossiers_list, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/api/v1/dossiers/{code}", h_dossiers_get, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/lookups", h_lookups_create, HTTP_ROUTE_IO, h_lookups_runs_inline},
	{"GET", "/api/v1/lookups", h_lookups_list, HTTP_ROUTE_IO, NULL},
	{"GET", "/api/v1/citizens/{id}/accesses", h_citizen_accesses, HTTP_ROUTE_IO, NULL},
	{"GET", "/api/v1/procedures", h_procedures_list, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/api/v1/audit/verify", h_audit_verify, HTTP_ROUTE_POOL, NULL},
	{"GET", "/api/v1/audit", h_audit_search, HTTP_ROUTE_IO, NULL},
	{"GET", "/api/v1/alerts", h_alerts_list, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/alerts/{id}/ack", h_alerts_ack, HTTP_ROUTE_IO, NULL},
	{"GET", "/api/v1/incidents", h_incidents_list, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/api/v1/incidents/{id}", h_incidents_get, HTTP_ROUTE_INLINE, NULL},
	{"PATCH", "/api/v1/incidents/{id}", h_incidents_patch, HTTP_ROUTE_IO, NULL},
	{"GET", "/api/v1/incidents/{id}/report", h_incidents_report, HTTP_ROUTE_INLINE, NULL},
	{"GET", "/api/v1/blocks", h_blocks_list, HTTP_ROUTE_INLINE, NULL},
	{"POST", "/api/v1/blocks", h_blocks_create, HTTP_ROUTE_IO, NULL},
	{"DELETE", "/api/v1/blocks/{ip}", h_blocks_delete, HTTP_ROUTE_IO, NULL},
	{"GET", "/api/v1/indicators", h_indicators_get, HTTP_ROUTE_IO, NULL},
	{"GET", "/api/v1/service/whoami", h_service_whoami, HTTP_ROUTE_IO, NULL},
};

const size_t http_routes_count = sizeof http_routes / sizeof http_routes[0];
