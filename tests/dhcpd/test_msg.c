/*
 * Unit tests for dhcpd/dhcp_msg.c. Parsing: real client captures (from
 * fuzz/capture-seeds), every error path by its message, every truncation
 * of the captures, RFC 3396 concatenation and overload, option 81 in both
 * encodings. Building: PRL order, option 82 echoed last, padding, long
 * option splitting, overload and dropping under a size limit, NAK
 * contents, and a seeded parse -> build -> parse loop. The RFC 3397
 * search list encoder against the RFC's own example. Every parse runs
 * over a heap copy of exactly the message's length, so ASan sees any
 * read past it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_msg.h"
#include "test.h"

/*
 * Real packets, as captured by fuzz/capture-seeds: the first 44 bytes
 * (op to chaddr) and the options up to END. sname and file are zero and
 * the rest of each packet is zero padding.
 */
/* dhclient-fqdn-request.bin: 335 bytes */
static const uint8_t dhclient_fqdn_request_hdr[44] = {
	0x01, 0x01, 0x06, 0x00, 0xd6, 0x67, 0x87, 0x66, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xfa, 0x11, 0xd8, 0x25, 0x78, 0xd2, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t dhclient_fqdn_request_opts[] = {
	0x35, 0x01, 0x03, 0x36, 0x04, 0xc0, 0xa8, 0x4d, 0x01, 0x32, 0x04, 0xc0,
	0xa8, 0x4d, 0x3c, 0x51, 0x22, 0x05, 0x00, 0x00, 0x0d, 0x64, 0x68, 0x63,
	0x6c, 0x69, 0x65, 0x6e, 0x74, 0x2d, 0x66, 0x71, 0x64, 0x6e, 0x03, 0x65,
	0x6e, 0x67, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63,
	0x6f, 0x6d, 0x00, 0x37, 0x05, 0x01, 0x03, 0x06, 0x77, 0x2a, 0x39, 0x02,
	0x05, 0xdc, 0x3c, 0x0c, 0x72, 0x61, 0x63, 0x6b, 0x6e, 0x65, 0x74, 0x2d,
	0x74, 0x65, 0x73, 0x74, 0x3d, 0x10, 0x72, 0x61, 0x63, 0x6b, 0x6e, 0x65,
	0x74, 0x2d, 0x64, 0x68, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0xff,
};
/* udhcpc-request.bin: 338 bytes */
static const uint8_t udhcpc_request_hdr[44] = {
	0x01, 0x01, 0x06, 0x00, 0x3c, 0x8f, 0x33, 0x53, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xfa, 0x11, 0xd8, 0x25, 0x78, 0xd2, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t udhcpc_request_opts[] = {
	0x35, 0x01, 0x03, 0x32, 0x04, 0xc0, 0xa8, 0x4d, 0x3c, 0x36, 0x04, 0xc0,
	0xa8, 0x4d, 0x01, 0x39, 0x02, 0x02, 0x40, 0x37, 0x08, 0x01, 0x03, 0x06,
	0x0c, 0x0f, 0x1c, 0x2a, 0x77, 0x0c, 0x0b, 0x75, 0x64, 0x68, 0x63, 0x70,
	0x63, 0x2d, 0x68, 0x6f, 0x73, 0x74, 0x3c, 0x0c, 0x72, 0x61, 0x63, 0x6b,
	0x6e, 0x65, 0x74, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x3d, 0x07, 0x01, 0xfa,
	0x11, 0xd8, 0x25, 0x78, 0xd2, 0x51, 0x1e, 0x01, 0x00, 0x00, 0x75, 0x64,
	0x68, 0x63, 0x70, 0x63, 0x2d, 0x66, 0x71, 0x64, 0x6e, 0x2e, 0x65, 0x6e,
	0x67, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f,
	0x6d, 0xff,
};
/* dhcpcd-discover.bin: 340 bytes */
static const uint8_t dhcpcd_discover_hdr[44] = {
	0x01, 0x01, 0x06, 0x00, 0x94, 0x8f, 0xc1, 0x46, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xfa, 0x11, 0xd8, 0x25, 0x78, 0xd2, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t dhcpcd_discover_opts[] = {
	0x35, 0x01, 0x01, 0x37, 0x0f, 0x01, 0x79, 0x03, 0x06, 0x0c, 0x0f, 0x1a,
	0x1c, 0x21, 0x2a, 0x33, 0x36, 0x3a, 0x3b, 0x77, 0x39, 0x02, 0x05, 0xc0,
	0x3c, 0x36, 0x64, 0x68, 0x63, 0x70, 0x63, 0x64, 0x2d, 0x39, 0x2e, 0x34,
	0x2e, 0x31, 0x3a, 0x4c, 0x69, 0x6e, 0x75, 0x78, 0x2d, 0x36, 0x2e, 0x31,
	0x38, 0x2e, 0x34, 0x34, 0x2d, 0x66, 0x63, 0x2d, 0x76, 0x36, 0x36, 0x39,
	0x3a, 0x78, 0x38, 0x36, 0x5f, 0x36, 0x34, 0x3a, 0x41, 0x75, 0x74, 0x68,
	0x65, 0x6e, 0x74, 0x69, 0x63, 0x41, 0x4d, 0x44, 0x0c, 0x0b, 0x64, 0x68,
	0x63, 0x70, 0x63, 0x64, 0x2d, 0x68, 0x6f, 0x73, 0x74, 0x74, 0x01, 0x01,
	0x91, 0x01, 0x01, 0xff,
};
/* perfdhcp-request-relayed.bin: 292 bytes */
static const uint8_t perfdhcp_relayed_hdr[44] = {
	0x01, 0x01, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0xa8, 0x4d, 0x02, 0x00, 0x0c, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t perfdhcp_relayed_opts[] = {
	0x35, 0x01, 0x03, 0x32, 0x04, 0xc0, 0xa8, 0x4d, 0x5a, 0x36, 0x04, 0xc0,
	0xa8, 0x4d, 0x01, 0x37, 0x07, 0x01, 0x1c, 0x02, 0x03, 0x0f, 0x06, 0x0c,
	0x3d, 0x07, 0x01, 0x00, 0x0c, 0x01, 0x02, 0x03, 0x04, 0x52, 0x10, 0x01,
	0x06, 0x65, 0x74, 0x68, 0x30, 0x2e, 0x31, 0x02, 0x06, 0x0a, 0x0b, 0x0c,
	0x0d, 0x0e, 0x0f, 0xff,
};

struct capture {
	const char *name;
	const uint8_t *hdr;
	const uint8_t *opts;
	size_t optlen;
	size_t len;
};

#define CAPTURE(n, var, len) \
	{ n, var##_hdr, var##_opts, sizeof(var##_opts), len }

static const struct capture captures[] = {
	CAPTURE("dhclient-fqdn-request", dhclient_fqdn_request, 335),
	CAPTURE("udhcpc-request", udhcpc_request, 338),
	CAPTURE("dhcpcd-discover", dhcpcd_discover, 340),
	CAPTURE("perfdhcp-request-relayed", perfdhcp_relayed, 292),
};

enum { CAP_DHCLIENT, CAP_UDHCPC, CAP_DHCPCD, CAP_PERFDHCP, CAP_MAX };

/* A request under construction. */
struct pkt {
	uint8_t b[DHCP_MAX_LEN + 64];
	size_t len;
};

static struct pkt pkt;
static struct dhcp_msg msg, msg2;

static void cap_load(struct pkt *p, int which)
{
	const struct capture *c = &captures[which];

	memset(p->b, 0, sizeof(p->b));
	memcpy(p->b, c->hdr, 44);
	p->b[236] = 0x63;
	p->b[237] = 0x82;
	p->b[238] = 0x53;
	p->b[239] = 0x63;
	memcpy(p->b + 240, c->opts, c->optlen);
	p->len = c->len;
}

/* A BOOTREQUEST header with the cookie; option 53 if type > 0. */
static void pkt_init(struct pkt *p, int type)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	memset(p->b, 0, sizeof(p->b));
	p->b[0] = DHCP_BOOTREQUEST;
	p->b[1] = 1;
	p->b[2] = 6;
	p->b[4] = 0x12, p->b[5] = 0x34, p->b[6] = 0x56, p->b[7] = 0x78;
	memcpy(p->b + 28, mac, sizeof(mac));
	p->b[236] = 0x63;
	p->b[237] = 0x82;
	p->b[238] = 0x53;
	p->b[239] = 0x63;
	p->len = 240;
	if (type > 0) {
		uint8_t t = (uint8_t)type;

		p->b[p->len++] = DHO_MSG_TYPE;
		p->b[p->len++] = 1;
		p->b[p->len++] = t;
	}
}

static void pkt_raw(struct pkt *p, const void *data, size_t len)
{
	if (len)
		memcpy(p->b + p->len, data, len);
	p->len += len;
}

static void pkt_opt(struct pkt *p, uint8_t code, const void *data, size_t len)
{
	p->b[p->len++] = code;
	p->b[p->len++] = (uint8_t)len;
	pkt_raw(p, data, len);
}

static void pkt_str(struct pkt *p, uint8_t code, const char *s)
{
	pkt_opt(p, code, s, strlen(s));
}

static void pkt_end(struct pkt *p)
{
	p->b[p->len++] = DHO_END;
}

/* Parse exactly len bytes from a heap copy. */
static int parse_n(struct dhcp_msg *m, const uint8_t *b, size_t len,
		   const char **why)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, b, len);
	*why = NULL;
	rc = dhcp_parse(m, copy, len, why);
	free(copy);
	return rc;
}

static int parse(struct dhcp_msg *m, const struct pkt *p, const char **why)
{
	return parse_n(m, p->b, p->len, why);
}

/* A built reply, read back with dhcp_parse (op turned into a request). */
static int reparse(struct dhcp_msg *m, const uint8_t *b, int len)
{
	uint8_t copy[DHCP_MAX_LEN];
	const char *why;

	if (len < 1 || len > DHCP_MAX_LEN)
		return -1;
	memcpy(copy, b, (size_t)len);
	if (copy[0] != DHCP_BOOTREPLY)
		return -1;
	copy[0] = DHCP_BOOTREQUEST;
	return parse_n(m, copy, (size_t)len, &why);
}

/* The option codes of a built message's options field, in order. */
static size_t field_codes(const uint8_t *b, size_t len, uint8_t *codes,
			  size_t max)
{
	size_t n = 0, i = 240;

	while (i < len && n < max) {
		if (b[i] == DHO_PAD) {
			i++;
			continue;
		}
		codes[n++] = b[i];
		if (b[i] == DHO_END || len - i < 2)
			break;
		i += 2 + (size_t)b[i + 1];
	}
	return n;
}

static bool opt_is(const struct dhcp_msg *m, uint8_t code, const void *data,
		   size_t len)
{
	const struct dhcp_opt_data *o = &m->opt[code];

	return o->present && o->len == len &&
	       (len == 0 || memcmp(o->p, data, len) == 0);
}

static bool opt_is_str(const struct dhcp_msg *m, uint8_t code, const char *s)
{
	return opt_is(m, code, s, strlen(s));
}

/* ---- Parsing real captures ----------------------------------------- */

TEST(parse_dhclient_fqdn)
{
	static const uint8_t mac[6] = { 0xfa, 0x11, 0xd8, 0x25, 0x78, 0xd2 };
	const uint8_t *id;
	const char *why;
	size_t idlen;

	cap_load(&pkt, CAP_DHCLIENT);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.op, DHCP_BOOTREQUEST);
	CHECK_INT(msg.type, DHCP_REQUEST);
	CHECK_INT(msg.xid, 0xd6678766);
	CHECK_INT(msg.htype, 1);
	CHECK_INT(msg.hlen, 6);
	CHECK(memcmp(msg.chaddr, mac, 6) == 0);
	CHECK_INT(msg.requested_ip, 0xc0a84d3c);
	CHECK_INT(msg.server_id, 0xc0a84d01);
	CHECK_INT(msg.lease_time, 0);
	CHECK_INT(msg.max_size, 1500);
	CHECK_INT(msg.client_arch, 0xffff);
	CHECK_INT(msg.overload, 0);
	/* Option 81 in DNS wire format (flags S|E): the first label. */
	CHECK_INT(msg.fqdn_flags, 0x05);
	CHECK_STR(msg.hostname, "dhclient-fqdn");
	CHECK_STR(msg.sname, "");
	CHECK_STR(msg.file, "");
	id = dhcp_client_id(&msg, &idlen);
	CHECK_INT(idlen, 16);
	CHECK(memcmp(id, "racknet-dhclient", 16) == 0);
	CHECK(dhcp_requested(&msg, DHO_DOMAIN_SEARCH));
	CHECK(dhcp_requested(&msg, DHO_NTP));
	CHECK(!dhcp_requested(&msg, DHO_HOSTNAME));
	CHECK(opt_is_str(&msg, DHO_VENDOR_CLASS, "racknet-test"));
}

TEST(parse_udhcpc)
{
	const uint8_t *id;
	const char *why;
	size_t idlen;

	cap_load(&pkt, CAP_UDHCPC);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.type, DHCP_REQUEST);
	CHECK_INT(msg.max_size, 576);
	CHECK_INT(msg.requested_ip, 0xc0a84d3c);
	/* ASCII option 81 wins over option 12 ("udhcpc-host"). */
	CHECK_INT(msg.fqdn_flags, 0x01);
	CHECK_STR(msg.hostname, "udhcpc-fqdn");
	CHECK(opt_is_str(&msg, DHO_HOSTNAME, "udhcpc-host"));
	id = dhcp_client_id(&msg, &idlen);
	CHECK_INT(idlen, 7);
	CHECK_INT(id[0], 1);
	CHECK(memcmp(id + 1, msg.chaddr, 6) == 0);
}

TEST(parse_dhcpcd)
{
	const uint8_t *id;
	const char *why;
	size_t idlen;

	cap_load(&pkt, CAP_DHCPCD);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.type, DHCP_DISCOVER);
	CHECK_INT(msg.max_size, 1472);
	CHECK_STR(msg.hostname, "dhcpcd-host");
	CHECK_INT(msg.opt[DHO_VENDOR_CLASS].len, 54);
	CHECK(dhcp_requested(&msg, 121));
	CHECK(msg.opt[145].present);
	/* No option 61: the key is chaddr. */
	id = dhcp_client_id(&msg, &idlen);
	CHECK(id == msg.chaddr);
	CHECK_INT(idlen, 6);
}

TEST(parse_perfdhcp_relayed)
{
	static const uint8_t relay[16] = {
		0x01, 0x06, 'e', 't', 'h', '0', '.', '1',
		0x02, 0x06, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
	};
	const char *why;

	cap_load(&pkt, CAP_PERFDHCP);
	CHECK_INT(pkt.len, 292);		/* under 300 is fine */
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.hops, 1);
	CHECK_INT(msg.giaddr, 0xc0a84d02);
	CHECK_INT(msg.requested_ip, 0xc0a84d5a);
	CHECK(opt_is(&msg, DHO_RELAY_INFO, relay, sizeof(relay)));
}

/* Every prefix of every capture fails cleanly or parses. */
TEST(parse_truncated)
{
	for (int c = 0; c < CAP_MAX; c++) {
		size_t end = 240 + captures[c].optlen;
		int ok = 0;

		cap_load(&pkt, c);
		for (size_t n = 0; n <= pkt.len; n++) {
			const char *why;
			int rc = parse_n(&msg, pkt.b, n, &why);

			if (n < 240) {
				CHECK_INT(rc, -EBADMSG);
				CHECK_STR(why, "truncated header");
			} else if (n >= end - 1) {	/* END may go */
				CHECK_INT(rc, 0);
			} else if (rc == -EBADMSG) {
				CHECK_CONTAINS(why, "overruns the options field");
			} else if (rc == -EPROTONOSUPPORT) {
				CHECK_CONTAINS(why, "no message type");
			} else {
				CHECK_INT(rc, 0);
			}
			ok += rc == 0;
		}
		CHECK(ok > (int)(pkt.len - end));
	}
}

/* ---- Parse errors, by message -------------------------------------- */

static void check_fail(const struct pkt *p, int want, const char *why_want)
{
	const char *why;

	CHECK_INT(parse(&msg, p, &why), want);
	CHECK_STR(why, why_want);
}

TEST(parse_header_errors)
{
	const char *why = "untouched";

	CHECK_INT(dhcp_parse(&msg, NULL, 0, &why), -EBADMSG);
	CHECK_STR(why, "truncated header");
	CHECK_INT(dhcp_parse(&msg, NULL, 300, &why), -EBADMSG);
	CHECK_STR(why, "truncated header");

	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_end(&pkt);
	CHECK_INT(parse_n(&msg, pkt.b, 239, &why), -EBADMSG);
	CHECK_STR(why, "truncated header");
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK(why == NULL);			/* untouched on success */
	CHECK_INT(dhcp_parse(&msg, pkt.b, pkt.len, NULL), 0);

	/* The largest message accepted, and one byte more. */
	pkt.len = DHCP_MAX_LEN;		/* PAD (zero) up to the end */
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	pkt.len = DHCP_MAX_LEN + 1;
	check_fail(&pkt, -EBADMSG, "message too long");

	pkt_init(&pkt, DHCP_DISCOVER);
	pkt.b[0] = DHCP_BOOTREPLY;
	check_fail(&pkt, -EBADMSG, "not a BOOTREQUEST");
	pkt.b[0] = 0;
	check_fail(&pkt, -EBADMSG, "not a BOOTREQUEST");

	pkt_init(&pkt, DHCP_DISCOVER);
	pkt.b[2] = 17;
	check_fail(&pkt, -EBADMSG, "bad hardware address length");
	pkt.b[2] = 255;
	check_fail(&pkt, -EBADMSG, "bad hardware address length");
	pkt.b[2] = 16;
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	pkt.b[2] = 0;
	CHECK_INT(parse(&msg, &pkt, &why), 0);

	pkt_init(&pkt, DHCP_DISCOVER);
	pkt.b[239] = 0x64;
	check_fail(&pkt, -EBADMSG, "bad magic cookie");

	/* Plain BOOTP: no option 53, or no options at all. */
	pkt_init(&pkt, 0);
	check_fail(&pkt, -EPROTONOSUPPORT, "no message type (BOOTP)");
	pkt_str(&pkt, DHO_HOSTNAME, "bootp");
	pkt_end(&pkt);
	check_fail(&pkt, -EPROTONOSUPPORT, "no message type (BOOTP)");
}

TEST(parse_option_errors)
{
	static const uint8_t two[2] = { 1, 1 };
	const char *why;

	/* An option whose length runs past the end, and one with no
	 * length byte at all. */
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_raw(&pkt, "\x3d\x0a\x01\x02\x03", 5);
	check_fail(&pkt, -EBADMSG, "option 61 overruns the options field");
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_raw(&pkt, "\x3d", 1);
	check_fail(&pkt, -EBADMSG, "option 61 overruns the options field");
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_raw(&pkt, "\xfe\xff", 2);
	check_fail(&pkt, -EBADMSG, "option 254 overruns the options field");

	/* PAD anywhere, a missing END, anything after END. */
	pkt_init(&pkt, 0);
	pkt_raw(&pkt, "\0\0\x35\x01\x01\0\x0c\x01x", 9);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_STR(msg.hostname, "x");
	pkt_end(&pkt);
	pkt_raw(&pkt, "\x3d\xff\x35", 3);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK(!msg.opt[DHO_CLIENT_ID].present);

	/* Option 53: one byte, 1..8, once. */
	for (int t = 0; t < 256; t++) {
		uint8_t v = (uint8_t)t;

		pkt_init(&pkt, 0);
		pkt_opt(&pkt, DHO_MSG_TYPE, &v, 1);
		if (t >= 1 && t <= 8) {
			CHECK_INT(parse(&msg, &pkt, &why), 0);
			CHECK_INT(msg.type, t);
		} else {
			check_fail(&pkt, -EBADMSG, "bad message type");
		}
	}
	pkt_init(&pkt, 0);
	pkt_opt(&pkt, DHO_MSG_TYPE, two, 2);
	check_fail(&pkt, -EBADMSG, "bad message type");
	pkt_init(&pkt, 0);
	pkt_opt(&pkt, DHO_MSG_TYPE, NULL, 0);
	check_fail(&pkt, -EBADMSG, "bad message type");
	pkt_init(&pkt, DHCP_DISCOVER);		/* twice: concatenated */
	pkt_opt(&pkt, DHO_MSG_TYPE, two, 1);
	check_fail(&pkt, -EBADMSG, "bad message type");
}

/* Fixed-size options of the wrong size read as absent, not as errors. */
TEST(parse_fixed_sizes)
{
	static const uint8_t ip[5] = { 10, 0, 0, 9, 1 };
	static const uint8_t arch[4] = { 0x00, 0x07, 0x00, 0x09 };
	const char *why;

	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_REQUESTED_IP, ip, 3);
	pkt_opt(&pkt, DHO_SERVER_ID, ip, 5);
	pkt_opt(&pkt, DHO_LEASE_TIME, ip, 4);
	pkt_opt(&pkt, DHO_MAX_SIZE, ip, 1);
	pkt_opt(&pkt, DHO_CLIENT_ARCH, arch, 3);
	pkt_opt(&pkt, DHO_VENDOR_CLASS, NULL, 0);
	pkt_end(&pkt);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.requested_ip, 0);
	CHECK(!msg.opt[DHO_REQUESTED_IP].present);
	CHECK(msg.opt[DHO_REQUESTED_IP].p == NULL);
	CHECK_INT(msg.server_id, 0);
	CHECK(!msg.opt[DHO_SERVER_ID].present);
	CHECK_INT(msg.lease_time, 0x0a000009);
	CHECK_INT(msg.max_size, 0);
	CHECK(!msg.opt[DHO_MAX_SIZE].present);
	CHECK_INT(msg.client_arch, 0xffff);
	CHECK(!msg.opt[DHO_CLIENT_ARCH].present);
	/* A legal empty option. */
	CHECK(msg.opt[DHO_VENDOR_CLASS].present);
	CHECK_INT(msg.opt[DHO_VENDOR_CLASS].len, 0);
	CHECK(msg.opt[DHO_VENDOR_CLASS].p != NULL);

	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_REQUESTED_IP, ip, 4);
	pkt_opt(&pkt, DHO_SERVER_ID, ip, 4);
	pkt_opt(&pkt, DHO_MAX_SIZE, "\x02\x3f", 2);	/* 575 */
	pkt_opt(&pkt, DHO_CLIENT_ARCH, arch, 4);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.requested_ip, 0x0a000009);
	CHECK_INT(msg.server_id, 0x0a000009);
	CHECK_INT(msg.max_size, 0);		/* below 576: ignored */
	CHECK(msg.opt[DHO_MAX_SIZE].present);
	CHECK_INT(msg.client_arch, 7);		/* the first entry */

	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_MAX_SIZE, "\x02\x40", 2);
	pkt_opt(&pkt, DHO_CLIENT_ARCH, NULL, 0);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.max_size, 576);
	CHECK_INT(msg.client_arch, 0xffff);
}

/* RFC 3396: every instance of a code, in order, makes one option. */
TEST(parse_concat)
{
	/* RFC 3397 section 3's example, split as the RFC splits it. */
	static const uint8_t search[27] = {
		3, 'e', 'n', 'g', 5, 'a', 'p', 'p', 'l', 'e', 3, 'c', 'o',
		'm', 0, 9, 'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g',
		0xc0, 0x04
	};
	uint8_t big[2550];
	const char *why;

	pkt_init(&pkt, DHCP_INFORM);
	pkt_opt(&pkt, DHO_DOMAIN_SEARCH, search, 9);
	pkt_opt(&pkt, DHO_USER_CLASS, "a", 1);
	pkt_opt(&pkt, DHO_DOMAIN_SEARCH, search + 9, 9);
	pkt_str(&pkt, DHO_HOSTNAME, "web");
	pkt_opt(&pkt, DHO_USER_CLASS, "b", 1);
	pkt_opt(&pkt, DHO_DOMAIN_SEARCH, search + 18, 9);
	pkt_str(&pkt, DHO_HOSTNAME, "-01");
	pkt_end(&pkt);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK(opt_is(&msg, DHO_DOMAIN_SEARCH, search, sizeof(search)));
	CHECK(opt_is_str(&msg, DHO_USER_CLASS, "ab"));
	CHECK_STR(msg.hostname, "web-01");

	/* Ten full instances: 2550 bytes of one option. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	pkt_init(&pkt, DHCP_DISCOVER);
	for (int i = 0; i < 10; i++)
		pkt_opt(&pkt, DHO_CLIENT_ID, big + 255 * i, 255);
	pkt_end(&pkt);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK(opt_is(&msg, DHO_CLIENT_ID, big, sizeof(big)));
}

TEST(parse_overload)
{
	uint8_t v;
	const char *why;
	size_t i;

	/* 1: file holds options; sname is still a name. */
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_opt(&pkt, DHO_OVERLOAD, "\x01", 1);
	pkt_end(&pkt);
	memcpy(pkt.b + 44, "srv-name", 8);
	memcpy(pkt.b + 108, "\x0c\x08" "filehost" "\xff", 11);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.overload, 1);
	CHECK_STR(msg.hostname, "filehost");
	CHECK_STR(msg.file, "");
	CHECK_STR(msg.sname, "srv-name");
	CHECK(opt_is(&msg, DHO_OVERLOAD, "\x01", 1));

	/* 2: sname holds options; file is a name. */
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_opt(&pkt, DHO_OVERLOAD, "\x02", 1);
	memcpy(pkt.b + 44, "\x0c\x05" "sname", 7);	/* no END: fine */
	memcpy(pkt.b + 108, "pxelinux.0", 10);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.overload, 2);
	CHECK_STR(msg.hostname, "sname");
	CHECK_STR(msg.sname, "");
	CHECK_STR(msg.file, "pxelinux.0");

	/* 3: concatenated in RFC 3396 order options, file, sname, though
	 * sname comes first in the packet. */
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_opt(&pkt, DHO_USER_CLASS, "opt,", 4);
	pkt_opt(&pkt, DHO_OVERLOAD, "\x03", 1);
	pkt_end(&pkt);
	memcpy(pkt.b + 44, "\x4d\x05" "sname" "\xff", 8);
	memcpy(pkt.b + 108, "\x4d\x05" "file," "\xff", 8);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.overload, 3);
	CHECK(opt_is_str(&msg, DHO_USER_CLASS, "opt,file,sname"));
	CHECK_STR(msg.sname, "");
	CHECK_STR(msg.file, "");

	/* Overruns name the field. */
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_opt(&pkt, DHO_OVERLOAD, "\x03", 1);
	memcpy(pkt.b + 108 + 120, "\x0c\x07" "abcdef", 8);
	check_fail(&pkt, -EBADMSG, "option 12 overruns the file field");
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_opt(&pkt, DHO_OVERLOAD, "\x03", 1);
	pkt.b[44 + 63] = DHO_VENDOR_CLASS;
	check_fail(&pkt, -EBADMSG, "option 60 overruns the sname field");

	/* A value outside 1..3, a wrong size, or 52 outside the options
	 * field: no overload, the fields are names. */
	for (int val = 0; val < 256; val += 4) {
		v = (uint8_t)val;
		pkt_init(&pkt, DHCP_DISCOVER);
		pkt_opt(&pkt, DHO_OVERLOAD, &v, 1);
		memcpy(pkt.b + 108, "boot.efi", 8);
		CHECK_INT(parse(&msg, &pkt, &why), 0);
		CHECK_INT(msg.overload, 0);
		CHECK(!msg.opt[DHO_OVERLOAD].present);
		CHECK_STR(msg.file, "boot.efi");
	}
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_opt(&pkt, DHO_OVERLOAD, "\x01\x01", 2);
	memcpy(pkt.b + 108, "\x0c\x01x", 3);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.overload, 0);
	CHECK_STR(msg.hostname, "");
	pkt_init(&pkt, DHCP_DISCOVER);
	memcpy(pkt.b + 108, "\x34\x01\x02", 3);	/* 52 in file: a name */
	memcpy(pkt.b + 44, "\x0c\x01x", 3);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.overload, 0);
	CHECK_STR(msg.hostname, "");
	CHECK_STR(msg.file, "4\x01\x02");

	/* Full-width names without a NUL are cut at the field's end. */
	pkt_init(&pkt, DHCP_DISCOVER);
	memset(pkt.b + 44, 's', 64);
	memset(pkt.b + 108, 'f', 128);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(strlen(msg.sname), 64);
	CHECK_INT(strlen(msg.file), 128);
	for (i = 0; i < 64; i++)
		CHECK(msg.sname[i] == 's');
}

TEST(parse_fqdn)
{
	uint8_t name[80];
	const char *why;

	/* E flag: the first label of the wire-format name. */
	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_FQDN, "\x05\0\0\x04Host\x07" "example\x03" "com\0",
		21);
	pkt_str(&pkt, DHO_HOSTNAME, "other");
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(msg.fqdn_flags, 5);
	CHECK_STR(msg.hostname, "host");

	/* E flag with no usable first label: option 12 is used. */
	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_FQDN, "\x04\0\0\0", 4);		/* root */
	pkt_str(&pkt, DHO_HOSTNAME, "other");
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_STR(msg.hostname, "other");
	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_FQDN, "\x04\0\0\xc0\x04", 5);	/* a pointer */
	pkt_str(&pkt, DHO_HOSTNAME, "other");
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_STR(msg.hostname, "other");
	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_FQDN, "\x04\0\0\x0a" "abc", 7);	/* short */
	pkt_str(&pkt, DHO_HOSTNAME, "other");
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_STR(msg.hostname, "other");
	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_FQDN, "\x04\0\0", 3);		/* no name */
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_STR(msg.hostname, "");
	CHECK_INT(msg.fqdn_flags, 4);

	/* ASCII: sanitised, cut at the first dot, 63 characters at most. */
	pkt_init(&pkt, DHCP_REQUEST);
	pkt_str(&pkt, DHO_FQDN, "\x01\xff\xff" "My_Laptop.example.com");
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_STR(msg.hostname, "my-laptop");
	memset(name, 'a', sizeof(name));
	name[0] = name[1] = name[2] = 0;
	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_FQDN, name, sizeof(name));
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(strlen(msg.hostname), 63);

	/* Under three bytes: cleared, option 12 used. */
	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_FQDN, "\x05\0", 2);
	pkt_str(&pkt, DHO_HOSTNAME, "Bad Name!!");
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK(!msg.opt[DHO_FQDN].present);
	CHECK_INT(msg.fqdn_flags, 0);
	CHECK_STR(msg.hostname, "bad-name");

	pkt_init(&pkt, DHCP_REQUEST);
	pkt_str(&pkt, DHO_HOSTNAME, "...");
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_STR(msg.hostname, "");
	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_HOSTNAME, "ab\0cd", 5);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_STR(msg.hostname, "ab");
}

TEST(client_id)
{
	const uint8_t *id;
	const char *why;
	size_t len;

	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_opt(&pkt, DHO_CLIENT_ID, NULL, 0);	/* empty: not a key */
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	id = dhcp_client_id(&msg, &len);
	CHECK(id == msg.chaddr);
	CHECK_INT(len, 6);
	pkt.b[2] = 0;
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	dhcp_client_id(&msg, &len);
	CHECK_INT(len, 0);
	CHECK(!dhcp_requested(&msg, 1));
	CHECK(!dhcp_requested(&msg, 0));
}

TEST(type_names)
{
	CHECK_STR(dhcp_type_name(DHCP_DISCOVER), "DISCOVER");
	CHECK_STR(dhcp_type_name(DHCP_NAK), "NAK");
	CHECK_STR(dhcp_type_name(DHCP_INFORM), "INFORM");
	CHECK_STR(dhcp_type_name(0), "?");
	CHECK_STR(dhcp_type_name(DHCP_TYPE_MAX), "?");
	CHECK_STR(dhcp_type_name(-1), "?");
}

TEST(max_reply)
{
	const char *why;

	pkt_init(&pkt, DHCP_DISCOVER);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(dhcp_max_reply(&msg, 1472), 548);
	CHECK_INT(dhcp_max_reply(&msg, 400), 400);
	pkt_opt(&pkt, DHO_MAX_SIZE, "\x05\xdc", 2);	/* 1500 */
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(dhcp_max_reply(&msg, 4096), 1472);
	CHECK_INT(dhcp_max_reply(&msg, 1000), 1000);
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_opt(&pkt, DHO_MAX_SIZE, "\x02\x40", 2);	/* 576 */
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(dhcp_max_reply(&msg, 4096), 548);
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_opt(&pkt, DHO_MAX_SIZE, "\xff\xff", 2);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	CHECK_INT(dhcp_max_reply(&msg, 65535), 65535 - 28);
}

TEST(reply_add)
{
	static struct dhcp_reply r;
	static const uint8_t x[4];

	memset(&r, 0, sizeof(r));
	CHECK_INT(dhcp_reply_add(&r, 1, false, x, 4), 0);
	CHECK_INT(dhcp_reply_add(&r, 2, true, NULL, 0), 0);
	CHECK_INT(dhcp_reply_add(&r, 3, true, NULL, 1), -EINVAL);
	CHECK_INT(dhcp_reply_add(&r, 3, true, x, 65536), -EINVAL);
	CHECK_INT(r.nopts, 2);
	CHECK_INT(r.opts[0].code, 1);
	CHECK(!r.opts[0].always);
	CHECK(r.opts[0].data == x);
	CHECK_INT(r.opts[1].len, 0);
	while (r.nopts < DHCP_REPLY_MAXOPTS)
		CHECK_INT(dhcp_reply_add(&r, 9, false, x, 1), 0);
	CHECK_INT(dhcp_reply_add(&r, 9, false, x, 1), -ENOSPC);
	CHECK_INT(r.nopts, DHCP_REPLY_MAXOPTS);
}

/* ---- Building ------------------------------------------------------ */

static uint8_t out[DHCP_MAX_LEN + 64];
static struct dhcp_reply reply;

static void reply_init(int type)
{
	memset(&reply, 0, sizeof(reply));
	reply.type = type;
	reply.server_id = 0x0a000001;
}

/* A request from a client with this parameter request list. */
static void req_with_prl(int type, const void *prl, size_t len)
{
	const char *why;

	pkt_init(&pkt, type);
	if (prl)
		pkt_opt(&pkt, DHO_PRL, prl, len);
	pkt_end(&pkt);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
}

static int build(size_t max_len, int *dropped)
{
	memset(out, 0xa5, sizeof(out));
	return dhcp_build(&reply, &msg, out, max_len, dropped);
}

static bool all_are(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

TEST(build_basic)
{
	static const uint8_t prl[] = { 1, 3, 6, 15, 119, 12, 42 };
	static const uint8_t ip[4] = { 10, 0, 0, 1 };
	static const uint8_t mask[4] = { 255, 255, 255, 0 };
	static const uint8_t lease[4] = { 0, 0, 0x0e, 0x10 }, five = 5;
	static const uint8_t want[] = {
		0x35, 1, 5,
		0x36, 4, 10, 0, 0, 1,
		0x01, 4, 255, 255, 255, 0,		/* PRL order */
		0x03, 4, 10, 0, 0, 1,
		0x06, 4, 10, 0, 0, 1,
		0x0f, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
		0x33, 4, 0, 0, 0x0e, 0x10,		/* then "always" */
		0xff
	};
	int dropped = -1, len;
	const char *why;

	pkt_init(&pkt, DHCP_REQUEST);
	pkt.b[3] = 3;				/* hops */
	pkt.b[9] = 7;				/* secs */
	pkt.b[10] = 0x80;			/* broadcast flag */
	pkt.b[24] = 10, pkt.b[25] = 1, pkt.b[27] = 1;	/* giaddr */
	pkt_opt(&pkt, DHO_PRL, prl, sizeof(prl));
	CHECK_INT(parse(&msg, &pkt, &why), 0);

	reply_init(DHCP_ACK);
	reply.yiaddr = 0x0a000005;
	reply.siaddr = 0x0a000001;
	reply.sname = "boot-srv";
	reply.file = "pxelinux.0";
	dhcp_reply_add(&reply, DHO_LEASE_TIME, true, lease, 4);
	dhcp_reply_add(&reply, DHO_DNS, false, ip, 4);
	dhcp_reply_add(&reply, DHO_ROUTER, false, ip, 4);
	dhcp_reply_add(&reply, DHO_TFTP_SERVER, false, "tftp", 4);
	dhcp_reply_add(&reply, DHO_SUBNET_MASK, false, mask, 4);
	dhcp_reply_add(&reply, DHO_MSG_TYPE, true, &five, 1);
	dhcp_reply_add(&reply, DHO_SERVER_ID, true, ip, 4);
	dhcp_reply_add(&reply, DHO_RELAY_INFO, true, "xx", 2);
	dhcp_reply_add(&reply, DHO_DOMAIN, false, "example.com", 11);
	len = build(548, &dropped);
	CHECK_INT(len, DHCP_MIN_LEN);
	CHECK_INT(dropped, 0);
	CHECK(memcmp(out + 240, want, sizeof(want)) == 0);
	CHECK(all_are(out + 240 + sizeof(want), 300 - 240 - sizeof(want), 0));
	CHECK(all_are(out + 300, 548 - 300, 0xa5));

	CHECK_INT(out[0], DHCP_BOOTREPLY);
	CHECK_INT(out[1], 1);
	CHECK_INT(out[2], 6);
	CHECK_INT(out[3], 0);			/* hops */
	CHECK(memcmp(out + 4, "\x12\x34\x56\x78", 4) == 0);
	CHECK(memcmp(out + 8, "\0\0\x80\0", 4) == 0);	/* secs, flags */
	CHECK(memcmp(out + 12, "\0\0\0\0" "\x0a\0\0\x05" "\x0a\0\0\x01"
			       "\x0a\x01\0\x01", 16) == 0);
	CHECK(memcmp(out + 28, pkt.b + 28, 16) == 0);
	CHECK(memcmp(out + 44, "boot-srv", 9) == 0);
	CHECK(all_are(out + 53, 64 - 9, 0));
	CHECK(memcmp(out + 108, "pxelinux.0", 11) == 0);
	CHECK(all_are(out + 119, 128 - 11, 0));
	CHECK(memcmp(out + 236, "\x63\x82\x53\x63", 4) == 0);

	CHECK_INT(reparse(&msg2, out, len), 0);
	CHECK_INT(msg2.type, DHCP_ACK);
	CHECK_INT(msg2.server_id, 0x0a000001);
	CHECK_INT(msg2.lease_time, 3600);
	CHECK_STR(msg2.sname, "boot-srv");
	CHECK_STR(msg2.file, "pxelinux.0");
	CHECK(!msg2.opt[DHO_TFTP_SERVER].present);
	CHECK(!msg2.opt[DHO_RELAY_INFO].present);

	/* No server_id: no option 54. */
	reply.server_id = 0;
	len = build(548, NULL);
	CHECK_INT(len, DHCP_MIN_LEN);
	CHECK_INT(out[243], DHO_SUBNET_MASK);
}

TEST(build_relay_last)
{
	static const uint8_t ip[4] = { 10, 0, 0, 1 };
	static uint8_t big[250];
	uint8_t codes[32];
	const struct dhcp_opt_data *relay;
	const char *why;
	size_t n;
	int len;

	cap_load(&pkt, CAP_PERFDHCP);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	relay = &msg.opt[DHO_RELAY_INFO];
	reply_init(DHCP_OFFER);
	reply.yiaddr = 0xc0a84d5a;
	dhcp_reply_add(&reply, DHO_LEASE_TIME, true, "\0\0\x0e\x10", 4);
	dhcp_reply_add(&reply, DHO_ROUTER, false, ip, 4);
	dhcp_reply_add(&reply, DHO_SUBNET_MASK, false, ip, 4);
	len = build(548, NULL);
	CHECK_INT(len, 300);
	n = field_codes(out, (size_t)len, codes, sizeof(codes));
	CHECK_INT(n, 7);
	CHECK(memcmp(codes, "\x35\x36\x01\x03\x33\x52\xff", 7) == 0);
	CHECK(memcmp(out + 240 + 3 + 6 + 6 + 6 + 6, "\x52\x10", 2) == 0);
	CHECK(memcmp(out + 240 + 29, relay->p, 16) == 0);
	CHECK_INT(out[240 + 45], DHO_END);

	/* Still last, after option 52, when the reply overflows. */
	dhcp_reply_add(&reply, DHO_VENDOR_OPTS, true, big, sizeof(big));
	dhcp_reply_add(&reply, 125, true, big, 100);
	len = build(548, NULL);
	CHECK(len > 0);
	n = field_codes(out, (size_t)len, codes, sizeof(codes));
	CHECK(n >= 3);
	CHECK_INT(codes[n - 3], DHO_OVERLOAD);
	CHECK_INT(codes[n - 2], DHO_RELAY_INFO);
	CHECK_INT(codes[n - 1], DHO_END);
	CHECK_INT(reparse(&msg2, out, len), 0);
	CHECK(opt_is(&msg2, DHO_RELAY_INFO, relay->p, relay->len));
	CHECK(opt_is(&msg2, 125, big, 100));
}

TEST(build_padding)
{
	static uint8_t vendor[100];
	int len;

	req_with_prl(DHCP_DISCOVER, NULL, 0);
	reply_init(DHCP_OFFER);
	reply.server_id = 0;
	len = build(300, NULL);
	CHECK_INT(len, 300);
	CHECK(memcmp(out + 240, "\x35\x01\x02\xff", 4) == 0);
	CHECK(all_are(out + 244, 300 - 244, 0));
	CHECK_INT(out[300], 0xa5);
	CHECK_INT(build(299, NULL), -EMSGSIZE);
	CHECK_INT(build(0, NULL), -EMSGSIZE);

	/* Past 300 bytes the message ends with END, unpadded. */
	dhcp_reply_add(&reply, DHO_VENDOR_OPTS, true, vendor, sizeof(vendor));
	len = build(548, NULL);
	CHECK_INT(len, 240 + 3 + 102 + 1);
	CHECK_INT(out[len - 1], DHO_END);
	CHECK_INT(out[len], 0xa5);
}

TEST(build_long_option)
{
	static uint8_t big[600];
	uint8_t codes[16];
	int len;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13 + 1);
	req_with_prl(DHCP_REQUEST, NULL, 0);
	reply_init(DHCP_ACK);
	dhcp_reply_add(&reply, DHO_VENDOR_OPTS, true, big, 600);
	len = build(1500, NULL);
	CHECK_INT(len, 240 + 3 + 6 + 600 + 6 + 1);
	CHECK_INT(field_codes(out, (size_t)len, codes, sizeof(codes)), 6);
	CHECK(memcmp(codes, "\x35\x36\x2b\x2b\x2b\xff", 6) == 0);
	CHECK_INT(out[249 + 1], 255);
	CHECK_INT(out[249 + 257 + 1], 255);
	CHECK_INT(out[249 + 514 + 1], 90);
	CHECK(memcmp(out + 249 + 514 + 2, big + 510, 90) == 0);
	CHECK_INT(reparse(&msg2, out, len), 0);
	CHECK(opt_is(&msg2, DHO_VENDOR_OPTS, big, 600));

	/* 255 bytes: one instance; 256: two; 0: one empty one. */
	reply.opts[0].len = 255;
	len = build(1500, NULL);
	CHECK_INT(field_codes(out, (size_t)len, codes, sizeof(codes)), 4);
	reply.opts[0].len = 256;
	len = build(1500, NULL);
	CHECK_INT(field_codes(out, (size_t)len, codes, sizeof(codes)), 5);
	CHECK_INT(out[249 + 257 + 1], 1);
	reply.opts[0].len = 0;
	reply.opts[0].data = NULL;
	len = build(1500, NULL);
	CHECK(memcmp(out + 249, "\x2b\x00\xff", 3) == 0);
	CHECK_INT(reparse(&msg2, out, len), 0);
	CHECK(opt_is(&msg2, DHO_VENDOR_OPTS, NULL, 0));
}

/* 548 bytes (no option 57) leave 298 after 53, 54 and END. */
TEST(build_overload)
{
	static const uint8_t prl[] = { 1, 3, 6 };
	static uint8_t a[250], b[100], c[60];
	uint8_t codes[16];
	int len, dropped = -1;
	const char *why;

	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	memset(c, 'c', sizeof(c));
	req_with_prl(DHCP_DISCOVER, prl, sizeof(prl));
	CHECK_INT(dhcp_max_reply(&msg, 1500), 548);

	/* Both fields: 43 in the options, 125 in file, 224 in sname. */
	reply_init(DHCP_OFFER);
	dhcp_reply_add(&reply, DHO_VENDOR_OPTS, true, a, sizeof(a));
	dhcp_reply_add(&reply, 125, true, b, sizeof(b));
	dhcp_reply_add(&reply, 224, true, c, sizeof(c));
	len = build(548, &dropped);
	CHECK_INT(dropped, 0);
	CHECK_INT(len, 240 + 3 + 6 + 252 + 3 + 1);
	CHECK_INT(field_codes(out, (size_t)len, codes, sizeof(codes)), 5);
	CHECK(memcmp(codes, "\x35\x36\x2b\x34\xff", 5) == 0);
	CHECK(memcmp(out + 240 + 261, "\x34\x01\x03", 3) == 0);
	CHECK(memcmp(out + 108, "\x7d\x64", 2) == 0);
	CHECK_INT(out[108 + 102], DHO_END);
	CHECK(memcmp(out + 44, "\xe0\x3c", 2) == 0);
	CHECK_INT(out[44 + 62], DHO_END);
	CHECK_INT(reparse(&msg2, out, len), 0);
	CHECK_INT(msg2.overload, 3);
	CHECK(opt_is(&msg2, DHO_VENDOR_OPTS, a, sizeof(a)));
	CHECK(opt_is(&msg2, 125, b, sizeof(b)));
	CHECK(opt_is(&msg2, 224, c, sizeof(c)));

	/* The file field is enough: sname stays empty. */
	reply.nopts = 2;
	len = build(548, &dropped);
	CHECK_INT(dropped, 0);
	CHECK(memcmp(out + 240 + 261, "\x34\x01\x01", 3) == 0);
	CHECK(all_are(out + 44, 64, 0));
	CHECK_INT(reparse(&msg2, out, len), 0);
	CHECK_INT(msg2.overload, 1);
	CHECK(opt_is(&msg2, 125, b, sizeof(b)));

	/* A boot file takes the file field: sname overflows instead. */
	reply_init(DHCP_OFFER);
	reply.file = "pxelinux.0";
	dhcp_reply_add(&reply, DHO_VENDOR_OPTS, true, a, sizeof(a));
	dhcp_reply_add(&reply, 224, true, c, sizeof(c));
	len = build(548, &dropped);
	CHECK_INT(dropped, 0);
	CHECK_INT(reparse(&msg2, out, len), 0);
	CHECK_INT(msg2.overload, 2);
	CHECK_STR(msg2.file, "pxelinux.0");
	CHECK(opt_is(&msg2, 224, c, sizeof(c)));

	/* Room for everything with the client's 1500: no overload. */
	pkt_init(&pkt, DHCP_DISCOVER);
	pkt_opt(&pkt, DHO_PRL, prl, sizeof(prl));
	pkt_opt(&pkt, DHO_MAX_SIZE, "\x05\xdc", 2);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	reply.file = NULL;
	dhcp_reply_add(&reply, 125, true, b, sizeof(b));
	len = build(dhcp_max_reply(&msg, 1472), &dropped);
	CHECK_INT(dropped, 0);
	CHECK_INT(reparse(&msg2, out, len), 0);
	CHECK_INT(msg2.overload, 0);
	CHECK(msg2.opt[224].present && msg2.opt[125].present);
}

TEST(build_dropping)
{
	static const uint8_t prl[] = { 1, 3, 6, 119 };
	static const uint8_t ip[4] = { 10, 0, 0, 1 };
	static uint8_t a[250], b[200], relay[200];
	int len, dropped = -1;
	const char *why;

	req_with_prl(DHCP_REQUEST, prl, sizeof(prl));
	/* sname and file in use: nowhere to overflow. */
	reply_init(DHCP_ACK);
	reply.sname = "srv";
	reply.file = "boot.efi";
	dhcp_reply_add(&reply, DHO_SUBNET_MASK, false, ip, 4);
	dhcp_reply_add(&reply, DHO_VENDOR_OPTS, true, a, 250);
	dhcp_reply_add(&reply, 125, true, b, 100);
	dhcp_reply_add(&reply, 224, true, b, 10);
	dhcp_reply_add(&reply, DHO_ROUTER, false, ip, 4);
	dhcp_reply_add(&reply, DHO_DNS, false, ip, 4);
	/* 298 - 18 (1, 3, 6) - 252 (43) leaves 28: 125 is dropped, the
	 * smaller 224 after it still goes in. */
	len = build(548, &dropped);
	CHECK_INT(dropped, 1);
	CHECK_INT(len, 548 - 16);
	CHECK_INT(reparse(&msg2, out, len), 0);
	CHECK_INT(msg2.overload, 0);
	CHECK(!msg2.opt[125].present);
	CHECK(msg2.opt[224].present);
	CHECK(msg2.opt[DHO_VENDOR_OPTS].present);
	CHECK(msg2.opt[DHO_DNS].present);
	CHECK_STR(msg2.file, "boot.efi");
	CHECK(all_are(out + len, sizeof(out) - (size_t)len, 0xa5));

	/* What the client asked for goes before what is sent always, even
	 * when added later. */
	reply_init(DHCP_ACK);
	reply.sname = "srv";
	reply.file = "boot.efi";
	dhcp_reply_add(&reply, 224, true, b, 200);
	dhcp_reply_add(&reply, 225, true, b, 200);
	dhcp_reply_add(&reply, DHO_DOMAIN_SEARCH, false, b, 200);
	dropped = -1;
	len = build(548, &dropped);
	CHECK_INT(dropped, 2);
	CHECK_INT(reparse(&msg2, out, len), 0);
	CHECK(msg2.opt[DHO_DOMAIN_SEARCH].present);
	CHECK(!msg2.opt[224].present && !msg2.opt[225].present);
	dropped = -1;
	len = build(1000, &dropped);
	CHECK_INT(dropped, 0);

	/* Too small for 53, 54, 82 and END: an error, nothing dropped. */
	pkt_init(&pkt, DHCP_REQUEST);
	pkt_opt(&pkt, DHO_RELAY_INFO, relay, sizeof(relay));
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	reply_init(DHCP_ACK);
	dhcp_reply_add(&reply, DHO_SUBNET_MASK, true, ip, 4);
	dropped = 77;
	CHECK_INT(build(451, &dropped), -EMSGSIZE);
	CHECK_INT(dropped, 77);
	CHECK_INT(build(452, &dropped), 452);
	CHECK_INT(dropped, 1);
	CHECK_INT(out[451], DHO_END);
	CHECK_INT(out[452], 0xa5);
}

TEST(build_nak)
{
	static const uint8_t ip[4] = { 10, 0, 0, 1 };
	uint8_t codes[16];
	const char *why;
	size_t n;
	int len;

	cap_load(&pkt, CAP_PERFDHCP);
	CHECK_INT(parse(&msg, &pkt, &why), 0);
	reply_init(DHCP_NAK);
	reply.yiaddr = 1;
	reply.ciaddr = 2;
	reply.siaddr = 3;
	reply.sname = "srv";
	reply.file = "boot";
	dhcp_reply_add(&reply, DHO_SUBNET_MASK, true, ip, 4);
	dhcp_reply_add(&reply, DHO_ROUTER, false, ip, 4);
	dhcp_reply_add(&reply, DHO_MESSAGE, false, "no lease", 8);
	dhcp_reply_add(&reply, DHO_LEASE_TIME, true, ip, 4);
	len = build(548, NULL);
	CHECK_INT(len, 300);
	CHECK(all_are(out + 12, 12, 0));		/* ciaddr..siaddr */
	CHECK(all_are(out + 44, 192, 0));		/* sname, file */
	n = field_codes(out, (size_t)len, codes, sizeof(codes));
	CHECK_INT(n, 5);
	CHECK(memcmp(codes, "\x35\x36\x38\x52\xff", 5) == 0);
	CHECK_INT(out[242], DHCP_NAK);
	CHECK_INT(reparse(&msg2, out, len), 0);
	CHECK(opt_is_str(&msg2, DHO_MESSAGE, "no lease"));

	reply.nopts = 2;			/* no message */
	len = build(548, NULL);
	n = field_codes(out, (size_t)len, codes, sizeof(codes));
	CHECK_INT(n, 4);
	CHECK(memcmp(codes, "\x35\x36\x52\xff", 4) == 0);
}

TEST(build_no_duplicates)
{
	static const uint8_t prl[] = { 3, 3, 1, 53, 54, 82, 52, 0, 255 };
	static const uint8_t ip[4] = { 10, 0, 0, 1 };
	uint8_t codes[16];
	int len;

	req_with_prl(DHCP_REQUEST, prl, sizeof(prl));
	reply_init(DHCP_ACK);
	dhcp_reply_add(&reply, DHO_ROUTER, false, "AAAA", 4);
	dhcp_reply_add(&reply, DHO_ROUTER, true, "BBBB", 4);
	dhcp_reply_add(&reply, DHO_SUBNET_MASK, false, ip, 4);
	dhcp_reply_add(&reply, DHO_PAD, true, ip, 4);
	dhcp_reply_add(&reply, DHO_END, true, ip, 4);
	dhcp_reply_add(&reply, DHO_OVERLOAD, true, "\x03", 1);
	dhcp_reply_add(&reply, DHO_MSG_TYPE, true, "\x02", 1);
	dhcp_reply_add(&reply, DHO_SERVER_ID, true, ip, 4);
	dhcp_reply_add(&reply, DHO_RELAY_INFO, true, ip, 4);
	len = build(548, NULL);
	CHECK_INT(field_codes(out, (size_t)len, codes, sizeof(codes)), 5);
	CHECK(memcmp(codes, "\x35\x36\x03\x01\xff", 5) == 0);
	CHECK(memcmp(out + 240 + 9, "\x03\x04" "AAAA", 6) == 0);
}

TEST(build_errors)
{
	static const char s63[] = "sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss";
	char f128[129];
	int dropped = 77;

	req_with_prl(DHCP_REQUEST, NULL, 0);
	reply_init(0);
	CHECK_INT(build(548, &dropped), -EINVAL);
	reply_init(DHCP_TYPE_MAX);
	CHECK_INT(build(548, &dropped), -EINVAL);
	CHECK_INT(dropped, 77);

	reply_init(DHCP_ACK);
	CHECK_INT(strlen(s63), 63);
	reply.sname = s63;
	CHECK_INT(build(548, NULL), 300);
	CHECK(memcmp(out + 44, s63, 63) == 0 && out[107] == 0);
	reply.sname = "ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss";
	CHECK_INT(build(548, NULL), -EINVAL);
	reply.sname = NULL;
	memset(f128, 'f', sizeof(f128));
	f128[128] = '\0';
	reply.file = f128;
	CHECK_INT(build(548, NULL), -EINVAL);
	f128[127] = '\0';
	CHECK_INT(build(548, NULL), 300);
	CHECK_INT(out[235], 0);

	/* Data missing under a length; a count past the array. */
	reply_init(DHCP_ACK);
	reply.nopts = 1;
	reply.opts[0] = (struct dhcp_reply_opt){ .code = 1, .always = true,
						 .len = 4, .data = NULL };
	CHECK_INT(build(548, NULL), -EINVAL);
	reply_init(DHCP_ACK);
	reply.nopts = 1000;
	CHECK_INT(build(548, NULL), 300);
}

/* Seeded random replies: parse -> build -> parse must agree. */
static uint32_t rnd_state = 2131;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* An option's size on the wire, in 255-byte instances. */
static size_t wire_len(size_t n)
{
	return n == 0 ? 2 : n + 2 * ((n + 254) / 255);
}

/* Options dhcp_parse() clears when their size is wrong. */
static bool decoded(unsigned code)
{
	return code == DHO_REQUESTED_IP || code == DHO_LEASE_TIME ||
	       code == DHO_MAX_SIZE || code == DHO_FQDN ||
	       code == DHO_CLIENT_ARCH;
}

static bool reserved(unsigned code)
{
	return code == 0 || code == 52 || code == 53 || code == 54 ||
	       code == 82 || code == 255;
}

TEST(build_roundtrip)
{
	static uint8_t data[DHCP_REPLY_MAXOPTS][400], relay[300];
	int runs = 0, fails = 0;

	for (int it = 0; it < 3000; it++) {
		uint8_t prl[40];
		size_t nprl = rnd() % sizeof(prl), relay_len = 0;
		size_t max_len = 300 + rnd() % 1300, need;
		bool sel[256] = { false };
		int nsel = 0, present = 0, dropped = -1, len;
		int types[3] = { DHCP_OFFER, DHCP_ACK, DHCP_NAK };
		const char *why;

		pkt_init(&pkt, DHCP_REQUEST);
		for (size_t k = 0; k < nprl; k++)
			prl[k] = (uint8_t)(rnd() % 90);
		pkt_opt(&pkt, DHO_PRL, prl, nprl);
		if (rnd() % 3 == 0) {
			relay_len = rnd() % sizeof(relay);
			for (size_t k = 0; k < relay_len; k++)
				relay[k] = (uint8_t)rnd();
			/* Over 255: two instances, echoed as one option. */
			pkt_opt(&pkt, DHO_RELAY_INFO, relay,
				relay_len < 255 ? relay_len : 255);
			if (relay_len > 255)
				pkt_opt(&pkt, DHO_RELAY_INFO, relay + 255,
					relay_len - 255);
		}
		if (parse(&msg, &pkt, &why) != 0) {
			CHECK(0);
			continue;
		}
		reply_init(types[rnd() % 3]);
		reply.yiaddr = rnd();
		if (rnd() % 4 == 0)
			reply.server_id = 0;
		reply.sname = rnd() % 2 ? "srv" : NULL;
		reply.file = rnd() % 2 ? "boot" : NULL;
		for (int k = rnd() % 20; k > 0; k--) {
			size_t i = reply.nopts, n = rnd() % 8 == 0 ?
				rnd() % 400 : rnd() % 20;
			unsigned code;

			for (size_t j = 0; j < n; j++)
				data[i][j] = (uint8_t)rnd();
			code = rnd() % 90;
			if (decoded(code))	/* the reparse checks sizes */
				code += 100;
			dhcp_reply_add(&reply, (uint8_t)code, rnd() % 2,
				       data[i], n);
		}
		len = build(max_len, &dropped);
		need = 240 + 3 + (reply.server_id ? 6 : 0) + 1 +
		       (msg.opt[DHO_RELAY_INFO].present ? wire_len(relay_len)
							: 0);
		if (len < 0) {
			CHECK_INT(len, -EMSGSIZE);
			CHECK(need > max_len);
			fails++;
			continue;
		}
		runs++;
		CHECK(need <= max_len);
		CHECK(len >= DHCP_MIN_LEN && (size_t)len <= max_len);
		CHECK(all_are(out + len, sizeof(out) - (size_t)len, 0xa5));
		if (reparse(&msg2, out, len) != 0) {
			CHECK(0);
			continue;
		}
		CHECK_INT(msg2.type, reply.type);
		CHECK_INT(msg2.server_id, reply.server_id);
		CHECK_INT(msg2.xid, msg.xid);
		if (reply.type == DHCP_NAK)
			CHECK(all_are(out + 12, 12, 0) &&
			      all_are(out + 44, 192, 0));
		CHECK(opt_is(&msg2, DHO_RELAY_INFO, relay, relay_len) ==
		      msg.opt[DHO_RELAY_INFO].present);

		/* What should have been chosen, worked out independently. */
		for (size_t k = 0; k < reply.nopts; k++) {
			unsigned code = reply.opts[k].code;

			if (reserved(code) || sel[code])
				continue;
			if (reply.type == DHCP_NAK ? code == DHO_MESSAGE :
			    reply.opts[k].always ||
			    dhcp_requested(&msg, (uint8_t)code)) {
				sel[code] = true;
				nsel++;
				present += msg2.opt[code].present;
				if (msg2.opt[code].present)
					CHECK(opt_is(&msg2, (uint8_t)code,
						     reply.opts[k].data,
						     reply.opts[k].len));
			}
		}
		CHECK_INT(present, nsel - dropped);
		for (unsigned code = 0; code < 256; code++)
			if (!sel[code] && !reserved(code))
				CHECK(!msg2.opt[code].present);
	}
	CHECK(runs > 2000);
	CHECK(fails > 0);
}

/* ---- Option 119 ----------------------------------------------------- */

/*
 * Decode a search list (RFC 1035 names with pointers into the data) into
 * "a.b,c.d": an independent reader to check the encoder against.
 */
static bool search_decode(const uint8_t *p, size_t len, char *txt,
			  size_t size)
{
	size_t pos = 0, o = 0;

	while (pos < len) {
		size_t at = pos, hops = 0;
		bool jumped = false;

		for (;;) {
			if (at >= len)
				return false;
			if ((p[at] & 0xc0) == 0xc0) {
				if (len - at < 2 || ++hops > 64)
					return false;
				if (!jumped)
					pos = at + 2;
				jumped = true;
				at = (size_t)(p[at] & 0x3f) << 8 | p[at + 1];
				continue;
			}
			if (p[at] == 0) {
				if (!jumped)
					pos = at + 1;
				break;
			}
			if (len - at - 1 < p[at] || size - o < p[at] + 2u)
				return false;
			memcpy(txt + o, p + at + 1, p[at]);
			o += p[at];
			txt[o++] = '.';
			at += 1 + (size_t)p[at];
		}
		if (o > 0 && txt[o - 1] == '.')
			o--;
		txt[o++] = ',';
	}
	if (o > 0)
		o--;
	txt[o] = '\0';
	return true;
}

TEST(search_rfc3397)
{
	static const uint8_t want[27] = {
		3, 'e', 'n', 'g', 5, 'a', 'p', 'p', 'l', 'e', 3, 'c', 'o',
		'm', 0, 9, 'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g',
		0xc0, 0x04
	};
	const char *names[2] = { "eng.apple.com", "marketing.apple.com" };
	const char *dotted[2] = { "eng.apple.com.", "marketing.apple.com." };
	uint8_t buf[64];

	memset(buf, 0xa5, sizeof(buf));
	CHECK_INT(dhcp_encode_search(buf, sizeof(buf), names, 2), 27);
	CHECK(memcmp(buf, want, sizeof(want)) == 0);
	CHECK_INT(buf[27], 0xa5);
	CHECK_INT(dhcp_encode_search(buf, sizeof(buf), dotted, 2), 27);
	CHECK(memcmp(buf, want, sizeof(want)) == 0);
	/* Exactly the size, and one byte short. */
	CHECK_INT(dhcp_encode_search(buf, 27, names, 2), 27);
	memset(buf, 0xa5, sizeof(buf));
	CHECK_INT(dhcp_encode_search(buf, 26, names, 2), -EMSGSIZE);
	CHECK_INT(buf[26], 0xa5);
}

static void check_search(const char *const *names, size_t n, const void *want,
			 size_t want_len, const char *text)
{
	uint8_t buf[128];
	char txt[512];
	int len = dhcp_encode_search(buf, sizeof(buf), names, n);

	CHECK_INT(len, want_len);
	if (len != (int)want_len)
		return;
	CHECK(memcmp(buf, want, want_len) == 0);
	CHECK(search_decode(buf, want_len, txt, sizeof(txt)));
	CHECK_STR(txt, text);
}

TEST(search_compression)
{
	const char *one[] = { "example.com" };
	const char *sub[] = { "a.example.com", "b.example.com", "example.com" };
	const char *dup[] = { "x.org", "x.org" };
	const char *deeper[] = { "example.com", "eng.example.com" };
	const char *partial[] = { "ample.com", "example.com" };
	const char *cased[] = { "Example.com", "example.com" };
	const char *chain[] = { "a.example.com", "b.example.com",
				"x.b.example.com", "c.org" };

	check_search(one, 1, "\x07" "example\x03" "com\0", 13, "example.com");
	check_search(sub, 3,
		     "\x01" "a\x07" "example\x03" "com\0"
		     "\x01" "b\xc0\x02" "\xc0\x02", 21,
		     "a.example.com,b.example.com,example.com");
	check_search(dup, 2, "\x01x\x03org\0\xc0\x00", 9, "x.org,x.org");
	check_search(deeper, 2,
		     "\x07" "example\x03" "com\0" "\x03" "eng\xc0\x00", 19,
		     "example.com,eng.example.com");
	/* A label is matched whole: "ample" is not a suffix of "example". */
	check_search(partial, 2,
		     "\x05" "ample\x03" "com\0" "\x07" "example\xc0\x06", 21,
		     "ample.com,example.com");
	/* A match that runs through an earlier pointer. */
	check_search(chain, 4,
		     "\x01" "a\x07" "example\x03" "com\0"
		     "\x01" "b\xc0\x02" "\x01" "x\xc0\x0f" "\x01" "c\x03" "org\0",
		     30, "a.example.com,b.example.com,x.b.example.com,c.org");
	/* Bytes compared as they are: no case folding. */
	check_search(cased, 2,
		     "\x07" "Example\x03" "com\0" "\x07" "example\xc0\x08", 23,
		     "Example.com,example.com");
}

TEST(search_errors)
{
	const char *bad[][1] = {
		{ "" }, { "." }, { "a..b" }, { NULL }, { "-bad.com" },
		{ "under_score.com" }, { "a b.com" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com" },
	};
	const char *ok[] = { "ok.com" };
	uint8_t buf[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(dhcp_encode_search(buf, sizeof(buf), bad[i], 1),
			  -EINVAL);
	CHECK_INT(dhcp_encode_search(buf, sizeof(buf), ok, 0), 0);
	CHECK_INT(dhcp_encode_search(buf, 0, ok, 1), -EMSGSIZE);
	CHECK_INT(dhcp_encode_search(NULL, 0, ok, 0), 0);
}

/* Past 16 KiB of data no pointer can reach: names there are written out
 * in full, and earlier ones are still pointed at. */
TEST(search_large)
{
	static char names[80][260];
	static const char *list[81];
	static uint8_t buf[32768];
	static char txt[32768], want[32768];
	size_t o = 0;
	int len;

	for (int i = 0; i < 80; i++) {
		char *s = names[i];

		/* 4 labels of 60: 243 characters, no shared suffix. */
		for (int l = 0; l < 4; l++) {
			memset(s + l * 61, 'a' + (i + l) % 26, 60);
			s[l * 61] = (char)('a' + i % 26);
			s[l * 61 + 1] = (char)('a' + i / 26);
			s[l * 61 + 60] = '.';
		}
		s[4 * 61 - 1] = '\0';
		list[i] = s;
	}
	list[80] = names[79];		/* starts past 0x4000 */
	len = dhcp_encode_search(buf, sizeof(buf), list, 81);
	CHECK(len > 0x4000 + 2 * 245);
	CHECK(search_decode(buf, (size_t)len, txt, sizeof(txt)));
	for (int i = 0; i < 81; i++) {
		size_t n = strlen(list[i]);

		memcpy(want + o, list[i], n);
		o += n;
		want[o++] = ',';
	}
	want[o - 1] = '\0';
	CHECK_STR(txt, want);

	list[1] = names[0];		/* a copy early on: one pointer */
	len = dhcp_encode_search(buf, sizeof(buf), list, 2);
	CHECK_INT(len, 245 + 2);
}

int main(void)
{
	RUN(parse_dhclient_fqdn);
	RUN(parse_udhcpc);
	RUN(parse_dhcpcd);
	RUN(parse_perfdhcp_relayed);
	RUN(parse_truncated);
	RUN(parse_header_errors);
	RUN(parse_option_errors);
	RUN(parse_fixed_sizes);
	RUN(parse_concat);
	RUN(parse_overload);
	RUN(parse_fqdn);
	RUN(client_id);
	RUN(type_names);
	RUN(max_reply);
	RUN(reply_add);
	RUN(build_basic);
	RUN(build_relay_last);
	RUN(build_padding);
	RUN(build_long_option);
	RUN(build_overload);
	RUN(build_dropping);
	RUN(build_nak);
	RUN(build_no_duplicates);
	RUN(build_errors);
	RUN(build_roundtrip);
	RUN(search_rfc3397);
	RUN(search_compression);
	RUN(search_errors);
	RUN(search_large);
	return test_done();
}
