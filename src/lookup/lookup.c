/*
 * One lookup, in the order that keeps citizens' data inside until the trace of
 * its leaving is durable: validate the citizen id, the dossier code and the
 * procedure; take the quota (every limit checked before any is charged); fetch
 * from the population backend; append the audit record and wait until it is on
 * disk; only then hand back the procedure's fields. If the audit log refuses the
 * record, the quota is given back and nothing leaves (fail closed).
 */
#include "lookup/lookup.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "lookup/citizen_fields.h"
#include "lookup/citizen_id.h"
#include "lookup/dossier.h"
#include "lookup/population.h"
#include "lookup/procedures.h"
#include "store/store.h"

int lookup_service_open(struct lookup_service *s, const struct config *cfg, struct store *st,
			struct audit *audit, char *why, size_t why_size)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->st = st;
	s->audit = audit;
	if (procedures_load(NULL, &s->procedures, why, why_size))
		goto fail;
	if (dossier_matcher_init(&s->dossier, cfg->lookup.dossier_pattern, why, why_size))
		goto fail;
	if (quota_new(st, &s->quota)) {
		snprintf(why, why_size, "cannot start the quota state");
		goto fail;
	}
	if (population_open(cfg, st, &s->population, why, why_size))
		goto fail;
	return 0;
fail:
	lookup_service_close(s);
	return -1;
}

void lookup_service_close(struct lookup_service *s)
{
	if (s->population)
		population_close(s->population);
	if (s->quota)
		quota_free(s->quota);
	dossier_matcher_free(&s->dossier);
	if (s->procedures)
		procedures_free(s->procedures);
	memset(s, 0, sizeof *s);
}

/* The names of the fields a procedure may see, for the audit record. */
static json_t *procedure_fields_json(const struct procedure *pr)
{
	json_t *a = json_array();
	for (int f = 0; f < CF_COUNT; f++)
		if (procedure_has_field(pr, (enum citizen_field)f))
			json_array_append_new(a, json_string(citizen_field_name((enum citizen_field)f)));
	return a;
}

static const char *outcome_name(int pop_rc)
{
	switch (pop_rc) {
	case POP_OK: return "ok";
	case POP_ENOTFOUND: return "not_found";
	case POP_ETIMEOUT: return "upstream_timeout";
	default: return "upstream_error";
	}
}

/* Appends the lookup's audit record; 0 and the seq, or -1. */
static int lookup_audit(struct lookup_service *s, const struct lookup_request *rq, const struct procedure *pr,
			int pop_rc, uint64_t *seq)
{
	json_t *payload = json_pack("{s:s, s:s, s:s, s:s}", "citizen_id", rq->citizen_id, "dossier_code",
				    rq->dossier_code, "procedure_code", rq->procedure_code, "outcome",
				    outcome_name(pop_rc));
	if (pop_rc == POP_OK)
		json_object_set_new(payload, "fields", procedure_fields_json(pr));
	struct audit_event ev = {.type = "lookup", .actor = rq->username, .agency = rq->agency, .ip = rq->ip,
				 .payload = payload};
	int rc = audit_append(s->audit, &ev, seq);
	json_decref(payload);
	return rc == AUDIT_OK ? 0 : -1;
}

int lookup_run(struct lookup_service *s, const struct lookup_request *rq, struct lookup_result *out)
{
	memset(out, 0, sizeof *out);
	struct citizen_id_info info;
	if (citizen_id_validate(rq->citizen_id, clock_now(), &info, &out->why))
		return LOOKUP_EINVALID_ID;
	if (!dossier_code_valid(&s->dossier, rq->dossier_code)) {
		out->why = "the dossier code does not match [lookup] dossier_pattern";
		return LOOKUP_EINVALID_DOSSIER;
	}
	const struct procedure *pr = procedures_find(s->procedures, rq->procedure_code);
	if (!pr) {
		out->why = "no such procedure; see GET /api/v1/procedures";
		return LOOKUP_EUNKNOWN_PROCEDURE;
	}
	int64_t now_ms = clock_now_ms();
	int qrc = quota_take(s->quota, rq->username, rq->agency, &rq->limits, now_ms, &out->scope, &out->retry_after,
			     &out->usage);
	if (qrc == QUOTA_EXCEEDED)
		return LOOKUP_EQUOTA;
	if (qrc != QUOTA_OK) {
		log_error("lookup", "quota state unreadable for %s: lookup refused (fail closed)", rq->username);
		return LOOKUP_ESTATE;
	}
	json_t *record = NULL;
	int prc = population_get(s->population, rq->citizen_id, &record);
	if (prc == POP_EINTERNAL) {
		quota_refund(s->quota, rq->username, rq->agency, now_ms);
		return LOOKUP_EINTERNAL;
	}
	if (lookup_audit(s, rq, pr, prc, &out->audit_seq)) {
		json_decref(record);
		quota_refund(s->quota, rq->username, rq->agency, now_ms);
		quota_peek(s->quota, rq->username, rq->agency, &rq->limits, now_ms, &out->usage);
		log_error("lookup", "audit log unavailable: lookup by %s refused, no data left the server",
			  rq->username);
		return LOOKUP_EAUDIT;
	}
	switch (prc) {
	case POP_OK:
		out->citizen = procedures_filter(pr, record);
		json_decref(record);
		return out->citizen ? LOOKUP_OK : LOOKUP_EINTERNAL;
	case POP_ENOTFOUND:
		return LOOKUP_ENOTFOUND;
	case POP_ETIMEOUT:
		return LOOKUP_ETIMEOUT;
	default:
		json_decref(record);
		return LOOKUP_EUPSTREAM;
	}
}
