/*
 * DNS message codec for racknet-dnsd (dns.h): a received query becomes a
 * struct dns_query, wire names become text and back, and the small
 * builders every reply path shares (error replies, one record) live here.
 * Pure: no I/O, no allocation, no globals. Every read of peer bytes goes
 * through the bounded reader of shared/wire.h.
 *
 * The query parser is strict where leniency would carry state or work
 * (one question, no compression in it, at most one OPT, every record
 * framed inside the message) and lenient where it costs nothing: bytes
 * after the last record are ignored, as NSD does.
 */
#include "dns.h"

#include <errno.h>
#include <string.h>

#include "wire.h"

#define LABEL_MAX 63
#define OPT_FIXED_LEN 11	/* root owner, type, class, ttl, rdlength */

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* ---- Wire names ---------------------------------------------------- */

/*
 * The callers' names come from our own code or from a parse that checked
 * them, but these helpers still never step past DNS_WIRE_MAX bytes or
 * follow a byte that is not a plain label length.
 */
size_t dns_name_len(const uint8_t *wire)
{
	size_t off = 0;

	while (off < DNS_WIRE_MAX && wire[off] != 0) {
		if (wire[off] > LABEL_MAX)
			return 0;
		off += (size_t)wire[off] + 1;
	}
	return off < DNS_WIRE_MAX ? off + 1 : 0;
}

static unsigned name_labels(const uint8_t *wire)
{
	size_t off = 0;
	unsigned n = 0;

	while (off < DNS_WIRE_MAX && wire[off] != 0 && wire[off] <= LABEL_MAX) {
		off += (size_t)wire[off] + 1;
		n++;
	}
	return n;
}

bool dns_name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t la = dns_name_len(a), lb = dns_name_len(b);

	if (la == 0 || la != lb)
		return false;
	/* Length bytes are <= 63, so lower() leaves them alone. */
	for (size_t i = 0; i < la; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

bool dns_name_under(const uint8_t *name, const uint8_t *apex)
{
	unsigned nl = name_labels(name), al = name_labels(apex);
	size_t off = 0;

	if (dns_name_len(name) == 0 || dns_name_len(apex) == 0 || nl < al)
		return false;
	for (unsigned i = 0; i < nl - al; i++)
		off += (size_t)name[off] + 1;
	return dns_name_equal(name + off, apex);
}

int dns_name_from_text(uint8_t *out, const char *text)
{
	size_t o = 1, label = 0;	/* label: offset of its length byte */
	const char *s = text;

	if (!text)
		return -EINVAL;
	out[0] = 0;
	if (s[0] == '\0' || (s[0] == '.' && s[1] == '\0'))
		return 1;
	while (*s) {
		unsigned c = (unsigned char)*s++;

		if (c == '.') {
			if (o - label == 1)	/* empty label */
				return -EINVAL;
			out[label] = (uint8_t)(o - label - 1);
			label = o;
			if (*s == '\0')	/* the trailing dot */
				break;
			if (o >= DNS_WIRE_MAX - 1)
				return -EINVAL;
			out[o++] = 0;
			continue;
		}
		if (c == '\\') {
			if (s[0] >= '0' && s[0] <= '9') {
				if (!(s[1] >= '0' && s[1] <= '9') ||
				    !(s[2] >= '0' && s[2] <= '9'))
					return -EINVAL;
				c = (unsigned)(s[0] - '0') * 100 +
				    (unsigned)(s[1] - '0') * 10 +
				    (unsigned)(s[2] - '0');
				if (c > 255)
					return -EINVAL;
				s += 3;
			} else if (*s) {
				c = (unsigned char)*s++;
			} else {
				return -EINVAL;
			}
		}
		if (o - label > LABEL_MAX || o >= DNS_WIRE_MAX - 1)
			return -EINVAL;
		out[o++] = lower((uint8_t)c);
	}
	if (label != o)			/* no trailing dot: close the label */
		out[label] = (uint8_t)(o - label - 1);
	out[o++] = 0;
	return (int)o;
}

/* Append one character to buf of size size at *pos, always leaving room
 * for the terminating NUL; extra text is dropped. */
static void text_put(char *buf, size_t size, size_t *pos, const char *s,
		     size_t n)
{
	for (size_t i = 0; i < n && *pos + 1 < size; i++)
		buf[(*pos)++] = s[i];
}

const char *dns_name_to_text(const uint8_t *wire, char *buf, size_t size)
{
	static const char digits[] = "0123456789";
	size_t pos = 0, off = 0;

	if (!buf || size == 0)
		return buf;
	if (dns_name_len(wire) == 0) {
		text_put(buf, size, &pos, "?", 1);
		buf[pos] = '\0';
		return buf;
	}
	if (wire[0] == 0)
		text_put(buf, size, &pos, ".", 1);
	while (wire[off] != 0) {
		size_t n = wire[off++];

		if (off > 1)
			text_put(buf, size, &pos, ".", 1);
		for (size_t i = 0; i < n; i++, off++) {
			uint8_t c = wire[off];
			char esc[4] = { '\\', 0, 0, 0 };

			if (c == '.' || c == '\\') {
				esc[1] = (char)c;
				text_put(buf, size, &pos, esc, 2);
			} else if (c > 0x20 && c < 0x7f) {
				text_put(buf, size, &pos, (const char *)&c, 1);
			} else {
				esc[1] = digits[c / 100];
				esc[2] = digits[c / 10 % 10];
				esc[3] = digits[c % 10];
				text_put(buf, size, &pos, esc, 4);
			}
		}
	}
	buf[pos] = '\0';
	return buf;
}

/* ---- Query parsing ------------------------------------------------- */

static int parse_fail(const char **why, const char *text, int err)
{
	if (why)
		*why = text;
	return err;
}

/*
 * Read the question's name: plain labels only (a pointer in the question
 * could only point back into the header), at most DNS_WIRE_MAX bytes.
 */
static int parse_qname(struct dns_query *q, struct wire_rd *r,
		       const char **why)
{
	size_t o = 0;

	for (;;) {
		uint8_t n = wire_rd_u8(r);
		const uint8_t *label;

		if (!wire_rd_ok(r))
			return parse_fail(why, "question name runs past the end",
					  -EBADMSG);
		if (n >= 0xc0)
			return parse_fail(why, "compression pointer in the question",
					  -EBADMSG);
		if (n > LABEL_MAX)
			return parse_fail(why, "unknown label type in the question",
					  -EBADMSG);
		if (DNS_WIRE_MAX - o < (size_t)n + 1)
			return parse_fail(why, "question name longer than 255 bytes",
					  -EBADMSG);
		q->qname[o] = n;
		q->lname[o] = n;
		o++;
		if (n == 0)
			break;
		label = wire_rd_ptr(r, n);
		if (!label)
			return parse_fail(why, "question name runs past the end",
					  -EBADMSG);
		for (size_t i = 0; i < n; i++, o++) {
			q->qname[o] = label[i];
			q->lname[o] = lower(label[i]);
		}
		q->labels++;
	}
	q->qname_len = o;
	return 0;
}

/* Step over a name in a record: labels, ending in the root or a pointer
 * (which ends it: nothing after a pointer belongs to the name). */
static bool skip_name(struct wire_rd *r, bool *root)
{
	size_t total = 0;

	*root = true;
	for (;;) {
		uint8_t n = wire_rd_u8(r);

		if (!wire_rd_ok(r))
			return false;
		if (n == 0)
			return true;
		*root = false;
		if (n >= 0xc0) {
			wire_rd_skip(r, 1);
			return wire_rd_ok(r);
		}
		if (n > LABEL_MAX)
			return false;
		total += (size_t)n + 1;
		if (total >= DNS_WIRE_MAX)
			return false;
		wire_rd_skip(r, n);
	}
}

/*
 * The OPT record (RFC 6891 6.1): owner root, class the payload size,
 * TTL = extended rcode, version, flags; rdata a list of options, each
 * framed inside the rdata (unknown ones are skipped).
 */
static int parse_opt(struct dns_query *q, struct wire_rd *r, bool root,
		     const char **why)
{
	uint16_t udp = wire_rd_u16(r);
	uint32_t ttl = wire_rd_u32(r);
	uint16_t rdlen = wire_rd_u16(r);
	struct wire_rd opts = wire_rd_sub(r, rdlen);

	if (!wire_rd_ok(r))
		return parse_fail(why, "OPT record runs past the end", -EBADMSG);
	if (q->edns)
		return parse_fail(why, "more than one OPT record", -EBADMSG);
	if (!root)
		return parse_fail(why, "OPT record owner is not the root",
				  -EBADMSG);
	/* Each option takes at least 4 bytes, so this ends. */
	while (wire_rd_left(&opts) > 0) {
		wire_rd_u16(&opts);
		wire_rd_skip(&opts, wire_rd_u16(&opts));
		if (!wire_rd_ok(&opts))
			return parse_fail(why, "EDNS option overruns the OPT record",
					  -EBADMSG);
	}
	q->edns = true;
	q->edns_udp = udp < DNS_UDP_MIN ? DNS_UDP_MIN : udp;
	q->edns_version = (uint8_t)(ttl >> 16);
	q->edns_do = (ttl & 0x8000) != 0;
	return 0;
}

/* One record of the answer, authority or additional section. */
static int parse_rr(struct dns_query *q, struct wire_rd *r, bool additional,
		    const char **why)
{
	uint16_t type;
	bool root;

	if (!skip_name(r, &root))
		return parse_fail(why, "record name runs past the end or is bad",
				  -EBADMSG);
	type = wire_rd_u16(r);
	if (!wire_rd_ok(r))
		return parse_fail(why, "record runs past the end", -EBADMSG);
	if (type == DNS_T_OPT) {
		if (!additional)
			return parse_fail(why, "OPT record outside the additional section",
					  -EBADMSG);
		return parse_opt(q, r, root, why);
	}
	if (additional)
		/* TSIG and friends: we sign nothing and verify nothing. */
		return parse_fail(why, "unsupported record in the additional section",
				  -EBADMSG);
	wire_rd_skip(r, 6);		/* class, ttl */
	wire_rd_skip(r, wire_rd_u16(r));
	if (!wire_rd_ok(r))
		return parse_fail(why, "record runs past the end", -EBADMSG);
	return 0;
}

int dns_query_parse(struct dns_query *q, const uint8_t *buf, size_t len,
		    const char **why)
{
	struct wire_rd r;
	uint16_t ancount, nscount, arcount;
	int rc;

	memset(q, 0, sizeof(*q));
	wire_rd_init(&r, buf, len);
	q->id = wire_rd_u16(&r);
	q->flags = wire_rd_u16(&r);
	q->qdcount = wire_rd_u16(&r);
	ancount = wire_rd_u16(&r);
	nscount = wire_rd_u16(&r);
	arcount = wire_rd_u16(&r);
	if (!wire_rd_ok(&r))
		return parse_fail(why, "shorter than a DNS header", -EINVAL);
	q->opcode = (uint8_t)((q->flags >> 11) & 0x0f);
	if (q->flags & DNS_F_QR)
		return parse_fail(why, "a response, not a query", -EINVAL);

	if (q->opcode != DNS_OPCODE_QUERY) {
		/* Only NOTIMP follows: keep the question if it reads. */
		if (q->qdcount == 1) {
			struct dns_query tmp = *q;

			if (parse_qname(&tmp, &r, NULL) == 0) {
				tmp.qtype = wire_rd_u16(&r);
				tmp.qclass = wire_rd_u16(&r);
				if (wire_rd_ok(&r)) {
					tmp.question_end = r.off;
					*q = tmp;
				}
			}
		}
		return 0;
	}
	if (q->qdcount != 1)
		return parse_fail(why, q->qdcount ? "more than one question"
						  : "no question", -EBADMSG);
	rc = parse_qname(q, &r, why);
	if (rc)
		goto out_bad_question;
	q->qtype = wire_rd_u16(&r);
	q->qclass = wire_rd_u16(&r);
	if (!wire_rd_ok(&r)) {
		rc = parse_fail(why, "question runs past the end", -EBADMSG);
		goto out_bad_question;
	}
	q->question_end = r.off;

	/* RFC 1995 puts the client's SOA in an IXFR's authority section. */
	if (ancount)
		return parse_fail(why, "records in the answer section", -EBADMSG);
	if (nscount && q->qtype != DNS_T_IXFR)
		return parse_fail(why, "records in the authority section",
				  -EBADMSG);
	/* Each record takes at least 11 bytes, so these loops end early on
	 * a lying count. */
	for (unsigned i = 0; i < nscount; i++) {
		rc = parse_rr(q, &r, false, why);
		if (rc)
			goto out_bad_records;
	}
	for (unsigned i = 0; i < arcount; i++) {
		rc = parse_rr(q, &r, true, why);
		if (rc)
			goto out_bad_records;
	}
	return 0;

out_bad_records:
	q->edns = false;
	return rc;
out_bad_question:
	q->qname_len = 0;
	q->labels = 0;
	return rc;
}

/* ---- Builders ------------------------------------------------------ */

bool dns_put_rr(struct wire_wr *w, const uint8_t *owner, uint16_t type,
		uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t olen = dns_name_len(owner);

	if (olen == 0 || !wire_wr_ok(w) ||
	    wire_wr_left(w) < olen + 10 + (size_t)rdlen)
		return false;
	wire_wr_bytes(w, owner, olen);
	wire_wr_u16(w, type);
	wire_wr_u16(w, DNS_CLASS_IN);
	wire_wr_u32(w, ttl);
	wire_wr_u16(w, rdlen);
	wire_wr_bytes(w, rdata, rdlen);
	return wire_wr_ok(w);
}

size_t dns_error_reply(const struct dns_query *q, bool parsed, unsigned rcode,
		       bool may_recurse, uint8_t *out, size_t cap)
{
	struct wire_wr w;
	bool question = parsed && q->qname_len > 0;
	uint16_t flags = DNS_F_QR | (uint16_t)((q->opcode & 0x0f) << 11) |
			 (q->flags & DNS_F_RD) | (uint16_t)(rcode & 0x0f);

	if (may_recurse)
		flags |= DNS_F_RA;
	wire_wr_init(&w, out, cap);
	wire_wr_u16(&w, q->id);
	wire_wr_u16(&w, flags);
	wire_wr_u16(&w, question ? 1 : 0);
	wire_wr_u16(&w, 0);
	wire_wr_u16(&w, 0);
	wire_wr_u16(&w, q->edns ? 1 : 0);
	if (question) {
		wire_wr_bytes(&w, q->qname, q->qname_len);
		wire_wr_u16(&w, q->qtype);
		wire_wr_u16(&w, q->qclass);
	}
	if (q->edns) {
		/* Our OPT: version 0, DO clear (we do not sign), the upper
		 * eight bits of an extended rcode. */
		wire_wr_u8(&w, 0);
		wire_wr_u16(&w, DNS_T_OPT);
		wire_wr_u16(&w, DNS_EDNS_OURS);
		wire_wr_u32(&w, (uint32_t)((rcode >> 4) & 0xff) << 24);
		wire_wr_u16(&w, 0);
	}
	return wire_wr_ok(&w) ? w.off : 0;
}
