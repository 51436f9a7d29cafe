/*
 * The audit signing key (Ed25519): made by `canhgac init`, kept in
 * DATA/keys/audit.key (mode 0600, hex) with its public half in DATA/keys/audit.pub
 * (hex). This file and sign.c are the only code that touches the secret key.
 */
#ifndef CANHGAC_AUDIT_SIGN_H
#define CANHGAC_AUDIT_SIGN_H

#include <sodium.h>
#include <stddef.h>

#define AUDIT_SIGN_PK_BYTES crypto_sign_PUBLICKEYBYTES
#define AUDIT_SIGN_SK_BYTES crypto_sign_SECRETKEYBYTES
#define AUDIT_SIGN_BYTES crypto_sign_BYTES

/* Creates the key pair under data_dir/keys/. Refuses to overwrite. 0 or -1 + why. */
int audit_sign_keygen(const char *data_dir, char *why, size_t why_size);

/* Loads a hex public key file (keys/audit.pub or an auditor's --pubkey). 0 or -1. */
int audit_sign_load_public(const char *path, unsigned char pk[AUDIT_SIGN_PK_BYTES], char *why,
			   size_t why_size);

/* Loads the secret key of data_dir into locked memory; the caller releases it with
 * audit_sign_free_secret. Returns NULL with why on failure. */
unsigned char *audit_sign_load_secret(const char *data_dir, char *why, size_t why_size);
void audit_sign_free_secret(unsigned char *sk);

/* Detached signature of msg. */
void audit_sign_message(const unsigned char *sk, const unsigned char *msg, size_t len,
			unsigned char sig[AUDIT_SIGN_BYTES]);

/* 0 when sig is a valid signature of msg under pk. */
int audit_sign_verify(const unsigned char pk[AUDIT_SIGN_PK_BYTES], const unsigned char *msg,
		      size_t len, const unsigned char sig[AUDIT_SIGN_BYTES]);

#endif
