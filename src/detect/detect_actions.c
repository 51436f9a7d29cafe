/*
 * What the detector does about a hit, on its own worker thread: suspend the
 * account (rules in [detect] suspend_rules), block the address for
 * block_ttl_seconds (block_rules; never an address of [weblog] allowlist), then
 * store the alert in its incident. Also the block list (memory for the request
 * path, the store for restarts) and the periodic check: report deadlines, an
 * unavailable audit log, expired blocks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/datadir.h"
#include "core/log.h"
#include "core/net.h"
#include "detect/detect_int.h"
#include "incident/incident.h"
#include "notify/notify.h"

static int match_item(const char *item, void *arg)
{
	return strcmp(item, (const char *)arg) == 0;
}

struct cidr_arg {
	const char *ip;
	bool hit;
};

static int match_cidr(const char *item, void *arg)
{
	struct cidr_arg *c = arg;
	struct net_cidr net;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, c->ip, &v4->sin_addr) == 1)
		v4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, c->ip, &v6->sin6_addr) == 1)
		v6->sin6_family = AF_INET6;
	else
		return 0;
	if (net_cidr_parse(item, &net) == 0 && net_cidr_contains(&net, (struct sockaddr *)&ss))
		return c->hit = true, 1;
	return 0;
}

static void suspend(struct detect *d, struct detect_hit *h)
{
	struct store_user u;
	if (!d->deps.auth || !h->actor[0] || store_user_get_by_name(d->deps.st, h->actor, &u))
		return;
	char reason[STORE_REASON_MAX];
	snprintf(reason, sizeof reason, "detector: %s", h->rule);
	int rc = auth_user_suspend(d->deps.auth, u.id, reason);
	int64_t ms = h->seen_ms ? clock_mono_ms() - h->seen_ms : 0;
	if (rc && rc != AUTH_EAUDIT) {
		log_error("detect", "cannot suspend %s after %s (error %d)", h->actor, h->rule, rc);
		return; /* the hold stays until it expires */
	}
	detect_hold_release(d, h->actor); /* the store says suspended from now on */
	pthread_mutex_lock(&d->qmu);
	d->last_latency_ms = ms;
	pthread_mutex_unlock(&d->qmu);
	json_object_set_new(h->detail, "suspended", json_true());
	json_object_set_new(h->detail, "suspend_latency_ms", json_integer(ms));
	char n[32];
	snprintf(n, sizeof n, "%lld", (long long)ms);
	const char *kv[] = {"username", h->actor, "rule", h->rule, "latency_ms", n, NULL};
	log_write_kv(LOG_WARN, "detect", "account suspended", kv);
}

static void handle(struct detect *d, struct detect_hit *h)
{
	const struct config *cfg = d->deps.cfg;
	if (config_list_each(cfg->detect.suspend_rules, match_item, (void *)h->rule) == 1)
		suspend(d, h);
	if (h->ip[0] && config_list_each(cfg->detect.block_rules, match_item, (void *)h->rule) == 1) {
		struct cidr_arg c = {h->ip, false};
		config_list_each(cfg->weblog.allowlist, match_cidr, &c);
		if (!c.hit && detect_block_add(d, h->ip, cfg->detect.block_ttl_seconds, h->rule, "detector") == 0)
			json_object_set_new(h->detail, "blocked_seconds", json_integer(cfg->detect.block_ttl_seconds));
	}
	struct store_alert a = {.created_at = clock_now()};
	snprintf(a.rule, sizeof a.rule, "%s", h->rule);
	snprintf(a.severity, sizeof a.severity, "%s", h->severity);
	snprintf(a.actor, sizeof a.actor, "%s", h->actor);
	snprintf(a.ip, sizeof a.ip, "%s", h->ip);
	snprintf(a.agency, sizeof a.agency, "%s", h->agency);
	char *js = json_dumps(h->detail, JSON_COMPACT);
	snprintf(a.detail, sizeof a.detail, "%s", js && strlen(js) < sizeof a.detail ? js : "{}");
	free(js);
	if (incident_alert_record(d->deps.st, cfg, &a, true))
		log_error("detect", "cannot store alert %s on %s", h->rule, h->actor[0] ? h->actor : h->ip);
	notify_alert(d->deps.notify, d->deps.st, &a);
	const char *kv[] = {"rule", h->rule, "severity", h->severity, "actor", h->actor, "ip", h->ip, NULL};
	log_write_kv(LOG_WARN, "detect", "alert", kv);
}

void *detect_worker_main(void *arg)
{
	struct detect *d = arg;
	pthread_mutex_lock(&d->qmu);
	for (;;) {
		while (d->qlen == 0 && !d->stopping)
			pthread_cond_wait(&d->qcv, &d->qmu);
		if (d->qlen == 0)
			break;
		struct detect_hit h = d->q[d->qhead];
		d->qhead = (d->qhead + 1) % DETECT_QUEUE_MAX;
		d->qlen--;
		d->busy = true;
		pthread_mutex_unlock(&d->qmu);
		handle(d, &h);
		json_decref(h.detail);
		pthread_mutex_lock(&d->qmu);
		d->busy = false;
		if (d->qlen == 0)
			pthread_cond_broadcast(&d->qidle);
	}
	pthread_mutex_unlock(&d->qmu);
	return NULL;
}

/* ---- blocks ---- */

static int load_one(const struct store_block *b, void *arg)
{
	struct detect *d = arg;
	if (d->nblocks < DETECT_BLOCKS_MAX) {
		d->blocks[d->nblocks] = *b;
		/* rows stored before addresses were canonicalised */
		net_ip_canonical(b->ip, d->blocks[d->nblocks].ip, sizeof d->blocks[d->nblocks].ip);
		d->nblocks++;
	}
	return 0;
}

int detect_blocks_load(struct detect *d)
{
	return store_block_list(d->deps.st, clock_now(), load_one, d) ? DETECT_ESTORE : DETECT_OK;
}

/* The canonical text of ip into out (net_ip_canonical); false when not an address. */
static bool canon(const char *ip, char out[64])
{
	return ip && net_ip_canonical(ip, out, 64) == 0;
}

bool detect_ip_blocked(struct detect *d, const char *ip)
{
	char c[64];
	if (!d || !canon(ip, c))
		return false;
	int64_t now = clock_now();
	bool hit = false;
	pthread_mutex_lock(&d->bmu);
	for (size_t i = 0; i < d->nblocks && !hit; i++)
		hit = d->blocks[i].expires_at > now && strcmp(d->blocks[i].ip, c) == 0;
	pthread_mutex_unlock(&d->bmu);
	return hit;
}

/* Audits a block change before it is made (fail closed): DETECT_EAUDIT when the
 * record cannot be written. */
static int audit_block(struct detect *d, const char *type, const char *ip, const char *actor, const char *reason,
		       int ttl)
{
	if (!d->deps.auth)
		return DETECT_OK;
	char t[16];
	snprintf(t, sizeof t, "%d", ttl);
	const char *kv[] = {"ip", ip, "reason", reason ? reason : "", "ttl_seconds", t, NULL};
	return auth_audit(d->deps.auth, type, actor, NULL, NULL, kv) ? DETECT_EAUDIT : DETECT_OK;
}

#define BLOCKS_FULL_QUIET 3600 /* one block_table_full alert an hour */

/* The slot of the detector's own block closest to expiry (an admin's block is
 * never evicted), or nblocks when there is none. Under bmu. */
static size_t evictable(const struct detect *d)
{
	size_t best = d->nblocks;
	for (size_t i = 0; i < d->nblocks; i++)
		if (strcmp(d->blocks[i].created_by, "detector") == 0 &&
		    (best == d->nblocks || d->blocks[i].expires_at < d->blocks[best].expires_at))
			best = i;
	return best;
}

/* Raises block_table_full unless one was raised within BLOCKS_FULL_QUIET. */
static void blocks_full_alert(struct detect *d, int64_t now, const char *ip, const char *evicted)
{
	pthread_mutex_lock(&d->bmu);
	bool quiet = d->blocks_full_alerted && now - d->blocks_full_alerted < BLOCKS_FULL_QUIET;
	if (!quiet)
		d->blocks_full_alerted = now;
	pthread_mutex_unlock(&d->bmu);
	if (quiet)
		return;
	const char *why = evicted[0] ? "many addresses blocked at once: an attack from many addresses, or "
				       "block_ttl_seconds too long"
				     : "every live block was added by an admin: new blocks are refused until some "
				       "expire or are removed";
	log_error("detect", "the block list is full (%d addresses): %s", DETECT_BLOCKS_MAX,
		  evicted[0] ? "the detector's blocks closest to expiry are evicted" : "every block is an admin's");
	detect_report(d, "block_table_full", "high", NULL, NULL,
		      json_pack("{s:i, s:s, s:s, s:s}", "capacity", DETECT_BLOCKS_MAX, "ip", ip, "evicted_ip", evicted,
				"message", why));
}

int detect_block_add(struct detect *d, const char *ip, int ttl_seconds, const char *reason, const char *actor)
{
	char c[64], evicted[64] = "";
	if (!canon(ip, c) || ttl_seconds < 1 || ttl_seconds > 30 * 86400 || !reason || strlen(reason) > 255)
		return DETECT_EINVAL;
	int64_t now = clock_now();
	struct store_block b = {.created_at = now, .expires_at = now + ttl_seconds};
	snprintf(b.ip, sizeof b.ip, "%s", c);
	snprintf(b.reason, sizeof b.reason, "%s", reason);
	snprintf(b.created_by, sizeof b.created_by, "%s", actor);
	/* a block that would be refused (full of admins' blocks) is not audited */
	pthread_mutex_lock(&d->bmu);
	bool refused = d->nblocks == DETECT_BLOCKS_MAX && evictable(d) == d->nblocks;
	for (size_t k = 0; refused && k < d->nblocks; k++)
		refused = strcmp(d->blocks[k].ip, c) != 0 && d->blocks[k].expires_at > now;
	pthread_mutex_unlock(&d->bmu);
	if (refused) {
		blocks_full_alert(d, now, c, "");
		return DETECT_EFULL;
	}
	if (audit_block(d, "ip_block", c, actor, reason, ttl_seconds))
		return DETECT_EAUDIT;
	pthread_mutex_lock(&d->bmu);
	size_t i = 0;
	while (i < d->nblocks && strcmp(d->blocks[i].ip, c) != 0)
		i++;
	bool full = false;
	if (i == d->nblocks) {
		for (i = 0; i < d->nblocks && d->blocks[i].expires_at > now; i++)
			;
		if (i == d->nblocks && d->nblocks == DETECT_BLOCKS_MAX) {
			full = true;
			i = evictable(d);
			if (i < d->nblocks)
				snprintf(evicted, sizeof evicted, "%s", d->blocks[i].ip);
		}
		if (i == d->nblocks && !full)
			d->nblocks++;
	}
	if (i < d->nblocks)
		d->blocks[i] = b;
	pthread_mutex_unlock(&d->bmu);
	if (full)
		blocks_full_alert(d, now, c, evicted);
	if (full && !evicted[0])
		return DETECT_EFULL;
	if (evicted[0]) {
		/* audited after the fact: the choice is made under the block lock, which
		 * must not wait for the audit log */
		if (store_block_delete(d->deps.st, evicted) != STORE_OK)
			log_error("detect", "cannot remove the evicted block of %s from the store", evicted);
		if (audit_block(d, "ip_unblock", evicted, "detector", "evicted: block list full", 0))
			log_error("detect", "the eviction of the block of %s could not be audited", evicted);
	}
	if (store_block_put(d->deps.st, &b))
		return DETECT_ESTORE;
	return DETECT_OK;
}

int detect_block_remove(struct detect *d, const char *ip, const char *actor)
{
	char c[64];
	if (!ip)
		return DETECT_EINVAL;
	if (!canon(ip, c))
		snprintf(c, sizeof c, "%s", ip); /* not an address: only a stored oddity can match */
	bool found = false, live = false;
	pthread_mutex_lock(&d->bmu);
	for (size_t i = 0; i < d->nblocks && !live; i++)
		live = strcmp(d->blocks[i].ip, c) == 0;
	pthread_mutex_unlock(&d->bmu);
	if (live && audit_block(d, "ip_unblock", c, actor, NULL, 0))
		return DETECT_EAUDIT; /* audited first: nothing changed */
	pthread_mutex_lock(&d->bmu);
	for (size_t i = 0; i < d->nblocks; i++)
		if (strcmp(d->blocks[i].ip, c) == 0) {
			d->blocks[i] = d->blocks[--d->nblocks];
			found = true;
			break;
		}
	pthread_mutex_unlock(&d->bmu);
	int rc = store_block_delete(d->deps.st, c);
	if (rc == STORE_ENOTFOUND && strcmp(c, ip) != 0)
		rc = store_block_delete(d->deps.st, ip); /* a row stored in another form */
	if (rc && rc != STORE_ENOTFOUND)
		return DETECT_ESTORE;
	if (!found && rc == STORE_ENOTFOUND)
		return DETECT_ENOTFOUND;
	if (!live && audit_block(d, "ip_unblock", c, actor, NULL, 0))
		return DETECT_EAUDIT; /* only an expired block's row was removed */
	return DETECT_OK;
}

json_t *detect_blocks_json(struct detect *d)
{
	json_t *arr = json_array();
	int64_t now = clock_now();
	char c[32], e[32];
	pthread_mutex_lock(&d->bmu);
	for (size_t i = 0; i < d->nblocks; i++) {
		const struct store_block *b = &d->blocks[i];
		if (b->expires_at <= now)
			continue;
		clock_format_rfc3339(b->created_at, c, sizeof c);
		clock_format_rfc3339(b->expires_at, e, sizeof e);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s}", "ip", b->ip, "reason", b->reason,
						     "created_by", b->created_by, "created_at", c, "expires_at", e));
	}
	pthread_mutex_unlock(&d->bmu);
	return arr;
}

/* ---- the periodic check ---- */

static void notify_deadline(const struct store_alert *a, void *arg)
{
	struct detect *d = arg;
	notify_alert(d->deps.notify, d->deps.st, a);
}

/* The data directory's free space: disk_space_low (high) once when it falls
 * under [audit] free_warn_mib, again only after it has been above it. */
static void detect_check_disk(struct detect *d, int64_t now)
{
	const struct config *cfg = d->deps.cfg;
	long long mib = 0;
	if (!d->deps.data_dir || cfg->audit.free_warn_mib <= 0 || datadir_free_mib(d->deps.data_dir, &mib) != 0)
		return;
	bool low = mib < cfg->audit.free_warn_mib;
	if (low && !d->disk_low) {
		struct store_alert a = {.created_at = now};
		snprintf(a.rule, sizeof a.rule, "disk_space_low");
		snprintf(a.severity, sizeof a.severity, "high");
		snprintf(a.detail, sizeof a.detail,
			 "{\"free_mib\": %lld, \"warn_mib\": %d, \"reserve_mib\": %d, \"message\": \"the data "
			 "directory is running out of space; under the reserve, sign-in is refused so that lookups "
			 "keep their audit\"}",
			 mib, cfg->audit.free_warn_mib, cfg->audit.free_reserve_mib);
		incident_alert_record(d->deps.st, cfg, &a, false);
		notify_alert(d->deps.notify, d->deps.st, &a);
		log_warn("detect", "alert: the data directory has %lld MiB free (warning under %d MiB)", mib,
			 cfg->audit.free_warn_mib);
	}
	d->disk_low = low;
}

/* Sign-ins the store could not read or record (answered 401, counted in memory
 * only): signin_unrecorded (high) at most once a check while they go on. */
static void detect_check_unrecorded(struct detect *d, int64_t now)
{
	if (!d->deps.auth)
		return;
	unsigned long long n = atomic_load(&d->deps.auth->unrecorded_total);
	if (n > d->unrecorded_seen) {
		struct store_alert a = {.created_at = now};
		snprintf(a.rule, sizeof a.rule, "signin_unrecorded");
		snprintf(a.severity, sizeof a.severity, "high");
		snprintf(a.detail, sizeof a.detail,
			 "{\"count\": %llu, \"total\": %llu, \"message\": \"the store could not read or record "
			 "sign-ins; they were answered as failed and counted in memory only\"}",
			 n - d->unrecorded_seen, n);
		if (incident_alert_record(d->deps.st, d->deps.cfg, &a, false))
			log_error("detect", "cannot store the signin_unrecorded alert (the store is failing)");
		notify_alert(d->deps.notify, d->deps.st, &a);
		log_error("detect", "alert: %llu sign-in(s) the store could not record", n - d->unrecorded_seen);
	}
	d->unrecorded_seen = n;
}

void detect_check_once(struct detect *d, int64_t now)
{
	int raised = 0;
	if (incident_check_deadlines_each(d->deps.st, now, &raised, notify_deadline, d))
		log_error("detect", "cannot check incident report deadlines");
	if (d->deps.audit) {
		bool down = !audit_is_available(d->deps.audit);
		if (down && !d->audit_down) {
			struct store_alert a = {.created_at = now};
			snprintf(a.rule, sizeof a.rule, "audit_unavailable");
			snprintf(a.severity, sizeof a.severity, "critical");
			snprintf(a.detail, sizeof a.detail, "{\"message\": \"the audit log cannot be written; lookups are refused\"}");
			incident_alert_record(d->deps.st, d->deps.cfg, &a, false);
			notify_alert(d->deps.notify, d->deps.st, &a);
			log_error("detect", "alert: the audit log is unavailable");
		}
		d->audit_down = down;
	}
	detect_check_disk(d, now);
	detect_check_unrecorded(d, now);
	pthread_mutex_lock(&d->bmu);
	for (size_t i = 0; i < d->nblocks;)
		if (d->blocks[i].expires_at <= now)
			d->blocks[i] = d->blocks[--d->nblocks];
		else
			i++;
	pthread_mutex_unlock(&d->bmu);
}

static void *checker_main(void *arg)
{
	struct detect *d = arg;
	pthread_mutex_lock(&d->cmu);
	while (!d->checker_stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += d->period;
		int rc = 0;
		while (!d->checker_stop && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&d->ccv, &d->cmu, &ts);
		if (d->checker_stop)
			break;
		pthread_mutex_unlock(&d->cmu);
		detect_check_once(d, clock_now());
		pthread_mutex_lock(&d->cmu);
	}
	pthread_mutex_unlock(&d->cmu);
	return NULL;
}

int detect_checker_start(struct detect *d, int period_seconds)
{
	d->period = period_seconds > 0 ? period_seconds : 60;
	d->checker_stop = false;
	if (pthread_create(&d->checker, NULL, checker_main, d) != 0)
		return DETECT_ENOMEM;
	d->checker_on = true;
	return DETECT_OK;
}

void detect_checker_stop(struct detect *d)
{
	if (!d->checker_on)
		return;
	pthread_mutex_lock(&d->cmu);
	d->checker_stop = true;
	pthread_cond_broadcast(&d->ccv);
	pthread_mutex_unlock(&d->cmu);
	pthread_join(d->checker, NULL);
	d->checker_on = false;
}
