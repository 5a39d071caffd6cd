/*
 * The TFTP side of racknet-tftpd: a listener on port 69 that parses each
 * request (tftp_msg.c), finds the file (bootfs.c) and starts a transfer on
 * a port of its own, on the address the client asked: that port is the
 * transfer's ID (RFC 1350 4.). The transfer machine (tftp_xfer.c) says
 * what to send; this file reads the blocks, sends them and keeps one timer
 * per transfer.
 *
 * A transfer's port has two sockets (session_sockets() says why): one
 * connected to the client, which gets all of its packets, and one that only
 * packets from anyone else reach, so that they can be told ERROR 5.
 *
 * Everything runs in one libevent loop. A transfer costs two sockets, three
 * events and its file's descriptor (or, for rendered and netascii files,
 * their bytes in memory); blocks are read into one scratch buffer shared
 * by all transfers, since the loop sends one packet at a time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tftp.h"
#include "tftpd.h"

#define WINDOW_MAX 64		/* our largest windowsize (RFC 7440) */
#define TIMEOUT_MS 1000		/* unless the client negotiates one */
#define MAX_RETRIES 5		/* timeouts in a row before giving up */
#define RECV_BATCH 64		/* datagrams read per wake-up */
#define NETASCII_MAX (16u << 20) /* netascii files are converted in memory */
#define PEER_BUCKETS 4096	/* power of two */
/* Small blocks are read from the file this many bytes at a time: one
 * pread per 64 blocks of 512 instead of one per block. */
#define READAHEAD (32 * 1024)

struct session {
	struct tftpd_tftp *t;
	struct session *prev, *next;
	struct session *hnext;	/* same bucket of tftpd_tftp.peers */
	int fd;			/* connected to the client */
	int stray_fd;		/* same port, unconnected: everyone else */
	struct event *ev_read, *ev_stray, *ev_timer;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct boot_file f;
	uint8_t *mem;		/* netascii bytes (owned), else NULL */
	uint8_t *ra;		/* read-ahead of the file, or NULL */
	uint64_t ra_off;	/* file offset of ra[0] */
	size_t ra_len;		/* bytes in ra */
	const uint8_t *bytes;	/* what is sent from memory, or NULL */
	struct tftp_xfer x;
	struct tftp_neg neg;
	uint8_t oack[TFTP_OACK_MAX];
	size_t oack_len;
	unsigned timeout_ms;
	int64_t start_ms;
	char client[SOCKADDR_STRLEN];
	char name[128];		/* escaped, for logs */
};

/* Refusals a flood repeats: said once a minute, with a count. */
enum { SAY_BUSY, SAY_BAD, SAY_WRQ, SAY_KINDS };

struct tftpd_tftp {
	struct event_base *base;
	struct bootfs *fs;
	struct tftpd_tftp_conf conf;
	struct tftpd_counters *c;
	int fd;
	struct event *ev;
	const struct timeval *timeout_default;	/* a common timeout */
	struct session *sessions;
	/* Transfers by client address and port: a client that resends its
	 * request while we answer must not get a second transfer. */
	struct session *peers[PEER_BUCKETS];
	unsigned nsessions;
	uint64_t received;	/* datagrams read on transfer ports */
	struct log_limit said[SAY_KINDS];	/* see say() */
	uint8_t buf[TFTP_PKT_MAX];	/* scratch: one packet in or out */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool sa_equal(const struct sockaddr_storage *a,
		     const struct sockaddr_storage *b)
{
	struct ip_addr ia, ib;
	uint16_t pa, pb;

	return ip_from_sockaddr(&ia, &pa, a) == 0 &&
	       ip_from_sockaddr(&ib, &pb, b) == 0 && pa == pb &&
	       ip_equal(&ia, &ib);
}

static struct session **peer_bucket(struct tftpd_tftp *t,
				    const struct sockaddr_storage *ss)
{
	struct ip_addr ip;
	uint16_t port;
	uint32_t h = 2166136261u;	/* FNV-1a */

	ip_from_sockaddr(&ip, &port, ss);
	for (size_t i = 0; i < sizeof(ip.b); i++)
		h = (h ^ ip.b[i]) * 16777619u;
	h = (h ^ port) * 16777619u;
	return &t->peers[h & (PEER_BUCKETS - 1)];
}

static struct session *peer_find(struct tftpd_tftp *t,
				 const struct sockaddr_storage *ss)
{
	for (struct session *s = *peer_bucket(t, ss); s; s = s->hnext)
		if (sa_equal(&s->peer, ss))
			return s;
	return NULL;
}

/* An ERROR from fd to a peer: best effort, nothing waits for it. */
static void send_error(int fd,
		       const struct sockaddr_storage *to, socklen_t to_len,
		       enum tftp_err code, const char *msg)
{
	uint8_t pkt[256];
	int n = tftp_build_error(pkt, sizeof(pkt), code, msg);

	if (n > 0)
		(void)sendto(fd, pkt, (size_t)n, 0, (const void *)to, to_len);
}

/* ---- one transfer ---- */

static void session_end(struct session *s, const char *how)
{
	struct tftpd_tftp *t = s->t;
	int64_t ms = now_ms() - s->start_ms;

	if (how)
		log_info("%s RRQ %s%s%s: %s after %llu of %llu bytes in "
			 "%lld ms, blksize %u windowsize %u", s->client,
			 s->name, s->f.what[0] ? " " : "", s->f.what, how,
			 (unsigned long long)(s->x.acked * s->x.blksize <
			 s->x.size ? s->x.acked * s->x.blksize : s->x.size),
			 (unsigned long long)s->x.size, (long long)ms,
			 s->x.blksize, s->x.window);
	else
		log_info("%s RRQ %s%s%s: %llu bytes in %lld ms, blksize %u "
			 "windowsize %u", s->client, s->name,
			 s->f.what[0] ? " " : "", s->f.what,
			 (unsigned long long)s->x.size, (long long)ms,
			 s->x.blksize, s->x.window);
	for (struct session **p = peer_bucket(t, &s->peer); *p;
	     p = &(*p)->hnext) {
		if (*p == s) {
			*p = s->hnext;
			break;
		}
	}
	if (s->prev)
		s->prev->next = s->next;
	else
		t->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	t->nsessions--;
	t->c->active = t->nsessions;
	event_free(s->ev_read);
	event_free(s->ev_stray);
	event_free(s->ev_timer);
	close(s->fd);
	close(s->stray_fd);
	boot_file_release(&s->f);
	free(s->mem);
	free(s->ra);
	free(s);
}

/* Re-armed at every send: most transfers share the default timeout,
 * which libevent then keeps in a queue instead of its heap. */
static void arm_timer(struct session *s)
{
	struct timeval tv = { (time_t)(s->timeout_ms / 1000),
			      (suseconds_t)(s->timeout_ms % 1000) * 1000 };

	evtimer_add(s->ev_timer, s->timeout_ms == TIMEOUT_MS &&
		    s->t->timeout_default ? s->t->timeout_default : &tv);
}

/* len bytes at off, or -errno, or -ENODATA if the file shrank. */
static int pread_full(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ENODATA;
		got += (size_t)r;
	}
	return 0;
}

/* Read block b's bytes into the scratch buffer after its header: from
 * memory, from the read-ahead (refilled at b when b is not in it), or
 * straight from the file. */
static int read_block(struct session *s, const struct tftp_blk *b)
{
	uint8_t *data = s->t->buf + TFTP_HDR_LEN;

	if (s->bytes) {
		memcpy(data, s->bytes + b->offset, b->len);
		return 0;
	}
	if (!s->ra)
		return pread_full(s->f.fd, data, b->len, b->offset);
	if (b->offset < s->ra_off ||
	    b->offset + b->len > s->ra_off + s->ra_len) {
		uint64_t left = s->x.size - b->offset;
		size_t n = left < READAHEAD ? (size_t)left : READAHEAD;
		int r = pread_full(s->f.fd, s->ra, n, b->offset);

		if (r < 0)
			return r;
		s->ra_off = b->offset;
		s->ra_len = n;
	}
	memcpy(data, s->ra + (b->offset - s->ra_off), b->len);
	return 0;
}

static void send_pkt(struct session *s, const uint8_t *pkt, size_t n)
{
	/* No address: the connected socket's cached route is used (sendto
	 * with one would look the route up again). A full socket buffer
	 * loses the packet like the network would: the timer resends it. */
	(void)send(s->fd, pkt, n, 0);
}

/* Do what the machine says. Returns false once the session is gone. */
static bool act(struct session *s, const struct tftp_act *a)
{
	struct tftpd_tftp *t = s->t;
	struct tftp_blk b;
	int n, r;

	switch (a->kind) {
	case TFTP_ACT_NONE:
		return true;
	case TFTP_ACT_OACK:
		send_pkt(s, s->oack, s->oack_len);
		arm_timer(s);
		return true;
	case TFTP_ACT_SEND:
		for (uint64_t i = 0; i < a->count; i++) {
			if (tftp_xfer_block(&s->x, a->first + i, &b) < 0)
				break;
			r = read_block(s, &b);
			if (r < 0) {
				log_error("%s RRQ %s: read failed at byte "
					  "%llu: %s", s->client, s->name,
					  (unsigned long long)b.offset,
					  r == -ENODATA ? "the file shrank"
							: strerror(-r));
				send_error(s->fd, &s->peer, s->peer_len,
					   TFTP_E_UNDEF, "read error");
				t->c->errors++;
				t->c->failed++;
				session_end(s, "read error");
				return false;
			}
			n = tftp_build_data(t->buf, sizeof(t->buf), b.wire,
					    t->buf + TFTP_HDR_LEN, b.len);
			if (n > 0)
				send_pkt(s, t->buf, (size_t)n);
		}
		arm_timer(s);
		return true;
	case TFTP_ACT_DONE:
		t->c->completed++;
		t->c->bytes += s->x.size;
		session_end(s, NULL);
		return false;
	case TFTP_ACT_GIVEUP:
		send_error(s->fd, &s->peer, s->peer_len, TFTP_E_UNDEF,
			   "timed out");
		t->c->failed++;
		session_end(s, "timed out");
		return false;
	case TFTP_ACT_ABORT:
		t->c->aborted++;
		session_end(s, "aborted by the client");
		return false;
	default:
		return true;
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct tftp_act a;

	(void)fd;
	(void)what;
	s->t->c->retransmits++;
	tftp_xfer_on_timeout(&s->x, &a);
	act(s, &a);
}

static void on_session_read(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct tftpd_tftp *t = s->t;
	struct sockaddr_storage from;
	struct tftp_pkt pkt;
	struct tftp_act a;
	const char *why;
	char peer[SOCKADDR_STRLEN], msg[128];

	(void)what;
	/* Both sockets come here and the source is checked on either: a
	 * stray can reach the connected one before connect().
	 * Until something is sent: an ACK that moves the window cannot be
	 * followed by another one yet, so the next read would only say
	 * EAGAIN; anything else still queued wakes us again. */
	for (int i = 0; i < RECV_BATCH; i++) {
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(fd, t->buf, sizeof(t->buf), 0,
				     (void *)&from, &from_len);

		if (n < 0)
			return;		/* EAGAIN, or an ICMP error: ignore */
		t->received++;
		if (!sa_equal(&from, &s->peer)) {
			/* RFC 1350 4.: not our client; tell it, carry on. */
			t->c->stray++;
			log_debug("%s: packet for %s's transfer: unknown "
				  "transfer ID", sockaddr_format(&from, peer,
				  sizeof(peer)), s->client);
			send_error(fd, &from, from_len, TFTP_E_BADID, NULL);
			continue;
		}
		if (tftp_pkt_parse(&pkt, t->buf, (size_t)n, &why) < 0) {
			t->c->malformed++;
			log_debug("%s: %s", s->client, why);
			continue;
		}
		if (pkt.op == TFTP_OP_ERROR) {
			log_escape(msg, sizeof(msg), pkt.msg, pkt.msg_len);
			log_info("%s RRQ %s: the client sent ERROR %u \"%s\"",
				 s->client, s->name, pkt.code, msg);
			tftp_xfer_on_error(&s->x, pkt.code, &a);
		} else {
			tftp_xfer_on_ack(&s->x, pkt.block, &a);
		}
		if (a.kind != TFTP_ACT_NONE) {
			act(s, &a);
			return;
		}
	}
}

/* ---- requests ---- */

/* Netascii goes out converted, so its bytes are made in memory. */
static int to_netascii(struct session *s)
{
	const uint8_t *in = (const uint8_t *)s->f.data;
	uint8_t *raw = NULL;
	size_t n = (size_t)s->f.size;

	if (s->f.size > NETASCII_MAX)
		return -EFBIG;
	if (s->f.fd >= 0) {
		int r;

		raw = malloc(n ? n : 1);
		if (!raw)
			return -ENOMEM;
		r = pread_full(s->f.fd, raw, n, 0);
		if (r < 0) {
			free(raw);
			return r;
		}
		in = raw;
	}
	s->f.size = tftp_netascii_size(in, n);
	s->mem = malloc(s->f.size ? s->f.size : 1);
	if (s->mem)
		tftp_netascii_encode(s->mem, in, n);
	free(raw);
	if (!s->mem)
		return -ENOMEM;
	s->bytes = s->mem;
	return 0;
}

/* The transfer's port, on our address the client asked, has two sockets.
 * One is connected to the client, as tftpd-hpa's one socket is: the kernel
 * finds it for the client's packets by their address pair before routing
 * them (early demux) and keeps its route for what we send, where an
 * unconnected socket looks the route up for every packet. The other,
 * unconnected, gets only what does not match the connected one: strays.
 *
 * They share the port with SO_REUSEPORT, which the kernel allows only
 * between sockets of one user: with SO_REUSEADDR any local user could bind
 * the port too, connect to our client and take its ACKs or send it blocks.
 * The first socket is bound with neither option, so the port is one that
 * no other socket holds (with an option set, the kernel may pick another
 * transfer's). The second joins before the first is connected, so that the
 * kernel knows the group has a connected socket and picks by address. */
static int session_sockets(const struct ip_addr *local,
			   const struct sockaddr_storage *peer,
			   socklen_t peer_len, int *ret_fd, int *ret_stray)
{
	struct sockaddr_storage ss;
	socklen_t len = ip_to_sockaddr(&ss, local, 0);
	int on = 1, fd, stray = -1, r;

	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (void *)&ss, len) < 0 ||
	    getsockname(fd, (void *)&ss, &len) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0)
		goto fail;
	stray = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (stray < 0 ||
	    setsockopt(stray, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0 ||
	    bind(stray, (void *)&ss, len) < 0 ||
	    connect(fd, (const void *)peer, peer_len) < 0)
		goto fail;
	*ret_fd = fd;
	*ret_stray = stray;
	return 0;
fail:
	r = -errno;
	if (stray >= 0)
		close(stray);
	close(fd);
	return r;
}

/* Whether to log a refusal of this kind now; *also says how many went
 * unsaid since. Every other request (a missing file included) gets its
 * line, as every transfer does: that is what one reads when a machine
 * does not boot. */
static bool say(struct tftpd_tftp *t, int kind, char *also, size_t cap)
{
	uint64_t more = 0;

	also[0] = '\0';
	if (!log_limit_now(t->said, SAY_KINDS, kind, now_ms() / 1000, &more))
		return false;
	if (more)
		snprintf(also, cap, " (and %llu more since this was last said)",
			 (unsigned long long)more);
	return true;
}

static void refuse(struct tftpd_tftp *t, const struct sockaddr_storage *from,
		   socklen_t from_len, const char *client, const char *name,
		   enum tftp_err code, const char *why)
{
	log_info("%s RRQ %s: %s", client, name, why);
	send_error(t->fd, from, from_len, code, why);
}

/* "boot.ipxe?mac=..." works over TFTP as over HTTP: the query goes to
 * bootfs apart. */
static int get_file(struct tftpd_tftp *t, const struct tftp_req *req,
		    const struct boot_client *bc, struct boot_file *f,
		    char *why, size_t cap)
{
	const char *q = memchr(req->filename, '?', req->filename_len);
	char path[BOOT_PATH_MAX + 2];
	size_t n;

	if (!q)
		return bootfs_get(t->fs, req->filename, NULL, bc, f, why, cap);
	n = (size_t)(q - req->filename);
	if (n >= sizeof(path))
		n = sizeof(path) - 1;	/* still too long: bootfs says so */
	memcpy(path, req->filename, n);
	path[n] = '\0';
	return bootfs_get(t->fs, path, q + 1, bc, f, why, cap);
}

static void start_session(struct tftpd_tftp *t, const struct tftp_req *req,
			  const struct sockaddr_storage *from,
			  socklen_t from_len, const struct ip_addr *local,
			  const char *client, const char *name)
{
	struct boot_client bc = { .local = *local,
				  .http_port = t->conf.http_port };
	struct tftp_limits lim = { .blksize_max = TFTP_BLKSIZE_MAX,
				   .window_max = WINDOW_MAX };
	struct session *s;
	struct tftp_act a;
	char why[256];
	uint16_t port;
	int r;

	ip_from_sockaddr(&bc.addr, &port, from);
	s = calloc(1, sizeof(*s));
	if (!s) {
		refuse(t, from, from_len, client, name, TFTP_E_UNDEF,
		       "out of memory");
		return;
	}
	s->fd = -1;
	s->stray_fd = -1;
	s->f.fd = -1;
	r = get_file(t, req, &bc, &s->f, why, sizeof(why));
	if (r < 0) {
		if (r == -ENOENT)
			t->c->not_found++;
		else if (r == -EACCES)
			t->c->access_denied++;
		else
			t->c->errors++;
		refuse(t, from, from_len, client, name,
		       r == -ENOENT ? TFTP_E_NOTFOUND :
		       r == -EACCES ? TFTP_E_ACCESS : TFTP_E_UNDEF, why);
		free(s);
		return;
	}
	s->bytes = (const uint8_t *)s->f.data;
	if (req->mode == TFTP_MODE_NETASCII && (r = to_netascii(s)) < 0) {
		t->c->errors++;
		refuse(t, from, from_len, client, name, TFTP_E_UNDEF,
		       r == -EFBIG ? "file too large for netascii mode"
				   : "cannot read the file");
		goto fail;
	}
	/* An empty file's tsize is left out: curl takes "tsize 0" in an OACK
	 * for a broken one and gives up (RFC 2349 lets us omit it). */
	lim.size_known = s->f.size > 0;
	lim.size = s->f.size;
	tftp_opts_negotiate(&s->neg, req, &lim);
	if (s->neg.accepted) {
		r = tftp_build_oack(s->oack, sizeof(s->oack), &s->neg);
		if (r < 0)
			s->neg.accepted = 0;	/* cannot happen: sized */
		else
			s->oack_len = (size_t)r;
	}
	s->timeout_ms = s->neg.timeout ? s->neg.timeout * 1000u : TIMEOUT_MS;
	r = tftp_xfer_init(&s->x, s->f.size, s->neg.blksize, s->neg.window,
			   s->neg.accepted != 0, MAX_RETRIES);
	/* Without it (or without memory for it) blocks are read one by one. */
	if (!s->bytes && s->neg.blksize * 4u <= READAHEAD &&
	    s->f.size > s->neg.blksize)
		s->ra = malloc(READAHEAD);
	if (r == 0)
		r = session_sockets(local, from, from_len, &s->fd,
				    &s->stray_fd);
	if (r < 0) {
		t->c->errors++;
		refuse(t, from, from_len, client, name, TFTP_E_UNDEF,
		       r == -EMFILE || r == -ENFILE ? "server busy"
						    : "cannot start a transfer");
		goto fail;
	}
	s->ev_read = event_new(t->base, s->fd, EV_READ | EV_PERSIST,
			       on_session_read, s);
	s->ev_stray = event_new(t->base, s->stray_fd, EV_READ | EV_PERSIST,
				on_session_read, s);
	s->ev_timer = evtimer_new(t->base, on_timer, s);
	if (!s->ev_read || !s->ev_stray || !s->ev_timer ||
	    event_add(s->ev_read, NULL) < 0 ||
	    event_add(s->ev_stray, NULL) < 0) {
		t->c->errors++;
		refuse(t, from, from_len, client, name, TFTP_E_UNDEF,
		       "out of memory");
		goto fail;
	}
	s->t = t;
	memcpy(&s->peer, from, sizeof(s->peer));
	s->peer_len = from_len;
	s->start_ms = now_ms();
	snprintf(s->client, sizeof(s->client), "%s", client);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->next = t->sessions;
	if (s->next)
		s->next->prev = s;
	t->sessions = s;
	s->hnext = *peer_bucket(t, &s->peer);
	*peer_bucket(t, &s->peer) = s;
	t->nsessions++;
	t->c->active = t->nsessions;
	if (t->c->active > t->c->peak)
		t->c->peak = t->c->active;
	log_debug("%s RRQ %s%s%s: %llu bytes, blksize %u windowsize %u "
		  "timeout %u ms%s", client, name, s->f.what[0] ? " " : "",
		  s->f.what, (unsigned long long)s->f.size, s->neg.blksize,
		  s->neg.window, s->timeout_ms,
		  s->neg.accepted ? ", OACK" : "");
	tftp_xfer_start(&s->x, &a);
	act(s, &a);
	return;
fail:
	if (s->ev_read)
		event_free(s->ev_read);
	if (s->ev_stray)
		event_free(s->ev_stray);
	if (s->ev_timer)
		event_free(s->ev_timer);
	if (s->fd >= 0)
		close(s->fd);
	if (s->stray_fd >= 0)
		close(s->stray_fd);
	boot_file_release(&s->f);
	free(s->mem);
	free(s->ra);
	free(s);
}

/* The address the datagram was sent to, from IP_PKTINFO/IPV6_PKTINFO. */
static bool dest_addr(struct msghdr *mh, struct ip_addr *local)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ip_from_bytes(local, &pi.ipi_addr, 4);
			return true;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ip_from_bytes(local, &pi.ipi6_addr, 16);
			return true;
		}
	}
	return false;
}

static void handle_request(struct tftpd_tftp *t, size_t len,
			   const struct sockaddr_storage *from,
			   socklen_t from_len, const struct ip_addr *local)
{
	struct tftp_req req;
	const char *why;
	char client[SOCKADDR_STRLEN], name[128], also[64];
	int r = tftp_req_parse(&req, t->buf, len, &why);

	sockaddr_format(from, client, sizeof(client));
	if (r == -EINVAL) {
		t->c->malformed++;
		return;
	}
	if (r < 0) {
		/* -EBADMSG: at least the two opcode bytes are there. */
		uint16_t op = (uint16_t)(t->buf[0] << 8 | t->buf[1]);

		/* Only a broken request is answered: an ERROR, ACK or DATA
		 * sent here (tftp-hpa ACKs our refusals) gets nothing, so
		 * two peers can never bounce errors forever. */
		if (op != TFTP_OP_RRQ && op != TFTP_OP_WRQ) {
			t->c->stray++;
			log_debug("%s: %s to port %u ignored", client,
				  tftp_op_name(op), t->conf.port);
			return;
		}
		t->c->malformed++;
		if (say(t, SAY_BAD, also, sizeof(also)))
			log_info("%s: bad request: %s%s", client, why, also);
		send_error(t->fd, from, from_len, TFTP_E_BADOP, why);
		return;
	}
	t->c->requests++;
	log_escape(name, sizeof(name), req.filename, req.filename_len);
	if (req.op == TFTP_OP_WRQ) {
		t->c->write_refused++;
		if (say(t, SAY_WRQ, also, sizeof(also)))
			log_info("%s WRQ %s: refused, the server is read-only%s",
				 client, name, also);
		send_error(t->fd, from, from_len, TFTP_E_ACCESS,
			   "server is read-only");
		return;
	}
	if (peer_find(t, from)) {
		t->c->stray++;
		log_debug("%s RRQ %s: repeated while its transfer runs: "
			  "ignored", client, name);
		return;
	}
	if (t->nsessions >= t->conf.max_sessions) {
		t->c->busy++;
		if (say(t, SAY_BUSY, also, sizeof(also)))
			log_info("%s RRQ %s: server busy, try again (%u transfers, "
				 "--max-sessions)%s", client, name,
				 t->conf.max_sessions, also);
		send_error(t->fd, from, from_len, TFTP_E_UNDEF,
			   "server busy, try again");
		return;
	}
	start_session(t, &req, from, from_len, local, client, name);
}

static void on_request(evutil_socket_t fd, short what, void *arg)
{
	struct tftpd_tftp *t = arg;

	(void)what;
	for (int i = 0; i < RECV_BATCH; i++) {
		struct sockaddr_storage from;
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr align;
		} cbuf;
		struct iovec iov = { t->buf, sizeof(t->buf) };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf.buf,
			.msg_controllen = sizeof(cbuf.buf),
		};
		struct ip_addr local = t->conf.addr;
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0)
			return;
		if (!dest_addr(&mh, &local)) {
			/* No pktinfo: only possible on a specific address,
			 * which is then the one asked. */
			local = t->conf.addr;
		}
		handle_request(t, (size_t)n, &from, mh.msg_namelen, &local);
	}
}

/* ---- start and stop ---- */

struct tftpd_tftp *tftpd_tftp_new(struct event_base *base, struct bootfs *fs,
				  const struct tftpd_tftp_conf *conf,
				  struct tftpd_counters *c, char *err,
				  size_t cap)
{
	struct tftpd_tftp *t = calloc(1, sizeof(*t));
	struct sockaddr_storage ss;
	socklen_t len;
	int on = 1;

	if (!t) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	t->base = base;
	t->fs = fs;
	t->conf = *conf;
	t->c = c;
	t->timeout_default = event_base_init_common_timeout(base,
		&(struct timeval){ TIMEOUT_MS / 1000, TIMEOUT_MS % 1000 * 1000 });
	len = ip_to_sockaddr(&ss, &conf->addr, conf->port);
	t->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (t->fd < 0)
		goto fail;
	if (ss.ss_family == AF_INET6) {
		if (setsockopt(t->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			       sizeof(on)) < 0 ||
		    setsockopt(t->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
			       sizeof(on)) < 0)
			goto fail;
	} else if (setsockopt(t->fd, IPPROTO_IP, IP_PKTINFO, &on,
			      sizeof(on)) < 0) {
		goto fail;
	}
	(void)setsockopt(t->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(t->fd, (void *)&ss, len) < 0)
		goto fail;
	t->ev = event_new(base, t->fd, EV_READ | EV_PERSIST, on_request, t);
	if (!t->ev || event_add(t->ev, NULL) < 0) {
		errno = ENOMEM;
		goto fail;
	}
	return t;
fail:
	snprintf(err, cap, "%s", strerror(errno));
	tftpd_tftp_free(t);
	return NULL;
}

bool tftpd_tftp_busy(const struct tftpd_tftp *t, uint64_t *received)
{
	*received = t->received;
	return t->nsessions > 0;
}

void tftpd_tftp_free(struct tftpd_tftp *t)
{
	if (!t)
		return;
	while (t->sessions) {
		t->c->failed++;
		session_end(t->sessions, "stopped: the server is shutting "
			    "down");
	}
	if (t->ev)
		event_free(t->ev);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}
