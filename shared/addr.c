/*
 * Address helpers. inet_pton/inet_ntop do the IP text work; everything else
 * is byte arithmetic on network-order arrays, which keeps IPv4 and IPv6 on
 * one code path.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

_Static_assert(AF_INET6 == 10, "ip_len() assumes Linux AF_INET6");

int ip_parse(struct ip_addr *ret, const char *s)
{
	struct ip_addr a = { 0 };

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, a.b) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.b) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*ret = a;
	return 0;
}

/*
 * First 96 bits zero but not "::" or "::x": glibc's inet_ntop prints these as
 * deprecated IPv4-compatible addresses ("::1:0" as "::0.1.0.0"). RFC 5952
 * section 5 keeps mixed notation for IPv4-mapped addresses only, so these are
 * formatted here, and the text does not depend on the libc.
 */
static bool ip_v4_compat(const struct ip_addr *a)
{
	static const uint8_t zero[12];

	return a->family == AF_INET6 && memcmp(a->b, zero, sizeof(zero)) == 0 &&
	       (a->b[12] | a->b[13]) != 0;
}

const char *ip_format(const struct ip_addr *a, char *buf, size_t size)
{
	int n;

	if (size == 0)
		return buf;
	if (ip_v4_compat(a)) {
		n = snprintf(buf, size, "::%x:%x",
			     (unsigned)(a->b[12] << 8 | a->b[13]),
			     (unsigned)(a->b[14] << 8 | a->b[15]));
		if (n < 0 || (size_t)n >= size)
			snprintf(buf, size, "?");
		return buf;
	}
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->b, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

int ip_from_bytes(struct ip_addr *ret, const void *p, size_t len)
{
	struct ip_addr a = { 0 };

	if (len == 4)
		a.family = AF_INET;
	else if (len == 16)
		a.family = AF_INET6;
	else
		return -EINVAL;
	memcpy(a.b, p, len);
	*ret = a;
	return 0;
}

uint32_t ip_v4(const struct ip_addr *a)
{
	return (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 |
	       (uint32_t)a->b[2] << 8 | a->b[3];
}

void ip_set_v4(struct ip_addr *ret, uint32_t v)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = AF_INET;
	ret->b[0] = (uint8_t)(v >> 24);
	ret->b[1] = (uint8_t)(v >> 16);
	ret->b[2] = (uint8_t)(v >> 8);
	ret->b[3] = (uint8_t)v;
}

int ip_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, ip_len(a));
}

bool ip_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return ip_cmp(a, b) == 0;
}

/* Add delta (+1 or -1) with carry; false and unchanged on wrap-around. */
static bool ip_step(struct ip_addr *a, int delta)
{
	uint8_t edge = delta > 0 ? 0xff : 0x00;
	size_t n = ip_len(a);
	size_t i = n;

	while (i > 0 && a->b[i - 1] == edge)
		i--;
	if (i == 0)
		return false;
	a->b[i - 1] = (uint8_t)(a->b[i - 1] + delta);
	for (size_t j = i; j < n; j++)
		a->b[j] = (uint8_t)~edge;
	return true;
}

bool ip_next(struct ip_addr *a)
{
	return ip_step(a, +1);
}

bool ip_prev(struct ip_addr *a)
{
	return ip_step(a, -1);
}

/* Keep the first prefix bits of a; zero (or set, if ones) the rest. */
static void ip_mask(struct ip_addr *a, unsigned prefix, bool ones)
{
	size_t n = ip_len(a);

	for (size_t i = 0; i < n; i++) {
		unsigned lo = (unsigned)i * 8;
		uint8_t keep;

		if (prefix >= lo + 8)
			continue;
		keep = prefix <= lo ? 0 : (uint8_t)(0xff << (8 - (prefix - lo)));
		a->b[i] = ones ? (uint8_t)(a->b[i] | ~keep) : (uint8_t)(a->b[i] & keep);
	}
}

int cidr_parse(struct cidr *ret, const char *s)
{
	char addr[IP_STRLEN];
	const char *slash, *d;
	struct cidr c;
	size_t alen;
	unsigned prefix = 0;
	int host_bits;

	if (!s || !(slash = strchr(s, '/')))
		return -EINVAL;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (ip_parse(&c.net, addr) < 0)
		return -EINVAL;
	/*
	 * 1 to 3 decimal digits, nothing else: no sign, no space, no empty
	 * prefix, and no leading zero ("/08", "/024"), which inet_pton refuses
	 * in the octets too, so each prefix has exactly one spelling.
	 */
	d = slash + 1;
	if (d[0] < '0' || d[0] > '9' || (d[0] == '0' && d[1] != '\0'))
		return -EINVAL;
	for (size_t i = 0; d[i]; i++) {
		if (i == 3 || d[i] < '0' || d[i] > '9')
			return -EINVAL;
		prefix = prefix * 10 + (unsigned)(d[i] - '0');
	}
	if (prefix > ip_bits(&c.net))
		return -EINVAL;
	c.prefix = (uint8_t)prefix;

	struct ip_addr masked = c.net;

	ip_mask(&masked, c.prefix, false);
	host_bits = !ip_equal(&masked, &c.net);
	c.net = masked;
	*ret = c;
	return host_bits;
}

const char *cidr_format(const struct cidr *c, char *buf, size_t size)
{
	char a[IP_STRLEN];

	snprintf(buf, size, "%s/%u", ip_format(&c->net, a, sizeof(a)),
		 c->prefix);
	return buf;
}

bool cidr_contains(const struct cidr *c, const struct ip_addr *a)
{
	struct ip_addr m;

	if (a->family != c->net.family)
		return false;
	m = *a;
	ip_mask(&m, c->prefix, false);
	return ip_equal(&m, &c->net);
}

bool cidr_overlaps(const struct cidr *a, const struct cidr *b)
{
	/* Two prefixes overlap exactly when one contains the other. */
	return cidr_contains(a, &b->net) || cidr_contains(b, &a->net);
}

void cidr_first(const struct cidr *c, struct ip_addr *ret)
{
	*ret = c->net;
}

void cidr_last(const struct cidr *c, struct ip_addr *ret)
{
	*ret = c->net;
	ip_mask(ret, c->prefix, true);
}

uint32_t cidr_v4_mask(unsigned prefix)
{
	if (prefix == 0)
		return 0;
	if (prefix >= 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - prefix);
}

int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n hex digits in a row, all of them, nothing else. */
static int parse_hex_run(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int mac_parse(struct mac_addr *ret, const char *s)
{
	struct mac_addr m;
	size_t len;

	if (!s)
		return -EINVAL;
	len = strlen(s);
	/*
	 * The form is told by its separators, not by the length alone:
	 * "0:1:2:3:4:55" is twelve characters long too.
	 */
	if (len == 12 && !strpbrk(s, ":-")) {		/* 525400abcdef */
		if (parse_hex_run(s, 12, m.b) < 0)
			return -EINVAL;
	} else if (len == 14 && s[4] == '.' && s[9] == '.') {	/* 5254.00ab.cdef */
		if (parse_hex_run(s, 4, m.b) < 0 ||
		    parse_hex_run(s + 5, 4, m.b + 2) < 0 ||
		    parse_hex_run(s + 10, 4, m.b + 4) < 0)
			return -EINVAL;
	} else {				/* 1 or 2 digits per group, ':' or '-' */
		char sep = 0;
		const char *p = s;

		for (int g = 0; g < 6; g++) {
			int v = 0, digits = 0;

			while (digits < 2 && hex_value(*p) >= 0)
				v = v << 4 | hex_value(*p++), digits++;
			if (digits == 0)
				return -EINVAL;
			m.b[g] = (uint8_t)v;
			if (g == 5)
				break;
			if (*p != ':' && *p != '-')
				return -EINVAL;
			if (sep && *p != sep)
				return -EINVAL;
			sep = *p++;
		}
		if (*p)
			return -EINVAL;
	}
	*ret = m;
	return 0;
}

const char *mac_format(const struct mac_addr *m, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	char s[MAC_STRLEN];

	/* By hand: dhcpd formats several MACs per packet, and snprintf
	 * cost more than the rest of the formatting together. */
	for (int i = 0; i < 6; i++) {
		s[3 * i] = hex[m->b[i] >> 4];
		s[3 * i + 1] = hex[m->b[i] & 15];
		s[3 * i + 2] = i < 5 ? ':' : '\0';
	}
	if (size) {
		size_t n = size < sizeof(s) ? size - 1 : sizeof(s) - 1;

		memcpy(buf, s, n);
		buf[n] = '\0';
	}
	return buf;
}

int hostport_parse(struct ip_addr *addr, uint16_t *port, const char *arg)
{
	char host[IP_STRLEN];
	const char *p = NULL;
	bool bracket = arg[0] == '[';
	size_t n;

	/* ADDR, ADDR:PORT, [V6]:PORT, [V6], V6 */
	if (bracket) {
		const char *close = strchr(arg, ']');

		if (!close)
			return -EINVAL;
		n = (size_t)(close - arg - 1);
		if (close[1] == ':')
			p = close + 2;
		else if (close[1])
			return -EINVAL;
		arg++;
	} else {
		const char *colon = strrchr(arg, ':');

		if (colon && strchr(arg, ':') == colon) {
			n = (size_t)(colon - arg);
			p = colon + 1;
		} else {
			n = strlen(arg);
		}
	}
	if (n >= sizeof(host))
		return -EINVAL;
	memcpy(host, arg, n);
	host[n] = '\0';
	if (p) {
		/* Digits only: strtoul would take " 80", "+80" and "0x50". */
		size_t len = strspn(p, "0123456789");
		unsigned long v = strtoul(p, NULL, 10);

		if (len == 0 || len > 5 || p[len] || v == 0 || v > 65535)
			return -EINVAL;
		*port = (uint16_t)v;
	}
	if (ip_parse(addr, host) < 0 || (bracket && addr->family != AF_INET6))
		return -EINVAL;
	return 0;
}

int ip_from_sockaddr(struct ip_addr *ip, uint16_t *port,
		     const struct sockaddr_storage *ss)
{
	memset(ip, 0, sizeof(*ip));
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		ip_from_bytes(ip, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
		return 0;
	}
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		ip_from_bytes(ip, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
		return 0;
	}
	*port = 0;
	return -EAFNOSUPPORT;
}

unsigned ip_to_sockaddr(struct sockaddr_storage *ss, const struct ip_addr *ip,
			uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ip->b, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (void *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	memcpy(&s4->sin_addr, ip->b, 4);
	return sizeof(*s4);
}

const char *sockaddr_format(const struct sockaddr_storage *ss, char *buf,
			    size_t size)
{
	struct ip_addr ip;
	char a[IP_STRLEN];
	uint16_t port;

	if (ip_from_sockaddr(&ip, &port, ss) < 0)
		snprintf(buf, size, "(family %u)", (unsigned)ss->ss_family);
	else
		snprintf(buf, size, ip.family == AF_INET6 ? "[%s]:%u" : "%s:%u",
			 ip_format(&ip, a, sizeof(a)), port);
	return buf;
}
