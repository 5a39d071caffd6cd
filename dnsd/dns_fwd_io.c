/*
 * The forwarder's I/O half (dns_fwd.h): sockets and timers on the
 * caller's libevent loop. Everything about bytes is in dns_fwd.c and
 * dns_cache.c; this file only moves them and keeps the bookkeeping.
 *
 * One struct upq per question outstanding upstream, found by a hash of
 * (name, type, class); clients asking it meanwhile queue on it (bounded
 * per question and in all), so a question is never asked upstream twice
 * at once (DNSpooq's birthday attack needs many copies in flight). Each
 * try opens a fresh socket: UDP bound to port 0 (a kernel-random port)
 * and connected to the upstream, a random ID from getrandom(); a reply
 * counts only if recvfrom() names the upstream, and dns_fwd_check() finds
 * our ID and question. A try ends with an answer, a timeout, an error
 * from the socket (ICMP unreachable, RST), or an rcode that another
 * upstream may improve on; then the next upstream gets a try while tries
 * and the deadline last. TC moves the same try to TCP with the same
 * upstream: passing TC on to the client would only bring it back over
 * TCP to us, and we would still have nothing but a truncated UDP answer.
 */
#include "dns_fwd.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#define RECV_BURST 16		/* datagrams read per wake-up */
#define TCP_MSG_MAX DNS_TCP_MAX

struct waiter {
	struct waiter *next;
	struct dns_query q;
	unsigned flags;
	size_t cap;
	dns_fwd_done_fn cb;
	void *ctx;
};

/* One question outstanding upstream, and the clients waiting for it. */
struct upq {
	struct upq *hnext;
	struct upq *prev, *next;	/* every upq, for cancel and free */
	struct dns_fwd *f;
	uint64_t hash;
	struct dns_fwd_question fq;
	struct waiter *waiters, **wtail;
	unsigned nwaiters;

	int fd;
	bool tcp;
	bool quick;			/* the timer ends a failed try, not a
					 * timeout */
	struct event *io, *timer;
	struct sockaddr_storage to;
	socklen_t tolen;
	size_t up;			/* upstream index of this try */
	unsigned tries;
	int64_t deadline;		/* ms, monotonic */

	uint8_t *tbuf;			/* TCP: query out, then reply in */
	size_t tlen, toff;
};

struct dns_fwd {
	struct event_base *base;
	struct dns_cache *cache;
	struct dns_fwd_opts o;
	struct sockaddr_storage up[DNS_FWD_UPSTREAMS_MAX];
	socklen_t uplen[DNS_FWD_UPSTREAMS_MAX];
	size_t nup, preferred;

	struct upq **table;
	size_t mask;
	struct upq *all;
	struct waiter *completing;	/* being answered right now */
	size_t outstanding, waiting;
	struct dns_fwd_stats st;

	uint8_t rnd[64];		/* getrandom() bytes for IDs */
	size_t rnd_left;
	struct dns_answer ans;		/* scratch for dns_fwd_check */
	uint8_t rbuf[DNS_TCP_MAX];	/* UDP datagrams in */
	uint8_t obuf[DNS_TCP_MAX];	/* replies to clients */
};

static void try_next(struct upq *p);
static void on_udp(evutil_socket_t fd, short what, void *arg);
static void on_tcp(evutil_socket_t fd, short what, void *arg);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t dns_fwd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

void dns_fwd_opts_default(struct dns_fwd_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = 53;
	o->try_ms = 1000;
	o->tcp_ms = 1500;
	o->tries = 3;
	o->deadline_ms = 2500;
	o->max_outstanding = 1024;
	o->max_waiting = 4096;
	o->max_per_key = 64;
}

struct dns_fwd *dns_fwd_new(struct event_base *base, struct dns_cache *cache,
			    const struct dns_fwd_opts *o)
{
	struct dns_fwd *f = calloc(1, sizeof(*f));
	size_t buckets = 16;

	if (!f)
		return NULL;
	f->base = base;
	f->cache = cache;
	if (o)
		f->o = *o;
	else
		dns_fwd_opts_default(&f->o);
	if (f->o.tries == 0)
		f->o.tries = 1;
	while (buckets < f->o.max_outstanding && buckets < (1u << 16))
		buckets *= 2;
	f->table = calloc(buckets, sizeof(*f->table));
	if (!f->table) {
		free(f);
		return NULL;
	}
	f->mask = buckets - 1;
	return f;
}

int dns_fwd_set_upstreams(struct dns_fwd *f, const struct ip_addr *addrs,
			  size_t n, uint16_t port)
{
	struct sockaddr_storage ss[DNS_FWD_UPSTREAMS_MAX];
	socklen_t len[DNS_FWD_UPSTREAMS_MAX];

	if (n > DNS_FWD_UPSTREAMS_MAX)
		n = DNS_FWD_UPSTREAMS_MAX;
	if (port == 0)
		port = f->o.port;
	for (size_t i = 0; i < n; i++) {
		memset(&ss[i], 0, sizeof(ss[i]));
		if (addrs[i].family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&ss[i];

			s->sin_family = AF_INET;
			s->sin_port = htons(port);
			memcpy(&s->sin_addr, addrs[i].b, 4);
			len[i] = sizeof(*s);
		} else if (addrs[i].family == AF_INET6) {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss[i];

			s->sin6_family = AF_INET6;
			s->sin6_port = htons(port);
			memcpy(&s->sin6_addr, addrs[i].b, 16);
			len[i] = sizeof(*s);
		} else {
			return -EINVAL;
		}
	}
	memcpy(f->up, ss, n * sizeof(ss[0]));
	memcpy(f->uplen, len, n * sizeof(len[0]));
	f->nup = n;
	f->preferred = 0;
	return 0;
}

void dns_fwd_stats(const struct dns_fwd *f, struct dns_fwd_stats *ret)
{
	*ret = f->st;
	ret->outstanding = f->outstanding;
	ret->waiting = f->waiting;
}

static int random_id(struct dns_fwd *f, uint16_t *ret)
{
	if (f->rnd_left < 2) {
		ssize_t n = getrandom(f->rnd, sizeof(f->rnd), 0);

		if (n != (ssize_t)sizeof(f->rnd))
			return -EIO;
		f->rnd_left = sizeof(f->rnd);
	}
	f->rnd_left -= 2;
	*ret = (uint16_t)(f->rnd[f->rnd_left] << 8 | f->rnd[f->rnd_left + 1]);
	return 0;
}

static bool same_peer(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a,
					  *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return false;
}

/* ---- Outstanding queries ------------------------------------------- */

static struct upq *upq_find(struct dns_fwd *f, const struct dns_query *q,
			    uint64_t hash)
{
	struct upq *p = f->table[hash & f->mask];

	for (; p; p = p->hnext)
		if (p->hash == hash && p->fq.qtype == q->qtype &&
		    p->fq.qclass == q->qclass &&
		    p->fq.name_len == q->qname_len &&
		    memcmp(p->fq.name, q->lname, q->qname_len) == 0)
			return p;
	return NULL;
}

/* Close the socket of the current try. */
static void try_close(struct upq *p)
{
	if (p->io) {
		event_free(p->io);
		p->io = NULL;
	}
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
	free(p->tbuf);
	p->tbuf = NULL;
	p->tcp = false;
}

/* Take p out of the table and the list: new clients start a new one. */
static void upq_detach(struct upq *p)
{
	struct dns_fwd *f = p->f;
	struct upq **pp = &f->table[p->hash & f->mask];

	while (*pp && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = p->hnext;
	if (p->prev)
		p->prev->next = p->next;
	else
		f->all = p->next;
	if (p->next)
		p->next->prev = p->prev;
	f->outstanding--;
	try_close(p);
	if (p->timer)
		event_del(p->timer);
}

static void upq_free(struct upq *p)
{
	try_close(p);
	if (p->timer)
		event_free(p->timer);
	free(p);
}

/* ---- Answering clients --------------------------------------------- */

static size_t waiter_cap(const struct dns_fwd *f, const struct waiter *w)
{
	return w->cap < sizeof(f->obuf) ? w->cap : sizeof(f->obuf);
}

/* No answer for w: a stale one if the cache has it, else SERVFAIL. */
static void waiter_fail(struct dns_fwd *f, struct waiter *w)
{
	size_t cap = waiter_cap(f, w), len = 0;
	int rc = dns_cache_get(f->cache, &w->q, dns_fwd_now(),
			       DNS_CACHE_STALE | (w->flags & DNS_CACHE_TCP),
			       f->obuf, cap, &len);

	if (rc == 1) {
		f->st.stale++;
		w->cb(w->ctx, DNS_FWD_STALE, f->obuf, len);
	} else if (rc == 0) {		/* a fresh answer came meanwhile */
		f->st.answered++;
		w->cb(w->ctx, DNS_FWD_ANSWERED, f->obuf, len);
	} else {
		len = dns_error_reply(&w->q, true, DNS_R_SERVFAIL, true,
				      f->obuf, cap);
		f->st.failed++;
		w->cb(w->ctx, DNS_FWD_FAILED, f->obuf, len);
	}
}

/*
 * Answer every client of p, from entry e (NULL: the upstreams failed),
 * and free p. The waiters move to f->completing first so that a callback
 * that cancels another client of the same question (one TCP connection
 * closing) is honoured.
 */
static void upq_finish(struct upq *p, struct dns_cache_entry *e)
{
	struct dns_fwd *f = p->f;
	struct waiter *saved = f->completing, *w;
	int64_t now = dns_fwd_now();

	upq_detach(p);
	f->completing = p->waiters;
	p->waiters = NULL;
	while ((w = f->completing) != NULL) {
		size_t len = 0;

		f->completing = w->next;
		f->waiting--;
		if (w->cb && e &&
		    dns_cache_entry_reply(e, &w->q, now, w->flags, f->obuf,
					  waiter_cap(f, w), &len) == 0) {
			f->st.answered++;
			w->cb(w->ctx, DNS_FWD_ANSWERED, f->obuf, len);
		} else if (w->cb) {
			waiter_fail(f, w);
		}
		free(w);
	}
	f->completing = saved;
	upq_free(p);
}

/* f->ans holds an accepted answer for p: store it, answer everyone. */
static void upq_answer(struct upq *p)
{
	struct dns_fwd *f = p->f;
	struct dns_cache_entry *e = NULL;

	f->st.answers++;
	f->st.dropped_rrs += f->ans.dropped;
	if (f->nup)
		f->preferred = p->up % f->nup;
	if (dns_cache_store(f->cache, &f->ans, dns_fwd_now(), &e) < 0)
		e = NULL;
	upq_finish(p, e);
	dns_cache_entry_put(e);
}

/* ---- Tries --------------------------------------------------------- */

static void timer_arm(struct upq *p, unsigned ms)
{
	int64_t left = p->deadline - now_ms();
	struct timeval tv;

	if (left < 0)
		left = 0;
	if ((int64_t)ms > left)
		ms = (unsigned)left;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	event_add(p->timer, &tv);
}

/* The try failed now (not by timeout): let the timer move on at once,
 * outside the I/O callback. */
static void try_failed(struct upq *p)
{
	struct dns_fwd *f = p->f;

	try_close(p);
	if (f->nup && p->up % f->nup == f->preferred)
		f->preferred = (f->preferred + 1) % f->nup;
	p->quick = true;
	timer_arm(p, 0);
}

/* A socket of the upstream's family, on a random port, connected. */
static int open_socket(const struct upq *p, int type)
{
	struct sockaddr_storage any;
	socklen_t len = p->tolen;
	int fd = socket(p->to.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);

	if (fd < 0)
		return -errno;
	memset(&any, 0, sizeof(any));
	any.ss_family = p->to.ss_family;	/* any address, port 0 */
	if (bind(fd, (struct sockaddr *)&any, len) < 0 ||
	    (connect(fd, (const struct sockaddr *)&p->to, len) < 0 &&
	     errno != EINPROGRESS)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void try_udp(struct upq *p)
{
	struct dns_fwd *f = p->f;
	uint8_t q[DNS_HDR_LEN + DNS_WIRE_MAX + 4 + 11];
	size_t len;
	size_t i = p->up % f->nup;

	p->to = f->up[i];
	p->tolen = f->uplen[i];
	p->tries++;
	if (random_id(f, &p->fq.id) < 0)
		goto out_failed;
	len = dns_fwd_query_build(&p->fq, q, sizeof(q));
	p->fd = open_socket(p, SOCK_DGRAM);
	if (len == 0 || p->fd < 0)
		goto out_failed;
	if (send(p->fd, q, len, 0) != (ssize_t)len)
		goto out_failed;
	p->io = event_new(f->base, p->fd, EV_READ | EV_PERSIST, on_udp, p);
	if (!p->io || event_add(p->io, NULL) < 0)
		goto out_failed;
	f->st.sent_udp++;
	p->quick = false;
	timer_arm(p, f->o.try_ms);
	return;

out_failed:
	f->st.refused++;
	try_failed(p);
}

/* Retry the upstream that said TC over TCP, inside the same try. */
static void try_tcp(struct upq *p)
{
	struct dns_fwd *f = p->f;
	size_t len;

	try_close(p);
	p->tcp = true;
	p->tbuf = malloc(2 + TCP_MSG_MAX);
	if (!p->tbuf || random_id(f, &p->fq.id) < 0)
		goto out_failed;
	len = dns_fwd_query_build(&p->fq, p->tbuf + 2, TCP_MSG_MAX);
	p->tbuf[0] = (uint8_t)(len >> 8);
	p->tbuf[1] = (uint8_t)len;
	p->tlen = len + 2;
	p->toff = 0;
	p->fd = open_socket(p, SOCK_STREAM);
	if (len == 0 || p->fd < 0)
		goto out_failed;
	p->io = event_new(f->base, p->fd, EV_WRITE | EV_PERSIST, on_tcp, p);
	if (!p->io || event_add(p->io, NULL) < 0)
		goto out_failed;
	f->st.sent_tcp++;
	p->quick = false;
	timer_arm(p, f->o.tcp_ms);
	return;

out_failed:
	f->st.refused++;
	try_failed(p);
}

/* After a failed try: the next one if tries and time are left. */
static void try_next(struct upq *p)
{
	struct dns_fwd *f = p->f;

	try_close(p);
	if (p->tries > 0)
		p->up++;
	if (f->nup == 0 || p->tries >= f->o.tries || now_ms() >= p->deadline)
		upq_finish(p, NULL);
	else
		try_udp(p);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct upq *p = arg;

	(void)fd;
	(void)what;
	if (!p->quick) {
		p->f->st.timeouts++;
		if (p->f->nup && p->up % p->f->nup == p->f->preferred)
			p->f->preferred = (p->f->preferred + 1) % p->f->nup;
	}
	try_next(p);
}

/* What to do with a reply that passed the transport's own checks.
 * Returns true if the try is over. */
static bool take_reply(struct upq *p, const uint8_t *buf, size_t len)
{
	struct dns_fwd *f = p->f;
	const char *why;

	switch (dns_fwd_check(&p->fq, buf, len, &f->ans, &why)) {
	case DNS_FWD_ANSWER:
		upq_answer(p);
		return true;
	case DNS_FWD_TRUNCATED:
		f->st.truncated++;
		if (p->tcp) {		/* TC over TCP: nothing better comes */
			f->st.malformed++;
			try_failed(p);
		} else {
			try_tcp(p);
		}
		return true;
	case DNS_FWD_RCODE:
		f->st.bad_rcode++;
		try_failed(p);
		return true;
	case DNS_FWD_MISMATCH:
		f->st.mismatched++;
		break;
	default:
		f->st.malformed++;
		break;
	}
	/* Over TCP the stream is ours alone: a wrong reply ends the try. */
	if (p->tcp)
		try_failed(p);
	return p->tcp;
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct upq *p = arg;
	struct dns_fwd *f = p->f;

	(void)what;
	for (int i = 0; i < RECV_BURST; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, f->rbuf, sizeof(f->rbuf), 0,
				     (struct sockaddr *)&from, &flen);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {		/* ICMP unreachable and friends */
			f->st.refused++;
			try_failed(p);
			return;
		}
		if (!same_peer(&from, &p->to)) {
			f->st.mismatched++;
			continue;
		}
		if (take_reply(p, f->rbuf, (size_t)n))
			return;
	}
}

static void on_tcp(evutil_socket_t fd, short what, void *arg)
{
	struct upq *p = arg;
	struct dns_fwd *f = p->f;
	ssize_t n;

	if (what & EV_WRITE) {
		n = send(fd, p->tbuf + p->toff, p->tlen - p->toff,
			 MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			goto out_failed;
		p->toff += (size_t)n;
		if (p->toff < p->tlen)
			return;
		/* Sent: now read the reply into the same buffer. */
		event_free(p->io);
		p->tlen = 0;
		p->io = event_new(f->base, fd, EV_READ | EV_PERSIST, on_tcp, p);
		if (!p->io || event_add(p->io, NULL) < 0)
			goto out_failed;
		return;
	}
	for (int i = 0; i < RECV_BURST; i++) {
		size_t want = p->tlen < 2 ? 2 - p->tlen
			: 2 + ((size_t)p->tbuf[0] << 8 | p->tbuf[1]) - p->tlen;

		n = recv(fd, p->tbuf + p->tlen, want, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			goto out_failed;
		p->tlen += (size_t)n;
		if (p->tlen < 2 || (size_t)n < want)
			continue;
		if (p->tlen > 2) {
			take_reply(p, p->tbuf + 2, p->tlen - 2);
			return;
		}
		if (((size_t)p->tbuf[0] << 8 | p->tbuf[1]) < DNS_HDR_LEN)
			goto out_malformed;
	}
	return;

out_malformed:
	f->st.malformed++;
	try_failed(p);
	return;
out_failed:
	f->st.refused++;
	try_failed(p);
}

/* ---- The API ------------------------------------------------------- */

int dns_fwd_resolve(struct dns_fwd *f, const struct dns_query *q,
		    unsigned flags, size_t cap, dns_fwd_done_fn cb, void *ctx)
{
	struct waiter *w;
	struct upq *p;
	uint64_t hash;

	if (q->opcode != DNS_OPCODE_QUERY || q->qdcount != 1 ||
	    q->qname_len == 0 || q->qname_len > DNS_WIRE_MAX ||
	    (q->edns && q->edns_version != 0) || cap < DNS_UDP_MIN || !cb)
		return -EINVAL;
	if (f->nup == 0)
		return -ENOENT;
	hash = dns_cache_hash(f->cache, q->lname, q->qname_len, q->qtype,
			      q->qclass);
	p = upq_find(f, q, hash);
	if (f->waiting >= f->o.max_waiting ||
	    (p && p->nwaiters >= f->o.max_per_key) ||
	    (!p && f->outstanding >= f->o.max_outstanding)) {
		f->st.overflow++;
		return -ENOBUFS;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->q = *q;
	w->flags = flags & DNS_CACHE_TCP;
	w->cap = cap;
	w->cb = cb;
	w->ctx = ctx;
	if (p) {
		f->st.joined++;
	} else {
		p = calloc(1, sizeof(*p));
		if (!p)
			goto out_free_waiter;
		p->f = f;
		p->fd = -1;
		p->hash = hash;
		memcpy(p->fq.name, q->lname, q->qname_len);
		p->fq.name_len = q->qname_len;
		p->fq.qtype = q->qtype;
		p->fq.qclass = q->qclass;
		p->wtail = &p->waiters;
		p->up = f->preferred;
		p->deadline = now_ms() + f->o.deadline_ms;
		p->timer = evtimer_new(f->base, on_timer, p);
		if (!p->timer)
			goto out_free_upq;
		p->hnext = f->table[hash & f->mask];
		f->table[hash & f->mask] = p;
		p->next = f->all;
		if (f->all)
			f->all->prev = p;
		f->all = p;
		f->outstanding++;
		/* The first try starts from the loop, like every later one,
		 * so no callback can run inside this call. */
		p->quick = true;
		timer_arm(p, 0);
	}
	*p->wtail = w;
	p->wtail = &w->next;
	p->nwaiters++;
	f->waiting++;
	f->st.resolves++;
	return 0;

out_free_upq:
	free(p);
out_free_waiter:
	free(w);
	return -ENOMEM;
}

void dns_fwd_cancel(struct dns_fwd *f, const void *ctx)
{
	for (struct waiter *w = f->completing; w; w = w->next)
		if (w->ctx == ctx)
			w->cb = NULL;
	for (struct upq *p = f->all; p; p = p->next) {
		struct waiter **pp = &p->waiters;

		while (*pp) {
			struct waiter *w = *pp;

			if (w->ctx != ctx) {
				pp = &w->next;
				continue;
			}
			*pp = w->next;
			free(w);
			p->nwaiters--;
			f->waiting--;
		}
		p->wtail = pp;
	}
}

void dns_fwd_free(struct dns_fwd *f)
{
	if (!f)
		return;
	while (f->all) {
		struct upq *p = f->all;
		struct waiter *w;

		upq_detach(p);
		while ((w = p->waiters) != NULL) {
			p->waiters = w->next;
			f->waiting--;
			w->cb(w->ctx, DNS_FWD_CANCELLED, NULL, 0);
			free(w);
		}
		upq_free(p);
	}
	free(f->table);
	free(f);
}
