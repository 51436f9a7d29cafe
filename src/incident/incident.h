/*
 * Incidents: the detector's alerts grouped by account (or, without one, by
 * address) within [incident] group_window_hours, with a severity (the highest of
 * their alerts), a status that moves only forward (new → investigating →
 * contained → reported → closed, with the short cuts of incident_transition_ok),
 * detected_at and report_due_at = detected_at + report_deadline_hours, and an
 * overdue flag computed when read. The initial report (Mẫu số 03, Circular
 * 20/2017/TT-BTTTT) is built in report.c.
 */
#ifndef CANHGAC_INCIDENT_INCIDENT_H
#define CANHGAC_INCIDENT_INCIDENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct config;

enum incident_err {
	INCIDENT_OK = 0,
	INCIDENT_EINVAL = -1,      /* unknown status, note too long */
	INCIDENT_ENOTFOUND = -2,
	INCIDENT_ETRANSITION = -3, /* that status may not follow the current one */
	INCIDENT_ESTORE = -4,
};

#define INCIDENT_DUE_SOON_SECONDS (12 * 3600)

/* Stores alert `a` (a->id set) and, when `group` is true, joins it to the open
 * incident of its account or address (or opens one at clock_now()). */
int incident_alert_record(struct store *st, const struct config *cfg, struct store_alert *a, bool group);

bool incident_status_valid(const char *s);
bool incident_transition_ok(const char *from, const char *to);
/* Moves incident `id` to `status` (NULL or the same: only the note) and adds the
 * note; *out (may be NULL) gets the result. */
/* Whether incident_update(inc, status, note) would be accepted now: INCIDENT_OK,
 * INCIDENT_EINVAL (unknown status, note too long, nothing to change) or
 * INCIDENT_ETRANSITION. Lets a caller audit a change before making it. */
int incident_update_check(const struct store_incident *inc, const char *status, const char *note);
int incident_update(struct store *st, int64_t id, const char *status, const char *note, const char *author,
		    struct store_incident *out);

bool incident_overdue(const struct store_incident *i, int64_t now);
/* Raises "incident_report_due" (within 12 h) and "incident_report_overdue" alerts,
 * once each per incident. *raised (may be NULL) gets how many. */
int incident_check_deadlines(struct store *st, int64_t now, int *raised);
/* The same, calling fn (may be NULL) with each alert once it is stored (the
 * notifier). */
int incident_check_deadlines_each(struct store *st, int64_t now, int *raised,
				  void (*fn)(const struct store_alert *a, void *arg), void *arg);

/* API forms. New references. */
json_t *incident_json(const struct store_incident *i, int64_t now);
json_t *incident_alert_json(const struct store_alert *a);
/* The initial report (Mẫu 03) as JSON, and as printable HTML (malloc'd, the
 * caller frees). */
json_t *incident_report_json(struct store *st, const struct config *cfg, const struct store_incident *i,
			     int64_t now);
char *incident_report_html(const json_t *report, size_t *len);
/* The closing report (Mẫu 04) of a closed incident (report_closing.c): *out
 * gets a new reference. INCIDENT_ETRANSITION when the incident is not closed,
 * INCIDENT_ESTORE when its notes or alerts cannot be read. */
int incident_closing_report_json(struct store *st, const struct config *cfg, const struct store_incident *i,
				 int64_t now, json_t **out);
/* As printable HTML (malloc'd, the caller frees; NULL when out of memory). */
char *incident_closing_report_html(const json_t *report, size_t *len);

#endif
