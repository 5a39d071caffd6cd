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

static inline void opt32(struct pkt *p, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	opt(p, code, b, 4);
}

/* A BOOTREQUEST with this xid from 52:54:00:00:00:mac_last, up to its
 * option 53 (type). */
static inline struct pkt pkt_request(uint32_t xid, uint8_t mac_last,
				     uint8_t type)
{
	struct pkt p = { .len = 240 };

	p.b[0] = 1;
	p.b[1] = 1;
	p.b[2] = 6;
	put32(p.b + 4, xid);
	memcpy(p.b + 28, (uint8_t[]){ 0x52, 0x54, 0, 0, 0, mac_last }, 6);
	put32(p.b + 236, 0x63825363);
	opt(&p, 53, &type, 1);
	return p;
}

/* The end option, then zeros up to BOOTP's 300 bytes. */
static inline void pkt_end(struct pkt *p)
{
	p->b[p->len++] = 255;
	if (p->len < 300)
		p->len = 300;
}

#endif
