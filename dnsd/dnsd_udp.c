/*
 * racknet-dnsd over UDP: queries read in batches with recvmmsg(), the
 * replies sent in one sendmmsg() from the address each was asked on
 * (on a wildcard socket through IP_PKTINFO / IPV6_PKTINFO: it must not
 * answer from another address), rate-limited for sources outside the managed
 * subnets (dns_rrl.c). A forwarded query's reply is sent later, alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnsd.h"
#include "log.h"

#define RECV_BATCH 32
#define UDP_BUF 4096		/* our replies never pass DNS_EDNS_OURS */

socklen_t dnsd_sockaddr(const struct dnsd_listen *l,
		       struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (l->addr.family == AF_INET6) {
		struct sockaddr_in6 *a = (void *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(l->port);
		memcpy(&a->sin6_addr, l->addr.b, 16);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (void *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(l->port);
	memcpy(&a->sin_addr, l->addr.b, 4);
	return sizeof(*a);
}

struct udp_msg {
	struct sockaddr_storage from;
	union {
		char v4[CMSG_SPACE(sizeof(struct in_pktinfo))];
		char v6[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	uint8_t buf[UDP_BUF];
	uint8_t out[UDP_BUF];
};

static bool sockaddr_ip(const struct sockaddr_storage *ss, struct ip_addr *ip)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		return ip_from_bytes(ip, &s->sin_addr, 4) == 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr))
			return ip_from_bytes(ip, s->sin6_addr.s6_addr + 12, 4) == 0;
		return ip_from_bytes(ip, &s->sin6_addr, 16) == 0;
	}
	return false;
}

/* Keep only the pktinfo's destination, turned into the reply's source:
 * on a wildcard socket the answer must leave from the address that was
 * asked. */
static void reply_source(struct msghdr *h)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
			h->msg_controllen = CMSG_SPACE(sizeof(pi));
			return;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi6_ifindex = 0;
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
			h->msg_controllen = CMSG_SPACE(sizeof(pi));
			return;
		}
	}
	h->msg_control = NULL;
	h->msg_controllen = 0;
}

/* RRL's slip: the reply cut to its header and question, TC set and the
 * counts zeroed, in place. Our own reply: the question is uncompressed. */
static size_t slip_reply(uint8_t *reply, size_t n)
{
	size_t off = DNS_HDR_LEN;

	if (reply[4] || reply[5]) {
		while (off < n && reply[off] != 0)
			off += 1 + reply[off];
		off += 1 + 4;		/* root label, type, class */
	}
	if (off > n)
		off = DNS_HDR_LEN;
	reply[2] |= DNS_F_TC >> 8;
	if (off == DNS_HDR_LEN)
		reply[4] = reply[5] = 0;
	memset(reply + 6, 0, 6);
	return off;
}

/* A UDP client whose answer comes later: its address and the reply's
 * source, copied out of the receive slot. */
struct udp_pending {
	struct dnsd_reply base;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	union {
		char v4[CMSG_SPACE(sizeof(struct in_pktinfo))];
		char v6[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	size_t ctllen;
};

/* What udp_later() copies from: a received message's reply header. */
struct udp_slot {
	struct dnsd *d;
	int fd;
	const struct msghdr *reply;
};

static void udp_send(struct dnsd_reply *r, const uint8_t *reply, size_t len)
{
	struct udp_pending *p = (struct udp_pending *)r;
	struct iovec iov = { (void *)reply, len };
	struct msghdr h = {
		.msg_name = &p->peer, .msg_namelen = p->peerlen,
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = p->ctllen ? &p->ctl : NULL,
		.msg_controllen = p->ctllen,
	};

	if (reply && sendmsg(p->fd, &h, 0) < 0)
		log_debug("UDP send: %s", strerror(errno));
	free(p);
}

static struct dnsd_reply *udp_later(const struct dnsd_client *c)
{
	const struct udp_slot *s = c->arg;
	struct udp_pending *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->base.d = s->d;
	p->base.send = udp_send;
	p->fd = s->fd;
	memcpy(&p->peer, s->reply->msg_name, s->reply->msg_namelen);
	p->peerlen = s->reply->msg_namelen;
	if (s->reply->msg_controllen <= sizeof(p->ctl)) {
		memcpy(&p->ctl, s->reply->msg_control, s->reply->msg_controllen);
		p->ctllen = s->reply->msg_controllen;
	}
	return &p->base;
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct dnsd *d = arg;
	static struct udp_msg m[RECV_BATCH];
	struct mmsghdr in[RECV_BATCH], out[RECV_BATCH];
	struct iovec iov[RECV_BATCH], oiov[RECV_BATCH];
	int64_t now = 0;
	int n, nout = 0;

	(void)what;
	memset(in, 0, sizeof(in));
	for (int i = 0; i < RECV_BATCH; i++) {
		iov[i] = (struct iovec){ m[i].buf, sizeof(m[i].buf) };
		in[i].msg_hdr.msg_iov = &iov[i];
		in[i].msg_hdr.msg_iovlen = 1;
		in[i].msg_hdr.msg_name = &m[i].from;
		in[i].msg_hdr.msg_namelen = sizeof(m[i].from);
		in[i].msg_hdr.msg_control = &m[i].ctl;
		in[i].msg_hdr.msg_controllen = sizeof(m[i].ctl);
	}
	n = recvmmsg(fd, in, RECV_BATCH, MSG_DONTWAIT, NULL);
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &out[nout].msg_hdr;
		struct udp_slot slot = { d, fd, h };
		struct dnsd_client c = { .later = udp_later, .arg = &slot };
		size_t len;

		if (!sockaddr_ip(&m[i].from, &c.src))
			continue;
		c.may_recurse = dns_data_may_recurse(d->data, &c.src);
		d->counters.udp++;
		*h = in[i].msg_hdr;
		h->msg_iov = &oiov[nout];
		h->msg_iovlen = 1;
		h->msg_flags = 0;
		reply_source(h);
		len = dnsd_answer(d, m[i].buf, in[i].msg_len, &c, m[i].out,
				  sizeof(m[i].out));
		if (len == 0)
			continue;
		if (d->rrl.rate && !c.may_recurse) {
			if (!now)
				now = dnsd_now_ms();
			switch (dns_rrl_check(&d->rrl, &c.src, now)) {
			case DNS_RRL_SEND:
				break;
			case DNS_RRL_SLIP:
				d->counters.rrl_slipped++;
				len = slip_reply(m[i].out, len);
				break;
			case DNS_RRL_DROP:
				d->counters.rrl_dropped++;
				continue;
			}
		}
		oiov[nout] = (struct iovec){ m[i].out, len };
		nout++;
	}
	for (int sent = 0; sent < nout;) {
		int r = sendmmsg(fd, out + sent, (unsigned)(nout - sent), 0);

		if (r <= 0) {
			log_debug("UDP send: %s", strerror(errno));
			sent++;		/* skip the one that failed */
			continue;
		}
		sent += r;
	}
}

int dnsd_udp_listen(struct dnsd *d, struct dnsd_listen *l)
{
	struct sockaddr_storage ss;
	socklen_t sl = dnsd_sockaddr(l, &ss);
	int one = 1, rcvbuf = 1 << 20, s;
	bool v6 = l->addr.family == AF_INET6;
	static const uint8_t any[16];
	/* Only a wildcard socket needs to learn (and answer from) the
	 * address each query was sent to. */
	bool wild = !memcmp(l->addr.b, any, ip_len(&l->addr));

	s = socket(l->addr.family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	/* Room for bursts while a batch is answered: asked for, the kernel
	 * caps it at net.core.rmem_max and doubles it (no privilege). */
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if ((v6 && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			      sizeof(one)) < 0) ||
	    (wild && v6 && setsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
				      sizeof(one)) < 0) ||
	    (wild && !v6 && setsockopt(s, IPPROTO_IP, IP_PKTINFO, &one,
				       sizeof(one)) < 0) ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;

		close(s);
		return -e;
	}
	l->udp = s;
	l->udp_ev = event_new(d->base, s, EV_READ | EV_PERSIST, on_udp, d);
	if (!l->udp_ev || event_add(l->udp_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

void dnsd_udp_close(struct dnsd *d)
{
	for (size_t i = 0; i < d->nlisten; i++) {
		struct dnsd_listen *l = &d->listen[i];

		if (l->udp_ev)
			event_free(l->udp_ev);
		l->udp_ev = NULL;
	}
}
