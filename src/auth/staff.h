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

/* ---- reminders for the agency admin (reminders.c) ---- */

/* The time an account's dormancy counts from: its last sign-in, creation or
 * password set, whichever is latest. */
int64_t auth_dormant_since(const struct store_user *u);

enum auth_attention {
	AUTH_ATTN_PASSWORD_EXPIRED = 1u << 0,
	AUTH_ATTN_PASSWORD_EXPIRING = 1u << 1,  /* within [password] warn_days */
	AUTH_ATTN_DORMANT_SOON = 1u << 2,       /* within [accounts] dormant_warn_days */
	AUTH_ATTN_MUST_CHANGE = 1u << 3,        /* a one-time password not yet changed */
};
#define AUTH_ATTN_COUNT 4

struct auth_reminders {
	int64_t password_expires_at;
	int password_expires_in_days;   /* local days from today; negative: expired */
	int password_age_days;          /* whole days since the password was set */
	bool dormant_applies;           /* active or locked: the dormancy rule can disable it */
	int64_t dormant_at;             /* when it will be disabled (with dormant_applies) */
	int dormant_in_days;            /* local days from today (with dormant_applies) */
	unsigned attention;             /* enum auth_attention bits; 0 unless active or locked */
};

/* What the agency admin should know about account u at `now`. */
void auth_reminders_get(const struct config *cfg, const struct store_user *u, int64_t now,
			struct auth_reminders *out);

/* The API name of attention bit number i (0..AUTH_ATTN_COUNT-1), in the order of
 * enum auth_attention: "password_expired", "password_expiring", "dormant_soon",
 * "must_change_password". */
const char *auth_attention_name(int i);

/* A thread running auth_lifecycle_run at start and every 60 seconds. */
struct auth_scheduler;
int auth_scheduler_start(struct auth_service *svc, struct auth_scheduler **out);
void auth_scheduler_stop(struct auth_scheduler *s);  /* joins and frees; NULL is fine */

#endif
