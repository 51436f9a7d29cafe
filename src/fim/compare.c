/*
 * The comparison is a merge of two lists sorted by path: the baseline as the
 * store returns it (ORDER BY path) and the current walk (sorted here). A file
 * that was baselined but could not be read this time is not reported removed:
 * the walk already said why it was skipped. Added and changed files are read
 * once more for the scan, and the finding carries the hash of the bytes that
 * were scanned, which is the hash worth sharing with NCSC.
 */
#include "fim/compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fim/pool.h"
#include "fim/walk.h"
#include "store/store.h"

void fim_findings_free(struct fim_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].path);
	free(f->v);
	memset(f, 0, sizeof *f);
}

static struct fim_finding *finding_add(struct fim_findings *f, const char *kind, const char *path,
				       const struct store_fim_file *h)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct fim_finding *v = realloc(f->v, cap * sizeof *v);
		if (!v)
			return NULL;
		f->v = v;
		f->cap = cap;
	}
	struct fim_finding *x = &f->v[f->n];
	memset(x, 0, sizeof *x);
	x->path = strdup(path);
	if (!x->path)
		return NULL;
	x->kind = kind;
	if (h) {
		memcpy(x->sha256, h->sha256, sizeof x->sha256);
		memcpy(x->blake2b, h->blake2b, sizeof x->blake2b);
	}
	f->n++;
	return x;
}

struct check_ctx {
	const char *root;
	struct fim_scanner *sc;
	struct fim_findings *out;
	struct fim_check_stats *stats;
	fim_note_fn note;
	void *arg;
	struct fim_list skipped; /* unreadable or unstable this time: not "removed" */
	const struct fim_pool_item *items; /* the pool's results, one per entry of cur (or NULL) */
};

static void check_note(const char *path, int err, const char *why, void *arg)
{
	struct check_ctx *c = arg;
	if (err == FIM_EUNREADABLE || err == FIM_EUNSTABLE) {
		struct store_fim_file f = {.path = path};
		(void)fim_list_add(&c->skipped, &f); /* on OOM the file may read as removed */
	}
	if (c->note)
		c->note(path, err, why, c->arg);
}

static int copy_row(const struct store_fim_file *f, void *arg)
{
	return fim_list_add(arg, f);
}

static int skipped_has(struct check_ctx *c, const char *path)
{
	for (size_t i = 0; i < c->skipped.n; i++)
		if (!strcmp(c->skipped.v[i].path, path))
			return 1;
	return 0;
}

/* Scans one added or changed file; a match adds a webshell finding. */
static int scan_one(struct check_ctx *c, const struct store_fim_file *cur)
{
	char why[256];
	unsigned char *buf = NULL;
	size_t len = 0;
	struct store_fim_file now = {.path = cur->path};
	const char *path_rule = fim_scan_path_rule(cur->path);
	int rc = fim_walk_hash_file(cur->path, &now, &buf, &len, why, sizeof why);
	if (rc == FIM_ENOMEM)
		return rc;
	if (rc) {
		check_note(cur->path, rc, why, c);
		now = *cur; /* the path rule still holds for what was hashed */
		rc = FIM_OK;
	}
	char rules[FIM_RULES_MAX] = "";
	if (buf) {
		c->stats->scanned++;
		rc = fim_scanner_scan_mem(c->sc, buf, len, rules, sizeof rules);
		if (rc) {
			check_note(cur->path, FIM_ERULES, "the YARA scan failed (timeout?)", c);
			rc = FIM_OK;
		}
	} else if (now.size > FIM_SCAN_MAX_BYTES) {
		c->stats->not_scanned++;
		check_note(cur->path, FIM_OK, "larger than the scan cap (8 MiB): hashed, not scanned", c);
	}
	free(buf);
	if (path_rule) {
		size_t have = strlen(rules);
		snprintf(rules + have, sizeof rules - have, "%s%s", have ? "," : "", path_rule);
	}
	if (!rules[0])
		return FIM_OK;
	struct fim_finding *f = finding_add(c->out, "webshell", cur->path, &now);
	if (!f)
		return FIM_ENOMEM;
	memcpy(f->rule, rules, sizeof f->rule);
	return FIM_OK;
}

/* A new or retargeted symlink: a finding of its own, named by where it leads. */
static int symlink_rule(struct check_ctx *c, struct fim_finding *f)
{
	char target[FIM_WALK_PATH_MAX], why[256];
	struct store_fim_file now = {.path = f->path};
	bool outside = true; /* unreadable now: assume the worst */
	if (!fim_walk_hash_link(f->path, &now, target, sizeof target, why, sizeof why))
		outside = fim_walk_link_outside(c->root, f->path, target);
	snprintf(f->rule, sizeof f->rule, "%s", outside ? FIM_RULE_SYMLINK_OUTSIDE : FIM_RULE_SYMLINK);
	return FIM_OK;
}

/* The pool scanned it already: its rules and the path rule. */
static int pool_result(struct check_ctx *c, const struct store_fim_file *cur, const struct fim_pool_item *it)
{
	char rules[FIM_RULES_MAX];
	const char *path_rule = fim_scan_path_rule(cur->path);
	snprintf(rules, sizeof rules, "%s", it->rules ? it->rules : "");
	if (path_rule) {
		size_t have = strlen(rules);
		snprintf(rules + have, sizeof rules - have, "%s%s", have ? "," : "", path_rule);
	}
	if (!rules[0])
		return FIM_OK;
	struct fim_finding *f = finding_add(c->out, "webshell", cur->path, cur);
	if (!f)
		return FIM_ENOMEM;
	memcpy(f->rule, rules, sizeof f->rule);
	return FIM_OK;
}

static int changed_or_added(struct check_ctx *c, const char *kind, const struct store_fim_file *cur,
			    const struct fim_pool_item *it)
{
	struct fim_finding *f = finding_add(c->out, kind, cur->path, cur);
	if (!f)
		return FIM_ENOMEM;
	if (S_ISLNK(cur->mode))
		return symlink_rule(c, f);
	return it ? pool_result(c, cur, it) : scan_one(c, cur);
}

static int merge(struct check_ctx *c, const struct fim_list *base, const struct fim_list *cur)
{
	size_t i = 0, j = 0;
	int rc = FIM_OK;
	while (!rc && (i < base->n || j < cur->n)) {
		if (j < cur->n && c->items && c->items[j].rc) { /* not hashed: noted already */
			j++;
			continue;
		}
		const struct fim_pool_item *it = c->items && j < cur->n ? &c->items[j] : NULL;
		int cmp = i == base->n ? 1 : j == cur->n ? -1 : strcmp(base->v[i].path, cur->v[j].path);
		if (cmp < 0) {
			const struct store_fim_file *b = &base->v[i++];
			if (!skipped_has(c, b->path) && !finding_add(c->out, "removed", b->path, b))
				rc = FIM_ENOMEM;
		} else if (cmp > 0) {
			rc = changed_or_added(c, "added", &cur->v[j++], it);
		} else {
			const struct store_fim_file *b = &base->v[i++], *n = &cur->v[j++];
			if (strcmp(b->sha256, n->sha256) || strcmp(b->blake2b, n->blake2b) || b->size != n->size)
				rc = changed_or_added(c, "changed", n, it);
			if (!rc && (b->mode != n->mode || b->uid != n->uid) &&
			    !finding_add(c->out, "mode", n->path, n))
				rc = FIM_ENOMEM;
		}
	}
	return rc;
}

struct roots {
	char **v;
	size_t n, cap;
};

static int root_add(const char *root, void *arg)
{
	struct roots *r = arg;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		char **v = realloc(r->v, cap * sizeof *v);
		if (!v)
			return FIM_ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	if (!(r->v[r->n] = strdup(root)))
		return FIM_ENOMEM;
	r->n++;
	return 0;
}

int fim_findings_record(struct store *st, const struct fim_finding *v, size_t n, int64_t now)
{
	if (!n)
		return FIM_OK;
	struct store_fim_finding *rows = calloc(n, sizeof *rows);
	if (!rows)
		return FIM_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct fim_finding *f = &v[i];
		rows[i] = (struct store_fim_finding){
			.kind = f->kind, .path = f->path, .rule = f->rule[0] ? f->rule : NULL,
			.sha256 = f->sha256[0] ? f->sha256 : NULL,
			.blake2b = f->blake2b[0] ? f->blake2b : NULL, .seen_at = now,
		};
	}
	int rc = store_fim_findings_add(st, rows, n) ? FIM_EIO : FIM_OK;
	free(rows);
	return rc;
}

/* The pool's notes, in path order: files that could not be hashed, new or
 * changed files over the scan cap, failed scans; and the scan count. */
static void pool_notes(struct check_ctx *c, const struct fim_list *cur)
{
	for (size_t k = 0; k < cur->n; k++) {
		const struct fim_pool_item *it = &c->items[k];
		if (it->rc)
			check_note(cur->v[k].path, it->rc, it->why, c);
		if (it->scanned)
			c->stats->scanned++;
		if (it->too_big) {
			c->stats->not_scanned++;
			check_note(cur->v[k].path, FIM_OK, "larger than the scan cap (8 MiB): hashed, not scanned", c);
		}
		if (it->scan_failed)
			check_note(cur->v[k].path, FIM_ERULES, "the YARA scan failed (timeout?)", c);
	}
}

/* True when `path` or one of its directories below `root` is excluded. */
static bool excluded_here(const char *exclude, const char *root, const char *path)
{
	char p[FIM_WALK_PATH_MAX];
	size_t rl = strlen(root);
	if (!exclude || !*exclude || snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
		return false;
	for (;;) {
		if (strlen(p) <= rl)
			return false;
		if (fim_walk_excluded(exclude, root, p))
			return true;
		char *slash = strrchr(p, '/');
		if (!slash)
			return false;
		*slash = 0;
	}
}

int fim_check_subtree(struct store *st, struct fim_scanner *sc, const char *root, const char *prefix,
		      const char *exclude, struct fim_findings *out, struct fim_check_stats *stats,
		      fim_note_fn note, void *arg, char *why, size_t why_size)
{
	struct check_ctx c = {.root = root, .sc = sc, .out = out, .stats = stats, .note = note, .arg = arg};
	struct fim_list base = {0}, cur = {0};
	struct fim_pool_item *items = NULL;
	char wwhy[512];
	struct stat sb;
	int rc = FIM_OK;
	bool whole = !strcmp(root, prefix);
	if (!whole && excluded_here(exclude, root, prefix))
		return FIM_OK;
	if (store_fim_baseline_under(st, root, prefix, copy_row, &base)) {
		snprintf(why, why_size, "the baseline of %s could not be read", root);
		rc = FIM_EIO;
		goto out;
	}
	if (lstat(prefix, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		int w = fim_walk_collect(root, prefix, exclude, &cur, check_note, &c, wwhy, sizeof wwhy);
		/* A web root that vanished: every file of it is reported removed. */
		if (w == FIM_EIO && note)
			note(prefix, FIM_EUNREADABLE, wwhy, arg);
		else if (w) {
			snprintf(why, why_size, "%s", wwhy);
			rc = w;
			goto out;
		}
		fim_list_sort(&cur);
		if ((rc = fim_pool_hash(&cur, &base, sc, stats->cancel, &items))) {
			snprintf(why, why_size, "%s", fim_strerror(rc));
			goto out;
		}
		c.items = items;
		pool_notes(&c, &cur);
	} else if (!whole) {
		struct store_fim_file f = {.path = prefix};
		bool gone = false;
		int h = fim_walk_hash_entry(prefix, &f, NULL, NULL, &gone, wwhy, sizeof wwhy);
		if (h == FIM_ENOMEM) {
			rc = h;
			goto out;
		}
		if (!h)
			rc = fim_list_add(&cur, &f);
		else if (!gone)
			check_note(prefix, h, wwhy, &c);
		if (rc)
			goto out;
	} else if (note) {
		note(prefix, FIM_EUNREADABLE, "the web root cannot be read", arg);
	}
	for (size_t k = 0; k < cur.n; k++) {
		if (items && items[k].rc)
			continue;
		stats->files++;
		stats->bytes += cur.v[k].size;
	}
	fim_list_sort(&cur); /* sorted already when the pool ran: items stay aligned */
	rc = merge(&c, &base, &cur);
	if (rc == FIM_ENOMEM)
		snprintf(why, why_size, "out of memory");
out:
	fim_pool_items_free(items, cur.n);
	fim_list_free(&base);
	fim_list_free(&cur);
	fim_list_free(&c.skipped);
	return rc;
}

int fim_check_run(struct store *st, struct fim_scanner *sc, const char *exclude, int64_t now,
		  struct fim_findings *out, struct fim_check_stats *stats, fim_note_fn note, void *arg,
		  char *why, size_t why_size)
{
	struct roots roots = {0};
	size_t from = out->n;
	int rc = store_fim_roots_each(st, root_add, &roots);
	if (rc) {
		snprintf(why, why_size, "the baseline roots could not be read");
		rc = rc == FIM_ENOMEM ? FIM_ENOMEM : FIM_EIO;
		goto out;
	}
	for (size_t r = 0; r < roots.n && !rc; r++) {
		stats->roots++;
		rc = fim_check_subtree(st, sc, roots.v[r], roots.v[r], exclude, out, stats, note, arg, why,
				       why_size);
	}
	if (!rc && out->n > from && (rc = fim_findings_record(st, out->v + from, out->n - from, now)))
		snprintf(why, why_size, "the findings could not be stored");
out:
	for (size_t i = 0; i < roots.n; i++)
		free(roots.v[i]);
	free(roots.v);
	return rc;
}
