/*
 * Unit tests for shared/addr.c: IP text round trips and rejections, ordering,
 * stepping with carries and wrap-around, CIDR parsing and containment, and
 * every MAC spelling the header promises (and the near misses it must not
 * take). Out-parameters are pre-filled with a pattern to show that a failed
 * parse leaves them alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "test.h"

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;

	memset(&a, 0xee, sizeof(a));
	if (ip_parse(&a, s) != 0) {
		fprintf(stderr, "test setup: cannot parse %s\n", s);
		test_failures++;
	}
	return a;
}

static struct cidr cidr(const char *s)
{
	struct cidr c;

	memset(&c, 0xee, sizeof(c));
	if (cidr_parse(&c, s) < 0) {
		fprintf(stderr, "test setup: cannot parse %s\n", s);
		test_failures++;
	}
	return c;
}

static const char *fmt(const struct ip_addr *a)
{
	static char buf[IP_STRLEN];

	return ip_format(a, buf, sizeof(buf));
}

static const char *cfmt(const struct cidr *c)
{
	static char buf[CIDR_STRLEN];

	return cidr_format(c, buf, sizeof(buf));
}

/* The bytes past an IPv4 address stay zero through every operation. */
static bool v4_tail_zero(const struct ip_addr *a)
{
	for (size_t i = 4; i < sizeof(a->b); i++)
		if (a->b[i])
			return false;
	return true;
}

static void check_ip_round_trip(const char *in, const char *want, int family)
{
	struct ip_addr a;
	char buf[IP_STRLEN];

	memset(&a, 0xee, sizeof(a));
	CHECK_INT(ip_parse(&a, in), 0);
	CHECK_INT(a.family, family);
	if (family == AF_INET)
		CHECK(v4_tail_zero(&a));
	CHECK_STR(ip_format(&a, buf, sizeof(buf)), want);
	/* The canonical form parses back to the same address. */
	{
		struct ip_addr b = ip(want);

		CHECK(ip_equal(&a, &b));
		CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	}
}

TEST(ip_parse_format)
{
	check_ip_round_trip("0.0.0.0", "0.0.0.0", AF_INET);
	check_ip_round_trip("1.2.3.4", "1.2.3.4", AF_INET);
	check_ip_round_trip("255.255.255.255", "255.255.255.255", AF_INET);
	check_ip_round_trip("::", "::", AF_INET6);
	check_ip_round_trip("::1", "::1", AF_INET6);
	check_ip_round_trip("::ffff:1.2.3.4", "::ffff:1.2.3.4", AF_INET6);
	check_ip_round_trip("::FFFF:0102:0304", "::ffff:1.2.3.4", AF_INET6);
	check_ip_round_trip("2001:DB8::1", "2001:db8::1", AF_INET6);
	check_ip_round_trip("2001:0db8:0000:0000:0000:0000:0000:0001",
			    "2001:db8::1", AF_INET6);
	check_ip_round_trip("fe80:0:0:0:0:0:0:0", "fe80::", AF_INET6);
	/* The longest run of zeros is the one compressed ... */
	check_ip_round_trip("1:0:0:1:0:0:0:1", "1:0:0:1::1", AF_INET6);
	/* ... the first of two equal runs ... */
	check_ip_round_trip("1:0:0:1:1:0:0:1", "1::1:1:0:0:1", AF_INET6);
	/* ... and never a single zero group (RFC 5952 4.2.2). */
	check_ip_round_trip("1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1", AF_INET6);
	check_ip_round_trip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
			    AF_INET6);
	check_ip_round_trip("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", AF_INET6);
	check_ip_round_trip("::ffff:0:0", "::ffff:0.0.0.0", AF_INET6);
	check_ip_round_trip("::ffff", "::ffff", AF_INET6);
	/*
	 * Mixed notation is for IPv4-mapped addresses only (RFC 5952 5), not
	 * for the deprecated IPv4-compatible ones, whatever the libc does.
	 */
	check_ip_round_trip("::1:0", "::1:0", AF_INET6);
	check_ip_round_trip("::1:2", "::1:2", AF_INET6);
	check_ip_round_trip("::1.2.3.4", "::102:304", AF_INET6);
	check_ip_round_trip("::ffff:ffff", "::ffff:ffff", AF_INET6);
	check_ip_round_trip("::1:0:0", "::1:0:0", AF_INET6);
}

TEST(ip_parse_bytes)
{
	struct ip_addr a = ip("192.0.2.1");
	struct ip_addr b = ip("2001:db8::ff");

	CHECK_INT(a.b[0], 192);
	CHECK_INT(a.b[3], 1);
	CHECK(ip_v4(&a) == 0xc0000201u);
	CHECK_INT(b.b[0], 0x20);
	CHECK_INT(b.b[1], 0x01);
	CHECK_INT(b.b[15], 0xff);
	CHECK_INT(ip_len(&a), 4);
	CHECK_INT(ip_len(&b), 16);
	CHECK_INT(ip_bits(&a), 32);
	CHECK_INT(ip_bits(&b), 128);
}

TEST(ip_parse_invalid)
{
	static const char *const bad[] = {
		"", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4\n", "1.2.3", "1.2.3.4.5",
		"256.1.1.1", "1.2.3.256", "1.2.3.4/", "1.2.3.4/32",
		"01.2.3.4", "1.2.3.-1", "0x1.2.3.4", "1.2.3.4:80", "1..2.3",
		"fe80::1%eth0", "fe80::1%1", "[::1]", " ::1", "::1 ", ":::",
		"1::2::3", "12345::", "::g", "1:2:3:4:5:6:7:8:9",
		"1:2:3:4:5:6:7", "::ffff:1.2.3", "::ffff:256.1.1.1", "localhost",
	};
	struct ip_addr a, pat;

	memset(&pat, 0xaa, sizeof(pat));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = pat;
		if (ip_parse(&a, bad[i]) != -EINVAL) {
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
			CHECK(!"ip_parse rejects");
		}
		CHECK(memcmp(&a, &pat, sizeof(a)) == 0);
	}
	a = pat;
	CHECK_INT(ip_parse(&a, NULL), -EINVAL);
	CHECK(memcmp(&a, &pat, sizeof(a)) == 0);
}

TEST(ip_format_edges)
{
	struct ip_addr a = ip("255.255.255.255");
	struct ip_addr b = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	struct ip_addr bad = { 0 };
	char buf[IP_STRLEN];

	/* Exactly long enough, then one short. */
	CHECK_STR(ip_format(&a, buf, 16), "255.255.255.255");
	CHECK_STR(ip_format(&a, buf, 15), "?");
	CHECK_STR(ip_format(&b, buf, 40), fmt(&b));
	CHECK_STR(ip_format(&b, buf, 39), "?");
	CHECK_STR(ip_format(&a, buf, 1), "");
	a = ip("::ab:0");
	CHECK_STR(ip_format(&a, buf, 7), "::ab:0");
	CHECK_STR(ip_format(&a, buf, 6), "?");
	CHECK_STR(ip_format(&a, buf, 1), "");
	/* Size 0 writes nothing. */
	buf[0] = 'x';
	CHECK(ip_format(&a, buf, 0) == buf);
	CHECK_INT(buf[0], 'x');
	/* An unset family prints as "?" rather than as garbage. */
	CHECK_STR(ip_format(&bad, buf, sizeof(buf)), "?");
	bad.family = 99;
	CHECK_STR(ip_format(&bad, buf, sizeof(buf)), "?");
}

TEST(ip_from_bytes_v4)
{
	static const uint8_t b16[16] = { 0x20, 0x01, 0x0d, 0xb8,
					 [15] = 0x01 };
	struct ip_addr a, pat;

	memset(&a, 0xee, sizeof(a));
	CHECK_INT(ip_from_bytes(&a, "\x0a\x00\x00\x01", 4), 0);
	CHECK_INT(a.family, AF_INET);
	CHECK(v4_tail_zero(&a));
	CHECK_STR(fmt(&a), "10.0.0.1");
	CHECK_INT(ip_from_bytes(&a, b16, 16), 0);
	CHECK_INT(a.family, AF_INET6);
	CHECK_STR(fmt(&a), "2001:db8::1");

	memset(&pat, 0xaa, sizeof(pat));
	for (size_t len = 0; len <= 17; len++) {
		if (len == 4 || len == 16)
			continue;
		a = pat;
		CHECK_INT(ip_from_bytes(&a, b16, len), -EINVAL);
		CHECK(memcmp(&a, &pat, sizeof(a)) == 0);
	}

	memset(&a, 0xee, sizeof(a));
	ip_set_v4(&a, 0xc0a80101u);
	CHECK_INT(a.family, AF_INET);
	CHECK(v4_tail_zero(&a));
	CHECK_STR(fmt(&a), "192.168.1.1");
	CHECK(ip_v4(&a) == 0xc0a80101u);
	ip_set_v4(&a, 0xffffffffu);
	CHECK(ip_v4(&a) == 0xffffffffu);
	{
		struct ip_addr b = ip("255.255.255.255");

		CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	}
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

TEST(ip_cmp_order)
{
	/* Ascending: family first (IPv4 before IPv6), then numerically. */
	static const char *const asc[] = {
		"0.0.0.0", "0.0.0.1", "1.2.3.4", "1.2.3.10", "9.255.255.255",
		"10.0.0.0", "128.0.0.0", "255.255.255.255",
		"::", "::1", "::ffff", "::1:0", "::ffff:1.2.3.4", "2001:db8::",
		"2001:db8::1", "fe80::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	size_t n = sizeof(asc) / sizeof(asc[0]);

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			struct ip_addr a = ip(asc[i]), b = ip(asc[j]);
			int want = (i > j) - (i < j);

			if (sign(ip_cmp(&a, &b)) != want) {
				fprintf(stderr, "ip_cmp(%s, %s) sign %d\n",
					asc[i], asc[j], sign(ip_cmp(&a, &b)));
				CHECK(!"ip_cmp order");
			}
			CHECK(ip_equal(&a, &b) == (i == j));
		}
	}
	/* An IPv4 address and its IPv4-mapped IPv6 form are different. */
	{
		struct ip_addr a = ip("1.2.3.4"), b = ip("::ffff:1.2.3.4");

		CHECK(!ip_equal(&a, &b));
		CHECK(ip_cmp(&a, &b) < 0);
	}
}

static void check_step(const char *from, bool next, const char *want)
{
	struct ip_addr a = ip(from);
	bool ok = next ? ip_next(&a) : ip_prev(&a);

	CHECK(ok);
	CHECK_STR(fmt(&a), want);
	if (a.family == AF_INET)
		CHECK(v4_tail_zero(&a));
}

static void check_wrap(const char *at, bool next)
{
	struct ip_addr a = ip(at), before = a;

	CHECK(!(next ? ip_next(&a) : ip_prev(&a)));
	CHECK(memcmp(&a, &before, sizeof(a)) == 0);
}

TEST(ip_step)
{
	check_step("10.0.0.1", true, "10.0.0.2");
	check_step("10.0.0.255", true, "10.0.1.0");
	check_step("10.255.255.255", true, "11.0.0.0");
	check_step("127.255.255.255", true, "128.0.0.0");
	check_step("255.255.255.254", true, "255.255.255.255");
	check_step("0.0.0.0", true, "0.0.0.1");
	check_step("10.0.1.0", false, "10.0.0.255");
	check_step("11.0.0.0", false, "10.255.255.255");
	check_step("0.0.0.1", false, "0.0.0.0");
	check_step("255.255.255.255", false, "255.255.255.254");
	check_wrap("255.255.255.255", true);
	check_wrap("0.0.0.0", false);

	check_step("::", true, "::1");
	check_step("::ffff", true, "::1:0");
	check_step("2001:db8::ffff:ffff", true, "2001:db8::1:0:0");
	check_step("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true,
		   "2001:db9::");
	check_step("::1", false, "::");
	check_step("::1:0", false, "::ffff");
	check_step("2001:db9::", false, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	check_step("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false,
		   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	check_step("8000::", false, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	check_wrap("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true);
	check_wrap("::", false);

	/* next then prev is the identity everywhere it is defined. */
	{
		static const char *const pts[] = {
			"0.0.0.0", "10.0.0.255", "255.255.255.254", "::",
			"::ffff", "fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		};

		for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
			struct ip_addr a = ip(pts[i]), b = a;

			CHECK(ip_next(&a));
			CHECK(ip_cmp(&a, &b) > 0);
			CHECK(ip_prev(&a));
			CHECK(memcmp(&a, &b, sizeof(a)) == 0);
		}
	}
}

static void check_cidr(const char *in, int want_rc, const char *want)
{
	struct cidr c;

	memset(&c, 0xee, sizeof(c));
	CHECK_INT(cidr_parse(&c, in), want_rc);
	CHECK_STR(cfmt(&c), want);
	if (c.net.family == AF_INET)
		CHECK(v4_tail_zero(&c.net));
}

TEST(cidr_parse_ok)
{
	check_cidr("10.0.0.0/8", 0, "10.0.0.0/8");
	check_cidr("0.0.0.0/0", 0, "0.0.0.0/0");
	check_cidr("10.0.0.0/0", 1, "0.0.0.0/0");
	check_cidr("192.0.2.1/32", 0, "192.0.2.1/32");
	check_cidr("192.0.2.0/24", 0, "192.0.2.0/24");
	check_cidr("192.0.2.255/31", 1, "192.0.2.254/31");
	check_cidr("10.1.2.3/8", 1, "10.0.0.0/8");
	check_cidr("172.31.255.255/12", 1, "172.16.0.0/12");
	check_cidr("10.128.0.0/9", 0, "10.128.0.0/9");
	check_cidr("10.192.0.0/9", 1, "10.128.0.0/9");
	check_cidr("255.255.255.255/1", 1, "128.0.0.0/1");
	check_cidr("::/0", 0, "::/0");
	check_cidr("::1/128", 0, "::1/128");
	check_cidr("2001:db8::/32", 0, "2001:db8::/32");
	check_cidr("2001:DB8::1/64", 1, "2001:db8::/64");
	check_cidr("2001:db8:ffff::/33", 1, "2001:db8:8000::/33");
	check_cidr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127", 1,
		   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
	check_cidr("::ffff:10.0.0.0/104", 0, "::ffff:10.0.0.0/104");
	/* The longest IPv6 text there is (45 characters) still fits. */
	check_cidr("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128", 0,
		   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
}

TEST(cidr_parse_invalid)
{
	static const char *const bad[] = {
		"", "/", "/24", "10.0.0.0", "10.0.0.0/", "10.0.0.0/33",
		"10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0 /8",
		" 10.0.0.0/8", "10.0.0.0/8 ", "10.0.0.0/8\n", "10.0.0.0/8/8",
		"10.0.0.0//8", "10.0.0.0/8x", "10.0.0.0/0x8", "10.0.0.0/100",
		"10.0.0.0/1000", "10.0.0.0/4294967304",
		"10.0.0.0/99999999999999999999",
		/* Leading zeros: one spelling per prefix, as for the octets. */
		"10.0.0.0/08", "10.0.0.0/024", "10.0.0.0/0024", "10.0.0.0/00",
		"::/0128", "10.0.0/8", "10.0.0.0.0/8", "256.0.0.0/8",
		"::/129", "::/256", "::/-0", "fe80::%eth0/64", "fe80::1%1/64",
		"[::]/0", "2001:db8::/32 ", "localhost/8",
		/* Longer than any address, so it cannot fit the copy. */
		"0000:0000:0000:0000:0000:0000:0000:0000:0000/8",
		"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2550/128",
	};
	struct cidr c, pat;

	memset(&pat, 0xaa, sizeof(pat));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = pat;
		if (cidr_parse(&c, bad[i]) != -EINVAL) {
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
			CHECK(!"cidr_parse rejects");
		}
		CHECK(memcmp(&c, &pat, sizeof(c)) == 0);
	}
	CHECK_INT(cidr_parse(&c, NULL), -EINVAL);
}

TEST(cidr_format_edges)
{
	struct cidr c = cidr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120");
	char buf[CIDR_STRLEN];

	CHECK_STR(cidr_format(&c, buf, sizeof(buf)),
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120");
	/* Truncated output is still a string. */
	CHECK_STR(cidr_format(&c, buf, 5), "ffff");
	c = cidr("10.0.0.0/8");
	CHECK_STR(cidr_format(&c, buf, 10), "10.0.0.0/");
}

static bool contains(const char *c, const char *a)
{
	struct cidr p = cidr(c);
	struct ip_addr x = ip(a);

	return cidr_contains(&p, &x);
}

TEST(cidr_contains_v4)
{
	CHECK(contains("10.0.0.0/8", "10.0.0.0"));
	CHECK(contains("10.0.0.0/8", "10.255.255.255"));
	CHECK(contains("10.0.0.0/8", "10.1.2.3"));
	CHECK(!contains("10.0.0.0/8", "11.0.0.0"));
	CHECK(!contains("10.0.0.0/8", "9.255.255.255"));
	CHECK(contains("10.128.0.0/9", "10.255.0.1"));
	CHECK(!contains("10.128.0.0/9", "10.127.255.255"));
	CHECK(contains("0.0.0.0/0", "0.0.0.0"));
	CHECK(contains("0.0.0.0/0", "255.255.255.255"));
	CHECK(contains("192.0.2.7/32", "192.0.2.7"));
	CHECK(!contains("192.0.2.7/32", "192.0.2.6"));
	CHECK(!contains("192.0.2.7/32", "192.0.2.8"));
	CHECK(contains("192.0.2.6/31", "192.0.2.7"));
	CHECK(!contains("192.0.2.6/31", "192.0.2.8"));
	/* Mixed families never contain each other, not even /0. */
	CHECK(!contains("0.0.0.0/0", "::"));
	CHECK(!contains("0.0.0.0/0", "::ffff:1.2.3.4"));
	CHECK(!contains("::/0", "1.2.3.4"));
	CHECK(!contains("::ffff:0.0.0.0/96", "1.2.3.4"));
	CHECK(!contains("::/96", "0.0.0.0"));
}

TEST(cidr_contains_v6)
{
	CHECK(contains("::/0", "::"));
	CHECK(contains("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	CHECK(contains("2001:db8::/32", "2001:db8:ffff::1"));
	CHECK(!contains("2001:db8::/32", "2001:db9::"));
	CHECK(!contains("2001:db8::/32", "2001:db7:ffff::"));
	CHECK(contains("2001:db8::/33", "2001:db8:7fff::"));
	CHECK(!contains("2001:db8::/33", "2001:db8:8000::"));
	CHECK(contains("::1/128", "::1"));
	CHECK(!contains("::1/128", "::"));
	CHECK(!contains("::1/128", "::2"));
	CHECK(contains("fe80::/10", "febf::1"));
	CHECK(!contains("fe80::/10", "fec0::"));
	CHECK(contains("::ffff:0.0.0.0/96", "::ffff:1.2.3.4"));
}

static bool overlaps(const char *a, const char *b)
{
	struct cidr x = cidr(a), y = cidr(b);
	bool r = cidr_overlaps(&x, &y);

	/* Symmetric, whichever way round it is asked. */
	CHECK(r == cidr_overlaps(&y, &x));
	return r;
}

TEST(cidr_overlaps_all)
{
	CHECK(overlaps("10.0.0.0/8", "10.0.0.0/8"));
	CHECK(overlaps("10.0.0.0/8", "10.1.0.0/16"));
	CHECK(overlaps("10.0.0.0/8", "10.255.255.255/32"));
	CHECK(!overlaps("10.0.0.0/8", "11.0.0.0/8"));
	CHECK(!overlaps("10.0.0.0/25", "10.0.0.128/25"));
	CHECK(overlaps("10.0.0.0/24", "10.0.0.128/25"));
	CHECK(!overlaps("10.0.0.0/9", "10.128.0.0/9"));
	CHECK(overlaps("10.0.0.0/9", "10.64.0.0/10"));
	CHECK(overlaps("0.0.0.0/0", "192.0.2.1/32"));
	CHECK(overlaps("0.0.0.0/0", "0.0.0.0/0"));
	CHECK(overlaps("192.0.2.1/32", "192.0.2.1/32"));
	CHECK(!overlaps("192.0.2.1/32", "192.0.2.2/32"));

	CHECK(overlaps("::/0", "2001:db8::/32"));
	CHECK(overlaps("2001:db8::/32", "2001:db8:1::/48"));
	CHECK(!overlaps("2001:db8::/32", "2001:db9::/32"));
	CHECK(overlaps("::1/128", "::1/128"));
	CHECK(!overlaps("::1/128", "::/128"));
	CHECK(!overlaps("2001:db8::/127", "2001:db8::2/127"));

	/* Mixed families never overlap, whatever the prefixes. */
	CHECK(!overlaps("0.0.0.0/0", "::/0"));
	CHECK(!overlaps("10.0.0.0/8", "::/0"));
	CHECK(!overlaps("0.0.0.0/0", "::ffff:10.0.0.0/104"));
	CHECK(!overlaps("0.0.0.0/32", "::/128"));
}

static void check_range(const char *c, const char *first, const char *last)
{
	struct cidr p = cidr(c);
	struct ip_addr a;

	memset(&a, 0xee, sizeof(a));
	cidr_first(&p, &a);
	CHECK_STR(fmt(&a), first);
	if (a.family == AF_INET)
		CHECK(v4_tail_zero(&a));
	CHECK(cidr_contains(&p, &a));
	memset(&a, 0xee, sizeof(a));
	cidr_last(&p, &a);
	CHECK_STR(fmt(&a), last);
	if (a.family == AF_INET)
		CHECK(v4_tail_zero(&a));
	CHECK(cidr_contains(&p, &a));
	/* One past the last is outside (unless it wraps). */
	if (ip_next(&a))
		CHECK(!cidr_contains(&p, &a));
}

TEST(cidr_first_last)
{
	check_range("10.0.0.0/8", "10.0.0.0", "10.255.255.255");
	check_range("172.16.0.0/12", "172.16.0.0", "172.31.255.255");
	check_range("192.168.1.0/24", "192.168.1.0", "192.168.1.255");
	check_range("10.0.0.0/31", "10.0.0.0", "10.0.0.1");
	check_range("10.0.0.7/32", "10.0.0.7", "10.0.0.7");
	check_range("0.0.0.0/0", "0.0.0.0", "255.255.255.255");
	check_range("128.0.0.0/1", "128.0.0.0", "255.255.255.255");
	check_range("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	check_range("2001:db8::/32", "2001:db8::",
		    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	check_range("2001:db8::/33", "2001:db8::",
		    "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff");
	check_range("2001:db8::/64", "2001:db8::",
		    "2001:db8::ffff:ffff:ffff:ffff");
	check_range("2001:db8::/127", "2001:db8::", "2001:db8::1");
	check_range("2001:db8::5/128", "2001:db8::5", "2001:db8::5");
}

TEST(cidr_v4_masks)
{
	CHECK(cidr_v4_mask(0) == 0);
	CHECK(cidr_v4_mask(1) == 0x80000000u);
	CHECK(cidr_v4_mask(8) == 0xff000000u);
	CHECK(cidr_v4_mask(9) == 0xff800000u);
	CHECK(cidr_v4_mask(24) == 0xffffff00u);
	CHECK(cidr_v4_mask(31) == 0xfffffffeu);
	CHECK(cidr_v4_mask(32) == 0xffffffffu);
	/* Out of range clamps rather than shifting by >= 32 (UB). */
	CHECK(cidr_v4_mask(33) == 0xffffffffu);
	CHECK(cidr_v4_mask(1000) == 0xffffffffu);
	/* Agrees with cidr_last for every prefix. */
	for (unsigned p = 0; p <= 32; p++) {
		struct cidr c = { .prefix = (uint8_t)p };
		struct ip_addr last;

		ip_set_v4(&c.net, 0);
		cidr_last(&c, &last);
		CHECK(ip_v4(&last) == ~cidr_v4_mask(p));
	}
}

static void check_mac(const char *in, const char *want)
{
	struct mac_addr m;
	char buf[MAC_STRLEN];

	memset(&m, 0xee, sizeof(m));
	if (mac_parse(&m, in) != 0) {
		fprintf(stderr, "rejected \"%s\"\n", in);
		CHECK(!"mac_parse accepts");
		return;
	}
	CHECK_STR(mac_format(&m, buf, sizeof(buf)), want);
}

TEST(mac_parse_ok)
{
	/* Every spelling in the header, in both cases and mixed. */
	check_mac("52:54:00:ab:cd:ef", "52:54:00:ab:cd:ef");
	check_mac("52:54:00:AB:CD:EF", "52:54:00:ab:cd:ef");
	check_mac("52-54-00-AB-CD-EF", "52:54:00:ab:cd:ef");
	check_mac("52-54-00-ab-cd-ef", "52:54:00:ab:cd:ef");
	check_mac("5254.00ab.cdef", "52:54:00:ab:cd:ef");
	check_mac("5254.00AB.CDEF", "52:54:00:ab:cd:ef");
	check_mac("525400abcdef", "52:54:00:ab:cd:ef");
	check_mac("525400ABCDEF", "52:54:00:ab:cd:ef");
	check_mac("52:54:00:aB:Cd:eF", "52:54:00:ab:cd:ef");
	check_mac("00:00:00:00:00:00", "00:00:00:00:00:00");
	check_mac("ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff");
	check_mac("FFFFFFFFFFFF", "ff:ff:ff:ff:ff:ff");
	/* Groups that drop a leading zero. */
	check_mac("0:1:2:3:4:5", "00:01:02:03:04:05");
	check_mac("a-b-c-d-e-f", "0a:0b:0c:0d:0e:0f");
	check_mac("52:54:0:ab:c:ef", "52:54:00:ab:0c:ef");
	/* Twelve characters long but separated: not the bare-hex form. */
	check_mac("0:1:2:3:4:55", "00:01:02:03:04:55");
	check_mac("10:1:2:3:4:5", "10:01:02:03:04:05");
	check_mac("a-b-c-d-e-ff", "0a:0b:0c:0d:0e:ff");
	/* Fourteen characters long but separated: not the dotted form. */
	check_mac("0:1:2:33:44:55", "00:01:02:33:44:55");
}

TEST(mac_parse_invalid)
{
	static const char *const bad[] = {
		"", ":", "52:54-00:ab:cd:ef", "52-54:00-ab-cd-ef",
		"52:54:00:ab:cd:ef:01", "52:54:00:ab:cd", "052:54:00:ab:cd:ef",
		"52:54:00:ab:cd:eff", "52:54:00:ab:cd:ef:", ":52:54:00:ab:cd:ef",
		"52::54:00:ab:cd", "52:54:00:ab::ef", "52:54:00:ab:cd:eg",
		"52:54:00:ab:cd:", "525400abcde", "525400abcdef0", "525400abcdeg",
		"5254.00ab.cde", "5254.00ab.cdeg", "5254.00ab.cdef.",
		"5254.00ab:cdef", "5254:00ab:cdef", "5254-00ab-cdef",
		"52540.0ab.cdef", "5254..00abcdef", "52 54 00 ab cd ef",
		" 525400abcdef", "525400abcdef ", "52:54:00:ab:cd:ef ",
		"+2:54:00:ab:cd:ef", "0x:54:00:ab:cd:ef", "5254.00ab.cdef\n",
		"52.54.00.ab.cd.ef", "0:1:2:3:4:5:6", "0:1:2:3:4",
	};
	struct mac_addr m, pat;

	memset(&pat, 0xaa, sizeof(pat));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = pat;
		if (mac_parse(&m, bad[i]) != -EINVAL) {
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
			CHECK(!"mac_parse rejects");
		}
		CHECK(memcmp(&m, &pat, sizeof(m)) == 0);
	}
	m = pat;
	CHECK_INT(mac_parse(&m, NULL), -EINVAL);
	CHECK(memcmp(&m, &pat, sizeof(m)) == 0);
}

TEST(mac_format_edges)
{
	struct mac_addr m = { { 0x02, 0xAB, 0x00, 0x0f, 0xf0, 0xff } };
	char buf[MAC_STRLEN + 2];

	memset(buf, 'x', sizeof(buf));
	CHECK_STR(mac_format(&m, buf, MAC_STRLEN), "02:ab:00:0f:f0:ff");
	CHECK_INT(buf[MAC_STRLEN], 'x');
	CHECK_STR(mac_format(&m, buf, 6), "02:ab");
	CHECK_STR(mac_format(&m, buf, 1), "");
}

TEST(hostport_forms)
{
	static const char *const bad[] = {
		"", ":53", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536",
		"10.0.0.1:-1", "10.0.0.1:+5", "10.0.0.1:5x", "[::1", "[::1]x",
		"[::1]:", "[10.0.0.1]:99999", "host:53", "10.0.0.256",
		"[0000:0000:0000:0000:0000:0000:0000:0000:0]:53",
		/* Found by fuzz_cli_parse: strtoul's leniency, brackets. */
		"10.0.0.1: 80", "10.0.0.1:0x50", "10.0.0.1:000053",
		"10.0.0.1:\t53", "[10.0.0.1]:53", "[10.0.0.1]",
	};
	struct ip_addr a;
	char buf[IP_STRLEN];
	uint16_t port = 69;

	CHECK_INT(hostport_parse(&a, &port, "10.0.0.1"), 0);
	CHECK_STR(ip_format(&a, buf, sizeof(buf)), "10.0.0.1");
	CHECK_INT(port, 69);
	CHECK_INT(hostport_parse(&a, &port, "127.0.0.1:6969"), 0);
	CHECK_INT(port, 6969);
	CHECK_INT(hostport_parse(&a, &port, "127.0.0.1:00053"), 0);
	CHECK_INT(port, 53);
	CHECK_INT(hostport_parse(&a, &port, "[::1]:65535"), 0);
	CHECK_STR(ip_format(&a, buf, sizeof(buf)), "::1");
	CHECK_INT(port, 65535);
	port = 80;
	CHECK_INT(hostport_parse(&a, &port, "fe80::1"), 0);
	CHECK_INT(hostport_parse(&a, &port, "[::]"), 0);
	CHECK_INT(port, 80);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		port = 7;
		CHECK_INT(hostport_parse(&a, &port, bad[i]), -EINVAL);
	}
}

TEST(sockaddr_round_trip)
{
	struct sockaddr_storage ss;
	struct ip_addr a, b;
	char buf[SOCKADDR_STRLEN];
	uint16_t port;

	ip_parse(&a, "10.1.2.3");
	CHECK_INT(ip_to_sockaddr(&ss, &a, 69), sizeof(struct sockaddr_in));
	CHECK_INT(ip_from_sockaddr(&b, &port, &ss), 0);
	CHECK(ip_equal(&a, &b));
	CHECK_INT(port, 69);
	CHECK_STR(sockaddr_format(&ss, buf, sizeof(buf)), "10.1.2.3:69");
	ip_parse(&a, "2001:db8::1");
	CHECK_INT(ip_to_sockaddr(&ss, &a, 65535), sizeof(struct sockaddr_in6));
	CHECK_INT(ip_from_sockaddr(&b, &port, &ss), 0);
	CHECK(ip_equal(&a, &b));
	CHECK_STR(sockaddr_format(&ss, buf, sizeof(buf)),
		  "[2001:db8::1]:65535");
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	CHECK_INT(ip_from_sockaddr(&b, &port, &ss), -EAFNOSUPPORT);
	CHECK_STR(sockaddr_format(&ss, buf, sizeof(buf)), "(family 1)");
}

int main(void)
{
	RUN(ip_parse_format);
	RUN(ip_parse_bytes);
	RUN(ip_parse_invalid);
	RUN(ip_format_edges);
	RUN(ip_from_bytes_v4);
	RUN(ip_cmp_order);
	RUN(ip_step);
	RUN(cidr_parse_ok);
	RUN(cidr_parse_invalid);
	RUN(cidr_format_edges);
	RUN(cidr_contains_v4);
	RUN(cidr_contains_v6);
	RUN(cidr_overlaps_all);
	RUN(cidr_first_last);
	RUN(cidr_v4_masks);
	RUN(mac_parse_ok);
	RUN(mac_parse_invalid);
	RUN(mac_format_edges);
	RUN(hostport_forms);
	RUN(sockaddr_round_trip);
	return test_done();
}
