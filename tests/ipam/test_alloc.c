/*
 * Allocation policy: the order of choice, the addresses never handed out,
 * reuse of expired leases, exhaustion, client identifiers, IPv6, group
 * commit, and recovery when the free index disagrees with the table.
 */
#include <errno.h>
#include <sqlite3.h>

#include "fixture.h"
#include "ipam_int.h"

static struct fixture fx;
static const int64_t T0 = 1700000000;

static int64_t subnet(struct ipam *db, const char *ip)
{
	struct ip_addr a;
	int64_t id = 0;

	ip_parse(&a, ip);
	CHECK_INT(ipam_subnet_find(db, &a, &id), 0);
	return id;
}

/* Allocate for client n at time t; the address as text ("" on error). */
static const char *alloc(struct ipam *db, int64_t sid, unsigned n,
			 const char *want, int64_t t, char *buf)
{
	struct ipam_client c = fx_client(n);
	struct ip_addr req;
	struct ipam_lease l;

	if (want)
		ip_parse(&req, want);
	buf[0] = '\0';
	if (ipam_lease_alloc(db, sid, &c, want ? &req : NULL, 3600, t, 0, &l) == 0)
		fx_ip(&l, buf);
	return buf;
}

TEST(order_of_choice)
{
	struct ipam *db = fx_open(&fx);
	const char *m[] = { "52:54:00:00:00:07" };
	struct ipam_host_opts h = { .macs = m, .nmacs = 1, .ip = "10.0.0.50" };
	char b[IP_STRLEN];
	int64_t s;

	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.100", "10.0.0.110",
				 "dynamic", NULL), 0);
	s = subnet(db, "10.0.0.0");
	/* A static address wins, even outside the dynamic ranges. */
	CHECK_INT(ipam_host_add(db, "node7", &h), 0);
	CHECK_STR(alloc(db, s, 7, "10.0.0.105", T0, b), "10.0.0.50");
	/* Fresh clients get the lowest never-used address. */
	CHECK_STR(alloc(db, s, 1, NULL, T0, b), "10.0.0.100");
	CHECK_STR(alloc(db, s, 2, NULL, T0, b), "10.0.0.101");
	/* Its own lease beats what it asks for. */
	CHECK_STR(alloc(db, s, 1, "10.0.0.108", T0 + 10, b), "10.0.0.100");
	/* A free requested address inside the pool is honoured. */
	CHECK_STR(alloc(db, s, 3, "10.0.0.108", T0, b), "10.0.0.108");
	/* Taken, outside the pool, or outside the subnet: the next free one. */
	CHECK_STR(alloc(db, s, 4, "10.0.0.108", T0, b), "10.0.0.102");
	CHECK_STR(alloc(db, s, 5, "10.0.0.20", T0, b), "10.0.0.103");
	CHECK_STR(alloc(db, s, 6, "192.168.1.1", T0, b), "10.0.0.104");
	/* 108 was taken out of the middle of the free run: 105..107, 109.. */
	CHECK_STR(alloc(db, s, 8, NULL, T0, b), "10.0.0.105");
	json_t *u = ipam_subnet_show(db, "10.0.0.0/24", T0);
	json_t *usage = json_object_get(u, "usage");
	CHECK_INT(json_integer_value(json_object_get(usage, "dynamic_pool")), 11);
	CHECK_INT(json_integer_value(json_object_get(usage, "leased")), 7);
	CHECK_INT(json_integer_value(json_object_get(usage, "static")), 1);
	CHECK_INT(json_integer_value(json_object_get(usage, "free")), 4);
	json_decref(u);
	fx_close(&fx);
}

TEST(never_handed_out)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_subnet_opts o = { .fabric = "lab", .vid = 0,
				      .gateway = "10.9.0.3", .managed = -1 };
	struct ipam_reserve_opts r = { .comment = "printer" };
	const char *m[] = { "52:54:00:00:01:00" };
	struct ipam_host_opts h = { .macs = m, .nmacs = 1, .ip = "10.9.0.5" };
	char b[IP_STRLEN], seen[8][IP_STRLEN];
	int64_t s;
	int n = 0;

	fx_lab(db);
	/* A /29 whose dynamic range covers every address. */
	CHECK_INT(ipam_subnet_add(db, "10.9.0.0/29", &o), 0);
	CHECK_INT(ipam_range_add(db, "10.9.0.0/29", "10.9.0.0", "10.9.0.7",
				 "dynamic", NULL), 0);
	CHECK_INT(ipam_address_reserve(db, "10.9.0.2", &r), 0);
	CHECK_INT(ipam_host_add(db, "h", &h), 0);
	s = subnet(db, "10.9.0.0");
	for (unsigned i = 1; i < 10; i++)
		if (alloc(db, s, i, NULL, T0, seen[n])[0] && n < 7)
			n++;
	/* .0 network, .2 reserved, .3 gateway, .5 static, .7 broadcast. */
	CHECK_INT(n, 3);
	CHECK_STR(seen[0], "10.9.0.1");
	CHECK_STR(seen[1], "10.9.0.4");
	CHECK_STR(seen[2], "10.9.0.6");
	/* Asking for an excluded address does not get it either. */
	CHECK_STR(alloc(db, s, 20, "10.9.0.7", T0, b), "");
	CHECK_CONTAINS(ipam_error(db), "pool exhausted on 10.9.0.0/29");
	fx_close(&fx);
}

TEST(gateway_change_updates_pool)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_subnet_opts o = { .gateway = "10.0.0.100", .managed = -1 };
	char b[IP_STRLEN];
	int64_t s;

	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.100", "10.0.0.110",
				 "dynamic", NULL), 0);
	CHECK_INT(ipam_subnet_set(db, "10.0.0.0/24", &o), 0);
	s = subnet(db, "10.0.0.0");
	CHECK_STR(alloc(db, s, 1, NULL, T0, b), "10.0.0.101");
	fx_close(&fx);
}

TEST(exhaustion_and_reuse)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_client c;
	struct ip_addr ip;
	char b[IP_STRLEN];
	int64_t s;

	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.10", "10.0.0.13",
				 "dynamic", NULL), 0);
	s = subnet(db, "10.0.0.0");
	/* Four addresses, four clients, leases ending at different times. */
	for (unsigned i = 1; i <= 4; i++)
		CHECK_STR(alloc(db, s, i, NULL, T0 + i * 100, b),
			  i == 1 ? "10.0.0.10" : i == 2 ? "10.0.0.11" :
			  i == 3 ? "10.0.0.12" : "10.0.0.13");
	CHECK_STR(alloc(db, s, 5, NULL, T0 + 500, b), "");
	CHECK_INT(ipam_lease_alloc(db, s, &(struct ipam_client){ .mac = { { 1 } } },
				   NULL, 60, T0 + 500, 0, &(struct ipam_lease){ 0 }),
		  -ENOSPC);
	CHECK_STR(ipam_error(db), "pool exhausted on 10.0.0.0/24");
	/* Client 3 releases; 2 and 1 expire. A new client gets the least
	 * recently expired: 1's (ends T0+3700), not 2's (T0+3800). */
	c = fx_client(3);
	ip_parse(&ip, "10.0.0.12");
	CHECK_INT(ipam_lease_release(db, s, &c, &ip, T0 + 3900), 0);
	CHECK_FAILS(db, ipam_lease_release(db, s, &c, &ip, T0 + 3900), 0, "");
	c = fx_client(4);
	CHECK_FAILS(db, ipam_lease_release(db, s, &c, &ip, T0 + 3900), -ENOENT,
		    "10.0.0.12 is not leased to this client");
	CHECK_STR(alloc(db, s, 6, NULL, T0 + 4000, b), "10.0.0.10");
	CHECK_STR(alloc(db, s, 7, NULL, T0 + 4000, b), "10.0.0.11");
	/* Client 3 comes back: its released address is still its own. */
	CHECK_STR(alloc(db, s, 3, NULL, T0 + 4000, b), "10.0.0.12");
	/* Client 1 comes back: its address went to 6, and 4 still holds
	 * the last one until T0+4000; after that, 4's is the one to reuse. */
	CHECK_STR(alloc(db, s, 1, NULL, T0 + 3999, b), "");
	CHECK_STR(alloc(db, s, 1, NULL, T0 + 4000, b), "10.0.0.13");
	fx_close(&fx);
}

TEST(client_identifier_keys_the_lease)
{
	struct ipam *db = fx_open(&fx);
	static const uint8_t id1[] = { 1, 0x52, 0x54, 0, 0, 0, 1 };
	static const uint8_t id2[] = { 0xff, 1, 2, 3, 4 };
	struct ipam_client c = fx_client(1);
	struct ipam_lease l;
	char b[IP_STRLEN];
	int64_t s;

	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.10", "10.0.0.20",
				 "dynamic", NULL), 0);
	s = subnet(db, "10.0.0.0");
	CHECK_STR(alloc(db, s, 1, NULL, T0, b), "10.0.0.10");	/* by MAC */
	c.client_id = id1;
	c.client_id_len = sizeof(id1);
	CHECK_INT(ipam_lease_alloc(db, s, &c, NULL, 60, T0, 0, &l), 0);
	CHECK_STR(fx_ip(&l, b), "10.0.0.11");	/* a different client */
	/* Same client-id on another NIC: same lease. */
	c.mac.b[5] = 0x99;
	CHECK_INT(ipam_lease_alloc(db, s, &c, NULL, 60, T0, 0, &l), 0);
	CHECK_STR(fx_ip(&l, b), "10.0.0.11");
	c.client_id = id2;
	c.client_id_len = sizeof(id2);
	CHECK_INT(ipam_lease_alloc(db, s, &c, NULL, 60, T0, 0, &l), 0);
	CHECK_STR(fx_ip(&l, b), "10.0.0.12");
	fx_close(&fx);
}

TEST(hostname_is_recorded)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_client c = fx_client(1);
	struct ipam_lease l;
	json_t *o;
	int64_t s;

	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.10", "10.0.0.20",
				 "dynamic", NULL), 0);
	s = subnet(db, "10.0.0.0");
	c.hostname = "laptop";
	CHECK_INT(ipam_lease_alloc(db, s, &c, NULL, 60, T0, 0, &l), 0);
	c.hostname = NULL;		/* a renewal without option 12 */
	CHECK_INT(ipam_lease_alloc(db, s, &c, NULL, 60, T0 + 30, 0, &l), 0);
	o = ipam_lease_show(db, "10.0.0.10", T0 + 31);
	CHECK_STR(json_string_value(json_object_get(o, "hostname")), "laptop");
	CHECK_STR(json_string_value(json_object_get(o, "mac")), "52:54:00:00:00:01");
	CHECK_STR(json_string_value(json_object_get(o, "status")), "active");
	json_decref(o);
	o = ipam_lease_list(db, NULL, false, T0 + 100);
	CHECK_INT(json_array_size(o), 0);	/* expired at T0+90 */
	json_decref(o);
	o = ipam_lease_list(db, "10.0.0.0/24", true, T0 + 100);
	CHECK_INT(json_array_size(o), 1);
	json_decref(o);
	fx_close(&fx);
}

TEST(ipv6_pool)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_subnet_opts o = { .fabric = "lab", .vid = 0, .managed = -1 };
	char b[IP_STRLEN];
	int64_t s;
	json_t *u;

	fx_lab(db);
	CHECK_INT(ipam_subnet_add(db, "2001:db8:1::/64", &o), 0);
	CHECK_INT(ipam_range_add(db, "2001:db8:1::/64", "2001:db8:1::fe",
				 "2001:db8:1::101", "dynamic", NULL), 0);
	s = subnet(db, "2001:db8:1::");
	CHECK_STR(alloc(db, s, 1, NULL, T0, b), "2001:db8:1::fe");
	CHECK_STR(alloc(db, s, 2, NULL, T0, b), "2001:db8:1::ff");
	CHECK_STR(alloc(db, s, 3, NULL, T0, b), "2001:db8:1::100");	/* carry */
	CHECK_STR(alloc(db, s, 4, NULL, T0, b), "2001:db8:1::101");
	CHECK_STR(alloc(db, s, 5, NULL, T0, b), "");
	CHECK_CONTAINS(ipam_error(db), "pool exhausted on 2001:db8:1::/64");
	/* A whole /64 as a pool: 2^64 - 1 addresses (the anycast one out). */
	CHECK_INT(ipam_subnet_add(db, "2001:db8:2::/64", &o), 0);
	CHECK_INT(ipam_range_add(db, "2001:db8:2::/64", "2001:db8:2::",
				 "2001:db8:2::ffff:ffff:ffff:ffff", "dynamic",
				 NULL), 0);
	s = subnet(db, "2001:db8:2::");
	CHECK_STR(alloc(db, s, 1, NULL, T0, b), "2001:db8:2::1");
	u = ipam_subnet_show(db, "2001:db8:2::/64", T0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(u, "usage"),
						    "dynamic_pool")),
		  "18446744073709551615");
	json_decref(u);
	fx_close(&fx);
}

TEST(group_commit_and_savepoints)
{
	struct ipam *db = fx_open(&fx);
	char b[IP_STRLEN];
	json_t *l;
	int64_t s;

	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.10", "10.0.0.12",
				 "dynamic", NULL), 0);
	s = subnet(db, "10.0.0.0");
	CHECK_INT(ipam_tx_begin(db), 0);
	for (unsigned i = 1; i <= 3; i++)
		CHECK(alloc(db, s, i, NULL, T0, b)[0]);
	/* The fourth fails inside the transaction; the three stay. */
	CHECK_STR(alloc(db, s, 4, NULL, T0, b), "");
	CHECK_INT(ipam_tx_commit(db), 0);
	l = ipam_lease_list(db, NULL, false, T0);
	CHECK_INT(json_array_size(l), 3);
	json_decref(l);
	/* A rolled back transaction leaves nothing. */
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.20", "10.0.0.29",
				 "dynamic", NULL), 0);
	CHECK_INT(ipam_tx_begin(db), 0);
	CHECK_STR(alloc(db, s, 5, NULL, T0, b), "10.0.0.20");
	ipam_tx_rollback(db);
	l = ipam_lease_list(db, NULL, false, T0);
	CHECK_INT(json_array_size(l), 3);
	json_decref(l);
	CHECK_STR(alloc(db, s, 6, NULL, T0, b), "10.0.0.20");
	fx_close(&fx);
}

TEST(range_removed_under_a_lease)
{
	struct ipam *db = fx_open(&fx);
	char b[IP_STRLEN];
	int64_t s;

	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.10", "10.0.0.19",
				 "dynamic", NULL), 0);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.30", "10.0.0.39",
				 "dynamic", NULL), 0);
	s = subnet(db, "10.0.0.0");
	CHECK_STR(alloc(db, s, 1, NULL, T0, b), "10.0.0.10");
	CHECK_INT(ipam_range_rm(db, "10.0.0.0/24", "10.0.0.10"), 0);
	/* Renewal moves the client into what is still a pool. */
	CHECK_STR(alloc(db, s, 1, NULL, T0 + 10, b), "10.0.0.30");
	fx_close(&fx);
}

/* Rows written behind the API's back (sqlite3 CLI, a restore) must not
 * make two clients share an address. */
TEST(free_index_disagrees_with_table)
{
	struct ipam *db = fx_open(&fx);
	char b[IP_STRLEN];
	sqlite3 *raw;
	int64_t s;

	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.10", "10.0.0.19",
				 "dynamic", NULL), 0);
	s = subnet(db, "10.0.0.0");
	CHECK_INT(sqlite3_open(fx.path, &raw), SQLITE_OK);
	CHECK_INT(sqlite3_exec(raw, "INSERT INTO address (subnet_id, ip, state, "
			       "mac, expiry, updated) SELECT id, x'0a00000a', "
			       "'lease', '02:00:00:00:00:01', 9999999999, 0 "
			       "FROM subnet", NULL, NULL, NULL), SQLITE_OK);
	CHECK_STR(alloc(db, s, 1, NULL, T0, b), "10.0.0.11");
	/* And addresses freed behind its back come back after a repair. */
	CHECK_INT(sqlite3_exec(raw, "DELETE FROM address", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(raw);
	CHECK_INT(ipam_repair(db), 0);
	CHECK_STR(alloc(db, s, 2, NULL, T0, b), "10.0.0.10");
	fx_close(&fx);
}

/*
 * Allocation must not scan: the work for the next allocation (SQLite VM
 * steps, deterministic, unlike time) is the same with 20 leases as with
 * 6,000, for new clients, renewals, and reuse of expired leases.
 */
static int64_t steps_for(struct ipam *db, int64_t s, unsigned n, int64_t t)
{
	char b[IP_STRLEN];

	ipam_vm_steps(db);
	CHECK(alloc(db, s, n, NULL, t, b)[0]);
	return ipam_vm_steps(db);
}

TEST(allocation_does_not_scan)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_subnet_opts o = { .fabric = "lab", .vid = 0,
				      .gateway = "10.16.0.1", .managed = -1 };
	int64_t s, small[3], big[3];
	char b[IP_STRLEN];

	fx_lab(db);
	CHECK_INT(ipam_subnet_add(db, "10.16.0.0/16", &o), 0);
	CHECK_INT(ipam_range_add(db, "10.16.0.0/16", "10.16.0.2",
				 "10.16.255.254", "dynamic", NULL), 0);
	s = subnet(db, "10.16.0.0");
	for (int phase = 0; phase < 2; phase++) {
		unsigned upto = phase == 0 ? 20 : 6000;
		int64_t *m = phase == 0 ? small : big;

		CHECK_INT(ipam_tx_begin(db), 0);
		for (unsigned i = phase == 0 ? 1 : 21; i <= upto; i++)
			alloc(db, s, i, NULL, T0 + i, b);
		CHECK_INT(ipam_tx_commit(db), 0);
		m[0] = steps_for(db, s, 30000 + (unsigned)phase, T0);	/* new */
		m[1] = steps_for(db, s, 10, T0 + 5);			/* renew */
		/* Reuse: a new client when only expired leases are left is
		 * too big a fill for a unit test; an expired lease of its own
		 * goes through the same index seeks. */
		m[2] = steps_for(db, s, 11, T0 + 100000);		/* expired, own */
	}
	for (int k = 0; k < 3; k++) {
		printf("vm steps, case %d: %lld with 20 leases, %lld with 6000\n",
		       k, (long long)small[k], (long long)big[k]);
		CHECK(big[k] <= 2 * small[k]);
	}
	fx_close(&fx);
}

int main(void)
{
	RUN(order_of_choice);
	RUN(never_handed_out);
	RUN(gateway_change_updates_pool);
	RUN(exhaustion_and_reuse);
	RUN(client_identifier_keys_the_lease);
	RUN(hostname_is_recorded);
	RUN(ipv6_pool);
	RUN(group_commit_and_savepoints);
	RUN(range_removed_under_a_lease);
	RUN(free_index_disagrees_with_table);
	RUN(allocation_does_not_scan);
	return test_done();
}
