/*
 * The detector: rules over committed audit records (sign-ins, lookups) that find
 * a stolen account, password guessing or scanning of citizen ids, and act on the
 * smallest unit that stops the harm: suspend one account, block one address, and
 * always raise an alert that joins an incident. It is fed on the audit delivery
 * thread, so a record costs only a few bounded window updates there; alerts and
 * actions run on the detector's own worker thread. Windows are rebuilt from the
 * last 24 hours of the audit log at start, and each account's addresses from its
 * last 30 days. Rules and tuning: docs/DETECTION.md.
 *
 * Bounds: each rule keeps at most DETECT_KEYS_MAX keys (accounts, addresses;
 * DETECT_DOSSIER_KEYS_MAX dossier codes) with the last DETECT_RING events each;
 * keys idle longer than their rule's window are purged when a table fills (at
 * most once a minute); actions wait in a queue of DETECT_QUEUE_MAX.
 */
#ifndef CANHGAC_DETECT_DETECT_H
#define CANHGAC_DETECT_DETECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct config;
struct audit;
struct auth_service;
struct notify;

enum detect_err {
	DETECT_OK = 0,
	DETECT_EINVAL = -1,   /* bad argument or configuration */
	DETECT_ENOMEM = -2,
	DETECT_ESTORE = -3,
	DETECT_ENOTFOUND = -4,
	DETECT_EFULL = -5,    /* the block list is full */
	DETECT_EAUDIT = -6,   /* the audit record of a block change cannot be written: nothing changed */
};

#define DETECT_RING 32
#define DETECT_KEYS_MAX 8192
#define DETECT_DOSSIER_KEYS_MAX 32768 /* a province's peak hour has more dossiers than officers */
#define DETECT_QUEUE_MAX 1024
#define DETECT_BLOCKS_MAX 4096

struct detect;

struct detect_deps {
	const struct config *cfg;     /* borrowed for the detector's life */
	struct store *st;             /* alerts, incidents, blocks */
	struct auth_service *auth;    /* may be NULL (tests): suspensions are then only alerts */
	struct audit *audit;          /* may be NULL: audit_unavailable is then never checked */
	struct notify *notify;        /* may be NULL: alerts are then not sent out (webhook, syslog) */
	const char *data_dir;         /* may be NULL: its free space is then not watched */
};

/* Creates the detector and loads the stored blocks. Checks suspend_rules and
 * block_rules name known rules (DETECT_EINVAL with why otherwise). Starts the
 * action worker. *out is the caller's: detect_close it. */
int detect_open(const struct detect_deps *deps, struct detect **out, char *why, size_t why_size);

/* Replays the records of the last 24 h of `data_dir`'s audit into the windows
 * without raising anything, and notes the addresses each account used in the
 * last 30 days (new_ip_burst). Call before subscribing. */
int detect_rebuild(struct detect *d, const char *data_dir, char *why, size_t why_size);

/* The audit listener (arg: the struct detect). */
void detect_listener(const json_t *record, void *arg);

/* Raises a finding of another source (the access-log follower, the web-root
 * watcher) through the same actions as the audit rules: an alert joined to an
 * incident, a block of `ip` when `rule` is in [detect] block_rules, a suspension
 * of `actor` when in suspend_rules. `rule` and `severity` must outlive the
 * detector (string literals). actor or ip may be NULL or "". Takes `detail`
 * (may be NULL). Never blocks: a full action queue drops the finding with a log
 * line. Returns DETECT_OK, DETECT_EFULL (queue full or stopping) or DETECT_EINVAL. */
int detect_report(struct detect *d, const char *rule, const char *severity, const char *actor, const char *ip,
		  json_t *detail);

/* Waits until every queued action has run (tests, shutdown). */
void detect_flush(struct detect *d);

/* Starts and stops the periodic check (every `period_seconds`): report deadlines
 * of incidents, an unavailable audit log, expired blocks. */
int detect_checker_start(struct detect *d, int period_seconds);
void detect_checker_stop(struct detect *d);
/* One pass of the check at `now` (tests call it with a fake clock). */
void detect_check_once(struct detect *d, int64_t now);

/* IP blocks (in memory, stored). actor is the admin or "detector"; audited
 * before the change is made (DETECT_EAUDIT and no change when it cannot be). */
bool detect_ip_blocked(struct detect *d, const char *ip);

/* True while a suspending rule has hit `username` and the suspension has not yet
 * reached the store (at most a minute): the HTTP guard answers account_suspended
 * at once instead of serving the account until the worker's write. Cheap when
 * no account is held. */
bool detect_account_held(struct detect *d, const char *username);
int detect_block_add(struct detect *d, const char *ip, int ttl_seconds, const char *reason, const char *actor);
int detect_block_remove(struct detect *d, const char *ip, const char *actor);
/* The live blocks as a JSON array. New reference. */
json_t *detect_blocks_json(struct detect *d);

/* Milliseconds from receiving the offending committed record to the account's
 * suspension, for the latest suspension (-1 when none yet). */
int64_t detect_last_suspend_latency_ms(struct detect *d);

/* Stops the checker and the worker after the queued actions; later hits are
 * dropped (the listener may still be called until the audit closes). */
void detect_stop(struct detect *d);

/* Stops (if not yet), frees d. Call after audit_close. NULL is fine. */
void detect_close(struct detect *d);

/* Calendar (detect_calendar.c): public holidays of Vietnam and [workhours]
 * holidays; working hours. */
bool detect_is_holiday(const struct config *cfg, int64_t t);
bool detect_in_workhours(const struct config *cfg, int64_t t);
/* Length of a working day ([workhours] end - start) in seconds. */
int detect_workday_seconds(const struct config *cfg);

/* True when `rule` names a rule of the detector. */
bool detect_rule_known(const char *rule);

#endif
