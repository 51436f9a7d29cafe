/*
 * Freeing memory that may have held a secret. Request bodies (passwords, TOTP
 * codes), JSON answers (one-time passwords, recovery codes, TOTP secrets, CSRF
 * tokens) and jansson's own copies of such strings are wiped before they go back
 * to the allocator, so a later heap disclosure cannot replay them.
 */
#ifndef CANHGAC_CORE_WIPE_H
#define CANHGAC_CORE_WIPE_H

/* Wipes the whole allocation behind p (malloc_usable_size) and frees it; NULL is fine. */
void wipe_free(void *p);

/* Makes jansson wipe every block it frees. Call once at start, before any thread. */
void wipe_setup_json(void);

#endif
