/*
 * The request handler: RFC 2131's server side over IPAM. One packet in,
 * at most one reply (or an address to check) out; every lease decision
 * is an IPAM write inside the caller's group-commit transaction, so the
 * daemon sends nothing until that transaction is durable.
 */
#include "dhcp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dhcp_boot.h"
#include "dhcp_probe.h"
#include "log.h"

#define MAX_CAND 16

struct ctx {
	struct dhcp_server *s;
	const struct dhcp_view *v;
	const struct dhcp_rx *rx;
	const struct dhcp_msg *m;
	struct dhcp_out *out;
	int64_t now;
	const struct dhcp_netif *nif;
	bool routed;		/* via a relay, or unicast from a client's
				 * address: our address is the one it used */
	const struct dhcp_subnet *cand[MAX_CAND];	/* primary first */
	size_t ncand;
	struct ipam_client client;
	char mac[MAC_STRLEN];
	char where[96];		/* "on eth0 (lab/0)": see where() */
};

static const char *ip4(uint32_t ip, char *buf)
{
	uint32_t n = htonl(ip);

	return inet_ntop(AF_INET, &n, buf, INET_ADDRSTRLEN);
}

/* Where the packet came from, for log lines: "on eth0", "via 10.1.0.1"
 * (a relay) or "from 10.0.0.5" (a client's address), then the VLAN once
 * it is known. Formatted when first said: most packets say nothing. */
static const char *where(struct ctx *c)
{
	char a[INET_ADDRSTRLEN];
	int n;

	if (c->where[0])
		return c->where;
	if (c->routed)
		n = snprintf(c->where, sizeof(c->where), "%s %s",
			     c->m->giaddr ? "via" : "from",
			     ip4(c->m->giaddr ? c->m->giaddr : c->m->ciaddr, a));
	else
		n = snprintf(c->where, sizeof(c->where), "on %s",
			     c->nif ? c->nif->k.name : "an unserved interface");
	if (c->ncand && n > 0 && (size_t)n < sizeof(c->where))
		snprintf(c->where + n, sizeof(c->where) - (size_t)n, " (%s)",
			 c->cand[0]->vlan);
	return c->where;
}

static bool in_subnet(const struct dhcp_subnet *s, uint32_t ip)
{
	return (ip & s->mask) == s->net;
}

static const struct dhcp_subnet *cand_of(const struct ctx *c, uint32_t ip)
{
	for (size_t i = 0; i < c->ncand; i++)
		if (in_subnet(c->cand[i], ip))
			return c->cand[i];
	return NULL;
}

/* Our address facing the client on subnet sn (its server identifier). */
static uint32_t our_ip(const struct ctx *c, const struct dhcp_subnet *sn)
{
	if (c->routed)
		return c->rx->local_ip ? c->rx->local_ip :
		       (c->nif->k.naddr ? c->nif->k.addr[0].ip : 0);
	for (size_t i = 0; i < c->nif->k.naddr; i++)
		if (in_subnet(sn, c->nif->k.addr[i].ip))
			return c->nif->k.addr[i].ip;
	return 0;
}

static bool is_ours(const struct ctx *c, uint32_t ip)
{
	return ip == c->rx->local_ip || dhcp_view_is_ours(c->v, ip);
}

static void drop(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void drop(struct ctx *c, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	c->s->counters->dropped++;
	if (!log_enabled(LL_DEBUG))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_debug("%s from %s %s dropped: %s", dhcp_type_name(c->m->type),
		  c->mac, where(c), text);
}

/* A problem that lasts (the database locked, full, read-only) fails
 * every packet: said when it changes, else once a minute with how many
 * more it failed. */
static void db_error(struct ctx *c, const char *what)
{
	uint64_t more;
	char also[96] = "";

	c->s->counters->db_errors++;
	if (!log_limit_now(&c->s->db_said, 1,
			   log_limit_key(ipam_error(c->s->db)), c->now, &more))
		return;
	if (more)
		snprintf(also, sizeof(also), " (and %llu more database errors "
			 "since this was last said)", (unsigned long long)more);
	log_error("%s for %s %s: %s%s", what, c->mac, where(c),
		  ipam_error(c->s->db), also);
}


/* A unicast to one of our addresses (not a broadcast) from a client
 * that has an address: a RENEWING client or a RELEASE, maybe routed from
 * another network, identified by ciaddr (RFC 2131 4.3.2). */
static bool unicast_from_client(const struct ctx *c)
{
	const struct dhcp_rx *rx = c->rx;

	if (c->m->giaddr || !c->m->ciaddr || !rx->dst_ip ||
	    rx->dst_ip == 0xffffffff)
		return false;
	for (size_t i = 0; i < c->v->nsubnets; i++)
		if (rx->dst_ip == c->v->subnets[i].broadcast)
			return false;
	return true;
}

/*
 * Which network the packet belongs to: relayed, the subnet holding giaddr
 * and the other subnets of its VLAN (a shared network); unicast from a
 * client's address, the subnet holding ciaddr (and its VLAN's others);
 * otherwise the subnets of the receiving interface's VLAN it has an
 * address in.
 */
static bool choose_network(struct ctx *c)
{
	const struct dhcp_view *v = c->v;
	const struct dhcp_subnet *primary = NULL;
	uint32_t key = c->m->giaddr ? c->m->giaddr : c->m->ciaddr;
	char a[INET_ADDRSTRLEN];

	c->nif = dhcp_view_netif(v, c->rx->ifindex);
	if (!c->nif) {
		drop(c, "interface index %d is not served", c->rx->ifindex);
		return false;
	}
	c->routed = c->m->giaddr || unicast_from_client(c);
	if (c->routed) {
		for (size_t i = 0; i < v->nsubnets && !primary; i++)
			if (in_subnet(&v->subnets[i], key))
				primary = &v->subnets[i];
		if (!primary) {
			drop(c, "no subnet holds %s address %s",
			     c->m->giaddr ? "relay" : "client", ip4(key, a));
			return false;
		}
		c->cand[c->ncand++] = primary;
		for (size_t i = 0; i < v->nsubnets && c->ncand < MAX_CAND; i++)
			if (v->subnets[i].vlan_id == primary->vlan_id &&
			    &v->subnets[i] != primary)
				c->cand[c->ncand++] = &v->subnets[i];
	} else {
		if (!c->nif->served) {
			drop(c, "%s is on no served subnet", c->nif->k.name);
			return false;
		}
		for (size_t j = 0; j < c->nif->k.naddr; j++)
			for (size_t i = 0; i < v->nsubnets &&
			     c->ncand < MAX_CAND; i++) {
				const struct dhcp_subnet *sn = &v->subnets[i];
				bool dup = false;

				if (sn->vlan_id != c->nif->vlan_id ||
				    !in_subnet(sn, c->nif->k.addr[j].ip))
					continue;
				for (size_t k = 0; k < c->ncand; k++)
					dup |= c->cand[k] == sn;
				if (!dup)
					c->cand[c->ncand++] = sn;
			}
		if (c->ncand == 0) {
			drop(c, "%s is on no served subnet", c->nif->k.name);
			return false;
		}
	}
	if (!c->cand[0]->dhcp) {
		drop(c, "DHCP is off on VLAN %s", c->cand[0]->vlan);
		return false;
	}
	for (size_t i = 0; i < c->s->nstopped; i++)
		if (c->s->stopped[i] == c->cand[0]->vlan_id) {
			c->s->counters->stopped++;
			drop(c, "DHCP is stopped on VLAN %s while a competing "
			     "server is active there", c->cand[0]->vlan);
			return false;
		}
	return true;
}

/* A client's REQUEST names a server that is not ours: another DHCP
 * server answers on this network (passive detection, no traffic). */
static void heard_request(struct ctx *c)
{
	const struct dhcp_netif *nif = dhcp_view_netif(c->v, c->rx->ifindex);
	struct ipam_dhcp_seen seen = {
		.ifname = nif ? nif->k.name : "",
		.vlan_id = nif ? nif->vlan_id : 0,
		.via = "request",
	};

	if (!c->s->heard)
		return;
	if (c->m->giaddr)
		for (size_t i = 0; i < c->v->nsubnets; i++)
			if (in_subnet(&c->v->subnets[i], c->m->giaddr))
				seen.vlan_id = c->v->subnets[i].vlan_id;
	ip_set_v4(&seen.server_id, c->m->server_id);
	if (c->m->giaddr)
		ip_set_v4(&seen.src_ip, c->m->giaddr);
	c->s->counters->heard++;
	c->s->heard(c->s->heard_ctx, c->rx->ifindex, &seen);
}

/* Option data that must live until the reply is built. */
struct optbuf {
	uint8_t mask[4], router[4], bcast[4], mtu[2];
	uint8_t lease[4], t1[4], t2[4];
	uint8_t dns[4 * DHCP_MAX_ADDRS], ntp[4 * DHCP_MAX_ADDRS];
	char msg[128];
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The list, or our own address when IPAM names none. */
static size_t addr_list(uint8_t *out, const uint32_t *ips, int n,
			uint32_t self)
{
	if (n == 0) {
		put32(out, self);
		return self ? 4 : 0;
	}
	for (int i = 0; i < n; i++)
		put32(out + 4 * i, ips[i]);
	return 4 * (size_t)n;
}

static void subnet_options(struct dhcp_reply *r, struct optbuf *b,
			   const struct dhcp_subnet *sn, uint32_t self,
			   uint32_t lease)
{
	size_t n;

	put32(b->mask, sn->mask);
	dhcp_reply_add(r, DHO_SUBNET_MASK, true, b->mask, 4);
	if (sn->gateway) {
		put32(b->router, sn->gateway);
		dhcp_reply_add(r, DHO_ROUTER, true, b->router, 4);
	}
	n = addr_list(b->dns, sn->dns, sn->ndns, self);
	if (n)
		dhcp_reply_add(r, DHO_DNS, true, b->dns, n);
	if (sn->domain[0])
		dhcp_reply_add(r, DHO_DOMAIN, true, sn->domain,
			       strlen(sn->domain));
	if (sn->search_len > 0)
		dhcp_reply_add(r, DHO_DOMAIN_SEARCH, false, sn->search,
			       (size_t)sn->search_len);
	n = addr_list(b->ntp, sn->ntp, sn->nntp, self);
	if (n)
		dhcp_reply_add(r, DHO_NTP, false, b->ntp, n);
	put32(b->bcast, sn->broadcast);
	dhcp_reply_add(r, DHO_BROADCAST, true, b->bcast, 4);
	if (sn->mtu >= 68 && sn->mtu <= 65535) {
		b->mtu[0] = (uint8_t)(sn->mtu >> 8);
		b->mtu[1] = (uint8_t)sn->mtu;
		dhcp_reply_add(r, DHO_MTU, false, b->mtu, 2);
	}
	if (lease) {
		put32(b->lease, lease);
		put32(b->t1, lease / 2);
		put32(b->t2, (uint32_t)((uint64_t)lease * 7 / 8));
		dhcp_reply_add(r, DHO_LEASE_TIME, true, b->lease, 4);
		dhcp_reply_add(r, DHO_T1, true, b->t1, 4);
		dhcp_reply_add(r, DHO_T2, true, b->t2, 4);
	}
}

/* Where the reply goes (RFC 2131 4.1, "if the giaddr field ..."). */
static void route(struct ctx *c, int type, uint32_t yiaddr, uint32_t self)
{
	const struct dhcp_msg *m = c->m;
	struct dhcp_out *o = c->out;

	o->ifindex = c->rx->ifindex;
	o->src_ip = self;
	if (m->giaddr) {
		o->route = DHCP_TO_RELAY;
		o->dst_ip = m->giaddr;
	} else if (type == DHCP_NAK) {
		o->route = DHCP_TO_BROADCAST;
		o->dst_ip = 0xffffffff;
	} else if (m->ciaddr) {
		o->route = DHCP_TO_CLIENT_IP;
		o->dst_ip = m->ciaddr;
	} else if ((m->flags & DHCP_FLAG_BROADCAST) || !yiaddr) {
		o->route = DHCP_TO_BROADCAST;
		o->dst_ip = 0xffffffff;
	} else {
		o->route = DHCP_TO_HWADDR;
		o->dst_ip = yiaddr;
		memcpy(o->dst_mac, m->chaddr, 6);
	}
}

/*
 * A boot client's boot file (dhcp_boot.h): the entry for its architecture
 * on this subnet, or its boot profile's own; none for a host whose profile
 * is "local" (it boots from disk). Other clients leave at the first test,
 * so everyone else's exchange costs nothing more. Writes what to add to
 * the log line into `say` ("" for a client that is not booting).
 */
static void boot_options(struct ctx *c, struct dhcp_reply *r,
			 struct dhcp_boot_opts *b, const struct dhcp_subnet *sn,
			 uint32_t self, char *say, size_t size)
{
	struct ipam_machine *mach = &c->s->machine;
	struct dhcp_boot_client bc;
	const char *table[IPAM_BOOT_ARCH_MAX];
	char file[IPAM_BOOTFILE_MAX + 1];
	char arch[32];
	int k;

	say[0] = '\0';
	if (!dhcp_boot_maybe(c->m) || !sn->boot)
		return;
	dhcp_boot_classify(c->m, &bc);
	if (!bc.boot)
		return;
	dhcp_boot_describe(&bc, arch, sizeof(arch));
	if (bc.entry < 0) {
		snprintf(say, size, ", no boot file: nothing in the boot table "
			 "runs on %s", arch);
		return;
	}
	k = ipam_machine_by_mac(c->s->db, &c->client.mac, c->now, mach);
	if (k >= 0 && !strcmp(mach->profile, "local")) {
		snprintf(say, size, ", no boot file (%s): boot profile local",
			 arch);
		return;
	}
	if (k < 0) {
		db_error(c, "boot profile lookup");
		snprintf(say, size, ", no boot file: IPAM lookup failed");
		return;
	}
	for (int a = 0; a < IPAM_BOOT_ARCH_MAX; a++)
		table[a] = sn->boot->file[a];
	k = dhcp_boot_file(&bc, table, mach->bootfile, self, c->v->boot_http_port, file,
			   sizeof(file));
	if (k < 0) {
		snprintf(say, size, ", no boot file (%s): %s", arch,
			 k == -ENAMETOOLONG ? "longer than 127 bytes once "
			 "expanded" : k == -ENOENT ? "no entry" :
			 "bad variable");
		return;
	}
	dhcp_boot_reply(r, b, &bc, file, self);
	snprintf(say, size, " boot %s (%s%s%s)", file, arch,
		 mach->bootfile[0] && bc.entry != IPAM_BOOT_IPXE ?
		 ", profile " : "",
		 mach->bootfile[0] && bc.entry != IPAM_BOOT_IPXE ?
		 mach->profile : "");
}

/* Build an OFFER, ACK or NAK into c->out. */
static void reply(struct ctx *c, int type, const struct dhcp_subnet *sn,
		  uint32_t yiaddr, uint32_t lease, const char *nak_why)
{
	const struct dhcp_msg *m = c->m;
	uint32_t self = our_ip(c, sn);
	struct dhcp_reply r = {
		.type = type, .yiaddr = yiaddr, .server_id = self,
	};
	struct optbuf b;
	struct dhcp_boot_opts bo;
	size_t cap = DHCP_MAX_LEN;
	int len, dropped = 0;
	char a[INET_ADDRSTRLEN], boot[IPAM_BOOTFILE_MAX + 128];

	boot[0] = '\0';
	if (type == DHCP_ACK)
		r.ciaddr = m->ciaddr;
	if (type == DHCP_NAK) {
		snprintf(b.msg, sizeof(b.msg), "%s", nak_why);
		dhcp_reply_add(&r, DHO_MESSAGE, true, b.msg, strlen(b.msg));
	} else {
		subnet_options(&r, &b, sn, self, lease);
		boot_options(c, &r, &bo, sn, self, boot, sizeof(boot));
	}
	if (!m->giaddr && c->nif->k.mtu > DHCP_IPUDP_LEN)
		cap = (size_t)c->nif->k.mtu - DHCP_IPUDP_LEN;
	len = dhcp_build(&r, m, c->out->buf, dhcp_max_reply(m, cap), &dropped);
	if (len < 0) {
		drop(c, "the reply does not fit in the client's maximum size");
		return;
	}
	if (dropped)
		log_debug("%d options left out of the reply to %s: too long",
			  dropped, c->mac);
	c->out->action = DHCP_SEND;
	c->out->len = (size_t)len;
	route(c, type, yiaddr, self);
	c->s->counters->tx[type]++;
	/* The exchange's log line, said when sent; costly, so only when
	 * someone reads it (send errors fall back to a shorter line). */
	if (!log_enabled(LL_INFO))		/* for a send error */
		stpcpy(stpcpy(stpcpy(stpcpy(c->out->note, "DHCP"),
				     dhcp_type_name(type)), " to "), c->mac);
	else if (type == DHCP_NAK)
		snprintf(c->out->note, sizeof(c->out->note), "DHCPNAK to %s %s: "
			 "%s", c->mac, where(c), nak_why);
	else if (snprintf(c->out->note, sizeof(c->out->note), "DHCP%s %s to "
			  "%s %s%s%s", dhcp_type_name(type),
			  yiaddr ? ip4(yiaddr, a) : "(inform)", c->mac,
			  where(c), m->hostname[0] ? " hostname " : "",
			  m->hostname) > 0 && boot[0]) {
		size_t n = strlen(c->out->note);

		snprintf(c->out->note + n, sizeof(c->out->note) - n, "%s", boot);
	}
}

static uint32_t lease_secs(const struct ctx *c, const struct dhcp_subnet *sn)
{
	uint32_t t = sn->lease_time ? sn->lease_time : 3600;

	/* A client may ask for less (option 51), never for more. */
	if (c->m->lease_time >= 60 && c->m->lease_time < t)
		t = c->m->lease_time;
	return t;
}

/* The subnet among the candidates where the client already holds an
 * address, so a shared network does not move it around. */
static const struct dhcp_subnet *held_on(struct ctx *c, struct ipam_lease *l)
{
	for (size_t i = 0; i < c->ncand; i++) {
		int r = ipam_lease_find(c->s->db, c->cand[i]->id, &c->client,
					c->now, l);

		if (r > 0)
			return c->cand[i];
		if (r < 0)
			db_error(c, "lease lookup");
	}
	return NULL;
}

/* A DISCOVER is answered with an address held for DHCP_OFFER_SECS. Another
 * racknet's probe for competing servers gets the address it would have,
 * held for nobody and not pinged: a probe never takes from the pool. */
static void on_discover(struct ctx *c)
{
	const struct dhcp_subnet *order[MAX_CAND], *sn = NULL;
	bool probe = dhcp_probe_is(c->m);
	struct ip_addr want;
	struct ipam_lease l;
	size_t n = 0;
	int r = -ENOSPC;

	if (c->ncand > 1 && (sn = held_on(c, &l)) != NULL)
		order[n++] = sn;
	for (size_t i = 0; i < c->ncand; i++)
		if (c->cand[i] != sn)
			order[n++] = c->cand[i];
	ip_set_v4(&want, c->m->requested_ip);
	for (size_t i = 0; i < n && r == -ENOSPC; i++) {
		sn = order[i];
		r = ipam_lease_alloc(c->s->db, sn->id, &c->client,
				     c->m->requested_ip ? &want : NULL,
				     DHCP_OFFER_SECS, c->now, IPAM_ALLOC_OFFER |
				     (probe ? IPAM_ALLOC_DRYRUN : 0), &l);
	}
	if (r == -ENOSPC) {
		uint64_t more = 0;
		char also[64] = "";

		c->s->counters->exhausted++;
		if (!log_limit_now(c->s->exhausted, DHCP_EXHAUSTED_SLOTS,
				   c->cand[0]->id, c->now, &more))
			return;
		if (more)
			snprintf(also, sizeof(also), " (and %llu more since "
				 "this was last said)", (unsigned long long)more);
		log_warn("pool exhausted on %s: no address for %s %s%s",
			 c->cand[0]->text, c->mac, where(c), also);
		return;
	}
	if (r < 0) {
		db_error(c, "cannot offer an address");
		return;
	}
	if (l.fresh && !probe && c->v->ping_check && !c->rx->ping_done &&
	    c->rx->pings_answered < DHCP_PING_TRIES) {
		c->out->action = DHCP_PING;
		c->out->ping_ip = ip_v4(&l.ip);
		c->out->ping_subnet = sn->id;
		c->s->counters->pings++;
		return;
	}
	reply(c, DHCP_OFFER, sn, ip_v4(&l.ip), lease_secs(c, sn), NULL);
	if (probe && c->out->action == DHCP_SEND)
		strncat(c->out->note, " (a probe for DHCP servers: not held)",
			sizeof(c->out->note) - strlen(c->out->note) - 1);
}

/* Grant exactly `ip` on sn (ACK) or say why not (NAK). */
static void grant(struct ctx *c, const struct dhcp_subnet *sn, uint32_t ip)
{
	struct ip_addr want;
	struct ipam_lease l;
	uint32_t secs = lease_secs(c, sn);
	int r;

	ip_set_v4(&want, ip);
	r = ipam_lease_alloc(c->s->db, sn->id, &c->client, &want, secs, c->now,
			     IPAM_ALLOC_EXACT, &l);
	if (r == 0)
		reply(c, DHCP_ACK, sn, ip, secs, NULL);
	else if (r == -EADDRNOTAVAIL)
		reply(c, DHCP_NAK, sn, 0, 0, ipam_error(c->s->db));
	else
		db_error(c, "cannot record the lease");
}

static void on_request(struct ctx *c)
{
	const struct dhcp_msg *m = c->m;
	const struct dhcp_subnet *sn;
	struct ipam_lease l;
	char a[INET_ADDRSTRLEN];

	if (m->server_id) {
		/* SELECTING: the client answers an offer, ours or not. */
		uint32_t ip = m->requested_ip ? m->requested_ip : m->ciaddr;

		if (!is_ours(c, m->server_id)) {
			drop(c, "the client chose server %s",
			     ip4(m->server_id, a));
			return;
		}
		sn = cand_of(c, ip);
		if (!sn) {
			reply(c, DHCP_NAK, c->cand[0], 0, 0,
			      "requested address is not on this network");
			return;
		}
		grant(c, sn, ip);
	} else if (m->requested_ip) {
		/* INIT-REBOOT: the client checks the address it remembers. */
		sn = cand_of(c, m->requested_ip);
		if (!sn) {
			reply(c, DHCP_NAK, c->cand[0], 0, 0,
			      "requested address is not on this network");
			return;
		}
		int r = ipam_lease_find(c->s->db, sn->id, &c->client, c->now,
					&l);

		if (r < 0) {
			db_error(c, "lease lookup");
		} else if (r == 0) {
			/* RFC 2131 4.3.2: no record of the client, silence. */
			drop(c, "INIT-REBOOT for %s from an unknown client",
			     ip4(m->requested_ip, a));
		} else if (ip_v4(&l.ip) != m->requested_ip) {
			reply(c, DHCP_NAK, sn, 0, 0,
			      "requested address is not this client's");
		} else {
			grant(c, sn, m->requested_ip);
		}
	} else if (m->ciaddr) {
		/* RENEWING (unicast) or REBINDING (broadcast). */
		sn = cand_of(c, m->ciaddr);
		if (!sn)
			reply(c, DHCP_NAK, c->cand[0], 0, 0,
			      "address is not on this network");
		else
			grant(c, sn, m->ciaddr);
	} else {
		drop(c, "REQUEST with neither requested address nor ciaddr");
	}
}

static void on_decline(struct ctx *c)
{
	const struct dhcp_msg *m = c->m;
	const struct dhcp_subnet *sn = cand_of(c, m->requested_ip);
	struct ip_addr ip;
	struct ipam_lease l;
	char a[INET_ADDRSTRLEN];
	int r;

	if (m->server_id && !is_ours(c, m->server_id)) {
		drop(c, "declines an address of server %s",
		     ip4(m->server_id, a));
		return;
	}
	if (!sn || ipam_lease_find(c->s->db, sn->id, &c->client, c->now,
				   &l) <= 0 ||
	    ip_v4(&l.ip) != m->requested_ip) {
		drop(c, "declines %s, which is not its address",
		     ip4(m->requested_ip, a));
		return;
	}
	ip4(m->requested_ip, a);
	if (l.state != IPAM_LEASE) {
		log_warn("DHCPDECLINE of %s address %s by %s %s: another device "
			 "uses it", ipam_state_name(l.state), a, c->mac,
			 where(c));
		return;
	}
	ip_set_v4(&ip, m->requested_ip);
	r = ipam_address_conflict(c->s->db, sn->id, &ip,
				  c->now + c->v->decline_time, c->now);
	if (r < 0) {
		db_error(c, "cannot hold the declined address");
		return;
	}
	c->s->counters->conflicts++;
	log_warn("DHCPDECLINE %s from %s %s: the address is in use by another "
		 "device; held for %lld s", a, c->mac, where(c),
		 (long long)c->v->decline_time);
}

static void on_release(struct ctx *c)
{
	const struct dhcp_msg *m = c->m;
	const struct dhcp_subnet *sn = cand_of(c, m->ciaddr);
	struct ip_addr ip;
	char a[INET_ADDRSTRLEN];
	int r;

	ip4(m->ciaddr, a);
	if (!sn || (m->server_id && !is_ours(c, m->server_id))) {
		drop(c, "RELEASE of %s, which is not ours", a);
		return;
	}
	ip_set_v4(&ip, m->ciaddr);
	r = ipam_lease_release(c->s->db, sn->id, &c->client, &ip, c->now);
	if (r == -ENOENT)
		drop(c, "%s", ipam_error(c->s->db));
	else if (r < 0)
		db_error(c, "cannot release the lease");
	else
		log_info("DHCPRELEASE %s from %s %s", a, c->mac, where(c));
}

static void on_inform(struct ctx *c)
{
	uint32_t ip = c->m->ciaddr ? c->m->ciaddr : c->rx->src_ip;
	const struct dhcp_subnet *sn = cand_of(c, ip);

	if (!sn) {
		drop(c, "INFORM from an address on no served subnet");
		return;
	}
	reply(c, DHCP_ACK, sn, 0, 0, NULL);
}

void dhcp_handle(struct dhcp_server *s, const struct dhcp_rx *rx, int64_t now,
		 struct dhcp_out *out)
{
	struct ctx c = { .s = s, .v = s->view, .rx = rx, .m = &s->msg,
			 .out = out, .now = now };
	const char *why = NULL;
	size_t idlen;
	int r;

	out->action = DHCP_NONE;
	out->note[0] = '\0';
	r = dhcp_parse(&s->msg, rx->buf, rx->len, &why);
	if (r < 0) {
		s->counters->malformed++;
		log_debug("malformed DHCP packet (%zu bytes) on interface index "
			  "%d: %s", rx->len, rx->ifindex, why ? why : "?");
		return;
	}
	const struct dhcp_msg *m = &s->msg;

	if (m->type > 0 && m->type < DHCP_TYPE_MAX)
		s->counters->rx[m->type]++;
	if (m->htype != 1 || m->hlen != 6) {
		snprintf(c.mac, sizeof(c.mac), "htype %d", m->htype);
		drop(&c, "only Ethernet clients are served");
		return;
	}
	memcpy(c.client.mac.b, m->chaddr, 6);
	mac_format(&c.client.mac, c.mac, sizeof(c.mac));
	c.client.client_id = dhcp_client_id(m, &idlen);
	c.client.client_id_len = c.client.client_id == m->chaddr ? 0 : idlen;
	if (!c.client.client_id_len)
		c.client.client_id = NULL;
	c.client.hostname = m->hostname[0] ? m->hostname : NULL;
	if (m->type == DHCP_REQUEST && m->server_id &&
	    !is_ours(&c, m->server_id))
		heard_request(&c);
	if (!choose_network(&c))
		return;
	switch (m->type) {
	case DHCP_DISCOVER:
		on_discover(&c);
		break;
	case DHCP_REQUEST:
		on_request(&c);
		break;
	case DHCP_DECLINE:
		on_decline(&c);
		break;
	case DHCP_RELEASE:
		on_release(&c);
		break;
	case DHCP_INFORM:
		on_inform(&c);
		break;
	default:
		drop(&c, "a server does not answer %s", dhcp_type_name(m->type));
	}
}

/* "rx_" + "DISCOVER" -> "rx_discover": n */
static void set_count(json_t *o, const char *prefix, int type, uint64_t n)
{
	char key[32];

	snprintf(key, sizeof(key), "%s%s", prefix, dhcp_type_name(type));
	for (char *p = key; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + ('a' - 'A') : *p);
	json_object_set_new(o, key, json_integer((json_int_t)n));
}

json_t *dhcp_counters_json(const struct dhcp_counters *c)
{
	json_t *o = json_pack("{sIsIsIsIsIsIsIsIsI}",
			      "malformed", (json_int_t)c->malformed,
			      "dropped", (json_int_t)c->dropped,
			      "pool_exhausted", (json_int_t)c->exhausted,
			      "conflicts", (json_int_t)c->conflicts,
			      "pings", (json_int_t)c->pings,
			      "db_errors", (json_int_t)c->db_errors,
			      "probes", (json_int_t)c->probes,
			      "heard", (json_int_t)c->heard,
			      "rogue_stopped", (json_int_t)c->stopped);

	for (int t = DHCP_DISCOVER; o && t < DHCP_TYPE_MAX; t++)
		set_count(o, "rx_", t, c->rx[t]);
	set_count(o, "tx_", DHCP_OFFER, c->tx[DHCP_OFFER]);
	set_count(o, "tx_", DHCP_ACK, c->tx[DHCP_ACK]);
	set_count(o, "tx_", DHCP_NAK, c->tx[DHCP_NAK]);
	return o;
}
