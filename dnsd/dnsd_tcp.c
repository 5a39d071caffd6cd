/*
 * DNS over TCP (RFC 7766) and zone transfers (RFC 5936). Each message is
 * answered as soon as it is whole, so pipelined queries need no waiting;
 * a connection idle for DNSD_TCP_IDLE seconds is closed, at most
 * dns-tcp-clients are open, and a client that does not read its answers
 * is not read either once OUT_MAX bytes wait for it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsd.h"
#include "log.h"
#include "wire.h"

#define OUT_MAX (256 * 1024)	/* replies queued for one client */
#define AXFR_MSG 16384		/* a transfer's messages stay under this */

struct tcp_conn {
	struct dnsd_reply base;		/* for forwarded answers */
	struct dnsd *d;
	struct tcp_conn *prev, *next;	/* d->tcp_conns */
	struct bufferevent *bev;
	struct ip_addr peer;
	uint8_t in[DNS_TCP_MAX], out[DNS_TCP_MAX];
};

static void conn_close(struct tcp_conn *c)
{
	dnsd_forget(c->d, &c->base);
	c->d->ntcp--;
	if (c->prev)
		c->prev->next = c->next;
	else
		c->d->tcp_conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	free(c);
}

static void put_msg(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	struct evbuffer *out = bufferevent_get_output(c->bev);

	evbuffer_add(out, hdr, 2);
	evbuffer_add(out, msg, len);
}

/* A forwarded answer for this connection (NULL: given up; the
 * connection stays). */
static void tcp_send(struct dnsd_reply *r, const uint8_t *reply, size_t len)
{
	if (reply)
		put_msg((struct tcp_conn *)r, reply, len);
}

static struct dnsd_reply *tcp_later(const struct dnsd_client *c)
{
	return c->arg;
}

/* ---- AXFR ---- */

struct axfr {
	struct tcp_conn *c;
	const struct dns_query *q;
	struct wire_wr w;
	uint16_t count;
	bool first;
};

static void axfr_start_msg(struct axfr *x)
{
	wire_wr_init(&x->w, x->c->out, AXFR_MSG + 2048);
	wire_wr_u16(&x->w, x->q->id);
	wire_wr_u16(&x->w, DNS_F_QR | DNS_F_AA);
	wire_wr_u16(&x->w, x->first ? 1 : 0);
	wire_wr_u16(&x->w, 0);			/* ANCOUNT, patched */
	wire_wr_u32(&x->w, 0);			/* NSCOUNT, ARCOUNT */
	if (x->first) {
		/* The question as asked (RFC 5936 2.2.1). */
		wire_wr_bytes(&x->w, x->q->qname, x->q->qname_len);
		wire_wr_u16(&x->w, x->q->qtype);
		wire_wr_u16(&x->w, x->q->qclass);
	}
	x->first = false;
	x->count = 0;
}

static void axfr_flush(struct axfr *x)
{
	wire_wr_u16_at(&x->w, 6, x->count);
	put_msg(x->c, x->c->out, x->w.off);
}

static int axfr_rr(void *ctx, const uint8_t *owner, uint16_t type,
		   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	struct axfr *x = ctx;

	if (x->w.off > AXFR_MSG) {
		axfr_flush(x);
		axfr_start_msg(x);
	}
	if (!dns_put_rr(&x->w, owner, type, ttl, rdata, rdlen)) {
		/* Larger than a message on its own: cannot happen with
		 * IPAM's data (TXT is at most 4,000 bytes). */
		return -EMSGSIZE;
	}
	x->count++;
	return 0;
}

static void axfr(struct tcp_conn *c, const struct dns_query *q)
{
	struct dnsd *d = c->d;
	const struct dns_db *db = dns_data_db(d->data);
	const uint8_t *apex = dns_zone_of(db, q->lname);
	struct axfr x = { .c = c, .q = q, .first = true };
	char name[DNS_WIRE_MAX * 4], who[IP_STRLEN];
	size_t n;
	int r;

	dns_name_to_text(q->lname, name, sizeof(name));
	ip_format(&c->peer, who, sizeof(who));
	if (!apex || !dns_name_equal(apex, q->lname) ||
	    !dns_data_may_axfr(d->data, &c->peer)) {
		d->counters.axfr_refused++;
		log_info("zone transfer of %s to %s refused: %s", name, who,
			 !apex || !dns_name_equal(apex, q->lname) ?
			 "not a zone of ours" : "not in dns-axfr-allow");
		n = dns_error_reply(q, true, DNS_R_REFUSED, false, c->out,
				    sizeof(c->out));
		put_msg(c, c->out, n);
		return;
	}
	axfr_start_msg(&x);
	r = dns_zone_walk(db, apex, axfr_rr, &x);
	if (r < 0) {
		log_error("zone transfer of %s to %s failed: %s", name, who,
			  strerror(-r));
		n = dns_error_reply(q, true, DNS_R_SERVFAIL, false, c->out,
				    sizeof(c->out));
		put_msg(c, c->out, n);
		return;
	}
	axfr_flush(&x);
	d->counters.axfr++;
	log_info("zone %s transferred to %s", name, who);
}

/* ---- connections ---- */

static void handle(struct tcp_conn *c, size_t len)
{
	struct dnsd *d = c->d;
	struct dns_query q;
	const char *why;
	size_t n;

	d->counters.tcp++;
	if (dns_query_parse(&q, c->in, len, &why) == 0 && q.opcode == 0 &&
	    (q.qtype == DNS_T_AXFR || q.qtype == DNS_T_IXFR)) {
		/* IXFR is answered with the whole zone (RFC 1995 4). */
		d->counters.queries++;
		axfr(c, &q);
		return;
	}
	struct dnsd_client cl = {
		.src = c->peer, .tcp = true,
		.may_recurse = dns_data_may_recurse(d->data, &c->peer),
		.later = tcp_later, .arg = &c->base,
	};

	n = dnsd_answer(d, c->in, len, &cl, c->out, sizeof(c->out));
	if (n)
		put_msg(c, c->out, n);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	for (;;) {
		uint8_t hdr[2];
		size_t len;

		if (evbuffer_get_length(bufferevent_get_output(bev)) > OUT_MAX) {
			/* It is not reading: stop reading it until it does. */
			bufferevent_disable(bev, EV_READ);
			return;
		}
		if (evbuffer_copyout(in, hdr, 2) < 2)
			return;
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (evbuffer_get_length(in) < 2 + len)
			return;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, c->in, len);
		handle(c, len);
	}
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;

	/* The output drained (low watermark 0): read again. */
	if (!(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		on_read(bev, c);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		conn_close(arg);
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	struct dnsd *d = arg;
	struct timeval idle = { DNSD_TCP_IDLE, 0 };
	struct tcp_conn *c;

	(void)lis;
	(void)salen;
	if (d->ntcp >= d->lim.tcp_clients || !(c = calloc(1, sizeof(*c)))) {
		d->counters.tcp_refused++;
		evutil_closesocket(fd);
		return;
	}
	c->d = d;
	c->base.d = d;
	c->base.send = tcp_send;
	if (sa->sa_family == AF_INET)
		ip_from_bytes(&c->peer, &((struct sockaddr_in *)sa)->sin_addr, 4);
	else
		ip_from_bytes(&c->peer, &((struct sockaddr_in6 *)sa)->sin6_addr,
			      16);
	c->bev = bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		evutil_closesocket(fd);
		free(c);
		d->counters.tcp_refused++;
		return;
	}
	d->ntcp++;
	c->next = d->tcp_conns;
	if (c->next)
		c->next->prev = c;
	d->tcp_conns = c;
	d->counters.tcp_conns++;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int dnsd_tcp_listen(struct dnsd *d, struct dnsd_listen *l)
{
	struct sockaddr_storage ss;
	socklen_t sl = dnsd_sockaddr(l, &ss);
	int one = 1;
	evutil_socket_t s;

	s = socket(l->addr.family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	if ((l->addr.family == AF_INET6 &&
	     setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;

		evutil_closesocket(s);
		return -e;
	}
	l->tcp = evconnlistener_new(d->base, on_accept, d,
				    LEV_OPT_CLOSE_ON_FREE, 64, s);
	if (!l->tcp) {
		evutil_closesocket(s);
		return -EIO;
	}
	return 0;
}

void dnsd_tcp_close(struct dnsd *d)
{
	while (d->tcp_conns)
		conn_close(d->tcp_conns);
	for (size_t i = 0; i < d->nlisten; i++) {
		if (d->listen[i].tcp)
			evconnlistener_free(d->listen[i].tcp);
		d->listen[i].tcp = NULL;
	}
}
