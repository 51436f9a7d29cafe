/*
 * The libmicrohttpd glue: daemon options (epoll, a thread pool sized to the cores,
 * per-IP and total connection limits, timeouts, TLS), the connection watch
 * (request deadline, reserved slots: conn_watch.c), the body limit, refusing an
 * encoded NUL and ambiguous framing (the readings are intake.c's, as is the client
 * address behind trusted proxies), routing, the deferred requests the server owns
 * until their callback, and turning a struct http_resp into an MHD response with
 * the security headers on every answer.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/net.h"
#include "core/wipe.h"
#include "http/app.h"
#include "http/conn_watch.h"
#include "http/http.h"
#include "http/intake.h"
#include "http/pool.h"
#include "http/guard.h"
#include "http/router.h"
#include "core/metrics.h"

#define MAX_PROXIES 32
#define PEM_MAX (64 * 1024)

#define POOL_QUEUE 256
/* A pooled request that waited longer than this is answered 503 without running:
 * its client has likely given up, and its work would only delay the live ones. */
#define POOL_MAX_WAIT_MS 5000
#define IO_POOL_THREADS 32
/* libmicrohttpd's memory per connection (its default): headers and the read and
 * write buffers, not the body, which on_request copies out as it arrives. The
 * library clears it between the requests of a keep-alive connection, so twice
 * this was a 64 KiB memset per request. */
#define CONN_MEMORY (32 * 1024)
#define IO_POOL_QUEUE 1024
/* On stop, how long the deferred requests' callbacks (their audit records'
 * fdatasync) are waited for before the server is left to the process's exit. */
#define STOP_CALLBACK_WAIT_MS 60000

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_pool *pool;     /* CPU-bound: one thread per core */
	struct http_pool *io_pool;  /* waits on fdatasync: many threads, so many waits share one */
	struct conn_watch *watch;   /* slow clients: the request deadline and the reserved slots */
	struct app *app;
	bool tls;
	char url[96];
	struct net_cidr proxies[MAX_PROXIES];
	int n_proxies;
	_Atomic int stopping;       /* queued requests are answered 503, not run */
	/* The deferred requests (http_req_defer) the server owns until both their
	 * callback has come and their connection is done with them: under mu. */
	pthread_mutex_t mu;
	pthread_cond_t callbacks;   /* signalled when a deferred request's callback comes */
	struct conn_ctx *deferred_head;
	int callbacks_pending;
};

enum conn_state { CONN_READING = 0, CONN_TOO_LARGE, CONN_IN_POOL, CONN_DONE, CONN_ANSWERED, CONN_CANCELLED };

/* A chunked body announces no length; MHD lets an answer be queued only before the
 * body or after all of it, so an oversized one is discarded up to this much more,
 * then answered 413; beyond it the connection is cut. */
#define DISCARD_MAX (1024 * 1024)

/* One request: its body, and (for pooled routes) the request and response that
 * outlive the HTTP thread's call while a worker runs the handler. */
struct conn_ctx {
	char *body;
	size_t len;
	_Atomic int state;
	int64_t started_ms;
	int64_t queued_ms;
	struct http_server *srv;
	struct MHD_Connection *conn;
	const struct http_route *route;
	struct http_req req;
	struct http_resp resp;
	/* http_req_defer's bookkeeping, under srv->mu */
	struct conn_ctx *dnext, *dprev;
	bool callback_pending;     /* http_req_resume not called yet */
	bool cancelled;            /* the server answered 503 while it waited (stopping) */
	bool conn_gone;            /* libmicrohttpd is done with the connection */
	char scratch[256]; /* the route's {params}; longer ones do not match (404) */
};
/* Under 1 KiB, the context comes from the allocator's per-thread cache: a larger
 * block would make glibc consolidate its fast bins on every request. */
_Static_assert(sizeof(struct conn_ctx) <= 1000, "keep struct conn_ctx small");

static const char CSP[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
	"frame-ancestors 'none'";

static void add_security_headers(struct MHD_Response *r, bool tls)
{
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (tls)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}

static enum MHD_Result send_resp(struct http_server *srv, struct MHD_Connection *c,
				 struct http_req *req, struct http_resp *resp)
{
	char *text = NULL;
	size_t len = 0;
	if (resp->status == 0) {
		log_error("http", "handler for %s %s set no status", req->method, req->path);
		http_resp_error(req, resp, 500, "internal_error", NULL);
	}
	if (resp->json) {
		text = json_dumps(resp->json, JSON_COMPACT);
		len = text ? strlen(text) : 0;
		if (!resp->content_type)
			resp->content_type = "application/json; charset=utf-8";
	} else if (resp->body) {
		text = resp->body;
		len = resp->body_len;
		resp->body = NULL;
	}
	/* Answers may hold one-time passwords, recovery codes or tokens: wiped when
	 * libmicrohttpd is done with them. */
	struct MHD_Response *r = text ? MHD_create_response_from_buffer_with_free_callback(len, text, wipe_free)
				      : MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
	if (!r) {
		wipe_free(text);
		return MHD_NO;
	}
	add_security_headers(r, srv->tls);
	if (resp->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	for (int i = 0; i < resp->n_headers; i++)
		MHD_add_response_header(r, resp->headers[i][0], resp->headers[i][1]);
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ok;
}

static void req_init(struct http_server *srv, struct MHD_Connection *c, struct http_req *req,
		     const char *url, const char *method)
{
	memset(req, 0, sizeof *req);
	req->app = srv->app;
	req->method = method;
	req->path = url;
	req->conn = c;
	req->tls = srv->tls;
	req->lang = i18n_lang_from_header(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"));
	http_intake_client_ip(c, srv->proxies, srv->n_proxies, req->client_ip, sizeof req->client_ip);
}

static void resp_free(struct http_resp *resp)
{
	json_decref(resp->json);
	free(resp->body);
	resp->json = NULL;
	resp->body = NULL;
	for (int i = 0; i < resp->n_headers; i++) {
		wipe_free(resp->header_values[i]);
		resp->header_values[i] = NULL;
	}
	resp->n_headers = 0;
}

static void req_free(struct http_req *req)
{
	if (req->auth) {
		sodium_memzero(req->auth, req->auth_size);
		free(req->auth);
		req->auth = NULL;
	}
}

static enum MHD_Result answer_error_detail(struct http_server *srv, struct MHD_Connection *c, const char *url,
					   const char *method, int status, const char *code, const char *detail,
					   bool close_conn)
{
	struct http_req req;
	struct http_resp resp = {0};
	req_init(srv, c, &req, url, method);
	http_resp_error(&req, &resp, status, code, detail ? json_pack("{s:s}", "detail", detail) : NULL);
	if (close_conn)
		http_resp_header(&resp, "Connection", "close");
	conn_watch_request_read(c);
	enum MHD_Result ok = send_resp(srv, c, &req, &resp);
	resp_free(&resp);
	return ok;
}

static enum MHD_Result answer_error(struct http_server *srv, struct MHD_Connection *c, const char *url,
				    const char *method, int status, const char *code)
{
	return answer_error_detail(srv, c, url, method, status, code, NULL, false);
}

/* libmicrohttpd's URI log callback: the request line has come, with its target
 * still encoded. A %00 would decode to a NUL that cuts the path short
 * ("/static/core.js%00.html" served core.js), so it is refused (on_request). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	conn_watch_request_begins(c);
	if (uri && strstr(uri, "%00"))
		conn_watch_mark_nul(c);
	return NULL;
}

static void log_request(struct conn_ctx *ctx)
{
	/* 503 is load shedding, not a fault: a warning, so a flood does not bury real errors */
	enum log_level lvl = ctx->resp.status == 503 ? LOG_WARN : ctx->resp.status >= 500 ? LOG_ERROR : LOG_INFO;
	if (!log_enabled(lvl))
		return;
	char status[8], ms[24];
	snprintf(status, sizeof status, "%d", ctx->resp.status);
	snprintf(ms, sizeof ms, "%lld", (long long)(clock_now_ms() - ctx->started_ms));
	const char *kv[] = {"method", ctx->req.method, "path", ctx->req.path, "status", status, "ms", ms,
			    "ip", ctx->req.client_ip, NULL};
	log_write_kv(lvl, "http", "request", kv);
}

/* Sends the finished response of ctx and releases what the request held. */
static enum MHD_Result finish(struct conn_ctx *ctx)
{
	ctx->state = CONN_ANSWERED;
	metrics_http_request(ctx->req.method, ctx->route ? ctx->route->pattern : NULL, ctx->resp.status,
			     json_string_value(json_object_get(ctx->resp.json, "error")));
	enum MHD_Result ok = send_resp(ctx->srv, ctx->conn, &ctx->req, &ctx->resp);
	log_request(ctx);
	resp_free(&ctx->resp);
	req_free(&ctx->req);
	return ok;
}

static struct conn_ctx *ctx_of(struct http_req *req)
{
	return (struct conn_ctx *)(void *)((char *)req - offsetof(struct conn_ctx, req));
}

/* Caller holds srv->mu. */
static void deferred_unlink(struct http_server *srv, struct conn_ctx *ctx)
{
	if (ctx->dprev)
		ctx->dprev->dnext = ctx->dnext;
	else if (srv->deferred_head == ctx)
		srv->deferred_head = ctx->dnext;
	if (ctx->dnext)
		ctx->dnext->dprev = ctx->dprev;
	ctx->dnext = ctx->dprev = NULL;
}

void http_req_defer(struct http_req *req, void (*then)(struct http_req *req, struct http_resp *resp), void *arg)
{
	struct conn_ctx *ctx = ctx_of(req);
	struct http_server *srv = ctx->srv;
	req->then = then;
	req->then_arg = arg;
	ctx->state = CONN_IN_POOL;
	/* Suspended before it is listed: a stop that cancels it may resume it at once. */
	MHD_suspend_connection(ctx->conn);
	pthread_mutex_lock(&srv->mu);
	ctx->callback_pending = true;
	ctx->dnext = srv->deferred_head;
	ctx->dprev = NULL;
	if (ctx->dnext)
		ctx->dnext->dprev = ctx;
	srv->deferred_head = ctx;
	srv->callbacks_pending++;
	pthread_mutex_unlock(&srv->mu);
}

/* From any thread (the audit writer's): the work is done. A request the server
 * already answered while stopping is not touched beyond its bookkeeping: the
 * server frees it once its connection is gone too. */
void http_req_resume(struct http_req *req)
{
	struct conn_ctx *ctx = ctx_of(req);
	struct http_server *srv = ctx->srv;
	pthread_mutex_lock(&srv->mu);
	ctx->callback_pending = false;
	srv->callbacks_pending--;
	bool resume = !ctx->cancelled && !ctx->conn_gone;
	if (resume) {
		deferred_unlink(srv, ctx);
		ctx->state = CONN_DONE;
	}
	pthread_cond_broadcast(&srv->callbacks);
	struct MHD_Connection *conn = ctx->conn;
	pthread_mutex_unlock(&srv->mu);
	/* Outside mu: libmicrohttpd takes its own lock here. Until resumed the
	 * connection stays suspended, so libmicrohttpd cannot free it meanwhile. */
	if (resume)
		MHD_resume_connection(conn);
}

/* Runs the continuation of a deferred request once. */
static void run_then(struct conn_ctx *ctx, struct http_resp *resp)
{
	void (*then)(struct http_req *, struct http_resp *) = ctx->req.then;
	ctx->req.then = NULL;
	if (then)
		then(&ctx->req, resp);
}

static void pool_run(void *arg)
{
	struct conn_ctx *ctx = arg;
	if (ctx->srv->stopping || clock_now_ms() - ctx->queued_ms > POOL_MAX_WAIT_MS) {
		http_resp_error(&ctx->req, &ctx->resp, 503, "service_unavailable", NULL);
		http_resp_header(&ctx->resp, "Retry-After", "1");
	} else {
		ctx->route->handler(&ctx->req, &ctx->resp);
	}
	ctx->state = CONN_DONE;
	MHD_resume_connection(ctx->conn);
}

static enum MHD_Result dispatch(struct http_server *srv, struct MHD_Connection *c, const char *url,
				const char *method, struct conn_ctx *ctx)
{
	char allow[64];
	struct http_req *req = &ctx->req;
	struct http_resp *resp = &ctx->resp;
	req_init(srv, c, req, url, method);
	req->body = ctx->body;
	req->body_len = ctx->len;
	int m = router_match(http_routes, http_routes_count, req, &ctx->route, ctx->scratch, sizeof ctx->scratch,
			     allow, sizeof allow);
	if (srv->stopping) {
		/* a kept-alive connection's next request while the server stops: nothing new
		 * may wait on the audit writer after http_server_stop has answered those that do */
		http_resp_error(req, resp, 503, "service_unavailable", NULL);
		http_resp_header(resp, "Retry-After", "1");
		http_resp_header(resp, "Connection", "close");
	} else if (m == ROUTER_FOUND && http_ip_refused(req, resp)) {
		/* answered 403 ip_blocked */
	} else if (m == ROUTER_FOUND && (ctx->route->flags & (HTTP_ROUTE_POOL | HTTP_ROUTE_IO)) &&
		   !(ctx->route->runs_inline && ctx->route->runs_inline(srv->app))) {
		ctx->state = CONN_IN_POOL;
		req->pooled = true;
		ctx->queued_ms = clock_now_ms();
		MHD_suspend_connection(c);
		struct http_pool *pool = (ctx->route->flags & HTTP_ROUTE_IO) ? srv->io_pool : srv->pool;
		if (http_pool_submit(pool, pool_run, ctx) == 0)
			return MHD_YES;
		MHD_resume_connection(c);
		http_resp_error(req, resp, 503, "service_unavailable", NULL);
		http_resp_header(resp, "Retry-After", "1");
	} else if (m == ROUTER_FOUND) {
		ctx->route->handler(req, resp);
		if (req->then) /* deferred: answered when resumed; ctx may be resumed already */
			return MHD_YES;
	} else if (m == ROUTER_METHOD) {
		http_resp_error(req, resp, 405, "method_not_allowed", NULL);
		http_resp_header(resp, "Allow", allow);
	} else {
		http_resp_error(req, resp, 404, "not_found", NULL);
	}
	return finish(ctx);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct http_server *srv = cls;
	struct conn_ctx *ctx = *con_cls;
	if (!ctx) {
		ctx = calloc(1, sizeof *ctx);
		if (!ctx)
			return MHD_NO;
		ctx->started_ms = clock_now_ms();
		ctx->srv = srv;
		ctx->conn = c;
		*con_cls = ctx;
		if (conn_watch_has_nul(c)) {
			ctx->state = CONN_ANSWERED;
			return answer_error_detail(srv, c, url, method, 400, "invalid_request",
						   "the request target holds an encoded NUL (%00)", true);
		}
		const char *framing = http_intake_framing_problem(c);
		if (framing) {
			ctx->state = CONN_ANSWERED;
			return answer_error_detail(srv, c, url, method, 400, "invalid_request", framing, true);
		}
		/* Refuse an announced oversized body before reading any of it. */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > HTTP_BODY_MAX) {
			ctx->state = CONN_ANSWERED;
			return answer_error(srv, c, url, method, 413, "payload_too_large");
		}
		return MHD_YES;
	}
	if (ctx->state == CONN_DONE) { /* resumed after the pool ran the handler, or a deferred one */
		run_then(ctx, &ctx->resp);
		return finish(ctx);
	}
	if (ctx->state == CONN_CANCELLED) { /* http_server_stop answered it; its work is still out */
		ctx->state = CONN_ANSWERED;
		metrics_http_request(ctx->req.method, ctx->route ? ctx->route->pattern : NULL, ctx->resp.status,
				     "service_unavailable");
		enum MHD_Result ok = send_resp(srv, c, &ctx->req, &ctx->resp);
		log_request(ctx);
		resp_free(&ctx->resp);
		return ok; /* the request (its auth) stays for the continuation, which may borrow it */
	}
	if (ctx->state == CONN_TOO_LARGE) {
		ctx->len += *upload_data_size;
		if (*upload_data_size == 0) {
			ctx->state = CONN_ANSWERED;
			return answer_error(srv, c, url, method, 413, "payload_too_large");
		}
		*upload_data_size = 0;
		return ctx->len > HTTP_BODY_MAX + DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (ctx->state == CONN_READING && *upload_data_size == 0)
		conn_watch_request_read(c); /* all of it has come: no deadline while it is answered */
	if (ctx->state != CONN_READING) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (ctx->len + n > HTTP_BODY_MAX) {
			wipe_free(ctx->body);
			ctx->body = NULL;
			ctx->len += n;
			ctx->state = CONN_TOO_LARGE;
			return MHD_YES;
		}
		/* not realloc: the old block may hold part of a password and must be wiped */
		char *nb = malloc(ctx->len + n + 1);
		if (!nb)
			return MHD_NO;
		if (ctx->body)
			memcpy(nb, ctx->body, ctx->len);
		wipe_free(ctx->body);
		memcpy(nb + ctx->len, upload_data, n);
		ctx->body = nb;
		ctx->len += n;
		ctx->body[ctx->len] = '\0';
		return MHD_YES;
	}
	return dispatch(srv, c, url, method, ctx);
}

/* Frees a request's context; a deferred one's continuation runs first (with its
 * answer dropped) so that it can free what it holds. */
static void ctx_free(struct conn_ctx *ctx)
{
	if (ctx->req.then) {
		struct http_resp dropped = {0};
		run_then(ctx, &dropped);
		resp_free(&dropped);
	}
	resp_free(&ctx->resp);
	req_free(&ctx->req);
	wipe_free(ctx->body);
	free(ctx);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	struct http_server *srv = cls;
	struct conn_ctx *ctx = *con_cls;
	conn_watch_request_done(c);
	if (!ctx)
		return;
	*con_cls = NULL;
	pthread_mutex_lock(&srv->mu);
	bool keep = ctx->callback_pending;
	if (keep)
		ctx->conn_gone = true; /* whoever calls back touches ctx: http_server_stop frees it after */
	else if (ctx->cancelled)
		deferred_unlink(srv, ctx);
	pthread_mutex_unlock(&srv->mu);
	if (!keep)
		ctx_free(ctx);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("http", "libmicrohttpd: %s", msg);
}

/* Reads a PEM file into a new NUL-terminated buffer the caller frees (and wipes). */
static char *read_pem(const char *path, char *why, size_t why_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size <= 0 || sb.st_size > PEM_MAX) {
		snprintf(why, why_size, "cannot read %s: %s", path, fd < 0 ? strerror(errno) : "empty or too large");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)sb.st_size + 1);
	ssize_t n = buf ? read(fd, buf, (size_t)sb.st_size) : -1;
	close(fd);
	if (n != sb.st_size) {
		free(buf);
		snprintf(why, why_size, "cannot read %s", path);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static int add_proxy(const char *item, void *arg)
{
	struct http_server *srv = arg;
	if (srv->n_proxies >= MAX_PROXIES || net_cidr_parse(item, &srv->proxies[srv->n_proxies]))
		return -1;
	srv->n_proxies++;
	return 0;
}

int http_server_start(struct app *app, const struct config *cfg, const char *listen_override,
		      struct http_server **out, char *why, size_t why_size)
{
	const char *listen = listen_override ? listen_override : cfg->server.listen;
	struct net_addr addr;
	char *cert = NULL, *key = NULL;
	int rc = -1;
	*out = NULL;
	if (net_listen_parse(listen, &addr) != 0) {
		snprintf(why, why_size, "bad listen address '%s': expected HOST:PORT, e.g. 127.0.0.1:8080", listen);
		return -1;
	}
	struct http_server *srv = calloc(1, sizeof *srv);
	if (!srv) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	srv->app = app;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->callbacks, NULL);
	srv->tls = cfg->server.tls_cert[0] != '\0';
	if (config_list_each(cfg->server.trusted_proxies, add_proxy, srv)) {
		snprintf(why, why_size, "[server] trusted_proxies: bad entry or more than %d", MAX_PROXIES);
		goto out;
	}
	if (!srv->tls && srv->n_proxies == 0 && !net_addr_is_loopback((struct sockaddr *)&addr.ss)) {
		snprintf(why, why_size,
			 "refusing to serve plain HTTP on %s, which is not loopback: set [server] tls_cert "
			 "and tls_key, or name the TLS-terminating proxy in [server] trusted_proxies",
			 listen);
		goto out;
	}
	unsigned threads = cfg->server.threads > 0 ? (unsigned)cfg->server.threads
						   : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;
	if (addr.ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (srv->tls) {
		flags |= MHD_USE_TLS;
		cert = read_pem(cfg->server.tls_cert, why, why_size);
		key = cert ? read_pem(cfg->server.tls_key, why, why_size) : NULL;
		if (!cert || !key)
			goto out;
	}
	struct MHD_OptionItem tls_opts[] = {
		{srv->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, key},
		{MHD_OPTION_END, 0, NULL},
	};
	/* Workers for slow-on-purpose requests: one per core, since argon2id is CPU-bound;
	 * their memory is bounded by threads x the argon2id memory cost. */
	srv->pool = http_pool_new(threads, POOL_QUEUE);
	srv->io_pool = http_pool_new(IO_POOL_THREADS, IO_POOL_QUEUE);
	srv->watch = conn_watch_new(cfg->server.max_connections, cfg->server.reserved_connections,
				    cfg->server.request_deadline_seconds * 1000);
	if (!srv->pool || !srv->io_pool || !srv->watch) {
		snprintf(why, why_size, "cannot start the worker pool");
		goto out;
	}
	srv->daemon = MHD_start_daemon(
		flags, 0, conn_watch_accept, srv->watch, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr.ss,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->server.max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->server.max_connections_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->server.connection_timeout_seconds,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, conn_watch_notify, srv->watch,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
		MHD_OPTION_ARRAY, tls_opts,
		MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(why, why_size, "cannot listen on %s: %s (is the port in use, or the TLS files wrong?)",
			 listen, strerror(errno));
		goto out;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	char host[64];
	net_addr_format((struct sockaddr *)&addr.ss, host, sizeof host);
	snprintf(srv->url, sizeof srv->url, addr.ss.ss_family == AF_INET6 ? "%s://[%s]:%u" : "%s://%s:%u",
		 srv->tls ? "https" : "http", host, di ? di->port : 0);
	log_info("http", "listening on %s with %u threads", srv->url, threads);
	rc = 0;
out:
	if (cert)
		sodium_memzero(cert, strlen(cert));
	if (key)
		sodium_memzero(key, strlen(key));
	free(cert);
	free(key);
	if (rc) {
		http_pool_free(srv->pool);
		http_pool_free(srv->io_pool);
		conn_watch_free(srv->watch);
		pthread_cond_destroy(&srv->callbacks);
		pthread_mutex_destroy(&srv->mu);
		free(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

const char *http_server_url(const struct http_server *srv)
{
	return srv->url;
}

/* Answers 503 to every deferred request still waiting for its callback (the
 * audit writer's), so that no client waits on a server going away and no
 * connection is left suspended when the daemon stops (libmicrohttpd aborts on
 * one). Their contexts stay until their callback comes. */
static void deferred_cancel_all(struct http_server *srv)
{
	struct conn_ctx **to_resume = NULL;
	size_t n = 0, cap = 0;
	pthread_mutex_lock(&srv->mu);
	for (struct conn_ctx *ctx = srv->deferred_head; ctx; ctx = ctx->dnext) {
		if (!ctx->callback_pending || ctx->cancelled || ctx->conn_gone)
			continue;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			struct conn_ctx **t = realloc(to_resume, ncap * sizeof *t);
			if (!t)
				break; /* the rest wait for their callback instead */
			to_resume = t;
			cap = ncap;
		}
		ctx->cancelled = true;
		ctx->state = CONN_CANCELLED;
		http_resp_error(&ctx->req, &ctx->resp, 503, "service_unavailable", NULL);
		http_resp_header(&ctx->resp, "Retry-After", "1");
		to_resume[n++] = ctx;
	}
	pthread_mutex_unlock(&srv->mu);
	for (size_t i = 0; i < n; i++)
		MHD_resume_connection(to_resume[i]->conn);
	free(to_resume);
	if (n)
		log_warn("http", "stopping: %zu request(s) waiting for the audit log answered 503", n);
}

/* Waits until every deferred request's callback has come, up to `ms`; true when
 * none is outstanding. */
static bool deferred_wait_callbacks(struct http_server *srv, int ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&srv->mu);
	while (srv->callbacks_pending > 0)
		if (pthread_cond_timedwait(&srv->callbacks, &srv->mu, &until) == ETIMEDOUT)
			break;
	bool done = srv->callbacks_pending == 0;
	pthread_mutex_unlock(&srv->mu);
	return done;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	/* Stop accepting; let the pool finish (each job resumes its connection, whose
	 * answer the HTTP threads then send); answer the deferred requests 503; give
	 * open requests up to 5 s to end; wait for the deferred requests' callbacks
	 * (the audit writer must not call back into a freed server); then stop the
	 * HTTP threads. The listening socket is closed only after the daemon has
	 * stopped: its epoll threads still hold it in their sets until then. */
	srv->stopping = 1;
	MHD_socket listen_fd = MHD_quiesce_daemon(srv->daemon);
	http_pool_free(srv->pool);
	http_pool_free(srv->io_pool);
	deferred_cancel_all(srv);
	for (int i = 0; i < 50; i++) {
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!di || di->num_connections == 0)
			break;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	bool all_back = deferred_wait_callbacks(srv, STOP_CALLBACK_WAIT_MS);
	/* a request deferred after the cancel above (a handler that was running) */
	deferred_cancel_all(srv);
	all_back = deferred_wait_callbacks(srv, all_back ? STOP_CALLBACK_WAIT_MS : 0) && all_back;
	MHD_stop_daemon(srv->daemon);
	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	conn_watch_free(srv->watch);
	pthread_mutex_lock(&srv->mu);
	struct conn_ctx *ctx = srv->deferred_head;
	srv->deferred_head = NULL;
	pthread_mutex_unlock(&srv->mu);
	while (ctx) {
		struct conn_ctx *next = ctx->dnext;
		if (!ctx->callback_pending)
			ctx_free(ctx);
		ctx = next;
	}
	if (!all_back) {
		/* Its writer may still call back: leaking the server is safe, freeing it is not. */
		log_error("http", "stopping: the audit log did not answer %d waiting request(s) within %d s; "
			  "their memory is left to the process's exit", srv->callbacks_pending,
			  STOP_CALLBACK_WAIT_MS / 1000);
		return;
	}
	pthread_cond_destroy(&srv->callbacks);
	pthread_mutex_destroy(&srv->mu);
	free(srv);
}
