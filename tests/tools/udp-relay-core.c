/*
 * udp-relay's relay (see udp-relay.c for the why, udp-relay.h for the
 * parts): a session per client address and port with its upstream
 * socket, a client-facing socket per server transfer ID, the fault rules
 * applied by count as packets pass, and one poll() round at a time so
 * the self test can drive it step by step.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "udp-relay.h"

#define IDLE_MS		20000		/* an unused session is closed */
#define BURST_MAX	64		/* datagrams per fd per wake-up */
#define FDS_MAX		(3 + SESSIONS_CAP * (1 + TIDS_MAX))

static const char *const op_names[OP_MAX] = {
	"?", "RRQ", "WRQ", "DATA", "ACK", "ERROR", "OACK",
};

static const char *const rule_flags[R_MAX] = {
	"--drop-data", "--drop-ack", "--drop-oack", "--dup-ack", "--stray",
};

void rlog(const char *fmt, ...)
	  {
	  va_list ap;

	fprintf(stderr, "udp-relay[%ld]: ", (long)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int64_t relay_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum op pkt_op(const uint8_t *p, size_t len)
{
	uint16_t op;

	if (len < 2)
		return OP_NONE;
	op = get_be16(p);
	return op > OP_NONE && op < OP_MAX ? (enum op)op : OP_NONE;
}

/* "A.B.C.D:PORT" or "[V6]:PORT" (port 0 allowed: pick one). */
int relay_addr_parse(const char *s, struct sockaddr_storage *ss,
		     socklen_t *ret_len)
{
	char host[64];
	const char *colon, *h = s;
	size_t hlen;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (!colon)
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || colon[1] == '-' ||
	    port > 65535)
		return -EINVAL;
	if (s[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*ret_len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*ret_len = sizeof(*s4);
	}
	return 0;
}

const char *relay_addr_str(const struct sockaddr_storage *ss, char *b,
			    size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(b, cap, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(b, cap, "%s:%u", a, ntohs(s4->sin_port));
	}
	return b;
}

uint16_t relay_addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* Same address (and, if with_port, same port). */
static bool addr_eq(const struct sockaddr_storage *a,
		    const struct sockaddr_storage *b, bool with_port)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (with_port && relay_addr_port(a) != relay_addr_port(b))
		return false;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr,
			      16) == 0;
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}

/* A non-blocking UDP socket bound to addr's address and port (the port
 * may be 0) or, with addr NULL, to any address of family. */
int relay_udp_open(int family, const struct sockaddr_storage *addr,
		   socklen_t len)
{
	struct sockaddr_storage any;
	int fd, r;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!addr) {
		memset(&any, 0, sizeof(any));
		any.ss_family = (sa_family_t)family;
		addr = &any;
		len = family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
	}
	if (bind(fd, (const struct sockaddr *)addr, len) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* The listen address with port 0: where client-facing sockets bind. */
static void listen_any_port(const struct relay *r,
			    struct sockaddr_storage *ss)
{
	*ss = r->listen;
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = 0;
	else
		((struct sockaddr_in *)ss)->sin_port = 0;
}

/* Is rule k due at count n? */
static bool rule_due(const struct relay *r, enum rule k, unsigned long n)
{
	size_t i;

	for (i = 0; i < r->nrules[k]; i++)
		if (r->rules[k][i] == n)
			return true;
	return false;
}

static void session_close(struct session *s)
{
	size_t i;

	for (i = 0; i < s->ntids; i++)
		close(s->tids[i].cfd);
	if (s->ufd >= 0)
		close(s->ufd);
	memset(s, 0, sizeof(*s));
	s->ufd = -1;
}

static struct session *session_find(struct relay *r,
				    const struct sockaddr_storage *cli)
{
	size_t i;

	for (i = 0; i < r->max_sessions; i++)
		if (r->sess[i].used && addr_eq(&r->sess[i].cli, cli, true))
			return &r->sess[i];
	return NULL;
}

static struct session *session_new(struct relay *r,
				   const struct sockaddr_storage *cli,
				   socklen_t cli_len)
{
	struct session *s = NULL;
	char a[80];
	size_t i;
	int fd;

	for (i = 0; i < r->max_sessions && !s; i++)
		if (!r->sess[i].used)
			s = &r->sess[i];
	if (!s) {
		rlog("session table full (%zu), dropping a request from %s",
		     r->max_sessions, relay_addr_str(cli, a, sizeof(a)));
		return NULL;
	}
	fd = relay_udp_open(r->server.ss_family, NULL, 0);
	if (fd < 0) {
		rlog("upstream socket: %s", strerror(-fd));
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->cli = *cli;
	s->cli_len = cli_len;
	s->ufd = fd;
	s->id = ++r->next_id;
	s->last_ms = relay_now_ms();
	r->n.sessions++;
	if (r->verbose)
		rlog("session %u: client %s", s->id,
		     relay_addr_str(cli, a, sizeof(a)));
	return s;
}

static struct tid *tid_find(struct session *s,
			    const struct sockaddr_storage *srv)
{
	size_t i;

	for (i = 0; i < s->ntids; i++)
		if (addr_eq(&s->tids[i].srv, srv, true))
			return &s->tids[i];
	return NULL;
}

static struct tid *tid_new(struct relay *r, struct session *s,
			   const struct sockaddr_storage *srv,
			   socklen_t srv_len)
{
	struct sockaddr_storage local, got;
	socklen_t got_len = sizeof(got);
	struct tid *t;
	char a[80], b[80];
	int fd;

	if (s->ntids >= TIDS_MAX) {
		rlog("session %u: more than %d server TIDs, dropping",
		     s->id, TIDS_MAX);
		return NULL;
	}
	listen_any_port(r, &local);
	fd = relay_udp_open(local.ss_family, &local, r->listen_len);
	if (fd < 0) {
		rlog("client-facing socket: %s", strerror(-fd));
		return NULL;
	}
	t = &s->tids[s->ntids++];
	memset(t, 0, sizeof(*t));
	t->srv = *srv;
	t->srv_len = srv_len;
	t->cfd = fd;
	if (getsockname(fd, (struct sockaddr *)&got, &got_len) < 0)
		memset(&got, 0, sizeof(got));
	rlog("session %u: server TID %s for client %s, relayed from port %u",
	     s->id, relay_addr_str(srv, a, sizeof(a)),
	     relay_addr_str(&s->cli, b, sizeof(b)),
	     (unsigned)relay_addr_port(&got));
	return t;
}

void relay_send(int fd, const uint8_t *p, size_t len,
		const struct sockaddr_storage *to, socklen_t to_len)
{
	char a[80];

	if (sendto(fd, p, len, 0, (const struct sockaddr *)to, to_len) < 0)
		rlog("sendto %s: %s", relay_addr_str(to, a, sizeof(a)),
		     strerror(errno));
}

/* The stray: an ACK of blk to the server's TID from our stray socket. */
static void stray_send(struct relay *r, struct tid *t, uint16_t blk)
{
	uint8_t ack[4];
	char a[80];

	put_be16(ack, OP_ACK);
	put_be16(ack + 2, blk);
	relay_send(r->sfd, ack, sizeof(ack), &t->srv, t->srv_len);
	r->n.stray_sent++;
	rlog("stray: sent ACK %u to %s from another port", (unsigned)blk,
	     relay_addr_str(&t->srv, a, sizeof(a)));
}

/* Server -> client, on session s's upstream socket. */
static void from_server(struct relay *r, struct session *s, size_t len,
			const struct sockaddr_storage *from,
			socklen_t from_len)
{
	enum op op = pkt_op(r->buf, len);
	unsigned long nth = ++r->n.s2c[op];
	uint16_t blk = len >= 4 ? get_be16(r->buf + 2) : 0;
	struct tid *t;
	char a[80];

	if (!addr_eq(from, &r->server, false)) {
		r->n.ignored++;
		rlog("ignored a packet from %s: not the server",
		     relay_addr_str(from, a, sizeof(a)));
		return;
	}
	t = tid_find(s, from);
	if (!t)
		t = tid_new(r, s, from, from_len);
	if (!t)
		return;
	if (op == OP_DATA) {
		uint16_t d = (uint16_t)(blk - t->last_blk);

		if (t->have_blk && (d == 0 || d >= 0x8000))
			r->n.data_resent++;
		else
			t->last_blk = blk;
		t->have_blk = true;
	}
	if (r->verbose)
		rlog("session %u: server %s #%lu block %u (%zu bytes)", s->id,
		     op_names[op], nth, (unsigned)blk, len);
	if ((op == OP_DATA && rule_due(r, R_DROP_DATA, nth)) ||
	    (op == OP_OACK && rule_due(r, R_DROP_OACK, nth))) {
		r->n.dropped++;
		rlog("dropped %s #%lu (block %u) from %s to client %s",
		     op_names[op], nth, (unsigned)blk,
		     relay_addr_str(from, a, sizeof(a)),
		     relay_addr_str(&s->cli, (char[80]){ 0 }, 80));
		return;
	}
	relay_send(t->cfd, r->buf, len, &s->cli, s->cli_len);
	if (op == OP_DATA && rule_due(r, R_STRAY, nth))
		stray_send(r, t, blk);
}

/* Client -> server: a request on the listen socket (t NULL), or a packet
 * to the client-facing socket of TID t. */
static void from_client(struct relay *r, struct session *s, struct tid *t,
			size_t len)
{
	enum op op = pkt_op(r->buf, len);
	unsigned long nth = ++r->n.c2s[op];
	const struct sockaddr_storage *to = t ? &t->srv : &r->server;
	socklen_t to_len = t ? t->srv_len : r->server_len;
	uint16_t blk = len >= 4 ? get_be16(r->buf + 2) : 0;
	char a[80];

	if (r->verbose)
		rlog("session %u: client %s #%lu block %u (%zu bytes)", s->id,
		     op_names[op], nth, (unsigned)blk, len);
	if (op == OP_ACK && rule_due(r, R_DROP_ACK, nth)) {
		r->n.dropped++;
		rlog("dropped ACK #%lu block %u from client %s to %s", nth,
		     (unsigned)blk, relay_addr_str(&s->cli, a, sizeof(a)),
		     relay_addr_str(to, (char[80]){ 0 }, 80));
		return;
	}
	relay_send(s->ufd, r->buf, len, to, to_len);
	if (op == OP_ACK && rule_due(r, R_DUP_ACK, nth)) {
		r->n.duplicated++;
		rlog("duplicated ACK #%lu block %u to %s", nth, (unsigned)blk,
		     relay_addr_str(to, a, sizeof(a)));
		relay_send(s->ufd, r->buf, len, to, to_len);
	}
}

static void stray_reply(struct relay *r, size_t len,
			const struct sockaddr_storage *from)
{
	enum op op = pkt_op(r->buf, len);
	char a[80], msg[128] = "";
	size_t i, n = 0;

	r->n.stray_replies++;
	if (op == OP_ERROR && len >= 4) {
		for (i = 4; i < len && r->buf[i] && n < sizeof(msg) - 1; i++)
			msg[n++] = r->buf[i] >= 0x20 && r->buf[i] < 0x7f ?
					   (char)r->buf[i] : '.';
		msg[n] = '\0';
		if (get_be16(r->buf + 2) == 5)
			r->n.stray_err5++;
		rlog("stray: %s answered ERROR %u \"%s\"",
		     relay_addr_str(from, a, sizeof(a)),
		     (unsigned)get_be16(r->buf + 2), msg);
	} else {
		rlog("stray: %s answered %s (%zu bytes)",
		     relay_addr_str(from, a, sizeof(a)), op_names[op], len);
	}
}

/* What a pollfd slot is. */
enum slot_kind { S_SIG, S_LISTEN, S_STRAY, S_UP, S_CLI };

struct slot {
	enum slot_kind kind;
	struct session *s;
	struct tid *t;
};

/* Read up to BURST_MAX datagrams from the slot's fd and pass them on.
 * -ECANCELED: a signal asked us to stop. */
static int slot_drain(struct relay *r, int fd, const struct slot *sl)
{
	struct sockaddr_storage from;
	socklen_t from_len;
	struct session *s;
	char a[80];
	ssize_t n;
	int i;

	if (sl->kind == S_SIG)
		return -ECANCELED;
	for (i = 0; i < BURST_MAX; i++) {
		from_len = sizeof(from);
		n = recvfrom(fd, r->buf, sizeof(r->buf), 0,
			     (struct sockaddr *)&from, &from_len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 0;
			/* ICMP unreachable from an earlier send: go on. */
			if (errno == ECONNREFUSED)
				continue;
			rlog("recvfrom: %s", strerror(errno));
			return 0;
		}
		switch (sl->kind) {
		case S_LISTEN:
			s = session_find(r, &from);
			if (!s)
				s = session_new(r, &from, from_len);
			if (s) {
				s->last_ms = relay_now_ms();
				from_client(r, s, NULL, (size_t)n);
			}
			break;
		case S_STRAY:
			stray_reply(r, (size_t)n, &from);
			break;
		case S_UP:
			sl->s->last_ms = relay_now_ms();
			from_server(r, sl->s, (size_t)n, &from, from_len);
			break;
		case S_CLI:
			if (!addr_eq(&from, &sl->s->cli, true)) {
				r->n.ignored++;
				rlog("ignored a packet from %s to session %u: "
				     "not its client",
				     relay_addr_str(&from, a, sizeof(a)),
				     sl->s->id);
				break;
			}
			sl->s->last_ms = relay_now_ms();
			from_client(r, sl->s, sl->t, (size_t)n);
			break;
		case S_SIG:
			break;
		}
	}
	return 0;
}

static void expire_idle(struct relay *r)
{
	int64_t now = relay_now_ms();
	size_t i;

	for (i = 0; i < r->max_sessions; i++) {
		struct session *s = &r->sess[i];

		if (s->used && now - s->last_ms > IDLE_MS) {
			if (r->verbose)
				rlog("session %u: idle, closed", s->id);
			session_close(s);
		}
	}
}

/*
 * One round: wait up to timeout_ms for packets and pass on all that
 * came. 0, or -ECANCELED when a signal asked us to stop. The tables are
 * static: FDS_MAX slots is tens of kilobytes.
 */
int relay_step(struct relay *r, int timeout_ms)
{
	static struct pollfd pfd[FDS_MAX];
	static struct slot slot[FDS_MAX];
	size_t n = 0, i, j;
	int rc;

	pfd[n] = (struct pollfd){ .fd = r->sig_fd, .events = POLLIN };
	slot[n++] = (struct slot){ .kind = S_SIG };
	pfd[n] = (struct pollfd){ .fd = r->lfd, .events = POLLIN };
	slot[n++] = (struct slot){ .kind = S_LISTEN };
	pfd[n] = (struct pollfd){ .fd = r->sfd, .events = POLLIN };
	slot[n++] = (struct slot){ .kind = S_STRAY };
	for (i = 0; i < r->max_sessions; i++) {
		struct session *s = &r->sess[i];

		if (!s->used)
			continue;
		pfd[n] = (struct pollfd){ .fd = s->ufd, .events = POLLIN };
		slot[n++] = (struct slot){ .kind = S_UP, .s = s };
		for (j = 0; j < s->ntids; j++) {
			pfd[n] = (struct pollfd){ .fd = s->tids[j].cfd,
						  .events = POLLIN };
			slot[n++] = (struct slot){ .kind = S_CLI, .s = s,
						   .t = &s->tids[j] };
		}
	}
	if (poll(pfd, (nfds_t)n, timeout_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	/* Sessions made while draining are polled from the next round on;
	 * closing happens only in expire_idle, so the slots stay valid. */
	for (i = 0; i < n; i++) {
		if (!(pfd[i].revents & (POLLIN | POLLERR)))
			continue;
		rc = slot_drain(r, pfd[i].fd, &slot[i]);
		if (rc < 0)
			return rc;
	}
	expire_idle(r);
	return 0;
}

void relay_summary(const struct relay *r)
{
	const struct counts *c = &r->n;

	rlog("summary: sessions=%lu rrq=%lu data=%lu ack=%lu oack=%lu"
	     " error_from_server=%lu error_from_client=%lu dropped=%lu"
	     " duplicated=%lu data_resent=%lu stray_sent=%lu"
	     " stray_replies=%lu stray_err5=%lu ignored=%lu",
	     c->sessions, c->c2s[OP_RRQ], c->s2c[OP_DATA], c->c2s[OP_ACK],
	     c->s2c[OP_OACK], c->s2c[OP_ERROR], c->c2s[OP_ERROR], c->dropped,
	     c->duplicated, c->data_resent, c->stray_sent, c->stray_replies,
	     c->stray_err5, c->ignored);
}

/* Open the listen and stray sockets; the table of max sessions. */
int relay_open(struct relay *r)
{
	size_t i;
	int fd;

	r->sess = calloc(r->max_sessions, sizeof(*r->sess));
	if (!r->sess)
		return -ENOMEM;
	for (i = 0; i < r->max_sessions; i++)
		r->sess[i].ufd = -1;
	fd = relay_udp_open(r->listen.ss_family, &r->listen, r->listen_len);
	if (fd < 0)
		return fd;
	r->lfd = fd;
	fd = relay_udp_open(r->server.ss_family, NULL, 0);
	if (fd < 0)
		return fd;
	r->sfd = fd;
	return 0;
}

void relay_close(struct relay *r)
{
	size_t i;

	for (i = 0; r->sess && i < r->max_sessions; i++)
		if (r->sess[i].used)
			session_close(&r->sess[i]);
	free(r->sess);
	r->sess = NULL;
	if (r->lfd >= 0)
		close(r->lfd);
	if (r->sfd >= 0)
		close(r->sfd);
	if (r->sig_fd >= 0)
		close(r->sig_fd);
	r->lfd = r->sfd = r->sig_fd = -1;
}

int relay_parse_count(const char *s, unsigned long max,
		      unsigned long *ret)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < 1 || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int relay_rule_add(struct relay *r, const char *flag, const char *val)
{
	enum rule k;

	for (k = 0; k < R_MAX; k++) {
		if (strcmp(flag, rule_flags[k]) != 0)
			continue;
		if (r->nrules[k] >= RULES_MAX ||
		    relay_parse_count(val, 1000000000UL,
				      &r->rules[k][r->nrules[k]]) < 0)
			return -EINVAL;
		r->nrules[k]++;
		return 0;
	}
	return -ENOENT;
}

void relay_init(struct relay *r)
{
	memset(r, 0, sizeof(*r));
	r->lfd = r->sfd = r->sig_fd = -1;
	r->max_sessions = SESSIONS_DEF;
}
