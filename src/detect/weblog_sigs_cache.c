/*
 * The compiled-signature cache (see weblog_sigs_cache.h). One file per key,
 * "weblog-sigs-<hex key>.hsdb": an 8-byte magic, the two serialised sizes, then
 * Hyperscan's own serialised databases (which carry their own version and CRC,
 * checked by hs_deserialize_database). Files are opened without following
 * links and only trusted when they and their directory belong to the user.
 */
#include "detect/weblog_sigs_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CACHE_MAGIC "CGWSDB1\n"
/* Entries kept after a put (the newest by last use); a set that changes keeps
 * adding megabytes otherwise. A temporary file older than STALE_TMP_SECONDS is
 * what a writer that died left. */
#define CACHE_KEEP 4
#define STALE_TMP_SECONDS 3600
#define CACHE_FILE_MAX (64u << 20)
#define PATH_MAX_CACHE 4096
/* bump when the compile flags or the database layout of weblog_sigs.c change */
#define CACHE_FORMAT "canhgac weblog sigs: caseless singlematch block, uri+hdr, v1"

int weblog_sigs_cache_key(const char *const *text, size_t n, unsigned char key[WEBLOG_SIGS_KEY_BYTES])
{
	crypto_generichash_state st;
	if (sodium_init() < 0)
		return -1;
	crypto_generichash_init(&st, NULL, 0, WEBLOG_SIGS_KEY_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)CACHE_FORMAT, sizeof CACHE_FORMAT);
	const char *v = hs_version();
	crypto_generichash_update(&st, (const unsigned char *)v, strlen(v) + 1);
	/* a database is compiled for this CPU's features: a cache directory shared
	 * between machines (an NFS home) must not hand over another CPU's */
	hs_platform_info_t plat;
	memset(&plat, 0, sizeof plat);
	if (hs_populate_platform(&plat) == HS_SUCCESS)
		crypto_generichash_update(&st, (const unsigned char *)&plat, sizeof plat);
	for (size_t i = 0; i < n; i++) {
		uint64_t len = text[i] ? strlen(text[i]) : 0;
		crypto_generichash_update(&st, (const unsigned char *)&len, sizeof len);
		if (len)
			crypto_generichash_update(&st, (const unsigned char *)text[i], len);
	}
	crypto_generichash_final(&st, key, WEBLOG_SIGS_KEY_BYTES);
	return 0;
}

/* The cache directory into dir (created 0700 when missing); 0, or -1 when there
 * is none or it is not the user's alone. */
static int cache_dir(char *dir, size_t size)
{
	const char *env = getenv("CANHGAC_CACHE_DIR");
	int n;
	if (env && !strcmp(env, "off"))
		return -1;
	if (env && *env) {
		n = snprintf(dir, size, "%s", env);
	} else if (getenv("XDG_CACHE_HOME") && getenv("XDG_CACHE_HOME")[0] == '/') {
		n = snprintf(dir, size, "%s/canhgac", getenv("XDG_CACHE_HOME"));
	} else if (getenv("HOME") && getenv("HOME")[0] == '/') {
		char parent[PATH_MAX_CACHE];
		if (snprintf(parent, sizeof parent, "%s/.cache", getenv("HOME")) >= (int)sizeof parent)
			return -1;
		if (mkdir(parent, 0700) && errno != EEXIST)
			return -1;
		n = snprintf(dir, size, "%s/canhgac", parent);
	} else {
		return -1;
	}
	if (n < 0 || (size_t)n >= size)
		return -1;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -1;
	struct stat st;
	if (lstat(dir, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return -1;
	return 0;
}

static int cache_path(const unsigned char *key, char *path, size_t size)
{
	char dir[PATH_MAX_CACHE], hex[2 * WEBLOG_SIGS_KEY_BYTES + 1];
	if (cache_dir(dir, sizeof dir))
		return -1;
	sodium_bin2hex(hex, sizeof hex, key, WEBLOG_SIGS_KEY_BYTES);
	int n = snprintf(path, size, "%s/weblog-sigs-%s.hsdb", dir, hex);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int weblog_sigs_cache_get(const unsigned char key[WEBLOG_SIGS_KEY_BYTES], hs_database_t **uri,
			  hs_database_t **hdr)
{
	char path[PATH_MAX_CACHE];
	*uri = *hdr = NULL;
	if (cache_path(key, path, sizeof path))
		return -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = -1;
	char *buf = NULL;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_size < 24 ||
	    (uint64_t)st.st_size > CACHE_FILE_MAX)
		goto out;
	size_t size = (size_t)st.st_size;
	buf = malloc(size);
	if (!buf)
		goto out;
	size_t got = 0;
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	uint64_t nu, nh;
	memcpy(&nu, buf + 8, 8);
	memcpy(&nh, buf + 16, 8);
	if (memcmp(buf, CACHE_MAGIC, 8) || nu > size || nh > size || 24 + nu + nh != size)
		goto out;
	if (nu && hs_deserialize_database(buf + 24, nu, uri) != HS_SUCCESS)
		goto out;
	if (nh && hs_deserialize_database(buf + 24 + nu, nh, hdr) != HS_SUCCESS)
		goto out;
	rc = 0;
	futimens(fd, NULL); /* used now: pruning keeps the entries used last */
out:
	if (rc) {
		hs_free_database(*uri);
		hs_free_database(*hdr);
		*uri = *hdr = NULL;
	}
	free(buf);
	close(fd);
	return rc;
}

static bool write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w <= 0)
			return false;
		c += w;
		n -= (size_t)w;
	}
	return true;
}

/* Is name one of our entries ("weblog-sigs-<64 hex>.hsdb"), or a temporary file
 * of one (that name, then ".<pid>.<hex>")? */
static bool entry_name(const char *name, bool *tmp)
{
	const size_t prefix = sizeof "weblog-sigs-" - 1, hex = 2 * WEBLOG_SIGS_KEY_BYTES;
	if (strncmp(name, "weblog-sigs-", prefix) != 0 || strlen(name) < prefix + hex + 5 ||
	    strspn(name + prefix, "0123456789abcdef") != hex || strncmp(name + prefix + hex, ".hsdb", 5) != 0)
		return false;
	*tmp = name[prefix + hex + 5] != '\0';
	return true;
}

struct aged {
	char name[128];
	int64_t mtime;
};

static int newest_first(const void *a, const void *b)
{
	int64_t x = ((const struct aged *)a)->mtime, y = ((const struct aged *)b)->mtime;
	return (x < y) - (x > y);
}

/* After `kept` was written: removes all but the CACHE_KEEP entries used last (it
 * among them) and the temporary files of writers that died. Only names of our
 * own shape, in our own directory, are touched. */
static void cache_prune(const char *kept)
{
	char dir[PATH_MAX_CACHE];
	struct aged old[256]; /* more than this (only from before pruning): the next puts */
	size_t n = 0;
	const char *slash = strrchr(kept, '/');
	if (!slash || (size_t)(slash - kept) >= sizeof dir)
		return;
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - kept), kept);
	DIR *d = opendir(dir);
	if (!d)
		return;
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d))) {
		bool tmp;
		struct stat st;
		if (!entry_name(e->d_name, &tmp) || strlen(e->d_name) >= sizeof old[0].name ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (tmp) {
			if (now - st.st_mtime > STALE_TMP_SECONDS)
				unlinkat(dirfd(d), e->d_name, 0);
		} else if (strcmp(e->d_name, slash + 1) != 0 && n < sizeof old / sizeof old[0]) {
			snprintf(old[n].name, sizeof old[n].name, "%s", e->d_name);
			old[n++].mtime = (int64_t)st.st_mtime;
		}
	}
	qsort(old, n, sizeof old[0], newest_first);
	for (size_t i = CACHE_KEEP - 1; i < n; i++)
		unlinkat(dirfd(d), old[i].name, 0);
	closedir(d);
}

void weblog_sigs_cache_put(const unsigned char key[WEBLOG_SIGS_KEY_BYTES], const hs_database_t *uri,
			   const hs_database_t *hdr)
{
	char path[PATH_MAX_CACHE], tmp[PATH_MAX_CACHE + 32];
	char *su = NULL, *sh = NULL;
	size_t nu = 0, nh = 0;
	if (cache_path(key, path, sizeof path))
		return;
	if ((uri && hs_serialize_database(uri, &su, &nu) != HS_SUCCESS) ||
	    (hdr && hs_serialize_database(hdr, &sh, &nh) != HS_SUCCESS))
		goto out;
	snprintf(tmp, sizeof tmp, "%s.%ld.%08x", path, (long)getpid(), randombytes_random());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	uint64_t u = nu, h = nh;
	bool ok = write_all(fd, CACHE_MAGIC, 8) && write_all(fd, &u, 8) && write_all(fd, &h, 8) &&
		  write_all(fd, su, nu) && write_all(fd, sh, nh);
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path))
		unlink(tmp);
	else
		cache_prune(path);
out:
	free(su);
	free(sh);
}
