/*
 * Unit tests for dnsd/dns_cache.c: TTLs going down with age, expiry,
 * RFC 2308 negative TTLs, the byte budget under a flood of names (LRU,
 * not FIFO), the stale window (RFC 8767), the client's case and id in
 * replies, EDNS, and truncation with TC at the client's UDP size. Replies
 * are read back with dns_fwd_check(), the same check upstream replies get.
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

#define T0 1000			/* "now" when entries are stored */

static uint8_t out[DNS_TCP_MAX];
static struct dns_answer ans, back;


/* A client query: name in the given case, EDNS size (0: no OPT). */
static void make_query(struct dns_query *q, uint16_t id, const char *name,
		       uint16_t qtype, uint16_t edns, bool do_bit)
{
	uint8_t buf[512];
	struct wire_wr w;
	const char *why = NULL;

	wire_wr_init(&w, buf, sizeof(buf));
	wire_wr_u16(&w, id);
	wire_wr_u16(&w, DNS_F_RD);
	wire_wr_u16(&w, 1);
	wire_wr_u16(&w, 0);
	wire_wr_u16(&w, 0);
	wire_wr_u16(&w, edns ? 1 : 0);
	w.off += name_wire(buf + w.off, name);
	wire_wr_u16(&w, qtype);
	wire_wr_u16(&w, DNS_CLASS_IN);
	if (edns) {
		wire_wr_u8(&w, 0);
		wire_wr_u16(&w, DNS_T_OPT);
		wire_wr_u16(&w, edns);
		wire_wr_u32(&w, do_bit ? 0x8000 : 0);
		wire_wr_u16(&w, 0);
	}
	CHECK(wire_wr_ok(&w));
	CHECK_INT(dns_query_parse(q, buf, w.off, &why), 0);
}

static void answer_for(const char *name, uint16_t qtype)
{
	uint8_t w[DNS_WIRE_MAX];

	name_wire(w, name);
	dns_answer_init(&ans, w, qtype, DNS_CLASS_IN);
}

static void add_a(enum dns_section sec, const char *owner, uint32_t ttl,
		  uint8_t last)
{
	uint8_t w[DNS_WIRE_MAX], ip[4] = { 192, 0, 2, last };

	name_wire(w, owner);
	CHECK_INT(dns_answer_add(&ans, sec, w, DNS_T_A, DNS_CLASS_IN, ttl, ip,
				 4), 0);
}

static void add_cname(const char *owner, const char *target, uint32_t ttl)
{
	uint8_t w[DNS_WIRE_MAX], t[DNS_WIRE_MAX];
	size_t tl = name_wire(t, target);

	name_wire(w, owner);
	CHECK_INT(dns_answer_add(&ans, DNS_SEC_ANSWER, w, DNS_T_CNAME,
				 DNS_CLASS_IN, ttl, t, (uint16_t)tl), 0);
}

static void add_soa(const char *zone, uint32_t ttl, uint32_t minimum)
{
	uint8_t w[DNS_WIRE_MAX], rd[2 * DNS_WIRE_MAX + 20];
	size_t n = 0;
	struct wire_wr wr;

	name_wire(w, zone);
	n += name_wire(rd + n, "ns.example");
	n += name_wire(rd + n, "hostmaster.example");
	wire_wr_init(&wr, rd + n, 20);
	wire_wr_u32(&wr, 2024010101);
	wire_wr_u32(&wr, 3600);
	wire_wr_u32(&wr, 600);
	wire_wr_u32(&wr, 86400);
	wire_wr_u32(&wr, minimum);
	n += 20;
	CHECK_INT(dns_answer_add(&ans, DNS_SEC_AUTHORITY, w, DNS_T_SOA,
				 DNS_CLASS_IN, ttl, rd, (uint16_t)n), 0);
}

static struct dns_cache *cache_new(size_t bytes)
{
	struct dns_cache_opts o;

	dns_cache_opts_default(&o);
	if (bytes)
		o.max_bytes = bytes;
	o.seed[0] = 1;
	o.seed[1] = 2;
	return dns_cache_new(&o);
}

/* Store ans, checking that it was kept (want 0) or not (want 1). */
static void store(struct dns_cache *c, int want)
{
	CHECK_INT(dns_cache_store(c, &ans, T0, NULL), want);
}

/* Get q at now; read the reply back into `back`. Returns get's code. */
static int get(struct dns_cache *c, const struct dns_query *q, int64_t now,
	       unsigned flags, size_t *len)
{
	struct dns_fwd_question fq = { .id = q->id, .qtype = q->qtype,
				       .qclass = q->qclass };
	const char *why;
	int rc;

	*len = 0;
	rc = dns_cache_get(c, q, now, flags, out, sizeof(out), len);
	if (rc < 0)
		return rc;
	memcpy(fq.name, q->lname, q->qname_len);
	fq.name_len = q->qname_len;
	if (!(out[2] & (DNS_F_TC >> 8)))
		CHECK_INT(dns_fwd_check(&fq, out, *len, &back, &why),
			  DNS_FWD_ANSWER);
	return rc;
}

static uint16_t hdr16(size_t off)
{
	return (uint16_t)(out[off] << 8 | out[off + 1]);
}

TEST(positive_ttl_goes_down)
{
	struct dns_cache *c = cache_new(0);
	struct dns_query q;
	size_t len;

	answer_for("www.example.com", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "www.example.com", 300, 1);
	add_a(DNS_SEC_ANSWER, "www.example.com", 600, 2);
	store(c, 0);
	make_query(&q, 0x1234, "www.example.com", DNS_T_A, 0, false);

	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK_INT(hdr16(0), 0x1234);
	CHECK_INT(hdr16(2), DNS_F_QR | DNS_F_RD | DNS_F_RA);
	CHECK_INT(back.nrr, 2);
	CHECK_INT(back.rr[0].ttl, 300);
	CHECK_INT(back.rr[1].ttl, 600);

	CHECK_INT(get(c, &q, T0 + 100, 0, &len), 0);
	CHECK_INT(back.rr[0].ttl, 200);
	CHECK_INT(back.rr[1].ttl, 500);
	CHECK_INT(get(c, &q, T0 + 299, 0, &len), 0);
	CHECK_INT(back.rr[0].ttl, 1);

	/* Expired at the smallest TTL of the answer section. */
	CHECK_INT(get(c, &q, T0 + 300, 0, &len), -ENOENT);

	struct dns_cache_stats st;

	dns_cache_stats(c, &st);
	CHECK_INT(st.hits, 3);
	CHECK_INT(st.misses, 1);
	CHECK_INT(st.entries, 1);	/* kept for the stale window */
	dns_cache_free(c);
}

TEST(rd_copied_ra_set)
{
	struct dns_cache *c = cache_new(0);
	struct dns_query q;
	size_t len;

	answer_for("a.example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "a.example", 60, 1);
	store(c, 0);
	make_query(&q, 7, "a.example", DNS_T_A, 0, false);
	q.flags &= (uint16_t)~DNS_F_RD;
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK_INT(hdr16(2), DNS_F_QR | DNS_F_RA);
	dns_cache_free(c);
}

TEST(ttl_cap_floor_and_zero)
{
	struct dns_cache_opts o;
	struct dns_cache *c;
	struct dns_query q;
	size_t len;

	dns_cache_opts_default(&o);
	c = dns_cache_new(&o);
	answer_for("big.example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "big.example", 10000000, 1);
	store(c, 0);
	make_query(&q, 1, "big.example", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK_INT(back.rr[0].ttl, 86400);

	/* TTL 0 is not kept; neither is a TTL with the top bit set. */
	answer_for("zero.example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "zero.example", 0, 1);
	store(c, 1);
	answer_for("neg.example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "neg.example", 0x80000000u, 1);
	store(c, 1);
	make_query(&q, 1, "zero.example", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0, 0, &len), -ENOENT);
	dns_cache_free(c);

	/* A floor raises short TTLs. */
	o.ttl_min = 60;
	c = dns_cache_new(&o);
	answer_for("short.example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "short.example", 5, 1);
	store(c, 0);
	make_query(&q, 1, "short.example", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0 + 30, 0, &len), 0);
	CHECK_INT(back.rr[0].ttl, 30);
	dns_cache_free(c);
}

TEST(negative_ttl_rfc2308)
{
	struct dns_cache *c = cache_new(0);
	struct dns_cache_entry *e;
	struct dns_query q;
	size_t len;

	/* NXDOMAIN: min(SOA TTL, SOA minimum). */
	answer_for("nx.example", DNS_T_A);
	ans.rcode = DNS_R_NXDOMAIN;
	ans.negative = true;
	add_soa("example", 3600, 60);
	CHECK_INT(dns_cache_store(c, &ans, T0, &e), 0);
	CHECK_INT(dns_cache_entry_ttl(e), 60);
	dns_cache_entry_put(e);
	make_query(&q, 2, "nx.example", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0 + 10, 0, &len), 0);
	CHECK_INT(out[3] & 0x0f, DNS_R_NXDOMAIN);
	CHECK_INT(back.nrr, 1);
	CHECK_INT(back.rr[0].type, DNS_T_SOA);
	CHECK_INT(back.rr[0].ttl, 50);	/* the SOA carries the negative TTL */
	CHECK_INT(get(c, &q, T0 + 60, 0, &len), -ENOENT);

	/* NODATA, SOA TTL lower than its minimum. */
	answer_for("nodata.example", DNS_T_AAAA);
	ans.negative = true;
	add_soa("example", 30, 600);
	CHECK_INT(dns_cache_store(c, &ans, T0, &e), 0);
	CHECK_INT(dns_cache_entry_ttl(e), 30);
	dns_cache_entry_put(e);

	/* Capped at neg_ttl_max (one hour by default). */
	answer_for("long.example", DNS_T_A);
	ans.rcode = DNS_R_NXDOMAIN;
	ans.negative = true;
	add_soa("example", 86400, 86400);
	CHECK_INT(dns_cache_store(c, &ans, T0, &e), 0);
	CHECK_INT(dns_cache_entry_ttl(e), 3600);
	dns_cache_entry_put(e);

	/* A CNAME before the negative end lowers it further. */
	answer_for("alias.example", DNS_T_A);
	ans.rcode = DNS_R_NXDOMAIN;
	ans.negative = true;
	add_cname("alias.example", "gone.example", 20);
	add_soa("example", 3600, 300);
	CHECK_INT(dns_cache_store(c, &ans, T0, &e), 0);
	CHECK_INT(dns_cache_entry_ttl(e), 20);
	dns_cache_entry_put(e);

	/* No SOA: not kept (RFC 2308 5), but still answerable once. */
	answer_for("nosoa.example", DNS_T_A);
	ans.rcode = DNS_R_NXDOMAIN;
	ans.negative = true;
	CHECK_INT(dns_cache_store(c, &ans, T0, &e), 1);
	make_query(&q, 3, "nosoa.example", DNS_T_A, 0, false);
	CHECK_INT(dns_cache_entry_reply(e, &q, T0, 0, out, sizeof(out), &len),
		  0);
	CHECK_INT(out[3] & 0x0f, DNS_R_NXDOMAIN);
	dns_cache_entry_put(e);
	CHECK_INT(get(c, &q, T0, 0, &len), -ENOENT);

	/* SERVFAIL is never kept: it would hide a stale answer. */
	answer_for("sf.example", DNS_T_A);
	ans.rcode = DNS_R_SERVFAIL;
	store(c, 1);
	dns_cache_free(c);
}

TEST(nosoa_ttl_option)
{
	struct dns_cache_opts o;
	struct dns_cache *c;
	struct dns_cache_entry *e;

	dns_cache_opts_default(&o);
	o.nosoa_ttl = 5;
	c = dns_cache_new(&o);
	answer_for("nosoa.example", DNS_T_A);
	ans.rcode = DNS_R_NXDOMAIN;
	ans.negative = true;
	CHECK_INT(dns_cache_store(c, &ans, T0, &e), 0);
	CHECK_INT(dns_cache_entry_ttl(e), 5);
	dns_cache_entry_put(e);
	dns_cache_free(c);
}

TEST(stale_window)
{
	struct dns_cache_opts o;
	struct dns_cache *c;
	struct dns_cache_stats st;
	struct dns_query q;
	size_t len;

	dns_cache_opts_default(&o);
	o.stale_window = 3600;
	c = dns_cache_new(&o);
	answer_for("s.example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "s.example", 60, 1);
	store(c, 0);
	make_query(&q, 9, "s.example", DNS_T_A, 0, false);

	/* Fresh: STALE changes nothing. */
	CHECK_INT(get(c, &q, T0 + 10, DNS_CACHE_STALE, &len), 0);
	CHECK_INT(back.rr[0].ttl, 50);
	/* Expired: only served when asked for stale, with TTL 30. */
	CHECK_INT(get(c, &q, T0 + 61, 0, &len), -ENOENT);
	CHECK_INT(get(c, &q, T0 + 61, DNS_CACHE_STALE, &len), 1);
	CHECK_INT(back.rr[0].ttl, DNS_CACHE_STALE_TTL);
	CHECK_INT(get(c, &q, T0 + 60 + 3599, DNS_CACHE_STALE, &len), 1);
	/* Past the window it is gone for good. */
	CHECK_INT(get(c, &q, T0 + 60 + 3600, DNS_CACHE_STALE, &len), -ENOENT);
	dns_cache_stats(c, &st);
	CHECK_INT(st.stale, 2);
	CHECK_INT(st.expired, 1);
	CHECK_INT(st.entries, 0);
	dns_cache_free(c);

	/* A window of 0: no serve-stale. */
	o.stale_window = 0;
	c = dns_cache_new(&o);
	answer_for("s.example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "s.example", 60, 1);
	store(c, 0);
	CHECK_INT(get(c, &q, T0 + 61, DNS_CACHE_STALE, &len), -ENOENT);
	dns_cache_free(c);
}

TEST(case_preserved)
{
	struct dns_cache *c = cache_new(0);
	struct dns_query q;
	size_t len, qend;

	answer_for("www.example.com", DNS_T_A);
	add_cname("www.example.com", "web.example.com", 300);
	add_a(DNS_SEC_ANSWER, "web.example.com", 300, 1);
	store(c, 0);
	make_query(&q, 5, "WwW.ExAmPlE.cOm", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	/* The question as the client spelled it... */
	CHECK(memcmp(out + DNS_HDR_LEN, q.qname, q.qname_len) == 0);
	qend = DNS_HDR_LEN + q.qname_len + 4;
	/* ...and the answer's owner points at it. */
	CHECK_INT(out[qend], 0xc0);
	CHECK_INT(out[qend + 1], DNS_HDR_LEN);
	CHECK_INT(back.nrr, 2);
	CHECK_INT(back.rr[1].type, DNS_T_A);

	/* An entry stored from a mixed-case name is found in any case. */
	answer_for("MiXeD.Example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "MiXeD.Example", 300, 1);
	store(c, 0);
	make_query(&q, 6, "mixed.EXAMPLE", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK(memcmp(out + DNS_HDR_LEN, q.qname, q.qname_len) == 0);
	dns_cache_free(c);
}

TEST(edns_in_reply)
{
	struct dns_cache *c = cache_new(0);
	struct dns_query q;
	size_t len;

	answer_for("e.example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "e.example", 60, 1);
	store(c, 0);
	make_query(&q, 11, "e.example", DNS_T_A, 4096, true);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK_INT(hdr16(10), 1);		/* arcount: the OPT */
	/* The OPT ends the reply: root, type, our size, DO copied. */
	CHECK_INT(out[len - 11], 0);
	CHECK_INT(out[len - 10] << 8 | out[len - 9], DNS_T_OPT);
	CHECK_INT(out[len - 8] << 8 | out[len - 7], DNS_EDNS_OURS);
	CHECK_INT(out[len - 4] & 0x80, 0x80);

	make_query(&q, 11, "e.example", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK_INT(hdr16(10), 0);

	/* EDNS version 1 is dnsd's to answer (BADVERS). */
	make_query(&q, 11, "e.example", DNS_T_A, 1232, false);
	q.edns_version = 1;
	CHECK_INT(dns_cache_get(c, &q, T0, 0, out, sizeof(out), &len),
		  -EINVAL);
	dns_cache_free(c);
}

TEST(truncation)
{
	struct dns_cache *c = cache_new(0);
	struct dns_query q;
	size_t len;

	/* 40 A records: 16 bytes each with the owner compressed. */
	answer_for("many.example", DNS_T_A);
	for (int i = 0; i < 40; i++)
		add_a(DNS_SEC_ANSWER, "many.example", 300, (uint8_t)i);
	store(c, 0);

	make_query(&q, 1, "many.example", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK(len <= DNS_UDP_MIN);
	CHECK(hdr16(2) & DNS_F_TC);
	CHECK_INT(hdr16(6), 0);		/* whole RRsets only */

	make_query(&q, 1, "many.example", DNS_T_A, 1232, false);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK(!(hdr16(2) & DNS_F_TC));
	CHECK_INT(hdr16(6), 40);
	CHECK_INT(back.nrr, 40);

	/* The client's size is capped by ours (cap), and never < 512. */
	make_query(&q, 1, "many.example", DNS_T_A, 65000, false);
	CHECK_INT(dns_cache_get(c, &q, T0, 0, out, 600, &len), 0);
	CHECK(len <= 600 && (hdr16(2) & DNS_F_TC));
	make_query(&q, 1, "many.example", DNS_T_A, 100, false);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK(len <= DNS_UDP_MIN && (hdr16(2) & DNS_F_TC));

	/* Over TCP no limit but the buffer. */
	make_query(&q, 1, "many.example", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0, DNS_CACHE_TCP, &len), 0);
	CHECK(!(hdr16(2) & DNS_F_TC));
	CHECK_INT(hdr16(6), 40);

	/* A CNAME that fits stays; the A RRset after it does not. */
	answer_for("alias.example", DNS_T_A);
	add_cname("alias.example", "many.example", 300);
	for (int i = 0; i < 40; i++)
		add_a(DNS_SEC_ANSWER, "many.example", 300, (uint8_t)i);
	store(c, 0);
	make_query(&q, 1, "alias.example", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK(hdr16(2) & DNS_F_TC);
	CHECK_INT(hdr16(6), 1);

	/* Additional records that do not fit are left out without TC. */
	answer_for("mx.example", DNS_T_MX);
	{
		uint8_t owner[DNS_WIRE_MAX], rd[DNS_WIRE_MAX + 2] = { 0, 10 };
		size_t n = 2 + name_wire(rd + 2, "mail.example");

		name_wire(owner, "mx.example");
		CHECK_INT(dns_answer_add(&ans, DNS_SEC_ANSWER, owner, DNS_T_MX,
					 DNS_CLASS_IN, 300, rd, (uint16_t)n),
			  0);
	}
	for (int i = 0; i < 40; i++)
		add_a(DNS_SEC_ADDITIONAL, "mail.example", 300, (uint8_t)i);
	store(c, 0);
	make_query(&q, 1, "mx.example", DNS_T_MX, 0, false);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK(len <= DNS_UDP_MIN);
	CHECK(!(hdr16(2) & DNS_F_TC));
	CHECK_INT(hdr16(6), 1);
	CHECK_INT(hdr16(10), 0);
	dns_cache_free(c);
}

TEST(lru_bound_under_flood)
{
	const size_t budget = 64 * 1024;
	struct dns_cache *c = cache_new(budget);
	struct dns_cache_stats st;
	struct dns_query q;
	char name[64];
	size_t len;

	/* "keep" is read between insertions: LRU keeps it, FIFO would not. */
	answer_for("keep.example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "keep.example", 3600, 1);
	store(c, 0);
	make_query(&q, 1, "keep.example", DNS_T_A, 0, false);
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "host-%d.flood.example", i);
		answer_for(name, DNS_T_A);
		add_a(DNS_SEC_ANSWER, name, 3600, (uint8_t)i);
		store(c, 0);
		if (i % 50 == 0)
			CHECK_INT(get(c, &q, T0, 0, &len), 0);
		dns_cache_stats(c, &st);
		if (st.bytes > budget) {
			CHECK(st.bytes <= budget);
			break;
		}
	}
	dns_cache_stats(c, &st);
	CHECK(st.evictions > 15000);
	CHECK(st.entries > 100);
	CHECK_INT(st.stored, 20001);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	make_query(&q, 1, "host-19999.flood.example", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	make_query(&q, 1, "host-0.flood.example", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0, 0, &len), -ENOENT);
	dns_cache_free(c);
}

TEST(big_entry_not_kept)
{
	struct dns_cache *c = cache_new(16 * 1024);
	struct dns_cache_entry *e;
	uint8_t owner[DNS_WIRE_MAX], txt[256];

	memset(txt, 'x', sizeof(txt));
	txt[0] = 255;
	answer_for("txt.example", DNS_T_TXT);
	name_wire(owner, "txt.example");
	for (int i = 0; i < 20; i++)
		CHECK_INT(dns_answer_add(&ans, DNS_SEC_ANSWER, owner, DNS_T_TXT,
					 DNS_CLASS_IN, 300, txt, sizeof(txt)),
			  0);
	CHECK_INT(dns_cache_store(c, &ans, T0, &e), 1);
	CHECK(e != NULL);
	dns_cache_entry_put(e);
	dns_cache_free(c);
}

TEST(replace_and_references)
{
	struct dns_cache *c = cache_new(8 * 1024);
	struct dns_cache_entry *e;
	struct dns_cache_stats st;
	struct dns_query q;
	char name[64];
	size_t len;

	answer_for("r.example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "r.example", 100, 1);
	store(c, 0);
	answer_for("r.example", DNS_T_A);
	add_a(DNS_SEC_ANSWER, "r.example", 200, 2);
	CHECK_INT(dns_cache_store(c, &ans, T0, &e), 0);
	dns_cache_stats(c, &st);
	CHECK_INT(st.entries, 1);
	make_query(&q, 1, "r.example", DNS_T_A, 0, false);
	CHECK_INT(get(c, &q, T0, 0, &len), 0);
	CHECK_INT(back.rr[0].ttl, 200);

	/* Evicted while the caller still holds it: still usable. */
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "x%d.example", i);
		answer_for(name, DNS_T_A);
		add_a(DNS_SEC_ANSWER, name, 100, 1);
		store(c, 0);
	}
	CHECK_INT(get(c, &q, T0, 0, &len), -ENOENT);
	CHECK_INT(dns_cache_entry_reply(e, &q, T0 + 1, 0, out, sizeof(out),
					&len), 0);
	/* The wrong question for this entry. */
	make_query(&q, 1, "other.example", DNS_T_A, 0, false);
	CHECK_INT(dns_cache_entry_reply(e, &q, T0, 0, out, sizeof(out), &len),
		  -EINVAL);
	make_query(&q, 1, "r.example", DNS_T_AAAA, 0, false);
	CHECK_INT(dns_cache_entry_reply(e, &q, T0, 0, out, sizeof(out), &len),
		  -EINVAL);
	dns_cache_entry_put(e);
	dns_cache_free(c);
}

TEST(answer_limits)
{
	uint8_t owner[DNS_WIRE_MAX];
	uint8_t *big = calloc(1, 65535);

	name_wire(owner, "l.example");
	dns_answer_init(&ans, owner, DNS_T_TXT, DNS_CLASS_IN);
	/* Sections must come in order. */
	CHECK_INT(dns_answer_add(&ans, DNS_SEC_AUTHORITY, owner, DNS_T_TXT,
				 DNS_CLASS_IN, 1, big, 10), 0);
	CHECK_INT(dns_answer_add(&ans, DNS_SEC_ANSWER, owner, DNS_T_TXT,
				 DNS_CLASS_IN, 1, big, 10), -EINVAL);
	/* The data buffer is bounded. */
	CHECK_INT(dns_answer_add(&ans, DNS_SEC_ADDITIONAL, owner, DNS_T_TXT,
				 DNS_CLASS_IN, 1, big, 65535), 0);
	CHECK_INT(dns_answer_add(&ans, DNS_SEC_ADDITIONAL, owner, DNS_T_TXT,
				 DNS_CLASS_IN, 1, big, 65535), -ENOSPC);
	free(big);
	CHECK(dns_cache_new(&(struct dns_cache_opts){ .max_bytes = 100 }) ==
	      NULL);
}

int main(void)
{
	RUN(positive_ttl_goes_down);
	RUN(rd_copied_ra_set);
	RUN(ttl_cap_floor_and_zero);
	RUN(negative_ttl_rfc2308);
	RUN(nosoa_ttl_option);
	RUN(stale_window);
	RUN(case_preserved);
	RUN(edns_in_reply);
	RUN(truncation);
	RUN(lru_bound_under_flood);
	RUN(big_entry_not_kept);
	RUN(replace_and_references);
	RUN(answer_limits);
	return test_done();
}
