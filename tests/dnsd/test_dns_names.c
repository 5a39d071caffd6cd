/* Names made from addresses, reverse names and zones, and the rate
 * limiter: the pure parts of dnsd's IPAM side. */
#include <sys/socket.h>

#include "dns_data.h"
#include "dns_rrl.h"
#include "test.h"

static const char *label(const char *ip)
{
	static char buf[80];
	struct ip_addr a;

	ip_parse(&a, ip);
	dns_generated_label(&a, buf, sizeof(buf));
	return buf;
}

TEST(generated_labels)
{
	CHECK_STR(label("10.0.0.5"), "10-0-0-5");
	CHECK_STR(label("fd00::5"), "ip6-fd00--5");
	/* Never a hyphen at either end of a label. */
	CHECK_STR(label("fd00::"), "ip6-fd00--0");
	CHECK_STR(label("::1"), "ip6---1");
}

static const char *rev(const char *ip, const char *cidr)
{
	static char text[300];
	uint8_t wire[DNS_WIRE_MAX];
	struct ip_addr a;
	struct cidr c;

	ip_parse(&a, ip);
	if (cidr)
		cidr_parse(&c, cidr);
	if (dns_reverse_name(&a, cidr ? &c : NULL, wire) < 0)
		return "(error)";
	return dns_name_to_text(wire, text, sizeof(text));
}

TEST(reverse_names)
{
	CHECK_STR(rev("10.1.2.3", NULL), "3.2.1.10.in-addr.arpa");
	CHECK_STR(rev("10.1.2.3", "10.1.0.0/16"), "3.2.1.10.in-addr.arpa");
	/* RFC 2317: inside a /26 the name carries the subnet label. */
	CHECK_STR(rev("192.0.2.70", "192.0.2.64/26"),
		  "70.64/26.2.0.192.in-addr.arpa");
	/* An address outside that subnet gets its plain name. */
	CHECK_STR(rev("192.0.2.5", "192.0.2.64/26"), "5.2.0.192.in-addr.arpa");
	CHECK_STR(rev("2001:db8::567:89ab", NULL),
		  "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1."
		  "0.0.2.ip6.arpa");
}

struct zones {
	char names[160][300];
	int n;
};

static int collect(void *ctx, const uint8_t *apex, const struct cidr *c)
{
	struct zones *z = ctx;

	(void)c;
	if (z->n < 160)
		dns_name_to_text(apex, z->names[z->n++], sizeof(z->names[0]));
	return 0;
}

static struct zones zones_of(const char *cidr)
{
	struct zones z = { .n = 0 };
	struct cidr c;

	cidr_parse(&c, cidr);
	CHECK_INT(dns_reverse_zones(&c, collect, &z), 0);
	return z;
}

TEST(reverse_zones)
{
	struct zones z;

	z = zones_of("10.0.0.0/8");
	CHECK_INT(z.n, 1);
	CHECK_STR(z.names[0], "10.in-addr.arpa");
	z = zones_of("10.20.0.0/16");
	CHECK_INT(z.n, 1);
	CHECK_STR(z.names[0], "20.10.in-addr.arpa");
	z = zones_of("192.0.2.0/24");
	CHECK_INT(z.n, 1);
	CHECK_STR(z.names[0], "2.0.192.in-addr.arpa");
	/* Between octets: every /24 (or /16) it spans. */
	z = zones_of("10.1.4.0/22");
	CHECK_INT(z.n, 4);
	CHECK_STR(z.names[0], "4.1.10.in-addr.arpa");
	CHECK_STR(z.names[3], "7.1.10.in-addr.arpa");
	z = zones_of("172.16.0.0/12");
	CHECK_INT(z.n, 16);
	CHECK_STR(z.names[15], "31.172.in-addr.arpa");
	z = zones_of("10.128.0.0/9");
	CHECK_INT(z.n, 128);
	CHECK_STR(z.names[127], "255.10.in-addr.arpa");
	/* Smaller than a /24: one RFC 2317 zone. */
	z = zones_of("192.0.2.64/26");
	CHECK_INT(z.n, 1);
	CHECK_STR(z.names[0], "64/26.2.0.192.in-addr.arpa");
	/* IPv6 by nibbles; a /62 is four /64 zones. */
	z = zones_of("2001:db8::/32");
	CHECK_INT(z.n, 1);
	CHECK_STR(z.names[0], "8.b.d.0.1.0.0.2.ip6.arpa");
	z = zones_of("fd00:0:0:4::/62");
	CHECK_INT(z.n, 4);
	CHECK_STR(z.names[0], "4.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa");
	CHECK_STR(z.names[3], "7.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa");
	z = zones_of("fd00::/66");
	CHECK_INT(z.n, 4);
	CHECK_STR(z.names[1], "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa");
}

TEST(rrl_limits_per_network)
{
	static struct dns_rrl r;
	struct ip_addr a, b, c;
	int sent = 0, slipped = 0, dropped = 0;

	dns_rrl_init(&r, 10, 42);
	ip_parse(&a, "198.51.100.7");
	ip_parse(&b, "198.51.100.200");	/* same /24 */
	ip_parse(&c, "203.0.113.9");
	for (int i = 0; i < 30; i++) {
		switch (dns_rrl_check(&r, i % 2 ? &a : &b, 1000)) {
		case DNS_RRL_SEND: sent++; break;
		case DNS_RRL_SLIP: slipped++; break;
		case DNS_RRL_DROP: dropped++; break;
		}
	}
	/* One second of burst, shared by the /24; then half slip. */
	CHECK_INT(sent, 10);
	CHECK_INT(slipped, 10);
	CHECK_INT(dropped, 10);
	/* Another network has its own budget. */
	CHECK_INT(dns_rrl_check(&r, &c, 1000), DNS_RRL_SEND);
	/* 100 ms later, one answer's worth has come back. */
	CHECK_INT(dns_rrl_check(&r, &a, 1100), DNS_RRL_SEND);
	CHECK(dns_rrl_check(&r, &a, 1100) != DNS_RRL_SEND);
	/* Off means off. */
	dns_rrl_init(&r, 0, 42);
	for (int i = 0; i < 100; i++)
		CHECK_INT(dns_rrl_check(&r, &a, 1000), DNS_RRL_SEND);
}

int main(void)
{
	RUN(generated_labels);
	RUN(reverse_names);
	RUN(reverse_zones);
	RUN(rrl_limits_per_network);
	return test_done();
}
