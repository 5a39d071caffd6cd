/*
 * The authoritative data of racknet-dnsd (dns.h): zones, names and their
 * records in memory, changed one record at a time as dnsd follows the
 * IPAM change feed, and read by the answering engine (dns_answer.c) and
 * by zone transfers (dns_zone_walk). Layout: dns_zone_impl.h.
 *
 * Adding or removing a record touches one hash slot, one node and one
 * RRset block (plus the empty non-terminals between the name and its
 * apex when they appear or go), so a DHCP lease costs the same whether
 * the zone holds ten names or a hundred thousand. Lookups never allocate.
 */
#include "dns_zone_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_MAX 63
#define TABLE_MIN 64

/* ---- Names --------------------------------------------------------- */

static uint8_t ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* Copy a wire name lower-cased; its length, or 0 if it is not a valid
 * uncompressed name. */
static size_t name_lower(uint8_t *out, const uint8_t *in, unsigned *labels)
{
	size_t len = dns_name_len(in);
	unsigned n = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len;) {
		size_t l = in[i];

		out[i++] = (uint8_t)l;
		for (size_t k = 0; k < l; k++, i++)
			out[i] = ascii_lower(in[i]);
		if (l)
			n++;
	}
	if (labels)
		*labels = n;
	return len;
}

/* Is there one uncompressed name filling exactly n bytes at p? */
static bool name_fills(const uint8_t *p, size_t n)
{
	size_t off = 0;

	while (off < n && off < DNS_WIRE_MAX) {
		if (p[off] == 0)
			return off + 1 == n;
		if (p[off] > LABEL_MAX)
			return false;
		off += (size_t)p[off] + 1;
	}
	return false;
}

/* Does rdata suit its type? Names inside must be uncompressed so the
 * answering engine can walk them without bounds doubts. */
static bool rdata_valid(uint16_t type, const uint8_t *rd, uint16_t len)
{
	size_t off = 0;

	switch (type) {
	case DNS_T_A:
		return len == 4;
	case DNS_T_AAAA:
		return len == 16;
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		return name_fills(rd, len);
	case DNS_T_MX:
		return len > 2 && name_fills(rd + 2, len - 2u);
	case DNS_T_SRV:
		return len > 6 && name_fills(rd + 6, len - 6u);
	case DNS_T_TXT:
		if (len == 0)
			return false;
		while (off < len)
			off += (size_t)rd[off] + 1;
		return off == len;
	default:
		return true;
	}
}

/* Types kept as RRsets: not the SOA (struct dns_soa holds it), not OPT,
 * and none of the query-only and meta types (RFC 6895 128-255). */
static bool type_storable(uint16_t type)
{
	return type != 0 && type != DNS_T_SOA && type != DNS_T_OPT &&
	       !(type >= 128 && type <= 255) && type != 65535;
}

static bool rdata_equal(uint16_t type, const uint8_t *a, size_t alen,
			const uint8_t *b, size_t blen)
{
	size_t fixed = type == DNS_T_MX ? 2 : type == DNS_T_SRV ? 6 : 0;

	if (alen != blen)
		return false;
	switch (type) {
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
	case DNS_T_MX:
	case DNS_T_SRV:
		/* RFC 4343: names in rdata compare without case. Byte by
		 * byte over the equal lengths: length bytes (< 64) are no
		 * letters, and a caller's malformed rdata is never walked. */
		if (memcmp(a, b, fixed) != 0)
			return false;
		for (size_t i = fixed; i < alen; i++)
			if (ascii_lower(a[i]) != ascii_lower(b[i]))
				return false;
		return true;
	default:
		return memcmp(a, b, alen) == 0;
	}
}

/* ---- The hash table ------------------------------------------------ */

static void node_free(struct dns_db *db, struct dns_node *n);

uint64_t dns_db_hash(const struct dns_db *db, const uint8_t *name, size_t len)
{
	uint64_t h = db->seed ^ (len * 0x9e3779b97f4a7c15ULL);

	while (len > 0) {
		uint64_t w = 0;
		size_t n = len < 8 ? len : 8;

		memcpy(&w, name, n);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		name += n;
		len -= n;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

struct dns_node *dns_db_find(const struct dns_db *db, const uint8_t *name,
			     size_t len)
{
	uint64_t h = dns_db_hash(db, name, len);
	size_t mask = db->cap - 1;

	/* The table is never full, so an empty slot ends every probe. */
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct dns_slot *s = &db->slots[i];

		if (!s->node)
			return NULL;
		if (s->hash == h && s->node->len == len &&
		    memcmp(s->node->name, name, len) == 0)
			return s->node;
	}
}

static void table_place(struct dns_slot *slots, size_t cap, uint64_t h,
			struct dns_node *n)
{
	size_t i = h & (cap - 1);

	while (slots[i].node)
		i = (i + 1) & (cap - 1);
	slots[i].hash = h;
	slots[i].node = n;
}

/* A new table of cap slots holding every node that is not marked; the
 * marked ones are freed (dns_zone_del() marks a whole zone). */
static int table_rebuild(struct dns_db *db, size_t cap)
{
	struct dns_slot *slots = calloc(cap, sizeof(*slots));
	size_t used = 0;

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < db->cap; i++) {
		struct dns_slot *s = &db->slots[i];

		if (s->node && !s->node->mark) {
			table_place(slots, cap, s->hash, s->node);
			used++;
		} else if (s->node) {
			node_free(db, s->node);
		}
	}
	free(db->slots);
	db->bytes -= db->cap * sizeof(*slots);
	db->bytes += cap * sizeof(*slots);
	db->slots = slots;
	db->cap = cap;
	db->used = used;
	return 0;
}

static int table_insert(struct dns_db *db, struct dns_node *n)
{
	/* Load at most 3/4: probes stay short, and a slot stays empty. */
	if ((db->used + 1) * 4 > db->cap * 3) {
		int rc = table_rebuild(db, db->cap * 2);

		if (rc)
			return rc;
	}
	table_place(db->slots, db->cap, dns_db_hash(db, n->name, n->len), n);
	db->used++;
	return 0;
}

/* Remove n, then shift later entries of its probe run back into the hole
 * (linear probing without tombstones). */
static void table_remove(struct dns_db *db, const struct dns_node *n)
{
	size_t mask = db->cap - 1;
	size_t i = dns_db_hash(db, n->name, n->len) & mask;

	while (db->slots[i].node != n) {
		if (!db->slots[i].node)
			return;		/* not there: cannot happen */
		i = (i + 1) & mask;
	}
	for (size_t j = (i + 1) & mask; db->slots[j].node; j = (j + 1) & mask) {
		size_t k = db->slots[j].hash & mask;
		/* The entry at j may fill the hole at i unless its home k
		 * lies cyclically in (i, j]. */
		bool stays = i <= j ? (k > i && k <= j) : (k > i || k <= j);

		if (!stays) {
			db->slots[i] = db->slots[j];
			i = j;
		}
	}
	db->slots[i].node = NULL;
	db->slots[i].hash = 0;
	db->used--;
}

/* ---- Nodes --------------------------------------------------------- */

struct dns_rrset *dns_node_rrset(const struct dns_node *n, uint16_t type)
{
	for (struct dns_rrset *s = n->sets; s; s = s->next)
		if (s->type == type)
			return s;
	return NULL;
}

struct dns_zone *dns_node_zone(const struct dns_node *n)
{
	const struct dns_rrset *s;
	struct dns_zone *z;

	if (n->parent)
		return NULL;
	s = dns_node_rrset(n, DNS_T_SOA);
	if (!s)
		return NULL;		/* cannot happen: apexes have one */
	z = (struct dns_zone *)((char *)s + DNS_ZONE_OFF);
	return z;
}

struct dns_node *dns_node_apex(const struct dns_node *n)
{
	while (n->parent)
		n = n->parent;
	return (struct dns_node *)n;
}

struct dns_node *dns_db_encloser(const struct dns_db *db, const uint8_t *name,
				 size_t len, unsigned labels)
{
	size_t off = 0;

	/* Labels above the deepest node can never match: skip them. */
	for (unsigned i = 0; i < labels; i++) {
		if (labels - i <= db->max_labels) {
			struct dns_node *n;

			n = dns_db_find(db, name + off, len - off);
			if (n)
				return n;
		}
		off += (size_t)name[off] + 1;
	}
	return dns_db_find(db, name + off, len - off);
}

static void node_free(struct dns_db *db, struct dns_node *n)
{
	struct dns_rrset *s = n->sets, *next;

	for (; s; s = next) {
		next = s->next;
		if (s->type == DNS_T_SOA) {	/* the zone's pseudo-set */
			db->zones--;
		} else {
			db->rrsets--;
			db->records -= s->count;
		}
		db->bytes -= DNS_RRSET_HDR + s->size;
		free(s);
	}
	db->bytes -= sizeof(*n) + n->len;
	free(n);
}

/* Free n and then each ancestor that holds nothing any more. */
static void node_prune(struct dns_db *db, struct dns_node *n)
{
	/* An apex has its SOA pseudo-set: never freed here. */
	while (n && !n->sets && !n->children) {
		struct dns_node *parent = n->parent;

		table_remove(db, n);
		node_free(db, n);
		if (parent)
			parent->children--;
		n = parent;
	}
}

static struct dns_node *node_new(struct dns_db *db, const uint8_t *name,
				 size_t len, unsigned labels)
{
	struct dns_node *n = calloc(1, sizeof(*n) + len);

	if (!n)
		return NULL;
	memcpy(n->name, name, len);
	n->len = (uint8_t)len;
	n->labels = (uint8_t)labels;
	if (table_insert(db, n) < 0) {
		free(n);
		return NULL;
	}
	db->bytes += sizeof(*n) + len;
	if (labels > db->max_labels)
		db->max_labels = (uint8_t)labels;
	return n;
}

/*
 * The node of a lower-case name inside a zone, created with the empty
 * non-terminals above it as needed; NULL with -ENOENT (no zone holds the
 * name) or -ENOMEM in *err.
 */
static struct dns_node *node_get(struct dns_db *db, const uint8_t *name,
				 size_t len, unsigned labels, int *err)
{
	struct dns_node *ce = dns_db_encloser(db, name, len, labels);
	struct dns_node *parent = ce, *first = NULL;

	if (!ce) {
		*err = -ENOENT;
		return NULL;
	}
	/* Create the missing names from the one below ce down to name. */
	for (unsigned depth = ce->labels + 1u; depth <= labels; depth++) {
		size_t off = 0;
		struct dns_node *n;

		for (unsigned i = 0; i < labels - depth; i++)
			off += (size_t)name[off] + 1;
		n = node_new(db, name + off, len - off, depth);
		if (!n) {
			*err = -ENOMEM;
			if (first)
				node_prune(db, parent);
			return NULL;
		}
		n->parent = parent;
		parent->children++;
		if (!first)
			first = n;
		parent = n;
	}
	return parent;
}

/* ---- The database -------------------------------------------------- */

struct dns_db *dns_db_new(void)
{
	struct dns_db *db = calloc(1, sizeof(*db));

	if (!db)
		return NULL;
	db->slots = calloc(TABLE_MIN, sizeof(*db->slots));
	if (!db->slots) {
		free(db);
		return NULL;
	}
	db->cap = TABLE_MIN;
	/* Names come partly from DHCP clients: a per-process, per-database
	 * seed (address-space layout) keeps collisions from being planned
	 * offline. Not a secret key; probes stay bounded by the load. */
	db->seed = (uint64_t)(uintptr_t)db * 0x9e3779b97f4a7c15ULL ^
		   (uint64_t)(uintptr_t)&dns_db_new;
	db->bytes = sizeof(*db) + TABLE_MIN * sizeof(*db->slots);
	return db;
}

void dns_db_free(struct dns_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->cap; i++)
		if (db->slots[i].node)
			node_free(db, db->slots[i].node);
	free(db->slots);
	free(db);
}

void dns_db_stats(const struct dns_db *db, struct dns_db_stats *st)
{
	st->zones = db->zones;
	st->names = db->used;
	st->rrsets = db->rrsets;
	st->records = db->records;
	st->bytes = db->bytes;
}

static bool soa_valid(const struct dns_soa *soa)
{
	return soa && dns_name_len(soa->mname) && dns_name_len(soa->rname);
}

int dns_zone_add(struct dns_db *db, const uint8_t *apex,
		 const struct dns_soa *soa)
{
	uint8_t name[DNS_WIRE_MAX];
	unsigned labels;
	size_t len = name_lower(name, apex, &labels);
	struct dns_node *n;
	struct dns_rrset *pseudo;
	struct dns_zone *z;

	if (len == 0 || !soa_valid(soa))
		return -EINVAL;
	n = dns_db_find(db, name, len);
	if (n && !n->parent)
		return -EEXIST;
	pseudo = calloc(1, DNS_ZONE_OFF + sizeof(*z));
	if (!pseudo)
		return -ENOMEM;
	if (!n) {
		n = node_new(db, name, len, labels);
		if (!n) {
			free(pseudo);
			return -ENOMEM;
		}
	} else {
		/* A name of an enclosing zone becomes this zone's apex: it
		 * and everything below it now belong here. */
		struct dns_node *parent = n->parent;

		n->parent = NULL;
		parent->children--;
		node_prune(db, parent);
	}
	z = (struct dns_zone *)((char *)pseudo + DNS_ZONE_OFF);
	z->apex = n;
	z->soa = *soa;
	pseudo->type = DNS_T_SOA;
	pseudo->size = (uint16_t)(DNS_ZONE_OFF + sizeof(*z) - DNS_RRSET_HDR);
	pseudo->next = n->sets;
	n->sets = pseudo;
	db->zones++;
	db->bytes += DNS_RRSET_HDR + pseudo->size;
	return 0;
}

int dns_zone_del(struct dns_db *db, const uint8_t *apex)
{
	uint8_t name[DNS_WIRE_MAX];
	size_t len = name_lower(name, apex, NULL);
	struct dns_node *top = len ? dns_db_find(db, name, len) : NULL;
	int rc;

	if (!top || top->parent)
		return -ENOENT;
	for (size_t i = 0; i < db->cap; i++) {
		struct dns_node *n = db->slots[i].node;

		if (n && dns_node_apex(n) == top)
			n->mark = 1;
	}
	/* Nested zones below stop their walk at their own apex, so they
	 * keep their names. */
	rc = table_rebuild(db, db->cap);
	if (rc) {
		for (size_t i = 0; i < db->cap; i++)
			if (db->slots[i].node)
				db->slots[i].node->mark = 0;
	}
	return rc;
}

struct dns_soa *dns_zone_soa(struct dns_db *db, const uint8_t *apex)
{
	uint8_t name[DNS_WIRE_MAX];
	size_t len = name_lower(name, apex, NULL);
	struct dns_node *n = len ? dns_db_find(db, name, len) : NULL;

	struct dns_zone *z = n ? dns_node_zone(n) : NULL;

	return z ? &z->soa : NULL;
}

static const struct dns_node *node_of(const struct dns_db *db,
				      const uint8_t *name)
{
	uint8_t lname[DNS_WIRE_MAX];
	size_t len = name_lower(lname, name, NULL);

	return len ? dns_db_find(db, lname, len) : NULL;
}

const uint8_t *dns_zone_of(const struct dns_db *db, const uint8_t *name)
{
	uint8_t lname[DNS_WIRE_MAX];
	unsigned labels;
	size_t len = name_lower(lname, name, &labels);
	const struct dns_node *ce;

	if (len == 0)
		return NULL;
	ce = dns_db_encloser(db, lname, len, labels);
	return ce ? dns_node_apex(ce)->name : NULL;
}

bool dns_db_covers(const struct dns_db *db, const uint8_t *name)
{
	return dns_zone_of(db, name) != NULL;
}

/* ---- Records ------------------------------------------------------- */

/* The record equal to rdata inside s: its offset in s->data, or -1. */
static long rrset_find(const struct dns_rrset *s, const uint8_t *rdata,
		       uint16_t rdlen)
{
	size_t off = 0;

	for (unsigned i = 0; i < s->count; i++) {
		size_t len = (size_t)s->data[off] << 8 | s->data[off + 1];

		if (rdata_equal(s->type, s->data + off + 2, len, rdata, rdlen))
			return (long)off;
		off += 2 + len;
	}
	return -1;
}

/* Does adding a record of type at n break RFC 1034 3.6.2 / RFC 2181
 * 10.1 (a CNAME beside other data, the apex's SOA included)? */
static bool cname_conflict(const struct dns_node *n, uint16_t type)
{
	if (type != DNS_T_CNAME)
		return dns_node_rrset(n, DNS_T_CNAME) != NULL;
	for (const struct dns_rrset *s = n->sets; s; s = s->next)
		if (s->type != DNS_T_CNAME)
			return true;
	return false;
}

int dns_rr_add(struct dns_db *db, const uint8_t *owner, uint16_t type,
	       uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	uint8_t name[DNS_WIRE_MAX];
	unsigned labels;
	size_t len = name_lower(name, owner, &labels);
	struct dns_rrset **link, *s, *grown;
	struct dns_node *n;
	int err = 0;

	if (len == 0 || !type_storable(type) || (rdlen && !rdata) ||
	    !rdata_valid(type, rdata, rdlen))
		return -EINVAL;
	n = dns_db_find(db, name, len);
	if (!n) {
		n = node_get(db, name, len, labels, &err);
		if (!n)
			return err;
	}
	if (cname_conflict(n, type)) {
		node_prune(db, n);
		return -EINVAL;
	}
	for (link = &n->sets; *link && (*link)->type != type;)
		link = &(*link)->next;
	s = *link;
	if (s && rrset_find(s, rdata, rdlen) >= 0) {
		s->ttl = ttl;
		return 0;
	}
	if (s && type == DNS_T_CNAME)
		return -EINVAL;		/* a name has one canonical name */
	if ((s ? s->size : 0) + 2u + rdlen > DNS_RRSET_DATA_MAX)
		return -ENOSPC;
	grown = realloc(s, DNS_RRSET_HDR + (s ? s->size : 0) + 2 + rdlen);
	if (!grown) {
		if (!s)
			node_prune(db, n);
		return -ENOMEM;
	}
	if (!s) {
		memset(grown, 0, DNS_RRSET_HDR);
		grown->type = type;
		db->rrsets++;
		db->bytes += DNS_RRSET_HDR;
	}
	*link = grown;
	grown->data[grown->size] = (uint8_t)(rdlen >> 8);
	grown->data[grown->size + 1] = (uint8_t)rdlen;
	if (rdlen)
		memcpy(grown->data + grown->size + 2, rdata, rdlen);
	grown->size = (uint16_t)(grown->size + 2u + rdlen);
	grown->count++;
	grown->ttl = ttl;
	db->records++;
	db->bytes += 2u + rdlen;
	return 0;
}

int dns_rr_del(struct dns_db *db, const uint8_t *owner, uint16_t type,
	       const uint8_t *rdata, uint16_t rdlen)
{
	uint8_t name[DNS_WIRE_MAX];
	size_t len = name_lower(name, owner, NULL);
	struct dns_node *n = len ? dns_db_find(db, name, len) : NULL;
	struct dns_rrset **link, *s, *shrunk;
	size_t rlen;
	long off;

	if (!n || (rdlen && !rdata))
		return -ENOENT;
	for (link = &n->sets; *link && (*link)->type != type;)
		link = &(*link)->next;
	s = *link;
	off = s ? rrset_find(s, rdata, rdlen) : -1;
	if (off < 0)
		return -ENOENT;
	rlen = 2u + rdlen;
	memmove(s->data + off, s->data + off + rlen,
		s->size - (size_t)off - rlen);
	s->size = (uint16_t)(s->size - rlen);
	s->count--;
	db->records--;
	db->bytes -= rlen;
	if (s->count == 0) {
		*link = s->next;
		db->rrsets--;
		db->bytes -= DNS_RRSET_HDR;
		free(s);
		node_prune(db, n);
		return 0;
	}
	shrunk = realloc(s, DNS_RRSET_HDR + s->size);
	if (shrunk)
		*link = shrunk;
	return 0;
}

bool dns_rr_exists(const struct dns_db *db, const uint8_t *owner,
		   uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	const struct dns_node *n = node_of(db, owner);
	const struct dns_rrset *s = n ? dns_node_rrset(n, type) : NULL;

	if (!s)
		return false;
	return !rdata || rrset_find(s, rdata, rdlen) >= 0;
}

/* ---- Zone transfer ------------------------------------------------- */

/* The SOA's rdata in wire format; its length. */
size_t dns_soa_rdata(const struct dns_soa *soa, uint8_t *out)
{
	size_t m = dns_name_len(soa->mname), r = dns_name_len(soa->rname);
	uint32_t v[5] = { soa->serial, soa->refresh, soa->retry, soa->expire,
			  soa->minimum };
	size_t off = m + r;

	memcpy(out, soa->mname, m);
	memcpy(out + m, soa->rname, r);
	for (int i = 0; i < 5; i++, off += 4) {
		out[off] = (uint8_t)(v[i] >> 24);
		out[off + 1] = (uint8_t)(v[i] >> 16);
		out[off + 2] = (uint8_t)(v[i] >> 8);
		out[off + 3] = (uint8_t)v[i];
	}
	return off;
}

static int walk_node(const struct dns_node *n, dns_rr_fn fn, void *ctx)
{
	for (const struct dns_rrset *s = n->sets; s; s = s->next) {
		size_t off = 0;

		for (unsigned i = 0; i < s->count; i++) {
			uint16_t len = (uint16_t)(s->data[off] << 8 |
						  s->data[off + 1]);
			int rc = fn(ctx, n->name, s->type, s->ttl,
				    s->data + off + 2, len);

			if (rc < 0)
				return rc;
			off += 2u + len;
		}
	}
	return 0;
}

int dns_zone_walk(const struct dns_db *db, const uint8_t *apex, dns_rr_fn fn,
		  void *ctx)
{
	const struct dns_node *top = node_of(db, apex);
	const struct dns_zone *z = top ? dns_node_zone(top) : NULL;
	uint8_t soa[2 * DNS_WIRE_MAX + 20];
	uint16_t soa_len;
	int rc;

	if (!z)
		return -ENOENT;
	soa_len = (uint16_t)dns_soa_rdata(&z->soa, soa);
	rc = fn(ctx, top->name, DNS_T_SOA, z->soa.ttl, soa, soa_len);
	if (rc < 0)
		return rc;
	rc = walk_node(top, fn, ctx);
	for (size_t i = 0; rc >= 0 && i < db->cap; i++) {
		const struct dns_node *n = db->slots[i].node;

		if (n && n != top && dns_node_apex(n) == top)
			rc = walk_node(n, fn, ctx);
	}
	if (rc < 0)
		return rc;
	rc = fn(ctx, top->name, DNS_T_SOA, z->soa.ttl, soa, soa_len);
	return rc < 0 ? rc : 0;
}
