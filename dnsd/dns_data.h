/*
 * The zones racknet-dnsd serves, built from IPAM (dns_data.c): one zone
 * per domain, reverse zones for every subnet, the custom records, and a
 * forward and a reverse name for every address that has one. Loaded
 * whole at start (and when the operator changes the zones), then kept up
 * to date one address at a time as the change feed names them.
 */
#ifndef RACKNET_DNS_DATA_H
#define RACKNET_DNS_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "ipam.h"

struct dns_data;

struct dns_data_opts {
	const char *ns_name;	/* our NS name; NULL: "ns.DEFAULT-DOMAIN" */
	struct ip_addr ns_addr[4];	/* its addresses (glue); family 0: none */
	size_t nns_addr;
};

/* Read everything; -errno and err filled on failure (nothing is kept). */
int dns_data_load(struct dns_data **ret, struct ipam *db,
		  const struct dns_data_opts *o, int64_t now, char *err,
		  size_t errsize);
void dns_data_free(struct dns_data *d);
const struct dns_db *dns_data_db(const struct dns_data *d);

/* The change feed generation the next changes come from: zones they
 * touch take it as their SOA serial (the serial only grows, across
 * restarts too). */
void dns_data_generation(struct dns_data *d, int64_t gen);
/* Address row id changed (insert, update or delete in the feed): re-read
 * it and move its names. 1 if the zones changed, 0 if not, -errno. */
int dns_data_address(struct dns_data *d, struct ipam *db, int64_t id,
		     int64_t now);
/* Drop the names of leases that expired by now; how many went. */
size_t dns_data_expire(struct dns_data *d, int64_t now);
/* When the next lease expires (0: none). */
int64_t dns_data_next_expiry(const struct dns_data *d);

/* The ACLs dnsd applies, from the same load: may this client recurse
 * (managed subnets, loopback), may it transfer zones (dns-axfr-allow)? */
bool dns_data_may_recurse(const struct dns_data *d, const struct ip_addr *a);
bool dns_data_may_axfr(const struct dns_data *d, const struct ip_addr *a);
/* The settings that bound what clients can make dnsd hold or do, as
 * loaded (docs/SECURITY.md lists every bound). */
struct dns_limits {
	uint32_t rrl;			/* dns-rrl: answers/s to a /24 or /56 */
	size_t cache_bytes;		/* dns-cache-size */
	unsigned tcp_clients;		/* dns-tcp-clients: open connections */
	unsigned fwd_pending;		/* dns-fwd-pending: queries upstream */
};
const struct dns_limits *dns_data_limits(const struct dns_data *d);
/* Upstream resolvers from the upstream-dns setting. */
size_t dns_data_upstreams(const struct dns_data *d, const struct ip_addr **ret);

/* dns_records.c: IPAM's custom records ({name, type, ttl, data} rows)
 * into db; -EINVAL with err naming a record that is not valid. */
int dns_records_load(struct dns_db *db, json_t *records, uint32_t default_ttl,
		     char *err, size_t errsize);

/* The names an address gets (pure, for dns_data.c and tests):
 * "10-0-0-5" or "fd00--5" for an address without a usable hostname, and
 * the reverse name (in-addr.arpa, or the RFC 2317 name inside a classless
 * zone when cidr is longer than /24; ip6.arpa by nibbles). */
void dns_generated_label(const struct ip_addr *ip, char *buf, size_t size);
int dns_reverse_name(const struct ip_addr *ip, const struct cidr *subnet,
		     uint8_t *wire);
/* The reverse zones subnet needs, each passed to fn (a /22 needs four
 * /24 zones; a /26 one RFC 2317 zone, "0/26.2.0.192.in-addr.arpa"); fn's
 * non-zero return stops the walk and is returned. */
typedef int (*dns_zone_name_fn)(void *ctx, const uint8_t *apex,
				const struct cidr *subnet);
int dns_reverse_zones(const struct cidr *subnet, dns_zone_name_fn fn,
		      void *ctx);

#endif
