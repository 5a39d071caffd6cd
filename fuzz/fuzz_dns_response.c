/*
 * libFuzzer harness for the forwarder's pure half: dnsd/dns_fwd.c checks
 * any bytes as an upstream reply, and what it accepts goes through
 * dnsd/dns_cache.c and back out as replies to clients.
 *
 * The question checked against is read from the input itself (plain
 * labels at offset 12, lower-cased) so that mutations get past the
 * ID/question match; when there is none, a fixed question is used. Then:
 * the same bytes with another ID must be a mismatch; an accepted answer
 * must hold only what the filter promises (valid names inside the
 * answer's buffer, the question's class, sections in order, one SOA at
 * most, addresses only in the additional section); stored in a small
 * cache, replies to clients with other case, EDNS sizes, UDP or TCP and
 * ages are written and checked again by dns_fwd_check: parse -> store ->
 * build -> parse must agree (same rcode, same records unless TC).
 * Deterministic: every choice comes from the input. Invariants abort().
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "dns.h"
#include "dns_cache.h"
#include "dns_fwd.h"

#define NOW 100000

static struct dns_answer ans, back;
static uint8_t out[DNS_TCP_MAX];

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* The input's own question, if it has one in plain labels. */
static bool question_from(const uint8_t *d, size_t size,
			  struct dns_fwd_question *fq)
{
	size_t off = DNS_HDR_LEN, o = 0;

	if (size < DNS_HDR_LEN)
		return false;
	fq->id = (uint16_t)(d[0] << 8 | d[1]);
	for (;;) {
		uint8_t n;

		if (off >= size)
			return false;
		n = d[off];
		if (n > 63 || size - off - 1 < n || DNS_WIRE_MAX - o < n + 1u)
			return false;
		fq->name[o++] = n;
		for (size_t i = 0; i < n; i++)
			fq->name[o++] = lower(d[off + 1 + i]);
		off += (size_t)n + 1;
		if (n == 0)
			break;
	}
	if (size - off < 4)
		return false;
	fq->name_len = o;
	fq->qtype = (uint16_t)(d[off] << 8 | d[off + 1]);
	fq->qclass = (uint16_t)(d[off + 2] << 8 | d[off + 3]);
	return true;
}

static bool inside(const uint8_t *p, size_t n)
{
	return p >= ans.data && p <= ans.data + ans.used &&
	       n <= (size_t)(ans.data + ans.used - p);
}

/* What dns_fwd_check() promises about an answer it accepted. */
static void check_answer(const struct dns_fwd_question *fq)
{
	unsigned soa = 0;

	FUZZ_CHECK(ans.nrr <= DNS_ANSWER_RR_MAX);
	FUZZ_CHECK(ans.rcode == DNS_R_NOERROR || ans.rcode == DNS_R_NXDOMAIN);
	FUZZ_CHECK(ans.lname_len == fq->name_len &&
		   memcmp(ans.lname, fq->name, fq->name_len) == 0);
	FUZZ_CHECK(!ans.negative || ans.rcode == DNS_R_NXDOMAIN ||
		   ans.nrr == 0 || ans.rr[0].section != DNS_SEC_ANSWER ||
		   ans.rr[0].type == DNS_T_CNAME || ans.rr[0].type == 39);
	for (size_t i = 0; i < ans.nrr; i++) {
		const struct dns_rr *rr = &ans.rr[i];
		size_t olen = dns_name_len(rr->owner);

		FUZZ_CHECK(olen > 0 && inside(rr->owner, olen));
		FUZZ_CHECK(inside(rr->rdata, rr->rdlen));
		FUZZ_CHECK(rr->rclass == fq->qclass);
		FUZZ_CHECK(rr->type != DNS_T_OPT);
		FUZZ_CHECK(rr->section < DNS_SEC_MAX);
		FUZZ_CHECK(i == 0 || ans.rr[i - 1].section <= rr->section);
		if (rr->section == DNS_SEC_ANSWER && i == 0)
			FUZZ_CHECK(dns_name_equal(rr->owner, fq->name) ||
				   dns_name_under(fq->name, rr->owner));
		if (rr->section == DNS_SEC_AUTHORITY) {
			FUZZ_CHECK(rr->type == (ans.negative ? DNS_T_SOA
							     : DNS_T_NS));
			soa += rr->type == DNS_T_SOA;
		}
		if (rr->section == DNS_SEC_ADDITIONAL)
			FUZZ_CHECK(rr->type == DNS_T_A ||
				   rr->type == DNS_T_AAAA);
		if (rr->type == DNS_T_A)
			FUZZ_CHECK(rr->rdlen == 4);
	}
	FUZZ_CHECK(soa <= 1);
}

/* A client asking fq: case from bits, EDNS or not. */
static void client(struct dns_query *q, const struct dns_fwd_question *fq,
		   uint32_t bits, uint16_t edns)
{
	memset(q, 0, sizeof(*q));
	q->id = (uint16_t)(bits * 2654435761u >> 16);
	q->flags = bits & 1 ? DNS_F_RD : 0;
	q->qdcount = 1;
	memcpy(q->lname, fq->name, fq->name_len);
	memcpy(q->qname, fq->name, fq->name_len);
	for (size_t i = 0; i < fq->name_len; i++)
		if (q->qname[i] >= 'a' && q->qname[i] <= 'z' &&
		    (bits >> (i % 32)) & 1)
			q->qname[i] -= 'a' - 'A';
	q->qname_len = fq->name_len;
	q->qtype = fq->qtype;
	q->qclass = fq->qclass;
	q->edns = edns != 0;
	q->edns_udp = edns < DNS_UDP_MIN ? DNS_UDP_MIN : edns;
	q->edns_do = bits & 2;
}

/* Read the reply back and compare it with what was stored. */
static void check_reply(const struct dns_query *q, size_t len, size_t limit,
			bool stale)
{
	struct dns_fwd_question fq = { .id = q->id, .qtype = q->qtype,
				       .qclass = q->qclass };
	enum dns_fwd_verdict v;
	size_t ar = 0, an_ns = 0;
	const char *why;
	bool tc = out[2] & (DNS_F_TC >> 8);

	FUZZ_CHECK(len >= DNS_HDR_LEN && len <= limit);
	FUZZ_CHECK((out[0] << 8 | out[1]) == q->id);
	FUZZ_CHECK(memcmp(out + DNS_HDR_LEN, q->qname, q->qname_len) == 0);
	memcpy(fq.name, q->lname, q->qname_len);
	fq.name_len = q->qname_len;
	v = dns_fwd_check(&fq, out, len, &back, &why);
	if (tc) {
		FUZZ_CHECK(v == DNS_FWD_TRUNCATED);
		return;
	}
	FUZZ_CHECK(v == DNS_FWD_ANSWER);
	FUZZ_CHECK(back.rcode == ans.rcode);
	FUZZ_CHECK(back.negative == ans.negative);
	for (size_t i = 0; i < ans.nrr; i++) {
		if (ans.rr[i].section == DNS_SEC_ADDITIONAL)
			ar++;
		else
			an_ns++;
	}
	/* Additional records may be left out for room, nothing else. */
	FUZZ_CHECK(back.nrr <= ans.nrr && back.nrr >= an_ns);
	for (size_t i = 0; i < back.nrr; i++) {
		const struct dns_rr *a = &ans.rr[i], *b = &back.rr[i];

		FUZZ_CHECK(a->type == b->type && a->section == b->section);
		FUZZ_CHECK(dns_name_equal(a->owner, b->owner));
		FUZZ_CHECK(a->rdlen == b->rdlen &&
			   memcmp(a->rdata, b->rdata, a->rdlen) == 0);
		FUZZ_CHECK(stale ? b->ttl == DNS_CACHE_STALE_TTL
				 : b->ttl <= 86400);
	}
	(void)ar;
}

static void replies(struct dns_cache *c, const struct dns_fwd_question *fq,
		    const uint8_t *data, size_t size)
{
	static const uint16_t sizes[4] = { 0, 512, 1232, 4096 };
	struct dns_cache_entry *e = NULL;
	uint32_t seed = 0;
	int kept;

	kept = dns_cache_store(c, &ans, NOW, &e);
	FUZZ_CHECK(kept == 0 || kept == 1);
	FUZZ_CHECK(e != NULL);
	FUZZ_CHECK((kept == 0) == (dns_cache_entry_ttl(e) > 0));
	for (size_t i = 0; i < size && i < 64; i++)
		seed = seed * 31 + data[size - 1 - i];
	for (int v = 0; v < 6; v++) {
		struct dns_query q;
		unsigned flags = v == 5 ? DNS_CACHE_TCP : 0;
		size_t cap = v == 4 ? 600 : sizeof(out), len = 0, limit;
		uint32_t ttl = dns_cache_entry_ttl(e);
		int rc;

		client(&q, fq, seed >> v | (uint32_t)v << 30, sizes[v % 4]);
		limit = flags ? cap
			      : (q.edns ? q.edns_udp : DNS_UDP_MIN) < cap
				? (q.edns ? q.edns_udp : DNS_UDP_MIN)
				: cap;
		rc = dns_cache_entry_reply(e, &q, NOW + v, flags, out, cap,
					   &len);
		FUZZ_CHECK(rc == 0);
		check_reply(&q, len, limit, false);
		/* The cache answers the same way while fresh, stale after. */
		rc = dns_cache_get(c, &q, NOW + (ttl ? ttl - 1 : 0), flags, out,
				   cap, &len);
		FUZZ_CHECK(rc == (kept == 0 ? 0 : -ENOENT));
		if (rc == 0)
			check_reply(&q, len, limit, false);
		rc = dns_cache_get(c, &q, NOW + ttl + 1, flags | DNS_CACHE_STALE,
				   out, cap, &len);
		FUZZ_CHECK(rc == (kept == 0 ? 1 : -ENOENT));
		if (rc == 1)
			check_reply(&q, len, limit, true);
	}
	dns_cache_entry_put(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_cache *c;
	struct dns_fwd_question fq = { .id = 0 };
	enum dns_fwd_verdict v;
	const char *why = NULL;

	if (!c) {
		struct dns_cache_opts o;

		dns_cache_opts_default(&o);
		o.max_bytes = 256 * 1024;
		o.seed[0] = 42;
		c = dns_cache_new(&o);
		FUZZ_CHECK(c != NULL);
	}
	if (!question_from(data, size, &fq)) {
		fq.name_len = (size_t)dns_name_from_text(fq.name, "example.com");
		fq.qtype = DNS_T_A;
		fq.qclass = DNS_CLASS_IN;
		fq.id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	}
	v = dns_fwd_check(&fq, data, size, &ans, &why);
	FUZZ_CHECK(v < DNS_FWD_VERDICT_MAX);
	FUZZ_CHECK(why != NULL);
	FUZZ_CHECK(v == DNS_FWD_ANSWER || why[0] != '\0');

	/* Another ID: never ours. */
	fq.id ^= 0x8001;
	FUZZ_CHECK(dns_fwd_check(&fq, data, size, &back, &why) ==
		   DNS_FWD_MISMATCH);
	fq.id ^= 0x8001;

	if (v != DNS_FWD_ANSWER)
		return 0;
	check_answer(&fq);
	replies(c, &fq, data, size);
	return 0;
}
