/*
 * Grouping alerts into incidents, the status machine, the report deadline and
 * its warnings. The caller serialises writers (the detector's worker, the HTTP
 * handlers): a status change races at worst with an alert joining, and both are
 * single-row saves.
 */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "incident/incident.h"

static const char *const statuses[] = {"new", "investigating", "contained", "reported", "closed"};

static int severity_rank(const char *s)
{
	static const char *const sev[] = {"low", "medium", "high", "critical"};
	for (int i = 0; i < 4; i++)
		if (strcmp(s, sev[i]) == 0)
			return i;
	return 0;
}

bool incident_status_valid(const char *s)
{
	for (size_t i = 0; s && i < 5; i++)
		if (strcmp(s, statuses[i]) == 0)
			return true;
	return false;
}

static int status_rank(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (strcmp(s, statuses[i]) == 0)
			return i;
	return -1;
}

bool incident_transition_ok(const char *from, const char *to)
{
	int a = status_rank(from), b = status_rank(to);
	if (a < 0 || b < 0 || a == 4)
		return false;
	/* forward only; "reported" needs the incident looked at first, closing
	 * (a false alarm, or after the report) is allowed from any open status */
	if (b == 4)
		return true;
	if (b == 3)
		return a == 1 || a == 2;
	return b > a;
}

bool incident_overdue(const struct store_incident *i, int64_t now)
{
	return strcmp(i->status, "reported") != 0 && strcmp(i->status, "closed") != 0 && now > i->report_due_at;
}

int incident_alert_record(struct store *st, const struct config *cfg, struct store_alert *a, bool group)
{
	int64_t now = clock_now();
	if (!group)
		return store_alert_insert(st, a) ? INCIDENT_ESTORE : INCIDENT_OK;
	struct store_incident inc;
	char key[STORE_GROUP_MAX];
	/* A finding with neither account nor address (the web-root watcher) groups by its rule. */
	if (a->actor[0] || a->ip[0])
		snprintf(key, sizeof key, a->actor[0] ? "account:%s" : "ip:%s", a->actor[0] ? a->actor : a->ip);
	else
		snprintf(key, sizeof key, "rule:%s", a->rule);
	int rc = store_incident_find_open(st, key, now - (int64_t)cfg->incident.group_window_hours * 3600, &inc);
	if (rc == STORE_ENOTFOUND) {
		memset(&inc, 0, sizeof inc);
		snprintf(inc.group_key, sizeof inc.group_key, "%s", key);
		snprintf(inc.status, sizeof inc.status, "new");
		snprintf(inc.severity, sizeof inc.severity, "%s", a->severity);
		snprintf(inc.title, sizeof inc.title, "%s: %s", a->rule,
			 a->actor[0] ? a->actor : a->ip[0] ? a->ip : "web roots");
		snprintf(inc.actor, sizeof inc.actor, "%s", a->actor);
		snprintf(inc.ip, sizeof inc.ip, "%s", a->ip);
		snprintf(inc.agency, sizeof inc.agency, "%s", a->agency);
		inc.detected_at = now;
		inc.report_due_at = now + (int64_t)cfg->incident.report_deadline_hours * 3600;
		inc.last_alert_at = now;
		inc.updated_at = now;
		inc.alert_count = 1;
		rc = store_incident_insert(st, &inc);
	} else if (rc == STORE_OK) {
		if (severity_rank(a->severity) > severity_rank(inc.severity))
			snprintf(inc.severity, sizeof inc.severity, "%s", a->severity);
		inc.last_alert_at = now;
		inc.updated_at = now;
		inc.alert_count++;
		rc = store_incident_save(st, &inc);
	}
	if (rc)
		return INCIDENT_ESTORE;
	a->incident_id = inc.id;
	return store_alert_insert(st, a) ? INCIDENT_ESTORE : INCIDENT_OK;
}

int incident_update_check(const struct store_incident *inc, const char *status, const char *note)
{
	if ((status && !incident_status_valid(status)) || (note && strlen(note) >= STORE_NOTE_MAX))
		return INCIDENT_EINVAL;
	if (status && strcmp(status, inc->status) != 0)
		return incident_transition_ok(inc->status, status) ? INCIDENT_OK : INCIDENT_ETRANSITION;
	return !note || !note[0] ? INCIDENT_EINVAL : INCIDENT_OK; /* nothing to change */
}

int incident_update(struct store *st, int64_t id, const char *status, const char *note, const char *author,
		    struct store_incident *out)
{
	struct store_incident inc;
	if ((status && !incident_status_valid(status)) || (note && strlen(note) >= STORE_NOTE_MAX))
		return INCIDENT_EINVAL;
	int rc = store_incident_get(st, id, &inc);
	if (rc)
		return rc == STORE_ENOTFOUND ? INCIDENT_ENOTFOUND : INCIDENT_ESTORE;
	if ((rc = incident_update_check(&inc, status, note)))
		return rc;
	struct store_incident_note n = {.at = clock_now()};
	snprintf(n.author, sizeof n.author, "%s", author);
	snprintf(n.status_from, sizeof n.status_from, "%s", inc.status);
	if (status && strcmp(status, inc.status) != 0) {
		snprintf(inc.status, sizeof inc.status, "%s", status);
		if (strcmp(status, "closed") == 0)
			inc.closed_at = n.at;
	}
	snprintf(n.status_to, sizeof n.status_to, "%s", inc.status);
	snprintf(n.note, sizeof n.note, "%s", note ? note : "");
	inc.updated_at = n.at;
	if (store_incident_save(st, &inc) || store_incident_note_add(st, id, &n))
		return INCIDENT_ESTORE;
	if (out)
		*out = inc;
	return INCIDENT_OK;
}

struct due_ctx {
	struct store_incident items[256];
	size_t n;
};

static int collect(const struct store_incident *i, void *arg)
{
	struct due_ctx *c = arg;
	if (strcmp(i->status, "reported") && strcmp(i->status, "closed") && i->due_alerted < 2)
		c->items[c->n++] = *i;
	return c->n >= sizeof c->items / sizeof c->items[0];
}

int incident_check_deadlines(struct store *st, int64_t now, int *raised)
{
	return incident_check_deadlines_each(st, now, raised, NULL, NULL);
}

int incident_check_deadlines_each(struct store *st, int64_t now, int *raised,
				  void (*fn)(const struct store_alert *a, void *arg), void *arg)
{
	static struct due_ctx c; /* one checker thread */
	int count = 0;
	c.n = 0;
	if (store_incident_list(st, NULL, 10000, collect, &c))
		return INCIDENT_ESTORE;
	for (size_t k = 0; k < c.n; k++) {
		struct store_incident *i = &c.items[k];
		int level = now > i->report_due_at ? 2 : now >= i->report_due_at - INCIDENT_DUE_SOON_SECONDS ? 1 : 0;
		if (level <= i->due_alerted)
			continue;
		struct store_alert a = {.created_at = now, .incident_id = i->id};
		snprintf(a.rule, sizeof a.rule, level == 2 ? "incident_report_overdue" : "incident_report_due");
		snprintf(a.severity, sizeof a.severity, level == 2 ? "high" : "medium");
		snprintf(a.actor, sizeof a.actor, "%s", i->actor);
		snprintf(a.ip, sizeof a.ip, "%s", i->ip);
		snprintf(a.agency, sizeof a.agency, "%s", i->agency);
		char due[32];
		clock_format_rfc3339(i->report_due_at, due, sizeof due);
		snprintf(a.detail, sizeof a.detail, "{\"incident_id\": %lld, \"report_due_at\": \"%s\"}",
			 (long long)i->id, due);
		i->due_alerted = level;
		if (store_incident_save(st, i) || store_alert_insert(st, &a))
			return INCIDENT_ESTORE;
		if (fn)
			fn(&a, arg);
		count++;
	}
	if (raised)
		*raised = count;
	return INCIDENT_OK;
}

static json_t *time_json(int64_t t)
{
	char buf[32];
	return t > 0 && clock_format_rfc3339(t, buf, sizeof buf) == 0 ? json_string(buf) : json_null();
}

static json_t *opt_str(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

json_t *incident_json(const struct store_incident *i, int64_t now)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:i, s:o, s:o}", "id",
			 (json_int_t)i->id, "severity", i->severity, "status", i->status, "title", i->title, "actor",
			 opt_str(i->actor), "ip", opt_str(i->ip), "agency", opt_str(i->agency), "detected_at",
			 time_json(i->detected_at), "report_due_at", time_json(i->report_due_at), "last_alert_at",
			 time_json(i->last_alert_at), "overdue", incident_overdue(i, now), "alert_count", i->alert_count,
			 "updated_at", time_json(i->updated_at), "closed_at", time_json(i->closed_at));
}

json_t *incident_alert_json(const struct store_alert *a)
{
	json_t *detail = json_loads(a->detail, 0, NULL);
	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "id", (json_int_t)a->id,
			 "rule", a->rule, "severity", a->severity, "actor", opt_str(a->actor), "ip", opt_str(a->ip),
			 "agency", opt_str(a->agency), "detail", detail ? detail : json_object(), "created_at",
			 time_json(a->created_at), "status", a->status, "acked_by", opt_str(a->acked_by), "acked_at",
			 time_json(a->acked_at), "incident_id",
			 a->incident_id > 0 ? json_integer((json_int_t)a->incident_id) : json_null());
}
