/*
 * udp-relay's parts (udp-relay.c says what the tool is for): the relay
 * itself in udp-relay-core.c (sessions and transfer IDs, the fault rules,
 * one poll() round at a time), its self test in udp-relay-selftest.c,
 * and main() with the arguments in udp-relay.c.
 */
#ifndef RACKNET_UDP_RELAY_H
#define RACKNET_UDP_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PKT_MAX		65536
#define TIDS_MAX	4		/* server TIDs per session */
#define RULES_MAX	16		/* per kind of rule */
#define SESSIONS_DEF	256
#define SESSIONS_CAP	1024

/* TFTP opcodes (RFC 1350, 2347); OP_NONE for anything else. */
enum op { OP_NONE, OP_RRQ, OP_WRQ, OP_DATA, OP_ACK, OP_ERROR, OP_OACK,
	  OP_MAX };

enum rule { R_DROP_DATA, R_DROP_ACK, R_DROP_OACK, R_DUP_ACK, R_STRAY,
	    R_MAX };

struct tid {
	struct sockaddr_storage srv;	/* the server's transfer address */
	socklen_t srv_len;
	int cfd;			/* client-facing socket: Q */
	bool have_blk;
	uint16_t last_blk;		/* highest DATA block forwarded */
};

struct session {
	bool used;
	struct sockaddr_storage cli;
	socklen_t cli_len;
	int ufd;			/* upstream socket: U */
	struct tid tids[TIDS_MAX];
	size_t ntids;
	int64_t last_ms;
	unsigned id;
};

struct counts {
	unsigned long c2s[OP_MAX], s2c[OP_MAX];
	unsigned long sessions, dropped, duplicated, data_resent;
	unsigned long stray_sent, stray_replies, stray_err5, ignored;
};

struct relay {
	struct sockaddr_storage listen, server;
	socklen_t listen_len, server_len;
	int lfd, sfd, sig_fd;		/* listen, stray, signals */
	struct session *sess;
	size_t max_sessions;
	unsigned next_id;
	unsigned long rules[R_MAX][RULES_MAX];
	size_t nrules[R_MAX];
	bool verbose;
	struct counts n;
	uint8_t buf[PKT_MAX];
};

/* One line on stderr, "udp-relay[PID]: ...": what the tests read. */
void rlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int64_t relay_now_ms(void);

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* "A.B.C.D:PORT" or "[V6]:PORT" (port 0 allowed); -EINVAL. */
int relay_addr_parse(const char *s, struct sockaddr_storage *ss,
		     socklen_t *ret_len);
const char *relay_addr_str(const struct sockaddr_storage *ss, char *b,
			   size_t cap);
uint16_t relay_addr_port(const struct sockaddr_storage *ss);
/* A non-blocking UDP socket bound to addr (port 0: any), or with addr
 * NULL to any address of family; the fd or -errno. */
int relay_udp_open(int family, const struct sockaddr_storage *addr,
		   socklen_t len);
void relay_send(int fd, const uint8_t *p, size_t len,
		const struct sockaddr_storage *to, socklen_t to_len);
/* 1..max in decimal; -EINVAL. */
int relay_parse_count(const char *s, unsigned long max, unsigned long *ret);

/* Defaults; then listen, server (and their lengths) and the rules are
 * set by the caller before relay_open(). */
void relay_init(struct relay *r);
/* flag is one of --drop-data, --drop-ack, --drop-oack, --dup-ack,
 * --stray; -ENOENT for another flag, -EINVAL for a bad count or too
 * many rules of the kind. */
int relay_rule_add(struct relay *r, const char *flag, const char *val);
int relay_open(struct relay *r);
/* Wait up to timeout_ms and pass on every packet that came: 0, or
 * -ECANCELED when sig_fd (if open) says SIGTERM or SIGINT came. */
int relay_step(struct relay *r, int timeout_ms);
/* The "summary:" line on stderr that the tests read. */
void relay_summary(const struct relay *r);
void relay_close(struct relay *r);

int relay_self_test(void);

#endif
