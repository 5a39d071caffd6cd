/*
 * dhcpd's table of the host's interfaces, kept current from rtnetlink.
 *
 * Two libnl sockets: one joined to RTNLGRP_LINK and RTNLGRP_IPV4_IFADDR,
 * non-blocking, whose fd the caller polls; one for request/dump. A
 * notification is only a wake-up: dhcp_links_recv() drains the first
 * socket, then dumps links and addresses on the second and rebuilds the
 * whole table. With a few hundred interfaces a dump costs well under a
 * millisecond, and there is no incremental state to drift: a lost
 * notification (ENOBUFS) or a burst of them costs one dump, like any other.
 * Joining the groups before the first dump means no change can fall between
 * the dump and the subscription.
 *
 * dhcp_iface_from_link() and dhcp_iface_add_addr() are the pure half: libnl
 * objects in, struct dhcp_iface out, no sockets, so tests drive them with
 * netlink messages built by hand.
 */
#include "dhcp_link.h"

#include <errno.h>
#include <limits.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vlan.h>

/* The highest VID the kernel accepts for a vlan link (4095 is reserved). */
#define DHCP_VID_MAX 4094
/* Notifications read per dhcp_links_recv(): a host that churns links
 * without pause cannot hold dhcpd in one call; the rest stays readable. */
#define DHCP_LINKS_DRAIN_MAX 4096
/* Consistent-dump retries when the kernel reports NLM_F_DUMP_INTR. */
#define DHCP_LINKS_DUMP_TRIES 5
/* Receive buffer for notifications (the kernel caps it at rmem_max). */
#define DHCP_LINKS_RCVBUF (1 << 20)

struct dhcp_links {
	struct nl_sock *mon;	/* multicast notifications, polled */
	struct nl_sock *req;	/* dumps */
	dhcp_links_fn fn;
	void *ctx;
	struct dhcp_iface *ifs;	/* sorted by ifindex */
	size_t n;
	bool stale;		/* the last reload failed: retry on next recv */
};

/* libnl's NLE_* codes to the negative errno our callers expect. */
static int nl_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
	case NLE_DUMP_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_PROTO_MISMATCH:
	case NLE_AF_NOSUPPORT:
		return -EPROTONOSUPPORT;
	case NLE_INVAL:
	case NLE_RANGE:
		return -EINVAL;
	default:
		return -EIO;
	}
}

int dhcp_iface_from_link(struct rtnl_link *link, struct dhcp_iface *ret)
{
	struct dhcp_iface ifc;
	struct nl_addr *hw;
	const char *name;
	unsigned int flags, mtu;
	int32_t nsid;
	int ifindex;

	ifindex = rtnl_link_get_ifindex(link);
	name = rtnl_link_get_name(link);
	if (ifindex <= 0 || !name || !name[0] ||
	    strnlen(name, IF_NAMESIZE) >= IF_NAMESIZE)
		return -EINVAL;

	/* Zeroed as a whole, padding included: tables are compared with
	 * memcmp to decide whether anything changed. */
	memset(&ifc, 0, sizeof(ifc));
	ifc.ifindex = ifindex;
	memcpy(ifc.name, name, strlen(name) + 1);

	hw = rtnl_link_get_addr(link);
	if (rtnl_link_get_arptype(link) == ARPHRD_ETHER && hw &&
	    nl_addr_get_len(hw) == sizeof(ifc.mac)) {
		memcpy(ifc.mac, nl_addr_get_binary_addr(hw), sizeof(ifc.mac));
		ifc.ether = true;
	}

	flags = rtnl_link_get_flags(link);
	ifc.up = flags & IFF_UP;
	ifc.loopback = flags & IFF_LOOPBACK;
	mtu = rtnl_link_get_mtu(link);
	ifc.mtu = mtu > INT_MAX ? INT_MAX : (int)mtu;

	ifc.vid = -1;
	ifc.parent = 0;
	/* Any "vlan" link, 802.1Q or 802.1ad alike: both are one tag the
	 * kernel adds on the parent. An out-of-range VID is no VLAN we could
	 * map, and calling it untagged would be worse: refuse the link. */
	if (rtnl_link_is_vlan(link)) {
		int vid = rtnl_link_vlan_get_id(link);

		if (vid < 0 || vid > DHCP_VID_MAX)
			return -EINVAL;
		ifc.vid = vid;
		/* With IFLA_LINK_NETNSID the lower device lives in another
		 * namespace and its index means nothing in ours. */
		if (rtnl_link_get_link_netnsid(link, &nsid) < 0 &&
		    rtnl_link_get_link(link) > 0)
			ifc.parent = rtnl_link_get_link(link);
	}

	*ret = ifc;
	return 0;
}

void dhcp_iface_add_addr(struct dhcp_iface *ifs, size_t n,
			 struct rtnl_addr *addr)
{
	struct nl_addr *local;
	const uint8_t *b;
	int ifindex, prefix;
	uint32_t ip;

	if (rtnl_addr_get_family(addr) != AF_INET)
		return;
	/* libnl's "local" is IFA_LOCAL when present, else IFA_ADDRESS: on a
	 * point-to-point link IFA_ADDRESS is the peer, not ours. */
	local = rtnl_addr_get_local(addr);
	prefix = rtnl_addr_get_prefixlen(addr);
	if (!local || nl_addr_get_len(local) != 4 || prefix < 0 || prefix > 32)
		return;
	ifindex = rtnl_addr_get_ifindex(addr);
	b = nl_addr_get_binary_addr(local);
	ip = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	     (uint32_t)b[2] << 8 | b[3];
	/* 0.0.0.0 is how the kernel says "no local address". */
	if (ip == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct dhcp_iface *ifc = &ifs[i];

		if (ifc->ifindex != ifindex)
			continue;
		if (ifc->naddr >= DHCP_IFACE_MAXADDR)
			return;
		ifc->addr[ifc->naddr].ip = ip;
		ifc->addr[ifc->naddr].prefix = (uint8_t)prefix;
		ifc->naddr++;
		return;
	}
}

static int iface_cmp(const void *a, const void *b)
{
	const struct dhcp_iface *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

/* A dump the kernel marks inconsistent (a change raced it) is retried. */
static int links_dump(struct nl_sock *sk, bool addrs, struct nl_cache **ret)
{
	int r = -NLE_DUMP_INTR;

	for (int i = 0; i < DHCP_LINKS_DUMP_TRIES && r == -NLE_DUMP_INTR; i++)
		r = addrs ? rtnl_addr_alloc_cache(sk, ret)
			  : rtnl_link_alloc_cache(sk, AF_UNSPEC, ret);
	return r < 0 ? nl_to_errno(r) : 0;
}

/* Dump links and addresses into a fresh table sorted by ifindex. Links
 * libnl or we cannot make sense of are left out rather than failing the
 * whole table. */
static int links_load(struct nl_sock *sk, struct dhcp_iface **ret_ifs,
		      size_t *ret_n)
{
	struct nl_cache *links, *addrs;
	struct nl_object *o;
	struct dhcp_iface *ifs;
	size_t n = 0;
	int r;

	r = links_dump(sk, false, &links);
	if (r < 0)
		return r;
	ifs = calloc((size_t)nl_cache_nitems(links) + 1, sizeof(*ifs));
	if (!ifs) {
		r = -ENOMEM;
		goto out_links;
	}
	for (o = nl_cache_get_first(links); o; o = nl_cache_get_next(o))
		if (dhcp_iface_from_link((struct rtnl_link *)o, &ifs[n]) == 0)
			n++;
	qsort(ifs, n, sizeof(*ifs), iface_cmp);

	r = links_dump(sk, true, &addrs);
	if (r < 0)
		goto out_ifs;
	for (o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o))
		dhcp_iface_add_addr(ifs, n, (struct rtnl_addr *)o);
	nl_cache_free(addrs);
	nl_cache_free(links);
	*ret_ifs = ifs;
	*ret_n = n;
	return 0;

out_ifs:
	free(ifs);
out_links:
	nl_cache_free(links);
	return r;
}

static int links_open_mon(struct nl_sock **ret)
{
	struct nl_sock *sk;
	int r;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	/* Notifications carry the kernel's sequence numbers, not ours. */
	nl_socket_disable_seq_check(sk);
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		goto out_sock;
	r = nl_socket_set_buffer_size(sk, DHCP_LINKS_RCVBUF, 0);
	if (r < 0)
		goto out_sock;
	r = nl_socket_add_memberships(sk, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
				      0);
	if (r < 0)
		goto out_sock;
	r = nl_socket_set_nonblocking(sk);
	if (r < 0)
		goto out_sock;
	*ret = sk;
	return 0;

out_sock:
	nl_socket_free(sk);
	return nl_to_errno(r);
}

static int links_open_req(struct nl_sock **ret)
{
	struct nl_sock *sk;
	int r;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return nl_to_errno(r);
	}
	*ret = sk;
	return 0;
}

int dhcp_links_open(struct dhcp_links **ret, dhcp_links_fn fn, void *ctx)
{
	struct dhcp_links *l;
	int r;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fn = fn;
	l->ctx = ctx;
	r = links_open_mon(&l->mon);
	if (r < 0)
		goto out_free;
	r = links_open_req(&l->req);
	if (r < 0)
		goto out_mon;
	r = links_load(l->req, &l->ifs, &l->n);
	if (r < 0)
		goto out_req;
	*ret = l;
	return 0;

out_req:
	nl_socket_free(l->req);
out_mon:
	nl_socket_free(l->mon);
out_free:
	free(l);
	return r;
}

void dhcp_links_close(struct dhcp_links *l)
{
	if (!l)
		return;
	free(l->ifs);
	nl_socket_free(l->req);
	nl_socket_free(l->mon);
	free(l);
}

int dhcp_links_fd(const struct dhcp_links *l)
{
	return nl_socket_get_fd(l->mon);
}

/* Read and drop every pending notification; *ret_any says whether there
 * was one (or an overrun, which means there were more). Datagrams from
 * anyone but the kernel are dropped without counting: a local process must
 * not be able to make us dump in a loop. */
static int links_drain(struct dhcp_links *l, bool *ret_any)
{
	int fd = nl_socket_get_fd(l->mon);
	bool any = false;

	for (int i = 0; i < DHCP_LINKS_DRAIN_MAX; i++) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		char buf[64];
		ssize_t k;

		memset(&from, 0, sizeof(from));
		/* The content does not matter: MSG_TRUNC drops the rest. */
		k = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &fromlen);
		if (k >= 0) {
			if (fromlen >= sizeof(from) &&
			    from.nl_family == AF_NETLINK && from.nl_pid == 0)
				any = true;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS) {
			any = true;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		*ret_any = any;
		return -errno;
	}
	*ret_any = any;
	return 0;
}

int dhcp_links_recv(struct dhcp_links *l)
{
	struct dhcp_iface *ifs;
	bool any, changed;
	size_t n;
	int r;

	r = links_drain(l, &any);
	if (any)
		l->stale = true;
	if (r < 0)
		return r;
	if (!l->stale)
		return 0;
	r = links_load(l->req, &ifs, &n);
	if (r < 0)
		return r;	/* old table kept, still stale */
	l->stale = false;
	changed = n != l->n ||
		  (n && memcmp(ifs, l->ifs, n * sizeof(*ifs)) != 0);
	if (!changed) {
		free(ifs);
		return 0;
	}
	free(l->ifs);
	l->ifs = ifs;
	l->n = n;
	if (l->fn)
		l->fn(l->ctx);
	return 0;
}

const struct dhcp_iface *dhcp_links_table(const struct dhcp_links *l,
					  size_t *ret_n)
{
	*ret_n = l->n;
	return l->ifs;
}

const struct dhcp_iface *dhcp_links_get(const struct dhcp_links *l,
					int ifindex)
{
	struct dhcp_iface key;

	key.ifindex = ifindex;
	if (!l->n)
		return NULL;
	return bsearch(&key, l->ifs, l->n, sizeof(*l->ifs), iface_cmp);
}
