/*
 * The account-lifecycle scheduler: at start and every 60 seconds it applies the
 * staff changes that have come due and handles dormant accounts. Everything it
 * needs is in the store, so a restart loses nothing: a change dated for a day the
 * server was down is applied at the next start. An account is dormant when its
 * last sign-in (or, never signed in, its creation or last password set, e.g. an
 * admin's reset on re-enabling) is older than [accounts] dormant_days.
 */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "auth/staff.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"

#define LIFECYCLE_PERIOD_SECONDS 60

struct dormant_ids {
	int64_t *ids;
	size_t n, cap;
};

static int collect_id(const struct store_user *u, void *arg)
{
	struct dormant_ids *d = arg;
	if (strcmp(u->status, "active") && strcmp(u->status, "locked"))
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		int64_t *p = realloc(d->ids, cap * sizeof *p);
		if (!p)
			return 1;
		d->ids = p;
		d->cap = cap;
	}
	d->ids[d->n++] = u->id;
	return 0;
}

/* One account: disable, warn, or nothing. 1 disabled, 2 warned, 0, or negative. */
static int dormant_one(struct auth_service *svc, int64_t id, int64_t now)
{
	const struct config *cfg = svc->cfg;
	struct store_user u;
	char day[16];
	pthread_mutex_lock(&svc->mu);
	int rc = store_user_get_by_id(svc->st, id, &u);
	if (rc || (strcmp(u.status, "active") && strcmp(u.status, "locked"))) {
		pthread_mutex_unlock(&svc->mu);
		return rc ? AUTH_ESTORE : 0;
	}
	int64_t since = auth_dormant_since(&u), off_at = since + (int64_t)cfg->accounts.dormant_days * 86400;
	int64_t warn_at = off_at - (int64_t)cfg->accounts.dormant_warn_days * 86400;
	if (now >= off_at) {
		snprintf(u.status, sizeof u.status, "disabled");
		snprintf(u.status_reason, sizeof u.status_reason, "dormant: no sign-in for %d days",
			 cfg->accounts.dormant_days);
		u.updated_at = now;
		rc = store_user_save(svc->st, &u) || store_session_delete_user(svc->st, u.id, NULL, NULL);
		pthread_mutex_unlock(&svc->mu);
		if (rc)
			return AUTH_ESTORE;
		clock_format_local_date(since, day, sizeof day);
		const char *kv[] = {"username", u.username, "reason", u.status_reason, "last_activity", day, NULL};
		log_info("auth", "account %s disabled: dormant since %s", u.username, day);
		rc = auth_audit(svc, "account_dormant_disabled", "system", u.agency, NULL, kv);
		return rc ? rc : 1;
	}
	pthread_mutex_unlock(&svc->mu);
	bool warned = false;
	if (now < warn_at || store_dormant_warned(svc->st, id, since, &warned) || warned)
		return 0;
	clock_format_local_date(off_at, day, sizeof day);
	const char *kv[] = {"username", u.username, "disable_on", day, NULL};
	/* for the agency admin's view: the audit record carries the account's agency */
	rc = auth_audit(svc, "dormant_warning", "system", u.agency, NULL, kv);
	if (rc == AUTH_OK && store_dormant_mark(svc->st, id, since, now))
		rc = AUTH_ESTORE;
	log_info("auth", "account %s will be disabled on %s unless it signs in (dormant)", u.username, day);
	return rc ? rc : 2;
}

int auth_dormant_run(struct auth_service *svc, int64_t now, int *warned, int *disabled)
{
	struct dormant_ids d = {0};
	int rc = store_user_list(svc->st, NULL, NULL, collect_id, &d) ? AUTH_ESTORE : AUTH_OK;
	*warned = *disabled = 0;
	for (size_t i = 0; rc == AUTH_OK && i < d.n; i++) {
		int r = dormant_one(svc, d.ids[i], now);
		if (r == 1)
			(*disabled)++;
		else if (r == 2)
			(*warned)++;
		else if (r < 0)
			rc = r;
	}
	free(d.ids);
	return rc;
}

int auth_lifecycle_run(struct auth_service *svc, int64_t now)
{
	int applied = 0, warned = 0, disabled = 0;
	int rc = auth_staff_apply_due(svc, now, &applied);
	int rc2 = auth_dormant_run(svc, now, &warned, &disabled);
	if (applied || warned || disabled)
		log_info("auth", "lifecycle: %d staff changes applied, %d dormant warnings, %d dormant disabled",
			 applied, warned, disabled);
	return rc ? rc : rc2;
}

struct auth_scheduler {
	struct auth_service *svc;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static void *scheduler_main(void *arg)
{
	struct auth_scheduler *s = arg;
	pthread_mutex_lock(&s->mu);
	do { /* always one run at start, even when asked to stop at once */
		pthread_mutex_unlock(&s->mu);
		if (auth_lifecycle_run(s->svc, clock_now()))
			log_warn("auth", "lifecycle run incomplete; retrying in %d s", LIFECYCLE_PERIOD_SECONDS);
		auth_throttle_record_windows(s->svc, clock_now(), false); /* throttled windows that ended */
		pthread_mutex_lock(&s->mu);
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += LIFECYCLE_PERIOD_SECONDS;
		while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
			;
	} while (!s->stop);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int auth_scheduler_start(struct auth_service *svc, struct auth_scheduler **out)
{
	struct auth_scheduler *s = calloc(1, sizeof *s);
	pthread_condattr_t ca;
	if (!s)
		return AUTH_ESTORE;
	s->svc = svc;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->thread, NULL, scheduler_main, s)) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return AUTH_ESTORE;
	}
	*out = s;
	return AUTH_OK;
}

void auth_scheduler_stop(struct auth_scheduler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	auth_throttle_record_windows(s->svc, clock_now(), true); /* windows still open: their count so far */
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
