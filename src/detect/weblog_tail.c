/*
 * The file side of the access-log follower: per file a current reader (the file
 * now at the path) and, after a rotation, the old reader draining the renamed
 * file; each reader keeps its offset, its inode and a partial-line buffer of at
 * most line_max bytes. Every pass fstat()s the open file (shorter than what was
 * read: truncated) and stat()s the path (another inode: rotated). Operator log
 * lines say when a file is opened, missing, unreadable, rotated or truncated,
 * each once per change rather than once per pass.
 */
#include "detect/weblog_tail.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

#define CHUNK (64u * 1024)
#define WATCH_MASK \
	(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB)

struct reader {
	int fd;
	dev_t dev;
	ino_t ino;
	off_t off;           /* bytes consumed from the file */
	char *buf;
	size_t have;         /* bytes of a partial line in buf */
	bool skipping;       /* inside a line already reported too long */
	int64_t drain_until; /* old reader: closed after this (monotonic ms) */
};

struct tail_file {
	char path[PATH_MAX];
	char dir[PATH_MAX];
	int wd;
	bool from_end, tried;
	int logged_errno; /* the open error last logged, so it is logged once */
	bool gone_logged;
	struct reader cur, old;
};

struct weblog_tail {
	size_t line_max, buf_size;
	weblog_tail_line_fn fn;
	void *arg;
	int ino_fd;
	int n;
	struct tail_file f[WEBLOG_TAIL_FILES_MAX];
	struct weblog_tail_stats st;
};

static void reader_reset(struct reader *r)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

int weblog_tail_new(size_t line_max, weblog_tail_line_fn fn, void *arg, struct weblog_tail **out)
{
	*out = NULL;
	if (!fn || line_max == 0 || line_max > (64u << 20))
		return WEBLOG_TAIL_EINVAL;
	struct weblog_tail *t = calloc(1, sizeof *t);
	if (!t)
		return WEBLOG_TAIL_ENOMEM;
	t->line_max = line_max;
	t->buf_size = line_max + 1 + CHUNK;
	t->fn = fn;
	t->arg = arg;
	/* Without inotify (limits reached, odd file systems) the timed pass does all. */
	t->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->ino_fd < 0)
		log_warn("weblog", "inotify unavailable (%s): access logs are polled only", strerror(errno));
	*out = t;
	return WEBLOG_TAIL_OK;
}

static void emit(struct weblog_tail *t, const char *path, char *line, size_t len, bool too_long)
{
	if (too_long) {
		t->st.too_long++;
		if (len > t->line_max)
			len = t->line_max;
	}
	line[len] = '\0';
	t->st.lines++;
	t->fn(t->arg, path, line, len, too_long);
}

static void reader_close(struct weblog_tail *t, const char *path, struct reader *r, bool flush)
{
	/* the writer's last line of a rotated file may lack its newline */
	if (flush && r->buf && r->have && !r->skipping)
		emit(t, path, r->buf, r->have, false);
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	reader_reset(r);
}

void weblog_tail_free(struct weblog_tail *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n; i++) {
		reader_close(t, t->f[i].path, &t->f[i].cur, false);
		reader_close(t, t->f[i].path, &t->f[i].old, false);
	}
	if (t->ino_fd >= 0)
		close(t->ino_fd);
	free(t);
}

int weblog_tail_add(struct weblog_tail *t, const char *path, bool from_end)
{
	if (!path || !path[0] || strlen(path) >= PATH_MAX || t->n == WEBLOG_TAIL_FILES_MAX)
		return WEBLOG_TAIL_EINVAL;
	struct tail_file *f = &t->f[t->n++];
	memset(f, 0, sizeof *f);
	snprintf(f->path, sizeof f->path, "%s", path);
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(f->dir, sizeof f->dir, ".");
	else if (slash == path)
		snprintf(f->dir, sizeof f->dir, "/");
	else
		snprintf(f->dir, sizeof f->dir, "%.*s", (int)(slash - path), path);
	f->wd = -1;
	f->from_end = from_end;
	reader_reset(&f->cur);
	reader_reset(&f->old);
	return WEBLOG_TAIL_OK;
}

/* Splits the buffer into lines; keeps a partial last line (at most line_max). */
static void reader_lines(struct weblog_tail *t, const char *path, struct reader *r, size_t end)
{
	size_t start = 0;
	char *nl;
	while ((nl = memchr(r->buf + start, '\n', end - start))) {
		size_t len = (size_t)(nl - (r->buf + start));
		if (r->skipping)
			r->skipping = false;
		else if (len > 0)
			emit(t, path, r->buf + start, len, len > t->line_max);
		start += len + 1;
	}
	r->have = end - start;
	if (r->have > t->line_max) {
		if (!r->skipping)
			emit(t, path, r->buf + start, r->have, true);
		r->skipping = true;
		r->have = 0;
	} else if (start) {
		memmove(r->buf, r->buf + start, r->have);
	}
}

/* Reads what was appended, at most WEBLOG_TAIL_PASS_MAX; true when more is left. */
static bool reader_read(struct weblog_tail *t, struct tail_file *f, struct reader *r)
{
	size_t budget = WEBLOG_TAIL_PASS_MAX;
	while (budget > 0) {
		size_t room = t->buf_size - 1 - r->have;
		if (room > budget)
			room = budget;
		ssize_t n = read(r->fd, r->buf + r->have, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (f->logged_errno != errno)
				log_error("weblog", "cannot read %s: %s", f->path, strerror(errno));
			f->logged_errno = errno;
			return false;
		}
		if (n == 0)
			return false;
		r->off += n;
		t->st.bytes += (uint64_t)n;
		budget -= (size_t)n;
		reader_lines(t, f->path, r, r->have + (size_t)n);
	}
	return true;
}

static void reader_open(struct weblog_tail *t, struct tail_file *f)
{
	bool at_end = f->from_end && !f->tried;
	f->tried = true;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	int err = fd < 0 ? errno : fstat(fd, &st) ? errno : !S_ISREG(st.st_mode) ? EINVAL : 0;
	char *buf = err ? NULL : malloc(t->buf_size);
	if (!err && !buf)
		err = ENOMEM;
	if (err) {
		if (fd >= 0)
			close(fd);
		if (err != f->logged_errno) {
			if (err == ENOENT)
				log_warn("weblog", "%s does not exist (yet): it is followed from its start once it appears",
					 f->path);
			else if (err == EINVAL)
				log_error("weblog", "%s is not a regular file: check [weblog] paths", f->path);
			else
				log_error("weblog", "cannot open %s: %s: let the service user read it (retrying)", f->path,
					  strerror(err));
		}
		f->logged_errno = err;
		return;
	}
	struct reader *r = &f->cur;
	r->fd = fd;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	r->buf = buf;
	if (at_end && st.st_size > 0) {
		char last = '\n';
		r->off = lseek(fd, st.st_size, SEEK_SET);
		if (r->off < 0)
			r->off = 0;
		/* started inside a line: its tail is not a line of its own */
		r->skipping = r->off > 0 && pread(fd, &last, 1, r->off - 1) == 1 && last != '\n';
	}
	f->logged_errno = 0;
	log_info("weblog", "following %s from %s (byte %lld)", f->path, r->off ? "its end" : "its start",
		 (long long)r->off);
}

/* One file; true when it has more to read right away. */
static bool file_poll(struct weblog_tail *t, struct tail_file *f, int64_t now_ms)
{
	bool more = false;
	if (t->ino_fd >= 0 && f->wd < 0)
		f->wd = inotify_add_watch(t->ino_fd, f->dir, WATCH_MASK);
	if (f->cur.fd < 0)
		reader_open(t, f);
	struct reader *r = &f->cur;
	if (r->fd >= 0) {
		struct stat st;
		if (fstat(r->fd, &st) == 0 && st.st_size < r->off) {
			log_warn("weblog", "%s shrank from %lld to %lld bytes (truncated, e.g. copytruncate): reading it "
					   "again from its start",
				 f->path, (long long)r->off, (long long)st.st_size);
			t->st.truncations++;
			r->off = lseek(r->fd, 0, SEEK_SET) == 0 ? 0 : r->off;
			r->have = 0;
			r->skipping = false;
		}
		more = reader_read(t, f, r);
		if (stat(f->path, &st) == 0) {
			f->gone_logged = false;
			/* switch only once the old file is read to its end */
			if ((st.st_dev != r->dev || st.st_ino != r->ino) && !more) {
				if (f->old.fd >= 0) /* rotated again while draining */
					reader_close(t, f->path, &f->old, true);
				f->old = *r;
				f->old.drain_until = now_ms + WEBLOG_TAIL_DRAIN_MS;
				reader_reset(r);
				t->st.rotations++;
				log_info("weblog", "%s was rotated: finishing the old file (read to byte %lld) and following the "
						   "new one",
					 f->path, (long long)f->old.off);
				reader_open(t, f);
				if (r->fd >= 0)
					more = reader_read(t, f, r);
			}
		} else if (errno == ENOENT && !f->gone_logged) {
			log_info("weblog", "%s was renamed or removed: reading the open file until a new one appears",
				 f->path);
			f->gone_logged = true;
		}
	}
	if (f->old.fd >= 0) {
		bool old_more = reader_read(t, f, &f->old);
		if (!old_more && now_ms >= f->old.drain_until) {
			log_info("weblog", "finished the rotated file of %s at byte %lld", f->path,
				 (long long)f->old.off);
			reader_close(t, f->path, &f->old, true);
		}
		more |= old_more;
	}
	return more;
}

bool weblog_tail_poll(struct weblog_tail *t, int64_t now_ms)
{
	bool more = false;
	for (int i = 0; i < t->n; i++)
		more |= file_poll(t, &t->f[i], now_ms);
	return more;
}

/* Reads the pending events; a watch removed with its directory is re-added later. */
static void drain_events(struct weblog_tail *t)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(t->ino_fd, ev, sizeof ev);
		if (n <= 0)
			return;
		for (char *p = ev; p < ev + n;) {
			const struct inotify_event *e = (const struct inotify_event *)(void *)p;
			if (e->mask & IN_IGNORED)
				for (int i = 0; i < t->n; i++)
					if (t->f[i].wd == e->wd)
						t->f[i].wd = -1;
			p += sizeof *e + e->len;
		}
	}
}

bool weblog_tail_wait(struct weblog_tail *t, int stop_fd, int timeout_ms)
{
	struct pollfd p[2] = {{.fd = stop_fd, .events = POLLIN}, {.fd = t->ino_fd, .events = POLLIN}};
	int n = poll(p, t->ino_fd >= 0 ? 2 : 1, timeout_ms);
	if (n <= 0)
		return false;
	if (t->ino_fd >= 0 && (p[1].revents & POLLIN))
		drain_events(t);
	return (p[0].revents & (POLLIN | POLLHUP)) != 0;
}

void weblog_tail_stats_get(const struct weblog_tail *t, struct weblog_tail_stats *out)
{
	*out = t->st;
}
