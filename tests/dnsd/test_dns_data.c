/*
 * IPAM to zones (dns_data.c) through the real engine: a lab in a fresh
 * IPAM, loaded, then queried with dns_answer() and the replies read back
 * with ldns. Covers hosts, leases with and without names, name clashes,
 * custom records, RFC 2317 zones, incremental changes from the feed, lease
 * expiry and SOA serials.
 */
#include <errno.h>
#include <ldns/ldns.h>
#include <sqlite3.h>
#include <sys/socket.h>

#include "../ipam/fixture.h"
#include "dns_data.h"
#include "wire.h"

static struct fixture fx;

#define T0 1700000000

static int64_t subnet_of(struct ipam *db, const char *ip)
{
	struct ip_addr a;
	int64_t id = 0;

	ip_parse(&a, ip);
	CHECK_INT(ipam_subnet_find(db, &a, &id), 0);
	return id;
}

/* lab.test on 10.0.0.0/24 (pool .100-.120), a /26 on its own VLAN for
 * RFC 2317, host node1 at .10, two records. */
static struct ipam *lab(void)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_vlan_opts vo = { .dhcp = -1 };
	struct ipam_subnet_opts so = { .fabric = "lab", .vid = 0,
				       .gateway = "10.0.0.1",
				       .domain = "lab.test", .managed = -1 };
	const char *mac[] = { "52:54:00:00:01:01" };
	struct ipam_host_opts h = { .macs = mac, .nmacs = 1, .ip = "10.0.0.10" };

	CHECK_INT(ipam_fabric_add(db, "lab"), 0);
	CHECK_INT(ipam_vlan_add(db, "lab", 0, &vo), 0);
	CHECK_INT(ipam_vlan_add(db, "lab", 7, &vo), 0);
	CHECK_INT(ipam_subnet_add(db, "10.0.0.0/24", &so), 0);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.100", "10.0.0.120",
				 "dynamic", NULL), 0);
	so.vid = 7;
	so.gateway = "192.0.2.65";
	CHECK_INT(ipam_subnet_add(db, "192.0.2.64/26", &so), 0);
	CHECK_INT(ipam_range_add(db, "192.0.2.64/26", "192.0.2.70",
				 "192.0.2.80", "dynamic", NULL), 0);
	CHECK_INT(ipam_host_add(db, "node1", &h), 0);
	CHECK_INT(ipam_record_add(db, "www.lab.test", "CNAME", "node1.lab.test",
				  0), 0);
	CHECK_INT(ipam_record_add(db, "lab.test", "MX", "10 node1.lab.test", 0),
		  0);
	return db;
}

static struct dns_data *load(struct ipam *db, int64_t now)
{
	struct dns_data *d = NULL;
	char err[256] = "";

	if (dns_data_load(&d, db, NULL, now, err, sizeof(err)) < 0)
		fprintf(stderr, "dns_data_load: %s\n", err);
	CHECK(d != NULL);
	return d;
}

/* Ask name/type; the reply parsed by ldns (NULL if no reply). */
static ldns_pkt *ask(struct dns_data *d, const char *name, uint16_t type)
{
	uint8_t q[512], out[4096];
	struct wire_wr w;
	struct dns_query pq;
	struct dns_answer_opts o = { .tcp = true };
	const char *why;
	unsigned rcode;
	size_t n = 0;
	ldns_pkt *p = NULL;
	int len;

	wire_wr_init(&w, q, sizeof(q));
	wire_wr_u16(&w, 0x1234);
	wire_wr_u16(&w, 0);
	wire_wr_u16(&w, 1);
	wire_wr_zero(&w, 6);
	len = dns_name_from_text(q + w.off, name);
	CHECK(len > 0);
	w.off += (size_t)len;
	wire_wr_u16(&w, type);
	wire_wr_u16(&w, DNS_CLASS_IN);
	CHECK_INT(dns_query_parse(&pq, q, w.off, &why), 0);
	if (dns_answer(dns_data_db(d), &pq, out, sizeof(out), &n, &o,
		       &rcode) != DNS_ANSWERED)
		return NULL;
	CHECK_INT(ldns_wire2pkt(&p, out, n), LDNS_STATUS_OK);
	return p;
}

/* The rdata of the first answer record, as text ("" if none). */
static const char *first(struct dns_data *d, const char *name, uint16_t type)
{
	static char buf[512];
	ldns_pkt *p = ask(d, name, type);
	ldns_rr_list *an = p ? ldns_pkt_answer(p) : NULL;

	buf[0] = '\0';
	for (size_t i = 0; an && i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (ldns_rr_get_type(rr) != type || ldns_rr_rd_count(rr) == 0)
			continue;
		char *s = ldns_rdf2str(ldns_rr_rdf(rr, ldns_rr_rd_count(rr) - 1));

		snprintf(buf, sizeof(buf), "%s", s ? s : "");
		free(s);
		break;
	}
	ldns_pkt_free(p);
	return buf;
}

static int rcode_of(struct dns_data *d, const char *name, uint16_t type)
{
	ldns_pkt *p = ask(d, name, type);
	int r = p ? (int)ldns_pkt_get_rcode(p) : -1;

	ldns_pkt_free(p);
	return r;
}

static uint32_t serial_of(struct dns_data *d, const char *zone)
{
	ldns_pkt *p = ask(d, zone, DNS_T_SOA);
	ldns_rr_list *an = p ? ldns_pkt_answer(p) : NULL;
	uint32_t s = 0;

	if (an && ldns_rr_list_rr_count(an) == 1)
		s = ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 2));
	ldns_pkt_free(p);
	return s;
}

static int lease(struct ipam *db, unsigned n, const char *hostname,
		 uint32_t secs, int64_t now, struct ipam_lease *l)
{
	struct ipam_client c = { .mac = { { 0x52, 0x54, 0, 0, 2,
					    (unsigned char)n } },
				 .hostname = hostname };

	return ipam_lease_alloc(db, subnet_of(db, "10.0.0.1"), &c, NULL, secs,
				now, 0, l);
}

/* Apply what the feed says since gen, as dnsd does; returns the new gen. */
struct apply { struct dns_data *d; struct ipam *db; int64_t now; };

static int apply_one(void *ctx, const struct ipam_change *c)
{
	struct apply *a = ctx;

	if (!strcmp(c->table, "address")) {
		dns_data_generation(a->d, c->gen);
		CHECK(dns_data_address(a->d, a->db, c->row_id, a->now) >= 0);
	}
	return 0;
}

static int64_t follow(struct dns_data *d, struct ipam *db, int64_t gen,
		      int64_t now)
{
	struct apply a = { d, db, now };
	int64_t last = gen;

	CHECK_INT(ipam_feed_since(db, gen, 1000, apply_one, &a, &last), 0);
	return last;
}

TEST(hosts_records_and_reverse)
{
	struct ipam *db = lab();
	struct dns_data *d = load(db, T0);

	CHECK_STR(first(d, "node1.lab.test", DNS_T_A), "10.0.0.10");
	/* Names are matched without case. */
	CHECK_STR(first(d, "NODE1.Lab.Test", DNS_T_A), "10.0.0.10");
	CHECK_STR(first(d, "10.0.0.10.in-addr.arpa", DNS_T_PTR),
		  "node1.lab.test.");
	CHECK_STR(first(d, "www.lab.test", DNS_T_CNAME), "node1.lab.test.");
	CHECK_STR(first(d, "lab.test", DNS_T_MX), "node1.lab.test.");
	CHECK_STR(first(d, "lab.test", DNS_T_NS), "ns.internal.");
	CHECK_INT(rcode_of(d, "nobody.lab.test", DNS_T_A), LDNS_RCODE_NXDOMAIN);
	CHECK_INT(rcode_of(d, "node1.lab.test", DNS_T_AAAA),
		  LDNS_RCODE_NOERROR);
	/* The default domain is a zone even with no row of its own. */
	CHECK_INT(rcode_of(d, "internal", DNS_T_SOA), LDNS_RCODE_NOERROR);
	CHECK(serial_of(d, "internal") != 0);
	/* Not ours at all. */
	CHECK(ask(d, "example.org", DNS_T_A) == NULL);
	dns_data_free(d);
	fx_close(&fx);
}

TEST(classless_reverse)
{
	struct ipam *db = lab();
	struct ipam_client c = { .mac = { { 0x52, 0x54, 0, 0, 3, 1 } },
				 .hostname = "small" };
	struct ipam_lease l;
	struct dns_data *d;
	char ip[IP_STRLEN], name[64];

	CHECK_INT(ipam_lease_alloc(db, subnet_of(db, "192.0.2.65"), &c, NULL,
				   600, T0, 0, &l), 0);
	ip_format(&l.ip, ip, sizeof(ip));
	CHECK_STR(ip, "192.0.2.70");
	d = load(db, T0);
	/* RFC 2317: the PTR in the /26's zone, a CNAME to it in the /24. */
	CHECK_STR(first(d, "70.64/26.2.0.192.in-addr.arpa", DNS_T_PTR),
		  "small.lab.test.");
	CHECK_STR(first(d, "70.2.0.192.in-addr.arpa", DNS_T_CNAME),
		  "70.64/26.2.0.192.in-addr.arpa.");
	snprintf(name, sizeof(name), "%s", first(d, "70.2.0.192.in-addr.arpa",
						 DNS_T_PTR));
	CHECK_STR(name, "small.lab.test.");	/* the chain is followed */
	dns_data_free(d);
	fx_close(&fx);
}

TEST(leases_names_and_clashes)
{
	struct ipam *db = lab();
	struct ipam_lease a, b, c, e;
	struct dns_data *d;

	CHECK_INT(lease(db, 1, "laptop", 600, T0, &a), 0);	/* .100 */
	CHECK_INT(lease(db, 2, "laptop", 600, T0, &b), 0);	/* .101 */
	CHECK_INT(lease(db, 3, NULL, 600, T0, &c), 0);		/* .102 */
	CHECK_INT(lease(db, 4, "node1", 600, T0, &e), 0);	/* .103 */
	d = load(db, T0);
	/* The first lease keeps its name; the second, and one without a
	 * name, get names made from their address; a lease never takes a
	 * host's name. */
	CHECK_STR(first(d, "laptop.lab.test", DNS_T_A), "10.0.0.100");
	CHECK_STR(first(d, "10-0-0-101.lab.test", DNS_T_A), "10.0.0.101");
	CHECK_STR(first(d, "101.0.0.10.in-addr.arpa", DNS_T_PTR),
		  "10-0-0-101.lab.test.");
	CHECK_STR(first(d, "10-0-0-102.lab.test", DNS_T_A), "10.0.0.102");
	CHECK_STR(first(d, "node1.lab.test", DNS_T_A), "10.0.0.10");
	CHECK_STR(first(d, "10-0-0-103.lab.test", DNS_T_A), "10.0.0.103");
	dns_data_free(d);
	fx_close(&fx);
}

TEST(live_changes_and_expiry)
{
	struct ipam *db = lab();
	struct dns_data *d = load(db, T0);
	int64_t gen = ipam_feed_generation(db);
	uint32_t s0 = serial_of(d, "lab.test"), r0;
	struct ipam_lease l;

	r0 = serial_of(d, "0.0.10.in-addr.arpa");
	CHECK_INT(lease(db, 9, "newbox", 600, T0, &l), 0);
	gen = follow(d, db, gen, T0);
	CHECK_STR(first(d, "newbox.lab.test", DNS_T_A), "10.0.0.100");
	CHECK_STR(first(d, "100.0.0.10.in-addr.arpa", DNS_T_PTR),
		  "newbox.lab.test.");
	CHECK(serial_of(d, "lab.test") != s0);
	CHECK(serial_of(d, "0.0.10.in-addr.arpa") != r0);
	/* A renewal changes nothing visible. */
	s0 = serial_of(d, "lab.test");
	CHECK_INT(lease(db, 9, "newbox", 600, T0 + 300, &l), 0);
	gen = follow(d, db, gen, T0 + 300);
	CHECK_INT(serial_of(d, "lab.test"), s0);
	/* Released: gone at once. */
	struct ipam_client c = { .mac = { { 0x52, 0x54, 0, 0, 2, 9 } } };

	CHECK_INT(ipam_lease_release(db, subnet_of(db, "10.0.0.1"), &c, &l.ip,
				     T0 + 400), 0);
	gen = follow(d, db, gen, T0 + 400);
	CHECK_INT(rcode_of(d, "newbox.lab.test", DNS_T_A), LDNS_RCODE_NXDOMAIN);
	CHECK_INT(rcode_of(d, "100.0.0.10.in-addr.arpa", DNS_T_PTR),
		  LDNS_RCODE_NXDOMAIN);
	CHECK(serial_of(d, "lab.test") != s0);
	/* Expired: gone when its time comes, with nothing in the feed. */
	CHECK_INT(lease(db, 10, "shortlived", 60, T0 + 500, &l), 0);
	gen = follow(d, db, gen, T0 + 500);
	CHECK_STR(first(d, "shortlived.lab.test", DNS_T_A), "10.0.0.101");
	CHECK_INT(dns_data_next_expiry(d), T0 + 560);
	CHECK_INT(dns_data_expire(d, T0 + 559), 0);
	s0 = serial_of(d, "lab.test");
	CHECK_INT(dns_data_expire(d, T0 + 560), 1);
	CHECK_INT(rcode_of(d, "shortlived.lab.test", DNS_T_A),
		  LDNS_RCODE_NXDOMAIN);
	CHECK(serial_of(d, "lab.test") != s0);
	/* A host added later; its name wins over nothing. */
	const char *mac[] = { "52:54:00:00:01:02" };
	struct ipam_host_opts h = { .macs = mac, .nmacs = 1, .ip = "10.0.0.11" };

	CHECK_INT(ipam_host_add(db, "node2", &h), 0);
	follow(d, db, gen, T0 + 600);
	CHECK_STR(first(d, "node2.lab.test", DNS_T_A), "10.0.0.11");
	dns_data_free(d);
	fx_close(&fx);
}

TEST(acls_from_settings)
{
	struct ipam *db = lab();
	struct dns_data *d;
	struct ip_addr a;

	CHECK_INT(ipam_setting_set(db, "upstream-dns", "192.0.2.53"), 0);
	CHECK_INT(ipam_setting_set(db, "dns-axfr-allow", "10.0.0.0/24"), 0);
	CHECK_INT(ipam_setting_set(db, "dns-rrl", "7"), 0);
	d = load(db, T0);
	ip_parse(&a, "10.0.0.50");
	CHECK(dns_data_may_recurse(d, &a));
	CHECK(dns_data_may_axfr(d, &a));
	ip_parse(&a, "127.0.0.1");
	CHECK(dns_data_may_recurse(d, &a));
	CHECK(!dns_data_may_axfr(d, &a));
	ip_parse(&a, "198.51.100.1");
	CHECK(!dns_data_may_recurse(d, &a));
	CHECK_INT(dns_data_limits(d)->rrl, 7);
	CHECK_INT(dns_data_limits(d)->cache_bytes, 16 << 20);
	CHECK_INT(dns_data_limits(d)->tcp_clients, 256);
	CHECK_INT(dns_data_limits(d)->fwd_pending, 1024);
	const struct ip_addr *up;

	CHECK_INT(dns_data_upstreams(d, &up), 1);
	dns_data_free(d);
	fx_close(&fx);
}

/* A record IPAM would never have stored (a raw edit): the load fails
 * naming it, and nothing half-built is kept. */
TEST(bad_record_named)
{
	struct ipam *db = lab();
	struct dns_data *d = NULL;
	char err[256] = "";
	sqlite3 *raw;

	CHECK_INT(sqlite3_open(fx.path, &raw), SQLITE_OK);
	CHECK_INT(sqlite3_exec(raw, "INSERT INTO dns_record (domain_id, name, "
			       "type, data) VALUES (1, 'bad.lab.test', 'MX', "
			       "'often host')", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	CHECK_INT(dns_data_load(&d, db, NULL, T0, err, sizeof(err)), -EINVAL);
	CHECK(d == NULL);
	CHECK_CONTAINS(err, "bad.lab.test MX 'often host'");
	fx_close(&fx);
}

int main(void)
{
	RUN(hosts_records_and_reverse);
	RUN(classless_reverse);
	RUN(leases_names_and_clashes);
	RUN(live_changes_and_expiry);
	RUN(acls_from_settings);
	RUN(bad_record_named);
	return test_done();
}
