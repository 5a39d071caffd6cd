/* The IPAM calls dhcpd makes beyond allocation: offers, exact requests,
 * lookups, conflicts, reclaim, its config snapshot and its counters. */
#include <errno.h>

#include "fixture.h"
#include "test.h"

static struct fixture fx;

#define T0 1700000000

static int64_t lab_pool(struct ipam *db, const char *lo, const char *hi)
{
	struct ip_addr a;
	int64_t id = 0;

	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", lo, hi, "dynamic", NULL), 0);
	ip_parse(&a, "10.0.0.0");
	CHECK_INT(ipam_subnet_find(db, &a, &id), 0);
	return id;
}

static int do_alloc(struct ipam *db, int64_t s, unsigned n, const char *want,
		    uint32_t secs, int64_t t, unsigned flags,
		    struct ipam_lease *l)
{
	struct ipam_client c = fx_client(n);
	struct ip_addr req;

	if (want)
		ip_parse(&req, want);
	return ipam_lease_alloc(db, s, &c, want ? &req : NULL, secs, t, flags, l);
}

TEST(offer_keeps_a_longer_lease)
{
	struct ipam *db = fx_open(&fx);
	int64_t s = lab_pool(db, "10.0.0.100", "10.0.0.110");
	struct ipam_client c = fx_client(1);
	struct ipam_lease l, f;
	char b[IP_STRLEN];

	CHECK_INT(do_alloc(db, s, 1, NULL, 60, T0, IPAM_ALLOC_OFFER, &l), 0);
	CHECK(l.fresh);
	CHECK_INT(do_alloc(db, s, 1, "10.0.0.100", 3600, T0, IPAM_ALLOC_EXACT,
			   &l), 0);
	CHECK(!l.fresh);
	/* A later DISCOVER must not cut the hour down to an offer's minute. */
	CHECK_INT(do_alloc(db, s, 1, NULL, 60, T0 + 5, IPAM_ALLOC_OFFER, &l), 0);
	CHECK_INT(ipam_lease_find(db, s, &c, T0, &f), 1);
	CHECK_STR(fx_ip(&f, b), "10.0.0.100");
	CHECK_INT(f.expiry, T0 + 3600);
	fx_close(&fx);
}

TEST(exact_request)
{
	struct ipam *db = fx_open(&fx);
	int64_t s = lab_pool(db, "10.0.0.100", "10.0.0.110");
	const char *m[] = { "52:54:00:00:00:07" };
	struct ipam_host_opts h = { .macs = m, .nmacs = 1, .ip = "10.0.0.50" };
	struct ipam_lease l;
	char b[IP_STRLEN];

	CHECK_INT(do_alloc(db, s, 1, NULL, 60, T0, 0, &l), 0);
	/* Another client's address, one outside the pool, or none at all. */
	CHECK_FAILS(db, do_alloc(db, s, 2, "10.0.0.100", 60, T0, IPAM_ALLOC_EXACT,
			     &l), -EADDRNOTAVAIL, "10.0.0.100 is not free");
	CHECK_FAILS(db, do_alloc(db, s, 2, "10.0.0.20", 60, T0, IPAM_ALLOC_EXACT,
			     &l), -EADDRNOTAVAIL, "not free on 10.0.0.0/24");
	CHECK_FAILS(db, do_alloc(db, s, 2, NULL, 60, T0, IPAM_ALLOC_EXACT, &l),
		    -EADDRNOTAVAIL, "no address requested");
	/* A client holding .100 may not switch to .105 by asking. */
	CHECK_FAILS(db, do_alloc(db, s, 1, "10.0.0.105", 60, T0, IPAM_ALLOC_EXACT,
			     &l), -EADDRNOTAVAIL, "holds another lease");
	/* A free address in the pool for a new client (RENEWING after the
	 * database was lost) is granted. */
	CHECK_INT(do_alloc(db, s, 2, "10.0.0.105", 60, T0, IPAM_ALLOC_EXACT,
			   &l), 0);
	CHECK_STR(fx_ip(&l, b), "10.0.0.105");
	/* A static host gets only its static address. */
	CHECK_INT(ipam_host_add(db, "node7", &h), 0);
	CHECK_INT(do_alloc(db, s, 7, "10.0.0.50", 60, T0, IPAM_ALLOC_EXACT, &l),
		  0);
	CHECK_INT(l.state, IPAM_STATIC);
	CHECK_FAILS(db, do_alloc(db, s, 7, "10.0.0.106", 60, T0, IPAM_ALLOC_EXACT,
			     &l), -EADDRNOTAVAIL, "fixed address");
	fx_close(&fx);
}

/* A client known by its client-id keeps its lease on a new NIC, and the
 * lease then names the new MAC. */
TEST(client_id_moves_to_a_new_mac)
{
	struct ipam *db = fx_open(&fx);
	int64_t s = lab_pool(db, "10.0.0.100", "10.0.0.110");
	static const uint8_t cid[] = { 0xff, 1, 2, 3, 4 };
	struct ipam_client c = fx_client(1);
	struct ipam_lease l, m;
	char b[IP_STRLEN];
	json_t *o;

	c.client_id = cid;
	c.client_id_len = sizeof(cid);
	CHECK_INT(ipam_lease_alloc(db, s, &c, NULL, 600, T0, 0, &l), 0);
	c.mac.b[5] = 2;
	CHECK_INT(ipam_lease_alloc(db, s, &c, &l.ip, 600, T0 + 10,
				   IPAM_ALLOC_EXACT, &m), 0);
	CHECK(ip_equal(&l.ip, &m.ip));
	o = ipam_lease_show(db, fx_ip(&m, b), T0 + 10);
	CHECK(o != NULL);
	CHECK_STR(json_string_value(json_object_get(o, "mac")),
		  "52:54:00:00:00:02");
	json_decref(o);
	fx_close(&fx);
}

TEST(find_changes_nothing)
{
	struct ipam *db = fx_open(&fx);
	int64_t s = lab_pool(db, "10.0.0.100", "10.0.0.110");
	struct ipam_client c = fx_client(3);
	struct ipam_lease l;
	int64_t gen;

	CHECK_INT(ipam_lease_find(db, s, &c, T0, &l), 0);
	CHECK_INT(do_alloc(db, s, 3, NULL, 60, T0, 0, &l), 0);
	gen = ipam_feed_generation(db);
	/* Expired but not reused: still the client's. */
	CHECK_INT(ipam_lease_find(db, s, &c, T0 + 100, &l), 1);
	CHECK_INT(l.expiry, T0 + 60);
	CHECK_INT(ipam_feed_generation(db), gen);
	fx_close(&fx);
}

TEST(conflict_holds_then_reclaim_frees)
{
	struct ipam *db = fx_open(&fx);
	int64_t s = lab_pool(db, "10.0.0.100", "10.0.0.102");
	struct ipam_client c = fx_client(1);
	struct ip_addr ip;
	struct ipam_lease l;
	char b[IP_STRLEN];

	/* Client 1 declines .100: the address is held, the client forgotten,
	 * and its next allocation moves on. */
	CHECK_INT(do_alloc(db, s, 1, NULL, 60, T0, 0, &l), 0);
	CHECK_INT(ipam_address_conflict(db, s, &l.ip, T0 + 600, T0), 0);
	CHECK_INT(ipam_lease_find(db, s, &c, T0, &l), 0);
	CHECK_INT(do_alloc(db, s, 1, NULL, 60, T0, 0, &l), 0);
	CHECK_STR(fx_ip(&l, b), "10.0.0.101");
	/* An address nobody used yet (a ping answered) is held too. */
	ip_parse(&ip, "10.0.0.102");
	CHECK_INT(ipam_address_conflict(db, s, &ip, T0 + 600, T0), 0);
	CHECK_FAILS(db, do_alloc(db, s, 2, NULL, 60, T0, 0, &l), -ENOSPC,
		    "pool exhausted on 10.0.0.0/24");
	json_t *u = ipam_subnet_show(db, "10.0.0.0/24", T0);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(u, "usage"),
						     "conflict")), 2);
	json_decref(u);
	/* Outside the subnet, or a static address: refused. */
	ip_parse(&ip, "10.0.1.1");
	CHECK_FAILS(db, ipam_address_conflict(db, s, &ip, T0 + 600, T0), -EINVAL,
		    "not in 10.0.0.0/24");
	CHECK_INT(ipam_address_reserve(db, "10.0.0.20",
				       &(struct ipam_reserve_opts){ 0 }), 0);
	ip_parse(&ip, "10.0.0.20");
	CHECK_FAILS(db, ipam_address_conflict(db, s, &ip, T0 + 600, T0), -EPERM,
		    "10.0.0.20 is a reserved address");
	/* Before the hold passes nothing is reclaimed; after it, both come
	 * back, and client 1's lease, expired a day ago, too. */
	CHECK_INT(ipam_lease_reclaim(db, T0 + 300, 86400, 100), 0);
	CHECK_INT(ipam_lease_reclaim(db, T0 + 600, 86400, 100), 2);
	CHECK_INT(ipam_lease_reclaim(db, T0 + 60 + 86400, 86400, 1), 1);
	CHECK_INT(ipam_lease_reclaim(db, T0 + 60 + 86400, 86400, 100), 0);
	CHECK_INT(do_alloc(db, s, 2, NULL, 60, T0 + 90000, 0, &l), 0);
	CHECK_STR(fx_ip(&l, b), "10.0.0.100");
	CHECK(l.fresh);
	fx_close(&fx);
}

TEST(config_snapshot)
{
	struct ipam *db = fx_open(&fx);
	json_t *cfg, *sn;

	lab_pool(db, "10.0.0.100", "10.0.0.110");
	CHECK_INT(ipam_subnet_add(db, "fd00::/64", &(struct ipam_subnet_opts){
		.fabric = "lab", .vid = 0, .managed = -1 }), 0);
	CHECK_INT(ipam_interface_set(db, "tap42", "lab", 42, "operator"), 0);
	CHECK_INT(ipam_setting_set(db, "dhcp-ping-check", "off"), 0);
	cfg = ipam_dhcp_config(db);
	CHECK(cfg != NULL);
	sn = json_object_get(cfg, "subnets");
	CHECK_INT(json_array_size(sn), 1);		/* IPv4 only */
	sn = json_array_get(sn, 0);
	CHECK_STR(json_string_value(json_object_get(sn, "cidr")), "10.0.0.0/24");
	CHECK_STR(json_string_value(json_object_get(sn, "gateway")), "10.0.0.1");
	CHECK_STR(json_string_value(json_object_get(sn, "domain")), "internal");
	CHECK_INT(json_integer_value(json_object_get(sn, "lease_time")), 3600);
	CHECK_INT(json_integer_value(json_object_get(sn, "mtu")), 1500);
	CHECK(json_is_true(json_object_get(sn, "dhcp")));
	CHECK_STR(json_string_value(json_object_get(json_array_get(
		json_object_get(cfg, "interfaces"), 0), "name")), "tap42");
	CHECK_INT(json_integer_value(json_object_get(cfg, "ping_check")), 0);
	CHECK_INT(json_integer_value(json_object_get(cfg, "ping_timeout_ms")),
		  500);
	json_decref(cfg);
	fx_close(&fx);
}

TEST(counters_round_trip)
{
	struct ipam *db = fx_open(&fx);
	json_t *c = json_pack("{sIsI}", "rx_discover", (json_int_t)12,
			      "malformed", (json_int_t)1);
	json_t *got;

	CHECK(ipam_stats_get(db, "dhcpd") == NULL);
	CHECK_CONTAINS(ipam_error(db), "racknet-dhcpd has not run");
	CHECK_INT(ipam_stats_put(db, "dhcpd", 42, T0, c, T0 + 5, true), 0);
	got = ipam_stats_get(db, "dhcpd");
	CHECK_INT(json_integer_value(json_object_get(got, "pid")), 42);
	CHECK(json_equal(json_object_get(got, "counters"), c));
	json_decref(got);
	json_decref(c);
	fx_close(&fx);
}

int main(void)
{
	RUN(offer_keeps_a_longer_lease);
	RUN(exact_request);
	RUN(client_id_moves_to_a_new_mac);
	RUN(find_changes_nothing);
	RUN(conflict_holds_then_reclaim_frees);
	RUN(config_snapshot);
	RUN(counters_round_trip);
	return test_done();
}
