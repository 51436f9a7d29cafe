/*
 * The access-log rules: per request, the signatures, the windowed rules
 * (not-found scans, probes, login failures, rate, slow scans) and the findings
 * they open. The per-address state they read (a fixed pool, its hash table,
 * least-recently-seen eviction, and the windows) is weblog_state.c's. Time is
 * the log's: an address's clock never runs backwards (a line
 * older than the address's latest counts at the latest). Findings are kept in
 * one array; an evicted address that comes back may open a second finding for
 * the same rule, which weblog_detect_findings merges.
 */
#include "detect/weblog_detect.h"
#include "detect/weblog_detect_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/net.h"

static const char *const rule_names[WEBLOG_RULE_COUNT] = {
	"scanner-404", "scanner-probe", "scanner-tool", "brute-force", "injection", "rate",
};

const char *weblog_rule_name(enum weblog_rule r)
{
	return r >= 0 && r < WEBLOG_RULE_COUNT ? rule_names[r] : "unknown";
}

static int add_status(const char *item, void *arg)
{
	char *end;
	long v = strtol(item, &end, 10);
	if (*end || v < 100 || v > 999)
		return 1;
	((unsigned char *)arg)[v] = 1;
	return 0;
}

static int add_login_path(const char *item, void *arg)
{
	struct weblog_detect *d = arg;
	if (item[0] != '/' || d->n_login_paths == LOGIN_PATHS_MAX)
		return 1;
	snprintf(d->login_path[d->n_login_paths++], CONFIG_STR_MAX, "%s", item);
	return 0;
}

static int add_cidr(const char *item, void *arg)
{
	struct weblog_detect *d = arg;
	if (d->n_allow == CIDRS_MAX || net_cidr_parse(item, &d->allow[d->n_allow]))
		return 1;
	d->n_allow++;
	return 0;
}

int weblog_detect_new(const struct config *cfg, const struct weblog_sigs *sigs, struct weblog_detect **out,
		      char *why, size_t why_size)
{
	int rc = WEBLOG_DETECT_ENOMEM;
	struct weblog_detect *d = calloc(1, sizeof *d);
	if (!d)
		goto fail;
	d->sigs = sigs;
	rc = WEBLOG_DETECT_ECONFIG;
	if (config_list_each(cfg->weblog.scan_statuses, add_status, d->scan_status)) {
		snprintf(why, why_size, "[weblog] scan_statuses: expected HTTP statuses like 403,404");
		goto fail;
	}
	if (config_list_each(cfg->weblog.login_fail_statuses, add_status, d->login_status)) {
		snprintf(why, why_size, "[weblog] login_fail_statuses: expected HTTP statuses like 401,403");
		goto fail;
	}
	if (config_list_each(cfg->weblog.login_paths, add_login_path, d)) {
		snprintf(why, why_size, "[weblog] login_paths: expected at most %d paths starting with /",
			 LOGIN_PATHS_MAX);
		goto fail;
	}
	if (config_list_each(cfg->weblog.allowlist, add_cidr, d)) {
		snprintf(why, why_size, "[weblog] allowlist: expected at most %d networks like 10.0.0.0/8",
			 CIDRS_MAX);
		goto fail;
	}
	d->limit[W_404] = cfg->weblog.scan_404_count;
	d->window[W_404] = cfg->weblog.scan_window_seconds;
	d->limit[W_PROBE] = cfg->weblog.probe_count;
	d->window[W_PROBE] = cfg->weblog.probe_window_seconds;
	d->limit[W_LOGIN] = cfg->weblog.login_fail_count;
	d->window[W_LOGIN] = cfg->weblog.login_window_seconds;
	d->limit[W_RATE] = cfg->weblog.rate_count;
	d->window[W_RATE] = cfg->weblog.rate_window_seconds;
	d->limit[W_SLOW] = SLOW_COUNT;
	d->window[W_SLOW] = SLOW_WINDOW_SECONDS;
	rc = WEBLOG_DETECT_ENOMEM;
	d->cap = (uint32_t)cfg->weblog.max_ips;
	/* the bucket array grows with the addresses seen (state_get), so a small
	 * log's table stays in cache */
	d->n_buckets = 1024;
	d->pool = calloc(d->cap, sizeof *d->pool);
	d->bucket = malloc(d->n_buckets * sizeof *d->bucket);
	if (!d->pool || !d->bucket || weblog_sigs_scratch_new(sigs, &d->scratch))
		goto fail;
	for (uint32_t i = 0; i < d->n_buckets; i++)
		d->bucket[i] = NO_INDEX;
	d->lru_head = d->lru_tail = NO_INDEX;
	*out = d;
	return 0;
fail:
	weblog_detect_free(d);
	return rc;
}

void weblog_detect_free(struct weblog_detect *d)
{
	if (!d)
		return;
	for (uint32_t i = 0; d->pool && i < d->used; i++)
		for (int w = 0; w < W_COUNT; w++)
			weblog_window_free(&d->pool[i].w[w]);
	for (size_t i = 0; i < d->n_f; i++)
		for (int s = 0; s < d->f[i].n_samples; s++)
			free(d->f[i].sample[s]);
	free(d->f);
	free(d->pool);
	free(d->bucket);
	weblog_sigs_scratch_free(d->scratch);
	free(d);
}


static struct weblog_finding *finding_find(struct weblog_detect *d, struct ip_state *s, enum weblog_rule rule,
					   const char *category)
{
	for (int32_t i = s->findings; i != NO_INDEX; i = d->f[i].next)
		if (d->f[i].rule == rule && (rule != WEBLOG_RULE_INJECTION || !strcmp(d->f[i].category, category)))
			return &d->f[i];
	return NULL;
}

static void sample_add(struct weblog_finding *f, const char *line, size_t len)
{
	if (f->n_samples == WEBLOG_SAMPLES_MAX)
		return;
	if (len > WEBLOG_SAMPLE_MAX)
		len = WEBLOG_SAMPLE_MAX;
	char *c = malloc(len + 1);
	if (!c)
		return;
	memcpy(c, line, len);
	c[len] = '\0';
	f->sample[f->n_samples++] = c;
}

static struct weblog_finding *finding_open(struct weblog_detect *d, struct ip_state *s, enum weblog_rule rule,
					   const char *category, int64_t first, const struct weblog_req *e)
{
	if (d->n_f == WEBLOG_FINDINGS_MAX) {
		d->stats.findings_dropped++;
		return NULL;
	}
	if (d->n_f == d->cap_f) {
		size_t cap = d->cap_f ? d->cap_f * 2 : 64;
		struct weblog_finding *nf = realloc(d->f, cap * sizeof *nf);
		if (!nf)
			return NULL;
		d->f = nf;
		d->cap_f = cap;
	}
	struct weblog_finding *f = &d->f[d->n_f];
	memset(f, 0, sizeof *f);
	f->rule = rule;
	snprintf(f->category, sizeof f->category, "%s", category);
	snprintf(f->ip, sizeof f->ip, "%s", e->ip);
	memcpy(f->addr, s->addr, 16);
	f->first = first;
	f->last = first;
	f->allowlisted = s->allowlisted;
	f->next = s->findings;
	s->findings = (int32_t)d->n_f++;
	d->sorted = false;
	return f;
}

/* One matching request for a windowed rule. */
static int rule_hit(struct weblog_detect *d, struct ip_state *s, int w, enum weblog_rule rule,
		    const char *category, const struct weblog_req *e, int32_t t, const char *line, size_t len)
{
	struct weblog_finding *f = finding_find(d, s, rule, category);
	if (!f) {
		int n = weblog_window_push(&s->w[w], t, d->limit[w], d->window[w]);
		if (n < 0)
			return WEBLOG_DETECT_ENOMEM;
		if (n < d->limit[w])
			return 0;
		f = finding_open(d, s, rule, category, d->base + s->w[w].t[s->w[w].head], e);
		if (!f)
			return 0;
		f->count = (uint64_t)n - 1;
		weblog_window_free(&s->w[w]); /* the finding counts from now on */
	}
	f->count++;
	f->last = d->base + t;
	sample_add(f, line, len);
	return 0;
}

/* One new not-found path in the slow window; at SLOW_COUNT the address gets its
 * scanner-404 finding, category "slow", counting from the first in the window. */
static int slow_hit(struct weblog_detect *d, struct ip_state *s, const struct weblog_req *r, int32_t t,
		    const char *line, size_t len)
{
	int n = weblog_window_push(&s->w[W_SLOW], t, SLOW_COUNT, SLOW_WINDOW_SECONDS);
	if (n < 0)
		return WEBLOG_DETECT_ENOMEM;
	if (n < SLOW_COUNT)
		return 0;
	struct weblog_finding *f =
		finding_open(d, s, WEBLOG_RULE_SCAN_404, "slow", d->base + s->w[W_SLOW].t[s->w[W_SLOW].head], r);
	weblog_window_free(&s->w[W_SLOW]);
	if (!f)
		return 0;
	f->count = (uint64_t)n;
	f->last = d->base + t;
	sample_add(f, line, len);
	return 0;
}

static bool is_login_path(const struct weblog_detect *d, const char *uri)
{
	size_t n = strcspn(uri, "?#");
	while (n > 1 && uri[n - 1] == '/')
		n--;
	for (int i = 0; i < d->n_login_paths; i++)
		if (strlen(d->login_path[i]) == n && !memcmp(d->login_path[i], uri, n))
			return true;
	return false;
}

/* FNV-1a: a compact tag for a user agent or a path (a collision only merges two
 * of one address's user agents or paths). */
static uint32_t hash_text(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; s && i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Records a sign-in's outcome and user agent; true when the address looks shared
 * by many people (several browsers, most sign-ins succeed). */
static bool login_track(struct ip_state *s, const struct weblog_req *r, bool failed)
{
	if (failed && s->login_bad < UINT16_MAX)
		s->login_bad++;
	else if (!failed && s->login_ok < UINT16_MAX)
		s->login_ok++;
	bool known = false;
	for (int i = 0; i < s->n_ua; i++)
		known |= s->ua[i] == r->ua_hash;
	if (!known && s->n_ua < UA_SLOTS)
		s->ua[s->n_ua++] = r->ua_hash;
	return s->n_ua >= SHARED_UAS && (uint32_t)s->login_ok * 4 >= (uint32_t)s->login_ok + s->login_bad;
}

/* A not-found answer for a path the address did not ask for among its last
 * SLOW_RING not-found paths: one step of a scan. */
static bool slow_new_path(struct ip_state *s, uint32_t path)
{
	for (int i = 0; i < SLOW_RING; i++)
		if (s->slow_ring[i] == path)
			return false;
	s->slow_ring[s->slow_next] = path;
	s->slow_next = (uint8_t)((s->slow_next + 1) % SLOW_RING);
	return true;
}

int weblog_detect_prepare(const struct weblog_detect *d, struct weblog_sigs_scratch *sc,
			  const struct weblog_entry *e, struct weblog_req *r, struct weblog_sig_hits *hits)
{
	if (e->has_addr) {
		memcpy(r->addr, e->addr, 16);
	} else {
		struct in_addr v4;
		memset(r->addr, 0, 16);
		if (inet_pton(AF_INET, e->ip, &v4) == 1) {
			r->addr[10] = r->addr[11] = 0xff;
			memcpy(r->addr + 12, &v4, 4);
		} else if (inet_pton(AF_INET6, e->ip, r->addr) != 1) {
			return 1; /* the parser validated it; nothing to key on */
		}
	}
	size_t iplen = strnlen(e->ip, sizeof r->ip - 1);
	memcpy(r->ip, e->ip, iplen);
	r->ip[iplen] = '\0';
	r->time = e->time;
	r->status = e->status > 0 && e->status < 1000 ? e->status : 0;
	r->login = is_login_path(d, e->uri);
	bool post_login = r->login && !strcmp(e->method, "POST");
	r->login_fail = post_login && r->status && d->login_status[r->status];
	r->login_form = post_login && r->status == 200 && !r->login_fail;
	r->login_ok = post_login && r->status >= 300 && r->status < 400;
	r->ua_hash = post_login ? hash_text(e->user_agent, strlen(e->user_agent ? e->user_agent : "")) : 0;
	r->path_hash = r->status && d->scan_status[r->status] ? hash_text(e->uri, strcspn(e->uri, "?#")) : 0;
	if (weblog_sigs_match(d->sigs, sc, e, hits))
		return WEBLOG_DETECT_EMATCH;
	return 0;
}

int weblog_detect_feed_req(struct weblog_detect *d, const struct weblog_req *r,
			   const struct weblog_sig_hits *hits, const char *line, size_t len)
{
	if (!d->have_base) {
		d->base = r->time;
		d->have_base = true;
	}
	d->stats.requests++;
	struct ip_state *s = weblog_state_get(d, r->addr);
	int64_t rel = r->time - d->base;
	int32_t t = rel > INT32_MAX ? INT32_MAX : rel < INT32_MIN + 1 ? INT32_MIN + 1 : (int32_t)rel;
	if (t < s->latest)
		t = s->latest; /* an address's clock never runs backwards */
	s->latest = t;
	int rc = rule_hit(d, s, W_RATE, WEBLOG_RULE_RATE, "", r, t, line, len);
	if (!rc && r->status && d->scan_status[r->status]) {
		rc = rule_hit(d, s, W_404, WEBLOG_RULE_SCAN_404, "", r, t, line, len);
		if (!rc && slow_new_path(s, r->path_hash) && !finding_find(d, s, WEBLOG_RULE_SCAN_404, ""))
			rc = slow_hit(d, s, r, t, line, len);
	}
	if (r->login_ok) {
		d->login_redirects = true;
		login_track(s, r, false);
	}
	bool failed = r->login_fail || (r->login_form && d->login_redirects);
	if (!rc && failed) {
		d->stats.login_form_fail += !r->login_fail;
		if (login_track(s, r, true))
			d->stats.login_shared++;
		else
			rc = rule_hit(d, s, W_LOGIN, WEBLOG_RULE_BRUTE, "", r, t, line, len);
	}
	if (rc)
		return rc;
	bool probe_done = false, tool_done = false;
	for (int i = 0; i < hits->n && !rc; i++) {
		const struct weblog_sig *sig = hits->sig[i];
		if (sig->category == WEBLOG_CAT_PROBE) {
			if (r->login || probe_done)
				continue;
			probe_done = true;
			struct weblog_finding *pf = finding_find(d, s, WEBLOG_RULE_SCAN_PROBE, "");
			rc = rule_hit(d, s, W_PROBE, WEBLOG_RULE_SCAN_PROBE, pf ? pf->category : sig->kind, r, t,
				      line, len);
		} else if (sig->category == WEBLOG_CAT_SCANNER) {
			if (tool_done)
				continue;
			tool_done = true;
			struct weblog_finding *f = finding_find(d, s, WEBLOG_RULE_SCAN_TOOL, "");
			if (!f)
				f = finding_open(d, s, WEBLOG_RULE_SCAN_TOOL, sig->id, r->time, r);
			if (f) {
				f->count++;
				f->last = d->base + t;
				sample_add(f, line, len);
			}
		} else {
			/* one finding per category; a request hit by two sqli
			 * signatures counts once */
			const char *cat = weblog_category_name(sig->category);
			bool seen = false;
			for (int j = 0; j < i; j++)
				seen |= hits->sig[j]->category == sig->category;
			if (seen)
				continue;
			struct weblog_finding *f = finding_find(d, s, WEBLOG_RULE_INJECTION, cat);
			if (!f)
				f = finding_open(d, s, WEBLOG_RULE_INJECTION, cat, d->base + t, r);
			if (f) {
				f->count++;
				f->last = d->base + t;
				sample_add(f, line, len);
			}
		}
	}
	return rc;
}

int weblog_detect_feed(struct weblog_detect *d, const struct weblog_entry *e, const char *line, size_t len)
{
	struct weblog_req r;
	struct weblog_sig_hits hits;
	int rc = weblog_detect_prepare(d, d->scratch, e, &r, &hits);
	if (rc)
		return rc > 0 ? 0 : rc;
	return weblog_detect_feed_req(d, &r, &hits, line, len);
}

static int finding_key_cmp(const void *pa, const void *pb)
{
	const struct weblog_finding *a = pa, *b = pb;
	int c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	c = a->rule == WEBLOG_RULE_INJECTION ? strcmp(a->category, b->category) : 0;
	if (c)
		return c;
	return a->first < b->first ? -1 : a->first > b->first;
}

static int finding_out_cmp(const void *pa, const void *pb)
{
	const struct weblog_finding *a = pa, *b = pb;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	int c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

const struct weblog_finding *weblog_detect_findings(struct weblog_detect *d, size_t *n)
{
	if (!d->sorted && d->n_f) {
		/* merge findings split by eviction: same address, rule, category */
		qsort(d->f, d->n_f, sizeof *d->f, finding_key_cmp);
		size_t o = 0;
		for (size_t i = 0; i < d->n_f; i++) {
			struct weblog_finding *p = o ? &d->f[o - 1] : NULL;
			if (p && finding_key_cmp(p, &d->f[i]) <= 0 && !memcmp(p->addr, d->f[i].addr, 16) &&
			    p->rule == d->f[i].rule &&
			    (p->rule != WEBLOG_RULE_INJECTION || !strcmp(p->category, d->f[i].category))) {
				struct weblog_finding *q = &d->f[i];
				p->count += q->count;
				if (q->last > p->last)
					p->last = q->last;
				for (int s = 0; s < q->n_samples; s++) {
					if (p->n_samples < WEBLOG_SAMPLES_MAX)
						p->sample[p->n_samples++] = q->sample[s];
					else
						free(q->sample[s]);
				}
				continue;
			}
			d->f[o++] = d->f[i];
		}
		d->n_f = o;
		qsort(d->f, d->n_f, sizeof *d->f, finding_out_cmp);
		/* the per-address lists point at old positions: rebuild them */
		for (uint32_t i = 0; i < d->used; i++)
			d->pool[i].findings = NO_INDEX;
		for (size_t i = 0; i < d->n_f; i++)
			d->f[i].next = NO_INDEX;
		for (size_t i = 0; i < d->n_f; i++) {
			uint32_t b = weblog_addr_hash(d->f[i].addr) & (d->n_buckets - 1);
			for (int32_t k = d->bucket[b]; k != NO_INDEX; k = d->pool[k].hash_next) {
				if (!memcmp(d->pool[k].addr, d->f[i].addr, 16)) {
					d->f[i].next = d->pool[k].findings;
					d->pool[k].findings = (int32_t)i;
				}
			}
		}
		d->sorted = true;
	}
	*n = d->n_f;
	return d->f;
}

void weblog_detect_stats_get(const struct weblog_detect *d, struct weblog_detect_stats *out)
{
	*out = d->stats;
}
