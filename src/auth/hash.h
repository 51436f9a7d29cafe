/*
 * Password hashes: argon2id through libsodium, stored as the self-describing
 * "$argon2id$v=19$m=...,t=...,p=1$salt$hash" string. The cost is one process-wide
 * setting (docs/SECURITY.md, "Password hashing", says which and why); hashes made
 * at a lower cost are upgraded at sign-in. Every function is thread-safe.
 */
#ifndef CANHGAC_AUTH_HASH_H
#define CANHGAC_AUTH_HASH_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_MAX 128   /* crypto_pwhash_STRBYTES */

/* The production cost: m = 64 MiB, t = 3, p = 1 (libsodium fixes p = 1). */
#define PASSWORD_HASH_OPSLIMIT 3ULL
#define PASSWORD_HASH_MEMLIMIT ((size_t)64 << 20)

/* Hashes `password` (NUL-terminated, at most PASSWORD_MAX_LEN bytes) with argon2id
 * at the current cost and a fresh random salt; `out` receives a NUL-terminated
 * $argon2id$ string. Returns 0, or -1 (out of memory, or a password longer than
 * PASSWORD_MAX_LEN, which callers refuse earlier as invalid input). */
int password_hash_make(const char *password, char out[PASSWORD_HASH_MAX]);

/* 0 when `password` matches `hash`, -1 otherwise (also for a malformed hash or a
 * NULL argument). Costs one argon2 computation at the hash's own cost. */
int password_hash_verify(const char *hash, const char *password);

/* True when `hash` was made at a lower cost than the current one (memory or
 * passes below the current setting) or with an older algorithm (argon2i), so the
 * caller should store a new hash after a successful verify. False for a hash at
 * or above the current cost, and for a malformed one (it cannot verify anyway). */
bool password_hash_needs_rehash(const char *hash);

/* Does the same argon2id work as a verify against a real hash, for unknown users,
 * so timing does not tell who exists. Uses a dummy hash made once at the current
 * cost (made again when the cost changes). */
void password_hash_dummy_verify(const char *password);

/* Makes the dummy hash now, so the first unknown user's sign-in is not slower
 * than the rest (call at start-up, after any password_hash_cost_set). 0 or -1. */
int password_hash_prepare(void);

/* Copies the dummy hash in force into `out`, making it first when there is none
 * yet or the cost has changed (what the unknown-user path verifies against; the
 * tests read its parameters). 0 or -1. */
int password_hash_dummy_get(char out[PASSWORD_HASH_MAX]);

/* Cost in use; tests and benchmarks may lower it (never below libsodium's
 * minimums: values out of libsodium's range are clamped into it). */
struct password_hash_cost {
	unsigned long long opslimit;   /* argon2 passes (t) */
	size_t memlimit;               /* bytes (m × 1024) */
};
struct password_hash_cost password_hash_cost_get(void);
void password_hash_cost_set(struct password_hash_cost c);

#endif
