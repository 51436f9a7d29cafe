/*
 * Worker pool: a ring buffer of jobs under one mutex, workers waiting on a
 * condition variable. Stopping lets the queue drain so no suspended request is
 * left without an answer.
 */
#include "http/pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct job {
	void (*fn)(void *arg);
	void *arg;
};

struct http_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *ring;
	size_t cap, head, len;
	bool stopping;
	unsigned n_threads;
	pthread_t *threads;
};

static void *pool_worker(void *arg)
{
	struct http_pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->len == 0 && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->len == 0 && p->stopping) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		struct job j = p->ring[p->head];
		p->head = (p->head + 1) % p->cap;
		p->len--;
		pthread_mutex_unlock(&p->mu);
		j.fn(j.arg);
	}
}

struct http_pool *http_pool_new(unsigned threads, size_t capacity)
{
	struct http_pool *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->ring = calloc(capacity, sizeof *p->ring);
	p->threads = calloc(threads, sizeof *p->threads);
	if (!p->ring || !p->threads) {
		free(p->ring);
		free(p->threads);
		free(p);
		return NULL;
	}
	p->cap = capacity;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, pool_worker, p) != 0)
			break;
		p->n_threads++;
	}
	if (p->n_threads == 0) {
		http_pool_free(p);
		return NULL;
	}
	return p;
}

int http_pool_submit(struct http_pool *p, void (*fn)(void *arg), void *arg)
{
	int rc = -1;
	pthread_mutex_lock(&p->mu);
	if (!p->stopping && p->len < p->cap) {
		p->ring[(p->head + p->len) % p->cap] = (struct job){fn, arg};
		p->len++;
		pthread_cond_signal(&p->cv);
		rc = 0;
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void http_pool_free(struct http_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->ring);
	free(p->threads);
	free(p);
}
