/*
 * The forwarder's answer cache (dns_cache.h). Pure: no I/O, no clock,
 * no logging.
 *
 * Each entry is one allocation: a header (hash chain, LRU links, key,
 * when it was stored, its TTL) followed by the lower-cased name and the
 * records in a compact form (owner length, owner, type, class, TTL,
 * rdlength, rdata). Entries are reference counted only so that the
 * clients waiting for an upstream answer are served from the entry just
 * stored even when the cache did not keep it; the cache itself holds one
 * reference per linked entry. A keyed hash (SipHash-1-3, random key from
 * the caller) keeps clients from choosing names that share a bucket.
 */
#include "dns_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define OPT_LEN 11		/* root owner, type, class, TTL, rdlength */
#define RR_FIXED 10		/* type, class, TTL, rdlength */
#define SOA_FIXED 20		/* serial, refresh, retry, expire, minimum */

struct dns_cache_entry {
	struct dns_cache_entry *hnext;		/* hash chain */
	struct dns_cache_entry *prev, *next;	/* LRU, newest first */
	uint64_t hash;
	int64_t stored;
	uint32_t ttl;
	unsigned refs;
	bool linked;
	uint16_t qtype, qclass;
	unsigned rcode;
	uint16_t count[DNS_SEC_MAX];
	size_t size;				/* of the allocation */
	size_t name_len;
	size_t data_len;			/* name and records */
	uint8_t data[];
};

struct dns_cache {
	struct dns_cache_opts o;
	struct dns_cache_entry **table;
	size_t mask;				/* buckets - 1 */
	size_t table_bytes;
	struct dns_cache_entry *newest, *oldest;
	size_t entries, bytes;			/* bytes: entries only */
	struct dns_cache_stats st;
};

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* ---- Answers ------------------------------------------------------- */

void dns_answer_init(struct dns_answer *a, const uint8_t *name,
		     uint16_t qtype, uint16_t qclass)
{
	size_t len = dns_name_len(name);

	a->lname_len = len;
	for (size_t i = 0; i < len; i++)
		a->lname[i] = lower(name[i]);
	a->qtype = qtype;
	a->qclass = qclass;
	a->rcode = DNS_R_NOERROR;
	a->negative = false;
	a->dropped = 0;
	a->nrr = 0;
	a->used = 0;
}

int dns_answer_add(struct dns_answer *a, enum dns_section sec,
		   const uint8_t *owner, uint16_t type, uint16_t rclass,
		   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t olen = dns_name_len(owner);
	struct dns_rr *rr;

	if (olen == 0 || sec >= DNS_SEC_MAX ||
	    (a->nrr && a->rr[a->nrr - 1].section > sec))
		return -EINVAL;
	if (a->nrr >= DNS_ANSWER_RR_MAX ||
	    sizeof(a->data) - a->used < olen + rdlen)
		return -ENOSPC;
	rr = &a->rr[a->nrr++];
	memcpy(a->data + a->used, owner, olen);
	rr->owner = a->data + a->used;
	a->used += olen;
	if (rdlen)
		memcpy(a->data + a->used, rdata, rdlen);
	rr->rdata = a->data + a->used;
	a->used += rdlen;
	rr->type = type;
	rr->rclass = rclass;
	rr->ttl = ttl;
	rr->rdlen = rdlen;
	rr->section = (uint8_t)sec;
	return 0;
}

/* ---- The keyed hash ------------------------------------------------ */

static uint64_t rotl(uint64_t x, unsigned b)
{
	return x << b | x >> (64 - b);
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13) ^ s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16) ^ s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21) ^ s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17) ^ s->v2;
	s->v2 = rotl(s->v2, 32);
}

static void sip_word(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	s->v0 ^= m;
}

/* SipHash-1-3 (one compression round, three finalisation rounds). */
static uint64_t siphash13(const uint64_t key[2], const uint8_t *p, size_t n)
{
	struct sip s = {
		key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull,
	};
	uint64_t last = (uint64_t)n << 56;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t m = 0;

		for (unsigned b = 0; b < 8; b++)
			m |= (uint64_t)p[i + b] << (8 * b);
		sip_word(&s, m);
	}
	for (unsigned b = 0; i + b < n; b++)
		last |= (uint64_t)p[i + b] << (8 * b);
	sip_word(&s, last);
	s.v2 ^= 0xff;
	for (int r = 0; r < 3; r++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t dns_cache_hash(const struct dns_cache *c, const uint8_t *name,
			size_t len, uint16_t qtype, uint16_t qclass)
{
	uint8_t key[DNS_WIRE_MAX + 4];

	if (len > DNS_WIRE_MAX)
		len = DNS_WIRE_MAX;
	memcpy(key, name, len);
	key[len] = (uint8_t)(qtype >> 8);
	key[len + 1] = (uint8_t)qtype;
	key[len + 2] = (uint8_t)(qclass >> 8);
	key[len + 3] = (uint8_t)qclass;
	return siphash13(c->o.seed, key, len + 4);
}

/* ---- The table and the LRU list ------------------------------------ */

void dns_cache_opts_default(struct dns_cache_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_bytes = DNS_CACHE_DEFAULT_BYTES;
	o->ttl_max = 86400;
	o->ttl_min = 0;
	o->neg_ttl_max = 3600;
	o->nosoa_ttl = 0;
	o->stale_window = 86400;
}

struct dns_cache *dns_cache_new(const struct dns_cache_opts *o)
{
	struct dns_cache *c = calloc(1, sizeof(*c));
	size_t buckets = 16;

	if (!c)
		return NULL;
	if (o)
		c->o = *o;
	else
		dns_cache_opts_default(&c->o);
	if (c->o.max_bytes < 4096)
		goto out_free;
	/* About one bucket per 256 bytes of budget: short chains for the
	 * smallest entries, a sixteenth of the budget for the table. */
	while (buckets < (1u << 20) && buckets * 2 <= c->o.max_bytes / 256)
		buckets *= 2;
	c->table = calloc(buckets, sizeof(*c->table));
	if (!c->table)
		goto out_free;
	c->mask = buckets - 1;
	c->table_bytes = buckets * sizeof(*c->table);
	return c;

out_free:
	free(c);
	return NULL;
}

void dns_cache_entry_put(struct dns_cache_entry *e)
{
	if (e && --e->refs == 0)
		free(e);
}

/* Take e out of the table and the list, and drop the cache's reference. */
static void entry_unlink(struct dns_cache *c, struct dns_cache_entry *e)
{
	struct dns_cache_entry **pp = &c->table[e->hash & c->mask];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		c->newest = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->oldest = e->prev;
	e->linked = false;
	c->entries--;
	c->bytes -= e->size;
	dns_cache_entry_put(e);
}

static void lru_push(struct dns_cache *c, struct dns_cache_entry *e)
{
	e->prev = NULL;
	e->next = c->newest;
	if (c->newest)
		c->newest->prev = e;
	c->newest = e;
	if (!c->oldest)
		c->oldest = e;
}

static void lru_touch(struct dns_cache *c, struct dns_cache_entry *e)
{
	if (c->newest == e)
		return;
	e->prev->next = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->oldest = e->prev;
	lru_push(c, e);
}

void dns_cache_free(struct dns_cache *c)
{
	if (!c)
		return;
	while (c->oldest)
		entry_unlink(c, c->oldest);
	free(c->table);
	free(c);
}

void dns_cache_stats(const struct dns_cache *c, struct dns_cache_stats *ret)
{
	*ret = c->st;
	ret->entries = c->entries;
	ret->bytes = c->bytes + c->table_bytes;
}

static struct dns_cache_entry *lookup(const struct dns_cache *c,
				      const uint8_t *name, size_t len,
				      uint16_t qtype, uint16_t qclass,
				      uint64_t hash)
{
	struct dns_cache_entry *e = c->table[hash & c->mask];

	for (; e; e = e->hnext)
		if (e->hash == hash && e->qtype == qtype &&
		    e->qclass == qclass && e->name_len == len &&
		    memcmp(e->data, name, len) == 0)
			return e;
	return NULL;
}

/* ---- Storing ------------------------------------------------------- */

static uint32_t clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
	if (v < lo)
		v = lo;
	return v > hi ? hi : v;
}

/* RFC 2181 8: a TTL with the top bit set counts as zero. */
static uint32_t rr_ttl(const struct dns_rr *rr)
{
	return rr->ttl > 0x7fffffffu ? 0 : rr->ttl;
}

/*
 * How long an answer may be kept. Positive: the lowest TTL in the answer
 * section. Negative (RFC 2308 5): min(SOA TTL, SOA minimum) of the SOA in
 * the authority section, and no more than the CNAMEs leading there; none
 * without a SOA unless nosoa_ttl says so. Only NOERROR and NXDOMAIN are
 * kept: a SERVFAIL would hide a stale answer that could still be served.
 */
static uint32_t answer_ttl(const struct dns_cache_opts *o,
			   const struct dns_answer *a)
{
	uint32_t an = UINT32_MAX, neg = UINT32_MAX;
	bool soa = false;

	if (a->rcode != DNS_R_NOERROR && a->rcode != DNS_R_NXDOMAIN)
		return 0;
	for (size_t i = 0; i < a->nrr; i++) {
		const struct dns_rr *rr = &a->rr[i];
		uint32_t t = rr_ttl(rr);

		if (rr->section == DNS_SEC_ANSWER && t < an)
			an = t;
		if (rr->section == DNS_SEC_AUTHORITY && rr->type == DNS_T_SOA &&
		    !soa && rr->rdlen >= SOA_FIXED) {
			const uint8_t *m = rr->rdata + rr->rdlen - 4;
			uint32_t minimum = (uint32_t)m[0] << 24 |
					   (uint32_t)m[1] << 16 |
					   (uint32_t)m[2] << 8 | m[3];

			soa = true;
			neg = t < minimum ? t : minimum;
		}
	}
	if (!a->negative)
		return an == UINT32_MAX ? 0 : clamp(an, o->ttl_min, o->ttl_max);
	if (!soa)
		return clamp(o->nosoa_ttl, 0, o->neg_ttl_max);
	if (an < neg)
		neg = an;
	neg = clamp(neg, o->ttl_min, o->ttl_max);
	return neg < o->neg_ttl_max ? neg : o->neg_ttl_max;
}

static size_t entry_size(const struct dns_answer *a)
{
	size_t n = sizeof(struct dns_cache_entry) + a->lname_len;

	for (size_t i = 0; i < a->nrr; i++)
		n += 1 + dns_name_len(a->rr[i].owner) + RR_FIXED +
		     a->rr[i].rdlen;
	return n;
}

static struct dns_cache_entry *entry_build(const struct dns_cache *c,
					   const struct dns_answer *a,
					   int64_t now, uint32_t ttl,
					   uint64_t hash)
{
	size_t size = entry_size(a);
	struct dns_cache_entry *e = malloc(size);
	struct wire_wr w;

	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->hash = hash;
	e->stored = now;
	e->ttl = ttl;
	e->refs = 1;
	e->qtype = a->qtype;
	e->qclass = a->qclass;
	e->rcode = a->rcode;
	e->size = size;
	e->name_len = a->lname_len;
	wire_wr_init(&w, e->data, size - sizeof(*e));
	wire_wr_bytes(&w, a->lname, a->lname_len);
	for (size_t i = 0; i < a->nrr; i++) {
		const struct dns_rr *rr = &a->rr[i];
		size_t olen = dns_name_len(rr->owner);
		uint32_t t = clamp(rr_ttl(rr), c->o.ttl_min, c->o.ttl_max);

		/* RFC 2308 5: the SOA of a negative answer carries the
		 * negative TTL. */
		if (a->negative && rr->type == DNS_T_SOA &&
		    rr->section == DNS_SEC_AUTHORITY)
			t = ttl;
		e->count[rr->section]++;
		wire_wr_u8(&w, (uint8_t)olen);
		wire_wr_bytes(&w, rr->owner, olen);
		wire_wr_u16(&w, rr->type);
		wire_wr_u16(&w, rr->rclass);
		wire_wr_u32(&w, t);
		wire_wr_u16(&w, rr->rdlen);
		wire_wr_bytes(&w, rr->rdata, rr->rdlen);
	}
	if (!wire_wr_ok(&w)) {		/* entry_size() disagrees: a bug */
		free(e);
		return NULL;
	}
	e->data_len = w.off;
	return e;
}

int dns_cache_store(struct dns_cache *c, const struct dns_answer *a,
		    int64_t now, struct dns_cache_entry **ret_entry)
{
	uint64_t hash = dns_cache_hash(c, a->lname, a->lname_len, a->qtype,
				       a->qclass);
	uint32_t ttl = answer_ttl(&c->o, a);
	struct dns_cache_entry *e, *old;
	size_t budget = c->o.max_bytes - c->table_bytes;

	if (a->lname_len == 0 || a->nrr > DNS_ANSWER_RR_MAX)
		return -EINVAL;
	e = entry_build(c, a, now, ttl, hash);
	if (!e)
		return -ENOMEM;
	old = lookup(c, a->lname, a->lname_len, a->qtype, a->qclass, hash);
	if (old)
		entry_unlink(c, old);
	if (ttl == 0 || e->size > budget / 4) {
		c->st.not_kept++;
		e->ttl = 0;
		if (ret_entry)
			*ret_entry = e;
		else
			dns_cache_entry_put(e);
		return 1;
	}
	while (c->oldest && budget - c->bytes < e->size) {
		entry_unlink(c, c->oldest);
		c->st.evictions++;
	}
	e->hnext = c->table[hash & c->mask];
	c->table[hash & c->mask] = e;
	lru_push(c, e);
	e->linked = true;
	e->refs++;
	c->entries++;
	c->bytes += e->size;
	c->st.stored++;
	if (ret_entry)
		*ret_entry = e;
	else
		dns_cache_entry_put(e);
	return 0;
}

uint32_t dns_cache_entry_ttl(const struct dns_cache_entry *e)
{
	return e->ttl;
}

/* ---- Replies ------------------------------------------------------- */

/*
 * One record. An owner equal to the question's name becomes a pointer to
 * the question (offset 12), which also gives it the client's case; other
 * names go out uncompressed, like dns_put_rr() but with the record's own
 * class.
 */
static void put_rr(struct wire_wr *w, const uint8_t *owner, size_t olen,
		   bool is_qname, uint16_t type, uint16_t rclass, uint32_t ttl,
		   const uint8_t *rdata, uint16_t rdlen)
{
	if (is_qname)
		wire_wr_u16(w, 0xc000 | DNS_HDR_LEN);
	else
		wire_wr_bytes(w, owner, olen);
	wire_wr_u16(w, type);
	wire_wr_u16(w, rclass);
	wire_wr_u32(w, ttl);
	wire_wr_u16(w, rdlen);
	wire_wr_bytes(w, rdata, rdlen);
}

/* The UDP limit: max(512, min(client's size, cap)); TCP: the buffer. */
static size_t reply_limit(const struct dns_query *q, unsigned flags,
			  size_t cap)
{
	size_t lim = q->edns ? q->edns_udp : DNS_UDP_MIN;

	if (flags & DNS_CACHE_TCP)
		return cap < DNS_TCP_MAX ? cap : DNS_TCP_MAX;
	if (lim > cap)
		lim = cap;
	return lim < DNS_UDP_MIN ? DNS_UDP_MIN : lim;
}

static bool query_ok(const struct dns_query *q, size_t cap)
{
	return cap >= DNS_UDP_MIN && q->opcode == DNS_OPCODE_QUERY &&
	       q->qdcount == 1 && q->qname_len > 0 &&
	       q->qname_len <= DNS_WIRE_MAX &&
	       (!q->edns || q->edns_version == 0);
}

/*
 * Write the records of e after the question. Whole RRsets only: one that
 * does not fit in the answer or authority section ends the reply with
 * TC; in the additional section it ends the reply quietly (RFC 2181 9).
 */
static bool write_records(const struct dns_cache_entry *e, struct wire_wr *w,
			  int64_t age, bool stale, uint16_t count[DNS_SEC_MAX])
{
	struct wire_rd r;
	size_t set_off = w->off;
	uint16_t set_count = 0;
	const uint8_t *prev_owner = NULL;
	uint16_t prev_type = 0;
	unsigned sec = DNS_SEC_ANSWER, left = e->count[0];

	wire_rd_init(&r, e->data + e->name_len, e->data_len - e->name_len);
	for (unsigned n = 0; wire_rd_left(&r) > 0 && n < DNS_ANSWER_RR_MAX;
	     n++) {
		while (left == 0 && sec + 1 < DNS_SEC_MAX) {
			left = e->count[++sec];
			prev_owner = NULL;
		}
		uint8_t olen = wire_rd_u8(&r);
		const uint8_t *owner = wire_rd_ptr(&r, olen);
		uint16_t type = wire_rd_u16(&r), rclass = wire_rd_u16(&r);
		uint32_t ttl = wire_rd_u32(&r);
		uint16_t rdlen = wire_rd_u16(&r);
		const uint8_t *rdata = wire_rd_ptr(&r, rdlen);
		bool is_qname;

		if (!wire_rd_ok(&r) || left == 0)
			return false;	/* our own bytes: cannot happen */
		left--;
		if (!prev_owner || prev_type != type ||
		    !dns_name_equal(prev_owner, owner)) {
			set_off = w->off;
			set_count = count[sec];
		}
		prev_owner = owner;
		prev_type = type;
		if (stale)
			ttl = DNS_CACHE_STALE_TTL;
		else
			ttl = (int64_t)ttl > age ? (uint32_t)(ttl - age) : 0;
		is_qname = olen == e->name_len &&
			   memcmp(owner, e->data, olen) == 0;
		put_rr(w, owner, olen, is_qname, type, rclass, ttl, rdata,
		       rdlen);
		if (!wire_wr_ok(w)) {
			w->err = 0;
			w->off = set_off;
			count[sec] = set_count;
			return sec != DNS_SEC_ADDITIONAL;
		}
		count[sec]++;
	}
	return false;
}

static int entry_write(const struct dns_cache_entry *e,
		       const struct dns_query *q, int64_t now, bool stale,
		       unsigned flags, uint8_t *out, size_t cap,
		       size_t *ret_len)
{
	uint16_t count[DNS_SEC_MAX] = { 0 };
	int64_t age = now > e->stored ? now - e->stored : 0;
	uint16_t hflags = DNS_F_QR | DNS_F_RA | (q->flags & DNS_F_RD) |
			  (uint16_t)(e->rcode & 0x0f);
	struct wire_wr w;

	wire_wr_init(&w, out, reply_limit(q, flags, cap));
	if (q->edns)
		wire_wr_reserve(&w, OPT_LEN);
	wire_wr_u16(&w, q->id);
	wire_wr_u16(&w, 0);		/* flags, below */
	wire_wr_u16(&w, 1);
	wire_wr_zero(&w, 6);		/* counts, below */
	wire_wr_bytes(&w, q->qname, q->qname_len);
	wire_wr_u16(&w, q->qtype);
	wire_wr_u16(&w, q->qclass);
	if (!wire_wr_ok(&w))
		return -EMSGSIZE;
	if (write_records(e, &w, age, stale, count))
		hflags |= DNS_F_TC;
	wire_wr_u16_at(&w, 2, hflags);
	wire_wr_u16_at(&w, 6, count[DNS_SEC_ANSWER]);
	wire_wr_u16_at(&w, 8, count[DNS_SEC_AUTHORITY]);
	wire_wr_u16_at(&w, 10, count[DNS_SEC_ADDITIONAL]);
	if (q->edns) {
		/* RFC 6891 6.1.3 and RFC 3225 3: our size, the upper bits
		 * of the rcode, the client's DO bit copied back. */
		wire_wr_unreserve(&w, OPT_LEN);
		wire_wr_u8(&w, 0);
		wire_wr_u16(&w, DNS_T_OPT);
		wire_wr_u16(&w, DNS_EDNS_OURS);
		wire_wr_u32(&w, (uint32_t)((e->rcode >> 4) & 0xff) << 24 |
				(q->edns_do ? 0x8000u : 0));
		wire_wr_u16(&w, 0);
		wire_wr_u16_at(&w, 10, (uint16_t)(count[DNS_SEC_ADDITIONAL] + 1));
	}
	if (!wire_wr_ok(&w))
		return -EMSGSIZE;
	*ret_len = w.off;
	return 0;
}

int dns_cache_entry_reply(const struct dns_cache_entry *e,
			  const struct dns_query *q, int64_t now,
			  unsigned flags, uint8_t *out, size_t cap,
			  size_t *ret_len)
{
	if (!query_ok(q, cap) || q->qtype != e->qtype ||
	    q->qclass != e->qclass || q->qname_len != e->name_len ||
	    !dns_name_equal(q->lname, e->data))
		return -EINVAL;
	return entry_write(e, q, now, false, flags, out, cap, ret_len);
}

int dns_cache_get(struct dns_cache *c, const struct dns_query *q,
		  int64_t now, unsigned flags, uint8_t *out, size_t cap,
		  size_t *ret_len)
{
	struct dns_cache_entry *e;
	uint64_t hash;
	int64_t age;
	int rc;

	if (!query_ok(q, cap))
		return -EINVAL;
	hash = dns_cache_hash(c, q->lname, q->qname_len, q->qtype, q->qclass);
	e = lookup(c, q->lname, q->qname_len, q->qtype, q->qclass, hash);
	if (!e)
		goto out_miss;
	age = now > e->stored ? now - e->stored : 0;
	if (age < (int64_t)e->ttl) {
		lru_touch(c, e);
		rc = entry_write(e, q, now, false, flags, out, cap, ret_len);
		if (rc == 0)
			c->st.hits++;
		return rc;
	}
	if (age >= (int64_t)e->ttl + c->o.stale_window) {
		entry_unlink(c, e);
		c->st.expired++;
		goto out_miss;
	}
	if (!(flags & DNS_CACHE_STALE))
		goto out_miss;
	rc = entry_write(e, q, now, true, flags, out, cap, ret_len);
	if (rc)
		return rc;
	c->st.stale++;
	return 1;

out_miss:
	if (!(flags & DNS_CACHE_STALE))
		c->st.misses++;
	return -ENOENT;
}
