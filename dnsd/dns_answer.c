/*
 * The answering engine of racknet-dnsd (dns_answer() in dns.h): a parsed
 * query and the zone data (dns_zone.c) in, the reply's bytes out. Pure:
 * no I/O, no allocation; the reply is written straight into the caller's
 * buffer through the bounded writer, one RRset at a time, so cutting a
 * UDP reply at an RRset boundary (TC) is rolling the writer back.
 *
 * Resolution follows RFC 1034 4.3.2 for one server holding several zones:
 * the closest existing name to the question decides; a delegation (NS
 * below an apex) between it and its apex gives a referral; an exact match
 * gives the RRset, a CNAME (followed through our zones) or NODATA; no
 * match gives NXDOMAIN. No wildcards: the IPAM builds none. Negative
 * answers carry the zone's SOA with the RFC 2308 TTL.
 */
#include "dns_zone_impl.h"

#include <stddef.h>
#include <string.h>

#include "wire.h"

#define CNAME_LINKS_MAX 8	/* CNAMEs followed before giving up */
#define COMP_MAX 64		/* names remembered for compression */
#define ADDL_MAX 16		/* names whose addresses go in additional */
#define LATER_MAX 8		/* answered RRsets whose targets we look up */
#define OPT_LEN 11		/* our OPT: root, type, class, ttl, rdlen 0 */
#define PTR_QNAME (0xc000 | DNS_HDR_LEN)

enum section { SEC_ANSWER, SEC_AUTHORITY, SEC_ADDITIONAL, SEC_MAX };

/* A name already in the message at off, equal byte for byte to name. */
struct comp_entry {
	uint16_t off;
	uint8_t len;
	const uint8_t *name;
};

struct reply {
	struct wire_wr w;
	const struct dns_db *db;
	const struct dns_query *q;
	const struct dns_node *qnode;	/* the question's node, if it exists */
	uint16_t count[SEC_MAX];
	bool aa, tc;
	unsigned ncomp, naddl, nlater;
	const struct dns_node *cut;	/* a referral's: glue to add */
	const struct dns_rrset *later[LATER_MAX];
	struct comp_entry comp[COMP_MAX];
	const struct dns_node *addl[ADDL_MAX];
};

/* ---- Writing names and records ------------------------------------- */

static int comp_find(const struct reply *r, const uint8_t *name, size_t len)
{
	for (unsigned i = 0; i < r->ncomp; i++)
		if (r->comp[i].len == len &&
		    memcmp(r->comp[i].name, name, len) == 0)
			return r->comp[i].off;
	return -1;
}

/* Remember the suffixes of a name written at off (labels before stop). */
static void comp_add(struct reply *r, size_t off, const uint8_t *name,
		     size_t len, size_t stop)
{
	for (size_t p = 0; p < stop; p += (size_t)name[p] + 1) {
		if (off + p >= 0x4000 || r->ncomp == COMP_MAX)
			return;
		r->comp[r->ncomp++] = (struct comp_entry){
			.off = (uint16_t)(off + p),
			.len = (uint8_t)(len - p),
			.name = name + p,
		};
	}
}

/*
 * A name, compressed against the names already written when they match
 * byte for byte (so our data keeps its case and the client's question
 * keeps its own).
 */
static void put_name(struct reply *r, const uint8_t *name)
{
	size_t len = dns_name_len(name), start = r->w.off, pos = 0;

	while (name[pos] != 0) {
		int off = comp_find(r, name + pos, len - pos);

		if (off >= 0) {
			wire_wr_bytes(&r->w, name, pos);
			wire_wr_u16(&r->w, (uint16_t)(0xc000 | off));
			break;
		}
		pos += (size_t)name[pos] + 1;
	}
	if (name[pos] == 0)
		wire_wr_bytes(&r->w, name, len);
	if (wire_wr_ok(&r->w))
		comp_add(r, start, name, len, pos);
}

/* A record's owner, type, class, TTL and a placeholder for its rdata
 * length; returns where the rdata starts, for rr_end(). */
static size_t rr_begin(struct reply *r, const struct dns_node *owner,
		       uint16_t type, uint32_t ttl)
{
	if (owner == r->qnode)
		wire_wr_u16(&r->w, PTR_QNAME);	/* the client's case */
	else
		put_name(r, owner->name);
	wire_wr_u16(&r->w, type);
	wire_wr_u16(&r->w, DNS_CLASS_IN);
	wire_wr_u32(&r->w, ttl);
	wire_wr_u16(&r->w, 0);
	return r->w.off;
}

static void rr_end(struct reply *r, size_t start)
{
	if (wire_wr_ok(&r->w))
		wire_wr_u16_at(&r->w, start - 2, (uint16_t)(r->w.off - start));
}

/*
 * One record. Names in the rdata of the RFC 1035 types are compressed;
 * those of later types (SRV...) never are (RFC 3597 4). Every name
 * written must outlive the reply (the compression table points at it):
 * they all come from the database or the query.
 */
static void put_rr(struct reply *r, const struct dns_node *owner,
		   uint16_t type, uint32_t ttl, const uint8_t *rd,
		   uint16_t rdlen)
{
	size_t start = rr_begin(r, owner, type, ttl);

	switch (type) {
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		put_name(r, rd);
		break;
	case DNS_T_MX:
		wire_wr_bytes(&r->w, rd, 2);
		put_name(r, rd + 2);
		break;
	default:
		wire_wr_bytes(&r->w, rd, rdlen);
		break;
	}
	rr_end(r, start);
}

/*
 * A whole RRset into a section, or nothing: when it does not fit the
 * writer goes back to where the set began. A required set that does not
 * fit truncates the reply (TC); after that nothing more is added.
 */
static bool put_rrset(struct reply *r, enum section sec,
		      const struct dns_node *owner, const struct dns_rrset *s,
		      bool required)
{
	size_t saved_off = r->w.off, off = 0;
	unsigned saved_comp = r->ncomp;

	if (r->tc)
		return false;
	for (unsigned i = 0; i < s->count; i++) {
		uint16_t len = (uint16_t)(s->data[off] << 8 | s->data[off + 1]);

		put_rr(r, owner, s->type, s->ttl, s->data + off + 2, len);
		off += 2u + len;
	}
	if (!wire_wr_ok(&r->w) || r->count[sec] > UINT16_MAX - s->count) {
		r->w.off = saved_off;
		r->w.err = 0;
		r->ncomp = saved_comp;
		if (required)
			r->tc = true;
		return false;
	}
	r->count[sec] = (uint16_t)(r->count[sec] + s->count);
	return true;
}

/* The zone's SOA: in the answer with its own TTL, or in the authority
 * section of a negative answer with min(TTL, minimum) (RFC 2308 5). */
static void put_soa(struct reply *r, const struct dns_node *apex,
		    enum section sec)
{
	const struct dns_soa *soa = &dns_node_zone(apex)->soa;
	uint32_t ttl = soa->ttl;
	size_t saved_off = r->w.off, start;
	unsigned saved_comp = r->ncomp;

	if (r->tc)
		return;
	if (sec == SEC_AUTHORITY && soa->minimum < ttl)
		ttl = soa->minimum;
	/* From the zone's own struct: the names stay put. */
	start = rr_begin(r, apex, DNS_T_SOA, ttl);
	put_name(r, soa->mname);
	put_name(r, soa->rname);
	wire_wr_u32(&r->w, soa->serial);
	wire_wr_u32(&r->w, soa->refresh);
	wire_wr_u32(&r->w, soa->retry);
	wire_wr_u32(&r->w, soa->expire);
	wire_wr_u32(&r->w, soa->minimum);
	rr_end(r, start);
	if (!wire_wr_ok(&r->w)) {
		r->w.off = saved_off;
		r->w.err = 0;
		r->ncomp = saved_comp;
		r->tc = true;
		return;
	}
	r->count[sec]++;
}

/* ---- Additional data ----------------------------------------------- */

/* Below a delegation of its zone (glue, not authoritative data)? */
static bool node_occluded(const struct dns_node *n)
{
	for (; n->parent; n = n->parent)
		if (dns_node_rrset(n, DNS_T_NS))
			return true;
	return false;
}

/*
 * The A and AAAA RRsets of a target name (from NS, MX, SRV rdata) when it
 * is one of ours. Glue (in a referral) may come from below the cut; other
 * additional data may not. False only when required data did not fit.
 */
static bool add_addresses(struct reply *r, const uint8_t *target,
			  bool glue, bool required)
{
	static const uint16_t types[2] = { DNS_T_A, DNS_T_AAAA };
	uint8_t name[DNS_WIRE_MAX];
	size_t len = dns_name_len(target);
	const struct dns_node *n;

	for (size_t i = 0; i < len; i++)
		name[i] = target[i] >= 'A' && target[i] <= 'Z' ?
			  (uint8_t)(target[i] + 32) : target[i];
	n = dns_db_find(r->db, name, len);
	if (!n || (!glue && node_occluded(n)))
		return true;
	for (unsigned i = 0; i < r->naddl; i++)
		if (r->addl[i] == n)
			return true;
	if (r->naddl == ADDL_MAX)
		return true;
	r->addl[r->naddl++] = n;
	for (int t = 0; t < 2; t++) {
		const struct dns_rrset *s = dns_node_rrset(n, types[t]);

		if (s && !put_rrset(r, SEC_ADDITIONAL, n, s, false) && required)
			return false;
	}
	return true;
}

/* An answered NS, MX or SRV set: look its targets up once the answer
 * and authority sections are complete (sections are written in order). */
static void want_targets(struct reply *r, const struct dns_rrset *s)
{
	if ((s->type == DNS_T_NS || s->type == DNS_T_MX ||
	     s->type == DNS_T_SRV) && r->nlater < LATER_MAX)
		r->later[r->nlater++] = s;
}

/*
 * The additional section. First a referral's glue: an address of a
 * server below the cut is needed to follow the referral at all, so it
 * truncates the reply when it does not fit (RFC 9471); then addresses
 * for answered NS, MX and SRV targets, left out quietly when they do
 * not fit (RFC 2181 9).
 */
static void additional(struct reply *r)
{
	if (r->cut) {
		const struct dns_rrset *ns = dns_node_rrset(r->cut, DNS_T_NS);
		size_t off = 0;

		for (unsigned i = 0; i < ns->count && !r->tc; i++) {
			uint16_t len = (uint16_t)(ns->data[off] << 8 |
						  ns->data[off + 1]);
			const uint8_t *target = ns->data + off + 2;
			bool inside = dns_name_under(target, r->cut->name);

			if (!add_addresses(r, target, true, inside))
				r->tc = true;
			off += 2u + len;
		}
	}
	for (unsigned k = 0; k < r->nlater && !r->tc; k++) {
		const struct dns_rrset *s = r->later[k];
		size_t skip = s->type == DNS_T_MX ? 2 :
			      s->type == DNS_T_SRV ? 6 : 0;
		size_t off = 0;

		for (unsigned i = 0; i < s->count; i++) {
			uint16_t len = (uint16_t)(s->data[off] << 8 |
						  s->data[off + 1]);

			add_addresses(r, s->data + off + 2 + skip, false,
				      false);
			off += 2u + len;
		}
	}
}

/* A referral to the delegation at cut: its NS set in authority, no AA,
 * glue in additional (later). */
static void referral(struct reply *r, const struct dns_node *cut)
{
	if (put_rrset(r, SEC_AUTHORITY, cut, dns_node_rrset(cut, DNS_T_NS),
		      true))
		r->cut = cut;
}

/* ---- Resolution ---------------------------------------------------- */

/* qtype ANY: every RRset of the name (the SOA first at an apex); false if
 * the name has none (an empty non-terminal: NODATA). RFC 8482's minimal
 * ANY answers exist to spare big signed zones; ours are small. */
static bool answer_any(struct reply *r, const struct dns_node *n)
{
	bool apex = !n->parent, any = apex;

	if (apex)
		put_soa(r, n, SEC_ANSWER);
	for (const struct dns_rrset *s = n->sets; s; s = s->next) {
		if (s->type == DNS_T_SOA)
			continue;	/* the zone's pseudo-set */
		any = true;
		if (put_rrset(r, SEC_ANSWER, n, s, true))
			want_targets(r, s);
	}
	return any;
}

/* The zone that answers a DS query at an apex: the parent, when we hold
 * it (RFC 4035 3.1.4.1); else the child itself. */
static const struct dns_node *ds_zone(const struct dns_db *db,
				      const struct dns_node *apex)
{
	const struct dns_node *p;

	if (apex->labels == 0)
		return apex;
	p = dns_db_encloser(db, apex->name + apex->name[0] + 1,
			    apex->len - apex->name[0] - 1u, apex->labels - 1u);
	return p ? dns_node_apex(p) : apex;
}

/*
 * Answer one name (the question's, then each CNAME target). Returns the
 * rcode; *next is set to the CNAME's target when the chain goes on.
 */
static unsigned answer_node(struct reply *r, const struct dns_node *ce,
			    size_t len, bool first, const uint8_t **next)
{
	uint16_t qtype = r->q->qtype;
	const struct dns_node *apex = ce, *cut = NULL;
	const struct dns_rrset *s;
	bool exact = ce->len == len;

	*next = NULL;
	for (; apex->parent; apex = apex->parent)
		if (dns_node_rrset(apex, DNS_T_NS))
			cut = apex;	/* the topmost cut wins */
	if (cut && !(exact && cut == ce && qtype == DNS_T_DS)) {
		referral(r, cut);
		return DNS_R_NOERROR;
	}
	/* The name is authoritative data; class ANY gets no AA (as NSD). */
	if (first)
		r->aa = r->q->qclass == DNS_CLASS_IN;
	if (!exact) {
		put_soa(r, apex, SEC_AUTHORITY);
		return DNS_R_NXDOMAIN;
	}
	if (qtype == DNS_T_ANY) {
		if (!answer_any(r, ce))
			put_soa(r, apex, SEC_AUTHORITY);
		return DNS_R_NOERROR;
	}
	if (qtype == DNS_T_SOA && !ce->parent) {
		put_soa(r, ce, SEC_ANSWER);
		return DNS_R_NOERROR;
	}
	s = dns_node_rrset(ce, qtype);
	if (s) {
		if (put_rrset(r, SEC_ANSWER, ce, s, true))
			want_targets(r, s);
		return DNS_R_NOERROR;
	}
	s = dns_node_rrset(ce, DNS_T_CNAME);
	if (s && qtype != DNS_T_CNAME) {
		if (put_rrset(r, SEC_ANSWER, ce, s, true))
			*next = s->data + 2;
		return DNS_R_NOERROR;
	}
	if (qtype == DNS_T_DS && !ce->parent)
		apex = ds_zone(r->db, ce);
	put_soa(r, apex, SEC_AUTHORITY);
	return DNS_R_NOERROR;
}

/* The question's name and then the CNAME chain, inside our zones, up to
 * CNAME_LINKS_MAX links; a name seen twice (a loop) ends it. */
static unsigned resolve(struct reply *r, const struct dns_node *ce)
{
	const struct dns_node *seen[CNAME_LINKS_MAX + 1];
	size_t len = r->q->qname_len;
	uint8_t name[DNS_WIRE_MAX];
	unsigned rcode = DNS_R_NOERROR;

	for (unsigned link = 0; link <= CNAME_LINKS_MAX; link++) {
		const uint8_t *target;
		unsigned labels = 0;

		seen[link] = ce;
		rcode = answer_node(r, ce, len, link == 0, &target);
		if (!target || link == CNAME_LINKS_MAX)
			break;
		len = dns_name_len(target);
		for (size_t i = 0; i < len; i++)
			name[i] = target[i] >= 'A' && target[i] <= 'Z' ?
				  (uint8_t)(target[i] + 32) : target[i];
		for (size_t p = 0; name[p]; p += (size_t)name[p] + 1)
			labels++;
		ce = dns_db_encloser(r->db, name, len, labels);
		if (!ce)
			break;		/* not ours: the resolver goes on */
		for (unsigned i = 0; i <= link; i++)
			if (seen[i] == ce && ce->len == len)
				return rcode;
	}
	return rcode;
}

/* ---- The reply ----------------------------------------------------- */

static enum dns_result error_reply(const struct dns_query *q, bool parsed,
				   unsigned rc, const struct dns_answer_opts *o,
				   uint8_t *out, size_t cap, size_t *out_len,
				   unsigned *rcode)
{
	*out_len = dns_error_reply(q, parsed, rc, o && o->may_recurse, out,
				   cap);
	*rcode = rc;
	return *out_len ? DNS_ANSWERED : DNS_DROP;
}

/* The most a reply may take: over UDP the client's EDNS size (512
 * without EDNS), never above what we advertise (DNS flag day 2020). */
static size_t reply_limit(const struct dns_query *q, size_t cap, bool tcp)
{
	size_t limit;

	if (tcp)
		return cap < DNS_TCP_MAX ? cap : DNS_TCP_MAX;
	limit = q->edns ? q->edns_udp : DNS_UDP_MIN;
	if (limit > DNS_EDNS_OURS)
		limit = DNS_EDNS_OURS;
	if (limit < DNS_UDP_MIN)
		limit = DNS_UDP_MIN;
	return limit < cap ? limit : cap;
}

enum dns_result dns_answer(const struct dns_db *db, const struct dns_query *q,
			   uint8_t *out, size_t cap, size_t *out_len,
			   const struct dns_answer_opts *o, unsigned *rcode)
{
	struct reply r;
	const struct dns_node *ce;
	uint16_t flags;
	unsigned rc;

	*out_len = 0;
	*rcode = DNS_R_NOERROR;
	if ((q->flags & DNS_F_QR) || cap < DNS_HDR_LEN)
		return DNS_DROP;
	if (q->opcode != DNS_OPCODE_QUERY)
		return error_reply(q, q->qname_len > 0, DNS_R_NOTIMP, o, out,
				   cap, out_len, rcode);
	if (q->qdcount != 1 || q->qname_len == 0)
		return error_reply(q, false, DNS_R_FORMERR, o, out, cap,
				   out_len, rcode);
	if (q->edns && q->edns_version > 0)
		return error_reply(q, true, DNS_R_BADVERS, o, out, cap,
				   out_len, rcode);
	/* NSD: CHAOS names it does not serve, and every other class, are
	 * REFUSED; class ANY is looked up as IN. */
	if (q->qclass != DNS_CLASS_IN && q->qclass != DNS_CLASS_ANY)
		return error_reply(q, true, DNS_R_REFUSED, o, out, cap,
				   out_len, rcode);
	/* Zone transfers are dnsd's, over TCP, before it calls us; NSD
	 * answers AXFR over UDP with NOTIMP. */
	if (q->qtype == DNS_T_AXFR || q->qtype == DNS_T_IXFR)
		return error_reply(q, true, DNS_R_NOTIMP, o, out, cap,
				   out_len, rcode);
	ce = dns_db_encloser(db, q->lname, q->qname_len, q->labels);
	if (!ce)
		return DNS_NOT_OURS;

	memset(&r, 0, offsetof(struct reply, comp));
	r.db = db;
	r.q = q;
	r.qnode = ce->len == q->qname_len ? ce : NULL;
	wire_wr_init(&r.w, out, reply_limit(q, cap, o && o->tcp));
	wire_wr_zero(&r.w, DNS_HDR_LEN);
	wire_wr_bytes(&r.w, q->qname, q->qname_len);
	wire_wr_u16(&r.w, q->qtype);
	wire_wr_u16(&r.w, q->qclass);
	if (q->edns)
		wire_wr_reserve(&r.w, OPT_LEN);
	if (!wire_wr_ok(&r.w))
		return DNS_DROP;	/* only with a cap far below 512 */
	comp_add(&r, DNS_HDR_LEN, q->qname, q->qname_len, q->qname_len - 1);

	rc = resolve(&r, ce);
	additional(&r);

	if (q->edns) {
		wire_wr_unreserve(&r.w, OPT_LEN);
		wire_wr_u8(&r.w, 0);
		wire_wr_u16(&r.w, DNS_T_OPT);
		wire_wr_u16(&r.w, DNS_EDNS_OURS);
		wire_wr_u32(&r.w, 0);	/* rcode < 16, version 0, DO clear */
		wire_wr_u16(&r.w, 0);
		r.count[SEC_ADDITIONAL]++;
	}
	flags = DNS_F_QR | (q->flags & DNS_F_RD) | (uint16_t)rc;
	if (r.aa)
		flags |= DNS_F_AA;
	if (r.tc)
		flags |= DNS_F_TC;
	if (o && o->may_recurse)
		flags |= DNS_F_RA;
	wire_wr_u16_at(&r.w, 0, q->id);
	wire_wr_u16_at(&r.w, 2, flags);
	wire_wr_u16_at(&r.w, 4, 1);
	wire_wr_u16_at(&r.w, 6, r.count[SEC_ANSWER]);
	wire_wr_u16_at(&r.w, 8, r.count[SEC_AUTHORITY]);
	wire_wr_u16_at(&r.w, 10, r.count[SEC_ADDITIONAL]);
	if (!wire_wr_ok(&r.w))
		return DNS_DROP;
	*out_len = r.w.off;
	*rcode = rc;
	return DNS_ANSWERED;
}
