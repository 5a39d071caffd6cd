/*
 * TFTP option negotiation (tftp.h): the options of a request, checked
 * against what the caller allows, become the transfer's parameters and
 * the OACK that announces them (RFC 2347). Pure policy over the slices
 * tftp_req_parse() produced: no raw packet bytes, no I/O.
 *
 * Repeated options: the first one counts, later ones are ignored. Neither
 * reference server decides this on purpose: tftp-hpa's do_opt() applies
 * every occurrence in turn (the last value wins) and appends each one to
 * its OACK, so a duplicate is echoed twice with two different values;
 * atftpd stores options into one table slot per name, so the last wins
 * silently. A client that sends an option twice is confused or hostile,
 * and its own parser will most likely read our OACK from the front: with
 * first-wins the OACK names each option once, and the value it carries is
 * the one the client put first and most likely reads back, while a later
 * copy (trailing bytes a middlebox or a fuzzer added) cannot override it.
 */
#include "tftp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wire.h"

#define U64_DIGITS 20

/* A plain decimal number ("0".."18446744073709551615", no sign, no
 * spaces, leading zeros allowed); false for anything else. */
static bool parse_u64(const struct tftp_opt *o, uint64_t *ret)
{
	uint64_t v = 0;

	if (o->value_len == 0)
		return false;
	for (size_t i = 0; i < o->value_len; i++) {
		unsigned d = (unsigned)(unsigned char)o->value[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ret = v;
	return true;
}

static bool name_is(const struct tftp_opt *o, const char *name)
{
	return o->name_len == strlen(name) &&
	       strncasecmp(o->name, name, o->name_len) == 0;
}

static uint16_t clamp_u16(uint64_t v, uint16_t lo, uint16_t hi)
{
	return v < lo ? lo : v > hi ? hi : (uint16_t)v;
}

/* One option, if it is ours, well formed, and not yet seen. */
static void negotiate_one(struct tftp_neg *neg, const struct tftp_req *req,
			  const struct tftp_limits *lim,
			  const struct tftp_opt *o, unsigned *seen)
{
	uint16_t bmax = clamp_u16(lim->blksize_max, TFTP_BLKSIZE_MIN,
				  TFTP_BLKSIZE_MAX);
	uint16_t wmax = clamp_u16(lim->window_max, 1, TFTP_WINDOW_MAX);
	unsigned bit;
	uint64_t v;

	if (name_is(o, "blksize"))
		bit = TFTP_NEG_BLKSIZE;
	else if (name_is(o, "tsize"))
		bit = TFTP_NEG_TSIZE;
	else if (name_is(o, "timeout"))
		bit = TFTP_NEG_TIMEOUT;
	else if (name_is(o, "windowsize"))
		bit = TFTP_NEG_WINDOW;
	else
		return;		/* unknown: ignored (RFC 2347) */
	if (*seen & bit)
		return;		/* a repeat: the first counts (see above) */
	*seen |= bit;
	/* An RRQ's tsize asks for our size whatever it says: RFC 2349 has
	 * the client send 0, atftp sends "enable". */
	if (!parse_u64(o, &v) && !(bit == TFTP_NEG_TSIZE &&
				   req->op == TFTP_OP_RRQ))
		return;
	switch (bit) {
	case TFTP_NEG_BLKSIZE:
		if (v < TFTP_BLKSIZE_MIN)
			return;
		neg->blksize = v > bmax ? bmax : (uint16_t)v;
		break;
	case TFTP_NEG_TSIZE:
		if (req->op == TFTP_OP_RRQ) {
			if (!lim->size_known ||
			    req->mode != TFTP_MODE_OCTET)
				return;
			neg->tsize = lim->size;
		} else {
			neg->tsize = v;
		}
		break;
	case TFTP_NEG_TIMEOUT:
		if (v < TFTP_TIMEOUT_MIN || v > TFTP_TIMEOUT_MAX)
			return;
		neg->timeout = (uint8_t)v;
		break;
	default:	/* TFTP_NEG_WINDOW */
		if (v == 0)
			return;
		neg->window = v > wmax ? wmax : (uint16_t)v;
		break;
	}
	neg->accepted |= bit;
}

int tftp_opts_negotiate(struct tftp_neg *neg, const struct tftp_req *req,
			const struct tftp_limits *lim)
{
	unsigned seen = 0;
	int n = 0;

	memset(neg, 0, sizeof(*neg));
	neg->blksize = TFTP_BLKSIZE_DEFAULT;
	neg->window = 1;
	for (size_t i = 0; i < req->nopts && i < TFTP_OPTS_MAX; i++)
		negotiate_one(neg, req, lim, &req->opts[i], &seen);
	for (unsigned b = neg->accepted; b; b &= b - 1)
		n++;
	return n;
}

static void wr_opt(struct wire_wr *w, const char *name, uint64_t v)
{
	char num[U64_DIGITS + 1];
	int len = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	wire_wr_bytes(w, name, strlen(name) + 1);
	wire_wr_bytes(w, num, (size_t)len + 1);
}

int tftp_build_oack(uint8_t *out, size_t cap, const struct tftp_neg *neg)
{
	struct wire_wr w;

	if (neg->accepted == 0)
		return -EINVAL;
	wire_wr_init(&w, out, cap);
	wire_wr_u16(&w, TFTP_OP_OACK);
	if (neg->accepted & TFTP_NEG_BLKSIZE)
		wr_opt(&w, "blksize", neg->blksize);
	if (neg->accepted & TFTP_NEG_TSIZE)
		wr_opt(&w, "tsize", neg->tsize);
	if (neg->accepted & TFTP_NEG_TIMEOUT)
		wr_opt(&w, "timeout", neg->timeout);
	if (neg->accepted & TFTP_NEG_WINDOW)
		wr_opt(&w, "windowsize", neg->window);
	return wire_wr_ok(&w) ? (int)w.off : -EMSGSIZE;
}
