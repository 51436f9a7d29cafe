/*
 * From findings of the watcher to alerts. A finding is raised once for its
 * (kind, path, SHA-256): the watcher checks the same unaccepted change again on
 * every rescan, and the ring of fingerprints (FIM_WATCH_SEEN_MAX, oldest
 * forgotten first) keeps that from becoming an alert an hour. A raised finding
 * is recorded in fim_findings (the indicators read web shells from there) and
 * reported to the detector with its path, hashes and rules:
 *   fim_webshell      critical  a YARA rule matched (webshell finding)
 *   fim_upload_script high      only the upload-directory path rule matched
 *   fim_symlink       high/low  a new or retargeted symlink, high when it leads
 *                               outside the root
 *   fim_mode          medium/low permission or owner change; medium when the
 *                               file is now executable
 *   fim_change        low       added, changed, removed
 * The added/changed finding of a file that is also a web shell is recorded but
 * not alerted twice. Low-severity alerts are capped per pass
 * (FIM_WATCH_LOW_ALERTS); the rest become one summary alert, so a deployment
 * of 10,000 files that was not accepted is one alert more, not 10,000.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "detect/detect.h"
#include "fim/scan.h"
#include "fim/watch_int.h"
#include "fim/walk.h"

#define DETAIL_PATH_MAX 700 /* the alert's detail is at most STORE_DETAIL_MAX (2 KiB) */

int64_t watch_real_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t fingerprint(const struct fim_finding *f)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a over kind NUL path NUL sha256 */
	const char *parts[] = {f->kind, f->path, f->sha256};
	for (size_t i = 0; i < 3; i++) {
		for (const char *s = parts[i]; *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	return h ? h : 1;
}

/* True when fp was raised already; otherwise remembers it. */
static bool seen_before(struct fim_watch *w, uint64_t fp)
{
	for (size_t i = 0; i < w->seen_n; i++)
		if (w->seen[i] == fp)
			return true;
	w->seen[w->seen_head] = fp;
	w->seen_head = (w->seen_head + 1) % FIM_WATCH_SEEN_MAX;
	if (w->seen_n < FIM_WATCH_SEEN_MAX)
		w->seen_n++;
	return false;
}

static bool only_path_rule(const char *rules)
{
	return !strcmp(rules, FIM_RULE_UPLOAD_SCRIPT);
}

/* The detector's rule and severity of a finding. */
static void classify(const struct fim_finding *f, const char **rule, const char **sev)
{
	struct stat st;
	if (!strcmp(f->kind, "webshell")) {
		*rule = only_path_rule(f->rule) ? "fim_upload_script" : "fim_webshell";
		*sev = only_path_rule(f->rule) ? "high" : "critical";
	} else if (!strcmp(f->rule, FIM_RULE_SYMLINK_OUTSIDE)) {
		*rule = "fim_symlink", *sev = "high";
	} else if (!strcmp(f->rule, FIM_RULE_SYMLINK)) {
		*rule = "fim_symlink", *sev = "low";
	} else if (!strcmp(f->kind, "mode")) {
		bool exec = lstat(f->path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
		*rule = "fim_mode", *sev = exec ? "medium" : "low";
	} else {
		*rule = "fim_change", *sev = "low";
	}
}

static const char *root_of(struct fim_watch *w, const char *path)
{
	for (size_t i = 0; i < w->nroots; i++) {
		size_t n = strlen(w->roots[i]);
		if (!strncmp(path, w->roots[i], n) && (path[n] == '/' || path[n] == 0))
			return w->roots[i];
	}
	return "";
}

static json_t *detail_of(struct fim_watch *w, const struct fim_finding *f, const char *source, int64_t event_rt)
{
	char path[DETAIL_PATH_MAX], root[300], target[DETAIL_PATH_MAX];
	json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:I}", "kind", f->kind, "path",
			      fim_path_text(f->path, path, sizeof path), "root",
			      fim_path_text(root_of(w, f->path), root, sizeof root), "source", source,
			      "detected_at_ms", (json_int_t)watch_real_ms());
	if (!d)
		return NULL;
	if (f->sha256[0])
		json_object_set_new(d, "sha256", json_string(f->sha256));
	if (f->blake2b[0])
		json_object_set_new(d, "blake2b", json_string(f->blake2b));
	if (f->rule[0])
		json_object_set_new(d, "rule", json_string(f->rule));
	if (event_rt)
		json_object_set_new(d, "event_at_ms", json_integer((json_int_t)event_rt));
	struct stat st;
	if (lstat(f->path, &st) == 0) {
		char mode[8];
		snprintf(mode, sizeof mode, "%04o", (unsigned)(st.st_mode & 07777));
		json_object_set_new(d, "mode", json_string(mode));
		char t[4096], why[128];
		struct store_fim_file lf = {.path = f->path};
		if (S_ISLNK(st.st_mode) && !fim_walk_hash_link(f->path, &lf, t, sizeof t, why, sizeof why))
			json_object_set_new(d, "target", json_string(fim_path_text(t, target, sizeof target)));
	}
	return d;
}

static void raise_one(struct fim_watch *w, const struct fim_finding *f, const char *source, int64_t event_rt)
{
	const char *rule, *sev;
	classify(f, &rule, &sev);
	char path[DETAIL_PATH_MAX];
	const char *kv[] = {"rule", rule, "kind", f->kind, "path", fim_path_text(f->path, path, sizeof path),
			    "sha256", f->sha256, NULL};
	log_write_kv(!strcmp(sev, "low") ? LOG_INFO : LOG_WARN, "fim", "finding", kv);
	if (w->deps.detect)
		detect_report(w->deps.detect, rule, sev, NULL, NULL, detail_of(w, f, source, event_rt));
}

void watch_report(struct fim_watch *w, struct watch_pass *p, const struct fim_finding *v, size_t n,
		  int64_t event_rt)
{
	if (!n)
		return;
	/* The new ones, recorded in one transaction (a rescan may bring thousands). */
	bool *fresh = calloc(n, sizeof *fresh);
	struct fim_finding *rec = calloc(n, sizeof *rec);
	size_t nrec = 0;
	if (!fresh || !rec) {
		log_error("fim", "out of memory: %zu findings not raised", n);
		free(fresh);
		free(rec);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if ((fresh[i] = !seen_before(w, fingerprint(&v[i]))))
			rec[nrec++] = v[i];
	if (fim_findings_record(w->deps.st, rec, nrec, clock_now()))
		log_error("fim", "%zu findings could not be stored (the indicators will miss them)", nrec);
	free(rec);
	pthread_mutex_lock(&w->mu);
	w->stats.raised += nrec;
	pthread_mutex_unlock(&w->mu);
	for (size_t i = 0; i < n; i++) {
		const struct fim_finding *f = &v[i];
		if (!fresh[i])
			continue;
		/* its web-shell finding follows and says more */
		if (i + 1 < n && !strcmp(v[i + 1].kind, "webshell") && !strcmp(v[i + 1].path, f->path))
			continue;
		const char *rule, *sev;
		classify(f, &rule, &sev);
		if (!strcmp(sev, "low") && p->low_sent >= FIM_WATCH_LOW_ALERTS) {
			p->low_more++;
			continue;
		}
		if (!strcmp(sev, "low"))
			p->low_sent++;
		raise_one(w, f, p->source, event_rt);
	}
	free(fresh);
}

void watch_report_end(struct fim_watch *w, struct watch_pass *p)
{
	if (!p->low_more)
		return;
	char n[32];
	snprintf(n, sizeof n, "%zu", p->low_more);
	const char *kv[] = {"more", n, "source", p->source, NULL};
	log_write_kv(LOG_INFO, "fim", "more changes than alerts: see 'canhgac fim check'", kv);
	if (w->deps.detect)
		detect_report(w->deps.detect, "fim_change", "low", NULL, NULL,
			      json_pack("{s:s, s:I, s:s, s:I}", "kind", "summary", "more", (json_int_t)p->low_more,
					"source", p->source, "detected_at_ms", (json_int_t)watch_real_ms()));
	p->low_more = 0;
}
