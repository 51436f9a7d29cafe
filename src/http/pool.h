/*
 * A fixed pool of worker threads with a bounded queue, for the requests that are
 * slow on purpose (argon2id sign-ins and password changes). The HTTP threads hand
 * such a request over and go on serving others; when the queue is full the
 * request is answered 503 at once rather than piling up memory.
 */
#ifndef CANHGAC_HTTP_POOL_H
#define CANHGAC_HTTP_POOL_H

#include <stddef.h>

struct http_pool;

/* Starts `threads` workers with room for `capacity` waiting jobs. NULL on failure. */
struct http_pool *http_pool_new(unsigned threads, size_t capacity);

/* Queues fn(arg). Returns 0, or -1 when the queue is full or the pool is stopping. */
int http_pool_submit(struct http_pool *p, void (*fn)(void *arg), void *arg);

/* Runs every queued job, then stops and frees the pool. */
void http_pool_free(struct http_pool *p);

#endif
