/*
 * Unit tests for dhcpd/dhcp_link.c.
 *
 * The conversion half is fed RTM_NEWLINK and RTM_NEWADDR messages laid out
 * the way the kernel sends them and parsed by libnl's own parser
 * (nl_msg_parse), since this kernel cannot make an 802.1Q link to look at.
 * The live half reads the host's table without changing anything, then, in
 * a network namespace of its own (forked child, skipped if unshare fails),
 * adds and removes links and addresses and forces a notification overrun
 * to check that the callback fires and the table follows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dhcp_link.h"
#include "test.h"

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

/* One RTM_NEWLINK as rtnl_fill_ifinfo() lays it out, reduced to what
 * matters here. */
struct link_spec {
	int ifindex;
	const char *name;
	unsigned short type;	/* ARPHRD_* */
	unsigned int flags;
	const uint8_t *hw;	/* IFLA_ADDRESS, NULL = none */
	size_t hwlen;
	unsigned int mtu;
	int link;		/* IFLA_LINK, 0 = none */
	bool netnsid;		/* IFLA_LINK_NETNSID 0 */
	const char *kind;	/* IFLA_INFO_KIND, NULL = no IFLA_LINKINFO */
	bool vlan_data;		/* IFLA_INFO_DATA with IFLA_VLAN_ID */
	uint16_t vid;
	uint16_t proto;		/* IFLA_VLAN_PROTOCOL (host order), 0 = none */
};

static const uint8_t mac_eth0[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };
static const uint8_t mac_vlan[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x42 };
static const uint8_t mac_zero[6];

static void keep_object(struct nl_object *obj, void *arg)
{
	struct nl_object **slot = arg;

	if (*slot)
		nl_object_put(*slot);
	nl_object_get(obj);
	*slot = obj;
}

/* Parse with libnl's cache-ops parser, as a dump or notification would. */
static struct nl_object *parse(struct nl_msg *msg)
{
	struct nl_object *obj = NULL;

	nlmsg_set_proto(msg, NETLINK_ROUTE);
	if (nl_msg_parse(msg, keep_object, &obj) < 0 || !obj) {
		fprintf(stderr, "test setup: libnl cannot parse message\n");
		test_failures++;
	}
	nlmsg_free(msg);
	return obj;
}

static struct rtnl_link *link_msg(const struct link_spec *s)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_type = s->type,
		.ifi_index = s->ifindex,
		.ifi_flags = s->flags,
	};
	struct nlattr *info, *data;
	struct nl_msg *msg;
	uint8_t bcast[32];
	int r = 0;

	memset(bcast, 0xff, sizeof(bcast));
	if (s->hwlen > sizeof(bcast))
		return NULL;
	msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	if (!msg)
		return NULL;
	r |= nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	r |= nla_put_string(msg, IFLA_IFNAME, s->name);
	r |= nla_put_u32(msg, IFLA_TXQLEN, 1000);
	r |= nla_put_u8(msg, IFLA_OPERSTATE, 6);
	r |= nla_put_u32(msg, IFLA_MTU, s->mtu);
	if (s->link)
		r |= nla_put_u32(msg, IFLA_LINK, (uint32_t)s->link);
	if (s->hw) {
		r |= nla_put(msg, IFLA_ADDRESS, (int)s->hwlen, s->hw);
		r |= nla_put(msg, IFLA_BROADCAST, (int)s->hwlen, bcast);
	}
	if (s->kind) {
		info = nla_nest_start(msg, IFLA_LINKINFO);
		r |= info ? 0 : -1;
		r |= nla_put_string(msg, IFLA_INFO_KIND, s->kind);
		if (s->vlan_data) {
			data = nla_nest_start(msg, IFLA_INFO_DATA);
			r |= data ? 0 : -1;
			r |= nla_put_u16(msg, IFLA_VLAN_ID, s->vid);
			/* The kernel puts the protocol big-endian. */
			if (s->proto)
				r |= nla_put_u16(msg, IFLA_VLAN_PROTOCOL,
						 htons(s->proto));
			if (data)
				nla_nest_end(msg, data);
		}
		if (info)
			nla_nest_end(msg, info);
	}
	if (s->netnsid)
		r |= nla_put_s32(msg, IFLA_LINK_NETNSID, 0);
	if (r) {
		fprintf(stderr, "test setup: cannot build %s\n", s->name);
		test_failures++;
		nlmsg_free(msg);
		return NULL;
	}
	return (struct rtnl_link *)parse(msg);
}

/* dhcp_iface_from_link() on a message built from s; the struct is
 * pre-filled with a pattern so a failure can be seen to leave it alone. */
static int from_spec(const struct link_spec *s, struct dhcp_iface *ret)
{
	struct rtnl_link *link = link_msg(s);
	int r;

	memset(ret, 0xee, sizeof(*ret));
	if (!link)
		return -999;
	r = dhcp_iface_from_link(link, ret);
	rtnl_link_put(link);
	return r;
}

static bool untouched(const struct dhcp_iface *ifc)
{
	const uint8_t *p = (const uint8_t *)ifc;

	for (size_t i = 0; i < sizeof(*ifc); i++)
		if (p[i] != 0xee)
			return false;
	return true;
}

TEST(test_link_vlan)
{
	struct link_spec s = {
		.ifindex = 5, .name = "eth0.42", .type = ARPHRD_ETHER,
		.flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST,
		.hw = mac_vlan, .hwlen = 6, .mtu = 1500, .link = 2,
		.kind = "vlan", .vlan_data = true, .vid = 42, .proto = 0x8100,
	};
	struct dhcp_iface ifc;

	CHECK_INT(from_spec(&s, &ifc), 0);
	CHECK_INT(ifc.ifindex, 5);
	CHECK_STR(ifc.name, "eth0.42");
	CHECK(ifc.ether);
	CHECK(memcmp(ifc.mac, mac_vlan, 6) == 0);
	CHECK(ifc.up);
	CHECK(!ifc.loopback);
	CHECK_INT(ifc.mtu, 1500);
	CHECK_INT(ifc.vid, 42);
	CHECK_INT(ifc.parent, 2);
	CHECK_INT(ifc.naddr, 0);
}

/* VID 0 and 4094 are what the kernel accepts at the ends; 4095 is not. */
TEST(test_link_vlan_vid_range)
{
	struct link_spec s = {
		.ifindex = 6, .name = "eth0.0", .type = ARPHRD_ETHER,
		.hw = mac_vlan, .hwlen = 6, .mtu = 1500, .link = 2,
		.kind = "vlan", .vlan_data = true, .vid = 0, .proto = 0x8100,
	};
	struct dhcp_iface ifc;

	CHECK_INT(from_spec(&s, &ifc), 0);
	CHECK_INT(ifc.vid, 0);
	CHECK_INT(ifc.parent, 2);
	CHECK(!ifc.up);

	s.vid = 4094;
	CHECK_INT(from_spec(&s, &ifc), 0);
	CHECK_INT(ifc.vid, 4094);

	s.vid = 4095;
	CHECK_INT(from_spec(&s, &ifc), -EINVAL);
	CHECK(untouched(&ifc));
	s.vid = 0xffff;
	CHECK_INT(from_spec(&s, &ifc), -EINVAL);
	CHECK(untouched(&ifc));
}

/* 802.1ad is recorded like 802.1Q (documented in dhcp_link.h). */
TEST(test_link_vlan_qinq)
{
	struct link_spec s = {
		.ifindex = 7, .name = "eth0.100", .type = ARPHRD_ETHER,
		.flags = IFF_UP, .hw = mac_vlan, .hwlen = 6, .mtu = 1500,
		.link = 2, .kind = "vlan", .vlan_data = true, .vid = 100,
		.proto = 0x88a8,
	};
	struct dhcp_iface ifc;

	CHECK_INT(from_spec(&s, &ifc), 0);
	CHECK_INT(ifc.vid, 100);
	CHECK_INT(ifc.parent, 2);
}

/* A vlan whose lower device is in another namespace: its IFLA_LINK is an
 * index over there, so no parent here. */
TEST(test_link_vlan_other_netns)
{
	struct link_spec s = {
		.ifindex = 3, .name = "vl42", .type = ARPHRD_ETHER,
		.flags = IFF_UP, .hw = mac_vlan, .hwlen = 6, .mtu = 1500,
		.link = 2, .netnsid = true, .kind = "vlan", .vlan_data = true,
		.vid = 42, .proto = 0x8100,
	};
	struct dhcp_iface ifc;

	CHECK_INT(from_spec(&s, &ifc), 0);
	CHECK_INT(ifc.vid, 42);
	CHECK_INT(ifc.parent, 0);
}

TEST(test_link_ether)
{
	struct link_spec s = {
		.ifindex = 2, .name = "eth0", .type = ARPHRD_ETHER,
		.flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST,
		.hw = mac_eth0, .hwlen = 6, .mtu = 9000,
	};
	struct dhcp_iface ifc;

	CHECK_INT(from_spec(&s, &ifc), 0);
	CHECK_INT(ifc.ifindex, 2);
	CHECK_STR(ifc.name, "eth0");
	CHECK(ifc.ether);
	CHECK(memcmp(ifc.mac, mac_eth0, 6) == 0);
	CHECK(ifc.up);
	CHECK(!ifc.loopback);
	CHECK_INT(ifc.mtu, 9000);
	CHECK_INT(ifc.vid, -1);
	CHECK_INT(ifc.parent, 0);
	CHECK_INT(ifc.naddr, 0);
}

TEST(test_link_bridge)
{
	struct link_spec s = {
		.ifindex = 4, .name = "br0", .type = ARPHRD_ETHER,
		.flags = IFF_BROADCAST | IFF_MULTICAST, .hw = mac_eth0,
		.hwlen = 6, .mtu = 1500, .kind = "bridge",
	};
	struct dhcp_iface ifc;

	CHECK_INT(from_spec(&s, &ifc), 0);
	CHECK_STR(ifc.name, "br0");
	CHECK(ifc.ether);
	CHECK(!ifc.up);
	CHECK_INT(ifc.vid, -1);
	CHECK_INT(ifc.parent, 0);
}

/* A veth's IFLA_LINK is its peer: only vlans have a parent. */
TEST(test_link_veth_peer)
{
	struct link_spec s = {
		.ifindex = 8, .name = "veth0", .type = ARPHRD_ETHER,
		.flags = IFF_UP, .hw = mac_eth0, .hwlen = 6, .mtu = 1500,
		.link = 9, .kind = "veth",
	};
	struct dhcp_iface ifc;

	CHECK_INT(from_spec(&s, &ifc), 0);
	CHECK_INT(ifc.vid, -1);
	CHECK_INT(ifc.parent, 0);
}

TEST(test_link_loopback)
{
	struct link_spec s = {
		.ifindex = 1, .name = "lo", .type = ARPHRD_LOOPBACK,
		.flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING,
		.hw = mac_zero, .hwlen = 6, .mtu = 65536,
	};
	struct dhcp_iface ifc;

	CHECK_INT(from_spec(&s, &ifc), 0);
	CHECK_STR(ifc.name, "lo");
	CHECK(!ifc.ether);
	CHECK(memcmp(ifc.mac, mac_zero, 6) == 0);
	CHECK(ifc.up);
	CHECK(ifc.loopback);
	CHECK_INT(ifc.mtu, 65536);
	CHECK_INT(ifc.vid, -1);
}

/* No hardware address (a tunnel), an Ethernet without one, and a 20-byte
 * InfiniBand one: none of them is ether and the MAC stays zero. */
TEST(test_link_no_mac)
{
	static const uint8_t ib[20] = { 0x80, 0, 0x02, 0x48 };
	struct link_spec tun = {
		.ifindex = 10, .name = "wg0", .type = ARPHRD_NONE,
		.flags = IFF_UP | IFF_POINTOPOINT | IFF_NOARP, .mtu = 1420,
		.kind = "wireguard",
	};
	struct link_spec eth = {
		.ifindex = 11, .name = "eth9", .type = ARPHRD_ETHER,
		.mtu = 1500,
	};
	struct link_spec ibs = {
		.ifindex = 12, .name = "ib0", .type = ARPHRD_INFINIBAND,
		.hw = ib, .hwlen = sizeof(ib), .mtu = 2044,
	};
	struct dhcp_iface ifc;

	CHECK_INT(from_spec(&tun, &ifc), 0);
	CHECK_STR(ifc.name, "wg0");
	CHECK(!ifc.ether);
	CHECK(memcmp(ifc.mac, mac_zero, 6) == 0);
	CHECK(ifc.up);
	CHECK_INT(ifc.mtu, 1420);
	CHECK_INT(ifc.vid, -1);

	CHECK_INT(from_spec(&eth, &ifc), 0);
	CHECK(!ifc.ether);
	CHECK(memcmp(ifc.mac, mac_zero, 6) == 0);

	CHECK_INT(from_spec(&ibs, &ifc), 0);
	CHECK(!ifc.ether);
	CHECK(memcmp(ifc.mac, mac_zero, 6) == 0);
}

/* The longest name the kernel allows fits; a link object with no index
 * or name (which the kernel never sends) is refused, ret untouched. */
TEST(test_link_names)
{
	struct link_spec s = {
		.ifindex = 13, .name = "abcdefghijklmno", .type = ARPHRD_ETHER,
		.hw = mac_eth0, .hwlen = 6, .mtu = 1500,
	};
	struct rtnl_link *bare;
	struct dhcp_iface ifc;

	CHECK_INT(from_spec(&s, &ifc), 0);
	CHECK_STR(ifc.name, "abcdefghijklmno");

	bare = rtnl_link_alloc();
	CHECK(bare != NULL);
	if (!bare)
		return;
	memset(&ifc, 0xee, sizeof(ifc));
	CHECK_INT(dhcp_iface_from_link(bare, &ifc), -EINVAL);
	rtnl_link_set_ifindex(bare, 3);
	CHECK_INT(dhcp_iface_from_link(bare, &ifc), -EINVAL);
	CHECK(untouched(&ifc));
	rtnl_link_set_name(bare, "x0");
	CHECK_INT(dhcp_iface_from_link(bare, &ifc), 0);
	CHECK_STR(ifc.name, "x0");
	rtnl_link_put(bare);
}

/* One RTM_NEWADDR: local is IFA_LOCAL, address IFA_ADDRESS, either may be
 * absent; len is the attribute length (4 or 16). */
static struct rtnl_addr *addr_msg(int family, int ifindex, int prefix,
				  const char *local, const char *address)
{
	struct ifaddrmsg ifa = {
		.ifa_family = (uint8_t)family,
		.ifa_prefixlen = (uint8_t)prefix,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = (uint32_t)ifindex,
	};
	uint8_t a[16];
	size_t len = family == AF_INET ? 4 : 16;
	struct nl_msg *msg;
	int r = 0;

	msg = nlmsg_alloc_simple(RTM_NEWADDR, 0);
	if (!msg)
		return NULL;
	r |= nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO);
	/* The kernel puts IFA_ADDRESS first, then IFA_LOCAL. */
	if (address) {
		r |= inet_pton(family, address, a) == 1 ? 0 : -1;
		r |= nla_put(msg, IFA_ADDRESS, (int)len, a);
	}
	if (local) {
		r |= inet_pton(family, local, a) == 1 ? 0 : -1;
		r |= nla_put(msg, IFA_LOCAL, (int)len, a);
	}
	r |= nla_put_string(msg, IFA_LABEL, "x");
	if (r) {
		fprintf(stderr, "test setup: cannot build address\n");
		test_failures++;
		nlmsg_free(msg);
		return NULL;
	}
	return (struct rtnl_addr *)parse(msg);
}

/* Parse and add one address message to the table. */
static void add(struct dhcp_iface *ifs, size_t n, int family, int ifindex,
		int prefix, const char *local, const char *address)
{
	struct rtnl_addr *a = addr_msg(family, ifindex, prefix, local,
				       address);

	if (!a)
		return;
	dhcp_iface_add_addr(ifs, n, a);
	rtnl_addr_put(a);
}

static void table3(struct dhcp_iface ifs[3])
{
	memset(ifs, 0, 3 * sizeof(*ifs));
	ifs[0].ifindex = 1;
	ifs[1].ifindex = 2;
	ifs[2].ifindex = 5;
	for (int i = 0; i < 3; i++)
		ifs[i].vid = -1;
}

TEST(test_addr_v4)
{
	struct dhcp_iface ifs[3];

	table3(ifs);
	add(ifs, 3, AF_INET, 2, 24, "192.0.2.2", "192.0.2.2");
	add(ifs, 3, AF_INET, 1, 8, "127.0.0.1", "127.0.0.1");
	add(ifs, 3, AF_INET, 2, 26, "198.51.100.70", "198.51.100.70");
	CHECK_INT(ifs[0].naddr, 1);
	CHECK_INT(ifs[0].addr[0].ip, 0x7f000001);
	CHECK_INT(ifs[0].addr[0].prefix, 8);
	CHECK_INT(ifs[1].naddr, 2);
	CHECK_INT(ifs[1].addr[0].ip, 0xc0000202);
	CHECK_INT(ifs[1].addr[0].prefix, 24);
	CHECK_INT(ifs[1].addr[1].ip, 0xc6336446);
	CHECK_INT(ifs[1].addr[1].prefix, 26);
	CHECK_INT(ifs[2].naddr, 0);
}

/* Point-to-point: IFA_ADDRESS is the peer, ours is IFA_LOCAL. */
TEST(test_addr_peer)
{
	struct dhcp_iface ifs[3];

	table3(ifs);
	add(ifs, 3, AF_INET, 5, 32, "10.0.0.1", "10.0.0.2");
	add(ifs, 3, AF_INET, 5, 30, "10.0.1.1", "10.0.1.2");
	CHECK_INT(ifs[2].naddr, 2);
	CHECK_INT(ifs[2].addr[0].ip, 0x0a000001);
	CHECK_INT(ifs[2].addr[0].prefix, 32);
	CHECK_INT(ifs[2].addr[1].ip, 0x0a000101);
	CHECK_INT(ifs[2].addr[1].prefix, 30);
}

/* IPv6, an unknown interface, an IPv4 prefix longer than 32, and a local
 * address of 0.0.0.0 (the kernel's "none"; libnl 3.7 also reads an IPv4
 * message without IFA_LOCAL that way) leave the table exactly as it was. */
TEST(test_addr_ignored)
{
	struct dhcp_iface ifs[3], before[3];

	table3(ifs);
	memcpy(before, ifs, sizeof(ifs));
	add(ifs, 3, AF_INET6, 2, 64, NULL, "fd00::2");
	add(ifs, 3, AF_INET6, 2, 64, "fe80::1", "fe80::1");
	add(ifs, 3, AF_INET, 9, 24, "192.0.2.9", "192.0.2.9");
	add(ifs, 3, AF_INET, 2, 33, "192.0.2.3", "192.0.2.3");
	add(ifs, 3, AF_INET, 2, 24, "0.0.0.0", "192.0.2.4");
	add(ifs, 3, AF_INET, 2, 24, NULL, "192.0.2.5");
	CHECK(memcmp(ifs, before, sizeof(ifs)) == 0);
	add(ifs, 0, AF_INET, 2, 24, "192.0.2.2", "192.0.2.2");
	CHECK(memcmp(ifs, before, sizeof(ifs)) == 0);
}

/* Past DHCP_IFACE_MAXADDR on one interface the rest is dropped, in order;
 * other interfaces still take theirs. */
TEST(test_addr_max)
{
	struct dhcp_iface ifs[3];
	char ip[32];

	table3(ifs);
	for (int i = 0; i < DHCP_IFACE_MAXADDR + 3; i++) {
		snprintf(ip, sizeof(ip), "10.1.%d.1", i);
		add(ifs, 3, AF_INET, 2, 24, ip, ip);
	}
	add(ifs, 3, AF_INET, 5, 24, "10.2.0.1", "10.2.0.1");
	CHECK_INT(ifs[1].naddr, DHCP_IFACE_MAXADDR);
	for (int i = 0; i < DHCP_IFACE_MAXADDR; i++)
		CHECK_INT(ifs[1].addr[i].ip, 0x0a010001 | (uint32_t)i << 8);
	CHECK_INT(ifs[2].naddr, 1);
	CHECK_INT(ifs[2].addr[0].ip, 0x0a020001);
}

/* ---- Live: the table against the kernel. ---- */

static int fn_calls;

static void count_calls(void *ctx)
{
	CHECK(ctx == &fn_calls);
	fn_calls++;
}

static const struct dhcp_iface *find_name(const struct dhcp_iface *ifs,
					  size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ifs[i].name, name) == 0)
			return &ifs[i];
	return NULL;
}

static bool has_addr(const struct dhcp_iface *ifc, uint32_t ip, int prefix)
{
	for (size_t i = 0; ifc && i < ifc->naddr; i++)
		if (ifc->addr[i].ip == ip && ifc->addr[i].prefix == prefix)
			return true;
	return false;
}

/* The table is sorted by index and dhcp_links_get() finds every entry. */
static void check_table_shape(const struct dhcp_links *l)
{
	const struct dhcp_iface *ifs;
	size_t n;

	ifs = dhcp_links_table(l, &n);
	for (size_t i = 0; i < n; i++) {
		if (i)
			CHECK(ifs[i - 1].ifindex < ifs[i].ifindex);
		CHECK(dhcp_links_get(l, ifs[i].ifindex) == &ifs[i]);
	}
	CHECK(dhcp_links_get(l, 0) == NULL);
	CHECK(dhcp_links_get(l, -1) == NULL);
}

/* The host's own namespace: read only. */
TEST(test_live_host)
{
	const struct dhcp_iface *ifs, *lo;
	struct dhcp_links *l = NULL;
	size_t n;

	fn_calls = 0;
	CHECK_INT(dhcp_links_open(&l, count_calls, &fn_calls), 0);
	if (!l)
		return;
	CHECK(dhcp_links_fd(l) >= 0);
	ifs = dhcp_links_table(l, &n);
	CHECK(n >= 1);
	lo = find_name(ifs, n, "lo");
	CHECK(lo != NULL);
	if (lo) {
		CHECK(lo->loopback);
		CHECK(lo->up);
		CHECK(!lo->ether);
		CHECK_INT(lo->vid, -1);
		CHECK(has_addr(lo, 0x7f000001, 8));
		CHECK(dhcp_links_get(l, lo->ifindex) == lo);
	}
	check_table_shape(l);
	CHECK_INT(fn_calls, 0);
	/* Whatever happens on the host meanwhile, a recv must succeed. */
	CHECK_INT(dhcp_links_recv(l), 0);
	dhcp_links_close(l);
	dhcp_links_close(NULL);
}

/* Wait for the socket to become readable, then process it. */
static void wait_recv(struct dhcp_links *l)
{
	struct pollfd p = { .fd = dhcp_links_fd(l), .events = POLLIN };

	CHECK_INT(poll(&p, 1, 5000), 1);
	CHECK_INT(dhcp_links_recv(l), 0);
}

/* Drops the kernel counted on the netlink socket fd, from
 * /proc/net/netlink (columns found by their header names); -1 if unknown. */
static long netlink_drops(int fd)
{
	char line[512], *tok, *save;
	int col_drops = -1, col_inode = -1, c;
	long drops = -1, v[16];
	struct stat st;
	FILE *f;

	if (fstat(fd, &st) < 0)
		return -1;
	f = fopen("/proc/net/netlink", "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		goto out;
	c = 0;
	for (tok = strtok_r(line, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save), c++) {
		if (strcmp(tok, "Drops") == 0)
			col_drops = c;
		if (strcmp(tok, "Inode") == 0)
			col_inode = c;
	}
	if (col_drops < 0 || col_inode < 0 || col_drops >= 16 ||
	    col_inode >= 16)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		c = 0;
		for (tok = strtok_r(line, " \t\n", &save); tok && c < 16;
		     tok = strtok_r(NULL, " \t\n", &save), c++)
			v[c] = strtol(tok, NULL, c == 0 ? 16 : 10);
		if (c > col_inode && (unsigned long)v[col_inode] == st.st_ino) {
			drops = v[col_drops];
			break;
		}
	}
out:
	fclose(f);
	return drops;
}

static int addr_change(struct nl_sock *sk, int ifindex, uint32_t ip,
		       int prefix)
{
	uint32_t be = htonl(ip);
	struct rtnl_addr *a;
	struct nl_addr *local;
	int r;

	a = rtnl_addr_alloc();
	local = nl_addr_build(AF_INET, &be, 4);
	if (!a || !local) {
		r = -NLE_NOMEM;
		goto out;
	}
	nl_addr_set_prefixlen(local, prefix);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, AF_INET);
	r = rtnl_addr_set_local(a, local);
	if (r == 0)
		r = rtnl_addr_add(sk, a, 0);
out:
	nl_addr_put(local);
	rtnl_addr_put(a);
	return r;
}

static int link_up(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *cur = NULL, *chg;
	int r;

	r = rtnl_link_get_kernel(sk, 0, name, &cur);
	if (r < 0)
		return r;
	chg = rtnl_link_alloc();
	if (!chg) {
		rtnl_link_put(cur);
		return -NLE_NOMEM;
	}
	rtnl_link_set_flags(chg, IFF_UP);
	r = rtnl_link_change(sk, cur, chg, 0);
	rtnl_link_put(chg);
	rtnl_link_put(cur);
	return r;
}

static int link_delete(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int r;

	if (!link)
		return -NLE_NOMEM;
	rtnl_link_set_name(link, name);
	r = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	return r;
}

/* Runs in a fresh network namespace: only a down lo to begin with. */
static void netns_steps(void)
{
	const struct dhcp_iface *ifs, *lo, *rn0, *rn1;
	struct dhcp_links *l = NULL;
	struct nl_sock *sk;
	int small = 1, before;
	size_t n;

	sk = nl_socket_alloc();
	CHECK(sk && nl_connect(sk, NETLINK_ROUTE) == 0);
	CHECK_INT(dhcp_links_open(&l, count_calls, &fn_calls), 0);
	if (!sk || !l)
		goto out;
	ifs = dhcp_links_table(l, &n);
	CHECK_INT(n, 1);
	lo = find_name(ifs, n, "lo");
	CHECK(lo && lo->loopback && !lo->up && lo->naddr == 0);

	/* Nothing pending: no reload, no callback. */
	CHECK_INT(dhcp_links_recv(l), 0);
	CHECK_INT(fn_calls, 0);

	/* lo up: the kernel gives it 127.0.0.1/8 on its own. */
	CHECK_INT(link_up(sk, "lo"), 0);
	wait_recv(l);
	CHECK_INT(fn_calls, 1);
	ifs = dhcp_links_table(l, &n);
	lo = find_name(ifs, n, "lo");
	CHECK(lo && lo->up && has_addr(lo, 0x7f000001, 8));

	/* A veth pair: two ether links, each with the other as IFLA_LINK,
	 * neither a vlan. */
	CHECK_INT(rtnl_link_veth_add(sk, "rn0", "rn1", getpid()), 0);
	wait_recv(l);
	CHECK_INT(fn_calls, 2);
	ifs = dhcp_links_table(l, &n);
	CHECK_INT(n, 3);
	rn0 = find_name(ifs, n, "rn0");
	rn1 = find_name(ifs, n, "rn1");
	CHECK(rn0 && rn0->ether && !rn0->up && rn0->vid == -1 &&
	      rn0->parent == 0 && rn0->mtu == 1500);
	CHECK(rn1 && rn1->ether && rn1->vid == -1 && rn1->parent == 0);
	check_table_shape(l);

	/* An address. */
	CHECK_INT(addr_change(sk, rn0 ? rn0->ifindex : 0, 0x0a090807, 24), 0);
	wait_recv(l);
	CHECK_INT(fn_calls, 3);
	ifs = dhcp_links_table(l, &n);
	rn0 = find_name(ifs, n, "rn0");
	CHECK(rn0 && rn0->naddr == 1 && has_addr(rn0, 0x0a090807, 24));

	/* Overrun: with the smallest receive buffer, twenty notifications
	 * cannot all queue; the kernel reports ENOBUFS and the table still
	 * ends right (and capped at DHCP_IFACE_MAXADDR). */
	CHECK_INT(setsockopt(dhcp_links_fd(l), SOL_SOCKET, SO_RCVBUF, &small,
			     sizeof(small)), 0);
	rn1 = find_name(ifs, n, "rn1");
	for (int i = 0; rn1 && i < 20; i++)
		CHECK_INT(addr_change(sk, rn1->ifindex,
				      0x0a0a0001 | (uint32_t)i << 8, 24), 0);
	CHECK(netlink_drops(dhcp_links_fd(l)) > 0);
	before = fn_calls;
	wait_recv(l);
	CHECK_INT(fn_calls, before + 1);
	ifs = dhcp_links_table(l, &n);
	rn1 = find_name(ifs, n, "rn1");
	CHECK(rn1 && rn1->naddr == DHCP_IFACE_MAXADDR);
	CHECK(rn1 && has_addr(rn1, 0x0a0a0001, 24));
	/* Nothing left over after the overrun. */
	before = fn_calls;
	CHECK_INT(dhcp_links_recv(l), 0);
	CHECK_INT(fn_calls, before);

	/* Deleting one end takes both. */
	CHECK_INT(link_delete(sk, "rn0"), 0);
	before = fn_calls;
	wait_recv(l);
	CHECK_INT(fn_calls, before + 1);
	ifs = dhcp_links_table(l, &n);
	CHECK_INT(n, 1);
	CHECK(find_name(ifs, n, "rn0") == NULL);
	CHECK(find_name(ifs, n, "rn1") == NULL);
out:
	dhcp_links_close(l);
	nl_socket_free(sk);
}

/* Fork, unshare the network namespace in the child and run the steps
 * there; the host's namespace is never touched. */
TEST(test_live_netns)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0) {
			fprintf(stderr, "test_live_netns: unshare: %s, "
				"skipped\n", strerror(errno));
			_exit(77);
		}
		fn_calls = 0;
		test_failures = 0;
		netns_steps();
		fflush(NULL);
		exit(test_failures ? 1 : 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		return;
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
}

int main(void)
{
	RUN(test_link_vlan);
	RUN(test_link_vlan_vid_range);
	RUN(test_link_vlan_qinq);
	RUN(test_link_vlan_other_netns);
	RUN(test_link_ether);
	RUN(test_link_bridge);
	RUN(test_link_veth_peer);
	RUN(test_link_loopback);
	RUN(test_link_no_mac);
	RUN(test_link_names);
	RUN(test_addr_v4);
	RUN(test_addr_peer);
	RUN(test_addr_ignored);
	RUN(test_addr_max);
	RUN(test_live_host);
	RUN(test_live_netns);
	return test_done();
}
