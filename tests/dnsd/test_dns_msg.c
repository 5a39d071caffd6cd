/*
 * Unit tests for dnsd/dns_msg.c: the wire-name helpers (text both ways,
 * the 63 and 255 limits, escapes, case), dns_query_parse() on a real
 * dig query (fuzz/corpus/dns-query/dig-a-edns-cookie.bin; the fuzz
 * replay runs every capture) and on every malformation it must refuse by
 * name, every truncation of that query, and the builders (dns_error_reply, dns_put_rr) read back
 * with ldns. Every parse runs over a heap copy of exactly the message's
 * length, so ASan sees any read past it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "test.h"
#include "wire.h"

/* ---- Helpers -------------------------------------------------------- */

/* A query built by hand: header, one question (name kept in its case),
 * and an OPT when edns_version >= 0. */
struct qbuf {
	uint8_t b[1024];
	size_t n;
};

static void qb_u8(struct qbuf *q, unsigned v)
{
	q->b[q->n++] = (uint8_t)v;
}

static void qb_u16(struct qbuf *q, unsigned v)
{
	qb_u8(q, v >> 8);
	qb_u8(q, v & 0xff);
}

static void qb_name(struct qbuf *q, const char *text)
{
	while (*text) {
		const char *dot = strchr(text, '.');
		size_t len = dot ? (size_t)(dot - text) : strlen(text);

		qb_u8(q, (unsigned)len);
		memcpy(q->b + q->n, text, len);
		q->n += len;
		text += len + (dot ? 1 : 0);
	}
	qb_u8(q, 0);
}

static void qb_header(struct qbuf *q, unsigned id, unsigned flags,
		      unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	q->n = 0;
	qb_u16(q, id);
	qb_u16(q, flags);
	qb_u16(q, qd);
	qb_u16(q, an);
	qb_u16(q, ns);
	qb_u16(q, ar);
}

static void qb_opt(struct qbuf *q, unsigned udp, unsigned version,
		   unsigned flags, const uint8_t *opts, size_t optlen)
{
	qb_u8(q, 0);
	qb_u16(q, DNS_T_OPT);
	qb_u16(q, udp);
	qb_u8(q, 0);
	qb_u8(q, version);
	qb_u16(q, flags);
	qb_u16(q, (unsigned)optlen);
	if (optlen)
		memcpy(q->b + q->n, opts, optlen);
	q->n += optlen;
}

static void make_query(struct qbuf *q, const char *name, unsigned qtype,
		       int edns_version)
{
	qb_header(q, 0x1234, DNS_F_RD, 1, 0, 0, edns_version >= 0);
	qb_name(q, name);
	qb_u16(q, qtype);
	qb_u16(q, DNS_CLASS_IN);
	if (edns_version >= 0)
		qb_opt(q, 4096, (unsigned)edns_version, 0x8000, NULL, 0);
}

/* Parse from a heap block of exactly n bytes. */
static int parse(struct dns_query *q, const uint8_t *b, size_t n,
		 const char **why)
{
	uint8_t *copy = malloc(n ? n : 1);
	int rc;

	if (n)
		memcpy(copy, b, n);
	*why = NULL;
	rc = dns_query_parse(q, copy, n, why);
	free(copy);
	return rc;
}

static const char *text(const uint8_t *wire)
{
	static char buf[4 * DNS_WIRE_MAX + 1];

	return dns_name_to_text(wire, buf, sizeof(buf));
}

/* "lab" repeated: a text name of labels of len bytes, count labels. */
static void long_name(char *out, size_t label_len, size_t count)
{
	size_t o = 0;

	for (size_t i = 0; i < count; i++) {
		if (i)
			out[o++] = '.';
		for (size_t k = 0; k < label_len; k++)
			out[o++] = (char)('a' + (i + k) % 26);
	}
	out[o] = '\0';
}

/* ---- Real queries (fuzz/corpus/dns-query) ---------------------------- */

/* dig-a-edns-cookie.bin: BIND 9.18 dig, A www.example.com, RD and AD,
 * EDNS 1232 with a client cookie. */
static const uint8_t dig_a[] = {
	0x43, 0x7d, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29,
	0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08,
	0x0c, 0x54, 0x5e, 0x60, 0xe7, 0x2b, 0xbe, 0xf4,
};

/* ---- Names ---------------------------------------------------------- */

TEST(name_text_round_trip)
{
	uint8_t w[DNS_WIRE_MAX];

	CHECK_INT(dns_name_from_text(w, "www.Example.COM"), 17);
	CHECK(memcmp(w, "\3www\7example\3com", 17) == 0);
	CHECK_STR(text(w), "www.example.com");
	CHECK_INT(dns_name_from_text(w, "www.example.com."), 17);
	CHECK_INT(dns_name_from_text(w, ""), 1);
	CHECK_INT(w[0], 0);
	CHECK_STR(text(w), ".");
	CHECK_INT(dns_name_from_text(w, "."), 1);
	CHECK_INT(dns_name_from_text(w, "0/26.2.0.192.in-addr.arpa"), 27);
	CHECK_STR(text(w), "0/26.2.0.192.in-addr.arpa");
	CHECK_INT(dns_name_from_text(w, "a"), 3);
	CHECK_INT(dns_name_from_text(w, "a."), 3);
}

TEST(name_text_rejects)
{
	uint8_t w[DNS_WIRE_MAX];
	char name[600];

	CHECK_INT(dns_name_from_text(w, ".."), -EINVAL);
	CHECK_INT(dns_name_from_text(w, ".a"), -EINVAL);
	CHECK_INT(dns_name_from_text(w, "a..b"), -EINVAL);
	CHECK_INT(dns_name_from_text(w, "a.b.."), -EINVAL);
	CHECK_INT(dns_name_from_text(w, "a\\"), -EINVAL);
	CHECK_INT(dns_name_from_text(w, "a\\25"), -EINVAL);
	CHECK_INT(dns_name_from_text(w, "a\\256"), -EINVAL);
	CHECK_INT(dns_name_from_text(w, NULL), -EINVAL);
	long_name(name, 63, 1);
	CHECK_INT(dns_name_from_text(w, name), 65);
	long_name(name, 64, 1);
	CHECK_INT(dns_name_from_text(w, name), -EINVAL);
	/* 4 x 63-byte labels: 4 * 64 + 1 = 257 > 255. */
	long_name(name, 63, 4);
	CHECK_INT(dns_name_from_text(w, name), -EINVAL);
	/* 3 x 63 + one of 61: 3 * 64 + 62 + 1 = 255, the limit. */
	long_name(name, 63, 3);
	strcat(name, ".");
	memset(name + strlen(name), 'z', 61);
	name[3 * 64 + 61] = '\0';
	CHECK_INT(dns_name_from_text(w, name), 255);
	CHECK_INT(dns_name_len(w), 255);
	strcat(name, ".");
	CHECK_INT(dns_name_from_text(w, name), 255);
	name[3 * 64 + 61] = 'z';
	name[3 * 64 + 62] = '\0';
	CHECK_INT(dns_name_from_text(w, name), -EINVAL);
}

TEST(name_text_escapes)
{
	uint8_t w[DNS_WIRE_MAX];
	static const uint8_t odd[] = { 5, 'a', '.', 0x00, ' ', '\\', 2, 'X',
				       0xff, 0 };
	char small[6];

	CHECK_INT(dns_name_from_text(w, "a\\.b.c"), 7);
	CHECK(memcmp(w, "\3a.b\1c", 7) == 0);
	CHECK_STR(text(w), "a\\.b.c");
	CHECK_INT(dns_name_from_text(w, "\\065\\000x"), 5);
	CHECK(memcmp(w, "\3a\0x", 5) == 0);	/* lower-cased, NUL kept */
	CHECK_STR(text(odd), "a\\.\\000\\032\\\\.X\\255");
	CHECK_INT(dns_name_from_text(w, text(odd)), 10);
	CHECK(dns_name_equal(w, odd));
	/* Cut to the buffer, always terminated. */
	CHECK_STR(dns_name_to_text(odd, small, sizeof(small)), "a\\.\\0");
	CHECK_STR(dns_name_to_text((const uint8_t *)"\100abc", small,
				   sizeof(small)), "?");
}

TEST(name_compare)
{
	uint8_t a[DNS_WIRE_MAX], b[DNS_WIRE_MAX], c[DNS_WIRE_MAX];
	static const uint8_t mixed[] = "\3WwW\7ExAmPlE\3cOm";

	dns_name_from_text(a, "www.example.com");
	dns_name_from_text(b, "example.com");
	dns_name_from_text(c, "com");
	CHECK(dns_name_equal(a, mixed));
	CHECK(!dns_name_equal(a, b));
	CHECK(dns_name_under(a, b));
	CHECK(dns_name_under(mixed, b));
	CHECK(dns_name_under(a, a));
	CHECK(dns_name_under(b, c));
	CHECK(!dns_name_under(b, a));
	CHECK(dns_name_under(a, (const uint8_t *)""));
	dns_name_from_text(c, "ample.com");
	CHECK(!dns_name_under(b, c));	/* labels, not bytes */
	CHECK_INT(dns_name_len(a), 17);
	CHECK_INT(dns_name_len((const uint8_t *)""), 1);
}

/* ---- Parsing -------------------------------------------------------- */

TEST(parse_real_dig)
{
	struct dns_query q;
	const char *why;

	CHECK_INT(parse(&q, dig_a, sizeof(dig_a), &why), 0);
	CHECK_INT(q.opcode, DNS_OPCODE_QUERY);
	CHECK_INT(q.qdcount, 1);
	CHECK_STR(text(q.qname), "www.example.com");
	CHECK_INT(q.qname_len, 17);
	CHECK_INT(q.labels, 3);
	CHECK_INT(q.qtype, DNS_T_A);
	CHECK_INT(q.qclass, DNS_CLASS_IN);
	CHECK_INT(q.question_end, 12 + 17 + 4);
	CHECK(q.edns);
	CHECK_INT(q.edns_version, 0);
	CHECK_INT(q.edns_udp, 1232);
	CHECK(q.flags & DNS_F_RD);
}

TEST(parse_case_and_edns)
{
	struct qbuf b;
	struct dns_query q;
	const char *why;

	make_query(&b, "WwW.eXaMpLe.CoM", DNS_T_AAAA, 0);
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	CHECK(memcmp(q.qname, "\3WwW\7eXaMpLe\3CoM", 17) == 0);
	CHECK(memcmp(q.lname, "\3www\7example\3com", 17) == 0);
	CHECK_INT(q.id, 0x1234);
	CHECK_INT(q.qtype, DNS_T_AAAA);
	CHECK(q.edns && q.edns_do);
	CHECK_INT(q.edns_udp, 4096);

	/* A payload size under 512 counts as 512 (RFC 6891 6.2.3). */
	qb_header(&b, 1, 0, 1, 0, 0, 1);
	qb_name(&b, "a");
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	qb_opt(&b, 100, 0, 0, NULL, 0);
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	CHECK_INT(q.edns_udp, 512);
	CHECK(!q.edns_do);

	/* Version 1 parses: BADVERS is dns_answer's to send. */
	make_query(&b, "a", DNS_T_A, 1);
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	CHECK_INT(q.edns_version, 1);

	/* No EDNS at all. */
	make_query(&b, "a", DNS_T_A, -1);
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	CHECK(!q.edns);
}

TEST(parse_edns_options)
{
	static const uint8_t opts[] = {
		0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,	/* cookie */
		0xfd, 0xe9, 0x00, 0x00,				/* unknown */
	};
	static const uint8_t over[] = { 0x00, 0x0a, 0x00, 0x09, 1, 2, 3, 4 };
	static const uint8_t half[] = { 0x00, 0x0a, 0x00 };
	struct qbuf b;
	struct dns_query q;
	const char *why;

	qb_header(&b, 1, 0, 1, 0, 0, 1);
	qb_name(&b, "a");
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	qb_opt(&b, 1232, 0, 0, opts, sizeof(opts));
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	CHECK(q.edns);

	b.n -= sizeof(opts) + 2;
	qb_u16(&b, sizeof(over));
	memcpy(b.b + b.n, over, sizeof(over));
	b.n += sizeof(over);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "EDNS option overruns");
	CHECK(!q.edns);

	b.n -= sizeof(over) + 2;
	qb_u16(&b, sizeof(half));
	memcpy(b.b + b.n, half, sizeof(half));
	b.n += sizeof(half);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "EDNS option overruns");
}

TEST(parse_rejects_opt)
{
	struct qbuf b;
	struct dns_query q;
	const char *why;

	/* Two OPT records: FORMERR (RFC 6891 6.1.1). */
	qb_header(&b, 7, 0, 1, 0, 0, 2);
	qb_name(&b, "a");
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	qb_opt(&b, 1232, 0, 0, NULL, 0);
	qb_opt(&b, 1232, 0, 0, NULL, 0);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "more than one OPT");
	CHECK_INT(q.id, 7);

	/* OPT owned by a name other than the root. */
	qb_header(&b, 7, 0, 1, 0, 0, 1);
	qb_name(&b, "a");
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	qb_name(&b, "x");
	b.n--;			/* qb_opt writes the root byte itself */
	qb_opt(&b, 1232, 0, 0, NULL, 0);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "owner is not the root");

	/* An OPT whose rdata runs past the message. */
	qb_header(&b, 7, 0, 1, 0, 0, 1);
	qb_name(&b, "a");
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	qb_opt(&b, 1232, 0, 0, NULL, 0);
	b.b[b.n - 1] = 4;
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "OPT record runs past");

	/* A TSIG (or anything else) in the additional section. */
	qb_header(&b, 7, 0, 1, 0, 0, 1);
	qb_name(&b, "a");
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	qb_name(&b, "key");
	qb_u16(&b, 250);
	qb_u16(&b, 255);
	qb_u16(&b, 0);
	qb_u16(&b, 0);
	qb_u16(&b, 0);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "unsupported record in the additional");
}

TEST(parse_question_counts)
{
	struct qbuf b;
	struct dns_query q;
	const char *why;

	qb_header(&b, 0xbeef, DNS_F_RD, 0, 0, 0, 0);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "no question");
	CHECK_INT(q.id, 0xbeef);
	CHECK_INT(q.flags, DNS_F_RD);
	CHECK_INT(q.qname_len, 0);

	qb_header(&b, 0xbeef, 0, 2, 0, 0, 0);
	qb_name(&b, "a");
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	qb_name(&b, "b");
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "more than one question");

	/* Huge counts with nothing behind them end at once. */
	qb_header(&b, 1, 0, 1, 0, 0, 0xffff);
	qb_name(&b, "a");
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "runs past the end");
	qb_header(&b, 1, 0, 0xffff, 0xffff, 0xffff, 0xffff);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);

	qb_header(&b, 1, 0, 1, 1, 0, 0);
	qb_name(&b, "a");
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "answer section");

	qb_header(&b, 1, 0, 1, 0, 1, 0);
	qb_name(&b, "a");
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "authority section");
}

TEST(parse_ixfr_authority)
{
	struct qbuf b;
	struct dns_query q;
	const char *why;

	qb_header(&b, 1, 0, 1, 0, 1, 0);
	qb_name(&b, "example.com");
	qb_u16(&b, DNS_T_IXFR);
	qb_u16(&b, DNS_CLASS_IN);
	qb_u16(&b, 0xc00c);	/* the SOA's owner: a pointer, fine here */
	qb_u16(&b, DNS_T_SOA);
	qb_u16(&b, DNS_CLASS_IN);
	qb_u16(&b, 0);
	qb_u16(&b, 0);
	qb_u16(&b, 22);
	qb_u8(&b, 0);
	qb_u8(&b, 0);
	for (int i = 0; i < 20; i++)
		qb_u8(&b, i);
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	CHECK_INT(q.qtype, DNS_T_IXFR);
	b.n--;
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
}

TEST(parse_bad_names)
{
	struct qbuf b;
	struct dns_query q;
	const char *why;
	char name[600];

	/* A compression pointer in the question (to the header). */
	qb_header(&b, 1, 0, 1, 0, 0, 0);
	qb_u8(&b, 1);
	qb_u8(&b, 'a');
	qb_u16(&b, 0xc000);
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "compression pointer");
	CHECK_INT(q.qname_len, 0);

	/* A pointer to itself (a loop): refused just the same. */
	qb_header(&b, 1, 0, 1, 0, 0, 0);
	qb_u16(&b, 0xc00c);
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "compression pointer");

	/* Extended label type 0x40 (RFC 6891 obsoleted it). */
	qb_header(&b, 1, 0, 1, 0, 0, 0);
	qb_u8(&b, 0x41);
	qb_u8(&b, 0);
	qb_u16(&b, DNS_T_A);
	qb_u16(&b, DNS_CLASS_IN);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "unknown label type");

	/* Exactly 255 bytes: fine. 256: refused. */
	long_name(name, 63, 3);
	strcat(name, ".");
	memset(name + strlen(name), 'q', 61);
	name[3 * 64 + 61] = '\0';
	make_query(&b, name, DNS_T_A, -1);
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	CHECK_INT(q.qname_len, 255);
	CHECK_INT(q.labels, 4);
	name[3 * 64 + 61] = 'q';
	name[3 * 64 + 62] = '\0';
	make_query(&b, name, DNS_T_A, -1);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "longer than 255");

	/* The name runs off the end. */
	qb_header(&b, 1, 0, 1, 0, 0, 0);
	qb_u8(&b, 5);
	qb_u8(&b, 'a');
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	CHECK_CONTAINS(why, "runs past the end");
}

TEST(parse_trailing_garbage)
{
	struct qbuf b;
	struct dns_query q;
	const char *why;

	make_query(&b, "example.com", DNS_T_A, -1);
	memcpy(b.b + b.n, "\xde\xad\xbe\xef", 4);
	b.n += 4;
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	CHECK_INT(q.question_end, b.n - 4);
}

TEST(parse_drops)
{
	struct qbuf b;
	struct dns_query q;
	const char *why;

	make_query(&b, "example.com", DNS_T_A, -1);
	b.b[2] |= 0x80;		/* QR: a response */
	CHECK_INT(parse(&q, b.b, b.n, &why), -EINVAL);
	CHECK_CONTAINS(why, "response");
	CHECK_INT(parse(&q, b.b, 11, &why), -EINVAL);
	CHECK_CONTAINS(why, "shorter than a DNS header");
	CHECK_INT(parse(&q, b.b, 0, &why), -EINVAL);
}

TEST(parse_other_opcodes)
{
	struct qbuf b;
	struct dns_query q;
	const char *why;

	/* NOTIFY with its question: parsed, for NOTIMP to echo. */
	make_query(&b, "example.com", DNS_T_SOA, -1);
	b.b[2] = DNS_OPCODE_NOTIFY << 3 | 0x04;
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	CHECK_INT(q.opcode, DNS_OPCODE_NOTIFY);
	CHECK_INT(q.qname_len, 13);
	CHECK_INT(q.qtype, DNS_T_SOA);

	/* UPDATE (5) with zero "zones" and records: header only. */
	qb_header(&b, 9, 5 << 11, 0, 0, 0, 0);
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	CHECK_INT(q.opcode, 5);
	CHECK_INT(q.qname_len, 0);

	/* STATUS with a broken question: header only still. */
	qb_header(&b, 9, 2 << 11, 1, 0, 0, 0);
	qb_u8(&b, 9);
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	CHECK_INT(q.qname_len, 0);
}

/* Every prefix of a real query fails cleanly (and never reads past). */
TEST(parse_every_truncation)
{
	struct dns_query q;
	const char *why;

	for (size_t n = 0; n < sizeof(dig_a); n++) {
		int rc = parse(&q, dig_a, n, &why);

		CHECK(rc == (n < DNS_HDR_LEN ? -EINVAL : -EBADMSG));
		CHECK(why != NULL);
	}
}

/* ---- Builders ------------------------------------------------------- */

static ldns_pkt *read_back(const uint8_t *b, size_t n)
{
	ldns_pkt *p = NULL;

	CHECK(n > 0);
	if (n == 0 || ldns_wire2pkt(&p, b, n) != LDNS_STATUS_OK)
		return NULL;
	return p;
}

TEST(error_reply_formerr)
{
	struct qbuf b;
	struct dns_query q;
	const char *why;
	uint8_t out[512];
	ldns_pkt *p;
	size_t n;

	qb_header(&b, 0xabcd, DNS_F_RD | DNS_F_CD, 2, 0, 0, 0);
	CHECK_INT(parse(&q, b.b, b.n, &why), -EBADMSG);
	n = dns_error_reply(&q, false, DNS_R_FORMERR, false, out, sizeof(out));
	CHECK_INT(n, 12);
	p = read_back(out, n);
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK_INT(ldns_pkt_id(p), 0xabcd);
	CHECK(ldns_pkt_qr(p));
	CHECK(ldns_pkt_rd(p));
	CHECK(!ldns_pkt_cd(p) && !ldns_pkt_ra(p) && !ldns_pkt_aa(p));
	CHECK_INT(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	CHECK_INT(ldns_pkt_qdcount(p), 0);
	CHECK(!ldns_pkt_edns(p));
	ldns_pkt_free(p);
}

TEST(error_reply_refused_with_question)
{
	struct qbuf b;
	struct dns_query q;
	const char *why;
	uint8_t out[512];
	ldns_pkt *p;
	ldns_rr *qrr;
	size_t n;
	char *owner;

	make_query(&b, "Www.Elsewhere.ORG", DNS_T_MX, 0);
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	n = dns_error_reply(&q, true, DNS_R_REFUSED, true, out, sizeof(out));
	CHECK_INT(n, 12 + 19 + 4 + 11);
	p = read_back(out, n);
	if (!p)
		return;
	CHECK_INT(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	CHECK(ldns_pkt_ra(p) && ldns_pkt_rd(p));
	CHECK_INT(ldns_pkt_qdcount(p), 1);
	qrr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	owner = ldns_rdf2str(ldns_rr_owner(qrr));
	CHECK_STR(owner, "Www.Elsewhere.ORG.");
	free(owner);
	CHECK_INT(ldns_rr_get_type(qrr), LDNS_RR_TYPE_MX);
	CHECK(ldns_pkt_edns(p));
	CHECK_INT(ldns_pkt_edns_udp_size(p), DNS_EDNS_OURS);
	CHECK_INT(ldns_pkt_edns_version(p), 0);
	CHECK(!ldns_pkt_edns_do(p));
	ldns_pkt_free(p);

	/* Too small a buffer: nothing. */
	CHECK_INT(dns_error_reply(&q, true, DNS_R_REFUSED, true, out, 40), 0);
	CHECK_INT(dns_error_reply(&q, true, DNS_R_REFUSED, true, out, 11), 0);
}

TEST(error_reply_badvers)
{
	struct qbuf b;
	struct dns_query q;
	const char *why;
	uint8_t out[512];
	ldns_pkt *p;
	size_t n;

	make_query(&b, "a.example", DNS_T_A, 3);
	CHECK_INT(parse(&q, b.b, b.n, &why), 0);
	n = dns_error_reply(&q, true, DNS_R_BADVERS, false, out, sizeof(out));
	p = read_back(out, n);
	if (!p)
		return;
	/* 16 = extended 1 in OPT, header 0. */
	CHECK_INT(out[3] & 0x0f, 0);
	CHECK_INT(ldns_pkt_edns_extended_rcode(p), 1);
	CHECK_INT(ldns_pkt_edns_version(p), 0);
	ldns_pkt_free(p);
}

TEST(put_rr_fits_or_not)
{
	uint8_t buf[64], owner[DNS_WIRE_MAX];
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	struct wire_wr w;

	dns_name_from_text(owner, "host.example");
	wire_wr_init(&w, buf, sizeof(buf));
	CHECK(dns_put_rr(&w, owner, DNS_T_A, 300, a, 4));
	CHECK_INT(w.off, 14 + 10 + 4);
	CHECK(memcmp(buf, "\4host\7example\0\0\1\0\1\0\0\1\x2c\0\4\xc0\0\2\1",
		     28) == 0);
	CHECK(dns_put_rr(&w, owner, DNS_T_A, 300, a, 4));
	/* The third does not fit: false, and the writer is untouched. */
	CHECK(!dns_put_rr(&w, owner, DNS_T_A, 300, a, 4));
	CHECK_INT(w.off, 56);
	CHECK(wire_wr_ok(&w));
}

int main(void)
{
	RUN(name_text_round_trip);
	RUN(name_text_rejects);
	RUN(name_text_escapes);
	RUN(name_compare);
	RUN(parse_real_dig);
	RUN(parse_case_and_edns);
	RUN(parse_edns_options);
	RUN(parse_rejects_opt);
	RUN(parse_question_counts);
	RUN(parse_ixfr_authority);
	RUN(parse_bad_names);
	RUN(parse_trailing_garbage);
	RUN(parse_drops);
	RUN(parse_other_opcodes);
	RUN(parse_every_truncation);
	RUN(error_reply_formerr);
	RUN(error_reply_refused_with_question);
	RUN(error_reply_badvers);
	RUN(put_rr_fits_or_not);
	return test_done();
}
