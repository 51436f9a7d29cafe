/*
 * The walk of a web root and the hashing of one entry. The walk keeps its own
 * stack of directory paths on the heap and reads one directory at a time to its
 * end before going deeper, so a 10,000-deep tree costs memory for its pending
 * paths, never C stack or descriptors; a path too long for the kernel is
 * reported and not entered. Entries are typed with fstatat(AT_SYMLINK_NOFOLLOW)
 * relative to the open directory: symlinks are hashed by their target text,
 * never followed. A file is opened with O_NOFOLLOW|O_NONBLOCK (a FIFO swapped in
 * after the lstat cannot block the walk), checked to be regular, and fstat'ed
 * before and after it is read: a file written to or truncated during the read is
 * reported, not hashed.
 */
#include "fim/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fim/pool.h"

#define WALK_READ_CHUNK (64 * 1024)
#define WALK_GLOB_MAX 256

void (*fim_walk_read_hook)(int fd, size_t have);

static void hex_hashes(const unsigned char *b2, const unsigned char *sha, struct store_fim_file *out)
{
	sodium_bin2hex(out->blake2b, sizeof out->blake2b, b2, crypto_generichash_BYTES);
	sodium_bin2hex(out->sha256, sizeof out->sha256, sha, crypto_hash_sha256_BYTES);
}

int fim_walk_hash_file(const char *path, struct store_fim_file *out, unsigned char **keep,
		       size_t *keep_len, char *why, size_t why_size)
{
	unsigned char *buf = NULL, *copy = NULL;
	unsigned char b2[crypto_generichash_BYTES], sha[crypto_hash_sha256_BYTES];
	crypto_generichash_state gs;
	crypto_hash_sha256_state ss;
	struct stat before, after;
	size_t have = 0;
	int rc = FIM_OK;
	if (keep)
		*keep = NULL;
	if (keep_len)
		*keep_len = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, why_size, "cannot open: %s", strerror(errno));
		return errno == ELOOP ? FIM_ENOTREG : FIM_EUNREADABLE;
	}
	if (fstat(fd, &before)) {
		snprintf(why, why_size, "cannot stat: %s", strerror(errno));
		rc = FIM_EUNREADABLE;
		goto out;
	}
	if (!S_ISREG(before.st_mode)) {
		snprintf(why, why_size, "not a regular file, skipped");
		rc = FIM_ENOTREG;
		goto out;
	}
	bool keep_it = keep && before.st_size <= FIM_SCAN_MAX_BYTES;
	/* Small files (most of a web root) are read in one call into the copy. */
	if (keep_it)
		copy = malloc((size_t)before.st_size + 1);
	if (!keep_it || before.st_size >= WALK_READ_CHUNK)
		buf = malloc(WALK_READ_CHUNK);
	if ((keep_it && !copy) || (!buf && (!keep_it || before.st_size >= WALK_READ_CHUNK))) {
		rc = FIM_ENOMEM;
		snprintf(why, why_size, "out of memory");
		goto out;
	}
	crypto_generichash_init(&gs, NULL, 0, sizeof b2);
	crypto_hash_sha256_init(&ss);
	for (;;) {
		unsigned char *dst = buf;
		size_t want = WALK_READ_CHUNK;
		if (!buf) { /* a kept small file: read straight into the copy, +1 to see growth */
			dst = copy + have;
			want = (size_t)before.st_size + 1 - have;
			if (want == 0) {
				snprintf(why, why_size, "changed while it was read (it grew); check again");
				rc = FIM_EUNSTABLE;
				goto out;
			}
		}
		ssize_t r = read(fd, dst, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, why_size, "read failed: %s", strerror(errno));
			rc = FIM_EUNREADABLE;
			goto out;
		}
		if (r == 0)
			break;
		crypto_generichash_update(&gs, dst, (size_t)r);
		crypto_hash_sha256_update(&ss, dst, (size_t)r);
		if (buf && copy && have + (size_t)r <= (size_t)before.st_size)
			memcpy(copy + have, buf, (size_t)r);
		have += (size_t)r;
		if (fim_walk_read_hook)
			fim_walk_read_hook(fd, have);
	}
	if (fstat(fd, &after) || after.st_size != before.st_size || (off_t)have != before.st_size ||
	    after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec ||
	    after.st_ctim.tv_sec != before.st_ctim.tv_sec || after.st_ctim.tv_nsec != before.st_ctim.tv_nsec) {
		snprintf(why, why_size, (off_t)have < before.st_size
						? "truncated while it was read; check again"
						: "changed while it was read; check again");
		rc = FIM_EUNSTABLE;
		goto out;
	}
	crypto_generichash_final(&gs, b2, sizeof b2);
	crypto_hash_sha256_final(&ss, sha);
	hex_hashes(b2, sha, out);
	out->size = before.st_size;
	out->mode = before.st_mode;
	out->uid = before.st_uid;
	out->mtime = before.st_mtim.tv_sec;
	if (keep_it) {
		copy[have] = 0;
		*keep = copy;
		if (keep_len)
			*keep_len = have;
		copy = NULL;
	}
out:
	free(copy);
	free(buf);
	close(fd);
	return rc;
}

int fim_walk_hash_link(const char *path, struct store_fim_file *out, char *target, size_t target_size,
		       char *why, size_t why_size)
{
	char t[FIM_WALK_PATH_MAX];
	struct stat st;
	if (lstat(path, &st)) {
		snprintf(why, why_size, "cannot stat: %s", strerror(errno));
		return FIM_EUNREADABLE;
	}
	if (!S_ISLNK(st.st_mode)) {
		snprintf(why, why_size, "not a symbolic link");
		return FIM_ENOTREG;
	}
	ssize_t n = readlink(path, t, sizeof t - 1);
	if (n < 0) {
		snprintf(why, why_size, "cannot read the link: %s", strerror(errno));
		return FIM_EUNREADABLE;
	}
	t[n] = 0;
	unsigned char b2[crypto_generichash_BYTES], sha[crypto_hash_sha256_BYTES];
	crypto_generichash(b2, sizeof b2, (const unsigned char *)t, (size_t)n, NULL, 0);
	crypto_hash_sha256(sha, (const unsigned char *)t, (unsigned long long)n);
	hex_hashes(b2, sha, out);
	out->size = n;
	out->mode = st.st_mode;
	out->uid = st.st_uid;
	out->mtime = st.st_mtim.tv_sec;
	if (target && target_size)
		snprintf(target, target_size, "%s", t);
	return FIM_OK;
}

int fim_walk_hash_entry(const char *path, struct store_fim_file *out, unsigned char **keep,
			size_t *keep_len, bool *gone, char *why, size_t why_size)
{
	struct stat st;
	if (gone)
		*gone = false;
	if (keep)
		*keep = NULL;
	if (lstat(path, &st)) {
		if (gone)
			*gone = errno == ENOENT || errno == ENOTDIR;
		snprintf(why, why_size, "cannot stat: %s", strerror(errno));
		return FIM_EUNREADABLE;
	}
	if (S_ISLNK(st.st_mode))
		return fim_walk_hash_link(path, out, NULL, 0, why, why_size);
	return fim_walk_hash_file(path, out, keep, keep_len, why, why_size);
}

/* Folds "." and ".." of an absolute path in place (lexically). */
static void fold_dots(char *p)
{
	char *out = p;
	const char *s = p;
	while (*s) {
		while (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		if (n == 0)
			break;
		if (n == 1 && s[0] == '.') {
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (out > p && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, s, n);
			out += n;
		}
		s += n;
	}
	if (out == p)
		*out++ = '/';
	*out = 0;
}

static bool under(const char *root, const char *p)
{
	size_t n = strlen(root);
	return !strcmp(root, "/") || (!strncmp(p, root, n) && (p[n] == 0 || p[n] == '/'));
}

bool fim_walk_link_outside(const char *root, const char *link, const char *target)
{
	char joined[2 * FIM_WALK_PATH_MAX + 2], real[PATH_MAX];
	if (target[0] == '/') {
		snprintf(joined, sizeof joined, "%s", target);
	} else {
		const char *slash = strrchr(link, '/');
		int dl = slash ? (int)(slash - link) : 0;
		snprintf(joined, sizeof joined, "%.*s/%s", dl, link, target);
	}
	fold_dots(joined);
	if (!under(root, joined))
		return true;
	return realpath(link, real) && !under(root, real);
}

static bool glob_matches(const char *pat, const char *rel, const char *base)
{
	return fnmatch(pat, strchr(pat, '/') ? rel : base, 0) == 0;
}

bool fim_walk_excluded(const char *exclude, const char *root, const char *path)
{
	if (!exclude || !*exclude)
		return false;
	size_t rl = strlen(root);
	const char *rel = (!strncmp(path, root, rl) && path[rl] == '/') ? path + rl + 1 : path;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *p = exclude;
	while (*p) {
		p += strspn(p, ", \t");
		size_t n = strcspn(p, ", \t");
		if (n > 0 && n < WALK_GLOB_MAX) {
			char pat[WALK_GLOB_MAX];
			memcpy(pat, p, n);
			pat[n] = 0;
			if (glob_matches(pat, rel, base))
				return true;
		}
		p += n;
	}
	return false;
}

struct walk_ctx {
	const char *root;
	const char *exclude;
	struct fim_list *out;
	fim_note_fn note;
	void *arg;
	char **stack; /* directories still to read */
	size_t n, cap;
};

static void walk_note(struct walk_ctx *w, const char *path, int err, const char *why)
{
	if (w->note)
		w->note(path, err, why, w->arg);
}

static int walk_push(struct walk_ctx *w, const char *path)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		char **v = realloc(w->stack, cap * sizeof *v);
		if (!v)
			return FIM_ENOMEM;
		w->stack = v;
		w->cap = cap;
	}
	if (!(w->stack[w->n] = strdup(path)))
		return FIM_ENOMEM;
	w->n++;
	return FIM_OK;
}

static int walk_symlink(struct walk_ctx *w, const char *path)
{
	struct stat st;
	char why[256];
	struct store_fim_file f = {.path = path};
	if (stat(path, &st) && errno == ELOOP)
		walk_note(w, path, FIM_OK, "symbolic link loop, not followed");
	else if (stat(path, &st))
		walk_note(w, path, FIM_OK, "dangling symbolic link, not followed");
	int rc = fim_walk_hash_link(path, &f, NULL, 0, why, sizeof why);
	if (rc) {
		walk_note(w, path, rc, why);
		return FIM_OK;
	}
	return fim_list_add(w->out, &f);
}

/* A regular file is only named here; the pool hashes it (fim_walk_root, or the
 * caller of fim_walk_collect). */
static int walk_file(struct walk_ctx *w, const char *path, const struct stat *st)
{
	struct store_fim_file f = {.path = path, .size = st->st_size, .mode = st->st_mode, .uid = st->st_uid,
				   .mtime = st->st_mtim.tv_sec};
	return fim_list_add(w->out, &f);
}

static const char *special_kind(mode_t m)
{
	return S_ISFIFO(m) ? "named pipe (FIFO), skipped"
	       : S_ISSOCK(m) ? "socket, skipped"
			     : "device or special file, skipped";
}

/* Reads one directory to its end: files hashed, subdirectories pushed. */
static int walk_dir(struct walk_ctx *w, const char *dir)
{
	char path[FIM_WALK_PATH_MAX];
	DIR *d = opendir(dir);
	if (!d) {
		walk_note(w, dir, FIM_EUNREADABLE, "directory cannot be read, its files were not checked");
		return FIM_OK;
	}
	int rc = FIM_OK;
	struct dirent *e;
	size_t dl = strlen(dir);
	while (!rc && (errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		size_t nl = strlen(e->d_name);
		if (dl + 1 + nl >= sizeof path) {
			walk_note(w, dir, FIM_EUNREADABLE,
				  "an entry's path is longer than the system allows (4096 bytes); "
				  "it was not checked");
			continue;
		}
		memcpy(path, dir, dl);
		path[dl] = '/';
		memcpy(path + dl + 1, e->d_name, nl + 1);
		if (fim_walk_excluded(w->exclude, w->root, path))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			if (errno != ENOENT) /* gone since readdir: nothing to check */
				walk_note(w, path, FIM_EUNREADABLE, "cannot stat, not checked");
			continue;
		}
		if (S_ISDIR(st.st_mode))
			rc = walk_push(w, path);
		else if (S_ISLNK(st.st_mode))
			rc = walk_symlink(w, path);
		else if (S_ISREG(st.st_mode))
			rc = walk_file(w, path, &st);
		else
			walk_note(w, path, FIM_ENOTREG, special_kind(st.st_mode));
	}
	if (!rc && errno)
		walk_note(w, dir, FIM_EUNREADABLE, "directory could not be read to its end");
	closedir(d);
	return rc;
}

int fim_walk_collect(const char *root, const char *start, const char *exclude, struct fim_list *out,
		     fim_note_fn note, void *arg, char *why, size_t why_size)
{
	struct stat st;
	if (lstat(start, &st)) {
		snprintf(why, why_size, "%s cannot be read: %s", start, strerror(errno));
		return FIM_EIO;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, why_size, "%s is not a directory", start);
		return FIM_EIO;
	}
	struct walk_ctx w = {.root = root, .exclude = exclude, .out = out, .note = note, .arg = arg};
	int rc = walk_push(&w, start);
	while (!rc && w.n > 0) {
		char *dir = w.stack[--w.n];
		rc = walk_dir(&w, dir);
		free(dir);
	}
	while (w.n > 0)
		free(w.stack[--w.n]);
	free(w.stack);
	if (rc)
		snprintf(why, why_size, "walking %s: %s", start, fim_strerror(rc));
	return rc;
}

int fim_walk_root(const char *root, const char *start, const char *exclude, struct fim_list *out,
		  fim_note_fn note, void *arg, char *why, size_t why_size)
{
	struct fim_list l = {0};
	struct fim_pool_item *items = NULL;
	int rc = fim_walk_collect(root, start, exclude, &l, note, arg, why, why_size);
	if (!rc && (rc = fim_pool_hash(&l, NULL, NULL, NULL, &items)))
		snprintf(why, why_size, "walking %s: %s", start, fim_strerror(rc));
	for (size_t i = 0; !rc && i < l.n; i++) {
		if (items[i].rc) {
			if (note)
				note(l.v[i].path, items[i].rc, items[i].why, arg);
			continue;
		}
		rc = fim_list_add(out, &l.v[i]);
	}
	fim_pool_items_free(items, l.n);
	fim_list_free(&l);
	return rc;
}
