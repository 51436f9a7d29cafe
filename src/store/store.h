/*
 * The one interface to persistence. Callers see plain C structs and functions;
 * only src/store/ speaks SQL (SQLite today; the design keeps this narrow so a
 * PostgreSQL backend can slot in). Every function returns 0 or a negative
 * enum store_err. All statements are prepared; values are bound, never spliced.
 *
 * Threading: one writer connection guarded by a mutex inside struct store, and
 * read-only connections for the hot-path reads (store_read.c), so the
 * functions may be called from any thread.
 */
#ifndef CANHGAC_STORE_STORE_H
#define CANHGAC_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

enum store_err {
	STORE_OK = 0,
	STORE_ENOENT = -1,     /* no database at that path */
	STORE_ECORRUPT = -2,   /* not a database, or damaged */
	STORE_ENEWER = -3,     /* made by a newer canhgac */
	STORE_EIO = -4,        /* any other SQLite failure */
	STORE_ECONFLICT = -5,  /* a unique or foreign-key constraint */
	STORE_ENOTFOUND = -6,  /* no such row */
	STORE_EINVAL = -7,     /* bad argument */
	STORE_EBUSY = -8,      /* another process or call holds what this needs */
};

struct store;

enum store_open_mode { STORE_OPEN_EXISTING = 0, STORE_OPEN_CREATE = 1 };

/* Opens the database at `path` (creating it with mode 0600 when `mode` is
 * STORE_OPEN_CREATE), turns on WAL, foreign keys and a busy timeout, refuses a
 * corrupt database or one from a newer version, and applies pending migrations.
 * On failure returns the error and writes a sentence for a person, saying what
 * to do, into `why`. On success *out is owned by the caller: store_close it. */
int store_open(const char *path, enum store_open_mode mode, struct store **out, char *why,
	       size_t why_size);

void store_close(struct store *st);

/* Highest migration applied, and the highest this binary knows. */
int store_schema_version(struct store *st);
int store_schema_latest(void);

/* Small key/value facts about the instance (e.g. "initialised_at"). `out` gets a
 * NUL-terminated copy; STORE_ENOTFOUND when unset. */
int store_meta_get(struct store *st, const char *key, char *out, size_t size);
int store_meta_set(struct store *st, const char *key, const char *value);

/* Text for an error code, for log lines. */
const char *store_strerror(int err);

/* The areas of the interface, one header each. */
#include "store/store_accounts.h"
#include "store/store_audit.h"
#include "store/store_audit_events.h"
#include "store/store_detect.h"
#include "store/store_dossiers.h"
#include "store/store_fim.h"
#include "store/store_population.h"
#include "store/store_review.h"
#include "store/store_services.h"
#include "store/store_staff.h"
#include "store/store_totp.h"

#endif
