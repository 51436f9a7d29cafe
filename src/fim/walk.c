/*
 * The walk of a web root (nftw with FTW_PHYS: symlinks are reported, never
 * followed, so a symlink loop cannot trap it) and the hashing of one file.
 * nftw's callback takes no user argument, so the walk in progress is reached
 * through a thread-local pointer; walks on different threads stay independent.
 * A file is opened with O_NOFOLLOW|O_NONBLOCK (a FIFO swapped in after the
 * lstat cannot block the walk), checked to be regular, and fstat'ed before and
 * after it is read: a file written to during the read is reported, not hashed.
 */
#include "fim/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_READ_CHUNK (64 * 1024)
#define WALK_FDS 64
#define WALK_GLOB_MAX 256

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
	buf = malloc(WALK_READ_CHUNK);
	if (keep && before.st_size <= FIM_SCAN_MAX_BYTES)
		copy = malloc((size_t)before.st_size + 1);
	if (!buf || (keep && before.st_size <= FIM_SCAN_MAX_BYTES && !copy)) {
		rc = FIM_ENOMEM;
		snprintf(why, why_size, "out of memory");
		goto out;
	}
	crypto_generichash_init(&gs, NULL, 0, sizeof b2);
	crypto_hash_sha256_init(&ss);
	for (;;) {
		ssize_t r = read(fd, buf, WALK_READ_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, why_size, "read failed: %s", strerror(errno));
			rc = FIM_EUNREADABLE;
			goto out;
		}
		if (r == 0)
			break;
		crypto_generichash_update(&gs, buf, (size_t)r);
		crypto_hash_sha256_update(&ss, buf, (size_t)r);
		if (copy && have + (size_t)r <= (size_t)before.st_size)
			memcpy(copy + have, buf, (size_t)r);
		have += (size_t)r;
	}
	if (fstat(fd, &after) || after.st_size != before.st_size || (off_t)have != before.st_size ||
	    after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec ||
	    after.st_ctim.tv_sec != before.st_ctim.tv_sec || after.st_ctim.tv_nsec != before.st_ctim.tv_nsec) {
		snprintf(why, why_size, "changed while it was read; check again");
		rc = FIM_EUNSTABLE;
		goto out;
	}
	crypto_generichash_final(&gs, b2, sizeof b2);
	crypto_hash_sha256_final(&ss, sha);
	sodium_bin2hex(out->blake2b, sizeof out->blake2b, b2, sizeof b2);
	sodium_bin2hex(out->sha256, sizeof out->sha256, sha, sizeof sha);
	out->size = before.st_size;
	out->mode = before.st_mode;
	out->uid = before.st_uid;
	out->mtime = before.st_mtim.tv_sec;
	if (keep && copy) {
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
	int rc;
};

static _Thread_local struct walk_ctx *walk_cur;

static void walk_note(struct walk_ctx *w, const char *path, int err, const char *why)
{
	if (w->note)
		w->note(path, err, why, w->arg);
}

static void walk_symlink(struct walk_ctx *w, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		walk_note(w, path, FIM_ENOTREG, "symbolic link, not followed");
	else if (errno == ELOOP)
		walk_note(w, path, FIM_ENOTREG, "symbolic link loop, not followed");
	else
		walk_note(w, path, FIM_ENOTREG, "dangling symbolic link, not followed");
}

static int walk_visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	struct walk_ctx *w = walk_cur;
	char why[256];
	if (ftw->level > 0 && strcmp(path, w->root) && fim_walk_excluded(w->exclude, w->root, path))
		return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	switch (type) {
	case FTW_D:
	case FTW_DP:
		return FTW_CONTINUE;
	case FTW_DNR:
		walk_note(w, path, FIM_EUNREADABLE, "directory cannot be read, its files were not checked");
		return FTW_CONTINUE;
	case FTW_NS:
		walk_note(w, path, FIM_EUNREADABLE, "cannot stat, not checked");
		return FTW_CONTINUE;
	case FTW_SL:
	case FTW_SLN:
		walk_symlink(w, path);
		return FTW_CONTINUE;
	default:
		break;
	}
	if (!S_ISREG(sb->st_mode)) {
		walk_note(w, path, FIM_ENOTREG, S_ISFIFO(sb->st_mode) ? "named pipe (FIFO), skipped"
				   : S_ISSOCK(sb->st_mode) ? "socket, skipped"
							   : "device or special file, skipped");
		return FTW_CONTINUE;
	}
	struct store_fim_file f = {.path = path};
	int rc = fim_walk_hash_file(path, &f, NULL, NULL, why, sizeof why);
	if (rc == FIM_ENOMEM) {
		w->rc = rc;
		return FTW_STOP;
	}
	if (rc) {
		walk_note(w, path, rc, why);
		return FTW_CONTINUE;
	}
	if (fim_list_add(w->out, &f)) {
		w->rc = FIM_ENOMEM;
		return FTW_STOP;
	}
	return FTW_CONTINUE;
}

int fim_walk_root(const char *root, const char *start, const char *exclude, struct fim_list *out,
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
	struct walk_ctx *saved = walk_cur;
	walk_cur = &w;
	errno = 0;
	int r = nftw(start, walk_visit, WALK_FDS, FTW_PHYS | FTW_ACTIONRETVAL);
	walk_cur = saved;
	if (w.rc) {
		snprintf(why, why_size, "walking %s: %s", start, fim_strerror(w.rc));
		return w.rc;
	}
	if (r == -1) {
		/* nftw gives up on an error it cannot hand to the callback (a path
		 * longer than PATH_MAX); what was walked is kept and the rest reported. */
		char msg[128];
		snprintf(msg, sizeof msg, "the walk stopped early: %s; files after this were not checked",
			 strerror(errno));
		if (note)
			note(start, FIM_EUNREADABLE, msg, arg);
	}
	return FIM_OK;
}
