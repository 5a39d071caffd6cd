/*
 * racknet-dnsd's answer cache for the forwarding resolver (dns_cache.c).
 * Pure: no I/O, no clock of its own (the caller passes "now" in seconds
 * of one monotonic clock), no logging.
 *
 * An upstream reply, once dns_fwd_check() has checked and filtered it,
 * is a struct dns_answer: the question it answers, its rcode and the
 * records worth keeping (names uncompressed). The cache keeps one entry
 * per (lower-cased name, type, class) in one allocation, under a byte
 * budget with LRU eviction, and writes replies from an entry for any
 * client asking that question: its id, RD, case of the name and EDNS,
 * TTLs reduced by the entry's age, cut with TC to the client's UDP size.
 * An entry past its TTL stays for a stale window (RFC 8767) and is
 * served, with TTL 30, only when the caller says the upstreams failed.
 */
#ifndef RACKNET_DNS_CACHE_H
#define RACKNET_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"

#define DNS_CACHE_DEFAULT_BYTES (16u << 20)
#define DNS_CACHE_STALE_TTL 30	/* RFC 8767 4: TTL of a stale answer */

/* Records one checked upstream answer may hold, and the bytes of their
 * uncompressed names and rdata: past these the answer is refused. */
#define DNS_ANSWER_RR_MAX 1024
#define DNS_ANSWER_DATA_MAX (128u << 10)

enum dns_section {
	DNS_SEC_ANSWER, DNS_SEC_AUTHORITY, DNS_SEC_ADDITIONAL, DNS_SEC_MAX
};

/* One record: owner and rdata point into the answer's data[]. */
struct dns_rr {
	const uint8_t *owner;	/* wire, uncompressed */
	const uint8_t *rdata;	/* names inside it uncompressed */
	uint32_t ttl;
	uint16_t type, rclass, rdlen;
	uint8_t section;	/* enum dns_section */
};

struct dns_answer {
	uint8_t lname[DNS_WIRE_MAX];	/* the question, lower case */
	size_t lname_len;
	uint16_t qtype, qclass;
	unsigned rcode;			/* extended rcode (OPT included) */
	bool negative;			/* NXDOMAIN or NODATA: TTL from SOA */
	unsigned dropped;		/* records left out as unrelated */
	size_t nrr;			/* in section order */
	struct dns_rr rr[DNS_ANSWER_RR_MAX];
	size_t used;
	uint8_t data[DNS_ANSWER_DATA_MAX];
};

/* Start an empty answer to (name, qtype, qclass); name is lower-cased. */
void dns_answer_init(struct dns_answer *a, const uint8_t *name,
		     uint16_t qtype, uint16_t qclass);
/* Append a record (copied into a->data), sections in order. 0 or
 * -ENOSPC (too many records or bytes), -EINVAL (bad name). */
int dns_answer_add(struct dns_answer *a, enum dns_section sec,
		   const uint8_t *owner, uint16_t type, uint16_t rclass,
		   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

struct dns_cache_opts {
	size_t max_bytes;	/* budget for entries and the hash table */
	uint32_t ttl_max;	/* cap on every TTL (default one day) */
	uint32_t ttl_min;	/* floor; 0: answers with TTL 0 are not kept */
	uint32_t neg_ttl_max;	/* cap on negative answers (default 1 h) */
	uint32_t nosoa_ttl;	/* negative answers without SOA (default 0:
				 * not kept, RFC 2308 5) */
	uint32_t stale_window;	/* kept this long past expiry (default 1 d;
				 * 0: no serve-stale) */
	uint64_t seed[2];	/* hash key: dnsd passes random bytes */
};

/* The defaults above, all in one place. */
void dns_cache_opts_default(struct dns_cache_opts *o);

struct dns_cache_stats {
	uint64_t hits;		/* fresh answers served */
	uint64_t misses;	/* nothing fresh (stale lookups included) */
	uint64_t stale;		/* stale answers served */
	uint64_t evictions;	/* entries pushed out by the byte budget */
	uint64_t expired;	/* entries dropped past their stale window */
	uint64_t stored;	/* answers kept */
	uint64_t not_kept;	/* answers not kept (TTL 0, SOA-less, big) */
	size_t entries;
	size_t bytes;		/* entries and hash table */
};

struct dns_cache;
struct dns_cache_entry;

/* NULL opts: the defaults. NULL on allocation failure or a budget too
 * small for the table (under 4 KiB). */
struct dns_cache *dns_cache_new(const struct dns_cache_opts *o);
void dns_cache_free(struct dns_cache *c);
void dns_cache_stats(const struct dns_cache *c, struct dns_cache_stats *ret);

/* How a reply is sent: over TCP (no UDP size limit), and for
 * dns_cache_get whether a stale entry will do. */
#define DNS_CACHE_TCP 0x1
#define DNS_CACHE_STALE 0x2

/*
 * Write the reply to q from the cache into out (cap bytes, at least
 * DNS_UDP_MIN). Returns 0 for a fresh answer, 1 for a stale one (only
 * with DNS_CACHE_STALE), -ENOENT if there is nothing to serve, -EINVAL
 * for a query the cache does not answer (not a parsed QUERY with one
 * question, or EDNS version above 0: dnsd answers those itself).
 */
int dns_cache_get(struct dns_cache *c, const struct dns_query *q,
		  int64_t now, unsigned flags, uint8_t *out, size_t cap,
		  size_t *ret_len);

/*
 * Store a checked answer (replacing any entry for its question). The
 * entry is returned with a reference for the caller, whether the cache
 * kept it or not (TTL 0, SOA-less negative, bigger than a quarter of the
 * budget), so every client waiting for this answer is answered from the
 * same bytes as a later cache hit; drop it with dns_cache_entry_put().
 * 0 kept, 1 not kept, -ENOMEM (nothing returned).
 */
int dns_cache_store(struct dns_cache *c, const struct dns_answer *a,
		    int64_t now, struct dns_cache_entry **ret_entry);
void dns_cache_entry_put(struct dns_cache_entry *e);
/* The reply to q from entry e, as dns_cache_get writes it (fresh). */
int dns_cache_entry_reply(const struct dns_cache_entry *e,
			  const struct dns_query *q, int64_t now,
			  unsigned flags, uint8_t *out, size_t cap,
			  size_t *ret_len);
/* The TTL an entry got (0: not kept). For tests and logs. */
uint32_t dns_cache_entry_ttl(const struct dns_cache_entry *e);

/* The cache's keyed hash of a question, for tables of the same key
 * (the forwarder's outstanding queries). name is lower case. */
uint64_t dns_cache_hash(const struct dns_cache *c, const uint8_t *name,
			size_t len, uint16_t qtype, uint16_t qclass);

#endif
