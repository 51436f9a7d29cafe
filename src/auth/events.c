/*
 * The account service's audit events. Each goes to the audit log (the source of
 * truth); without one (unit tests) it goes to the operator log. Passwords, tokens
 * and one-time passwords are never among the fields.
 */
#include <jansson.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "core/log.h"

int auth_audit(struct auth_service *svc, const char *type, const char *actor, const char *agency,
	       const char *ip, const char *const *kv)
{
	json_t *payload = json_object();
	for (size_t i = 0; kv && kv[i] && kv[i + 1]; i += 2)
		json_object_set_new(payload, kv[i], json_string(kv[i + 1]));
	int rc = AUTH_OK;
	if (svc->audit) {
		struct audit_event ev = {.type = type, .actor = actor ? actor : "system", .agency = agency,
					 .ip = ip, .payload = payload};
		uint64_t seq;
		if (audit_append(svc->audit, &ev, &seq) != AUDIT_OK) {
			log_error("auth", "audit log unavailable: event %s by %s not recorded", type,
				  actor ? actor : "system");
			rc = AUTH_EAUDIT;
		}
	} else {
		const char *fields[] = {"event", type, "actor", actor ? actor : "system", NULL};
		log_write_kv(LOG_INFO, "auth", "audit event (no audit log attached)", fields);
	}
	json_decref(payload);
	return rc;
}
