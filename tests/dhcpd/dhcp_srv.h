/*
 * The handler under test (test_server.c, test_dhcp_bootsrv.c): one
 * server, its view built from IPAM for a rack of interfaces as dhcpd's
 * reload does, and what it answered.
 */
#ifndef RACKNET_TEST_DHCP_SRV_H
#define RACKNET_TEST_DHCP_SRV_H

#include "dhcp_pkt.h"
#include "dhcp_server.h"
#include "test.h"

#define T0 1700000000

static struct dhcp_counters counters;
static struct dhcp_view view;
static struct dhcp_server srv;
static struct dhcp_out out;
static struct dhcp_msg reply;

static inline void srv_warn(void *ctx, const char *key, const char *text)
{
	(void)ctx;
	(void)key;
	(void)text;
}

/* (Re)build the view of IPAM for these interfaces and point srv at it. */
static inline void srv_rack(struct ipam *db, const struct dhcp_iface *ifs,
			    size_t n)
{
	json_t *cfg = ipam_dhcp_config(db);

	dhcp_view_free(&view);
	CHECK(cfg != NULL);
	CHECK_INT(dhcp_view_build(&view, cfg, ifs, n, NULL, 0, srv_warn,
				  NULL), 0);
	json_decref(cfg);
	srv.db = db;
	srv.view = &view;
	srv.counters = &counters;
	srv.port = 67;
}

#endif
