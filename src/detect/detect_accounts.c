/*
 * The detector's memory of accounts beyond its 24-hour windows: when each was
 * last used (for the dormant rule) and how many lookups it made on each local
 * day of the last month and in each 2-minute bucket of the last hour (for the
 * volume rule). Only accounts that signed in or looked up successfully, or that
 * exist in the store, get an entry, so the table is bounded by the accounts of
 * the province (DETECT_ACCOUNTS_MAX). At start it is filled from the store: the
 * audit projection's daily counts (audit_daily_user) and the accounts' last
 * sign-in, creation and password times; afterwards the committed lookups roll
 * it forward in memory, so no query runs on the audit delivery thread.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "detect/detect_int.h"

#define INITIAL_CAP 4096

int detect_accounts_init(struct detect_accounts *a)
{
	memset(a, 0, sizeof *a);
	a->e = calloc(INITIAL_CAP, sizeof *a->e);
	if (!a->e)
		return DETECT_ENOMEM;
	a->cap = INITIAL_CAP;
	return DETECT_OK;
}

void detect_accounts_free(struct detect_accounts *a)
{
	free(a->e);
	a->e = NULL;
	a->cap = a->used = 0;
}

static struct detect_account *probe(struct detect_account *e, size_t cap, const char *key)
{
	for (size_t i = detect_hash(key) % cap;; i = (i + 1) % cap)
		if (!e[i].key[0] || strcmp(e[i].key, key) == 0)
			return &e[i];
}

static bool grow(struct detect_accounts *a)
{
	size_t cap = a->cap * 2;
	struct detect_account *fresh = calloc(cap, sizeof *fresh);
	if (!fresh)
		return false;
	for (size_t i = 0; i < a->cap; i++)
		if (a->e[i].key[0])
			*probe(fresh, cap, a->e[i].key) = a->e[i];
	free(a->e);
	a->e = fresh;
	a->cap = cap;
	return true;
}

struct detect_account *detect_account_get(struct detect_accounts *a, const char *key)
{
	if (!a->e || !key || !key[0])
		return NULL;
	char k[DETECT_KEY_MAX];
	detect_key_copy(k, key);
	struct detect_account *e = probe(a->e, a->cap, k);
	if (e->key[0])
		return e;
	if (a->used >= DETECT_ACCOUNTS_MAX || ((a->used + 1) * 4 > a->cap * 3 && !grow(a))) {
		if (!a->full_warned)
			log_warn("detect", "%d accounts known: the volume and dormant rules ignore new ones",
				 DETECT_ACCOUNTS_MAX);
		a->full_warned = true;
		return NULL;
	}
	e = probe(a->e, a->cap, k);
	memset(e, 0, sizeof *e);
	memcpy(e->key, k, sizeof k);
	a->used++;
	return e;
}

void detect_account_add_day(struct detect_account *acc, int64_t day, unsigned n)
{
	if (day <= 0)
		return;
	if (day > acc->day) {
		if (acc->day == 0 || day - acc->day >= DETECT_DAYS)
			memset(acc->count, 0, sizeof acc->count);
		else
			for (int64_t k = acc->day + 1; k <= day; k++)
				acc->count[k % DETECT_DAYS] = 0;
		acc->day = (int32_t)day;
	}
	if (acc->day - day >= DETECT_DAYS)
		return;
	uint16_t *c = &acc->count[day % DETECT_DAYS];
	*c = *c + n > UINT16_MAX ? UINT16_MAX : (uint16_t)(*c + n);
}

int detect_account_hour(struct detect_account *acc, int64_t t)
{
	int64_t b = t / DETECT_BUCKET_SECONDS;
	if (b > acc->bucket) {
		if (acc->bucket == 0 || b - acc->bucket >= DETECT_BUCKETS)
			memset(acc->recent, 0, sizeof acc->recent);
		else
			for (int64_t k = acc->bucket + 1; k <= b; k++)
				acc->recent[k % DETECT_BUCKETS] = 0;
		acc->bucket = (int32_t)b;
	}
	if (acc->bucket - b < DETECT_BUCKETS && acc->recent[b % DETECT_BUCKETS] < UINT16_MAX)
		acc->recent[b % DETECT_BUCKETS]++;
	int n = 0;
	for (int i = 0; i < DETECT_BUCKETS; i++)
		n += acc->recent[i];
	return n;
}

void detect_account_baseline(const struct detect_account *acc, int64_t today, int64_t *total, int *days)
{
	*total = 0;
	*days = 0;
	for (int k = 1; k <= DETECT_BASELINE_DAYS; k++) {
		int64_t day = today - k;
		if (day > acc->day || acc->day - day >= DETECT_DAYS)
			continue;
		unsigned c = acc->count[day % DETECT_DAYS];
		*total += c;
		*days += c > 0;
	}
}

static int load_day(const char *username, int64_t day, int64_t count, void *arg)
{
	struct detect_account *acc = detect_account_get(arg, username);
	if (acc && count > 0)
		detect_account_add_day(acc, day, count > UINT16_MAX ? UINT16_MAX : (unsigned)count);
	return 0;
}

static int load_user(const struct store_user *u, void *arg)
{
	struct detect_account *acc = detect_account_get(arg, u->username);
	if (!acc)
		return 0;
	int64_t t = u->last_login_at;
	if (u->created_at > t)
		t = u->created_at;
	if (u->password_changed_at > t)
		t = u->password_changed_at;
	if (t > acc->last_active)
		acc->last_active = t;
	return 0;
}

int detect_accounts_load(struct detect *d)
{
	int64_t today = clock_local_day(clock_now());
	if (store_audit_daily_users_since(d->deps.st, today - DETECT_DAYS + 1, load_day, &d->accounts) ||
	    store_user_list(d->deps.st, NULL, NULL, load_user, &d->accounts))
		return DETECT_ESTORE;
	return DETECT_OK;
}
