/*
 * The DHCPv4 server's logic, without sockets: which subnet a packet
 * belongs to (the view), and what to answer (the handler). The daemon
 * (dhcpd.c) feeds it packets and sends what it returns; the fuzzer and
 * the unit tests drive it the same way against an in-memory IPAM.
 */
#ifndef RACKNET_DHCP_SERVER_H
#define RACKNET_DHCP_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "dhcp_link.h"
#include "dhcp_msg.h"
#include "ipam.h"
#include "log.h"

#define DHCP_MAX_ADDRS 8		/* DNS or NTP servers per subnet */
#define DHCP_OFFER_SECS 60		/* how long an offer holds its address */
#define DHCP_PING_TRIES 3
#define DHCP_EXHAUSTED_SLOTS 16	/* subnets whose "pool exhausted" is limited */		/* answered pings before we give up */

/* A subnet as dhcpd serves it (IPv4, host byte order). */
struct dhcp_subnet {
	int64_t id, vlan_id;
	struct cidr cidr;
	char text[CIDR_STRLEN];
	uint32_t net, mask, broadcast, gateway;
	char vlan[80];			/* "fabric/vid", for logs */
	int mtu;
	bool dhcp, managed;
	uint32_t dns[DHCP_MAX_ADDRS], ntp[DHCP_MAX_ADDRS];
	int ndns, nntp;			/* 0: racknet's own address */
	char domain[254];
	uint8_t search[256];		/* option 119, encoded */
	int search_len;
	uint32_t lease_time;
	/* The boot file table as it applies here (its own rows, else the
	 * global ones, else the defaults), by enum ipam_boot_arch: kept
	 * apart in the view, so subnets stay small for the hot path. */
	const struct dhcp_boot_table *boot;
};

struct dhcp_boot_table {
	char file[IPAM_BOOT_ARCH_MAX][IPAM_BOOTFILE_MAX + 1];
};

/* An interface dhcpd answers on: its kernel state and IPAM VLAN. */
struct dhcp_netif {
	struct dhcp_iface k;
	int64_t vlan_id;		/* 0: not on a known VLAN */
	bool served;			/* on a known VLAN with a subnet */
};

/* A kernel 802.1Q link whose VLAN IPAM should record (source netlink). */
struct dhcp_binding {
	char ifname[IF_NAMESIZE];
	char fabric[64];
	int vid;
};

struct dhcp_view {
	struct dhcp_subnet *subnets;
	size_t nsubnets;
	struct dhcp_boot_table *boot;	/* one per subnet */
	struct dhcp_netif *ifs;
	size_t nifs;
	struct dhcp_binding *bindings;	/* to record in IPAM */
	size_t nbindings;
	bool ping_check;
	uint16_t boot_http_port;	/* for ${http} in boot files */
	int ping_timeout_ms;
	int64_t decline_time, lease_retention;
};

/*
 * Build the view from ipam_dhcp_config() and the kernel's interfaces.
 * only/nonly: the --interface names (none: every interface but loopback).
 * Problems an operator must hear about (an interface whose addresses are
 * in no known subnet, a kernel VLAN whose fabric cannot be told) are
 * passed to warn(ctx, key, text), key being stable so the caller can say
 * each once. 0 or -ENOMEM.
 */
typedef void (*dhcp_warn_fn)(void *ctx, const char *key, const char *text);
int dhcp_view_build(struct dhcp_view *v, const json_t *cfg,
		    const struct dhcp_iface *ifs, size_t nifs,
		    char *const *only, size_t nonly, dhcp_warn_fn warn,
		    void *ctx);
void dhcp_view_free(struct dhcp_view *v);
const struct dhcp_netif *dhcp_view_netif(const struct dhcp_view *v,
					 int ifindex);
/* Whether ip is an address of one of our interfaces. */
bool dhcp_view_is_ours(const struct dhcp_view *v, uint32_t ip);
/* "fabric/vid" of a VLAN that has a subnet, else NULL. */
const char *dhcp_view_vlan_name(const struct dhcp_view *v, int64_t vlan_id);

/* Counters, printed on SIGUSR1 and published for `racknet dhcp stats`. */
struct dhcp_counters {
	uint64_t rx[DHCP_TYPE_MAX], tx[DHCP_TYPE_MAX];
	uint64_t malformed, dropped, exhausted, conflicts, db_errors, pings;
	/* Competing servers: probes sent, their packets recorded, packets
	 * left unanswered on a VLAN stopped for one (stop-on-rogue). */
	uint64_t probes, heard, stopped;
};
json_t *dhcp_counters_json(const struct dhcp_counters *c);

/* A received packet and where it came from. */
struct dhcp_rx {
	const uint8_t *buf;
	size_t len;
	int ifindex;
	uint32_t src_ip, local_ip;	/* local_ip: IP_PKTINFO ipi_spec_dst */
	uint32_t dst_ip;		/* IP_PKTINFO ipi_addr: header dest */
	uint16_t src_port;
	int pings_answered;		/* re-run after that many conflicts */
	bool ping_done;			/* re-run after a ping timed out */
};

enum dhcp_action { DHCP_NONE, DHCP_SEND, DHCP_PING };
enum dhcp_route {
	DHCP_TO_RELAY,		/* giaddr, server port, routed */
	DHCP_TO_CLIENT_IP,	/* ciaddr, client port, routed */
	DHCP_TO_BROADCAST,	/* 255.255.255.255 on ifindex */
	DHCP_TO_HWADDR,		/* yiaddr at chaddr on ifindex, no ARP */
};

/* What to do with one packet: send a reply, or check an address first. */
struct dhcp_out {
	enum dhcp_action action;
	enum dhcp_route route;
	int ifindex;
	uint32_t dst_ip, src_ip;	/* src_ip: our address on that side */
	uint8_t dst_mac[6];
	size_t len;
	uint8_t buf[DHCP_MAX_LEN];
	uint32_t ping_ip;		/* DHCP_PING: the address to check */
	int64_t ping_subnet;
	char note[512];			/* the log line, said once it is sent */
};


struct dhcp_server {
	struct ipam *db;
	const struct dhcp_view *view;
	struct dhcp_counters *counters;
	uint16_t port;			/* server port; clients are port + 1 */
	struct dhcp_msg msg;		/* scratch, too big for the stack */
	struct ipam_machine machine;	/* scratch: a boot client's host */
	/* Competing servers. A client's REQUEST naming a server that is
	 * not ours is passed to heard(heard_ctx, ...) (may be NULL). While
	 * a VLAN is in stopped[], nothing on it is answered. */
	void (*heard)(void *ctx, int ifindex, const struct ipam_dhcp_seen *s);
	void *heard_ctx;
	const int64_t *stopped;
	size_t nstopped;
	struct log_limit exhausted[DHCP_EXHAUSTED_SLOTS]; /* by subnet */
	struct log_limit db_said;			/* database errors */
};

/* Handle one packet at time now, inside the caller's IPAM transaction.
 * Fills out (action NONE when there is nothing to send). */
void dhcp_handle(struct dhcp_server *s, const struct dhcp_rx *rx, int64_t now,
		 struct dhcp_out *out);

#endif
