/*
 * racknet-dnsd's daemon state, shared by dnsd.c (main, UDP, the IPAM
 * feed, counters) and dnsd_tcp.c (TCP and zone transfers).
 */
#ifndef RACKNET_DNSD_H
#define RACKNET_DNSD_H

#include <event2/event.h>
#include <event2/listener.h>
#include <stdint.h>
#include <sys/socket.h>

#include "daemon.h"
#include "dns.h"
#include "dns_data.h"
#include "dns_cache.h"
#include "dns_fwd.h"
#include "dns_rrl.h"
#include "ipam.h"

#define DNSD_MAX_LISTEN 16
#define DNSD_TCP_IDLE 10	/* seconds a TCP connection may sit idle */

struct dnsd_counters {
	uint64_t queries, udp, tcp;
	uint64_t qtype[8];	/* A AAAA PTR SOA NS CNAME/MX/SRV/TXT ANY other */
	uint64_t rcode[7];	/* NOERROR FORMERR SERVFAIL NXDOMAIN NOTIMP REFUSED,
				 * then any other (BADVERS, ...) */
	uint64_t truncated, forwarded, cache_hits;
	uint64_t malformed, dropped, rrl_slipped, rrl_dropped;
	uint64_t axfr, axfr_refused, tcp_conns, tcp_refused;
};

struct dnsd_listen {
	struct ip_addr addr;
	uint16_t port;
	int udp;
	struct event *udp_ev;
	struct evconnlistener *tcp;
};

struct dnsd {
	const char *db_path;
	struct ipam *db;
	struct event_base *base;
	struct dns_data *data;
	struct dns_data_opts opts;
	int64_t gen;			/* change feed generation applied */
	bool reload;			/* zones or settings changed */
	size_t batch;			/* changes read by the last tick */

	struct dnsd_listen listen[DNSD_MAX_LISTEN];
	size_t nlisten;
	size_t ntcp;
	struct tcp_conn *tcp_conns;	/* the ntcp open connections */
	struct event *tick;

	struct dns_rrl rrl;
	struct dns_cache *cache;
	struct dns_limits lim;		/* in force: the cache and forwarder
					 * keep the sizes they started with */
	struct dns_fwd *fwd;
	struct dnsd_counters counters;
	struct daemon dm;		/* counters, signals, privileges */
};

/*
 * Where a reply goes when it comes later (a forwarded query): a UDP
 * client (struct udp_pending, dnsd.c) or a TCP connection (dnsd_tcp.c)
 * starts with this. send() gets the reply, or NULL when the forwarder
 * gave up on it (the TCP client went away, shutdown) so it can be freed.
 */
struct dnsd_reply {
	struct dnsd *d;
	void (*send)(struct dnsd_reply *r, const uint8_t *reply, size_t len);
};

/* Who asked, and how to answer later if need be. */
struct dnsd_client {
	struct ip_addr src;
	bool tcp;
	bool may_recurse;	/* dns_data_may_recurse(src), asked once */
	/* For a forwarded query: where its reply will go (UDP makes a
	 * copy of the client's address; TCP gives its connection). */
	struct dnsd_reply *(*later)(const struct dnsd_client *c);
	void *arg;		/* later()'s: the UDP slot or the connection */
};

/* How a query is answered, whatever it came over. Writes the reply into
 * out (cap bytes) and returns its length, or 0 for no reply now (none at
 * all, or forwarded: the reply comes through c's later()). */
size_t dnsd_answer(struct dnsd *d, const uint8_t *buf, size_t len,
		   const struct dnsd_client *c, uint8_t *out, size_t cap);
/* A TCP connection closes: forget its forwarded queries. */
void dnsd_forget(struct dnsd *d, struct dnsd_reply *conn);

int64_t dnsd_now_ms(void);
/* The socket address of a --listen. */
socklen_t dnsd_sockaddr(const struct dnsd_listen *l,
		       struct sockaddr_storage *ss);

/* dnsd_udp.c and dnsd_tcp.c: serve UDP and TCP on l's address; at exit,
 * close every listener (and every TCP connection). */
int dnsd_udp_listen(struct dnsd *d, struct dnsd_listen *l);
int dnsd_tcp_listen(struct dnsd *d, struct dnsd_listen *l);
void dnsd_udp_close(struct dnsd *d);
void dnsd_tcp_close(struct dnsd *d);

#endif
