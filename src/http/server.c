/*
 * The libmicrohttpd glue: daemon options (epoll, a thread pool sized to the cores,
 * per-IP and total connection limits, timeouts, TLS), the body limit, the client
 * address (behind trusted proxies), routing, and turning a struct http_resp into
 * an MHD response with the security headers on every answer.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/net.h"
#include "core/wipe.h"
#include "http/app.h"
#include "http/http.h"
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

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_pool *pool;     /* CPU-bound: one thread per core */
	struct http_pool *io_pool;  /* waits on fdatasync: many threads, so many waits share one */
	struct app *app;
	bool tls;
	char url[96];
	struct net_cidr proxies[MAX_PROXIES];
	int n_proxies;
	_Atomic int stopping;       /* queued requests are answered 503, not run */
	_Atomic int deferred;       /* connections suspended by http_req_defer, not yet resumed */
};

enum conn_state { CONN_READING = 0, CONN_TOO_LARGE, CONN_IN_POOL, CONN_DONE, CONN_ANSWERED };

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

static void client_ip_from(struct http_server *srv, struct MHD_Connection *c, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, size, "unknown");
	if (!ci || !ci->client_addr)
		return;
	net_addr_format(ci->client_addr, out, size);
	bool trusted = false;
	for (int i = 0; i < srv->n_proxies && !trusted; i++)
		trusted = net_cidr_contains(&srv->proxies[i], ci->client_addr);
	if (!trusted)
		return;
	/* Behind a trusted proxy, the client is the rightmost X-Forwarded-For entry that
	 * is not itself a trusted proxy: entries further left are the client's own say. */
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (!xff || strlen(xff) > 1024)
		return;
	char buf[1025];
	strcpy(buf, xff);
	for (;;) {
		char *comma = strrchr(buf, ',');
		char *item = comma ? comma + 1 : buf;
		while (*item == ' ')
			item++;
		struct net_cidr one;
		struct net_addr a;
		char probe[80];
		if (net_cidr_parse(item, &one) != 0 || strchr(item, '/'))
			return; /* not an address: keep the peer's */
		snprintf(probe, sizeof probe, one.family == AF_INET6 ? "[%s]:0" : "%s:0", item);
		if (net_listen_parse(probe, &a) != 0)
			return;
		bool hop = false;
		for (int i = 0; i < srv->n_proxies && !hop; i++)
			hop = net_cidr_contains(&srv->proxies[i], (struct sockaddr *)&a.ss);
		if (!hop || !comma) {
			snprintf(out, size, "%s", item);
			return;
		}
		*comma = '\0';
	}
}

/* The client's address in its one canonical text (IPv4-mapped IPv6 as IPv4,
 * IPv6 lower case and compressed), so blocks, throttles and the audit agree on
 * who it is whatever form the socket or X-Forwarded-For gave. */
static void client_ip(struct http_server *srv, struct MHD_Connection *c, char *out, size_t size)
{
	char raw[64];
	client_ip_from(srv, c, raw, sizeof raw);
	if (net_ip_canonical(raw, out, size) != 0)
		snprintf(out, size, "%s", raw);
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
	client_ip(srv, c, req->client_ip, sizeof req->client_ip);
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

static enum MHD_Result answer_error(struct http_server *srv, struct MHD_Connection *c, const char *url,
				    const char *method, int status, const char *code)
{
	struct http_req req;
	struct http_resp resp = {0};
	req_init(srv, c, &req, url, method);
	http_resp_error(&req, &resp, status, code, NULL);
	enum MHD_Result ok = send_resp(srv, c, &req, &resp);
	resp_free(&resp);
	return ok;
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

void http_req_defer(struct http_req *req, void (*then)(struct http_req *req, struct http_resp *resp), void *arg)
{
	struct conn_ctx *ctx = ctx_of(req);
	req->then = then;
	req->then_arg = arg;
	ctx->state = CONN_IN_POOL;
	atomic_fetch_add(&ctx->srv->deferred, 1);
	MHD_suspend_connection(ctx->conn);
}

void http_req_resume(struct http_req *req)
{
	struct conn_ctx *ctx = ctx_of(req);
	struct http_server *srv = ctx->srv;
	ctx->state = CONN_DONE;
	MHD_resume_connection(ctx->conn);
	atomic_fetch_sub(&srv->deferred, 1);
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
	if (m == ROUTER_FOUND && http_ip_refused(req, resp)) {
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
	if (ctx->state == CONN_TOO_LARGE) {
		ctx->len += *upload_data_size;
		if (*upload_data_size == 0) {
			ctx->state = CONN_ANSWERED;
			return answer_error(srv, c, url, method, 413, "payload_too_large");
		}
		*upload_data_size = 0;
		return ctx->len > HTTP_BODY_MAX + DISCARD_MAX ? MHD_NO : MHD_YES;
	}
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

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct conn_ctx *ctx = *con_cls;
	if (ctx && ctx->req.then && ctx->state == CONN_IN_POOL) {
		/* Still waiting for its audit record (only when the daemon is stopped
		 * after http_server_stop gave up waiting): whoever resumes it will touch
		 * ctx, so it is left, not freed. */
		*con_cls = NULL;
		return;
	}
	if (ctx) {
		if (ctx->req.then && ctx->state == CONN_DONE) {
			/* the client went away while it waited: let the continuation free its state */
			struct http_resp dropped = {0};
			run_then(ctx, &dropped);
			resp_free(&dropped);
		}
		resp_free(&ctx->resp);
		req_free(&ctx->req);
		wipe_free(ctx->body);
		free(ctx);
		*con_cls = NULL;
	}
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
	if (!srv->pool || !srv->io_pool) {
		snprintf(why, why_size, "cannot start the worker pool");
		goto out;
	}
	srv->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr.ss,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->server.max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->server.max_connections_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->server.connection_timeout_seconds,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
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

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	/* Stop accepting; let the pool finish (each job resumes its connection, whose
	 * answer the HTTP threads then send); give open requests up to 5 s to end;
	 * then stop the HTTP threads. */
	srv->stopping = 1;
	MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	http_pool_free(srv->pool);
	http_pool_free(srv->io_pool);
	for (int i = 0; i < 50; i++) {
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if ((!di || di->num_connections == 0) && atomic_load(&srv->deferred) == 0)
			break;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
