/*
 * Inside struct dns_db, shared by the store (dns_zone.c) and the
 * answering engine (dns_answer.c); nothing else includes this.
 *
 * Every name that exists in a zone is a node: one heap block holding its
 * lower-case wire name, a parent link and a list of RRsets (one block
 * each), so a name with one A record costs two small blocks and a hash
 * slot (bench_zone measures it). Nodes sit in one
 * open-addressing hash table (linear probing, backward-shift deletion, so
 * no tombstones) keyed by the wire name: an exact lookup is one hash and
 * usually one probe, with no allocation. Between a name and its zone's
 * apex every ancestor exists as a node (an empty non-terminal when it has
 * no RRsets of its own); `children` counts the nodes whose parent it is,
 * and a node with no RRsets and no children is freed at once. An apex
 * (and only an apex) has parent NULL: its zone's names stop there, so a
 * zone nested in another (0.10.in-addr.arpa in 10.in-addr.arpa) owns its
 * subtree.
 */
#ifndef RACKNET_DNS_ZONE_IMPL_H
#define RACKNET_DNS_ZONE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

/* An RRset must still fit a TCP message. */
#define DNS_RRSET_DATA_MAX 65000

/*
 * One RRset: count records as (u16 rdlength, rdata) back to back, in one
 * block of DNS_RRSET_HDR + size bytes (data[] starts inside the struct's
 * tail padding: an A record's set is a 24-byte block). An apex also has
 * a pseudo-set of type SOA with no records, whose block holds its struct
 * dns_zone (at DNS_ZONE_OFF): nodes need no zone field of their own.
 */
struct dns_rrset {
	struct dns_rrset *next;
	uint32_t ttl;
	uint16_t type;
	uint16_t count;
	uint16_t size;			/* bytes of data[] */
	uint8_t data[];
};
#define DNS_RRSET_HDR offsetof(struct dns_rrset, data)

struct dns_zone {
	struct dns_node *apex;
	struct dns_soa soa;
};
/* Where the zone sits in its pseudo-set's block: aligned, so that it is
 * an object of its own (and leak checkers see its pointers). */
#define DNS_ZONE_OFF                                                      \
	((DNS_RRSET_HDR + _Alignof(struct dns_zone) - 1) /                \
	 _Alignof(struct dns_zone) * _Alignof(struct dns_zone))

struct dns_node {
	struct dns_node *parent;	/* NULL at an apex, and only there */
	struct dns_rrset *sets;
	uint32_t children;
	uint8_t len;			/* bytes of name, root included */
	uint8_t labels;			/* root excluded */
	uint8_t mark;			/* scratch for dns_zone_del() */
	uint8_t name[];			/* lower-case wire format */
};

struct dns_slot {
	uint64_t hash;
	struct dns_node *node;		/* NULL: empty */
};

struct dns_db {
	struct dns_slot *slots;
	size_t cap;			/* power of two */
	size_t used;
	uint64_t seed;
	uint8_t max_labels;		/* the deepest node yet */
	size_t zones, rrsets, records, bytes;
};

/* Hash of a lower-case wire name of len bytes. */
uint64_t dns_db_hash(const struct dns_db *db, const uint8_t *name, size_t len);
/* The node of a lower-case wire name, or NULL. */
struct dns_node *dns_db_find(const struct dns_db *db, const uint8_t *name,
			     size_t len);
/* The RRset of type at node, or NULL. */
struct dns_rrset *dns_node_rrset(const struct dns_node *n, uint16_t type);
/* The zone whose apex n is, or NULL. */
struct dns_zone *dns_node_zone(const struct dns_node *n);
/* The apex node of the zone holding n. */
struct dns_node *dns_node_apex(const struct dns_node *n);

/* The deepest existing node at or above a lower-case wire name (its
 * closest encloser), or NULL if no suffix of it exists. */
struct dns_node *dns_db_encloser(const struct dns_db *db, const uint8_t *name,
				 size_t len, unsigned labels);

/* The SOA's rdata (uncompressed names) into out, at least
 * 2 * DNS_WIRE_MAX + 20 bytes; its length. */
size_t dns_soa_rdata(const struct dns_soa *soa, uint8_t *out);

#endif
