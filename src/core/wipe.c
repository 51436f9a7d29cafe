/*
 * Wipe-on-free through glibc's malloc_usable_size, which gives the size of a
 * block from its pointer alone (what free-style callbacks of libmicrohttpd and
 * jansson receive).
 */
#include "core/wipe.h"

#include <jansson.h>
#include <malloc.h>
#include <sodium.h>
#include <stdlib.h>

void wipe_free(void *p)
{
	if (!p)
		return;
	sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

void wipe_setup_json(void)
{
	json_set_alloc_funcs(malloc, wipe_free);
}
