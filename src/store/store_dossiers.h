/*
 * The dossiers of the one-stop system (hồ sơ), as the embedded dossier backend
 * keeps them: written in batches by an import or a push (all or nothing), read
 * one at a time by the lookup path (through the read connections, so a lookup's
 * dossier read never waits behind the audit projection's commit) and listed for
 * an officer's desk. Checking a dossier against a lookup is src/dossier/'s job.
 */
#ifndef CANHGAC_STORE_STORE_DOSSIERS_H
#define CANHGAC_STORE_STORE_DOSSIERS_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_DOSSIER_CODE_MAX 64
#define STORE_DOSSIER_PERSONS_MAX 20
#define STORE_DOSSIER_OFFICERS_MAX 10

struct store_dossier_person {
	char citizen_id[16];
	char role[32];
};

struct store_dossier {
	char code[STORE_DOSSIER_CODE_MAX + 1];
	char procedure_code[32];
	char agency[32];
	char status[24];
	int64_t received_at;
	int64_t closed_at;            /* 0: not closed */
	int64_t updated_at;
	char source[16];              /* "import", "api", "generate" */
	int n_persons;
	struct store_dossier_person persons[STORE_DOSSIER_PERSONS_MAX];
	int n_officers;
	char officers[STORE_DOSSIER_OFFICERS_MAX][64];
};

/* Writes n dossiers in one transaction: a code already stored is updated in
 * place, a new one inserted. Nothing is written unless all are. *inserted and
 * *updated (either may be NULL) count what happened. STORE_EINVAL when a field
 * does not fit the row's encoding (a ',' or ':' in a role or username). */
int store_dossiers_upsert(struct store *st, const struct store_dossier *d, size_t n, size_t *inserted,
			  size_t *updated);

/* The dossier `code`, or STORE_ENOTFOUND. Thread-safe; reads the calling
 * thread's read connection. */
int store_dossier_get(struct store *st, const char *code, struct store_dossier *out);

struct store_dossier_query {
	const char *agency;           /* the agency's dossiers ... */
	const char *officer;          /* ... or those naming this officer (either may be NULL) */
	int open_only;                /* received, processing, awaiting_supplement */
	const char *q;                /* NULL, or a part of the code, or a citizen id */
	int limit;                    /* 1..1000 */
};

/* Dossiers matching q, newest received first; fn returning non-zero stops. */
int store_dossiers_list(struct store *st, const struct store_dossier_query *q,
			int (*fn)(const struct store_dossier *d, void *arg), void *arg);

/* How many dossiers are stored, and how many of them are open. */
int store_dossiers_count(struct store *st, int64_t *total, int64_t *open);

#endif
