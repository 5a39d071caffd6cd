/*
 * Unit tests for dnsd/dns_zone.c, the store: zones and their SOA, adding
 * and removing records (duplicates, TTLs, CNAME rules, rdata checks),
 * empty non-terminals appearing and going with their children, nested
 * and RFC 2317 zones (longest apex wins), the AXFR walk, and a churn of
 * ten thousand names that must leave nothing behind (ASan's leak check
 * and the byte counter agree). Answers are tested in test_dns_answer.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "test.h"

static uint8_t wbuf[4][DNS_WIRE_MAX];

/* A wire name from text, in one of four rotating buffers. */
static const uint8_t *W(const char *text)
{
	static unsigned next;
	uint8_t *w = wbuf[next++ % 4];

	if (dns_name_from_text(w, text) < 0) {
		fprintf(stderr, "bad test name %s\n", text);
		abort();
	}
	return w;
}

static struct dns_soa soa_of(const char *mname, uint32_t serial)
{
	struct dns_soa soa = {
		.serial = serial, .refresh = 3600, .retry = 600,
		.expire = 86400, .minimum = 300, .ttl = 3600,
	};

	dns_name_from_text(soa.mname, mname);
	dns_name_from_text(soa.rname, "hostmaster.example.com");
	return soa;
}

static int add_a(struct dns_db *db, const char *owner, const char *ip)
{
	uint8_t a[4];

	inet_pton(AF_INET, ip, a);
	return dns_rr_add(db, W(owner), DNS_T_A, 300, a, 4);
}

static int del_a(struct dns_db *db, const char *owner, const char *ip)
{
	uint8_t a[4];

	inet_pton(AF_INET, ip, a);
	return dns_rr_del(db, W(owner), DNS_T_A, a, 4);
}

static int add_name(struct dns_db *db, const char *owner, uint16_t type,
		    const char *target)
{
	uint8_t t[DNS_WIRE_MAX];
	int len = dns_name_from_text(t, target);

	return dns_rr_add(db, W(owner), type, 300, t, (uint16_t)len);
}

static struct dns_db_stats stats(const struct dns_db *db)
{
	struct dns_db_stats st;

	dns_db_stats(db, &st);
	return st;
}

static struct dns_db *db_with(const char *apex)
{
	struct dns_db *db = dns_db_new();
	struct dns_soa soa = soa_of("ns1.example.com", 1);

	CHECK(db != NULL);
	CHECK_INT(dns_zone_add(db, W(apex), &soa), 0);
	return db;
}

TEST(zone_add_del)
{
	struct dns_db *db = dns_db_new();
	struct dns_soa soa = soa_of("ns1.example.com", 7), bad = soa;
	struct dns_soa *got;

	CHECK_INT(dns_zone_add(db, W("Example.COM"), &soa), 0);
	CHECK_INT(dns_zone_add(db, W("example.com"), &soa), -EEXIST);
	got = dns_zone_soa(db, W("EXAMPLE.com"));
	CHECK(got != NULL);
	if (got) {
		CHECK_INT(got->serial, 7);
		got->serial++;		/* serial bumps go through here */
		CHECK_INT(dns_zone_soa(db, W("example.com"))->serial, 8);
	}
	CHECK(dns_zone_soa(db, W("www.example.com")) == NULL);
	bad.mname[0] = 70;	/* not a name */
	CHECK_INT(dns_zone_add(db, W("example.org"), &bad), -EINVAL);
	CHECK_INT(dns_zone_add(db, W("example.org"), NULL), -EINVAL);
	CHECK_INT(stats(db).zones, 1);
	CHECK_INT(dns_zone_del(db, W("example.org")), -ENOENT);
	CHECK_INT(dns_zone_del(db, W("www.example.com")), -ENOENT);
	CHECK_INT(dns_zone_del(db, W("example.com")), 0);
	CHECK_INT(stats(db).zones, 0);
	CHECK_INT(stats(db).names, 0);
	CHECK(dns_zone_soa(db, W("example.com")) == NULL);
	dns_db_free(db);
	dns_db_free(NULL);
}

TEST(rr_add_del_exists)
{
	struct dns_db *db = db_with("example.com");
	uint8_t a[4] = { 192, 0, 2, 1 };

	CHECK_INT(add_a(db, "www.example.com", "192.0.2.1"), 0);
	CHECK_INT(add_a(db, "WWW.example.com", "192.0.2.2"), 0);
	CHECK(dns_rr_exists(db, W("www.EXAMPLE.com"), DNS_T_A, a, 4));
	CHECK(dns_rr_exists(db, W("www.example.com"), DNS_T_A, NULL, 0));
	CHECK(!dns_rr_exists(db, W("www.example.com"), DNS_T_AAAA, NULL, 0));
	CHECK(!dns_rr_exists(db, W("ftp.example.com"), DNS_T_A, NULL, 0));
	CHECK_INT(stats(db).records, 2);
	CHECK_INT(stats(db).rrsets, 1);
	/* A duplicate changes nothing but the TTL. */
	CHECK_INT(dns_rr_add(db, W("www.example.com"), DNS_T_A, 60, a, 4), 0);
	CHECK_INT(stats(db).records, 2);
	CHECK_INT(add_a(db, "www.example.org", "192.0.2.1"), -ENOENT);
	CHECK_INT(del_a(db, "www.example.com", "192.0.2.9"), -ENOENT);
	CHECK_INT(del_a(db, "ftp.example.com", "192.0.2.1"), -ENOENT);
	CHECK_INT(del_a(db, "www.example.com", "192.0.2.1"), 0);
	CHECK(!dns_rr_exists(db, W("www.example.com"), DNS_T_A, a, 4));
	CHECK(dns_rr_exists(db, W("www.example.com"), DNS_T_A, NULL, 0));
	CHECK_INT(del_a(db, "www.example.com", "192.0.2.2"), 0);
	CHECK(!dns_rr_exists(db, W("www.example.com"), DNS_T_A, NULL, 0));
	CHECK_INT(stats(db).names, 1);
	CHECK_INT(stats(db).records, 0);
	dns_db_free(db);
}

TEST(rr_rejects)
{
	struct dns_db *db = db_with("example.com");
	static const uint8_t ptr_loop[] = { 3, 'w', 'w', 'w', 0xc0, 0x0c };
	static const uint8_t txt_bad[] = { 5, 'a', 'b' };
	static const uint8_t mx_short[] = { 0, 10 };
	uint8_t a[4] = { 10, 0, 0, 1 }, big[3000];

	CHECK_INT(dns_rr_add(db, W("x.example.com"), DNS_T_SOA, 1, a, 4),
		  -EINVAL);
	CHECK_INT(dns_rr_add(db, W("x.example.com"), DNS_T_OPT, 1, a, 4),
		  -EINVAL);
	CHECK_INT(dns_rr_add(db, W("x.example.com"), DNS_T_ANY, 1, a, 4),
		  -EINVAL);
	CHECK_INT(dns_rr_add(db, W("x.example.com"), DNS_T_AXFR, 1, a, 4),
		  -EINVAL);
	CHECK_INT(dns_rr_add(db, W("x.example.com"), 0, 1, a, 4), -EINVAL);
	CHECK_INT(dns_rr_add(db, W("x.example.com"), DNS_T_A, 1, a, 3),
		  -EINVAL);
	CHECK_INT(dns_rr_add(db, W("x.example.com"), DNS_T_AAAA, 1, a, 4),
		  -EINVAL);
	CHECK_INT(dns_rr_add(db, W("x.example.com"), DNS_T_PTR, 1, ptr_loop,
			     sizeof(ptr_loop)), -EINVAL);
	CHECK_INT(dns_rr_add(db, W("x.example.com"), DNS_T_TXT, 1, txt_bad,
			     sizeof(txt_bad)), -EINVAL);
	CHECK_INT(dns_rr_add(db, W("x.example.com"), DNS_T_MX, 1, mx_short,
			     sizeof(mx_short)), -EINVAL);
	CHECK_INT(dns_rr_add(db, (const uint8_t *)"\100x", DNS_T_A, 1, a, 4),
		  -EINVAL);
	/* Nothing was left behind by the failures. */
	CHECK_INT(stats(db).names, 1);
	/* An RRset that could never be sent. */
	for (size_t i = 0; i < sizeof(big); i += 256) {
		big[i] = (uint8_t)(sizeof(big) - i > 256 ? 255 :
				   sizeof(big) - i - 1);
		memset(big + i + 1, 'x', big[i]);
	}
	{
		int rc = 0, n = 0;

		for (; n < 40 && rc == 0; n++) {
			big[1] = (uint8_t)n;	/* make each one different */
			rc = dns_rr_add(db, W("t.example.com"), DNS_T_TXT, 1,
					big, sizeof(big));
		}
		CHECK_INT(rc, -ENOSPC);
		CHECK_INT(n, 22);
	}
	/* Unknown types are opaque (RFC 3597), DS included. */
	CHECK_INT(dns_rr_add(db, W("x.example.com"), 65280, 1, a, 0), 0);
	CHECK_INT(dns_rr_add(db, W("x.example.com"), DNS_T_DS, 1, a, 4), 0);
	dns_db_free(db);
}

TEST(cname_rules)
{
	struct dns_db *db = db_with("example.com");

	CHECK_INT(add_name(db, "alias.example.com", DNS_T_CNAME,
			   "www.example.com"), 0);
	CHECK_INT(add_name(db, "ALIAS.example.com", DNS_T_CNAME,
			   "WWW.example.com"), 0);	/* a duplicate */
	CHECK_INT(stats(db).records, 1);
	CHECK_INT(add_name(db, "alias.example.com", DNS_T_CNAME,
			   "ftp.example.com"), -EINVAL);
	CHECK_INT(add_a(db, "alias.example.com", "192.0.2.1"), -EINVAL);
	CHECK_INT(add_a(db, "www.example.com", "192.0.2.1"), 0);
	CHECK_INT(add_name(db, "www.example.com", DNS_T_CNAME,
			   "alias.example.com"), -EINVAL);
	CHECK_INT(add_name(db, "example.com", DNS_T_CNAME, "x.example.org"),
		  -EINVAL);	/* beside the SOA */
	CHECK_INT(add_name(db, "new.example.com", DNS_T_CNAME,
			   "www.example.com"), 0);
	dns_db_free(db);
}

TEST(empty_non_terminals)
{
	struct dns_db *db = db_with("example.com");
	size_t base = stats(db).bytes;

	CHECK_INT(add_a(db, "h.c.b.a.example.com", "192.0.2.1"), 0);
	CHECK_INT(stats(db).names, 5);	/* apex, a, b.a, c.b.a, h... */
	CHECK_INT(add_a(db, "g.c.b.a.example.com", "192.0.2.1"), 0);
	CHECK_INT(add_a(db, "b.a.example.com", "192.0.2.1"), 0);
	CHECK_INT(stats(db).names, 6);
	CHECK(dns_db_covers(db, W("zz.c.b.a.example.com")));
	CHECK_INT(del_a(db, "h.c.b.a.example.com", "192.0.2.1"), 0);
	CHECK_INT(stats(db).names, 5);
	CHECK_INT(del_a(db, "g.c.b.a.example.com", "192.0.2.1"), 0);
	/* c.b.a went with its last child; b.a stays for its own data. */
	CHECK_INT(stats(db).names, 3);
	CHECK_INT(del_a(db, "b.a.example.com", "192.0.2.1"), 0);
	CHECK_INT(stats(db).names, 1);
	CHECK_INT(stats(db).bytes, base);
	dns_db_free(db);
}

TEST(nested_and_classless_zones)
{
	struct dns_db *db = db_with("10.in-addr.arpa");
	struct dns_soa soa = soa_of("ns1.example.com", 1);
	char txt[4 * DNS_WIRE_MAX];

	CHECK_INT(add_name(db, "5.0.0.10.in-addr.arpa", DNS_T_PTR,
			   "h5.example.com"), 0);
	CHECK_INT(add_name(db, "1.1.10.in-addr.arpa", DNS_T_PTR,
			   "h1.example.com"), 0);
	CHECK_STR(dns_name_to_text(dns_zone_of(db, W("5.0.0.10.in-addr.arpa")),
				   txt, sizeof(txt)), "10.in-addr.arpa");
	/* A zone inside takes over its subtree, the data with it. */
	CHECK_INT(dns_zone_add(db, W("0.10.in-addr.arpa"), &soa), 0);
	CHECK_STR(dns_name_to_text(dns_zone_of(db, W("5.0.0.10.in-addr.arpa")),
				   txt, sizeof(txt)), "0.10.in-addr.arpa");
	CHECK_STR(dns_name_to_text(dns_zone_of(db, W("9.9.0.10.in-addr.arpa")),
				   txt, sizeof(txt)), "0.10.in-addr.arpa");
	CHECK_STR(dns_name_to_text(dns_zone_of(db, W("1.1.10.in-addr.arpa")),
				   txt, sizeof(txt)), "10.in-addr.arpa");
	CHECK(dns_zone_of(db, W("11.in-addr.arpa")) == NULL);
	CHECK(!dns_db_covers(db, W("in-addr.arpa")));
	/* Deleting the inner zone deletes its records only. */
	CHECK_INT(dns_zone_del(db, W("0.10.in-addr.arpa")), 0);
	CHECK(!dns_rr_exists(db, W("5.0.0.10.in-addr.arpa"), DNS_T_PTR, NULL,
			     0));
	CHECK(dns_rr_exists(db, W("1.1.10.in-addr.arpa"), DNS_T_PTR, NULL, 0));
	CHECK_STR(dns_name_to_text(dns_zone_of(db, W("5.0.0.10.in-addr.arpa")),
				   txt, sizeof(txt)), "10.in-addr.arpa");

	/* RFC 2317: a zone whose apex label holds a '/'. */
	CHECK_INT(dns_zone_add(db, W("2.0.192.in-addr.arpa"), &soa), 0);
	CHECK_INT(dns_zone_add(db, W("0/26.2.0.192.in-addr.arpa"), &soa), 0);
	CHECK_INT(add_name(db, "5.2.0.192.in-addr.arpa", DNS_T_CNAME,
			   "5.0/26.2.0.192.in-addr.arpa"), 0);
	CHECK_INT(add_name(db, "5.0/26.2.0.192.in-addr.arpa", DNS_T_PTR,
			   "h5.example.com"), 0);
	CHECK_STR(dns_name_to_text(
			  dns_zone_of(db, W("5.0/26.2.0.192.in-addr.arpa")),
			  txt, sizeof(txt)), "0/26.2.0.192.in-addr.arpa");
	CHECK_STR(dns_name_to_text(dns_zone_of(db, W("5.2.0.192.in-addr.arpa")),
				   txt, sizeof(txt)), "2.0.192.in-addr.arpa");
	/* Deleting the outer zone leaves the inner one whole. */
	CHECK_INT(dns_zone_del(db, W("2.0.192.in-addr.arpa")), 0);
	CHECK(dns_rr_exists(db, W("5.0/26.2.0.192.in-addr.arpa"), DNS_T_PTR,
			    NULL, 0));
	CHECK_INT(stats(db).zones, 2);
	dns_db_free(db);
}

/* A zone added over names an enclosing zone already holds. */
TEST(zone_over_existing_names)
{
	struct dns_db *db = db_with("example.com");
	struct dns_soa soa = soa_of("ns1.example.com", 1);
	char txt[4 * DNS_WIRE_MAX];

	CHECK_INT(add_a(db, "h.lab.example.com", "192.0.2.1"), 0);
	CHECK_INT(stats(db).names, 3);
	CHECK_INT(dns_zone_add(db, W("lab.example.com"), &soa), 0);
	CHECK_INT(stats(db).names, 3);
	CHECK_STR(dns_name_to_text(dns_zone_of(db, W("h.lab.example.com")),
				   txt, sizeof(txt)), "lab.example.com");
	CHECK_INT(dns_zone_del(db, W("lab.example.com")), 0);
	CHECK_INT(stats(db).names, 1);
	/* And over a name that had only children: the ENT becomes apex. */
	CHECK_INT(add_a(db, "h.x.y.example.com", "192.0.2.1"), 0);
	CHECK_INT(dns_zone_add(db, W("x.y.example.com"), &soa), 0);
	CHECK_INT(stats(db).names, 3);	/* y.example.com went */
	dns_db_free(db);
}

struct walk_log {
	int calls, soas, fail_at;
	char first[64], last[64];
};

static int walk_cb(void *ctx, const uint8_t *owner, uint16_t type,
		   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	struct walk_log *l = ctx;
	char txt[4 * DNS_WIRE_MAX];

	(void)ttl;
	(void)rdata;
	(void)rdlen;
	l->calls++;
	if (type == DNS_T_SOA)
		l->soas++;
	snprintf(l->last, sizeof(l->last), "%s/%u",
		 dns_name_to_text(owner, txt, sizeof(txt)), (unsigned)type);
	if (l->calls == 1)
		memcpy(l->first, l->last, sizeof(l->first));
	return l->calls == l->fail_at ? -EPIPE : 0;
}

TEST(zone_walk)
{
	struct dns_db *db = db_with("example.com");
	struct dns_soa soa = soa_of("ns1.example.com", 1);
	struct walk_log l = { 0 };

	add_name(db, "example.com", DNS_T_NS, "ns1.example.com");
	add_a(db, "ns1.example.com", "192.0.2.1");
	add_a(db, "www.example.com", "192.0.2.2");
	add_a(db, "www.example.com", "192.0.2.3");
	add_a(db, "h.deep.er.example.com", "192.0.2.4");
	add_name(db, "sub.example.com", DNS_T_NS, "ns.sub.example.com");
	add_a(db, "ns.sub.example.com", "192.0.2.5");	/* glue goes too */
	dns_zone_add(db, W("inner.example.com"), &soa);
	add_a(db, "x.inner.example.com", "192.0.2.6");	/* not this zone */
	CHECK_INT(dns_zone_walk(db, W("example.com"), walk_cb, &l), 0);
	CHECK_INT(l.calls, 9);
	CHECK_INT(l.soas, 2);
	CHECK_STR(l.first, "example.com/6");
	CHECK_STR(l.last, "example.com/6");
	memset(&l, 0, sizeof(l));
	CHECK_INT(dns_zone_walk(db, W("inner.example.com"), walk_cb, &l), 0);
	CHECK_INT(l.calls, 3);
	memset(&l, 0, sizeof(l));
	l.fail_at = 4;
	CHECK_INT(dns_zone_walk(db, W("example.com"), walk_cb, &l), -EPIPE);
	CHECK_INT(l.calls, 4);
	CHECK_INT(dns_zone_walk(db, W("www.example.com"), walk_cb, &l),
		  -ENOENT);
	dns_db_free(db);
}

TEST(rdata_names_without_case)
{
	struct dns_db *db = db_with("10.in-addr.arpa");

	CHECK_INT(add_name(db, "5.0.0.10.in-addr.arpa", DNS_T_PTR,
			   "h.example.com"), 0);
	{
		static const uint8_t upper[] = "\1H\7EXAMPLE\3COM";

		CHECK(dns_rr_exists(db, W("5.0.0.10.in-addr.arpa"), DNS_T_PTR,
				    upper, sizeof(upper)));
		CHECK_INT(dns_rr_add(db, W("5.0.0.10.in-addr.arpa"), DNS_T_PTR,
				     9, upper, sizeof(upper)), 0);
		CHECK_INT(stats(db).records, 1);
		CHECK_INT(dns_rr_del(db, W("5.0.0.10.in-addr.arpa"), DNS_T_PTR,
				     upper, sizeof(upper)), 0);
	}
	CHECK_INT(stats(db).records, 0);
	dns_db_free(db);
}

/* Ten thousand names in, out, in again: the table grows and keeps its
 * probe runs intact through backward-shift deletion. */
TEST(churn)
{
	struct dns_db *db = db_with("example.com");
	size_t base = stats(db).bytes;
	char name[64];
	int fails = 0;

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 10000; i++) {
			snprintf(name, sizeof(name), "h%d.r%d.example.com", i,
				 i % 7);
			fails += add_a(db, name, "10.0.0.1") != 0;
		}
		CHECK_INT(stats(db).names, 10000 + 7 + 1);
		/* Remove every other one, check the rest are all there. */
		for (int i = 0; i < 10000; i += 2) {
			snprintf(name, sizeof(name), "h%d.r%d.example.com", i,
				 i % 7);
			fails += del_a(db, name, "10.0.0.1") != 0;
		}
		for (int i = 0; i < 10000; i++) {
			snprintf(name, sizeof(name), "h%d.r%d.example.com", i,
				 i % 7);
			fails += dns_rr_exists(db, W(name), DNS_T_A, NULL, 0) !=
				 (i % 2 == 1);
		}
		for (int i = 1; i < 10000; i += 2) {
			snprintf(name, sizeof(name), "h%d.r%d.example.com", i,
				 i % 7);
			fails += del_a(db, name, "10.0.0.1") != 0;
		}
		CHECK_INT(stats(db).names, 1);
	}
	CHECK_INT(fails, 0);
	CHECK_INT(stats(db).records, 0);
	CHECK_INT(stats(db).rrsets, 0);
	CHECK(stats(db).bytes > base);	/* the grown table is kept */
	dns_db_free(db);
}

int main(void)
{
	RUN(zone_add_del);
	RUN(rr_add_del_exists);
	RUN(rr_rejects);
	RUN(cname_rules);
	RUN(empty_non_terminals);
	RUN(nested_and_classless_zones);
	RUN(zone_over_existing_names);
	RUN(zone_walk);
	RUN(rdata_names_without_case);
	RUN(churn);
	return test_done();
}
