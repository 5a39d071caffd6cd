/*
 * Competing DHCP servers, the daemon half (dhcpd_probe.c): one packet
 * socket that both sends the probe DISCOVERs and hears, through a BPF
 * filter, every DHCP reply reaching the client port on any interface;
 * probes on start, every dhcp-probe-interval and on `racknet dhcp probe`;
 * sightings recorded in IPAM with one log line when a server is first
 * seen and when it is gone; and the VLANs where stop-on-rogue holds
 * dhcpd's answers back.
 */
#ifndef RACKNET_DHCPD_PROBE_H
#define RACKNET_DHCPD_PROBE_H

#include <stdint.h>

#include "dhcp_server.h"

struct event_base;
struct dhcpd_probe;

/* Open the socket (needs CAP_NET_RAW: call before the privilege drop).
 * view and srv stay the caller's; srv->heard is pointed here and
 * srv->stopped kept current. NULL with errno set on failure. */
struct dhcpd_probe *dhcpd_probe_new(struct event_base *base, struct ipam *db,
				    const struct dhcp_view *view,
				    struct dhcp_server *srv, uint16_t port);
/* IPAM or the interfaces changed: settings, the allow-list, the VLANs'
 * stop-on-rogue and probe requests may have too. */
void dhcpd_probe_reload(struct dhcpd_probe *p);
/* Every second: expiry of servers not seen, probe requests, the schedule. */
void dhcpd_probe_tick(struct dhcpd_probe *p);
void dhcpd_probe_free(struct dhcpd_probe *p);	/* NULL is fine */

#endif
