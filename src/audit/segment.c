/*
 * Segment files: their names (first seq and local day, so a plain sort is the
 * chain's order), listing the live and archived ones, reading them line by line
 * with a bounded line buffer, moving old ones to DATA/audit/archive/ for
 * retention (a rename on the same file system: never a copy, never a delete), and
 * the lock that keeps a second process from extending the same chain.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit_int.h"
#include "core/clock.h"
#include "core/log.h"

#define READ_CHUNK (1u << 20)

int audit_segment_name(uint64_t first_seq, int64_t day, char *out, size_t size)
{
	char date[16];
	if (clock_format_local_date(clock_local_day_start(day), date, sizeof date))
		return -1;
	/* "2026-11-23" -> "20261123" */
	int n = snprintf(out, size, "seg-%020" PRIu64 "-%.4s%.2s%.2s.jsonl", first_seq, date,
			 date + 5, date + 8);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int audit_segment_parse_name(const char *name, uint64_t *first_seq, int64_t *day)
{
	char date[11];
	if (strlen(name) != 4 + 20 + 1 + 8 + 6 || strncmp(name, "seg-", 4) != 0 || name[24] != '-' ||
	    strcmp(name + 33, ".jsonl") != 0)
		return -1;
	uint64_t seq = 0;
	for (int i = 4; i < 24; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		seq = seq * 10 + (uint64_t)(name[i] - '0');
	}
	snprintf(date, sizeof date, "%.4s-%.2s-%.2s", name + 25, name + 29, name + 31);
	if (seq == 0 || clock_parse_local_date(date, day))
		return -1;
	*first_seq = seq;
	return 0;
}

static int list_dir(const char *dir, bool archived, struct audit_segment **v, size_t *n,
		    size_t *cap, char *why, size_t why_size)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, why_size, "cannot read %s: %s", dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		struct audit_segment s = {.archived = archived};
		if (audit_segment_parse_name(e->d_name, &s.first_seq, &s.day))
			continue;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			struct audit_segment *nv = realloc(*v, nc * sizeof *nv);
			if (!nv) {
				snprintf(why, why_size, "out of memory listing %s", dir);
				rc = -1;
				break;
			}
			*v = nv;
			*cap = nc;
		}
		memcpy(s.name, e->d_name, strlen(e->d_name) + 1); /* the parse fixed its length */
		if (datadir_path(dir, e->d_name, s.path, sizeof s.path)) {
			snprintf(why, why_size, "path too long under %s", dir);
			rc = -1;
			break;
		}
		(*v)[(*n)++] = s;
	}
	closedir(d);
	return rc;
}

static int segment_cmp(const void *a, const void *b)
{
	const struct audit_segment *x = a, *y = b;
	if (x->first_seq != y->first_seq)
		return x->first_seq < y->first_seq ? -1 : 1;
	return x->archived == y->archived ? 0 : (x->archived ? -1 : 1);
}

int audit_segment_list(const char *audit_dir, struct audit_segment **out, size_t *n, char *why,
		       size_t why_size)
{
	char archive[DATADIR_PATH_MAX];
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (datadir_path(audit_dir, "archive", archive, sizeof archive)) {
		snprintf(why, why_size, "path too long");
		return -1;
	}
	if (list_dir(archive, true, out, n, &cap, why, why_size) ||
	    list_dir(audit_dir, false, out, n, &cap, why, why_size)) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	if (*n)
		qsort(*out, *n, sizeof **out, segment_cmp);
	return 0;
}

int audit_segment_each_line(const char *path, audit_line_fn fn, void *arg, char *why,
			    size_t why_size)
{
	int rc = 0;
	char *chunk = malloc(READ_CHUNK);
	char *line = malloc(AUDIT_LINE_MAX + 2);
	size_t len = 0, lineno = 0;
	off_t at = 0, start = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || !chunk || !line) {
		snprintf(why, why_size, "cannot read %s: %s", path, fd < 0 ? strerror(errno) : "out of memory");
		rc = -1;
		goto out;
	}
	for (;;) {
		ssize_t got = read(fd, chunk, READ_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
			rc = -1;
			goto out;
		}
		if (got == 0)
			break;
		for (ssize_t i = 0; i < got; i++) {
			char c = chunk[i];
			at++;
			if (c != '\n') {
				/* An over-long line is kept one byte too long so the parser rejects it. */
				if (len <= AUDIT_LINE_MAX)
					line[len++] = c;
				continue;
			}
			line[len] = '\0';
			rc = fn(line, len, true, start, ++lineno, arg);
			if (rc)
				goto out;
			len = 0;
			start = at;
		}
	}
	if (at > start) {
		line[len] = '\0';
		rc = fn(line, len, false, start, ++lineno, arg);
	}
out:
	if (fd >= 0)
		close(fd);
	free(chunk);
	free(line);
	return rc;
}

/* Local day `months` calendar months before the local day of `now` (day of month
 * clamped to the target month's length). */
static int64_t months_before(int64_t now, int months)
{
	int y, m, d;
	char date[48];
	int64_t day;
	clock_local_date(now, &y, &m, &d, NULL);
	int total = y * 12 + (m - 1) - months;
	y = total / 12;
	m = total % 12 + 1;
	for (; d > 0; d--) {
		snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
		if (clock_parse_local_date(date, &day) == 0)
			return day;
	}
	return clock_local_day(now) - 31L * months;
}

int audit_segment_archive_old(const char *audit_dir, int months, int64_t now, const char *keep_name)
{
	char archive[DATADIR_PATH_MAX], why[256], dst[DATADIR_PATH_MAX];
	struct audit_segment *segs = NULL;
	size_t n = 0;
	int moved = 0;
	if (months <= 0 || datadir_path(audit_dir, "archive", archive, sizeof archive))
		return -1;
	if (mkdir(archive, 0700) != 0 && errno != EEXIST)
		return -1;
	if (audit_segment_list(audit_dir, &segs, &n, why, sizeof why))
		return -1;
	int64_t cutoff = months_before(now, months);
	for (size_t i = 0; i < n; i++) {
		if (segs[i].archived || segs[i].day >= cutoff || !strcmp(segs[i].name, keep_name ? keep_name : ""))
			continue;
		if (datadir_path(archive, segs[i].name, dst, sizeof dst) || rename(segs[i].path, dst) != 0) {
			log_error("audit", "cannot move %s to %s: %s; it stays in place", segs[i].path,
				  archive, strerror(errno));
			continue;
		}
		log_info("audit", "archived %s (older than %d months) into %s", segs[i].name, months, archive);
		moved++;
	}
	if (moved) {
		datadir_fsync(archive);
		datadir_fsync(audit_dir);
	}
	free(segs);
	return moved;
}

int audit_lock_acquire(const char *audit_dir, int *fd, char *why, size_t why_size)
{
	char path[DATADIR_PATH_MAX];
	if (datadir_path(audit_dir, ".lock", path, sizeof path)) {
		snprintf(why, why_size, "path too long");
		return AUDIT_EIO;
	}
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f < 0) {
		snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
		return AUDIT_EIO;
	}
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		snprintf(why, why_size,
			 "the audit log in %s is in use by another canhgac process (is 'canhgac serve' "
			 "running on this data directory?): stop it first",
			 audit_dir);
		close(f);
		return AUDIT_EUNAVAILABLE;
	}
	*fd = f;
	return 0;
}

bool audit_writer_running(const char *data_dir)
{
	char dir[DATADIR_PATH_MAX], path[DATADIR_PATH_MAX];
	if (datadir_path(data_dir, "audit", dir, sizeof dir) || datadir_path(dir, ".lock", path, sizeof path))
		return false;
	int f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f < 0)
		return false; /* no lock file: no writer has ever run */
	bool held = flock(f, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(f);
	return held;
}
