/*
 * The upstream dossier backend: the province's one-stop system (hệ thống một
 * cửa) over HTTP, asked through src/core/http_client.c. One GET
 * {upstream_url}/{code} per dossier, with a whole-request timeout, an optional
 * client certificate, a pinned CA file and a 256 KiB cap on the answer. The
 * answer is mapped field by field with the [dossier] map_* JSON pointers
 * (RFC 6901) into the canonical dossier object and then goes through
 * dossier_from_json like every other untrusted dossier; the one-stop system is
 * trusted for which procedures and agencies exist, not for shapes. 404 is "no
 * such dossier"; everything else that is not a valid dossier of the code asked
 * for is DOSSIER_EUNAVAILABLE, so the lookup fails closed. Nothing the upstream
 * says (status text, body, the values it sent) reaches the caller or the log: a
 * failure is one log line of our own words and a number. Dossiers the upstream
 * confirmed are kept for [dossier] cache_seconds in a small bounded cache (oldest
 * evicted first); a 404 or a failure is never kept. Connections, DNS answers and
 * TLS sessions are shared between threads by the client.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/http_client.h"
#include "core/log.h"
#include "dossier/dossier_int.h"

#define UPSTREAM_BODY_MAX (256 * 1024)
#define UPSTREAM_CACHE_MAX 4096
#define UPSTREAM_CACHE_BUCKETS 4096 /* a power of two */
#define POINTER_DEPTH_MAX 16        /* reference tokens in one JSON pointer */
#define POINTER_TOKEN_MAX 64

/* ---- the cache of confirmed dossiers ----------------------------------------- */

struct cache_entry {
	struct cache_entry *next;          /* in its bucket */
	struct cache_entry *older, *newer; /* in the order of insertion */
	int64_t expires_ms;                /* on the cache's clock */
	dossier_t d;                       /* d.code is the key */
};

struct cache {
	pthread_mutex_t lock;
	int64_t ttl_ms;                    /* 0: no cache */
	int64_t (*now_ms)(void);           /* clock_mono_ms; a test's clock through dossier_upstream_clock_set */
	size_t count;
	struct cache_entry *oldest, *newest;
	struct cache_entry *buckets[UPSTREAM_CACHE_BUCKETS];
};

struct upstream {
	struct http_client *http;
	/* the map_* pointers, copied from the configuration */
	char map_code[64], map_procedure_code[64], map_agency[64], map_status[64], map_received_at[64],
		map_closed_at[64], map_persons[64], map_person_citizen_id[64], map_person_role[64],
		map_officers[64];
	struct cache cache;
};

static size_t cache_bucket(const char *code)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)code; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h & (UPSTREAM_CACHE_BUCKETS - 1);
}

/* Takes e out of its bucket and the insertion order; the caller frees it. Lock held. */
static void cache_unlink(struct cache *c, struct cache_entry *e)
{
	struct cache_entry **pp = &c->buckets[cache_bucket(e->d.code)];
	while (*pp && *pp != e)
		pp = &(*pp)->next;
	if (*pp)
		*pp = e->next;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->count--;
}

/* Appends e as the newest entry. Lock held. */
static void cache_link(struct cache *c, struct cache_entry *e)
{
	size_t b = cache_bucket(e->d.code);
	e->next = c->buckets[b];
	c->buckets[b] = e;
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->count++;
}

/* Copies the cached dossier `code` into *out when it is there and fresh; an
 * expired entry is dropped on the way. True on a hit. */
static bool cache_get(struct cache *c, const char *code, dossier_t *out)
{
	if (c->ttl_ms <= 0)
		return false;
	bool hit = false;
	int64_t now = c->now_ms();
	pthread_mutex_lock(&c->lock);
	struct cache_entry *e = c->buckets[cache_bucket(code)];
	while (e && strcmp(e->d.code, code) != 0)
		e = e->next;
	if (e && now >= e->expires_ms) {
		cache_unlink(c, e);
		free(e);
	} else if (e) {
		memcpy(out, &e->d, sizeof *out);
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Keeps a copy of d (confirmed by the upstream just now) for the TTL; a code
 * already there is replaced, and the oldest entry makes room when full. */
static void cache_put(struct cache *c, const dossier_t *d)
{
	if (c->ttl_ms <= 0)
		return;
	struct cache_entry *fresh = malloc(sizeof *fresh);
	if (!fresh)
		return; /* a cache that cannot grow is only slower */
	memcpy(&fresh->d, d, sizeof *d);
	fresh->expires_ms = c->now_ms() + c->ttl_ms;
	pthread_mutex_lock(&c->lock);
	struct cache_entry *old = c->buckets[cache_bucket(d->code)];
	while (old && strcmp(old->d.code, d->code) != 0)
		old = old->next;
	if (old) {
		cache_unlink(c, old);
		free(old);
	}
	if (c->count >= UPSTREAM_CACHE_MAX) {
		struct cache_entry *victim = c->oldest;
		cache_unlink(c, victim);
		free(victim);
	}
	cache_link(c, fresh);
	pthread_mutex_unlock(&c->lock);
}

static void cache_clear(struct cache *c)
{
	struct cache_entry *e = c->oldest;
	while (e) {
		struct cache_entry *next = e->newer;
		free(e);
		e = next;
	}
	c->oldest = c->newest = NULL;
	c->count = 0;
	memset(c->buckets, 0, sizeof c->buckets);
}

/* ---- RFC 6901 ------------------------------------------------------------------ */

/* An array index token: "0" or digits without a leading zero, within size. */
static bool pointer_index(const char *tok, size_t size, size_t *out)
{
	size_t n = 0;
	if (!tok[0] || (tok[0] == '0' && tok[1]))
		return false;
	for (const char *p = tok; *p; p++) {
		if (*p < '0' || *p > '9' || n > (SIZE_MAX - 9) / 10)
			return false;
		n = n * 10 + (size_t)(*p - '0');
	}
	if (n >= size)
		return false;
	*out = n;
	return true;
}

/* The value `ptr` points at inside root (borrowed), or NULL when it points at
 * nothing or is not a pointer: "" is the whole document, "/a/0/b~1c~0d" walks
 * keys and array indexes with ~1 read as '/' and ~0 as '~'. At most
 * POINTER_DEPTH_MAX tokens of POINTER_TOKEN_MAX - 1 bytes. */
static json_t *pointer_get(json_t *root, const char *ptr)
{
	json_t *v = root;
	const char *p = ptr;
	if (*p == '\0')
		return root;
	if (*p != '/')
		return NULL;
	for (int depth = 0; v && *p == '/'; depth++) {
		char tok[POINTER_TOKEN_MAX];
		size_t n = 0;
		if (depth >= POINTER_DEPTH_MAX)
			return NULL;
		for (p++; *p && *p != '/'; p++) {
			char c = *p;
			if (c == '~') {
				if (p[1] == '1')
					c = '/';
				else if (p[1] == '0')
					c = '~';
				else
					return NULL; /* "~" must be followed by 0 or 1 */
				p++;
			}
			if (n + 1 >= sizeof tok)
				return NULL;
			tok[n++] = c;
		}
		tok[n] = '\0';
		if (json_is_object(v)) {
			v = json_object_get(v, tok);
		} else if (json_is_array(v)) {
			size_t i;
			v = pointer_index(tok, json_array_size(v), &i) ? json_array_get(v, i) : NULL;
		} else {
			v = NULL;
		}
	}
	return v;
}

/* ---- mapping --------------------------------------------------------------------- */

/* "dd/mm/yyyy" → "yyyy-mm-dd" (a common form in Vietnamese systems); any other
 * value is passed on unchanged for dossier_from_json to judge. A new reference. */
static json_t *map_time(json_t *v)
{
	const char *s = json_string_value(v);
	if (s && json_string_length(v) == 10 && s[2] == '/' && s[5] == '/') {
		char iso[11];
		snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", s + 6, s + 3, s);
		return json_string(iso);
	}
	return json_incref(v);
}

/* Sets key to the value at ptr inside root when there is one (a null is left
 * out: absent). -1 on out of memory. */
static int map_field(json_t *out, const char *key, json_t *root, const char *ptr, bool is_time)
{
	json_t *v = pointer_get(root, ptr);
	if (!v || json_is_null(v))
		return 0;
	return json_object_set_new(out, key, is_time ? map_time(v) : json_incref(v));
}

/* The canonical dossier object dossier_from_json reads, built from the upstream's
 * answer with the configured pointers. A value the pointers do not find is left
 * out, so dossier_from_json names the field. A new object; the caller owns it;
 * NULL on out of memory. */
static json_t *map_answer(const struct upstream *u, json_t *root)
{
	json_t *out = json_object();
	if (!out)
		return NULL;
	if (map_field(out, "code", root, u->map_code, false) ||
	    map_field(out, "procedure_code", root, u->map_procedure_code, false) ||
	    map_field(out, "agency", root, u->map_agency, false) ||
	    map_field(out, "status", root, u->map_status, false) ||
	    map_field(out, "received_at", root, u->map_received_at, true) ||
	    map_field(out, "closed_at", root, u->map_closed_at, true) ||
	    map_field(out, "officers", root, u->map_officers, false))
		goto oom;
	json_t *in = pointer_get(root, u->map_persons);
	if (json_is_array(in)) {
		json_t *persons = json_array();
		if (!persons || json_object_set_new(out, "persons", persons))
			goto oom;
		size_t i;
		json_t *p;
		json_array_foreach(in, i, p) {
			/* one more than the limit is enough for dossier_from_json to refuse */
			if (i > STORE_DOSSIER_PERSONS_MAX)
				break;
			json_t *person = json_object();
			if (!person || json_array_append_new(persons, person) ||
			    map_field(person, "citizen_id", p, u->map_person_citizen_id, false) ||
			    map_field(person, "role", p, u->map_person_role, false))
				goto oom;
		}
	} else if (in && !json_is_null(in) && json_object_set_new(out, "persons", json_incref(in))) {
		goto oom; /* not an array: dossier_from_json says so */
	}
	return out;
oom:
	json_decref(out);
	return NULL;
}

/* The canonical field a dossier_from_json refusal names, or "a field": the
 * refusal itself may quote the upstream's values and is never logged. */
static const char *refused_field(const char *why)
{
	static const char *const fields[] = {"code", "procedure_code", "agency", "status", "received_at",
					     "closed_at", "persons", "officers"};
	size_t n = strcspn(why, "[.:");
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strlen(fields[i]) == n && !strncmp(why, fields[i], n))
			return fields[i];
	return "a field";
}

/* ---- HTTP ----------------------------------------------------------------------- */

static void log_failure(const char *what, long detail)
{
	/* Our words and a number only: upstream text may carry anyone's data. */
	log_warn("dossier", "upstream: %s (%ld)", what, detail);
}

/* Asks the upstream for `code` and leaves its answer in *ans. DOSSIER_OK (a 200
 * with a body under the cap; the caller frees ans->body), DOSSIER_ENOTFOUND (404)
 * or DOSSIER_EUNAVAILABLE (logged). */
static int upstream_fetch(struct upstream *u, const char *code, struct http_client_answer *ans)
{
	switch (http_client_get(u->http, "/", code, ans)) {
	case HTTP_CLIENT_OK:
		break;
	case HTTP_CLIENT_ETIMEOUT:
		log_failure("no answer within the timeout, ms", ans->detail);
		return DOSSIER_EUNAVAILABLE;
	case HTTP_CLIENT_ETOOLARGE:
		log_failure("answer larger than the cap, bytes", ans->detail);
		return DOSSIER_EUNAVAILABLE;
	case HTTP_CLIENT_EFAILED:
		log_failure("transfer failed, curl code", ans->detail);
		return DOSSIER_EUNAVAILABLE;
	default:
		log_failure("out of memory preparing a request, code length", (long)strlen(code));
		return DOSSIER_EUNAVAILABLE;
	}
	if (ans->status == 404)
		return DOSSIER_ENOTFOUND;
	if (ans->status != 200) {
		log_failure("unexpected HTTP status", ans->status);
		return DOSSIER_EUNAVAILABLE;
	}
	return DOSSIER_OK;
}

static int upstream_get(struct dossier_backend *b, const char *code, dossier_t *out)
{
	struct upstream *u = b->impl;
	struct http_client_answer ans;
	json_t *root = NULL, *obj = NULL;
	dossier_t *d = NULL;
	char why[256];
	memset(out, 0, sizeof *out);
	/* a code that cannot be a dossier's is never sent */
	if (!code || !code[0] || strlen(code) > STORE_DOSSIER_CODE_MAX)
		return DOSSIER_ENOTFOUND;
	if (cache_get(&u->cache, code, out))
		return DOSSIER_OK;
	int rc = upstream_fetch(u, code, &ans);
	if (rc != DOSSIER_OK)
		goto out;
	rc = DOSSIER_EUNAVAILABLE;
	root = ans.body ? json_loadb(ans.body, ans.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!json_is_object(root)) {
		log_failure("answer is not a JSON object, bytes", (long)ans.len);
		goto out;
	}
	obj = map_answer(u, root);
	d = malloc(sizeof *d);
	if (!obj || !d) {
		log_failure("out of memory mapping an answer, bytes", (long)ans.len);
		goto out;
	}
	struct dossier_rules rules = {.codes = NULL, .procedures = NULL, .agencies = NULL, .now = clock_now()};
	if (dossier_from_json(obj, &rules, "upstream", d, why, sizeof why) != DOSSIER_OK) {
		log_warn("dossier", "upstream: the answer does not map to a valid dossier: %s is missing or invalid "
				    "(%ld bytes)", refused_field(why), (long)ans.len);
		goto out;
	}
	if (strcmp(d->code, code) != 0) {
		log_failure("the answer is about another dossier, code length", (long)strlen(d->code));
		goto out;
	}
	memcpy(out, d, sizeof *out);
	cache_put(&u->cache, d);
	rc = DOSSIER_OK;
out:
	free(d);
	json_decref(obj);
	json_decref(root);
	free(ans.body);
	return rc;
}

static void upstream_close(struct dossier_backend *b)
{
	struct upstream *u = b->impl;
	if (!u)
		return;
	http_client_close(u->http);
	cache_clear(&u->cache);
	pthread_mutex_destroy(&u->cache.lock);
	free(u);
	b->impl = NULL;
}

static const struct dossier_backend_ops upstream_ops = {
	.name = "upstream",
	.blocks = true,
	.get = upstream_get,
	.close = upstream_close,
};

/* ---- opening ------------------------------------------------------------------- */

/* A map_* value that pointer_get can follow: "" or '/'-separated tokens with
 * valid ~ escapes, within the depth and token limits. */
static int check_pointer(const char *key, const char *ptr, char *why, size_t why_size)
{
	int depth = 0;
	size_t tok = 0;
	bool ok = ptr[0] == '\0' || ptr[0] == '/';
	for (const char *p = ptr; ok && *p; p++) {
		if (*p == '/') {
			tok = 0;
			ok = ++depth <= POINTER_DEPTH_MAX;
		} else if (*p == '~' && p[1] != '0' && p[1] != '1') {
			ok = false;
		} else {
			if (*p == '~')
				p++; /* ~0 and ~1 stand for one character */
			ok = ++tok < POINTER_TOKEN_MAX;
		}
	}
	if (ok)
		return 0;
	snprintf(why, why_size,
		 "[dossier] %s: expected a JSON pointer such as /data/maHoSo (RFC 6901: '~' only as ~0 or ~1, "
		 "at most %d levels)", key, POINTER_DEPTH_MAX);
	return -1;
}

#define COPY_MAP(u, cfg, field) memcpy((u)->field, (cfg)->dossier.field, sizeof (u)->field)

int dossier_upstream_open(const struct config *cfg, struct dossier_backend *b, char *why, size_t why_size)
{
	const struct {
		const char *key, *value;
	} pointers[] = {
		{"map_code", cfg->dossier.map_code},
		{"map_procedure_code", cfg->dossier.map_procedure_code},
		{"map_agency", cfg->dossier.map_agency},
		{"map_status", cfg->dossier.map_status},
		{"map_received_at", cfg->dossier.map_received_at},
		{"map_closed_at", cfg->dossier.map_closed_at},
		{"map_persons", cfg->dossier.map_persons},
		{"map_person_citizen_id", cfg->dossier.map_person_citizen_id},
		{"map_person_role", cfg->dossier.map_person_role},
		{"map_officers", cfg->dossier.map_officers},
	};
	for (size_t i = 0; i < sizeof pointers / sizeof pointers[0]; i++)
		if (check_pointer(pointers[i].key, pointers[i].value, why, why_size))
			return -1;
	const struct http_client_config hc = {
		.section = "[dossier]",
		.url = cfg->dossier.upstream_url,
		.timeout_ms = cfg->dossier.upstream_timeout_ms > 0 ? cfg->dossier.upstream_timeout_ms : 3000,
		.cert = cfg->dossier.upstream_cert,
		.key = cfg->dossier.upstream_key,
		.ca = cfg->dossier.upstream_ca,
		.body_max = UPSTREAM_BODY_MAX,
	};
	struct http_client *http;
	if (http_client_open(&hc, &http, why, why_size))
		return -1;
	struct upstream *u = calloc(1, sizeof *u);
	if (!u) {
		snprintf(why, why_size, "out of memory");
		http_client_close(http);
		return -1;
	}
	u->http = http;
	COPY_MAP(u, cfg, map_code);
	COPY_MAP(u, cfg, map_procedure_code);
	COPY_MAP(u, cfg, map_agency);
	COPY_MAP(u, cfg, map_status);
	COPY_MAP(u, cfg, map_received_at);
	COPY_MAP(u, cfg, map_closed_at);
	COPY_MAP(u, cfg, map_persons);
	COPY_MAP(u, cfg, map_person_citizen_id);
	COPY_MAP(u, cfg, map_person_role);
	COPY_MAP(u, cfg, map_officers);
	u->cache.ttl_ms = cfg->dossier.cache_seconds > 0 ? (int64_t)cfg->dossier.cache_seconds * 1000 : 0;
	u->cache.now_ms = clock_mono_ms;
	pthread_mutex_init(&u->cache.lock, NULL);
	b->ops = &upstream_ops;
	b->impl = u;
	return 0;
}

void dossier_upstream_clock_set(struct dossier_backend *b, int64_t (*now_ms)(void))
{
	struct upstream *u = b->impl;
	pthread_mutex_lock(&u->cache.lock);
	u->cache.now_ms = now_ms ? now_ms : clock_mono_ms;
	pthread_mutex_unlock(&u->cache.lock);
}
