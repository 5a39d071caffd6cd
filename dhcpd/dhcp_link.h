/*
 * The rack's interfaces as the kernel sees them, from netlink (libnl):
 * index, name, MAC, MTU, kernel 802.1Q VLAN (VID and parent) and IPv4
 * addresses, kept current from RTM_NEWLINK/DELLINK/NEWADDR/DELADDR
 * notifications. dhcpd maps these to IPAM VLANs and subnets.
 *
 * The conversion from libnl objects to struct dhcp_iface is separate from
 * the socket handling so unit tests can drive it with netlink messages.
 *
 * Any link of kind "vlan" counts as a VLAN, 802.1ad (QinQ, 0x88a8) as well
 * as 802.1Q: both are one tag the kernel adds on the parent.
 */
#ifndef RACKNET_DHCP_LINK_H
#define RACKNET_DHCP_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_IFACE_MAXADDR 16

struct dhcp_ifaddr {
	uint32_t ip;		/* host byte order */
	uint8_t prefix;
};

struct dhcp_iface {
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	bool ether;		/* ARPHRD_ETHER with a 6-byte address */
	bool up;		/* IFF_UP */
	bool loopback;		/* IFF_LOOPBACK */
	int mtu;
	int vid;		/* kernel vlan link: its VID (0..4094); else -1 */
	int parent;		/* kernel vlan link: parent ifindex; else 0, and
				 * 0 when the parent is in another netns */
	size_t naddr;
	struct dhcp_ifaddr addr[DHCP_IFACE_MAXADDR];
};

struct rtnl_link;
struct rtnl_addr;

/* Fill ret from a libnl link object (addresses left empty). -EINVAL, ret
 * untouched, for a link without index or name or a vlan with a VID out of
 * range. The whole struct is written, padding zeroed, so memcmp works. */
int dhcp_iface_from_link(struct rtnl_link *link, struct dhcp_iface *ret);
/* Add an IPv4 address object (its local address, which on a point-to-point
 * link is not IFA_ADDRESS) to the interface it belongs to in ifs[0..n);
 * other families, unknown interfaces, and addresses past the
 * DHCP_IFACE_MAXADDR-th of an interface are ignored. */
void dhcp_iface_add_addr(struct dhcp_iface *ifs, size_t n,
			 struct rtnl_addr *addr);

/* The live table. */
struct dhcp_links;
typedef void (*dhcp_links_fn)(void *ctx);

/* Open netlink, load links and addresses (fn is not called for this
 * first load); fn is called from dhcp_links_recv() whenever anything
 * changed, and must not close l. 0 or a negative errno. */
int dhcp_links_open(struct dhcp_links **ret, dhcp_links_fn fn, void *ctx);
void dhcp_links_close(struct dhcp_links *l);	/* NULL is fine */
int dhcp_links_fd(const struct dhcp_links *l);	/* poll for readable */
/* Read pending notifications (non-blocking); if there were any, reload the
 * whole table and call fn once if it changed. A lost notification (ENOBUFS)
 * is just one more reason to reload. On error (negative errno) the old
 * table stays and the next call retries the reload even if nothing new is
 * readable, so a caller may retry on a timer. */
int dhcp_links_recv(struct dhcp_links *l);
/* The current table, sorted by ifindex, valid until the next
 * dhcp_links_recv() or dhcp_links_close(). */
const struct dhcp_iface *dhcp_links_table(const struct dhcp_links *l,
					  size_t *ret_n);
/* The interface with that index, or NULL. */
const struct dhcp_iface *dhcp_links_get(const struct dhcp_links *l,
					int ifindex);

#endif
