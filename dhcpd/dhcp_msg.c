/*
 * DHCPv4 message codec (dhcp_msg.h): a received BOOTREQUEST becomes a
 * struct dhcp_msg, a struct dhcp_reply becomes the bytes of a BOOTREPLY.
 * Pure: no I/O, no allocation, no globals. Every read of peer bytes goes
 * through the bounded reader of shared/wire.h, every write through the
 * bounded writer, so a malformed or hostile message can only fail.
 *
 * Options live in up to three areas: the options field, then the file and
 * sname fields when option 52 says so (RFC 2131 4.1, RFC 3396 order). The
 * parser walks them twice: once to check the framing and add up each
 * code's length, once to concatenate each code's instances into optbuf
 * (RFC 3396). The builder lays the reply's options out on paper first
 * (which fit, in which area) and then writes them, so what it drops when
 * the client's size limit is tight is decided before any byte is written.
 */
#include "dhcp_msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dnsname.h"
#include "wire.h"

#define FQDN_FLAG_E 0x04	/* RFC 4702 2.1: name in DNS wire format */
#define OPT_MAX_INSTANCE 255	/* one instance's data, RFC 3396 splits more */
#define SNAME_OFF 44		/* offsets inside the fixed BOOTP header */
#define SNAME_LEN 64
#define FILE_OFF 108
#define FILE_LEN 128

/* The option areas, in the order RFC 3396 concatenates them. */
enum area { AREA_OPTIONS, AREA_FILE, AREA_SNAME, AREA_MAX };

static const char *const area_names[AREA_MAX] = {
	"options", "file", "sname"
};

const char *dhcp_type_name(int type)
{
	static const char *const names[DHCP_TYPE_MAX] = {
		"?", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK",
		"RELEASE", "INFORM"
	};

	return type > 0 && type < DHCP_TYPE_MAX ? names[type] : "?";
}

/* ---- Parsing ------------------------------------------------------- */

struct opt_walk {
	uint16_t total[256];	/* pass 1: data bytes per code, all areas */
	uint16_t pos[256];	/* pass 2: where the next instance goes */
	uint16_t end[256];	/* pass 2: end of the code's slot in optbuf */
	const uint8_t *overload;	/* last non-empty option 52 seen */
};

static int parse_fail(const char **why, const char *text)
{
	if (why)
		*why = text;
	return -EBADMSG;
}

static int walk_fail(struct dhcp_msg *m, uint8_t code, enum area a,
		     const char **why)
{
	snprintf(m->errbuf, sizeof(m->errbuf), "option %u overruns the %s field",
		 (unsigned)code, area_names[a]);
	return parse_fail(why, m->errbuf);
}

/*
 * Walk one option area up to END or its end. Pass 1 (copy false) checks
 * that every option's length stays inside the area and adds it up; pass 2
 * copies each instance after the earlier ones of its code.
 */
static int area_walk(struct dhcp_msg *m, struct opt_walk *ow,
		     const uint8_t *p, size_t len, enum area a, bool copy,
		     const char **why)
{
	struct wire_rd r;

	wire_rd_init(&r, p, len);
	while (wire_rd_left(&r) > 0) {
		uint8_t code = wire_rd_u8(&r), n;
		const uint8_t *data;

		if (code == DHO_PAD)
			continue;
		if (code == DHO_END)
			break;
		n = wire_rd_u8(&r);
		data = wire_rd_ptr(&r, n);	/* NULL if either read failed */
		if (!data)
			return walk_fail(m, code, a, why);
		if (!copy) {
			ow->total[code] = (uint16_t)(ow->total[code] + n);
			m->opt[code].present = true;
			if (code == DHO_OVERLOAD && n > 0)
				ow->overload = data;
			continue;
		}
		/* Cannot fail (pass 1 sized the slots); checked all the same. */
		if (ow->end[code] - ow->pos[code] < n)
			return walk_fail(m, code, a, why);
		memcpy(m->optbuf + ow->pos[code], data, n);
		ow->pos[code] = (uint16_t)(ow->pos[code] + n);
	}
	return 0;
}

/* Mark an option absent: what a fixed-size option of the wrong size is. */
static void opt_clear(struct dhcp_msg *m, uint8_t code)
{
	m->opt[code] = (struct dhcp_opt_data){ .p = NULL };
}

/* A reader over option code if it is present with exactly len bytes. */
static bool opt_fixed(struct dhcp_msg *m, uint8_t code, size_t len,
		      struct wire_rd *ret)
{
	const struct dhcp_opt_data *o = &m->opt[code];

	if (!o->present)
		return false;
	if (o->len != len) {
		opt_clear(m, code);
		return false;
	}
	wire_rd_init(ret, o->p, o->len);
	return true;
}

static uint32_t opt_u32(struct dhcp_msg *m, uint8_t code)
{
	struct wire_rd r;

	return opt_fixed(m, code, 4, &r) ? wire_rd_u32(&r) : 0;
}

/*
 * The hostname: option 81's name when it carries a usable one (RFC 4702:
 * flags, two deprecated rcodes, then the name, in DNS wire format if E is
 * set, else ASCII), else option 12. Only the first label is kept.
 */
static void msg_hostname(struct dhcp_msg *m)
{
	struct dhcp_opt_data *o = &m->opt[DHO_FQDN];
	struct wire_rd r;

	if (o->present && o->len < 3)
		opt_clear(m, DHO_FQDN);
	if (o->present) {
		const uint8_t *name;
		size_t n;

		wire_rd_init(&r, o->p, o->len);
		m->fqdn_flags = wire_rd_u8(&r);
		wire_rd_skip(&r, 2);
		if (m->fqdn_flags & FQDN_FLAG_E) {
			n = wire_rd_u8(&r);	/* 0 past the end: no name */
			if (n > DNS_LABEL_MAX)	/* a pointer or junk */
				n = 0;
		} else {
			n = wire_rd_left(&r);
		}
		name = wire_rd_ptr(&r, n);
		if (name && dns_label_sanitize(m->hostname, sizeof(m->hostname),
					       name, n) > 0)
			return;
	}
	o = &m->opt[DHO_HOSTNAME];
	if (o->present)
		dns_label_sanitize(m->hostname, sizeof(m->hostname), o->p,
				   o->len);
}

/* Decode the options the server acts on; the rest stay raw in opt[]. */
static int msg_decode(struct dhcp_msg *m, const char **why)
{
	struct wire_rd r;

	if (!m->opt[DHO_MSG_TYPE].present) {
		if (why)
			*why = "no message type (BOOTP)";
		return -EPROTONOSUPPORT;
	}
	/* Never guess the type: a wrong size or a repeated 53 is refused. */
	if (opt_fixed(m, DHO_MSG_TYPE, 1, &r))
		m->type = wire_rd_u8(&r);
	if (m->type < DHCP_DISCOVER || m->type >= DHCP_TYPE_MAX) {
		m->type = 0;
		return parse_fail(why, "bad message type");
	}
	m->requested_ip = opt_u32(m, DHO_REQUESTED_IP);
	m->server_id = opt_u32(m, DHO_SERVER_ID);
	m->lease_time = opt_u32(m, DHO_LEASE_TIME);
	if (opt_fixed(m, DHO_MAX_SIZE, 2, &r)) {
		m->max_size = wire_rd_u16(&r);
		if (m->max_size < DHCP_DEFAULT_MAX)	/* RFC 2132 9.10 */
			m->max_size = 0;
	}
	m->client_arch = 0xffff;
	if (m->opt[DHO_CLIENT_ARCH].present) {
		const struct dhcp_opt_data *o = &m->opt[DHO_CLIENT_ARCH];

		if (o->len >= 2 && o->len % 2 == 0) {
			wire_rd_init(&r, o->p, o->len);
			m->client_arch = wire_rd_u16(&r);
		} else {
			opt_clear(m, DHO_CLIENT_ARCH);
		}
	}
	if (!m->overload)	/* not in the options field, or not 1..3 */
		opt_clear(m, DHO_OVERLOAD);
	msg_hostname(m);
	return 0;
}

/* A fixed BOOTP text field as a C string (it need not hold a NUL). */
static void field_copy(char *dst, size_t size, const uint8_t *src, size_t n)
{
	size_t len = n < size - 1 ? n : size - 1;

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Whether area a holds options: the options field always, file and
 * sname when option 52 says so. */
static bool area_used(const struct dhcp_msg *m, int a)
{
	return a == AREA_OPTIONS || m->overload & (a == AREA_FILE ? 1 : 2);
}

/* The fixed header and the cookie; where each option area lies. */
static int msg_header(struct dhcp_msg *m, const void *buf, size_t len,
		      int op, const uint8_t *area_p[AREA_MAX],
		      size_t area_len[AREA_MAX], const char **why)
{
	struct wire_rd r;
	uint32_t cookie;

	if (len > DHCP_MAX_LEN)
		return parse_fail(why, "message too long");
	wire_rd_init(&r, buf, len);
	m->op = wire_rd_u8(&r);
	m->htype = wire_rd_u8(&r);
	m->hlen = wire_rd_u8(&r);
	m->hops = wire_rd_u8(&r);
	m->xid = wire_rd_u32(&r);
	m->secs = wire_rd_u16(&r);
	m->flags = wire_rd_u16(&r);
	m->ciaddr = wire_rd_u32(&r);
	m->yiaddr = wire_rd_u32(&r);
	m->siaddr = wire_rd_u32(&r);
	m->giaddr = wire_rd_u32(&r);
	wire_rd_bytes(&r, m->chaddr, sizeof(m->chaddr));
	area_p[AREA_SNAME] = wire_rd_ptr(&r, SNAME_LEN);
	area_p[AREA_FILE] = wire_rd_ptr(&r, FILE_LEN);
	cookie = wire_rd_u32(&r);
	if (!wire_rd_ok(&r))
		return parse_fail(why, "truncated header");
	if (m->op != op)
		return parse_fail(why, op == DHCP_BOOTREQUEST ?
				  "not a BOOTREQUEST" : "not a BOOTREPLY");
	if (m->hlen > sizeof(m->chaddr))
		return parse_fail(why, "bad hardware address length");
	if (cookie != DHCP_COOKIE)
		return parse_fail(why, "bad magic cookie");
	area_len[AREA_SNAME] = SNAME_LEN;
	area_len[AREA_FILE] = FILE_LEN;
	area_len[AREA_OPTIONS] = wire_rd_left(&r);
	area_p[AREA_OPTIONS] = wire_rd_ptr(&r, area_len[AREA_OPTIONS]);
	return 0;
}

/* Both passes over the option areas: frame and size, then concatenate. */
static int msg_options(struct dhcp_msg *m, const uint8_t *area_p[AREA_MAX],
		       const size_t area_len[AREA_MAX], const char **why)
{
	struct opt_walk ow = { .overload = NULL };
	size_t off = 0;
	int a, rc;

	/* Option 52 counts only in the options field, and only if sane. */
	rc = area_walk(m, &ow, area_p[AREA_OPTIONS], area_len[AREA_OPTIONS],
		       AREA_OPTIONS, false, why);
	if (rc < 0)
		return rc;
	if (ow.total[DHO_OVERLOAD] == 1 && ow.overload[0] >= 1 &&
	    ow.overload[0] <= 3)
		m->overload = ow.overload[0];
	for (a = AREA_FILE; a < AREA_MAX; a++) {
		if (!area_used(m, a))
			continue;
		rc = area_walk(m, &ow, area_p[a], area_len[a], a, false, why);
		if (rc < 0)
			return rc;
	}

	/* Each code gets one slot in optbuf, sized by pass 1. The areas
	 * together are shorter than the message, so optbuf always holds them. */
	for (int code = 0; code < 256; code++) {
		if (!m->opt[code].present)
			continue;
		if (sizeof(m->optbuf) - off < ow.total[code])
			return parse_fail(why, "options too long");
		m->opt[code].p = m->optbuf + off;
		m->opt[code].len = ow.total[code];
		ow.pos[code] = (uint16_t)off;
		off += ow.total[code];
		ow.end[code] = (uint16_t)off;
	}
	for (a = AREA_OPTIONS; a < AREA_MAX; a++) {
		if (!area_used(m, a))
			continue;
		rc = area_walk(m, &ow, area_p[a], area_len[a], a, true, why);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_op(struct dhcp_msg *m, const void *buf, size_t len, int op,
		    const char **why)
{
	const uint8_t *area_p[AREA_MAX];
	size_t area_len[AREA_MAX];
	int rc;

	memset(m, 0, sizeof(*m));
	rc = msg_header(m, buf, len, op, area_p, area_len, why);
	if (rc < 0)
		return rc;
	rc = msg_options(m, area_p, area_len, why);
	if (rc < 0)
		return rc;
	if (!area_used(m, AREA_SNAME))
		field_copy(m->sname, sizeof(m->sname), area_p[AREA_SNAME],
			   SNAME_LEN);
	if (!area_used(m, AREA_FILE))
		field_copy(m->file, sizeof(m->file), area_p[AREA_FILE],
			   FILE_LEN);
	return msg_decode(m, why);
}

int dhcp_parse(struct dhcp_msg *m, const void *buf, size_t len,
	       const char **why)
{
	return parse_op(m, buf, len, DHCP_BOOTREQUEST, why);
}

int dhcp_parse_reply(struct dhcp_msg *m, const void *buf, size_t len,
		     const char **why)
{
	return parse_op(m, buf, len, DHCP_BOOTREPLY, why);
}

const uint8_t *dhcp_client_id(const struct dhcp_msg *m, size_t *ret_len)
{
	const struct dhcp_opt_data *o = &m->opt[DHO_CLIENT_ID];

	if (o->present && o->len > 0) {
		*ret_len = o->len;
		return o->p;
	}
	*ret_len = m->hlen;
	return m->chaddr;
}

bool dhcp_requested(const struct dhcp_msg *m, uint8_t code)
{
	const struct dhcp_opt_data *o = &m->opt[DHO_PRL];

	return o->present && o->len > 0 && memchr(o->p, code, o->len);
}

size_t dhcp_max_reply(const struct dhcp_msg *req, size_t cap)
{
	size_t v = DHCP_DEFAULT_MAX - DHCP_IPUDP_LEN;

	/* max_size is 0 or >= 576; compare before subtracting regardless. */
	if (req->max_size > DHCP_DEFAULT_MAX)
		v = (size_t)req->max_size - DHCP_IPUDP_LEN;
	return v < cap ? v : cap;
}

/* ---- Building ------------------------------------------------------ */

int dhcp_reply_add(struct dhcp_reply *r, uint8_t code, bool always,
		   const void *data, size_t len)
{
	if (len > UINT16_MAX || (len > 0 && !data))
		return -EINVAL;
	if (r->nopts >= DHCP_REPLY_MAXOPTS)
		return -ENOSPC;
	r->opts[r->nopts++] = (struct dhcp_reply_opt){
		.code = code, .always = always, .len = (uint16_t)len,
		.data = data,
	};
	return 0;
}

/* Bytes an option takes on the wire, split into 255-byte instances. */
static size_t opt_wire_len(size_t len)
{
	if (len == 0)
		return 2;
	return len + 2 * ((len + OPT_MAX_INSTANCE - 1) / OPT_MAX_INSTANCE);
}

/* Write an option as RFC 3396 instances (one empty one for len 0). */
static void opt_put(struct wire_wr *w, uint8_t code, const uint8_t *data,
		    size_t len)
{
	size_t off = 0;

	do {
		size_t n = len - off < OPT_MAX_INSTANCE ? len - off
							: OPT_MAX_INSTANCE;

		wire_wr_u8(w, code);
		wire_wr_u8(w, (uint8_t)n);
		if (n)	/* data may be NULL for an empty option */
			wire_wr_bytes(w, data + off, n);
		off += n;
	} while (off < len);
}

/*
 * Fill the areas in order with instances of a long option, each as large
 * as the area and 255 allow. Returns the data bytes placed; writes them
 * when w is not NULL.
 */
static size_t long_fill(size_t left[AREA_MAX], struct wire_wr *w,
			uint8_t code, const uint8_t *data, size_t len)
{
	size_t off = 0;

	for (int a = 0; a < AREA_MAX; a++) {
		while (off < len && left[a] >= 3) {
			size_t n = len - off;

			if (n > OPT_MAX_INSTANCE)
				n = OPT_MAX_INSTANCE;
			if (n > left[a] - 2)
				n = left[a] - 2;
			left[a] -= n + 2;
			if (w) {
				wire_wr_u8(&w[a], code);
				wire_wr_u8(&w[a], (uint8_t)n);
				wire_wr_bytes(&w[a], data + off, n);
			}
			off += n;
		}
	}
	return off;
}

/*
 * Place one option, first fit in RFC 3396 area order. A value of up to
 * 255 bytes goes whole into one area, so a client that never heard of RFC
 * 3396 still reads it; a longer one is split across instances that fill
 * the areas in order. With w NULL this only books the room (the plan).
 * False, with left[] untouched, if the option does not fit.
 */
static bool opt_place(size_t left[AREA_MAX], struct wire_wr *w,
		      const struct dhcp_reply_opt *o)
{
	size_t trial[AREA_MAX];

	if (o->len <= OPT_MAX_INSTANCE) {
		for (int a = 0; a < AREA_MAX; a++) {
			if (left[a] < (size_t)o->len + 2)
				continue;
			left[a] -= (size_t)o->len + 2;
			if (w)
				opt_put(&w[a], o->code, o->data, o->len);
			return true;
		}
		return false;
	}
	memcpy(trial, left, sizeof(trial));
	if (long_fill(trial, NULL, o->code, o->data, o->len) < o->len)
		return false;
	long_fill(left, w, o->code, o->data, o->len);
	return true;
}

/* Codes the builder writes itself, or that no server may send. */
static bool code_reserved(uint8_t code)
{
	return code == DHO_PAD || code == DHO_END || code == DHO_OVERLOAD ||
	       code == DHO_MSG_TYPE || code == DHO_SERVER_ID ||
	       code == DHO_RELAY_INFO;
}

struct build {
	const struct dhcp_reply *r;
	size_t nopts;
	uint8_t sel[DHCP_REPLY_MAXOPTS];	/* r->opts indexes, by priority */
	size_t nsel;
	bool keep[DHCP_REPLY_MAXOPTS];		/* per sel entry: it fits */
	size_t base;		/* options-field room after 53, 54, 82, END */
};

/* The first option of r with this code, or -1. */
static int reply_find(const struct build *b, uint8_t code)
{
	for (size_t i = 0; i < b->nopts; i++)
		if (b->r->opts[i].code == code)
			return (int)i;
	return -1;
}

/*
 * What goes in, by priority: the options the client asked for, in its
 * order; then those sent always, in the caller's order. Each code once.
 * A NAK carries only a message (RFC 2131 table 3).
 */
static void build_select(struct build *b, const struct dhcp_msg *req)
{
	const struct dhcp_opt_data *prl = &req->opt[DHO_PRL];
	uint8_t taken[256 / 8] = { 0 };
	int i;

	b->nsel = 0;
	if (b->r->type == DHCP_NAK) {
		i = reply_find(b, DHO_MESSAGE);
		if (i >= 0)
			b->sel[b->nsel++] = (uint8_t)i;
		return;
	}
	for (size_t k = 0; prl->present && k < prl->len; k++) {
		uint8_t code = prl->p[k];

		if (code_reserved(code) || taken[code / 8] & 1u << code % 8)
			continue;
		i = reply_find(b, code);
		if (i < 0)
			continue;
		taken[code / 8] |= (uint8_t)(1u << code % 8);
		b->sel[b->nsel++] = (uint8_t)i;
	}
	for (size_t k = 0; k < b->nopts; k++) {
		uint8_t code = b->r->opts[k].code;

		if (!b->r->opts[k].always || code_reserved(code) ||
		    taken[code / 8] & 1u << code % 8)
			continue;
		taken[code / 8] |= (uint8_t)(1u << code % 8);
		b->sel[b->nsel++] = (uint8_t)k;
	}
}

/* Room per area for overload bits ov (52 itself and each END held back). */
static void build_room(const struct build *b, int ov, size_t left[AREA_MAX])
{
	left[AREA_OPTIONS] = b->base - (ov ? 3 : 0);
	left[AREA_FILE] = ov & 1 ? FILE_LEN - 1 : 0;
	left[AREA_SNAME] = ov & 2 ? SNAME_LEN - 1 : 0;
}

/* Plan with overload bits ov: which options fit, in priority order, each
 * one skipped if it does not fit. Returns how many are dropped. */
static size_t build_plan(const struct build *b, int ov,
			 bool keep[DHCP_REPLY_MAXOPTS])
{
	size_t left[AREA_MAX], dropped = 0;

	build_room(b, ov, left);
	for (size_t k = 0; k < b->nsel; k++) {
		keep[k] = opt_place(left, NULL, &b->r->opts[b->sel[k]]);
		if (!keep[k])
			dropped++;
	}
	return dropped;
}

/* A NUL-terminated text field, zero-filled; -EINVAL if s is too long. */
static int field_put(struct wire_wr *w, const char *s, size_t size)
{
	size_t n = s ? strnlen(s, size) : 0;

	if (n >= size)
		return -EINVAL;
	wire_wr_bytes(w, s, n);
	wire_wr_zero(w, size - n);
	return 0;
}

/* The fixed header and the cookie. */
static int build_header(struct wire_wr *w, const struct dhcp_reply *r,
			const struct dhcp_msg *req)
{
	bool nak = r->type == DHCP_NAK;
	int rc;

	wire_wr_u8(w, DHCP_BOOTREPLY);
	wire_wr_u8(w, req->htype);
	wire_wr_u8(w, req->hlen);
	wire_wr_u8(w, 0);			/* hops */
	wire_wr_u32(w, req->xid);
	wire_wr_u16(w, 0);			/* secs */
	wire_wr_u16(w, req->flags);
	wire_wr_u32(w, nak ? 0 : r->ciaddr);
	wire_wr_u32(w, nak ? 0 : r->yiaddr);
	wire_wr_u32(w, nak ? 0 : r->siaddr);
	wire_wr_u32(w, req->giaddr);
	wire_wr_bytes(w, req->chaddr, sizeof(req->chaddr));
	rc = field_put(w, nak ? NULL : r->sname, SNAME_LEN);
	if (rc == 0)
		rc = field_put(w, nak ? NULL : r->file, FILE_LEN);
	wire_wr_u32(w, DHCP_COOKIE);
	return rc;
}

/*
 * Choose the overload: the smallest that fits everything, else the one
 * that drops fewest (file before sname, RFC 2131 4.1). A NAK never
 * overloads: its sname and file are unused. Sets b->keep; returns the
 * overload bits and how many options are dropped.
 */
static int build_choose(struct build *b, size_t *ret_dropped)
{
	bool keep[DHCP_REPLY_MAXOPTS] = { false };
	size_t dropped, best = SIZE_MAX;
	int ovs[3], nov = 0, ov = 0;

	ovs[nov++] = 0;
	if (b->r->type != DHCP_NAK && b->base >= 3) {
		if (!b->r->file)
			ovs[nov++] = 1;
		if (!b->r->sname)
			ovs[nov++] = b->r->file ? 2 : 3;
	}
	for (int k = 0; k < nov && best > 0; k++) {
		dropped = build_plan(b, ovs[k], keep);
		if (dropped < best) {
			best = dropped;
			ov = ovs[k];
			memcpy(b->keep, keep, sizeof(b->keep));
		}
	}
	*ret_dropped = best;
	return ov;
}

/*
 * Write the options as planned: 53, 54, the chosen options in the areas,
 * 52 if an area was used, 82, END, then zeros up to DHCP_MIN_LEN. Returns
 * the end of the options field.
 */
static int build_options(const struct build *b, const struct dhcp_msg *req,
			 int ov, uint8_t *buf, size_t off, size_t max_len)
{
	const struct dhcp_opt_data *relay = &req->opt[DHO_RELAY_INFO];
	const struct dhcp_reply *r = b->r;
	struct wire_wr wa[AREA_MAX];
	size_t left[AREA_MAX];

	wire_wr_init(&wa[AREA_OPTIONS], buf + off, max_len - off);
	wire_wr_init(&wa[AREA_FILE], buf + FILE_OFF, FILE_LEN);
	wire_wr_init(&wa[AREA_SNAME], buf + SNAME_OFF, SNAME_LEN);
	wire_wr_u8(&wa[0], DHO_MSG_TYPE);
	wire_wr_u8(&wa[0], 1);
	wire_wr_u8(&wa[0], (uint8_t)r->type);
	if (r->server_id) {
		wire_wr_u8(&wa[0], DHO_SERVER_ID);
		wire_wr_u8(&wa[0], 4);
		wire_wr_u32(&wa[0], r->server_id);
	}
	build_room(b, ov, left);
	for (size_t k = 0; k < b->nsel; k++)
		if (b->keep[k])
			opt_place(left, wa, &r->opts[b->sel[k]]);
	/* Claim only the areas that got options, each closed by END. */
	ov = (wa[AREA_FILE].off ? 1 : 0) | (wa[AREA_SNAME].off ? 2 : 0);
	if (ov) {
		uint8_t v = (uint8_t)ov;

		opt_put(&wa[0], DHO_OVERLOAD, &v, 1);
	}
	for (int a = AREA_FILE; a < AREA_MAX; a++)
		if (wa[a].off)
			wire_wr_u8(&wa[a], DHO_END);
	/* RFC 3046 2.2: the relay's option goes back untouched, last. */
	if (relay->present)
		opt_put(&wa[0], DHO_RELAY_INFO, relay->p, relay->len);
	wire_wr_u8(&wa[0], DHO_END);
	if (off + wa[0].off < DHCP_MIN_LEN)
		wire_wr_zero(&wa[0], DHCP_MIN_LEN - off - wa[0].off);
	for (int a = 0; a < AREA_MAX; a++)
		if (!wire_wr_ok(&wa[a]))	/* the plan rules this out */
			return -EMSGSIZE;
	return (int)(off + wa[0].off);
}

int dhcp_build(const struct dhcp_reply *r, const struct dhcp_msg *req,
	       uint8_t *buf, size_t max_len, int *ret_dropped)
{
	const struct dhcp_opt_data *relay = &req->opt[DHO_RELAY_INFO];
	struct build b = { .r = r };
	struct wire_wr w;
	size_t need, dropped;
	int ov, rc;

	if (r->type < DHCP_DISCOVER || r->type >= DHCP_TYPE_MAX)
		return -EINVAL;
	b.nopts = r->nopts < DHCP_REPLY_MAXOPTS ? r->nopts : DHCP_REPLY_MAXOPTS;
	for (size_t i = 0; i < b.nopts; i++)
		if (r->opts[i].len > 0 && !r->opts[i].data)
			return -EINVAL;
	if (max_len > UINT16_MAX)	/* keeps the length an int */
		max_len = UINT16_MAX;
	need = DHCP_FIXED_LEN + 4 + 3 + (r->server_id ? 6 : 0) + 1 +
	       (relay->present ? opt_wire_len(relay->len) : 0);
	if (max_len < DHCP_MIN_LEN || max_len < need)
		return -EMSGSIZE;
	b.base = max_len - need;

	wire_wr_init(&w, buf, max_len);
	rc = build_header(&w, r, req);
	if (rc < 0)
		return rc;
	build_select(&b, req);
	ov = build_choose(&b, &dropped);
	rc = build_options(&b, req, ov, buf, w.off, max_len);
	if (rc >= 0 && ret_dropped)
		*ret_dropped = (int)dropped;
	return rc;
}

/* ---- Option value encoders ----------------------------------------- */

/*
 * True if the name at out[pos] (following our own pointers, which only
 * point backwards) is the dotted name s[0..len), without the root.
 */
static bool search_name_is(const uint8_t *out, size_t end, size_t pos,
			   const char *s, size_t len)
{
	size_t i = 0;
	unsigned hops = 0;

	for (;;) {
		size_t n, j;

		if (pos >= end)
			return false;
		if ((out[pos] & 0xc0) == 0xc0) {
			if (end - pos < 2 || ++hops > 127)
				return false;
			pos = (size_t)(out[pos] & 0x3f) << 8 | out[pos + 1];
			continue;
		}
		n = out[pos];
		if (i == len)
			return n == 0;
		for (j = i; j < len && s[j] != '.'; j++)
			;
		if (n != j - i || end - pos - 1 < n ||
		    memcmp(out + pos + 1, s + i, n) != 0)
			return false;
		pos += 1 + n;
		i = j < len ? j + 1 : j;
	}
}

/* Where earlier names in out[0..end) hold the name s[0..len), or -1. */
static long search_find(const uint8_t *out, size_t end, const char *s,
			size_t len)
{
	size_t pos = 0;

	/* Every label start of the names written so far is a candidate. */
	while (pos < end) {
		if ((out[pos] & 0xc0) == 0xc0) {	/* a name's last part */
			pos += 2;
			continue;
		}
		if (out[pos] != 0 && pos < 0x4000 &&
		    search_name_is(out, end, pos, s, len))
			return (long)pos;
		pos += 1 + (size_t)out[pos];
	}
	return -1;
}

int dhcp_encode_search(uint8_t *out, size_t size, const char *const *names,
		       size_t n)
{
	struct wire_wr w;

	wire_wr_init(&w, out, size);
	for (size_t k = 0; k < n; k++) {
		const char *s = names[k];
		size_t len, start = w.off, i = 0;

		if (!s || !dns_name_valid(s, 0))
			return -EINVAL;
		len = strlen(s);
		if (s[len - 1] == '.')
			len--;
		while (i < len) {
			long at = search_find(out, start, s + i, len - i);
			size_t j;

			if (at >= 0) {
				wire_wr_u16(&w, (uint16_t)(0xc000 | at));
				break;
			}
			for (j = i; j < len && s[j] != '.'; j++)
				;
			wire_wr_u8(&w, (uint8_t)(j - i));
			wire_wr_bytes(&w, s + i, j - i);
			i = j < len ? j + 1 : j;
		}
		if (i == len)
			wire_wr_u8(&w, 0);
		if (!wire_wr_ok(&w))
			return -EMSGSIZE;
	}
	return (int)w.off;
}
