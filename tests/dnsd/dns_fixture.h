/*
 * The fixture of the answering tests (test_dns_answer.c, test_dns_limits.c):
 * a set of zones covering every case dns_answer() distinguishes, a query
 * builder that keeps the name's case, and helpers that answer a query and
 * read the reply back with ldns, a parser nobody on this team wrote.
 * Header-only (static inline) so each test stays one translation unit.
 */
#ifndef RACKNET_TEST_DNS_FIXTURE_H
#define RACKNET_TEST_DNS_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "name_wire.h"
#include "test.h"

/* ---- Building the fixture ------------------------------------------- */

static inline const uint8_t *W(const char *text)
{
	static uint8_t buf[4][DNS_WIRE_MAX];
	static unsigned next;
	uint8_t *w = buf[next++ % 4];

	if (dns_name_from_text(w, text) < 0) {
		fprintf(stderr, "bad test name %s\n", text);
		abort();
	}
	return w;
}

/* One record from presentation-ish text: A, AAAA, names, "10 name" for
 * MX, "p w port name" for SRV, one string for TXT, hex for the rest. */
static inline void rr(struct dns_db *db, const char *owner, uint16_t type,
	       uint32_t ttl, const char *data)
{
	uint8_t rd[600];
	int len = 0, rc;
	unsigned a, b, c;

	switch (type) {
	case DNS_T_A:
		len = inet_pton(AF_INET, data, rd) == 1 ? 4 : -1;
		break;
	case DNS_T_AAAA:
		len = inet_pton(AF_INET6, data, rd) == 1 ? 16 : -1;
		break;
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		len = dns_name_from_text(rd, data);
		break;
	case DNS_T_MX:
		sscanf(data, "%u", &a);
		rd[0] = (uint8_t)(a >> 8);
		rd[1] = (uint8_t)a;
		len = 2 + dns_name_from_text(rd + 2, strchr(data, ' ') + 1);
		break;
	case DNS_T_SRV:
		sscanf(data, "%u %u %u", &a, &b, &c);
		rd[0] = (uint8_t)(a >> 8), rd[1] = (uint8_t)a;
		rd[2] = (uint8_t)(b >> 8), rd[3] = (uint8_t)b;
		rd[4] = (uint8_t)(c >> 8), rd[5] = (uint8_t)c;
		len = 6 + dns_name_from_text(rd + 6, strrchr(data, ' ') + 1);
		break;
	case DNS_T_TXT:
		len = (int)strlen(data);
		rd[0] = (uint8_t)len;
		memcpy(rd + 1, data, (size_t)len);
		len++;
		break;
	default:
		for (; data[2 * len] && data[2 * len + 1]; len++) {
			sscanf(data + 2 * len, "%2x", &a);
			rd[len] = (uint8_t)a;
		}
		break;
	}
	rc = len < 0 ? -EINVAL :
	     dns_rr_add(db, W(owner), type, ttl, rd, (uint16_t)len);
	if (rc) {
		fprintf(stderr, "fixture: %s %u %s: %d\n", owner, type, data,
			rc);
		abort();
	}
}

static inline void zone(struct dns_db *db, const char *apex, const char *mname,
		 const char *rname, uint32_t ttl, uint32_t minimum)
{
	struct dns_soa soa = {
		.serial = 2024010101, .refresh = 3600, .retry = 600,
		.expire = 864000, .minimum = minimum, .ttl = ttl,
	};

	dns_name_from_text(soa.mname, mname);
	dns_name_from_text(soa.rname, rname);
	if (dns_zone_add(db, W(apex), &soa))
		abort();
}

static char label63[64];

static inline struct dns_db *fixture(void)
{
	struct dns_db *db = dns_db_new();
	char name[300];

	memset(label63, 'x', 63);
	zone(db, "example.com", "ns1.example.com", "hostmaster.example.com",
	     3600, 300);
	rr(db, "example.com", DNS_T_NS, 3600, "ns1.example.com");
	rr(db, "example.com", DNS_T_NS, 3600, "ns2.example.com");
	rr(db, "example.com", DNS_T_MX, 300, "10 mail.example.com");
	rr(db, "ns1.example.com", DNS_T_A, 300, "192.0.2.1");
	rr(db, "ns1.example.com", DNS_T_AAAA, 300, "2001:db8::1");
	rr(db, "ns2.example.com", DNS_T_A, 300, "192.0.2.2");
	rr(db, "www.example.com", DNS_T_A, 300, "192.0.2.10");
	rr(db, "www.example.com", DNS_T_A, 300, "192.0.2.11");
	rr(db, "www.example.com", DNS_T_AAAA, 600, "2001:db8::10");
	rr(db, "mail.example.com", DNS_T_A, 300, "192.0.2.25");
	rr(db, "host.lab.example.com", DNS_T_A, 300, "192.0.2.30");
	rr(db, "alias.example.com", DNS_T_CNAME, 60, "www.example.com");
	rr(db, "c1.example.com", DNS_T_CNAME, 60, "c2.example.com");
	rr(db, "c2.example.com", DNS_T_CNAME, 60, "c3.example.com");
	rr(db, "c3.example.com", DNS_T_CNAME, 60, "www.example.com");
	rr(db, "l1.example.com", DNS_T_CNAME, 60, "l2.example.com");
	rr(db, "l2.example.com", DNS_T_CNAME, 60, "l1.example.com");
	for (int i = 0; i < 12; i++) {
		char to[64];

		snprintf(name, sizeof(name), "k%d.example.com", i);
		snprintf(to, sizeof(to), "k%d.example.com", i + 1);
		rr(db, name, DNS_T_CNAME, 60, to);
	}
	rr(db, "k12.example.com", DNS_T_A, 300, "192.0.2.12");
	rr(db, "ext.example.com", DNS_T_CNAME, 60, "www.elsewhere.org");
	rr(db, "dangling.example.com", DNS_T_CNAME, 60, "missing.example.com");
	rr(db, "toptr.example.com", DNS_T_CNAME, 60, "5.0.0.10.in-addr.arpa");
	rr(db, "sub.example.com", DNS_T_NS, 86400, "ns.sub.example.com");
	rr(db, "sub.example.com", DNS_T_NS, 86400, "ns.other.net");
	rr(db, "ns.sub.example.com", DNS_T_A, 86400, "192.0.2.53");
	rr(db, "secure.example.com", DNS_T_NS, 86400, "ns1.example.com");
	rr(db, "secure.example.com", DNS_T_DS, 86400, "30390802aabbccdd");
	rr(db, "todeleg.example.com", DNS_T_CNAME, 60, "x.sub.example.com");
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof(name),
			 "%02d-the-quick-brown-fox-jumps-over-the-dog", i);
		rr(db, "big.example.com", DNS_T_TXT, 300, name);
	}
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name),
			 "%02d-the-quick-brown-fox-jumps-over-the-dog", i);
		rr(db, "mid.example.com", DNS_T_TXT, 300, name);
		if (i < 5)
			rr(db, "five.example.com", DNS_T_TXT, 300, name);
	}
	rr(db, "_ldap._tcp.example.com", DNS_T_SRV, 300,
	   "0 5 389 www.example.com");
	snprintf(name, sizeof(name), "%s.example.com", label63);
	rr(db, name, DNS_T_A, 300, "192.0.2.63");

	zone(db, "10.in-addr.arpa", "ns1.example.com", "hostmaster.example.com",
	     3600, 300);
	zone(db, "0.10.in-addr.arpa", "ns1.example.com",
	     "hostmaster.example.com", 3600, 120);
	rr(db, "5.0.0.10.in-addr.arpa", DNS_T_PTR, 300, "host.lab.example.com");
	rr(db, "1.1.10.in-addr.arpa", DNS_T_PTR, 300, "ns1.example.com");
	zone(db, "2.0.192.in-addr.arpa", "ns1.example.com",
	     "hostmaster.example.com", 3600, 300);
	zone(db, "0/26.2.0.192.in-addr.arpa", "ns1.example.com",
	     "hostmaster.example.com", 3600, 300);
	rr(db, "5.2.0.192.in-addr.arpa", DNS_T_CNAME, 300,
	   "5.0/26.2.0.192.in-addr.arpa");
	rr(db, "5.0/26.2.0.192.in-addr.arpa", DNS_T_PTR, 300,
	   "h5.example.com");

	/* A zone whose SOA alone takes 433 bytes (its names share little). */
	{
		char rname[300];

		snprintf(name, sizeof(name), "%s.%s.%s.ns.invalid", label63,
			 label63, label63);
		snprintf(rname, sizeof(rname), "%s.%s.%s.hm.invalid", label63,
			 label63, label63);
		memset(rname, 'y', 63);
		zone(db, "longsoa.test", name, rname, 30, 600);
	}
	return db;
}

/* ---- Asking --------------------------------------------------------- */

/* A query: Q(name, type, .edns = true, .udp = 4096...); IN by default. */
#define Q(n, t, ...) ((struct ask){ .name = (n), .qtype = (t), __VA_ARGS__ })

struct ask {
	const char *name;
	uint16_t qtype;
	uint16_t qclass;	/* 0: IN */
	bool edns;		/* an OPT record */
	uint8_t version;	/* its EDNS version */
	uint16_t udp;		/* 0: 1232 */
	bool do_bit, tcp, recurse;
	size_t cap;		/* 0: 65535 */
	unsigned opcode;
	const uint8_t *opts;	/* EDNS options */
	size_t optlen;
};

static uint8_t query[1024], reply[65535];
static size_t query_len, reply_len;
static unsigned last_rcode;

static inline void q_u16(unsigned v)
{
	query[query_len++] = (uint8_t)(v >> 8);
	query[query_len++] = (uint8_t)v;
}

/* The name as typed, case kept (so 0x20 queries stay mixed). */
static inline void q_name(const char *text)
{
	query_len += name_wire(query + query_len, text);
}

static inline void build_query(const struct ask *a)
{
	query_len = 0;
	q_u16(0x4242);
	q_u16(DNS_F_RD | DNS_F_CD | (a->opcode << 11));
	q_u16(1);
	q_u16(0);
	q_u16(0);
	q_u16(a->edns);
	q_name(a->name);
	q_u16(a->qtype);
	q_u16(a->qclass ? a->qclass : DNS_CLASS_IN);
	if (a->edns) {
		query[query_len++] = 0;
		q_u16(DNS_T_OPT);
		q_u16(a->udp ? a->udp : 1232);
		q_u16(a->version);	/* ext rcode 0, version */
		q_u16(a->do_bit ? 0x8000 : 0);
		q_u16((unsigned)a->optlen);
		if (a->optlen)
			memcpy(query + query_len, a->opts, a->optlen);
		query_len += a->optlen;
	}
}

/* Parse the query (from an exact-size heap copy) and answer it. */
static inline enum dns_result answer(const struct dns_db *db,
				     const struct ask *a)
{
	struct dns_answer_opts o = { .tcp = a->tcp, .may_recurse = a->recurse };
	struct dns_query q;
	const char *why;
	uint8_t *copy;
	size_t cap = a->cap ? a->cap : sizeof(reply);
	uint8_t *out;
	enum dns_result res;
	int rc;

	build_query(a);
	copy = malloc(query_len);
	memcpy(copy, query, query_len);
	rc = dns_query_parse(&q, copy, query_len, &why);
	free(copy);
	CHECK_INT(rc, 0);
	if (rc)
		return DNS_DROP;
	out = malloc(cap);	/* exactly cap bytes: ASan sees overruns */
	res = dns_answer(db, &q, out, cap, &reply_len, &o, &last_rcode);
	CHECK(reply_len <= cap);
	memcpy(reply, out, reply_len);
	free(out);
	return res;
}

static inline ldns_pkt *ask(const struct dns_db *db, struct ask a)
{
	ldns_pkt *p = NULL;
	enum dns_result res = answer(db, &a);
	ldns_status st;

	CHECK_INT(res, DNS_ANSWERED);
	if (res != DNS_ANSWERED)
		return NULL;
	st = ldns_wire2pkt(&p, reply, reply_len);
	CHECK_INT(st, LDNS_STATUS_OK);
	if (st != LDNS_STATUS_OK)
		return NULL;
	CHECK(ldns_pkt_qr(p));
	CHECK_INT(ldns_pkt_id(p), 0x4242);
	CHECK(ldns_pkt_rd(p));
	CHECK(!ldns_pkt_cd(p));
	CHECK(!ldns_pkt_ad(p));
	CHECK_INT(ldns_pkt_get_opcode(p), a.opcode);
	CHECK_INT(ldns_pkt_get_rcode(p), last_rcode & 0x0f);
	return p;
}

/* A section as "owner ttl TYPE rdata | ..." (ldns's text, one space). */
static inline const char *section(const ldns_rr_list *l)
{
	static char out[8192];
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		char *s = ldns_rr2str(ldns_rr_list_rr(l, i));

		if (i)
			o += (size_t)snprintf(out + o, sizeof(out) - o, " | ");
		for (char *c = s; *c; c++)
			if (*c == '\t')
				*c = ' ';
		for (char *c = s; *c && o + 1 < sizeof(out); c++) {
			if (*c == '\n')
				continue;
			if (strncmp(c, " IN ", 4) == 0)
				c += 3;
			out[o++] = *c;
		}
		out[o] = '\0';
		free(s);
	}
	return out;
}

#define AN(p) section(ldns_pkt_answer(p))
#define NS(p) section(ldns_pkt_authority(p))
#define AR(p) section(ldns_pkt_additional(p))

static inline const char *qname_text(const ldns_pkt *p)
{
	static char buf[600];
	char *s = ldns_rdf2str(
		ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0)));

	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

#endif
