/*
 * The per-address sign-in throttle after a restart. The table lives in memory,
 * so a restart used to hand every address a fresh allowance: an attacker could
 * guess, wait for (or cause) a restart, and guess again. The failures are in the
 * audit log already (one `signin_fail` record per failed attempt, with its
 * address), so at start the server feeds the failures of the last
 * [lockout] window_seconds back into the table, in the order they happened; the
 * log stays the one source of truth and nothing new is written per attempt.
 */
#include <string.h>

#include "audit/audit.h"
#include "auth/auth_int.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"

struct rebuild {
	struct auth_throttle *t;
	int64_t since;
	long fed;
};

static int rebuild_one(const json_t *rec, const char *line, size_t len, void *arg)
{
	(void)line;
	(void)len;
	struct rebuild *r = arg;
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *ip = json_string_value(json_object_get(rec, "ip"));
	const char *time = json_string_value(json_object_get(rec, "time"));
	int64_t t;
	if (!type || strcmp(type, "signin_fail") != 0 || !ip || !ip[0] || !time || clock_parse_rfc3339(time, &t) ||
	    t < r->since)
		return 0;
	auth_throttle_fail(r->t, ip, t);
	r->fed++;
	return 0;
}

int auth_throttle_rebuild(struct auth_service *svc, const char *data_dir, char *why, size_t why_size)
{
	struct rebuild r = {svc->throttle, clock_now() - svc->cfg->lockout.window_seconds, 0};
	if (audit_read_records(data_dir, 1, rebuild_one, &r, why, why_size))
		return AUTH_ESTORE;
	if (r.fed)
		log_info("auth", "sign-in throttle: %ld failures of the last %d s restored from the audit log", r.fed,
			 svc->cfg->lockout.window_seconds);
	return AUTH_OK;
}
