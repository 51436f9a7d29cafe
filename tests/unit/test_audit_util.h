/*
 * Helpers shared by the audit unit tests (header only, static inline, so each
 * test_audit_*.c stays one translation unit): a throw-away instance (data
 * directory, key pair, store), appending events, and reading and rewriting a
 * segment's lines to tamper with it.
 */
#ifndef CANHGAC_TEST_AUDIT_UTIL_H
#define CANHGAC_TEST_AUDIT_UTIL_H

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "audit/audit_int.h"
#include "audit/sign.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/datadir.h"
#include "core/log.h"
#include "store/store.h"

struct inst {
	char dir[128];
	struct config cfg;
	struct store *st;
};

static inline int inst_make(struct inst *t)
{
	char why[256], db[256];
	memset(t, 0, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "/tmp/canhgac-test-audit-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	if (datadir_create(t->dir, why, sizeof why) || audit_sign_keygen(t->dir, why, sizeof why))
		return -1;
	config_defaults(&t->cfg);
	snprintf(db, sizeof db, "%s/canhgac.db", t->dir);
	if (store_open(db, STORE_OPEN_CREATE, &t->st, why, sizeof why))
		return -1;
	return 0;
}

static inline int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void inst_free(struct inst *t)
{
	store_close(t->st);
	t->st = NULL;
	nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline int inst_open(struct inst *t, struct audit **a)
{
	char why[512];
	int rc = audit_open(t->dir, &t->cfg, t->st, a, why, sizeof why);
	if (rc)
		fprintf(stderr, "audit_open: %s\n", why);
	return rc;
}

static inline int append_event(struct audit *a, const char *type, const char *actor,
			       const char *agency, json_t *payload, uint64_t *seq)
{
	struct audit_event ev = {.type = type, .actor = actor, .agency = agency, .ip = "10.0.0.1",
				 .payload = payload};
	return audit_append(a, &ev, seq);
}

static inline int append_n(struct audit *a, int n)
{
	for (int i = 0; i < n; i++) {
		json_t *p = json_pack("{s:i, s:s}", "i", i, "note", "xin chào");
		int rc = append_event(a, "test_event", "officer1", "SOYTE", p, NULL);
		json_decref(p);
		if (rc)
			return rc;
	}
	return 0;
}

/* Path of the n-th (0-based) live segment in name order; -1 when absent. */
static inline int segment_path(const struct inst *t, int n, char *out, size_t size)
{
	char dir[256];
	struct dirent **names = NULL;
	snprintf(dir, sizeof dir, "%s/audit", t->dir);
	int k = scandir(dir, &names, NULL, alphasort), seen = 0, rc = -1;
	for (int i = 0; i < k; i++) {
		if (rc && !strncmp(names[i]->d_name, "seg-", 4) && seen++ == n) {
			snprintf(out, size, "%s/%s", dir, names[i]->d_name);
			rc = 0;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static inline int count_files(const char *dir, const char *prefix)
{
	struct dirent **names = NULL;
	int k = scandir(dir, &names, NULL, alphasort), n = 0;
	for (int i = 0; i < k; i++) {
		n += !strncmp(names[i]->d_name, prefix, strlen(prefix));
		free(names[i]);
	}
	free(names);
	return n;
}

#define LINES_MAX 4096
struct lines {
	char *v[LINES_MAX];
	int n;
};

static inline int lines_read(const char *path, struct lines *l)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	l->n = 0;
	if (!f)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0 && l->n < LINES_MAX)
		l->v[l->n++] = strdup(line);
	free(line);
	fclose(f);
	return 0;
}

static inline int lines_write(const char *path, const struct lines *l)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	for (int i = 0; i < l->n; i++)
		fputs(l->v[i], f);
	return fclose(f);
}

static inline void lines_free(struct lines *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

/* Index of the line holding record `seq` ("seq":N, a record not a checkpoint). */
static inline int lines_find_seq(const struct lines *l, uint64_t seq)
{
	for (int i = 0; i < l->n; i++) {
		json_t *j = json_loads(l->v[i], 0, NULL);
		bool hit = j && !json_object_get(j, "checkpoint") &&
			   (uint64_t)json_integer_value(json_object_get(j, "seq")) == seq;
		json_decref(j);
		if (hit)
			return i;
	}
	return -1;
}

#endif
