/*
 * Unit tests for dnsd/dns_fwd.c, the pure half of the forwarder: the
 * query we send, and dns_fwd_check() on upstream replies built here byte
 * by byte: wrong ID or question (ignored), the name in another case
 * (accepted), TC, error rcodes, garbage (lying counts, compression loops
 * and forward pointers, bad label types, rdata overruns), and the filter
 * that keeps only what belongs to the question (no poisoning with
 * unrelated names, other classes or foreign zones).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_cache.h"
#include "dns_fwd.h"
#include "name_wire.h"
#include "test.h"
#include "wire.h"

#define ID 0xbeef

static struct dns_answer ans;
static struct dns_fwd_question fq;

/* ---- A reply builder ----------------------------------------------- */

struct pkt {
	uint8_t b[4096];
	struct wire_wr w;
	uint16_t count[DNS_SEC_MAX];
};


static void put_name(struct pkt *p, const char *text)
{
	uint8_t w[DNS_WIRE_MAX];

	wire_wr_bytes(&p->w, w, name_wire(w, text));
}

/* Our question: name in lower case, as the I/O half sends it. */
static void ask(const char *name, uint16_t qtype)
{
	memset(&fq, 0, sizeof(fq));
	fq.id = ID;
	fq.name_len = name_wire(fq.name, name);
	for (size_t i = 0; i < fq.name_len; i++)
		if (fq.name[i] >= 'A' && fq.name[i] <= 'Z')
			fq.name[i] += 'a' - 'A';
	fq.qtype = qtype;
	fq.qclass = DNS_CLASS_IN;
}

static void pkt_start(struct pkt *p, uint16_t id, uint16_t flags,
		      const char *qname, uint16_t qtype, uint16_t qclass)
{
	memset(p, 0, sizeof(*p));
	wire_wr_init(&p->w, p->b, sizeof(p->b));
	wire_wr_u16(&p->w, id);
	wire_wr_u16(&p->w, flags);
	wire_wr_u16(&p->w, 1);
	wire_wr_zero(&p->w, 6);
	put_name(p, qname);
	wire_wr_u16(&p->w, qtype);
	wire_wr_u16(&p->w, qclass);
}

/* A reply to fq with rcode. */
static void reply(struct pkt *p, unsigned rcode)
{
	char text[DNS_WIRE_MAX * 4];

	dns_name_to_text(fq.name, text, sizeof(text));
	pkt_start(p, ID, DNS_F_QR | DNS_F_RD | DNS_F_RA | (uint16_t)rcode,
		  text, fq.qtype, fq.qclass);
}

/* Record header: owner NULL is a pointer to the question (0xc00c). */
static void rr_head(struct pkt *p, enum dns_section sec, const char *owner,
		    uint16_t type, uint16_t rclass, uint32_t ttl,
		    uint16_t rdlen)
{
	p->count[sec]++;
	if (owner)
		put_name(p, owner);
	else
		wire_wr_u16(&p->w, 0xc00c);
	wire_wr_u16(&p->w, type);
	wire_wr_u16(&p->w, rclass);
	wire_wr_u32(&p->w, ttl);
	wire_wr_u16(&p->w, rdlen);
}

static void rr_a(struct pkt *p, enum dns_section sec, const char *owner,
		 uint8_t last)
{
	rr_head(p, sec, owner, DNS_T_A, DNS_CLASS_IN, 300, 4);
	wire_wr_u8(&p->w, 192);
	wire_wr_u8(&p->w, 0);
	wire_wr_u8(&p->w, 2);
	wire_wr_u8(&p->w, last);
}

/* A record whose rdata is one name (CNAME, NS, PTR, DNAME). */
static void rr_name(struct pkt *p, enum dns_section sec, const char *owner,
		    uint16_t type, const char *target)
{
	uint8_t w[DNS_WIRE_MAX];
	size_t n = name_wire(w, target);

	rr_head(p, sec, owner, type, DNS_CLASS_IN, 300, (uint16_t)n);
	wire_wr_bytes(&p->w, w, n);
}

static void rr_soa(struct pkt *p, const char *zone, uint32_t minimum)
{
	uint8_t m[DNS_WIRE_MAX], r[DNS_WIRE_MAX];
	size_t ml = name_wire(m, "ns1.example"), rl = name_wire(r, "h.example");

	rr_head(p, DNS_SEC_AUTHORITY, zone, DNS_T_SOA, DNS_CLASS_IN, 3600,
		(uint16_t)(ml + rl + 20));
	wire_wr_bytes(&p->w, m, ml);
	wire_wr_bytes(&p->w, r, rl);
	wire_wr_u32(&p->w, 1);
	wire_wr_u32(&p->w, 3600);
	wire_wr_u32(&p->w, 600);
	wire_wr_u32(&p->w, 86400);
	wire_wr_u32(&p->w, minimum);
}

static void rr_opt(struct pkt *p, uint8_t ext_rcode)
{
	p->count[DNS_SEC_ADDITIONAL]++;
	wire_wr_u8(&p->w, 0);
	wire_wr_u16(&p->w, DNS_T_OPT);
	wire_wr_u16(&p->w, 1232);
	wire_wr_u32(&p->w, (uint32_t)ext_rcode << 24);
	wire_wr_u16(&p->w, 0);
}

static size_t pkt_end(struct pkt *p)
{
	wire_wr_u16_at(&p->w, 6, p->count[0]);
	wire_wr_u16_at(&p->w, 8, p->count[1]);
	wire_wr_u16_at(&p->w, 10, p->count[2]);
	CHECK(wire_wr_ok(&p->w));
	return p->w.off;
}

static enum dns_fwd_verdict check(struct pkt *p, const char **why)
{
	const char *w = NULL;
	size_t len = pkt_end(p);
	enum dns_fwd_verdict v = dns_fwd_check(&fq, p->b, len, &ans, &w);

	CHECK(w != NULL);
	if (why)
		*why = w;
	return v;
}

static bool rr_is(const struct dns_rr *rr, const char *owner, uint16_t type)
{
	uint8_t w[DNS_WIRE_MAX];

	name_wire(w, owner);
	return rr->type == type && dns_name_equal(rr->owner, w);
}

/* ---- The query ----------------------------------------------------- */

TEST(query_build)
{
	uint8_t buf[512];
	struct dns_query q;
	const char *why;
	size_t len;

	ask("www.example.com", DNS_T_AAAA);
	len = dns_fwd_query_build(&fq, buf, sizeof(buf));
	CHECK(len > 0);
	CHECK_INT(dns_query_parse(&q, buf, len, &why), 0);
	CHECK_INT(q.id, ID);
	CHECK_INT(q.flags, DNS_F_RD);
	CHECK_INT(q.qtype, DNS_T_AAAA);
	CHECK(q.edns && q.edns_udp == DNS_EDNS_OURS && !q.edns_do);
	CHECK(memcmp(q.qname, fq.name, fq.name_len) == 0);
	CHECK_INT(dns_fwd_query_build(&fq, buf, len - 1), 0);
}

/* ---- Is it ours? --------------------------------------------------- */

TEST(good_answer)
{
	struct pkt p;

	ask("www.example.com", DNS_T_A);
	reply(&p, DNS_R_NOERROR);
	rr_a(&p, DNS_SEC_ANSWER, NULL, 1);
	rr_a(&p, DNS_SEC_ANSWER, NULL, 2);
	rr_opt(&p, 0);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 2);
	CHECK(!ans.negative);
	CHECK_INT(ans.rcode, DNS_R_NOERROR);
	CHECK(rr_is(&ans.rr[0], "www.example.com", DNS_T_A));
	CHECK_INT(ans.rr[1].rdata[3], 2);
	CHECK_INT(ans.dropped, 0);
}

TEST(wrong_id)
{
	struct pkt p;
	const char *why;

	ask("www.example.com", DNS_T_A);
	pkt_start(&p, ID ^ 1, DNS_F_QR, "www.example.com", DNS_T_A,
		  DNS_CLASS_IN);
	rr_a(&p, DNS_SEC_ANSWER, NULL, 1);
	CHECK_INT(check(&p, &why), DNS_FWD_MISMATCH);
	CHECK_CONTAINS(why, "ID");
}

TEST(wrong_question)
{
	struct pkt p;
	const char *why;

	ask("www.example.com", DNS_T_A);
	pkt_start(&p, ID, DNS_F_QR, "www.example.org", DNS_T_A, DNS_CLASS_IN);
	rr_a(&p, DNS_SEC_ANSWER, NULL, 1);
	CHECK_INT(check(&p, &why), DNS_FWD_MISMATCH);
	CHECK_CONTAINS(why, "question");
	pkt_start(&p, ID, DNS_F_QR, "www.example.com", DNS_T_AAAA,
		  DNS_CLASS_IN);
	CHECK_INT(check(&p, NULL), DNS_FWD_MISMATCH);
	pkt_start(&p, ID, DNS_F_QR, "www.example.com", DNS_T_A, 3);
	CHECK_INT(check(&p, NULL), DNS_FWD_MISMATCH);
	pkt_start(&p, ID, DNS_F_QR, "www.example.com.x", DNS_T_A,
		  DNS_CLASS_IN);
	CHECK_INT(check(&p, NULL), DNS_FWD_MISMATCH);
	/* A query, not a response; another opcode; no question. */
	pkt_start(&p, ID, 0, "www.example.com", DNS_T_A, DNS_CLASS_IN);
	CHECK_INT(check(&p, &why), DNS_FWD_MISMATCH);
	CHECK_CONTAINS(why, "not a response");
	pkt_start(&p, ID, DNS_F_QR | 4 << 11, "www.example.com", DNS_T_A,
		  DNS_CLASS_IN);
	CHECK_INT(check(&p, NULL), DNS_FWD_MISMATCH);
	pkt_start(&p, ID, DNS_F_QR | DNS_R_FORMERR, "www.example.com", DNS_T_A,
		  DNS_CLASS_IN);
	wire_wr_u16_at(&p.w, 4, 0);
	CHECK_INT(check(&p, NULL), DNS_FWD_MISMATCH);
}

TEST(name_case_accepted)
{
	struct pkt p;

	/* DNS names compare without case (RFC 4343): an upstream that
	 * echoes the name in another case still answers our question. */
	ask("www.example.com", DNS_T_A);
	pkt_start(&p, ID, DNS_F_QR, "WWW.Example.COM", DNS_T_A, DNS_CLASS_IN);
	rr_a(&p, DNS_SEC_ANSWER, NULL, 1);
	rr_a(&p, DNS_SEC_ANSWER, "www.EXAMPLE.com", 2);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 2);
}

TEST(truncated)
{
	struct pkt p;

	ask("big.example", DNS_T_TXT);
	pkt_start(&p, ID, DNS_F_QR | DNS_F_TC, "big.example", DNS_T_TXT,
		  DNS_CLASS_IN);
	CHECK_INT(check(&p, NULL), DNS_FWD_TRUNCATED);
	/* TC wins over a broken rest: we ask again over TCP anyway. */
	wire_wr_u16_at(&p.w, 6, 50);
	CHECK_INT(check(&p, NULL), DNS_FWD_TRUNCATED);
}

TEST(error_rcodes)
{
	struct pkt p;

	ask("x.example", DNS_T_A);
	reply(&p, DNS_R_SERVFAIL);
	CHECK_INT(check(&p, NULL), DNS_FWD_RCODE);
	CHECK_INT(ans.rcode, DNS_R_SERVFAIL);
	reply(&p, DNS_R_REFUSED);
	CHECK_INT(check(&p, NULL), DNS_FWD_RCODE);
	/* BADVERS (16): rcode 0 in the header, 1 in the OPT. */
	reply(&p, 0);
	rr_opt(&p, 1);
	CHECK_INT(check(&p, NULL), DNS_FWD_RCODE);
	CHECK_INT(ans.rcode, DNS_R_BADVERS);
	CHECK_INT(ans.nrr, 0);
}

/* ---- Garbage ------------------------------------------------------- */

TEST(garbage)
{
	uint8_t junk[600];
	unsigned seed = 12345;
	struct pkt p;
	const char *why;
	int answers = 0;

	ask("www.example.com", DNS_T_A);
	CHECK_INT(dns_fwd_check(&fq, junk, 0, &ans, &why), DNS_FWD_MISMATCH);
	CHECK_INT(dns_fwd_check(&fq, NULL, 0, &ans, &why), DNS_FWD_MISMATCH);
	CHECK_INT(dns_fwd_check(&fq, junk, 11, &ans, &why), DNS_FWD_MISMATCH);
	/* Random bytes after a header that matches: never an answer
	 * beyond what the bytes say, never a crash (ASan watches). */
	for (int i = 0; i < 2000; i++) {
		for (size_t j = 0; j < sizeof(junk); j++) {
			seed = seed * 1103515245 + 12345;
			junk[j] = (uint8_t)(seed >> 16);
		}
		reply(&p, 0);
		memcpy(junk, p.b, p.w.off);
		if (dns_fwd_check(&fq, junk, 20 + (size_t)i % 580, &ans, &why) ==
		    DNS_FWD_ANSWER)
			answers++;
	}
	CHECK(answers < 2000);
}

TEST(counts_lie)
{
	struct pkt p;
	const char *why;

	ask("www.example.com", DNS_T_A);
	reply(&p, 0);
	rr_a(&p, DNS_SEC_ANSWER, NULL, 1);
	pkt_end(&p);
	wire_wr_u16_at(&p.w, 6, 5);
	CHECK_INT(dns_fwd_check(&fq, p.b, p.w.off, &ans, &why),
		  DNS_FWD_MALFORMED);
	CHECK_CONTAINS(why, "past the end");
	CHECK_INT(ans.nrr, 0);
	/* rdlength past the end. */
	reply(&p, 0);
	rr_head(&p, DNS_SEC_ANSWER, NULL, DNS_T_TXT, DNS_CLASS_IN, 1, 200);
	wire_wr_zero(&p.w, 10);
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);
}

TEST(compression_abuse)
{
	struct pkt p;
	size_t at;

	ask("www.example.com", DNS_T_A);
	/* A pointer to itself. */
	reply(&p, 0);
	p.count[0]++;
	at = p.w.off;
	wire_wr_u16(&p.w, (uint16_t)(0xc000 | at));
	wire_wr_u16(&p.w, DNS_T_A);
	wire_wr_u16(&p.w, DNS_CLASS_IN);
	wire_wr_u32(&p.w, 1);
	wire_wr_u16(&p.w, 4);
	wire_wr_u32(&p.w, 0);
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);

	/* Two names pointing at each other. */
	reply(&p, 0);
	p.count[0]++;
	at = p.w.off;
	wire_wr_u8(&p.w, 1);
	wire_wr_u8(&p.w, 'a');
	wire_wr_u16(&p.w, (uint16_t)(0xc000 | (at + 4)));
	wire_wr_u8(&p.w, 1);
	wire_wr_u8(&p.w, 'b');
	wire_wr_u16(&p.w, (uint16_t)(0xc000 | at));
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);

	/* A pointer forward, past the end, and a label type 0x40. */
	reply(&p, 0);
	rr_head(&p, DNS_SEC_ANSWER, NULL, DNS_T_CNAME, DNS_CLASS_IN, 1, 2);
	wire_wr_u16(&p.w, 0xc000 | 0x3fff);
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);
	reply(&p, 0);
	p.count[0]++;
	wire_wr_u8(&p.w, 0x41);
	wire_wr_zero(&p.w, 20);
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);

	/* A chain of pointers that would build a name over 255 bytes:
	 * labels of 63 bytes inside a TXT record, each pointing back to the
	 * one before, and an A record owned by the last one. */
	reply(&p, 0);
	rr_head(&p, DNS_SEC_ANSWER, NULL, DNS_T_TXT, DNS_CLASS_IN, 1, 5 * 66);
	{
		size_t prev = 12;	/* the question's name */

		for (int i = 0; i < 5; i++) {
			size_t here = p.w.off;

			wire_wr_u8(&p.w, 63);
			wire_wr_zero(&p.w, 63);
			wire_wr_u16(&p.w, (uint16_t)(0xc000 | prev));
			prev = here;
		}
		p.count[0]++;
		wire_wr_u16(&p.w, (uint16_t)(0xc000 | prev));
		wire_wr_u16(&p.w, DNS_T_A);
		wire_wr_u16(&p.w, DNS_CLASS_IN);
		wire_wr_u32(&p.w, 1);
		wire_wr_u16(&p.w, 4);
		wire_wr_u32(&p.w, 0);
	}
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);

	/* A pointer in the question that points into the header. */
	pkt_start(&p, ID, DNS_F_QR, "", DNS_T_A, DNS_CLASS_IN);
	p.w.off = DNS_HDR_LEN;
	wire_wr_u16(&p.w, 0xc000 | 4);
	wire_wr_u16(&p.w, DNS_T_A);
	wire_wr_u16(&p.w, DNS_CLASS_IN);
	CHECK_INT(check(&p, NULL), DNS_FWD_MISMATCH);
}

TEST(compressed_rdata_expanded)
{
	struct pkt p;
	uint8_t want[DNS_WIRE_MAX];

	ask("www.example.com", DNS_T_A);
	reply(&p, 0);
	/* CNAME www.example.com -> web + pointer to "example.com" in the
	 * question (offset 12 + 4). */
	rr_head(&p, DNS_SEC_ANSWER, NULL, DNS_T_CNAME, DNS_CLASS_IN, 300, 6);
	wire_wr_u8(&p.w, 3);
	wire_wr_bytes(&p.w, "web", 3);
	wire_wr_u16(&p.w, 0xc000 | 16);
	rr_a(&p, DNS_SEC_ANSWER, "web.example.com", 9);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 2);
	name_wire(want, "web.example.com");
	CHECK_INT(ans.rr[0].rdlen, 17);
	CHECK(memcmp(ans.rr[0].rdata, want, 17) == 0);
	CHECK(rr_is(&ans.rr[1], "web.example.com", DNS_T_A));
}

TEST(bad_rdata)
{
	struct pkt p;

	ask("www.example.com", DNS_T_A);
	reply(&p, 0);
	rr_head(&p, DNS_SEC_ANSWER, NULL, DNS_T_A, DNS_CLASS_IN, 300, 5);
	wire_wr_zero(&p.w, 5);
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);

	/* A CNAME whose name runs past its rdlength. */
	reply(&p, 0);
	rr_head(&p, DNS_SEC_ANSWER, NULL, DNS_T_CNAME, DNS_CLASS_IN, 300, 3);
	put_name(&p, "abc.example");
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);

	/* A CNAME with bytes after its name. */
	reply(&p, 0);
	rr_head(&p, DNS_SEC_ANSWER, NULL, DNS_T_CNAME, DNS_CLASS_IN, 300, 6);
	put_name(&p, "abc");
	wire_wr_zero(&p.w, 1);
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);

	/* A SOA without its 20 fixed bytes. */
	ask("nx.example", DNS_T_A);
	reply(&p, DNS_R_NXDOMAIN);
	rr_head(&p, DNS_SEC_AUTHORITY, "example", DNS_T_SOA, DNS_CLASS_IN, 1,
		4 + 16);
	put_name(&p, "a");
	put_name(&p, "b");
	wire_wr_zero(&p.w, 16);
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);

	/* OPT twice, or in the answer section. */
	reply(&p, 0);
	rr_opt(&p, 0);
	rr_opt(&p, 0);
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);
	reply(&p, 0);
	p.count[0]++;
	wire_wr_u8(&p.w, 0);
	wire_wr_u16(&p.w, DNS_T_OPT);
	wire_wr_u16(&p.w, 512);
	wire_wr_u32(&p.w, 0);
	wire_wr_u16(&p.w, 0);
	CHECK_INT(check(&p, NULL), DNS_FWD_MALFORMED);
}

/* ---- What is kept -------------------------------------------------- */

TEST(unrelated_dropped)
{
	struct pkt p;

	ask("www.example.com", DNS_T_A);
	reply(&p, 0);
	rr_a(&p, DNS_SEC_ANSWER, NULL, 1);
	rr_a(&p, DNS_SEC_ANSWER, "www.bank.example", 66);	/* poison */
	rr_name(&p, DNS_SEC_ANSWER, "bank.example", DNS_T_NS, "ns.evil");
	rr_name(&p, DNS_SEC_AUTHORITY, "bank.example", DNS_T_NS, "ns.evil");
	rr_name(&p, DNS_SEC_AUTHORITY, "example.com", DNS_T_NS,
		"ns.example.com");
	rr_soa(&p, "evil", 60);
	rr_a(&p, DNS_SEC_ADDITIONAL, "ns.evil", 66);
	rr_a(&p, DNS_SEC_ADDITIONAL, "ns.example.com", 53);
	rr_a(&p, DNS_SEC_ADDITIONAL, "www.bank.example", 66);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 3);
	CHECK(rr_is(&ans.rr[0], "www.example.com", DNS_T_A));
	CHECK(rr_is(&ans.rr[1], "example.com", DNS_T_NS));
	CHECK_INT(ans.rr[1].section, DNS_SEC_AUTHORITY);
	CHECK(rr_is(&ans.rr[2], "ns.example.com", DNS_T_A));
	CHECK_INT(ans.rr[2].section, DNS_SEC_ADDITIONAL);
	CHECK_INT(ans.dropped, 6);
}

TEST(wrong_class_dropped)
{
	struct pkt p;

	ask("www.example.com", DNS_T_A);
	reply(&p, 0);
	rr_head(&p, DNS_SEC_ANSWER, NULL, DNS_T_A, 3 /* CH */, 300, 4);
	wire_wr_u32(&p.w, 0x0a000001);
	rr_a(&p, DNS_SEC_ANSWER, NULL, 2);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 1);
	CHECK_INT(ans.rr[0].rclass, DNS_CLASS_IN);
	CHECK_INT(ans.dropped, 1);
}

TEST(cname_chain)
{
	struct pkt p;

	ask("www.example.com", DNS_T_A);
	reply(&p, 0);
	rr_name(&p, DNS_SEC_ANSWER, NULL, DNS_T_CNAME, "a.example.net");
	rr_name(&p, DNS_SEC_ANSWER, "a.example.net", DNS_T_CNAME,
		"b.example.org");
	rr_a(&p, DNS_SEC_ANSWER, "b.example.org", 7);
	rr_a(&p, DNS_SEC_ANSWER, "c.example.org", 8);	/* off the chain */
	/* A second CNAME at the same name is not followed. */
	rr_name(&p, DNS_SEC_ANSWER, NULL, DNS_T_CNAME, "evil.example");
	rr_a(&p, DNS_SEC_ANSWER, "evil.example", 9);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 3);
	CHECK(!ans.negative);
	CHECK(rr_is(&ans.rr[2], "b.example.org", DNS_T_A));
	CHECK_INT(ans.dropped, 3);

	/* A loop ends, negative (no A at the end). */
	reply(&p, 0);
	rr_name(&p, DNS_SEC_ANSWER, NULL, DNS_T_CNAME, "x.example");
	rr_name(&p, DNS_SEC_ANSWER, "x.example", DNS_T_CNAME,
		"www.example.com");
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 2);
	CHECK(ans.negative);

	/* Sent backwards (the target's address, then the CNAMEs, and a
	 * CNAME of another class that is dropped): kept in chain order,
	 * the question's name first, as stub resolvers read it (found by
	 * fuzz_dns_response, corpus crash-chain-out-of-order). */
	reply(&p, 0);
	rr_a(&p, DNS_SEC_ANSWER, "b.example.org", 7);
	rr_name(&p, DNS_SEC_ANSWER, "a.example.net", DNS_T_CNAME,
		"b.example.org");
	rr_name(&p, DNS_SEC_ANSWER, NULL, DNS_T_CNAME, "a.example.net");
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 3);
	CHECK(rr_is(&ans.rr[0], "www.example.com", DNS_T_CNAME));
	CHECK(rr_is(&ans.rr[1], "a.example.net", DNS_T_CNAME));
	CHECK(rr_is(&ans.rr[2], "b.example.org", DNS_T_A));

	/* Asking for the CNAME itself: not followed. */
	ask("www.example.com", DNS_T_CNAME);
	reply(&p, 0);
	rr_name(&p, DNS_SEC_ANSWER, NULL, DNS_T_CNAME, "a.example.net");
	rr_a(&p, DNS_SEC_ANSWER, "a.example.net", 1);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 1);
	CHECK(!ans.negative);
}

TEST(long_chain_bounded)
{
	struct pkt p;
	char from[32], to[32];

	ask("c0.example", DNS_T_A);
	reply(&p, 0);
	for (int i = 0; i < 30; i++) {
		snprintf(from, sizeof(from), "c%d.example", i);
		snprintf(to, sizeof(to), "c%d.example", i + 1);
		rr_name(&p, DNS_SEC_ANSWER, from, DNS_T_CNAME, to);
	}
	rr_a(&p, DNS_SEC_ANSWER, "c30.example", 1);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, DNS_FWD_CHAIN_MAX);
	CHECK(ans.negative);
}

TEST(dname)
{
	struct pkt p;

	ask("a.x.example", DNS_T_A);
	reply(&p, 0);
	rr_name(&p, DNS_SEC_ANSWER, "x.example", 39 /* DNAME */, "y.example");
	rr_name(&p, DNS_SEC_ANSWER, NULL, DNS_T_CNAME, "a.y.example");
	rr_a(&p, DNS_SEC_ANSWER, "a.y.example", 1);
	rr_name(&p, DNS_SEC_ANSWER, "z.example", 39, "evil.example");
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 3);
	CHECK(!ans.negative);
	CHECK_INT(ans.dropped, 1);
}

TEST(negative_answers)
{
	struct pkt p;

	ask("nx.example.com", DNS_T_A);
	reply(&p, DNS_R_NXDOMAIN);
	rr_soa(&p, "evil", 60);			/* not above the name */
	rr_soa(&p, "example.com", 300);
	rr_soa(&p, "com", 300);			/* a second SOA */
	rr_name(&p, DNS_SEC_AUTHORITY, "example.com", DNS_T_NS, "ns.x");
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK(ans.negative);
	CHECK_INT(ans.rcode, DNS_R_NXDOMAIN);
	CHECK_INT(ans.nrr, 1);
	CHECK(rr_is(&ans.rr[0], "example.com", DNS_T_SOA));

	/* NODATA: NOERROR, no A, the zone's SOA. */
	reply(&p, 0);
	rr_name(&p, DNS_SEC_ANSWER, NULL, DNS_T_TXT, "\x01x");
	rr_soa(&p, "example.com", 300);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK(ans.negative);
	CHECK_INT(ans.nrr, 1);

	/* Only a foreign SOA: nothing left to take a TTL from, so the
	 * cache will not keep it. */
	reply(&p, DNS_R_NXDOMAIN);
	rr_soa(&p, "evil", 60);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 0);
	{
		struct dns_cache *c = dns_cache_new(NULL);

		CHECK_INT(dns_cache_store(c, &ans, 1, NULL), 1);
		dns_cache_free(c);
	}
}

TEST(mx_srv_additional)
{
	struct pkt p;

	ask("example.com", DNS_T_MX);
	reply(&p, 0);
	rr_head(&p, DNS_SEC_ANSWER, NULL, DNS_T_MX, DNS_CLASS_IN, 300, 2 + 7);
	wire_wr_u16(&p.w, 10);
	wire_wr_u8(&p.w, 4);
	wire_wr_bytes(&p.w, "mail", 4);
	wire_wr_u16(&p.w, 0xc000 | 12);		/* mail.example.com */
	rr_a(&p, DNS_SEC_ADDITIONAL, "mail.example.com", 25);
	rr_a(&p, DNS_SEC_ADDITIONAL, "other.example.com", 26);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 2);
	CHECK(rr_is(&ans.rr[1], "mail.example.com", DNS_T_A));

	ask("_sip._udp.example.com", DNS_T_SRV);
	reply(&p, 0);
	rr_head(&p, DNS_SEC_ANSWER, NULL, DNS_T_SRV, DNS_CLASS_IN, 300,
		6 + 17);
	wire_wr_u16(&p.w, 0);
	wire_wr_u16(&p.w, 0);
	wire_wr_u16(&p.w, 5060);
	put_name(&p, "sip.example.com");
	rr_a(&p, DNS_SEC_ADDITIONAL, "sip.example.com", 1);
	rr_a(&p, DNS_SEC_ADDITIONAL, "evil.example.com", 2);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 2);
	CHECK_INT(ans.dropped, 1);
}

TEST(any_query)
{
	struct pkt p;

	ask("h.example", DNS_T_ANY);
	reply(&p, 0);
	rr_a(&p, DNS_SEC_ANSWER, NULL, 1);
	rr_name(&p, DNS_SEC_ANSWER, NULL, DNS_T_TXT, "\x02hi");
	rr_a(&p, DNS_SEC_ANSWER, "g.example", 2);
	CHECK_INT(check(&p, NULL), DNS_FWD_ANSWER);
	CHECK_INT(ans.nrr, 2);
	CHECK(!ans.negative);
}

TEST(verdict_names)
{
	CHECK_STR(dns_fwd_verdict_name(DNS_FWD_ANSWER), "answer");
	CHECK_STR(dns_fwd_verdict_name(DNS_FWD_MALFORMED), "malformed");
	CHECK_STR(dns_fwd_verdict_name(DNS_FWD_VERDICT_MAX), "?");
}

int main(void)
{
	RUN(query_build);
	RUN(good_answer);
	RUN(wrong_id);
	RUN(wrong_question);
	RUN(name_case_accepted);
	RUN(truncated);
	RUN(error_rcodes);
	RUN(garbage);
	RUN(counts_lie);
	RUN(compression_abuse);
	RUN(compressed_rdata_expanded);
	RUN(bad_rdata);
	RUN(unrelated_dropped);
	RUN(wrong_class_dropped);
	RUN(cname_chain);
	RUN(long_chain_bounded);
	RUN(dname);
	RUN(negative_answers);
	RUN(mx_srv_additional);
	RUN(any_query);
	RUN(verdict_names);
	return test_done();
}
