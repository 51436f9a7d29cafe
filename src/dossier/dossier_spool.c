/*
 * How an operator's `canhgac dossier import` reaches a running server. The
 * server is the only writer of the audit log (it holds its lock), so a command
 * run beside it cannot audit an import itself; it hands the file over instead.
 * The channel is a directory, DATA/spool/ (mode 0700, like the rest of the data
 * directory: whoever can write there could already write the database):
 *
 *   command: writes NAME.tmp (a first line "#canhgac-import {actor, label}" and
 *            the file's text), fsyncs it, renames it to NAME.dossiers, then waits
 *            for NAME.result;
 *   server:  a thread looks at the directory twice a second, imports each
 *            NAME.dossiers in name order with the same parse and checks as a
 *            direct import (audited, all or nothing), writes NAME.result
 *            atomically and removes NAME.dossiers.
 *
 * A directory was chosen over a socket or an HTTP call because it needs no
 * credential beyond the file permissions the data directory already has, works
 * while the HTTP port is TLS-only or firewalled, and survives a server restart:
 * a spooled file waits for the next start. Results nobody collected are removed
 * after a day.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/datadir.h"
#include "core/log.h"
#include "dossier/dossier.h"

#define SPOOL_DIR "spool"
#define SPOOL_MAGIC "#canhgac-import "
#define SPOOL_POLL_MS 500
#define SPOOL_RESULT_MAX_AGE (24 * 3600)
#define SPOOL_NAME_MAX 64

struct dossier_spool {
	char dir[DATADIR_PATH_MAX];
	struct dossier_rules rules;
	struct store *st;
	struct audit *audit;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static int spool_dir(const char *data_dir, char *out, size_t size, char *why, size_t why_size)
{
	if (datadir_path(data_dir, SPOOL_DIR, out, size)) {
		snprintf(why, why_size, "data directory path too long");
		return -1;
	}
	if (mkdir(out, 0700) != 0 && errno != EEXIST) {
		snprintf(why, why_size, "cannot create %s: %s", out, strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes `size` bytes to path through a temporary file and a rename. */
static int write_atomic(const char *dir, const char *name, const char *head, const char *text, size_t len)
{
	char tmp[DATADIR_PATH_MAX + 80], path[DATADIR_PATH_MAX + 80];
	snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	int ok = 1;
	const char *parts[2] = {head, text};
	size_t lens[2] = {head ? strlen(head) : 0, len};
	for (int i = 0; i < 2 && ok; i++) {
		size_t done = 0;
		while (ok && done < lens[i]) {
			ssize_t n = write(fd, parts[i] + done, lens[i] - done);
			if (n < 0 && errno == EINTR)
				continue;
			ok = n > 0;
			done += n > 0 ? (size_t)n : 0;
		}
	}
	ok = ok && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	datadir_fsync(dir);
	return 0;
}

int dossier_spool_submit(const char *data_dir, const char *text, size_t len, const char *actor, const char *label,
			 int wait_seconds, json_t **result, char *why, size_t why_size)
{
	char dir[DATADIR_PATH_MAX], name[SPOOL_NAME_MAX], result_path[DATADIR_PATH_MAX + 80];
	*result = NULL;
	if (spool_dir(data_dir, dir, sizeof dir, why, why_size))
		return -1;
	unsigned char r[8];
	char hex[17];
	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	json_t *meta = json_pack("{s:s, s:s}", "actor", actor, "label", label);
	char *meta_text = meta ? json_dumps(meta, JSON_COMPACT) : NULL;
	json_decref(meta);
	char head[1024];
	snprintf(head, sizeof head, "%s%s\n", SPOOL_MAGIC, meta_text ? meta_text : "{}");
	free(meta_text);
	snprintf(name, sizeof name, "import-%s.dossiers", hex);
	if (write_atomic(dir, name, head, text, len)) {
		snprintf(why, why_size, "cannot write into %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(result_path, sizeof result_path, "%s/import-%s.result", dir, hex);
	int64_t deadline = clock_mono_ms() + (int64_t)wait_seconds * 1000;
	while (clock_mono_ms() < deadline) {
		json_error_t jerr;
		json_t *res = json_load_file(result_path, 0, &jerr);
		if (res) {
			unlink(result_path);
			*result = res;
			return 0;
		}
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL);
	}
	snprintf(why, why_size,
		 "the running server did not take the import within %d s (%s/%s is still waiting for it; "
		 "its result will be %s)", wait_seconds, dir, name, result_path);
	return -1;
}

/* ---- the server's side ------------------------------------------------------------ */

static json_t *spool_import_one(struct dossier_spool *sp, char *text, size_t len)
{
	char why[512];
	char label[256] = "-", actor[128] = "cli";
	if (strncmp(text, SPOOL_MAGIC, strlen(SPOOL_MAGIC)) != 0)
		return json_pack("{s:b, s:s}", "ok", 0, "error", "not a canhgac spool file");
	char *nl = strchr(text, '\n');
	if (nl) {
		*nl = '\0';
		json_t *meta = json_loads(text + strlen(SPOOL_MAGIC), 0, NULL);
		const char *a = json_string_value(json_object_get(meta, "actor"));
		const char *l = json_string_value(json_object_get(meta, "label"));
		snprintf(actor, sizeof actor, "%s", a ? a : "cli");
		snprintf(label, sizeof label, "%s", l ? l : "-");
		json_decref(meta);
	}
	char *body = nl ? nl + 1 : text + len;
	size_t blen = len - (size_t)(body - text);
	struct dossier_batch b;
	struct dossier_import_result res;
	sp->rules.now = clock_now();
	if (dossier_import_parse(body, blen, &sp->rules, "import", &b, why, sizeof why))
		return json_pack("{s:b, s:s}", "ok", 0, "error", why);
	int rc = dossier_import_apply(sp->st, sp->audit, &b, body, blen, actor, NULL, label, &res, why, sizeof why);
	dossier_batch_free(&b);
	if (rc)
		return json_pack("{s:b, s:s}", "ok", 0, "error", why);
	log_info("dossier", "imported %zu dossiers from %s for %s (%zu new, %zu updated; audit seq %llu)", res.rows,
		 label, actor, res.inserted, res.updated, (unsigned long long)res.audit_seq);
	return json_pack("{s:b, s:I, s:I, s:I, s:I, s:s}", "ok", 1, "rows", (json_int_t)res.rows, "inserted",
			 (json_int_t)res.inserted, "updated", (json_int_t)res.updated, "audit_seq",
			 (json_int_t)res.audit_seq, "digest", res.digest);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && !strcmp(s + n - k, suffix);
}

static void spool_pass(struct dossier_spool *sp)
{
	DIR *d = opendir(sp->dir);
	if (!d)
		return;
	char *names[64];
	size_t n = 0;
	struct dirent *e;
	time_t now = time(NULL);
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) >= SPOOL_NAME_MAX)
			continue;
		if (has_suffix(e->d_name, ".dossiers") && n < 64) {
			names[n] = strdup(e->d_name);
			if (names[n])
				n++;
		} else if (has_suffix(e->d_name, ".result")) { /* uncollected results expire */
			char p[DATADIR_PATH_MAX + 80];
			struct stat sb;
			snprintf(p, sizeof p, "%s/%s", sp->dir, e->d_name);
			if (stat(p, &sb) == 0 && now - sb.st_mtime > SPOOL_RESULT_MAX_AGE)
				unlink(p);
		}
	}
	closedir(d);
	qsort(names, n, sizeof names[0], name_cmp);
	for (size_t i = 0; i < n; i++) {
		char path[DATADIR_PATH_MAX + 80], why[256], rname[SPOOL_NAME_MAX + 8];
		snprintf(path, sizeof path, "%s/%s", sp->dir, names[i]);
		char *text;
		size_t len;
		json_t *res;
		if (dossier_import_read_file(path, &text, &len, why, sizeof why) == 0) {
			res = spool_import_one(sp, text, len);
			free(text);
		} else {
			res = json_pack("{s:b, s:s}", "ok", 0, "error", why);
		}
		char *out = res ? json_dumps(res, JSON_COMPACT) : NULL;
		json_decref(res);
		snprintf(rname, sizeof rname, "%.*s.result", (int)(strlen(names[i]) - strlen(".dossiers")), names[i]);
		if (!out || write_atomic(sp->dir, rname, NULL, out, strlen(out)))
			log_error("dossier", "cannot write the spool result %s/%s", sp->dir, rname);
		free(out);
		unlink(path);
		free(names[i]);
	}
}

static void *spool_main(void *arg)
{
	struct dossier_spool *sp = arg;
	pthread_mutex_lock(&sp->mu);
	while (!sp->stop) {
		pthread_mutex_unlock(&sp->mu);
		spool_pass(sp);
		pthread_mutex_lock(&sp->mu);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SPOOL_POLL_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!sp->stop)
			pthread_cond_timedwait(&sp->cv, &sp->mu, &ts);
	}
	pthread_mutex_unlock(&sp->mu);
	return NULL;
}

int dossier_spool_start(const char *data_dir, const struct dossier_rules *rules, struct store *st,
			struct audit *audit, struct dossier_spool **out, char *why, size_t why_size)
{
	struct dossier_spool *sp = calloc(1, sizeof *sp);
	if (!sp) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	if (spool_dir(data_dir, sp->dir, sizeof sp->dir, why, why_size)) {
		free(sp);
		return -1;
	}
	sp->rules = *rules;
	sp->st = st;
	sp->audit = audit;
	pthread_mutex_init(&sp->mu, NULL);
	pthread_cond_init(&sp->cv, NULL);
	if (pthread_create(&sp->thread, NULL, spool_main, sp) != 0) {
		snprintf(why, why_size, "cannot start the dossier spool thread");
		pthread_cond_destroy(&sp->cv);
		pthread_mutex_destroy(&sp->mu);
		free(sp);
		return -1;
	}
	*out = sp;
	return 0;
}

void dossier_spool_stop(struct dossier_spool *sp)
{
	if (!sp)
		return;
	pthread_mutex_lock(&sp->mu);
	sp->stop = true;
	pthread_cond_signal(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	pthread_join(sp->thread, NULL);
	pthread_cond_destroy(&sp->cv);
	pthread_mutex_destroy(&sp->mu);
	free(sp);
}
