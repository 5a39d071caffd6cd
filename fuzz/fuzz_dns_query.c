/*
 * libFuzzer harness for racknet-dnsd's authoritative core (dnsd/dns.h):
 * parse any bytes as a query; when that fails with a readable header,
 * build the FORMERR reply; when it succeeds, answer it from a fixture
 * zone set (every record type dnsd serves, a delegation with glue, a
 * CNAME chain and a loop, nested and RFC 2317 reverse zones) over UDP
 * without and with EDNS, over TCP, and under a size cap taken from the
 * input. Every reply must be a well-formed message (walked here with
 * compression pointers that only point backwards), within its limit,
 * echoing the query's id and question, and the same when asked twice.
 * Invariants abort() (assert() would vanish under NDEBUG).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "dns.h"

static struct dns_db *db;
static uint8_t out[DNS_TCP_MAX], again[DNS_TCP_MAX];

/* ---- The fixture ----------------------------------------------------- */

static const uint8_t *name(const char *text)
{
	static uint8_t w[4][DNS_WIRE_MAX];
	static unsigned next;
	uint8_t *p = w[next++ % 4];

	FUZZ_CHECK(dns_name_from_text(p, text) > 0);
	return p;
}

static void add(const char *owner, uint16_t type, const void *rd, size_t len)
{
	FUZZ_CHECK(dns_rr_add(db, name(owner), type, 300, rd, (uint16_t)len) ==
		   0);
}

static void add_name(const char *owner, uint16_t type, const char *target)
{
	uint8_t t[DNS_WIRE_MAX + 6] = { 0, 10, 0, 5, 0x01, 0x85 };
	size_t pre = type == DNS_T_MX ? 2 : type == DNS_T_SRV ? 6 : 0;
	int len = dns_name_from_text(t + pre, target);

	FUZZ_CHECK(len > 0);
	add(owner, type, t, pre + (size_t)len);
}

static void add_zone(const char *apex)
{
	struct dns_soa soa = {
		.serial = 1, .refresh = 3600, .retry = 600, .expire = 86400,
		.minimum = 60, .ttl = 3600,
	};

	dns_name_from_text(soa.mname, "ns1.example.com");
	dns_name_from_text(soa.rname, "hostmaster.example.com");
	FUZZ_CHECK(dns_zone_add(db, name(apex), &soa) == 0);
}

static void fixture(void)
{
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	static const uint8_t aaaa[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t txt[] = "\x0bhello world\x05" "again";
	static const uint8_t ds[8] = { 0x30, 0x39, 8, 2, 0xaa, 0xbb, 0xcc, 1 };
	char owner[64], target[64];

	db = dns_db_new();
	FUZZ_CHECK(db != NULL);
	add_zone("example.com");
	add_name("example.com", DNS_T_NS, "ns1.example.com");
	add_name("example.com", DNS_T_NS, "ns2.elsewhere.org");
	add_name("example.com", DNS_T_MX, "mail.example.com");
	add("example.com", DNS_T_TXT, txt, sizeof(txt) - 1);
	add("ns1.example.com", DNS_T_A, a, 4);
	add("ns1.example.com", DNS_T_AAAA, aaaa, 16);
	add("www.example.com", DNS_T_A, a, 4);
	add("www.example.com", DNS_T_AAAA, aaaa, 16);
	add("mail.example.com", DNS_T_A, a, 4);
	add("h.lab.example.com", DNS_T_A, a, 4);	/* lab: empty */
	add_name("_ldap._tcp.example.com", DNS_T_SRV, "www.example.com");
	add_name("alias.example.com", DNS_T_CNAME, "c1.example.com");
	add_name("c1.example.com", DNS_T_CNAME, "www.example.com");
	add_name("loop1.example.com", DNS_T_CNAME, "loop2.example.com");
	add_name("loop2.example.com", DNS_T_CNAME, "loop1.example.com");
	add_name("out.example.com", DNS_T_CNAME, "www.elsewhere.org");
	add_name("ptr.example.com", DNS_T_CNAME, "5.0.0.10.in-addr.arpa");
	for (int i = 0; i < 11; i++) {
		snprintf(owner, sizeof(owner), "k%d.example.com", i);
		snprintf(target, sizeof(target), "k%d.example.com", i + 1);
		add_name(owner, DNS_T_CNAME, target);
	}
	add_name("sub.example.com", DNS_T_NS, "ns.sub.example.com");
	add_name("sub.example.com", DNS_T_NS, "ns1.example.com");
	add("sub.example.com", DNS_T_DS, ds, sizeof(ds));
	add("ns.sub.example.com", DNS_T_A, a, 4);
	add("ns.sub.example.com", DNS_T_AAAA, aaaa, 16);
	for (int i = 0; i < 40; i++) {
		uint8_t big[64];

		big[0] = 63;
		memset(big + 1, 'a' + i % 26, 63);
		big[1] = (uint8_t)i;
		add("big.example.com", DNS_T_TXT, big, sizeof(big));
	}
	add_zone("10.in-addr.arpa");
	add_zone("0.10.in-addr.arpa");
	add_name("5.0.0.10.in-addr.arpa", DNS_T_PTR, "www.example.com");
	add_name("1.1.10.in-addr.arpa", DNS_T_PTR, "mail.example.com");
	add_zone("2.0.192.in-addr.arpa");
	add_zone("0/26.2.0.192.in-addr.arpa");
	add_name("5.2.0.192.in-addr.arpa", DNS_T_CNAME,
		 "5.0/26.2.0.192.in-addr.arpa");
	add_name("5.0/26.2.0.192.in-addr.arpa", DNS_T_PTR, "h5.example.com");
}

/* ---- Checking a reply -------------------------------------------------- */

static uint16_t u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Step over a name at *off: labels, or a pointer to an earlier name
 * (we never write forward pointers), at most 255 bytes expanded. */
static void walk_name(const uint8_t *m, size_t len, size_t *off)
{
	size_t pos = *off, total = 0, hops = 0;
	bool jumped = false;

	for (;;) {
		FUZZ_CHECK(pos < len);
		if (m[pos] >= 0xc0) {
			size_t to;

			FUZZ_CHECK(pos + 1 < len);
			to = (size_t)(m[pos] & 0x3f) << 8 | m[pos + 1];
			FUZZ_CHECK(to < pos && to >= DNS_HDR_LEN);
			FUZZ_CHECK(++hops < 128);
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			pos = to;
			continue;
		}
		FUZZ_CHECK(m[pos] <= 63);
		total += (size_t)m[pos] + 1;
		FUZZ_CHECK(total <= DNS_WIRE_MAX);
		if (m[pos] == 0)
			break;
		pos += (size_t)m[pos] + 1;
	}
	if (!jumped)
		*off = pos + 1;
}

static void check_reply(const struct dns_query *q, const uint8_t *m,
			size_t len, size_t limit, unsigned rcode)
{
	size_t off = DNS_HDR_LEN;
	unsigned an, ns, records, opts = 0;

	FUZZ_CHECK(len >= DNS_HDR_LEN && len <= limit);
	FUZZ_CHECK(u16(m) == q->id);
	FUZZ_CHECK(m[2] & 0x80);				/* QR */
	FUZZ_CHECK(((m[2] >> 3) & 0x0f) == q->opcode);
	FUZZ_CHECK((m[3] & 0x0f) == (rcode & 0x0f));
	FUZZ_CHECK(!(m[2] & 0x01) == !(q->flags & DNS_F_RD));
	FUZZ_CHECK(u16(m + 4) <= 1);
	if (u16(m + 4) == 1) {
		FUZZ_CHECK(len >= off + q->qname_len + 4);
		FUZZ_CHECK(memcmp(m + off, q->qname, q->qname_len) == 0);
		off += q->qname_len;
		FUZZ_CHECK(u16(m + off) == q->qtype);
		FUZZ_CHECK(u16(m + off + 2) == q->qclass);
		off += 4;
	}
	an = u16(m + 6);
	ns = u16(m + 8);
	records = an + ns + u16(m + 10);
	for (unsigned i = 0; i < records; i++) {
		uint16_t type, rdlen;

		walk_name(m, len, &off);
		FUZZ_CHECK(len - off >= 10);
		type = u16(m + off);
		rdlen = u16(m + off + 8);
		off += 10;
		FUZZ_CHECK(len - off >= rdlen);
		/* Each section holds only what it may: the sections are
		 * written in order, never interleaved. */
		if (i < an)
			FUZZ_CHECK(q->qtype == DNS_T_ANY || type == q->qtype ||
				   type == DNS_T_CNAME);
		else if (i < an + ns)
			FUZZ_CHECK(type == DNS_T_NS || type == DNS_T_SOA);
		else
			FUZZ_CHECK(type == DNS_T_A || type == DNS_T_AAAA ||
				   type == DNS_T_OPT);
		if (type == DNS_T_CNAME || type == DNS_T_NS ||
		    type == DNS_T_PTR) {
			size_t r = off;

			walk_name(m, len, &r);
			FUZZ_CHECK(r == off + rdlen);
		}
		if (type == DNS_T_OPT) {
			opts++;
			FUZZ_CHECK(i == records - 1);	/* the last one */
			FUZZ_CHECK(u16(m + off - 8) == DNS_EDNS_OURS);
			FUZZ_CHECK(m[off - 5] == 0);	/* version 0 */
			FUZZ_CHECK(m[off - 6] == (rcode >> 4));
		}
		off += rdlen;
	}
	FUZZ_CHECK(off == len);				/* nothing after */
	FUZZ_CHECK(opts == (q->edns ? 1u : 0u));
}

/* Answer q under opts and cap, then check it and its determinism. */
static void try_answer(const struct dns_query *q, bool tcp, size_t cap)
{
	struct dns_answer_opts o = { .tcp = tcp, .may_recurse = cap & 1 };
	size_t len = 0, len2 = 0, limit;
	unsigned rcode = 0, rcode2 = 0;
	enum dns_result res, res2;

	res = dns_answer(db, q, out, cap, &len, &o, &rcode);
	res2 = dns_answer(db, q, again, cap, &len2, &o, &rcode2);
	FUZZ_CHECK(res == res2 && len == len2 && rcode == rcode2);
	FUZZ_CHECK(memcmp(out, again, len) == 0);
	if (res != DNS_ANSWERED) {
		FUZZ_CHECK(len == 0);
		FUZZ_CHECK(res == DNS_DROP || !dns_db_covers(db, q->lname));
		return;
	}
	if (tcp) {
		limit = cap;
	} else {
		limit = q->edns ? q->edns_udp : DNS_UDP_MIN;
		limit = limit > DNS_EDNS_OURS ? DNS_EDNS_OURS : limit;
		limit = limit < cap ? limit : cap;
	}
	check_reply(q, out, len, limit, rcode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_query q;
	const char *why = NULL;
	size_t small;
	int rc;

	if (!db)
		fixture();
	rc = dns_query_parse(&q, data, size, &why);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG || rc == -EINVAL);
	FUZZ_CHECK(rc == 0 || (why != NULL && why[0] != '\0'));
	if (rc == -EINVAL)
		return 0;
	FUZZ_CHECK(size >= DNS_HDR_LEN && !(q.flags & DNS_F_QR));
	if (rc == -EBADMSG) {
		size_t n = dns_error_reply(&q, false, DNS_R_FORMERR, false, out,
					   DNS_UDP_MIN);

		check_reply(&q, out, n, DNS_UDP_MIN, DNS_R_FORMERR);
		return 0;
	}
	FUZZ_CHECK(q.question_end <= size);
	if (q.qname_len) {
		FUZZ_CHECK(q.qname_len <= DNS_WIRE_MAX);
		FUZZ_CHECK(dns_name_len(q.qname) == q.qname_len);
		FUZZ_CHECK(dns_name_equal(q.qname, q.lname));
	}
	FUZZ_CHECK(!q.edns || q.edns_udp >= DNS_UDP_MIN);

	small = DNS_UDP_MIN + (size > 0 ? data[size - 1] * 3u : 0);
	try_answer(&q, false, DNS_UDP_MIN);
	try_answer(&q, false, DNS_EDNS_OURS);
	try_answer(&q, false, sizeof(out));
	try_answer(&q, true, sizeof(out));
	try_answer(&q, true, small);
	return 0;
}
