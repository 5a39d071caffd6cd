/*
 * IPAM to zones: see dns_data.h. Every address with a name gets an A or
 * AAAA record at its forward name and a PTR at its reverse name. A lease
 * whose hostname is taken (by a host, a record or an earlier lease) or
 * that has none gets a name made from its address, so two clients never
 * share a name. Each address's names are remembered by row id, so a
 * change or a deleted row removes exactly what it added.
 */
#include "dns_data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsname.h"

#define SOA_REFRESH 3600
#define SOA_RETRY 600
#define SOA_EXPIRE 604800

/* What one address row put into the zones. */
struct addr_ent {
	struct addr_ent *next;		/* hash chain */
	int64_t id;
	struct ip_addr ip;
	int64_t expiry;			/* 0: does not expire */
	uint8_t fwd[];			/* its forward name, wire format */
};

struct expiry {
	int64_t when, id;
};

struct dns_data {
	struct dns_db *db;
	uint32_t serial;		/* the feed generation being applied */
	bool loading;			/* zones start at serial, no bumps */
	uint8_t ns[DNS_WIRE_MAX];
	uint32_t default_ttl;

	struct addr_ent **bucket;
	size_t nbucket, naddr;

	struct expiry *heap;		/* min-heap of lease expiries */
	size_t nheap, heapcap;

	struct cidr *classless;		/* IPv4 subnets longer than /24 */
	size_t nclassless;
	struct cidr *recurse;		/* managed subnets */
	size_t nrecurse;
	struct cidr *axfr;
	size_t naxfr;
	struct ip_addr *upstream;
	size_t nupstream;
	struct dns_limits lim;
};

/* ---- the address table ---- */

static size_t slot(const struct dns_data *d, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (d->nbucket - 1);
}

static struct addr_ent **find(struct dns_data *d, int64_t id)
{
	struct addr_ent **p = &d->bucket[slot(d, id)];

	while (*p && (*p)->id != id)
		p = &(*p)->next;
	return p;
}

static int grow(struct dns_data *d)
{
	size_t n = d->nbucket ? d->nbucket * 2 : 1024;
	struct addr_ent **b = calloc(n, sizeof(*b));
	struct addr_ent **old = d->bucket;
	size_t oldn = d->nbucket;

	if (!b)
		return -ENOMEM;
	d->bucket = b;
	d->nbucket = n;
	for (size_t i = 0; i < oldn; i++)
		for (struct addr_ent *e = old[i], *next; e; e = next) {
			size_t s = slot(d, e->id);

			next = e->next;
			e->next = b[s];
			b[s] = e;
		}
	free(old);
	return 0;
}

/* ---- lease expiries: a binary min-heap, stale entries skipped ---- */

static void heap_swap(struct expiry *a, struct expiry *b)
{
	struct expiry t = *a;

	*a = *b;
	*b = t;
}

static int heap_push(struct dns_data *d, int64_t when, int64_t id)
{
	size_t i;

	if (d->nheap == d->heapcap) {
		size_t n = d->heapcap ? d->heapcap * 2 : 1024;
		struct expiry *h = realloc(d->heap, n * sizeof(*h));

		if (!h)
			return -ENOMEM;
		d->heap = h;
		d->heapcap = n;
	}
	i = d->nheap++;
	d->heap[i] = (struct expiry){ when, id };
	while (i > 0 && d->heap[(i - 1) / 2].when > d->heap[i].when) {
		heap_swap(&d->heap[(i - 1) / 2], &d->heap[i]);
		i = (i - 1) / 2;
	}
	return 0;
}

static void heap_pop(struct dns_data *d)
{
	size_t i = 0;

	d->heap[0] = d->heap[--d->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < d->nheap && d->heap[l].when < d->heap[m].when)
			m = l;
		if (r < d->nheap && d->heap[r].when < d->heap[m].when)
			m = r;
		if (m == i)
			break;
		heap_swap(&d->heap[m], &d->heap[i]);
		i = m;
	}
}

/* ---- zones ---- */

/* RFC 1982: is a after b? */
static bool serial_after(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

/*
 * The serial of the zone holding name moves on. Serials are IPAM change
 * feed generations, which only grow and survive restarts: a change takes
 * the generation that announced it, and one the feed did not announce (a
 * lease running out) or a second in the same batch adds one.
 */
static void bump(struct dns_data *d, const uint8_t *name)
{
	const uint8_t *apex = dns_zone_of(d->db, name);
	struct dns_soa *soa = apex ? dns_zone_soa(d->db, apex) : NULL;

	if (!soa || d->loading)
		return;
	if (serial_after(d->serial, soa->serial))
		soa->serial = d->serial;
	else
		soa->serial++;
}

void dns_data_generation(struct dns_data *d, int64_t gen)
{
	d->serial = (uint32_t)gen;
}

static int zone_add(struct dns_data *d, const uint8_t *apex, uint32_t ttl)
{
	struct dns_soa soa = {
		.serial = d->serial, .refresh = SOA_REFRESH,
		.retry = SOA_RETRY, .expire = SOA_EXPIRE, .minimum = ttl,
		.ttl = ttl,
	};
	uint8_t host[DNS_WIRE_MAX] = { 10, 'h', 'o', 's', 't', 'm', 'a', 's',
				       't', 'e', 'r' };
	size_t alen = dns_name_len(apex);
	int r;

	memcpy(soa.mname, d->ns, dns_name_len(d->ns));
	if (11 + alen <= DNS_WIRE_MAX)
		memcpy(host + 11, apex, alen);
	else
		memcpy(host, apex, alen);	/* no room: the apex itself */
	memcpy(soa.rname, host, dns_name_len(host));
	r = dns_zone_add(d->db, apex, &soa);
	if (r == -EEXIST)
		return 0;		/* two subnets, one reverse zone */
	if (r < 0)
		return r;
	return dns_rr_add(d->db, apex, DNS_T_NS, ttl, d->ns,
			  (uint16_t)dns_name_len(d->ns));
}

struct zone_ctx {
	struct dns_data *d;
	uint32_t ttl;
};

static int reverse_zone(void *ctx, const uint8_t *apex, const struct cidr *c)
{
	struct zone_ctx *z = ctx;
	int r = zone_add(z->d, apex, z->ttl);

	(void)c;
	return r;
}

/* An RFC 2317 subnet: its zone, and in the /24 above it a CNAME for each
 * address pointing into it, so resolvers that ask the usual name get
 * there. */
static int classless_subnet(struct dns_data *d, const struct cidr *c,
			    uint32_t ttl)
{
	struct zone_ctx z = { d, ttl };
	struct cidr parent = *c;
	uint8_t pname[DNS_WIRE_MAX], cname[DNS_WIRE_MAX], apex[DNS_WIRE_MAX];
	struct ip_addr ip;
	int r;

	r = dns_reverse_zones(c, reverse_zone, &z);
	if (r < 0)
		return r;
	parent.prefix = 24;
	parent.net.b[3] = 0;
	/* The /24's apex is the reverse name of .0 minus its first label. */
	if (dns_reverse_name(&parent.net, NULL, pname) < 0)
		return -EINVAL;
	memcpy(apex, pname + 1 + pname[0], dns_name_len(pname) - 1 - pname[0]);
	r = zone_add(d, apex, ttl);
	if (r < 0)
		return r;
	cidr_first(c, &ip);
	for (unsigned i = 0; i < (1u << (32 - c->prefix)); i++) {
		if (dns_reverse_name(&ip, NULL, pname) < 0 ||
		    dns_reverse_name(&ip, c, cname) < 0)
			return -EINVAL;
		r = dns_rr_add(d->db, pname, DNS_T_CNAME, ttl, cname,
			       (uint16_t)dns_name_len(cname));
		if (r < 0)
			return r;
		ip_next(&ip);
	}
	return 0;
}

static int add_cidr(struct cidr **list, size_t *n, const struct cidr *c)
{
	struct cidr *l = realloc(*list, (*n + 1) * sizeof(*l));

	if (!l)
		return -ENOMEM;
	l[(*n)++] = *c;
	*list = l;
	return 0;
}

static int subnets(struct dns_data *d, json_t *cfg)
{
	json_t *s;
	size_t i;
	int r;

	json_array_foreach(json_object_get(cfg, "subnets"), i, s) {
		struct zone_ctx z = { d, d->default_ttl };
		struct cidr c;

		if (cidr_parse(&c, json_string_value(json_object_get(s, "cidr"))) < 0)
			return -EINVAL;
		if (json_is_true(json_object_get(s, "managed")) &&
		    (r = add_cidr(&d->recurse, &d->nrecurse, &c)) < 0)
			return r;
		if (c.net.family == AF_INET && c.prefix > 24) {
			r = add_cidr(&d->classless, &d->nclassless, &c);
			if (r == 0)
				r = classless_subnet(d, &c, d->default_ttl);
		} else {
			r = dns_reverse_zones(&c, reverse_zone, &z);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- addresses ---- */

static const struct cidr *classless_of(const struct dns_data *d,
				       const struct ip_addr *ip)
{
	for (size_t i = 0; i < d->nclassless; i++)
		if (cidr_contains(&d->classless[i], ip))
			return &d->classless[i];
	return NULL;
}

static void ip_rdata(const struct ip_addr *ip, uint16_t *type,
		     const uint8_t **rd, uint16_t *len)
{
	*type = ip->family == AF_INET ? DNS_T_A : DNS_T_AAAA;
	*rd = ip->b;
	*len = (uint16_t)ip_len(ip);
}

/* May this address put its A/AAAA at name? Free, or already its own. */
static bool name_free(const struct dns_data *d, const uint8_t *name,
		      const struct ip_addr *ip)
{
	uint16_t type, len;
	const uint8_t *rd;

	ip_rdata(ip, &type, &rd, &len);
	if (dns_rr_exists(d->db, name, type, rd, len))
		return true;
	return !dns_rr_exists(d->db, name, DNS_T_A, NULL, 0) &&
	       !dns_rr_exists(d->db, name, DNS_T_AAAA, NULL, 0) &&
	       !dns_rr_exists(d->db, name, DNS_T_CNAME, NULL, 0);
}

static int fqdn(uint8_t *wire, const char *label, const char *domain)
{
	char text[DNS_NAME_MAX + 2];
	int n = snprintf(text, sizeof(text), "%s.%s", label, domain);

	if (n < 0 || (size_t)n >= sizeof(text))
		return -EINVAL;
	return dns_name_from_text(wire, text);
}

/* The forward name address a gets now. */
static int forward_name(const struct dns_data *d,
			const struct ipam_dns_addr *a, uint8_t *wire)
{
	char gen[64];

	/* A host's name is its own (IPAM keeps host names unique); a
	 * lease's only if nobody holds it. */
	if (a->hostname[0] && dns_hostname_valid(a->hostname) &&
	    fqdn(wire, a->hostname, a->domain) > 0 &&
	    (a->host || name_free(d, wire, &a->ip)))
		return 0;
	dns_generated_label(&a->ip, gen, sizeof(gen));
	return fqdn(wire, gen, a->domain) > 0 ? 0 : -EINVAL;
}

static void addr_remove(struct dns_data *d, struct addr_ent **p)
{
	struct addr_ent *e = *p;
	uint8_t rev[DNS_WIRE_MAX];
	uint16_t type, len;
	const uint8_t *rd;

	ip_rdata(&e->ip, &type, &rd, &len);
	dns_rr_del(d->db, e->fwd, type, rd, len);
	bump(d, e->fwd);
	if (dns_reverse_name(&e->ip, classless_of(d, &e->ip), rev) > 0) {
		dns_rr_del(d->db, rev, DNS_T_PTR, e->fwd,
			   (uint16_t)dns_name_len(e->fwd));
		bump(d, rev);
	}
	*p = e->next;
	d->naddr--;
	free(e);
}

static int addr_add(struct dns_data *d, const struct ipam_dns_addr *a)
{
	uint8_t fwd[DNS_WIRE_MAX], rev[DNS_WIRE_MAX];
	uint32_t ttl = a->ttl > 0 ? (uint32_t)a->ttl : d->default_ttl;
	struct addr_ent *e;
	uint16_t type, len;
	const uint8_t *rd;
	size_t flen;
	int r;

	if (forward_name(d, a, fwd) < 0)
		return 0;		/* a domain too long for a name */
	if (d->naddr >= d->nbucket && (r = grow(d)) < 0)
		return r;
	flen = dns_name_len(fwd);
	e = malloc(sizeof(*e) + flen);
	if (!e)
		return -ENOMEM;
	e->id = a->id;
	e->ip = a->ip;
	e->expiry = a->expiry;
	memcpy(e->fwd, fwd, flen);
	ip_rdata(&a->ip, &type, &rd, &len);
	r = dns_rr_add(d->db, fwd, type, ttl, rd, len);
	if (r == -ENOENT) {
		/* Its domain is not a zone (removed since): no names. */
		free(e);
		return 0;
	}
	if (r < 0 || (a->expiry && (r = heap_push(d, a->expiry, a->id)) < 0)) {
		free(e);
		return r;
	}
	bump(d, fwd);
	if (dns_reverse_name(&a->ip, classless_of(d, &a->ip), rev) > 0 &&
	    dns_rr_add(d->db, rev, DNS_T_PTR, ttl, fwd, (uint16_t)flen) == 0)
		bump(d, rev);
	struct addr_ent **p = find(d, a->id);

	e->next = *p;
	*p = e;
	d->naddr++;
	return 1;
}

static int load_addr(void *ctx, const struct ipam_dns_addr *a)
{
	int r = addr_add(ctx, a);

	return r < 0 ? r : 0;
}

int dns_data_address(struct dns_data *d, struct ipam *db, int64_t id,
		     int64_t now)
{
	struct ipam_dns_addr a;
	struct addr_ent **p = find(d, id);
	int r, changed = 0;

	r = ipam_dns_addr(db, id, now, &a);
	if (r < 0)
		return r;
	if (*p) {
		uint8_t want[DNS_WIRE_MAX];

		/* A renewal: same address, same name, later expiry. */
		if (r == 1 && ip_equal(&(*p)->ip, &a.ip) &&
		    (*p)->expiry <= a.expiry && (*p)->expiry != 0 &&
		    forward_name(d, &a, want) == 0 &&
		    dns_name_equal(want, (*p)->fwd)) {
			(*p)->expiry = a.expiry;
			r = heap_push(d, a.expiry, id);
			return r < 0 ? r : 0;
		}
		addr_remove(d, p);
		changed = 1;
	}
	if (r == 1) {
		r = addr_add(d, &a);
		if (r < 0)
			return r;
		changed |= r;
	}
	return changed;
}

size_t dns_data_expire(struct dns_data *d, int64_t now)
{
	size_t n = 0;

	while (d->nheap && d->heap[0].when <= now) {
		struct expiry x = d->heap[0];
		struct addr_ent **p = find(d, x.id);

		heap_pop(d);
		/* Renewed since (a later entry stands) or already gone. */
		if (*p && (*p)->expiry == x.when) {
			addr_remove(d, p);
			n++;
		}
	}
	return n;
}

int64_t dns_data_next_expiry(const struct dns_data *d)
{
	return d->nheap ? d->heap[0].when : 0;
}

/* ---- load ---- */

static int parse_list(const char *text, struct cidr **cidrs, size_t *ncidr,
		      struct ip_addr **ips, size_t *nip)
{
	char buf[1024], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", text ? text : "");
	for (char *t = strtok_r(buf, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save)) {
		if (cidrs) {
			struct cidr c;

			if (cidr_parse(&c, t) < 0 || add_cidr(cidrs, ncidr, &c) < 0)
				return -EINVAL;
		} else {
			struct ip_addr *l = realloc(*ips, (*nip + 1) * sizeof(*l));

			if (!l)
				return -ENOMEM;
			*ips = l;
			if (ip_parse(&l[*nip], t) < 0)
				return -EINVAL;
			(*nip)++;
		}
	}
	return 0;
}

static int forward_zones(struct dns_data *d, json_t *cfg)
{
	const char *def = json_string_value(json_object_get(cfg, "default_domain"));
	uint8_t apex[DNS_WIRE_MAX];
	json_t *dom;
	size_t i;
	int r;

	json_array_foreach(json_object_get(cfg, "domains"), i, dom) {
		json_int_t ttl = json_integer_value(json_object_get(dom, "ttl"));

		if (dns_name_from_text(apex, json_string_value(
				json_object_get(dom, "name"))) < 0)
			return -EINVAL;
		r = zone_add(d, apex, ttl > 0 ? (uint32_t)ttl : d->default_ttl);
		if (r < 0)
			return r;
	}
	/* The default domain serves whether or not it has a row. */
	if (!def || dns_name_from_text(apex, def) < 0)
		return -EINVAL;
	return zone_add(d, apex, d->default_ttl);
}

static int ns_glue(struct dns_data *d, const struct dns_data_opts *o)
{
	for (size_t i = 0; i < o->nns_addr; i++) {
		uint16_t type, len;
		const uint8_t *rd;
		int r;

		ip_rdata(&o->ns_addr[i], &type, &rd, &len);
		r = dns_rr_add(d->db, d->ns, type, d->default_ttl, rd, len);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

static int build(struct dns_data *d, struct ipam *db,
		 const struct dns_data_opts *o, int64_t now, char *err,
		 size_t errsize)
{
	json_t *cfg = ipam_dns_config(db);
	const char *def, *what = "the zones";
	char ns[DNS_NAME_MAX + 8];
	int r;

	if (!cfg) {
		snprintf(err, errsize, "cannot read the DNS data: %s",
			 ipam_error(db));
		return -EIO;
	}
	def = json_string_value(json_object_get(cfg, "default_domain"));
	d->lim.rrl = (uint32_t)json_integer_value(json_object_get(cfg, "rrl"));
	d->lim.cache_bytes = (size_t)json_integer_value(json_object_get(cfg,
					"cache_mib")) << 20;
	d->lim.tcp_clients = (unsigned)json_integer_value(json_object_get(cfg,
					"tcp_clients"));
	d->lim.fwd_pending = (unsigned)json_integer_value(json_object_get(cfg,
					"fwd_pending"));
	d->default_ttl = (uint32_t)json_integer_value(json_object_get(cfg,
							      "default_ttl"));
	snprintf(ns, sizeof(ns), "ns.%s", def ? def : "");
	r = dns_name_from_text(d->ns, o && o->ns_name ? o->ns_name : ns);
	if (r > 0)
		r = forward_zones(d, cfg);
	if (r >= 0) {
		what = "the reverse zones";
		r = subnets(d, cfg);
	}
	if (r >= 0 && o) {
		what = "the NS glue";
		r = ns_glue(d, o);
	}
	if (r >= 0) {
		what = "the settings upstream-dns and dns-axfr-allow";
		r = parse_list(json_string_value(json_object_get(cfg,
				"axfr_allow")), &d->axfr, &d->naxfr, NULL, NULL);
		if (r == 0)
			r = parse_list(json_string_value(json_object_get(cfg,
					"upstream_dns")), NULL, NULL,
				       &d->upstream, &d->nupstream);
	}
	if (r >= 0 && (r = dns_records_load(d->db, json_object_get(cfg,
			"records"), d->default_ttl, err, errsize)) < 0) {
		json_decref(cfg);
		return r;
	}
	json_decref(cfg);
	if (r < 0) {
		snprintf(err, errsize, "cannot build %s: %s", what,
			 strerror(-r));
		return r;
	}
	r = ipam_dns_addrs(db, now, load_addr, d);
	if (r < 0)
		snprintf(err, errsize, "cannot read addresses: %s",
			 r == -ENOMEM ? "out of memory" : ipam_error(db));
	return r;
}

int dns_data_load(struct dns_data **ret, struct ipam *db,
		  const struct dns_data_opts *o, int64_t now, char *err,
		  size_t errsize)
{
	struct dns_data *d = calloc(1, sizeof(*d));
	int r = -ENOMEM;

	if (d) {
		d->serial = (uint32_t)ipam_feed_generation(db);
		d->loading = true;
	}
	if (!d || !(d->db = dns_db_new()) || (r = grow(d)) < 0 ||
	    (r = build(d, db, o, now, err, errsize)) < 0) {
		if (r == -ENOMEM)
			snprintf(err, errsize, "out of memory");
		dns_data_free(d);
		return r;
	}
	d->loading = false;
	*ret = d;
	return 0;
}

void dns_data_free(struct dns_data *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nbucket; i++)
		for (struct addr_ent *e = d->bucket[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	free(d->bucket);
	free(d->heap);
	free(d->classless);
	free(d->recurse);
	free(d->axfr);
	free(d->upstream);
	dns_db_free(d->db);
	free(d);
}

const struct dns_db *dns_data_db(const struct dns_data *d)
{
	return d->db;
}

static bool in_any(const struct cidr *l, size_t n, const struct ip_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (cidr_contains(&l[i], a))
			return true;
	return false;
}

bool dns_data_may_recurse(const struct dns_data *d, const struct ip_addr *a)
{
	static const uint8_t v6_loop[16] = { [15] = 1 };

	if ((a->family == AF_INET && a->b[0] == 127) ||
	    (a->family == AF_INET6 && !memcmp(a->b, v6_loop, 16)))
		return true;
	return in_any(d->recurse, d->nrecurse, a);
}

bool dns_data_may_axfr(const struct dns_data *d, const struct ip_addr *a)
{
	return in_any(d->axfr, d->naxfr, a);
}

size_t dns_data_upstreams(const struct dns_data *d, const struct ip_addr **ret)
{
	*ret = d->upstream;
	return d->nupstream;
}

const struct dns_limits *dns_data_limits(const struct dns_data *d)
{
	return &d->lim;
}
