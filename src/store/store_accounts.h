/*
 * Persistence of agencies, accounts, password history and sessions. Part of the
 * store interface (included by store/store.h). Plain structs in, plain structs
 * out; the account rules themselves live in src/auth.
 */
#ifndef CANHGAC_STORE_STORE_ACCOUNTS_H
#define CANHGAC_STORE_STORE_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

struct store;

#define STORE_CODE_MAX 32
#define STORE_NAME_MAX 256
#define STORE_USERNAME_MAX 64
#define STORE_HASH_MAX 128
#define STORE_REASON_MAX 256
#define STORE_TOKEN_HASH_BYTES 32

struct store_agency {
	char code[STORE_CODE_MAX];
	char name[STORE_NAME_MAX];
	int quota_per_day;          /* 0: the configured default */
	int64_t created_at;
};

struct store_user {
	int64_t id;
	char username[STORE_USERNAME_MAX];
	char full_name[STORE_NAME_MAX];
	char agency[STORE_CODE_MAX];
	char role[16];
	char status[16];
	char status_reason[STORE_REASON_MAX];
	char password_hash[STORE_HASH_MAX];
	int64_t password_changed_at;
	bool must_change_password;
	int quota_per_minute;       /* 0: default */
	int quota_per_day;          /* 0: default */
	int failed_count;
	int64_t failed_window_start;
	int64_t locked_until;
	int lock_count;
	int64_t first_lock_at;
	int64_t last_login_at;
	int64_t created_at;
	int64_t updated_at;
};

struct store_session {
	unsigned char token_hash[STORE_TOKEN_HASH_BYTES];
	unsigned char csrf_hash[STORE_TOKEN_HASH_BYTES];
	int64_t user_id;
	char ip[64];
	int64_t created_at;
	int64_t last_seen_at;
};

int store_agency_create(struct store *st, const struct store_agency *a);   /* ECONFLICT if it exists */
int store_agency_get(struct store *st, const char *code, struct store_agency *out);
/* Calls fn for each agency ordered by code; stops when fn returns non-zero. */
int store_agency_list(struct store *st, int (*fn)(const struct store_agency *a, void *arg), void *arg);

/* Inserts u (id and timestamps as given; u->id is set). ECONFLICT: username taken or
 * agency unknown. */
int store_user_create(struct store *st, struct store_user *u);
int store_user_get_by_name(struct store *st, const char *username, struct store_user *out);
int store_user_get_by_id(struct store *st, int64_t id, struct store_user *out);
/* Each user, by username; agency and status filter when non-NULL. */
int store_user_list(struct store *st, const char *agency, const char *status,
		    int (*fn)(const struct store_user *u, void *arg), void *arg);
/* Writes every mutable field of u (all but id, username, created_at). */
int store_user_save(struct store *st, const struct store_user *u);
/* Sets a new password hash: the old one goes into the history, which keeps the
 * newest `keep` entries. One transaction. */
int store_user_set_password(struct store *st, const struct store_user *u, const char *new_hash,
			    int64_t changed_at, bool must_change, int keep);
/* The newest `n` earlier hashes of a user, newest first. */
int store_user_password_history(struct store *st, int64_t user_id, int n,
				int (*fn)(const char *hash, void *arg), void *arg);

int store_session_create(struct store *st, const struct store_session *s);
int store_session_get(struct store *st, const unsigned char token_hash[STORE_TOKEN_HASH_BYTES],
		      struct store_session *out);
int store_session_touch(struct store *st, const unsigned char token_hash[STORE_TOKEN_HASH_BYTES],
			int64_t now);
/* Replaces the CSRF token hash of a session (GET /session after a reload: the
 * token itself is never stored, so a new one is issued). ENOTFOUND: no such session. */
int store_session_set_csrf(struct store *st, const unsigned char token_hash[STORE_TOKEN_HASH_BYTES],
			  const unsigned char csrf_hash[STORE_TOKEN_HASH_BYTES]);
int store_session_delete(struct store *st, const unsigned char token_hash[STORE_TOKEN_HASH_BYTES]);
/* Deletes every session of a user but `keep` (a token hash, or NULL to keep none);
 * *n (may be NULL) gets how many. */
int store_session_delete_user(struct store *st, int64_t user_id, const unsigned char *keep, int *n);
/* Deletes sessions idle since before idle_before or created before created_before. */
int store_session_purge(struct store *st, int64_t idle_before, int64_t created_before);

/* A number that grows after every committed change to accounts, sessions,
 * agencies or second factors (a session's last-seen touch excepted). A copy of
 * what those tables say, taken after reading generation g, is current while this
 * still returns g. */
uint64_t store_accounts_generation(struct store *st);

#endif
