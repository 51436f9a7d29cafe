/*
 * Accounts follow the staff: staff changes (leave, transfer, role) that take
 * effect at once or on a local date, applied by a scheduler that survives
 * restarts (the pending changes are in the store); dormant accounts warned and
 * then disabled. Who may file a change: an admin for anyone; an agency admin for
 * the officers of their own agency, never a transfer and never to a province
 * role (admin, auditor).
 */
#ifndef CANHGAC_AUTH_STAFF_H
#define CANHGAC_AUTH_STAFF_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/auth.h"

/* The rule of accounts.c: actor NULL (the CLI) may; nobody acts on themselves; an
 * admin on anyone; an agency admin on the officers of their own agency. */
bool auth_staff_may_act(const struct auth_caller *actor, const struct store_user *target);

struct auth_staff_request {
	const char *username;
	const char *kind;       /* leave, transfer, role */
	const char *effective;  /* local date YYYY-MM-DD, or NULL/"" for at once */
	const char *to_agency;  /* transfer */
	const char *to_role;    /* role */
	const char *reference;  /* the agency's letter number; required */
};

/* Validates and stores a change, applying it at once when effective is today or
 * absent (out->status tells which). AUTH_EINVAL with *field; AUTH_ENOTFOUND for an
 * unknown account or one of another agency; AUTH_EFORBIDDEN when the rules above
 * refuse. Audited as staff_change_requested (and staff_change_applied). */
int auth_staff_request(struct auth_service *svc, const struct auth_caller *actor,
		       const struct auth_staff_request *rq, struct store_staff_change *out, const char **field);

/* Applies every pending change due by `now`'s local day; *applied (may be NULL)
 * gets how many were applied. */
int auth_staff_apply_due(struct auth_service *svc, int64_t now, int *applied);

/* Warns (audit dormant_warning, once per period) and disables accounts with no
 * sign-in for [accounts] dormant_days. */
int auth_dormant_run(struct auth_service *svc, int64_t now, int *warned, int *disabled);

/* Both of the above: what the scheduler does every minute and at start. */
int auth_lifecycle_run(struct auth_service *svc, int64_t now);

/* A thread running auth_lifecycle_run at start and every 60 seconds. */
struct auth_scheduler;
int auth_scheduler_start(struct auth_service *svc, struct auth_scheduler **out);
void auth_scheduler_stop(struct auth_scheduler *s);  /* joins and frees; NULL is fine */

#endif
