/*
 * Staff changes: validated and recorded when filed (with the reference of the
 * agency's letter), applied at once or by the scheduler on their local date.
 * Applying is done by "system" under the account lock, re-reading the account,
 * so a change filed weeks ago acts on the account as it is on the day.
 */
#include <stdio.h>
#include <string.h>

#include "auth/staff.h"
#include "core/clock.h"
#include "core/log.h"

bool auth_staff_may_act(const struct auth_caller *actor, const struct store_user *target)
{
	if (!actor)
		return true;
	if (actor->user.id == target->id)
		return false;
	if (actor->role == ROLE_ADMIN)
		return true;
	return actor->role == ROLE_AGENCY_ADMIN && strcmp(actor->user.agency, target->agency) == 0 &&
	       strcmp(target->role, "officer") == 0;
}

/* Checks the fields that need no account; 0 or AUTH_EINVAL with *field. */
static int request_shape(const struct auth_staff_request *rq, int64_t today, int64_t *day, const char **field)
{
	size_t rl = rq->reference ? strlen(rq->reference) : 0;
	if (!rq->username || !*rq->username)
		return *field = "username", AUTH_EINVAL;
	if (!rq->kind || (strcmp(rq->kind, "leave") && strcmp(rq->kind, "transfer") && strcmp(rq->kind, "role")))
		return *field = "kind", AUTH_EINVAL;
	if (rl == 0 || rl >= STORE_REFERENCE_MAX)
		return *field = "reference", AUTH_EINVAL;
	*day = today;
	if (rq->effective && *rq->effective &&
	    (clock_parse_local_date(rq->effective, day) || *day < today))
		return *field = "effective", AUTH_EINVAL; /* a past date is refused, not applied */
	if (!strcmp(rq->kind, "transfer") && (!rq->to_agency || !*rq->to_agency))
		return *field = "to_agency", AUTH_EINVAL;
	if (!strcmp(rq->kind, "role") && !auth_role_parse(rq->to_role))
		return *field = "to_role", AUTH_EINVAL;
	return AUTH_OK;
}

/* Applies one pending change; records its outcome (and copies it into
 * result_out, the size of store_staff_change.result, when not NULL). */
static int staff_apply(struct auth_service *svc, const struct store_staff_change *c, int64_t now, char *result_out)
{
	struct store_user u;
	char result[sizeof c->result] = "";
	const char *status = "applied";
	pthread_mutex_lock(&svc->mu);
	int rc = store_user_get_by_name(svc->st, c->username, &u);
	if (rc) {
		status = "failed";
		snprintf(result, sizeof result, "%s", rc == STORE_ENOTFOUND ? "account no longer exists" : "store error");
	} else if (strcmp(u.agency, c->agency) != 0) {
		/* moved to another agency since the change was filed: the filer's say over
		 * the account ended with the move */
		rc = STORE_ENOTFOUND;
		status = "failed";
		snprintf(result, sizeof result, "the account moved to %s after the change was filed", u.agency);
	} else if (!strcmp(c->kind, "leave")) {
		snprintf(u.status, sizeof u.status, "disabled");
		snprintf(u.status_reason, sizeof u.status_reason, "leave (%s)", c->reference);
		snprintf(result, sizeof result, "disabled");
	} else if (!strcmp(c->kind, "transfer")) {
		snprintf(result, sizeof result, "moved from %s to %s as officer", u.agency, c->to_agency);
		snprintf(u.agency, sizeof u.agency, "%s", c->to_agency);
		snprintf(u.role, sizeof u.role, "officer");
	} else {
		snprintf(result, sizeof result, "role %s to %s", u.role, c->to_role);
		snprintf(u.role, sizeof u.role, "%s", c->to_role);
	}
	if (rc == STORE_OK) {
		u.updated_at = now;
		if (store_user_save(svc->st, &u) || store_session_delete_user(svc->st, u.id, NULL, NULL)) {
			status = "failed";
			snprintf(result, sizeof result, "store error (e.g. the agency no longer exists)");
		}
	}
	int frc = store_staff_finish(svc->st, c->id, status, now, result);
	pthread_mutex_unlock(&svc->mu);
	if (result_out)
		memcpy(result_out, result, sizeof result);
	if (frc)
		return frc == STORE_ENOTFOUND ? AUTH_OK : AUTH_ESTORE; /* already finished elsewhere */
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)c->id);
	const char *kv[] = {"id", id, "username", c->username, "kind", c->kind, "reference", c->reference,
			    "status", status, "result", result, NULL};
	log_info("auth", "staff change %s for %s (%s): %s %s", c->kind, c->username, c->reference, status, result);
	int arc = auth_audit(svc, "staff_change_applied", "system", c->agency, NULL, kv);
	return strcmp(status, "applied") ? AUTH_ESTORE : arc;
}

int auth_staff_request(struct auth_service *svc, const struct auth_caller *actor,
		       const struct auth_staff_request *rq, struct store_staff_change *out, const char **field)
{
	struct store_user u;
	struct store_agency a;
	int64_t now = clock_now(), today = clock_local_day(now), day = 0;
	*field = NULL;
	memset(out, 0, sizeof *out);
	int rc = request_shape(rq, today, &day, field);
	if (rc)
		return rc;
	rc = store_user_get_by_name(svc->st, rq->username, &u);
	if (rc)
		return rc == STORE_ENOTFOUND ? (*field = "username", AUTH_ENOTFOUND) : AUTH_ESTORE;
	if (actor && !auth_may_manage(actor, u.agency))
		return *field = "username", AUTH_ENOTFOUND; /* another agency's: no leak */
	if (!auth_staff_may_act(actor, &u))
		return AUTH_EFORBIDDEN;
	bool admin = !actor || actor->role == ROLE_ADMIN;
	if (!strcmp(rq->kind, "transfer")) {
		if (!admin)
			return AUTH_EFORBIDDEN; /* moving between agencies is the province's call */
		if (store_agency_get(svc->st, rq->to_agency, &a))
			return *field = "to_agency", AUTH_EINVAL;
		if (!strcmp(rq->to_agency, u.agency))
			return *field = "to_agency", AUTH_EINVAL;
	}
	if (!strcmp(rq->kind, "role") && !admin)
		return AUTH_EFORBIDDEN; /* roles are the province's call, as in PATCH /users */
	snprintf(out->username, sizeof out->username, "%s", u.username);
	snprintf(out->agency, sizeof out->agency, "%s", u.agency);
	snprintf(out->kind, sizeof out->kind, "%s", rq->kind);
	out->effective_day = day;
	if (!strcmp(rq->kind, "transfer"))
		snprintf(out->to_agency, sizeof out->to_agency, "%s", rq->to_agency);
	if (!strcmp(rq->kind, "role"))
		snprintf(out->to_role, sizeof out->to_role, "%s", rq->to_role);
	snprintf(out->reference, sizeof out->reference, "%s", rq->reference);
	snprintf(out->requested_by, sizeof out->requested_by, "%s", actor ? actor->user.username : "cli");
	out->requested_at = now;
	if (store_staff_create(svc->st, out))
		return AUTH_ESTORE;
	char id[24], eff[16];
	snprintf(id, sizeof id, "%lld", (long long)out->id);
	clock_format_local_date(clock_local_day_start(day), eff, sizeof eff);
	const char *kv[] = {"id", id, "username", out->username, "kind", out->kind, "effective", eff,
			    "to_agency", out->to_agency, "to_role", out->to_role, "reference", out->reference, NULL};
	rc = auth_audit(svc, "staff_change_requested", out->requested_by, u.agency, actor ? actor->ip : "local", kv);
	if (rc) { /* fail closed: an unaudited change is not filed */
		store_staff_delete(svc->st, out->id);
		out->id = 0;
		return rc;
	}
	if (day <= today) {
		rc = staff_apply(svc, out, now, out->result);
		snprintf(out->status, sizeof out->status, "%s", rc ? "failed" : "applied");
		out->applied_at = now;
	}
	return rc;
}

struct due_ctx {
	struct auth_service *svc;
	int64_t now;
	int applied;
	int rc;
};

static int due_one(const struct store_staff_change *c, void *arg)
{
	struct due_ctx *d = arg;
	int rc = staff_apply(d->svc, c, d->now, NULL);
	if (rc == AUTH_OK)
		d->applied++;
	else if (rc == AUTH_EAUDIT)
		d->rc = rc;
	return 0;
}

int auth_staff_apply_due(struct auth_service *svc, int64_t now, int *applied)
{
	struct due_ctx d = {svc, now, 0, AUTH_OK};
	int rc = store_staff_due(svc->st, clock_local_day(now), due_one, &d);
	if (applied)
		*applied = d.applied;
	return rc ? AUTH_ESTORE : d.rc;
}
