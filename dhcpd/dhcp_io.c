/* IPv4/UDP and ICMP echo framing for dhcpd's raw sends (see dhcp_io.h). */
#include "dhcp_io.h"

#include <string.h>

#include "wire.h"

#define IP_HDR 20
#define UDP_HDR 8

uint16_t dhcp_csum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (; len > 1; b += 2, len -= 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		sum += (uint32_t)b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t dhcp_udp4(uint8_t *out, size_t cap, uint32_t src, uint32_t dst,
		 uint16_t sport, uint16_t dport, const void *payload,
		 size_t len)
{
	struct wire_wr w;
	size_t total = IP_HDR + UDP_HDR + len;
	uint32_t pseudo;

	if (len > 0xffff - IP_HDR - UDP_HDR)
		return 0;
	wire_wr_init(&w, out, cap);
	wire_wr_u8(&w, 0x45);			/* version 4, 5 words */
	wire_wr_u8(&w, 0x10);			/* DSCP: low delay, as dhcpd */
	wire_wr_u16(&w, (uint16_t)total);
	wire_wr_u16(&w, 0);			/* id */
	wire_wr_u16(&w, 0x4000);		/* don't fragment */
	wire_wr_u8(&w, 64);			/* TTL */
	wire_wr_u8(&w, 17);			/* UDP */
	wire_wr_u16(&w, 0);			/* checksum, below */
	wire_wr_u32(&w, src);
	wire_wr_u32(&w, dst);
	wire_wr_u16(&w, sport);
	wire_wr_u16(&w, dport);
	wire_wr_u16(&w, (uint16_t)(UDP_HDR + len));
	wire_wr_u16(&w, 0);
	wire_wr_bytes(&w, payload, len);
	if (!wire_wr_ok(&w))
		return 0;
	wire_wr_u16_at(&w, 10, dhcp_csum(out, IP_HDR, 0));
	/* UDP checksum over the pseudo-header, the header and the data. */
	pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
		 17 + (uint32_t)(UDP_HDR + len);
	uint16_t c = dhcp_csum(out + IP_HDR, UDP_HDR + len, pseudo);

	wire_wr_u16_at(&w, IP_HDR + 6, c ? c : 0xffff);
	return total;
}

size_t dhcp_icmp_echo(uint8_t *out, size_t cap, uint16_t id, uint16_t seq)
{
	static const char pad[8] = "racknet";
	struct wire_wr w;

	wire_wr_init(&w, out, cap);
	wire_wr_u8(&w, 8);			/* echo request */
	wire_wr_u8(&w, 0);
	wire_wr_u16(&w, 0);
	wire_wr_u16(&w, id);
	wire_wr_u16(&w, seq);
	wire_wr_bytes(&w, pad, sizeof(pad));
	if (!wire_wr_ok(&w))
		return 0;
	wire_wr_u16_at(&w, 2, dhcp_csum(out, w.off, 0));
	return w.off;
}

int dhcp_icmp_reply(const uint8_t *p, size_t len, uint32_t *ret_src,
		    uint16_t *ret_id, uint16_t *ret_seq)
{
	struct wire_rd r;
	uint8_t vihl, type;
	uint32_t src;

	wire_rd_init(&r, p, len);
	vihl = wire_rd_u8(&r);
	if ((vihl >> 4) != 4 || (vihl & 15) < 5)
		return -1;
	wire_rd_seek(&r, 12);
	src = wire_rd_u32(&r);
	wire_rd_seek(&r, (size_t)(vihl & 15) * 4);
	type = wire_rd_u8(&r);
	wire_rd_skip(&r, 3);			/* code, checksum */
	*ret_id = wire_rd_u16(&r);
	*ret_seq = wire_rd_u16(&r);
	if (!wire_rd_ok(&r) || type != 0)
		return -1;
	*ret_src = src;
	return 0;
}
