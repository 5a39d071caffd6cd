/*
 * Unit tests for dnsd/dns_answer.c, the answers themselves: queries built
 * byte by byte, parsed with dns_query_parse(), answered from the fixture
 * of dns_fixture.h and read back with ldns: sections, flags, rcodes, TTLs,
 * the client's case, compression; positive answers, RFC 2308 negative
 * ones, CNAME chains, referrals and DS, reverse and RFC 2317 zones.
 * Limits, EDNS, errors and truncation: test_dns_limits.c.
 */
#include "dns_fixture.h"

static struct dns_db *db;

/* ---- Positive answers ----------------------------------------------- */

TEST(hit_keeps_client_case)
{
	ldns_pkt *p = ask(db, Q("wWw.ExAmPlE.cOm", DNS_T_A));

	if (!p)
		return;
	CHECK(ldns_pkt_aa(p));
	CHECK(!ldns_pkt_tc(p) && !ldns_pkt_ra(p));
	CHECK_INT(last_rcode, DNS_R_NOERROR);
	CHECK_STR(AN(p), "wWw.ExAmPlE.cOm. 300 A 192.0.2.10 | "
			 "wWw.ExAmPlE.cOm. 300 A 192.0.2.11");
	CHECK_STR(NS(p), "");
	CHECK_STR(AR(p), "");
	CHECK(!ldns_pkt_edns(p));
	CHECK_STR(qname_text(p), "wWw.ExAmPlE.cOm.");
	/* Both owners are the pointer to the question (0xC00C). */
	CHECK_INT(reply[33], 0xc0);
	CHECK_INT(reply[34], 0x0c);
	CHECK_INT(reply[33 + 16], 0xc0);
	CHECK_INT(reply[33 + 17], 0x0c);
	CHECK_INT(reply_len, 33 + 2 * 16);
	ldns_pkt_free(p);

	p = ask(db, Q("www.example.com", DNS_T_AAAA, .edns = true,
		      .recurse = true));
	if (!p)
		return;
	CHECK(ldns_pkt_ra(p));
	CHECK_STR(AN(p), "www.example.com. 600 AAAA 2001:db8::10");
	ldns_pkt_free(p);
}

TEST(apex_soa_ns_mx)
{
	ldns_pkt *p = ask(db, Q("Example.com", DNS_T_SOA));

	if (!p)
		return;
	CHECK(ldns_pkt_aa(p));
	CHECK_STR(AN(p), "Example.com. 3600 SOA ns1.example.com. "
			 "hostmaster.example.com. 2024010101 3600 600 864000 300");
	ldns_pkt_free(p);

	p = ask(db, Q("example.com", DNS_T_NS, .edns = true));
	if (!p)
		return;
	CHECK_STR(AN(p), "example.com. 3600 NS ns1.example.com. | "
			 "example.com. 3600 NS ns2.example.com.");
	/* Their addresses, in our zone: additional section processing. */
	CHECK_STR(AR(p), "ns1.example.com. 300 A 192.0.2.1 | "
			 "ns1.example.com. 300 AAAA 2001:db8::1 | "
			 "ns2.example.com. 300 A 192.0.2.2");
	ldns_pkt_free(p);

	p = ask(db, Q("example.com", DNS_T_MX, .edns = true));
	if (!p)
		return;
	CHECK_STR(AN(p), "example.com. 300 MX 10 mail.example.com.");
	CHECK_STR(AR(p), "mail.example.com. 300 A 192.0.2.25");
	ldns_pkt_free(p);
}

/* Names in MX rdata are compressed (RFC 1035 type); SRV's never are. */
TEST(rdata_compression)
{
	static const uint8_t full[] = "\3www\7example\3com";
	ldns_pkt *p = ask(db, Q("example.com", DNS_T_MX));
	size_t an = 12 + 13 + 4;

	if (!p)
		return;
	/* owner C00C, type, class, ttl, rdlen 7: pref + "\4mail" + C00C */
	CHECK_INT(reply[an + 10], 0);
	CHECK_INT(reply[an + 11], 9);
	CHECK(memcmp(reply + an + 14, "\4mail\xc0\x0c", 7) == 0);
	ldns_pkt_free(p);

	p = ask(db, Q("_ldap._tcp.example.com", DNS_T_SRV));
	if (!p)
		return;
	CHECK_STR(AN(p), "_ldap._tcp.example.com. 300 SRV 0 5 389 "
			 "www.example.com.");
	CHECK(memmem(reply, reply_len, full, sizeof(full)) != NULL);
	CHECK_STR(AR(p), "www.example.com. 300 A 192.0.2.10 | "
			 "www.example.com. 300 A 192.0.2.11 | "
			 "www.example.com. 600 AAAA 2001:db8::10");
	ldns_pkt_free(p);
}

TEST(any_query)
{
	ldns_pkt *p = ask(db, Q("www.example.com", DNS_T_ANY));

	if (!p)
		return;
	CHECK(ldns_pkt_aa(p));
	CHECK_INT(ldns_pkt_ancount(p), 3);
	CHECK(strstr(AN(p), "AAAA 2001:db8::10") != NULL);
	CHECK(strstr(AN(p), "A 192.0.2.11") != NULL);
	ldns_pkt_free(p);

	p = ask(db, Q("example.com", DNS_T_ANY, .edns = true));
	if (!p)
		return;
	CHECK_INT(ldns_pkt_ancount(p), 4);	/* SOA, 2 NS, MX */
	CHECK(strncmp(AN(p), "example.com. 3600 SOA", 21) == 0);
	/* Later names compress against the SOA's: all must read back. */
	CHECK(strstr(AN(p), "NS ns1.example.com. | ") != NULL);
	CHECK(strstr(AN(p), "NS ns2.example.com.") != NULL);
	CHECK(strstr(AN(p), "MX 10 mail.example.com.") != NULL);
	ldns_pkt_free(p);

	/* At an empty non-terminal: NODATA. */
	p = ask(db, Q("lab.example.com", DNS_T_ANY));
	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_NOERROR);
	CHECK_INT(ldns_pkt_ancount(p), 0);
	CHECK_INT(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
}

/* ---- Negative answers (RFC 2308) ------------------------------------ */

TEST(nodata_and_nxdomain)
{
	static const char *soa = "example.com. 300 SOA ns1.example.com. "
		"hostmaster.example.com. 2024010101 3600 600 864000 300";
	ldns_pkt *p = ask(db, Q("mail.example.com", DNS_T_AAAA));

	if (!p)
		return;
	CHECK(ldns_pkt_aa(p));
	CHECK_INT(last_rcode, DNS_R_NOERROR);
	CHECK_STR(AN(p), "");
	CHECK_STR(NS(p), soa);
	ldns_pkt_free(p);

	/* An empty non-terminal is NODATA, not NXDOMAIN. */
	p = ask(db, Q("LAB.example.com", DNS_T_A));
	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_NOERROR);
	CHECK_STR(NS(p), soa);
	ldns_pkt_free(p);

	p = ask(db, Q("nohost.example.com", DNS_T_A, .edns = true));
	if (!p)
		return;
	CHECK(ldns_pkt_aa(p));
	CHECK_INT(last_rcode, DNS_R_NXDOMAIN);
	CHECK_INT(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	CHECK_STR(AN(p), "");
	CHECK_STR(NS(p), soa);
	ldns_pkt_free(p);

	/* Below an existing name too. */
	p = ask(db, Q("a.b.www.example.com", DNS_T_A));
	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_NXDOMAIN);
	ldns_pkt_free(p);

	/* The TTL is min(SOA TTL, minimum): here the TTL (30) wins. */
	p = ask(db, Q("x.longsoa.test", DNS_T_A, .edns = true, .udp = 4096));
	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_NXDOMAIN);
	CHECK_INT(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(p), 0)), 30);
	ldns_pkt_free(p);

	/* And in the nested reverse zone its own minimum (120). */
	p = ask(db, Q("9.0.0.10.in-addr.arpa", DNS_T_PTR));
	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_NXDOMAIN);
	CHECK_STR(NS(p), "0.10.in-addr.arpa. 120 SOA ns1.example.com. "
			 "hostmaster.example.com. 2024010101 3600 600 864000 120");
	ldns_pkt_free(p);
}

/* ---- CNAME ----------------------------------------------------------- */

TEST(cname_chains)
{
	ldns_pkt *p = ask(db, Q("Alias.example.com", DNS_T_A));

	if (!p)
		return;
	CHECK(ldns_pkt_aa(p));
	CHECK_STR(AN(p), "Alias.example.com. 60 CNAME www.example.com. | "
			 "www.example.com. 300 A 192.0.2.10 | "
			 "www.example.com. 300 A 192.0.2.11");
	ldns_pkt_free(p);

	p = ask(db, Q("c1.example.com", DNS_T_AAAA));
	if (!p)
		return;
	CHECK_STR(AN(p), "c1.example.com. 60 CNAME c2.example.com. | "
			 "c2.example.com. 60 CNAME c3.example.com. | "
			 "c3.example.com. 60 CNAME www.example.com. | "
			 "www.example.com. 600 AAAA 2001:db8::10");
	ldns_pkt_free(p);

	/* Asking for the CNAME itself does not follow it. */
	p = ask(db, Q("alias.example.com", DNS_T_CNAME));
	if (!p)
		return;
	CHECK_STR(AN(p), "alias.example.com. 60 CNAME www.example.com.");
	ldns_pkt_free(p);

	/* A loop stops when a name comes back. */
	p = ask(db, Q("l1.example.com", DNS_T_A));
	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_NOERROR);
	CHECK_STR(AN(p), "l1.example.com. 60 CNAME l2.example.com. | "
			 "l2.example.com. 60 CNAME l1.example.com.");
	ldns_pkt_free(p);

	/* A long chain stops after 9 CNAMEs (8 links followed). */
	p = ask(db, Q("k0.example.com", DNS_T_A));
	if (!p)
		return;
	CHECK_INT(ldns_pkt_ancount(p), 9);
	CHECK(strstr(AN(p), "A 192.0.2.12") == NULL);
	ldns_pkt_free(p);
	p = ask(db, Q("k4.example.com", DNS_T_A));
	if (!p)
		return;
	CHECK_INT(ldns_pkt_ancount(p), 9);	/* 8 CNAMEs and the A */
	CHECK(strstr(AN(p), "k12.example.com. 300 A 192.0.2.12") != NULL);
	ldns_pkt_free(p);
}

TEST(cname_out_and_nowhere)
{
	ldns_pkt *p = ask(db, Q("ext.example.com", DNS_T_A));

	if (!p)
		return;
	CHECK(ldns_pkt_aa(p));
	CHECK_INT(last_rcode, DNS_R_NOERROR);
	CHECK_STR(AN(p), "ext.example.com. 60 CNAME www.elsewhere.org.");
	CHECK_STR(NS(p), "");
	ldns_pkt_free(p);

	/* RFC 6604: the rcode is the last name's. */
	p = ask(db, Q("dangling.example.com", DNS_T_A));
	if (!p)
		return;
	CHECK_INT(last_rcode, DNS_R_NXDOMAIN);
	CHECK(ldns_pkt_aa(p));
	CHECK_STR(AN(p), "dangling.example.com. 60 CNAME missing.example.com.");
	CHECK_INT(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);

	/* Into another of our zones (a nested reverse one). */
	p = ask(db, Q("toptr.example.com", DNS_T_PTR));
	if (!p)
		return;
	CHECK_STR(AN(p), "toptr.example.com. 60 CNAME 5.0.0.10.in-addr.arpa. | "
			 "5.0.0.10.in-addr.arpa. 300 PTR host.lab.example.com.");
	ldns_pkt_free(p);

	/* Into a delegation: the CNAME, then the referral. */
	p = ask(db, Q("todeleg.example.com", DNS_T_A));
	if (!p)
		return;
	CHECK(ldns_pkt_aa(p));
	CHECK_STR(AN(p), "todeleg.example.com. 60 CNAME x.sub.example.com.");
	CHECK_INT(ldns_pkt_nscount(p), 2);
	ldns_pkt_free(p);
}

/* ---- Delegations ----------------------------------------------------- */

TEST(referral_with_glue)
{
	ldns_pkt *p = ask(db, Q("host.SUB.example.com", DNS_T_A));

	if (!p)
		return;
	CHECK(!ldns_pkt_aa(p));
	CHECK_INT(last_rcode, DNS_R_NOERROR);
	CHECK_STR(AN(p), "");
	CHECK_STR(NS(p), "sub.example.com. 86400 NS ns.sub.example.com. | "
			 "sub.example.com. 86400 NS ns.other.net.");
	CHECK_STR(AR(p), "ns.sub.example.com. 86400 A 192.0.2.53");
	ldns_pkt_free(p);

	/* At the cut, NS is a referral too, in the client's case. */
	p = ask(db, Q("Sub.example.com", DNS_T_NS));
	if (!p)
		return;
	CHECK(!ldns_pkt_aa(p));
	CHECK_STR(NS(p), "Sub.example.com. 86400 NS ns.sub.example.com. | "
			 "Sub.example.com. 86400 NS ns.other.net.");
	ldns_pkt_free(p);

	/* The glue itself is not answered with authority. */
	p = ask(db, Q("ns.sub.example.com", DNS_T_A));
	if (!p)
		return;
	CHECK(!ldns_pkt_aa(p));
	CHECK_INT(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
}

TEST(ds_from_the_parent)
{
	ldns_pkt *p = ask(db, Q("sub.example.com", DNS_T_DS));

	if (!p)
		return;
	/* No DS at the cut: NODATA, authoritative, the parent's SOA. */
	CHECK(ldns_pkt_aa(p));
	CHECK_INT(last_rcode, DNS_R_NOERROR);
	CHECK_INT(ldns_pkt_ancount(p), 0);
	CHECK(strncmp(NS(p), "example.com. 300 SOA", 20) == 0);
	ldns_pkt_free(p);

	p = ask(db, Q("secure.example.com", DNS_T_DS));
	if (!p)
		return;
	CHECK(ldns_pkt_aa(p));
	CHECK_INT(ldns_pkt_ancount(p), 1);
	CHECK_INT(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
		  LDNS_RR_TYPE_DS);
	ldns_pkt_free(p);

	/* DS below the cut: a referral like anything else. */
	p = ask(db, Q("x.secure.example.com", DNS_T_DS));
	if (!p)
		return;
	CHECK(!ldns_pkt_aa(p));
	CHECK_STR(NS(p), "secure.example.com. 86400 NS ns1.example.com.");
	ldns_pkt_free(p);

	/* DS at the apex of a zone whose parent is ours: the parent's SOA. */
	p = ask(db, Q("0.10.in-addr.arpa", DNS_T_DS));
	if (!p)
		return;
	CHECK(ldns_pkt_aa(p));
	CHECK(strncmp(NS(p), "10.in-addr.arpa. 300 SOA", 24) == 0);
	ldns_pkt_free(p);
}

/* ---- Reverse zones --------------------------------------------------- */

TEST(reverse_zones)
{
	ldns_pkt *p = ask(db, Q("5.0.0.10.in-addr.arpa", DNS_T_PTR));

	if (!p)
		return;
	CHECK(ldns_pkt_aa(p));
	CHECK_STR(AN(p), "5.0.0.10.in-addr.arpa. 300 PTR host.lab.example.com.");
	ldns_pkt_free(p);

	p = ask(db, Q("1.1.10.in-addr.arpa", DNS_T_PTR));
	if (!p)
		return;
	CHECK_STR(AN(p), "1.1.10.in-addr.arpa. 300 PTR ns1.example.com.");
	ldns_pkt_free(p);

	/* RFC 2317: the /24's CNAME into the classless zone. */
	p = ask(db, Q("5.2.0.192.in-addr.arpa", DNS_T_PTR));
	if (!p)
		return;
	CHECK_STR(AN(p), "5.2.0.192.in-addr.arpa. 300 CNAME "
			 "5.0/26.2.0.192.in-addr.arpa. | "
			 "5.0/26.2.0.192.in-addr.arpa. 300 PTR h5.example.com.");
	ldns_pkt_free(p);
}

int main(void)
{
	db = fixture();
	RUN(hit_keeps_client_case);
	RUN(apex_soa_ns_mx);
	RUN(rdata_compression);
	RUN(any_query);
	RUN(nodata_and_nxdomain);
	RUN(cname_chains);
	RUN(cname_out_and_nowhere);
	RUN(referral_with_glue);
	RUN(ds_from_the_parent);
	RUN(reverse_zones);
	dns_db_free(db);
	return test_done();
}
