/*
 * The upstream population backend: an HTTP client of the national population
 * database's gateway, through libcurl (GnuTLS). One GET {base}/citizens/{id} per
 * lookup, with a whole-request timeout, a client certificate, a pinned CA file
 * and a 256 KiB cap on the answer. The answer's keys are mapped to citizen
 * fields by the table below (docs/LOOKUPS.md); unknown keys are dropped. Nothing
 * the upstream says in an error (status text, body) reaches the caller or the
 * log: failures are logged as one short line of our own words and numbers.
 * Connections, DNS answers and TLS sessions are shared between threads through a
 * curl share handle, so a busy gateway does not pay a TLS handshake per lookup.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "lookup/citizen_fields.h"
#include "lookup/population_int.h"

#define UPSTREAM_BODY_MAX (256 * 1024)

enum value_kind { V_TEXT, V_DATE, V_SEX };

/* Upstream key → citizen field. The gateway speaks Vietnamese camelCase. */
static const struct {
	const char *key;
	enum citizen_field field;
	enum value_kind kind;
} upstream_map[] = {
	{"soDinhDanh", CF_CITIZEN_ID, V_TEXT},
	{"hoVaTen", CF_FULL_NAME, V_TEXT},
	{"ngaySinh", CF_DATE_OF_BIRTH, V_DATE},
	{"gioiTinh", CF_SEX, V_SEX},
	{"quocTich", CF_NATIONALITY, V_TEXT},
	{"danToc", CF_ETHNICITY, V_TEXT},
	{"tonGiao", CF_RELIGION, V_TEXT},
	{"queQuan", CF_PLACE_OF_ORIGIN, V_TEXT},
	{"noiDangKyKhaiSinh", CF_PLACE_OF_BIRTH, V_TEXT},
	{"noiThuongTru", CF_PERMANENT_ADDRESS, V_TEXT},
	{"noiOHienTai", CF_CURRENT_ADDRESS, V_TEXT},
	{"soHoKhau", CF_HOUSEHOLD_ID, V_TEXT},
	{"hoTenChuHo", CF_HOUSEHOLD_HEAD, V_TEXT},
	{"quanHeVoiChuHo", CF_RELATION_TO_HEAD, V_TEXT},
	{"tinhTrangHonNhan", CF_MARITAL_STATUS, V_TEXT},
};
#define N_MAP (sizeof upstream_map / sizeof upstream_map[0])
_Static_assert(N_MAP == CF_COUNT, "every citizen field has an upstream key");

struct upstream {
	char base[CONFIG_STR_MAX];      /* without a trailing '/' */
	long timeout_ms;
	char cert[CONFIG_STR_MAX], key[CONFIG_STR_MAX], ca[CONFIG_STR_MAX];
	char user_agent[64];
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

struct body {
	char *data;
	size_t len;
	int overflow;
};

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb;
	if (b->overflow || n > UPSTREAM_BODY_MAX - b->len) {
		b->overflow = 1;
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
	struct upstream *u = userptr;
	pthread_mutex_lock(&u->locks[(int)data % CURL_LOCK_DATA_LAST]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userptr)
{
	(void)h;
	struct upstream *u = userptr;
	pthread_mutex_unlock(&u->locks[(int)data % CURL_LOCK_DATA_LAST]);
}

/* "dd/mm/yyyy" or "yyyy-mm-dd" → "yyyy-mm-dd" in out[11]; -1 when neither or not a date. */
static int normalise_date(const char *s, char out[11])
{
	if (strlen(s) == 10 && s[2] == '/' && s[5] == '/')
		snprintf(out, 11, "%.4s-%.2s-%.2s", s + 6, s + 3, s);
	else if (strlen(s) == 10)
		memcpy(out, s, 11);
	else
		return -1;
	int64_t day;
	return clock_parse_local_date(out, &day);
}

static const char *normalise_sex(json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v) == 1 ? "male" : json_integer_value(v) == 2 ? "female" : NULL;
	const char *s = json_string_value(v);
	if (!s)
		return NULL;
	if (!strcmp(s, "Nam") || !strcmp(s, "1") || !strcmp(s, "male"))
		return "male";
	if (!strcmp(s, "Nữ") || !strcmp(s, "2") || !strcmp(s, "female"))
		return "female";
	return NULL;
}

/* Maps the upstream object to a record; NULL when a value is malformed. `why`
 * gets our own words for the log line (never the upstream's). */
static json_t *map_record(json_t *in, const char *citizen_id, const char **why)
{
	json_t *out = json_object();
	if (!out) {
		*why = "out of memory";
		return NULL;
	}
	for (size_t i = 0; i < N_MAP; i++) {
		json_t *v = json_object_get(in, upstream_map[i].key);
		if (!v || json_is_null(v))
			continue;
		const char *val = NULL;
		char date[11];
		if (upstream_map[i].kind == V_SEX) {
			val = normalise_sex(v);
		} else if (json_is_string(v) && json_string_length(v) <= CITIZEN_FIELD_VALUE_MAX) {
			val = json_string_value(v);
			if (upstream_map[i].kind == V_DATE)
				val = normalise_date(val, date) == 0 ? date : NULL;
		}
		if (!val) {
			*why = "a field has a value of the wrong type, length or format";
			goto bad;
		}
		if (json_object_set_new(out, citizen_field_name(upstream_map[i].field), json_string(val))) {
			*why = "out of memory";
			goto bad;
		}
	}
	const char *got = json_string_value(json_object_get(out, "citizen_id"));
	if (got && strcmp(got, citizen_id) != 0) {
		*why = "the answer is about another citizen id";
		goto bad;
	}
	if (!got && json_object_set_new(out, "citizen_id", json_string(citizen_id))) {
		*why = "out of memory";
		goto bad;
	}
	return out;
bad:
	json_decref(out);
	return NULL;
}

static void log_failure(const char *what, long detail)
{
	/* Our words and a number only: upstream text may carry anyone's data. */
	log_warn("population", "upstream: %s (%ld)", what, detail);
}

static int upstream_get(struct population *p, const char *citizen_id, uint32_t fields, json_t **record)
{
	(void)fields; /* the gateway answers whole records; the caller filters */
	struct upstream *u = p->impl;
	struct body body = {0};
	json_t *root = NULL;
	struct curl_slist *headers = NULL;
	char url[CONFIG_STR_MAX + 64];
	int rc = POP_EINTERNAL;
	CURL *h = curl_easy_init();
	if (!h)
		goto out;
	snprintf(url, sizeof url, "%s/citizens/%s", u->base, citizen_id);
	headers = curl_slist_append(NULL, "Accept: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_SHARE, u->share);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_USERAGENT, u->user_agent);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, u->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, u->timeout_ms);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)UPSTREAM_BODY_MAX);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	if (u->cert[0]) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, u->cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, u->key);
	}
	if (u->ca[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, u->ca);
	CURLcode cc = curl_easy_perform(h);
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		log_failure("no answer within the timeout, ms", u->timeout_ms);
		rc = POP_ETIMEOUT;
		goto out;
	}
	if (cc != CURLE_OK) {
		log_failure(body.overflow || cc == CURLE_FILESIZE_EXCEEDED ? "answer larger than the cap, bytes"
									  : "transfer failed, curl code",
			    body.overflow || cc == CURLE_FILESIZE_EXCEEDED ? (long)UPSTREAM_BODY_MAX : (long)cc);
		rc = POP_EUPSTREAM;
		goto out;
	}
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status == 404) {
		rc = POP_ENOTFOUND;
		goto out;
	}
	if (status != 200) {
		log_failure("unexpected HTTP status", status);
		rc = POP_EUPSTREAM;
		goto out;
	}
	root = body.data ? json_loadb(body.data, body.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	json_t *obj = root;
	if (json_is_object(json_object_get(root, "data")))
		obj = json_object_get(root, "data");
	if (!json_is_object(obj)) {
		log_failure("answer is not a JSON object, bytes", (long)body.len);
		rc = POP_EUPSTREAM;
		goto out;
	}
	const char *why = NULL;
	*record = map_record(obj, citizen_id, &why);
	if (!*record) {
		log_warn("population", "upstream: unusable answer: %s", why);
		rc = POP_EUPSTREAM;
		goto out;
	}
	rc = POP_OK;
out:
	json_decref(root);
	free(body.data);
	curl_slist_free_all(headers);
	if (h)
		curl_easy_cleanup(h);
	return rc;
}

static void upstream_close(struct population *p)
{
	struct upstream *u = p->impl;
	if (!u)
		return;
	if (u->share)
		curl_share_cleanup(u->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&u->locks[i]);
	free(u);
	p->impl = NULL;
}

static const struct population_ops upstream_ops = {
	.name = "upstream",
	.get = upstream_get,
	.close = upstream_close,
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_global(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int host_is_loopback(const char *host)
{
	return !strcmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "[::1]") ||
	       !strcmp(host, "::1");
}

/* Checks the base URL: http(s), a host, no query or fragment; plain http only to
 * loopback (citizen data never crosses a network in clear). */
static int check_url(const char *url, char *why, size_t why_size)
{
	int rc = -1;
	char *scheme = NULL, *host = NULL, *query = NULL, *frag = NULL;
	CURLU *cu = curl_url();
	if (!cu || curl_url_set(cu, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(why, why_size, "[population] upstream_url is not a URL: expected https://HOST[:PORT][/PATH]");
		goto out;
	}
	if (curl_url_get(cu, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
		snprintf(why, why_size, "[population] upstream_url must not have a query or fragment");
		goto out;
	}
	if (strcmp(scheme, "https") && !(strcmp(scheme, "http") == 0 && host_is_loopback(host))) {
		snprintf(why, why_size,
			 "[population] upstream_url must be https:// (plain http only to a loopback address)");
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

static int check_readable(const char *key, const char *path, char *why, size_t why_size)
{
	if (!path[0] || access(path, R_OK) == 0)
		return 0;
	snprintf(why, why_size, "[population] %s: cannot read %s", key, path);
	return -1;
}

int population_upstream_open(const struct config *cfg, struct population *p, char *why, size_t why_size)
{
	pthread_once(&curl_once, curl_global);
	if (curl_init_rc != CURLE_OK) {
		snprintf(why, why_size, "libcurl could not start: %s", curl_easy_strerror(curl_init_rc));
		return -1;
	}
	if (!cfg->population.upstream_url[0]) {
		snprintf(why, why_size, "[population] backend = upstream needs upstream_url");
		return -1;
	}
	if ((cfg->population.upstream_cert[0] == '\0') != (cfg->population.upstream_key[0] == '\0')) {
		snprintf(why, why_size, "[population] upstream_cert and upstream_key must be set together");
		return -1;
	}
	if (check_url(cfg->population.upstream_url, why, why_size) || check_readable("upstream_cert", cfg->population.upstream_cert, why, why_size) ||
	    check_readable("upstream_key", cfg->population.upstream_key, why, why_size) ||
	    check_readable("upstream_ca", cfg->population.upstream_ca, why, why_size))
		return -1;
	struct upstream *u = calloc(1, sizeof *u);
	if (!u) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	memcpy(u->base, cfg->population.upstream_url, sizeof u->base);
	size_t n = strlen(u->base);
	while (n > 0 && u->base[n - 1] == '/')
		u->base[--n] = '\0';
	u->timeout_ms = cfg->population.upstream_timeout_ms > 0 ? cfg->population.upstream_timeout_ms : 5000;
	memcpy(u->cert, cfg->population.upstream_cert, sizeof u->cert);
	memcpy(u->key, cfg->population.upstream_key, sizeof u->key);
	memcpy(u->ca, cfg->population.upstream_ca, sizeof u->ca);
	snprintf(u->user_agent, sizeof u->user_agent, "canhgac/%s", CANHGAC_VERSION);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&u->locks[i], NULL);
	p->ops = &upstream_ops;
	p->impl = u;
	u->share = curl_share_init();
	if (!u->share || curl_share_setopt(u->share, CURLSHOPT_LOCKFUNC, share_lock) ||
	    curl_share_setopt(u->share, CURLSHOPT_UNLOCKFUNC, share_unlock) ||
	    curl_share_setopt(u->share, CURLSHOPT_USERDATA, u) ||
	    curl_share_setopt(u->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
	    curl_share_setopt(u->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) ||
	    curl_share_setopt(u->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT)) {
		snprintf(why, why_size, "libcurl: cannot set up connection sharing");
		upstream_close(p);
		p->ops = NULL;
		return -1;
	}
	return 0;
}
