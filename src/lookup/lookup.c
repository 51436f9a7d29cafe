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
#include "dossier/dossier_code.h"
#include "lookup/population.h"
#include "lookup/procedures.h"
#include "store/store.h"

static void lookup_why_prefix(char *why, size_t why_size, const char *prefix)
{
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s", why);
	snprintf(why, why_size, "%s%s", prefix, tmp);
}

int lookup_service_open(struct lookup_service *s, const struct config *cfg, struct store *st,
			struct audit *audit, char *why, size_t why_size)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->st = st;
	s->audit = audit;
	const char *pf = cfg->lookup.procedures_file[0] ? cfg->lookup.procedures_file : NULL;
	if (procedures_load(pf, &s->procedures, why, why_size)) {
		if (pf) /* say which setting brought the file in */
			lookup_why_prefix(why, why_size, "[lookup] procedures_file: ");
		goto fail;
	}
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

/* The audit event of a lookup; its payload is the caller's to json_decref. */
static void lookup_event(const struct lookup_request *rq, const struct procedure *pr, int pop_rc,
			 struct audit_event *ev)
{
	json_t *payload = json_pack("{s:s, s:s, s:s, s:s}", "citizen_id", rq->citizen_id, "dossier_code",
				    rq->dossier_code, "procedure_code", rq->procedure_code, "outcome",
				    outcome_name(pop_rc));
	if (payload && pop_rc == POP_OK)
		json_object_set_new(payload, "fields", procedure_fields_json(pr));
	*ev = (struct audit_event){.type = "lookup", .actor = rq->username, .agency = rq->agency, .ip = rq->ip,
				   .payload = payload};
}

/* Validation, quota and the population read: LOOKUP_OK to go on to the audit
 * record (p filled), or the final code with *out filled. */
static int lookup_prepare(struct lookup_service *s, const struct lookup_request *rq, struct lookup_pending *p,
			  struct lookup_result *out)
{
	memset(out, 0, sizeof *out);
	memset(p, 0, sizeof *p);
	p->s = s;
	p->rq = *rq;
	struct citizen_id_info info;
	if (citizen_id_validate(rq->citizen_id, clock_now(), &info, &out->why))
		return LOOKUP_EINVALID_ID;
	if (!dossier_code_valid(&s->dossier, rq->dossier_code)) {
		out->why = "the dossier code does not match [lookup] dossier_pattern";
		return LOOKUP_EINVALID_DOSSIER;
	}
	p->pr = procedures_find(s->procedures, rq->procedure_code);
	if (!p->pr) {
		out->why = "no such procedure; see GET /api/v1/procedures";
		return LOOKUP_EUNKNOWN_PROCEDURE;
	}
	p->now_ms = clock_now_ms();
	int qrc = quota_take(s->quota, rq->username, rq->agency, &rq->limits, p->now_ms, &out->scope,
			     &out->retry_after, &out->usage);
	if (qrc == QUOTA_EXCEEDED)
		return LOOKUP_EQUOTA;
	if (qrc != QUOTA_OK) {
		log_error("lookup", "quota state unreadable for %s: lookup refused (fail closed)", rq->username);
		return LOOKUP_ESTATE;
	}
	p->pop_rc = population_get_fields(s->population, rq->citizen_id, p->pr->fields, &p->record);
	if (p->pop_rc == POP_EINTERNAL) {
		quota_refund(s->quota, rq->username, rq->agency, p->now_ms);
		return LOOKUP_EINTERNAL;
	}
	return LOOKUP_OK;
}

/* After the audit record was made durable (audit_ok) or refused: the result. */
static int lookup_complete(struct lookup_pending *p, bool audit_ok, struct lookup_result *out)
{
	struct lookup_service *s = p->s;
	const struct lookup_request *rq = &p->rq;
	json_t *record = p->record;
	p->record = NULL;
	if (!audit_ok) {
		json_decref(record);
		quota_refund(s->quota, rq->username, rq->agency, p->now_ms);
		quota_peek(s->quota, rq->username, rq->agency, &rq->limits, p->now_ms, &out->usage);
		log_error("lookup", "audit log unavailable: lookup by %s refused, no data left the server",
			  rq->username);
		return LOOKUP_EAUDIT;
	}
	out->audit_seq = p->audit_seq;
	switch (p->pop_rc) {
	case POP_OK:
		out->citizen = procedures_filter(p->pr, record);
		json_decref(record);
		return out->citizen ? LOOKUP_OK : LOOKUP_EINTERNAL;
	case POP_ENOTFOUND:
		json_decref(record);
		return LOOKUP_ENOTFOUND;
	case POP_ETIMEOUT:
		json_decref(record);
		return LOOKUP_ETIMEOUT;
	default:
		json_decref(record);
		return LOOKUP_EUPSTREAM;
	}
}

int lookup_run(struct lookup_service *s, const struct lookup_request *rq, struct lookup_result *out)
{
	struct lookup_pending p;
	int rc = lookup_prepare(s, rq, &p, out);
	if (rc != LOOKUP_OK)
		return rc;
	struct audit_event ev;
	lookup_event(rq, p.pr, p.pop_rc, &ev);
	rc = ev.payload ? audit_append(s->audit, &ev, &p.audit_seq) : AUDIT_EINVAL;
	json_decref(ev.payload);
	return lookup_complete(&p, rc == AUDIT_OK, out);
}

static void lookup_audited(void *arg, int rc, uint64_t seq)
{
	struct lookup_pending *p = arg;
	p->audit_rc = rc;
	p->audit_seq = seq;
	p->done(p->arg);
}

int lookup_start(struct lookup_service *s, const struct lookup_request *rq, struct lookup_pending *p,
		 void (*done)(void *arg), void *arg, struct lookup_result *out)
{
	int rc = lookup_prepare(s, rq, p, out);
	if (rc != LOOKUP_OK)
		return rc;
	p->done = done;
	p->arg = arg;
	struct audit_event ev;
	lookup_event(rq, p->pr, p->pop_rc, &ev);
	rc = ev.payload ? audit_append_async(s->audit, &ev, lookup_audited, p) : AUDIT_EINVAL;
	json_decref(ev.payload);
	if (rc != AUDIT_OK)
		return lookup_complete(p, false, out);
	return LOOKUP_PENDING;
}

int lookup_finish(struct lookup_pending *p, struct lookup_result *out)
{
	return lookup_complete(p, p->audit_rc == AUDIT_OK, out);
}

bool lookup_backend_blocks(const struct lookup_service *s)
{
	return strcmp(population_backend_name(s->population), "embedded") != 0;
}

