/*
 * Recording and amending the baseline. A root is walked completely before the
 * store is touched, and its rows are replaced in one transaction, so a failed
 * walk leaves the previous approved state in place.
 */
#include "fim/baseline.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fim/walk.h"
#include "store/store.h"

int fim_baseline_canonical(const char *path, char *out, size_t size, char *why, size_t why_size)
{
	char buf[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof buf) {
		snprintf(why, why_size, "path '%s' is empty or too long", path);
		return FIM_EINVAL;
	}
	memcpy(buf, path, n);
	buf[n] = 0;
	if (lstat(buf, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (!realpath(buf, dir)) {
			snprintf(why, why_size, "cannot resolve %s: %s", buf, strerror(errno));
			return FIM_EINVAL;
		}
		if ((size_t)snprintf(out, size, "%s", dir) >= size)
			goto too_long;
		return FIM_OK;
	}
	char *slash = strrchr(buf, '/');
	const char *base = slash ? slash + 1 : buf;
	const char *parent = slash ? (slash == buf ? "/" : buf) : ".";
	if (slash && slash != buf)
		*slash = 0;
	if (!strcmp(base, ".") || !strcmp(base, "..") || !realpath(parent, dir)) {
		snprintf(why, why_size, "cannot resolve the directory of %s", path);
		return FIM_EINVAL;
	}
	if ((size_t)snprintf(out, size, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", base) >= size)
		goto too_long;
	return FIM_OK;
too_long:
	snprintf(why, why_size, "path '%s' is too long", path);
	return FIM_EINVAL;
}

int fim_baseline_record(struct store *st, const char *const *roots, size_t n, const char *exclude,
			int64_t now, fim_note_fn note, void *arg, struct fim_baseline_stats *stats,
			char *why, size_t why_size)
{
	for (size_t i = 0; i < n; i++) {
		struct fim_list l = {0};
		int rc = fim_walk_root(roots[i], roots[i], exclude, &l, note, arg, why, why_size);
		if (!rc && store_fim_baseline_replace(st, roots[i], roots[i], l.v, l.n, now)) {
			snprintf(why, why_size, "the baseline of %s could not be stored", roots[i]);
			rc = FIM_EIO;
		}
		if (!rc && stats) {
			stats->files += l.n;
			for (size_t k = 0; k < l.n; k++)
				stats->bytes += l.v[k].size;
		}
		fim_list_free(&l);
		if (rc)
			return rc;
	}
	return FIM_OK;
}

struct root_find {
	const char *path;
	char best[PATH_MAX];
};

static int root_match(const char *root, void *arg)
{
	struct root_find *r = arg;
	size_t n = strlen(root);
	if (!strncmp(r->path, root, n) && (r->path[n] == 0 || r->path[n] == '/' || !strcmp(root, "/")) &&
	    n > strlen(r->best) && n < sizeof r->best)
		memcpy(r->best, root, n + 1);
	return 0;
}

int fim_baseline_accept(struct store *st, const char *path, const char *exclude, int64_t now,
			fim_note_fn note, void *arg, struct fim_baseline_stats *stats, char *why,
			size_t why_size)
{
	struct root_find rf = {.path = path};
	struct fim_list l = {0};
	struct stat sb;
	int rc = FIM_OK;
	if (store_fim_roots_each(st, root_match, &rf)) {
		snprintf(why, why_size, "the baseline roots could not be read");
		return FIM_EIO;
	}
	if (!rf.best[0]) {
		snprintf(why, why_size,
			 "%s is under no baselined root: run 'canhgac fim baseline --root DIR' first", path);
		return FIM_EINVAL;
	}
	if (lstat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			rc = fim_walk_root(rf.best, path, exclude, &l, note, arg, why, why_size);
		} else if (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)) {
			struct store_fim_file f = {.path = path};
			rc = fim_walk_hash_entry(path, &f, NULL, NULL, NULL, why, why_size);
			if (!rc)
				rc = fim_list_add(&l, &f);
		} else {
			snprintf(why, why_size, "%s is a special file; only regular files and symbolic "
						"links are part of the baseline", path);
			rc = FIM_EINVAL;
		}
	} else if (errno != ENOENT) {
		snprintf(why, why_size, "cannot stat %s: %s", path, strerror(errno));
		rc = FIM_EUNREADABLE;
	}
	if (rc)
		goto out;
	/* A path that no longer exists leaves the list empty: its rows are removed. */
	if (store_fim_baseline_replace(st, rf.best, path, l.v, l.n, now)) {
		snprintf(why, why_size, "the baseline could not be stored");
		rc = FIM_EIO;
		goto out;
	}
	if (stats) {
		stats->files += l.n;
		for (size_t k = 0; k < l.n; k++)
			stats->bytes += l.v[k].size;
	}
out:
	fim_list_free(&l);
	return rc;
}
