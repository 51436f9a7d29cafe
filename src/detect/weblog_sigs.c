/*
 * Signature loading and matching for the access-log scanner. Both CSV files are
 * read into one table; the patterns are compiled into two Hyperscan block-mode
 * databases (request URI; user agent and referer), case-insensitive, each
 * pattern reporting at most once per scan. Decoding happens here so that every
 * caller matches the same normal form: %XX, '+' and nginx's \xHH, applied twice
 * so that %252e%252e%252f is seen as ../.
 */
#include "detect/weblog_sigs.h"

#include <hs/hs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/weblog_sigs_cache.h"
#include "lookup/refdata.h"

#define SIGS_MAX 4096
#define PATTERN_MAX 1024

struct weblog_sigs {
	struct weblog_sig *sig;
	size_t n;
	hs_database_t *db_uri;
	hs_database_t *db_hdr;
};

/* The user agent and referer of a site's requests repeat (a browser sends the
 * same ones all visit long): the header hits of the last texts seen are kept,
 * direct-mapped by hash, and a repeated text skips its decode and scan. The
 * answer is the same as scanning; only texts up to MEMO_TEXT bytes with at most
 * MEMO_HITS hits are kept. */
#define MEMO_SLOTS 1024
#define MEMO_TEXT 256
#define MEMO_HITS 6

struct memo {
	uint64_t hash;
	uint16_t len;
	uint8_t n_hits;
	bool used;
	uint16_t hit[MEMO_HITS]; /* signature numbers */
	char text[MEMO_TEXT];
};

struct weblog_sigs_scratch {
	hs_scratch_t *hs;
	const struct weblog_sigs *owner;
	struct memo *memo; /* MEMO_SLOTS */
	char dec1[WEBLOG_LINE_MAX + 1];
	char dec2[WEBLOG_LINE_MAX + 1];
	char hdr[WEBLOG_LINE_MAX + 2];
};

struct sig_build {
	struct weblog_sigs *s;
	char **pattern;
	size_t cap;
};

static const char *const category_names[WEBLOG_CAT_COUNT] = {
	"sqli", "xss", "traversal", "cmdi", "log4shell", "scanner", "probe",
};

const char *weblog_category_name(enum weblog_category c)
{
	return c >= 0 && c < WEBLOG_CAT_COUNT ? category_names[c] : "unknown";
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t weblog_url_decode(const char *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c == '%' && i + 2 < n && hexval(in[i + 1]) >= 0 &&
		    hexval(in[i + 2]) >= 0) {
			out[o++] = (char)(hexval(in[i + 1]) * 16 + hexval(in[i + 2]));
			i += 2;
		} else if (c == '\\' && i + 3 < n && in[i + 1] == 'x' && hexval(in[i + 2]) >= 0 &&
			   hexval(in[i + 3]) >= 0) {
			out[o++] = (char)(hexval(in[i + 2]) * 16 + hexval(in[i + 3]));
			i += 3;
		} else {
			out[o++] = c == '+' ? ' ' : c;
		}
	}
	return o;
}

/* Splits `line` into n-1 comma fields and the rest (the pattern). */
static int split_row(char *line, char **f, int n)
{
	for (int i = 0; i < n - 1; i++) {
		char *c = strchr(line, ',');
		if (!c)
			return -1;
		*c = '\0';
		f[i] = line;
		line = c + 1;
	}
	f[n - 1] = line;
	return 0;
}

static int copy_field(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n == 0 || n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int sig_add(struct sig_build *b, const struct weblog_sig *sig, const char *pattern)
{
	if (b->s->n == SIGS_MAX)
		return -1;
	if (b->s->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 128;
		struct weblog_sig *ns = realloc(b->s->sig, cap * sizeof *ns);
		if (!ns)
			return -1;
		b->s->sig = ns;
		char **np = realloc(b->pattern, cap * sizeof *np);
		if (!np)
			return -1;
		b->pattern = np;
		b->cap = cap;
	}
	b->pattern[b->s->n] = strdup(pattern);
	if (!b->pattern[b->s->n])
		return -1;
	b->s->sig[b->s->n++] = *sig;
	return 0;
}

/* Reads one CSV text; `probe` selects the probe-path layout. */
static int sigs_read_csv(struct sig_build *b, const char *text, const char *name, bool probe, char *why,
			 size_t why_size)
{
	char line[PATTERN_MAX + 512];
	int lineno = 0;
	bool header = true;
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		lineno++;
		const char *next = p[n] ? p + n + 1 : p + n;
		if (n && p[n - 1] == '\r')
			n--;
		if (n >= sizeof line) {
			snprintf(why, why_size, "%s:%d: line too long", name, lineno);
			return WEBLOG_SIGS_EPARSE;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = next;
		if (n == 0 || line[0] == '#')
			continue;
		if (header) {
			header = false;
			continue;
		}
		char *f[5];
		struct weblog_sig sig;
		memset(&sig, 0, sizeof sig);
		int nf = probe ? 4 : 5;
		if (split_row(line, f, nf)) {
			snprintf(why, why_size, "%s:%d: expected %d fields", name, lineno, nf);
			return WEBLOG_SIGS_EPARSE;
		}
		const char *pattern = f[nf - 1];
		const char *desc = f[nf - 2];
		if (copy_field(sig.id, sizeof sig.id, f[0]) || !*pattern ||
		    strlen(desc) >= sizeof sig.description) {
			snprintf(why, why_size, "%s:%d: empty or too long id, description or pattern", name, lineno);
			return WEBLOG_SIGS_EPARSE;
		}
		memcpy(sig.description, desc, strlen(desc) + 1);
		if (probe) {
			sig.category = WEBLOG_CAT_PROBE;
			sig.field = WEBLOG_FIELD_URI;
			if (copy_field(sig.kind, sizeof sig.kind, f[1])) {
				snprintf(why, why_size, "%s:%d: empty kind", name, lineno);
				return WEBLOG_SIGS_EPARSE;
			}
		} else {
			int cat = -1;
			for (int c = 0; c < WEBLOG_CAT_COUNT; c++)
				if (!strcmp(f[1], category_names[c]))
					cat = c;
			if (cat < 0) {
				snprintf(why, why_size, "%s:%d: unknown category '%s'", name, lineno, f[1]);
				return WEBLOG_SIGS_EPARSE;
			}
			sig.category = (enum weblog_category)cat;
			if (!strcmp(f[2], "uri"))
				sig.field = WEBLOG_FIELD_URI;
			else if (!strcmp(f[2], "headers"))
				sig.field = WEBLOG_FIELD_HEADERS;
			else if (!strcmp(f[2], "any"))
				sig.field = WEBLOG_FIELD_ANY;
			else {
				snprintf(why, why_size, "%s:%d: field must be uri, headers or any", name, lineno);
				return WEBLOG_SIGS_EPARSE;
			}
			memcpy(sig.kind, f[1], strlen(f[1]) + 1);
		}
		if (sig_add(b, &sig, pattern)) {
			snprintf(why, why_size, "%s: more than %d signatures or out of memory", name, SIGS_MAX);
			return WEBLOG_SIGS_ENOMEM;
		}
	}
	return 0;
}

/* Compiles the patterns whose field is `want` (or any) into *db (NULL if none). */
static int sigs_compile_db(struct sig_build *b, enum weblog_field want, hs_database_t **db, char *why,
			   size_t why_size)
{
	const struct weblog_sigs *s = b->s;
	int rc = WEBLOG_SIGS_ENOMEM;
	const char **expr = calloc(s->n ? s->n : 1, sizeof *expr);
	unsigned *flags = calloc(s->n ? s->n : 1, sizeof *flags);
	unsigned *ids = calloc(s->n ? s->n : 1, sizeof *ids);
	hs_compile_error_t *err = NULL;
	unsigned k = 0;
	if (!expr || !flags || !ids)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		if (s->sig[i].field != want && s->sig[i].field != WEBLOG_FIELD_ANY)
			continue;
		expr[k] = b->pattern[i];
		flags[k] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		ids[k] = (unsigned)i;
		k++;
	}
	rc = 0;
	*db = NULL;
	if (k == 0)
		goto out;
	if (hs_compile_multi(expr, flags, ids, k, HS_MODE_BLOCK, NULL, db, &err) != HS_SUCCESS) {
		rc = WEBLOG_SIGS_ECOMPILE;
		if (err && err->expression >= 0)
			snprintf(why, why_size, "signature %s: %s", s->sig[ids[err->expression]].id, err->message);
		else
			snprintf(why, why_size, "Hyperscan: %s (it needs a CPU with SSSE3)",
				 err ? err->message : "compile failed");
		*db = NULL;
	}
out:
	if (err)
		hs_free_compile_error(err);
	free(expr);
	free(flags);
	free(ids);
	return rc;
}

/* weblog_sigs_compile, through the compiled-database cache when `use_cache`. */
static int sigs_build(const char *sig_csv, const char *probe_csv, bool use_cache, struct weblog_sigs **out,
		      char *why, size_t why_size)
{
	struct sig_build b = {0};
	int rc = WEBLOG_SIGS_ENOMEM;
	b.s = calloc(1, sizeof *b.s);
	if (!b.s)
		goto out;
	if (hs_valid_platform() != HS_SUCCESS) {
		snprintf(why, why_size, "Hyperscan needs a CPU with SSSE3; this one has none");
		rc = WEBLOG_SIGS_ECOMPILE;
		goto out;
	}
	rc = sigs_read_csv(&b, sig_csv, "signatures", false, why, why_size);
	if (rc)
		goto out;
	rc = sigs_read_csv(&b, probe_csv, "probe paths", true, why, why_size);
	if (rc)
		goto out;
	/* the ids of the databases are row numbers of these texts: a cached pair is
	 * valid for exactly the texts it was compiled from */
	const char *texts[2] = {sig_csv, probe_csv};
	unsigned char key[WEBLOG_SIGS_KEY_BYTES];
	bool cache = use_cache && weblog_sigs_cache_key(texts, 2, key) == 0;
	if (cache && b.s->n && weblog_sigs_cache_get(key, &b.s->db_uri, &b.s->db_hdr) == 0)
		goto out;
	rc = sigs_compile_db(&b, WEBLOG_FIELD_URI, &b.s->db_uri, why, why_size);
	if (rc)
		goto out;
	rc = sigs_compile_db(&b, WEBLOG_FIELD_HEADERS, &b.s->db_hdr, why, why_size);
	if (!rc && cache)
		weblog_sigs_cache_put(key, b.s->db_uri, b.s->db_hdr);
out:
	for (size_t i = 0; b.s && i < b.s->n; i++)
		free(b.pattern[i]);
	free(b.pattern);
	if (rc) {
		weblog_sigs_free(b.s);
		return rc;
	}
	*out = b.s;
	return 0;
}

int weblog_sigs_compile(const char *sig_csv, const char *probe_csv, struct weblog_sigs **out, char *why,
			size_t why_size)
{
	return sigs_build(sig_csv, probe_csv, false, out, why, why_size);
}

/* Reads a whole file (at most 4 MiB); the caller frees. */
static char *file_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4u << 20;
	char *buf = malloc(cap + 1);
	size_t n = buf ? fread(buf, 1, cap, f) : 0;
	bool bad = !buf || ferror(f) || n == cap;
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int weblog_sigs_load(const char *sig_path, const char *probe_path, struct weblog_sigs **out, char *why,
		     size_t why_size)
{
	char *own_sig = NULL, *own_probe = NULL;
	const char *sig_text = refdata_file("weblog_signatures.csv", NULL);
	const char *probe_text = refdata_file("weblog_probe_paths.csv", NULL);
	int rc = WEBLOG_SIGS_EIO;
	if (sig_path && *sig_path) {
		sig_text = own_sig = file_read(sig_path);
		if (!own_sig) {
			snprintf(why, why_size, "cannot read signatures %s", sig_path);
			goto out;
		}
	}
	if (probe_path && *probe_path) {
		probe_text = own_probe = file_read(probe_path);
		if (!own_probe) {
			snprintf(why, why_size, "cannot read probe paths %s", probe_path);
			goto out;
		}
	}
	if (!sig_text || !probe_text) {
		snprintf(why, why_size, "the shipped signature files are missing from this build");
		goto out;
	}
	rc = sigs_build(sig_text, probe_text, true, out, why, why_size);
out:
	free(own_sig);
	free(own_probe);
	return rc;
}

void weblog_sigs_free(struct weblog_sigs *s)
{
	if (!s)
		return;
	hs_free_database(s->db_uri);
	hs_free_database(s->db_hdr);
	free(s->sig);
	free(s);
}

size_t weblog_sigs_count(const struct weblog_sigs *s)
{
	return s->n;
}

int weblog_sigs_scratch_new(const struct weblog_sigs *s, struct weblog_sigs_scratch **out)
{
	struct weblog_sigs_scratch *sc = calloc(1, sizeof *sc);
	if (!sc)
		return WEBLOG_SIGS_ENOMEM;
	sc->owner = s;
	sc->memo = calloc(MEMO_SLOTS, sizeof *sc->memo);
	if (!sc->memo) {
		free(sc);
		return WEBLOG_SIGS_ENOMEM;
	}
	if ((s->db_uri && hs_alloc_scratch(s->db_uri, &sc->hs) != HS_SUCCESS) ||
	    (s->db_hdr && hs_alloc_scratch(s->db_hdr, &sc->hs) != HS_SUCCESS)) {
		weblog_sigs_scratch_free(sc);
		return WEBLOG_SIGS_ENOMEM;
	}
	*out = sc;
	return 0;
}

void weblog_sigs_scratch_free(struct weblog_sigs_scratch *sc)
{
	if (!sc)
		return;
	hs_free_scratch(sc->hs);
	free(sc->memo);
	free(sc);
}

/* True when decoding would change `in` (a %, + or backslash is present). */
static bool needs_decode(const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (in[i] == '%' || in[i] == '+' || in[i] == '\\')
			return true;
	return false;
}

struct match_ctx {
	const struct weblog_sigs *s;
	const struct weblog_sig **sig;
	int *n;
	int cap;
};

/* Appends `sig` unless already there or the list is full. */
static void hit_add(const struct weblog_sig **list, int *n, int cap, const struct weblog_sig *sig)
{
	for (int i = 0; i < *n; i++)
		if (list[i] == sig)
			return;
	if (*n < cap)
		list[(*n)++] = sig;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
		    void *arg)
{
	(void)from;
	(void)to;
	(void)flags;
	struct match_ctx *m = arg;
	hit_add(m->sig, m->n, m->cap, &m->s->sig[id]);
	return 0;
}

static uint64_t memo_hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 29;
	}
	uint64_t w = 0;
	memcpy(&w, p + i, n - i);
	h = (h ^ w) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

/* Scans the header text `raw` (n bytes, user agent \n referer) into `hits`,
 * through the memo. 0 or WEBLOG_SIGS_ECOMPILE. */
static int match_headers(const struct weblog_sigs *s, struct weblog_sigs_scratch *sc, const char *raw, size_t n,
			 struct weblog_sig_hits *hits)
{
	struct memo *mo = NULL;
	uint64_t h = 0;
	if (sc->owner == s && n <= MEMO_TEXT) {
		h = memo_hash(raw, n);
		mo = &sc->memo[h & (MEMO_SLOTS - 1)];
		if (mo->used && mo->hash == h && mo->len == n && !memcmp(mo->text, raw, n)) {
			for (int i = 0; i < mo->n_hits; i++)
				hit_add(hits->sig, &hits->n, WEBLOG_HITS_MAX, &s->sig[mo->hit[i]]);
			return 0;
		}
	}
	/* the header hits on their own first (room for WEBLOG_HITS_MAX new ones
	 * after any the URI already had), then merged in order: the same list as
	 * one scan appending to `hits` */
	const struct weblog_sig *own[2 * WEBLOG_HITS_MAX];
	int n_own = 0;
	struct match_ctx m = {s, own, &n_own, 2 * WEBLOG_HITS_MAX};
	const char *text = raw;
	size_t len = n;
	if (needs_decode(raw, n)) {
		len = weblog_url_decode(raw, n, sc->hdr);
		text = sc->hdr;
	}
	if (hs_scan(s->db_hdr, text, (unsigned)len, 0, sc->hs, on_match, &m) != HS_SUCCESS)
		return WEBLOG_SIGS_ECOMPILE;
	for (int i = 0; i < n_own; i++)
		hit_add(hits->sig, &hits->n, WEBLOG_HITS_MAX, own[i]);
	if (mo && n_own <= MEMO_HITS) {
		mo->used = true;
		mo->hash = h;
		mo->len = (uint16_t)n;
		mo->n_hits = (uint8_t)n_own;
		for (int i = 0; i < n_own; i++)
			mo->hit[i] = (uint16_t)(own[i] - s->sig);
		memcpy(mo->text, raw, n);
	}
	return 0;
}

int weblog_sigs_match(const struct weblog_sigs *s, struct weblog_sigs_scratch *sc,
		      const struct weblog_entry *e, struct weblog_sig_hits *hits)
{
	hits->n = 0;
	struct match_ctx m = {s, hits->sig, &hits->n, WEBLOG_HITS_MAX};
	size_t n = strlen(e->uri);
	if (n > WEBLOG_LINE_MAX)
		n = WEBLOG_LINE_MAX;
	/* decoding is the identity on text without % + or \: skip the copies */
	const char *uri = e->uri;
	if (needs_decode(uri, n)) {
		n = weblog_url_decode(uri, n, sc->dec1);
		uri = sc->dec1;
		if (needs_decode(uri, n)) {
			n = weblog_url_decode(sc->dec1, n, sc->dec2);
			uri = sc->dec2;
		}
	}
	if (s->db_uri && hs_scan(s->db_uri, uri, (unsigned)n, 0, sc->hs, on_match, &m) != HS_SUCCESS)
		return WEBLOG_SIGS_ECOMPILE;
	size_t ua = strlen(e->user_agent), ref = strlen(e->referer);
	if (s->db_hdr && ua + ref > 0 && ua + ref + 1 <= WEBLOG_LINE_MAX) {
		memcpy(sc->dec1, e->user_agent, ua);
		sc->dec1[ua] = '\n';
		memcpy(sc->dec1 + ua + 1, e->referer, ref);
		if (match_headers(s, sc, sc->dec1, ua + 1 + ref, hits))
			return WEBLOG_SIGS_ECOMPILE;
	}
	return 0;
}
