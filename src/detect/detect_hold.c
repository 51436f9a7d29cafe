/*
 * Accounts held between a suspending rule's hit and the suspension itself. A
 * rule fires on the listener's thread as soon as the record is committed, but
 * the suspension is a store write on the detector's worker thread, and the
 * session cache sees it only after that commit; lookups answered in between got
 * records out (measured: up to 8 for new_ip_burst at script pace). The hold is
 * set in the same step as the hit, read by the HTTP guard on every request of a
 * signed-in caller, and ends when the worker has suspended the account (the store
 * then answers account_suspended) or after DETECT_HOLD_MS if it never could.
 * Bounded: DETECT_HOLDS_MAX accounts at once; beyond that the oldest hold is
 * replaced (logged), the store suspension still follows.
 */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "detect/detect_int.h"

static int rule_item(const char *item, void *arg)
{
	return strcmp(item, (const char *)arg) == 0;
}

void detect_hold_on_hit(struct detect *d, const char *rule, const char *actor)
{
	if (!actor || !actor[0] || config_list_each(d->deps.cfg->detect.suspend_rules, rule_item, (void *)rule) != 1)
		return;
	int64_t now = clock_mono_ms();
	pthread_mutex_lock(&d->hmu);
	size_t pick = 0;
	for (size_t i = 0; i < DETECT_HOLDS_MAX; i++) {
		if (!strcmp(d->holds[i].user, actor) || d->holds[i].until_ms <= now) {
			pick = i;
			break;
		}
		if (d->holds[i].until_ms < d->holds[pick].until_ms)
			pick = i;
	}
	if (d->holds[pick].until_ms > now && strcmp(d->holds[pick].user, actor))
		log_warn("detect", "hold table full: the hold of %s gives way to %s", d->holds[pick].user, actor);
	snprintf(d->holds[pick].user, sizeof d->holds[pick].user, "%s", actor);
	d->holds[pick].until_ms = now + DETECT_HOLD_MS;
	atomic_store(&d->holds_active, 1);
	pthread_mutex_unlock(&d->hmu);
}

void detect_hold_release(struct detect *d, const char *actor)
{
	bool any = false;
	int64_t now = clock_mono_ms();
	pthread_mutex_lock(&d->hmu);
	for (size_t i = 0; i < DETECT_HOLDS_MAX; i++) {
		if (!strcmp(d->holds[i].user, actor))
			d->holds[i].until_ms = 0;
		any = any || d->holds[i].until_ms > now;
	}
	atomic_store(&d->holds_active, any ? 1 : 0);
	pthread_mutex_unlock(&d->hmu);
}

bool detect_account_held(struct detect *d, const char *username)
{
	if (!d || !username || !atomic_load(&d->holds_active))
		return false; /* the common case: no lock */
	bool held = false;
	int64_t now = clock_mono_ms();
	pthread_mutex_lock(&d->hmu);
	for (size_t i = 0; i < DETECT_HOLDS_MAX && !held; i++)
		held = d->holds[i].until_ms > now && !strcmp(d->holds[i].user, username);
	pthread_mutex_unlock(&d->hmu);
	return held;
}
