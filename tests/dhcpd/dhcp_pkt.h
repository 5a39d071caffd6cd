/* What the dhcpd tests share to build a client's packets byte by byte. */
#ifndef RACKNET_TEST_DHCP_PKT_H
#define RACKNET_TEST_DHCP_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

struct pkt {
	uint8_t b[600];
	size_t len;
};

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Append option code with len bytes of data. */
static inline void opt(struct pkt *p, uint8_t code, const void *data,
		       size_t len)
{
	p->b[p->len++] = code;
	p->b[p->len++] = (uint8_t)len;
	memcpy(p->b + p->len, data, len);
	p->len += len;
}

#endif
