/*
 * racknet-dnsd's core contract: DNS messages (dns_msg.c) and the
 * authoritative data with the answering engine (dns_zone.c). Both pure:
 * bytes in, bytes or structs out, no I/O, no allocation per query.
 *
 * Names are kept in wire format (length-prefixed labels ending in the
 * zero label), at most DNS_WIRE_MAX bytes, and compared case-insensitively
 * (ASCII only, RFC 4343). The data stores them lower case; an answer
 * repeats the question's name with the case the client used.
 */
#ifndef RACKNET_DNS_H
#define RACKNET_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_WIRE_MAX 255	/* a name in wire format, root label included */
#define DNS_HDR_LEN 12
#define DNS_UDP_MIN 512		/* without EDNS (RFC 1035) */
#define DNS_EDNS_OURS 1232	/* our advertised UDP payload (DNS flag day 2020) */
#define DNS_TCP_MAX 65535

enum dns_type {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6,
	DNS_T_PTR = 12, DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28,
	DNS_T_SRV = 33, DNS_T_OPT = 41, DNS_T_DS = 43, DNS_T_IXFR = 251,
	DNS_T_AXFR = 252, DNS_T_ANY = 255,
};

enum dns_rcode {
	DNS_R_NOERROR = 0, DNS_R_FORMERR = 1, DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3, DNS_R_NOTIMP = 4, DNS_R_REFUSED = 5,
	DNS_R_BADVERS = 16,	/* extended: upper 8 bits go in OPT */
};

#define DNS_CLASS_IN 1
#define DNS_CLASS_CH 3
#define DNS_CLASS_ANY 255
#define DNS_OPCODE_QUERY 0
#define DNS_OPCODE_NOTIFY 4

/* Header flag bits in host order (the second 16-bit word). */
#define DNS_F_QR 0x8000
#define DNS_F_AA 0x0400
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080
#define DNS_F_AD 0x0020
#define DNS_F_CD 0x0010

/* A parsed query (dns_msg.c). */
struct dns_query {
	uint16_t id;
	uint16_t flags;			/* as received */
	uint8_t opcode;
	uint16_t qdcount;
	uint8_t qname[DNS_WIRE_MAX];	/* as received: the client's case */
	uint8_t lname[DNS_WIRE_MAX];	/* lower case: the lookup key */
	size_t qname_len;		/* bytes of qname, root label included */
	uint8_t labels;			/* label count, root excluded */
	uint16_t qtype, qclass;
	size_t question_end;		/* offset just past the question */

	bool edns;			/* an OPT record was present */
	uint8_t edns_version;
	bool edns_do;			/* DNSSEC OK bit */
	uint16_t edns_udp;		/* the client's payload size (>= 512) */
};

/*
 * Parse a query. 0: q is filled. -EBADMSG: malformed, but the header was
 * readable (q->id, q->flags, q->opcode are set) so a FORMERR can be sent;
 * -EINVAL: not even a header, or QR set (a response): say nothing. *why
 * names the problem in either case. Exactly one question is accepted for
 * QUERY; names with compression pointers in the question are refused;
 * an OPT in the additional section is read (one only, owner root, its
 * options framed inside it; a second OPT is -EBADMSG, RFC 6891 6.1.1).
 * As NSD: records in the answer section, or in the authority section
 * (except an IXFR's SOA), or any additional record but OPT (TSIG: we
 * verify nothing) are -EBADMSG; bytes after the last record are ignored.
 * Another opcode than QUERY returns 0 with the header only (qname_len 0)
 * unless it carries exactly one readable question: dns_answer() then
 * replies NOTIMP, echoing that question.
 */
int dns_query_parse(struct dns_query *q, const uint8_t *buf, size_t len,
		    const char **why);

/*
 * Wire-name helpers. dns_name_from_text: "a.b.example" (trailing dot
 * optional, "" or "." is the root; "\." and "\DDD" escape a byte) to
 * wire format in out (DNS_WIRE_MAX bytes), lower-cased; returns the wire
 * length or -EINVAL. dns_name_to_text: wire to dotted text without the
 * trailing dot ("." for the root), for logs and tests: bytes other than
 * printable ASCII become "\DDD", "." and "\" in a label are escaped, so a
 * peer's name is safe to log; cut to fit size (4 * DNS_WIRE_MAX is always
 * enough); "?" for a malformed name. dns_name_len is 0 for a malformed
 * name (a label over 63 or no root within DNS_WIRE_MAX bytes).
 */
int dns_name_from_text(uint8_t *out, const char *text);
const char *dns_name_to_text(const uint8_t *wire, char *buf, size_t size);
size_t dns_name_len(const uint8_t *wire);	/* bytes, root included */
bool dns_name_equal(const uint8_t *a, const uint8_t *b);	/* no case */
/* Is name at or below apex? */
bool dns_name_under(const uint8_t *name, const uint8_t *apex);

/*
 * The authoritative data (dns_zone.c): every zone racknet serves, with
 * their records, in memory. One writer (dnsd's loop) applies changes
 * between queries, so a query never sees half an update; lookups do not
 * allocate.
 */
struct dns_db;

struct dns_soa {
	uint8_t mname[DNS_WIRE_MAX];	/* primary server name (wire) */
	uint8_t rname[DNS_WIRE_MAX];	/* hostmaster mailbox (wire) */
	uint32_t serial, refresh, retry, expire, minimum;
	uint32_t ttl;			/* the SOA record's own TTL */
};

struct dns_db *dns_db_new(void);
void dns_db_free(struct dns_db *db);

/* Sizes, for dnsd's status and the benchmark: names counts the empty
 * non-terminals and apexes too; bytes is what the data asked of malloc
 * (its own per-block overhead not included). */
struct dns_db_stats {
	size_t zones, names, rrsets, records, bytes;
};
void dns_db_stats(const struct dns_db *db, struct dns_db_stats *st);

/* Add a zone with its SOA (-EEXIST if the apex is already a zone). A
 * zone inside another takes over the names at and below its apex. Its
 * NS records are ordinary records at the apex (dns_rr_add). Deleting a
 * zone removes every record it holds; zones nested in it stay. */
int dns_zone_add(struct dns_db *db, const uint8_t *apex,
		 const struct dns_soa *soa);
int dns_zone_del(struct dns_db *db, const uint8_t *apex);
/* The zone's SOA, to read or to change (serial bumps); NULL if none. */
struct dns_soa *dns_zone_soa(struct dns_db *db, const uint8_t *apex);

/*
 * Add or remove one record. owner is any name at or below a zone's apex
 * (-ENOENT if no zone holds it); rdata is in wire format (names inside it
 * uncompressed). Adding a record that already exists (same owner, type
 * and rdata; names in rdata compared without case) changes nothing but
 * the TTL: the TTL of an RRset is the last one added. -EINVAL for a CNAME
 * beside other data at the same name (and vice versa, the apex's SOA
 * included), a second CNAME at a name, rdata that does not suit its type
 * (A 4 bytes, AAAA 16, a name in NS/CNAME/PTR/MX/SRV filling the rdata),
 * or a type not stored as records: SOA (dns_zone_add/dns_zone_soa), OPT,
 * 128-255 (AXFR, ANY...). -ENOSPC past 65000 bytes of rdata in one
 * RRset, -ENOMEM. Removing: -ENOENT if there is no such record.
 */
int dns_rr_add(struct dns_db *db, const uint8_t *owner, uint16_t type,
	       uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);
int dns_rr_del(struct dns_db *db, const uint8_t *owner, uint16_t type,
	       const uint8_t *rdata, uint16_t rdlen);

/* Does owner hold a record of this type (with this rdata, unless rdata
 * is NULL)? dnsd uses it to see whether a name is taken. */
bool dns_rr_exists(const struct dns_db *db, const uint8_t *owner,
		   uint16_t type, const uint8_t *rdata, uint16_t rdlen);
/* The apex of the zone holding name (longest match), or NULL. */
const uint8_t *dns_zone_of(const struct dns_db *db, const uint8_t *name);

/* Is the name at or below one of our zones? */
bool dns_db_covers(const struct dns_db *db, const uint8_t *name);

/* How dns_answer() went, for counters and for the caller's next step. */
enum dns_result {
	DNS_ANSWERED,		/* out holds the reply */
	DNS_NOT_OURS,		/* outside every zone: forward or REFUSE */
	DNS_DROP,		/* say nothing */
};

struct dns_answer_opts {
	bool tcp;		/* the UDP size limit does not apply */
	bool may_recurse;	/* sets RA in our replies */
};

/*
 * Answer q (parsed from query, len bytes) from db into out (capacity
 * cap, at least DNS_UDP_MIN). Authoritative answers (AA), NODATA versus
 * NXDOMAIN with the zone's SOA in the authority section and its negative
 * TTL (RFC 2308: min(SOA TTL, SOA minimum)), CNAME chains followed inside
 * our zones, referrals with glue below delegations (NS not at an apex,
 * no AA), ANY answered with what the name has. EDNS per RFC 6891: OPT
 * echoed with DNS_EDNS_OURS, BADVERS for version > 0. Over UDP a reply
 * that does not fit min(client's size, cap) is cut at an RRset boundary
 * with TC set. FORMERR/NOTIMP for what dns_query_parse() refused or an
 * opcode other than QUERY; AXFR/IXFR are not answered here (dnsd does
 * them over TCP): NOTIMP. *rcode gets the reply's rcode for counters.
 *
 * Details: the UDP limit is max(512, min(client's EDNS size or 512,
 * DNS_EDNS_OURS, cap)): never more than we advertise (flag day 2020).
 * Class IN and ANY are answered (ANY without AA, as NSD); CH and every
 * other class get REFUSED (NSD's answer for CHAOS names it does not
 * serve). A name outside our zones is DNS_NOT_OURS whatever its class
 * IN/ANY, with nothing written. No wildcards. DS at a delegation, or at
 * an apex whose parent zone is ours, is answered from the parent.
 * Glue below the cut that does not fit a referral sets TC (RFC 9471);
 * other additional data is left out quietly. QR set in q: DNS_DROP.
 */
enum dns_result dns_answer(const struct dns_db *db, const struct dns_query *q,
			   uint8_t *out, size_t cap, size_t *out_len,
			   const struct dns_answer_opts *o, unsigned *rcode);

/* An error reply (FORMERR, NOTIMP, REFUSED, SERVFAIL) echoing q's id,
 * opcode, RD and question (when parsed), with OPT when q had one. */
size_t dns_error_reply(const struct dns_query *q, bool parsed, unsigned rcode,
		       bool may_recurse, uint8_t *out, size_t cap);

/*
 * AXFR (RFC 5936): call fn for each record of the zone at apex, SOA
 * first and last, so dnsd can pack them into TCP messages. Returns 0,
 * -ENOENT if there is no such zone, or fn's negative return.
 */
typedef int (*dns_rr_fn)(void *ctx, const uint8_t *owner, uint16_t type,
			 uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);
int dns_zone_walk(const struct dns_db *db, const uint8_t *apex, dns_rr_fn fn,
		  void *ctx);

/* Append one record (owner uncompressed) to a message being built; false
 * if it does not fit. For AXFR and the forwarder's cached answers. */
struct wire_wr;
bool dns_put_rr(struct wire_wr *w, const uint8_t *owner, uint16_t type,
		uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

#endif
