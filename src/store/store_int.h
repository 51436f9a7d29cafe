/*
 * Internals shared by the files of the SQLite backend: the connection, its lock,
 * and helpers that map SQLite result codes to enum store_err.
 */
#ifndef CANHGAC_STORE_STORE_INT_H
#define CANHGAC_STORE_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/store.h"

struct store {
	sqlite3 *db;
	pthread_mutex_t mu;
};

/* Maps a SQLite result code to enum store_err and logs unexpected ones. */
int store_rc(struct store *st, int rc, const char *what);

/* Prepares `sql` or returns a store error (logged). */
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **out);

/* Binds a text or NULL when `s` is NULL. */
int store_bind_text(sqlite3_stmt *s, int idx, const char *v);

/* Copies column `col` into out (empty string for NULL); -1 when it does not fit. */
int store_column_copy(sqlite3_stmt *s, int col, char *out, size_t size);

int store_migrate(struct store *st, char *why, size_t why_size);

#endif
