/*
 * Unit tests for tftpd/tftp_msg.c and tftp_opts.c: requests parsed (modes
 * in any case, options as slices), every parse error by its message, ACK
 * and ERROR from a client, DATA/ACK/ERROR built byte for byte, and the
 * negotiation: each option's range, clamps and refusals, duplicates,
 * unknown options, tsize for RRQ/WRQ/netascii, and the OACK's bytes.
 * Every parse runs over a heap copy of exactly the packet's length, so
 * ASan sees any read past it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "tftp.h"

/* Packets are written as C string literals with embedded NULs: the
 * literal's own trailing NUL is not part of the packet. */
#define PKT(s) (const uint8_t *)(s), sizeof(s) - 1

static struct tftp_req req;

static int parse_req(const uint8_t *p, size_t len, const char **why)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, p, len);
	*why = NULL;
	rc = tftp_req_parse(&req, copy, len, why);
	/* The slices point into copy: check them before freeing it. */
	if (rc == 0) {
		CHECK(req.filename >= (const char *)copy);
		CHECK(req.filename + req.filename_len < (const char *)copy + len);
		CHECK(req.filename[req.filename_len] == '\0');
		for (size_t i = 0; i < req.nopts; i++) {
			const struct tftp_opt *o = &req.opts[i];

			CHECK(o->name[o->name_len] == '\0');
			CHECK(o->value + o->value_len < (const char *)copy + len);
			CHECK(o->value[o->value_len] == '\0');
		}
	}
	free(copy);
	return rc;
}

/* Parse a request that must parse, keeping the bytes alive in buf. */
static uint8_t keep[TFTP_REQ_MAX];

static int parse_keep(const uint8_t *p, size_t len)
{
	const char *why = NULL;
	int rc;

	memcpy(keep, p, len);
	rc = tftp_req_parse(&req, keep, len, &why);
	if (rc != 0)
		fprintf(stderr, "parse failed: %s\n", why ? why : "?");
	return rc;
}

TEST(test_rrq_plain)
{
	CHECK_INT(parse_keep(PKT("\0\1pxelinux.0\0octet\0")), 0);
	CHECK_INT(req.op, TFTP_OP_RRQ);
	CHECK_STR(req.filename, "pxelinux.0");
	CHECK_INT(req.filename_len, 10);
	CHECK_INT(req.mode, TFTP_MODE_OCTET);
	CHECK_INT(req.nopts, 0);

	CHECK_INT(parse_keep(PKT("\0\2up/load.bin\0NetASCII\0")), 0);
	CHECK_INT(req.op, TFTP_OP_WRQ);
	CHECK_STR(req.filename, "up/load.bin");
	CHECK_INT(req.mode, TFTP_MODE_NETASCII);
	CHECK_INT(parse_keep(PKT("\0\1f\0OCTET\0")), 0);
	CHECK_INT(req.mode, TFTP_MODE_OCTET);
}

TEST(test_rrq_options)
{
	CHECK_INT(parse_keep(PKT("\0\1boot/x\0octet\0blksize\0001468\0"
				 "TSize\0000\0timeout\0003\0"
				 "windowsize\00016\0multicast\0\0")), 0);
	CHECK_INT(req.nopts, 5);
	CHECK_STR(req.opts[0].name, "blksize");
	CHECK_STR(req.opts[0].value, "1468");
	CHECK_STR(req.opts[1].name, "TSize");
	CHECK_STR(req.opts[1].value, "0");
	CHECK_STR(req.opts[3].value, "16");
	CHECK_STR(req.opts[4].name, "multicast");
	CHECK_INT(req.opts[4].value_len, 0);
	/* Zero padding after the last string is not an option. */
	CHECK_INT(parse_keep(PKT("\0\1f\0octet\0blksize\000512\0\0\0\0")), 0);
	CHECK_INT(req.nopts, 1);
	CHECK_INT(parse_keep(PKT("\0\1f\0octet\0\0")), 0);
	CHECK_INT(req.nopts, 0);
}

TEST(test_req_errors)
{
	static const struct {
		const char *pkt;
		size_t len;
		int rc;
		const char *why;
	} cases[] = {
#define C(s, rc, why) { s, sizeof(s) - 1, rc, why }
		C("", -EINVAL, "no opcode"),
		C("\0", -EINVAL, "no opcode"),
		C("\0\0f\0octet\0", -EBADMSG, "unknown opcode"),
		C("\0\7f\0octet\0", -EBADMSG, "unknown opcode"),
		C("\1\1f\0octet\0", -EBADMSG, "unknown opcode"),
		C("\0\3\0\1data", -EBADMSG, "not a request"),
		C("\0\4\0\1", -EBADMSG, "not a request"),
		C("\0\6blksize\000512\0", -EBADMSG, "not a request"),
		C("\0\1", -EBADMSG, "filename without its NUL"),
		C("\0\1pxelinux.0", -EBADMSG, "filename without its NUL"),
		C("\0\1\0octet\0", -EBADMSG, "empty filename"),
		C("\0\1f\0", -EBADMSG, "mode missing"),
		C("\0\1f\0octet", -EBADMSG, "mode missing"),
		C("\0\1f\0binary\0", -EBADMSG, "unknown transfer mode"),
		C("\0\1f\0\0", -EBADMSG, "unknown transfer mode"),
		C("\0\1f\0octet \0", -EBADMSG, "unknown transfer mode"),
		C("\0\1f\0mail\0", -EBADMSG, "mail mode"),
		C("\0\1f\0octet\0blksize", -EBADMSG, "option name without"),
		C("\0\1f\0octet\0blksize\0", -EBADMSG, "option value missing"),
		C("\0\1f\0octet\0blksize\000512", -EBADMSG,
		  "option value missing"),
		C("\0\1f\0octet\0\0blksize\000512\0", -EBADMSG,
		  "empty option name"),
		C("\0\1f\0octet\0a\0b\0\0\0x", -EBADMSG, "empty option name"),
#undef C
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why;
		int rc = parse_req((const uint8_t *)cases[i].pkt, cases[i].len,
				   &why);

		if (rc != cases[i].rc)
			fprintf(stderr, "case %zu\n", i);
		CHECK_INT(rc, cases[i].rc);
		CHECK_CONTAINS(why, cases[i].why);
	}
}

TEST(test_req_limits)
{
	uint8_t p[TFTP_REQ_MAX + 1];
	const char *why;
	size_t off;

	/* Exactly 512 bytes: accepted; 513: refused. */
	memset(p, 'a', sizeof(p));
	p[0] = 0;
	p[1] = TFTP_OP_RRQ;
	memcpy(p + TFTP_REQ_MAX - 7, "\0octet\0", 7);
	CHECK_INT(parse_req(p, TFTP_REQ_MAX, &why), 0);
	CHECK_INT(req.filename_len, TFTP_REQ_MAX - 9);
	memcpy(p + TFTP_REQ_MAX - 6, "\0octet\0", 7);
	CHECK_INT(parse_req(p, TFTP_REQ_MAX + 1, &why), -EBADMSG);
	CHECK_CONTAINS(why, "longer than 512");

	/* TFTP_OPTS_MAX options fit, one more is refused. */
	off = 0;
	memcpy(p, "\0\1f\0octet\0", 10);
	off = 10;
	for (int i = 0; i < TFTP_OPTS_MAX; i++) {
		memcpy(p + off, "x\0001\0", 4);
		off += 4;
	}
	CHECK_INT(parse_req(p, off, &why), 0);
	CHECK_INT(req.nopts, TFTP_OPTS_MAX);
	memcpy(p + off, "y\0002\0", 4);
	CHECK_INT(parse_req(p, off + 4, &why), -EBADMSG);
	CHECK_CONTAINS(why, "too many options");
}

/* Every truncation of a good request fails cleanly or parses a prefix. */
TEST(test_req_truncations)
{
	static const uint8_t good[] = "\0\1boot/x\0octet\0blksize\0001468\0"
				      "tsize\0000\0";
	const char *why;

	for (size_t n = 0; n < sizeof(good) - 1; n++) {
		int rc = parse_req(good, n, &why);

		if (rc == 0) {	/* a prefix ending in a complete string */
			CHECK(good[n - 1] == 0);
			continue;
		}
		CHECK(rc == -EINVAL || rc == -EBADMSG);
		CHECK(why != NULL);
	}
	CHECK_INT(parse_req(good, sizeof(good) - 1, &why), 0);
	CHECK_INT(req.nopts, 2);
}

TEST(test_pkt_parse)
{
	struct tftp_pkt pkt;
	const char *why = NULL;

	CHECK_INT(tftp_pkt_parse(&pkt, PKT("\0\4\1\2"), &why), 0);
	CHECK_INT(pkt.op, TFTP_OP_ACK);
	CHECK_INT(pkt.block, 0x0102);
	CHECK_INT(tftp_pkt_parse(&pkt, PKT("\0\4\xff\xff" "xx"), &why), 0);
	CHECK_INT(pkt.block, 0xffff);

	CHECK_INT(tftp_pkt_parse(&pkt, PKT("\0\5\0\10no options\0"), &why), 0);
	CHECK_INT(pkt.op, TFTP_OP_ERROR);
	CHECK_INT(pkt.code, TFTP_E_OPTNEG);
	CHECK_INT(pkt.msg_len, 10);
	CHECK(memcmp(pkt.msg, "no options", 10) == 0);
	/* No NUL: the rest is the message; an empty one is fine. */
	CHECK_INT(tftp_pkt_parse(&pkt, PKT("\0\5\0\1gone"), &why), 0);
	CHECK_INT(pkt.msg_len, 4);
	CHECK_INT(tftp_pkt_parse(&pkt, PKT("\0\5\1\0"), &why), 0);
	CHECK_INT(pkt.code, 256);
	CHECK_INT(pkt.msg_len, 0);

	CHECK_INT(tftp_pkt_parse(&pkt, PKT(""), &why), -EBADMSG);
	CHECK_CONTAINS(why, "shorter than 4");
	CHECK_INT(tftp_pkt_parse(&pkt, PKT("\0\4\1"), &why), -EBADMSG);
	CHECK_CONTAINS(why, "shorter than 4");
	CHECK_INT(tftp_pkt_parse(&pkt, PKT("\0\5\0"), &why), -EBADMSG);
	CHECK_INT(tftp_pkt_parse(&pkt, PKT("\0\3\0\1abc"), &why), -EBADMSG);
	CHECK_CONTAINS(why, "unexpected opcode");
	CHECK_INT(tftp_pkt_parse(&pkt, PKT("\0\1f\0octet\0"), &why), -EBADMSG);
	CHECK_CONTAINS(why, "unexpected opcode");
	CHECK_INT(tftp_pkt_parse(&pkt, PKT("\0\11\0\1"), &why), -EBADMSG);
	CHECK_CONTAINS(why, "unknown opcode");
}

TEST(test_build)
{
	uint8_t out[64];

	CHECK_INT(tftp_build_data(out, sizeof(out), 0x1234, "abc", 3), 7);
	CHECK(memcmp(out, "\0\3\x12\x34" "abc", 7) == 0);
	CHECK_INT(tftp_build_data(out, sizeof(out), 0, NULL, 0), 4);
	CHECK(memcmp(out, "\0\3\0\0", 4) == 0);
	/* In place: the data is already there. */
	memcpy(out + 4, "xyz", 3);
	CHECK_INT(tftp_build_data(out, sizeof(out), 7, out + 4, 3), 7);
	CHECK(memcmp(out, "\0\3\0\7xyz", 7) == 0);
	CHECK_INT(tftp_build_data(out, 6, 7, out + 4, 3), -EMSGSIZE);
	CHECK_INT(tftp_build_data(out, 6, 7, "xyz", 3), -EMSGSIZE);
	CHECK_INT(tftp_build_data(out, 3, 7, NULL, 0), -EMSGSIZE);
	CHECK_INT(tftp_build_data(out, sizeof(out), 7, out,
				  TFTP_BLKSIZE_MAX + 1), -EINVAL);

	CHECK_INT(tftp_build_ack(out, sizeof(out), 0xfffe), 4);
	CHECK(memcmp(out, "\0\4\xff\xfe", 4) == 0);
	CHECK_INT(tftp_build_ack(out, 3, 1), -EMSGSIZE);

	CHECK_INT(tftp_build_error(out, sizeof(out), TFTP_E_NOTFOUND, NULL),
		  4 + 14 + 1);
	CHECK(memcmp(out, "\0\5\0\1File not found\0", 19) == 0);
	CHECK_INT(tftp_build_error(out, sizeof(out), TFTP_E_BADOP, "bad"), 8);
	CHECK(memcmp(out, "\0\5\0\4bad\0", 8) == 0);
	/* Cut to fit, always NUL-terminated. */
	CHECK_INT(tftp_build_error(out, 8, TFTP_E_ACCESS, NULL), 8);
	CHECK(memcmp(out, "\0\5\0\2Acc\0", 8) == 0);
	CHECK_INT(tftp_build_error(out, 5, TFTP_E_ACCESS, NULL), 5);
	CHECK(memcmp(out, "\0\5\0\2\0", 5) == 0);
	CHECK_INT(tftp_build_error(out, 4, TFTP_E_ACCESS, NULL), -EMSGSIZE);
	CHECK_INT(tftp_build_error(out, sizeof(out), TFTP_E_MAX, NULL), -EINVAL);

	for (unsigned c = 0; c < TFTP_E_MAX; c++)
		CHECK(strcmp(tftp_err_text(c), "?") != 0);
	CHECK_STR(tftp_err_text(TFTP_E_OPTNEG), "Option negotiation failed");
	CHECK_STR(tftp_err_text(9), "?");
	CHECK_STR(tftp_op_name(TFTP_OP_OACK), "OACK");
	CHECK_STR(tftp_op_name(0), "?");
	CHECK_STR(tftp_op_name(99), "?");
}

/* ---- negotiation ---- */

static struct tftp_neg neg;
static const struct tftp_limits lim = {
	.blksize_max = 1468, .window_max = 64, .size_known = true,
	.size = 41943040,
};

static int negotiate(const uint8_t *p, size_t len,
		     const struct tftp_limits *l)
{
	CHECK_INT(parse_keep(p, len), 0);
	return tftp_opts_negotiate(&neg, &req, l);
}

/* The OACK for neg must be exactly want (want_len bytes). */
static void check_oack(const char *want, size_t want_len)
{
	uint8_t out[TFTP_OACK_MAX];
	int n = tftp_build_oack(out, sizeof(out), &neg);

	CHECK_INT(n, want_len);
	CHECK(n == (int)want_len && memcmp(out, want, want_len) == 0);
}
#define CHECK_OACK(s) check_oack(s, sizeof(s) - 1)

TEST(test_neg_none)
{
	uint8_t out[TFTP_OACK_MAX];

	CHECK_INT(negotiate(PKT("\0\1f\0octet\0"), &lim), 0);
	CHECK_INT(neg.accepted, 0);
	CHECK_INT(neg.blksize, 512);
	CHECK_INT(neg.window, 1);
	CHECK_INT(neg.timeout, 0);
	CHECK_INT(tftp_build_oack(out, sizeof(out), &neg), -EINVAL);
	/* Only unknown or refused options: no OACK either. */
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0multicast\0\0rollover\0001\0"
				"blksize\0007\0timeout\0000\0"), &lim), 0);
	CHECK_INT(neg.blksize, 512);
	CHECK_INT(neg.accepted, 0);
}

TEST(test_neg_blksize)
{
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\0001024\0"), &lim), 1);
	CHECK_INT(neg.blksize, 1024);
	CHECK_OACK("\0\6blksize\0" "1024\0");
	/* Above our maximum: answered with it (RFC 2348). */
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0BLKSIZE\00065464\0"), &lim), 1);
	CHECK_INT(neg.blksize, 1468);
	CHECK_OACK("\0\6blksize\0" "1468\0");
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\0099999999999\0"),
			  &lim), 1);
	CHECK_INT(neg.blksize, 1468);
	/* Edges: 8 accepted, 7 ignored. */
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\0008\0"), &lim), 1);
	CHECK_INT(neg.blksize, 8);
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\0007\0"), &lim), 0);
	CHECK_INT(neg.blksize, 512);
	/* Malformed numbers are ignored. */
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\0-1024\0"), &lim), 0);
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\0 1024\0"), &lim), 0);
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\0001024x\0"), &lim), 0);
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\0\0"), &lim), 0);
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\0"
				"99999999999999999999999\0"), &lim), 0);
	/* Caller limits outside the protocol's range are forced into it. */
	{
		struct tftp_limits l = lim;

		l.blksize_max = 0;
		CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\0001024\0"),
				    &l), 1);
		CHECK_INT(neg.blksize, TFTP_BLKSIZE_MIN);
		l.blksize_max = 65535;
		CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\00065535\0"),
				    &l), 1);
		CHECK_INT(neg.blksize, TFTP_BLKSIZE_MAX);
	}
}

TEST(test_neg_tsize)
{
	struct tftp_limits l = lim;

	CHECK_INT(negotiate(PKT("\0\1f\0octet\0tsize\0000\0"), &lim), 1);
	CHECK_INT(neg.tsize, 41943040);
	CHECK_OACK("\0\6tsize\0" "41943040\0");
	/* Unknown size, or netascii: left out. */
	l.size_known = false;
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0tsize\0000\0"), &l), 0);
	CHECK_INT(negotiate(PKT("\0\1f\0netascii\0tsize\0000\0"), &lim), 0);
	/* An empty file is a size too. */
	l.size_known = true;
	l.size = 0;
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0tsize\0000\0"), &l), 1);
	CHECK_OACK("\0\6tsize\0" "0\0");
	l.size = UINT64_MAX;
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0tsize\0000\0"), &l), 1);
	CHECK_OACK("\0\6tsize\0" "18446744073709551615\0");
	/* WRQ: the client's size is echoed. */
	CHECK_INT(negotiate(PKT("\0\2f\0octet\0tsize\0001234\0"), &lim), 1);
	CHECK_INT(neg.tsize, 1234);
	CHECK_OACK("\0\6tsize\0" "1234\0");
	CHECK_INT(negotiate(PKT("\0\2f\0octet\0tsize\0x\0"), &lim), 0);
	/* atftp asks with "enable": an RRQ's tsize is a question anyway. */
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0tsize\0enable\0"), &lim), 1);
	CHECK_OACK("\0\6tsize\0" "41943040\0");
}

TEST(test_neg_timeout_window)
{
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0timeout\0001\0"), &lim), 1);
	CHECK_INT(neg.timeout, 1);
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0timeout\000255\0"), &lim), 1);
	CHECK_INT(neg.timeout, 255);
	CHECK_OACK("\0\6timeout\0" "255\0");
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0timeout\000256\0"), &lim), 0);
	CHECK_INT(neg.timeout, 0);
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0timeout\0000\0"), &lim), 0);

	CHECK_INT(negotiate(PKT("\0\1f\0octet\0windowsize\00016\0"), &lim), 1);
	CHECK_INT(neg.window, 16);
	CHECK_OACK("\0\6windowsize\0" "16\0");
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0windowsize\00065535\0"), &lim),
		  1);
	CHECK_INT(neg.window, 64);
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0windowsize\000100000\0"), &lim),
		  1);
	CHECK_INT(neg.window, 64);
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0windowsize\0000\0"), &lim), 0);
	CHECK_INT(neg.window, 1);
}

TEST(test_neg_all_dup_unknown)
{
	uint8_t out[TFTP_OACK_MAX];
	struct tftp_limits l = lim;

	/* All four, given in another order: the OACK has a fixed one. */
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0WindowSize\0008\0Timeout\0005\0"
				"x-unknown\0yes\0tsize\0000\0blksize\0001400\0"),
			    &lim), 4);
	CHECK_INT(neg.accepted, TFTP_NEG_BLKSIZE | TFTP_NEG_TSIZE |
				TFTP_NEG_TIMEOUT | TFTP_NEG_WINDOW);
	CHECK_OACK("\0\6blksize\0" "1400\0tsize\0" "41943040\0timeout\0" "5\0"
		   "windowsize\0" "8\0");
	/* Duplicates: the first one counts, even if it was refused. */
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\0001024\0"
				"blksize\000512\0BLKSIZE\0001400\0"), &lim), 1);
	CHECK_INT(neg.blksize, 1024);
	CHECK_OACK("\0\6blksize\0" "1024\0");
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0timeout\0000\0timeout\0005\0"),
			    &lim), 0);
	CHECK_INT(neg.timeout, 0);
	/* The largest OACK fits TFTP_OACK_MAX exactly; one byte less not. */
	l.blksize_max = TFTP_BLKSIZE_MAX;
	l.window_max = TFTP_WINDOW_MAX;
	l.size = UINT64_MAX;
	CHECK_INT(negotiate(PKT("\0\1f\0octet\0blksize\00065464\0tsize\0000\0"
				"timeout\000100\0windowsize\00065535\0"), &l),
		  4);
	CHECK_INT(tftp_build_oack(out, sizeof(out), &neg), TFTP_OACK_MAX);
	CHECK_INT(tftp_build_oack(out, TFTP_OACK_MAX - 1, &neg), -EMSGSIZE);
	CHECK_INT(tftp_build_oack(out, 2, &neg), -EMSGSIZE);
}

TEST(test_netascii)
{
	static const uint8_t in[] = "a\nb\r\nc\rd";
	uint8_t out[32];
	size_t n = sizeof(in) - 1;

	CHECK_INT(tftp_netascii_size(in, n), n + 4);
	CHECK_INT(tftp_netascii_encode(out, in, n), n + 4);
	CHECK(!memcmp(out, "a\r\nb\r\0\r\nc\r\0d", n + 4));
	CHECK_INT(tftp_netascii_size(in, 0), 0);
	CHECK_INT(tftp_netascii_encode(out, in, 0), 0);
}

int main(void)
{
	RUN(test_rrq_plain);
	RUN(test_rrq_options);
	RUN(test_req_errors);
	RUN(test_req_limits);
	RUN(test_req_truncations);
	RUN(test_pkt_parse);
	RUN(test_build);
	RUN(test_neg_none);
	RUN(test_neg_blksize);
	RUN(test_neg_tsize);
	RUN(test_neg_timeout_window);
	RUN(test_neg_all_dup_unknown);
	RUN(test_netascii);
	return test_done();
}
