/*
 * The forwarder's pure half (dns_fwd.h): the query we send upstream, and
 * the check of what comes back. No I/O, no allocation, no logging: bytes
 * and the question in, a verdict and a filtered struct dns_answer out.
 *
 * Upstream bytes are hostile. Every read goes through shared/wire.h;
 * compression pointers must point strictly before the place the name
 * being read started, so a name ends in at most len/2 jumps and never
 * grows past DNS_WIRE_MAX; names inside the rdata of the types that may
 * be compressed (RFC 3597 4) are expanded and must end inside the rdata;
 * lying counts end in "runs past the end". The reply then loses every
 * record that does not belong to the question (other classes, names off
 * the CNAME chain, SOA or NS of unrelated zones, addresses nothing here
 * points to), so one upstream answer can only ever fill the cache entry
 * of the question it answers.
 */
#include "dns_fwd.h"

#include <errno.h>
#include <string.h>

#include "wire.h"

#define OPT_LEN 11
#define RR_FIXED 10
#define TARGETS_MAX 32		/* NS/MX/SRV targets matched to addresses */
#define RDATA_NAMES_MAX 600	/* 6 + 2 * 255 + 20, rounded up */

enum {
	DNS_T_MD = 3, DNS_T_MF = 4, DNS_T_MB = 7, DNS_T_MG = 8,
	DNS_T_MR = 9, DNS_T_MINFO = 14, DNS_T_RP = 17, DNS_T_AFSDB = 18,
	DNS_T_RT = 21, DNS_T_PX = 26, DNS_T_DNAME = 39,
};

const char *dns_fwd_verdict_name(enum dns_fwd_verdict v)
{
	static const char *const names[DNS_FWD_VERDICT_MAX] = {
		"answer", "truncated", "rcode", "mismatch", "malformed",
	};

	return (unsigned)v < DNS_FWD_VERDICT_MAX ? names[v] : "?";
}

size_t dns_fwd_query_build(const struct dns_fwd_question *fq, uint8_t *out,
			   size_t cap)
{
	struct wire_wr w;

	if (fq->name_len == 0 || fq->name_len > DNS_WIRE_MAX ||
	    dns_name_len(fq->name) != fq->name_len)
		return 0;
	wire_wr_init(&w, out, cap);
	wire_wr_u16(&w, fq->id);
	wire_wr_u16(&w, DNS_F_RD);
	wire_wr_u16(&w, 1);
	wire_wr_u16(&w, 0);
	wire_wr_u16(&w, 0);
	wire_wr_u16(&w, 1);
	wire_wr_bytes(&w, fq->name, fq->name_len);
	wire_wr_u16(&w, fq->qtype);
	wire_wr_u16(&w, fq->qclass);
	wire_wr_u8(&w, 0);		/* OPT: root owner */
	wire_wr_u16(&w, DNS_T_OPT);
	wire_wr_u16(&w, DNS_EDNS_OURS);
	wire_wr_u32(&w, 0);		/* rcode 0, version 0, DO clear */
	wire_wr_u16(&w, 0);
	return wire_wr_ok(&w) ? w.off : 0;
}

/* ---- Names --------------------------------------------------------- */

/*
 * Read the (maybe compressed) name at r's offset into out (DNS_WIRE_MAX
 * bytes), leaving r just past the name's own bytes. r must cover the
 * whole message: pointers count from its start. Returns the length or
 * -EBADMSG. Each pointer must go strictly below the previous jump's
 * target (the first: below the name's start), so jumps cannot loop.
 */
static int name_read(struct wire_rd *r, uint8_t *out)
{
	size_t pos = r->off, floor = r->off, end = 0, o = 0;
	const uint8_t *m = r->p;

	if (!wire_rd_ok(r))
		return -EBADMSG;
	for (;;) {
		uint8_t n;

		if (pos >= r->len)
			return -EBADMSG;
		n = m[pos];
		if ((n & 0xc0) == 0xc0) {
			size_t to;

			if (r->len - pos < 2)
				return -EBADMSG;
			to = (size_t)(n & 0x3f) << 8 | m[pos + 1];
			if (!end)
				end = pos + 2;
			if (to >= floor)
				return -EBADMSG;
			floor = to;
			pos = to;
			continue;
		}
		if (n & 0xc0)		/* 0x40, 0x80: no such labels */
			return -EBADMSG;
		if (r->len - pos - 1 < n || DNS_WIRE_MAX - o < (size_t)n + 1)
			return -EBADMSG;
		out[o++] = n;
		memcpy(out + o, m + pos + 1, n);
		o += n;
		pos += (size_t)n + 1;
		if (n == 0)
			break;
	}
	wire_rd_seek(r, end ? end : pos);
	return (int)o;
}

/* The names in a type's rdata (RFC 1035 and RFC 3597 4): fixed bytes
 * before them, how many, and the exact count of fixed bytes after. */
struct rd_form {
	uint16_t type;
	uint8_t pre, names, post;
};

static const struct rd_form rd_forms[] = {
	{ DNS_T_NS, 0, 1, 0 },     { DNS_T_MD, 0, 1, 0 },
	{ DNS_T_MF, 0, 1, 0 },     { DNS_T_CNAME, 0, 1, 0 },
	{ DNS_T_SOA, 0, 2, 20 },   { DNS_T_MB, 0, 1, 0 },
	{ DNS_T_MG, 0, 1, 0 },     { DNS_T_MR, 0, 1, 0 },
	{ DNS_T_PTR, 0, 1, 0 },    { DNS_T_MINFO, 0, 2, 0 },
	{ DNS_T_MX, 2, 1, 0 },     { DNS_T_RP, 0, 2, 0 },
	{ DNS_T_AFSDB, 2, 1, 0 },  { DNS_T_RT, 2, 1, 0 },
	{ DNS_T_PX, 2, 2, 0 },     { DNS_T_SRV, 6, 1, 0 },
	{ DNS_T_DNAME, 0, 1, 0 },
};

static const struct rd_form *rd_form(uint16_t type)
{
	for (size_t i = 0; i < sizeof(rd_forms) / sizeof(rd_forms[0]); i++)
		if (rd_forms[i].type == type)
			return &rd_forms[i];
	return NULL;
}

/*
 * The record's rdata with its names expanded into tmp (RDATA_NAMES_MAX),
 * or the bytes as they are for other types. r covers the message, its
 * offset is the rdata's start. -EBADMSG if a name leaves the rdata or the
 * fixed parts have the wrong size.
 */
static int rdata_read(struct wire_rd msg, uint16_t type, uint16_t rdlen,
		      uint8_t *tmp, const uint8_t **ret, uint16_t *ret_len)
{
	const struct rd_form *f = rd_form(type);
	size_t end = msg.off + rdlen, o = 0;

	if ((type == DNS_T_A && rdlen != 4) ||
	    (type == DNS_T_AAAA && rdlen != 16))
		return -EBADMSG;
	if (!f) {
		*ret = wire_rd_ptr(&msg, rdlen);
		*ret_len = rdlen;
		return *ret ? 0 : -EBADMSG;
	}
	if (rdlen < f->pre)
		return -EBADMSG;
	wire_rd_bytes(&msg, tmp, f->pre);
	o = f->pre;
	for (unsigned i = 0; i < f->names; i++) {
		int n = name_read(&msg, tmp + o);

		if (n < 0 || msg.off > end)
			return -EBADMSG;
		o += (size_t)n;
	}
	if (end - msg.off != f->post)
		return -EBADMSG;
	wire_rd_bytes(&msg, tmp + o, f->post);
	o += f->post;
	if (!wire_rd_ok(&msg))
		return -EBADMSG;
	*ret = tmp;
	*ret_len = (uint16_t)o;
	return 0;
}

/* ---- The check ----------------------------------------------------- */

static enum dns_fwd_verdict say(const char **why, const char *text,
				enum dns_fwd_verdict v)
{
	if (why)
		*why = text;
	return v;
}

/* Header and question: is this a reply to fq at all? */
static enum dns_fwd_verdict check_question(const struct dns_fwd_question *fq,
					   struct wire_rd *r, uint16_t *flags,
					   uint16_t count[DNS_SEC_MAX],
					   const char **why)
{
	uint8_t name[DNS_WIRE_MAX];
	uint16_t id, qd, qtype, qclass;
	int n;

	id = wire_rd_u16(r);
	*flags = wire_rd_u16(r);
	qd = wire_rd_u16(r);
	for (int s = 0; s < DNS_SEC_MAX; s++)
		count[s] = wire_rd_u16(r);
	if (!wire_rd_ok(r))
		return say(why, "shorter than a DNS header", DNS_FWD_MISMATCH);
	if (!(*flags & DNS_F_QR))
		return say(why, "not a response", DNS_FWD_MISMATCH);
	if (id != fq->id)
		return say(why, "wrong ID", DNS_FWD_MISMATCH);
	if (((*flags >> 11) & 0x0f) != DNS_OPCODE_QUERY)
		return say(why, "opcode is not QUERY", DNS_FWD_MISMATCH);
	if (qd != 1)
		return say(why, "not exactly one question", DNS_FWD_MISMATCH);
	n = name_read(r, name);
	qtype = wire_rd_u16(r);
	qclass = wire_rd_u16(r);
	if (n < 0 || !wire_rd_ok(r))
		return say(why, "question runs past the end or is bad",
			   DNS_FWD_MISMATCH);
	if ((size_t)n != fq->name_len || !dns_name_equal(name, fq->name) ||
	    qtype != fq->qtype || qclass != fq->qclass)
		return say(why, "not our question", DNS_FWD_MISMATCH);
	return DNS_FWD_ANSWER;
}

/*
 * Every record into a (class qclass only; OPT read for the extended
 * rcode, never stored). A second OPT, an OPT outside the additional
 * section, or one not owned by the root makes the reply malformed.
 */
static enum dns_fwd_verdict read_records(struct wire_rd *r,
					 const uint16_t count[DNS_SEC_MAX],
					 struct dns_answer *a, unsigned *ext,
					 const char **why)
{
	uint8_t owner[DNS_WIRE_MAX], tmp[RDATA_NAMES_MAX];
	bool opt = false;

	for (int s = 0; s < DNS_SEC_MAX; s++) {
		/* A record takes at least 11 bytes: a lying count ends
		 * early with "runs past the end". */
		for (unsigned i = 0; i < count[s]; i++) {
			int n = name_read(r, owner);
			uint16_t type = wire_rd_u16(r), rclass = wire_rd_u16(r);
			uint32_t ttl = wire_rd_u32(r);
			uint16_t rdlen = wire_rd_u16(r), len = 0;
			struct wire_rd at = *r;
			const uint8_t *rdata = NULL;

			wire_rd_skip(r, rdlen);
			if (n < 0 || !wire_rd_ok(r))
				return say(why, "record runs past the end or has a bad name",
					   DNS_FWD_MALFORMED);
			if (type == DNS_T_OPT) {
				if (s != DNS_SEC_ADDITIONAL || opt || n != 1)
					return say(why, "misplaced or second OPT record",
						   DNS_FWD_MALFORMED);
				opt = true;
				*ext = ttl >> 24;
				continue;
			}
			if (rdata_read(at, type, rdlen, tmp, &rdata, &len) < 0)
				return say(why, "bad rdata", DNS_FWD_MALFORMED);
			if (rclass != a->qclass) {
				a->dropped++;
				continue;
			}
			if (dns_answer_add(a, (enum dns_section)s, owner, type,
					   rclass, ttl, rdata, len) < 0)
				return say(why, "too many records",
					   DNS_FWD_MALFORMED);
		}
	}
	return DNS_FWD_ANSWER;
}

struct chain {
	const uint8_t *end;		/* the last name of the chain */
	bool found;			/* data of the asked type at end */
	const uint8_t *targets[TARGETS_MAX];
	size_t ntargets;
};

static bool owner_is(const struct dns_rr *rr, const uint8_t *name)
{
	return dns_name_equal(rr->owner, name);
}

static void target_add(struct chain *ch, const uint8_t *name)
{
	if (ch->ntargets < TARGETS_MAX)
		ch->targets[ch->ntargets++] = name;
}

/* The answer section: the records of the question's name, following
 * CNAMEs (and keeping DNAMEs above the current name) for at most
 * DNS_FWD_CHAIN_MAX hops; a loop stops at a record already kept. hop[i]
 * says at which hop a kept record joined the chain, so that the answer
 * can be put in chain order whatever order the upstream sent. */
static void keep_chain(const struct dns_answer *a, bool *keep, uint8_t *hop,
		       struct chain *ch)
{
	ch->end = a->lname;
	for (int hop_n = 0; hop_n < DNS_FWD_CHAIN_MAX; hop_n++) {
		const uint8_t *next = NULL;

		for (size_t i = 0; i < a->nrr; i++) {
			const struct dns_rr *rr = &a->rr[i];

			if (rr->section != DNS_SEC_ANSWER || keep[i])
				continue;
			if (owner_is(rr, ch->end)) {
				if (rr->type == a->qtype ||
				    a->qtype == DNS_T_ANY) {
					keep[i] = true;
					ch->found = true;
				} else if (rr->type == DNS_T_CNAME && !next) {
					keep[i] = true;
					next = rr->rdata;
				}
			} else if (rr->type == DNS_T_DNAME &&
				   dns_name_under(ch->end, rr->owner)) {
				keep[i] = true;
			}
			if (keep[i])
				hop[i] = (uint8_t)hop_n;
			if (keep[i] && rr->type == DNS_T_MX)
				target_add(ch, rr->rdata + 2);
			else if (keep[i] && rr->type == DNS_T_SRV)
				target_add(ch, rr->rdata + 6);
			else if (keep[i] && rr->type == DNS_T_NS)
				target_add(ch, rr->rdata);
		}
		if (ch->found || !next)
			break;
		ch->end = next;
	}
}

/* Authority: for a negative answer the first SOA of a zone at or above
 * the chain's end; for a positive one the NS records of such a zone.
 * Additional: addresses of the names kept records point to. */
static void keep_rest(const struct dns_answer *a, bool *keep,
		      struct chain *ch)
{
	bool soa = false;

	for (size_t i = 0; i < a->nrr; i++) {
		const struct dns_rr *rr = &a->rr[i];

		if (rr->section != DNS_SEC_AUTHORITY ||
		    !dns_name_under(ch->end, rr->owner))
			continue;
		if (a->negative && rr->type == DNS_T_SOA && !soa) {
			keep[i] = soa = true;
		} else if (!a->negative && rr->type == DNS_T_NS) {
			keep[i] = true;
			target_add(ch, rr->rdata);
		}
	}
	for (size_t i = 0; i < a->nrr; i++) {
		const struct dns_rr *rr = &a->rr[i];

		if (rr->section != DNS_SEC_ADDITIONAL ||
		    (rr->type != DNS_T_A && rr->type != DNS_T_AAAA))
			continue;
		for (size_t t = 0; t < ch->ntargets && !keep[i]; t++)
			keep[i] = owner_is(rr, ch->targets[t]);
	}
}

static void filter(struct dns_answer *a)
{
	bool keep[DNS_ANSWER_RR_MAX] = { false };
	uint8_t hop[DNS_ANSWER_RR_MAX] = { 0 };
	struct chain ch = { .end = NULL };
	size_t j = 0;

	keep_chain(a, keep, hop, &ch);
	a->negative = a->rcode == DNS_R_NXDOMAIN || !ch.found;
	keep_rest(a, keep, &ch);
	for (size_t i = 0; i < a->nrr; i++) {
		if (keep[i]) {
			hop[j] = hop[i];
			a->rr[j++] = a->rr[i];
		} else {
			a->dropped++;
		}
	}
	a->nrr = j;
	/* The answer section (first, sections are in order) in chain order:
	 * the question's name first, then each CNAME's target. A stable
	 * insertion sort: an answer holds a handful of records. */
	for (size_t i = 1; i < a->nrr && a->rr[i].section == DNS_SEC_ANSWER;
	     i++) {
		struct dns_rr rr = a->rr[i];
		uint8_t h = hop[i];
		size_t k = i;

		for (; k > 0 && hop[k - 1] > h; k--) {
			a->rr[k] = a->rr[k - 1];
			hop[k] = hop[k - 1];
		}
		a->rr[k] = rr;
		hop[k] = h;
	}
}

enum dns_fwd_verdict dns_fwd_check(const struct dns_fwd_question *fq,
				   const uint8_t *buf, size_t len,
				   struct dns_answer *a, const char **why)
{
	uint16_t flags, count[DNS_SEC_MAX];
	enum dns_fwd_verdict v;
	struct wire_rd r;
	unsigned ext = 0;

	if (why)
		*why = "";
	if (fq->name_len == 0 || fq->name_len > DNS_WIRE_MAX ||
	    dns_name_len(fq->name) != fq->name_len)
		return say(why, "bad question to check against",
			   DNS_FWD_MISMATCH);
	dns_answer_init(a, fq->name, fq->qtype, fq->qclass);
	wire_rd_init(&r, buf, len);
	v = check_question(fq, &r, &flags, count, why);
	if (v != DNS_FWD_ANSWER)
		return v;
	if (flags & DNS_F_TC)
		return say(why, "truncated", DNS_FWD_TRUNCATED);
	a->rcode = flags & 0x0f;
	if (a->rcode != DNS_R_NOERROR && a->rcode != DNS_R_NXDOMAIN)
		return say(why, "error rcode", DNS_FWD_RCODE);
	v = read_records(&r, count, a, &ext, why);
	if (v != DNS_FWD_ANSWER) {
		a->nrr = 0;
		return v;
	}
	if (ext) {
		a->rcode |= ext << 4;
		a->nrr = 0;
		return say(why, "extended error rcode", DNS_FWD_RCODE);
	}
	filter(a);
	return DNS_FWD_ANSWER;
}
