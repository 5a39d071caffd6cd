/*
 * libFuzzer harness for dhcpd/dhcp_msg.c: parse any bytes as a request;
 * when that succeeds, check what the parser promises, build replies to it
 * (a NAK, an OFFER, an ACK with a long option, a search list and options
 * echoed from the request) at several size limits, and parse each reply
 * back: parse -> build -> parse must agree. Deterministic: every choice
 * comes from the input. Invariants abort() (assert() would vanish under
 * NDEBUG in release builds).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "dhcp_msg.h"
#include "dnsname.h"

static struct dhcp_msg req, back;
static struct dhcp_reply reply;
static uint8_t out[DHCP_MAX_LEN];

/* What dhcp_parse() promises about a message it accepted. */
static void check_parsed(const struct dhcp_msg *m, size_t size)
{
	size_t total = 0, idlen;
	const uint8_t *id;

	FUZZ_CHECK(m->op == DHCP_BOOTREQUEST);
	FUZZ_CHECK(m->hlen <= sizeof(m->chaddr));
	FUZZ_CHECK(m->type >= DHCP_DISCOVER && m->type < DHCP_TYPE_MAX);
	FUZZ_CHECK(m->overload <= 3);
	FUZZ_CHECK(m->max_size == 0 || m->max_size >= DHCP_DEFAULT_MAX);
	FUZZ_CHECK(strnlen(m->sname, sizeof(m->sname)) < sizeof(m->sname));
	FUZZ_CHECK(strnlen(m->file, sizeof(m->file)) < sizeof(m->file));
	FUZZ_CHECK(m->hostname[0] == '\0' || dns_hostname_valid(m->hostname));
	for (int code = 0; code < 256; code++) {
		const struct dhcp_opt_data *o = &m->opt[code];

		if (!o->present) {
			FUZZ_CHECK(o->len == 0);
			continue;
		}
		FUZZ_CHECK(o->p >= m->optbuf);
		FUZZ_CHECK((size_t)(o->p - m->optbuf) + o->len <=
			   sizeof(m->optbuf));
		total += o->len;
	}
	FUZZ_CHECK(total <= size);
	FUZZ_CHECK(!m->opt[DHO_PAD].present && !m->opt[DHO_END].present);
	FUZZ_CHECK(m->opt[DHO_MSG_TYPE].len == 1);
	FUZZ_CHECK(!m->opt[DHO_REQUESTED_IP].present ||
		   m->opt[DHO_REQUESTED_IP].len == 4);
	FUZZ_CHECK(!m->opt[DHO_SERVER_ID].present ||
		   m->opt[DHO_SERVER_ID].len == 4);
	FUZZ_CHECK(!m->opt[DHO_FQDN].present || m->opt[DHO_FQDN].len >= 3);
	id = dhcp_client_id(m, &idlen);
	FUZZ_CHECK(id != NULL && idlen <= DHCP_MAX_LEN);
}

/* Reply options, built from fixed data, an encoded search list and what
 * the request carried (its client id and vendor class, echoed). */
static void reply_fill(const struct dhcp_msg *m, int type, unsigned seed)
{
	static const uint8_t mask[4] = { 255, 255, 255, 0 };
	static const uint8_t ip[8] = { 10, 0, 0, 1, 10, 0, 0, 2 };
	static const uint8_t lease[4] = { 0, 0, 0x0e, 0x10 };
	static const char *const names[] = {
		"eng.example.com", "example.com", "lab.eng.example.com",
		"example.org",
	};
	static uint8_t search[64], big[700];
	static int search_len = -1;

	if (search_len < 0) {
		search_len = dhcp_encode_search(search, sizeof(search), names,
						4);
		FUZZ_CHECK(search_len > 0);
		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = (uint8_t)(i * 31 + 7);
	}
	memset(&reply, 0, sizeof(reply));
	reply.type = type;
	reply.yiaddr = 0x0a000064;
	reply.siaddr = seed & 1 ? 0x0a000001 : 0;
	reply.server_id = seed & 2 ? 0x0a000001 : 0;
	reply.sname = seed & 4 ? "tftp.example.com" : NULL;
	reply.file = seed & 8 ? "pxelinux.0" : NULL;
	dhcp_reply_add(&reply, DHO_SUBNET_MASK, false, mask, 4);
	dhcp_reply_add(&reply, DHO_ROUTER, false, ip, 4);
	dhcp_reply_add(&reply, DHO_DNS, false, ip, 8);
	dhcp_reply_add(&reply, DHO_DOMAIN_SEARCH, false, search,
		       (size_t)search_len);
	dhcp_reply_add(&reply, DHO_LEASE_TIME, true, lease, 4);
	dhcp_reply_add(&reply, DHO_MESSAGE, seed & 16, "fuzz", 4);
	dhcp_reply_add(&reply, DHO_VENDOR_OPTS, seed & 32, big,
		       seed & 64 ? sizeof(big) : 200);
	if (m->opt[DHO_CLIENT_ID].present)
		dhcp_reply_add(&reply, DHO_CLIENT_ID, true,
			       m->opt[DHO_CLIENT_ID].p,
			       m->opt[DHO_CLIENT_ID].len);
	if (m->opt[DHO_VENDOR_CLASS].present)
		dhcp_reply_add(&reply, DHO_VENDOR_CLASS, false,
			       m->opt[DHO_VENDOR_CLASS].p,
			       m->opt[DHO_VENDOR_CLASS].len);
	dhcp_reply_add(&reply, DHO_ROUTER, true, mask, 4);	/* a duplicate */
	dhcp_reply_add(&reply, DHO_MSG_TYPE, true, mask, 1);	/* ignored */
}

/* The reply option the builder should have sent for code: the first of
 * its code if the client asked for it (or it is a NAK's message), else
 * the first sent always. */
static const struct dhcp_reply_opt *reply_pick(const struct dhcp_msg *m,
					       uint8_t code)
{
	bool asked = reply.type == DHCP_NAK || dhcp_requested(m, code);

	for (size_t i = 0; i < reply.nopts; i++)
		if (reply.opts[i].code == code &&
		    (asked || reply.opts[i].always))
			return &reply.opts[i];
	return NULL;
}

/* Bytes an option takes on the wire, in 255-byte instances. */
static size_t wire_len(size_t n)
{
	return n == 0 ? 2 : n + 2 * ((n + 254) / 255);
}

static void check_reply(const struct dhcp_msg *m, size_t max_len, int len,
			int dropped)
{
	const struct dhcp_opt_data *relay = &m->opt[DHO_RELAY_INFO];
	const char *why;
	int rc;

	size_t need = DHCP_FIXED_LEN + 4 + 3 + (reply.server_id ? 6 : 0) + 1 +
		      (relay->present ? wire_len(relay->len) : 0);

	/* An error only when 53, 54, 82 and END cannot fit. */
	FUZZ_CHECK((len == -EMSGSIZE) ==
		   (need > max_len || max_len < DHCP_MIN_LEN));
	if (len < 0)
		return;
	FUZZ_CHECK(len >= DHCP_MIN_LEN && (size_t)len <= max_len);
	FUZZ_CHECK(dropped >= 0 && (size_t)dropped <= reply.nopts);
	FUZZ_CHECK(out[0] == DHCP_BOOTREPLY);
	out[0] = DHCP_BOOTREQUEST;
	rc = dhcp_parse(&back, out, (size_t)len, &why);
	if (rc != 0)
		fprintf(stderr, "reply does not parse: %s\n", why);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(back.type == reply.type);
	FUZZ_CHECK(back.xid == m->xid && back.flags == m->flags);
	FUZZ_CHECK(back.giaddr == m->giaddr);
	FUZZ_CHECK(memcmp(back.chaddr, m->chaddr, sizeof(m->chaddr)) == 0);
	FUZZ_CHECK(back.server_id == reply.server_id);
	FUZZ_CHECK(back.opt[DHO_RELAY_INFO].present == relay->present);
	FUZZ_CHECK(back.opt[DHO_RELAY_INFO].len == relay->len);
	FUZZ_CHECK(relay->len == 0 ||
		   memcmp(back.opt[DHO_RELAY_INFO].p, relay->p, relay->len) ==
			   0);
	if (reply.type == DHCP_NAK)
		FUZZ_CHECK(back.yiaddr == 0 && back.overload == 0);
	for (int code = 1; code < 255; code++) {
		const struct dhcp_reply_opt *o;

		if (!back.opt[code].present || code == DHO_MSG_TYPE ||
		    code == DHO_SERVER_ID || code == DHO_OVERLOAD ||
		    code == DHO_RELAY_INFO)
			continue;
		/* Nothing appears that was not given; what appears is
		 * whole, from the first option of its code. */
		o = reply_pick(m, (uint8_t)code);
		FUZZ_CHECK(o != NULL);
		FUZZ_CHECK(back.opt[code].len == o->len);
		FUZZ_CHECK(o->len == 0 ||
			   memcmp(back.opt[code].p, o->data, o->len) == 0);
		if (reply.type == DHCP_NAK)
			FUZZ_CHECK(code == DHO_MESSAGE);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[3] = { DHCP_OFFER, DHCP_ACK, DHCP_NAK };
	const char *why = NULL;
	size_t limits[4];
	unsigned seed = 0;
	int rc;

	rc = dhcp_parse(&req, data, size, &why);
	if (rc < 0) {
		FUZZ_CHECK(rc == -EBADMSG || rc == -EPROTONOSUPPORT);
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		return 0;
	}
	check_parsed(&req, size);

	/* Vary the reply with bytes the parser ignores. */
	for (size_t i = 0; i < size && i < 28; i++)
		seed = seed * 33 + data[i];
	limits[0] = DHCP_MIN_LEN;
	limits[1] = dhcp_max_reply(&req, 1500 - DHCP_IPUDP_LEN);
	limits[2] = DHCP_MIN_LEN + seed % 700;
	limits[3] = DHCP_MAX_LEN;
	FUZZ_CHECK(limits[1] >= DHCP_DEFAULT_MAX - DHCP_IPUDP_LEN);
	for (int t = 0; t < 3; t++) {
		for (int l = 0; l < 4; l++) {
			int dropped = -1, len;

			reply_fill(&req, types[t], seed >> (t + l));
			len = dhcp_build(&reply, &req, out, limits[l],
					 &dropped);
			check_reply(&req, limits[l], len, dropped);
		}
	}
	return 0;
}
