/*
 * Unit tests for dhcpd/dhcp_probe.c: the probe's MAC, the probe frame
 * read back field by field (and by dhcp_parse, as a server reads it), and
 * the reading of captured frames: an OFFER as dnsmasq sends it, tagged,
 * without option 54, and every way a frame can be something else. Every
 * truncation of a good frame is read from a heap copy of exactly its
 * length, so ASan sees any read past it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_io.h"
#include "dhcp_pkt.h"
#include "dhcp_probe.h"
#include "test.h"

static const uint8_t ifmac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t srvmac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static struct dhcp_msg msg;

TEST(probe_mac)
{
	static const uint8_t macs[][6] = {
		{ 0x52, 0x54, 0x00, 1, 2, 3 }, { 0x06, 0, 0, 0, 0, 1 },
		{ 0x02, 0, 0, 0, 0, 1 }, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0, 0, 0, 0, 0, 0 }, { 0x01, 0x00, 0x5e, 0, 0, 1 },
	};
	uint8_t a[6], b[6];

	for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++) {
		dhcp_probe_mac(macs[i], a);
		CHECK(memcmp(a, macs[i], 6) != 0);
		CHECK(a[0] & 0x02);			/* local */
		CHECK(!(a[0] & 0x01));			/* unicast */
		CHECK(!memcmp(a + 1, macs[i] + 1, 5));
		dhcp_probe_mac(macs[i], b);		/* stable */
		CHECK(!memcmp(a, b, 6));
	}
}

TEST(probe_frame)
{
	uint8_t mac[6], f[DHCP_PROBE_FRAME_MAX];
	const char *why = NULL;
	size_t len;

	dhcp_probe_mac(ifmac, mac);
	len = dhcp_probe_frame(f, sizeof(f), mac, 0x01020304, 67, 68);
	CHECK_INT(len, 14 + 20 + 8 + 300);
	CHECK(!memcmp(f, "\xff\xff\xff\xff\xff\xff", 6));
	CHECK(!memcmp(f + 6, mac, 6));
	CHECK_INT(f[12] << 8 | f[13], 0x0800);
	CHECK_INT(dhcp_csum(f + 14, 20, 0), 0);		/* IP checksum */
	CHECK(!memcmp(f + 14 + 12, "\0\0\0\0\xff\xff\xff\xff", 8));
	CHECK_INT(f[34] << 8 | f[35], 68);		/* from the client */
	CHECK_INT(f[36] << 8 | f[37], 67);
	CHECK_INT(dhcp_parse(&msg, f + 42, len - 42, &why), 0);
	CHECK_INT(msg.type, DHCP_DISCOVER);
	CHECK_INT(msg.xid, 0x01020304);
	CHECK_INT(msg.flags, DHCP_FLAG_BROADCAST);
	CHECK(!memcmp(msg.chaddr, mac, 6));
	CHECK(dhcp_probe_is(&msg));
	CHECK(msg.opt[DHO_CLIENT_ID].present);
	CHECK(dhcp_requested(&msg, DHO_SERVER_ID));
	CHECK(!msg.opt[DHO_REQUESTED_IP].present);
	/* Too small a buffer: nothing. */
	for (size_t cap = 0; cap < len; cap += 7)
		CHECK_INT(dhcp_probe_frame(f, cap, mac, 1, 67, 68), 0);
	/* A client's DISCOVER is not a probe, nor a near miss. */
	struct pkt p = pkt_request(1, 1, DHCP_DISCOVER);

	opt(&p, DHO_VENDOR_CLASS, "racknet-probe2", 14);
	pkt_end(&p);
	CHECK_INT(dhcp_parse(&msg, p.b, p.len, &why), 0);
	CHECK(!dhcp_probe_is(&msg));
}

struct frame_opts {
	int type;			/* DHCP message type */
	uint8_t op;			/* 2 unless set */
	bool no_server_id;
	bool tagged;
	uint16_t dport;			/* 68 unless set */
	uint16_t frag;			/* IP flags/offset word */
	uint8_t proto;			/* 17 unless set */
	size_t pad;			/* Ethernet padding after the datagram */
};

/* A server's reply as it arrives: Ethernet, IPv4 from 10.0.0.2, UDP
 * 67 -> 68, offering 10.0.0.50 to 52:54:00:00:00:07, xid 77. */
static size_t frame(uint8_t *f, size_t cap, const struct frame_opts *o)
{
	struct pkt p = pkt_request(77, 7, (uint8_t)o->type);
	size_t eth = o->tagged ? 18 : 14, len;

	p.b[0] = o->op ? o->op : DHCP_BOOTREPLY;
	put32(p.b + 16, IP(10, 0, 0, 50));
	if (!o->no_server_id)
		opt32(&p, DHO_SERVER_ID, IP(10, 0, 0, 9));
	pkt_end(&p);
	memset(f, 0xff, 6);
	memcpy(f + 6, srvmac, 6);
	if (o->tagged)
		memcpy(f + 12, "\x81\x00\x00\x2a", 4);
	f[eth - 2] = 0x08;
	f[eth - 1] = 0x00;
	len = dhcp_udp4(f + eth, cap - eth, IP(10, 0, 0, 2), 0xffffffff, 67,
			o->dport ? o->dport : 68, p.b, p.len);
	CHECK(len > 0);
	f[eth + 6] = (uint8_t)(o->frag >> 8);
	f[eth + 7] = (uint8_t)o->frag;
	if (o->proto)
		f[eth + 9] = o->proto;
	memset(f + eth + len, 0, o->pad);
	return eth + len + o->pad;
}

/* Parse exactly len bytes from a heap copy. */
static int heard(const uint8_t *f, size_t len, struct dhcp_heard *h,
		 const char **why)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, f, len);
	r = dhcp_heard_parse(copy, len, 68, &msg, h, why);
	free(copy);
	return r;
}

TEST(heard_offer)
{
	uint8_t f[800];
	struct dhcp_heard h;
	const char *why = NULL;
	size_t len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_OFFER });

	CHECK_INT(heard(f, len, &h, &why), 0);
	CHECK_INT(h.type, DHCP_OFFER);
	CHECK_INT(h.server_id, IP(10, 0, 0, 9));	/* option 54 */
	CHECK_INT(h.src_ip, IP(10, 0, 0, 2));
	CHECK_INT(h.yiaddr, IP(10, 0, 0, 50));
	CHECK_INT(h.xid, 77);
	CHECK(!memcmp(h.src_mac, srvmac, 6));
	CHECK_INT(h.chaddr[5], 7);
	/* Padded by Ethernet, an ACK, a NAK. */
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_ACK, .pad = 18 });
	CHECK_INT(heard(f, len, &h, &why), 0);
	CHECK_INT(h.type, DHCP_ACK);
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_NAK });
	CHECK_INT(heard(f, len, &h, &why), 0);
	/* No option 54: the IP source names the server. */
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_OFFER,
							 .no_server_id = true });
	CHECK_INT(heard(f, len, &h, &why), 0);
	CHECK_INT(h.server_id, IP(10, 0, 0, 2));
}

TEST(heard_refuses)
{
	static const struct {
		struct frame_opts o;
		const char *why;
	} bad[] = {
		{ { .type = DHCP_REQUEST, .op = 1 }, "not a BOOTREPLY" },
		{ { .type = DHCP_DISCOVER }, "not an OFFER, ACK or NAK" },
		{ { .type = DHCP_OFFER, .dport = 67 }, "not to the client port" },
		{ { .type = DHCP_OFFER, .frag = 0x2000 }, "a fragment" },
		{ { .type = DHCP_OFFER, .frag = 0x0010 }, "a fragment" },
		{ { .type = DHCP_OFFER, .proto = 6 }, "not UDP" },
		{ { .type = DHCP_OFFER, .tagged = true },
		  "802.1Q tagged: heard on its VLAN's interface" },
	};
	uint8_t f[800];
	struct dhcp_heard h;
	const char *why;
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = frame(f, sizeof(f), &bad[i].o);
		why = NULL;
		CHECK_INT(heard(f, len, &h, &why), -EBADMSG);
		CHECK_STR(why, bad[i].why);
	}
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_OFFER });
	f[12] = 0x86;					/* IPv6 */
	CHECK_INT(heard(f, len, &h, &why), -EBADMSG);
	CHECK_STR(why, "not an IPv4 frame");
	f[12] = 0x08;
	f[14] = 0x44;					/* IHL 4 */
	CHECK_INT(heard(f, len, &h, &why), -EBADMSG);
	CHECK_STR(why, "bad IPv4 header");
	f[14] = 0x45;
	f[16] = 0xff;					/* longer than the frame */
	CHECK_INT(heard(f, len, &h, &why), -EBADMSG);
	CHECK_STR(why, "bad IPv4 header");
	f[16] = 0x01;
	f[14 + 20 + 4] = 0xff;				/* UDP past the IP */
	CHECK_INT(heard(f, len, &h, &why), -EBADMSG);
	CHECK_STR(why, "bad UDP length");
	/* Every truncation of a good frame is refused, never overread. */
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_OFFER });
	for (size_t n = 0; n < len; n++)
		CHECK(heard(f, n, &h, &why) < 0);
}

/* The filter's instructions, run as the kernel would (the subset
 * dhcp_capture_filter uses): what it keeps of a frame. */
static uint32_t run_filter(const struct sock_filter *code, const uint8_t *f,
			   size_t len, bool vlan_offloaded)
{
	uint32_t a = 0, x = 0;

	for (int pc = 0; pc < DHCP_CAPTURE_FILTER_LEN; pc++) {
		const struct sock_filter *in = &code[pc];
		size_t off = in->k;

		if (in->code == (BPF_LD | BPF_W | BPF_ABS) &&
		    in->k == (uint32_t)(SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT)) {
			a = vlan_offloaded;
			continue;
		}
		switch (in->code) {
		case BPF_LD | BPF_H | BPF_IND:
			off += x;
			/* fall through */
		case BPF_LD | BPF_H | BPF_ABS:
			if (off + 2 > len)
				return 0;
			a = (uint32_t)f[off] << 8 | f[off + 1];
			break;
		case BPF_LD | BPF_B | BPF_ABS:
			if (off + 1 > len)
				return 0;
			a = f[off];
			break;
		case BPF_LDX | BPF_B | BPF_MSH:
			if (off + 1 > len)
				return 0;
			x = (uint32_t)(f[off] & 0xf) * 4;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == in->k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += a & in->k ? in->jt : in->jf;
			break;
		case BPF_RET | BPF_K:
			return in->k;
		default:
			CHECK(!"an instruction run_filter does not know");
			return 0;
		}
	}
	CHECK(!"fell off the end of the filter");
	return 0;
}

TEST(capture_filter)
{
	struct sock_filter code[DHCP_CAPTURE_FILTER_LEN];
	uint8_t f[800];
	size_t len;

	dhcp_capture_filter(code, 68);
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_OFFER });
	CHECK(run_filter(code, f, len, false) >= len);
	/* Tagged, the tag offloaded or in the frame: another interface's. */
	CHECK_INT(run_filter(code, f, len, true), 0);
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_OFFER,
							 .tagged = true });
	CHECK_INT(run_filter(code, f, len, false), 0);
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_OFFER,
							 .dport = 67 });
	CHECK_INT(run_filter(code, f, len, false), 0);
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_OFFER,
							 .frag = 0x2000 });
	CHECK_INT(run_filter(code, f, len, false), 0);
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_OFFER,
							 .proto = 6 });
	CHECK_INT(run_filter(code, f, len, false), 0);
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_OFFER });
	f[12] = 0x86;
	CHECK_INT(run_filter(code, f, len, false), 0);
	/* IP options move the UDP header: the filter follows the IHL. */
	dhcp_capture_filter(code, 1068);
	len = frame(f, sizeof(f), &(struct frame_opts){ .type = DHCP_OFFER,
							 .dport = 1068 });
	CHECK(run_filter(code, f, len, false) >= len);
	memmove(f + 14 + 24, f + 14 + 20, len - 34);
	f[14] = 0x46;
	memset(f + 34, 1, 4);				/* NOPs */
	CHECK(run_filter(code, f, len + 4, false) >= len);
	CHECK_INT(run_filter(code, f, 20, false), 0);		/* short: dropped */
}

int main(void)
{
	RUN(probe_mac);
	RUN(probe_frame);
	RUN(heard_offer);
	RUN(heard_refuses);
	RUN(capture_filter);
	return test_done();
}
