/*
 * The names racknet derives from addresses (pure): generated host labels,
 * reverse names, and the reverse zones a subnet needs (RFC 1035 3.5,
 * RFC 2317 for IPv4 subnets smaller than a /24, RFC 3596 nibbles).
 */
#include "dns_data.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void dns_generated_label(const struct ip_addr *ip, char *buf, size_t size)
{
	char text[IP_STRLEN];
	size_t n = 0;

	ip_format(ip, text, sizeof(text));
	if (ip->family == AF_INET6 && size > 4) {
		memcpy(buf, "ip6-", 4);
		n = 4;
	}
	for (const char *p = text; *p && n + 1 < size; p++)
		buf[n++] = *p == '.' || *p == ':' ? '-' : *p;
	/* "fd00::" ends in a hyphen, which a label may not. */
	if (n > 0 && buf[n - 1] == '-' && n + 1 < size)
		buf[n++] = '0';
	if (size)
		buf[n < size ? n : size - 1] = '\0';
}

/* Append a text label to a wire name being built; false if too long. */
static bool put_label(uint8_t *wire, size_t *off, const char *s, size_t len)
{
	if (len == 0 || len > 63 || *off + 1 + len + 1 > DNS_WIRE_MAX)
		return false;
	wire[(*off)++] = (uint8_t)len;
	memcpy(wire + *off, s, len);
	*off += len;
	return true;
}

static bool put_num(uint8_t *wire, size_t *off, unsigned v)
{
	char s[8];
	int n = snprintf(s, sizeof(s), "%u", v);

	return put_label(wire, off, s, (size_t)n);
}

static bool put_nibble(uint8_t *wire, size_t *off, unsigned v)
{
	static const char hex[] = "0123456789abcdef";

	return put_label(wire, off, &hex[v & 15], 1);
}

static int finish(uint8_t *wire, size_t off, const char *suffix)
{
	uint8_t tail[DNS_WIRE_MAX];
	int n = dns_name_from_text(tail, suffix);

	if (n < 0 || off + (size_t)n > DNS_WIRE_MAX)
		return -EINVAL;
	memcpy(wire + off, tail, (size_t)n);
	return (int)(off + (size_t)n);
}

/* The classless label of a subnet longer than /24: "64/26". */
static bool put_classless(uint8_t *wire, size_t *off, const struct cidr *c)
{
	char s[16];
	int n = snprintf(s, sizeof(s), "%u/%u", c->net.b[3], c->prefix);

	return put_label(wire, off, s, (size_t)n);
}

static bool classless(const struct cidr *c)
{
	return c && c->net.family == AF_INET && c->prefix > 24;
}

int dns_reverse_name(const struct ip_addr *ip, const struct cidr *subnet,
		     uint8_t *wire)
{
	size_t off = 0;
	bool ok = true;

	if (ip->family == AF_INET6) {
		for (int i = 15; i >= 0 && ok; i--)
			ok = put_nibble(wire, &off, ip->b[i]) &&
			     put_nibble(wire, &off, ip->b[i] >> 4);
		return ok ? finish(wire, off, "ip6.arpa") : -EINVAL;
	}
	ok = put_num(wire, &off, ip->b[3]);
	if (ok && classless(subnet) && cidr_contains(subnet, ip))
		ok = put_classless(wire, &off, subnet);
	for (int i = 2; i >= 0 && ok; i--)
		ok = put_num(wire, &off, ip->b[i]);
	return ok ? finish(wire, off, "in-addr.arpa") : -EINVAL;
}

/* The apex covering the first `octets` bytes of a (IPv4). */
static int v4_apex(const uint8_t *a, unsigned octets, uint8_t *wire)
{
	size_t off = 0;

	for (int i = (int)octets - 1; i >= 0; i--)
		if (!put_num(wire, &off, a[i]))
			return -EINVAL;
	return finish(wire, off, "in-addr.arpa");
}

static int v6_apex(const uint8_t *a, unsigned nibbles, uint8_t *wire)
{
	size_t off = 0;

	for (int i = (int)nibbles - 1; i >= 0; i--)
		if (!put_nibble(wire, &off, i % 2 ? a[i / 2] : a[i / 2] >> 4))
			return -EINVAL;
	return finish(wire, off, "ip6.arpa");
}

int dns_reverse_zones(const struct cidr *c, dns_zone_name_fn fn, void *ctx)
{
	uint8_t wire[DNS_WIRE_MAX], a[16];
	unsigned unit = c->net.family == AF_INET ? 8 : 4;
	unsigned bits = c->net.family == AF_INET ? 32 : 128;
	unsigned p, count;
	int r;

	if (classless(c)) {
		size_t off = 0;
		bool ok = put_classless(wire, &off, c);

		for (int i = 2; i >= 0 && ok; i--)
			ok = put_num(wire, &off, c->net.b[i]);
		r = ok ? finish(wire, off, "in-addr.arpa") : -EINVAL;
		return r < 0 ? r : fn(ctx, wire, c);
	}
	/* Round the prefix up to the label boundary: a /22 is four /24
	 * zones, a /62 four /64 ones (at most 128, or 8 for IPv6). */
	p = (c->prefix + unit - 1) / unit * unit;
	if (p > bits)
		p = bits;
	if (p == 0)
		return -EINVAL;		/* 0.0.0.0/0: no single zone */
	count = 1u << (p - c->prefix);
	memcpy(a, c->net.b, sizeof(a));
	for (unsigned i = 0; i < count; i++) {
		/* Add i into the bits between prefix and p. */
		unsigned byte = (p - 1) / 8, shift = (8 - p % 8) % 8;

		memcpy(a, c->net.b, sizeof(a));
		a[byte] = (uint8_t)(c->net.b[byte] | ((i << shift) & 0xff));
		r = c->net.family == AF_INET ? v4_apex(a, p / 8, wire) :
					       v6_apex(a, p / 4, wire);
		if (r < 0)
			return r;
		r = fn(ctx, wire, c);
		if (r != 0)
			return r;
	}
	return 0;
}
