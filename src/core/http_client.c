/*
 * The HTTP GET client of the upstream backends (src/lookup/population_upstream.c,
 * src/dossier/dossier_upstream.c), through libcurl (GnuTLS). One easy handle per
 * request, all of them on one share handle, so that a busy gateway does not pay
 * a DNS lookup and a TLS handshake per request; the share's locks are ours. The
 * answer is collected under the cap and classified into a few result kinds with
 * a number each, so that no text of the upstream's (status line, curl's message
 * about what the server sent) needs to reach a caller or a log.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/http_client.h"

struct http_client {
	char *base;                        /* without a trailing '/' */
	long timeout_ms;
	char *cert, *key, *ca;             /* "" when not set */
	char user_agent[64];
	size_t body_max;
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

struct body {
	char *data;
	size_t len, max;
	bool overflow;
};

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb;
	if (b->overflow || n > b->max - b->len) {
		b->overflow = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	char *grown = realloc(b->data, b->len + n + 1);
	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userptr)
{
	(void)h;
	(void)access;
	struct http_client *c = userptr;
	pthread_mutex_lock(&c->locks[(int)data % CURL_LOCK_DATA_LAST]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userptr)
{
	(void)h;
	struct http_client *c = userptr;
	pthread_mutex_unlock(&c->locks[(int)data % CURL_LOCK_DATA_LAST]);
}

int http_client_get(struct http_client *c, const char *prefix, const char *segment,
		    struct http_client_answer *answer)
{
	struct body body = {.max = c->body_max};
	struct curl_slist *headers = NULL;
	char *escaped = NULL, *url = NULL;
	int rc = HTTP_CLIENT_ENOMEM;
	memset(answer, 0, sizeof *answer);
	CURL *h = curl_easy_init();
	if (!h || !(escaped = curl_easy_escape(h, segment, 0)) ||
	    !(headers = curl_slist_append(NULL, "Accept: application/json")))
		goto out;
	size_t url_size = strlen(c->base) + strlen(prefix) + strlen(escaped) + 1;
	if (!(url = malloc(url_size)))
		goto out;
	snprintf(url, url_size, "%s%s%s", c->base, prefix, escaped);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->body_max);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	if (c->cert[0]) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->key);
	}
	if (c->ca[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca);
	CURLcode cc = curl_easy_perform(h);
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		answer->detail = c->timeout_ms;
		rc = HTTP_CLIENT_ETIMEOUT;
	} else if (body.overflow || cc == CURLE_FILESIZE_EXCEEDED) {
		answer->detail = (long)c->body_max;
		rc = HTTP_CLIENT_ETOOLARGE;
	} else if (cc != CURLE_OK) {
		answer->detail = (long)cc;
		rc = HTTP_CLIENT_EFAILED;
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answer->status);
		answer->body = body.data;
		answer->len = body.len;
		body.data = NULL;
		rc = HTTP_CLIENT_OK;
	}
out:
	free(body.data);
	free(url);
	curl_free(escaped);
	curl_slist_free_all(headers);
	if (h)
		curl_easy_cleanup(h);
	return rc;
}

void http_client_close(struct http_client *c)
{
	if (!c)
		return;
	if (c->share)
		curl_share_cleanup(c->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->locks[i]);
	free(c->base);
	free(c->cert);
	free(c->key);
	free(c->ca);
	free(c);
}

/* ---- opening ------------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_global(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static bool host_is_loopback(const char *host)
{
	return !strcmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "[::1]") ||
	       !strcmp(host, "::1");
}

/* Checks the base URL: http(s), a host, no query or fragment; plain http only to
 * loopback (what the upstreams answer names citizens; it never crosses a network
 * in clear). */
static int check_url(const char *section, const char *url, char *why, size_t why_size)
{
	int rc = -1;
	char *scheme = NULL, *host = NULL, *query = NULL, *frag = NULL;
	CURLU *cu = curl_url();
	if (!cu || curl_url_set(cu, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(why, why_size, "%s upstream_url is not a URL: expected https://HOST[:PORT][/PATH]", section);
		goto out;
	}
	if (curl_url_get(cu, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
		snprintf(why, why_size, "%s upstream_url must not have a query or fragment", section);
		goto out;
	}
	if (strcmp(scheme, "https") && !(strcmp(scheme, "http") == 0 && host_is_loopback(host))) {
		snprintf(why, why_size, "%s upstream_url must be https:// (plain http only to a loopback address)",
			 section);
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(cu);
	return rc;
}

static int check_readable(const char *section, const char *key, const char *path, char *why, size_t why_size)
{
	if (!path[0] || access(path, R_OK) == 0)
		return 0;
	snprintf(why, why_size, "%s %s: cannot read %s", section, key, path);
	return -1;
}

int http_client_open(const struct http_client_config *cfg, struct http_client **out, char *why,
		     size_t why_size)
{
	*out = NULL;
	pthread_once(&curl_once, curl_global);
	if (curl_init_rc != CURLE_OK) {
		snprintf(why, why_size, "libcurl could not start: %s", curl_easy_strerror(curl_init_rc));
		return -1;
	}
	if (!cfg->url[0]) {
		snprintf(why, why_size, "%s backend = upstream needs upstream_url", cfg->section);
		return -1;
	}
	if ((cfg->cert[0] == '\0') != (cfg->key[0] == '\0')) {
		snprintf(why, why_size, "%s upstream_cert and upstream_key must be set together", cfg->section);
		return -1;
	}
	if (check_url(cfg->section, cfg->url, why, why_size) ||
	    check_readable(cfg->section, "upstream_cert", cfg->cert, why, why_size) ||
	    check_readable(cfg->section, "upstream_key", cfg->key, why, why_size) ||
	    check_readable(cfg->section, "upstream_ca", cfg->ca, why, why_size))
		return -1;
	struct http_client *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	c->base = strdup(cfg->url);
	c->cert = strdup(cfg->cert);
	c->key = strdup(cfg->key);
	c->ca = strdup(cfg->ca);
	if (!c->base || !c->cert || !c->key || !c->ca) {
		snprintf(why, why_size, "out of memory");
		http_client_close(c);
		return -1;
	}
	size_t n = strlen(c->base);
	while (n > 0 && c->base[n - 1] == '/')
		c->base[--n] = '\0';
	c->timeout_ms = cfg->timeout_ms;
	c->body_max = cfg->body_max;
	snprintf(c->user_agent, sizeof c->user_agent, "canhgac/%s", CANHGAC_VERSION);
	c->share = curl_share_init();
	if (!c->share || curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock) ||
	    curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock) ||
	    curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT)) {
		snprintf(why, why_size, "libcurl: cannot set up connection sharing");
		http_client_close(c);
		return -1;
	}
	*out = c;
	return 0;
}
