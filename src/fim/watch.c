/*
 * The watcher's thread. inotify watches every directory under the roots (not
 * the excluded ones) in a map from watch descriptor to path. An event marks its
 * path pending with a short delay that coalesces the burst of one write
 * (create, modify, close): 50 ms after a close, rename, delete or attribute
 * change, 300 ms after a create or modify but never more than 1 s after the
 * first event, so a file held open and written on is still checked in time.
 * A pending path is checked with fim_check_subtree: a file against its baseline
 * row, a new directory walked whole (the files created in it before its watch
 * existed), a vanished one as removed rows. A file that changes while it is read
 * is checked again a little later (a few times). A directory created or moved
 * in gets its watches at once; one moved away loses them.
 *
 * A full rescan (the first at start, then every rescan_seconds, and after an
 * inotify queue overflow or a pending list that filled up) walks the directories
 * again: a watch is added where one is missing, a path that changed is corrected
 * (the kernel returns the same descriptor for the same directory), and watches
 * not seen again are dropped; then it checks each root whole. Without inotify (no instance left) rescans remain.
 */
#include "fim/watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "fim/baseline.h"
#include "fim/scan.h"
#include "fim/walk.h"
#include "fim/watch_int.h"
#include "store/store.h"

#define WATCH_MASK                                                                                       \
	(IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_ATTRIB |   \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW | IN_ONLYDIR | IN_EXCL_UNLINK)
#define QUICK_MS 50
#define SETTLE_MS 300
#define SETTLE_CAP_MS 1000
#define RETRY_MS 500
#define RETRIES_MAX 5
#define RESCAN_GAP_MS 2000 /* between overflow-driven rescans */

/* ---- the map of watched directories (open addressing on wd) ---- */

static struct watch_dir *dir_slot(struct fim_watch *w, int wd)
{
	if (!w->dcap)
		return NULL;
	for (size_t i = (size_t)wd & (w->dcap - 1);; i = (i + 1) & (w->dcap - 1)) {
		if (w->dirs[i].wd == wd || w->dirs[i].wd == 0)
			return &w->dirs[i];
	}
}

static struct watch_dir *dir_find(struct fim_watch *w, int wd)
{
	struct watch_dir *d = dir_slot(w, wd);
	return d && d->wd == wd ? d : NULL;
}

static int dir_grow(struct fim_watch *w)
{
	size_t cap = w->dcap ? w->dcap * 2 : 1024;
	struct watch_dir *old = w->dirs;
	size_t ocap = w->dcap;
	w->dirs = calloc(cap, sizeof *w->dirs);
	if (!w->dirs) {
		w->dirs = old;
		return FIM_ENOMEM;
	}
	w->dcap = cap;
	w->dused = w->dlive = 0;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].wd > 0) {
			*dir_slot(w, old[i].wd) = old[i];
			w->dused++;
			w->dlive++;
		}
	}
	free(old);
	return FIM_OK;
}

static void dir_remove(struct fim_watch *w, struct watch_dir *d)
{
	free(d->path);
	d->path = NULL;
	d->wd = -1;
	w->dlive--;
}

static void dirs_clear(struct fim_watch *w)
{
	for (size_t i = 0; i < w->dcap; i++) {
		if (w->dirs[i].wd > 0 && w->ifd >= 0)
			inotify_rm_watch(w->ifd, w->dirs[i].wd);
		free(w->dirs[i].path);
	}
	if (w->dcap)
		memset(w->dirs, 0, w->dcap * sizeof *w->dirs);
	w->dused = w->dlive = 0;
}

/* Watches one directory; false when the watch limit is reached. */
static bool dir_watch(struct fim_watch *w, int root, const char *path)
{
	int wd = inotify_add_watch(w->ifd, path, WATCH_MASK);
	if (wd < 0) {
		if (errno == ENOSPC && !w->limit_warned) {
			log_warn("fim", "the inotify watch limit is reached (fs.inotify.max_user_watches): "
					"directories beyond it are checked only by the periodic rescan");
			w->limit_warned = true;
		}
		return errno != ENOSPC;
	}
	if ((w->dused + 1) * 10 >= w->dcap * 7 && dir_grow(w))
		return true;
	struct watch_dir *d = dir_slot(w, wd);
	if (d->wd == wd) { /* the same directory again (a rescan, a rename we followed) */
		d->gen = w->gen;
		if (strcmp(d->path, path)) {
			char *p = strdup(path);
			if (p) {
				free(d->path);
				d->path = p;
			}
		}
		d->root = root;
		return true;
	}
	char *p = strdup(path);
	if (!p)
		return true;
	*d = (struct watch_dir){.wd = wd, .root = root, .gen = w->gen, .path = p};
	w->dused++;
	w->dlive++;
	return true;
}

/* Watches `top` and every directory under it (iteratively), skipping excluded ones. */
static void tree_watch(struct fim_watch *w, int root, const char *top)
{
	char **stack = NULL, path[FIM_WALK_PATH_MAX];
	size_t n = 0, cap = 0;
	if (w->ifd < 0 || !(stack = malloc(64 * sizeof *stack)))
		return;
	cap = 64;
	if (!(stack[n] = strdup(top))) {
		free(stack);
		return;
	}
	n++;
	bool room = true;
	while (n > 0) {
		char *dir = stack[--n];
		room = room && dir_watch(w, root, dir);
		DIR *dh = room ? opendir(dir) : NULL;
		struct dirent *e;
		size_t dl = strlen(dir);
		while (dh && (e = readdir(dh))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			struct stat st;
			bool isdir = e->d_type == DT_DIR;
			if (e->d_type == DT_UNKNOWN)
				isdir = fstatat(dirfd(dh), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
			if (!isdir || dl + 1 + strlen(e->d_name) >= sizeof path)
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (fim_walk_excluded(w->deps.cfg->fim.exclude, w->roots[root], path))
				continue;
			if (n == cap) {
				char **s = realloc(stack, 2 * cap * sizeof *s);
				if (!s)
					continue;
				stack = s;
				cap *= 2;
			}
			if ((stack[n] = strdup(path)))
				n++;
		}
		if (dh)
			closedir(dh);
		free(dir);
	}
	free(stack);
}

/* Drops the watches of `top` and of every directory under it (it moved away). */
static void tree_unwatch(struct fim_watch *w, const char *top)
{
	size_t n = strlen(top);
	for (size_t i = 0; i < w->dcap; i++) {
		struct watch_dir *d = &w->dirs[i];
		if (d->wd > 0 && !strncmp(d->path, top, n) && (d->path[n] == 0 || d->path[n] == '/')) {
			inotify_rm_watch(w->ifd, d->wd);
			dir_remove(w, d);
		}
	}
}

/* Drops the watches a rescan did not see again (deleted or moved away while
 * events were lost). Removing only those keeps the kernel's IN_IGNORED events
 * few: dropping every watch of a tree with more directories than the queue
 * holds would overflow it, and the overflow would ask for another rescan. */
static void stale_unwatch(struct fim_watch *w)
{
	for (size_t i = 0; i < w->dcap; i++) {
		struct watch_dir *d = &w->dirs[i];
		if (d->wd > 0 && d->gen != w->gen) {
			inotify_rm_watch(w->ifd, d->wd);
			dir_remove(w, d);
		}
	}
}

/* ---- pending paths ---- */

static void pending_add(struct fim_watch *w, int root, const char *path, bool quick)
{
	int64_t now = clock_mono_ms();
	for (size_t i = 0; i < w->npend; i++) {
		struct watch_pending *p = &w->pend[i];
		if (strcmp(p->path, path))
			continue;
		int64_t due = quick ? now + QUICK_MS : now + SETTLE_MS;
		if (due > p->first_ms + SETTLE_CAP_MS)
			due = p->first_ms + SETTLE_CAP_MS;
		if (quick ? due < p->due_ms : due > p->due_ms)
			p->due_ms = due;
		return;
	}
	if (w->npend == FIM_WATCH_PENDING_MAX) {
		w->need_rescan = true; /* the rescan checks everything anyway */
		return;
	}
	char *copy = strdup(path);
	if (!copy) {
		w->need_rescan = true;
		return;
	}
	w->pend[w->npend++] = (struct watch_pending){.path = copy, .root = root, .first_ms = now,
						     .due_ms = now + (quick ? QUICK_MS : SETTLE_MS),
						     .event_rt = watch_real_ms()};
}

static void pending_clear(struct fim_watch *w)
{
	for (size_t i = 0; i < w->npend; i++)
		free(w->pend[i].path);
	w->npend = 0;
}

/* ---- checking ---- */

struct note_ctx {
	bool unstable;
};

static void watch_note(const char *path, int err, const char *why, void *arg)
{
	char text[FIM_PATH_TEXT_MAX];
	if (err == FIM_EUNSTABLE && arg)
		((struct note_ctx *)arg)->unstable = true;
	if (err == FIM_EUNREADABLE || err == FIM_EUNSTABLE || err == FIM_ERULES) {
		const char *kv[] = {"path", fim_path_text(path, text, sizeof text), "why", why, NULL};
		log_write_kv(LOG_WARN, "fim", "a file could not be checked", kv);
	}
}

static void check_due(struct fim_watch *w)
{
	int64_t now = clock_mono_ms();
	struct watch_pass pass = {.source = "inotify"};
	size_t keep = 0, checked = 0;
	char why[512];
	for (size_t i = 0; i < w->npend; i++) {
		struct watch_pending *p = &w->pend[i];
		if (p->due_ms > now) {
			w->pend[keep++] = *p;
			continue;
		}
		struct fim_findings found = {0};
		struct fim_check_stats stats = {.cancel = &w->cancel};
		struct note_ctx nc = {0};
		int rc = fim_check_subtree(w->deps.st, w->sc, w->roots[p->root], p->path, w->deps.cfg->fim.exclude,
					   &found, &stats, watch_note, &nc, why, sizeof why);
		if (rc && rc != FIM_ECANCELLED)
			log_error("fim", "checking a changed path failed: %s", why);
		checked++;
		watch_report(w, &pass, found.v, found.n, p->event_rt);
		fim_findings_free(&found);
		if (nc.unstable && p->retries < RETRIES_MAX) { /* still being written: look again */
			p->retries++;
			p->due_ms = now + RETRY_MS;
			w->pend[keep++] = *p;
			continue;
		}
		free(p->path);
	}
	w->npend = keep;
	watch_report_end(w, &pass);
	pthread_mutex_lock(&w->mu);
	w->stats.checks += checked;
	pthread_mutex_unlock(&w->mu);
}

static void rescan(struct fim_watch *w, const char *why_text)
{
	char why[512];
	int64_t t0 = clock_mono_ms();
	struct watch_pass pass = {.source = "rescan"};
	if (w->ifd >= 0) {
		w->gen++;
		for (size_t r = 0; r < w->nroots; r++)
			tree_watch(w, (int)r, w->roots[r]);
		stale_unwatch(w);
	}
	pending_clear(w); /* the rescan sees what they would have */
	w->need_rescan = false;
	size_t files = 0;
	for (size_t r = 0; r < w->nroots; r++) {
		struct fim_findings found = {0};
		struct fim_check_stats stats = {.cancel = &w->cancel};
		int rc = fim_check_subtree(w->deps.st, w->sc, w->roots[r], w->roots[r], w->deps.cfg->fim.exclude,
					   &found, &stats, watch_note, NULL, why, sizeof why);
		if (rc == FIM_ECANCELLED) {
			fim_findings_free(&found);
			return;
		}
		if (rc)
			log_error("fim", "the rescan of %s failed: %s", w->roots[r], why);
		files += stats.files;
		watch_report(w, &pass, found.v, found.n, 0);
		fim_findings_free(&found);
	}
	watch_report_end(w, &pass);
	w->last_rescan_ms = clock_mono_ms();
	w->next_rescan_ms = w->last_rescan_ms + (int64_t)w->deps.cfg->fim.rescan_seconds * 1000;
	pthread_mutex_lock(&w->mu);
	w->stats.rescans++;
	w->stats.directories = w->dlive;
	pthread_mutex_unlock(&w->mu);
	char n[32], d[32], ms[32];
	snprintf(n, sizeof n, "%zu", files);
	snprintf(d, sizeof d, "%zu", w->dlive);
	snprintf(ms, sizeof ms, "%lld", (long long)(w->last_rescan_ms - t0));
	const char *kv[] = {"reason", why_text, "files", n, "directories_watched", d, "ms", ms, NULL};
	log_write_kv(LOG_INFO, "fim", "web roots rescanned", kv);
}

/* ---- events ---- */

static bool is_root(struct fim_watch *w, const char *path)
{
	for (size_t i = 0; i < w->nroots; i++)
		if (!strcmp(w->roots[i], path))
			return true;
	return false;
}

static void on_event(struct fim_watch *w, const struct inotify_event *ev)
{
	char path[FIM_WALK_PATH_MAX];
	if (ev->mask & IN_Q_OVERFLOW) {
		pthread_mutex_lock(&w->mu);
		w->stats.overflows++;
		pthread_mutex_unlock(&w->mu);
		log_warn("fim", "the inotify queue overflowed: events were lost, rescanning the web roots");
		w->need_rescan = true;
		return;
	}
	struct watch_dir *d = dir_find(w, ev->wd);
	if (!d)
		return;
	if (ev->mask & IN_IGNORED) {
		dir_remove(w, d);
		return;
	}
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
		if (is_root(w, d->path)) {
			log_warn("fim", "a web root was deleted or moved: %s", d->path);
			w->need_rescan = true;
		}
		return; /* other directories: their parent's event says it */
	}
	if (!ev->len || (size_t)snprintf(path, sizeof path, "%s/%s", d->path, ev->name) >= sizeof path)
		return;
	int root = d->root;
	if (fim_walk_excluded(w->deps.cfg->fim.exclude, w->roots[root], path))
		return;
	if (ev->mask & IN_ISDIR) {
		if (ev->mask & IN_MOVED_FROM)
			tree_unwatch(w, path);
		if (ev->mask & (IN_CREATE | IN_MOVED_TO))
			tree_watch(w, root, path); /* then its check finds what is already inside */
		if (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE))
			pending_add(w, root, path, true);
		return;
	}
	bool quick = ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB);
	pending_add(w, root, path, quick);
}

static void read_events(struct fim_watch *w)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(w->ifd, buf, sizeof buf);
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			on_event(w, ev);
			p += sizeof *ev + ev->len;
		}
	}
}

static void take_injected(struct fim_watch *w)
{
	char drain[64];
	uint32_t masks[16];
	size_t n;
	while (read(w->wake[0], drain, sizeof drain) > 0)
		;
	pthread_mutex_lock(&w->mu);
	n = w->ninjected;
	memcpy(masks, w->injected, n * sizeof *masks);
	w->ninjected = 0;
	pthread_mutex_unlock(&w->mu);
	for (size_t i = 0; i < n; i++) {
		struct inotify_event ev = {.wd = -1, .mask = masks[i]};
		on_event(w, &ev);
	}
}

/* Roots without a baseline get one now: without it every file would be "added". */
struct has_root {
	const char *root;
	bool found;
};

static int root_seen(const char *root, void *arg)
{
	struct has_root *h = arg;
	if (!strcmp(root, h->root))
		h->found = true;
	return 0;
}

static void baseline_missing(struct fim_watch *w)
{
	char why[512];
	for (size_t r = 0; r < w->nroots; r++) {
		struct has_root h = {.root = w->roots[r]};
		if (store_fim_roots_each(w->deps.st, root_seen, &h) || h.found)
			continue;
		const char *root = w->roots[r];
		struct fim_baseline_stats bs = {0};
		if (fim_baseline_record(w->deps.st, &root, 1, w->deps.cfg->fim.exclude, clock_now(), watch_note,
					NULL, &bs, why, sizeof why))
			log_error("fim", "no baseline of %s, and it could not be recorded: %s", root, why);
		else
			log_warn("fim", "%s had no baseline: its current %zu files were recorded as the approved "
					"state; check them with 'canhgac fim check' and a malware scan",
				 root, bs.files);
	}
}

static bool stopping(struct fim_watch *w)
{
	pthread_mutex_lock(&w->mu);
	bool s = w->stop;
	pthread_mutex_unlock(&w->mu);
	return s;
}

static void *watch_main(void *arg)
{
	struct fim_watch *w = arg;
	baseline_missing(w);
	rescan(w, "start");
	pthread_mutex_lock(&w->mu);
	w->stats.ready = 1;
	pthread_mutex_unlock(&w->mu);
	while (!stopping(w)) {
		int64_t now = clock_mono_ms(), next = w->next_rescan_ms;
		if (w->need_rescan) {
			int64_t at = w->last_rescan_ms + RESCAN_GAP_MS;
			next = at < next ? at : next;
		}
		for (size_t i = 0; i < w->npend; i++)
			if (w->pend[i].due_ms < next)
				next = w->pend[i].due_ms;
		int64_t wait = next - now;
		struct pollfd pf[2] = {{.fd = w->wake[0], .events = POLLIN}, {.fd = w->ifd, .events = POLLIN}};
		int r = poll(pf, w->ifd >= 0 ? 2 : 1, wait < 0 ? 0 : wait > 60000 ? 60000 : (int)wait);
		if (r > 0 && (pf[0].revents & POLLIN))
			take_injected(w);
		if (r > 0 && w->ifd >= 0 && (pf[1].revents & POLLIN))
			read_events(w);
		if (stopping(w))
			break;
		now = clock_mono_ms();
		if ((w->need_rescan && now >= w->last_rescan_ms + RESCAN_GAP_MS) || now >= w->next_rescan_ms)
			rescan(w, w->need_rescan ? "overflow" : "period");
		else if (w->npend)
			check_due(w);
	}
	return NULL;
}

/* ---- life ---- */

struct roots_ctx {
	struct fim_watch *w;
	char *why;
	size_t why_size;
};

static int root_add(const char *item, void *arg)
{
	struct roots_ctx *c = arg;
	char canon[FIM_WALK_PATH_MAX], why[512];
	struct stat st;
	if (fim_baseline_canonical(item, canon, sizeof canon, why, sizeof why) || lstat(canon, &st) ||
	    !S_ISDIR(st.st_mode)) {
		snprintf(c->why, c->why_size, "[fim] roots: %s is not a directory", item);
		return FIM_EINVAL;
	}
	char **v = realloc(c->w->roots, (c->w->nroots + 1) * sizeof *v);
	if (!v)
		return FIM_ENOMEM;
	c->w->roots = v;
	if (!(v[c->w->nroots] = strdup(canon)))
		return FIM_ENOMEM;
	c->w->nroots++;
	return 0;
}

static void watch_free(struct fim_watch *w)
{
	if (!w)
		return;
	dirs_clear(w);
	free(w->dirs);
	pending_clear(w);
	free(w->pend);
	free(w->seen);
	for (size_t i = 0; i < w->nroots; i++)
		free(w->roots[i]);
	free(w->roots);
	if (w->ifd >= 0)
		close(w->ifd);
	if (w->wake[0] >= 0)
		close(w->wake[0]);
	if (w->wake[1] >= 0)
		close(w->wake[1]);
	fim_scanner_close(w->sc);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

int fim_watch_start(const struct fim_watch_deps *deps, struct fim_watch **out, char *why, size_t why_size)
{
	*out = NULL;
	if (!deps->cfg->fim.roots[0])
		return FIM_OK;
	struct fim_watch *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(why, why_size, "out of memory");
		return FIM_ENOMEM;
	}
	w->deps = *deps;
	w->ifd = w->wake[0] = w->wake[1] = -1;
	pthread_mutex_init(&w->mu, NULL);
	struct roots_ctx rc = {w, why, why_size};
	int err = config_list_each(deps->cfg->fim.roots, root_add, &rc);
	if (err) {
		if (err == FIM_ENOMEM)
			snprintf(why, why_size, "out of memory");
		goto fail;
	}
	w->pend = calloc(FIM_WATCH_PENDING_MAX, sizeof *w->pend);
	w->seen = calloc(FIM_WATCH_SEEN_MAX, sizeof *w->seen);
	if (!w->pend || !w->seen || pipe2(w->wake, O_CLOEXEC | O_NONBLOCK)) {
		snprintf(why, why_size, "out of memory or descriptors");
		err = FIM_ENOMEM;
		goto fail;
	}
	if ((err = fim_scanner_open(&w->sc, why, why_size)))
		goto fail;
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ifd < 0)
		log_warn("fim", "inotify is unavailable (%s): the web roots are checked only every %d s",
			 strerror(errno), deps->cfg->fim.rescan_seconds);
	if (pthread_create(&w->thread, NULL, watch_main, w)) {
		snprintf(why, why_size, "cannot start the web-root watcher thread");
		err = FIM_ENOMEM;
		goto fail;
	}
	*out = w;
	return FIM_OK;
fail:
	watch_free(w);
	return err;
}

static void wake(struct fim_watch *w)
{
	char c = 1;
	if (write(w->wake[1], &c, 1) < 0) {
		/* the pipe is full: the thread is already being woken */
	}
}

void fim_watch_stop(struct fim_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_mutex_unlock(&w->mu);
	atomic_store(&w->cancel, 1);
	wake(w);
	pthread_join(w->thread, NULL);
	watch_free(w);
}

void fim_watch_stats(struct fim_watch *w, struct fim_watch_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->stats;
	pthread_mutex_unlock(&w->mu);
}

void fim_watch_inject(struct fim_watch *w, uint32_t mask)
{
	pthread_mutex_lock(&w->mu);
	if (w->ninjected < sizeof w->injected / sizeof w->injected[0])
		w->injected[w->ninjected++] = mask;
	pthread_mutex_unlock(&w->mu);
	wake(w);
}
