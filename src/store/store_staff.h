/*
 * Persistence of staff changes (leave, transfer, role) waiting for their date or
 * already applied, and of the dormant-account warnings already given. Part of the
 * store interface (included by store/store.h); the rules live in src/auth/staff.c.
 */
#ifndef CANHGAC_STORE_STORE_STAFF_H
#define CANHGAC_STORE_STORE_STAFF_H

#include <stdbool.h>
#include <stdint.h>

struct store;

#define STORE_REFERENCE_MAX 128

struct store_staff_change {
	int64_t id;
	char username[64];
	char agency[32];                 /* the account's agency when requested */
	char kind[16];                   /* leave, transfer, role */
	int64_t effective_day;           /* local day number */
	char to_agency[32];              /* "" unless transfer */
	char to_role[16];                /* "" unless role */
	char reference[STORE_REFERENCE_MAX];
	char requested_by[64];
	int64_t requested_at;
	char status[16];                 /* pending, applied, failed */
	int64_t applied_at;
	char result[256];                /* why it failed, or what it did */
};

/* Inserts c as pending (c->id is set). */
int store_staff_create(struct store *st, struct store_staff_change *c);
/* Each change, newest first; only those of `agency` (the account's agency when
 * requested, or the destination of a transfer) when non-NULL; at most `limit`. */
int store_staff_list(struct store *st, const char *agency, int limit,
		     int (*fn)(const struct store_staff_change *c, void *arg), void *arg);
/* Each pending change due on or before local day `day`, oldest first. */
int store_staff_due(struct store *st, int64_t day, int (*fn)(const struct store_staff_change *c, void *arg),
		    void *arg);
/* Sets the final status of a pending change; STORE_ENOTFOUND when not pending. */
int store_staff_finish(struct store *st, int64_t id, const char *status, int64_t at, const char *result);

/* Removes a change still pending (one whose request could not be audited);
 * STORE_ENOTFOUND when it is not pending. */
int store_staff_delete(struct store *st, int64_t id);

/* Was a dormancy warning given for this user and activity time? */
int store_dormant_warned(struct store *st, int64_t user_id, int64_t since, bool *warned);
int store_dormant_mark(struct store *st, int64_t user_id, int64_t since, int64_t now);

#endif
