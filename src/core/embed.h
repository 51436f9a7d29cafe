/*
 * Files compiled into the binary by cmake/embed.cmake: the store's SQL migrations,
 * the console's web assets and the reference data of data/. Tables are sorted by
 * name; `data` is NUL-terminated and `len` excludes the NUL.
 */
#ifndef CANHGAC_CORE_EMBED_H
#define CANHGAC_CORE_EMBED_H

#include <stddef.h>

struct embedded_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};

extern const struct embedded_file store_migrations[];
extern const size_t store_migrations_count;
extern const struct embedded_file web_assets[];
extern const size_t web_assets_count;
/* The csv and json files of data/: provinces, procedures, names, places. */
extern const struct embedded_file data_files[];
extern const size_t data_files_count;

#endif
