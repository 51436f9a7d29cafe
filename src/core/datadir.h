/*
 * The data directory: where each file of an instance lives, and its creation
 * with private permissions (directories 0700, secret files 0600).
 *
 *   DIR/canhgac.conf    configuration
 *   DIR/canhgac.db      the SQLite store
 *   DIR/canhgac.population.db  the embedded population (replaced, never edited)
 *   DIR/audit/          audit segments
 *   DIR/keys/audit.key  Ed25519 signing key (0600); DIR/keys/audit.pub
 *   DIR/keys/totp.key   the second factors' secret-box key (0600)
 *   DIR/spool/          dossier imports handed to a running server (0700;
 *                       src/dossier/dossier_spool.c)
 */
#ifndef CANHGAC_CORE_DATADIR_H
#define CANHGAC_CORE_DATADIR_H

#include <stdbool.h>
#include <stddef.h>

#define DATADIR_PATH_MAX 4096

/* Joins dir and a relative name; returns 0 or -1 when it does not fit. */
int datadir_path(const char *dir, const char *name, char *out, size_t size);

/* True when dir holds a database or a configuration already. */
bool datadir_is_initialised(const char *dir);

/* Creates dir (0700; an existing empty directory is accepted and tightened) and
 * its audit/ and keys/ subdirectories. Returns 0 or -errno, with a sentence in why. */
int datadir_create(const char *dir, char *why, size_t why_size);

/* The space left to unprivileged writers on dir's file system, in MiB. 0, or -1
 * with errno. */
int datadir_free_mib(const char *dir, long long *mib);

/* fsync(2) of a directory, so a file created or renamed in it stays after a
 * crash. 0 or -1 with errno. */
int datadir_fsync(const char *dir);

#endif
