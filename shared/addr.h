/*
 * IPv4/IPv6 addresses, CIDR prefixes and MAC addresses: parse, format,
 * compare, contain. Pure code, no allocation. An IPv4 address is held in the
 * first four bytes of b[]; the rest are zero.
 */
#ifndef RACKNET_ADDR_H
#define RACKNET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IP_STRLEN 46		/* INET6_ADDRSTRLEN */
#define CIDR_STRLEN 50
#define MAC_STRLEN 18

struct ip_addr {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t b[16];
};

struct cidr {
	struct ip_addr net;	/* host bits always zero */
	uint8_t prefix;
};

struct mac_addr {
	uint8_t b[6];
};

/* Dotted quad or RFC 4291 text; no surrounding space, no zone index. */
int ip_parse(struct ip_addr *ret, const char *s);
/* A hex digit's value (either case), or -1. */
int hex_value(int c);
const char *ip_format(const struct ip_addr *a, char *buf, size_t size);
/* 4 or 16 bytes of network-order address; other lengths are -EINVAL. */
int ip_from_bytes(struct ip_addr *ret, const void *p, size_t len);
static inline size_t ip_len(const struct ip_addr *a)
{
	return a->family == 10 /* AF_INET6 */ ? 16 : 4;
}
static inline unsigned ip_bits(const struct ip_addr *a)
{
	return (unsigned)ip_len(a) * 8;
}
uint32_t ip_v4(const struct ip_addr *a);	/* host byte order */
void ip_set_v4(struct ip_addr *ret, uint32_t host_order);
/* Orders by family, then numerically. */
int ip_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool ip_equal(const struct ip_addr *a, const struct ip_addr *b);
/* a + 1 / a - 1; false (a unchanged) on wrap-around. */
bool ip_next(struct ip_addr *a);
bool ip_prev(struct ip_addr *a);

/*
 * "ADDR/PREFIX". Returns 0 for a canonical prefix, 1 if host bits were set
 * (ret holds the masked network, so the caller can say "did you mean"),
 * -EINVAL for anything else.
 */
int cidr_parse(struct cidr *ret, const char *s);
const char *cidr_format(const struct cidr *c, char *buf, size_t size);
bool cidr_contains(const struct cidr *c, const struct ip_addr *a);
bool cidr_overlaps(const struct cidr *a, const struct cidr *b);
/* Lowest and highest address of the prefix (network / broadcast for v4). */
void cidr_first(const struct cidr *c, struct ip_addr *ret);
void cidr_last(const struct cidr *c, struct ip_addr *ret);
/* Netmask of an IPv4 prefix, host byte order. */
uint32_t cidr_v4_mask(unsigned prefix);

/*
 * Accepts 52:54:00:ab:cd:ef, 52-54-00-AB-CD-EF, 5254.00ab.cdef and
 * 525400abcdef, any case; colon/dash groups may drop a leading zero.
 */
int mac_parse(struct mac_addr *ret, const char *s);
/* Lower case, colon separated. */
const char *mac_format(const struct mac_addr *m, char *buf, size_t size);

/*
 * A listen address: ADDR, ADDR:PORT, [V6]:PORT, [V6] or V6. *port is
 * left alone when none is given (set the default first). -EINVAL for
 * anything else: a port of 0, above 65535 or not only digits, an IPv4
 * address in brackets.
 */
int hostport_parse(struct ip_addr *addr, uint16_t *port, const char *arg);

/*
 * Socket addresses (<sys/socket.h>): an AF_INET or AF_INET6 sockaddr to
 * an address and port (-EAFNOSUPPORT for any other family), and back (the
 * length to pass to bind/sendto). "ADDR:PORT" or "[V6]:PORT" for logs.
 */
struct sockaddr_storage;
int ip_from_sockaddr(struct ip_addr *ip, uint16_t *port,
		     const struct sockaddr_storage *ss);
unsigned ip_to_sockaddr(struct sockaddr_storage *ss, const struct ip_addr *ip,
			uint16_t port);
#define SOCKADDR_STRLEN (IP_STRLEN + 8)
const char *sockaddr_format(const struct sockaddr_storage *ss, char *buf,
			    size_t size);

#endif
