/*
 * The population interface: picks a backend from the configuration and forwards
 * each call through its vtable.
 */
#include "lookup/population.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "lookup/citizen_id.h"
#include "lookup/population_int.h"

int population_id_plausible(const char *s)
{
	if (!s || strnlen(s, CITIZEN_ID_LEN + 1) != CITIZEN_ID_LEN)
		return 0;
	return strspn(s, "0123456789") == CITIZEN_ID_LEN;
}

int population_open(const struct config *cfg, struct store *st, struct population **out, char *why,
		    size_t why_size)
{
	*out = NULL;
	struct population *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	int rc;
	const char *backend = cfg->population.backend[0] ? cfg->population.backend : "embedded";
	if (strcmp(backend, "embedded") == 0) {
		rc = population_embedded_open(st, p, why, why_size);
	} else if (strcmp(backend, "upstream") == 0) {
		rc = population_upstream_open(cfg, p, why, why_size);
	} else {
		snprintf(why, why_size, "[population] backend '%s' is unknown: use embedded or upstream", backend);
		rc = -1;
	}
	if (rc) {
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int population_get_fields(struct population *p, const char *citizen_id, uint32_t fields, json_t **record)
{
	*record = NULL;
	if (!p || !p->ops)
		return POP_EINTERNAL;
	if (!population_id_plausible(citizen_id))
		return POP_ENOTFOUND;
	return p->ops->get(p, citizen_id, fields, record);
}

int population_get(struct population *p, const char *citizen_id, json_t **record)
{
	return population_get_fields(p, citizen_id, UINT32_MAX, record);
}

const char *population_backend_name(const struct population *p)
{
	return p && p->ops ? p->ops->name : "none";
}

const char *population_strerror(int err)
{
	switch (err) {
	case POP_OK: return "ok";
	case POP_ENOTFOUND: return "citizen not found";
	case POP_EUPSTREAM: return "upstream failed";
	case POP_ETIMEOUT: return "upstream timed out";
	case POP_EINTERNAL: return "internal error";
	}
	return "unknown population error";
}

void population_close(struct population *p)
{
	if (!p)
		return;
	if (p->ops && p->ops->close)
		p->ops->close(p);
	free(p);
}
