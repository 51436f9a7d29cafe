/*
 * The dossier backends behind one interface, and the embedded one: dossiers
 * kept in the store (filled by `canhgac dossier import` and POST
 * /api/v1/dossiers), read by primary key on the calling thread's read
 * connection. A store error is DOSSIER_EUNAVAILABLE, never a refusal: the
 * lookup fails closed with 503 and gives its quota back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "dossier/dossier_int.h"
#include "store/store.h"

static int embedded_get(struct dossier_backend *b, const char *code, dossier_t *out)
{
	int rc = store_dossier_get(b->impl, code, out);
	if (rc == STORE_OK)
		return DOSSIER_OK;
	if (rc == STORE_ENOTFOUND)
		return DOSSIER_ENOTFOUND;
	log_error("dossier", "cannot read dossier from the store: %s", store_strerror(rc));
	return DOSSIER_EUNAVAILABLE;
}

static void embedded_close(struct dossier_backend *b)
{
	(void)b; /* the store is the caller's */
}

static const struct dossier_backend_ops embedded_ops = {"embedded", false, embedded_get, embedded_close};

int dossier_backend_open(const struct config *cfg, struct store *st, struct dossier_backend **out, char *why,
			 size_t why_size)
{
	struct dossier_backend *b = calloc(1, sizeof *b);
	if (!b) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	if (!strcmp(cfg->dossier.backend, "upstream")) {
		if (dossier_upstream_open(cfg, b, why, why_size)) {
			free(b);
			return -1;
		}
	} else {
		b->ops = &embedded_ops;
		b->impl = st;
	}
	*out = b;
	return 0;
}

void dossier_backend_close(struct dossier_backend *b)
{
	if (!b)
		return;
	b->ops->close(b);
	free(b);
}

const char *dossier_backend_name(const struct dossier_backend *b)
{
	return b->ops->name;
}

bool dossier_backend_blocks(const struct dossier_backend *b)
{
	return b->ops->blocks;
}

int dossier_get(struct dossier_backend *b, const char *code, dossier_t *out)
{
	return b->ops->get(b, code, out);
}
