/*
 * Persistence of the detector's findings: alerts, incidents with their notes, and
 * the IP block list. Part of the store interface (included by store/store.h). The
 * rules that decide what is an alert, how alerts group into incidents and which
 * status may follow which live in src/detect and src/incident.
 */
#ifndef CANHGAC_STORE_STORE_DETECT_H
#define CANHGAC_STORE_STORE_DETECT_H

#include <stdint.h>

struct store;

#define STORE_RULE_MAX 32
#define STORE_DETAIL_MAX 2048
#define STORE_NOTE_MAX 1024
#define STORE_GROUP_MAX 160

struct store_alert {
	int64_t id;
	char rule[STORE_RULE_MAX];
	char severity[16];
	char actor[64];
	char ip[64];
	char agency[32];
	char detail[STORE_DETAIL_MAX]; /* a JSON object */
	int64_t created_at;
	char status[16];               /* new, acked */
	char acked_by[64];
	int64_t acked_at;
	int64_t incident_id;           /* 0: none */
};

struct store_incident {
	int64_t id;
	char group_key[STORE_GROUP_MAX];
	char severity[16];
	char status[16];
	char title[256];
	char actor[64];
	char ip[64];
	char agency[32];
	int64_t detected_at;
	int64_t last_alert_at;
	int64_t report_due_at;
	int alert_count;
	int due_alerted;               /* 0, 1 due soon raised, 2 overdue raised */
	int64_t updated_at;
	int64_t closed_at;
};

struct store_incident_note {
	int64_t id;
	int64_t at;
	char author[64];
	char status_from[16];
	char status_to[16];
	char note[STORE_NOTE_MAX];
};

struct store_block {
	char ip[64];
	char reason[256];
	char created_by[64];
	int64_t created_at;
	int64_t expires_at;
};

/* Inserts a (a->id is set). */
int store_alert_insert(struct store *st, struct store_alert *a);
/* Alerts newest first; status NULL for all, since 0 for all time; at most `limit`.
 * fn runs under the store lock: it must not call the store. */
int store_alert_list(struct store *st, const char *status, int64_t since, int limit,
		     int (*fn)(const struct store_alert *a, void *arg), void *arg);
int store_alert_get(struct store *st, int64_t id, struct store_alert *out);
/* Marks an alert acked; STORE_ENOTFOUND when there is no such alert. */
int store_alert_ack(struct store *st, int64_t id, const char *by, int64_t at);

/* The newest incident of group_key, not closed, whose last alert is at or after
 * `since`; STORE_ENOTFOUND when none. */
int store_incident_find_open(struct store *st, const char *group_key, int64_t since, struct store_incident *out);
int store_incident_insert(struct store *st, struct store_incident *inc);
/* Writes every mutable field (all but id, group_key, detected_at). */
int store_incident_save(struct store *st, const struct store_incident *inc);
int store_incident_get(struct store *st, int64_t id, struct store_incident *out);
/* Incidents newest first; status NULL for all; fn as for store_alert_list. */
int store_incident_list(struct store *st, const char *status, int limit,
			int (*fn)(const struct store_incident *inc, void *arg), void *arg);
int store_incident_note_add(struct store *st, int64_t incident_id, const struct store_incident_note *n);
int store_incident_notes(struct store *st, int64_t incident_id,
			 int (*fn)(const struct store_incident_note *n, void *arg), void *arg);

/* Inserts or replaces the block of b->ip. */
int store_block_put(struct store *st, const struct store_block *b);
/* STORE_ENOTFOUND when ip is not blocked. */
int store_block_delete(struct store *st, const char *ip);
/* Blocks that expire after `now`, by ip; fn as for store_alert_list. */
int store_block_list(struct store *st, int64_t now, int (*fn)(const struct store_block *b, void *arg), void *arg);

#endif
