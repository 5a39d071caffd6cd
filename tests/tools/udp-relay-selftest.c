/*
 * udp-relay --self-test: the relay between a fake client and a fake
 * server, all on 127.0.0.1 in one process, driven one relay_step() at a
 * time: request and transfer IDs, each fault rule, the counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "udp-relay.h"

static int st_fail;

static void st_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "self-test FAIL: %s\n", what);
		st_fail++;
	}
}

static struct sockaddr_storage st_lo(uint16_t port, socklen_t *len)
{
	struct sockaddr_storage ss;
	char s[32];

	snprintf(s, sizeof(s), "127.0.0.1:%u", (unsigned)port);
	if (relay_addr_parse(s, &ss, len) < 0)
		abort();
	return ss;
}

static uint16_t st_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return relay_addr_port(&ss);
}

static int st_sock(void)
{
	socklen_t len;
	struct sockaddr_storage ss = st_lo(0, &len);
	int fd = relay_udp_open(AF_INET, &ss, len);

	if (fd < 0)
		abort();
	return fd;
}

static void st_send(int fd, uint16_t port, uint16_t op, uint16_t blk)
{
	socklen_t len;
	struct sockaddr_storage to = st_lo(port, &len);
	uint8_t p[4];

	put_be16(p, op);
	put_be16(p + 2, blk);
	relay_send(fd, p, sizeof(p), &to, len);
}

/* Receive one 4-byte-or-longer packet: its op and block, the sender's
 * port; false if none is queued. */
static bool st_recv(int fd, uint16_t *op, uint16_t *blk, uint16_t *from)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint8_t p[512];
	ssize_t n = recvfrom(fd, p, sizeof(p), MSG_DONTWAIT,
			     (struct sockaddr *)&ss, &len);

	if (n < 4)
		return false;
	*op = get_be16(p);
	*blk = get_be16(p + 2);
	*from = relay_addr_port(&ss);
	return true;
}

static void st_step(struct relay *r)
{
	st_check(relay_step(r, 500) == 0, "a relay step");
}

int relay_self_test(void)
{
	static struct relay r;
	uint16_t op = 0, blk = 0, from = 0, up = 0, q = 0, stray = 0, lp;
	int cli, srv, x1, x2;
	socklen_t len;
	struct sockaddr_storage ss;

	st_check(relay_addr_parse("10.0.0.1:69", &ss, &len) == 0 &&
		 relay_addr_port(&ss) == 69, "parse: v4:port");
	st_check(relay_addr_parse("[fd00::1]:6969", &ss, &len) == 0 &&
		 ss.ss_family == AF_INET6 && relay_addr_port(&ss) == 6969,
		 "parse: [v6]:port");
	st_check(relay_addr_parse("10.0.0.1", &ss, &len) < 0 &&
		 relay_addr_parse("10.0.0.1:70000", &ss, &len) < 0 &&
		 relay_addr_parse("x:1", &ss, &len) < 0 &&
		 relay_addr_parse("[::1:1", &ss, &len) < 0 &&
		 relay_addr_parse("1.2.3.4:-1", &ss, &len) < 0, "parse: junk");

	srv = st_sock();
	cli = st_sock();
	x1 = st_sock();
	x2 = st_sock();
	relay_init(&r);
	r.server = st_lo(st_port(srv), &r.server_len);
	r.listen = st_lo(0, &r.listen_len);
	st_check(relay_rule_add(&r, "--drop-data", "2") == 0 &&
		 relay_rule_add(&r, "--drop-ack", "2") == 0 &&
		 relay_rule_add(&r, "--dup-ack", "3") == 0 &&
		 relay_rule_add(&r, "--stray", "3") == 0 &&
		 relay_rule_add(&r, "--drop-ack", "0") < 0 &&
		 relay_rule_add(&r, "--nope", "1") == -ENOENT, "rules parsed");
	if (relay_open(&r) < 0) {
		fprintf(stderr, "self-test: cannot open the relay\n");
		return -1;
	}
	lp = st_port(r.lfd);

	/* The request reaches the server from U, not from the client. */
	st_send(cli, lp, OP_RRQ, 0);
	st_step(&r);
	st_check(st_recv(srv, &op, &blk, &up) && op == OP_RRQ &&
		 up != st_port(cli), "RRQ relayed from an upstream port");
	/* DATA 1 from the server's TID x1 reaches the client from Q. */
	st_send(x1, up, OP_DATA, 1);
	st_step(&r);
	st_check(st_recv(cli, &op, &blk, &q) && op == OP_DATA && blk == 1 &&
		 q != lp, "DATA 1 relayed from a port of its own");
	st_send(cli, q, OP_ACK, 1);
	st_step(&r);
	st_check(st_recv(x1, &op, &blk, &from) && op == OP_ACK && blk == 1 &&
		 from == up, "ACK 1 relayed to the server's TID from U");
	/* DATA #2 is dropped; its resend (#3) passes and is followed by
	 * the stray ACK. */
	st_send(x1, up, OP_DATA, 2);
	st_step(&r);
	st_check(!st_recv(cli, &op, &blk, &from), "DATA #2 dropped");
	st_send(x1, up, OP_DATA, 2);
	st_step(&r);
	st_check(st_recv(cli, &op, &blk, &from) && op == OP_DATA &&
		 blk == 2 && from == q, "DATA 2 resent and relayed");
	st_check(st_recv(x1, &op, &blk, &stray) && op == OP_ACK && blk == 2 &&
		 stray != up, "the stray ACK comes from another port");
	st_send(x1, stray, OP_ERROR, 5);
	/* ACK #2 is dropped, ACK #3 sent twice. */
	st_send(cli, q, OP_ACK, 2);
	st_step(&r);
	st_check(!st_recv(x1, &op, &blk, &from), "ACK #2 dropped");
	st_send(cli, q, OP_ACK, 2);
	st_step(&r);
	st_check(st_recv(x1, &op, &blk, &from) && op == OP_ACK && blk == 2 &&
		 st_recv(x1, &op, &blk, &from) && op == OP_ACK && blk == 2 &&
		 !st_recv(x1, &op, &blk, &from), "ACK #3 duplicated");
	/* A second server TID gets a second client-facing port. */
	st_send(x2, up, OP_DATA, 1);
	st_step(&r);
	st_check(st_recv(cli, &op, &blk, &from) && op == OP_DATA &&
		 from != q && from != lp, "a second TID, a second port");
	/* Someone else writing to Q is not relayed. */
	st_send(srv, q, OP_ACK, 1);
	st_step(&r);
	st_check(!st_recv(x1, &op, &blk, &from), "a stranger to Q ignored");
	relay_summary(&r);
	st_check(r.n.sessions == 1 && r.n.s2c[OP_DATA] == 4 &&
		 r.n.dropped == 2 && r.n.duplicated == 1 &&
		 r.n.data_resent == 1 && r.n.stray_sent == 1 &&
		 r.n.stray_err5 == 1 && r.n.ignored == 1, "the counts");
	relay_close(&r);
	close(cli);
	close(srv);
	close(x1);
	close(x2);
	fprintf(stderr, "self-test: %s\n", st_fail ? "FAILED" : "ok");
	return st_fail ? -1 : 0;
}
