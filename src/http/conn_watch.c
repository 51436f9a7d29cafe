/*
 * The connection watch (conn_watch.h): a list of the open connections with the
 * phase of each (a request arriving, one being answered, idle between requests)
 * and since when, under one lock; a thread that closes requests past their
 * deadline; and the accept policy that closes the oldest unanswered connections
 * when the server nears its limit. A connection's entry is removed when
 * libmicrohttpd reports it closed, which it does before it closes the socket, so
 * the watch never shuts down a descriptor that has been reused.
 */
#include "http/conn_watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

enum phase { PHASE_ARRIVING = 0, PHASE_ANSWERING, PHASE_IDLE };

struct conn_entry {
	struct conn_watch *w;
	MHD_socket fd;
	enum phase phase;
	int64_t since_ms;       /* monotonic: start of the phase */
	bool closing;           /* shut down by the watch; libmicrohttpd has not released it yet */
	bool nul;               /* the request target held %00 */
	struct conn_entry *prev, *next;
};

struct conn_watch {
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* CLOCK_MONOTONIC; wakes the thread to stop */
	pthread_t thread;
	bool stop;
	int max, reserve, deadline_ms;
	struct conn_entry *head;
	int live, closing;
	uint64_t deadline_closed, evicted;
};

static void close_entry(struct conn_watch *w, struct conn_entry *e)
{
	/* Caller holds w->mu; the socket is still the connection's (see the file comment). */
	e->closing = true;
	w->closing++;
	shutdown(e->fd, SHUT_RDWR);
}

static void *watch_main(void *arg)
{
	struct conn_watch *w = arg;
	int period = w->deadline_ms / 4 < 250 ? w->deadline_ms / 4 : 250;
	if (period < 10)
		period = 10;
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += (long)period * 1000000L;
		while (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT)
			;
		if (w->stop)
			break;
		int64_t now = clock_mono_ms();
		int n = 0;
		for (struct conn_entry *e = w->head; e; e = e->next)
			if (!e->closing && e->phase == PHASE_ARRIVING && now - e->since_ms > w->deadline_ms) {
				close_entry(w, e);
				n++;
			}
		w->deadline_closed += (uint64_t)n;
		if (n)
			log_warn("http", "closed %d connection(s) whose request did not arrive within %d ms", n,
				 w->deadline_ms);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct conn_watch *conn_watch_new(int max_connections, int reserve, int deadline_ms)
{
	struct conn_watch *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->max = max_connections;
	w->reserve = reserve < max_connections / 2 ? reserve : max_connections / 2;
	w->deadline_ms = deadline_ms > 0 ? deadline_ms : 5000;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&w->mu, NULL);
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

void conn_watch_free(struct conn_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	while (w->head) { /* none after MHD_stop_daemon; kept for safety */
		struct conn_entry *e = w->head;
		w->head = e->next;
		free(e);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

enum MHD_Result conn_watch_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	(void)addr;
	(void)addrlen;
	struct conn_watch *w = cls;
	pthread_mutex_lock(&w->mu);
	/* Near the limit: close the oldest connection nobody is answering, one per
	 * new connection, so the reserve stays free for whoever comes next. */
	if (w->live - w->closing >= w->max - w->reserve) {
		struct conn_entry *oldest = NULL;
		for (struct conn_entry *e = w->head; e; e = e->next)
			if (!e->closing && e->phase != PHASE_ANSWERING && (!oldest || e->since_ms < oldest->since_ms))
				oldest = e;
		if (oldest) {
			close_entry(w, oldest);
			w->evicted++;
		}
	}
	pthread_mutex_unlock(&w->mu);
	return MHD_YES;
}

void conn_watch_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		       enum MHD_ConnectionNotificationCode code)
{
	struct conn_watch *w = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct conn_entry *e = ci ? calloc(1, sizeof *e) : NULL;
		*socket_context = e;
		if (!e)
			return; /* not watched: libmicrohttpd's own timeout still applies */
		e->w = w;
		e->fd = ci->connect_fd;
		e->phase = PHASE_ARRIVING;
		e->since_ms = clock_mono_ms();
		pthread_mutex_lock(&w->mu);
		e->next = w->head;
		if (w->head)
			w->head->prev = e;
		w->head = e;
		w->live++;
		pthread_mutex_unlock(&w->mu);
		return;
	}
	struct conn_entry *e = *socket_context;
	if (!e)
		return;
	*socket_context = NULL;
	pthread_mutex_lock(&w->mu);
	if (e->prev)
		e->prev->next = e->next;
	else
		w->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	w->live--;
	if (e->closing)
		w->closing--;
	pthread_mutex_unlock(&w->mu);
	free(e);
}

static struct conn_entry *entry_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void set_phase(struct MHD_Connection *c, enum phase p)
{
	struct conn_entry *e = entry_of(c);
	if (!e)
		return;
	pthread_mutex_lock(&e->w->mu);
	if (e->phase != p) {
		e->phase = p;
		e->since_ms = clock_mono_ms();
	}
	if (p == PHASE_ARRIVING)
		e->nul = false;
	pthread_mutex_unlock(&e->w->mu);
}

void conn_watch_request_begins(struct MHD_Connection *c)
{
	struct conn_entry *e = entry_of(c);
	if (!e)
		return;
	pthread_mutex_lock(&e->w->mu);
	/* the first request's deadline runs from the connection's start */
	if (e->phase != PHASE_ARRIVING) {
		e->phase = PHASE_ARRIVING;
		e->since_ms = clock_mono_ms();
	}
	e->nul = false;
	pthread_mutex_unlock(&e->w->mu);
}

void conn_watch_request_read(struct MHD_Connection *c)
{
	set_phase(c, PHASE_ANSWERING);
}

void conn_watch_request_done(struct MHD_Connection *c)
{
	set_phase(c, PHASE_IDLE);
}

void conn_watch_mark_nul(struct MHD_Connection *c)
{
	struct conn_entry *e = entry_of(c);
	if (e)
		e->nul = true; /* the connection's own thread only */
}

bool conn_watch_has_nul(struct MHD_Connection *c)
{
	struct conn_entry *e = entry_of(c);
	return e && e->nul;
}

void conn_watch_counts(struct conn_watch *w, uint64_t *deadline_closed, uint64_t *evicted)
{
	pthread_mutex_lock(&w->mu);
	*deadline_closed = w->deadline_closed;
	*evicted = w->evicted;
	pthread_mutex_unlock(&w->mu);
}
