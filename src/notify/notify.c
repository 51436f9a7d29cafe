/*
 * The notifier: builds the JSON of an event on the caller's thread (the
 * detector's worker, the checker, an HTTP handler), puts it on a bounded queue
 * and returns; the webhook thread posts the queue in order with libcurl, one
 * event at a time, retrying a failed POST (no answer, 5xx, 429) with a delay that
 * doubles from webhook_backoff_ms up to NOTIFY_BACKOFF_CAP_MS. Other 4xx answers
 * are the receiver refusing the event: given up at once. While it retries, new
 * events queue; a full queue drops its oldest event (counted, logged at most once
 * a second). The signature lets a receiver check that an event came from us and
 * is fresh: HMAC-SHA256 with the shared secret over "<timestamp>.<body>".
 */
#include "notify/notify.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "incident/incident.h"

/* notify_syslog.c */
void notify_syslog_open(int facility);
void notify_syslog_alert(int facility, const struct store_alert *a);

struct notify_item {
	char *body;
	size_t len;
	char event[32];
};

struct notify {
	bool webhook, syslog;
	int facility;
	char url[CONFIG_STR_MAX];
	char secret[CONFIG_STR_MAX];
	long timeout_ms;
	int retries, backoff_ms;

	pthread_mutex_t mu;
	pthread_cond_t cv;   /* work, stop */
	pthread_cond_t idle; /* queue empty and nothing in flight */
	struct notify_item *q;
	size_t cap, head, len;
	bool busy, stopping, started;
	int64_t last_drop_log;
	pthread_t thread;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_rc;

static void curl_global(void)
{
	curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void notify_sign(const char *secret, int64_t ts, const char *body, size_t len, char out[65])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char prefix[32];
	int n = snprintf(prefix, sizeof prefix, "%lld.", (long long)ts);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)prefix, (unsigned long long)n);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof mac);
	sodium_memzero(&st, sizeof st);
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

enum post_result { POST_OK, POST_RETRY, POST_REFUSED };

static enum post_result post(struct notify *n, const struct notify_item *it, long *status)
{
	CURL *h = curl_easy_init();
	if (!h)
		return POST_RETRY;
	struct curl_slist *hd = NULL;
	char line[160], sig[65];
	int64_t ts = clock_now();
	hd = curl_slist_append(hd, "Content-Type: application/json; charset=utf-8");
	hd = curl_slist_append(hd, "Expect:");
	snprintf(line, sizeof line, "%s: %s", NOTIFY_EVENT_HEADER, it->event);
	hd = curl_slist_append(hd, line);
	snprintf(line, sizeof line, "%s: %lld", NOTIFY_TIMESTAMP_HEADER, (long long)ts);
	hd = curl_slist_append(hd, line);
	if (n->secret[0]) {
		notify_sign(n->secret, ts, it->body, it->len, sig);
		snprintf(line, sizeof line, "%s: sha256=%s", NOTIFY_SIGNATURE_HEADER, sig);
		hd = curl_slist_append(hd, line);
	}
	curl_easy_setopt(h, CURLOPT_URL, n->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "canhgac/" CANHGAC_VERSION);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, n->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, n->timeout_ms);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, it->body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	CURLcode rc = curl_easy_perform(h);
	*status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hd);
	if (rc != CURLE_OK)
		return POST_RETRY;
	if (*status >= 200 && *status < 300)
		return POST_OK;
	return *status >= 500 || *status == 429 || *status == 408 ? POST_RETRY : POST_REFUSED;
}

/* Waits ms (or until stopping) with n->mu held. */
static void wait_ms(struct notify *n, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!n->stopping && pthread_cond_timedwait(&n->cv, &n->mu, &ts) != ETIMEDOUT)
		;
}

static void deliver(struct notify *n, const struct notify_item *it)
{
	int64_t delay = n->backoff_ms;
	for (int attempt = 0;; attempt++) {
		long status = 0;
		enum post_result r = post(n, it, &status);
		if (r == POST_OK) {
			metrics_inc(METRICS_WEBHOOK_SENT);
			return;
		}
		char st[24], at[16];
		snprintf(st, sizeof st, "%ld", status);
		snprintf(at, sizeof at, "%d", attempt + 1);
		const char *kv[] = {"event", it->event, "status", st, "attempt", at, NULL};
		if (r == POST_REFUSED || attempt >= n->retries) {
			log_write_kv(LOG_ERROR, "notify",
				     r == POST_REFUSED ? "webhook refused the event; not retried"
						       : "webhook failed; event given up after the last retry",
				     kv);
			metrics_inc(METRICS_WEBHOOK_FAILED);
			return;
		}
		log_write_kv(LOG_WARN, "notify", "webhook failed; retrying", kv);
		pthread_mutex_lock(&n->mu);
		wait_ms(n, delay);
		bool stop = n->stopping;
		pthread_mutex_unlock(&n->mu);
		if (stop) {
			metrics_inc(METRICS_WEBHOOK_FAILED);
			return;
		}
		metrics_inc(METRICS_WEBHOOK_RETRIES);
		delay = delay * 2 > NOTIFY_BACKOFF_CAP_MS ? NOTIFY_BACKOFF_CAP_MS : delay * 2;
	}
}

static void *webhook_main(void *arg)
{
	struct notify *n = arg;
	pthread_mutex_lock(&n->mu);
	for (;;) {
		while (n->len == 0 && !n->stopping)
			pthread_cond_wait(&n->cv, &n->mu);
		if (n->stopping)
			break;
		struct notify_item it = n->q[n->head];
		n->head = (n->head + 1) % n->cap;
		n->len--;
		n->busy = true;
		pthread_mutex_unlock(&n->mu);
		deliver(n, &it);
		free(it.body);
		pthread_mutex_lock(&n->mu);
		n->busy = false;
		if (n->len == 0)
			pthread_cond_broadcast(&n->idle);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

int notify_open(const struct config *cfg, struct notify **out, char *why, size_t why_size)
{
	*out = NULL;
	struct notify *n = calloc(1, sizeof *n);
	if (!n)
		return NOTIFY_ENOMEM;
	pthread_mutex_init(&n->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&n->idle, NULL);
	int rc = NOTIFY_EINVAL;
	if (cfg->notify.syslog) {
		if (notify_facility_parse(cfg->notify.syslog_facility, &n->facility)) {
			snprintf(why, why_size, "[notify] syslog_facility '%s' is not a syslog facility",
				 cfg->notify.syslog_facility);
			goto fail;
		}
		n->syslog = true;
		notify_syslog_open(n->facility);
	}
	if (!cfg->notify.webhook_url[0]) {
		*out = n;
		return NOTIFY_OK;
	}
	if (strncmp(cfg->notify.webhook_url, "http://", 7) && strncmp(cfg->notify.webhook_url, "https://", 8)) {
		snprintf(why, why_size, "[notify] webhook_url must be an http:// or https:// URL");
		goto fail;
	}
	rc = NOTIFY_ENOMEM;
	pthread_once(&curl_once, curl_global);
	if (curl_rc != CURLE_OK) {
		snprintf(why, why_size, "cannot initialise libcurl for the webhook");
		goto fail;
	}
	snprintf(n->url, sizeof n->url, "%s", cfg->notify.webhook_url);
	snprintf(n->secret, sizeof n->secret, "%s", cfg->notify.webhook_secret);
	n->timeout_ms = cfg->notify.webhook_timeout_ms;
	n->retries = cfg->notify.webhook_retries;
	n->backoff_ms = cfg->notify.webhook_backoff_ms;
	n->cap = (size_t)cfg->notify.webhook_queue_max;
	n->q = calloc(n->cap, sizeof *n->q);
	if (!n->q || pthread_create(&n->thread, NULL, webhook_main, n) != 0) {
		snprintf(why, why_size, "cannot start the webhook thread (out of memory?)");
		goto fail;
	}
	n->started = n->webhook = true;
	if (strncmp(n->url, "https://", 8) != 0)
		log_warn("notify", "webhook_url is plain http: alerts name accounts and addresses; use https off this machine");
	*out = n;
	return NOTIFY_OK;
fail:
	notify_close(n);
	return rc;
}

/* Queues a serialised event (takes body). */
static void enqueue(struct notify *n, const char *event, char *body)
{
	if (!body)
		return;
	struct notify_item it = {.body = body, .len = strlen(body)};
	snprintf(it.event, sizeof it.event, "%s", event);
	uint64_t dropped = 0;
	bool log_it = false;
	pthread_mutex_lock(&n->mu);
	if (n->stopping) {
		pthread_mutex_unlock(&n->mu);
		free(body);
		return;
	}
	if (n->len == n->cap) { /* drop the oldest: the newest say most about now */
		free(n->q[n->head].body);
		n->head = (n->head + 1) % n->cap;
		n->len--;
		metrics_inc(METRICS_WEBHOOK_DROPPED);
		dropped = metrics_get(METRICS_WEBHOOK_DROPPED);
		int64_t now = clock_now();
		log_it = now != n->last_drop_log;
		n->last_drop_log = now;
	}
	n->q[(n->head + n->len) % n->cap] = it;
	n->len++;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	if (log_it)
		log_warn("notify", "webhook queue full (%zu events): oldest event dropped (%llu dropped in all)", n->cap,
			 (unsigned long long)dropped);
}

static json_t *now_json(void)
{
	char buf[32];
	clock_format_rfc3339(clock_now(), buf, sizeof buf);
	return json_string(buf);
}

void notify_alert(struct notify *n, struct store *st, const struct store_alert *a)
{
	metrics_alert(a->rule);
	if (!n)
		return;
	if (n->syslog) {
		notify_syslog_alert(n->facility, a);
		metrics_inc(METRICS_SYSLOG_LINES);
	}
	if (!n->webhook)
		return;
	json_t *inc = json_null();
	struct store_incident i;
	if (st && a->incident_id > 0 && store_incident_get(st, a->incident_id, &i) == 0) {
		json_decref(inc);
		inc = incident_json(&i, clock_now());
	}
	/* citizens' ids stay in the console: the receiver gets the alert's id to look
	 * them up there (data minimisation; a SOC's mailbox is not the gateway) */
	json_t *aj = incident_alert_json(a), *detail = json_object_get(aj, "detail");
	json_object_del(detail, "last_citizen_id");
	json_object_del(detail, "citizen_id");
	json_t *ev = json_pack("{s:s, s:o, s:o, s:o}", "event", "alert", "time", now_json(), "alert", aj,
			       "incident", inc);
	enqueue(n, "alert", ev ? json_dumps(ev, JSON_COMPACT) : NULL);
	json_decref(ev);
}

void notify_incident(struct notify *n, const struct store_incident *inc, const char *from, const char *note,
		     const char *author)
{
	if (!n || !n->webhook)
		return;
	json_t *ev = json_pack("{s:s, s:o, s:o, s:{s:s, s:s, s:s, s:s}}", "event", "incident_updated", "time",
			       now_json(), "incident", incident_json(inc, clock_now()), "change", "from",
			       from ? from : "", "to", inc->status, "note", note ? note : "", "author",
			       author ? author : "");
	enqueue(n, "incident_updated", ev ? json_dumps(ev, JSON_COMPACT) : NULL);
	json_decref(ev);
}

int64_t notify_queue_depth(struct notify *n)
{
	if (!n || !n->webhook)
		return -1;
	pthread_mutex_lock(&n->mu);
	int64_t d = (int64_t)n->len;
	pthread_mutex_unlock(&n->mu);
	return d;
}

bool notify_flush(struct notify *n, int timeout_ms)
{
	if (!n || !n->webhook)
		return true;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&n->mu);
	int rc = 0;
	while ((n->len || n->busy) && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&n->idle, &n->mu, &ts);
	bool done = !n->len && !n->busy;
	pthread_mutex_unlock(&n->mu);
	return done;
}

void notify_close(struct notify *n)
{
	if (!n)
		return;
	if (n->started) {
		pthread_mutex_lock(&n->mu);
		n->stopping = true;
		pthread_cond_broadcast(&n->cv);
		pthread_mutex_unlock(&n->mu);
		pthread_join(n->thread, NULL);
	}
	if (n->len)
		log_warn("notify", "stopping: %zu webhook events not sent", n->len);
	for (size_t k = 0; k < n->len; k++) {
		free(n->q[(n->head + k) % n->cap].body);
		metrics_inc(METRICS_WEBHOOK_DROPPED);
	}
	free(n->q);
	sodium_memzero(n->secret, sizeof n->secret);
	pthread_cond_destroy(&n->cv);
	pthread_cond_destroy(&n->idle);
	pthread_mutex_destroy(&n->mu);
	free(n);
}
