/*
 * The view: what dhcpd serves, rebuilt whenever IPAM's model or the
 * kernel's interfaces change. Subnets with their options ready to send,
 * and for each interface the IPAM VLAN it is on: the operator's binding,
 * else the VLAN of the subnet one of its addresses is in. Kernel 802.1Q
 * links are bound automatically (source "netlink") to their VID on the
 * fabric of their parent.
 */
#include "dhcp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int64_t jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static uint32_t parse_v4(const char *s)
{
	struct ip_addr a;

	return ip_parse(&a, s) == 0 && a.family == AF_INET ? ip_v4(&a) : 0;
}

/* "IP,IP,..." into out[]; the count. */
static int parse_v4_list(const char *s, uint32_t *out, int max)
{
	char buf[1024], *save = NULL;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t && n < max;
	     t = strtok_r(NULL, ",", &save)) {
		uint32_t ip = parse_v4(t);

		if (ip)
			out[n++] = ip;
	}
	return n;
}

static int subnet_from_json(struct dhcp_subnet *s, const json_t *o)
{
	const char *search[1];

	memset(s, 0, sizeof(*s));
	if (cidr_parse(&s->cidr, jstr(o, "cidr")) < 0 ||
	    s->cidr.net.family != AF_INET)
		return -EINVAL;
	s->id = jint(o, "id");
	s->vlan_id = jint(o, "vlan_id");
	cidr_format(&s->cidr, s->text, sizeof(s->text));
	s->mask = cidr_v4_mask(s->cidr.prefix);
	s->net = ip_v4(&s->cidr.net) & s->mask;
	s->broadcast = s->net | ~s->mask;
	s->gateway = parse_v4(jstr(o, "gateway"));
	snprintf(s->vlan, sizeof(s->vlan), "%s/%d", jstr(o, "fabric"),
		 (int)jint(o, "vid"));
	s->mtu = (int)jint(o, "mtu");
	s->dhcp = json_is_true(json_object_get(o, "dhcp"));
	s->managed = json_is_true(json_object_get(o, "managed"));
	s->ndns = parse_v4_list(jstr(o, "dns"), s->dns, DHCP_MAX_ADDRS);
	s->nntp = parse_v4_list(jstr(o, "ntp"), s->ntp, DHCP_MAX_ADDRS);
	snprintf(s->domain, sizeof(s->domain), "%s", jstr(o, "domain"));
	search[0] = s->domain;
	s->search_len = s->domain[0] ?
		dhcp_encode_search(s->search, sizeof(s->search), search, 1) : 0;
	if (s->search_len < 0)
		s->search_len = 0;
	s->lease_time = (uint32_t)jint(o, "lease_time");
	return 0;
}

static const struct dhcp_subnet *subnet_of(const struct dhcp_view *v,
					   uint32_t ip)
{
	for (size_t i = 0; i < v->nsubnets; i++)
		if ((ip & v->subnets[i].mask) == v->subnets[i].net)
			return &v->subnets[i];
	return NULL;
}

/* The fabric name of a VLAN, from any subnet on it ("" if none). */
static const char *fabric_of(const struct dhcp_view *v, int64_t vlan_id,
			     char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < v->nsubnets; i++)
		if (v->subnets[i].vlan_id == vlan_id) {
			const char *vl = v->subnets[i].vlan;
			const char *slash = strrchr(vl, '/');
			int n = slash ? (int)(slash - vl) : (int)strlen(vl);

			snprintf(buf, size, "%.*s", n, vl);
			break;
		}
	return buf;
}

static const json_t *binding_of(const json_t *ifaces, const char *name)
{
	size_t i;
	const json_t *o;

	json_array_foreach(ifaces, i, o)
		if (!strcmp(jstr(o, "name"), name))
			return o;
	return NULL;
}

static bool wanted(const char *name, char *const *only, size_t nonly)
{
	if (nonly == 0)
		return true;
	for (size_t i = 0; i < nonly; i++)
		if (!strcmp(only[i], name))
			return true;
	return false;
}

/* The VLAN an interface is on, by binding or by its addresses. */
static int64_t netif_vlan(const struct dhcp_view *v, const json_t *ifaces,
			  const struct dhcp_iface *k)
{
	const json_t *b = binding_of(ifaces, k->name);

	if (b)
		return jint(b, "vlan_id");
	for (size_t i = 0; i < k->naddr; i++) {
		const struct dhcp_subnet *s = subnet_of(v, k->addr[i].ip);

		if (s)
			return s->vlan_id;
	}
	return 0;
}

static bool has_addr_on_vlan(const struct dhcp_view *v,
			     const struct dhcp_iface *k, int64_t vlan_id)
{
	for (size_t i = 0; i < k->naddr; i++) {
		const struct dhcp_subnet *s = subnet_of(v, k->addr[i].ip);

		if (s && s->vlan_id == vlan_id)
			return true;
	}
	return false;
}

/* A kernel VLAN link: the binding IPAM should hold, if it lacks it. */
static void kernel_vlan(struct dhcp_view *v, const json_t *ifaces,
			const struct dhcp_iface *k, const struct dhcp_iface *all,
			size_t nall, dhcp_warn_fn warn, void *ctx)
{
	const struct dhcp_iface *parent = NULL;
	const json_t *b = binding_of(ifaces, k->name);
	char fabric[64] = "", key[64], text[256];

	if (b && strcmp(jstr(b, "source"), "netlink"))
		return;				/* the operator's word stands */
	for (size_t i = 0; i < nall; i++)
		if (all[i].ifindex == k->parent)
			parent = &all[i];
	if (parent) {
		int64_t pv = netif_vlan(v, ifaces, parent);

		if (pv)
			fabric_of(v, pv, fabric, sizeof(fabric));
	}
	if (!fabric[0]) {
		snprintf(key, sizeof(key), "vlan-fabric:%s", k->name);
		snprintf(text, sizeof(text), "interface %s is 802.1Q VID %d on "
			 "%s, whose fabric IPAM cannot tell: bind it with "
			 "`racknet interface set %s --vlan FABRIC/%d`", k->name,
			 k->vid, parent ? parent->name : "an unknown link",
			 k->name, k->vid);
		warn(ctx, key, text);
		return;
	}
	if (b) {
		for (size_t i = 0; i < v->nsubnets; i++)
			if (v->subnets[i].vlan_id == jint(b, "vlan_id")) {
				snprintf(text, sizeof(text), "%s/%d", fabric,
					 k->vid);
				if (!strcmp(v->subnets[i].vlan, text))
					return;		/* already right */
				break;
			}
	}
	struct dhcp_binding *nb = &v->bindings[v->nbindings++];

	snprintf(nb->ifname, sizeof(nb->ifname), "%s", k->name);
	snprintf(nb->fabric, sizeof(nb->fabric), "%s", fabric);
	nb->vid = k->vid;
}

/* The boot file table: the global entries (each architecture's row or
 * default) for every subnet, then each subnet's own entries. */
static void boot_table(struct dhcp_view *v, const json_t *rows)
{
	size_t i;
	const json_t *o;

	json_array_foreach(rows, i, o) {
		const char *subnet = json_string_value(json_object_get(o,
								       "subnet"));
		const char *value = jstr(o, "value");
		int a = ipam_boot_arch_parse(jstr(o, "arch"));

		if (a < 0 || strlen(value) > IPAM_BOOTFILE_MAX)
			continue;
		for (size_t k = 0; k < v->nsubnets; k++) {
			if (subnet && strcmp(subnet, v->subnets[k].text))
				continue;
			memcpy(v->boot[k].file[a], value, strlen(value) + 1);
			if (subnet)
				break;
		}
	}
}

int dhcp_view_build(struct dhcp_view *v, const json_t *cfg,
		    const struct dhcp_iface *ifs, size_t nifs,
		    char *const *only, size_t nonly, dhcp_warn_fn warn,
		    void *ctx)
{
	const json_t *subnets = json_object_get(cfg, "subnets");
	const json_t *ifaces = json_object_get(cfg, "interfaces");
	size_t i, n = json_array_size(subnets);
	const json_t *o;

	memset(v, 0, sizeof(*v));
	v->subnets = calloc(n ? n : 1, sizeof(*v->subnets));
	v->boot = calloc(n ? n : 1, sizeof(*v->boot));
	v->ifs = calloc(nifs ? nifs : 1, sizeof(*v->ifs));
	v->bindings = calloc(nifs ? nifs : 1, sizeof(*v->bindings));
	if (!v->subnets || !v->boot || !v->ifs || !v->bindings) {
		dhcp_view_free(v);
		return -ENOMEM;
	}
	json_array_foreach(subnets, i, o)
		if (subnet_from_json(&v->subnets[v->nsubnets], o) == 0) {
			v->subnets[v->nsubnets].boot = &v->boot[v->nsubnets];
			v->nsubnets++;
		}
	boot_table(v, json_object_get(cfg, "bootfiles"));
	v->boot_http_port = (uint16_t)jint(cfg, "boot_http_port");
	if (v->boot_http_port == 0)
		v->boot_http_port = 80;
	v->ping_check = jint(cfg, "ping_check") != 0;
	v->ping_timeout_ms = (int)jint(cfg, "ping_timeout_ms");
	v->decline_time = jint(cfg, "decline_time");
	v->lease_retention = jint(cfg, "lease_retention");

	for (i = 0; i < nifs; i++) {
		const struct dhcp_iface *k = &ifs[i];
		struct dhcp_netif *nif;
		char key[64], text[256], a[INET_ADDRSTRLEN];

		if (k->loopback || !wanted(k->name, only, nonly))
			continue;
		if (k->vid >= 0)
			kernel_vlan(v, ifaces, k, ifs, nifs, warn, ctx);
		nif = &v->ifs[v->nifs++];
		nif->k = *k;
		nif->vlan_id = netif_vlan(v, ifaces, k);
		nif->served = nif->vlan_id && k->ether &&
			      has_addr_on_vlan(v, k, nif->vlan_id);
		if (nif->served)
			continue;
		if (k->naddr == 0) {
			if (!binding_of(ifaces, k->name))
				continue;
			snprintf(key, sizeof(key), "noaddr:%s", k->name);
			snprintf(text, sizeof(text), "interface %s is bound to a "
				 "VLAN but has no IPv4 address: not serving DHCP "
				 "there until it has one in a subnet of that VLAN",
				 k->name);
			warn(ctx, key, text);
			continue;
		}
		snprintf(key, sizeof(key), "unserved:%s:%x", k->name,
			 k->addr[0].ip);
		inet_ntop(AF_INET, &(uint32_t){ htonl(k->addr[0].ip) }, a,
			  sizeof(a));
		if (nif->vlan_id)
			snprintf(text, sizeof(text), "interface %s (%s/%d) has no "
				 "address in a subnet of its VLAN: not serving "
				 "DHCP there", k->name, a, k->addr[0].prefix);
		else
			snprintf(text, sizeof(text), "interface %s (%s/%d) has no "
				 "address in a known subnet: not serving DHCP "
				 "there", k->name, a, k->addr[0].prefix);
		warn(ctx, key, text);
	}
	return 0;
}

void dhcp_view_free(struct dhcp_view *v)
{
	free(v->subnets);
	free(v->boot);
	free(v->ifs);
	free(v->bindings);
	memset(v, 0, sizeof(*v));
}

const struct dhcp_netif *dhcp_view_netif(const struct dhcp_view *v,
					 int ifindex)
{
	for (size_t i = 0; i < v->nifs; i++)
		if (v->ifs[i].k.ifindex == ifindex)
			return &v->ifs[i];
	return NULL;
}

bool dhcp_view_is_ours(const struct dhcp_view *v, uint32_t ip)
{
	for (size_t i = 0; i < v->nifs; i++)
		for (size_t j = 0; j < v->ifs[i].k.naddr; j++)
			if (v->ifs[i].k.addr[j].ip == ip)
				return true;
	return false;
}

const char *dhcp_view_vlan_name(const struct dhcp_view *v, int64_t vlan_id)
{
	for (size_t i = 0; i < v->nsubnets; i++)
		if (v->subnets[i].vlan_id == vlan_id)
			return v->subnets[i].vlan;
	return NULL;
}
