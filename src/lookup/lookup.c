/*
 * One lookup, in the order that keeps citizens' data inside until the trace of
 * its leaving is durable:
 *
 *   validate (citizen id, dossier code's shape, procedure)
 *     → quota (every limit checked before any is charged; 429 before any dossier check)
 *     → dossier (check = verify: the dossier exists, is open, is this procedure's,
 *       the officer's agency's or names the officer, and names the citizen)
 *     → population (only for an allowed lookup)
 *     → audit commit (every answered lookup, refusals included, is a durable record)
 *     → fields (only the procedure's) → result.
 *
 * A refusal keeps the quota it took (a thief's guesses cost them quota); a
 * dossier backend that cannot answer gives the quota back and answers 503
 * dossier_unavailable; if the audit log refuses the record, the quota is given
 * back and nothing leaves (fail closed). The state of a lookup is one struct
 * (struct lookup_call); lookup_run is lookup_start followed by a wait.
 */
#include "lookup/lookup.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "lookup/citizen_fields.h"
#include "lookup/citizen_id.h"
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
	s->verify_dossiers = !config_dossier_format_only(cfg);
	const char *pf = cfg->lookup.procedures_file[0] ? cfg->lookup.procedures_file : NULL;
	if (procedures_load(pf, &s->procedures, why, why_size)) {
		if (pf) /* say which setting brought the file in */
			lookup_why_prefix(why, why_size, "[lookup] procedures_file: ");
		goto fail;
	}
	if (dossier_matcher_init(&s->dossier_codes, cfg->lookup.dossier_pattern, why, why_size))
		goto fail;
	if (dossier_backend_open(cfg, st, &s->dossiers, why, why_size))
		goto fail;
	if (quota_new(st, &s->quota)) {
		snprintf(why, why_size, "cannot start the quota state");
		goto fail;
	}
	if (population_open(cfg, st, &s->population, why, why_size))
		goto fail;
	if (!s->verify_dossiers)
		log_warn("lookup", "[dossier] check = format: lookups are NOT bound to real dossiers, only the "
				   "code's shape is checked; set check = verify once dossiers are imported or pushed");
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
	if (s->dossiers)
		dossier_backend_close(s->dossiers);
	dossier_matcher_free(&s->dossier_codes);
	if (s->procedures)
		procedures_free(s->procedures);
	memset(s, 0, sizeof *s);
}

bool lookup_service_blocks(const struct lookup_service *s)
{
	return strcmp(population_backend_name(s->population), "embedded") != 0 ||
	       (s->verify_dossiers && dossier_backend_blocks(s->dossiers));
}

/* ---- the audit record ---------------------------------------------------------- */

/* The names of the fields a procedure may see, for the audit record. */
static json_t *procedure_fields_json(const struct procedure *pr)
{
	json_t *a = json_array();
	for (int f = 0; f < CF_COUNT; f++)
		if (procedure_has_field(pr, (enum citizen_field)f))
			json_array_append_new(a, json_string(citizen_field_name((enum citizen_field)f)));
	return a;
}

/* What the record says happened: a refusal's code, or the population's answer. */
static const char *call_outcome(const struct lookup_call *c)
{
	if (c->dossier_rc == DOSSIER_EUNAVAILABLE)
		return "dossier_unavailable";
	if (c->verdict != DOSSIER_ALLOW)
		return dossier_verdict_code(c->verdict);
	switch (c->pop_rc) {
	case POP_OK: return "ok";
	case POP_ENOTFOUND: return "not_found";
	case POP_ETIMEOUT: return "upstream_timeout";
	default: return "upstream_error";
	}
}

/* The audit event of a lookup; its payload is the caller's to json_decref. */
static void call_event(const struct lookup_call *c, struct audit_event *ev)
{
	const struct lookup_request *rq = &c->rq;
	const char *outcome = call_outcome(c);
	json_t *payload = json_pack("{s:s, s:s, s:s, s:s, s:b}", "citizen_id", rq->citizen_id, "dossier_code",
				    rq->dossier_code, "procedure_code", rq->procedure_code, "outcome", outcome,
				    "dossier_verified", c->dossier_checked);
	if (payload && !strcmp(outcome, "ok"))
		json_object_set_new(payload, "fields", procedure_fields_json(c->pr));
	*ev = (struct audit_event){.type = "lookup", .actor = rq->username, .agency = rq->agency, .ip = rq->ip,
				   .payload = payload};
}

/* ---- the stages ---------------------------------------------------------------- */

static int stage_validate(struct lookup_call *c)
{
	struct citizen_id_info info;
	if (citizen_id_validate(c->rq.citizen_id, clock_now(), &info, &c->result.why))
		return LOOKUP_EINVALID_ID;
	if (!dossier_code_valid(&c->s->dossier_codes, c->rq.dossier_code)) {
		c->result.why = "the dossier code does not match [lookup] dossier_pattern";
		return LOOKUP_EINVALID_DOSSIER;
	}
	c->pr = procedures_find(c->s->procedures, c->rq.procedure_code);
	if (!c->pr) {
		c->result.why = "no such procedure; see GET /api/v1/procedures";
		return LOOKUP_EUNKNOWN_PROCEDURE;
	}
	return LOOKUP_OK;
}

static int stage_quota(struct lookup_call *c)
{
	const struct lookup_request *rq = &c->rq;
	c->now_ms = clock_now_ms();
	int qrc = quota_take(c->s->quota, rq->username, rq->agency, &rq->limits, c->now_ms, &c->result.scope,
			     &c->result.retry_after, &c->result.usage);
	if (qrc == QUOTA_EXCEEDED)
		return LOOKUP_EQUOTA;
	if (qrc != QUOTA_OK) {
		log_error("lookup", "quota state unreadable for %s: lookup refused (fail closed)", rq->username);
		return LOOKUP_ESTATE;
	}
	return LOOKUP_OK;
}

/* Sets c->verdict and c->dossier_rc; never fails by itself (a refusal and an
 * unavailable backend are both audited outcomes). */
static void stage_dossier(struct lookup_call *c)
{
	c->verdict = DOSSIER_ALLOW;
	c->dossier_rc = DOSSIER_OK;
	if (!c->s->verify_dossiers)
		return;
	c->dossier_checked = true;
	dossier_t d;
	int rc = dossier_get(c->s->dossiers, c->rq.dossier_code, &d);
	if (rc == DOSSIER_ENOTFOUND) {
		c->verdict = DOSSIER_NOT_FOUND;
	} else if (rc != DOSSIER_OK) {
		c->dossier_rc = DOSSIER_EUNAVAILABLE;
	} else {
		c->verdict = dossier_check(&d, c->rq.procedure_code, c->rq.agency, c->rq.username, c->rq.citizen_id,
					   c->now_ms / 1000, c->s->cfg->dossier.grace_days);
	}
}

static int stage_population(struct lookup_call *c)
{
	if (c->dossier_rc != DOSSIER_OK || c->verdict != DOSSIER_ALLOW)
		return LOOKUP_OK; /* no citizen data is read for a refused lookup */
	c->pop_read = true;
	c->pop_rc = population_get_fields(c->s->population, c->rq.citizen_id, c->pr->fields, &c->record);
	return c->pop_rc == POP_EINTERNAL ? LOOKUP_EINTERNAL : LOOKUP_OK;
}

static void quota_give_back(struct lookup_call *c)
{
	const struct lookup_request *rq = &c->rq;
	quota_refund(c->s->quota, rq->username, rq->agency, c->now_ms);
	quota_peek(c->s->quota, rq->username, rq->agency, &rq->limits, c->now_ms, &c->result.usage);
}

/* After the audit record was made durable (audit_ok) or refused: the result. */
static int stage_result(struct lookup_call *c, bool audit_ok)
{
	json_t *record = c->record;
	c->record = NULL;
	if (!audit_ok) {
		json_decref(record);
		quota_give_back(c);
		log_error("lookup", "audit log unavailable: lookup by %s refused, no data left the server",
			  c->rq.username);
		return LOOKUP_EAUDIT;
	}
	c->result.audit_seq = c->audit_seq;
	if (c->dossier_rc != DOSSIER_OK) {
		quota_give_back(c);
		return LOOKUP_EDOSSIER_UNAVAILABLE;
	}
	if (c->verdict != DOSSIER_ALLOW) {
		c->result.refusal = dossier_verdict_code(c->verdict);
		return LOOKUP_EREFUSED;
	}
	switch (c->pop_rc) {
	case POP_OK:
		c->result.citizen = procedures_filter(c->pr, record);
		json_decref(record);
		return c->result.citizen ? LOOKUP_OK : LOOKUP_EINTERNAL;
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

static void call_audited(void *arg, int rc, uint64_t seq)
{
	struct lookup_call *c = arg;
	c->audit_rc = rc;
	c->audit_seq = seq;
	c->done(c->arg);
}

int lookup_start(struct lookup_service *s, const struct lookup_request *rq, struct lookup_call *c,
		 void (*done)(void *arg), void *arg)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	c->rq = *rq;
	c->done = done;
	c->arg = arg;
	int rc = stage_validate(c);
	if (rc == LOOKUP_OK)
		rc = stage_quota(c);
	if (rc != LOOKUP_OK)
		return rc;
	stage_dossier(c);
	rc = stage_population(c);
	if (rc != LOOKUP_OK) {
		quota_give_back(c);
		return rc;
	}
	struct audit_event ev;
	call_event(c, &ev);
	rc = ev.payload ? audit_append_async(s->audit, &ev, call_audited, c) : AUDIT_EINVAL;
	json_decref(ev.payload);
	if (rc != AUDIT_OK)
		return stage_result(c, false);
	return LOOKUP_PENDING;
}

int lookup_finish(struct lookup_call *c)
{
	return stage_result(c, c->audit_rc == AUDIT_OK);
}

/* lookup_run's wait for the writer's callback. */
struct run_wait {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
};

static void run_done(void *arg)
{
	struct run_wait *w = arg;
	pthread_mutex_lock(&w->mu);
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int lookup_run(struct lookup_service *s, const struct lookup_request *rq, struct lookup_call *c)
{
	struct run_wait w = {.done = false};
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	int rc = lookup_start(s, rq, c, run_done, &w);
	if (rc == LOOKUP_PENDING) {
		pthread_mutex_lock(&w.mu);
		while (!w.done)
			pthread_cond_wait(&w.cv, &w.mu);
		pthread_mutex_unlock(&w.mu);
		rc = lookup_finish(c);
	}
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	return rc;
}
