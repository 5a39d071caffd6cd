/*
 * Unit tests for dnsd/dns_answer.c at its limits: names of 255 bytes and
 * labels of 63, EDNS (RFC 6891: our OPT, BADVERS, options ignored),
 * opcodes, classes and types it refuses, what it drops, FORMERR for what
 * the parser refused, and TC at every edge (RFC 2181 9: whole RRsets,
 * additional data left out quietly, glue and negative SOAs required).
 * Fixture and helpers: dns_fixture.h.
 */
#include "dns_fixture.h"

static struct dns_db *db;

/* ---- Limits of names ------------------------------------------------- */

TEST(name_limits)
{
	char name[300];
	ldns_pkt *p;

	snprintf(name, sizeof(name), "%s.EXAMPLE.com", label63);
	p = ask(db, Q(name, DNS_T_A));
	if (!p)
		return;
	CHECK_INT(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);

	/* 255 bytes in all: 3 x 63, then 48 + "example.com". */
	snprintf(name, sizeof(name), "%s.%s.%s.%.49s.example.com", label63,
		 label63, label63, label63);
	p = ask(db, Q(name, DNS_T_A, .edns = true));
	if (!p)
		return;
	CHECK_INT(query_len, 12 + 255 + 4 + 11);
	CHECK_INT(last_rcode, DNS_R_NXDOMAIN);
	CHECK_INT(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
}

/* ---- EDNS (RFC 6891) -------------------------------------------------- */

TEST(edns_echo)
{
	static const uint8_t opts[] = { 0xfd, 0xe9, 0x00, 0x02, 0xab, 0xcd,
					0x00, 0x03, 0x00, 0x00 };
	ldns_pkt *p = ask(db, Q("www.example.com", DNS_T_A, .edns = true,
				.udp = 4096, .do_bit = true,
				.opts = opts,
				.optlen = sizeof(opts)));

	if (!p)
		return;
	CHECK(ldns_pkt_edns(p));
	CHECK_INT(ldns_pkt_edns_udp_size(p), DNS_EDNS_OURS);
	CHECK_INT(ldns_pkt_edns_version(p), 0);
	CHECK(!ldns_pkt_edns_do(p));	/* we do not sign */
	CHECK_INT(ldns_pkt_edns_extended_rcode(p), 0);
	CHECK_INT(ldns_pkt_ancount(p), 2);
	/* Our OPT carries no options, whatever the query's. */
	CHECK_INT(reply_len, 33 + 2 * 16 + 11);
	ldns_pkt_free(p);
}

TEST(edns_badvers)
{
	ldns_pkt *p = ask(db, Q("www.example.com", DNS_T_A, .edns = true,
				.version = 1));

	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_BADVERS);
	CHECK_INT(ldns_pkt_get_rcode(p), 0);
	CHECK_INT(ldns_pkt_edns_extended_rcode(p), 1);
	CHECK_INT(ldns_pkt_edns_version(p), 0);
	CHECK_INT(ldns_pkt_ancount(p), 0);
	CHECK(!ldns_pkt_aa(p));
	CHECK_INT(ldns_pkt_qdcount(p), 1);
	ldns_pkt_free(p);
}

/* ---- Errors and refusals --------------------------------------------- */

TEST(opcodes_classes_types)
{
	ldns_pkt *p = ask(db, Q("example.com", DNS_T_SOA,
				.opcode = DNS_OPCODE_NOTIFY));

	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_NOTIMP);
	CHECK_INT(ldns_pkt_qdcount(p), 1);
	CHECK(!ldns_pkt_aa(p));
	ldns_pkt_free(p);

	p = ask(db, Q("version.bind", DNS_T_TXT, .qclass = DNS_CLASS_CH));
	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_REFUSED);
	ldns_pkt_free(p);
	p = ask(db, Q("www.example.com", DNS_T_A, .qclass = 4, .edns = true));
	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_REFUSED);
	CHECK(ldns_pkt_edns(p));
	ldns_pkt_free(p);

	/* Class ANY: the data, without AA. */
	p = ask(db, Q("www.example.com", DNS_T_A, .qclass = DNS_CLASS_ANY));
	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_NOERROR);
	CHECK(!ldns_pkt_aa(p));
	CHECK_INT(ldns_pkt_ancount(p), 2);
	ldns_pkt_free(p);

	p = ask(db, Q("example.com", DNS_T_AXFR));
	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_NOTIMP);
	ldns_pkt_free(p);
}

TEST(not_ours_and_drops)
{
	struct dns_answer_opts o = { 0 };
	struct dns_query q;
	const char *why;
	uint8_t out[512];
	size_t len = 99;
	unsigned rcode = 99;

	CHECK_INT(answer(db, &Q("www.elsewhere.org", DNS_T_A, .edns = true)),
		  DNS_NOT_OURS);
	CHECK_INT(reply_len, 0);
	CHECK_INT(answer(db, &Q("com", DNS_T_NS)),
		  DNS_NOT_OURS);
	CHECK_INT(answer(db, &Q(".", DNS_T_NS)),
		  DNS_NOT_OURS);

	/* A response (QR) is never answered. */
	build_query(&Q("www.example.com", DNS_T_A));
	CHECK_INT(dns_query_parse(&q, query, query_len, &why), 0);
	q.flags |= DNS_F_QR;
	CHECK_INT(dns_answer(db, &q, out, sizeof(out), &len, &o, &rcode),
		  DNS_DROP);
	CHECK_INT(len, 0);

	/* What the parser refused gets FORMERR, no question. */
	query[5] = 0;		/* QDCOUNT 0 */
	CHECK_INT(dns_query_parse(&q, query, query_len, &why), -EBADMSG);
	CHECK_INT(dns_answer(db, &q, out, sizeof(out), &len, &o, &rcode),
		  DNS_ANSWERED);
	CHECK_INT(rcode, DNS_R_FORMERR);
	CHECK_INT(len, 12);
	CHECK_INT(out[3] & 0x0f, DNS_R_FORMERR);
}

/* The question name compressed in the query: FORMERR, per dns.h. */
TEST(pointer_in_question)
{
	static const uint8_t qry[] = {
		0x11, 0x22, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x03, 'w', 'w', 'w', 0xc0, 0x0c, 0x00, 0x01, 0x00,
		0x01,
	};
	struct dns_answer_opts o = { 0 };
	struct dns_query q;
	const char *why;
	uint8_t out[512];
	size_t len;
	unsigned rcode;

	CHECK_INT(dns_query_parse(&q, qry, sizeof(qry), &why), -EBADMSG);
	CHECK_INT(dns_answer(db, &q, out, sizeof(out), &len, &o, &rcode),
		  DNS_ANSWERED);
	CHECK_INT(rcode, DNS_R_FORMERR);
	CHECK_INT(out[0], 0x11);
	CHECK_INT(out[1], 0x22);
}

/* Trailing bytes after the question do not change the answer. */
TEST(trailing_garbage)
{
	struct ask a = Q("www.example.com", DNS_T_A);
	struct dns_answer_opts o = { 0 };
	struct dns_query q;
	const char *why;
	uint8_t out[512];
	size_t len;
	unsigned rcode;

	build_query(&a);
	memcpy(query + query_len, "junk", 4);
	CHECK_INT(dns_query_parse(&q, query, query_len + 4, &why), 0);
	CHECK_INT(dns_answer(db, &q, out, sizeof(out), &len, &o, &rcode),
		  DNS_ANSWERED);
	CHECK_INT(len, 33 + 2 * 16);
}

/* ---- Truncation ------------------------------------------------------- */

TEST(truncation_udp)
{
	ldns_pkt *p;
	size_t full;

	/* 30 TXT of 41 bytes: 30 * (2 + 10 + 42) after the question. */
	p = ask(db, Q("big.example.com", DNS_T_TXT, .edns = true, .udp = 4096,
		      .tcp = true));
	if (!p)
		return;
	CHECK(!ldns_pkt_tc(p));
	CHECK_INT(ldns_pkt_ancount(p), 30);
	full = reply_len;
	CHECK_INT(full, 12 + 21 + 30 * 54 + 11);
	ldns_pkt_free(p);

	/* UDP, no EDNS: 512, and the set does not fit: TC, nothing. */
	p = ask(db, Q("big.example.com", DNS_T_TXT));
	if (!p)
		return;
	CHECK(ldns_pkt_tc(p));
	CHECK(ldns_pkt_aa(p));
	CHECK_INT(ldns_pkt_ancount(p), 0);
	CHECK_INT(ldns_pkt_nscount(p), 0);
	CHECK_INT(reply_len, 12 + 21);
	ldns_pkt_free(p);

	/* EDNS 4096 over UDP is held to our 1232: still TC, OPT kept. */
	p = ask(db, Q("big.example.com", DNS_T_TXT, .edns = true, .udp = 4096));
	if (!p)
		return;
	CHECK(ldns_pkt_tc(p));
	CHECK(ldns_pkt_edns(p));
	CHECK_INT(reply_len, 12 + 21 + 11);
	ldns_pkt_free(p);
}

/* Exactly at the limit fits; one byte less truncates. Over TCP the cap
 * is the limit; over UDP the client's EDNS size. */
TEST(truncation_edges)
{
	ldns_pkt *p;
	size_t need;

	p = ask(db, Q("www.example.com", DNS_T_ANY, .edns = true,
		      .tcp = true));
	if (!p)
		return;
	need = reply_len;	/* 3 records, no additional */
	ldns_pkt_free(p);
	p = ask(db, Q("www.example.com", DNS_T_ANY, .edns = true,
		      .tcp = true, .cap = need));
	if (!p)
		return;
	CHECK(!ldns_pkt_tc(p));
	CHECK_INT(reply_len, need);
	ldns_pkt_free(p);
	p = ask(db, Q("www.example.com", DNS_T_ANY, .edns = true,
		      .tcp = true, .cap = need - 1));
	if (!p)
		return;
	CHECK(ldns_pkt_tc(p));
	/* RRset boundary: the AAAA set went first, so the A set stays out
	 * (or the other way round), never one A of two. */
	CHECK(ldns_pkt_ancount(p) == 1 || ldns_pkt_ancount(p) == 2);
	CHECK_INT(reply_len, ldns_pkt_ancount(p) == 1 ? need - 32 : need - 28);
	ldns_pkt_free(p);

	/* Over UDP the client's EDNS size is the limit, to the byte: 12
	 * TXT of 54 bytes, 692 in all with the OPT. */
	p = ask(db, Q("mid.example.com", DNS_T_TXT, .edns = true, .udp = 692));
	if (!p)
		return;
	CHECK(!ldns_pkt_tc(p));
	CHECK_INT(reply_len, 12 + 21 + 12 * 54 + 11);
	CHECK_INT(ldns_pkt_ancount(p), 12);
	ldns_pkt_free(p);
	p = ask(db, Q("mid.example.com", DNS_T_TXT, .edns = true, .udp = 691));
	if (!p)
		return;
	CHECK(ldns_pkt_tc(p));
	CHECK_INT(ldns_pkt_ancount(p), 0);
	CHECK_INT(reply_len, 12 + 21 + 11);
	ldns_pkt_free(p);
	/* A client size under 512 still gets 512; without EDNS 512. */
	p = ask(db, Q("mid.example.com", DNS_T_TXT, .edns = true, .udp = 200));
	if (!p)
		return;
	CHECK(ldns_pkt_tc(p));
	ldns_pkt_free(p);
	p = ask(db, Q("five.example.com", DNS_T_TXT, .edns = true, .udp = 200));
	if (!p)
		return;
	CHECK(!ldns_pkt_tc(p));
	CHECK_INT(reply_len, 12 + 22 + 5 * 54 + 11);
	ldns_pkt_free(p);
}

/* Additional data that does not fit is left out without TC. */
TEST(truncation_additional)
{
	ldns_pkt *p = ask(db, Q("example.com", DNS_T_NS));
	size_t an_end, full;

	if (!p)
		return;
	full = reply_len;
	an_end = full - (16 + 28 + 16);	/* three address records */
	ldns_pkt_free(p);
	for (size_t cap = an_end; cap <= full; cap++) {
		p = ask(db, Q("example.com", DNS_T_NS,
			      .tcp = true, .cap = cap));
		if (!p)
			return;
		CHECK(!ldns_pkt_tc(p));
		CHECK_INT(ldns_pkt_ancount(p), 2);
		/* ns1 A (16), ns1 AAAA (28), ns2 A (16): one that does not
		 * fit is skipped and the next one still tried. */
		CHECK_INT(ldns_pkt_arcount(p),
			  cap >= full ? 3 : cap >= an_end + 32 ? 2 :
			  cap >= an_end + 16 ? 1 : 0);
		ldns_pkt_free(p);
	}
	/* Below the answer: TC. */
	p = ask(db, Q("example.com", DNS_T_NS, .tcp = true,
		      .cap = an_end - 1));
	if (!p)
		return;
	CHECK(ldns_pkt_tc(p));
	CHECK_INT(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
}

/* In-domain glue is needed to follow a referral: TC (RFC 9471); the
 * NS set itself likewise. */
TEST(truncation_referral)
{
	ldns_pkt *p = ask(db, Q("x.sub.example.com", DNS_T_A));
	size_t full;

	if (!p)
		return;
	full = reply_len;
	ldns_pkt_free(p);
	p = ask(db, Q("x.sub.example.com", DNS_T_A,
		      .tcp = true, .cap = full - 1));
	if (!p)
		return;
	CHECK(ldns_pkt_tc(p));
	CHECK_INT(ldns_pkt_nscount(p), 2);
	CHECK_INT(ldns_pkt_arcount(p), 0);
	ldns_pkt_free(p);
	p = ask(db, Q("x.sub.example.com", DNS_T_A,
		      .tcp = true, .cap = full - 17 - 1));
	if (!p)
		return;
	CHECK(ldns_pkt_tc(p));
	CHECK_INT(ldns_pkt_nscount(p), 0);
	ldns_pkt_free(p);
}

/* The SOA of a negative answer is required: TC when it does not fit. */
TEST(truncation_negative)
{
	char name[300];
	ldns_pkt *p;

	snprintf(name, sizeof(name), "%s.%s.x.longsoa.test", label63, label63);
	p = ask(db, Q(name, DNS_T_A));
	if (!p)
		return;
	CHECK(ldns_pkt_tc(p));
	CHECK_INT(last_rcode, DNS_R_NXDOMAIN);
	CHECK_INT(ldns_pkt_nscount(p), 0);
	ldns_pkt_free(p);
	p = ask(db, Q(name, DNS_T_A, .edns = true, .udp = 1232));
	if (!p)
		return;
	CHECK(!ldns_pkt_tc(p));
	CHECK_INT(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
}

int main(void)
{
	db = fixture();
	RUN(name_limits);
	RUN(edns_echo);
	RUN(edns_badvers);
	RUN(opcodes_classes_types);
	RUN(not_ours_and_drops);
	RUN(pointer_in_question);
	RUN(trailing_garbage);
	RUN(truncation_udp);
	RUN(truncation_edges);
	RUN(truncation_additional);
	RUN(truncation_referral);
	RUN(truncation_negative);
	dns_db_free(db);
	return test_done();
}
