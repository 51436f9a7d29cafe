/*
 * The connection watch: keeps slow clients from holding the server's connection
 * slots. libmicrohttpd's own timeout counts only idle time, so a client sending
 * one byte now and then keeps its slot for ever, and a few hundred such clients
 * from a handful of addresses fill the global limit. The watch gives every
 * request a total deadline for its headers and body, and when the server comes
 * within `reserve` slots of its limit it closes the oldest connections that are
 * not being answered (a request still arriving, or a keep-alive connection
 * between requests), so that a new client always finds a slot. It closes a
 * connection by shutting its socket down; libmicrohttpd then sees the end of the
 * stream and releases the connection in its own thread.
 */
#ifndef CANHGAC_HTTP_CONN_WATCH_H
#define CANHGAC_HTTP_CONN_WATCH_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

struct conn_watch;

/* Starts the watch's thread. `deadline_ms`: the whole of a request's headers and
 * body must arrive within it. Returns NULL when out of memory. */
struct conn_watch *conn_watch_new(int max_connections, int reserve, int deadline_ms);
/* Stops the thread; call after the daemon has stopped. */
void conn_watch_free(struct conn_watch *w);

/* libmicrohttpd's callbacks (cls: the watch). */
enum MHD_Result conn_watch_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void conn_watch_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		       enum MHD_ConnectionNotificationCode code);

/* A request begins arriving on c (its request line has come). */
void conn_watch_request_begins(struct MHD_Connection *c);
/* c's request has fully arrived: it is being answered, not subject to the deadline. */
void conn_watch_request_read(struct MHD_Connection *c);
/* c's answer is sent: the connection waits for the next request (keep-alive). */
void conn_watch_request_done(struct MHD_Connection *c);

/* For the URI log callback: remember that c's raw request target holds an
 * encoded NUL, and later ask. */
void conn_watch_mark_nul(struct MHD_Connection *c);
bool conn_watch_has_nul(struct MHD_Connection *c);

/* Connections closed so far by the deadline and to keep the reserve (/metrics, tests). */
void conn_watch_counts(struct conn_watch *w, uint64_t *deadline_closed, uint64_t *evicted);

#endif
