/*
 * The detector's core: its life (open, rebuild from the audit, close), the
 * listener that turns a committed record into rule input on the audit delivery
 * thread, the bounded per-key windows the rules share, and the queue that hands
 * hits to the action worker (detect_actions.c) so the delivery thread never waits
 * on SQLite or on the audit log itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "detect/detect_int.h"

static const char *const rule_names[] = {"brute_force", "password_spray", "enumeration", "offhours",
					 "multi_ip", "new_ip", "dossier_reuse", "volume", "dormant",
					 "dossier_refusals", "concurrent_sessions", "new_ip_burst",
					 "signin_flood", /* detect_rules_throttle.c */
					 /* access-log findings (weblog_alert.c) */
					 "weblog_scanner", "weblog_injection", "weblog_brute_force", "weblog_rate",
					 /* the web-root watcher (src/fim/watch.c) */
					 "fim_webshell", "fim_upload_script", "fim_symlink", "fim_change", "fim_mode",
					 NULL};

bool detect_rule_known(const char *rule)
{
	for (size_t i = 0; rule_names[i]; i++)
		if (strcmp(rule, rule_names[i]) == 0)
			return true;
	return false;
}

static int check_rule_item(const char *item, void *arg)
{
	if (detect_rule_known(item))
		return 0;
	snprintf((char *)arg, 64, "%s", item);
	return 1;
}

uint64_t detect_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct detect_entry *probe(struct detect_entry *e, size_t cap, const char *key)
{
	for (size_t i = detect_hash(key) % cap;; i = (i + 1) % cap)
		if (!e[i].key[0] || strcmp(e[i].key, key) == 0)
			return &e[i];
}

#define PURGE_INTERVAL 60

/* Rehashes the keys that saw an event within the table's horizon of now. */
static void table_purge(struct detect_table *t, int64_t now)
{
	size_t cap = 2 * t->keys_max;
	t->purged_at = now;
	struct detect_entry *fresh = calloc(cap, sizeof *fresh);
	if (!fresh)
		return;
	size_t used = 0;
	for (size_t i = 0; i < cap; i++) {
		if (!t->e[i].key[0] || t->e[i].last < now - t->horizon)
			continue;
		*probe(fresh, cap, t->e[i].key) = t->e[i];
		used++;
	}
	free(t->e);
	t->e = fresh;
	t->used = used;
}

void detect_key_copy(char k[DETECT_KEY_MAX], const char *key)
{
	size_t n = strnlen(key, DETECT_KEY_MAX - 1);
	memcpy(k, key, n);
	k[n] = '\0';
}

struct detect_entry *detect_table_get(struct detect_table *t, const char *key, int64_t now)
{
	if (!t->e || !key || !key[0])
		return NULL;
	char k[DETECT_KEY_MAX];
	detect_key_copy(k, key);
	struct detect_entry *e = probe(t->e, 2 * t->keys_max, k);
	if (e->key[0])
		return e;
	if (t->used >= t->keys_max) {
		if (now - t->purged_at >= PURGE_INTERVAL || now < t->purged_at)
			table_purge(t, now);
		if (t->used >= t->keys_max) {
			if (!t->full_warned)
				log_warn("detect",
					 "a window table is full (%zu keys): new keys are not watched until older ones go quiet",
					 t->keys_max);
			t->full_warned = true;
			return NULL;
		}
		e = probe(t->e, 2 * t->keys_max, k);
	}
	memset(e, 0, sizeof *e);
	memcpy(e->key, k, sizeof k);
	t->used++;
	return e;
}

void detect_entry_push(struct detect_entry *e, int64_t t, uint64_t v)
{
	e->head = (e->head + 1) % DETECT_RING;
	e->ev[e->head] = (struct detect_event){t, v};
	if (e->n < DETECT_RING)
		e->n++;
	if (t > e->last)
		e->last = t;
}

const struct detect_event *detect_entry_at(const struct detect_entry *e, int i)
{
	return &e->ev[(e->head - i + DETECT_RING) % DETECT_RING];
}

int detect_entry_distinct(const struct detect_entry *e, int64_t now, int window)
{
	uint64_t seen[DETECT_RING];
	int distinct = 0;
	for (int i = 0; i < e->n; i++) { /* newest first */
		const struct detect_event *ev = detect_entry_at(e, i);
		if (ev->t <= now - window)
			break;
		int j = 0;
		while (j < distinct && seen[j] != ev->v)
			j++;
		if (j == distinct)
			seen[distinct++] = ev->v;
	}
	return distinct;
}

int detect_threshold(const struct detect *d, int base, bool holiday)
{
	if (!holiday)
		return base;
	int f = d->deps.cfg->detect.holiday_factor;
	int v = (base + f - 1) / f;
	return v < 2 ? 2 : v;
}

bool detect_may_fire(struct detect *d, struct detect_entry *e, const struct detect_record *r, int quiet)
{
	if (d->replaying || (e->fired_at && r->t - e->fired_at < quiet))
		return false;
	e->fired_at = r->t;
	return true;
}

/* Queues h for the worker; takes h->detail. */
static int enqueue_hit(struct detect *d, struct detect_hit *h)
{
	pthread_mutex_lock(&d->qmu);
	if (d->stopping) {
		pthread_mutex_unlock(&d->qmu);
		json_decref(h->detail);
		return DETECT_EFULL;
	}
	if (d->qlen >= DETECT_QUEUE_MAX) {
		pthread_mutex_unlock(&d->qmu);
		log_error("detect", "action queue full: alert %s on %s dropped", h->rule,
			  h->actor[0] ? h->actor : h->ip);
		json_decref(h->detail);
		return DETECT_EFULL;
	}
	d->q[(d->qhead + d->qlen) % DETECT_QUEUE_MAX] = *h;
	d->qlen++;
	pthread_cond_signal(&d->qcv);
	pthread_mutex_unlock(&d->qmu);
	return DETECT_OK;
}

void detect_raise(struct detect *d, const struct detect_record *r, const char *rule, const char *severity,
		  json_t *detail)
{
	struct detect_hit h = {.rule = rule, .severity = severity, .detail = detail, .t = r->t, .seen_ms = r->seen_ms};
	snprintf(h.actor, sizeof h.actor, "%s", r->actor && strcmp(r->actor, "-") ? r->actor : "");
	snprintf(h.ip, sizeof h.ip, "%s", r->ip ? r->ip : "");
	snprintf(h.agency, sizeof h.agency, "%s", r->agency ? r->agency : "");
	json_object_set_new(detail, "audit_seq", json_integer((json_int_t)r->seq));
	detect_hold_on_hit(d, rule, h.actor);
	enqueue_hit(d, &h);
}

int detect_report(struct detect *d, const char *rule, const char *severity, const char *actor, const char *ip,
		  json_t *detail)
{
	if (!detail)
		detail = json_object();
	if (!d || !rule || !rule[0] || !severity || !detail) {
		json_decref(detail);
		return DETECT_EINVAL;
	}
	struct detect_hit h = {.rule = rule, .severity = severity, .detail = detail, .t = clock_now()};
	snprintf(h.actor, sizeof h.actor, "%s", actor ? actor : "");
	snprintf(h.ip, sizeof h.ip, "%s", ip ? ip : "");
	return enqueue_hit(d, &h);
}

static const char *str_field(const json_t *rec, const char *name)
{
	const char *s = json_string_value(json_object_get(rec, name));
	return s && s[0] ? s : NULL;
}

/* Parses the record and runs the rules (history: a record older than the
 * windows, which only notes the address an account used). */
static void feed(struct detect *d, const json_t *record, int64_t seen_ms, bool history)
{
	struct detect_record r = {.seen_ms = seen_ms};
	r.type = str_field(record, "type");
	const char *time_s = str_field(record, "time");
	if (!r.type || !time_s || clock_parse_rfc3339(time_s, &r.t))
		return;
	bool auth = strncmp(r.type, "signin_", 7) == 0 || strcmp(r.type, "signout") == 0;
	bool lookup = strcmp(r.type, "lookup") == 0;
	if (!auth && !lookup)
		return;
	if (history && !lookup && strcmp(r.type, "signin_ok") != 0)
		return;
	r.seq = (uint64_t)json_integer_value(json_object_get(record, "seq"));
	r.actor = str_field(record, "actor");
	r.agency = str_field(record, "agency");
	r.ip = str_field(record, "ip");
	r.payload = json_object_get(record, "payload");
	r.holiday = detect_is_holiday(d->deps.cfg, r.t);
	pthread_mutex_lock(&d->mu);
	if (history)
		detect_rules_session_history(d, &r);
	else if (strcmp(r.type, "signin_throttled") == 0)
		detect_rules_throttle(d, &r);
	else if (auth)
		detect_rules_auth(d, &r);
	else
		detect_rules_lookup(d, &r);
	pthread_mutex_unlock(&d->mu);
}

void detect_listener(const json_t *record, void *arg)
{
	feed(arg, record, clock_mono_ms(), false);
}

struct rebuild_ctx {
	struct detect *d;
	int64_t since;        /* the windows' start */
	int64_t addr_since;   /* the address memory's start (new_ip_burst) */
	uint64_t fed;
};

static int rebuild_one(const json_t *record, const char *line, size_t len, void *arg)
{
	(void)line;
	(void)len;
	struct rebuild_ctx *c = arg;
	int64_t t;
	const char *ts = json_string_value(json_object_get(record, "time"));
	if (!ts || clock_parse_rfc3339(ts, &t) || t < c->addr_since)
		return 0;
	feed(c->d, record, 0, t < c->since);
	c->fed++;
	return 0;
}

int detect_rebuild(struct detect *d, const char *data_dir, char *why, size_t why_size)
{
	/* Simplest correct start: read the whole log and keep the last 24 h. A
	 * province's day is a few hundred thousand records; reading a month takes
	 * seconds at start, once. */
	int64_t now = clock_now();
	struct rebuild_ctx c = {d, now - DETECT_HORIZON, now - (int64_t)DETECT_ADDR_DAYS * 86400, 0};
	d->replaying = true;
	int rc = audit_read_records(data_dir, 1, rebuild_one, &c, why, why_size);
	d->replaying = false;
	if (rc)
		return DETECT_EINVAL;
	log_info("detect", "windows rebuilt from %llu audit records (24 hours; addresses of %d days)",
		 (unsigned long long)c.fed, DETECT_ADDR_DAYS);
	return DETECT_OK;
}

static int tables_alloc(struct detect *d)
{
	const struct config *cfg = d->deps.cfg;
	struct detect_table *ts[] = {&d->brute, &d->spray, &d->enumer, &d->dossier, &d->ips, &d->offhours,
				     &d->refusals};
	/* a key idle longer than its rule's window (or quiet time) is as good as new */
	int horizons[] = {cfg->detect.brute_force_window_seconds, cfg->detect.spray_window_seconds,
			  cfg->detect.enumeration_window_seconds, cfg->detect.dossier_window_seconds, DETECT_HORIZON,
			  3600, cfg->detect.dossier_refusals_window_seconds};
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		ts[i]->keys_max = ts[i] == &d->dossier ? DETECT_DOSSIER_KEYS_MAX : DETECT_KEYS_MAX;
		ts[i]->horizon = horizons[i];
		ts[i]->e = calloc(2 * ts[i]->keys_max, sizeof *ts[i]->e);
		if (!ts[i]->e)
			return DETECT_ENOMEM;
	}
	return DETECT_OK;
}

static void tables_free(struct detect *d)
{
	struct detect_table *ts[] = {&d->brute, &d->spray, &d->enumer, &d->dossier, &d->ips, &d->offhours,
				     &d->refusals};
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
		free(ts[i]->e);
}

int detect_open(const struct detect_deps *deps, struct detect **out, char *why, size_t why_size)
{
	char bad[64] = "";
	*out = NULL;
	if (config_list_each(deps->cfg->detect.suspend_rules, check_rule_item, bad) ||
	    config_list_each(deps->cfg->detect.block_rules, check_rule_item, bad)) {
		snprintf(why, why_size,
			 "[detect] suspend_rules or block_rules names an unknown rule '%s': "
			 "use the rule names of docs/DETECTION.md",
			 bad);
		return DETECT_EINVAL;
	}
	struct detect *d = calloc(1, sizeof *d);
	int rc = DETECT_ENOMEM;
	if (!d)
		goto fail;
	d->deps = *deps;
	d->last_latency_ms = -1;
	d->q = calloc(DETECT_QUEUE_MAX, sizeof *d->q);
	d->blocks = calloc(DETECT_BLOCKS_MAX, sizeof *d->blocks);
	if (!d->q || !d->blocks || tables_alloc(d) || detect_accounts_init(&d->accounts))
		goto fail;
	pthread_mutex_init(&d->mu, NULL);
	pthread_mutex_init(&d->qmu, NULL);
	pthread_mutex_init(&d->bmu, NULL);
	pthread_mutex_init(&d->cmu, NULL);
	pthread_mutex_init(&d->hmu, NULL);
	pthread_cond_init(&d->qcv, NULL);
	pthread_cond_init(&d->qidle, NULL);
	pthread_cond_init(&d->ccv, NULL);
	rc = detect_blocks_load(d);
	if (rc == DETECT_OK)
		rc = detect_accounts_load(d);
	if (rc == DETECT_OK && pthread_create(&d->worker, NULL, detect_worker_main, d) != 0)
		rc = DETECT_ENOMEM;
	if (rc) {
		pthread_mutex_destroy(&d->mu);
		pthread_mutex_destroy(&d->qmu);
		pthread_mutex_destroy(&d->bmu);
		pthread_mutex_destroy(&d->cmu);
		pthread_mutex_destroy(&d->hmu);
		pthread_cond_destroy(&d->qcv);
		pthread_cond_destroy(&d->qidle);
		pthread_cond_destroy(&d->ccv);
		goto fail;
	}
	*out = d;
	return DETECT_OK;
fail:
	if (d) {
		tables_free(d);
		detect_accounts_free(&d->accounts);
		free(d->q);
		free(d->blocks);
		free(d);
	}
	snprintf(why, why_size, "cannot start the detector (%s): check memory and the database",
		 rc == DETECT_ESTORE ? "the block list cannot be read" : "out of memory");
	return rc;
}

void detect_flush(struct detect *d)
{
	pthread_mutex_lock(&d->qmu);
	while (d->qlen > 0 || d->busy)
		pthread_cond_wait(&d->qidle, &d->qmu);
	pthread_mutex_unlock(&d->qmu);
}

int64_t detect_last_suspend_latency_ms(struct detect *d)
{
	pthread_mutex_lock(&d->qmu);
	int64_t v = d->last_latency_ms;
	pthread_mutex_unlock(&d->qmu);
	return v;
}

void detect_stop(struct detect *d)
{
	detect_checker_stop(d);
	pthread_mutex_lock(&d->qmu);
	bool joined = d->stopping;
	d->stopping = true;
	pthread_cond_broadcast(&d->qcv);
	pthread_mutex_unlock(&d->qmu);
	if (!joined)
		pthread_join(d->worker, NULL);
}

void detect_close(struct detect *d)
{
	if (!d)
		return;
	detect_stop(d);
	for (size_t i = 0; i < d->qlen; i++)
		json_decref(d->q[(d->qhead + i) % DETECT_QUEUE_MAX].detail);
	tables_free(d);
	detect_accounts_free(&d->accounts);
	free(d->q);
	free(d->blocks);
	pthread_mutex_destroy(&d->mu);
	pthread_mutex_destroy(&d->qmu);
	pthread_mutex_destroy(&d->bmu);
	pthread_mutex_destroy(&d->cmu);
	pthread_mutex_destroy(&d->hmu);
	pthread_cond_destroy(&d->qcv);
	pthread_cond_destroy(&d->qidle);
	pthread_cond_destroy(&d->ccv);
	free(d);
}
