/*
 * The HTTP side of racknet-tftpd (tftpd.h): the same root and the same
 * rendered per-machine files as TFTP, for iPXE and UEFI HTTP boot, on
 * libevent's evhttp. GET and HEAD; one byte range per GET (http_range.c);
 * keep-alive as evhttp does it (HTTP/1.1 by default, 1.0 when asked).
 *
 * A file under the root goes out with sendfile: its descriptor becomes an
 * evbuffer file segment in a buffer that drains to the socket, so its
 * bytes never pass through userspace. A rendered file is handed over by
 * reference and freed when sent.
 *
 * Each request gets a small record that lives until its response has
 * been written (evhttp's on-complete callback) or its connection goes
 * down first (the connection's close callback, e.g. a client that hangs
 * up mid-file): either one logs the request's single info line, counts
 * the bytes and frees the record. The file descriptor is libevent's from
 * the moment it is queued, and is closed when the connection's buffers
 * are freed, sent or not.
 *
 * Every method reaches on_request so that the refused ones are counted
 * (http_bad) and answered 405 with an Allow header. The listening socket
 * is ours (IPv6 only on an IPv6 address, as for TFTP), handed to evhttp.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "log.h"
#include "tftpd.h"

/* Idle keep-alive connections, and reads or writes that make no progress
 * (a client that stopped reading mid-file), are dropped after this. */
#define HTTP_TIMEOUT_S 60
#define HTTP_HEADERS_MAX 8192	/* request line and headers */
#define HTTP_BODY_MAX 4096	/* GET and HEAD have none */
#define HTTP_URI_LOG 256	/* escaped request URI in log lines */
#define ACCEPT_PAUSE_MS 500	/* after accept() fails, e.g. EMFILE */
#define ACCEPT_WARN_S 60	/* say so at most this often */

struct http_conn;

struct tftpd_http {
	struct bootfs *fs;
	struct tftpd_counters *c;
	uint16_t port;
	struct evhttp *http;
	struct evconnlistener *listener;	/* evhttp's */
	struct event *ev_resume;
	int64_t accept_warned_ms;
	uint64_t accept_failed;		/* since the last warning */
	bool paused;			/* after an accept() error */
	/* Connections that sent a request, at most max_conns: at the limit
	 * the listener stops accepting (the kernel queues new ones) until
	 * one closes. */
	struct http_conn **conns;
	unsigned nconns, max_conns;
	int64_t full_warned_ms;
	struct tftpd_http *next;	/* in servers */
};

/* libevent calls a listener's error callback with evhttp's pointer, not
 * ours: the servers of this process, to find one from the other. */
static struct tftpd_http *servers;

/* One request, from its arrival until its response is out or lost. */
struct http_xfer {
	struct tftpd_http *h;
	struct http_conn *conn;
	int64_t start_ms;
	const char *method;
	int status;
	uint64_t body;		/* body bytes queued */
	struct boot_client bc;
	char client[IP_STRLEN + 8];
	char uri[HTTP_URI_LOG];
	char what[160];		/* bootfs's "node1 (profile ubuntu)" */
	char note[272];		/* range or reason, for the log */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:	return "GET";
	case EVHTTP_REQ_HEAD:	return "HEAD";
	case EVHTTP_REQ_POST:	return "POST";
	case EVHTTP_REQ_PUT:	return "PUT";
	case EVHTTP_REQ_DELETE:	return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE:	return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH:	return "PATCH";
	}
	return "?";
}

/* ---- addresses ---- */

/* Who asks and which of our addresses it asked, from the connection's
 * socket; "ADDR:PORT" or "[ADDR]:PORT" for logs. */
static void conn_client(struct evhttp_connection *conn,
			struct boot_client *bc, char *client, size_t cap)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
	int fd = bev ? (int)bufferevent_getfd(bev) : -1;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint16_t port = 0;

	snprintf(client, cap, "?");
	if (fd < 0)
		return;
	if (getpeername(fd, (void *)&ss, &len) == 0 &&
	    ip_from_sockaddr(&bc->addr, &port, &ss) == 0)
		sockaddr_format(&ss, client, cap);
	len = sizeof(ss);
	if (getsockname(fd, (void *)&ss, &len) == 0)
		(void)ip_from_sockaddr(&bc->local, &port, &ss);
}

/* ---- the end of a request: log, count, free ---- */

static void xfer_end(struct http_xfer *x, uint64_t sent, const char *how)
{
	struct tftpd_counters *c = x->h->c;

	c->http_bytes += sent;
	log_info("%s %s %s%s%s: %d%s%s, %s%" PRIu64 " bytes in %lld ms%s",
		 x->client, x->method, x->uri, x->what[0] ? " " : "", x->what,
		 x->status, x->note[0] ? " " : "", x->note,
		 how ? "aborted after " : "", sent,
		 (long long)(now_ms() - x->start_ms), how ? how : "");
	free(x);
}

/* ---- connections ---- */

/* A connection that sent a request, until it closes; the response going
 * out on it, if one is. */
struct http_conn {
	struct tftpd_http *h;
	struct evhttp_connection *evcon;
	struct http_xfer *x;
};

static void listener_update(struct tftpd_http *h)
{
	if (!h->listener)	/* evhttp_free() has freed it */
		return;
	if (h->paused || h->nconns >= h->max_conns)
		evconnlistener_disable(h->listener);
	else
		evconnlistener_enable(h->listener);
}

/* The connection went down: a response still going out is logged with
 * what the socket took (what is left in its output buffer was not sent);
 * then the connection's slot is free again. */
static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn *hc = arg;
	struct tftpd_http *h = hc->h;
	struct http_xfer *x = hc->x;

	if (x) {
		struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
		size_t left = bev ? evbuffer_get_length(
					bufferevent_get_output(bev)) : 0;
		uint64_t sent = left >= x->body ? 0 : x->body - left;
		char how[64];

		snprintf(how, sizeof(how), " (of %" PRIu64 ": the connection "
			 "ended first)", x->body);
		xfer_end(x, sent, how);
	}
	for (unsigned i = 0; i < h->nconns; i++)
		if (h->conns[i] == hc) {
			h->conns[i] = h->conns[--h->nconns];
			break;
		}
	free(hc);
	listener_update(h);
}

/* The record of the connection req came on, made at its first request;
 * NULL when out of memory. */
static struct http_conn *conn_of(struct tftpd_http *h,
				 struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct http_conn *hc;
	int64_t now;

	for (unsigned i = 0; i < h->nconns; i++)
		if (h->conns[i]->evcon == evcon)
			return h->conns[i];
	if (h->nconns == h->max_conns || !(hc = calloc(1, sizeof(*hc))))
		return NULL;		/* accepted before the listener stopped */
	*hc = (struct http_conn){ .h = h, .evcon = evcon };
	h->conns[h->nconns++] = hc;
	evhttp_connection_set_closecb(evcon, on_close, hc);
	if (h->nconns < h->max_conns)
		return hc;
	listener_update(h);
	now = now_ms();
	if (!h->full_warned_ms || now - h->full_warned_ms >= ACCEPT_WARN_S * 1000) {
		log_warn("HTTP: %u connections open (--max-http): not accepting "
			 "more until one closes", h->max_conns);
		h->full_warned_ms = now;
	}
	return hc;
}

static void on_complete(struct evhttp_request *req, void *arg)
{
	struct http_xfer *x = arg;

	(void)req;
	x->conn->x = NULL;
	xfer_end(x, x->body, NULL);
}

/* Send the response; x is freed by on_complete or on_close. */
static void reply(struct http_xfer *x, struct evhttp_request *req,
		  int status, const char *reason)
{
	struct tftpd_counters *c = x->h->c;
	struct bufferevent *bev;

	x->status = status;
	switch (status) {
	case HTTP_OK:
		c->http_ok++;
		break;
	case 206:
		c->http_partial++;
		break;
	case HTTP_NOTFOUND:
		c->http_not_found++;
		break;
	case 403:
		c->http_denied++;
		break;
	default:
		c->http_bad++;
		break;
	}
	x->conn->x = x;
	evhttp_request_set_on_complete_cb(req, on_complete, x);
	bev = evhttp_connection_get_bufferevent(x->conn->evcon);
	evhttp_send_reply(req, status, reason, NULL);
	/* A client that half-closes after its request (shutdown(SHUT_WR))
	 * must still get the whole response: evhttp takes a read EOF for a
	 * dropped connection and loses what is queued. So nothing is read
	 * while the response goes out: evhttp_send_reply() turned reading
	 * on, and evhttp turns it on again after the response, for the next
	 * request on a keep-alive connection. (The reply is only queued
	 * here: the connection and bev are still there, x may not be.) */
	if (bev)
		bufferevent_disable(bev, EV_READ);
}

/*
 * An error with a one-line text body (none for HEAD): text, then
 * ": detail" if detail is not NULL. The same line goes to the log unless
 * x->note already says something better.
 */
static void reply_text(struct http_xfer *x, struct evhttp_request *req,
		       int status, const char *reason, const char *text,
		       const char *detail)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evhttp_request_get_output_buffer(req);
	int n;

	if (!x->note[0])
		snprintf(x->note, sizeof(x->note), "(%s%s%s)", text,
			 detail ? ": " : "", detail ? detail : "");
	evhttp_add_header(out, "Content-Type", "text/plain; charset=utf-8");
	if (evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		n = evbuffer_add_printf(buf, "%s%s%s\n", text,
					detail ? ": " : "",
					detail ? detail : "");
		x->body = n > 0 ? (uint64_t)n : 0;
	}
	reply(x, req, status, reason);
}

/* ---- serving a file ---- */

static void free_rendered(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	free(arg);
}

/* Queue [first, first + len) of f; f's fd or data become libevent's. */
static int queue_body(struct evbuffer *buf, struct boot_file *f,
		      uint64_t first, uint64_t len)
{
	struct evbuffer_file_segment *seg;
	int r;

	if (len == 0)
		return 0;
	if (f->fd < 0) {
		if (evbuffer_add_reference(buf, f->data + first, len,
					   free_rendered, f->data) < 0)
			return -ENOMEM;
		f->data = NULL;
		return 0;
	}
	/* libevent sends a file segment with sendfile only from a buffer
	 * that promises to drain to a socket (else it maps the file into
	 * memory). This one does: evhttp moves its chains, unread, into
	 * the connection's output. */
	if (evbuffer_set_flags(buf, EVBUFFER_FLAG_DRAINS_TO_FD) < 0)
		return -ENOMEM;
	seg = evbuffer_file_segment_new(f->fd, (ev_off_t)first,
					(ev_off_t)len,
					EVBUF_FS_CLOSE_ON_FREE);
	if (!seg)
		return -ENOMEM;
	f->fd = -1;		/* the segment closes it */
	r = evbuffer_add_file_segment(buf, seg, 0, (ev_off_t)len);
	evbuffer_file_segment_free(seg);	/* the buffer holds its own */
	return r < 0 ? -ENOMEM : 0;
}

/*
 * The Range of a GET (RFC 9110 14.2: only GET has range semantics; HEAD
 * and the rest ignore it). Two Range fields are not a range we can read,
 * and an If-Range can never match since we send no validators: both
 * serve the whole file.
 */
static const char *range_header(struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const struct evkeyval *kv;
	const char *range = NULL;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
	    evhttp_find_header(in, "If-Range"))
		return NULL;
	TAILQ_FOREACH(kv, in, next) {
		if (strcasecmp(kv->key, "Range") != 0)
			continue;
		if (range)
			return NULL;
		range = kv->value;
	}
	return range;
}

static void serve_file(struct http_xfer *x, struct evhttp_request *req,
		       struct boot_file *f)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *range = range_header(req);
	uint64_t first = 0, len = f->size;
	char num[64], esc[96];
	int r = range ? http_range_parse(range, f->size, &first, &len) : 1;

	evhttp_add_header(out, "Accept-Ranges", "bytes");
	if (r == -ERANGE) {
		snprintf(num, sizeof(num), "bytes */%" PRIu64, f->size);
		evhttp_add_header(out, "Content-Range", num);
		log_escape(esc, sizeof(esc), range, strlen(range));
		snprintf(x->note, sizeof(x->note), "(%s)", esc);
		reply_text(x, req, 416, "Range Not Satisfiable",
			   "range not satisfiable", NULL);
		return;
	}
	if (r != 0) {
		first = 0;
		len = f->size;
	}
	evhttp_add_header(out, "Content-Type", f->kind == BOOT_FILE ?
			  "application/octet-stream" : "text/plain");
	snprintf(num, sizeof(num), "%" PRIu64, len);
	evhttp_add_header(out, "Content-Length", num);
	if (r == 0) {
		snprintf(num, sizeof(num), "bytes %" PRIu64 "-%" PRIu64
			 "/%" PRIu64, first, first + len - 1, f->size);
		evhttp_add_header(out, "Content-Range", num);
		snprintf(x->note, sizeof(x->note), "%s", num);
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		if (queue_body(evhttp_request_get_output_buffer(req), f, first,
			       len) < 0) {
			evhttp_clear_headers(out);
			snprintf(x->note, sizeof(x->note),
				 "(cannot queue the file)");
			reply_text(x, req, HTTP_INTERNAL,
				   "Internal Server Error", "server error",
				   NULL);
			return;
		}
		x->body = len;
	}
	if (r == 0)
		reply(x, req, 206, "Partial Content");
	else
		reply(x, req, HTTP_OK, "OK");
}

/*
 * The path and query the client asked for, %-decoded (http_req.c), in
 * one malloc'd buffer for the caller to free. 0, -EBADMSG, -ENOMEM.
 */
static int request_target(struct evhttp_request *req, struct http_target *t,
			  char **ret_buf)
{
	const char *u = evhttp_request_get_uri(req);
	size_t len = u ? strlen(u) : 0;
	char *buf = malloc(HTTP_TARGET_BUF(len));
	int r;

	if (!buf)
		return -ENOMEM;
	r = http_target_parse(t, buf, HTTP_TARGET_BUF(len), u ? u : "", len);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret_buf = buf;
	return 0;
}

static void serve(struct tftpd_http *h, struct evhttp_request *req,
		  struct http_xfer *x)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	char *tbuf = NULL, why[256] = "";
	struct boot_file f = { .fd = -1 };
	struct http_target t;
	int r;

	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Allow", "GET, HEAD");
		reply_text(x, req, HTTP_BADMETHOD, "Method Not Allowed",
			   "method not allowed", NULL);
		return;
	}
	r = request_target(req, &t, &tbuf);
	if (r == -EBADMSG) {
		reply_text(x, req, HTTP_BADREQUEST, "Bad Request",
			   "bad request", "NUL byte in the URI");
		return;
	}
	if (r < 0) {
		reply_text(x, req, HTTP_INTERNAL, "Internal Server Error",
			   "server error", NULL);
		return;
	}
	/* The URI's root is the boot root: drop the one leading '/'; a
	 * second one ("//etc") is an absolute path and refused. */
	r = bootfs_get(h->fs, t.path[0] == '/' ? t.path + 1 : t.path,
		       t.query, &x->bc, &f, why, sizeof(why));
	switch (r) {
	case 0:
		snprintf(x->what, sizeof(x->what), "%s", f.what);
		serve_file(x, req, &f);
		break;
	case -EACCES:	/* why says it all, as in TFTP's ERROR */
		reply_text(x, req, 403, "Forbidden",
			   why[0] ? why : "access violation", NULL);
		break;
	case -ENOENT:
		reply_text(x, req, HTTP_NOTFOUND, "Not Found",
			   why[0] ? why : "file not found", NULL);
		break;
	default:
		snprintf(x->note, sizeof(x->note), "(%s)",
			 why[0] ? why : strerror(-r));
		reply_text(x, req, HTTP_INTERNAL, "Internal Server Error",
			   "server error", NULL);
		break;
	}
	boot_file_release(&f);
	free(tbuf);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct tftpd_http *h = arg;
	struct http_xfer *x = calloc(1, sizeof(*x));
	const char *u = evhttp_request_get_uri(req);

	h->c->http_requests++;
	if (x)
		x->conn = conn_of(h, req);
	if (!x || !x->conn) {
		h->c->http_bad++;
		if (!x)
			log_warn("HTTP request refused: out of memory");
		free(x);
		evhttp_send_error(req, 503, NULL);
		return;
	}
	x->h = h;
	x->start_ms = now_ms();
	x->method = method_name(evhttp_request_get_command(req));
	x->bc.http_port = h->port;
	conn_client(evhttp_request_get_connection(req), &x->bc, x->client,
		    sizeof(x->client));
	log_escape(x->uri, sizeof(x->uri), u ? u : "", u ? strlen(u) : 0);
	serve(h, req, x);
}

/* ---- start and stop ---- */

/*
 * accept() failed for a reason that retrying at once will not cure (out
 * of descriptors, most likely: idle keep-alive connections hold one each
 * until HTTP_TIMEOUT_S). libevent would retry on every loop turn and log
 * each failure, spinning the one core TFTP also runs on; instead stop
 * accepting for a moment and let the kernel queue new connections.
 */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct timeval tv = { 0, ACCEPT_PAUSE_MS * 1000 };
	struct tftpd_http *h = servers;
	int e = errno;
	int64_t now = now_ms();

	(void)l;			/* h->listener */
	while (h && h->http != arg)
		h = h->next;
	if (!h)
		return;
	h->paused = true;
	listener_update(h);
	event_add(h->ev_resume, &tv);
	h->accept_failed++;
	if (h->accept_warned_ms &&
	    now - h->accept_warned_ms < ACCEPT_WARN_S * 1000)
		return;
	log_warn("HTTP: cannot accept connections: %s; pausing %d ms after "
		 "each failure (%" PRIu64 " since the last warning)",
		 strerror(e), ACCEPT_PAUSE_MS, h->accept_failed);
	h->accept_warned_ms = now;
	h->accept_failed = 0;
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct tftpd_http *h = arg;

	(void)fd;
	(void)what;
	h->paused = false;
	listener_update(h);
}

/* Our own listening socket rather than evhttp_bind_socket(): an IPv6
 * address serves IPv6 only (as TFTP does), no name resolution, and the
 * errno of a failed bind is ours to report. */
static int listen_socket(const struct ip_addr *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = ip_to_sockaddr(&ss, addr, port);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	int on = 1;

	if (fd < 0)
		return -errno;
	if ((ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (void *)&ss, len) < 0 || listen(fd, SOMAXCONN) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

struct tftpd_http *tftpd_http_new(struct event_base *base, struct bootfs *fs,
				  const struct ip_addr *addr, uint16_t port,
				  unsigned max_conns, struct tftpd_counters *c,
				  char *err, size_t cap)
{
	struct tftpd_http *h = calloc(1, sizeof(*h));
	struct evhttp_bound_socket *bound;
	int fd;

	if (!h) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	h->fs = fs;
	h->c = c;
	h->port = port;
	h->max_conns = max_conns ? max_conns : 1;
	h->conns = calloc(h->max_conns, sizeof(*h->conns));
	h->http = evhttp_new(base);
	h->ev_resume = evtimer_new(base, on_resume, h);
	if (!h->conns || !h->http || !h->ev_resume) {
		snprintf(err, cap, "out of memory");
		goto fail;
	}
	/* Every method reaches on_request, so the ones we refuse are
	 * counted and answered 405 with an Allow header. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
		EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
		EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
		EVHTTP_REQ_PATCH);
	evhttp_set_timeout(h->http, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(h->http, HTTP_HEADERS_MAX);
	evhttp_set_max_body_size(h->http, HTTP_BODY_MAX);
	evhttp_set_gencb(h->http, on_request, h);
	fd = listen_socket(addr, port);
	if (fd < 0) {
		snprintf(err, cap, "%s", strerror(-fd));
		goto fail;
	}
	bound = evhttp_accept_socket_with_handle(h->http, fd);
	if (!bound) {
		close(fd);
		snprintf(err, cap, "cannot accept connections");
		goto fail;
	}
	h->listener = evhttp_bound_socket_get_listener(bound);
	evconnlistener_set_error_cb(h->listener, on_accept_error);
	h->next = servers;
	servers = h;
	return h;
fail:
	tftpd_http_free(h);
	return NULL;
}

void tftpd_http_free(struct tftpd_http *h)
{
	if (!h)
		return;
	for (struct tftpd_http **p = &servers; *p; p = &(*p)->next) {
		if (*p == h) {
			*p = h->next;
			break;
		}
	}
	/* Closes every connection: transfers still going are logged and
	 * freed by on_close, so h must outlive this call. evhttp_free()
	 * frees its listener before it closes them: on_close must leave the
	 * listener alone by then (valgrind saw the use after free). */
	h->listener = NULL;
	if (h->http)
		evhttp_free(h->http);
	if (h->ev_resume)
		event_free(h->ev_resume);
	free(h->conns);
	free(h);
}
