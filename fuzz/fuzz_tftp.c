/*
 * libFuzzer harness for tftpd/'s pure core (tftp.h): parse a request,
 * negotiate its options, build the OACK and negotiate it back (parse ->
 * build -> parse must agree), then run the read-transfer state machine
 * over the rest of the input as a script of ACK / raw packet / timeout /
 * ERROR events, checking after each what the machine promises: never a
 * block past the end, offsets and lengths inside the file, windows no
 * wider than negotiated, DONE only on the ACK of the last block, nothing
 * after the end. Deterministic: every choice comes from the input.
 *
 * Input layout (fuzz/corpus/tftp/README):
 *   u16 L, L bytes of request (cut to what is there),
 *   u32 file size, u8 blksize cap, u8 window cap, u8 retries (each
 *   optional: missing bytes read as 0),
 *   then events, one byte each (top two bits the kind):
 *     00xxxxxx ACK of (last block sent - x), the block a client would send
 *     01xxxxxx the next 4 bytes as a packet from the client (tftp_pkt_parse)
 *     10xxxxxx timer fired
 *     11xxxxxx ERROR with code x & 15
 * Invariants abort() (assert() would vanish under NDEBUG).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tftp.h"
#include "wire.h"

#define MAX_EVENTS 4096

static struct tftp_req req, back;
static struct tftp_neg neg, neg_back;
static struct tftp_xfer x;
static uint8_t pkt[TFTP_PKT_MAX];

static void check_req(const struct tftp_req *r, const uint8_t *buf,
		      size_t len)
{
	const char *end = (const char *)buf + len;

	FUZZ_CHECK(r->op == TFTP_OP_RRQ || r->op == TFTP_OP_WRQ);
	FUZZ_CHECK(len <= TFTP_REQ_MAX);
	FUZZ_CHECK(r->filename_len > 0);
	FUZZ_CHECK(r->filename + r->filename_len < end);
	FUZZ_CHECK(r->filename[r->filename_len] == '\0');
	FUZZ_CHECK(strlen(r->filename) == r->filename_len);
	FUZZ_CHECK(r->mode < TFTP_MODE_MAX);
	FUZZ_CHECK(r->nopts <= TFTP_OPTS_MAX);
	for (size_t i = 0; i < r->nopts; i++) {
		const struct tftp_opt *o = &r->opts[i];

		FUZZ_CHECK(o->name_len > 0);
		FUZZ_CHECK(o->value + o->value_len < end);
		FUZZ_CHECK(o->name[o->name_len] == '\0');
		FUZZ_CHECK(o->value[o->value_len] == '\0');
	}
}

static void check_neg(const struct tftp_neg *n, const struct tftp_limits *l,
		      int count)
{
	unsigned bmax = l->blksize_max < TFTP_BLKSIZE_MIN ? TFTP_BLKSIZE_MIN :
			l->blksize_max;
	unsigned wmax = l->window_max ? l->window_max : 1;

	FUZZ_CHECK(count >= 0 && count <= 4);
	FUZZ_CHECK((count == 0) == (n->accepted == 0));
	FUZZ_CHECK((n->accepted & ~0xfu) == 0);
	/* Without the option it is RFC 1350's 512, whatever our cap. */
	FUZZ_CHECK(n->blksize >= TFTP_BLKSIZE_MIN);
	FUZZ_CHECK(n->blksize <= bmax || !(n->accepted & TFTP_NEG_BLKSIZE));
	FUZZ_CHECK(n->window >= 1 && n->window <= wmax);
	FUZZ_CHECK((n->timeout != 0) == !!(n->accepted & TFTP_NEG_TIMEOUT));
	if (!(n->accepted & TFTP_NEG_BLKSIZE))
		FUZZ_CHECK(n->blksize == TFTP_BLKSIZE_DEFAULT);
	if (!(n->accepted & TFTP_NEG_WINDOW))
		FUZZ_CHECK(n->window == 1);
}

/* The OACK, read back as the options of a request, negotiates the same. */
static void check_oack(const struct tftp_limits *l)
{
	uint8_t oack[TFTP_OACK_MAX], again[TFTP_REQ_MAX];
	const char *why = NULL;
	struct wire_wr w;
	int len, rc;

	len = tftp_build_oack(oack, sizeof(oack), &neg);
	if (neg.accepted == 0) {
		FUZZ_CHECK(len == -EINVAL);
		return;
	}
	FUZZ_CHECK(len > 2 && len <= TFTP_OACK_MAX);
	FUZZ_CHECK(oack[0] == 0 && oack[1] == TFTP_OP_OACK);
	FUZZ_CHECK(tftp_build_oack(oack, (size_t)len - 1, &neg) == -EMSGSIZE);
	wire_wr_init(&w, again, sizeof(again));
	wire_wr_u16(&w, (uint16_t)req.op);
	wire_wr_bytes(&w, "f\0octet", 8);
	wire_wr_bytes(&w, oack + 2, (size_t)len - 2);
	FUZZ_CHECK(wire_wr_ok(&w));
	rc = tftp_req_parse(&back, again, w.off, &why);
	FUZZ_CHECK(rc == 0);
	rc = tftp_opts_negotiate(&neg_back, &back, l);
	FUZZ_CHECK(rc > 0);
	FUZZ_CHECK(neg_back.accepted == neg.accepted);
	FUZZ_CHECK(neg_back.blksize == neg.blksize);
	FUZZ_CHECK(neg_back.window == neg.window);
	FUZZ_CHECK(neg_back.timeout == neg.timeout);
	FUZZ_CHECK(!(neg.accepted & TFTP_NEG_TSIZE) ||
		   neg_back.tsize == neg.tsize);
}

static void check_block(uint64_t n)
{
	struct tftp_blk b;

	FUZZ_CHECK(tftp_xfer_block(&x, n, &b) == 0);
	FUZZ_CHECK(b.wire == (uint16_t)n);
	FUZZ_CHECK(b.offset == (n - 1) * x.blksize);
	FUZZ_CHECK(b.offset <= x.size && b.len <= x.size - b.offset);
	FUZZ_CHECK(b.len <= x.blksize);
	FUZZ_CHECK((b.len < x.blksize) == (n == x.nblocks));
	FUZZ_CHECK(tftp_build_data(pkt, (size_t)TFTP_HDR_LEN + b.len, b.wire,
				   pkt + TFTP_HDR_LEN, b.len) ==
		   (int)(TFTP_HDR_LEN + b.len));
}

/* What every action must respect; kind is the event that caused it. */
static void check_act(const struct tftp_act *a, char kind, bool was_over,
		      uint16_t acked_wire)
{
	if (was_over) {
		FUZZ_CHECK(a->kind == TFTP_ACT_NONE);
		return;
	}
	FUZZ_CHECK(a->kind < TFTP_ACT_MAX);
	FUZZ_CHECK(x.acked <= x.sent && x.sent <= x.nblocks);
	FUZZ_CHECK(x.sent - x.acked <= x.window);
	switch (a->kind) {
	case TFTP_ACT_SEND:
		FUZZ_CHECK(kind == 'a' || kind == 't' || kind == 's');
		FUZZ_CHECK(x.state == TFTP_XS_DATA);
		FUZZ_CHECK(a->first == x.acked + 1);
		FUZZ_CHECK(a->count >= 1 && a->count <= x.window);
		FUZZ_CHECK(a->first + a->count - 1 == x.sent);
		check_block(a->first);
		check_block(a->first + a->count - 1);
		break;
	case TFTP_ACT_DONE:
		FUZZ_CHECK(kind == 'a');
		FUZZ_CHECK(x.state == TFTP_XS_DONE);
		FUZZ_CHECK(x.acked == x.nblocks);
		FUZZ_CHECK(acked_wire == (uint16_t)x.nblocks);
		break;
	case TFTP_ACT_OACK:
		FUZZ_CHECK(kind == 't' || kind == 's');
		FUZZ_CHECK(x.state == TFTP_XS_OACK);
		break;
	case TFTP_ACT_GIVEUP:
		FUZZ_CHECK(kind == 't' && x.state == TFTP_XS_FAILED);
		break;
	case TFTP_ACT_ABORT:
		FUZZ_CHECK(kind == 'e' && x.state == TFTP_XS_FAILED);
		break;
	default:
		FUZZ_CHECK(a->count == 0);
		FUZZ_CHECK(x.state != TFTP_XS_DONE);
		break;
	}
	FUZZ_CHECK(x.retries <= x.max_retries);
}

static void run_events(const uint8_t *ev, size_t n)
{
	struct tftp_act act;
	size_t i = 0;

	tftp_xfer_start(&x, &act);
	check_act(&act, 's', false, 0);
	for (int steps = 0; i < n && steps < MAX_EVENTS; steps++) {
		uint8_t e = ev[i++];
		bool was_over = tftp_xfer_over(&x);
		uint16_t block = (uint16_t)(x.sent - (e & 0x3f));
		struct tftp_pkt p;
		char kind;

		switch (e >> 6) {
		case 0:
			kind = 'a';
			tftp_xfer_on_ack(&x, block, &act);
			break;
		case 1:
			if (n - i < 4 ||
			    tftp_pkt_parse(&p, ev + i, 4, NULL) != 0) {
				i += n - i < 4 ? n - i : 4;
				continue;
			}
			i += 4;
			if (p.op == TFTP_OP_ACK) {
				kind = 'a';
				block = p.block;
				tftp_xfer_on_ack(&x, block, &act);
			} else {
				kind = 'e';
				tftp_xfer_on_error(&x, p.code, &act);
			}
			break;
		case 2:
			kind = 't';
			tftp_xfer_on_timeout(&x, &act);
			break;
		default:
			kind = 'e';
			tftp_xfer_on_error(&x, e & 15, &act);
			break;
		}
		check_act(&act, kind, was_over, block);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tftp_limits lim = { 0 };
	const char *why = NULL;
	struct wire_rd r;
	uint8_t b, w, retries;
	size_t len;
	int rc;

	wire_rd_init(&r, data, size);
	len = wire_rd_u16(&r);
	if (len > wire_rd_left(&r))
		len = wire_rd_left(&r);
	rc = tftp_req_parse(&req, r.p + r.off, len, &why);
	if (rc < 0) {
		FUZZ_CHECK(rc == -EINVAL || rc == -EBADMSG);
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		return 0;
	}
	check_req(&req, r.p + r.off, len);
	wire_rd_skip(&r, len);

	/* Missing parameter bytes read as 0 (the reader's sticky error). */
	{
		struct wire_rd pr = wire_rd_sub(&r, wire_rd_left(&r) < 7 ?
						       wire_rd_left(&r) : 7);

		lim.size = wire_rd_u32(&pr);
		b = wire_rd_u8(&pr);
		w = wire_rd_u8(&pr);
		retries = wire_rd_u8(&pr);
	}
	lim.size_known = !(b & 0x80);
	/* Caps: 8..65464 in coarse steps, and windows 1..65535. */
	lim.blksize_max = b & 0x40 ? TFTP_BLKSIZE_MAX :
				     (uint16_t)(8 + (b & 0x3f) * 64);
	lim.window_max = w == 255 ? TFTP_WINDOW_MAX : (uint16_t)(w + 1);
	rc = tftp_opts_negotiate(&neg, &req, &lim);
	check_neg(&neg, &lim, rc);
	check_oack(&lim);

	FUZZ_CHECK(tftp_xfer_init(&x, lim.size, neg.blksize, neg.window,
				  neg.accepted != 0, retries & 7) == 0);
	FUZZ_CHECK(x.nblocks == lim.size / neg.blksize + 1);
	run_events(r.p + r.off, wire_rd_left(&r));
	FUZZ_CHECK(tftp_xfer_block(&x, 0, NULL) == -ERANGE);
	FUZZ_CHECK(tftp_xfer_block(&x, x.nblocks + 1, NULL) == -ERANGE);
	return 0;
}
