/*
 * The whole DHCP request path: parse, choose the network, decide against a
 * real IPAM, build the reply. The first input byte picks the receiving
 * interface and whether the packet came through a relay address we know;
 * the rest is the packet. Each input runs inside a transaction that is
 * rolled back, so every run starts from the same database.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzz_ipam.h"
#include "dhcp_server.h"
#include "log.h"

static struct ipam *db;
static struct dhcp_view view;
static struct dhcp_counters counters;
static struct dhcp_server srv;

static void cleanup(void)
{
	dhcp_view_free(&view);
}

static void quiet(void *ctx, const char *key, const char *text)
{
	(void)ctx;
	(void)key;
	(void)text;
}

#define MUST(x)                                                            \
	do {                                                               \
		if ((x) < 0) {                                             \
			fprintf(stderr, "fuzz setup: %s: %s\n", #x,        \
				ipam_error(db));                           \
			abort();                                           \
		}                                                          \
	} while (0)

/* The lab of tests/dhcpd/test_server.c: two VLANs, a relayed subnet
 * sharing VLAN 0, a VLAN with DHCP off, a static host, small pools. */
static void setup(void)
{
	struct ipam_vlan_opts on = { .dhcp = -1 }, off = { .dhcp = 0 };
	struct ipam_subnet_opts so = { .fabric = "lab", .managed = -1,
				       .dns = "10.0.0.53", .domain = "lab.test" };
	const char *macs[] = { "52:54:00:00:00:07" };
	struct ipam_host_opts h = { .macs = macs, .nmacs = 1, .ip = "10.0.0.50" };
	static const struct dhcp_iface ifs[3] = {
		{ .ifindex = 2, .name = "eth0", .ether = true, .mtu = 1500,
		  .vid = -1, .naddr = 1, .addr = { { 0x0a000001, 24 } } },
		{ .ifindex = 3, .name = "eth0.42", .ether = true, .mtu = 1500,
		  .vid = 42, .parent = 2, .naddr = 1,
		  .addr = { { 0x0a2a0001, 24 } } },
		{ .ifindex = 4, .name = "eth1", .ether = true, .mtu = 576,
		  .vid = -1, .naddr = 1, .addr = { { 0x0a090001, 24 } } },
	};
	json_t *cfg;

	log_init("fuzz", LL_ERROR, false);
	db = fuzz_ipam_open();
	atexit(cleanup);
	MUST(ipam_fabric_add(db, "lab"));
	MUST(ipam_vlan_add(db, "lab", 0, &on));
	MUST(ipam_vlan_add(db, "lab", 42, &on));
	MUST(ipam_vlan_add(db, "lab", 9, &off));
	so.vid = 0;
	so.gateway = "10.0.0.1";
	MUST(ipam_subnet_add(db, "10.0.0.0/24", &so));
	MUST(ipam_range_add(db, "10.0.0.0/24", "10.0.0.100", "10.0.0.103",
			    "dynamic", NULL));
	so.gateway = "10.1.0.1";
	MUST(ipam_subnet_add(db, "10.1.0.0/24", &so));
	MUST(ipam_range_add(db, "10.1.0.0/24", "10.1.0.100", "10.1.0.101",
			    "dynamic", NULL));
	so.vid = 42;
	so.gateway = "10.42.0.1";
	MUST(ipam_subnet_add(db, "10.42.0.0/24", &so));
	MUST(ipam_range_add(db, "10.42.0.0/24", "10.42.0.100", "10.42.0.200",
			    "dynamic", NULL));
	so.vid = 9;
	so.gateway = "10.9.0.1";
	MUST(ipam_subnet_add(db, "10.9.0.0/24", &so));
	MUST(ipam_range_add(db, "10.9.0.0/24", "10.9.0.100", "10.9.0.110",
			    "dynamic", NULL));
	MUST(ipam_host_add(db, "node7", &h));
	/* A lease already there, to renew, decline and release. */
	struct ipam_client c = { .mac = { { 0x52, 0x54, 0, 0, 0, 1 } } };
	struct ipam_lease l;

	MUST(ipam_lease_alloc(db, 1, &c, NULL, 3600, 1700000000, 0, &l));
	cfg = ipam_dhcp_config(db);
	if (!cfg || dhcp_view_build(&view, cfg, ifs, 3, NULL, 0, quiet,
				    NULL) < 0)
		abort();
	json_decref(cfg);
	srv.db = db;
	srv.view = &view;
	srv.counters = &counters;
	srv.port = 67;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_out out;
	struct dhcp_rx rx;

	if (!db)
		setup();
	if (size < 1)
		return 0;
	rx = (struct dhcp_rx){
		.buf = data + 1, .len = size - 1,
		.ifindex = 2 + data[0] % 4,	/* 5: unknown interface */
		.src_ip = (data[0] & 0x10) ? 0x0a010001 : 0,
		.local_ip = (data[0] & 0x20) ? 0x0a000001 : 0,
		.ping_done = data[0] & 0x40,
		.pings_answered = (data[0] >> 7) * DHCP_PING_TRIES,
	};
	view.ping_check = data[0] & 0x08;
	if (ipam_tx_begin(db) < 0)
		abort();
	dhcp_handle(&srv, &rx, 1700000100, &out);
	ipam_tx_rollback(db);
	if (out.action == DHCP_SEND &&
	    (out.len < DHCP_MIN_LEN || out.len > DHCP_MAX_LEN))
		abort();		/* the builder broke its promise */
	return 0;
}
