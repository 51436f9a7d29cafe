/*
 * Incidents: alerts grouped by account (or address) within the group window,
 * report_due_at = detected_at + report_deadline_hours, the overdue flag and the
 * due-soon / overdue alerts (raised once) under a fake clock, and the status
 * transitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_audit_util.h"

#include "incident/incident.h"

#define T0 ((int64_t)1788836400)

static int setup(void **state)
{
	struct inst *in = calloc(1, sizeof *in);
	assert_int_equal(inst_make(in), 0);
	log_setup(LOG_ERROR, NULL);
	clock_set_fake(T0);
	*state = in;
	return 0;
}

static int teardown(void **state)
{
	inst_free(*state);
	free(*state);
	clock_set_fake(0);
	return 0;
}

static struct store_alert alert(const char *rule, const char *sev, const char *actor, const char *ip)
{
	struct store_alert a = {.created_at = clock_now()};
	snprintf(a.rule, sizeof a.rule, "%s", rule);
	snprintf(a.severity, sizeof a.severity, "%s", sev);
	snprintf(a.actor, sizeof a.actor, "%s", actor);
	snprintf(a.ip, sizeof a.ip, "%s", ip);
	return a;
}

static void test_grouping(void **state)
{
	struct inst *in = *state;
	struct store_alert a = alert("offhours", "low", "cb.a", "10.0.0.1");
	assert_int_equal(incident_alert_record(in->st, &in->cfg, &a, true), 0);
	clock_set_fake(T0 + 600);
	struct store_alert b = alert("enumeration", "high", "cb.a", "10.0.0.2");
	assert_int_equal(incident_alert_record(in->st, &in->cfg, &b, true), 0);
	assert_int_equal(a.incident_id, b.incident_id);
	struct store_alert c = alert("password_spray", "high", "", "203.0.113.9");
	assert_int_equal(incident_alert_record(in->st, &in->cfg, &c, true), 0);
	assert_int_not_equal(c.incident_id, a.incident_id);
	struct store_incident i;
	assert_int_equal(store_incident_get(in->st, a.incident_id, &i), 0);
	assert_int_equal(i.alert_count, 2);
	assert_string_equal(i.severity, "high");
	assert_int_equal(i.detected_at, T0);
	/* after the group window (24 h) a new incident opens */
	clock_set_fake(T0 + 600 + 25 * 3600);
	struct store_alert e = alert("offhours", "low", "cb.a", "10.0.0.1");
	assert_int_equal(incident_alert_record(in->st, &in->cfg, &e, true), 0);
	assert_int_not_equal(e.incident_id, a.incident_id);
}

struct count_ctx {
	const char *rule;
	int n;
};

static int count_one(const struct store_alert *a, void *arg)
{
	struct count_ctx *c = arg;
	c->n += strcmp(a->rule, c->rule) == 0;
	return 0;
}

static int alerts(struct inst *in, const char *rule)
{
	struct count_ctx c = {rule, 0};
	store_alert_list(in->st, NULL, 0, 10000, count_one, &c);
	return c.n;
}

static void test_deadline_and_overdue(void **state)
{
	struct inst *in = *state;
	struct store_alert a = alert("enumeration", "high", "cb.a", "10.0.0.1");
	assert_int_equal(incident_alert_record(in->st, &in->cfg, &a, true), 0);
	struct store_incident i;
	assert_int_equal(store_incident_get(in->st, a.incident_id, &i), 0);
	assert_int_equal(i.report_due_at, T0 + 72 * 3600);
	assert_false(incident_overdue(&i, T0 + 72 * 3600));
	assert_true(incident_overdue(&i, T0 + 72 * 3600 + 1));
	json_t *j = incident_json(&i, T0 + 73 * 3600);
	assert_true(json_is_true(json_object_get(j, "overdue")));
	json_decref(j);

	int raised = -1;
	assert_int_equal(incident_check_deadlines(in->st, T0 + 59 * 3600, &raised), 0);
	assert_int_equal(raised, 0);
	assert_int_equal(incident_check_deadlines(in->st, T0 + 61 * 3600, &raised), 0);
	assert_int_equal(raised, 1);
	assert_int_equal(incident_check_deadlines(in->st, T0 + 62 * 3600, &raised), 0);
	assert_int_equal(raised, 0); /* not twice */
	assert_int_equal(incident_check_deadlines(in->st, T0 + 73 * 3600, &raised), 0);
	assert_int_equal(raised, 1);
	assert_int_equal(incident_check_deadlines(in->st, T0 + 74 * 3600, &raised), 0);
	assert_int_equal(raised, 0);
	assert_int_equal(alerts(in, "incident_report_due"), 1);
	assert_int_equal(alerts(in, "incident_report_overdue"), 1);

	/* a reported incident is never overdue */
	assert_int_equal(incident_update(in->st, i.id, "investigating", NULL, "admin", NULL), 0);
	assert_int_equal(incident_update(in->st, i.id, "reported", "sent to the department", "admin", &i), 0);
	assert_false(incident_overdue(&i, T0 + 100 * 3600));
}

static void test_transitions(void **state)
{
	struct inst *in = *state;
	assert_true(incident_transition_ok("new", "investigating"));
	assert_true(incident_transition_ok("new", "contained"));
	assert_true(incident_transition_ok("investigating", "reported"));
	assert_true(incident_transition_ok("contained", "reported"));
	assert_true(incident_transition_ok("reported", "closed"));
	assert_true(incident_transition_ok("new", "closed"));
	assert_false(incident_transition_ok("new", "reported"));
	assert_false(incident_transition_ok("contained", "investigating"));
	assert_false(incident_transition_ok("closed", "new"));
	assert_false(incident_transition_ok("reported", "new"));
	assert_false(incident_transition_ok("new", "bogus"));

	struct store_alert a = alert("enumeration", "high", "cb.t", "10.0.0.1");
	assert_int_equal(incident_alert_record(in->st, &in->cfg, &a, true), 0);
	assert_int_equal(incident_update(in->st, a.incident_id, "reported", NULL, "admin", NULL), INCIDENT_ETRANSITION);
	assert_int_equal(incident_update(in->st, a.incident_id, "bogus", NULL, "admin", NULL), INCIDENT_EINVAL);
	assert_int_equal(incident_update(in->st, 999, "closed", NULL, "admin", NULL), INCIDENT_ENOTFOUND);
	assert_int_equal(incident_update(in->st, a.incident_id, NULL, "a note only", "admin", NULL), 0);
	assert_int_equal(incident_update(in->st, a.incident_id, "contained", "suspended", "admin", NULL), 0);
	struct store_incident i;
	assert_int_equal(incident_update(in->st, a.incident_id, "closed", "done", "admin", &i), 0);
	assert_string_equal(i.status, "closed");
	assert_true(i.closed_at > 0);
	/* the report renders, escaped */
	json_t *r = incident_report_json(in->st, &in->cfg, &i, T0);
	size_t len = 0;
	char *html = incident_report_html(r, &len);
	assert_non_null(html);
	assert_non_null(strstr(html, "Mẫu số 03"));
	free(html);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grouping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_and_overdue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transitions, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
