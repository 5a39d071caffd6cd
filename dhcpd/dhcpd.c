/*
 * racknet-dhcpd: sockets, the event loop and group commit around the
 * handler in dhcp_server.c.
 *
 * Group commit: the first packet to arrive starts a short window
 * (COMMIT_US) during which the socket is not read; the kernel queues
 * what arrives. When it ends, everything queued (up to BATCH packets) is
 * read with recvmmsg() and handled in one IPAM transaction, one COMMIT
 * (one fsync) makes the whole group durable, and only then are its
 * replies sent, so no ACK leaves before its lease is stored (RFC 2131
 * 4.3.1). A lone client waits COMMIT_US more; under load one fsync
 * covers dozens of leases and the loop wakes twice per group, not once
 * per packet. The transaction is open only while the group is handled,
 * so the database stays free for the CLI and the other daemons.
 *
 * Replies to a client without an address yet (and broadcasts) go out of a
 * packet socket with the IP and UDP headers built here, addressed to the
 * client's MAC on the receiving interface. The alternative, a neighbour
 * entry via netlink before a normal UDP send, changes kernel state that
 * outlives the exchange, needs CAP_NET_ADMIN and a second syscall per
 * reply; the packet socket needs CAP_NET_RAW only, touches nothing, and
 * also lets a broadcast leave by exactly the interface the request came
 * in on. Relay and renewing clients (giaddr or ciaddr set) are reached
 * through the routed UDP socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdarg.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "dhcp_io.h"
#include "dhcp_link.h"
#include "dhcp_server.h"
#include "dhcpd_probe.h"
#include "log.h"

/* Kept after the drop to --user: none. Every socket (UDP, packet, raw
 * ICMP, the capture of dhcpd_probe.c) is opened in start(); sending on them and reading netlink need no
 * capability, and interfaces that appear later use the same sockets. */
#define DHCPD_CAPS "none"

#define BATCH 128		/* packets per transaction at most */
#define RECV_BATCH 32		/* packets per recvmmsg() */
#define COMMIT_US 2000		/* groups start this far apart at most */
#define RCVBUF (1 << 20)	/* asked for; capped by net.core.rmem_max */
#define MAX_WARNED 128
#define RECLAIM_SECS 60

struct ping {
	bool used;
	uint32_t ip;
	int64_t subnet_id;
	struct dhcp_rx rx;
	uint8_t *buf;
	struct event *timer;
	struct dhcpd *d;
};

struct dhcpd {
	const char *db_path, *user;
	char **only;
	size_t nonly;
	uint16_t port;

	struct ipam *db;
	struct event_base *base;
	struct dhcp_links *links;
	struct dhcp_view view;
	struct dhcp_server srv;
	struct dhcp_counters counters;
	struct daemon dm;		/* counters, signals, privileges */
	struct dhcpd_probe *probe;	/* competing servers */
	bool view_dirty;

	int udp, pkt, icmp;
	uint16_t ping_id;
	struct ping *pings;		/* dhcp-ping-max, read at start */
	size_t npings;

	char *warned[MAX_WARNED];
	size_t nwarned;
	struct log_limit db_said;	/* group-level database errors */

	/* The open group: packets handled, replies waiting for COMMIT. */
	struct event *udp_ev;
	bool window;		/* the commit timer runs; udp_ev is off */
	int64_t group_start;	/* when the last group was read (mono us) */
	bool tx_open;
	size_t n;
	struct event *commit_timer;
	struct event *ev[4];	/* ICMP, links, tick, reclaim: freed at exit */
	uint8_t rxbuf[BATCH][DHCP_MAX_LEN];
	struct dhcp_rx rx[BATCH];
	struct dhcp_out out[BATCH];
};

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* Say each operator-facing problem once per run. */
static void warn_once(void *ctx, const char *key, const char *text)
{
	struct dhcpd *d = ctx;

	for (size_t i = 0; i < d->nwarned; i++)
		if (!strcmp(d->warned[i], key))
			return;
	if (d->nwarned < MAX_WARNED)
		d->warned[d->nwarned++] = strdup(key);
	log_warn("%s", text);
}

/* Rebuild what we serve from IPAM and the kernel; record the VLANs of
 * kernel 802.1Q links that IPAM does not know yet. */
static void reload_view(struct dhcpd *d)
{
	for (int round = 0; round < 2; round++) {
		json_t *cfg = ipam_dhcp_config(d->db);
		const struct dhcp_iface *ifs;
		struct dhcp_view v;
		size_t n;
		int r;

		if (!cfg) {
			log_error("cannot read the IPAM configuration: %s",
				  ipam_error(d->db));
			return;
		}
		ifs = dhcp_links_table(d->links, &n);
		r = dhcp_view_build(&v, cfg, ifs, n, d->only, d->nonly,
				    warn_once, d);
		json_decref(cfg);
		if (r < 0) {
			log_error("cannot build the interface view: out of memory");
			return;
		}
		dhcp_view_free(&d->view);
		d->view = v;
		d->view_dirty = false;
		if (v.nbindings == 0 || round == 1)
			break;
		for (size_t i = 0; i < v.nbindings; i++) {
			const struct dhcp_binding *b = &v.bindings[i];

			if (ipam_interface_set(d->db, b->ifname, b->fabric, b->vid,
					       "netlink") < 0) {
				char key[64];

				snprintf(key, sizeof(key), "bind:%s", b->ifname);
				warn_once(d, key, ipam_error(d->db));
			} else {
				log_notice("interface %s is on VLAN %s/%d (802.1Q, "
					   "from netlink)", b->ifname, b->fabric,
					   b->vid);
			}
		}
	}
	for (size_t i = 0; i < d->view.nifs; i++)
		if (d->view.ifs[i].served)
			log_debug("serving on %s", d->view.ifs[i].k.name);
	if (d->probe)
		dhcpd_probe_reload(d->probe);
}

/* ---- sending ---- */

static bool routed(const struct dhcp_out *o)
{
	return o->route == DHCP_TO_RELAY || o->route == DHCP_TO_CLIENT_IP;
}

static void sent(const struct dhcp_out *o, bool ok)
{
	if (!ok)
		log_warn("cannot send (%s): %s", o->note, strerror(errno));
	else
		log_info("%s", o->note);
}

/* On the packet socket, on the interface the request came in by. */
static void send_raw(struct dhcpd *d, const struct dhcp_out *o)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t frame[DHCP_MAX_LEN + 64];
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = o->ifindex,
		.sll_halen = 6,
	};
	size_t len = dhcp_udp4(frame, sizeof(frame), o->src_ip, o->dst_ip,
			       d->port, (uint16_t)(d->port + 1), o->buf, o->len);

	memcpy(to.sll_addr, o->route == DHCP_TO_HWADDR ? o->dst_mac : bcast, 6);
	sent(o, len && sendto(d->pkt, frame, len, 0, (struct sockaddr *)&to,
			      sizeof(to)) >= 0);
}

/* The routed replies of a group (to relays and to clients that have an
 * address) leave through the UDP socket in one sendmmsg(). */
static void send_routed(struct dhcpd *d, const struct dhcp_out *out, size_t n)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to[BATCH];
	const struct dhcp_out *of[BATCH];
	size_t k = 0, off = 0;

	for (size_t i = 0; i < n; i++) {
		const struct dhcp_out *o = &out[i];

		if (o->action != DHCP_SEND || !routed(o))
			continue;
		to[k] = (struct sockaddr_in){
			.sin_family = AF_INET,
			.sin_port = htons(o->route == DHCP_TO_RELAY ? d->port :
					  (uint16_t)(d->port + 1)),
			.sin_addr.s_addr = htonl(o->dst_ip),
		};
		iov[k] = (struct iovec){ (void *)o->buf, o->len };
		mm[k] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = &to[k], .msg_namelen = sizeof(to[k]),
			.msg_iov = &iov[k], .msg_iovlen = 1 } };
		of[k++] = o;
	}
	while (off < k) {
		int r = sendmmsg(d->udp, mm + off, (unsigned)(k - off), 0);

		if (r <= 0) {
			sent(of[off++], false);	/* skip the one that failed */
			continue;
		}
		for (int i = 0; i < r; i++)
			sent(of[off++], true);
	}
}

/* ---- the address check (ICMP echo) ---- */

static void handle_one(struct dhcpd *d, const struct dhcp_rx *rx);

static void ping_end(struct ping *p, bool answered)
{
	struct dhcpd *d = p->d;
	struct dhcp_rx rx = p->rx;

	evtimer_del(p->timer);
	p->used = false;
	rx.buf = p->buf;
	if (answered) {
		struct ip_addr ip;
		char a[INET_ADDRSTRLEN];
		uint32_t n = htonl(p->ip);
		int r;

		ip_set_v4(&ip, p->ip);
		r = ipam_address_conflict(d->db, p->subnet_id, &ip,
					  now_s() + d->view.decline_time, now_s());
		inet_ntop(AF_INET, &n, a, sizeof(a));
		if (r < 0) {
			log_error("cannot hold %s: %s", a, ipam_error(d->db));
			rx.ping_done = true;	/* do not loop on it */
		} else {
			d->counters.conflicts++;
			log_warn("%s answered a ping before it was offered: held "
				 "as a conflict for %lld s", a,
				 (long long)d->view.decline_time);
			rx.pings_answered++;
		}
	} else {
		rx.ping_done = true;
	}
	handle_one(d, &rx);
	free(p->buf);
	p->buf = NULL;
}

static void on_ping_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ping_end(arg, false);
}

static void ping_start(struct dhcpd *d, const struct dhcp_rx *rx,
		       const struct dhcp_out *o)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(o->ping_ip) };
	struct timeval tv = { d->view.ping_timeout_ms / 1000,
			      (d->view.ping_timeout_ms % 1000) * 1000 };
	uint8_t pkt[64];
	struct ping *p = NULL;
	size_t len;

	for (size_t i = 0; i < d->npings && !p; i++)
		if (!d->pings[i].used)
			p = &d->pings[i];
	if (!p || !(p->buf = malloc(rx->len))) {
		/* Bounded: the client's retransmission finds the address
		 * already offered to it, and that needs no check. */
		log_debug("%d address checks waiting: %s answered on its "
			  "retransmission", (int)d->npings, o->note);
		return;
	}
	memcpy(p->buf, rx->buf, rx->len);
	p->rx = *rx;
	p->rx.buf = NULL;
	p->ip = o->ping_ip;
	p->subnet_id = o->ping_subnet;
	p->used = true;
	len = dhcp_icmp_echo(pkt, sizeof(pkt), d->ping_id,
			     (uint16_t)(p - d->pings));
	if (sendto(d->icmp, pkt, len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		log_debug("ping %s: %s (treated as free)",
			  inet_ntoa(to.sin_addr), strerror(errno));
	evtimer_add(p->timer, &tv);
}

static void on_icmp(evutil_socket_t fd, short what, void *arg)
{
	struct dhcpd *d = arg;
	uint8_t buf[1500];

	(void)what;
	for (int i = 0; i < BATCH; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		uint32_t src;
		uint16_t id, seq;

		if (n < 0)
			break;
		if (dhcp_icmp_reply(buf, (size_t)n, &src, &id, &seq) < 0 ||
		    id != d->ping_id || seq >= d->npings)
			continue;
		struct ping *p = &d->pings[seq];

		if (p->used && p->ip == src)
			ping_end(p, true);
	}
}

/* ---- receiving and group commit ---- */

/* The database failing a group: said when the reason changes, else once
 * a minute with the count between (the handler says its own per-packet
 * errors the same way). */
static void db_trouble(struct dhcpd *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void db_trouble(struct dhcpd *d, const char *fmt, ...)
{
	char text[IPAM_ERRLEN + 128];
	uint64_t more;
	va_list ap;

	if (!log_limit_now(&d->db_said, 1, log_limit_key(ipam_error(d->db)),
			   now_s(), &more))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (more)
		log_error("%s (and %llu more failures since this was last "
			  "said)", text, (unsigned long long)more);
	else
		log_error("%s", text);
}

/* Make the open group durable, then send its replies. */
static void group_commit(struct dhcpd *d)
{
	size_t n = d->n;
	int r;

	if (!d->tx_open)
		return;
	d->tx_open = false;
	d->n = 0;
	r = ipam_tx_commit(d->db);
	if (r < 0) {
		d->counters.db_errors += n;
		db_trouble(d, "cannot commit the leases of %zu packets, none "
			   "answered: %s", n, ipam_error(d->db));
		ipam_tx_rollback(d->db);
		return;
	}
	send_routed(d, d->out, n);
	for (size_t i = 0; i < n; i++) {
		if (d->out[i].action == DHCP_SEND && !routed(&d->out[i]))
			send_raw(d, &d->out[i]);
		else if (d->out[i].action == DHCP_PING)
			ping_start(d, &d->rx[i], &d->out[i]);
	}
}

/* Open a group if none is; false if the database refuses. */
static bool group_open(struct dhcpd *d)
{
	if (d->tx_open)
		return true;
	if (d->view_dirty)
		reload_view(d);
	if (ipam_tx_begin(d->db) < 0) {
		db_trouble(d, "nothing can be stored, so nothing is answered: %s",
			   ipam_error(d->db));
		return false;
	}
	d->tx_open = true;
	return true;
}

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Start the window unless one is running: the socket is not read until
 * it ends, so the kernel queues the group for us and the loop wakes
 * twice per group, not once per packet. Groups start COMMIT_US apart at
 * most: the time the last one took to handle and commit counts, so
 * under load the next group starts as soon as the last is answered and
 * the socket never holds more than about one window of traffic. A full
 * batch goes at once. */
static void window_start(struct dhcpd *d, bool now)
{
	int64_t wait = now ? 0 : d->group_start + COMMIT_US - mono_us();
	struct timeval tv = { 0, wait > 0 ? (suseconds_t)wait : 0 };

	if (d->window)
		return;
	if (wait > COMMIT_US)		/* the clock cannot go back, but */
		tv.tv_usec = COMMIT_US;
	d->window = true;
	event_del(d->udp_ev);
	evtimer_add(d->commit_timer, &tv);
}

/* One packet outside the socket path (an address check that ended):
 * it joins the next group. */
static void handle_one(struct dhcpd *d, const struct dhcp_rx *rx)
{
	if (d->n == BATCH)
		group_commit(d);
	if (!group_open(d)) {
		d->counters.db_errors++;
		return;
	}
	d->rx[d->n] = *rx;
	memcpy(d->rxbuf[d->n], rx->buf, rx->len);
	d->rx[d->n].buf = d->rxbuf[d->n];
	dhcp_handle(&d->srv, &d->rx[d->n], now_s(), &d->out[d->n]);
	d->n++;
	window_start(d, false);
}

/* Receive up to `room` packets into the group's free slots: how many. */
static int receive(struct dhcpd *d, size_t room)
{
	struct mmsghdr msgs[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	struct sockaddr_in from[RECV_BATCH];
	char ctl[RECV_BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
	int n;

	if (room > RECV_BATCH)
		room = RECV_BATCH;
	memset(msgs, 0, sizeof(msgs));
	for (size_t i = 0; i < room; i++) {
		iov[i].iov_base = d->rxbuf[d->n + i];
		iov[i].iov_len = DHCP_MAX_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		msgs[i].msg_hdr.msg_control = ctl[i];
		msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
	}
	n = recvmmsg(d->udp, msgs, (unsigned)room, MSG_DONTWAIT, NULL);
	for (int i = 0; i < n; i++) {
		struct dhcp_rx *rx = &d->rx[d->n + i];

		memset(rx, 0, sizeof(*rx));
		rx->buf = d->rxbuf[d->n + i];
		rx->len = msgs[i].msg_len;
		if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
			rx->len = DHCP_MAX_LEN + 1;	/* parse refuses it */
		rx->src_ip = ntohl(from[i].sin_addr.s_addr);
		rx->src_port = ntohs(from[i].sin_port);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c;
		     c = CMSG_NXTHDR(&msgs[i].msg_hdr, c))
			if (c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				rx->ifindex = pi.ipi_ifindex;
				rx->local_ip = ntohl(pi.ipi_spec_dst.s_addr);
				rx->dst_ip = ntohl(pi.ipi_addr.s_addr);
			}
	}
	return n < 0 ? 0 : n;
}

/* The window ended: read what queued up, handle it in one transaction,
 * commit, answer. */
static void on_commit_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dhcpd *d = arg;
	int n;

	(void)fd;
	(void)what;
	d->window = false;
	d->group_start = mono_us();
	for (int k = 0; k < BATCH / RECV_BATCH && d->n < BATCH; k++) {
		n = receive(d, BATCH - d->n);
		if (n == 0)
			break;
		if (!group_open(d)) {
			/* Nothing can be stored, so nothing may be
			 * acknowledged: drop what is queued (clients
			 * retry). */
			d->counters.db_errors += (uint64_t)n;
			continue;
		}
		for (int i = 0; i < n; i++, d->n++)
			dhcp_handle(&d->srv, &d->rx[d->n], now_s(),
				    &d->out[d->n]);
		if (n < RECV_BATCH)
			break;		/* the queue is empty */
	}
	bool full = d->n == BATCH;

	group_commit(d);
	if (full)
		window_start(d, true);	/* more is probably queued */
	else
		event_add(d->udp_ev, NULL);
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	window_start(arg, false);
}

/* ---- housekeeping ---- */

static json_t *counters_json(void *arg)
{
	return dhcp_counters_json(&((struct dhcpd *)arg)->counters);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct dhcpd *d = arg;

	(void)fd;
	(void)what;
	if (ipam_feed_poll(d->db) || d->view_dirty)
		reload_view(d);
	dhcpd_probe_tick(d->probe);
	daemon_publish(&d->dm);
}

static void reclaim(struct dhcpd *d)
{
	int total = 0, r;

	/* Small steps, so other writers get their turn in between. */
	for (int i = 0; i < 16; i++) {
		r = ipam_lease_reclaim(d->db, now_s(), d->view.lease_retention,
				       256);
		if (r < 0) {
			log_error("cannot reclaim expired addresses: %s",
				  ipam_error(d->db));
			break;
		}
		total += r;
		if (r < 256)
			break;
	}
	if (total)
		log_info("reclaimed %d expired addresses", total);
}

static void on_reclaim(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	reclaim(arg);
}

static void on_links(evutil_socket_t fd, short what, void *arg)
{
	struct dhcpd *d = arg;

	(void)fd;
	(void)what;
	if (dhcp_links_recv(d->links) < 0)
		log_warn("cannot reload interfaces from netlink; retrying");
}

static void links_changed(void *ctx)
{
	((struct dhcpd *)ctx)->view_dirty = true;
	reload_view(ctx);
}

/* ---- start ---- */

static int open_udp(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int one = 1, s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int rcvbuf = RCVBUF;

	/* The socket holds a group while its window runs: ask for room
	 * (the kernel caps this at net.core.rmem_max, then doubles it). */
	if (s >= 0)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (s < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(s, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fatal("cannot listen on UDP port %u: %s", port, strerror(errno));
	return s;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: racknet-dhcpd --db PATH [--interface IF]... [--port N]\n"
		"                     [--user NAME] [--log-level LEVEL]\n"
		"A DHCPv4 server whose leases live in the racknet IPAM.\n"
		"  --db PATH          the IPAM database (or $RACKNET_DB)\n"
		"  --interface IF     serve only on IF (repeatable; default:\n"
		"                     every interface on a known subnet)\n"
		"  --port N           server port (default 67; clients N+1)\n"
		"  --user NAME        run as NAME once the sockets are open\n"
		"  --log-level LEVEL  error, warning, notice, info (default), "
		"debug\n");
}

static void parse_args(struct dhcpd *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "interface", required_argument, NULL, 'i' },
		{ "port", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum log_level level = LL_INFO;
	int c;

	d->db_path = getenv("RACKNET_DB");
	d->port = 67;
	d->only = calloc((size_t)argc, sizeof(*d->only));
	if (!d->only)
		fatal("out of memory");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;
		long v;

		switch (c) {
		case 'd':
			d->db_path = optarg;
			break;
		case 'i':
			if (!*optarg || strlen(optarg) >= IF_NAMESIZE) {
				fprintf(stderr, "racknet-dhcpd: '%s' is not an "
					"interface name\n", optarg);
				exit(2);
			}
			d->only[d->nonly++] = optarg;
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 65534) {
				fprintf(stderr, "racknet-dhcpd: port '%s' is not "
					"1..65534\n", optarg);
				exit(2);
			}
			d->port = (uint16_t)v;
			break;
		case 'u':
			d->user = optarg;
			break;
		case 'l':
			level = log_level_arg("racknet-dhcpd", optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	daemon_args_done("racknet-dhcpd", argc, argv);
	if (!d->db_path) {
		fprintf(stderr, "racknet-dhcpd: --db PATH is required\n");
		exit(2);
	}
	log_init("racknet-dhcpd", level, false);
}

static void start(struct dhcpd *d)
{
	char err[IPAM_ERRLEN];
	struct timeval tick = { 1, 0 }, rec = { RECLAIM_SECS, 0 };
	int r;

	/* Writable or nothing: a lease that cannot be stored is not given,
	 * so on a read-only file dhcpd stops and racknet run retries it. */
	r = ipam_open(d->db_path, IPAM_OPEN_WRITABLE, &d->db, err,
		      sizeof(err));
	if (r < 0)
		fatal("%s", err);
	r = dhcp_links_open(&d->links, links_changed, d);
	if (r < 0)
		fatal("cannot read interfaces from netlink: %s", strerror(-r));
	d->udp = open_udp(d->port);
	/* Protocol 0: send only, never a copy of every received frame. */
	d->pkt = socket(AF_PACKET, SOCK_DGRAM, 0);
	if (d->pkt < 0)
		fatal("cannot open a packet socket (needs CAP_NET_RAW): %s",
		      strerror(errno));
	d->icmp = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
	if (d->icmp < 0)
		fatal("cannot open an ICMP socket (needs CAP_NET_RAW): %s",
		      strerror(errno));
	if (getrandom(&d->ping_id, sizeof(d->ping_id), 0) < 0)
		d->ping_id = (uint16_t)getpid();
	d->base = event_base_new();
	if (!d->base)
		fatal("cannot start the event loop");
	d->commit_timer = evtimer_new(d->base, on_commit_timer, d);
	d->npings = (size_t)ipam_setting_int(d->db, "dhcp-ping-max");
	d->pings = calloc(d->npings, sizeof(*d->pings));
	if (!d->pings)
		fatal("out of memory");
	for (size_t i = 0; i < d->npings; i++) {
		d->pings[i].d = d;
		d->pings[i].timer = evtimer_new(d->base, on_ping_timeout,
						&d->pings[i]);
	}
	d->srv.db = d->db;
	d->srv.view = &d->view;
	d->srv.counters = &d->counters;
	d->srv.port = d->port;
	d->dm = (struct daemon){ .db = d->db, .name = "dhcpd",
				 .started = now_s(),
				 .counters = counters_json, .arg = d };
	d->probe = dhcpd_probe_new(d->base, d->db, &d->view, &d->srv, d->port);
	if (!d->probe)
		fatal("cannot open the packet socket that detects other DHCP "
		      "servers (needs CAP_NET_RAW): %s", strerror(errno));
	reload_view(d);
	for (size_t i = 0; i < d->nonly; i++)
		if (!dhcp_view_netif(&d->view, (int)if_nametoindex(d->only[i])))
			log_warn("interface %s does not exist (yet): it is "
				 "served once it appears", d->only[i]);
	reclaim(d);

	d->udp_ev = event_new(d->base, d->udp, EV_READ | EV_PERSIST, on_udp, d);
	event_add(d->udp_ev, NULL);
	d->ev[0] = event_new(d->base, d->icmp, EV_READ | EV_PERSIST, on_icmp, d);
	event_add(d->ev[0], NULL);
	d->ev[1] = event_new(d->base, dhcp_links_fd(d->links),
			     EV_READ | EV_PERSIST, on_links, d);
	event_add(d->ev[1], NULL);
	d->ev[2] = event_new(d->base, -1, EV_PERSIST, on_tick, d);
	event_add(d->ev[2], &tick);
	d->ev[3] = event_new(d->base, -1, EV_PERSIST, on_reclaim, d);
	event_add(d->ev[3], &rec);
	daemon_signals(&d->dm, d->base);
	log_notice("serving DHCPv4 on port %u from %s", d->port, d->db_path);
}

int main(int argc, char **argv)
{
	static struct dhcpd d;	/* large: batch buffers */

	parse_args(&d, argc, argv);
	start(&d);
	daemon_drop(&d.dm, d.user, DHCPD_CAPS);
	event_base_dispatch(d.base);
	group_commit(&d);
	daemon_publish(&d.dm);
	daemon_free(&d.dm);
	for (size_t i = 0; i < sizeof(d.ev) / sizeof(d.ev[0]); i++)
		event_free(d.ev[i]);
	event_free(d.udp_ev);
	event_free(d.commit_timer);
	dhcpd_probe_free(d.probe);
	dhcp_links_close(d.links);
	dhcp_view_free(&d.view);
	for (size_t i = 0; i < d.npings; i++) {
		event_free(d.pings[i].timer);
		free(d.pings[i].buf);
	}
	free(d.pings);
	ipam_close(d.db);
	event_base_free(d.base);
	return 0;
}
