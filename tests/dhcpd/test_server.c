/*
 * The request handler against a real IPAM: every RFC 2131 state, the
 * subnet choice (interface, relay, shared network, VLAN off), and what
 * lands in IPAM. Packets are built here byte by byte, as a client would.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ipam/fixture.h"
#include "dhcp_probe.h"
#include "dhcp_srv.h"
#include "test.h"

static struct fixture fx;


/* ---- a client's packets ---- */


struct req {
	int type;
	unsigned client;		/* MAC 52:54:00:00:00:client */
	uint32_t ciaddr, giaddr, requested, server_id;
	uint32_t dst;			/* IP destination; 0: broadcast */
	bool broadcast;
	const char *hostname;
	const char *client_id;
	const char *vendor;		/* option 60 */
};

static const uint8_t prl[] = { 1, 3, 6, 15, 28, 42, 26, 119, 51, 54 };

static struct pkt make(const struct req *r)
{
	struct pkt p = pkt_request(0x1000 + r->client, (uint8_t)r->client,
				   (uint8_t)r->type);

	if (r->broadcast)
		p.b[10] = 0x80;
	put32(p.b + 12, r->ciaddr);
	put32(p.b + 24, r->giaddr);
	if (r->requested)
		opt32(&p, 50, r->requested);
	if (r->server_id)
		opt32(&p, 54, r->server_id);
	if (r->hostname)
		opt(&p, 12, r->hostname, strlen(r->hostname));
	if (r->client_id)
		opt(&p, 61, r->client_id, strlen(r->client_id));
	if (r->vendor)
		opt(&p, 60, r->vendor, strlen(r->vendor));
	opt(&p, 55, prl, sizeof(prl));
	pkt_end(&p);
	return p;
}

/* ---- the server under test ---- */


/* The rack: eth0 (index 2) 10.0.0.1/24 untagged; tap42 (index 3)
 * 10.42.0.1/24 bound to VID 42 by the operator; eth1 (index 4) on
 * 10.9.0.1/24, a subnet with DHCP off. */
static void rack(struct ipam *db)
{
	struct dhcp_iface ifs[3] = {
		{ .ifindex = 2, .name = "eth0", .ether = true, .up = true,
		  .mtu = 1500, .vid = -1, .naddr = 1,
		  .addr = { { IP(10, 0, 0, 1), 24 } } },
		{ .ifindex = 3, .name = "tap42", .ether = true, .up = true,
		  .mtu = 1500, .vid = -1, .naddr = 1,
		  .addr = { { IP(10, 42, 0, 1), 24 } } },
		{ .ifindex = 4, .name = "eth1", .ether = true, .up = true,
		  .mtu = 1500, .vid = -1, .naddr = 1,
		  .addr = { { IP(10, 9, 0, 1), 24 } } },
	};
	srv_rack(db, ifs, 3);
}

static struct ipam *lab(void)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_vlan_opts off = { .dhcp = 0 };
	struct ipam_subnet_opts so = {
		.fabric = "lab", .vid = 0, .gateway = "10.0.0.1",
		.dns = "10.0.0.53", .domain = "lab.test", .managed = -1,
	};

	memset(&counters, 0, sizeof(counters));
	fx_lab(db);			/* lab/0, lab/42, 10.0.0.0/24 */
	CHECK_INT(ipam_subnet_set(db, "10.0.0.0/24", &so), 0);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.100", "10.0.0.103",
				 "dynamic", NULL), 0);
	so.vid = 42;
	so.gateway = "10.42.0.1";
	so.dns = NULL;
	CHECK_INT(ipam_subnet_add(db, "10.42.0.0/24", &so), 0);
	CHECK_INT(ipam_range_add(db, "10.42.0.0/24", "10.42.0.100",
				 "10.42.0.110", "dynamic", NULL), 0);
	/* A relayed subnet sharing VLAN 0 with 10.0.0.0/24. */
	so.vid = 0;
	so.gateway = "10.1.0.1";
	CHECK_INT(ipam_subnet_add(db, "10.1.0.0/24", &so), 0);
	CHECK_INT(ipam_range_add(db, "10.1.0.0/24", "10.1.0.100", "10.1.0.101",
				 "dynamic", NULL), 0);
	CHECK_INT(ipam_vlan_add(db, "lab", 9, &off), 0);
	so.vid = 9;
	so.gateway = "10.9.0.1";
	CHECK_INT(ipam_subnet_add(db, "10.9.0.0/24", &so), 0);
	CHECK_INT(ipam_range_add(db, "10.9.0.0/24", "10.9.0.100", "10.9.0.110",
				 "dynamic", NULL), 0);
	CHECK_INT(ipam_interface_set(db, "tap42", "lab", 42, "operator"), 0);
	CHECK_INT(ipam_setting_set(db, "dhcp-ping-check", "off"), 0);
	rack(db);
	return db;
}

/* Handle r arriving on ifindex at time t; the reply parsed into `reply`
 * (its type, or 0 when nothing is sent). */
static int send_at(int ifindex, const struct req *r, int64_t t)
{
	struct pkt p = make(r);
	struct dhcp_rx rx = { .buf = p.b, .len = p.len, .ifindex = ifindex,
			      .dst_ip = r->dst ? r->dst : 0xffffffff,
			      .local_ip = r->giaddr || r->dst ?
					  IP(10, 0, 0, 1) : 0 };
	const char *why;

	dhcp_handle(&srv, &rx, t, &out);
	if (out.action != DHCP_SEND)
		return 0;
	/* The parser reads requests: turn the reply into one to read it. */
	CHECK_INT(out.buf[0], 2);
	out.buf[0] = 1;
	CHECK_INT(dhcp_parse(&reply, out.buf, out.len, &why), 0);
	return reply.type;
}

static int on_eth0(const struct req *r)
{
	return send_at(2, r, T0);
}

static uint32_t opt_u32(int code)
{
	const struct dhcp_opt_data *o = &reply.opt[code];

	if (!o->present || o->len < 4)
		return 0;
	return (uint32_t)o->p[0] << 24 | o->p[1] << 16 | o->p[2] << 8 | o->p[3];
}

static const char *opt_str(int code, char *buf)
{
	const struct dhcp_opt_data *o = &reply.opt[code];

	snprintf(buf, 256, "%.*s", o->present ? (int)o->len : 0,
		 o->present ? (const char *)o->p : "");
	return buf;
}

/* DISCOVER then REQUEST; the address ACKed (0 if none). */
static uint32_t dora(int ifindex, unsigned client, uint32_t giaddr)
{
	struct req d = { .type = DHCP_DISCOVER, .client = client, .giaddr = giaddr };
	uint32_t ip;

	if (send_at(ifindex, &d, T0) != DHCP_OFFER)
		return 0;
	ip = reply.yiaddr;
	struct req q = { .type = DHCP_REQUEST, .client = client, .giaddr = giaddr,
			 .requested = ip, .server_id = opt_u32(54) };

	return send_at(ifindex, &q, T0) == DHCP_ACK ? reply.yiaddr : 0;
}

TEST(discover_offer_request_ack)
{
	struct ipam *db = lab();
	char b[256];
	json_t *l;

	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_DISCOVER, .client = 1,
					 .hostname = "web 1!" }), DHCP_OFFER);
	CHECK_INT(reply.yiaddr, IP(10, 0, 0, 100));
	CHECK_INT(out.route, DHCP_TO_HWADDR);
	CHECK_INT(out.dst_ip, IP(10, 0, 0, 100));
	CHECK_INT(out.dst_mac[5], 1);
	CHECK_INT(out.src_ip, IP(10, 0, 0, 1));
	CHECK_INT(opt_u32(54), IP(10, 0, 0, 1));
	CHECK_INT(opt_u32(1), 0xffffff00);
	CHECK_INT(opt_u32(3), IP(10, 0, 0, 1));
	CHECK_INT(opt_u32(6), IP(10, 0, 0, 53));
	CHECK_INT(opt_u32(42), IP(10, 0, 0, 1));	/* none set: ours */
	CHECK_INT(opt_u32(28), IP(10, 0, 0, 255));
	CHECK_INT(opt_u32(51), 3600);
	CHECK_INT(opt_u32(58), 1800);
	CHECK_INT(opt_u32(59), 3150);
	CHECK_STR(opt_str(15, b), "lab.test");
	CHECK(reply.opt[119].present);
	CHECK(reply.opt[26].present);
	CHECK_CONTAINS(out.note, "DHCPOFFER 10.0.0.100 to 52:54:00:00:00:01 on "
		       "eth0 (lab/0)");

	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 1,
					 .requested = IP(10, 0, 0, 100),
					 .server_id = IP(10, 0, 0, 1),
					 .hostname = "web 1!",
					 .broadcast = true }), DHCP_ACK);
	CHECK_INT(reply.yiaddr, IP(10, 0, 0, 100));
	CHECK_INT(out.route, DHCP_TO_BROADCAST);
	l = ipam_lease_show(db, "10.0.0.100", T0);
	CHECK_STR(json_string_value(json_object_get(l, "mac")),
		  "52:54:00:00:00:01");
	CHECK_STR(json_string_value(json_object_get(l, "hostname")), "web-1");
	CHECK_STR(json_string_value(json_object_get(l, "expires")),
		  "2023-11-14T23:13:20Z");
	json_decref(l);
	CHECK_INT(counters.rx[DHCP_DISCOVER], 1);
	CHECK_INT(counters.tx[DHCP_ACK], 1);
	fx_close(&fx);
}

TEST(request_states)
{
	lab();

	CHECK_INT(dora(2, 1, 0), IP(10, 0, 0, 100));
	/* SELECTING another server: silence, and the counters say so. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 2,
					 .requested = IP(10, 0, 0, 101),
					 .server_id = IP(10, 0, 0, 254) }), 0);
	CHECK_INT(counters.dropped, 1);
	/* INIT-REBOOT: known and right, ACK; unknown, silence; someone
	 * else's address, NAK; another network, NAK. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 1,
					 .requested = IP(10, 0, 0, 100) }),
		  DHCP_ACK);
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 3,
					 .requested = IP(10, 0, 0, 102) }), 0);
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 1,
					 .requested = IP(10, 0, 0, 102) }),
		  DHCP_NAK);
	CHECK_INT(out.route, DHCP_TO_BROADCAST);
	CHECK(!reply.opt[51].present);
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 1,
					 .requested = IP(192, 168, 1, 5) }),
		  DHCP_NAK);
	char b[256];

	CHECK_STR(opt_str(56, b), "requested address is not on this network");
	/* RENEWING: unicast to ciaddr. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 1,
					 .ciaddr = IP(10, 0, 0, 100) }), DHCP_ACK);
	CHECK_INT(out.route, DHCP_TO_CLIENT_IP);
	CHECK_INT(out.dst_ip, IP(10, 0, 0, 100));
	CHECK_INT(reply.ciaddr, IP(10, 0, 0, 100));
	/* Renewing someone else's address: NAK. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 2,
					 .ciaddr = IP(10, 0, 0, 100) }), DHCP_NAK);
	/* Neither requested nor ciaddr: dropped. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 2 }), 0);
	fx_close(&fx);
}

TEST(decline_release_inform)
{
	struct ipam *db = lab();
	json_t *l;

	CHECK_INT(dora(2, 1, 0), IP(10, 0, 0, 100));
	/* Declined: held as a conflict, the client gets another. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_DECLINE, .client = 1,
					 .requested = IP(10, 0, 0, 100),
					 .server_id = IP(10, 0, 0, 1) }), 0);
	CHECK_INT(counters.conflicts, 1);
	json_t *a = ipam_address_list(db, "10.0.0.0/24", "conflict");
	CHECK_INT(json_array_size(a), 1);
	json_decref(a);
	CHECK_INT(dora(2, 1, 0), IP(10, 0, 0, 101));
	/* A decline of an address that is not the client's changes nothing. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_DECLINE, .client = 2,
					 .requested = IP(10, 0, 0, 101) }), 0);
	CHECK_INT(counters.conflicts, 1);
	/* Release: expired now, still remembered for the client. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_RELEASE, .client = 1,
					 .ciaddr = IP(10, 0, 0, 101),
					 .server_id = IP(10, 0, 0, 1) }), 0);
	l = ipam_lease_show(db, "10.0.0.101", T0);
	CHECK_STR(json_string_value(json_object_get(l, "status")), "expired");
	json_decref(l);
	CHECK_INT(dora(2, 1, 0), IP(10, 0, 0, 101));
	/* INFORM: options, no address, no lease time, unicast. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_INFORM, .client = 9,
					 .ciaddr = IP(10, 0, 0, 20) }), DHCP_ACK);
	CHECK_INT(reply.yiaddr, 0);
	CHECK(!reply.opt[51].present);
	CHECK_INT(opt_u32(3), IP(10, 0, 0, 1));
	CHECK_INT(out.route, DHCP_TO_CLIENT_IP);
	fx_close(&fx);
}

TEST(static_host_and_client_id)
{
	struct ipam *db = lab();
	const char *m[] = { "52:54:00:00:00:07" };
	struct ipam_host_opts h = { .macs = m, .nmacs = 1, .ip = "10.0.0.50" };

	CHECK_INT(ipam_host_add(db, "node7", &h), 0);
	CHECK_INT(dora(2, 7, 0), IP(10, 0, 0, 50));
	/* The same client-id from two NICs is one client. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_DISCOVER, .client = 1,
					 .client_id = "\001node-a" }), DHCP_OFFER);
	uint32_t first = reply.yiaddr;

	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_DISCOVER, .client = 2,
					 .client_id = "\001node-a" }), DHCP_OFFER);
	CHECK_INT(reply.yiaddr, first);
	fx_close(&fx);
}

TEST(vlans_relays_and_shared_networks)
{
	lab();

	/* The TAP bound to VID 42 serves VLAN 42's subnet. */
	CHECK_INT(dora(3, 1, 0), IP(10, 42, 0, 100));
	CHECK_CONTAINS(out.note, "on tap42 (lab/42)");
	/* Relayed from 10.1.0.1: that subnet, replies to the relay. */
	CHECK_INT(dora(2, 2, IP(10, 1, 0, 1)), IP(10, 1, 0, 100));
	CHECK_INT(out.route, DHCP_TO_RELAY);
	CHECK_INT(out.dst_ip, IP(10, 1, 0, 1));
	CHECK_INT(opt_u32(3), IP(10, 1, 0, 1));
	CHECK_INT(dora(2, 3, IP(10, 1, 0, 1)), IP(10, 1, 0, 101));
	/* Its pool of 2 is full: the shared network (VLAN 0) takes over. */
	CHECK_INT(dora(2, 4, IP(10, 1, 0, 1)), IP(10, 0, 0, 100));
	CHECK_INT(opt_u32(3), IP(10, 0, 0, 1));
	/* With the relay gone, the client renews and releases by unicast
	 * routed to us (no giaddr): ciaddr names its subnet. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 2,
					 .ciaddr = IP(10, 1, 0, 100),
					 .dst = IP(10, 0, 0, 1) }), DHCP_ACK);
	CHECK_INT(out.route, DHCP_TO_CLIENT_IP);
	CHECK_INT(opt_u32(54), IP(10, 0, 0, 1));
	CHECK_CONTAINS(out.note, "from 10.1.0.100 (lab/0)");
	/* The same renew broadcast on eth0 is on the wrong network. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 2,
					 .ciaddr = IP(10, 1, 0, 100) }), DHCP_NAK);
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_RELEASE, .client = 2,
					 .ciaddr = IP(10, 1, 0, 100),
					 .dst = IP(10, 0, 0, 1) }), 0);
	json_t *l = ipam_lease_show(srv.db, "10.1.0.100", T0);
	CHECK_STR(json_string_value(json_object_get(l, "status")), "expired");
	json_decref(l);
	/* A relay address in no subnet, a VLAN with DHCP off: dropped. */
	CHECK_INT(dora(2, 5, IP(172, 16, 0, 1)), 0);
	CHECK_INT(dora(4, 6, 0), 0);
	CHECK_INT(counters.dropped, 2);
	/* An unknown interface index: dropped. */
	CHECK_INT(send_at(99, &(struct req){ .type = DHCP_DISCOVER, .client = 7 }, T0), 0);
	fx_close(&fx);
}

TEST(exhaustion_malformed_and_ping)
{
	struct ipam *db = lab();
	struct dhcp_rx rx = { .buf = (const uint8_t *)"\001\001\006", .len = 3,
			      .ifindex = 2 };

	for (unsigned c = 1; c <= 4; c++)
		CHECK(dora(2, c, 0) != 0);
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_DISCOVER, .client = 5 }), 0);
	CHECK_INT(counters.exhausted, 1);
	/* A flood of them: each counted, "pool exhausted" said once a
	 * minute per subnet with how many were turned away in between. */
	char said[4096];
	int err = dup(2);
	FILE *tmp = tmpfile();
	size_t n;

	CHECK(err >= 0 && tmp != NULL);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	for (unsigned c = 6; c <= 9; c++)
		CHECK_INT(send_at(2, &(struct req){ .type = DHCP_DISCOVER,
						    .client = c }, T0 + 59), 0);
	CHECK_INT(send_at(2, &(struct req){ .type = DHCP_DISCOVER, .client = 10 },
			  T0 + 60), 0);
	fflush(stderr);
	dup2(err, 2);
	close(err);
	rewind(tmp);
	n = fread(said, 1, sizeof(said) - 1, tmp);
	said[n] = '\0';
	fclose(tmp);
	CHECK_INT(counters.exhausted, 6);
	CHECK(strstr(said, "52:54:00:00:00:06") == NULL);
	CHECK_CONTAINS(said, "no address for 52:54:00:00:00:0a on eth0 (lab/0) "
		       "(and 4 more since this was last said)");
	dhcp_handle(&srv, &rx, T0, &out);
	CHECK_INT(out.action, DHCP_NONE);
	CHECK_INT(counters.malformed, 1);
	/* With the check on, a never-used address is checked first; the
	 * re-run after the timeout offers it, a second DISCOVER meanwhile
	 * does not check it again. */
	CHECK_INT(ipam_setting_set(db, "dhcp-ping-check", "on"), 0);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.110", "10.0.0.111",
				 "dynamic", NULL), 0);
	rack(db);
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_DISCOVER, .client = 6 }), 0);
	CHECK_INT(out.action, DHCP_PING);
	CHECK_INT(out.ping_ip, IP(10, 0, 0, 110));
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_DISCOVER, .client = 6 }), DHCP_OFFER);
	CHECK_INT(reply.yiaddr, IP(10, 0, 0, 110));
	fx_close(&fx);
}

static int nwarn;
static char last_warn[256];

static void count_warn(void *ctx, const char *key, const char *text)
{
	(void)ctx;
	(void)key;
	nwarn++;
	snprintf(last_warn, sizeof(last_warn), "%s", text);
}

TEST(kernel_vlans_are_bound_to_their_parents_fabric)
{
	struct ipam *db = lab();
	struct dhcp_iface ifs[3] = {
		{ .ifindex = 2, .name = "eth0", .ether = true, .mtu = 1500,
		  .vid = -1, .naddr = 1, .addr = { { IP(10, 0, 0, 1), 24 } } },
		{ .ifindex = 5, .name = "eth0.42", .ether = true, .mtu = 1500,
		  .vid = 42, .parent = 2, .naddr = 1,
		  .addr = { { IP(10, 42, 0, 1), 24 } } },
		{ .ifindex = 6, .name = "eth9.7", .ether = true, .mtu = 1500,
		  .vid = 7, .parent = 99, .naddr = 1,
		  .addr = { { IP(192, 168, 7, 1), 24 } } },
	};
	json_t *cfg = ipam_dhcp_config(db);
	struct dhcp_view v;

	nwarn = 0;
	CHECK_INT(dhcp_view_build(&v, cfg, ifs, 3, NULL, 0, count_warn, NULL),
		  0);
	/* eth0.42: VID 42 on eth0's fabric (lab), to be recorded. */
	CHECK_INT(v.nbindings, 1);
	CHECK_STR(v.bindings[0].ifname, "eth0.42");
	CHECK_STR(v.bindings[0].fabric, "lab");
	CHECK_INT(v.bindings[0].vid, 42);
	/* eth9.7: its parent is unknown, so its fabric is: said, and its
	 * address is in no subnet: said too. */
	CHECK_INT(nwarn, 2);
	CHECK_CONTAINS(last_warn, "interface eth9.7 (192.168.7.1/24) has no "
		       "address in a known subnet");
	dhcp_view_free(&v);
	/* Once recorded (as dhcpd does), nothing more to bind, and eth0.42
	 * serves VLAN 42. */
	CHECK_INT(ipam_interface_set(db, "eth0.42", "lab", 42, "netlink"), 0);
	json_decref(cfg);
	cfg = ipam_dhcp_config(db);
	CHECK_INT(dhcp_view_build(&v, cfg, ifs, 2, NULL, 0, count_warn, NULL),
		  0);
	CHECK_INT(v.nbindings, 0);
	CHECK(dhcp_view_netif(&v, 5)->served);
	/* --interface eth0 leaves eth0.42 out. */
	dhcp_view_free(&v);
	char *only[] = { "eth0" };

	CHECK_INT(dhcp_view_build(&v, cfg, ifs, 2, only, 1, count_warn, NULL),
		  0);
	CHECK(dhcp_view_netif(&v, 5) == NULL);
	CHECK(dhcp_view_netif(&v, 2)->served);
	dhcp_view_free(&v);
	json_decref(cfg);
	fx_close(&fx);
}

/* What the handler passed to its hook for competing servers. */
static struct {
	int n, ifindex;
	struct ipam_dhcp_seen s;
	char ifname[IF_NAMESIZE];
} heard;

static void on_heard(void *ctx, int ifindex, const struct ipam_dhcp_seen *s)
{
	(void)ctx;
	heard.n++;
	heard.ifindex = ifindex;
	heard.s = *s;
	snprintf(heard.ifname, sizeof(heard.ifname), "%s", s->ifname);
}

static int64_t vlan_of(uint32_t net)
{
	for (size_t i = 0; i < view.nsubnets; i++)
		if (view.subnets[i].net == net)
			return view.subnets[i].vlan_id;
	return 0;
}

TEST(competing_servers)
{
	struct ipam *db = lab();
	int64_t vlan0 = vlan_of(IP(10, 0, 0, 0)), stop[1];
	json_t *l;

	/* Another racknet's probe gets an offer, and nothing is held: the
	 * next client is offered the same address. */
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_DISCOVER, .client = 7,
					 .vendor = DHCP_PROBE_VENDOR }),
		  DHCP_OFFER);
	CHECK_INT(reply.yiaddr, IP(10, 0, 0, 100));
	CHECK_CONTAINS(out.note, "not held");
	l = ipam_lease_show(db, "10.0.0.100", T0);
	CHECK(l == NULL);
	json_decref(l);
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_DISCOVER, .client = 8 }),
		  DHCP_OFFER);
	CHECK_INT(reply.yiaddr, IP(10, 0, 0, 100));

	/* Passive: a REQUEST naming another server is passed on, with the
	 * interface and VLAN; one naming us is not. */
	srv.heard = on_heard;
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_REQUEST, .client = 9,
					 .requested = IP(10, 0, 0, 150),
					 .server_id = IP(10, 0, 0, 2) }), 0);
	CHECK_INT(heard.n, 1);
	CHECK_INT(heard.ifindex, 2);
	CHECK_STR(heard.ifname, "eth0");
	CHECK_INT(ip_v4(&heard.s.server_id), IP(10, 0, 0, 2));
	CHECK_INT(heard.s.vlan_id, vlan0);
	CHECK_STR(heard.s.via, "request");
	CHECK(!heard.s.has_mac);
	CHECK_INT(heard.s.src_ip.family, 0);
	CHECK(dora(2, 10, 0) != 0);
	CHECK_INT(heard.n, 1);
	/* Relayed: the relay's address is the source, its subnet the VLAN. */
	CHECK_INT(send_at(2, &(struct req){ .type = DHCP_REQUEST, .client = 11,
					    .giaddr = IP(10, 1, 0, 1),
					    .requested = IP(10, 1, 0, 150),
					    .server_id = IP(10, 1, 0, 2) }, T0),
		  0);
	CHECK_INT(heard.n, 2);
	CHECK_INT(ip_v4(&heard.s.src_ip), IP(10, 1, 0, 1));
	CHECK_INT(heard.s.vlan_id, vlan_of(IP(10, 1, 0, 0)));

	/* Stop-on-rogue: nothing is answered on a stopped VLAN, the others
	 * are served, and it serves again once the VLAN is released. */
	stop[0] = vlan_of(IP(10, 42, 0, 0));
	srv.stopped = stop;
	srv.nstopped = 1;
	CHECK_INT(send_at(3, &(struct req){ .type = DHCP_DISCOVER, .client = 12 },
			  T0), 0);
	CHECK_INT(counters.stopped, 1);
	CHECK_INT(on_eth0(&(struct req){ .type = DHCP_DISCOVER, .client = 12 }),
		  DHCP_OFFER);
	srv.nstopped = 0;
	CHECK_INT(send_at(3, &(struct req){ .type = DHCP_DISCOVER, .client = 12 },
			  T0), DHCP_OFFER);
	srv.heard = NULL;
	srv.stopped = NULL;
	fx_close(&fx);
}

int main(void)
{
	RUN(discover_offer_request_ack);
	RUN(request_states);
	RUN(decline_release_inform);
	RUN(static_host_and_client_id);
	RUN(vlans_relays_and_shared_networks);
	RUN(exhaustion_malformed_and_ping);
	RUN(kernel_vlans_are_bound_to_their_parents_fabric);
	RUN(competing_servers);
	dhcp_view_free(&view);
	return test_done();
}
