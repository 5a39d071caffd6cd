/* The probe DISCOVER and captured server replies (see dhcp_probe.h). */
#include "dhcp_probe.h"

#include <errno.h>
#include <string.h>

#include "dhcp_io.h"
#include "wire.h"

#define ETH_HDR 14
#define ETH_P_IPV4 0x0800
#define ETH_P_8021Q 0x8100

void dhcp_probe_mac(const uint8_t ifmac[6], uint8_t out[6])
{
	memcpy(out, ifmac, 6);
	/* Flip bit 2 of the first byte so it never equals ifmac, then make
	 * it locally administered (bit 1) and unicast (bit 0 clear). */
	out[0] = (uint8_t)(((ifmac[0] ^ 0x04) | 0x02) & ~0x01);
}

static const uint8_t prl[] = { DHO_SUBNET_MASK, DHO_ROUTER, DHO_DNS,
			       DHO_LEASE_TIME, DHO_SERVER_ID };

size_t dhcp_probe_frame(uint8_t *out, size_t cap, const uint8_t mac[6],
			uint32_t xid, uint16_t sport, uint16_t cport)
{
	uint8_t msg[DHCP_MIN_LEN];
	struct wire_wr w;
	size_t len;

	wire_wr_init(&w, msg, sizeof(msg));
	wire_wr_u8(&w, DHCP_BOOTREQUEST);
	wire_wr_u8(&w, 1);			/* Ethernet */
	wire_wr_u8(&w, 6);
	wire_wr_u8(&w, 0);			/* hops */
	wire_wr_u32(&w, xid);
	wire_wr_u16(&w, 0);			/* secs */
	wire_wr_u16(&w, DHCP_FLAG_BROADCAST);	/* answers reach us */
	wire_wr_zero(&w, 16);			/* ciaddr .. giaddr */
	wire_wr_bytes(&w, mac, 6);
	wire_wr_zero(&w, 10 + 64 + 128);	/* chaddr rest, sname, file */
	wire_wr_u32(&w, DHCP_COOKIE);
	wire_wr_u8(&w, DHO_MSG_TYPE);
	wire_wr_u8(&w, 1);
	wire_wr_u8(&w, DHCP_DISCOVER);
	wire_wr_u8(&w, DHO_CLIENT_ID);
	wire_wr_u8(&w, 7);
	wire_wr_u8(&w, 1);
	wire_wr_bytes(&w, mac, 6);
	wire_wr_u8(&w, DHO_VENDOR_CLASS);
	wire_wr_u8(&w, sizeof(DHCP_PROBE_VENDOR) - 1);
	wire_wr_bytes(&w, DHCP_PROBE_VENDOR, sizeof(DHCP_PROBE_VENDOR) - 1);
	wire_wr_u8(&w, DHO_PRL);
	wire_wr_u8(&w, sizeof(prl));
	wire_wr_bytes(&w, prl, sizeof(prl));
	wire_wr_u8(&w, DHO_END);
	wire_wr_zero(&w, wire_wr_left(&w));	/* BOOTP minimum size */
	if (!wire_wr_ok(&w) || cap < ETH_HDR)
		return 0;
	memset(out, 0xff, 6);			/* broadcast */
	memcpy(out + 6, mac, 6);
	out[12] = ETH_P_IPV4 >> 8;
	out[13] = ETH_P_IPV4 & 0xff;
	len = dhcp_udp4(out + ETH_HDR, cap - ETH_HDR, 0, 0xffffffff, cport,
			sport, msg, sizeof(msg));
	return len ? ETH_HDR + len : 0;
}

bool dhcp_probe_is(const struct dhcp_msg *m)
{
	const struct dhcp_opt_data *o = &m->opt[DHO_VENDOR_CLASS];

	return o->present && o->len == sizeof(DHCP_PROBE_VENDOR) - 1 &&
	       !memcmp(o->p, DHCP_PROBE_VENDOR, o->len);
}

static int bad(const char **why, const char *text)
{
	if (why)
		*why = text;
	return -EBADMSG;
}

int dhcp_heard_parse(const uint8_t *frame, size_t len, uint16_t cport,
		     struct dhcp_msg *m, struct dhcp_heard *ret,
		     const char **why)
{
	struct wire_rd r, ip, udp;
	uint16_t type, total, frag, ulen;
	uint8_t vhl;
	const uint8_t *payload;
	int rc;

	memset(ret, 0, sizeof(*ret));
	wire_rd_init(&r, frame, len);
	wire_rd_skip(&r, 6);
	wire_rd_bytes(&r, ret->src_mac, 6);
	type = wire_rd_u16(&r);
	/* A tagged frame on an interface belongs to one of its VLANs, not to
	 * it: the kernel hands it over again, untagged, on that VLAN's own
	 * interface, where it is heard. */
	if (type == ETH_P_8021Q || type == 0x88a8)
		return bad(why, "802.1Q tagged: heard on its VLAN's interface");
	if (!wire_rd_ok(&r) || type != ETH_P_IPV4)
		return bad(why, "not an IPv4 frame");
	/* The IPv4 header, then the datagram as its total length says
	 * (Ethernet pads short frames). */
	ip = r;
	vhl = wire_rd_u8(&ip);
	wire_rd_skip(&ip, 1);
	total = wire_rd_u16(&ip);
	if (!wire_rd_ok(&ip) || vhl >> 4 != 4 || (vhl & 0xf) < 5 ||
	    total < (vhl & 0xf) * 4 || total > wire_rd_left(&r))
		return bad(why, "bad IPv4 header");
	ip = wire_rd_sub(&r, total);
	wire_rd_skip(&ip, 6);
	frag = wire_rd_u16(&ip);
	wire_rd_skip(&ip, 1);			/* TTL */
	if (wire_rd_u8(&ip) != 17)
		return bad(why, "not UDP");
	if (frag & 0x3fff)
		return bad(why, "a fragment");
	wire_rd_skip(&ip, 2);			/* checksum */
	ret->src_ip = wire_rd_u32(&ip);
	wire_rd_skip(&ip, 4 + ((size_t)(vhl & 0xf) - 5) * 4);
	/* UDP */
	wire_rd_skip(&ip, 2);
	if (wire_rd_u16(&ip) != cport)
		return bad(why, "not to the client port");
	ulen = wire_rd_u16(&ip);
	wire_rd_skip(&ip, 2);
	if (!wire_rd_ok(&ip) || ulen < 8 || ulen - 8u > wire_rd_left(&ip))
		return bad(why, "bad UDP length");
	udp = wire_rd_sub(&ip, ulen - 8u);
	payload = wire_rd_ptr(&udp, ulen - 8u);
	rc = dhcp_parse_reply(m, payload, ulen - 8u, why);
	if (rc < 0)
		return -EBADMSG;
	if (m->type != DHCP_OFFER && m->type != DHCP_ACK &&
	    m->type != DHCP_NAK)
		return bad(why, "not an OFFER, ACK or NAK");
	ret->type = m->type;
	ret->server_id = m->server_id ? m->server_id : ret->src_ip;
	if (!ret->server_id)
		return bad(why, "no server identifier");
	ret->yiaddr = m->yiaddr;
	ret->xid = m->xid;
	memcpy(ret->chaddr, m->chaddr, 6);
	return 0;
}

void dhcp_capture_filter(struct sock_filter out[DHCP_CAPTURE_FILTER_LEN],
			 uint16_t cport)
{
	/* Offsets in an untagged Ethernet frame. A tagged one is refused
	 * whether the tag is still in the frame (ethertype 0x8100) or was
	 * taken out by VLAN offload (the ancillary "VLAN tag present"): it
	 * belongs to a VLAN of the interface, and is heard on that VLAN's
	 * interface. */
	const struct sock_filter prog[DHCP_CAPTURE_FILTER_LEN] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 (uint32_t)(SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 10),
		/* ethertype IPv4 */
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV4, 0, 8),
		/* protocol UDP */
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 6),
		/* no fragment offset, no more fragments */
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),
		/* X = IP header length; the UDP destination port */
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 14 + 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, cport, 0, 1),
		/* keep the whole frame */
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};

	memcpy(out, prog, sizeof(prog));
}
