/*
 * Inside the dossier module: the backend vtable and the constructors of the two
 * backends (dossier_backend.c holds the embedded one, dossier_upstream.c the
 * one-stop system over HTTP).
 */
#ifndef CANHGAC_DOSSIER_DOSSIER_INT_H
#define CANHGAC_DOSSIER_DOSSIER_INT_H

#include "dossier/dossier.h"

struct dossier_backend_ops {
	const char *name;
	bool blocks;    /* a get may wait on the network */
	int (*get)(struct dossier_backend *b, const char *code, dossier_t *out);
	void (*close)(struct dossier_backend *b);
};

struct dossier_backend {
	const struct dossier_backend_ops *ops;
	void *impl;     /* the backend's own state */
};

/* 0, or -1 with a sentence in why; fills b->ops and b->impl. */
int dossier_upstream_open(const struct config *cfg, struct dossier_backend *b, char *why, size_t why_size);

/* Tests: the clock of the upstream backend's cache (NULL: clock_mono_ms again),
 * so a TTL can be passed without sleeping. */
void dossier_upstream_clock_set(struct dossier_backend *b, int64_t (*now_ms)(void));

#endif
