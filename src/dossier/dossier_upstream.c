/*
 * The upstream dossier backend: the province's one-stop system over HTTP (being
 * written; until then opening it says so and the configuration is refused).
 */
#include <stdio.h>

#include "dossier/dossier_int.h"

int dossier_upstream_open(const struct config *cfg, struct dossier_backend *b, char *why, size_t why_size)
{
	(void)cfg;
	(void)b;
	snprintf(why, why_size, "[dossier] backend = upstream is not available in this build yet");
	return -1;
}
